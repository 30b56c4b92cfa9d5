"""Imports hold the write lock briefly (issue 8): every row is checked, mapped and built
with no lock held, then written in one short transaction of bulk inserts that re-checks
what the plan rests on; all or nothing, and the change log as before."""

from __future__ import annotations

import csv
import sqlite3

import pytest

from ics_assess.exchange import importer
from ics_assess.exchange.spreadsheets import read_responses
from ics_assess.services import Services
from ics_assess.services import spreadsheets as services_module

from .conftest import FORMS_DIR


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture
def sheet(services, tmp_path):
    q = services.latest_questionnaire("governance").questionnaire
    header = ["Organisation", "Name", "Role"] + [i.statement for i in q.items[:3]]
    rows = [
        header,
        ["Test ICB", "Ann", "Chair", "Fully true", "Partly true", "Don't know"],
        ["Test County Council", "Bob", "Leader", "Not true", "", "Mostly true"],
        ["Test Voluntary Action", "x" * 201, "Trustee", "Fully true", "Fully true", "n/a"],
        ["Test ICB", "Cy", "r" * 250, "Fully true", "Fully true", "Fully true"],
    ]
    return read_responses(write_csv(tmp_path / "form.csv", rows))


def free_to_write(db_path) -> bool:
    """Whether another program could take the write lock at this moment."""
    conn = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        conn.close()


def test_rows_breaking_the_text_rules_are_reported_not_stored(services, partnership_setup, sheet):
    _, rnd, _ = partnership_setup
    m = services.suggest_response_mapping(sheet, "governance")
    report = services.check_responses(sheet, m, rnd.id)
    assert [r.row for r in report.responses] == [2, 3]
    assert report.text_problems == (
        "Row 4 is left out: its respondent name (column 'Name') is 201 characters long, "
        "and at most 200 are allowed.",
        "Row 5 is left out: its respondent role (column 'Role') is 250 characters long, "
        "and at most 200 are allowed.",
    )
    assert not report.fits
    assert report.text_problems[0] in report.lines()
    result = services.import_responses(sheet, m, rnd.id)
    assert len(result.created) == 2
    names = {a.respondent_name for a in services.store.assessments()}
    assert names == {"Ann", "Bob"}


def test_the_change_log_records_what_rating_one_at_a_time_did(services, partnership_setup, sheet):
    _, rnd, _ = partnership_setup
    m = services.suggest_response_mapping(sheet, "governance")
    created = services.import_responses(sheet, m, rnd.id).created
    q = services.latest_questionnaire("governance").questionnaire
    first, second = created
    log = [
        (r["field"], r["item_id"], r["old_value"], r["new_value"])
        for r in services.store.change_log(first)
    ]
    items = [i.id for i in q.items[:3]]
    assert log == [
        ("created", None, None, "draft"),
        ("rating", items[0], None, "5"),
        ("rating", items[1], None, "3"),
        ("rating", items[2], None, "dont_know"),
        ("status", None, "draft", "submitted"),
    ]
    assert len(services.store.change_log(second)) == 4  # created, two ratings, submitted
    a = services.store.assessment(first)
    assert a.status.value == "submitted" and a.kind.value == "individual"
    assert a.submitted_at and a.position == items[2]
    answers = services.store.answers(first)
    assert answers[items[0]].rating == 5 and answers[items[2]].unrated.value == "dont_know"


def test_mapping_and_building_hold_no_lock_and_a_backup_comes_first(
    services, partnership_setup, sheet, db_path, monkeypatch
):
    _, rnd, _ = partnership_setup
    m = services.suggest_response_mapping(sheet, "governance")
    seen = []
    real_rows = services_module.response_rows
    real_backup = services._backup_before_import

    def rows(*args, **kwargs):
        seen.append(("build", free_to_write(db_path)))
        return real_rows(*args, **kwargs)

    def backup():
        seen.append(("backup", free_to_write(db_path)))
        return real_backup()

    real_insert = services.store.insert_many

    def insert_many(table, rows_):
        seen.append((table, free_to_write(db_path)))
        return real_insert(table, rows_)

    monkeypatch.setattr(services_module, "response_rows", rows)
    monkeypatch.setattr(services, "_backup_before_import", backup)
    monkeypatch.setattr(services.store, "insert_many", insert_many)
    result = services.import_responses(sheet, m, rnd.id)
    assert result.backup is not None and result.backup.exists()
    assert seen == [
        ("build", True),
        ("backup", True),
        ("assessments", False),
        ("answers", False),
        ("change_log", False),
    ]


def test_responses_imported_meanwhile_by_another_program_are_not_doubled(
    services, partnership_setup, sheet, db_path, monkeypatch
):
    _, rnd, _ = partnership_setup
    m = services.suggest_response_mapping(sheet, "governance")
    real_backup = services._backup_before_import

    def backup_while_another_imports():
        with Services.open(db_path, [FORMS_DIR]) as other:
            assert len(other.import_responses(sheet, m, rnd.id).created) == 2
        return real_backup()

    monkeypatch.setattr(services, "_backup_before_import", backup_while_another_imports)
    result = services.import_responses(sheet, m, rnd.id)
    assert result.created == () and result.already_there == 2
    assert len(services.store.assessments()) == 2


def test_a_bundle_plan_is_read_again_only_when_something_was_written(
    services, partnership_setup, draft, db_path, tmp_path, monkeypatch
):
    services.answer(draft.id, services.detail(draft.id).questionnaire.items[0].id, 4)
    bundle_path = tmp_path / "b.zip"
    services.export_assessments([draft.id], bundle_path)
    plans = []
    real_plan = importer.plan_import

    def counted(*args, **kwargs):
        plans.append(1)
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(importer, "plan_import", counted)
    for n, write_meanwhile in enumerate((False, True)):
        target = tmp_path / f"t{n}.sqlite"
        with Services.open(target, [FORMS_DIR]) as into:
            plan = into.plan_import(bundle_path)
            plans.clear()
            if write_meanwhile:
                other = sqlite3.connect(target)  # another program writes
                with other:
                    other.execute("INSERT INTO partnerships VALUES ('x', 'Other', '', 'now')")
                other.close()
            into.apply_import(plan)
            assert len(plans) == (1 if write_meanwhile else 0)
            assert len(into.store.assessments()) == 1
            assert len(into.store.partnerships()) == 1 + write_meanwhile
