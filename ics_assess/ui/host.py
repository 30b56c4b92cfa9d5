"""What the File menu's helpers (exchange_view, responses_view, backups_dialog) use of the
main window, as a Protocol: they take the window without importing main_window, which
imports them, so the user interface's modules import one another in one direction."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QLockFile, QSettings
from PySide6.QtWidgets import QStatusBar

from ..services import Services
from .dialogs import Dialogs
from .home import HomePage
from .workers import JobRunner


class Window(Protocol):
    """The main window, as the helpers that act for it see it."""

    services: Services | None
    dialogs: Dialogs
    settings: QSettings
    jobs: JobRunner
    home: HomePage | None
    lock: QLockFile | None

    def statusBar(self) -> QStatusBar:  # noqa: N802 (Qt's name)
        """The window's status bar."""
        ...

    def show_home(self) -> None:
        """The assessment list, or the welcome page when the database is empty."""
        ...

    def open_database(self, path: Path, *, create: bool = True) -> bool:
        """Open a database in the window; False (the reason shown) when it cannot be."""
        ...

    def _close_database(self) -> None: ...
