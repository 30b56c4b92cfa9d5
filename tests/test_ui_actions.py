"""The action plan in the window (issue 11): reached from home and View > Action plan
(Ctrl+Shift+A), filters, overdue and carried actions marked, create/edit/complete/drop
in the dialog with the history shown, export and print; Add action… from an
assessment's results and from a gap in the comparison. Real widgets, offscreen, on a
copy of the demo."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QMenu

from ics_assess.domain import ActionStatus, AssessmentStatus
from ics_assess.ui.actions import ActionDialog
from ics_assess.ui.main_window import MainWindow

from .conftest import start_on_version
from .ui_support import FakeDialogs

SHOTS = os.environ.get("ICS_ASSESS_SHOTS")  # a folder: the screenshots are saved there


@pytest.fixture
def window(qtbot, isolated_data_dir, demo_db):
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    dialogs = FakeDialogs()
    win = MainWindow(dialogs=dialogs)
    qtbot.addWidget(win)
    win.resize(1024, 700)
    assert win.open_initial_database(path)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: not win.home.jobs.is_busy(), timeout=10_000)
    yield win, dialogs
    win.close()


def _review(win):
    (p,) = win.services.partnerships()
    return win.services.rounds_latest_first(p.id)


def test_the_plan_opens_from_home_and_the_view_menu(qtbot, window):
    win, _ = window
    qtbot.mouseClick(win.home.action_plan_button, Qt.MouseButton.LeftButton)
    page = win.action_plan
    assert win.stack.currentWidget() is page
    review, _ = _review(win)
    assert page.round_id() == review.id  # the latest round of the partnership
    win.show_home()
    menu_action = next(
        a
        for menu in win.menuBar().findChildren(QMenu)
        for a in menu.actions()
        if a.shortcut() == QKeySequence("Ctrl+Shift+A")
    )
    assert menu_action.text() == "Action &plan…"
    menu_action.trigger()
    assert win.stack.currentWidget() is page
    assert "&" in win.home.action_plan_button.text()


def test_overdue_and_carried_actions_stand_out(qtbot, window):
    win, _ = window
    win.show_action_plan()
    page = win.action_plan
    _, baseline = _review(win)
    texts = [
        [page.table.item(r, c).text() for c in range(page.table.columnCount())]
        for r in range(page.table.rowCount())
    ]
    overdue = [t for t in texts if "overdue" in t[3]]
    carried = [t for t in texts if t[5] == f"from {baseline.name}"]
    assert len(carried) == 6
    if overdue:  # overdue is relative to today: the demo's is due 31 October 2026
        row = texts.index(overdue[0])
        assert page.table.item(row, 3).foreground().color().name() == "#b3261e"
    assert "carried from" in page.summary.text()
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        win.grab().save(str(Path(SHOTS) / "action-plan.png"))


def test_filters_narrow_the_table(qtbot, window):
    win, _ = window
    win.show_action_plan()
    page = win.action_plan
    everything = page.table.rowCount()
    page.status_filter.setCurrentIndex(page.status_filter.findData("done"))
    assert 0 < page.table.rowCount() < everything
    assert all(r.action.status is ActionStatus.DONE for r in page.rows)
    page.status_filter.setCurrentIndex(0)
    page.owner_filter.setCurrentIndex(page.owner_filter.findData("ICB Director of Strategy"))
    assert page.rows and all(r.action.owner == "ICB Director of Strategy" for r in page.rows)
    page.owner_filter.setCurrentIndex(0)
    page.section_filter.setCurrentIndex(1)
    key = page.section_filter.currentData()
    assert page.rows and all(f"{r.action.questionnaire_id}/{r.action.section_id}" == key
                             for r in page.rows)  # fmt: skip
    page.section_filter.setCurrentIndex(0)
    assert page.table.rowCount() == everything


def test_create_edit_complete_and_drop_with_history(qtbot, window):
    win, dialogs = window
    win.show_action_plan()
    page = win.action_plan
    before = page.table.rowCount()

    def fill(dialog: ActionDialog) -> bool:
        dialog.description.setPlainText("Hold a joint budget-setting workshop.")
        dialog.owner.setText("Director of Finance")
        dialog.due.setText("2027-02-28")
        dialog.questionnaire.setCurrentIndex(dialog.questionnaire.findData("governance"))
        dialog.section.setCurrentIndex(1)
        dialog.statement.setCurrentIndex(1)
        return True

    dialogs.on_run = fill
    action_id = page.new_action()
    assert action_id and page.table.rowCount() == before + 1
    action = win.services.action(action_id)
    assert action.item_id and action.questionnaire_id == "governance"
    assert page.selected_id() == action_id

    def edit(dialog: ActionDialog) -> bool:
        assert not dialog.statement.isEnabled()  # what it answers is fixed
        dialog.owner.setText("Chief Finance Officer")
        dialog.status.setCurrentIndex(dialog.status.findData("in_progress"))
        return True

    dialogs.on_run = edit
    assert page.edit_selected()
    assert win.services.action(action_id).owner == "Chief Finance Officer"
    history = [page.history.item(i).text() for i in range(page.history.count())]
    assert any("Owner: Director of Finance → Chief Finance Officer" in h for h in history)
    assert any("Status: open → in progress" in h for h in history)
    qtbot.mouseClick(page.done_button, Qt.MouseButton.LeftButton)
    assert win.services.action(action_id).status is ActionStatus.DONE
    assert not page.done_button.isEnabled() and not page.drop_button.isEnabled()

    # A bad due date is refused in words, nothing added.
    dialogs.on_run = lambda d: (d.description.setPlainText("x"), d.due.setText("soon"))[0] or True
    assert page.new_action() is None
    assert "not a date" in dialogs.messages("warn")[-1]

    page.table.selectRow(0)
    dropped = page.selected_id()
    if win.services.action(dropped).is_open:
        page.drop_selected()
        assert win.services.action(dropped).status is ActionStatus.DROPPED


def test_export_and_print(qtbot, window, tmp_path):
    win, dialogs = window
    win.show_action_plan()
    page = win.action_plan
    dialogs.answers.append(tmp_path / "plan.csv")
    written = page.export_plan()
    rows = list(csv.DictReader(written.open(encoding="utf-8-sig")))
    assert len(rows) == page.table.rowCount()
    dialogs.answers.append(tmp_path / "plan.pdf")
    printed = page.print_plan()
    assert printed.read_bytes().startswith(b"%PDF")


def test_add_action_from_results_and_from_a_gap_in_the_comparison(qtbot, window):
    win, dialogs = window
    seen: list[ActionDialog] = []

    def accept(dialog: ActionDialog) -> bool:
        seen.append(dialog)
        dialog.description.setPlainText("Look into this.")
        return True

    dialogs.on_run = accept
    done = next(
        a
        for a in win.services.list_assessments()
        if a.assessment.status is AssessmentStatus.SUBMITTED
    )
    win.show_results(done.assessment.id)
    win.results.table.selectRow(1)
    qtbot.mouseClick(win.results.add_action_button, Qt.MouseButton.LeftButton)
    made = [
        a
        for a in win.services.store.actions(round_id=done.assessment.round_id)
        if a.description == "Look into this."
    ]
    assert len(made) == 1
    assert made[0].organisation_id == done.assessment.organisation_id
    assert made[0].questionnaire_id == done.assessment.questionnaire_id and made[0].section_id

    win.compare_partnership()
    overview = win.overview
    qtbot.waitUntil(lambda: not overview.jobs.is_busy(), timeout=30_000)
    overview.select_tab(2)
    QApplication.processEvents()
    assert overview.divergence_model.rows
    overview.divergence_table.setCurrentIndex(overview.divergence_table.model().index(0, 0))
    preset = overview.action_preset()
    overview.request_action()
    assert seen[-1].context.text().startswith("On the gap:")
    assert seen[-1].questionnaire.currentData() == preset["questionnaire_id"]
    assert len(win.services.store.actions(round_id=preset["round_id"])) > 0


def _late_answer_on_1_0(win, round_id: str) -> None:
    """One organisation answers equal partnership 1.0 in the review, which the others
    answered on 1.1: the round holds answers on both versions."""
    org = win.services.organisations(win.services.round(round_id).partnership_id)[0]
    start_on_version(
        win.services,
        "equal-partnership",
        "1.0",
        round_id=round_id,
        organisation_id=org.id,
        kind="organisation",
    )


def _statements(dialog: ActionDialog) -> dict[str, str]:
    return {
        dialog.statement.itemData(i): dialog.statement.itemText(i)
        for i in range(1, dialog.statement.count())
    }


def test_a_round_answered_on_1_0_and_1_1_offers_the_statements_of_both(qtbot, window):
    """New action… in a round holding answers on 1.0 and 1.1: the section offers 1.1's
    statements in 1.1's words, then the one 1.0 alone asks, marked, with what replaced
    it said beside it; the action is added on it. The baseline (1.0 only) offers 1.0's
    statements unmarked, the one 1.1 replaced among them."""
    win, dialogs = window
    win.show_action_plan()
    page = win.action_plan
    review, baseline = _review(win)
    _late_answer_on_1_0(win, review.id)
    old = "Immediate operational pressures regularly push longer-term priorities"
    seen = []

    def choose(dialog: ActionDialog) -> bool:
        dialog.show()
        dialog.questionnaire.setCurrentIndex(dialog.questionnaire.findData("equal-partnership"))
        dialog.section.setCurrentIndex(dialog.section.findData("agenda"))
        statements = _statements(dialog)
        ids = list(statements)
        assert ids[-2:] == ["eq-agenda-2", "eq-agenda-4"]  # only in 1.0: after 1.1's own
        assert all(not t.startswith("Only in") for t in list(statements.values())[:-2])
        assert statements["eq-agenda-4"].startswith(f"Only in version 1.0: {old}")
        assert not dialog.statement_note.isVisible()
        dialog.statement.setCurrentIndex(dialog.statement.findData("eq-agenda-4"))
        note = dialog.statement_note.text()
        assert dialog.statement_note.isVisible()
        assert note.startswith("Only in version 1.0. Version 1.1 replaced it with 1.4 “Long-term")
        assert dialog.statement.accessibleDescription() == note
        tip = dialog.statement.itemData(
            dialog.statement.currentIndex(), Qt.ItemDataRole.ToolTipRole
        )
        assert old in tip and "replaced it with" in tip
        QApplication.processEvents()  # the note shown, laid out
        seen.append(dialog.grab())
        dialog.description.setPlainText("Protect prevention time on the agenda.")
        return True

    dialogs.on_run = choose
    action_id = page.new_action()
    assert seen and action_id
    action = win.services.action(action_id)
    assert (action.round_id, action.section_id, action.item_id) == (
        review.id,
        "agenda",
        "eq-agenda-4",
    )
    if SHOTS:
        seen[0].save(str(Path(SHOTS) / "action-dialog-both-versions.png"))

    dialog = ActionDialog(
        win.services, baseline.id, questionnaire_id="equal-partnership", section_id="agenda"
    )
    qtbot.addWidget(dialog)
    statements = _statements(dialog)
    assert statements["eq-agenda-4"].startswith(old)  # what the baseline answered, unmarked
    assert not any(t.startswith("Only in") for t in statements.values())
    assert "eq-agenda-6" not in statements  # 1.1's, which nobody answered at the baseline


def test_editing_a_carried_action_shows_the_statement_1_1_replaced(qtbot, window):
    """The demo carried a baseline action on gov-decisions-3 into the review, answered on
    1.1, which replaced it: the edit dialog shows that statement (it showed "The whole
    section"), marked, with what replaced it."""
    win, dialogs = window
    win.show_action_plan()
    page = win.action_plan
    carried = next(r for r in page.rows if r.action.item_id == "gov-decisions-3")
    page.table.selectRow(page.rows.index(carried))
    shown = []

    def look(dialog: ActionDialog) -> bool:
        shown.append(
            (
                dialog.section.currentData(),
                dialog.statement.currentData(),
                dialog.statement.currentText(),
                dialog.statement_note.text(),
                dialog.statement.isEnabled(),
            )
        )
        return False

    dialogs.on_run = look
    assert page.edit_selected() is False
    ((section, item, text, note, enabled),) = shown
    assert (section, item, enabled) == ("decisions", "gov-decisions-3", False)
    assert text.startswith("Only in version 1.0: Each place partnership has a written statement")
    assert "Version 1.1 replaced it with 2.2 “Each place partnership takes" in note
