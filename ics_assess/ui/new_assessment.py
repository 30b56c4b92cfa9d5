"""The 'New assessment' dialog: who is answering which questionnaire, for whom, when.

Partnerships, rounds and organisations can be created from here, so a first-time user
goes from an empty database to answering in one dialog.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from .. import textrules
from ..domain import AssessmentKind, AssessmentSummary, PartnerType
from ..partner_types import guess_partner_type
from ..services import Services, StoreError
from .dialogs import Dialogs
from .widgets import WrappingLabel

PARTNER_TYPES = list(PartnerType)


def ask_new_organisation(services: Services, dialogs: Dialogs, partnership_id: str):
    """Ask for an organisation's name and partner type and create it; None if cancelled.
    The type its name suggests is offered first (a council a council, not the ICB)."""
    name = dialogs.text("New organisation", "Name of the organisation:")
    if not name or not name.strip():
        return None
    labels = [t.label for t in PARTNER_TYPES]
    guessed = PARTNER_TYPES.index(guess_partner_type(name))
    index = dialogs.item(
        "New organisation", f"What kind of partner is {name.strip()}?", labels, guessed
    )
    if index is None:
        return None
    return services.add_organisation(partnership_id, name, PARTNER_TYPES[index])


def ask_new_partnership(services: Services, dialogs: Dialogs):
    """Ask for a partnership's name and create it; None if cancelled."""
    name = dialogs.text("New partnership", "Name of the partnership (e.g. the place or ICP):")
    if not name or not name.strip():
        return None
    ics = dialogs.text("New partnership", "The Integrated Care System it belongs to:") or ""
    return services.add_partnership(name, ics)


def ask_new_round(services: Services, dialogs: Dialogs, partnership_id: str):
    """Ask for a round's name and create it; None if cancelled."""
    name = dialogs.text("New round", "Name of the round (e.g. 'Baseline, November 2026'):")
    if not name or not name.strip():
        return None
    return services.add_round(partnership_id, name)


def existing_sentence(existing: list[AssessmentSummary]) -> str:
    """That an organisation already has its own response to this questionnaire in this
    round, naming each (respondent, status, progress), for the warning and the question."""
    first = existing[0]
    listed = "; ".join(
        f"{s.assessment.respondent_label}, {s.assessment.status.value}, "
        f"{s.answered} of {s.total_items} answered"
        for s in existing
    )
    count = "a response" if len(existing) == 1 else f"{len(existing)} responses"
    return (
        f"{first.organisation_name} already has {count} of its own to "
        f"{first.questionnaire_title} in {first.round_name} ({listed}). An organisation "
        "normally gives one: a second is shown beside the first in its report, and a "
        "comparison counts the two together."
    )


class NewAssessmentDialog(QDialog):
    """Choose partnership, round, organisation, questionnaire and respondent; on accept,
    ``created_id`` holds the new assessment's id, or ``opened_id`` the organisation's
    existing response to open instead (offered when one is there)."""

    def __init__(
        self,
        services: Services,
        dialogs: Dialogs,
        parent: QWidget | None = None,
        *,
        partnership_id: str | None = None,
        round_id: str | None = None,
    ):
        super().__init__(parent)
        self.services = services
        self.dialogs = dialogs
        self.created_id: str | None = None
        self.opened_id: str | None = None
        self._existing: list[AssessmentSummary] = []
        self.setWindowTitle("New assessment")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 84)

        self.partnership = QComboBox()
        self.round = QComboBox()
        self.organisation = QComboBox()
        self.questionnaire = QComboBox()
        self.purpose = WrappingLabel()
        self.purpose.setObjectName("purpose")
        self.organisation_kind = QRadioButton("The organisation's o&wn response, shown by name")
        self.individual_kind = QRadioButton("One person's &view, shown only in groups")
        self.individual_kind.setToolTip(
            "One person's view is never shown on its own in comparisons: only in groups "
            "of three or more people."
        )
        self.kind_group = QButtonGroup(self)
        self.kind_group.addButton(self.organisation_kind)
        self.kind_group.addButton(self.individual_kind)
        self.organisation_kind.setChecked(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Cllr Jane Smith")
        self.anonymous = QCheckBox("&Answer anonymously")
        self.role = QLineEdit()
        self.role.setPlaceholderText("e.g. Leader of the Council")
        # Shown when the organisation already has its own response to this questionnaire
        # in this round: a second is rarely meant, so the one there is is offered.
        self.existing_note = WrappingLabel()
        self.existing_note.setObjectName("existingResponse")
        self.existing_note.setStyleSheet("color: palette(highlight); font-weight: bold;")
        self.existing_note.setAccessibleName("Existing response")
        self.open_existing_button = QPushButton("Open the &existing response")
        self.open_existing_button.setAccessibleName("Open the existing response")
        self.open_existing_button.clicked.connect(self._open_existing)
        self.existing_note.hide()
        self.open_existing_button.hide()
        for edit in (self.name, self.role):
            edit.setMaxLength(textrules.LINE_MAX)

        names = {
            self.partnership: "Partnership",
            self.round: "Round",
            self.organisation: "Organisation",
            self.questionnaire: "Questionnaire",
            self.name: "Respondent's name",
            self.anonymous: "Answer anonymously",
            self.role: "Respondent's role",
            self.organisation_kind: "Organisation's own response",
            self.individual_kind: "One person's view",
        }
        for widget, name in names.items():
            widget.setAccessibleName(name)

        form = QFormLayout()
        for text, combo, slot, new_text in (
            ("&Partnership:", self.partnership, self._new_partnership, "New partners&hip…"),
            ("&Round:", self.round, self._new_round, "New ro&und…"),
            ("&Organisation:", self.organisation, self._new_organisation, "New or&ganisation…"),
        ):
            # The row holds the list and its New… button: the label's Alt key goes to the
            # list, the button's own (Alt+H, Alt+U, Alt+G) creates one.
            label = QLabel(text)
            label.setBuddy(combo)
            form.addRow(label, self._with_new(combo, slot, new_text))
        form.addRow("&Questionnaire:", self.questionnaire)
        form.addRow("", self.purpose)
        kinds = QVBoxLayout()
        kinds.addWidget(self.organisation_kind)
        kinds.addWidget(self.individual_kind)
        form.addRow("Whose view:", kinds)
        existing = QHBoxLayout()
        existing.addWidget(self.existing_note, 1)
        existing.addWidget(self.open_existing_button)
        form.addRow("", existing)
        name_row = QHBoxLayout()
        name_row.addWidget(self.name, 1)
        name_row.addWidget(self.anonymous)
        name_label = QLabel("Respondent's &name:")
        name_label.setBuddy(self.name)  # a row holding a layout gets no buddy by itself
        form.addRow(name_label, name_row)
        form.addRow("Respondent's ro&le:", self.role)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.start_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.start_button.setText("Start assessment")
        self.start_button.setAccessibleName("Start assessment")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self._start)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        intro = WrappingLabel(
            "Choose who is answering which questionnaire. Answers are saved as you give "
            "them; you can stop at any time and carry on later."
        )
        # What to do next while a list is empty (a new database has no partnership,
        # round or organisation: three empty lists said nothing of the New… buttons).
        self.hint = WrappingLabel()
        self.hint.setObjectName("nextStep")
        self.hint.setAccessibleName("What to do next")
        bold = self.hint.font()
        bold.setBold(True)
        self.hint.setFont(bold)
        self.hint.hide()
        layout.addWidget(intro)
        layout.addWidget(self.hint)
        layout.addLayout(form)
        layout.addWidget(self.buttons)

        self.partnership.currentIndexChanged.connect(self._partnership_changed)
        self.questionnaire.currentIndexChanged.connect(self._questionnaire_changed)
        self.anonymous.toggled.connect(lambda on: self.name.setEnabled(not on))
        for combo in (self.round, self.organisation):
            combo.currentIndexChanged.connect(self._update_start)
        self.organisation_kind.toggled.connect(self._update_start)

        self._fill_questionnaires()
        self._fill_partnerships(partnership_id)
        if round_id:
            self._select(self.round, round_id)
        self._update_start()

    def _with_new(self, combo: QComboBox, slot, text: str) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(combo, 1)
        button = QPushButton(text)
        button.setAccessibleName(f"New {combo.accessibleName().lower()}")
        button.clicked.connect(slot)
        layout.addWidget(button)
        combo.setMinimumContentsLength(28)
        return row

    @staticmethod
    def _select(combo: QComboBox, value: str | None) -> None:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)

    def _fill_partnerships(self, select: str | None = None) -> None:
        self.partnership.blockSignals(True)
        self.partnership.clear()
        for p in self.services.partnerships():
            self.partnership.addItem(p.name, p.id)
        self.partnership.blockSignals(False)
        if select:
            self._select(self.partnership, select)
        self._partnership_changed()

    def _partnership_changed(self) -> None:
        pid = self.partnership.currentData()
        for combo in (self.round, self.organisation):
            combo.blockSignals(True)
            combo.clear()
        if pid:
            rounds = self.services.rounds(pid)
            for r in rounds:
                self.round.addItem(r.name, r.id)
            if rounds:  # the newest round is the likely one
                self.round.setCurrentIndex(len(rounds) - 1)
            for o in self.services.organisations(pid):
                self.organisation.addItem(f"{o.name} ({o.partner_type.label})", o.id)
        for combo in (self.round, self.organisation):
            combo.blockSignals(False)
        self._update_start()

    def _fill_questionnaires(self) -> None:
        for entry in self.services.catalogue.all_latest():
            q = entry.questionnaire
            self.questionnaire.addItem(f"{q.title} ({len(q.items)} statements)", q.id)
        self._questionnaire_changed()

    def _questionnaire_changed(self) -> None:
        qid = self.questionnaire.currentData()
        entry = self.services.catalogue.latest(qid) if qid else None
        self.purpose.setText(" ".join(entry.questionnaire.purpose.split()) if entry else "")
        self._update_start()

    def next_step(self) -> str:
        """What to do first while the partnership, round or organisation list is empty;
        "" when none is."""
        tab = "(Tab moves to it from the list)"
        if not self.partnership.count():
            return (
                f"To begin, create your partnership: press New partnership… (Alt+H) {tab}. "
                "Then add a round and your organisation the same way."
            )
        if not self.round.count():
            return (
                f"Next, add a round with New round… (Alt+U) {tab}, e.g. 'Baseline, November 2026'."
            )
        if not self.organisation.count():
            return f"Next, add your organisation with New organisation… (Alt+G) {tab}."
        return ""

    def _update_start(self) -> None:
        ready = all(
            combo.currentData()
            for combo in (self.partnership, self.round, self.organisation, self.questionnaire)
        )
        self.start_button.setEnabled(bool(ready))
        hint = self.next_step()
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self._existing = []
        if ready and self.organisation_kind.isChecked():
            self._existing = self.services.organisation_responses(
                round_id=self.round.currentData(),
                organisation_id=self.organisation.currentData(),
                questionnaire_id=self.questionnaire.currentData(),
            )
        if self._existing:
            self.existing_note.setText(existing_sentence(self._existing))
        self.existing_note.setVisible(bool(self._existing))
        self.open_existing_button.setVisible(bool(self._existing))

    def _open_existing(self) -> None:
        """Open the organisation's response there is (the first started) instead."""
        if self._existing:
            self.opened_id = self._existing[0].assessment.id
            self.accept()

    def _new_partnership(self) -> None:
        created = self._create(lambda: ask_new_partnership(self.services, self.dialogs))
        if created:
            self._fill_partnerships(created.id)

    def _new_round(self) -> None:
        pid = self.partnership.currentData()
        if not pid:
            self.dialogs.inform("New round", "Create or choose a partnership first.")
            return
        created = self._create(lambda: ask_new_round(self.services, self.dialogs, pid))
        if created:
            self._partnership_changed()
            self._select(self.round, created.id)

    def _new_organisation(self) -> None:
        pid = self.partnership.currentData()
        if not pid:
            self.dialogs.inform("New organisation", "Create or choose a partnership first.")
            return
        created = self._create(lambda: ask_new_organisation(self.services, self.dialogs, pid))
        if created:
            self._partnership_changed()
            self._select(self.organisation, created.id)

    def _create(self, make):
        try:
            return make()
        except StoreError as exc:
            self.dialogs.warn("Not created", str(exc))
            return None

    def _start(self) -> None:
        anonymous = self.anonymous.isChecked()
        name = None if anonymous else self.name.text()
        kind = (
            AssessmentKind.ORGANISATION
            if self.organisation_kind.isChecked()
            else AssessmentKind.INDIVIDUAL
        )
        self._update_start()  # what is there now, not when the choices were made
        if kind is AssessmentKind.ORGANISATION and self._existing:
            choice = self.dialogs.choose(
                "The organisation has already responded",
                existing_sentence(self._existing)
                + "\n\nOpen the response there is, or start a second one?",
                ["Open the existing response", "Start a second response"],
            )
            if choice is None:
                return
            if choice == 0:
                self._open_existing()
                return
        try:
            created = self.services.start_assessment(
                round_id=self.round.currentData(),
                organisation_id=self.organisation.currentData(),
                questionnaire_id=self.questionnaire.currentData(),
                kind=kind,
                respondent_name=name,
                respondent_role=self.role.text(),
            )
        except StoreError as exc:
            self.dialogs.warn("The assessment could not be started", str(exc))
            return
        self.created_id = created.id
        self.accept()
