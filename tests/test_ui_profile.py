"""The partnership profile in the window (issue 11): reached from home and View >
Partnership profile (Ctrl+Shift+F); a round's facts in their groups with value, source,
as-of date and trend; computed figures marked and not editable; editing through the
value dialog (a refusal keeps it open with the service's sentence and changes nothing);
clearing; the empty database. Real widgets, offscreen, on a copy of the demo."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QPushButton

from ics_assess.ui.main_window import KEYBOARD_HELP
from ics_assess.ui.profile_view import ProfileValueDialog

from .ui_support import FakeDialogs, open_window

SHOTS = os.environ.get("ICS_ASSESS_SHOTS")  # a folder: the screenshots are saved there
LEFT = Qt.MouseButton.LeftButton


_open = open_window


@pytest.fixture
def window(qtbot, isolated_data_dir, demo_db):
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    dialogs = FakeDialogs()
    win = _open(qtbot, path, dialogs)
    yield win, dialogs
    win.close()


def _rounds(win):
    (p,) = win.services.partnerships()
    return win.services.rounds_latest_first(p.id)  # review, baseline


def _row(page, fact_id: str) -> int:
    for n in range(page.table.rowCount()):
        item = page.table.item(n, 0)
        if item is not None and item.data(Qt.ItemDataRole.UserRole) == fact_id:
            return n
    raise AssertionError(fact_id)


def _texts(page, fact_id: str) -> list[str]:
    n = _row(page, fact_id)
    return [page.table.item(n, c).text() for c in range(page.table.columnCount())]


def _select(page, fact_id: str) -> None:
    page.table.selectRow(_row(page, fact_id))


def _stored(win, round_id: str, fact_id: str) -> float | None:
    entry = next(e for e in win.services.round_profile(round_id).entries if e.fact.id == fact_id)
    return entry.value


def _fill(value: str, source: str | None = None, as_of: str | None = None, seen=None):
    """An on_run that types into the value dialog and presses Save (returns whether the
    dialog closed accepted); ``seen`` collects the dialogs."""

    def run(dialog: ProfileValueDialog) -> bool:
        dialog.show()
        dialog.value.setText(value)
        if source is not None:
            dialog.source.setText(source)
        if as_of is not None:
            dialog.as_of.setText(as_of)
        dialog.ok_button.click()
        if seen is not None:
            seen.append((dialog, dialog.isVisible(), dialog.problem.text()))
        return dialog.saved is not None

    return run


def test_the_profile_opens_from_home_and_the_view_menu(qtbot, window):
    win, _ = window
    assert "&" in win.home.profile_button.text()
    qtbot.mouseClick(win.home.profile_button, LEFT)
    page = win.profile
    assert win.stack.currentWidget() is page
    review, baseline = _rounds(win)
    assert page.round_id() == review.id  # the latest round first
    assert [page.round_combo.itemData(i) for i in range(page.round_combo.count())] == [
        review.id,
        baseline.id,
    ]
    win.show_home()
    (menu_action,) = [
        a
        for menu in win.menuBar().findChildren(QMenu)
        for a in menu.actions()
        if a.shortcut() == QKeySequence("Ctrl+Shift+F")
    ]
    assert menu_action.text() == "Partnership pro&file…"
    menu_action.trigger()
    assert win.stack.currentWidget() is page
    qtbot.mouseClick(page.back_button, LEFT)
    assert win.stack.currentWidget() is win.home
    assert "Ctrl+Shift+F" in KEYBOARD_HELP
    # Home's Alt keys stay one per button.
    keys = [
        b.text()[b.text().index("&") + 1].lower()
        for b in win.home.findChildren(QPushButton)
        if "&" in b.text()
    ]
    assert len(keys) == len(set(keys)) and "f" not in keys  # Alt+F is the File menu


def test_the_demos_values_computed_share_and_trend(qtbot, window):
    win, _ = window
    win.show_profile()
    page = win.profile
    _fact, value, source, as_of, trend = _texts(page, "icb_councillors")
    assert (value, source, as_of, trend) == (
        "11",
        "ICB board papers: membership",
        "31 Oct 2026",
        "9 → 11",
    )
    assert "Baseline" in page.table.item(_row(page, "icb_councillors"), 4).toolTip()
    share = _texts(page, "icb_councillor_share")
    assert share[1:4] == ["12.1%", "computed", ""] and share[4] == "9.9% → 12.1%"
    assert _texts(page, "pooled_beyond_bcf")[1] == "£5,100,000"
    assert _texts(page, "prevention_share")[1] == "3.9%"
    # Groups head their facts.
    groups = [
        page.table.item(n, 0).text()
        for n in range(page.table.rowCount())
        if page.table.item(n, 0).data(Qt.ItemDataRole.UserRole) is None
    ]
    assert groups[:2] == ["Integrated Care Board", "Integrated care partnership"]
    # A computed figure cannot be edited or cleared.
    _select(page, "icb_councillor_share")
    assert not page.edit_button.isEnabled() and not page.clear_button.isEnabled()
    assert page.edit_selected() is False
    # The baseline: its own values, the trend stops there.
    _review, baseline = _rounds(win)
    page.round_combo.setCurrentIndex(page.round_combo.findData(baseline.id))
    assert _texts(page, "icb_councillors")[1] == "9" and _texts(page, "icb_councillors")[4] == ""
    assert _texts(page, "icb_councillor_share")[1] == "9.9%"
    assert not page.warnings.isVisible()
    if SHOTS:
        page.round_combo.setCurrentIndex(0)
        _select(page, "icb_councillors")
        win.grab().save(str(Path(SHOTS) / "profile.png"))


def test_editing_a_value_updates_the_derived_figure_and_the_database(qtbot, window):
    win, dialogs = window
    win.show_profile()
    page = win.profile
    review, _ = _rounds(win)
    _select(page, "icb_councillors")
    seen: list = []
    dialogs.on_run = _fill("13", "Board papers, November", "2026-11-30", seen)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)  # Enter edits
    assert [a for a in dialogs.asked if a[0] == "run"][-1][1] == "ProfileValueDialog"
    assert seen and seen[0][1] is False  # closed: saved
    assert _texts(page, "icb_councillors")[1:] == [
        "13",
        "Board papers, November",
        "30 Nov 2026",
        "9 → 13",
    ]
    assert _texts(page, "icb_councillor_share")[1] == "14.3%"
    assert _stored(win, review.id, "icb_councillors") == 13
    assert page.selected_id() == "icb_councillors"  # the selection stays
    # The Edit… button does the same; the dialog starts from the value shown.
    _select(page, "prevention_share")

    def check_start(dialog):
        assert (dialog.value.text(), dialog.as_of.text()) == ("3.9", "2026-10-31")
        return _fill("4.2%")(dialog)

    dialogs.on_run = check_start
    qtbot.mouseClick(page.edit_button, LEFT)
    assert _texts(page, "prevention_share")[1] == "4.2%"
    assert _stored(win, review.id, "prevention_share") == 4.2


@pytest.mark.parametrize(
    ("fact_id", "typed", "words"),
    [
        ("icb_councillors", "95", "cannot be more than"),
        ("icb_voting_members", "5", "cannot be fewer than"),
        ("prevention_share", "120", "from 0 to 100"),
        ("icb_councillors", "-1", "not negative"),
        ("pooled_beyond_bcf", "lots", "is not a number"),
    ],
)
def test_a_refusal_keeps_the_dialog_open_and_changes_nothing(qtbot, window, fact_id, typed, words):
    win, dialogs = window
    win.show_profile()
    page = win.profile
    review, _ = _rounds(win)
    before = _stored(win, review.id, fact_id)
    shown = _texts(page, fact_id)
    _select(page, fact_id)
    seen: list = []
    dialogs.on_run = _fill(typed, "My source", None, seen)
    assert page.edit_selected() is False
    ((dialog, open_, problem),) = seen
    assert open_ and words in problem, problem  # still open, the service's sentence
    assert dialog.problem.isVisibleTo(dialog)
    assert (dialog.value.text(), dialog.source.text()) == (typed, "My source")  # as typed
    assert dialog.saved is None
    assert _stored(win, review.id, fact_id) == before
    assert _texts(page, fact_id) == shown
    assert dialogs.messages("warn") == []


def test_a_refusal_can_be_corrected_in_the_same_dialog(qtbot, window):
    win, dialogs = window
    win.show_profile()
    page = win.profile
    _select(page, "icb_councillors")

    def run(dialog):
        dialog.show()
        dialog.value.setText("200")
        dialog.ok_button.click()
        assert dialog.isVisible() and "cannot be more than" in dialog.problem.text()
        dialog.value.setText("12")
        dialog.ok_button.click()
        assert not dialog.isVisible()
        return True

    dialogs.on_run = run
    assert page.edit_selected() is True
    assert _texts(page, "icb_councillors")[1] == "12"


def test_clearing_a_value_asks_and_empties_the_derived_figure(qtbot, window):
    win, dialogs = window
    win.show_profile()
    page = win.profile
    review, _ = _rounds(win)
    _select(page, "icb_councillors")
    dialogs.answers.append(False)  # Cancel: nothing happens
    assert page.clear_selected() is False
    assert _stored(win, review.id, "icb_councillors") == 11
    qtbot.mouseClick(page.clear_button, LEFT)  # confirmed
    assert dialogs.asked[-1][0] == "confirm" and "Clear" in dialogs.asked[-1][1]
    assert _stored(win, review.id, "icb_councillors") is None
    assert _texts(page, "icb_councillors")[1] == "–"
    assert _texts(page, "icb_councillor_share")[1] == "–"
    assert not page.clear_button.isEnabled()  # nothing left to clear
    assert page.edit_button.isEnabled()


def test_an_empty_database_and_a_partnership_without_rounds(qtbot, isolated_data_dir):
    dialogs = FakeDialogs()
    win = _open(qtbot, isolated_data_dir / "empty.sqlite", dialogs)
    win.show_profile()
    page = win.profile
    assert win.stack.currentWidget() is page
    assert page.empty.isVisible() and "no partnership yet" in page.empty.text()
    assert not page.table.isVisible()
    assert not page.edit_button.isEnabled() and not page.clear_button.isEnabled()
    partnership = win.services.add_partnership("Northshire")
    win.show_profile()
    assert page.empty.isVisible() and "Northshire has no rounds yet" in page.empty.text()
    assert page.partnership_id == partnership.id
    win.close()


def test_several_partnerships_ask_which_one(qtbot, window):
    win, dialogs = window
    other = win.services.add_partnership("Southshire")
    win.home.refresh()
    dialogs.answers.append(1)  # the second, in the services' order
    win.show_profile()
    names = [p.name for p in win.services.partnerships()]
    assert dialogs.asked[-1][0] == "item"
    assert win.profile.partnership_id == win.services.partnerships()[1].id
    assert names[1] in win.profile.title.text()
    dialogs.answers.append(None)  # cancelled: stays where it was
    win.show_home()
    win.show_profile()
    assert win.stack.currentWidget() is win.home
    assert other.id


def test_tab_from_the_round_reaches_every_button_without_a_trap(qtbot, window):
    win, _ = window
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    win.show_profile()
    page = win.profile
    _select(page, "icb_councillors")
    assert page.table.tabKeyNavigation() is False
    page.round_combo.setFocus()
    reached = set()
    for _ in range(20):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.add(QApplication.focusWidget())
    assert {page.table, page.edit_button, page.clear_button, page.back_button} <= reached
    assert page.round_combo in reached  # and back round: no trap


def test_the_alt_keys_do_what_they_say(qtbot, window):
    """Alt+R on home opens the page; on it Alt+R the round, Alt+D edit (Alt+E is the
    Edit menu), Alt+C clear, Alt+B back. A button's Alt key clicks it after a moment."""
    win, dialogs = window
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    alt = Qt.KeyboardModifier.AltModifier
    win.home.table.setFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_R, alt)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.profile)
    page = win.profile
    _select(page, "icb_councillors")
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_R, alt)
    assert QApplication.focusWidget() is page.round_combo
    runs = []
    dialogs.on_run = lambda dialog: runs.append(dialog) or False
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_D, alt)
    qtbot.waitUntil(lambda: len(runs) == 1)
    dialogs.answers.append(False)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_C, alt)
    qtbot.waitUntil(lambda: dialogs.asked[-1][0] == "confirm")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_B, alt)
    qtbot.waitUntil(lambda: win.stack.currentWidget() is win.home)
    for b in (page.back_button, page.edit_button, page.clear_button):
        assert "&" in b.text(), b.text()
