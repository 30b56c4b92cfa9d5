"""Pass the laptop: a workshop participant's screen.

It shows one participant's own assessment in the walk-through (keys 1-5, D, N; every
answer saved as it is given) and nothing else: no way back to the assessments, the
results, the menus or anyone else's answers. "I've finished" hands the assessment back
(submitted) and "Step away" pauses it; either way the walk-through is emptied (no
statement, answer or name stays in its widgets) and the screen locks: the only way on is
the facilitator's screen, behind the facilitator's code when one was set. The next
participant starts clean; a participant who stepped away is resumed by the facilitator.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from ..services import Services
from .dialogs import Dialogs
from .walkthrough import WalkthroughPage, fill, push_button
from .widgets import WrappingLabel, heading, scaled_font

THANKS = (
    "Thank you: your answers are handed back.\n\nPlease give the laptop back to the facilitator."
)
PAUSED = (
    "Your answers so far are saved.\n\n"
    "Please give the laptop back to the facilitator, who can bring you back to them."
)


class ParticipantScreen(QWidget):
    """One participant's questionnaire, then the lock."""

    facilitator_requested = Signal()  # unlocked: back to the facilitator's screen
    handed_back = Signal(str)  # assessment id
    status_changed = Signal(str)

    def __init__(self, services: Services, dialogs: Dialogs, parent: QWidget | None = None):
        super().__init__(parent)
        self._services = services
        self._dialogs = dialogs
        self.code = ""  # the facilitator's unlock code; empty: none asked for
        self.walkthrough = WalkthroughPage(services, dialogs)
        self.walkthrough.set_participant_mode(True)
        self.walkthrough.handed_back.connect(self._handed_back)
        self.walkthrough.status_changed.connect(self.status_changed)
        self.step_away_button = push_button(
            "Step a&way", self.step_away, "Pause: your answers are kept for you to come back to"
        )
        holder = QWidget()
        layout = fill(QVBoxLayout(holder), (self.walkthrough, 1))
        layout.addLayout(fill(QHBoxLayout(), 1, self.step_away_button))
        layout.setContentsMargins(0, 0, 0, 0)

        self.lock = QWidget()
        self.lock_title = heading("Handed back")
        self.lock_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lock_text = WrappingLabel()
        self.lock_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.lock_text.setFont(scaled_font(1.3))
        self.lock_text.setAccessibleName("Message")
        self.unlock_button = push_button(
            "&Facilitator's screen", self.unlock, "For the facilitator: back to the workshop"
        )
        lock_layout = QVBoxLayout(self.lock)
        lock_layout.addStretch(2)
        lock_layout.addWidget(self.lock_title)
        lock_layout.addWidget(self.lock_text)
        lock_layout.addSpacing(24)
        lock_layout.addWidget(self.unlock_button, 0, Qt.AlignmentFlag.AlignHCenter)
        lock_layout.addStretch(3)

        self.stack = QStackedWidget()
        self.stack.addWidget(holder)
        self.stack.addWidget(self.lock)
        outer = QVBoxLayout(self)
        outer.addWidget(self.stack)
        self._holder = holder
        self.locked = True
        self._show_lock("Ready", "Waiting for the next participant.")

    # --- what the workshop page calls ---------------------------------------------------

    def start(self, assessment_id: str) -> None:
        """Show this participant's assessment (resuming where they left off)."""
        self.walkthrough.open_assessment(assessment_id)
        if self.walkthrough.assessment_id() != assessment_id:
            return  # could not be opened (said so)
        self.locked = False
        self.stack.setCurrentWidget(self._holder)
        current = self.walkthrough.current_item_id()
        if current:
            self.walkthrough.show_item(current)

    def assessment_id(self) -> str | None:
        """The participant's assessment shown, None while locked."""
        return None if self.locked else self.walkthrough.assessment_id()

    def step_away(self) -> None:
        """Pause: save, empty the screen and lock it; the facilitator resumes later."""
        if not self.walkthrough.may_leave():
            return
        self.walkthrough.close_assessment()
        self._show_lock("Paused", PAUSED)

    def unlock(self) -> bool:
        """Back to the facilitator's screen: asks for the facilitator's code if one was
        set. True when unlocked."""
        if self.code:
            typed = self._dialogs.text("Facilitator only", "The facilitator's code:")
            if typed is None:
                return False
            if typed != self.code:
                self._dialogs.warn("Not unlocked", "That is not the facilitator's code.")
                return False
        self.facilitator_requested.emit()
        return True

    # --- inside -------------------------------------------------------------------------

    def _handed_back(self, assessment_id: str) -> None:
        self.walkthrough.close_assessment()
        self._show_lock("Handed back", THANKS)
        self.handed_back.emit(assessment_id)

    def _show_lock(self, title: str, text: str) -> None:
        self.locked = True
        self.lock_title.setText(title)
        self.lock_title.setAccessibleName(title)
        self.lock_text.setText(text)
        self.stack.setCurrentWidget(self.lock)
        self.unlock_button.setFocus(Qt.FocusReason.OtherFocusReason)
