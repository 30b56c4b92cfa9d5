"""Starting the desktop app: checks that a window can be shown, logging, the crash
handler, and the main window."""

from __future__ import annotations

import ctypes.util
import json
import logging
import logging.handlers
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from .. import __version__, paths

log = logging.getLogger("ics_assess")

SMOKE_TEST_ENV = "ICS_ASSESS_SMOKE_TEST"
"""Set to a folder, the app starts as usual, then writes what its window shows there
(``smoke.json`` and a picture, ``window.png``) and quits: how an install or a frozen build
is checked to start (tests/test_install.py, packaging/build-desktop.sh). A windowed build
has no console to print to, hence files."""

# Qt's X11 plugin needs these Debian/Ubuntu packages besides what PySide6 ships.
XCB_LIBRARIES = {
    "xcb-cursor": "libxcb-cursor0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
}


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """A sentence saying why no window can be shown on this machine, or None.

    Qt aborts the whole process (it cannot be caught) when its platform plugin cannot
    load, so the likely causes on Linux are checked first and explained in words.
    """
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    if not sys.platform.startswith("linux") or platform in ("offscreen", "minimal", "vnc"):
        return None
    wayland = bool(env.get("WAYLAND_DISPLAY")) and platform in ("", "wayland")
    if wayland:
        return None
    if not env.get("DISPLAY"):
        return (
            "ICS Assess cannot open its window: no screen was found (DISPLAY is not set). "
            "Run it from a desktop session, or use the command line: python main.py --help"
        )
    missing = [pkg for lib, pkg in XCB_LIBRARIES.items() if not ctypes.util.find_library(lib)]
    if missing:
        return (
            "ICS Assess cannot open its window because Qt needs system libraries that are "
            f"not installed. On Debian or Ubuntu run: sudo apt-get install {' '.join(missing)}"
        )
    return None


def log_path() -> Path:
    """The log file in the user's data directory."""
    return paths.log_path()


def setup_logging() -> Path:
    """Log to a rotating file in the data directory. Answers and comments are never
    logged: log messages name records by id only."""
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path


class CrashHandler:
    """Logs an unexpected error and shows it once in a dialog. Answers are already safe:
    every one was committed when it was given."""

    def __init__(self) -> None:
        self.window = None
        self._showing = False

    def __call__(
        self,
        kind: type[BaseException],
        error: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        details = "".join(traceback.format_exception(kind, error, tb))
        log.error("unexpected error:\n%s", details)
        if self._showing or self.window is None:
            return
        self._showing = True
        try:
            self.window.dialogs.error(
                "Something went wrong",
                "ICS Assess hit an unexpected problem. Every answer you had given is saved. "
                f"The details are in the log file: {log_path()}",
                details,
            )
        finally:
            self._showing = False


def run_gui(db_path: Path | None = None) -> int:
    """Open the main window and run until it closes; return the exit code."""
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    setup_logging()
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(paths.APP_NAME)
    app.setApplicationDisplayName(paths.APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(paths.APP_NAME)
    handler = CrashHandler()
    sys.excepthook = handler
    window = MainWindow()
    handler.window = window
    if not window.open_initial_database(db_path):
        return 1
    window.show()
    log.info("started ICS Assess %s", __version__)
    smoke_folder = os.environ.get(SMOKE_TEST_ENV)
    if smoke_folder:
        from PySide6.QtCore import QTimer

        # Once the event loop has shown the window (and painted it), report and quit.
        QTimer.singleShot(500, lambda: app.exit(smoke_test_report(window, Path(smoke_folder))))
    return app.exec()


def smoke_test_report(window, folder: Path) -> int:
    """Write what the window shows into ``folder`` (see SMOKE_TEST_ENV), print a line
    saying so when there is a console, and return the exit code: 0 if the window shows
    a page and found its questionnaires and fonts, else 1."""
    from PySide6.QtWidgets import QLabel

    folder.mkdir(parents=True, exist_ok=True)
    page = window.stack.currentWidget()
    names = {window.welcome: "welcome", window.home: "home"}
    catalogue = window.services.catalogue.all_latest() if window.services else []
    fonts = paths.resources_dir() / "fonts"
    report = {
        "title": window.windowTitle(),
        "page": names.get(page, type(page).__name__),
        "texts": [label.text() for label in page.findChildren(QLabel) if label.isVisible()],
        "visible": window.isVisible(),
        "version": __version__,
        "frozen": bool(getattr(sys, "frozen", False)),
        "questionnaires": sorted(e.questionnaire.id for e in catalogue),
        "forms_dir": str(paths.builtin_forms_dir()),
        "fonts_dir": str(fonts),
        "fonts": len(list(fonts.glob("*.ttf"))),
    }
    window.grab().save(str(folder / "window.png"))
    (folder / "smoke.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    if sys.stdout is not None:
        print(f"{report['title']}: the {report['page']} page is shown", flush=True)
    ok = report["visible"] and report["questionnaires"] and report["fonts"]
    return 0 if ok else 1
