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
