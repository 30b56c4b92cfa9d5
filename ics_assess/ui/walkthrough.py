"""The assessment walk-through: one section at a time, every answer saved as it is given.

The page arranges widgets and calls Services; it never touches SQL. Ratings are stored the
moment they are chosen, comments after a short pause in typing (and when the box is left or
``flush()`` is called). A failed save is shown once, the status says "Not saved: ...", and
whatever the user typed stays on screen so nothing is lost.

When the database is busy (another program, such as an import, is writing), full or
read-only, a change is not refused: it waits in a SaveQueue (ui/pending.py), the card
keeps showing it, the status line says how many answers wait and why, and the queue tries
again on a timer, in order. The window's own writes wait at most WINDOW_BUSY_WAIT_MS for
the lock, so it never freezes for seconds; closing with answers still waiting tries once
more and then asks rather than losing them. A comment longer than textrules.TEXT_MAX is
never saved cut short: the card says how long it is and what is allowed.

Keyboard: on a statement, 1-5 rate it, D is "Don't know", N is "Not applicable"; each also
moves on to the next statement. Up/Down move between statements, Left/Right between the
answer buttons, Ctrl+PgDown / Ctrl+PgUp between sections and Alt+G shows the guidance.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from itertools import pairwise
from textwrap import shorten

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QKeySequence, QShortcut, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import textrules
from ..domain import (
    Answer,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Item,
    Questionnaire,
    Section,
    Unrated,
    statement_numbers,
)
from ..labels import REVERSE_NOTE
from ..palette import ACCENT
from ..services import AssessmentDetail, Services
from .dialogs import Dialogs
from .pending import DISK, READ_ONLY, SAVE_ERRORS, PendingWrite, SaveQueue
from .widgets import plain_label, plain_tooltip, scaled_font

log = logging.getLogger(__name__)

COMMENT_PAUSE_MS = 700
READING_WIDTH = 900  # px: longer lines are hard to read on a large monitor
# How long the window's own writes wait for another program's write lock before the
# change is kept in the SaveQueue and tried again: short, so the window never freezes.
WINDOW_BUSY_WAIT_MS = 250
# When closing with answers still waiting, one last try waits this long for the lock.
CLOSING_WAIT_MS = 2000
WAITING = object()  # _write's result for a change kept in the queue

Value = int | Unrated
RATING_KEYS: dict[int, Value] = {Qt.Key.Key_0 + n: n for n in range(1, 6)}
RATING_KEYS |= {Qt.Key.Key_D: Unrated.DONT_KNOW, Qt.Key.Key_N: Unrated.NOT_APPLICABLE}
KIND_LABELS = {
    AssessmentKind.ORGANISATION: "Organisation response",
    AssessmentKind.INDIVIDUAL: "Individual view",
}
STYLE = f"""
QFrame#statementCard {{ border: 1px solid palette(mid); border-radius: 6px;
    background: palette(base); }}
QFrame#statementCard[current="true"] {{ border: 2px solid {ACCENT}; }}
QPushButton[answer="true"] {{ border: 1px solid palette(mid); border-radius: 4px;
    padding: 5px 8px; background: palette(button); color: palette(button-text); }}
QPushButton[answer="true"]:hover {{ border-color: {ACCENT}; }}
QPushButton[answer="true"]:checked {{ background: {ACCENT}; color: white;
    border-color: {ACCENT}; }}
QPushButton[answer="true"]:focus {{ border: 2px solid palette(text); }}
QPushButton[answer="true"]:disabled:!checked {{ color: palette(mid); }}
QListWidget#sectionList::item {{ padding-top: 4px; padding-bottom: 4px; }}
QFrame#banner {{ border-left: 4px solid {ACCENT}; background: palette(alternate-base); }}
"""


def date_text(iso: str | None) -> str:
    """An ISO timestamp as a local date for people, e.g. '12 March 2026'."""
    if not iso:
        return "an unknown date"
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return f"{moment.day} {moment:%B %Y}"


def fill(
    layout: QBoxLayout, *parts: QWidget | QLayout | int | tuple[QWidget | QLayout, int]
) -> QBoxLayout:
    """Add widgets, layouts, stretches (ints) and (widget, stretch) pairs to a box layout."""
    for part in parts:
        if isinstance(part, int):
            layout.addStretch(part)
        elif isinstance(part, tuple) and isinstance(part[0], QLayout):
            layout.addLayout(*part)
        elif isinstance(part, tuple):
            layout.addWidget(*part)
        elif isinstance(part, QLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part)
    return layout


def push_button(text: str, slot: Callable[[], object], tip: str = "") -> QPushButton:
    """A push button whose accessible name is its text (without the & of its mnemonic)."""
    button = QPushButton(text)
    button.setAccessibleName(text.replace("&", ""))
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button


class TargetBox(QComboBox):
    """The "where we want to be" list. It ignores the mouse wheel unless it has the focus,
    so scrolling down the page never changes a target by accident."""

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        """Scroll the page instead unless the list was chosen first."""
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


def unscored_sentence(detail: AssessmentDetail, *, handing_back: bool = False) -> str:
    """What submitting (or handing back) now would leave unscored, for "Submit anyway":
    the sections without enough answers, and what the overall score would rest on."""
    score = detail.score
    when = "Handed back now" if handing_back else "Submitted now"
    missing = score.unreported
    if not missing:
        return f"{when}, every section has enough answers to be scored."
    number = {sc.section_id: n for n, sc in enumerate(score.sections, start=1)}
    names = "; ".join(f"{s.title} (section {number[s.section_id]})" for s in missing)
    total = len(score.sections)
    if len(missing) == total:
        return (
            f"{when}, no section would have enough answers to be scored, so there would "
            f"be no overall score. Unscored: {names}."
        )
    return (
        f"{when}, {len(missing)} of the {total} sections would go unscored, for want of "
        f"answers: {names}. The overall score would be provisional, {score.basis}."
    )


# The answer's texts, saved after a pause in typing: field -> what the user is told it is.
TEXT_FIELDS = {"comment": "comment", "evidence": "evidence reference"}


class TextBox(QObject):
    """A text of an answer (its comment, its evidence reference): the box, a note said
    beside it when the text is longer than can be saved, and the pause in typing after
    which it is due to be saved (or leaving the box). Only the box knows when typing
    pauses, so the debounce is here; the page decides what to store."""

    pending = Signal()  # typing started: something is not yet saved
    due = Signal()  # time to save

    def __init__(self, what: str, name: str, number: str, lines: int, parent: QObject):
        super().__init__(parent)
        self.what = what
        self.box = QPlainTextEdit()
        self.box.setTabChangesFocus(True)  # Tab leaves the box; it never types a tab
        self.box.setAccessibleName(name)
        height = self.box.fontMetrics().lineSpacing() * lines
        self.box.setFixedHeight(height + 2 * self.box.frameWidth() + 12)
        self.box.textChanged.connect(self._changed)
        self.box.installEventFilter(self)
        self.note = plain_label()
        self.note.setAccessibleName(f"{what.capitalize()} length for statement {number}")
        self.note.setStyleSheet("color: palette(highlight); font-weight: bold;")
        self.note.hide()
        self.dirty = False
        self._loading = False
        self._timer = QTimer(self, singleShot=True, interval=COMMENT_PAUSE_MS)
        self._timer.timeout.connect(self.due)

    def load(self, text: str) -> None:
        """Show a stored text, which is then not dirty."""
        self._loading = True
        try:
            self.box.setPlainText(text)
        finally:
            self._loading = False
        self.dirty = False
        self._timer.stop()
        self._show_length(edited=False)

    def text(self) -> str:
        """The text in the box."""
        return self.box.toPlainText()

    def length(self) -> int:
        """The text's length as the store counts it (textrules.clean_text)."""
        return len(textrules.clean_text(self.box.toPlainText()))

    @property
    def too_long(self) -> bool:
        """True when the text is longer than textrules.TEXT_MAX, so it cannot be saved."""
        return self.length() > textrules.TEXT_MAX

    def saved(self, text: str) -> None:
        """The page stored ``text``; the box is clean unless typing went on meanwhile."""
        if self.box.toPlainText() == text:
            self.dirty = False
            self._timer.stop()

    def _show_length(self, *, edited: bool) -> None:
        length = self.length()
        if length <= textrules.TEXT_MAX:
            self.note.hide()
            self.note.clear()
            return
        over, most, what = length - textrules.TEXT_MAX, textrules.TEXT_MAX, self.what
        if edited:
            text = (
                f"This {what} is {length:,} characters long; at most {most:,} can be saved. "
                f"Shorten it by {over:,} characters to save it: until then the {what} saved "
                "before is kept, and nothing is cut."
            )
        else:
            text = (
                f"This {what}, saved before the limit, is {length:,} characters long and is "
                f"shown whole; a change to it can be saved once it is at most {most:,} "
                f"characters ({over:,} fewer)."
            )
        self.note.setText(text)
        self.note.show()

    def _changed(self) -> None:
        if self._loading:
            return
        self._show_length(edited=True)
        if not self.dirty:
            self.dirty = True
            self.pending.emit()
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Leaving the box saves what was typed in it."""
        if event.type() == QEvent.Type.FocusOut and self.dirty:
            self._timer.stop()
            self.due.emit()
        return False


class StatementCard(QFrame):
    """One statement: its answer buttons, target, comment, evidence and guidance.

    The card only shows and collects; it reports what the user did through signals and
    the page decides what to store.
    """

    rating_chosen = Signal(str, object, bool)  # item id, 1-5 or Unrated, move on afterwards
    target_chosen = Signal(str, object)  # item id, 1-5 or None
    text_pending = Signal(str)  # item id: typing started, something is not yet saved
    text_due = Signal(str, str)  # item id, field of TEXT_FIELDS: time to save it
    move_requested = Signal(str, int)  # item id, -1 or +1
    entered = Signal(str)  # focus came into the card

    def __init__(self, item: Item, number: str, questionnaire: Questionnaire, parent=None):
        super().__init__(parent)
        self.item = item
        self.number = number
        self._editable = True
        self._loading = False
        self.setObjectName("statementCard")
        self.setProperty("current", False)
        # Clicking the card's background puts focus on its answers (see focusInEvent).
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        # "2.3": section 2, statement 3, as every report numbers it.
        heading = QLabel(number)
        heading.setFont(scaled_font(1.15, bold=True, base=self.font()))
        heading.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
        heading.setMinimumWidth(heading.fontMetrics().horizontalAdvance("0.00"))
        statement = plain_label(item.statement)
        statement.setFont(scaled_font(1.1, base=self.font()))
        # A reverse statement says so under it (only 1.0 questionnaires have them).
        self.reverse_note = plain_label(f"{REVERSE_NOTE}." if item.reverse else "")
        self.reverse_note.setObjectName("reverseNote")
        self.reverse_note.setStyleSheet("font-style: italic;")
        if not item.reverse:
            self.reverse_note.hide()  # (showing a label with no parent yet opens a window)
        else:
            statement.setAccessibleDescription(f"{REVERSE_NOTE}.")

        # Answer buttons: the five scale points, then don't know / not applicable.
        self._buttons: dict[Value, QPushButton] = {}
        for point in questionnaire.scale:
            button = self._answer_button(f"{point.value} · {point.label}", point.value)
            button.setToolTip(plain_tooltip(point.descriptor))
            button.setAccessibleName(f"Statement {number} rating {point.value}: {point.label}")
            button.setAccessibleDescription(point.descriptor)
        for unrated in Unrated:
            button = self._answer_button(unrated.label, unrated)
            button.setAccessibleName(f"Statement {number}: {unrated.label}")

        self.target = TargetBox()
        self.target.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.target.addItem("No target", None)
        for point in questionnaire.scale:
            self.target.addItem(f"{point.value} · {point.label}", point.value)
        self.target.setAccessibleName(f"Target for statement {number}")
        # On Linux a combo box reports its value as its name; the description keeps
        # the statement it belongs to for screen readers.
        self.target.setAccessibleDescription(f"Where we want to be on statement {number}")
        self.target.setToolTip("Where we want the partnership to be on this statement (optional)")
        self.target.currentIndexChanged.connect(self._target_changed)
        target_label = QLabel("Where we want to be:")
        target_label.setBuddy(self.target)

        # The comment, and where the evidence for the answer is (the top of the scale is
        # "true, and we could show the evidence"): one per line, a document, link or minute.
        self.texts = {
            "comment": TextBox(
                TEXT_FIELDS["comment"], f"Comment on statement {number}", number, 3, self
            ),
            "evidence": TextBox(
                TEXT_FIELDS["evidence"], f"Evidence for statement {number}", number, 1, self
            ),
        }
        for field, text in self.texts.items():
            text.pending.connect(lambda: self.text_pending.emit(self.item.id))
            text.due.connect(lambda field=field: self.text_due.emit(self.item.id, field))
        self.comment, self.comment_note = self.texts["comment"].box, self.texts["comment"].note
        self.evidence, self.evidence_note = self.texts["evidence"].box, self.texts["evidence"].note
        # Named beside the box, since a filled box shows no placeholder to say what it is.
        evidence_label = QLabel("Evidence:")
        evidence_label.setBuddy(self.evidence)
        self._evidence_row = QWidget()
        fill(QHBoxLayout(self._evidence_row), evidence_label, (self.evidence, 1))
        self._evidence_row.layout().setContentsMargins(0, 0, 0, 0)
        self.evidence.setToolTip(
            "Where the evidence for this answer is: a document, a link or a minute, one per "
            "line (optional). Reports show it beside the comment."
        )

        self.guidance_toggle = QToolButton()
        self.guidance_toggle.setCheckable(True)
        self.guidance_toggle.setAutoRaise(True)
        self.guidance_toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.guidance_toggle.toggled.connect(self.set_guidance_visible)
        parts = [f"<b>Guidance.</b> {html.escape(item.guidance)}"]
        if item.evidence:
            parts.append(f"<b>Evidence you might look for.</b> {html.escape(item.evidence)}")
        self.guidance = QLabel("<br><br>".join(parts))
        self.guidance.setTextFormat(Qt.TextFormat.RichText)
        self.guidance.setWordWrap(True)
        self.guidance.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.guidance.setContentsMargins(8, 0, 8, 4)
        self.set_guidance_visible(False)

        scale = [(self._buttons[p.value], 1) for p in questionnaire.scale]
        unrated_buttons = [self._buttons[u] for u in Unrated]
        fill(
            QVBoxLayout(self),
            fill(QHBoxLayout(), heading, (statement, 1)),
            self.reverse_note,
            fill(QHBoxLayout(), *scale),
            fill(QHBoxLayout(), *unrated_buttons, 1, target_label, self.target),
            self.comment,
            self.comment_note,
            self._evidence_row,
            self.evidence_note,
            fill(QHBoxLayout(), self.guidance_toggle, 1),
            self.guidance,
        )

        for widget in self.tab_chain():
            widget.installEventFilter(self)
        self._update_tab_stop()

    def _answer_button(self, text: str, value: Value) -> QPushButton:
        button = QPushButton(text)
        button.setCheckable(True)
        button.setProperty("answer", True)
        button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        # Clicking the chosen answer again unchecks it: that clears the answer.
        button.clicked.connect(
            lambda checked: self.rating_chosen.emit(self.item.id, value if checked else None, False)
        )
        self._buttons[value] = button
        return button

    # --- what the page calls -------------------------------------------------------------

    @property
    def item_id(self) -> str:
        """The statement's item id."""
        return self.item.id

    def answer_button(self, value: Value) -> QPushButton:
        """The button of a scale point (1-5) or of don't know / not applicable."""
        return self._buttons[value]

    def tab_chain(self) -> list[QWidget]:
        """The card's widgets in tab order: answers, target, comment, evidence, guidance.
        Only one answer button is a tab stop at a time (Left/Right move among them), like
        a radio group, so Tab goes answers, target, comment, evidence, guidance, next
        statement."""
        buttons = self._buttons.values()
        return [*buttons, self.target, self.comment, self.evidence, self.guidance_toggle]

    def load(self, answer: Answer | None) -> None:
        """Show a stored answer: rating, target, comment and evidence."""
        self._loading = True
        try:
            self.show_rating(answer)
            self.show_target(answer.target if answer else None)
            self.texts["comment"].load(answer.comment if answer else "")
            self.texts["evidence"].load(answer.evidence if answer else "")
        finally:
            self._loading = False
        self._show_texts()

    def show_rating(self, answer: Answer | None) -> None:
        """Check the button of the stored rating (none when unanswered)."""
        chosen: Value | None = None
        if answer is not None:
            chosen = answer.rating if answer.rating is not None else answer.unrated
        for value, button in self._buttons.items():
            button.setChecked(value == chosen)
        self._update_tab_stop()

    def show_target(self, target: int | None) -> None:
        """Select the stored target without saving it again."""
        self._loading = True
        try:
            self.target.setCurrentIndex(max(0, self.target.findData(target)))
        finally:
            self._loading = False

    def set_editable(self, editable: bool) -> None:
        """Enable or disable every input (submitted assessments are read-only)."""
        self._editable = editable
        for widget in (*self._buttons.values(), self.target):
            widget.setEnabled(editable)
        # Read-only rather than disabled: a submitted answer's texts stay readable (not
        # greyed) and can be selected and copied.
        for box in (self.comment, self.evidence):
            box.setReadOnly(not editable)
        self.comment.setPlaceholderText(
            "Comment (optional), saved as you type" if editable else "No comment"
        )
        self.evidence.setPlaceholderText(
            "Evidence: a document, link or minute (optional)" if editable else "No evidence named"
        )
        self._show_texts()

    def _show_texts(self) -> None:
        """A read-only card shows a comment or evidence box only when it holds text, so
        a submitted assessment reads as its answers, not as rows of empty boxes."""
        self.comment.setHidden(not self._editable and not self.comment.toPlainText())
        self._evidence_row.setHidden(not self._editable and not self.evidence.toPlainText())

    def set_current(self, current: bool) -> None:
        """Mark the card the user is on (a stronger border)."""
        if self.property("current") != current:
            self.setProperty("current", current)
            self.style().unpolish(self)
            self.style().polish(self)

    def set_guidance_visible(self, visible: bool) -> None:
        """Show or hide the guidance and evidence."""
        self.guidance.setVisible(visible)
        if self.guidance_toggle.isChecked() != visible:
            self.guidance_toggle.setChecked(visible)
        verb = "Hide" if visible else "Show"
        self.guidance_toggle.setText(f"{verb} guidance and evidence")
        self.guidance_toggle.setArrowType(
            Qt.ArrowType.DownArrow if visible else Qt.ArrowType.RightArrow
        )
        self.guidance_toggle.setAccessibleName(f"{verb} guidance for statement {self.number}")

    def focus_entry(self) -> None:
        """Put keyboard focus on the card: its chosen (or first) answer button."""
        if self._editable:
            self._tab_stop().setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.guidance_toggle.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def dirty(self) -> bool:
        """True while a text box holds text that is not yet stored."""
        return any(text.dirty for text in self.texts.values())

    # --- events --------------------------------------------------------------------------

    def _tab_stop(self) -> QPushButton:
        checked = [b for b in self._buttons.values() if b.isChecked()]
        return checked[0] if checked else next(iter(self._buttons.values()))

    def _update_tab_stop(self, stop: QPushButton | None = None) -> None:
        stop = stop or self._tab_stop()
        for button in self._buttons.values():
            strong = Qt.FocusPolicy.StrongFocus
            button.setFocusPolicy(strong if button is stop else Qt.FocusPolicy.ClickFocus)

    def _target_changed(self, index: int) -> None:
        if not self._loading:
            self.target_chosen.emit(self.item.id, self.target.itemData(index))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt override)
        """Notice focus entering the card, and take the statement keys from the buttons
        (which would otherwise treat arrows as Tab)."""
        kind = event.type()
        if kind == QEvent.Type.FocusIn:
            if watched in self._buttons.values():
                self._update_tab_stop(watched)  # type: ignore[arg-type]
            self.entered.emit(self.item.id)
        elif kind == QEvent.Type.KeyPress and isinstance(watched, QAbstractButton):
            return self._handle_key(event)  # type: ignore[arg-type]
        return False

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt override)
        """Focus given to the card itself goes on to its answers."""
        super().focusInEvent(event)
        self.focus_entry()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt override)
        """The statement keys, when the card itself (or a label in it) has the focus."""
        if not self._handle_key(event):
            super().keyPressEvent(event)

    def _handle_key(self, event: QKeyEvent) -> bool:
        """Rating keys, and arrows between statements and answer buttons; True if used.

        Only the card and its buttons come here: the text boxes and the target list
        keep their own keys, so digits typed there are text, never ratings.
        """
        mods = event.modifiers() & ~(
            Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier
        )
        key = event.key()
        if mods != Qt.KeyboardModifier.NoModifier:
            return False
        if key in RATING_KEYS and self._editable:
            self.rating_chosen.emit(self.item.id, RATING_KEYS[key], True)
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._editable:
            self.rating_chosen.emit(self.item.id, None, False)
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            self.move_requested.emit(self.item.id, -1 if key == Qt.Key.Key_Up else 1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            buttons = [b for b in self._buttons.values() if b.isEnabled()]
            focused = self.focusWidget()
            if focused not in buttons:
                return False
            step = -1 if key == Qt.Key.Key_Left else 1
            index = max(0, min(len(buttons) - 1, buttons.index(focused) + step))
            buttons[index].setFocus(Qt.FocusReason.TabFocusReason)
        else:
            return False
        return True


class SectionList(QListWidget):
    """The sections down the side, each with how many of its statements are answered."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sectionList")
        self.setAccessibleName("Sections")
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self._sections: tuple[Section, ...] = ()

    def set_sections(self, sections: tuple[Section, ...]) -> None:
        """Show these sections (counts start at zero)."""
        self.clear()
        self._sections = sections
        for section in sections:
            self.addItem(QListWidgetItem(section.title))

    def update_counts(self, answers: dict[str, Answer]) -> None:
        """Refresh every row's "n of m" from the answers held."""
        changed = False
        for row, section in enumerate(self._sections):
            done = sum(1 for i in section.items if i.id in answers and answers[i.id].is_answered)
            item = self.item(row)
            text = f"{section.title} — {done} of {len(section.items)}"
            font = item.font()
            bold = row == self.currentRow()
            if item.text() != text or font.bold() != bold:
                item.setText(text)
                font.setBold(bold)
                item.setFont(font)
                changed = True
        if changed:
            # Wrapped rows keep their old height otherwise, cutting off the count. Laid
            # out when control returns to the event loop, before the list is painted, so
            # a keystroke's handler does not wait for it.
            self.scheduleDelayedItemsLayout()


class WalkthroughPage(QWidget):
    """Walks a respondent through one assessment, a section at a time, saving as they go."""

    status_changed = Signal(str)  # "Saving…", "All changes saved", "Not saved: …"
    results_requested = Signal(str)  # assessment id
    submitted = Signal(str)  # assessment id
    home_requested = Signal()
    handed_back = Signal(str)  # assessment id: a workshop participant said "I've finished"

    def __init__(self, services: Services, dialogs: Dialogs, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._dialogs = dialogs
        self._detail: AssessmentDetail | None = None
        self._answers: dict[str, Answer] = {}
        self._cards: dict[str, StatementCard] = {}
        self._order: list[str] = []
        self._scrolls: list[QScrollArea] = []
        self._current: str | None = None
        self._position: str | None = None
        self._status = ""
        self._error_shown = False  # one dialog per run of failures, not one per keystroke
        self._problem_shown = False  # one dialog per run of a full disk or read-only file
        self._busy_wait_ms = WINDOW_BUSY_WAIT_MS
        self._participant = False  # a workshop participant's screen: see set_participant_mode
        # Changes not written yet (database busy, full or read-only), in order. It outlives
        # the assessment shown: each change knows its assessment.
        self._queue = SaveQueue(self._store_change, self)
        self._queue.saved.connect(self._waiting_saved)
        self._queue.dropped.connect(self._waiting_dropped)
        self._queue.changed.connect(self._queue_changed)
        self.setStyleSheet(STYLE)
        self._build()

    def _build(self) -> None:
        self.back_button = push_button("&Back to assessments", self._go_home)
        self.results_button = push_button(
            "&Results", self._show_results, "Scores so far, by section (drafts too)"
        )
        self.submit_button = push_button(
            "&Submit…", self.submit, "Submit the assessment; it then becomes read-only"
        )
        self.title = plain_label()
        self.title.setFont(scaled_font(1.3, bold=True, base=self.font()))
        self.details = plain_label()
        buttons = (self.back_button, self.results_button, self.submit_button)
        text = fill(QVBoxLayout(), self.title, self.details)
        header = fill(QHBoxLayout(), buttons[0], (text, 1), *buttons[1:])
        for button in buttons:
            header.setAlignment(button, Qt.AlignmentFlag.AlignTop)

        self.banner = QFrame(objectName="banner")
        self.banner_text = plain_label()
        self.reopen_button = push_button("Reopen for changes", self.reopen)
        fill(QHBoxLayout(self.banner), (self.banner_text, 1), self.reopen_button)
        self.banner.hide()

        self.sections = SectionList()
        self.sections.currentRowChanged.connect(self._row_changed)
        self.sections.itemActivated.connect(lambda _item: self._focus_first_of_section())
        self.progress = QProgressBar()
        self.progress.setFormat("%v of %m answered")
        self.progress.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress.setAccessibleName("Statements answered")
        side = QWidget()
        fill(QVBoxLayout(side), (self.sections, 1), self.progress).setContentsMargins(0, 0, 0, 0)
        side.setFixedWidth(self.fontMetrics().averageCharWidth() * 30)

        self.stack = QStackedWidget()
        previous_keys = QKeySequence("Ctrl+PgUp")
        next_keys = QKeySequence("Ctrl+PgDown")
        native = QKeySequence.SequenceFormat.NativeText
        self.previous_button = push_button(
            "← Previous section",
            lambda: self.go_section(-1),
            f"Previous section ({previous_keys.toString(native)})",
        )
        self.next_button = push_button(
            "Next section →",
            lambda: self.go_section(1),
            f"Next section ({next_keys.toString(native)})",
        )
        self.previous_button.setAccessibleName("Previous section")
        self.next_button.setAccessibleName("Next section")
        nav = fill(QHBoxLayout(), self.previous_button, 1, self.next_button)
        main = fill(QVBoxLayout(), (self.stack, 1), nav)
        main.setContentsMargins(0, 0, 0, 0)
        body = fill(QHBoxLayout(), side, main)
        body.setStretch(1, 1)
        fill(QVBoxLayout(self), header, self.banner, body)
        self.layout().setStretch(2, 1)

        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (
            (next_keys, lambda: self.go_section(1)),
            (previous_keys, lambda: self.go_section(-1)),
            (QKeySequence("Alt+G"), self._toggle_current_guidance),
        ):
            shortcut = QShortcut(keys, self)
            shortcut.setContext(context)
            shortcut.activated.connect(slot)

    # --- public interface ----------------------------------------------------------------

    def open_assessment(self, assessment_id: str) -> None:
        """Show an assessment, at the statement where the respondent left off."""
        self.flush()
        try:
            detail = self._services.detail(assessment_id)
        except SAVE_ERRORS as exc:
            self._dialogs.error("Cannot open the assessment", f"{exc}")
            return
        self._clear()
        self._detail = detail
        self._answers = dict(detail.answers)
        self._position = detail.assessment.position
        self._fill_header()
        self.sections.blockSignals(True)
        self.sections.set_sections(detail.questionnaire.sections)
        self.sections.blockSignals(False)
        self._build_sections(detail)
        self._apply_status()
        self._update_counts()
        self._error_shown = False
        self._refresh_status()
        start = detail.assessment.position
        if start not in self._cards:
            start = self._order[0] if self._order else None
        if start:
            self.show_item(start)

    def set_participant_mode(self, on: bool) -> None:
        """A workshop participant's screen: no way back to the assessments or to the
        results, no reopening; "I've finished" hands the assessment back (submitted,
        unanswered statements allowed) instead of submitting it."""
        self._participant = on
        self.back_button.setVisible(not on)
        self.results_button.setVisible(not on)
        self.reopen_button.setVisible(not on)
        text = "I've &finished…" if on else "&Submit…"
        self.submit_button.setText(text)
        self.submit_button.setAccessibleName(text.replace("&", "").rstrip("…"))
        self.submit_button.setToolTip(
            "Hand your answers back to the facilitator"
            if on
            else "Submit the assessment; it then becomes read-only"
        )

    def close_assessment(self) -> None:
        """Save what is typed, then show nothing: no statement, answer or name of the
        assessment stays in the page's widgets (the next participant starts clean)."""
        self.flush()
        self._clear()
        self._detail = None
        self._answers = {}
        self._position = None
        self.title.clear()
        self.details.clear()
        self.sections.blockSignals(True)
        self.sections.set_sections(())
        self.sections.blockSignals(False)
        self.progress.setValue(0)
        self.banner.hide()
        self.banner_text.clear()
        self.submit_button.setEnabled(False)

    def flush(self) -> None:
        """Save any comment or evidence still waiting for the pause in typing."""
        for card in self._cards.values():
            for field, text in card.texts.items():
                if text.dirty:
                    self._save_text(card.item_id, field)

    def waiting(self) -> int:
        """How many changes wait to be written (the database was busy, full or read-only)."""
        return len(self._queue)

    def status(self) -> str:
        """The status line's text: 'All changes saved', 'Saving…', what waits, or why not."""
        return self._status

    def retry_waiting(self, wait_ms: int | None = None) -> bool:
        """Try the waiting changes now (each waiting up to ``wait_ms`` for the lock);
        True when none wait any more."""
        previous, self._busy_wait_ms = self._busy_wait_ms, wait_ms or self._busy_wait_ms
        try:
            return self._queue.retry()
        finally:
            self._busy_wait_ms = previous

    def settle(self) -> bool:
        """Before the window or the database closes: save the comments being typed, try
        the waiting changes once more, and if some still cannot be written say so and
        ask. True when closing may go on (nothing waits, or the user chose to close
        without them); False to keep the window open."""
        self.flush()
        if not self._queue or self.retry_waiting(CLOSING_WAIT_MS):
            return True
        n = len(self._queue)
        answers = "1 answer" if n == 1 else f"{n} answers"
        choice = self._dialogs.choose(
            "Answers not saved yet",
            f"{self._queue.describe()}.\n\n{self._queue.reason}\n\nIf you close now, "
            f"{'it is' if n == 1 else 'they are'} lost. Keep the window open and "
            f"{'it is' if n == 1 else 'they are'} saved as soon as the database can be "
            "written.",
            ["Keep the window open", f"Close and lose {answers}"],
            0,
        )
        if choice == 1:
            self._queue.discard()
            return True
        return False

    def may_leave(self) -> bool:
        """Before leaving the assessment: save the comments being typed and try the
        waiting changes once more. If some still wait, say so and ask: they keep waiting
        (and are saved as soon as they can be) whatever the choice."""
        self.flush()
        if not self._queue or self.retry_waiting():
            return True
        choice = self._dialogs.choose(
            "Answers not saved yet",
            f"{self._queue.describe()}.\n\nThey stay waiting while the app is open and are "
            "saved as soon as the database can be written, even if you go on.",
            ["Stay on this assessment", "Go on"],
            0,
        )
        return choice == 1

    def assessment_id(self) -> str | None:
        """The id of the assessment shown, if any."""
        return self._detail.assessment.id if self._detail else None

    def current_item_id(self) -> str | None:
        """The statement the user is on."""
        return self._current

    def current_section_id(self) -> str | None:
        """The section shown."""
        if not self._detail or self.stack.currentIndex() < 0:
            return None
        return self._detail.questionnaire.sections[self.stack.currentIndex()].id

    def card(self, item_id: str) -> StatementCard:
        """The card of a statement of the open assessment."""
        return self._cards[item_id]

    def show_item(self, item_id: str) -> None:
        """Select the statement's section, scroll to the statement and focus it."""
        card = self._cards[item_id]
        self._show_section(self._section_index(item_id), item_id)
        card.focus_entry()
        self._scroll_to(card)

    # --- building ------------------------------------------------------------------------

    def _clear(self) -> None:
        for card in self._cards.values():
            card.blockSignals(True)  # late focus events from old cards must not land here
        self._cards.clear()
        self._order.clear()
        self._scrolls.clear()
        self._current = None
        while self.stack.count():
            page = self.stack.widget(0)
            self.stack.removeWidget(page)
            page.setParent(None)  # gone from the widget tree now, deleted soon after
            page.deleteLater()

    def _fill_header(self) -> None:
        d = self._detail
        assert d is not None
        a = d.assessment
        respondent = a.respondent_label + (f", {a.respondent_role}" if a.respondent_role else "")
        q = d.questionnaire
        # The version answered, as the results page and the report give it: a round may
        # hold answers on 1.0 and 1.1, whose statements differ.
        self.title.setText(f"{q.title} · version {q.version}")
        self.title.setAccessibleName(f"Questionnaire: {q.title}, version {q.version}")
        self.details.setText(
            f"{d.organisation.name} ({d.organisation.partner_type.label})  ·  {d.round.name}"
            f"  ·  {respondent}  ·  {KIND_LABELS[a.kind]}"
        )

    def _build_sections(self, detail: AssessmentDetail) -> None:
        q = detail.questionnaire
        chain: list[QWidget] = [self.back_button, self.results_button, self.submit_button]
        chain += [self.reopen_button, self.sections]
        numbers = statement_numbers(q)
        for index, section in enumerate(q.sections):
            column = QWidget(maximumWidth=READING_WIDTH)
            title = plain_label(section.title)
            title.setFont(scaled_font(1.2, bold=True, base=self.font()))
            column_layout = fill(
                QVBoxLayout(column), QLabel(f"Section {index + 1} of {len(q.sections)}"), title
            )
            if section.description:
                column_layout.addWidget(plain_label(section.description))
            for item in section.items:
                card = StatementCard(item, numbers[item.id], q)
                card.load(self._answers.get(item.id))
                card.rating_chosen.connect(self._rate)
                card.target_chosen.connect(self._set_target)
                card.text_pending.connect(lambda _id: self._set_status("Saving…"))
                card.text_due.connect(self._save_text)
                card.move_requested.connect(self._move)
                card.entered.connect(self._make_current)
                column_layout.addWidget(card)
                self._cards[item.id] = card
                self._order.append(item.id)
                chain += card.tab_chain()
            column_layout.addStretch(1)
            # Centre a column of at most READING_WIDTH in whatever width there is.
            holder = QWidget()
            fill(QHBoxLayout(holder), 1, (column, 100), 1)
            scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setWidget(holder)
            self.stack.addWidget(scroll)
            self._scrolls.append(scroll)
        # One tab path: header, section list, every card (Qt skips the hidden sections'
        # widgets and the answer buttons that are not the tab stop), the section buttons.
        chain += [self.previous_button, self.next_button]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # --- navigation ----------------------------------------------------------------------

    def _section_index(self, item_id: str) -> int:
        assert self._detail is not None
        section = self._detail.questionnaire.section_of(item_id)
        return self._detail.questionnaire.sections.index(section)

    def _show_section(self, index: int, item_id: str | None = None) -> None:
        if not self._detail or not 0 <= index < self.stack.count():
            return
        moved = index != self.sections.currentRow()
        self.stack.setCurrentIndex(index)
        self.sections.blockSignals(True)
        self.sections.setCurrentRow(index)
        self.sections.blockSignals(False)
        self.previous_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < self.stack.count() - 1)
        if moved:
            self._update_counts()  # the current section's row in bold (counts are kept)
        section = self._detail.questionnaire.sections[index]
        if item_id is None and self._current not in {i.id for i in section.items}:
            item_id = section.items[0].id
        if item_id is not None:
            self._make_current(item_id)

    def _row_changed(self, row: int) -> None:
        # Clicking or arrowing in the side list shows that section; focus stays in the list.
        self._show_section(row)

    def _focus_first_of_section(self) -> None:
        if self._detail and self.stack.currentIndex() >= 0:
            section = self._detail.questionnaire.sections[self.stack.currentIndex()]
            self.show_item(section.items[0].id)

    def go_section(self, step: int) -> None:
        """Show the next (+1) or previous (-1) section and focus its first statement."""
        index = self.stack.currentIndex() + step
        if self._detail and 0 <= index < self.stack.count():
            self._show_section(index)
            self._focus_first_of_section()

    def _move(self, item_id: str, step: int) -> None:
        index = self._order.index(item_id) + step
        if 0 <= index < len(self._order):
            self.show_item(self._order[index])

    def _advance(self, item_id: str) -> None:
        index = self._order.index(item_id) + 1
        if index < len(self._order):
            self.show_item(self._order[index])
        elif self.submit_button.isEnabled():
            # After the last statement the natural next step is submitting.
            self.submit_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _make_current(self, item_id: str) -> None:
        if item_id == self._current or item_id not in self._cards:
            return
        if self._current in self._cards:
            self._cards[self._current].set_current(False)
        self._current = item_id
        self._cards[item_id].set_current(True)
        self._remember_position()

    def _remember_position(self) -> None:
        """Store the current statement as the place to resume. Every answer write also
        moves the stored position (to the statement written), so a comment saved after
        the user moved on would otherwise send them back there next time."""
        if not self._detail or not self._current or self._current == self._position:
            return
        if self._queue:
            return  # the database cannot be written now; the waiting writes move it anyway
        try:
            with self._services.waiting_at_most(self._busy_wait_ms):
                self._services.set_position(self._detail.assessment.id, self._current)
            self._position = self._current
        except SAVE_ERRORS as exc:
            # Only a convenience for resuming: a failure here is logged, not shown.
            log.warning("Could not remember the position: %s", type(exc).__name__)

    def _scroll_to(self, card: StatementCard) -> None:
        index = self.stack.currentIndex()

        def scroll() -> None:
            # The card may be gone (another assessment opened) before the timer fires.
            if self._cards.get(card.item_id) is card and self.stack.currentIndex() == index:
                self._scrolls[index].ensureWidgetVisible(card, 0, 12)

        # When control returns to the event loop, after pending layout work (which can
        # move the card) and before the page is painted: a keystroke's handler does not
        # wait for it, and the card is scrolled to where it finally sits.
        QTimer.singleShot(0, self, scroll)

    def _toggle_current_guidance(self) -> None:
        card = self._cards.get(self._current or "")
        if card is not None:
            card.set_guidance_visible(not card.guidance.isVisible())
            self._scroll_to(card)

    # --- saving --------------------------------------------------------------------------

    def _set_status(self, text: str) -> None:
        if text != self._status:
            self._status = text
            self.status_changed.emit(text)

    def _refresh_status(self) -> None:
        """What waits, else whether comments are being typed, else all saved."""
        if self._queue:
            self._set_status(self._queue.describe())
        elif not self._error_shown:
            self._set_status("Saving…" if self._pending() else "All changes saved")

    def _saved(self, item_id: str, position: str | None = None) -> None:
        self._position = position or item_id  # where the store put it
        if position is None:
            self._remember_position()
        # else the statement the user moves on to, in the same commit: the move follows
        self._error_shown = False
        self._refresh_status()

    def _pending(self) -> bool:
        return any(card.dirty for card in self._cards.values())

    def _failed(self, what: str, item_id: str, exc: Exception, advice: str) -> None:
        reason = str(exc) or type(exc).__name__
        self._set_status(f"Not saved: {reason}")
        # The item id and error type only: answers and comments never go into the log.
        log.warning("Could not save the %s of %s: %s", what, item_id, type(exc).__name__)
        if not self._error_shown:
            self._error_shown = True
            card = self._cards.get(item_id)
            where = f"statement {card.number}" if card else "a statement"
            self._dialogs.error(
                "Not saved",
                f"The {what} for {where} could not be saved: {reason}\n\n"
                f"Everything saved before this is safe. {advice}",
            )

    def _store_change(self, change: PendingWrite) -> Answer:
        """Write one change (the SaveQueue calls this), waiting briefly for the lock."""
        s, a, i = self._services, change.assessment_id, change.item_id
        with s.waiting_at_most(self._busy_wait_ms):
            if change.field == "rating":
                return s.answer(a, i, change.value, position=change.position)  # type: ignore[arg-type]
            if change.field == "target":
                return s.set_target(a, i, change.value)  # type: ignore[arg-type]
            if change.field == "evidence":
                return s.set_evidence(a, i, change.value)  # type: ignore[arg-type]
            return s.set_comment(a, i, change.value)  # type: ignore[arg-type]

    def _write(
        self, item_id: str, what: str, value: object, position: str | None = None
    ) -> Answer | object | None:
        """Store one change (with ``position``, the statement to resume at, in the same
        commit): the stored answer; WAITING when it is kept to be written later (the
        database is busy, full or read-only; the card keeps showing it); or None when it
        failed in a way trying again cannot mend, after telling the user (once) what to
        do."""
        if not self._detail:
            return None
        self._set_status("Saving…")
        change = PendingWrite(self._detail.assessment.id, item_id, what, value, position=position)
        try:
            answer = self._queue.submit(change)
        except SAVE_ERRORS as exc:
            advice = (
                "Your text is still in the box and is saved again when you next type in it "
                "or leave it."
                if what in TEXT_FIELDS
                else f"Choose the {what} again once the problem is put right (for example, "
                "free some disk space or make sure the file can be written)."
            )
            self._failed(TEXT_FIELDS.get(what, what), item_id, exc, advice)
            return None
        if answer is None:
            self._refresh_status()
            return WAITING
        self._answers[item_id] = answer
        self._saved(item_id, position)
        return answer

    def _shown(self, item_id: str) -> Answer | None:
        """The answer as the user last gave it: stored, with any waiting rating or
        target laid over it."""
        answer = self._answers.get(item_id)
        if not self._detail or not self._queue:
            return answer
        key = self._detail.assessment.id
        rating = self._queue.pending_for(key, item_id, "rating")
        target = self._queue.pending_for(key, item_id, "target")
        if rating is None and target is None:
            return answer
        shown = answer or Answer(item_id)
        if rating is not None:
            value = rating.value
            is_rating = isinstance(value, int) and not isinstance(value, bool)
            shown = replace(
                shown,
                rating=value if is_rating else None,
                unrated=Unrated(value) if value is not None and not is_rating else None,
            )
        if target is not None:
            shown = replace(shown, target=target.value)
        return shown

    def _waiting_saved(self, change: PendingWrite, answer: Answer) -> None:
        """A change that waited is stored now."""
        card = self._cards.get(change.item_id)
        if not self._detail or change.assessment_id != self._detail.assessment.id or not card:
            return
        self._answers[change.item_id] = answer
        self._position = change.position or change.item_id  # where the store put it
        if change.field == "rating":
            card.show_rating(self._shown(change.item_id))
        elif change.field == "target":
            shown = self._shown(change.item_id)
            card.show_target(shown.target if shown else None)
        else:
            card.texts[change.field].saved(str(change.value))
        self._update_counts()

    def _waiting_dropped(self, change: PendingWrite, exc: Exception) -> None:
        """A change that waited failed in a way trying again cannot mend."""
        card = self._cards.get(change.item_id)
        if not self._detail or change.assessment_id != self._detail.assessment.id or not card:
            log.warning("A waiting %s of another assessment could not be saved", change.field)
            return
        what = TEXT_FIELDS.get(change.field, change.field)
        self._failed(what, change.item_id, exc, "Choose it again if it is still right.")
        shown = self._shown(change.item_id)
        if change.field == "rating":
            card.show_rating(shown)
        elif change.field == "target":
            card.show_target(shown.target if shown else None)

    def _queue_changed(self) -> None:
        if not self._queue:
            self._problem_shown = False
            self._remember_position()
        elif self._queue.problem in (DISK, READ_ONLY) and not self._problem_shown:
            # Not a moment's wait for another program: the user has to put it right.
            self._problem_shown = True
            self._dialogs.error(
                "Not saved yet",
                f"{self._queue.describe()}.\n\n{self._queue.reason}\n\nNothing you "
                "chose is lost: the window keeps it and saves it once the database can be "
                "written.",
            )
        self._refresh_status()

    def _rate(self, item_id: str, value: Value | None, move_on: bool) -> None:
        card = self._cards[item_id]
        # Moving on stores the next statement as the place to resume in the rating's own
        # commit: one commit a keystroke, not two.
        index = self._order.index(item_id) + 1
        following = self._order[index] if move_on and index < len(self._order) else None
        result = self._write(item_id, "rating", value, following)
        # On failure the buttons go back to what is stored (or still waits).
        card.show_rating(self._shown(item_id))
        if result is not None:
            self._update_counts()
            if move_on:
                self._advance(item_id)

    def _set_target(self, item_id: str, target: int | None) -> None:
        if self._write(item_id, "target", target) is None:
            shown = self._shown(item_id)
            self._cards[item_id].show_target(shown.target if shown else None)

    def _save_text(self, item_id: str, field: str) -> None:
        """Store a comment or evidence reference the user typed (field of TEXT_FIELDS)."""
        card = self._cards.get(item_id)
        box = card.texts[field] if card else None
        if card is None or box is None or not box.dirty:
            return
        if box.too_long:
            # Never cut short silently: the card says how long it is; nothing is saved.
            self._set_status(
                f"Not saved: the {box.what} on statement {card.number} is "
                f"{box.length():,} characters long; at most "
                f"{textrules.TEXT_MAX:,} are allowed"
            )
            return
        text = box.text()
        if self._write(item_id, field, text) not in (None, WAITING):
            box.saved(text)
            self._refresh_status()

    def _update_counts(self) -> None:
        shown = {i: a for i in self._order if (a := self._shown(i)) is not None}
        self.sections.update_counts(shown)
        total = len(self._order)
        done = sum(1 for a in shown.values() if a.is_answered)
        self.progress.setMaximum(max(total, 1))
        # QProgressBar.setValue repaints at once, holding up the keystroke; with updates
        # off for the moment it is painted with the rest of the window instead.
        self.progress.setUpdatesEnabled(False)
        self.progress.setValue(done)
        self.progress.setUpdatesEnabled(True)

    # --- submit, reopen, results ---------------------------------------------------------

    def _is_submitted(self) -> bool:
        return bool(self._detail and self._detail.assessment.status is AssessmentStatus.SUBMITTED)

    def _apply_status(self) -> None:
        submitted = self._is_submitted()
        for card in self._cards.values():
            card.set_editable(not submitted)
        self.submit_button.setEnabled(bool(self._detail) and not submitted)
        self.banner.setVisible(submitted)
        if submitted and self._detail:
            when = date_text(self._detail.assessment.submitted_at)
            self.banner_text.setText(f"Submitted on {when} — read-only")

    def _replace_assessment(self, assessment: Assessment) -> None:
        assert self._detail is not None
        self._detail = replace(self._detail, assessment=assessment)
        self._apply_status()

    def submit(self) -> None:
        """Submit, asking first; offer to go to the first unanswered statement."""
        if not self._detail or self._is_submitted():
            return
        self.flush()
        if self._queue and not self.retry_waiting():
            self._dialogs.error(
                "Not submitted yet",
                f"{self._queue.describe()}. Submit once they are saved: a submitted "
                "assessment cannot take them any more.",
            )
            return
        assessment_id = self._detail.assessment.id
        try:
            detail = self._services.detail(assessment_id)
        except SAVE_ERRORS as exc:
            self._dialogs.error("Cannot submit", f"{exc}")
            return
        missing = detail.unanswered_items
        allow = self._participant
        if missing:
            listed = "\n".join(
                f"• {self._cards[i.id].number} {shorten(i.statement, 90, placeholder='…')}"
                for i in missing[:3]
            )
            more = f"\n…and {len(missing) - 3} more." if len(missing) > 3 else ""
            count = "1 statement is" if len(missing) == 1 else f"{len(missing)} statements are"
            choice = self._dialogs.choose(
                "Unanswered statements",
                f"{count} still unanswered:\n\n{listed}{more}\n\n"
                "“Don't know” and “Not applicable” count as answers.\n\n"
                + unscored_sentence(detail, handing_back=self._participant),
                [
                    "Go to the first unanswered",
                    "Finish anyway" if self._participant else "Submit anyway",
                ],
            )
            if choice is None:
                return
            if choice == 0:
                self.show_item(missing[0].id)
                return
            allow = True
        elif self._participant:
            if not self._dialogs.confirm(
                "I've finished",
                "Hand your answers back to the facilitator? You cannot change them after "
                "this; the facilitator can reopen them if you ask.",
                ok="Hand back",
            ):
                return
        elif not self._dialogs.confirm(
            "Submit assessment",
            "Submitting makes this assessment read-only. You can reopen it later if something "
            "needs changing; reopening is recorded.",
            ok="Submit",
        ):
            return
        try:
            if self._participant:
                assessment = self._services.hand_back(assessment_id)
            else:
                assessment = self._services.submit(assessment_id, allow_unanswered=allow)
        except SAVE_ERRORS as exc:
            self._dialogs.error("Not submitted", f"The assessment was not submitted: {exc}")
            return
        if self._participant:
            self.handed_back.emit(assessment_id)
            return
        self._replace_assessment(assessment)
        self.reopen_button.setFocus(Qt.FocusReason.OtherFocusReason)
        self.submitted.emit(assessment_id)

    def reopen(self) -> None:
        """Make a submitted assessment editable again, after asking."""
        if not self._detail or not self._is_submitted() or self._participant:
            return
        if not self._dialogs.confirm(
            "Reopen for changes",
            "Reopening makes this assessment a draft again so its answers can be changed. "
            "The reopening is recorded in the change log; submit it again when you are done.",
            ok="Reopen",
        ):
            return
        try:
            assessment = self._services.reopen(self._detail.assessment.id)
        except SAVE_ERRORS as exc:
            self._dialogs.error("Not reopened", f"The assessment was not reopened: {exc}")
            return
        self._replace_assessment(assessment)
        if self._current:
            self.show_item(self._current)

    def _show_results(self) -> None:
        if self._participant or not self.may_leave():
            return
        if self._detail:
            self.results_requested.emit(self._detail.assessment.id)

    def _go_home(self) -> None:
        if self._participant or not self.may_leave():
            return
        self.home_requested.emit()
