"""The report in the window: built in the background, previewed in Qt's PDF viewer, saved
where the user chooses (atomically), with the folder remembered."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt

from ics_assess.services import Services
from ics_assess.store import StoreError
from ics_assess.ui.main_window import MainWindow
from ics_assess.ui.report_view import suggested_name


@pytest.fixture
def window(qtbot, fake_dialogs, isolated_data_dir, demo_db):
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(win)
    win.resize(1024, 700)
    assert win.open_initial_database(path)
    win.show()
    qtbot.waitUntil(lambda: win.home.model.rowCount() == 83, timeout=10_000)
    yield win
    win.close()


def submitted_organisation_response(win: MainWindow) -> str:
    return next(
        s.assessment.id
        for s in win.home.model._rows
        if s.assessment.status.value == "submitted" and s.assessment.kind.value == "organisation"
    )


def open_report(qtbot, win: MainWindow, assessment_id: str, button: str = "report_button"):
    win.show_results(assessment_id)
    with qtbot.waitSignal(win.report.ready, timeout=30_000):
        qtbot.mouseClick(getattr(win.results, button), Qt.MouseButton.LeftButton)
    assert win.stack.currentWidget() is win.report


def test_the_report_is_built_in_the_background_and_previewed(qtbot, window):
    assessment_id = submitted_organisation_response(window)
    window.show_results(assessment_id)
    qtbot.mouseClick(window.results.report_button, Qt.MouseButton.LeftButton)
    # The window is not blocked: the page shows that work is under way.
    assert window.stack.currentWidget() is window.report
    assert window.report.stack.currentWidget() is window.report.busy_panel
    assert not window.report.save_button.isEnabled()
    qtbot.waitUntil(lambda: window.report.save_button.isEnabled(), timeout=30_000)
    pages = window.report.document.pageCount()
    assert pages >= 3
    assert window.report.page_label.text() == f"Page 1 of {pages}"
    qtbot.mouseClick(window.report.back_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.results


def test_save_copies_the_pdf_and_remembers_the_folder(qtbot, window, fake_dialogs, tmp_path):
    open_report(qtbot, window, submitted_organisation_response(window))
    folder = tmp_path / "board papers"
    folder.mkdir()
    fake_dialogs.answers.append(folder / "for the board")  # no .pdf: it is added
    saved = window.report.save()
    assert saved == folder / "for the board.pdf"
    assert saved.read_bytes().startswith(b"%PDF")
    assert not (folder / "for the board.pdf.partial").exists()
    window.report.save()  # cancelled: the dialog was offered the remembered folder
    suggested = fake_dialogs.asked[-1][2]
    assert suggested.startswith(str(folder))
    assert suggested.endswith(".pdf")


def test_a_failed_save_leaves_no_half_file_and_says_what_to_do(
    qtbot, window, fake_dialogs, tmp_path
):
    open_report(qtbot, window, submitted_organisation_response(window))
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    fake_dialogs.answers.append(blocker / "report.pdf")
    assert window.report.save() is None
    assert "is a file, not a folder" in fake_dialogs.messages("warn")[-1]
    assert not (blocker / "report.pdf.partial").exists()


def test_a_report_that_cannot_be_built_says_why_and_can_be_retried(qtbot, window, monkeypatch):
    assessment_id = submitted_organisation_response(window)
    original = Services.report_assessment

    def broken(self, *args, **kwargs):
        raise StoreError("The disk is full.")

    monkeypatch.setattr(Services, "report_assessment", broken)
    window.show_results(assessment_id)
    with qtbot.waitSignal(window.report.failed, timeout=30_000):
        qtbot.mouseClick(window.results.report_button, Qt.MouseButton.LeftButton)
    assert window.report.stack.currentWidget() is window.report.problem_panel
    assert "The disk is full." in window.report.problem_text.text()
    assert not window.report.save_button.isEnabled()

    monkeypatch.setattr(Services, "report_assessment", original)
    with qtbot.waitSignal(window.report.ready, timeout=30_000):
        qtbot.mouseClick(window.report.retry_button, Qt.MouseButton.LeftButton)
    assert window.report.document.pageCount() > 0


def test_the_organisation_report_has_every_questionnaire(qtbot, window):
    assessment_id = submitted_organisation_response(window)
    open_report(qtbot, window, assessment_id)
    single = window.report.document.pageCount()
    window.show_results(assessment_id)
    with qtbot.waitSignal(window.report.ready, timeout=30_000):
        qtbot.mouseClick(window.results.organisation_report_button, Qt.MouseButton.LeftButton)
    assert window.report.document.pageCount() > single


def test_file_names_are_safe_on_every_system():
    assert suggested_name("A/B: C?", "Governance", "") == "A B C - Governance.pdf"
    assert suggested_name("  ", "") == "ICS Assess report.pdf"
    assert len(suggested_name("x" * 400)) <= 124
