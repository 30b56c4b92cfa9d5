"""The action plan (issue 11): a partnership's actions round by round, with filters,
the overdue ones standing out, the carried ones marked, each action's history, export
and print; and the one dialog that creates or edits an action, wherever the need shows
(a statement in an assessment's results, a gap in the comparison, this page).

Everything goes through Services (services/actions.py); nothing here reads the store.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .. import textrules
from ..domain import ActionStatus
from ..services import (
    STATUS_WORDS,
    ActionRow,
    ServiceError,
    Services,
    StatementChoices,
    StoreError,
)
from .dialogs import Dialogs
from .report_view import suggested_name
from .widgets import (
    WrappingLabel,
    form_rows,
    heading,
    keep_table_width_shared,
    plain_label,
    plain_tooltip,
    readable,
    share_table_width,
    tint,
)
from .workshop import button, cell, date_text, table

# An overdue row: a light red fill (on the palette's base, so dark on a dark palette)
# with its date and status in red made readable on it.
OVERDUE_TEXT = QColor("#B3261E")
COLUMNS = ["Action", "Owner", "Due", "Status", "Answers", "Carried"]  # carried from / to
COLUMN_SHARES = (0.3, 0.15, 0.1, 0.12, 0.18, 0.15)
PLAN_FILTER = "Spreadsheets (*.xlsx *.csv);;All files (*)"
PDF_FILTER = "PDF (*.pdf)"


def short_date(iso: str) -> str:
    """'2026-10-31' as '31 Oct 2026' (as given when it is not a date)."""
    day = QDate.fromString(iso or "", Qt.DateFormat.ISODate)
    return day.toString("d MMM yyyy") if day.isValid() else iso


def _short(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, an ellipsis when cut."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _combo(name: str) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(14)
    return combo


def statement_note() -> WrappingLabel:
    """The note under a list of statements: what to know about the statement chosen (the
    version it is only in, what replaced it, an earlier wording, as the service words
    it); hidden when there is nothing to know."""
    note = WrappingLabel()
    note.setAccessibleName("About the statement chosen")
    note.setVisible(False)
    return note


def show_statement_note(note: WrappingLabel, combo: QComboBox, choice) -> None:
    """Say in ``note``, and in ``combo``'s accessible description, what to know about
    ``choice`` (a StatementChoice, or None for a section or nothing chosen)."""
    about = choice.about if choice else ""
    note.setText(about)
    note.setVisible(bool(about))
    combo.setAccessibleDescription(about)


def add_statement_item(combo: QComboBox, text: str, data: object, choice) -> None:
    """Add a statement to ``combo``, its whole wording and note as its tooltip."""
    combo.addItem(text, data)
    tip = "\n\n".join(p for p in (choice.statement, choice.note) if p)
    combo.setItemData(combo.count() - 1, plain_tooltip(tip), Qt.ItemDataRole.ToolTipRole)


class ActionDialog(QDialog):
    """A new action of a round, tied to what it answers; or an existing action's
    description, owner, due date and status (what it answers stays as it was)."""

    def __init__(
        self,
        services: Services,
        round_id: str,
        *,
        action_id: str | None = None,
        organisation_id: str | None = None,
        questionnaire_id: str | None = None,
        section_id: str | None = None,
        item_id: str | None = None,
        context: str = "",
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.services = services
        self.round_id = round_id
        self.action_id = action_id
        existing = services.action(action_id) if action_id else None
        if existing is not None:
            organisation_id = existing.organisation_id
            questionnaire_id = existing.questionnaire_id
            section_id = existing.section_id
            item_id = existing.item_id
        self.setWindowTitle("Edit action" if existing else "New action")
        # The sections and statements offered are those of the versions answered in the
        # round (and of the one naming what this action answers): read once per
        # questionnaire chosen.
        self._choices: dict[str, StatementChoices | None] = {}
        self._named = (questionnaire_id, section_id, item_id)
        rnd = services.round(round_id)
        self.where = plain_label(f"{services.partnership(rnd.partnership_id).name} · {rnd.name}")
        self.where.setAccessibleName("Round")
        self.context = WrappingLabel(context)
        self.context.setVisible(bool(context))
        self.organisation = _combo("Organisation")
        self.organisation.addItem("The whole partnership", None)
        for org in services.organisations(rnd.partnership_id):
            self.organisation.addItem(org.name, org.id)
        self.questionnaire = _combo("Questionnaire")
        self.questionnaire.addItem("No questionnaire", None)
        for entry in services.catalogue.all_latest():
            self.questionnaire.addItem(entry.questionnaire.title, entry.questionnaire.id)
        self.section = _combo("Section")
        self.statement = _combo("Statement")
        self.statement_note = statement_note()
        self.description = QPlainTextEdit()
        self.description.setAccessibleName("Action")
        self.description.setTabChangesFocus(True)  # Tab leaves it: no trap
        self.description.setPlaceholderText("What will be done")
        self.description.setMaximumHeight(self.fontMetrics().height() * 5)
        self.owner = QLineEdit()
        self.owner.setAccessibleName("Owner")
        self.owner.setMaxLength(textrules.LINE_MAX)
        self.owner.setPlaceholderText("Who is responsible")
        self.due = QLineEdit()
        self.due.setAccessibleName("Due date")
        self.due.setPlaceholderText("YYYY-MM-DD, or leave empty")
        self.status = _combo("Status")
        for status in ActionStatus:
            self.status.addItem(STATUS_WORDS[status], status.value)
        form = QFormLayout()
        form_rows(
            form,
            [
                ("&Organisation:", self.organisation),
                ("&Questionnaire:", self.questionnaire),
                ("S&ection:", self.section),
                ("S&tatement:", self.statement),
                ("&Action:", self.description),
                ("O&wner:", self.owner),
                ("&Due date:", self.due),
                ("&Status:", self.status),
            ],
        )
        form.insertRow(4, "", self.statement_note)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save" if existing else "Add action")
        self.ok_button.setAccessibleName(self.ok_button.text())
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.context)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)

        self.questionnaire.currentIndexChanged.connect(self._fill_sections)
        self.section.currentIndexChanged.connect(self._fill_statements)
        self.statement.currentIndexChanged.connect(self._show_statement_note)
        self.description.textChanged.connect(self._update)
        self._select(self.organisation, organisation_id)
        self._select(self.questionnaire, questionnaire_id)
        self._fill_sections()
        self._select(self.section, section_id)
        self._fill_statements()
        self._select(self.statement, item_id)
        if existing is not None:
            self.description.setPlainText(existing.description)
            self.owner.setText(existing.owner)
            self.due.setText(existing.due_on)
            self._select(self.status, existing.status.value)
            for combo in (self.organisation, self.questionnaire, self.section, self.statement):
                combo.setEnabled(False)  # what an action answers is fixed once made
        self._update()
        self.description.setFocus()

    @staticmethod
    def _select(combo: QComboBox, value: str | None) -> None:
        index = combo.findData(value) if value else 0
        combo.setCurrentIndex(max(index, 0))

    def _questionnaire(self) -> StatementChoices | None:
        """The sections and statements the questionnaire chosen offers in this round:
        those of every version answered in it, matched by id (services)."""
        qid = self.questionnaire.currentData()
        if not qid:
            return None
        if qid not in self._choices:
            named_qid, section_id, item_id = self._named
            named = {"section_id": section_id, "item_id": item_id} if qid == named_qid else {}
            try:
                self._choices[qid] = self.services.statement_choices(qid, self.round_id, **named)
            except StoreError:  # ServiceError too: offered as a questionnaire only
                self._choices[qid] = None
        return self._choices[qid]

    def _fill_sections(self) -> None:
        q = self._questionnaire()
        self.section.blockSignals(True)
        self.section.clear()
        self.section.addItem("The whole questionnaire", None)
        for section in q.sections if q else ():
            self.section.addItem(section.marker + section.title, section.id)
        self.section.blockSignals(False)
        self.section.setEnabled(q is not None and self.action_id is None)
        self._fill_statements()

    def _fill_statements(self) -> None:
        q = self._questionnaire()
        section = q.section(self.section.currentData()) if q else None
        self.statement.blockSignals(True)
        self.statement.clear()
        self.statement.addItem("The whole section", None)
        for choice in section.statements if section else ():
            text = choice.marker + _short(choice.statement, 90)
            add_statement_item(self.statement, text, choice.id, choice)
        self.statement.blockSignals(False)
        self.statement.setEnabled(section is not None and self.action_id is None)
        self._show_statement_note()

    def _show_statement_note(self) -> None:
        q = self._questionnaire()
        choice = q.statement(self.statement.currentData()) if q else None
        show_statement_note(self.statement_note, self.statement, choice)

    def _update(self) -> None:
        self.ok_button.setEnabled(bool(self.description.toPlainText().strip()))

    def values(self) -> dict:
        """What was entered: the create_action keyword arguments (for an edit, only
        description, owner, due_on and status count)."""
        return {
            "description": self.description.toPlainText().strip(),
            "owner": self.owner.text().strip(),
            "due_on": self.due.text().strip(),
            "status": self.status.currentData(),
            "organisation_id": self.organisation.currentData(),
            "questionnaire_id": self.questionnaire.currentData(),
            "section_id": self.section.currentData(),
            "item_id": self.statement.currentData(),
        }


def ask_action(
    services: Services,
    dialogs: Dialogs,
    round_id: str,
    parent: QWidget | None = None,
    **preset,
) -> str | None:
    """Ask for a new action of a round (``preset`` chooses what it answers) and create
    it; its id, or None when cancelled or refused (the user is told why)."""
    dialog = ActionDialog(services, round_id, parent=parent, **preset)
    if not dialogs.run(dialog):
        return None
    try:
        return services.create_action(round_id, **dialog.values()).id
    except StoreError as exc:  # ServiceError and InvalidTextError are StoreErrors
        dialogs.warn("The action was not added", str(exc))
        return None


class ActionPlanPage(QWidget):
    """A partnership's action plan for one round."""

    back_requested = Signal()

    def __init__(self, services: Services, dialogs: Dialogs, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.dialogs = dialogs
        self.rows: list[ActionRow] = []
        self.back_button = button("&Back to assessments", self.back_requested.emit)
        self.round_combo = _combo("Round")
        self.owner_filter = _combo("Show owner")
        self.status_filter = _combo("Show status")
        self.organisation_filter = _combo("Show organisation")
        self.section_filter = _combo("Show section")
        self.overdue_only = QCheckBox("Only overd&ue")
        self.overdue_only.setAccessibleName("Only overdue actions")
        self.summary = plain_label()
        self.summary.setAccessibleName("Summary")
        self.table = table("Actions", COLUMNS)
        self.table.setWordWrap(True)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.activated.connect(lambda _index: self.edit_selected())
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.empty = WrappingLabel()
        self.empty.setAccessibleName("No actions")
        self.history = QListWidget()
        self.history.setAccessibleName("History of the selected action")
        self.history.setWordWrap(True)
        self.details = WrappingLabel()
        self.details.setAccessibleName("What the selected action answers")
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history_title = plain_label("History")
        self.history_title.setFont(QFont(self.font().family(), -1, QFont.Weight.Bold))
        self.new_button = button("&New action…", self.new_action, "Add an action to this round")
        self.edit_button = button(
            "Edi&t…", self.edit_selected, "Description, owner, due, status (Enter)"
        )
        self.done_button = button("Mark &done", self.complete_selected)
        self.drop_button = button("Dro&p", self.drop_selected, "Keep it, but no longer pursued")
        self.export_button = button("E&xport…", self.export_plan, "The plan as CSV or XLSX")
        self.print_button = button("Pr&int…", self.print_plan, "The plan as a PDF")

        top = QHBoxLayout()
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(heading("Action plan"), 1)
        choices = QGridLayout()
        for n, (label, widget) in enumerate(
            (
                ("&Round:", self.round_combo),
                ("O&wner:", self.owner_filter),
                ("&Status:", self.status_filter),
                ("Or&ganisation:", self.organisation_filter),
                ("Se&ction:", self.section_filter),
            )
        ):
            caption = QLabel(label)
            caption.setBuddy(widget)
            row, col = (0, 0) if n == 0 else (1 + (n - 1) // 2, ((n - 1) % 2) * 2)
            choices.addWidget(caption, row, col)
            choices.addWidget(widget, row, col + 1, 1, 3 if n == 0 else 1)
        choices.addWidget(self.overdue_only, 0, 4)
        choices.setColumnStretch(1, 1)
        choices.setColumnStretch(3, 1)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.details)
        side_layout.addWidget(self.history_title)
        side_layout.addWidget(self.history, 1)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.summary)
        left_layout.addWidget(self.empty)
        left_layout.addWidget(self.table, 1)
        self.splitter = QSplitter()
        self.splitter.addWidget(left)
        self.splitter.addWidget(side)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        buttons = QHBoxLayout()
        for b in (self.new_button, self.edit_button, self.done_button, self.drop_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(choices)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(buttons)

        self.round_combo.currentIndexChanged.connect(self._round_changed)
        for combo in (
            self.owner_filter,
            self.status_filter,
            self.organisation_filter,
            self.section_filter,
        ):
            combo.currentIndexChanged.connect(self.refresh)
        self.overdue_only.toggled.connect(self.refresh)
        keep_table_width_shared(self.table, COLUMN_SHARES)
        self._filling = False

    def _fit_columns(self) -> None:
        share_table_width(self.table, COLUMN_SHARES)

    # --- choosing -----------------------------------------------------------------------

    def round_id(self) -> str | None:
        """The round shown."""
        return self.round_combo.currentData()

    def show_plan(self, partnership_id: str | None = None, round_id: str | None = None) -> None:
        """Fill the round choice (every partnership's rounds, latest first) and show the
        plan of ``round_id``, else the latest round of ``partnership_id``, else the
        round shown before."""
        keep = round_id or self.round_id()
        self._filling = True
        self.round_combo.clear()
        first_of: dict[str, str] = {}
        try:
            for p in self.services.partnerships():
                for r in self.services.rounds_latest_first(p.id):
                    self.round_combo.addItem(f"{p.name} · {r.name}", r.id)
                    first_of.setdefault(p.id, r.id)
        except StoreError as exc:
            self.dialogs.warn("The action plan could not be read", str(exc))
        if round_id is None and partnership_id in first_of:
            keep = first_of[partnership_id]
        index = self.round_combo.findData(keep) if keep else -1
        self.round_combo.setCurrentIndex(max(index, 0) if self.round_combo.count() else -1)
        self._filling = False
        self._round_changed()

    def _round_changed(self) -> None:
        if self._filling:
            return
        round_id = self.round_id()
        self._filling = True
        for combo in (
            self.owner_filter,
            self.status_filter,
            self.organisation_filter,
            self.section_filter,
        ):
            combo.clear()
        self.owner_filter.addItem("Every owner", None)
        self.status_filter.addItem("Every status", None)
        for status in ActionStatus:
            self.status_filter.addItem(STATUS_WORDS[status], status.value)
        self.organisation_filter.addItem("Every organisation", None)
        self.section_filter.addItem("Every section", None)
        if round_id:
            try:
                rnd = self.services.round(round_id)
                for owner in self.services.action_owners(round_id):
                    self.owner_filter.addItem(owner, owner)
                for org in self.services.organisations(rnd.partnership_id):
                    self.organisation_filter.addItem(org.name, org.id)
                for key, title in self.services.action_sections(round_id):
                    self.section_filter.addItem(title, key)
            except StoreError as exc:
                self.dialogs.warn("The action plan could not be read", str(exc))
        self._filling = False
        self.refresh()

    def filters(self) -> dict:
        """The filters chosen, as action_plan keyword arguments."""
        return {
            "owner": self.owner_filter.currentData(),
            "status": self.status_filter.currentData(),
            "organisation_id": self.organisation_filter.currentData(),
            "section_id": self.section_filter.currentData(),
            "overdue_only": self.overdue_only.isChecked(),
        }

    # --- showing ------------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        """Read the plan again with the filters chosen (keeping the selection)."""
        if self._filling:
            return
        select = select if isinstance(select, str) else self.selected_id()
        round_id = self.round_id()
        try:
            self.rows = self.services.action_plan(round_id, **self.filters()) if round_id else []
        except StoreError as exc:
            self.dialogs.warn("The action plan could not be read", str(exc))
            self.rows = []
        self.table.setRowCount(len(self.rows))
        overdue_fill = tint(self.table.palette(), OVERDUE_TEXT, 0.12)
        overdue_text = readable(OVERDUE_TEXT, overdue_fill)
        for n, r in enumerate(self.rows):
            a = r.action
            carried = f"from {r.carried_from_round}" if r.carried_from_round else ""
            if r.carried_to_round:
                carried = ", ".join(filter(None, [carried, f"to {r.carried_to_round}"]))
            answers = " · ".join(
                p for p in (r.organisation_name, r.section_title or r.questionnaire_title) if p
            )
            values = [
                a.description,
                a.owner or "–",
                short_date(a.due_on) if a.due_on else "–",
                r.status_words,
                answers or "The whole partnership",
                carried,
            ]
            for column, text in enumerate(values):
                item = cell(text, a.id)
                if r.overdue:
                    item.setBackground(QBrush(overdue_fill))
                    if column in (2, 3):
                        item.setForeground(QBrush(overdue_text))
                        font = item.font()
                        font.setBold(True)
                        item.setFont(font)
                if column == 0:
                    item.setToolTip(plain_tooltip(a.description))
                if column == 4:
                    item.setToolTip(plain_tooltip(r.answers))
                self.table.setItem(n, column, item)
        self._fit_columns()
        overdue = sum(1 for r in self.rows if r.overdue)
        carried = sum(1 for r in self.rows if r.carried_from_round)
        words = [f"{len(self.rows)} action{'s' if len(self.rows) != 1 else ''}"]
        if overdue:
            words.append(f"{overdue} overdue")
        if carried:
            words.append(f"{carried} carried from an earlier round")
        self.summary.setText(", ".join(words) + ".")
        self.empty.setText(
            "No actions match these filters."
            if any(v for v in self.filters().values())
            else "No actions in this round yet. Add one with New action, or from a "
            "statement in an assessment's results, a gap in the comparison or a workshop."
        )
        self.empty.setVisible(not self.rows)
        self.table.setVisible(bool(self.rows))
        index = next((n for n, r in enumerate(self.rows) if r.action.id == select), 0)
        if self.rows:
            self.table.selectRow(index)
        self._selection_changed()

    def selected_id(self) -> str | None:
        """The id of the action selected."""
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _selection_changed(self) -> None:
        action_id = self.selected_id()
        row = next((r for r in self.rows if r.action.id == action_id), None)
        is_open = row is not None and row.action.is_open
        self.edit_button.setEnabled(row is not None)
        self.done_button.setEnabled(is_open)
        self.drop_button.setEnabled(is_open)
        self.new_button.setEnabled(self.round_id() is not None)
        self.export_button.setEnabled(bool(self.rows))
        self.print_button.setEnabled(self.round_id() is not None)
        self.history.clear()
        if row is None:
            self.history_title.setText("History")
            self.details.setText("")
            return
        details = [f"Answers: {row.answers}"]
        if row.carried_from_round:
            details.append(f"Carried from {row.carried_from_round}.")
        if row.carried_to_round:
            details.append(f"Carried to {row.carried_to_round}: followed there.")
        self.details.setText("\n".join(details))
        self.history_title.setText("History of the selected action")
        try:
            entries = self.services.action_history(row.action.id)
        except StoreError:
            entries = []
        for e in entries:
            self.history.addItem(QListWidgetItem(f"{date_text(e.changed_at[:10])}: {e.words}"))
        if not entries:
            self.history.addItem(QListWidgetItem("No changes kept for this action."))

    # --- doing --------------------------------------------------------------------------

    def add_action(self, round_id: str | None = None, **preset) -> str | None:
        """A new action of the round (the one shown by default); its id, or None."""
        round_id = round_id or self.round_id()
        if round_id is None:
            self.dialogs.inform("New action", "Create a partnership and a round first.")
            return None
        action_id = ask_action(self.services, self.dialogs, round_id, self, **preset)
        if action_id and round_id == self.round_id():
            self._round_changed()
            self.refresh(action_id)
        return action_id

    def new_action(self) -> str | None:
        """New action… on this page."""
        return self.add_action()

    def edit_selected(self) -> bool:
        """Edit the selected action's description, owner, due date or status."""
        action_id = self.selected_id()
        if action_id is None:
            return False
        dialog = ActionDialog(self.services, self.round_id(), action_id=action_id, parent=self)
        if not self.dialogs.run(dialog):
            return False
        values = dialog.values()
        try:
            self.services.update_action(
                action_id,
                description=values["description"],
                owner=values["owner"],
                due_on=values["due_on"],
                status=values["status"],
            )
        except StoreError as exc:
            self.dialogs.warn("The action was not changed", str(exc))
            return False
        self._round_changed()
        self.refresh(action_id)
        return True

    def complete_selected(self) -> None:
        """Mark the selected action done."""
        self._change(self.services.complete_action, "marked done")

    def drop_selected(self) -> None:
        """Drop the selected action (kept, with its history)."""
        action_id = self.selected_id()
        row = next((r for r in self.rows if r.action.id == action_id), None)
        if row is None or not self.dialogs.confirm(
            "Drop action",
            f"Drop “{_short(row.action.description, 80)}”? It stays in the plan "
            "and its history, as dropped.",
            ok="Drop",
        ):
            return
        self._change(self.services.drop_action, "dropped")

    def _change(self, change, what: str) -> None:
        action_id = self.selected_id()
        if action_id is None:
            return
        try:
            change(action_id)
        except (ServiceError, StoreError) as exc:
            self.dialogs.warn(f"The action was not {what}", str(exc))
            return
        self.refresh(action_id)

    def _suggested(self, suffix: str) -> Path:
        name = suggested_name("Action plan", *self.round_combo.currentText().split(" · "))
        return Path.home() / (name.removesuffix(".pdf") + suffix)

    def export_plan(self) -> Path | None:
        """The plan shown (with its filters) as CSV or XLSX."""
        round_id = self.round_id()
        if round_id is None:
            return None
        path = self.dialogs.save_path(
            "Export the action plan", self._suggested(".xlsx"), PLAN_FILTER
        )
        if path is None:
            return None
        try:
            written = self.services.export_action_plan(round_id, path, **self.filters())
        except StoreError as exc:
            self.dialogs.warn("The action plan was not exported", str(exc))
            return None
        self.dialogs.inform("Action plan exported", f"Saved to {written}.")
        return written

    def print_plan(self) -> Path | None:
        """The plan shown (with its filters) as a PDF of one table."""
        round_id = self.round_id()
        if round_id is None:
            return None
        path = self.dialogs.save_path("Print the action plan", self._suggested(".pdf"), PDF_FILTER)
        if path is None:
            return None
        try:
            written = self.services.print_action_plan(round_id, path, **self.filters())
        except StoreError as exc:
            self.dialogs.warn("The action plan was not printed", str(exc))
            return None
        self.dialogs.inform("Action plan saved", f"Saved to {written}; open it to print.")
        return written
