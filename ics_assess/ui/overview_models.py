"""Qt item models of the partnership overview, over a ``Comparison`` (comparison.py).

They only present: every number is the comparison's, rounded for display to one decimal
on the 1-5 scale. Colour is never the only signal: a coloured score cell prints its band's
name (the section table) or its value (the heat map), and marks such as "split" are words
with a tooltip that explains them.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from ..comparison import OVERALL, Column, Comparison, Divergence, StatementRow
from ..domain import AssessmentKind, Band, Sector
from ..labels import signed
from ..palette import TEXT_ON_COLOUR, band_colour
from ..scoring import Change, band_for, percent
from .widgets import plain_tooltip

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
"""The raw value a column sorts by."""
COLUMN_ROLE = Qt.ItemDataRole.UserRole + 2
"""The comparison Column (group) of a row of the section table or the trend table."""
ITEM_ROLE = Qt.ItemDataRole.UserRole + 3
"""The StatementRow of a heat map row, or the Divergence of a divergence row."""

MISSING = float("-inf")
LEVEL_NAMES = {
    "system": "System",
    "sector": "Sector",
    "partner_type": "Partner type",
    "organisation": "Organisation",
    "folded": "Combined group",
}
CENTRE = int(Qt.AlignmentFlag.AlignCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def band_of(mean: float | None, bands: Sequence[Band]) -> Band | None:
    """The band of a 1-5 score, or None for no score."""
    return None if mean is None else band_for(percent(mean), bands)


def score_text(mean: float | None) -> str:
    """A score to one decimal, or a dash for none."""
    return "–" if mean is None else f"{mean:.1f}"


def sector_name(sector: Sector) -> str:
    """'NHS', 'local government', 'community' (for use inside a sentence)."""
    return "NHS" if sector == Sector.NHS else sector.label.lower()


def sectors_text(divergence: Divergence) -> str:
    """'NHS – local government'."""
    return f"{divergence.gap.first.label} – {sector_name(divergence.gap.second)}"


def group_noun(kind: AssessmentKind, n: int) -> str:
    """'1 organisation', '4 respondents'."""
    noun = "organisation" if kind == AssessmentKind.ORGANISATION else "respondent"
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _statement_order(number: str) -> int:
    section, _, item = number.partition(".")
    try:
        return int(section) * 10_000 + int(item)
    except ValueError:
        return 0


class _Table(QAbstractTableModel):
    headers: list[str]
    header_tips: list[str]

    def __init__(self, parent=None):
        super().__init__(parent)
        self.headers = []
        self.header_tips = []

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or section >= len(self.headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        if role == Qt.ItemDataRole.ToolTipRole and section < len(self.header_tips):
            return plain_tooltip(self.header_tips[section])
        return None


class GroupScoresModel(_Table):
    """The section table: one row per group (system, sectors, partner types,
    organisations or anonymised groups), one column per score (overall, then each
    section). The first column's check box puts the group's line on the radar."""

    chart_changed = Signal()

    FIXED = 3  # Group, Level, n

    def __init__(self, parent=None):
        super().__init__(parent)
        self.comparison: Comparison | None = None
        self.groups: list[Column] = []
        self.scopes: list[str] = []
        self.charted: set[str] = set()

    def set_comparison(self, comparison: Comparison) -> None:
        """Show a comparison; system and sectors are drawn on the chart at first."""
        self.beginResetModel()
        self.comparison = comparison
        self.groups = list(comparison.columns)
        self.scopes = [OVERALL, *(s.id for s in comparison.questionnaire.sections)]
        titles = [s.title for s in comparison.questionnaire.sections]
        noun = "Organisations" if comparison.kind == AssessmentKind.ORGANISATION else "Respondents"
        self.headers = ["Group", "Level", noun, "Overall", *titles]
        self.header_tips = [
            "Tick a group to draw its line on the chart",
            "What kind of group the row is",
            f"{noun} behind the row's scores",
            "The questionnaire score",
            *titles,
        ]
        self.charted = {g.key for g in self.groups if g.level in ("system", "sector")}
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.groups)

    def charted_groups(self) -> list[Column]:
        """The groups ticked for the chart, in table order."""
        return [g for g in self.groups if g.key in self.charted]

    def set_charted(self, key: str, on: bool) -> None:
        """Draw or stop drawing a group's line."""
        row = next((n for n, g in enumerate(self.groups) if g.key == key), None)
        if row is not None:
            self.setData(
                self.index(row, 0),
                Qt.CheckState.Checked if on else Qt.CheckState.Unchecked,
                Qt.ItemDataRole.CheckStateRole,
            )

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            base |= Qt.ItemFlag.ItemIsUserCheckable
        return base

    def setData(self, index: Index, value, role=Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if role != Qt.ItemDataRole.CheckStateRole or index.column() != 0:
            return False
        key = self.groups[index.row()].key
        checked = Qt.CheckState(value) == Qt.CheckState.Checked
        if checked == (key in self.charted):
            return True
        (self.charted.add if checked else self.charted.discard)(key)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        self.chart_changed.emit()
        return True

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.comparison is None:
            return None
        group = self.groups[index.row()]
        column = index.column()
        bands = self.comparison.questionnaire.bands
        if role == COLUMN_ROLE:
            return group
        if column < self.FIXED:
            n = group.n
            if group.level == "system" and self.comparison.kind == AssessmentKind.INDIVIDUAL:
                n = self.comparison.submitted  # the respondents, not their organisations
            text = (group.label, LEVEL_NAMES[group.level], str(n))[column]
            if role == Qt.ItemDataRole.DisplayRole:
                return text
            if role == Qt.ItemDataRole.CheckStateRole and column == 0:
                return (
                    Qt.CheckState.Checked if group.key in self.charted else Qt.CheckState.Unchecked
                )
            if role == SORT_ROLE:
                return n if column == 2 else text.casefold()
            if role == Qt.ItemDataRole.ToolTipRole:
                if column == 0 and group.incomplete:
                    return plain_tooltip(
                        f"{group.label}: the mean of the sectors shown, not a system score"
                    )
                return plain_tooltip(text)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return CENTRE if column == 2 else LEFT
            return None
        scope = self.scopes[column - self.FIXED]
        value = group.value(scope)
        band = band_of(value, bands)
        if role == Qt.ItemDataRole.DisplayRole:
            return "–" if value is None else f"{value:.1f} {band.name}"
        if role == SORT_ROLE:
            return MISSING if value is None else value
        if role == Qt.ItemDataRole.BackgroundRole and band is not None:
            return QColor(band_colour(band, bands))
        if role == Qt.ItemDataRole.ForegroundRole and band is not None:
            return QColor(TEXT_ON_COLOUR)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTRE
        if role == Qt.ItemDataRole.ToolTipRole:
            what = self.headers[column]
            if value is None:
                return plain_tooltip(f"{group.label}, {what}: no score")
            return plain_tooltip(f"{group.label}, {what}: {value:.2f} of 5, {band.name}")
        return None


class HeatMapModel(_Table):
    """Statements (rows) against groups (columns): number, statement, marks (split,
    changed), then each group's value, coloured by band with the value printed."""

    FIXED = 3  # No., Statement, Marks

    def __init__(self, parent=None):
        super().__init__(parent)
        self.comparison: Comparison | None = None
        self.rows: list[StatementRow] = []
        self.groups: list[Column] = []

    def set_data(self, comparison: Comparison, groups: Sequence[Column]) -> None:
        """Show the comparison's statements against ``groups``."""
        self.beginResetModel()
        self.comparison = comparison
        self.rows = list(comparison.statements)
        self.groups = list(groups)
        self.headers = ["No.", "Statement", "Marks", *(g.label for g in self.groups)]
        self.header_tips = [
            "The statement's number: section.statement",
            "The statement",
            "split: the views are split (agreement below 0.6 with 3 or more scores); "
            "changed: the wording differs between the questionnaire versions answered",
            *(f"{g.label} ({group_noun(comparison.kind, g.n)})" for g in self.groups),
        ]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    @staticmethod
    def marks(row: StatementRow) -> str:
        """'split', 'changed', both, or nothing."""
        return ", ".join(w for w, on in (("split", row.split), ("changed", row.changed)) if on)

    @staticmethod
    def marks_tooltip(row: StatementRow) -> str:
        """The marks explained."""
        parts = []
        if row.split and row.spread.consensus is not None:
            parts.append(
                f"split: consensus {row.spread.consensus:.2f} (below 0.6, with {row.spread.n} "
                "scores): the views are split"
            )
        if row.changed:
            parts.append(
                "changed: the statement differs between the questionnaire versions answered; "
                "only answers on the newest version are counted"
            )
        return "\n".join(parts)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.comparison is None:
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == ITEM_ROLE:
            return row
        if column < self.FIXED:
            text = (row.number, row.item.statement, self.marks(row))[column]
            if role == Qt.ItemDataRole.DisplayRole:
                return text
            if role == SORT_ROLE:
                return _statement_order(row.number) if column == 0 else text.casefold()
            if role == Qt.ItemDataRole.ToolTipRole:
                tip = self.marks_tooltip(row) if column == 2 else text
                if column == 1 and (marks := self.marks_tooltip(row)):
                    tip += "\n" + marks
                return plain_tooltip(tip) if tip else None
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return LEFT
            return None
        group = self.groups[column - self.FIXED]
        value = group.value(row.item.id)
        bands = self.comparison.questionnaire.bands
        band = band_of(value, bands)
        if role == Qt.ItemDataRole.DisplayRole:
            return score_text(value)
        if role == SORT_ROLE:
            return MISSING if value is None else value
        if role == Qt.ItemDataRole.BackgroundRole and band is not None:
            return QColor(band_colour(band, bands))
        if role == Qt.ItemDataRole.ForegroundRole and band is not None:
            return QColor(TEXT_ON_COLOUR)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTRE
        if role == Qt.ItemDataRole.ToolTipRole:
            if value is None:
                return plain_tooltip(f"{row.number}, {group.label}: no score")
            return plain_tooltip(f"{row.number}, {group.label}: {value:.2f} of 5, {band.name}")
        return None


class DivergenceModel(_Table):
    """Where the sectors' views diverge: one row per gap, largest first."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[Divergence] = []
        self.headers = ["Scope", "Section or statement", "Sectors", "First", "Second", "Gap"]
        self.headers.append("Flagged")
        self.header_tips = [
            "Questionnaire, section or statement",
            "What the gap is about",
            "The two sectors compared: the first minus the second",
            "The first sector's score, with the number of organisations behind it",
            "The second sector's score, with the number of organisations behind it",
            "The first sector's score minus the second's",
            "A gap of 1 point or more either way is flagged",
        ]

    def set_rows(self, rows: Sequence[Divergence]) -> None:
        """Show these gaps (in the order given: the comparison's is largest first)."""
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def text(self, d: Divergence, column: int) -> str:
        """A cell's text."""
        g = d.gap
        if column == 0:
            return d.scope.capitalize()
        if column == 1:
            return d.label
        if column == 2:
            return sectors_text(d)
        if column == 3:
            return f"{score_text(g.first_score)} (n {g.first_n})"
        if column == 4:
            return f"{score_text(g.second_score)} (n {g.second_n})"
        if column == 5:
            return signed(g.gap)
        return "Flagged" if g.flagged else ""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        d = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(d, column)
        if role == ITEM_ROLE:
            return d
        if role == SORT_ROLE:
            if column == 5:
                return abs(d.gap.gap or 0.0)
            if column in (3, 4):
                value = d.gap.first_score if column == 3 else d.gap.second_score
                return MISSING if value is None else value
            if column == 6:
                return int(d.gap.flagged)
            return self.text(d, column).casefold()
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 5 and d.gap.gap is not None:
                higher = d.gap.first if d.gap.gap > 0 else d.gap.second
                return plain_tooltip(
                    f"{sectors_text(d)}: {d.gap.gap:+.2f}; {sector_name(higher)} rates this "
                    "higher" + (" (flagged: 1 point or more)" if d.gap.flagged else "")
                )
            return plain_tooltip(self.text(d, column))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTRE if column >= 3 else LEFT
        if role == Qt.ItemDataRole.FontRole and column == 6 and d.gap.flagged:
            font = QFont()
            font.setBold(True)
            return font
        return None


def change_text(change: Change) -> str:
    """'+0.6 ▲ moved', '-0.2', or a dash when either round has no score."""
    value = change.change
    if value is None:
        return "–"
    if change.moved:
        return f"{signed(value)} {'▲' if value > 0 else '▼'} moved"
    return signed(value)


def change_words(change: Change) -> str:
    """'From 2.9 to 3.5: up 0.6, moved.'"""
    if change.before is None or change.after is None:
        if change.after is not None:
            return f"No score in the earlier round; {change.after:.2f} now."
        if change.before is not None:
            return f"{change.before:.2f} in the earlier round; no score now."
        return "No score in either round."
    value = change.after - change.before
    way = "up" if value > 0 else "down" if value < 0 else "no change"
    amount = f" {abs(value):.2f}" if value else ""
    moved = ", moved (0.5 or more)" if change.moved else ""
    return f"From {change.before:.2f} to {change.after:.2f}: {way}{amount}{moved}."


class TrendModel(_Table):
    """Since the earlier round: one row per group (system, sectors, organisations in
    both rounds), one column per score, each cell the change."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[tuple[str, str, list[Change]]] = []

    def set_rows(self, headers: Sequence[str], rows: Sequence[tuple[str, str, list[Change]]]):
        """``rows`` are (label, level, changes per scope in header order)."""
        self.beginResetModel()
        self.headers = ["Group", "Level", *headers]
        self.header_tips = ["", "", "The questionnaire score", *headers[1:]]
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        label, level, changes = self.rows[index.row()]
        column = index.column()
        if column < 2:
            text = (label, level)[column]
            if role in (Qt.ItemDataRole.DisplayRole,):
                return text
            if role == Qt.ItemDataRole.ToolTipRole:
                return plain_tooltip(text)
            if role == SORT_ROLE:
                return text.casefold()
            return None
        change = changes[column - 2]
        if role == Qt.ItemDataRole.DisplayRole:
            return change_text(change)
        if role == Qt.ItemDataRole.ToolTipRole:
            return plain_tooltip(f"{label}, {self.headers[column]}: {change_words(change)}")
        if role == SORT_ROLE:
            return MISSING if change.change is None else change.change
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return CENTRE
        return None
