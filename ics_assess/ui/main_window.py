"""The main window: menus, the pages, the database it has open, and what it remembers.

It arranges pages and routes between them; the pages call the services. One database
is open at a time, held with a lock file so that a second copy of the app is told who
has it open instead of both writing to it.

The services and the pages are imported when a database is first opened, not with this
module: the window shows itself first (app.run_gui), saying it is opening the database,
and then fills in (tests/test_ui_startup.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QLockFile, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .. import __version__, paths
from .dialogs import Dialogs
from .style import install_focus_visible_style
from .widgets import WrappingLabel, heading, plain_label, scaled_font
from .workers import JobRunner

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

    from ..services import Services
    from .actions import ActionPlanPage
    from .home import HomePage
    from .overview import OverviewPage
    from .participant import ParticipantScreen
    from .profile_view import ProfilePage
    from .report_view import ReportPage
    from .results import ResultsPage
    from .review_view import ReviewPage
    from .walkthrough import WalkthroughPage
    from .workshop import WorkshopPage, WorkshopsPage

log = logging.getLogger(__name__)

DB_FILTER = "ICS Assess databases (*.sqlite *.db);;All files (*)"
MIN_SIZE = (1024, 700)

KEYBOARD_HELP = """
<h3>Answering</h3>
<table cellpadding="3">
<tr><td><b>1</b> to <b>5</b></td><td>rate the current statement and move to the next</td></tr>
<tr><td><b>D</b> / <b>N</b></td><td>don't know / not applicable, and move on</td></tr>
<tr><td><b>Delete</b></td><td>clear the answer (or click the chosen answer again)</td></tr>
<tr><td><b>Up</b> / <b>Down</b>, <b>Tab</b></td><td>move between statements and fields</td></tr>
<tr><td><b>Alt+G</b></td><td>show or hide the guidance for the current statement</td></tr>
<tr><td><b>Ctrl+PgDown</b> / <b>Ctrl+PgUp</b></td><td>next / previous section</td></tr>
</table>
<h3>Everywhere</h3>
<table cellpadding="3">
<tr><td><b>Ctrl+N</b></td><td>new assessment</td></tr>
<tr><td><b>Ctrl+Home</b></td><td>the list of assessments</td></tr>
<tr><td><b>Ctrl+Z</b></td><td>undo a deletion</td></tr>
<tr><td><b>Ctrl+O</b></td><td>open another database</td></tr>
<tr><td><b>Ctrl+I</b></td><td>import assessments from an exchange file</td></tr>
<tr><td><b>Ctrl+Shift+C</b></td><td>compare the partnership (the overview)</td></tr>
<tr><td><b>Ctrl+Shift+A</b></td><td>the action plan</td></tr>
<tr><td><b>Ctrl+Shift+F</b></td><td>the partnership profile</td></tr>
<tr><td><b>Ctrl+Shift+R</b></td><td>the review of a round against an earlier one</td></tr>
<tr><td><b>F1</b></td><td>this guide</td></tr>
<tr><td><b>Alt</b>+letter</td>
<td>the button or list whose name has that letter underlined</td></tr>
</table>
<h3>The list of assessments</h3>
<table cellpadding="3">
<tr><td><b>Ctrl+F</b></td><td>search the assessments</td></tr>
<tr><td><b>Enter</b></td><td>open the selected assessment</td></tr>
<tr><td><b>Shift+Up</b> / <b>Shift+Down</b></td>
<td>select several (to export them); <b>Ctrl+Space</b> adds or removes one</td></tr>
<tr><td><b>Delete</b></td><td>delete the selected assessment (Ctrl+Z undoes it)</td></tr>
</table>
<h3>Results and reports</h3>
<table cellpadding="3">
<tr><td><b>Alt+R</b> / <b>Alt+G</b></td><td>the report / the organisation's report</td></tr>
<tr><td><b>Alt+A</b></td><td>add an action for the section selected</td></tr>
<tr><td><b>Alt+B</b></td><td>back to where you came from</td></tr>
<tr><td><b>Ctrl+S</b></td><td>on a report: save it as a PDF</td></tr>
<tr><td><b>Ctrl++</b> / <b>Ctrl+-</b></td><td>on a report: zoom in / out</td></tr>
<tr><td><b>PgDown</b> / <b>PgUp</b></td><td>on a report: scroll through its pages</td></tr>
</table>
<h3>The action plan</h3>
<table cellpadding="3">
<tr><td><b>Alt+R</b>, <b>Alt+W</b>, <b>Alt+S</b>, <b>Alt+G</b>, <b>Alt+C</b></td>
<td>the round; show one owner, status, organisation, section</td></tr>
<tr><td><b>Alt+U</b></td><td>only the overdue actions</td></tr>
<tr><td><b>Alt+N</b> / <b>Alt+T</b> or <b>Enter</b></td>
<td>new action / edit the selected one</td></tr>
<tr><td><b>Alt+D</b> / <b>Alt+P</b></td><td>mark it done / drop it</td></tr>
<tr><td><b>Alt+X</b> / <b>Alt+I</b></td><td>export to CSV or XLSX / print to PDF</td></tr>
</table>
<h3>The partnership profile</h3>
<table cellpadding="3">
<tr><td><b>Alt+R</b></td><td>choose the round (latest first)</td></tr>
<tr><td><b>Enter</b> or <b>Alt+D</b></td>
<td>edit the selected fact's value, source and as-of date</td></tr>
<tr><td><b>Alt+C</b></td><td>clear the selected fact's value</td></tr>
<tr><td><b>Alt+B</b></td><td>back to the assessments</td></tr>
</table>
<h3>The review</h3>
<table cellpadding="3">
<tr><td><b>Alt+R</b> / <b>Alt+G</b> / <b>Alt+S</b></td>
<td>the round reviewed / the earlier round / organisation responses or individual views</td></tr>
<tr><td><b>Alt+C</b>, <b>Alt+T</b>, <b>Alt+O</b>, <b>Alt+N</b></td>
<td>what changed, actions agreed, profile then and now, concerns and questions</td></tr>
<tr><td><b>Alt+A</b> / <b>Alt+M</b></td>
<td>on concerns and questions: add a concern / remove the selected one</td></tr>
<tr><td><b>Alt+P</b></td><td>the review pack (PDF)</td></tr>
</table>
<h3>The partnership overview</h3>
<table cellpadding="3">
<tr><td><b>Tab</b> / <b>Shift+Tab</b></td><td>move between the choices, tables and buttons</td></tr>
<tr><td><b>Alt+O</b> / <b>Alt+Q</b></td><td>choose the round / the questionnaire</td></tr>
<tr><td><b>Alt+G</b> / <b>Alt+I</b></td><td>organisation responses / individual views</td></tr>
<tr><td><b>Alt+S</b>, <b>Alt+T</b>, <b>Alt+W</b>, <b>Alt+L</b></td>
<td>sections by group, statements, where views diverge, since the last round</td></tr>
<tr><td><b>Space</b></td><td>in the section table: draw or hide the group on the chart</td></tr>
<tr><td><b>Enter</b></td>
<td>open an organisation's assessment; show the comments behind a gap</td></tr>
<tr><td><b>Alt+R</b> / <b>Alt+X</b></td><td>the comparison report / export the figures</td></tr>
<tr><td><b>Alt+D</b> / <b>Alt+N</b></td>
<td>on where views diverge: add an action / mark the gap as a concern raised</td></tr>
</table>
<h3>Workshops</h3>
<table cellpadding="3">
<tr><td><b>Ctrl+Shift+W</b></td><td>the workshops</td></tr>
<tr><td><b>Alt+A</b> / <b>Alt+L</b></td><td>add a participant / pass the laptop to them</td></tr>
<tr><td><b>Alt+U</b></td><td>resume a participant (the facilitator only)</td></tr>
<tr><td><b>Alt+F</b></td><td>on the participant screen: I've finished (hand back)</td></tr>
<tr><td><b>Alt+P</b> or <b>Ctrl+Shift+P</b></td><td>the projector view</td></tr>
</table>
<h3>The projector view</h3>
<table cellpadding="3">
<tr><td><b>Right</b> / <b>Space</b>, <b>Left</b></td><td>next / previous statement</td></tr>
<tr><td><b>R</b></td><td>show or hide the spread of views (hidden at first)</td></tr>
<tr><td><b>S</b></td><td>the next split statement</td></tr>
<tr><td><b>1</b> to <b>9</b></td><td>the first statement of that section</td></tr>
<tr><td><b>F11</b> / <b>Esc</b></td><td>full screen on or off / leave</td></tr>
</table>
<p>Nothing needs saving: every answer is stored the moment you give it.</p>
"""


def import_pages() -> None:
    """Load the pages' code (and the services and charts it uses): the first time a
    database is opened, after the window has shown itself (run_gui does it on another
    thread first)."""
    from . import (  # noqa: F401
        actions,
        home,
        overview,
        participant,
        profile_view,
        report_view,
        results,
        review_view,
        walkthrough,
        workshop,
    )


def settings() -> QSettings:
    """The app's settings, kept in the data directory (so tests get their own)."""
    return QSettings(str(paths.data_dir() / "settings.ini"), QSettings.Format.IniFormat)


class WelcomePage(QWidget):
    """The empty state: what the app is for, and the two ways to begin."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        title = heading("Welcome to ICS Assess")
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text = WrappingLabel()
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setFont(scaled_font(1.1))
        text.setFixedWidth(min(640, text.fontMetrics().averageCharWidth() * 72))
        text.setText(
            "Assess how your Integrated Care System partnership works: its governance, "
            "democratic involvement and how equal the partners are.\n"
            "Answer on your own, offline; every answer is saved as you give it, and you "
            "get a score that explains itself."
        )
        self.start_button = QPushButton("&Start an assessment…")
        self.demo_button = QPushButton("Load the &demo partnership to look around")
        self.start_button.setAccessibleName("Start an assessment")
        self.demo_button.setAccessibleName("Load the demo partnership")
        self.start_button.setDefault(True)
        for button in (self.start_button, self.demo_button):
            button.setMinimumHeight(int(button.sizeHint().height() * 1.4))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(title)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(24)
        layout.addLayout(buttons)
        layout.addStretch(3)


class GuideDialog(QDialog):
    """Help: the keyboard, and how every number is calculated (docs/scoring.md), each on
    a tab of its own and the dialog's full height (the keyboard's were cut off below a
    small scrolled pane), sized to the font and the screen."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Guide to the method")
        line = self.fontMetrics().height()
        size = QSize(56 * line, 48 * line)
        screen = self.screen().availableGeometry() if self.screen() else None
        if screen is not None:
            size = size.boundedTo(QSize(screen.width() * 9 // 10, screen.height() * 9 // 10))
        self.resize(size)
        browser = QTextBrowser()
        browser.setAccessibleName("Guide to the method")
        browser.setOpenExternalLinks(False)
        try:
            method = paths.scoring_method_doc().read_text(encoding="utf-8")
        except OSError:
            method = "The scoring guide could not be found beside the program."
        browser.setMarkdown(
            "# Guide to the method\n\n"
            "Each partner answers the questionnaires alone, rating how true each statement "
            "is of the partnership from 1 (not true) to 5 (fully true), or saying they "
            "don't know or that it does not apply. The scores below explain themselves: "
            "this is exactly how they are worked out.\n\n" + method.split("\n", 1)[-1]
        )
        keys = QTextBrowser()
        keys.setAccessibleName("Keyboard shortcuts")
        keys.setHtml(KEYBOARD_HELP)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Guide")
        self.tabs.addTab(keys, "&Keyboard")
        self.tabs.addTab(browser, "The &method")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)


class MainWindow(QMainWindow):
    """The application window."""

    def __init__(self, dialogs: Dialogs | None = None):
        super().__init__()
        # Keyboard focus is drawn however a control got it (ui/style.py).
        install_focus_visible_style(QApplication.instance())
        self.dialogs = dialogs or Dialogs(self)
        self.settings = settings()
        self.services: Services | None = None
        self.lock: QLockFile | None = None
        self.jobs = JobRunner(self)
        self.guide: GuideDialog | None = None
        self.home: HomePage | None = None
        self.walkthrough: WalkthroughPage | None = None
        self.results: ResultsPage | None = None
        self.report: ReportPage | None = None
        self.overview: OverviewPage | None = None
        self.workshops: WorkshopsPage | None = None
        self.workshop: WorkshopPage | None = None
        self.participant: ParticipantScreen | None = None
        self.action_plan: ActionPlanPage | None = None
        self.profile: ProfilePage | None = None
        self.review: ReviewPage | None = None
        self._menu_states: dict[QAction, bool] = {}
        # SQLite's quick checks of database files, started before they are opened.
        self._checker: ThreadPoolExecutor | None = None
        self._checks: dict[Path, Future] = {}

        self.setWindowTitle(paths.APP_NAME)
        self.setMinimumSize(800, 560)
        self.stack = QStackedWidget()
        self.setCentralWidget(self.stack)
        # What the window shows until a database is open (run_gui shows it first).
        self.opening = plain_label("Opening the database…")
        self.opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(self.opening)
        self.welcome = WelcomePage()
        self.welcome.start_button.clicked.connect(self.start_assessment)
        self.welcome.demo_button.clicked.connect(self.load_demo)
        self.stack.addWidget(self.welcome)

        self.save_state = plain_label(wrap=False)
        self.save_state.setAccessibleName("Save status")
        self.db_label = plain_label(wrap=False)
        self.db_label.setAccessibleName("Database")
        self.statusBar().addPermanentWidget(self.save_state)
        self.statusBar().addWidget(self.db_label, 1)
        self._build_menus()

        # The daily backup: checked when a database opens and every hour while in use.
        self.backup_timer = QTimer(self)
        self.backup_timer.setInterval(60 * 60 * 1000)
        self.backup_timer.timeout.connect(self.backup_if_due)
        self.backup_timer.start()

        geometry = self.settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*MIN_SIZE)

    # --- menus ----------------------------------------------------------------------

    def _action(self, menu, text: str, slot, shortcut=None, fallback: str = "") -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, QKeySequence.StandardKey):
            # Standard keys depend on the desktop; plain X11 has none for Quit, say.
            keys = QKeySequence.keyBindings(shortcut) or [QKeySequence(fallback)]
            action.setShortcuts(keys)
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&New assessment…", self.start_assessment, "Ctrl+N")
        file_menu.addSeparator()
        self._action(file_menu, "New &database…", self.new_database)
        self._action(
            file_menu,
            "&Open database…",
            self.choose_database,
            QKeySequence.StandardKey.Open,
            "Ctrl+O",
        )
        self.save_copy_action = self._action(file_menu, "Save a &copy…", self.save_copy)
        self._action(file_menu, "&Backups…", self.show_backups)
        file_menu.addSeparator()
        self._action(file_menu, "&Export assessments…", self.export_assessments)
        self._action(file_menu, "&Import assessments…", self.import_assessments, "Ctrl+I")
        self._action(file_menu, "Import &responses from a spreadsheet…", self.import_responses)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit, "Ctrl+Q")
        edit_menu = bar.addMenu("&Edit")
        self.undo_action = self._action(edit_menu, "&Undo delete", self.undo_delete, "Ctrl+Z")
        self.undo_action.setEnabled(False)
        view_menu = bar.addMenu("&View")
        self._action(view_menu, "&Assessments", self.show_home, "Ctrl+Home")
        self.compare_action = self._action(
            view_menu, "&Compare partnership…", self.compare_partnership, "Ctrl+Shift+C"
        )
        self._action(view_menu, "&Workshops…", self.show_workshops, "Ctrl+Shift+W")
        self._action(view_menu, "Action &plan…", self.show_action_plan, "Ctrl+Shift+A")
        self._action(view_menu, "Partnership pro&file…", self.show_profile, "Ctrl+Shift+F")
        self._action(view_menu, "&Review…", self.show_review, "Ctrl+Shift+R")
        help_menu = bar.addMenu("&Help")
        self._action(
            help_menu,
            "&Guide to the method",
            self.show_guide,
            QKeySequence.StandardKey.HelpContents,
            "F1",
        )
        self._action(help_menu, "&About ICS Assess", self.show_about)

    # --- the database ---------------------------------------------------------------

    def check_ahead(self, path: Path) -> Future | None:
        """Start SQLite's quick check of the database at ``path`` now, for open_database
        to wait for when it opens it (run_gui: while the code loads, after first paint).
        Returns it (None: nothing there to check)."""
        path = Path(path).expanduser().absolute()
        checked = self._start_check(path)
        if checked is not None:
            self._checks[path] = checked
        return checked

    def _start_check(self, path: Path) -> Future | None:
        """SQLite's quick check of ``path``, running on a thread of its own; None for a
        file that is not there yet (or empty): a database made now is new."""
        from ..services import Services

        if not (path.is_file() and path.stat().st_size > 0):
            return None
        if self._checker is None:
            from concurrent.futures import ThreadPoolExecutor

            self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quick-check")
        return self._checker.submit(Services.check_integrity, path)

    def initial_database(self, path: Path | None = None) -> Path:
        """The database open_initial_database tries first: the one given, else the last
        one used (if it still exists), else the default one in the data directory."""
        last = self.settings.value("database/last")
        if path is None and last and Path(last).exists():
            path = Path(last)
        return Path(path or paths.default_db_path()).expanduser().absolute()

    def open_initial_database(self, path: Path | None = None) -> bool:
        """Open the database given, else the last one used (if it still exists), else
        the default one in the data directory; then go back to where the user was."""
        # Read before opening: opening shows the home page, which forgets it.
        resume = self.settings.value("session/assessment")
        first = self.initial_database(path)
        opened = self.open_database(first)
        default = paths.default_db_path()
        if not opened and first != default.expanduser().absolute():
            opened = self.open_database(default)
        while not opened:
            # Nothing could be opened (in use elsewhere, unreadable): never leave the
            # user in a window with no database; offer the ways on, or to quit.
            choice = self.dialogs.choose(
                "No database open",
                "ICS Assess needs a database to keep your answers in. Open another one, "
                "start a new one, or cancel to quit.",
                ["Open another database…", "Start a new database…"],
            )
            if choice is None:
                return False
            if choice == 0:
                self.choose_database()
            else:
                self.new_database()
            opened = self.services is not None
        if resume:
            self._resume(str(resume))
        return True

    def open_database(self, path: Path, *, create: bool = True) -> bool:
        """Open a database (creating it if new); say in words why not, and keep the one
        already open if it cannot be used.

        SQLite's quick check of the file (a quarter of a second at 10,000 assessments)
        runs on a thread of its own (started by ``check_ahead`` if it was not already)
        while the questionnaires are read and the pages' code is loaded, and is waited
        for before any record is read: a damaged file is refused in words, as before."""
        from ..services import Services, StoreError

        path = Path(path).expanduser().absolute()
        lock = QLockFile(str(path) + ".lock")
        lock.setStaleLockTime(0)  # only a dead owner makes the lock stale
        if path.parent.is_dir() and not lock.tryLock(200):
            self.dialogs.warn("Database in use", self._lock_message(path, lock))
            return False
        checked = self._checks.pop(path, None) or self._start_check(path)
        services = None
        try:
            services = Services.open(path, create=create, check=False)
            import_pages()
            if checked is not None:
                checked.result()
        except StoreError as exc:
            if services is not None:
                services.close()
            lock.unlock()
            self.dialogs.warn("This database cannot be opened", str(exc))
            return False
        if self.walkthrough is not None and not self.walkthrough.settle():
            services.close()  # answers of the open database still wait to be written
            lock.unlock()
            return False
        for warning in services.catalogue.warnings:
            log.warning("%s", warning)
        self._close_database()
        self.services = services
        self.lock = lock
        self.settings.setValue("database/last", str(path))
        self.setWindowTitle(f"{path.name} — {paths.APP_NAME}")
        self.db_label.setText(str(path))
        self._build_pages(services)
        if services.catalogue.warnings:
            self.dialogs.warn(
                "Some questionnaires were skipped",
                "\n".join(services.catalogue.warnings[:5]),
            )
        self.show_home()
        self.backup_if_due()
        return True

    def backup_if_due(self) -> None:
        """Make the daily backup in the background when none is from the last day. A
        failure is logged and mentioned in the status bar: the work goes on."""
        if self.services is None:
            return
        from ..services import Services

        path = self.services.db_path

        def failed(exc: Exception) -> None:
            log.warning("daily backup failed: %s", exc)
            self.statusBar().showMessage(f"The daily backup could not be made: {exc}", 15000)

        self.jobs.start(lambda: Services.backup_if_due(path), lambda _: None, failed)

    def export_assessments(self) -> None:
        """File > Export: the selected assessments, or the round chosen in the list."""
        if self.home is not None:
            from . import exchange_view

            exchange_view.export_assessments(self)

    def import_assessments(self) -> None:
        """File > Import: check a file, show what it would do, then import."""
        from . import exchange_view

        exchange_view.import_bundle(self)

    def import_responses(self) -> None:
        """File > Import responses: an online form's CSV or XLSX, mapped to statements."""
        if self.services is not None:
            from . import responses_view

            responses_view.import_responses_dialog(self)

    def show_backups(self) -> None:
        """File > Backups: list the backups of this database, make one, restore one."""
        if self.services is not None:
            from .backups_dialog import show_backups

            show_backups(self)

    @staticmethod
    def _lock_message(path: Path, lock: QLockFile) -> str:
        if lock.error() == QLockFile.LockError.PermissionError:
            return (
                f"{path.name} cannot be opened for changes: its folder does not let ICS "
                "Assess create files. Copy the database to a folder of your own."
            )
        info = lock.getLockInfo()  # PySide6 gives (pid, hostname, app name), or nothing
        if info and len(info) == 3 and info[0]:
            pid, host, _app = info
            import socket

            here = host in ("", socket.gethostname())
            who = f"process {pid} on this computer" if here else f"the computer {host}"
        else:
            who = "another copy of ICS Assess"
        return (
            f"{path.name} is already open in ICS Assess ({who}). Close it there first, "
            "or open another database."
        )

    def _build_pages(self, services: Services) -> None:
        from .actions import ActionPlanPage
        from .home import HomePage
        from .overview import OverviewPage
        from .participant import ParticipantScreen
        from .profile_view import ProfilePage
        from .report_view import ReportPage
        from .results import ResultsPage
        from .review_view import ReviewPage
        from .walkthrough import WalkthroughPage
        from .workshop import WorkshopPage, WorkshopsPage

        if self.report is not None:
            self.report.close_report()
        if self.workshop is not None:
            self.workshop.close_projector()
        old = (self.home, self.walkthrough, self.results, self.report, self.overview)
        later = (
            self.workshops,
            self.workshop,
            self.participant,
            self.action_plan,
            self.profile,
            self.review,
        )
        for page in (*old, *later):
            if page is not None:
                self.stack.removeWidget(page)
                page.deleteLater()
        self.home = HomePage(services, self.dialogs)
        self.walkthrough = WalkthroughPage(services, self.dialogs)
        self.results = ResultsPage(services)
        self.report = ReportPage(services, self.dialogs, self.settings)
        self.overview = OverviewPage(services, self.dialogs, self.settings)
        self.workshops = WorkshopsPage(services, self.dialogs)
        self.workshop = WorkshopPage(services, self.dialogs)
        self.participant = ParticipantScreen(services, self.dialogs)
        for page in (self.home, self.walkthrough, self.results, self.report, self.overview):
            self.stack.addWidget(page)
        self.action_plan = ActionPlanPage(services, self.dialogs)
        self.profile = ProfilePage(services, self.dialogs)
        self.review = ReviewPage(services, self.dialogs)
        later = (
            self.workshops,
            self.workshop,
            self.participant,
            self.action_plan,
            self.profile,
            self.review,
        )
        for page in later:
            self.stack.addWidget(page)
        self.review.back_requested.connect(self.show_home)
        self.review.pack_requested.connect(self.show_review_report)
        self.home.review_requested.connect(self.show_review)
        self.report.review_requested.connect(self.back_to_review)
        self.profile.back_requested.connect(self.show_home)
        self.home.profile_requested.connect(self.show_profile)
        self.action_plan.back_requested.connect(self.show_home)
        self.home.action_plan_requested.connect(self.show_action_plan)
        self.results.action_requested.connect(self.add_action)
        self.overview.action_requested.connect(self.add_action)
        self.overview.concern_requested.connect(self.add_concern)
        self.home.workshops_requested.connect(self.show_workshops)
        self.workshops.back_requested.connect(self.show_home)
        self.workshops.open_requested.connect(self.show_workshop)
        self.workshop.back_requested.connect(self.show_workshops)
        self.workshop.pass_laptop_requested.connect(self.pass_laptop)
        self.workshop.report_requested.connect(self.show_workshop_report)
        self.participant.facilitator_requested.connect(self.back_to_facilitator)
        self.participant.status_changed.connect(self.save_state.setText)
        self.results.report_requested.connect(self.show_report)
        self.results.organisation_report_requested.connect(self.show_organisation_report)
        self.results.overview_requested.connect(self.back_to_overview)
        self.report.back_requested.connect(self.show_results)
        self.report.overview_requested.connect(self.back_to_overview)
        self.report.workshop_requested.connect(self.show_workshop)
        self.overview.back_requested.connect(self.show_home)
        self.overview.open_assessment_requested.connect(self.open_from_overview)
        self.overview.report_requested.connect(self.show_comparison_report)
        self.home.compare_requested.connect(self.compare_partnership)
        panel = self.settings.value("home/panel", self.width() >= 1280, type=bool)
        self.home.panel_button.setChecked(panel)
        self.home.panel_button.toggled.connect(lambda on: self.settings.setValue("home/panel", on))
        self.home.open_requested.connect(self.open_assessment)
        self.home.export_requested.connect(self.export_assessments)
        self.home.undo_available.connect(self.undo_action.setEnabled)
        self.walkthrough.status_changed.connect(self.save_state.setText)
        self.walkthrough.results_requested.connect(self.show_results)
        self.walkthrough.submitted.connect(self.show_results)
        self.walkthrough.home_requested.connect(self.show_home)
        self.results.back_requested.connect(self.open_walkthrough)
        self.results.home_requested.connect(self.show_home)
        self.undo_action.setEnabled(False)

    def _close_database(self) -> None:
        if self.walkthrough is not None:
            self.walkthrough.flush()
        if self.participant is not None:
            self.participant.walkthrough.flush()
        if self.workshop is not None:
            self.workshop.outcome.save_reasoning()
            self.workshop.close_projector()
        self.jobs.wait()
        if self.home is not None:
            self.home.shut()
        if self.overview is not None:
            self.overview.jobs.wait()
        if self.report is not None:
            self.report.close_report()
        if self.services is not None:
            self.services.close()
            self.services = None
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None

    def new_database(self) -> None:
        """Start a new, empty database file."""
        suggested = paths.data_dir() / f"ics-assess-{date.today().isoformat()}.sqlite"
        path = self.dialogs.save_path("New database", suggested, DB_FILTER)
        if path is None:
            return
        if path.exists():
            self.dialogs.warn(
                "Not created", f"{path.name} already exists. Choose a new name, or open it."
            )
            return
        self.open_database(path)

    def choose_database(self) -> None:
        """Open another database file."""
        start = self.services.db_path.parent if self.services else paths.data_dir()
        path = self.dialogs.open_path("Open database", start, DB_FILTER)
        if path is not None:
            self.open_database(path, create=False)

    def save_copy(self) -> None:
        """Write a consistent copy of the open database (SQLite's backup API) elsewhere."""
        if self.services is None:
            return
        current = self.services.db_path
        suggested = current.with_name(f"{current.stem} copy {date.today().isoformat()}.sqlite")
        folder = self.settings.value("folders/copies")
        if folder and Path(folder).is_dir():
            suggested = Path(folder) / suggested.name
        target = self.dialogs.save_path("Save a copy of the database", suggested, DB_FILTER)
        if target is None:
            return
        if target.absolute() == current.absolute():
            self.dialogs.warn("Not saved", "That is the database that is open. Choose a new name.")
            return
        import sqlite3

        from ..services import StoreError

        partial = target.with_name(target.name + ".partial")
        try:
            partial.unlink(missing_ok=True)
            self.services.save_copy(partial)
            os.replace(partial, target)
        except (OSError, sqlite3.Error, StoreError) as exc:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            reason = getattr(exc, "strerror", None) or str(exc)
            self.dialogs.warn("The copy could not be saved", f"{target}: {reason}")
            return
        self.settings.setValue("folders/copies", str(target.parent))
        self.statusBar().showMessage(f"Saved a copy as {target}", 8000)

    # --- pages ----------------------------------------------------------------------

    def show_home(self) -> None:
        """The assessment list, or the welcome page when the database is empty."""
        self._leave_walkthrough()
        self.settings.remove("session/assessment")
        if self.services is None or self.home is None:
            self.stack.setCurrentWidget(self.welcome)
            return
        empty = not self.services.partnerships()
        self.stack.setCurrentWidget(self.welcome if empty else self.home)
        if not empty:
            self.home.refresh()
            self.home.table.setFocus()
        else:
            self.welcome.start_button.setFocus()

    def start_assessment(self) -> None:
        """The New assessment dialog (from the welcome page, the list, or File > New
        assessment, Ctrl+N, on any page): the list is shown behind it."""
        if self.home is not None and not self._participant_showing():
            self._leave_walkthrough()
            self.stack.setCurrentWidget(self.home)
            self.home.new_assessment()
            if self.stack.currentWidget() is self.home and not self.services.partnerships():
                self.stack.setCurrentWidget(self.welcome)

    def open_assessment(self, assessment_id: str) -> None:
        """Drafts open to answer; submitted ones open at their results."""
        assessment = self.services.assessment(assessment_id)
        if assessment.status.value == "submitted":
            self.show_results(assessment_id, from_overview=False)
        else:
            self.open_walkthrough(assessment_id)

    def open_walkthrough(self, assessment_id: str) -> None:
        """Answer (or read) an assessment, resuming where it was left."""
        self.walkthrough.open_assessment(assessment_id)
        self.stack.setCurrentWidget(self.walkthrough)
        self.settings.setValue("session/assessment", assessment_id)
        self.settings.sync()  # on disk now, so a crash still resumes here
        self.save_state.setText(self.walkthrough.status())

    def show_results(self, assessment_id: str, from_overview: bool | None = None) -> None:
        """The results page of an assessment; ``from_overview`` offers the way back to
        the partnership overview (None keeps what was set: back from its report)."""
        self._leave_walkthrough()
        if from_overview is not None:
            self.results.set_from_overview(from_overview)
        self.results.show_assessment(assessment_id)
        self.stack.setCurrentWidget(self.results)
        self.settings.remove("session/assessment")

    # --- the partnership overview ---------------------------------------------------

    def compare_partnership(self) -> None:
        """View > Compare partnership: the overview of the partnership chosen on home
        (its filter, or the tree), the only one, or the one the user picks."""
        if self.services is None or self.overview is None:
            return
        partnerships = self.services.partnerships()
        chosen = None
        if self.home is not None:
            chosen = self.home.partnership_filter.currentData() or (
                self.home.tree_partnership_id() if self.home.tree.currentItem() else None
            )
        if chosen is None and len(partnerships) == 1:
            chosen = partnerships[0].id
        if chosen is None and len(partnerships) > 1:
            index = self.dialogs.item(
                "Compare partnership",
                "Which partnership do you want to compare?",
                [p.name for p in partnerships],
            )
            if index is None:
                return
            chosen = partnerships[index].id
        self.show_overview(chosen)

    def show_overview(self, partnership_id: str | None) -> None:
        """The overview of a partnership (None: it says there is none yet)."""
        self._leave_walkthrough()
        self.settings.remove("session/assessment")
        self.stack.setCurrentWidget(self.overview)
        self.overview.show_partnership(partnership_id)
        self.overview.round_combo.setFocus()

    def back_to_overview(self) -> None:
        """Back to the overview, as it was left."""
        if self.overview is not None:
            self.stack.setCurrentWidget(self.overview)

    def open_from_overview(self, assessment_id: str) -> None:
        """An organisation's assessment opened from the overview: its results, with a
        way back to the overview."""
        self.show_results(assessment_id, from_overview=True)

    def show_comparison_report(self, comparison) -> None:
        """Build and preview the comparison's PDF report (back returns to the overview)."""
        self.stack.setCurrentWidget(self.report)
        self.report.show_comparison_report(comparison)

    def show_report(self, assessment_id: str) -> None:
        """Build and preview an assessment's PDF report."""
        self.stack.setCurrentWidget(self.report)
        self.report.show_assessment_report(assessment_id)

    def show_organisation_report(self, assessment_id: str) -> None:
        """Build and preview the report of every questionnaire the assessment's
        organisation answered in its round."""
        self.stack.setCurrentWidget(self.report)
        self.report.show_organisation_report(assessment_id)

    # --- the action plan -------------------------------------------------------------

    def _chosen_partnership(self) -> str | None:
        """The partnership chosen on home (its filter, or the tree), else the only one."""
        chosen = None
        if self.home is not None:
            chosen = self.home.partnership_filter.currentData() or (
                self.home.tree_partnership_id() if self.home.tree.currentItem() else None
            )
        partnerships = self.services.partnerships() if self.services else []
        if chosen is None and len(partnerships) == 1:
            chosen = partnerships[0].id
        return chosen

    def _ask_partnership(self, title: str, question: str) -> str | bool | None:
        """The partnership chosen on home, else the only one, else the one the user picks
        (asked with ``question``); None when there is none, False when the user cancels."""
        chosen = self._chosen_partnership()
        partnerships = self.services.partnerships() if self.services else []
        if chosen is None and len(partnerships) > 1:
            index = self.dialogs.item(title, question, [p.name for p in partnerships])
            if index is None:
                return False
            chosen = partnerships[index].id
        return chosen

    def show_action_plan(self, round_id: str | None = None) -> None:
        """View > Action plan: the actions of a round of the partnership chosen on home
        (its latest round), with filters, history, export and print."""
        if self.action_plan is None or self._participant_showing():
            return
        plan = self.action_plan
        self._enter_round_page(
            plan,
            lambda: plan.show_plan(self._chosen_partnership(), round_id or None),
            lambda: plan.table if plan.rows else plan.round_combo,
        )

    def _enter_round_page(
        self, page: QWidget, show: Callable[[], object], focus: Callable[[], QWidget]
    ) -> None:
        """Leave the walk-through for a page of a round (action plan, profile, review):
        the session no longer resumes an assessment; ``show`` fills the page, which is
        then shown with the focus on ``focus()`` (its content, or its round when it has
        none)."""
        self._leave_walkthrough()
        self.settings.remove("session/assessment")
        show()
        self.stack.setCurrentWidget(page)
        focus().setFocus()

    def add_action(self, preset: dict) -> str | None:
        """Add action… from a results page or the overview: the action dialog, with what
        the action answers chosen already; the action plan keeps it."""
        if self.action_plan is None or not preset.get("round_id"):
            return None
        preset = dict(preset)
        round_id = preset.pop("round_id")
        action_id = self.action_plan.add_action(round_id, **preset)
        if action_id:
            self.save_state.setText("Action added to the action plan (Ctrl+Shift+A).")
        return action_id

    # --- the partnership profile ----------------------------------------------------

    def show_profile(self, partnership_id: str | None = None, round_id: str | None = None) -> None:
        """View > Partnership profile: the facts of a round of the partnership chosen on
        home (its filter or tree), else the only one, else the one the user picks."""
        if self.profile is None or self.services is None or self._participant_showing():
            return
        chosen = partnership_id or self._ask_partnership(
            "Partnership profile", "Whose profile do you want to see?"
        )
        if chosen is False:
            return
        profile = self.profile
        self._enter_round_page(
            profile,
            lambda: profile.show_partnership(chosen, round_id),
            lambda: profile.table if profile.profile is not None else profile.round_combo,
        )

    # --- the review -----------------------------------------------------------------

    def show_review(self, partnership_id: str | None = None, round_id: str | None = None) -> None:
        """View > Review: a round of the partnership chosen on home (its filter or tree,
        else the only one, else the one the user picks) against the round before it."""
        if self.review is None or self.services is None or self._participant_showing():
            return
        chosen = partnership_id or self._ask_partnership(
            "Review", "Which partnership do you want to review?"
        )
        if chosen is False:
            return
        review = self.review
        self._enter_round_page(
            review,
            lambda: review.show_partnership(chosen, round_id),
            lambda: review.tabs if review.review is not None else review.round_combo,
        )

    def add_concern(self, preset: dict) -> str | None:
        """Mark as a concern… from the overview: the concern dialog with the gap's
        section or statement chosen; the review asks about it."""
        if self.services is None or not preset.get("round_id"):
            return None
        from .review_view import ConcernDialog

        rnd = self.services.round(preset["round_id"])
        dialog = ConcernDialog(
            self.services,
            rnd.partnership_id,
            rnd.id,
            parent=self,
            questionnaire_id=preset.get("questionnaire_id"),
            section_id=preset.get("section_id"),
            item_id=preset.get("item_id"),
        )
        self.dialogs.run(dialog)
        if dialog.added:
            self.save_state.setText("Concern marked: the review asks about it (Ctrl+Shift+R).")
        return dialog.added

    def back_to_review(self) -> None:
        """Back from the review pack's preview to the review page."""
        if self.review is not None:
            self.stack.setCurrentWidget(self.review)
            self.review.pack_button.setFocus()

    def show_review_report(self, review) -> None:
        """Build and preview the review pack (back returns to the review)."""
        self.stack.setCurrentWidget(self.report)
        self.report.show_review_report(review)

    # --- workshops --------------------------------------------------------------------

    def show_workshops(self) -> None:
        """View > Workshops: every workshop; create or open one."""
        if self.workshops is None or self._participant_showing():
            return
        self._leave_walkthrough()
        self.settings.remove("session/assessment")
        self.workshops.refresh()
        self.stack.setCurrentWidget(self.workshops)
        self.workshops.table.setFocus()

    def show_workshop_report(self, workshop_id: str) -> None:
        """Build and preview a workshop's PDF report (back returns to its page)."""
        self.stack.setCurrentWidget(self.report)
        self.report.show_workshop_report(workshop_id)

    def show_workshop(self, workshop_id: str) -> None:
        """The facilitator's page of a workshop."""
        self.workshop.show_workshop(workshop_id)
        self.stack.setCurrentWidget(self.workshop)
        self.workshop.table.setFocus()

    def pass_laptop(self, assessment_id: str, code: str = "") -> None:
        """The participant screen for one participant: the menus are off (nothing else
        is reachable) until the facilitator's screen is unlocked."""
        self.workshop.close_projector()
        self.participant.code = code
        self.lock_menus(True)
        self.stack.setCurrentWidget(self.participant)
        self.participant.start(assessment_id)
        if self.participant.locked:  # could not be opened
            self.back_to_facilitator()

    def back_to_facilitator(self) -> None:
        """From the participant screen (locked) to the facilitator's page."""
        if self.participant is not None and not self.participant.locked:
            self.participant.step_away()
        self.lock_menus(False)
        self.stack.setCurrentWidget(self.workshop)
        self.workshop.refresh()
        self.workshop.table.setFocus()

    def _participant_showing(self) -> bool:
        return self.participant is not None and self.stack.currentWidget() is self.participant

    def lock_menus(self, locked: bool) -> None:
        """Every menu action off (their shortcuts too) while a participant has the laptop,
        and while the window opens its first database (run_gui)."""
        actions = [a for menu in self.menuBar().findChildren(QMenu) for a in menu.actions()]
        if locked:
            if not self._menu_states:
                self._menu_states = {a: a.isEnabled() for a in actions}
            for action in actions:
                action.setEnabled(False)
        else:
            for action, enabled in self._menu_states.items():
                action.setEnabled(enabled)
            self._menu_states = {}
        self.menuBar().setEnabled(not locked)

    def _leave_walkthrough(self) -> None:
        if self.walkthrough is not None and self.stack.currentWidget() is self.walkthrough:
            self.walkthrough.flush()

    def _resume(self, assessment_id: str) -> None:
        """Reopen the draft the user was answering when the app last closed."""
        if self.services is None:
            return
        from ..services import StoreError

        try:
            assessment = self.services.assessment(assessment_id)
        except StoreError:
            self.settings.remove("session/assessment")
            return
        if assessment.status.value == "draft":
            self.open_walkthrough(assessment_id)

    def undo_delete(self) -> None:
        """Restore the last deleted assessment."""
        if self.home is not None:
            self.home.undo_delete()
            self.stack.setCurrentWidget(self.home)

    def load_demo(self) -> None:
        """Fill the database with the demo partnership, in the background."""
        if self.services is None:
            return
        from ..demo import DEMO_PARTNERSHIP_NAME, build_demo
        from ..services import Services

        if any(p.name == DEMO_PARTNERSHIP_NAME for p in self.services.partnerships()):
            self.show_home()
            return
        path = self.services.db_path
        self.welcome.demo_button.setEnabled(False)
        self.statusBar().showMessage("Loading the demo partnership…")

        def build() -> None:
            with Services.open(path, create=False) as services:
                build_demo(services)

        def done(_: object) -> None:
            self.welcome.demo_button.setEnabled(True)
            self.statusBar().showMessage("The demo partnership is loaded.", 6000)
            self.show_home()

        def failed(exc: Exception) -> None:
            self.welcome.demo_button.setEnabled(True)
            self.statusBar().clearMessage()
            self.dialogs.warn("The demo could not be loaded", str(exc))

        self.jobs.start(build, done, failed)

    def show_guide(self) -> None:
        """Help: the method and the keyboard (a window beside the app, not modal)."""
        if self.guide is None:
            self.guide = GuideDialog(self)
        self.guide.show()
        self.guide.raise_()

    def show_about(self) -> None:
        """Version, and where the data lives."""
        db = self.services.db_path if self.services else paths.default_db_path()

        self.dialogs.inform(
            "About ICS Assess",
            f"ICS Assess {__version__}\n\n"
            "Self-assessment of Integrated Care System partnerships: governance, "
            "democratic involvement and equal partnership.\n\n"
            f"Database: {db}\n"
            f"Your data directory: {paths.data_dir()}\n"
            f"Your own questionnaires: {paths.user_forms_dir()}\n"
            f"Log file: {paths.log_path()}\n\n"
            f"PySide6 {pyside_version}",
        )

    # --- closing --------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Save what is pending, remember the window, release the database. Answers the
        database could not take yet (busy, full, read-only) are tried once more; if they
        still cannot be written, the user is asked, and the window stays open unless
        they choose to close without them."""
        if self.walkthrough is not None and not self.walkthrough.settle():
            event.ignore()
            return
        resume = self.settings.value("session/assessment")
        self.settings.setValue("window/geometry", self.saveGeometry())
        self._close_database()
        if resume:
            self.settings.setValue("session/assessment", resume)
        self.settings.sync()
        super().closeEvent(event)
