"""Export and import from the window: what a file would bring is shown first, conflicts
are the user's choice, the work runs in the background, and a bad file changes nothing."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from ics_assess.store.backups import list_backups
from ics_assess.ui.exchange_view import ImportDialog
from ics_assess.ui.main_window import MainWindow

from .ui_support import FakeDialogs


def open_window(qtbot, path, dialogs=None) -> MainWindow:
    win = MainWindow(dialogs=dialogs or FakeDialogs())
    qtbot.addWidget(win)
    win.resize(1024, 700)
    assert win.open_initial_database(path)
    win.show()
    qtbot.waitUntil(lambda: not win.home.jobs.is_busy(), timeout=10_000)
    qtbot.waitUntil(lambda: not win.jobs.is_busy(), timeout=10_000)
    return win


@pytest.fixture
def sender(qtbot, isolated_data_dir, demo_db):
    path = isolated_data_dir / "sender.sqlite"
    shutil.copy(demo_db, path)
    win = open_window(qtbot, path)
    yield win
    win.close()


def wait_for(qtbot, dialogs: FakeDialogs, kind: str, count: int = 1) -> str:
    qtbot.waitUntil(lambda: len(dialogs.messages(kind)) >= count, timeout=30_000)
    return dialogs.messages(kind)[-1]


def export_two(qtbot, win: MainWindow, target) -> list[str]:
    home = win.home
    ids = [home.model.summary(r).assessment.id for r in (0, 1)]
    home.select_assessment(ids[0])
    index = home.proxy.mapFromSource(home.model.index(home.model.row_of(ids[1]), 0))
    home.table.selectionModel().select(
        index,
        home.table.selectionModel().SelectionFlag.Select
        | home.table.selectionModel().SelectionFlag.Rows,
    )
    assert len(home.selected_all()) == 2
    assert not home.open_button.isEnabled()  # single-record actions wait for one row
    win.dialogs.answers.append(target)
    home.export_button.click()
    wait_for(qtbot, win.dialogs, "inform")
    assert target.exists()
    return ids


def import_into(qtbot, win: MainWindow, path, choose=None) -> ImportDialog:
    """File > Import of ``path``, answering the import dialog (``choose`` may pick the
    conflict choice); returns the dialog once everything after it has happened."""
    seen = {}

    def in_dialog(dialog: ImportDialog) -> bool:
        seen["dialog"] = dialog
        if choose:
            choose(dialog)
        if dialog.import_button.isEnabled():
            dialog.import_button.click()
            qtbot.waitUntil(lambda: dialog.result is not None or bool(dialog.error), timeout=30_000)
        seen["finished"] = True
        return dialog.result is not None

    win.dialogs.on_run = in_dialog
    win.dialogs.answers.append(path)
    informs = len(win.dialogs.messages("inform"))
    win.import_assessments()
    qtbot.waitUntil(lambda: bool(seen.get("finished")), timeout=30_000)
    dialog = seen["dialog"]
    if dialog.result is not None:  # the summary follows the dialog
        qtbot.waitUntil(lambda: len(win.dialogs.messages("inform")) > informs, timeout=30_000)
    qtbot.waitUntil(lambda: not win.jobs.is_busy(), timeout=30_000)
    return dialog


def test_export_selected_then_import_into_an_empty_database(qtbot, sender, tmp_path):
    bundle = tmp_path / "two.zip"
    ids = export_two(qtbot, sender, bundle)

    receiver = open_window(qtbot, tmp_path / "receiver.sqlite")
    dialog = import_into(qtbot, receiver, bundle)
    assert dialog.result is not None
    message = receiver.dialogs.messages("inform")[-1]
    assert "2 assessments" in message
    assert message.startswith("Imported from two.zip:")
    assert "kept in File > Backups" in message
    qtbot.waitUntil(lambda: receiver.home.model.rowCount() == 2, timeout=10_000)
    assert {s.assessment.id for s in receiver.home.model._rows} == set(ids)
    for assessment_id in ids:
        assert receiver.services.store.answers(assessment_id) == (
            sender.services.store.answers(assessment_id)
        )

    # The same file again: nothing to do, and the dialog says so.
    again = import_into(qtbot, receiver, bundle)
    assert not again.import_button.isEnabled()
    assert "already here" in again.status.text()
    receiver.close()


def test_export_a_whole_round_from_the_filter(qtbot, sender, tmp_path):
    home = sender.home
    home.table.clearSelection()
    home.round_filter.setCurrentIndex(1)
    round_id = home.round_filter.currentData()
    expected = sum(1 for s in home.model._rows if s.assessment.round_id == round_id)
    target = tmp_path / "round"
    sender.dialogs.answers.append(target)
    sender.export_assessments()
    message = wait_for(qtbot, sender.dialogs, "inform")
    assert f"{expected} assessments" in message
    assert (tmp_path / "round.zip").exists()  # .zip added


def test_nothing_selected_and_no_round_explains_how_to_export(sender):
    sender.home.table.clearSelection()
    sender.home.round_filter.setCurrentIndex(0)
    sender.export_assessments()
    assert "Select the assessments to export" in sender.dialogs.messages("inform")[-1]


def test_a_conflict_is_shown_and_the_user_chooses(qtbot, sender, tmp_path):
    bundle = tmp_path / "two.zip"
    ids = export_two(qtbot, sender, bundle)
    receiver = open_window(qtbot, tmp_path / "receiver.sqlite")
    import_into(qtbot, receiver, bundle)
    # The receiver's copy changes: a draft reopened and re-rated elsewhere.
    store = receiver.services.store
    a = store.assessment(ids[0])
    if a.status.value == "submitted":
        receiver.services.reopen(a.id)
    item = next(iter(store.answers(a.id)))
    receiver.services.answer(a.id, item, None)
    mine = store.answers(a.id)

    def keep(dialog: ImportDialog) -> None:
        assert dialog.conflicts.count() == 1
        assert dialog.keep.isChecked()

    import_into(qtbot, receiver, bundle, keep)
    assert receiver.services.store.answers(a.id) == mine

    def take(dialog: ImportDialog) -> None:
        dialog.take.setChecked(True)

    import_into(qtbot, receiver, bundle, take)
    assert receiver.services.store.answers(a.id) == sender.services.store.answers(a.id)
    assert [b for b in list_backups(store.path) if b.reason.value == "before-import"]
    receiver.close()


def test_a_file_that_is_not_a_bundle_is_refused_and_changes_nothing(qtbot, sender, tmp_path):
    bad = tmp_path / "minutes.zip"
    bad.write_text("Minutes of the partnership board.")
    db = sender.services.store.path
    sender.services.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    sender.dialogs.answers.append(bad)
    sender.import_assessments()
    message = wait_for(qtbot, sender.dialogs, "warn")
    assert "minutes.zip" in message
    assert "Traceback" not in message
    sender.services.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
