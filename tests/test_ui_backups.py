"""The Backups dialog as a user meets it: the list in words, backing up now, restoring
through the main window (which shows the old data again), refusals, and names for
every control. Real widgets and real database files, offscreen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLabel, QWidget

from ics_assess import paths
from ics_assess.store.backups import BackupReason, create_backup, list_backups
from ics_assess.ui import backups_dialog
from ics_assess.ui.backups_dialog import (
    BackupsDialog,
    perform_restore,
    show_backups,
    size_text,
    when_text,
)
from ics_assess.ui.main_window import MainWindow


def wait_home(qtbot, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.home, timeout=5_000)
    qtbot.waitUntil(lambda: not win.home.jobs.is_busy(), timeout=10_000)


def partnership_names(win: MainWindow) -> list[str]:
    tree = win.home.tree
    return [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]


def rows(dialog: BackupsDialog) -> list[tuple[str, str, str]]:
    tree = dialog.tree
    return [
        tuple(tree.topLevelItem(i).text(c) for c in range(3))
        for i in range(tree.topLevelItemCount())
    ]


@pytest.fixture
def db_with_backups(tmp_path):
    """A database with one backup of each reason, made at known times."""
    from ics_assess.store import Store

    db = tmp_path / "assess.sqlite"
    with Store.open(db) as store:
        store.add_partnership("North")
    now = datetime.now(UTC)
    for hours, reason in [
        (1, "manual"),
        (30, "daily"),
        (80, "before-import"),
        (200, "before-upgrade"),
        (400, "before-restore"),
    ]:
        create_backup(db, reason, now=now - timedelta(hours=hours))
    return db


def test_the_dialog_lists_backups_newest_first_in_words(qtbot, fake_dialogs, db_with_backups):
    dialog = BackupsDialog(db_with_backups, fake_dialogs)
    qtbot.addWidget(dialog)
    listed = rows(dialog)
    assert [why for _, why, _ in listed] == [
        "Made by you",
        "Daily",
        "Before an import",
        "Before an upgrade",
        "Before a restore",
    ]
    first_when = listed[0][0]
    assert first_when.startswith(("Today, ", "Yesterday, "))  # an hour ago, local time
    assert all(size.endswith("KB") for _, _, size in listed)
    assert str(paths.backups_dir(db_with_backups)) in dialog.folder_label.text()
    assert dialog.windowTitle() == "Backups of assess.sqlite"
    assert not dialog.restore_button.isEnabled()  # nothing selected yet


def test_words_for_times_and_sizes():
    now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
    local_now = now.astimezone()
    same_day = local_now.replace(hour=0, minute=5).astimezone(UTC)
    assert when_text(same_day, now) == "Today, 00:05"
    assert when_text(same_day - timedelta(days=1), now) == "Yesterday, 00:05"
    older = (local_now - timedelta(days=10)).replace(hour=9, minute=7)
    assert when_text(older.astimezone(UTC), now) == f"{older:%a} {older.day} {older:%b %Y}, 09:07"
    assert size_text(500) == "500 bytes"
    assert size_text(860_000) == "840 KB"
    assert size_text(3_355_443) == "3.2 MB"


def test_an_empty_list_says_when_backups_are_made(qtbot, fake_dialogs, db_path):
    dialog = BackupsDialog(db_path, fake_dialogs)
    qtbot.addWidget(dialog)
    assert rows(dialog) == []
    assert "No backups yet" in dialog.status.text()


def test_back_up_now_adds_one_in_the_background(qtbot, fake_dialogs, db_with_backups):
    dialog = BackupsDialog(db_with_backups, fake_dialogs)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.backup_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(rows(dialog)) == 6, timeout=10_000)
    assert rows(dialog)[0][1] == "Made by you"
    assert dialog.tree.currentItem() is dialog.tree.topLevelItem(0)  # the new one selected
    assert dialog.status.text().startswith("Backed up at")
    assert dialog.backup_button.isEnabled()
    assert dialog.restore_button.isEnabled()
    assert len(list_backups(db_with_backups)) == 6


def test_a_backup_that_cannot_be_made_is_explained(qtbot, fake_dialogs, tmp_path):
    dialog = BackupsDialog(tmp_path / "missing.sqlite", fake_dialogs)
    qtbot.addWidget(dialog)
    dialog.back_up_now()
    qtbot.waitUntil(lambda: bool(fake_dialogs.messages("warn")), timeout=10_000)
    assert "no database" in fake_dialogs.messages("warn")[0]
    assert dialog.status.text() == "The backup could not be made."
    assert dialog.backup_button.isEnabled()


def test_restore_asks_first_then_asks_the_window(qtbot, fake_dialogs, db_with_backups):
    dialog = BackupsDialog(db_with_backups, fake_dialogs)
    qtbot.addWidget(dialog)
    dialog.tree.setCurrentItem(dialog.tree.topLevelItem(2))
    assert dialog.restore_button.isEnabled()
    fake_dialogs.answers.append(False)  # the user cancels
    with qtbot.assertNotEmitted(dialog.restore_requested):
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.restore_requested, timeout=1_000) as signal:
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert signal.args == [list_backups(db_with_backups)[2].path]
    question = fake_dialogs.messages("confirm")[-1]
    assert "before an import" in question
    assert "backup of the database as it is now is made first" in question


def test_show_folder_opens_the_backups_folder(qtbot, fake_dialogs, db_path, monkeypatch):
    opened = []
    monkeypatch.setattr(
        backups_dialog.QDesktopServices, "openUrl", lambda url: opened.append(url) or True
    )
    dialog = BackupsDialog(db_path, fake_dialogs)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.folder_button, Qt.MouseButton.LeftButton)
    assert [Path(u.toLocalFile()) for u in opened] == [paths.backups_dir(db_path)]
    assert paths.backups_dir(db_path).is_dir()
    monkeypatch.setattr(backups_dialog.QDesktopServices, "openUrl", lambda url: False)
    dialog.show_folder()
    assert str(paths.backups_dir(db_path)) in fake_dialogs.messages("warn")[0]


def test_every_control_has_an_accessible_name(qtbot, fake_dialogs, db_with_backups):
    dialog = BackupsDialog(db_with_backups, fake_dialogs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    controls = [
        w
        for w in dialog.findChildren(QWidget)
        if isinstance(w, (QAbstractButton, QAbstractItemView, QLabel)) and w.isVisible()
    ]
    assert len(controls) >= 8
    missing = [f"{type(w).__name__}:{getattr(w, 'text', str)()}" for w in controls]
    missing = [m for m, w in zip(missing, controls, strict=True) if not w.accessibleName()]
    assert missing == []
    for label in dialog.findChildren(QLabel):
        assert label.textFormat() == Qt.TextFormat.PlainText


# --- restoring through the main window --------------------------------------------------


def test_perform_restore_brings_back_the_old_data_and_the_window_shows_it(
    qtbot, window, fake_dialogs
):
    store = window.services.store
    store.add_partnership("Before the mistake")
    window.show_home()
    wait_home(qtbot, window)
    backup = create_backup(store, BackupReason.MANUAL, now=datetime.now(UTC) - timedelta(hours=1))
    store.add_partnership("Added after the backup")
    window.show_home()
    wait_home(qtbot, window)
    assert partnership_names(window) == ["Added after the backup", "Before the mistake"]
    old_services = window.services

    assert perform_restore(window, backup)
    assert window.services is not None and window.services is not old_services
    assert [p.name for p in window.services.store.partnerships()] == ["Before the mistake"]
    wait_home(qtbot, window)
    assert partnership_names(window) == ["Before the mistake"]
    assert window.lock is not None and window.lock.isLocked()
    assert "restored" in window.statusBar().currentMessage()
    assert fake_dialogs.messages("warn") == []
    kept = [b for b in list_backups(window.services.store.path) if b.reason == "before-restore"]
    assert len(kept) == 1
    # The window keeps working on the restored database.
    window.services.store.add_partnership("After the restore")


def test_a_refused_restore_reopens_the_database_unchanged(qtbot, window, fake_dialogs):
    store = window.services.store
    store.add_partnership("Mine")
    folder = paths.backups_dir(store.path)
    folder.mkdir(parents=True, exist_ok=True)
    bad = folder / f"{store.path.stem}-manual-20260101T000000Z.sqlite"
    bad.write_text("not a database at all\n" * 100)

    assert not perform_restore(window, bad)
    assert window.services is not None
    assert [p.name for p in window.services.store.partnerships()] == ["Mine"]
    (warning,) = fake_dialogs.messages("warn")
    assert "not an ICS Assess database" in warning
    wait_home(qtbot, window)
    assert partnership_names(window) == ["Mine"]


def test_the_whole_dialog_flow_from_the_window(qtbot, window, fake_dialogs):
    # Opening the database made today's daily backup (of the still empty database).
    qtbot.waitUntil(lambda: not window.jobs.is_busy(), timeout=10_000)
    store = window.services.store
    store.add_partnership("Kept")
    create_backup(store, "daily", now=datetime.now(UTC) - timedelta(days=2))
    store.add_partnership("Lost")
    seen = {}

    def in_the_dialog(dialog: BackupsDialog) -> bool:
        assert [why for _, why, _ in rows(dialog)] == ["Daily", "Daily"]
        dialog.tree.setCurrentItem(dialog.tree.topLevelItem(1))  # the one from 2 days ago
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
        seen["rows"] = rows(dialog)
        seen["status"] = dialog.status.text()
        return False  # then Close

    fake_dialogs.on_run = in_the_dialog
    show_backups(window)
    # Today's daily backup and the one before the restore can share a second: any order.
    assert sorted(why for _, why, _ in seen["rows"]) == ["Before a restore", "Daily", "Daily"]
    assert seen["status"].startswith("Restored.")
    assert [p.name for p in window.services.store.partnerships()] == ["Kept"]
