"""The six-month review in the window (issue 11): a round of a partnership against an
earlier one, as the review pack shows it. What changed in each questionnaire, the
actions agreed last time and what became of them, the profile then and now, and the
concerns partners raised with the questions for the decision on each; Add concern… and
Remove; Review pack… builds the PDF (shown on the report page, to save or print).

Everything goes through Services (services/reviews.py); nothing here reads the store.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..domain import Sector
from ..labels import signed
from ..review import ConcernReview, Review, fate_summary, headline_change
from ..services import ConcernRow, ServiceError, Services, StatementChoices, StoreError
from .actions import add_statement_item, show_statement_note, statement_note
from .dialogs import Dialogs
from .widgets import (
    WrappingLabel,
    form_rows,
    group_fill,
    heading,
    keep_table_width_shared,
    ok_cancel,
    plain_tooltip,
    readable,
    refusal_label,
)
from .workshop import button, cell, table

# The fates' colours on a white page; on another palette each is made readable there.
FATE_COLOURS = {"done": "#1A7F37", "overdue": "#B3261E", "dropped": "#57606A"}

CHANGE_COLUMNS = ["Where", "System", "NHS", "Local government", "Community"]
CHANGE_SHARES = (0.36, 0.16, 0.16, 0.16, 0.16)
ACTION_COLUMNS = ["Action", "Owner", "What became of it"]
ACTION_SHARES = (0.5, 0.22, 0.28)
PROFILE_COLUMNS = ["Fact", "Then", "Now", "Change", "Source"]
PROFILE_SHARES = (0.36, 0.13, 0.13, 0.13, 0.25)
CONCERN_COLUMNS = ["Concern", "Raised by", "Raised in", "Since"]
CONCERN_SHARES = (0.5, 0.2, 0.18, 0.12)


def change_words(change) -> str:
    """ "2.6 → 3.0 (+0.4, moved)"; "–" when either round has no score."""
    if change is None or change.change is None:
        return "–"
    moved = ", moved" if change.moved else ""
    return f"{change.before:.1f} → {change.after:.1f} ({signed(change.change)}{moved})"


class ConcernDialog(QDialog):
    """Mark a section or statement as a concern raised: the questionnaire, the section
    or statement, who raised it, the round and their words. A refusal is shown in the
    dialog, which stays open with what was chosen."""

    def __init__(
        self,
        services: Services,
        partnership_id: str,
        round_id: str | None,
        parent: QWidget | None = None,
        *,
        questionnaire_id: str | None = None,
        section_id: str | None = None,
        item_id: str | None = None,
    ):
        super().__init__(parent)
        self.services = services
        self.partnership_id = partnership_id
        self.added: str | None = None
        self.setWindowTitle("Add concern")
        self.intro = WrappingLabel(
            "A section or statement a partner raised as a concern. The review pack asks "
            "of each whether it moved."
        )
        self.intro.setAccessibleName("About concerns")
        self.questionnaire = QComboBox()
        self.questionnaire.setAccessibleName("Questionnaire")
        for qid, title in services.compared_questionnaires(partnership_id) or [
            (q.questionnaire.id, q.questionnaire.title) for q in services.catalogue.all_latest()
        ]:
            self.questionnaire.addItem(title, qid)
        self.scope = QComboBox()
        self.scope.setAccessibleName("Section or statement")
        self.scope.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.scope.setMinimumContentsLength(36)
        self.scope_note = statement_note()
        # A preset section or statement (from a gap in the overview) is offered even when
        # no version answered in the round chosen has it.
        self._named = (questionnaire_id, section_id, item_id)
        self._choices: StatementChoices | None = None
        self.raised_by = QComboBox()
        self.raised_by.setAccessibleName("Raised by")
        self.raised_by.addItem("The partnership as a whole", None)
        for org in sorted(services.organisations(partnership_id), key=lambda o: o.name.lower()):
            self.raised_by.addItem(org.name, org.id)
        self.round = QComboBox()
        self.round.setAccessibleName("Raised in")
        for r in services.rounds_latest_first(partnership_id):
            self.round.addItem(r.name, r.id)
        if round_id:
            self.round.setCurrentIndex(max(self.round.findData(round_id), 0))
        self.note = QPlainTextEdit()
        self.note.setAccessibleName("Their words")
        self.note.setPlaceholderText("What the partner said, in their words (optional)")
        self.note.setTabChangesFocus(True)
        self.note.setFixedHeight(self.fontMetrics().lineSpacing() * 5)
        form = QFormLayout()
        form_rows(
            form,
            [
                ("&Questionnaire:", self.questionnaire),
                ("&Section or statement:", self.scope),
                ("Raised &by:", self.raised_by),
                ("Raised &in:", self.round),
                ("Their &words:", self.note),
            ],
        )
        form.insertRow(2, "", self.scope_note)
        self.problem = refusal_label("Why the concern was not added")
        self.buttons, self.ok_button = ok_cancel(self, "Add")
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 80)
        if questionnaire_id:
            index = self.questionnaire.findData(questionnaire_id)
            if index < 0:
                self.questionnaire.addItem(questionnaire_id, questionnaire_id)
                index = self.questionnaire.count() - 1
            self.questionnaire.setCurrentIndex(index)
        self.questionnaire.currentIndexChanged.connect(lambda _i: self._fill_scopes())
        # The statements offered are those of the versions answered in the round raised in.
        self.round.currentIndexChanged.connect(lambda _i: self._fill_scopes())
        self.scope.currentIndexChanged.connect(lambda _i: self._show_scope_note())
        self._fill_scopes()
        chosen = ("statement", item_id) if item_id else ("section", section_id)
        scopes = [self.scope.itemData(i) for i in range(self.scope.count())]
        if chosen[1] and chosen in scopes:
            self.scope.setCurrentIndex(scopes.index(chosen))
            self.raised_by.setFocus()  # what is left to say: who raised it
        elif questionnaire_id:
            self.scope.setFocus()  # the questionnaire is chosen: which section or statement
        else:
            self.questionnaire.setFocus()

    def _fill_scopes(self) -> None:
        """The chosen questionnaire's sections, each followed by its statements: those of
        the versions answered in the round raised in, matched by id, the ones only an
        older version asks marked (services). What was chosen stays chosen if offered."""
        kept = self.scope.currentData()
        self.scope.blockSignals(True)
        self.scope.clear()
        qid = self.questionnaire.currentData()
        named_qid, section_id, item_id = self._named
        named = {"section_id": section_id, "item_id": item_id} if qid == named_qid else {}
        choices = None
        try:
            if qid:
                choices = self.services.statement_choices(qid, self.round.currentData(), **named)
        except StoreError as exc:
            self.problem.setText(str(exc))
            self.problem.setVisible(True)
        for section in choices.sections if choices else ():
            self.scope.addItem(
                f"{section.marker}Section {section.number}: {section.title}",
                ("section", section.id),
            )
            for choice in section.statements:
                text = f"    {choice.marker}{choice.number} {choice.statement}"
                add_statement_item(self.scope, text, ("statement", choice.id), choice)
        self._choices = choices
        scopes = [self.scope.itemData(i) for i in range(self.scope.count())]
        if kept in scopes:
            self.scope.setCurrentIndex(scopes.index(kept))
        self.scope.blockSignals(False)
        self._show_scope_note()

    def _show_scope_note(self) -> None:
        scope = self.scope.currentData()
        choice = None
        if self._choices is not None and scope and scope[0] == "statement":
            choice = self._choices.statement(scope[1])
        show_statement_note(self.scope_note, self.scope, choice)

    def accept(self) -> None:
        """Add the concern; on a refusal, say why and stay open."""
        scope = self.scope.currentData()
        if not scope or not self.round.currentData():
            self.problem.setText("Choose the round, and the section or statement.")
            self.problem.setVisible(True)
            return
        kind, key = scope
        try:
            concern = self.services.add_concern(
                self.round.currentData(),
                questionnaire_id=self.questionnaire.currentData(),
                section_id=key if kind == "section" else None,
                item_id=key if kind == "statement" else None,
                organisation_id=self.raised_by.currentData(),
                note=self.note.toPlainText(),
            )
        except StoreError as exc:  # ServiceError and InvalidTextError are StoreErrors
            self.problem.setText(str(exc))
            self.problem.setVisible(True)
            self.scope.setFocus()
            return
        self.added = concern.id
        super().accept()


class ReviewPage(QWidget):
    """A partnership's review: a round against an earlier one."""

    back_requested = Signal()
    pack_requested = Signal(object)  # the Review to print

    def __init__(self, services: Services, dialogs: Dialogs, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.dialogs = dialogs
        self.partnership_id: str | None = None
        self.review: Review | None = None
        self.rows: list[ConcernRow] = []
        self._filling = False

        self.back_button = button("&Back to assessments", self.back_requested.emit)
        self.title = heading("Review")
        self.round_combo = self._combo("Round reviewed")
        self.since_combo = self._combo("Against the earlier round")
        self.kind_combo = self._combo("Responses shown")
        self.kind_combo.addItem("Organisation responses", "organisation")
        self.kind_combo.addItem("Individual views", "individual")
        self.summary = WrappingLabel()
        self.summary.setAccessibleName("The review at a glance")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.empty = WrappingLabel()
        self.empty.setAccessibleName("No review")
        self.empty.setVisible(False)

        self.changes = table("What changed", CHANGE_COLUMNS)
        self.actions = table("Actions agreed and what became of them", ACTION_COLUMNS)
        self.profile = table("The profile then and now", PROFILE_COLUMNS)
        self.concerns = table("Concerns raised", CONCERN_COLUMNS)
        for view, shares in (
            (self.changes, CHANGE_SHARES),
            (self.actions, ACTION_SHARES),
            (self.profile, PROFILE_SHARES),
            (self.concerns, CONCERN_SHARES),
        ):
            view.setWordWrap(True)
            view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            header = view.horizontalHeader()
            header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
            header.setStretchLastSection(True)
            keep_table_width_shared(view, shares)
        self.concerns.itemSelectionChanged.connect(self._concern_selected)
        self.questions = QTextBrowser()
        self.questions.setAccessibleName("Questions for the decision")
        self.questions.setOpenLinks(False)
        self.add_button = button(
            "&Add concern…", self.add_concern, "Mark a section or statement a partner raised"
        )
        self.remove_button = button("Re&move concern", self.remove_selected, "Remove it")

        concerns_tab = QWidget()
        concerns_layout = QVBoxLayout(concerns_tab)
        concerns_layout.addWidget(self.concerns, 2)
        concerns_layout.addWidget(self.questions, 3)
        concern_buttons = QHBoxLayout()
        concern_buttons.addWidget(self.add_button)
        concern_buttons.addWidget(self.remove_button)
        concern_buttons.addStretch(1)
        concerns_layout.addLayout(concern_buttons)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Parts of the review")
        self.tabs.addTab(self.changes, "What &changed")
        self.tabs.addTab(self.actions, "Ac&tions agreed")
        self.tabs.addTab(self.profile, "Pr&ofile then and now")
        self.tabs.addTab(concerns_tab, "Co&ncerns and questions")

        self.pack_button = button(
            "Review &pack…", self.make_pack, "The review pack as a PDF, to save or print"
        )

        top = QHBoxLayout()
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.title, 1)
        top.addWidget(self.pack_button, 0, Qt.AlignmentFlag.AlignTop)
        choice = QHBoxLayout()
        for text, combo in (
            ("&Round:", self.round_combo),
            ("A&gainst:", self.since_combo),
            ("Respon&ses:", self.kind_combo),
        ):
            caption = QLabel(text)
            caption.setBuddy(combo)
            choice.addWidget(caption)
            choice.addWidget(combo, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(choice)
        layout.addWidget(self.summary)
        layout.addWidget(self.empty)
        layout.addWidget(self.tabs, 1)

        self.round_combo.currentIndexChanged.connect(lambda _i: self._round_changed())
        self.since_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.kind_combo.currentIndexChanged.connect(lambda _i: self.refresh())

    @staticmethod
    def _combo(name: str) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(14)
        return combo

    # --- choosing -----------------------------------------------------------------------

    def show_partnership(self, partnership_id: str | None, round_id: str | None = None) -> None:
        """The review of a partnership: its latest round (or ``round_id``) against the
        round before it."""
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
            self.dialogs.warn("The review could not be read", str(exc))
        index = self.round_combo.findData(round_id) if round_id else 0
        self.round_combo.setCurrentIndex(max(index, 0) if self.round_combo.count() else -1)
        self._fill_since()
        self._filling = False
        self.title.setText(f"Review: {name}" if name else "Review")
        self.title.setAccessibleName(self.title.text())
        self.refresh()

    def _round_changed(self) -> None:
        if self._filling:
            return
        self._filling = True
        self._fill_since()
        self._filling = False
        self.refresh()

    def _fill_since(self) -> None:
        """The rounds opened before the one reviewed, the latest first."""
        keep = self.since_combo.currentData()
        self.since_combo.clear()
        ids = [self.round_combo.itemData(i) for i in range(self.round_combo.count())]
        current = self.round_combo.currentIndex()
        for i in range(current + 1, len(ids)):
            self.since_combo.addItem(self.round_combo.itemText(i), ids[i])
        index = self.since_combo.findData(keep)
        self.since_combo.setCurrentIndex(index if index >= 0 else 0)

    # --- showing ------------------------------------------------------------------------

    def refresh(self, select_concern: str | None = None) -> None:
        """Work the review out again for the rounds chosen."""
        if self._filling:
            return
        keep = select_concern or self.selected_concern_id()
        self.review = None
        round_id, since_id = self.round_combo.currentData(), self.since_combo.currentData()
        message = ""
        if self.partnership_id is None:
            message = (
                "There is no partnership yet. Create one with its rounds on the assessments "
                "page; a review compares a round with an earlier one."
            )
        elif round_id is None:
            message = "The partnership has no rounds yet: add one on the assessments page."
        elif since_id is None:
            message = (
                f"{self.round_combo.currentText()} is the partnership's first round: a "
                "review needs an earlier round to compare with. Choose a later round."
            )
        else:
            try:
                self.review = self.services.review(
                    round_id, since=since_id, kind=self.kind_combo.currentData()
                )
            except StoreError as exc:
                message = f"The review could not be worked out: {exc}"
        self.empty.setText(message)
        self.empty.setVisible(bool(message))
        self.summary.setVisible(self.review is not None)
        self.pack_button.setEnabled(self.review is not None)
        r = self.review
        self.summary.setText("\n".join(f"• {line}" for line in r.summary()) if r else "")
        self._fill_changes(r)
        self._fill_actions(r)
        self._fill_profile(r)
        self._fill_concerns(r, keep)

    def _group_row(self, view, text: str) -> None:
        n = view.rowCount()
        view.insertRow(n)
        item = cell(text)
        bold = QFont(view.font())
        bold.setBold(True)
        item.setFont(bold)
        item.setBackground(QBrush(group_fill(view.palette())))
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        view.setItem(n, 0, item)
        view.setSpan(n, 0, 1, view.columnCount())

    def _add_row(self, view, values: list[str], data: object = None, tips=()) -> int:
        n = view.rowCount()
        view.insertRow(n)
        for column, text in enumerate(values):
            item = cell(text, data)
            if column < len(tips) and tips[column]:
                item.setToolTip(plain_tooltip(tips[column]))
            view.setItem(n, column, item)
        return n

    def _reset(self, view) -> None:
        view.clearSpans()
        view.setRowCount(0)

    def _fill_changes(self, r: Review | None) -> None:
        view = self.changes
        self._reset(view)
        if r is None:
            return
        for qr in r.questionnaires:
            self._group_row(view, f"{qr.title}: {qr.change_sentence()}")
            t = qr.comparison.trend
            if t is None or not qr.matched:
                continue
            numbers = {s.id: n for n, s in enumerate(qr.comparison.questionnaire.sections, 1)}
            for scope in t.scopes:
                label = "Overall" if scope is t.scopes[0] else f"{numbers[scope.key]} {scope.label}"
                self._add_row(
                    view,
                    [label, change_words(headline_change(scope))]
                    + [change_words(scope.trend.by_sector.get(s)) for s in Sector],
                    tips=[scope.label],
                )
            broad = [g for g in qr.gaps if g.scope != "statement"]
            for g in broad:
                self._add_row(view, [f"Gap: {g.label}", g.sentence()], tips=["", g.sentence()])
                view.setSpan(view.rowCount() - 1, 1, 1, view.columnCount() - 1)
            for scope in qr.moved:
                ch = headline_change(scope)
                self._add_row(
                    view,
                    [f"Moved most: {scope.label}", change_words(ch)],
                    tips=[scope.label],
                )
                view.setSpan(view.rowCount() - 1, 1, 1, view.columnCount() - 1)
        view.resizeRowsToContents()

    def _fill_actions(self, r: Review | None) -> None:
        view = self.actions
        self._reset(view)
        if r is None:
            return
        self._group_row(
            view,
            f"Agreed in {r.since.name}: " + (fate_summary(r.actions) if r.actions else "none"),
        )
        for part, actions in (("since", r.actions), ("new", r.new_actions)):
            if part == "new" and actions:
                self._group_row(view, f"Agreed since, in {r.round.name}")
            for a in actions:
                text = a.description
                if a.answers:
                    text += f"\n{a.answers}"
                if a.carried_to:
                    text += f"\nCarried forward to {a.carried_to}"
                n = self._add_row(view, [text, a.owner or "–", a.fate_words], tips=[a.description])
                colour = FATE_COLOURS.get(a.fate)
                if colour:
                    base = view.palette().color(QPalette.ColorRole.Base)
                    view.item(n, 2).setForeground(QBrush(readable(colour, base)))
        view.resizeRowsToContents()

    def _fill_profile(self, r: Review | None) -> None:
        view = self.profile
        self._reset(view)
        if r is None:
            return
        # Short headings that fit; the rounds they stand for are named in the first row
        # and in the headings' tooltips.
        view.setHorizontalHeaderLabels(PROFILE_COLUMNS)
        for column, name in ((1, r.since.name), (2, r.round.name)):
            view.horizontalHeaderItem(column).setToolTip(plain_tooltip(name))
        self._group_row(view, f"Then: {r.since.name} · Now: {r.round.name}")
        known = [p for p in r.profile if p.before is not None or p.after is not None]
        if not known:
            self._group_row(view, "No facts of the profile were entered for either round.")
            return
        group = None
        for p in known:
            if p.group != group:
                group = p.group
                self._group_row(view, group or "Other facts")
            n = self._add_row(
                view,
                [
                    p.label,
                    p.before_text,
                    p.after_text,
                    p.change_text or "–",
                    "computed" if p.computed else (p.source or "–"),
                ],
                tips=[p.label, p.before_as_of, p.after_as_of, "", p.source],
            )
            for column in (1, 2, 3):
                view.item(n, column).setTextAlignment(
                    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                )
        view.resizeRowsToContents()

    def _fill_concerns(self, r: Review | None, keep: str | None) -> None:
        view = self.concerns
        self._reset(view)
        self.rows = []
        if r is None:
            self.questions.clear()
            self.add_button.setEnabled(self.partnership_id is not None)
            self.remove_button.setEnabled(False)
            return
        self.add_button.setEnabled(True)
        for cr in r.concerns:
            self._add_row(
                view,
                [f"{cr.questionnaire_title}: {cr.label}", cr.raised_by, cr.raised_in, cr.verdict],
                cr.concern.id,
                tips=[cr.concern.note or cr.label],
            )
        view.resizeRowsToContents()
        ids = [cr.concern.id for cr in r.concerns]
        if ids:
            view.selectRow(ids.index(keep) if keep in ids else 0)
        self._concern_selected()

    def selected_concern_id(self) -> str | None:
        items = self.concerns.selectedItems()
        data = items[0].data(Qt.ItemDataRole.UserRole) if items else None
        return data if isinstance(data, str) else None

    def selected_concern(self) -> ConcernReview | None:
        if self.review is None:
            return None
        wanted = self.selected_concern_id()
        return next((c for c in self.review.concerns if c.concern.id == wanted), None)

    def _concern_selected(self) -> None:
        cr = self.selected_concern()
        self.remove_button.setEnabled(cr is not None)
        if cr is None:
            if self.review is not None and not self.review.concerns:
                self.questions.setPlainText(
                    "No concerns have been marked. Add concern… marks a section or statement "
                    "a partner raised; the review then asks of each whether it moved."
                )
            else:
                self.questions.clear()
            return
        parts = [
            f"<p><b>{escape(cr.questionnaire_title)}: {escape(cr.label)}</b><br/>"
            f"Raised by {escape(cr.raised_by)} in {escape(cr.raised_in)}.</p>"
        ]
        if cr.concern.note:
            note = escape(cr.concern.note).replace("\n", "<br/>")
            parts.append(f"<p><i>“{note}”</i></p>")
        for q in cr.questions:
            parts.append(f"<p><b>{escape(q.question)}</b><br/>{escape(q.answer)}</p>")
        self.questions.setHtml("".join(parts))

    # --- doing --------------------------------------------------------------------------

    def add_concern(self) -> str | None:
        """Add concern…: the dialog; the concern is added to the partnership."""
        if self.partnership_id is None:
            return None
        dialog = ConcernDialog(
            self.services,
            self.partnership_id,
            self.since_combo.currentData() or self.round_combo.currentData(),
            parent=self,
        )
        self.dialogs.run(dialog)
        if dialog.added:
            self.tabs.setCurrentIndex(3)
            self.refresh(dialog.added)
            self.concerns.setFocus()
        return dialog.added

    def remove_selected(self) -> bool:
        """Remove the selected concern (asked first)."""
        cr = self.selected_concern()
        if cr is None:
            return False
        if not self.dialogs.confirm(
            "Remove concern",
            f"Remove the concern “{cr.label}” raised by {cr.raised_by}? The review will no "
            "longer ask about it.",
            ok="Remove",
            destructive=True,
        ):
            return False
        try:
            self.services.remove_concern(cr.concern.id)
        except (ServiceError, StoreError) as exc:
            self.dialogs.warn("The concern was not removed", str(exc))
            return False
        self.refresh()
        return True

    def make_pack(self) -> None:
        """Review pack…: the PDF, built and shown on the report page."""
        if self.review is not None:
            self.pack_requested.emit(self.review)
