"""File > Import responses from a spreadsheet… (ics_assess/ui/responses_view.py): every
question goes through the Dialogs object, the mapping dialog shows the suggestion and
what does not fit, and the import adds the rows that fit, once."""

from __future__ import annotations

import csv
import shutil

import pytest

from ics_assess.domain import AssessmentKind
from ics_assess.ui.responses_view import ResponsesDialog, import_responses_dialog

from .test_ui_exchange import open_window, wait_for


@pytest.fixture
def window(qtbot, isolated_data_dir, demo_db):
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = open_window(qtbot, path)
    yield win
    win.close()


def form_file(tmp_path, window):
    services = window.services
    q = services.latest_questionnaire("governance").questionnaire
    (partnership,) = services.partnerships()
    rnd = services.rounds_latest_first(partnership.id)[0]  # offered first: the newest
    org = services.store.organisations(rnd.partnership_id)[0]
    path = tmp_path / "form.csv"
    items = q.items[:3]
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f)
        w.writerow(["Organisation", "Name", *(i.statement for i in items)])
        w.writerow([org.name.upper(), "Ann", "Mostly true", "Maybe", "2"])
        w.writerow(["Nowhere", "Bob", "1", "1", "1"])
        w.writerow([org.name, "", "Fully true", "", "Don't know"])
    return path, rnd, org, items


def questionnaire_index(window, qid="governance"):
    return sorted({q for q, _ in window.services.catalogue.entries}).index(qid)


def test_import_through_the_mapping_dialog(qtbot, window, tmp_path):
    path, rnd, _, items = form_file(tmp_path, window)
    before = len(window.services.list_assessments(round_id=rnd.id))
    dialogs = window.dialogs
    dialogs.answers.extend([path, questionnaire_index(window), 0])
    seen = {}

    def in_dialog(dialog: ResponsesDialog) -> bool:
        seen["report"] = dialog.report
        assert dialog.import_button.isEnabled()
        assert dialog.import_button.text() == "&Import 2 responses"
        assert dialog.column_boxes["Organisation"].currentData() == "@organisation"
        box = dialog.column_boxes[items[0].statement]
        assert box.currentData() == items[0].id
        # Statements show as on screen and in the report, by number, never by id.
        assert box.currentText() == f"1.1 {items[0].statement}"
        assert not any(items[0].id in box.itemText(i) for i in range(box.count()))
        # Every choice is named for a screen reader after its column or answer.
        boxes = [*dialog.column_boxes.values(), *dialog.word_boxes.values()]
        assert all(b.accessibleName() for b in boxes)
        assert box.accessibleName() == f"Column “{items[0].statement[:60]}” holds"
        assert "stay unanswered: 1.4, 1.5," in dialog.summary.text()
        # 'Maybe' has no rating until the user gives it one.
        assert dialog.report.unknown_words == {"Maybe": 1}
        box = dialog.word_boxes["maybe"]
        box.setCurrentIndex(box.findData(3))
        seen["after"] = dialog.report
        return True

    dialogs.on_run = in_dialog
    import_responses_dialog(window)
    text = wait_for(qtbot, dialogs, "inform")
    assert text.startswith(f"Imported 2 responses from form.csv as individual views in {rnd.name}.")
    assert seen["report"].unknown_organisations == {"Nowhere": 1}
    assert seen["after"].unknown_words == {}
    summaries = window.services.list_assessments(round_id=rnd.id)
    assert len(summaries) == before + 2
    new = [s.assessment for s in summaries if s.assessment.respondent_name == "Ann"]
    assert len(new) == 1 and new[0].kind is AssessmentKind.INDIVIDUAL
    answers = window.services.store.answers(new[0].id)
    assert answers[items[1].id].rating == 3
    assert [k for k, *_ in dialogs.asked[:3]] == ["open_path", "item", "item"]


def test_a_refused_file_changes_nothing(qtbot, window, tmp_path):
    bad = tmp_path / "form.xlsx"
    bad.write_bytes(b"not a workbook")
    before = len(window.services.list_assessments())
    window.dialogs.answers.extend([bad, questionnaire_index(window), 0])
    import_responses_dialog(window)
    text = wait_for(qtbot, window.dialogs, "warn")
    assert "form.xlsx was not read, nothing was changed" in text
    assert len(window.services.list_assessments()) == before
    assert not [k for k, *_ in window.dialogs.asked if k == "run"]


def test_cancelling_the_dialog_imports_nothing(qtbot, window, tmp_path):
    path, *_ = form_file(tmp_path, window)
    before = len(window.services.list_assessments())
    window.dialogs.answers.extend([path, questionnaire_index(window), 0])
    window.dialogs.on_run = lambda dialog: False
    import_responses_dialog(window)
    qtbot.waitUntil(lambda: any(k == "run" for k, *_ in window.dialogs.asked), timeout=10_000)
    qtbot.waitUntil(lambda: not window.jobs.is_busy(), timeout=10_000)
    assert len(window.services.list_assessments()) == before
    assert window.dialogs.messages("inform") == []


def test_cancelling_the_file_choice_asks_nothing_more(window):
    import_responses_dialog(window)
    assert [k for k, *_ in window.dialogs.asked] == ["open_path"]
