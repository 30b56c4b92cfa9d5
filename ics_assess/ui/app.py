"""Starting the desktop app: checks that a window can be shown, logging, the crash
handler, and the main window."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable
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
    import ctypes.util

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
    import logging.handlers

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


def after_first_paint(window, then: Callable[[], None], *, at_most_ms: int = 1000) -> None:
    """Call ``then`` once, as soon as ``window`` has been painted (or after ``at_most_ms``,
    should no paint come, say on a minimised start), from the event loop."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class Watcher(QObject):
        done = False

        def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
            if event.type() == QEvent.Type.Paint and not self.done:
                QTimer.singleShot(0, self.fire)
            return False

        def fire(self) -> None:
            if not self.done:
                self.done = True
                window.removeEventFilter(self)
                then()

    watcher = Watcher(window)
    window.installEventFilter(watcher)
    QTimer.singleShot(at_most_ms, watcher.fire)


def run_gui(db_path: Path | None = None) -> int:
    """Show the main window, open the database, and run until it closes; return the exit
    code. The window shows itself first, saying it is opening the database, and opens it
    once it has been painted: on 10,000 assessments nothing would be on screen for
    seconds otherwise (issue 12)."""
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName(paths.APP_NAME)
    app.setApplicationDisplayName(paths.APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(paths.APP_NAME)
    handler = CrashHandler()
    sys.excepthook = handler
    window = MainWindow()
    handler.window = window
    window.lock_menus(True)  # nothing in them works before a database is open
    window.show()

    def open_database() -> None:
        setup_logging()  # here, not before: nothing is logged before, and it takes time
        window.lock_menus(False)  # the window answers nothing until this returns
        if not window.open_initial_database(db_path):
            app.exit(1)  # nothing could be opened, and the user chose to quit
            return
        log.info("started ICS Assess %s", __version__)
        smoke_folder = os.environ.get(SMOKE_TEST_ENV)
        if smoke_folder:
            from PySide6.QtCore import QTimer

            # Once the event loop has painted the open database, report and quit.
            QTimer.singleShot(500, lambda: app.exit(smoke_test_report(window, Path(smoke_folder))))

    def load_then_open() -> None:
        # The code of the services (the store with sqlite-utils, the exchange formats,
        # the scoring...) and of the pages loads on a thread of its own, and SQLite's
        # quick check of the database runs on another, the window painted and answering
        # meanwhile; the database is then opened here.
        path = window.initial_database(db_path)

        def loaded(_: object) -> None:  # or failed: open_database says what went wrong
            open_database()

        window.jobs.start(lambda: _load_code(window, path), loaded, loaded)

    after_first_paint(window, load_then_open)
    return app.exec()


def _load_code(window, path: Path) -> None:
    """Import the services, start the quick check of the database at ``path`` (once the
    services are there to run it), import the pages and wait for the check: the window
    then opens the database without waiting. Importing them makes no Qt object (only
    values such as colours), so another thread may."""
    from .. import services  # noqa: F401
    from .main_window import import_pages

    checked = window.check_ahead(path)
    import_pages()
    if checked is not None:
        checked.exception()  # waits; what it found is said when the database opens


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
    import json

    (folder / "smoke.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    if sys.stdout is not None:
        print(f"{report['title']}: the {report['page']} page is shown", flush=True)
    ok = report["visible"] and report["questionnaires"] and report["fonts"]
    return 0 if ok else 1
