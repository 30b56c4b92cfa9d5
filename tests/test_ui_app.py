"""The desktop app as a user meets it: first run, home, a new assessment, the database
menu, a second copy on the same database, and an unexpected error. Real widgets,
offscreen, with the dialogs answered by a stand-in."""

from __future__ import annotations

import logging
import shutil
import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QMenu,
    QTextBrowser,
    QWidget,
)

from ics_assess import paths
from ics_assess.demo import DEMO_PARTNERSHIP_NAME
from ics_assess.domain import AssessmentStatus, PartnerType
from ics_assess.ui.app import CrashHandler, display_problem, log_path, setup_logging
from ics_assess.ui.main_window import MainWindow
from ics_assess.ui.models import SUMMARY_ROLE
from ics_assess.ui.new_assessment import NewAssessmentDialog


def wait_loaded(qtbot, win: MainWindow, rows: int | None = None) -> None:
    """Wait for the assessment list's background load."""
    qtbot.waitUntil(lambda: not win.home.jobs.is_busy(), timeout=10_000)
    if rows is not None:
        qtbot.waitUntil(lambda: win.home.model.rowCount() == rows, timeout=10_000)


def fill_new_assessment(dialog: NewAssessmentDialog, name: str = "Cllr Ann Example") -> bool:
    """What a user does in the New assessment dialog on an empty database."""
    dialog.name.setText(name)
    dialog.role.setText("Leader of the Council")
    return True


def test_first_run_shows_what_the_app_is_for_and_two_ways_in(window):
    assert window.stack.currentWidget() is window.welcome
    assert window.services.store.path == paths.default_db_path()
    assert paths.default_db_path().is_file()
    assert window.welcome.start_button.isVisible()
    assert window.welcome.demo_button.isVisible()
    assert "ics-assess.sqlite" in window.windowTitle()


def test_loading_the_demo_runs_in_the_background_and_shows_home(qtbot, window):
    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    assert not window.welcome.demo_button.isEnabled()  # busy, but the window is alive
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.home, timeout=20_000)
    wait_loaded(qtbot, window, 83)
    assert window.home.count_label.text() == "83 assessments"
    tree = window.home.tree
    assert tree.topLevelItem(0).text(0) == DEMO_PARTNERSHIP_NAME


def test_create_everything_from_an_empty_database_and_start_answering(qtbot, window, fake_dialogs):
    # Partnership, round and organisation are created inline from the dialog.
    fake_dialogs.answers.extend(
        [
            "Westmoor Place Partnership",  # partnership name
            "Westmoor ICS",  # its ICS
            "Baseline, November 2026",  # round
            "Westmoor City Council",  # organisation
            list(PartnerType).index(PartnerType.UPPER_TIER_COUNCIL),  # its partner type
        ]
    )

    def fill(dialog: NewAssessmentDialog) -> bool:
        assert not dialog.start_button.isEnabled()
        dialog._new_partnership()
        dialog._new_round()
        dialog._new_organisation()
        assert dialog.start_button.isEnabled()
        dialog.questionnaire.setCurrentIndex(dialog.questionnaire.findData("governance"))
        assert "which body decides what" in dialog.purpose.text()
        fill_new_assessment(dialog)
        dialog.start_button.click()
        return dialog.created_id is not None

    fake_dialogs.on_run = fill
    qtbot.mouseClick(window.welcome.start_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.walkthrough
    (summary,) = window.services.list_assessments()
    assert summary.organisation_name == "Westmoor City Council"
    assert summary.partner_type is PartnerType.UPPER_TIER_COUNCIL
    assert summary.round_name == "Baseline, November 2026"
    assert summary.assessment.respondent_name == "Cllr Ann Example"
    assert summary.assessment.respondent_role == "Leader of the Council"
    assert window.walkthrough.assessment_id() == summary.assessment.id


def test_an_anonymous_individual_view(qtbot, window, fake_dialogs):
    store = window.services.store
    p = store.add_partnership("P")
    store.add_round(p.id, "R")
    store.add_organisation(p.id, "Healthwatch Westmoor", "healthwatch")

    def fill(dialog: NewAssessmentDialog) -> bool:
        dialog.individual_kind.setChecked(True)
        dialog.name.setText("Will not be kept")
        dialog.anonymous.setChecked(True)
        assert not dialog.name.isEnabled()
        dialog.start_button.click()
        return True

    fake_dialogs.on_run = fill
    window.start_assessment()
    (summary,) = window.services.list_assessments()
    assert summary.assessment.respondent_name is None
    assert summary.assessment.kind.value == "individual"


def test_cancelling_the_new_assessment_dialog_creates_nothing(window, fake_dialogs):
    store = window.services.store
    p = store.add_partnership("P")
    store.add_round(p.id, "R")
    store.add_organisation(p.id, "O", "icb")
    fake_dialogs.on_run = lambda dialog: False
    window.start_assessment()
    assert window.services.list_assessments() == []


@pytest.fixture
def demo_window(qtbot, fake_dialogs, isolated_data_dir, demo_db):
    """A main window on a copy of the demo database."""
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(win)
    win.resize(1024, 700)
    assert win.open_initial_database(path)
    win.show()
    wait_loaded(qtbot, win, 83)
    yield win
    win.close()


def test_filters_and_search_narrow_the_list(qtbot, demo_window):
    home = demo_window.home
    home.status_filter.setCurrentIndex(home.status_filter.findData("draft"))
    assert home.proxy.rowCount() == 2
    assert home.count_label.text() == "2 of 83 assessments"
    home.status_filter.setCurrentIndex(0)
    home.questionnaire_filter.setCurrentIndex(home.questionnaire_filter.findData("governance"))
    assert home.proxy.rowCount() == 23  # 11 at the baseline, 12 at the review
    qtbot.keyClicks(home.search, "Healthwatch")
    assert home.proxy.rowCount() == 2
    home.clear_filters()
    assert home.proxy.rowCount() == 83


def test_sorting_by_a_column(demo_window):
    home = demo_window.home
    home.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    names = [home.proxy.index(r, 0).data() for r in range(home.proxy.rowCount())]
    assert names == sorted(names, key=str.lower)


def test_open_a_draft_goes_to_the_walkthrough_and_a_submitted_one_to_results(qtbot, demo_window):
    home = demo_window.home
    draft = next(s for s in home.model._rows if s.assessment.status is AssessmentStatus.DRAFT)
    home.select_assessment(draft.assessment.id)
    qtbot.keyClick(home.table, Qt.Key.Key_Return)
    assert demo_window.stack.currentWidget() is demo_window.walkthrough
    demo_window.show_home()
    wait_loaded(qtbot, demo_window)
    done = next(s for s in home.model._rows if s.assessment.status is AssessmentStatus.SUBMITTED)
    home.select_assessment(done.assessment.id)
    home.open_selected()
    assert demo_window.stack.currentWidget() is demo_window.results
    assert demo_window.results.assessment_id() == done.assessment.id


def test_delete_asks_first_and_can_be_undone(qtbot, demo_window, fake_dialogs):
    home = demo_window.home
    target = home.model.summary(0).assessment.id
    home.select_assessment(target)
    fake_dialogs.answers.append(False)  # "Cancel"
    home.delete_selected()
    assert demo_window.services.store.assessment(target)
    assert "You can undo this" in fake_dialogs.messages("confirm")[-1]

    home.select_assessment(target)
    home.delete_selected()  # confirmed
    wait_loaded(qtbot, demo_window, 82)
    assert demo_window.undo_action.isEnabled()
    assert home.model.row_of(target) is None

    demo_window.undo_action.trigger()
    wait_loaded(qtbot, demo_window, 83)
    assert home.model.row_of(target) is not None
    assert not demo_window.undo_action.isEnabled()


def test_copy_to_another_round_starts_a_draft_with_the_old_answers(
    qtbot, demo_window, fake_dialogs
):
    home = demo_window.home
    store = demo_window.services.store
    source = next(
        s
        for s in home.model._rows
        if s.round_name.startswith("Baseline") and s.assessment.kind.value == "organisation"
    )
    home.select_assessment(source.assessment.id)
    fake_dialogs.answers.append(0)  # the other existing round
    home.duplicate_selected()
    assert demo_window.stack.currentWidget() is demo_window.walkthrough
    copy = store.assessment(demo_window.walkthrough.assessment_id())
    assert copy.id != source.assessment.id
    assert copy.status is AssessmentStatus.DRAFT
    assert store.round(copy.round_id).name.startswith("Six-month")
    old = {k: v.rating for k, v in store.answers(source.assessment.id).items()}
    new = {k: v.rating for k, v in store.answers(copy.id).items()}
    # The copy is on the newest version (1.1; the baseline answered 1.0): the answers to
    # the statements 1.1 keeps come with it, those to statements it replaced stay behind.
    kept = {i.id for i in demo_window.services.detail(copy.id).questionnaire.items}
    assert copy.questionnaire_version == "1.1" and source.assessment.questionnaire_version == "1.0"
    assert new == {k: v for k, v in old.items() if k in kept}
    assert set(old) - kept  # some were left behind


def test_rename_and_partner_type_from_the_tree(qtbot, demo_window, fake_dialogs):
    home = demo_window.home
    tree = home.tree

    def organisation_items():
        organisations = tree.topLevelItem(0).child(1)
        return [organisations.child(i) for i in range(organisations.childCount())]

    tree.setCurrentItem(organisation_items()[0])
    assert home.type_button.isEnabled()
    fake_dialogs.answers.append("Renamed Organisation")
    home.rename_selected()
    # The tree is rebuilt after a change, keeping the same record selected.
    assert tree.currentItem().text(0).startswith("Renamed Organisation")
    fake_dialogs.answers.append(list(PartnerType).index(PartnerType.OTHER))
    home.change_partner_type()
    assert any(i.text(0) == "Renamed Organisation — Other partner" for i in organisation_items())
    org = next(
        o for o in demo_window.services.store.organisations() if o.name == "Renamed Organisation"
    )
    assert org.partner_type is PartnerType.OTHER


def test_every_control_on_home_has_an_accessible_name(demo_window):
    missing = [
        type(w).__name__ + ":" + (w.text() if isinstance(w, QAbstractButton) else "")
        for w in demo_window.home.findChildren(QWidget)
        if isinstance(w, (QAbstractButton, QComboBox, QLineEdit))
        and w.isVisible()
        and not w.accessibleName()
        and not isinstance(w.parent(), QComboBox)
    ]
    assert missing == []


def test_home_fits_at_1024_by_700(demo_window):
    home = demo_window.home
    for button in (home.new_button, home.open_button, home.duplicate_button, home.delete_button):
        assert button.width() >= button.minimumSizeHint().width()
    assert home.table.viewport().height() > 200


# --- the database: open, new, copy, lock ---------------------------------------------------


def test_a_second_window_on_the_same_database_is_told_who_has_it(qtbot, window, fake_dialogs):
    from .ui_support import FakeDialogs

    other_dialogs = FakeDialogs()
    second = MainWindow(dialogs=other_dialogs)
    qtbot.addWidget(second)
    assert not second.open_database(window.services.store.path)
    (message,) = other_dialogs.messages("warn")
    assert "already open in ICS Assess" in message
    assert "process" in message
    window.close()  # releases the lock
    assert second.open_database(paths.default_db_path())
    second.close()


def test_a_file_that_is_not_a_database_is_refused_and_the_open_one_kept(
    window, fake_dialogs, tmp_path
):
    notes = tmp_path / "notes.sqlite"
    notes.write_text("not a database")
    fake_dialogs.answers.append(notes)
    window.choose_database()
    assert "not a SQLite file" in fake_dialogs.messages("warn")[-1]
    assert window.services.store.path == paths.default_db_path()
    assert notes.read_text() == "not a database"


def test_new_database_and_save_a_copy(qtbot, window, fake_dialogs, tmp_path):
    window.services.store.add_partnership("Kept in the copy")
    copy = tmp_path / "copies" / "copy.sqlite"
    copy.parent.mkdir()
    fake_dialogs.answers.append(copy)
    window.save_copy()
    with sqlite3.connect(copy) as conn:
        assert conn.execute("SELECT name FROM partnerships").fetchall() == [("Kept in the copy",)]
    assert not copy.with_name("copy.sqlite.partial").exists()

    fresh = tmp_path / "fresh.sqlite"
    fake_dialogs.answers.append(fresh)
    window.new_database()
    assert window.services.store.path == fresh
    assert window.stack.currentWidget() is window.welcome


def test_save_a_copy_onto_the_open_database_is_refused(window, fake_dialogs):
    fake_dialogs.answers.append(window.services.store.path)
    window.save_copy()
    assert "That is the database that is open" in fake_dialogs.messages("warn")[-1]


def test_a_failed_copy_leaves_no_half_file(window, fake_dialogs, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where a folder should be")
    target = blocker / "copy.sqlite"
    fake_dialogs.answers.append(target)
    window.save_copy()
    assert "could not be saved" in fake_dialogs.asked[-1][1]
    assert not target.exists()
    assert not target.with_name("copy.sqlite.partial").exists()


def test_window_size_and_last_database_are_remembered(qtbot, fake_dialogs, tmp_path):
    other = tmp_path / "mine.sqlite"
    first = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(first)
    first.open_initial_database(other)
    # The offscreen screen is 800x600, and restored geometry is kept on screen.
    first.resize(800, 590)
    first.show()
    first.close()
    second = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(second)
    second.open_initial_database()
    assert second.services.store.path == other
    assert (second.width(), second.height()) == (800, 590)
    second.close()


def test_help_guide_and_about(window, fake_dialogs):
    window.show_guide()
    assert window.guide.isVisible()
    browsers = {
        b.accessibleName(): b.toPlainText() for b in window.guide.findChildren(QTextBrowser)
    }
    assert "Rule 5: Enough answers" in browsers["Guide to the method"]
    assert "rate the current statement and move to the next" in browsers["Keyboard shortcuts"]
    window.show_about()
    about = fake_dialogs.messages("inform")[-1]
    assert str(paths.data_dir()) in about
    assert str(window.services.store.path) in about


# --- start-up and crashes ------------------------------------------------------------------


def test_missing_screen_and_missing_libraries_are_explained_in_words(monkeypatch):
    import ctypes.util
    import sys

    monkeypatch.setattr(sys, "platform", "linux")
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}) is None
    no_screen = display_problem({})
    assert "no screen was found" in no_screen
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    missing = display_problem({"DISPLAY": ":0"})
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in missing
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: f"lib{name}.so")
    assert display_problem({"DISPLAY": ":0"}) is None


def test_an_unexpected_error_is_logged_and_shown_once(window, fake_dialogs):
    setup_logging()
    handler = CrashHandler()
    handler.window = window
    try:
        raise RuntimeError("boom in a slot")
    except RuntimeError as exc:
        handler(type(exc), exc, exc.__traceback__)
    (message,) = fake_dialogs.messages("error")
    assert "Every answer you had given is saved" in message
    for h in logging.getLogger().handlers:
        h.flush()
    assert "boom in a slot" in log_path().read_text()


def test_answers_are_never_written_to_the_log(qtbot, demo_window):
    setup_logging()
    secret = "A confidential remark about the chief executive"
    draft = next(
        s for s in demo_window.home.model._rows if s.assessment.status is AssessmentStatus.DRAFT
    )
    demo_window.open_walkthrough(draft.assessment.id)
    item = demo_window.walkthrough.current_item_id()
    demo_window.services.set_comment(draft.assessment.id, item, secret)
    demo_window.walkthrough.flush()
    for h in logging.getLogger().handlers:
        h.flush()
    logged = log_path().read_text() if log_path().exists() else ""
    assert secret not in logged


def test_a_second_copy_at_start_up_offers_another_database_or_quit(
    qtbot, window, fake_dialogs, tmp_path
):
    from .ui_support import FakeDialogs

    dialogs = FakeDialogs()
    dialogs.answers.extend([None])  # "Cancel": quit
    second = MainWindow(dialogs=dialogs)
    qtbot.addWidget(second)
    assert not second.open_initial_database()
    kinds = [kind for kind, _, _ in dialogs.asked]
    assert kinds == ["warn", "choose"]
    assert "already open in ICS Assess" in dialogs.messages("warn")[0]

    dialogs = FakeDialogs()
    elsewhere = tmp_path / "elsewhere.sqlite"
    dialogs.answers.extend([1, elsewhere])  # "Start a new database…", then its path
    third = MainWindow(dialogs=dialogs)
    qtbot.addWidget(third)
    assert third.open_initial_database()
    assert third.services.store.path == elsewhere
    third.close()


def test_every_menu_command_that_needs_a_shortcut_has_one(window):
    # Standard keys are empty on some desktops (plain X11 has no Quit key).
    shortcuts = {
        a.text().replace("&", ""): a.shortcut().toString()
        for menu in window.menuBar().findChildren(QMenu)
        for a in menu.actions()
        if not a.isSeparator()
    }
    assert shortcuts["Quit"] == "Ctrl+Q"
    assert shortcuts["Open database…"] == "Ctrl+O"
    assert shortcuts["Guide to the method"] == "F1"
    assert shortcuts["Undo delete"] == "Ctrl+Z"


def test_the_app_reopens_at_the_draft_and_statement_it_was_closed_on(
    qtbot, demo_window, fake_dialogs
):
    home = demo_window.home
    draft = next(s for s in home.model._rows if s.assessment.status is AssessmentStatus.DRAFT)
    demo_window.open_walkthrough(draft.assessment.id)
    page = demo_window.walkthrough
    items = [i.id for i in demo_window.services.questionnaire_of(draft.assessment).items]
    page.show_item(items[3])
    path = demo_window.services.store.path
    demo_window.close()

    again = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(again)
    assert again.open_initial_database()
    assert again.services.store.path == path
    assert again.stack.currentWidget() is again.walkthrough
    assert again.walkthrough.assessment_id() == draft.assessment.id
    assert again.walkthrough.current_item_id() == items[3]
    again.close()


def test_sorting_by_progress_is_numeric_and_keeps_the_selection(demo_window):
    home = demo_window.home
    draft = next(s for s in home.model._rows if s.assessment.status is AssessmentStatus.DRAFT)
    home.select_assessment(draft.assessment.id)
    home.table.sortByColumn(6, Qt.SortOrder.AscendingOrder)
    shown = [home.proxy.index(r, 0).data(SUMMARY_ROLE) for r in range(home.proxy.rowCount())]
    fractions = [s.answered / s.total_items for s in shown]
    assert fractions == sorted(fractions)
    assert home.selected().assessment.id == draft.assessment.id
    home.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)
    assert home.selected().assessment.id == draft.assessment.id


def test_a_daily_backup_is_made_when_a_database_opens_and_only_once_a_day(
    qtbot, window, fake_dialogs
):
    from ics_assess.store.backups import list_backups

    path = window.services.store.path
    qtbot.waitUntil(lambda: not window.jobs.is_busy(), timeout=10_000)
    daily = [b for b in list_backups(path) if b.reason.value == "daily"]
    assert len(daily) == 1
    window.open_database(path)  # reopened the same day: nothing new
    qtbot.waitUntil(lambda: not window.jobs.is_busy(), timeout=10_000)
    assert len([b for b in list_backups(path) if b.reason.value == "daily"]) == 1
    menu_items = [
        a.text().replace("&", "")
        for menu in window.menuBar().findChildren(QMenu)
        for a in menu.actions()
    ]
    assert "Backups…" in menu_items
