"""Long work off the GUI thread.

A job is a plain function that opens its own database connection (SQLite connections
belong to one thread) and returns plain data; its result or error comes back to the
GUI thread through a signal. Jobs never touch widgets.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger(__name__)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class Job(QRunnable):
    """One function run on the thread pool."""

    def __init__(self, fn: Callable[[], Any]):
        super().__init__()
        self.fn = fn
        self.signals = _Signals()
        self.setAutoDelete(False)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as exc:  # reported on the GUI thread, not lost in the pool
            log.error("background job failed:\n%s", traceback.format_exc())
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)


class JobRunner(QObject):
    """Starts jobs and keeps them alive until their result has been delivered."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self._running: set[Job] = set()

    def start(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> Job:
        """Run ``fn`` in the background; call ``on_done(result)`` or ``on_error(exc)``
        on the GUI thread."""
        job = Job(fn)
        self._running.add(job)

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._running.discard(job)
            if not self._running:
                self.busy_changed.emit(False)
            callback(value)

        job.signals.done.connect(lambda result: finish(on_done, result))
        job.signals.failed.connect(lambda exc: finish(on_error, exc))
        if len(self._running) == 1:
            self.busy_changed.emit(True)
        self.pool.start(job)
        return job

    def is_busy(self) -> bool:
        """True while a job is running."""
        return bool(self._running)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every job has finished (used when closing)."""
        return self.pool.waitForDone(msecs)
