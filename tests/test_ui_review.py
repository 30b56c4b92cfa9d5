"""The review in the window (issue 11): reached from home and View > Review
(Ctrl+Shift+R); the demo's six-month review against its baseline: what changed, the
actions agreed and what became of them, the profile then and now, the concerns with their
questions; adding a concern (a refusal keeps the dialog open) and removing one; the
review pack built and shown on the report page, Back returning to the review; the first
round and the empty database said in words. Real widgets, offscreen, on a copy of the
demo."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMenu, QPushButton

from ics_assess.ui.main_window import KEYBOARD_HELP
from ics_assess.ui.review_view import ConcernDialog

from .conftest import start_on_version
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


def _texts(view, column: int = 0) -> list[str]:
    return [
        view.item(n, column).text() if view.item(n, column) else "" for n in range(view.rowCount())
    ]


def _shot(win, name: str) -> None:
    if SHOTS:
        win.grab().save(str(Path(SHOTS) / name))


def test_the_review_opens_from_home_and_the_view_menu(qtbot, window):
    win, _ = window
    assert win.home.review_button.text() == "Rev&iew…"
    qtbot.mouseClick(win.home.review_button, LEFT)
    page = win.review
    assert win.stack.currentWidget() is page
    rounds = win.services.rounds_latest_first(win.services.partnerships()[0].id)
    assert page.round_combo.currentData() == rounds[0].id  # the latest round
    assert page.since_combo.currentData() == rounds[1].id  # against the one before
    assert page.title.text().startswith("Review: Northshire")
    win.show_home()
    (menu_action,) = [
        a
        for menu in win.menuBar().findChildren(QMenu)
        for a in menu.actions()
        if a.shortcut() == QKeySequence("Ctrl+Shift+R")
    ]
    menu_action.trigger()
    assert win.stack.currentWidget() is page
    qtbot.mouseClick(page.back_button, LEFT)
    assert win.stack.currentWidget() is win.home
    assert "Ctrl+Shift+R" in KEYBOARD_HELP and "<h3>The review</h3>" in KEYBOARD_HELP
    keys = [
        b.text()[b.text().index("&") + 1].lower()
        for b in win.home.findChildren(QPushButton)
        if "&" in b.text()
    ]
    assert len(keys) == len(set(keys))
    assert not {"f", "e", "v", "h"} & set(keys)  # the menus' Alt keys


def test_the_demo_review_shows_every_part(qtbot, window):
    win, _ = window
    win.show_review()
    page = win.review
    summary = page.summary.text()
    assert "Actions agreed in Baseline, May 2026: 7 actions: 3 done" in summary
    assert "Concerns raised: 4;" in summary
    # What changed: a group row per questionnaire, then overall and its sections.
    changes = _texts(page.changes)
    assert any(t.startswith("Governance and accountability: ") for t in changes)
    assert "Overall" in changes
    overall = changes.index("Overall")
    system = page.changes.item(overall, 1).text()
    assert "→" in system and "(" in system
    # The actions: each agreed action's fate, coloured.
    fates = _texts(page.actions, 2)
    assert "Overdue: due 2026-10-31, in progress" in fates
    assert any(f.startswith("Dropped") for f in fates)
    overdue = fates.index("Overdue: due 2026-10-31, in progress")
    assert page.actions.item(overdue, 2).foreground().color().name() == "#b3261e"
    # The profile: then and now with the change.
    facts = _texts(page.profile)
    n = facts.index("Councillors among the ICB's voting members")
    assert [page.profile.item(n, c).text() for c in (1, 2, 3)] == ["9", "11", "+2"]
    assert page.profile.horizontalHeaderItem(1).text() == "Then"  # fits; named below
    assert "Baseline" in page.profile.horizontalHeaderItem(1).toolTip()
    assert facts[0] == "Then: Baseline, May 2026 · Now: Six-month review, November 2026"
    # The concerns and the questions on the one selected.
    assert page.concerns.rowCount() == 4
    page.tabs.setCurrentIndex(3)
    westmoor = _texts(page.concerns, 1).index("Westmoor City Council")  # raised by
    page.concerns.selectRow(westmoor)
    text = page.questions.toPlainText()
    assert "Has it moved since Baseline, May 2026?" in text
    assert "Reply in writing to every scrutiny recommendation" in text
    _shot(win, "review-concerns.png")
    for index, name in ((0, "review-changes.png"), (1, "review-actions.png")):
        page.tabs.setCurrentIndex(index)
        _shot(win, name)
    page.tabs.setCurrentIndex(2)
    _shot(win, "review-profile.png")


def _concern_filler(questionnaire: str, scope_text: str, raised_by: str, note: str, seen):
    def run(dialog: ConcernDialog) -> bool:
        dialog.show()
        dialog.questionnaire.setCurrentIndex(dialog.questionnaire.findData(questionnaire))
        index = next(
            i for i in range(dialog.scope.count()) if scope_text in dialog.scope.itemText(i)
        )
        dialog.scope.setCurrentIndex(index)
        dialog.raised_by.setCurrentIndex(dialog.raised_by.findText(raised_by))
        dialog.note.setPlainText(note)
        dialog.ok_button.click()
        seen.append((dialog.isVisible(), dialog.problem.text()))
        return dialog.added is not None

    return run


def test_adding_and_removing_a_concern(qtbot, window):
    win, dialogs = window
    win.show_review()
    page = win.review
    seen: list = []
    dialogs.on_run = _concern_filler(
        "equal-partnership",
        "Section 3:",
        "Eastdale District Council",
        "<b>Prevention</b> spending is a rounding error",
        seen,
    )
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # the concerns tab
    qtbot.keyClick(page, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # Add concern…
    qtbot.waitUntil(lambda: bool(seen))  # a mnemonic clicks the button after a moment
    assert seen == [(False, "")]
    assert page.concerns.rowCount() == 5
    row = page.concerns.currentRow()
    assert page.concerns.item(row, 1).text() == "Eastdale District Council"
    assert "<b>Prevention</b> spending" in page.questions.toPlainText()  # shown literally
    baseline = win.services.rounds_latest_first(win.services.partnerships()[0].id)[1]
    assert page.concerns.item(row, 2).text() == baseline.name  # raised in the earlier round
    # The same again is refused in the dialog, which stays open and changes nothing.
    seen.clear()
    dialogs.on_run = _concern_filler(
        "equal-partnership", "Section 3:", "Eastdale District Council", "", seen
    )
    assert page.add_concern() is None
    assert seen[0][0] is True and "has already raised" in seen[0][1]
    assert page.concerns.rowCount() == 5
    # Remove asks first; No keeps it.
    dialogs.answers.append(False)
    assert page.remove_selected() is False and page.concerns.rowCount() == 5
    assert page.remove_selected() is True
    assert page.concerns.rowCount() == 4
    assert len(win.services.concern_rows(win.services.partnerships()[0].id)) == 4


def test_the_review_pack_is_built_and_back_returns(qtbot, window, tmp_path):
    win, _dialogs = window
    win.show_review()
    page = win.review
    qtbot.mouseClick(page.pack_button, LEFT)
    report = win.report
    assert win.stack.currentWidget() is report
    qtbot.waitUntil(lambda: report.save_button.isEnabled(), timeout=60_000)
    assert report.document.pageCount() >= 10
    assert report.title.text().startswith("Review pack: Six-month review")
    _shot(win, "review-pack-preview.png")
    qtbot.mouseClick(report.back_button, LEFT)
    assert win.stack.currentWidget() is page


def test_the_first_round_and_an_empty_database_are_said_in_words(qtbot, window, tmp_path):
    win, _dialogs = window
    win.show_review()
    page = win.review
    page.round_combo.setCurrentIndex(1)  # the baseline: nothing before it
    assert page.review is None
    assert "first round" in page.empty.text()
    assert not page.pack_button.isEnabled()
    win.close()
    empty = _open(qtbot, tmp_path / "empty.sqlite", FakeDialogs())
    empty.show_review()
    assert "no partnership yet" in empty.review.empty.text().lower()
    assert not empty.review.pack_button.isEnabled()
    assert not empty.review.add_button.isEnabled()
    empty.close()


def test_the_review_works_by_keyboard(qtbot, window):
    win, _dialogs = window
    win.show_review()
    page = win.review
    # Alt keys reach the choices and the tabs.
    qtbot.keyClick(page, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert page.tabs.currentIndex() == 1
    qtbot.keyClick(page, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert page.tabs.currentIndex() == 3
    qtbot.keyClick(page, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    assert page.since_combo.hasFocus()
    # Every control has an accessible name.
    for widget in (
        page.round_combo,
        page.since_combo,
        page.kind_combo,
        page.changes,
        page.actions,
        page.profile,
        page.concerns,
        page.questions,
        page.add_button,
        page.remove_button,
        page.pack_button,
        page.back_button,
        page.tabs,
    ):
        assert widget.accessibleName(), widget


def test_a_gap_in_the_overview_is_marked_as_a_concern(qtbot, window):
    from ics_assess.ui.overview_models import ITEM_ROLE

    win, dialogs = window
    (partnership,) = win.services.partnerships()
    win.show_overview(partnership.id)
    overview = win.overview
    qtbot.waitUntil(lambda: overview.comparison is not None, timeout=20_000)
    overview.select_tab(2)
    model = overview.divergence_table.model()
    rows = {model.index(r, 0).data(ITEM_ROLE).scope: r for r in range(model.rowCount())}
    # On the questionnaire as a whole, the dialog asks which section or statement.
    overview.divergence_table.setCurrentIndex(model.index(rows["questionnaire"], 0))
    asked = []

    def cancel(dialog: ConcernDialog) -> bool:
        asked.append((dialog.questionnaire.currentData(), dialog.focusWidget() is dialog.scope))
        return False

    dialogs.on_run = cancel
    qtbot.mouseClick(overview.concern_button, LEFT)
    assert asked == [(overview.comparison.questionnaire.id, True)]
    overview.divergence_table.setCurrentIndex(model.index(rows["statement"], 0))
    gap = model.index(rows["statement"], 0).data(ITEM_ROLE)
    seen = []

    def run(dialog: ConcernDialog) -> bool:
        seen.append((dialog.questionnaire.currentData(), dialog.scope.currentData()))
        dialog.raised_by.setCurrentIndex(dialog.raised_by.findText("Westmoor City Council"))
        dialog.ok_button.click()
        return dialog.added is not None

    dialogs.on_run = run
    qtbot.mouseClick(overview.concern_button, LEFT)
    assert seen == [(overview.comparison.questionnaire.id, ("statement", gap.key))]
    assert "Concern marked" in win.save_state.text()
    rows = win.services.concern_rows(partnership.id)
    assert rows[-1].concern.item_id == gap.key
    assert rows[-1].concern.round_id == overview.comparison.round.id


def test_a_concern_can_name_a_statement_of_each_version_answered_in_its_round(qtbot, window):
    """The statements offered are those of the round raised in: the baseline's are 1.0's,
    unmarked; in a review that holds answers on 1.0 and 1.1 the one 1.0 alone asks stays
    chosen when the round changes, is marked, and says what replaced it; the concern is
    added on it in that round."""
    win, dialogs = window
    (partnership,) = win.services.partnerships()
    review, baseline = win.services.rounds_latest_first(partnership.id)
    org = win.services.organisations(partnership.id)[0]
    start_on_version(
        win.services,
        "equal-partnership",
        "1.0",
        round_id=review.id,
        organisation_id=org.id,
        kind="organisation",
    )
    old = "1.4 Immediate operational pressures regularly push longer-term priorities"
    seen = []

    def run(dialog: ConcernDialog) -> bool:
        dialog.show()
        dialog.questionnaire.setCurrentIndex(dialog.questionnaire.findData("equal-partnership"))
        assert dialog.round.currentData() == baseline.id  # the review page's earlier round
        scopes = [dialog.scope.itemData(i) for i in range(dialog.scope.count())]
        index = scopes.index(("statement", "eq-agenda-4"))
        assert dialog.scope.itemText(index) == f"    {old} off partnership agendas."
        dialog.scope.setCurrentIndex(index)
        assert not dialog.scope_note.isVisible()  # 1.0 is all the baseline answered
        dialog.round.setCurrentIndex(dialog.round.findData(review.id))
        assert dialog.scope.currentData() == ("statement", "eq-agenda-4")  # still chosen
        assert dialog.scope.currentText().startswith(f"    Only in version 1.0: {old}")
        note = dialog.scope_note.text()
        assert dialog.scope_note.isVisible() and dialog.scope.accessibleDescription() == note
        assert note.startswith("Only in version 1.0. Version 1.1 replaced it with 1.4 “Long-term")
        texts = [dialog.scope.itemText(i) for i in range(dialog.scope.count())]
        agenda = texts[: texts.index("Section 2: Money and pooled budgets")]
        assert [t.startswith("    Only in version 1.0:") for t in agenda[1:]] == [False] * 6 + [
            True
        ] * 2  # 1.1's six, then the two 1.0 alone asks
        QApplication.processEvents()  # the note shown, laid out
        seen.append(dialog.grab())
        dialog.ok_button.click()
        return dialog.added is not None

    dialogs.on_run = run
    win.show_review()
    added = win.review.add_concern()
    assert seen and added
    row = next(r for r in win.services.concern_rows(partnership.id) if r.concern.id == added)
    assert (row.concern.round_id, row.concern.item_id) == (review.id, "eq-agenda-4")
    if SHOTS:
        seen[0].save(str(Path(SHOTS) / "concern-dialog-both-versions.png"))
