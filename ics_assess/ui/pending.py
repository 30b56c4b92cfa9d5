"""Answers the window could not write yet: kept in order, tried again, shown in words.

When another program holds the database's write lock (an import running in a terminal),
or the disk is full, or the file has become read-only, a rating, target or comment that
the window could not write is not dropped: it waits here, and the status line says so.
The queue tries again on a timer with a growing pause (``BUSY_DELAYS_MS`` while the
database is busy; ``PROBLEM_DELAY_MS`` for a full disk or a read-only file, which the user
has to put right, so the status line names the problem rather than trying quietly and
often). Writes are tried in the order they were made; a later change of the same field of
the same statement replaces a waiting earlier one, so an old value retried late can never
overwrite a newer one. Failures that trying again cannot mend (a rule broken, the
assessment gone or submitted) are handed back at once and never queued.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from ..domain import Answer
from ..services import StoreError, WriteError

log = logging.getLogger(__name__)

# sqlite3 errors are caught too: a full disk or a locked file during a write surfaces as one.
SAVE_ERRORS = (StoreError, sqlite3.Error, OSError)
BUSY = "busy"
DISK = "disk"
READ_ONLY = "read-only"
BUSY_DELAYS_MS = (250, 500, 1000, 2000)  # then every 2 s while the database stays busy
PROBLEM_DELAY_MS = 15_000
FIELDS = ("rating", "target", "comment", "evidence")


def held_back(exc: BaseException) -> str | None:
    """Why a failed write is worth keeping and trying again: BUSY (another program is
    writing), DISK (full, or could not be written) or READ_ONLY; None when trying again
    cannot help (a rule broken, a record gone, a submitted assessment)."""
    if not isinstance(exc, WriteError | sqlite3.OperationalError):
        return None
    text = f"{exc} {exc.__cause__ or ''}".lower()
    if "locked" in text or "busy" in text or "another program" in text:
        return BUSY
    if "full" in text or "disk i/o" in text or "could not be written" in text:
        return DISK
    if "readonly" in text or "read-only" in text:
        return READ_ONLY
    return None


@dataclass
class PendingWrite:
    """One change to store: a rating (1-5, Unrated or None), target, comment or evidence."""

    assessment_id: str
    item_id: str
    field: str  # one of FIELDS
    value: object
    attempts: int = 0
    # Where the assessment resumes, stored in the same commit (a rating's "move on":
    # the next statement); None: the statement written.
    position: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        """What a later change of the same thing replaces."""
        return (self.assessment_id, self.item_id, self.field)


def _answers(n: int) -> str:
    return "1 answer" if n == 1 else f"{n} answers"


class SaveQueue(QObject):
    """Writes through ``write(entry) -> Answer``; keeps what could not be written yet.

    ``saved`` is emitted for each waiting write that has now been stored, ``dropped``
    for one that failed in a way trying again cannot mend (with the exception), and
    ``changed`` whenever what waits, or why, changes."""

    saved = Signal(object, object)  # PendingWrite, Answer
    dropped = Signal(object, object)  # PendingWrite, exception
    changed = Signal()

    def __init__(self, write: Callable[[PendingWrite], Answer], parent: QObject | None = None):
        super().__init__(parent)
        self._write = write
        self._waiting: list[PendingWrite] = []
        self.problem: str | None = None  # BUSY, DISK or READ_ONLY while writes wait
        self.reason = ""  # the store's sentence for the last failure
        self._failures = 0
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.retry)

    # --- what the page asks --------------------------------------------------------------

    @property
    def waiting(self) -> list[PendingWrite]:
        """The writes not stored yet, oldest first."""
        return list(self._waiting)

    def __len__(self) -> int:
        return len(self._waiting)

    def pending_for(self, assessment_id: str, item_id: str, field: str) -> PendingWrite | None:
        """The waiting change of one field of one statement, if any."""
        for entry in self._waiting:
            if entry.key == (assessment_id, item_id, field):
                return entry
        return None

    def next_delay_ms(self) -> int:
        """How long the queue waits before trying again (for the status line and tests)."""
        if self.problem in (DISK, READ_ONLY):
            return PROBLEM_DELAY_MS
        return BUSY_DELAYS_MS[min(self._failures, len(BUSY_DELAYS_MS)) - 1]

    def describe(self) -> str:
        """The status line while writes wait, in words; '' when none do."""
        n = len(self._waiting)
        if not n:
            return ""
        them = "it" if n == 1 else "they"
        seconds = PROBLEM_DELAY_MS // 1000
        if self.problem == DISK:
            return (
                f"{_answers(n)} not saved yet: the disk is full or could not be written. "
                f"Free some space and {them} will be saved (trying again every {seconds} s)"
            )
        if self.problem == READ_ONLY:
            return (
                f"{_answers(n)} not saved yet: the database file is read-only. Make it "
                f"writable and {them} will be saved (trying again every {seconds} s)"
            )
        return (
            f"{_answers(n)} waiting to be saved: the database is busy; {them} will be saved "
            "as soon as it is free"
        )

    # --- writing -------------------------------------------------------------------------

    def submit(self, entry: PendingWrite) -> Answer | None:
        """Store ``entry`` now, or keep it. Returns the stored answer when it was written
        at once; None when it waits (behind earlier ones, or because the database is
        busy, full or read-only), in which case ``saved`` follows once it is stored.
        A failure that trying again cannot mend is raised, and nothing is kept."""
        if self._waiting:
            # Behind the earlier ones, in order; the timer tries them all.
            self._add(entry)
            self.changed.emit()
            return None
        try:
            return self._write(entry)
        except SAVE_ERRORS as exc:
            kind = held_back(exc)
            if kind is None:
                raise
            self._add(entry)
            self._failed(kind, exc)
            return None

    def retry(self) -> bool:
        """Try the waiting writes, oldest first, stopping at the first that still cannot
        be written; True when none wait any more."""
        self._timer.stop()
        while self._waiting:
            entry = self._waiting[0]
            try:
                answer = self._write(entry)
            except SAVE_ERRORS as exc:
                kind = held_back(exc)
                if kind is None:
                    self._waiting.pop(0)
                    log.warning(
                        "A waiting %s could not be saved: %s", entry.field, type(exc).__name__
                    )
                    self.dropped.emit(entry, exc)
                    continue
                entry.attempts += 1
                self._failed(kind, exc)
                return False
            self._waiting.pop(0)
            self.saved.emit(entry, answer)
        if self.problem is not None:
            log.info("Waiting answers saved; the database can be written again.")
        self.problem, self.reason, self._failures = None, "", 0
        self.changed.emit()
        return True

    def discard(self) -> list[PendingWrite]:
        """Give up the waiting writes (the user chose to close without them)."""
        gone, self._waiting = self._waiting, []
        self._timer.stop()
        self.problem, self.reason, self._failures = None, "", 0
        if gone:
            log.warning("%d waiting answers were given up when closing.", len(gone))
        self.changed.emit()
        return gone

    def _add(self, entry: PendingWrite) -> None:
        self._waiting = [e for e in self._waiting if e.key != entry.key]
        self._waiting.append(entry)

    def _failed(self, kind: str, exc: BaseException) -> None:
        if kind != self.problem:
            # The field and the kind of failure only: answers never go into the log.
            log.warning("Answers are waiting to be saved: %s (%s)", kind, type(exc).__name__)
        self.problem = kind
        self.reason = str(exc) or type(exc).__name__
        self._failures += 1
        self._timer.start(self.next_delay_ms())
        self.changed.emit()
