"""Qt item models over domain objects. Widgets never hold the truth: they show a model,
and the model is refilled from the services."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor

from ..domain import AssessmentKind, AssessmentStatus, AssessmentSummary
from ..palette import TEXT_ON_COLOUR, band_colour
from ..services import OverallScore
from .widgets import plain_tooltip

Index = QModelIndex | QPersistentModelIndex

# The raw value a column sorts by, under this role.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
# The AssessmentSummary of a row, under this role.
SUMMARY_ROLE = Qt.ItemDataRole.UserRole + 2


def friendly_time(iso: str) -> str:
    """'25 Nov 2026 14:05' in local time, from an ISO 8601 UTC timestamp."""
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    return moment.strftime("%d %b %Y %H:%M").lstrip("0")


def _display(s: AssessmentSummary, column: int) -> str:
    """The text a column shows for a row."""
    a = s.assessment
    if column == 0:
        return s.organisation_name
    if column == 1:
        return s.partner_type.label
    if column == 2:
        return s.questionnaire_title
    if column == 3:
        return s.round_name
    if column == 4:
        who = a.respondent_label
        return who if a.kind is AssessmentKind.ORGANISATION else f"{who} (individual)"
    if column == 5:
        return "Submitted" if a.status is AssessmentStatus.SUBMITTED else "Draft"
    if column == 6:
        return f"{s.answered} of {s.total_items}"
    return friendly_time(a.updated_at)


def _sort_key(s: AssessmentSummary, column: int):
    """What a column sorts by: progress as a fraction, times as stored, text folded."""
    if column == 6:
        return s.answered / s.total_items if s.total_items else 0.0
    if column == 7:
        return s.assessment.updated_at
    if column == 4:
        return s.assessment.respondent_label.casefold()
    return _display(s, column).casefold()


class AssessmentTableModel(QAbstractTableModel):
    """The assessment list: one row per AssessmentSummary.

    Sorting happens here, in one pass over plain objects: a proxy sorting 10,000 rows
    through data() calls froze the window for a second."""

    COLUMNS = (
        "Organisation",
        "Partner type",
        "Questionnaire",
        "Round",
        "Respondent",
        "Status",
        "Progress",
        "Last changed",
        "Score",
        "Band",
    )
    TEXT_COLUMNS = 8  # the columns read from the summary; Score and Band come later
    SCORE, BAND = 8, 9

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[AssessmentSummary] = []
        self._search: list[str] | None = None
        self._order: tuple[int, Qt.SortOrder] | None = None
        self._scores: dict[str, OverallScore] = {}
        self.scores_loaded = False

    def set_scores(self, scores: dict[str, OverallScore]) -> None:
        """Fill in the Score and Band columns (worked out in the background)."""
        self._scores = dict(scores)
        self.scores_loaded = True
        self._search = None
        if self._order is not None and self._order[0] in (self.SCORE, self.BAND):
            self.sort(*self._order)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, self.SCORE), self.index(len(self._rows) - 1, self.BAND)
            )

    def score(self, assessment_id: str) -> OverallScore | None:
        """The overall score of an assessment, once worked out."""
        return self._scores.get(assessment_id)

    def _score_text(self, s: AssessmentSummary, column: int) -> str:
        score = self._scores.get(s.assessment.id)
        if score is None:
            return "…" if not self.scores_loaded else ""
        if score.mean is None or score.band is None:
            return "–" if column == self.SCORE else "Not enough answers"
        if column == self.SCORE:
            return f"{score.mean:.1f}*" if score.provisional else f"{score.mean:.1f}"
        return score.band.name

    def _key(self, s: AssessmentSummary, column: int):
        if column in (self.SCORE, self.BAND):
            score = self._scores.get(s.assessment.id)
            return -1.0 if score is None or score.mean is None else score.mean
        return _sort_key(s, column)

    def text(self, s: AssessmentSummary, column: int) -> str:
        """The text a column shows for a row."""
        if column >= self.TEXT_COLUMNS:
            return self._score_text(s, column)
        return _display(s, column)

    def set_rows(self, rows: list[AssessmentSummary]) -> None:
        """Replace every row (kept in the current sort order)."""
        self.beginResetModel()
        self._rows = list(rows)
        self._search = None
        if self._order is not None:
            self._sort_rows(*self._order)
        self.endResetModel()

    def summary(self, row: int) -> AssessmentSummary:
        """The summary shown in a row."""
        return self._rows[row]

    def row_of(self, assessment_id: str) -> int | None:
        """The row showing an assessment, or None."""
        for n, s in enumerate(self._rows):
            if s.assessment.id == assessment_id:
                return n
        return None

    def search_text(self, row: int) -> str:
        """Everything a row shows, folded for searching (cached until the rows change)."""
        if self._search is None:
            self._search = [
                " ".join(self.text(s, c) for c in range(len(self.COLUMNS))).casefold()
                for s in self._rows
            ]
        return self._search[row]

    def distinct_texts(self, column: int) -> set[str]:
        """The different texts a column shows (for sizing it)."""
        return {_display(s, column) for s in self._rows}

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        self._rows.sort(key=lambda s: self._key(s, column), reverse=descending)
        self._search = None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows, keeping selections on the same assessments."""
        self._order = (column, order)
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        ids = [self._rows[i.row()].assessment.id for i in old]
        self._sort_rows(column, order)
        where = {s.assessment.id: n for n, s in enumerate(self._rows)}
        self.changePersistentIndexList(
            old, [self.index(where[i], index.column()) for i, index in zip(ids, old, strict=True)]
        )
        self.layoutChanged.emit()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        s = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(s, column)
        if role == SUMMARY_ROLE:
            return s
        if role == SORT_ROLE:
            return self._key(s, column)
        if column == self.BAND and role in (
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.ForegroundRole,
        ):
            score = self._scores.get(s.assessment.id)
            if score is None or score.band is None:
                return None
            if role == Qt.ItemDataRole.ForegroundRole:
                return QColor(TEXT_ON_COLOUR)
            return QColor(band_colour(score.band, score.bands))
        if role == Qt.ItemDataRole.ToolTipRole:
            # Columns elide long text; the tooltip always has all of it.
            text = self.text(s, column)
            if column == self.SCORE and text not in ("", "…", "–"):
                score = self._scores.get(s.assessment.id)
                text = f"Overall score {text.rstrip('*')} of 5 (the average of the scored sections)"
                if score is not None and score.provisional:
                    text += f"; provisional: {score.basis}"
            if column == 4 and s.assessment.respondent_role:
                text = f"{text}, {s.assessment.respondent_role}"
            return plain_tooltip(text)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (6, self.SCORE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class AssessmentFilterModel(QSortFilterProxyModel):
    """Filters the assessment list by text, partnership, round, questionnaire and status."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filters: dict[str, str | None] = {
            "partnership": None,
            "round": None,
            "questionnaire": None,
            "status": None,
        }
        self.text = ""

    def set_filter(self, name: str, value: str | None) -> None:
        """Show only rows whose ``name`` (partnership, round, questionnaire, status) is value."""
        self.beginFilterChange()
        self.filters[name] = value or None
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        """Show only rows mentioning ``text`` in any column."""
        self.beginFilterChange()
        self.text = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:  # noqa: N802
        model = self.sourceModel()
        s: AssessmentSummary = model.summary(source_row)
        a = s.assessment
        wanted = self.filters
        if wanted["round"] and a.round_id != wanted["round"]:
            return False
        if wanted["questionnaire"] and a.questionnaire_id != wanted["questionnaire"]:
            return False
        if wanted["status"] and a.status.value != wanted["status"]:
            return False
        if wanted["partnership"] and s.partnership_id != wanted["partnership"]:
            return False
        if self.text:
            return self.text in model.search_text(source_row)
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is the source model's (fast, over plain objects); the proxy filters."""
        self.sourceModel().sort(column, order)
