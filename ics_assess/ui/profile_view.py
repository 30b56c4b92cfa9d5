"""The partnership profile in the window (issue 11): a round's facts in their groups, each
with its value, source, as-of date and trend across rounds; derived figures computed and
marked so; a small dialog that edits a value (a refusal shown in the service's words,
the dialog kept open with what was typed) and Clear.

Everything goes through Services (services/profile.py); nothing here reads the store.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from .. import textrules
from ..profile import UNIT_WORDS, number_text
from ..services import ProfileEntry, RoundProfile, ServiceError, Services, StoreError
from .actions import short_date
from .dialogs import Dialogs
from .widgets import (
    WrappingLabel,
    form_rows,
    group_fill,
    heading,
    keep_table_width_shared,
    muted_text,
    ok_cancel,
    plain_label,
    plain_tooltip,
    refusal_label,
    share_table_width,
)
from .workshop import button, cell, table

COLUMNS = ["Fact", "Value", "Source", "As of", "Trend"]
COLUMN_SHARES = (0.34, 0.13, 0.25, 0.1, 0.18)


def trend_words(entry: ProfileEntry) -> str:
    """The trend as shown in the table: "9 → 11" (oldest round first); "" when fewer
    than two rounds have a value."""
    known = [p for p in entry.trend if p.value is not None]
    if len(known) < 2:
        return ""
    return " → ".join(number_text(p.value, entry.fact.unit) for p in known)


def _plain_number(value: float | None) -> str:
    """A value as it is typed back into the edit box: 3.6, 4200000, 91."""
    return "" if value is None else f"{value:g}" if abs(value) < 1e15 else f"{value:.0f}"


class ProfileValueDialog(QDialog):
    """A fact's value in a round, with its source and the date it was true on. Save
    stores it through the services; a refusal is shown in the dialog, which stays open
    with what was typed."""

    def __init__(
        self,
        services: Services,
        round_id: str,
        entry: ProfileEntry,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.services = services
        self.round_id = round_id
        self.entry = entry
        self.saved: ProfileEntry | None = None
        fact = entry.fact
        self.setWindowTitle("Edit value")
        self.fact_label = plain_label(fact.label)
        self.fact_label.setFont(QFont(self.font().family(), -1, QFont.Weight.Bold))
        self.fact_label.setAccessibleName("Fact")
        about = fact.description or ""
        unit = UNIT_WORDS.get(fact.unit, fact.unit)
        self.about = WrappingLabel(f"{about} Give {unit}.".strip())
        self.about.setAccessibleName("What to enter")
        self.value = QLineEdit(_plain_number(entry.value))
        self.value.setAccessibleName("Value")
        self.value.setPlaceholderText(unit)
        self.source = QLineEdit(entry.source)
        self.source.setAccessibleName("Source")
        self.source.setMaxLength(textrules.LINE_MAX)
        self.source.setPlaceholderText("Where the figure comes from")
        self.as_of = QLineEdit(entry.as_of)
        self.as_of.setAccessibleName("As of date")
        self.as_of.setPlaceholderText("YYYY-MM-DD, or leave empty")
        form = QFormLayout()
        form_rows(
            form,
            [
                ("&Value:", self.value),
                ("&Source:", self.source),
                ("&As of:", self.as_of),
            ],
        )
        self.problem = refusal_label("Why the value was not saved")
        self.buttons, self.ok_button = ok_cancel(self, "Save")
        layout = QVBoxLayout(self)
        layout.addWidget(self.fact_label)
        layout.addWidget(self.about)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 64)
        self.value.setFocus()
        self.value.selectAll()

    def accept(self) -> None:
        """Save the value; on a refusal, say why and stay open with what was typed."""
        try:
            self.saved = self.services.set_profile_value(
                self.round_id,
                self.entry.fact.id,
                self.value.text(),
                source=self.source.text().strip(),
                as_of=self.as_of.text().strip(),
            )
        except StoreError as exc:  # ServiceError and InvalidTextError are StoreErrors
            self.problem.setText(str(exc))
            self.problem.setVisible(True)
            self.value.setFocus()
            return
        super().accept()


class ProfilePage(QWidget):
    """A partnership's profile for one round."""

    back_requested = Signal()

    def __init__(self, services: Services, dialogs: Dialogs, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.dialogs = dialogs
        self.partnership_id: str | None = None
        self.profile: RoundProfile | None = None
        self.back_button = button("&Back to assessments", self.back_requested.emit)
        self.title = heading("Partnership profile")
        self.round_combo = QComboBox()
        self.round_combo.setAccessibleName("Round")
        self.round_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.round_combo.setMinimumContentsLength(24)
        self.round_caption = QLabel("&Round:")
        self.round_caption.setBuddy(self.round_combo)
        self.intro = plain_label(
            "Facts about the partnership in the round, with their source and the date they "
            "were true on. Computed figures follow from the facts and cannot be typed."
        )
        self.intro.setAccessibleName("About the profile")
        self.warnings = WrappingLabel()
        self.warnings.setAccessibleName("Profile file warnings")
        self.warnings.setVisible(False)
        self.empty = WrappingLabel()
        self.empty.setAccessibleName("No profile")
        self.empty.setVisible(False)
        self.table = table("Profile facts", COLUMNS)
        self.table.setWordWrap(True)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.activated.connect(lambda _index: self.edit_selected())
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.edit_button = button("E&dit…", self.edit_selected, "Value, source and date (Enter)")
        self.clear_button = button("&Clear", self.clear_selected, "Remove the value")
        self.selection_note = plain_label(wrap=True)
        self.selection_note.setAccessibleName("Selected fact")

        top = QHBoxLayout()
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.title, 1)
        choice = QHBoxLayout()
        choice.addWidget(self.round_caption)
        choice.addWidget(self.round_combo, 1)
        choice.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.selection_note, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(choice)
        layout.addWidget(self.intro)
        layout.addWidget(self.warnings)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.round_combo.currentIndexChanged.connect(lambda _index: self.refresh())
        keep_table_width_shared(self.table, COLUMN_SHARES)
        self._filling = False

    def _fit_columns(self) -> None:
        share_table_width(self.table, COLUMN_SHARES)

    # --- choosing -----------------------------------------------------------------------

    def round_id(self) -> str | None:
        """The round shown."""
        return self.round_combo.currentData()

    def show_partnership(self, partnership_id: str | None, round_id: str | None = None) -> None:
        """The profile of a partnership: its rounds latest first, ``round_id`` (else the
        latest) shown; a sentence when there is no partnership or no round."""
        keep = round_id or (self.round_id() if partnership_id == self.partnership_id else None)
        self.partnership_id = partnership_id
        self._filling = True
        self.round_combo.clear()
        name = ""
        try:
            if partnership_id:
                name = self.services.partnership(partnership_id).name
                for r in self.services.rounds_latest_first(partnership_id):
                    self.round_combo.addItem(r.name, r.id)
        except StoreError as exc:
            self.dialogs.warn("The profile could not be read", str(exc))
        index = self.round_combo.findData(keep) if keep else -1
        self.round_combo.setCurrentIndex(max(index, 0) if self.round_combo.count() else -1)
        self._filling = False
        self.title.setText(f"Partnership profile: {name}" if name else "Partnership profile")
        self.title.setAccessibleName(self.title.text())
        if partnership_id is None:
            self.empty.setText(
                "There is no partnership yet. Create one (and a round) on the assessments "
                "page, then record its facts here."
            )
        else:
            self.empty.setText(
                f"{name} has no rounds yet. Add a round on the assessments page (New "
                "round…); the profile is kept round by round."
            )
        self.refresh()

    # --- showing ------------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        """Read the round's profile again (derived figures and trend follow), keeping
        the fact selected."""
        if self._filling:
            return
        select = select if isinstance(select, str) else self.selected_id()
        round_id = self.round_id()
        self.profile = None
        if round_id:
            try:
                self.profile = self.services.round_profile(round_id)
            except (ServiceError, StoreError) as exc:
                self.dialogs.warn("The profile could not be read", str(exc))
        profile = self.profile
        notes = list(profile.warnings) if profile else []
        if profile and profile.undeclared:
            notes.append(
                "Values are kept for facts no longer declared in profile.toml: "
                + ", ".join(profile.undeclared)
                + "."
            )
        self.warnings.setText(" ".join(notes))
        self.warnings.setVisible(bool(notes))
        self.warnings.setToolTip(plain_tooltip("\n".join(notes)))
        self.empty.setVisible(profile is None)
        self.table.setVisible(profile is not None)
        self.intro.setVisible(profile is not None)
        self.table.clearSpans()
        self.table.setRowCount(0)
        rows: list[ProfileEntry | str] = []
        if profile:
            group = None
            for entry in profile.entries:
                if entry.fact.group != group:
                    group = entry.fact.group
                    rows.append(group or "Other facts")
                rows.append(entry)
        self.table.setRowCount(len(rows))
        bold = QFont(self.table.font())
        bold.setBold(True)
        italic = QFont(self.table.font())
        italic.setItalic(True)
        # From the palette, so they read on a dark or high-contrast one too.
        group = QBrush(group_fill(self.table.palette()))
        computed = QBrush(muted_text(self.table.palette()))
        for n, row in enumerate(rows):
            if isinstance(row, str):
                item = cell(row)
                item.setFont(bold)
                item.setBackground(group)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                self.table.setItem(n, 0, item)
                self.table.setSpan(n, 0, 1, len(COLUMNS))
                continue
            fact = row.fact
            values = [
                fact.label,
                row.text or "–",
                "computed" if row.computed else (row.source or "–"),
                "" if row.computed else (short_date(row.as_of) if row.as_of else "–"),
                trend_words(row),
            ]
            for column, text in enumerate(values):
                item = cell(text, fact.id)
                if row.computed:
                    item.setFont(italic)
                    item.setForeground(computed)
                if column == 0:
                    tip = fact.description or fact.label
                    if row.computed:
                        tip += f" Computed: {fact.formula}."
                    item.setToolTip(plain_tooltip(tip))
                if column == 1:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == 2 and row.source:
                    item.setToolTip(plain_tooltip(row.source))
                if column == 4 and row.trend_text:
                    item.setToolTip(plain_tooltip(row.trend_text))
                self.table.setItem(n, column, item)
        self._fit_columns()
        ids = [r.fact.id if isinstance(r, ProfileEntry) else None for r in rows]
        target = select if select in ids else next((i for i in ids if i), None)
        if target is not None:
            self.table.selectRow(ids.index(target))
        self._selection_changed()

    def entry(self, fact_id: str) -> ProfileEntry | None:
        """The entry of a fact in the round shown."""
        if self.profile is None:
            return None
        return next((e for e in self.profile.entries if e.fact.id == fact_id), None)

    def selected_id(self) -> str | None:
        """The id of the fact or figure selected."""
        items = self.table.selectedItems()
        data = items[0].data(Qt.ItemDataRole.UserRole) if items else None
        return data if isinstance(data, str) else None

    def _selection_changed(self) -> None:
        entry = self.entry(self.selected_id() or "")
        typed = entry is not None and not entry.computed
        self.edit_button.setEnabled(typed)
        self.clear_button.setEnabled(typed and entry.value is not None)
        if entry is not None and entry.computed:
            self.selection_note.setText(f"{entry.fact.label}: computed, not typed.")
        else:
            self.selection_note.setText("")

    # --- doing --------------------------------------------------------------------------

    def edit_selected(self) -> bool:
        """Edit the selected fact's value, source and date; True when saved."""
        entry = self.entry(self.selected_id() or "")
        round_id = self.round_id()
        if entry is None or entry.computed or round_id is None:
            return False
        dialog = ProfileValueDialog(self.services, round_id, entry, parent=self)
        self.dialogs.run(dialog)
        if dialog.saved is None:
            return False
        self.refresh(entry.fact.id)
        return True

    def clear_selected(self) -> bool:
        """Clear the selected fact's value in the round (asked first)."""
        entry = self.entry(self.selected_id() or "")
        round_id = self.round_id()
        if entry is None or entry.computed or entry.value is None or round_id is None:
            return False
        if not self.dialogs.confirm(
            "Clear value",
            f"Clear {entry.fact.label} ({entry.text}) of {self.round_combo.currentText()}? "
            "Figures computed from it will have no value.",
            ok="Clear",
            destructive=True,
        ):
            return False
        try:
            self.services.clear_profile_value(round_id, entry.fact.id)
        except StoreError as exc:
            self.dialogs.warn("The value was not cleared", str(exc))
            return False
        self.refresh(entry.fact.id)
        return True
