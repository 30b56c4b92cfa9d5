"""The window shows itself at once and fills in (issue 12): it is painted, saying it is
opening the database, before the database is opened or the services imported; SQLite's
quick check of the file runs once at start, off the GUI thread, and a damaged file is
still refused in words before anything is read from it."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from ics_assess.store import database
from ics_assess.ui import app as app_module
from ics_assess.ui.main_window import MainWindow

from .conftest import PROJECT_ROOT


def test_the_window_module_imports_no_services_reports_or_storage():
    # What the first paint waits for: the window's own module and what it imports.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys; import ics_assess.ui.main_window; "
            "print(json.dumps(sorted(sys.modules)))",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    modules = json.loads(result.stdout)
    heavy = ("ics_assess.services", "ics_assess.store", "ics_assess.exchange", "sqlite_utils")
    assert [m for m in modules if m.startswith(heavy) or m.startswith("reportlab")] == []


class PaintWatcher(QObject):
    painted = False

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def test_run_gui_paints_the_window_before_it_opens_the_database(
    qtbot, monkeypatch, isolated_data_dir
):
    seen = {}
    watcher = PaintWatcher()
    show, open_initial = MainWindow.show, MainWindow.open_initial_database

    def watched_show(self):
        self.installEventFilter(watcher)
        show(self)

    def watched_open(self, path=None):
        seen["window"] = self
        seen["when opened"] = (
            self.isVisible(),
            watcher.painted,
            self.stack.currentWidget() is self.opening,
            self.services is None,
        )
        opened = open_initial(self, path)
        seen["then"] = (self.services is not None, self.stack.currentWidget() is self.welcome)
        QTimer.singleShot(0, QApplication.quit)  # closes the window too
        return opened

    monkeypatch.setattr(MainWindow, "show", watched_show)
    monkeypatch.setattr(MainWindow, "open_initial_database", watched_open)
    monkeypatch.setattr(app_module, "setup_logging", lambda: None)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    try:
        assert app_module.run_gui() == 0
        # shown, painted and saying so, with no database open yet
        assert seen["when opened"] == (True, True, True, True)
        assert seen["then"] == (True, True)  # open, on a new database: the welcome page
    finally:
        if "window" in seen:
            seen["window"].close()


def test_run_gui_ends_with_1_when_no_database_can_be_opened(monkeypatch):
    monkeypatch.setattr(MainWindow, "open_initial_database", lambda self, path=None: False)
    monkeypatch.setattr(app_module, "setup_logging", lambda: None)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    windows = []
    monkeypatch.setattr(MainWindow, "show", lambda self: (windows.append(self), None)[1])
    try:
        assert app_module.run_gui() == 1
    finally:
        for window in windows:
            window.close()


# --- the quick check ----------------------------------------------------------------------


@pytest.fixture
def checks_run(monkeypatch):
    """The threads SQLite's quick check ran on, in order."""
    threads: list[threading.Thread] = []
    original = database._quick_check

    def recorded(conn, path):
        threads.append(threading.current_thread())
        return original(conn, path)

    monkeypatch.setattr(database, "_quick_check", recorded)
    return threads


def test_the_window_checks_the_file_once_at_start_off_the_gui_thread(
    qtbot, fake_dialogs, isolated_data_dir, demo_db, checks_run
):
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    window = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(window)
    try:
        assert window.open_initial_database(path)
        window.show()
        qtbot.waitUntil(lambda: window.home.model.rowCount() == 83, timeout=10_000)
        qtbot.waitUntil(
            lambda: window.home.model.score(window.home.model.summary(0).assessment.id) is not None,
            timeout=10_000,
        )
        qtbot.waitUntil(lambda: not window.home.jobs.is_busy(), timeout=10_000)
        window.jobs.wait()
        # once: not again by the list's and the scores' connections (nor the daily backup,
        # which checks its copy, not the database)
        assert len(checks_run) == 1
        assert checks_run[0] is not threading.main_thread()
    finally:
        window.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def damage_an_index(path: Path, demo_db: Path, journal_mode: str = "wal") -> Path:
    """A copy of the demo with the cells of an index page overwritten: SQLite opens it and
    reads its schema, and only its quick check finds what is wrong."""
    source = sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True)
    target = sqlite3.connect(path)
    source.backup(target)
    target.execute(f"PRAGMA journal_mode = {journal_mode}")
    target.close()
    source.close()
    data = bytearray(path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    offset = min(  # the index page with cells nearest the middle (as tests/test_cli.py)
        (
            o
            for o in range(page_size, len(data), page_size)
            if data[o] == 0x0A and int.from_bytes(data[o + 3 : o + 5], "big")
        ),
        key=lambda o: abs(o - len(data) // 2),
    )
    content = int.from_bytes(data[offset + 5 : offset + 7], "big")
    data[offset + content : offset + page_size] = b"\xff" * (page_size - content)
    path.write_bytes(bytes(data))
    return path


def test_a_damaged_database_is_refused_in_words_before_anything_is_read(
    qtbot, fake_dialogs, isolated_data_dir, demo_db, checks_run
):
    good = isolated_data_dir / "good.sqlite"
    shutil.copy(demo_db, good)
    damaged = damage_an_index(isolated_data_dir / "damaged.sqlite", demo_db)
    before = sha256(damaged)
    window = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(window)
    try:
        assert window.open_initial_database(good)
        assert not window.open_database(damaged, create=False)
        (warning,) = fake_dialogs.messages("warn")
        assert f"{damaged} is damaged (SQLite's integrity check says:" in warning
        assert "It has not been changed" in warning
        # the database that was open stays open, and the damaged file is as it was
        assert window.services.db_path == good
        assert sha256(damaged) == before
        assert not (damaged.parent / "backups").exists() or not any(
            p.name.startswith("damaged") for p in (damaged.parent / "backups").iterdir()
        )
        assert threading.main_thread() not in checks_run
    finally:
        window.close()


def test_a_file_to_be_changed_is_checked_before_it_is_changed(tmp_path, demo_db, checks_run):
    # Opened without the quick check, a file that is not in WAL mode would be changed
    # (put in WAL mode) at once: it is checked first, and refused unchanged.
    from ics_assess.services import Services, StoreError

    damaged = damage_an_index(tmp_path / "damaged.sqlite", demo_db, journal_mode="delete")
    before = sha256(damaged)
    with pytest.raises(StoreError, match="is damaged"):
        Services.open(damaged, create=False, check=False)
    assert sha256(damaged) == before
    assert len(checks_run) == 1
