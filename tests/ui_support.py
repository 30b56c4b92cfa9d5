"""Test doubles for the GUI: a Dialogs stand-in that answers at once and records what
was asked, so no modal dialog ever blocks a test."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QDialog


class FakeDialogs:
    """Answers questions from queues; records every call in ``asked``.

    ``answers`` holds the replies to confirm/choose/text/item/open_path/save_path in
    order; when it is empty, confirm says True, choose picks the default, and the rest
    return None. ``on_run`` is called with each custom dialog instead of exec(): it may
    fill the dialog's fields and must return True (accept) or False (cancel).
    """

    def __init__(self):
        self.asked: list[tuple[str, str, str]] = []
        self.answers: deque[Any] = deque()
        self.on_run = None

    def _next(self, default: Any) -> Any:
        return self.answers.popleft() if self.answers else default

    def messages(self, kind: str | None = None) -> list[str]:
        """The texts shown, optionally only of one kind ('inform', 'warn', 'error', ...)."""
        return [text for k, _, text in self.asked if kind is None or k == kind]

    def inform(self, title: str, text: str) -> None:
        self.asked.append(("inform", title, text))

    def warn(self, title: str, text: str) -> None:
        self.asked.append(("warn", title, text))

    def error(self, title: str, text: str, details: str = "") -> None:
        self.asked.append(("error", title, text))

    def confirm(self, title: str, text: str, *, ok: str = "OK", destructive: bool = False) -> bool:
        self.asked.append(("confirm", title, text))
        return bool(self._next(True))

    def choose(self, title: str, text: str, options: list[str], default: int = 0) -> int | None:
        self.asked.append(("choose", title, text))
        return self._next(default)

    def text(self, title: str, label: str, initial: str = "") -> str | None:
        self.asked.append(("text", title, label))
        return self._next(None)

    def item(self, title: str, label: str, items: list[str], current: int = 0) -> int | None:
        self.asked.append(("item", title, label))
        return self._next(None)

    def open_path(self, title: str, directory: Path, file_filter: str) -> Path | None:
        self.asked.append(("open_path", title, str(directory)))
        return self._next(None)

    def save_path(self, title: str, suggested: Path, file_filter: str) -> Path | None:
        self.asked.append(("save_path", title, str(suggested)))
        return self._next(None)

    def run(self, dialog: QDialog) -> bool:
        self.asked.append(("run", type(dialog).__name__, dialog.windowTitle()))
        accepted = bool(self.on_run(dialog)) if self.on_run else False
        if accepted:
            dialog.accept()
        else:
            dialog.reject()
        return accepted


def open_window(qtbot, path: Path | None, dialogs: FakeDialogs):
    """A main window on ``path`` (the default database when None) at 1024x700, shown,
    with the assessment list read."""
    from ics_assess.ui.main_window import MainWindow

    win = MainWindow(dialogs=dialogs)
    qtbot.addWidget(win)
    win.resize(1024, 700)
    assert win.open_initial_database(path)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: not win.home.jobs.is_busy(), timeout=10_000)
    return win


def first_submitted(services) -> str:
    """The id of the first submitted assessment in the list."""
    return next(
        s.assessment.id for s in services.list_assessments() if s.assessment.status == "submitted"
    )
