"""Workshops in the window: the list (and creating one), and the facilitator's page.

The facilitator's page has two tabs. Participants: add people as they arrive
(organisation picked or added, name optional), see who has answered how much, pass the
laptop to one of them (the participant screen, ui/participant.py), resume one who stepped
away or handed back, remove one, join views that came in from a bundle or a spreadsheet,
and show the list of who is expected and who has answered. Statements: the room's outcome
for each statement (agreed, with its rating; or not agreed, with each position and the
sectors holding it), its reasoning and its actions, saved the moment they are given. The
projector view (ui/projector.py) follows the statement chosen here, and the other way.

The page shows only what Services return; a participant's own answers are never shown
here, only counts (answered x of y) and the room's distribution.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
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
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .. import textrules
from ..domain import Position, Sector, Unrated
from ..services import Services, StoreError
from .dialogs import Dialogs
from .new_assessment import ask_new_organisation
from .projector import ProjectorView, agreed_text, number_text
from .widgets import WrappingLabel, heading, plain_label

REASONING_PAUSE_MS = 700
NO_OUTCOME, AGREED, NOT_AGREED = 0, 1, 2


def button(text: str, slot: Callable[[], object] | None = None, tip: str = "") -> QPushButton:
    """A push button with an Alt key (&), named for screen readers without it."""
    b = QPushButton(text)
    b.setAccessibleName(text.replace("&", "").rstrip("…"))
    if tip:
        b.setToolTip(tip)
    if slot is not None:
        b.clicked.connect(slot)
    return b


def table(name: str, headers: list[str]) -> QTableWidget:
    """A read-only table of whole rows that Tab leaves."""
    view = QTableWidget(0, len(headers))
    view.setHorizontalHeaderLabels(headers)
    view.setAccessibleName(name)
    view.setTabKeyNavigation(False)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    return view


def cell(text: str, data: object = None) -> QTableWidgetItem:
    """A table cell showing text literally (items never interpret markup)."""
    item = QTableWidgetItem(text)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    return item


def date_text(iso: str) -> str:
    """'2026-11-12' as '12 November 2026' (as given when it is not a date)."""
    day = QDate.fromString(iso or "", Qt.DateFormat.ISODate)
    return day.toString("d MMMM yyyy") if day.isValid() else (iso or "no date")


# --- the list ---------------------------------------------------------------------------


class NewWorkshopDialog(QDialog):
    """A new workshop: round, questionnaire, title, date, facilitator."""

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New workshop")
        self.services = services
        self.round = QComboBox()
        self.round.setAccessibleName("Round")
        for p in services.partnerships():
            for r in services.rounds_latest_first(p.id):
                self.round.addItem(f"{p.name} · {r.name}", r.id)
        self.questionnaire = QComboBox()
        self.questionnaire.setAccessibleName("Questionnaire")
        for entry in services.catalogue.all_latest():
            self.questionnaire.addItem(entry.questionnaire.title, entry.questionnaire.id)
        self.title = QLineEdit()
        self.title.setAccessibleName("Title")
        self.title.setMaxLength(textrules.LINE_MAX)
        self.title.setPlaceholderText("e.g. Equal partnership workshop")
        self.held_on = QDateEdit(QDate.currentDate())
        self.held_on.setCalendarPopup(True)
        self.held_on.setDisplayFormat("d MMMM yyyy")
        self.held_on.setAccessibleName("Date")
        self.facilitator = QLineEdit()
        self.facilitator.setAccessibleName("Facilitator")
        self.facilitator.setMaxLength(textrules.LINE_MAX)
        form = QFormLayout()
        for label, widget in (
            ("&Round:", self.round),
            ("&Questionnaire:", self.questionnaire),
            ("&Title:", self.title),
            ("&Date:", self.held_on),
            ("&Facilitator:", self.facilitator),
        ):
            form.addRow(label, widget)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.create_button.setText("Create")
        self.create_button.setAccessibleName("Create")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.title.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._update()

    def _update(self) -> None:
        ready = bool(self.title.text().strip() and self.round.currentData())
        self.create_button.setEnabled(ready and bool(self.questionnaire.currentData()))

    def values(self) -> dict[str, str]:
        """The create_workshop keyword arguments."""
        return {
            "round_id": self.round.currentData(),
            "questionnaire_id": self.questionnaire.currentData(),
            "title": self.title.text().strip(),
            "held_on": self.held_on.date().toString(Qt.DateFormat.ISODate),
            "facilitator": self.facilitator.text().strip(),
        }


class WorkshopsPage(QWidget):
    """Every workshop, newest last; open one, or create one."""

    back_requested = Signal()
    open_requested = Signal(str)  # workshop id

    def __init__(self, services: Services, dialogs: Dialogs, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.dialogs = dialogs
        self.back_button = button("&Back to assessments", self.back_requested.emit)
        self.new_button = button("&New workshop…", self.new_workshop)
        self.open_button = button("&Open", self.open_selected)
        self.table = table(
            "Workshops",
            ["Workshop", "Date", "Round", "Questionnaire", "Answered", "Agreed", "Actions"],
        )
        self.table.doubleClicked.connect(lambda _index: self.open_selected())
        self.table.activated.connect(lambda _index: self.open_selected())
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.empty = WrappingLabel(
            "No workshops yet. A workshop brings the partners together on one "
            "questionnaire: each answers on their own, then the room sees the spread of "
            "views and agrees a rating and actions. Create one with New workshop."
        )
        self.empty.setAccessibleName("No workshops yet")
        top = QHBoxLayout()
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(heading("Workshops"), 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.summaries: list = []

    def refresh(self) -> None:
        """Read the workshops again."""
        try:
            self.summaries = self.services.workshops()
        except StoreError as exc:
            self.dialogs.warn("Workshops could not be read", str(exc))
            self.summaries = []
        self.table.setRowCount(len(self.summaries))
        for row, w in enumerate(self.summaries):
            values = [
                w.title,
                date_text(w.held_on),
                f"{w.partnership_name} · {w.round_name}",
                w.questionnaire_title,
                f"{w.answered} of {w.participants}",
                f"{w.agreed} agreed, {w.not_agreed} not",
                str(w.actions),
            ]
            for column, text in enumerate(values):
                self.table.setItem(row, column, cell(text, w.id))
        self.empty.setVisible(not self.summaries)
        if self.summaries and not self.table.selectedItems():
            self.table.selectRow(0)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.open_button.setEnabled(bool(self.table.selectedItems()))

    def selected_id(self) -> str | None:
        """The id of the workshop selected."""
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def open_selected(self) -> None:
        """Open the selected workshop."""
        workshop_id = self.selected_id()
        if workshop_id:
            self.open_requested.emit(workshop_id)

    def new_workshop(self) -> str | None:
        """Ask for the workshop's details and create it; open it. Its id, or None."""
        if not self.services.partnerships():
            self.dialogs.inform(
                "New workshop", "Create a partnership and a round first (New assessment)."
            )
            return None
        dialog = NewWorkshopDialog(self.services, self)
        if not self.dialogs.run(dialog):
            return None
        try:
            workshop = self.services.create_workshop(**dialog.values())
        except StoreError as exc:
            self.dialogs.warn("The workshop was not created", str(exc))
            return None
        self.refresh()
        self.open_requested.emit(workshop.id)
        return workshop.id


# --- adding and joining participants ----------------------------------------------------


class AddParticipantDialog(QDialog):
    """Someone arrives: their organisation (picked or added) and, if they like, name."""

    def __init__(self, services: Services, dialogs: Dialogs, partnership_id: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Add a participant")
        self.services = services
        self.dialogs = dialogs
        self.partnership_id = partnership_id
        self.organisation = QComboBox()
        self.organisation.setAccessibleName("Organisation")
        self.new_organisation = button("New &organisation…", self.add_organisation)
        self.partner_type = plain_label()
        self.partner_type.setAccessibleName("Partner type")
        self.name = QLineEdit()
        self.name.setAccessibleName("Name (optional)")
        self.name.setMaxLength(textrules.LINE_MAX)
        self.name.setPlaceholderText("Optional: leave empty to take part anonymously")
        self.role = QLineEdit()
        self.role.setAccessibleName("Role (optional)")
        self.role.setMaxLength(textrules.LINE_MAX)
        organisation = QHBoxLayout()
        organisation.addWidget(self.organisation, 1)
        organisation.addWidget(self.new_organisation)
        form = QFormLayout()
        caption = QLabel("Or&ganisation:")
        caption.setBuddy(self.organisation)
        form.addRow(caption, organisation)
        form.addRow("Partner type:", self.partner_type)
        form.addRow("&Name:", self.name)
        form.addRow("&Role:", self.role)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.add_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.add_button.setText("Add")
        self.add_button.setAccessibleName("Add")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.organisation.currentIndexChanged.connect(self._organisation_changed)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self._fill()

    def _fill(self, select: str | None = None) -> None:
        self.organisation.blockSignals(True)
        self.organisation.clear()
        for o in self.services.organisations(self.partnership_id):
            self.organisation.addItem(o.name, o)
        self.organisation.blockSignals(False)
        if select:
            for index in range(self.organisation.count()):
                if self.organisation.itemData(index).id == select:
                    self.organisation.setCurrentIndex(index)
        self._organisation_changed()

    def _organisation_changed(self) -> None:
        org = self.organisation.currentData()
        self.partner_type.setText(
            f"{org.partner_type.label} ({org.partner_type.sector.label})" if org else ""
        )
        self.add_button.setEnabled(org is not None)

    def add_organisation(self) -> None:
        """Add an organisation not in the list yet, and pick it."""
        try:
            org = ask_new_organisation(self.services, self.dialogs, self.partnership_id)
        except StoreError as exc:
            self.dialogs.warn("Not created", str(exc))
            return
        if org is not None:
            self._fill(org.id)

    def values(self) -> dict:
        """The add_participant keyword arguments."""
        name = self.name.text().strip()
        return {
            "organisation_id": self.organisation.currentData().id,
            "respondent_name": name or None,
            "role": self.role.text().strip(),
        }


class JoinDialog(QDialog):
    """Bring your own: the round's individual views of the questionnaire that are in no
    workshop (imported from a bundle or an online form's spreadsheet), to tick and join."""

    def __init__(self, rows: list, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Join imported views")
        self.list = QListWidget()
        self.list.setAccessibleName("Individual views in no workshop")
        for summary in rows:
            a = summary.assessment
            text = (
                f"{a.respondent_label} · {summary.organisation_name} "
                f"({summary.partner_type.label}) · {summary.answered} of "
                f"{summary.total_items} answered · {a.status.value}"
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, a.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        note = WrappingLabel(
            "Individual views of this round and questionnaire that came in from an "
            "exchange bundle or an online form's spreadsheet (File > Import) and are in "
            "no workshop. Tick those who take part (Space ticks the one selected)."
        )
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.join_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.join_button.setText("Join")
        self.join_button.setAccessibleName("Join")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self.resize(640, 420)

    def set_checked(self, assessment_ids: set[str]) -> None:
        """Tick these (tests, and a facilitator's 'all')."""
        for row in range(self.list.count()):
            item = self.list.item(row)
            on = item.data(Qt.ItemDataRole.UserRole) in assessment_ids
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def checked(self) -> list[str]:
        """The ids ticked."""
        return [
            self.list.item(row).data(Qt.ItemDataRole.UserRole)
            for row in range(self.list.count())
            if self.list.item(row).checkState() == Qt.CheckState.Checked
        ]


class ParticipantListDialog(QDialog):
    """Who is expected and who has answered, in large type to show or print from."""

    def __init__(self, title: str, participants: list, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"Participants — {title}")
        self.table = table("Participants", ["Participant", "Organisation", "Answered"])
        font = self.table.font()
        font.setPointSizeF(max(font.pointSizeF(), 1) * 1.5)
        self.table.setFont(font)
        self.table.setRowCount(len(participants))
        for row, p in enumerate(participants):
            done = "Handed back" if p.handed_back else "Still answering"
            for column, text in enumerate([p.respondent_label, p.organisation_name, done]):
                self.table.setItem(row, column, cell(text))
        answered = sum(1 for p in participants if p.handed_back)
        self.summary = plain_label(
            f"{len(participants)} expected, {answered} handed back, "
            f"{len(participants) - answered} still answering."
        )
        self.summary.setFont(font)
        self.summary.setAccessibleName("Summary")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(title))
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(close)
        self.resize(900, 640)


# --- the room's outcome of one statement ------------------------------------------------


class OutcomePanel(QWidget):
    """Agreed (a rating) or not agreed (positions by sector), the reasoning and the
    actions of one statement: each change saved as it is made, the reasoning after a
    pause in typing and when the box is left."""

    changed = Signal()  # something was saved: the page refreshes its counts

    def __init__(self, services: Services, dialogs: Dialogs, parent=None):
        super().__init__(parent)
        self.services = services
        self.dialogs = dialogs
        self.workshop_id: str | None = None
        self.statement = None
        self.questionnaire = None
        self._loading = False
        self._reasoning_dirty = False

        self.heading = heading("", 2)
        self.text = WrappingLabel()
        self.text.setAccessibleName("Statement")
        self.room = WrappingLabel()
        self.room.setAccessibleName("The room's ratings")

        self.agreed = QRadioButton("A&greed")
        self.not_agreed = QRadioButton("&Not agreed")
        self.none = QRadioButton("No outcome &yet")
        self.group = QButtonGroup(self)
        for index, radio in ((NO_OUTCOME, self.none), (AGREED, self.agreed)):
            self.group.addButton(radio, index)
        self.group.addButton(self.not_agreed, NOT_AGREED)
        for radio in (self.agreed, self.not_agreed, self.none):
            radio.setAccessibleName(radio.text().replace("&", ""))
        self.group.idClicked.connect(self._outcome_chosen)

        self.rating = QComboBox()
        self.rating.setAccessibleName("Agreed rating")
        self.rating.currentIndexChanged.connect(self._rating_chosen)

        self.positions = QWidget()
        grid = QGridLayout(self.positions)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Position"), 0, 0)
        self.position_boxes: dict[tuple[int, Sector], QCheckBox] = {}
        for column, sector in enumerate(Sector, 1):
            grid.addWidget(QLabel(sector.label), 0, column)
        for row in range(1, 6):
            grid.addWidget(QLabel(f"Rating {row}"), row, 0)
            for column, sector in enumerate(Sector, 1):
                box = QCheckBox()
                box.setAccessibleName(f"Rating {row} held by {sector.label}")
                box.toggled.connect(self._positions_changed)
                self.position_boxes[(row, sector)] = box
                grid.addWidget(box, row, column)

        self.reasoning = QPlainTextEdit()
        self.reasoning.setAccessibleName("Reasoning")
        self.reasoning.setTabChangesFocus(True)
        self.reasoning.setPlaceholderText("Why the room agreed, or where and why it did not")
        self.reasoning.setFixedHeight(self.reasoning.fontMetrics().lineSpacing() * 4 + 16)
        self.reasoning.textChanged.connect(self._reasoning_changed)
        self.reasoning.installEventFilter(self)
        self.reasoning_label = QLabel("&Reasoning:")
        self.reasoning_label.setBuddy(self.reasoning)
        self._timer = QTimer(self, singleShot=True, interval=REASONING_PAUSE_MS)
        self._timer.timeout.connect(self.save_reasoning)
        self.note = WrappingLabel()
        self.note.setAccessibleName("Save status of the outcome")

        self.actions = QListWidget()
        self.actions.setAccessibleName("Actions on this statement")
        self.actions.setMaximumHeight(self.actions.fontMetrics().height() * 5 + 12)
        self.action_text = QLineEdit()
        self.action_text.setAccessibleName("Action")
        self.action_text.setMaxLength(textrules.LINE_MAX)
        self.action_text.setPlaceholderText("What will be done")
        self.action_owner = QLineEdit()
        self.action_owner.setAccessibleName("Owner")
        self.action_owner.setMaxLength(textrules.LINE_MAX)
        self.action_owner.setPlaceholderText("Who")
        self.action_due = QLineEdit()
        self.action_due.setAccessibleName("Due date")
        self.action_due.setPlaceholderText("Due: YYYY-MM-DD")
        self.action_due.setMaximumWidth(self.action_due.fontMetrics().averageCharWidth() * 18)
        self.add_action_button = button("Add a&ction", self.add_action)
        self.action_text.returnPressed.connect(self.add_action)

        outcome = QHBoxLayout()
        for radio in (self.agreed, self.not_agreed, self.none):
            outcome.addWidget(radio)
        outcome.addStretch(1)
        rating = QHBoxLayout()
        rating_label = QLabel("Agreed ra&ting:")
        rating_label.setBuddy(self.rating)
        rating.addWidget(rating_label)
        rating.addWidget(self.rating)
        rating.addStretch(1)
        self.rating_row = QWidget()
        self.rating_row.setLayout(rating)
        new_action = QHBoxLayout()
        new_action.addWidget(self.action_text, 3)
        new_action.addWidget(self.action_owner, 1)
        new_action.addWidget(self.action_due)
        new_action.addWidget(self.add_action_button)
        layout = QVBoxLayout(self)
        for part in (self.heading, self.text, self.room):
            layout.addWidget(part)
        layout.addLayout(outcome)
        layout.addWidget(self.rating_row)
        layout.addWidget(self.positions)
        layout.addWidget(self.reasoning_label)
        layout.addWidget(self.reasoning)
        layout.addWidget(self.note)
        layout.addWidget(heading("Actions", 2))
        layout.addWidget(self.actions)
        layout.addLayout(new_action)
        layout.addStretch(1)
        self.setEnabled(False)

    # --- showing ------------------------------------------------------------------------

    def show_statement(self, workshop_id: str, view, statement, actions: list) -> None:
        """Show a statement's outcome and actions (from the WorkshopView)."""
        self.save_reasoning()
        self.workshop_id = workshop_id
        self.statement = statement
        self.questionnaire = view.questionnaire
        self.setEnabled(statement is not None)
        if statement is None:
            return
        self._loading = True
        try:
            self.heading.setText(f"Statement {statement.number}")
            self.heading.setAccessibleName(f"Statement {statement.number}")
            self.text.setText(statement.item.statement)
            self.room.setText(room_text(statement))
            if self.rating.count() == 0:
                for point in view.questionnaire.scale:
                    self.rating.addItem(f"{point.value} · {point.label}", point.value)
                for unrated in Unrated:
                    self.rating.addItem(unrated.label, unrated)
            agreed = statement.agreed
            outcome = str(getattr(agreed, "outcome", "agreed")) if agreed else ""
            choice = {"agreed": AGREED, "not_agreed": NOT_AGREED}.get(outcome, NO_OUTCOME)
            self.group.button(choice).setChecked(True)
            value = None
            if agreed is not None and choice == AGREED:
                value = agreed.rating if agreed.rating is not None else agreed.unrated
            self.rating.setCurrentIndex(max(0, self.rating.findData(value)))
            held = {
                (p.rating, s)
                for p in (getattr(agreed, "positions", ()) if agreed else ())
                for s in p.sectors
            }
            for key, box in self.position_boxes.items():
                box.setChecked(key in held)
            self.reasoning.setPlainText(agreed.reasoning if agreed else "")
            self._reasoning_dirty = False
            self._fill_actions(actions)
            self._show_parts()
            self.note.setText("")
        finally:
            self._loading = False

    def _fill_actions(self, actions: list) -> None:
        self.actions.clear()
        for a in actions:
            parts = [a.description]
            if a.owner:
                parts.append(f"owner: {a.owner}")
            if a.due_on:
                parts.append(f"due {date_text(a.due_on)}")
            self.actions.addItem(QListWidgetItem(" · ".join(parts)))
        if not actions:
            self.actions.addItem(QListWidgetItem("No actions on this statement yet."))

    def _show_parts(self) -> None:
        choice = self.group.checkedId()
        self.rating_row.setVisible(choice == AGREED)
        self.positions.setVisible(choice == NOT_AGREED)

    # --- saving -------------------------------------------------------------------------

    def _outcome_chosen(self, _choice: int) -> None:
        if not self._loading:
            self._show_parts()
            self.save_outcome()

    def _rating_chosen(self) -> None:
        if not self._loading and self.group.checkedId() == AGREED:
            self.save_outcome()

    def _positions_changed(self) -> None:
        if not self._loading and self.group.checkedId() == NOT_AGREED:
            self.save_outcome()

    def positions_chosen(self) -> list[Position]:
        """The positions ticked: each rating with the sectors holding it."""
        result = []
        for rating in range(1, 6):
            sectors = tuple(s for s in Sector if self.position_boxes[(rating, s)].isChecked())
            if sectors:
                result.append(Position(rating=rating, sectors=sectors))
        return result

    def save_outcome(self) -> bool:
        """Store the outcome shown now, with the reasoning typed. True when stored."""
        if self.workshop_id is None or self.statement is None:
            return False
        item_id = self.statement.item.id
        reasoning = self.reasoning.toPlainText()
        choice = self.group.checkedId()
        try:
            if choice == AGREED:
                self.services.set_agreed_outcome(
                    self.workshop_id, item_id, self.rating.currentData(), reasoning=reasoning
                )
            elif choice == NOT_AGREED:
                positions = self.positions_chosen()
                self.services.set_not_agreed(
                    self.workshop_id, item_id, positions, reasoning=reasoning
                )
            else:
                self.services.clear_agreed(self.workshop_id, item_id)
        except StoreError as exc:
            self.note.setText(f"Not saved: {exc}")
            self.dialogs.warn("Not saved", f"The outcome could not be saved: {exc}")
            return False
        self._reasoning_dirty = False
        self.note.setText("Saved")
        self.changed.emit()
        return True

    def _reasoning_changed(self) -> None:
        if self._loading:
            return
        self._reasoning_dirty = True
        self.note.setText("Saving…")
        self._timer.start()

    def save_reasoning(self) -> None:
        """Save the reasoning typed (with the outcome); it needs an outcome first."""
        self._timer.stop()
        if not self._reasoning_dirty or self.statement is None:
            return
        if self.group.checkedId() == NO_OUTCOME:
            self.note.setText(
                "Choose Agreed or Not agreed: the reasoning is saved with the outcome."
            )
            return
        self.save_outcome()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        """Leaving the reasoning box saves it."""
        if watched is self.reasoning and event.type() == event.Type.FocusOut:
            self.save_reasoning()
        return False

    def add_action(self) -> None:
        """Add the action typed to this statement."""
        description = self.action_text.text().strip()
        if not description or self.workshop_id is None or self.statement is None:
            return
        due = self.action_due.text().strip()
        try:
            self.services.add_workshop_action(
                self.workshop_id,
                self.statement.item.id,
                description=description,
                owner=self.action_owner.text().strip(),
                due_on=due,
            )
        except StoreError as exc:
            self.dialogs.warn("The action was not added", str(exc))
            return
        for edit in (self.action_text, self.action_owner, self.action_due):
            edit.clear()
        self.changed.emit()
        self.action_text.setFocus()


def room_text(statement) -> str:
    """The room's numbers of a statement for the facilitator: never under three."""
    if not statement.shown:
        return f"n = {statement.n}: fewer than 3 have answered, so the spread is not shown."
    parts = [f"n = {statement.n}", f"mean {number_text(statement.mean)}"]
    if statement.split:
        parts.append("split: the views differ widely")
    parts.append(f"don't know {statement.dont_know}, not applicable {statement.not_applicable}")
    return " · ".join(parts)


# --- the facilitator's page ---------------------------------------------------------------


class WorkshopPage(QWidget):
    """One workshop, for its facilitator."""

    back_requested = Signal()
    pass_laptop_requested = Signal(str, str)  # assessment id, the unlock code
    report_requested = Signal(str)  # workshop id

    def __init__(self, services: Services, dialogs: Dialogs, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.dialogs = dialogs
        self.workshop_id: str | None = None
        self.summary = None
        self.view = None
        self.participants: list = []
        self.actions: list = []
        self.projector: ProjectorView | None = None
        self._syncing = False

        self.back_button = button("&Back to workshops", self.back_requested.emit)
        self.title = heading("")
        self.details = plain_label()
        self.details.setAccessibleName("Workshop details")
        self.projector_button = button(
            "&Projector view", self.show_projector, "Full screen on a second screen if there is one"
        )
        header = QHBoxLayout()
        header.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        text = QVBoxLayout()
        text.addWidget(self.title)
        text.addWidget(self.details)
        header.addLayout(text, 1)
        header.addWidget(self.projector_button, 0, Qt.AlignmentFlag.AlignTop)
        self.report_button = button(
            "Rep&ort…",
            self.request_report,
            "The workshop report: who took part, the "
            "outcomes and their reasoning, the action plan (PDF)",
        )
        header.addWidget(self.report_button, 0, Qt.AlignmentFlag.AlignTop)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Workshop")
        self.tabs.addTab(self._participants_tab(), "Participant&s")
        self.tabs.addTab(self._statements_tab(), "State&ments")
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        QShortcut(QKeySequence("Ctrl+Shift+P"), self, activated=self.show_projector).setContext(
            Qt.ShortcutContext.WidgetWithChildrenShortcut
        )

    def request_report(self) -> None:
        """Report…: the workshop's PDF, previewed in the report page."""
        if self.workshop_id is not None:
            self.outcome.save_reasoning()
            self.report_requested.emit(self.workshop_id)

    def _participants_tab(self) -> QWidget:
        page = QWidget()
        self.progress = plain_label()
        self.progress.setAccessibleName("Progress")
        self.table = table(
            "Participants", ["Participant", "Organisation", "Partner type", "Status", "Answered"]
        )
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.activated.connect(lambda _index: self.pass_laptop())
        self.add_button = button("&Add participant…", self.add_participant)
        self.pass_button = button(
            "Pass the &laptop", self.pass_laptop, "The participant's screen: their answers only"
        )
        self.resume_button = button(
            "Res&ume", self.resume, "Bring back a participant who stepped away or handed back"
        )
        self.remove_button = button(
            "&Withdraw…", self.remove, "Take them out of the workshop: nothing typed is lost"
        )
        self.remove_button.setAccessibleName("Withdraw participant")
        self.join_button = button("&Join imported views…", self.join_imported)
        self.list_button = button("Participant l&ist", self.show_list)
        self.code = QLineEdit()
        self.code.setEchoMode(QLineEdit.EchoMode.Password)
        self.code.setAccessibleName("Facilitator's unlock code (optional)")
        self.code.setMaxLength(40)
        self.code.setPlaceholderText("optional")
        code_label = QLabel("Unlock &code:")
        code_label.setBuddy(self.code)
        self.code.setToolTip(
            "When set, the participant screen asks for it before going back to this page, "
            "so the next participant cannot resume someone else"
        )
        buttons = QVBoxLayout()
        for b in (
            self.add_button,
            self.pass_button,
            self.resume_button,
            self.remove_button,
            self.join_button,
            self.list_button,
        ):
            buttons.addWidget(b)
        buttons.addSpacing(12)
        buttons.addWidget(code_label)
        buttons.addWidget(self.code)
        buttons.addStretch(1)
        body = QHBoxLayout()
        body.addWidget(self.table, 1)
        body.addLayout(buttons)
        layout = QVBoxLayout(page)
        layout.addWidget(self.progress)
        layout.addLayout(body, 1)
        return page

    def _statements_tab(self) -> QWidget:
        self.statements = QListWidget()
        self.statements.setAccessibleName("Statements")
        self.statements.setWordWrap(True)
        self.statements.currentRowChanged.connect(self._statement_chosen)
        self.outcome = OutcomePanel(self.services, self.dialogs)
        self.outcome.changed.connect(self._outcome_saved)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.outcome)
        splitter = QSplitter()
        splitter.addWidget(self.statements)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([320, 640])
        return splitter

    # --- showing ------------------------------------------------------------------------

    def show_workshop(self, workshop_id: str) -> None:
        """Show a workshop."""
        if workshop_id != self.workshop_id and self.projector is not None:
            self.projector.close()
        self.workshop_id = workshop_id
        self.statements.setCurrentRow(-1)
        self.refresh()
        if self.statements.count():
            self.statements.setCurrentRow(0)

    def refresh(self) -> None:
        """Read the workshop again: participants, progress, the statements' spread."""
        if self.workshop_id is None:
            return
        self.outcome.save_reasoning()
        try:
            self.summary = self.services.workshop_summary(self.workshop_id)
            self.participants = self.services.participants(self.workshop_id)
            self.view = self.services.workshop_view(self.workshop_id)
            self.actions = self.services.workshop_actions(self.workshop_id)
        except StoreError as exc:
            self.dialogs.warn("The workshop could not be read", str(exc))
            return
        s = self.summary
        if s is not None:
            self.title.setText(s.title)
            self.title.setAccessibleName(s.title)
            who = f"  ·  facilitated by {s.facilitator}" if s.facilitator else ""
            self.details.setText(
                f"{date_text(s.held_on)}{who}  ·  {s.partnership_name} · {s.round_name}  ·  "
                f"{s.questionnaire_title}"
            )
        self._fill_participants()
        self._fill_statements()
        if self.projector is not None and self.projector.isVisible():
            self.projector.set_view(self.view)

    def _fill_participants(self) -> None:
        selected = self.selected_id()
        self.table.setRowCount(len(self.participants))
        for row, p in enumerate(self.participants):
            status = "Handed back" if p.handed_back else "Answering"
            values = [
                p.respondent_label,
                p.organisation_name,
                p.partner_type.label,
                status,
                f"{p.answered} of {p.total}",
            ]
            for column, text in enumerate(values):
                self.table.setItem(row, column, cell(text, p.assessment_id))
            if p.assessment_id == selected:
                self.table.selectRow(row)
        answered = sum(1 for p in self.participants if p.handed_back)
        n = len(self.participants)
        self.progress.setText(
            f"{n} participant{'s' if n != 1 else ''}: {answered} handed back, "
            f"{n - answered} still answering."
            if n
            else "No participants yet: add them as they arrive."
        )
        self._update_buttons()

    def _fill_statements(self) -> None:
        row = self.statements.currentRow()
        self.statements.blockSignals(True)
        self.statements.clear()
        for s in self.view.statements:
            marks = []
            if s.shown and s.split:
                marks.append("split")
            outcome = agreed_text(s)
            if outcome:
                marks.append(outcome)
            tail = f"  [{'; '.join(marks)}]" if marks else ""
            self.statements.addItem(QListWidgetItem(f"{s.number}  {s.item.statement}{tail}"))
        self.statements.blockSignals(False)
        if 0 <= row < self.statements.count():
            self.statements.setCurrentRow(row)
            self._show_outcome(row)

    def _update_buttons(self) -> None:
        p = self.selected()
        self.pass_button.setEnabled(p is not None and not p.handed_back)
        self.resume_button.setEnabled(p is not None)
        self.remove_button.setEnabled(p is not None)

    def selected_id(self) -> str | None:
        """The assessment id of the participant selected."""
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def selected(self):
        """The ParticipantProgress selected."""
        wanted = self.selected_id()
        return next((p for p in self.participants if p.assessment_id == wanted), None)

    def select_participant(self, assessment_id: str) -> None:
        """Select a participant's row."""
        for row, p in enumerate(self.participants):
            if p.assessment_id == assessment_id:
                self.table.selectRow(row)

    # --- participants -------------------------------------------------------------------

    def add_participant(self) -> str | None:
        """Someone arrives: add them (a draft of their own). Their assessment id."""
        if self.summary is None:
            return None
        dialog = AddParticipantDialog(
            self.services, self.dialogs, self.summary.partnership_id, self
        )
        if not self.dialogs.run(dialog):
            return None
        try:
            assessment = self.services.add_participant(self.workshop_id, **dialog.values())
        except StoreError as exc:
            self.dialogs.warn("Not added", str(exc))
            return None
        self.refresh()
        self.select_participant(assessment.id)
        self.pass_button.setFocus()
        return assessment.id

    def pass_laptop(self) -> None:
        """The selected participant's screen (a draft: handed back ones need Resume)."""
        p = self.selected()
        if p is None:
            return
        if p.handed_back:
            self.dialogs.inform(
                "Handed back",
                f"{p.respondent_label} has handed back. Use Resume to reopen their answers.",
            )
            return
        self.pass_laptop_requested.emit(p.assessment_id, self.code.text())

    def resume(self) -> None:
        """Bring back the selected participant: reopen their answers if handed back."""
        p = self.selected()
        if p is None:
            return
        if not self.dialogs.confirm(
            "Resume a participant",
            f"Give the laptop to {p.respondent_label} ({p.organisation_name}) only: "
            "their answers will be on the screen.",
            ok="Resume",
        ):
            return
        if p.handed_back:
            try:
                self.services.resume_participant(p.assessment_id)
            except StoreError as exc:
                self.dialogs.warn("Not resumed", str(exc))
                return
        self.pass_laptop_requested.emit(p.assessment_id, self.code.text())

    def remove(self) -> None:
        """Take the selected participant out of the workshop (their answers are kept)."""
        p = self.selected()
        if p is None or not self.dialogs.confirm(
            "Remove from the workshop",
            f"Take {p.respondent_label} ({p.organisation_name}) out of this workshop? "
            "Nothing they answered is lost: it stays an individual view in the round.",
            ok="Remove",
            destructive=True,
        ):
            return
        try:
            self.services.remove_participant(p.assessment_id)
        except StoreError as exc:
            self.dialogs.warn("Not removed", str(exc))
            return
        self.refresh()

    def joinable(self) -> list:
        """The round's individual views of this questionnaire in no workshop."""
        return self.services.joinable_views(self.workshop_id) if self.workshop_id else []

    def join_imported(self) -> list[str]:
        """Bring your own: pick imported individual views and join them."""
        rows = self.joinable()
        if not rows:
            self.dialogs.inform(
                "Join imported views",
                "No individual views of this round and questionnaire are waiting to join. "
                "Import them first: File > Import assessments (a bundle) or Import "
                "responses from a spreadsheet.",
            )
            return []
        dialog = JoinDialog(rows, self)
        if not self.dialogs.run(dialog) or not dialog.checked():
            return []
        try:
            joined = self.services.join_workshop(self.workshop_id, dialog.checked())
        except StoreError as exc:
            self.dialogs.warn("Not joined", str(exc))
            return []
        self.refresh()
        return joined

    def show_list(self) -> ParticipantListDialog:
        """Who is expected and who has answered, to show or print."""
        title = self.summary.title if self.summary else "Workshop"
        dialog = ParticipantListDialog(title, self.participants, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.participant_list = dialog
        return dialog

    # --- statements and the projector ---------------------------------------------------

    def _statement_chosen(self, row: int) -> None:
        self._show_outcome(row)
        if self.projector is not None and self.projector.isVisible() and not self._syncing:
            self._syncing = True
            self.projector.go_to(row)
            self._syncing = False

    def _show_outcome(self, row: int) -> None:
        if self.view is None or not 0 <= row < len(self.view.statements):
            self.outcome.show_statement(self.workshop_id, self.view, None, [])
            return
        statement = self.view.statements[row]
        actions = [a for a in self.actions if a.item_id == statement.item.id]
        self.outcome.show_statement(self.workshop_id, self.view, statement, actions)

    def _outcome_saved(self) -> None:
        item = self.outcome.statement.item.id if self.outcome.statement else None
        try:
            self.view = self.services.workshop_view(self.workshop_id)
            self.actions = self.services.workshop_actions(self.workshop_id)
        except StoreError:
            return
        row = self.statements.currentRow()
        statement = self.view.statements[row] if 0 <= row < len(self.view.statements) else None
        if statement is not None and statement.item.id == item:
            self.outcome.statement = statement
            actions = [a for a in self.actions if a.item_id == item]
            self.outcome._fill_actions(actions)
            text = self.statements.item(row)
            marks = ["split"] if statement.shown and statement.split else []
            if agreed_text(statement):
                marks.append(agreed_text(statement))
            tail = f"  [{'; '.join(marks)}]" if marks else ""
            text.setText(f"{statement.number}  {statement.item.statement}{tail}")
        if self.projector is not None and self.projector.isVisible():
            self.projector.set_view(self.view)

    def show_projector(self) -> ProjectorView | None:
        """The projector view, at the statement chosen on the Statements tab."""
        if self.view is None:
            return None
        if self.projector is None:
            self.projector = ProjectorView(self)
            self.projector.statement_changed.connect(self._projector_moved)
            self.projector.left.connect(self._projector_left)
        row = max(0, self.statements.currentRow())
        item = self.view.statements[row].item.id if self.view.statements else None
        self.projector.set_view(self.view, item)
        self.projector.place(self.window())
        return self.projector

    def _projector_moved(self, item_id: str) -> None:
        if self._syncing or self.view is None:
            return
        ids = [s.item.id for s in self.view.statements]
        if item_id in ids:
            self._syncing = True
            self.statements.setCurrentRow(ids.index(item_id))
            self._syncing = False

    def _projector_left(self) -> None:
        self.tabs.setCurrentIndex(1)
        self.statements.setFocus()

    def close_projector(self) -> None:
        """Close the projector view if it is open."""
        if self.projector is not None:
            self.projector.close()
