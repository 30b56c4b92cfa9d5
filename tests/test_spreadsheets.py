"""Answers exported to spreadsheets (docs/spreadsheets.md): CSV and XLSX read back hold one
row per statement of each assessment with the database's values, formula-looking text is
neutralised, any script survives, and a failed write leaves no file."""

from __future__ import annotations

import csv
import io
import os
import sqlite3

import openpyxl
import pytest

from ics_assess.exchange import ExchangeError
from ics_assess.exchange.spreadsheets import HEADERS, neutralise
from ics_assess.services import ServiceError, Services

from .conftest import FORMS_DIR
from .older_files import database_before
from .test_cli import assert_one_line_error, run
from .test_evidence import _build as answered_before_evidence


def read_csv(path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(path) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb["Answers"].iter_rows(values_only=True))
    wb.close()
    assert rows[0] == HEADERS
    return [dict(zip(HEADERS, row, strict=True)) for row in rows[1:]]


@pytest.fixture
def answered(services, partnership_setup):
    """An organisation response and an individual view, partly answered, with hostile and
    non-Latin text."""
    _, rnd, orgs = partnership_setup
    org = services.start_assessment(
        round_id=rnd.id,
        organisation_id=orgs["council"].id,
        questionnaire_id="governance",
        kind="organisation",
        respondent_name="=cmd|' /C calc'!A0",
        respondent_role="Leader",
    )
    items = services.questionnaire_of(org).items
    services.answer(org.id, items[0].id, 4)
    services.set_target(org.id, items[0].id, 5)
    services.set_comment(org.id, items[0].id, '=HYPERLINK("http://evil.example","x")')
    services.set_evidence(org.id, items[0].id, "Cabinet minutes, 14 October 2026\nhttps://x.test/m")
    services.answer(org.id, items[1].id, "dont_know")
    services.set_comment(org.id, items[1].id, "Croeso i Gymru — خوش آمدید — 欢迎\nline two")
    services.set_evidence(org.id, items[1].id, '=HYPERLINK("http://evil.example","minutes")')
    services.answer(org.id, items[2].id, "not_applicable")
    services.set_comment(org.id, items[2].id, "@SUM(1+1)")
    services.set_evidence(org.id, items[2].id, "+44 20 7946 0000, the clerk")
    services.set_comment(org.id, items[3].id, "-2+3")
    services.set_evidence(org.id, items[3].id, "@minutes")
    ind = services.start_assessment(
        round_id=rnd.id,
        organisation_id=orgs["vcse"].id,
        questionnaire_id="governance",
        kind="individual",
        respondent_name="Private Person",
    )
    services.answer(ind.id, items[0].id, 2)
    return org, ind


def expected(services, assessment_id):
    detail = services.detail(assessment_id)
    out = []
    for section in detail.questionnaire.sections:
        for item in section.items:
            a = detail.answers.get(item.id)
            out.append((item.id, a.rating if a else None, a.target if a else None))
    return out


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_one_row_per_statement_with_the_database_values(services, answered, tmp_path, suffix):
    org, ind = answered
    path = tmp_path / f"answers{suffix}"
    result = services.export_answers([org.id, ind.id, org.id], path)
    rows = read_csv(path) if suffix == ".csv" else read_xlsx(path)
    n = len(services.questionnaire_of(org).items)
    assert result.assessments == 2
    assert result.rows == len(rows) == 2 * n
    assert result.size == path.stat().st_size
    assert [r["assessment id"] for r in rows] == [org.id] * n + [ind.id] * n

    def num(v):
        return None if v in ("", None) else int(v)

    got = [(r["item id"], num(r["rating"]), num(r["target"])) for r in rows[:n]]
    assert got == expected(services, org.id)
    first, second, third, fourth = rows[:4]
    assert first["organisation"] == "Test County Council"
    assert first["partner type"] == "Upper-tier council"
    assert first["sector"] == "Local government"
    assert first["round"] == "Baseline"
    assert first["partnership"] == "Test Partnership"
    assert first["questionnaire id"] == "governance"
    assert first["kind"] == "organisation"
    assert first["status"] == "draft"
    assert first["response"] == "rating"
    assert second["response"] == "dont_know"
    assert third["response"] == "not_applicable"
    assert fourth["response"] == "unanswered"
    assert num(fourth["rating"]) is None
    assert second["comment"] == "Croeso i Gymru — خوش آمدید — 欢迎\nline two"
    # The evidence beside the comment, its lines kept; blank where there is none.
    assert list(HEADERS[-2:]) == ["comment", "evidence"]
    assert first["evidence"] == "Cabinet minutes, 14 October 2026\nhttps://x.test/m"
    assert rows[4]["evidence"] in ("", None) and rows[n]["evidence"] in ("", None)
    statement = services.questionnaire_of(org).items[0].statement
    assert first["statement"] == statement
    if suffix == ".xlsx":
        assert first["rating"] == 4 and isinstance(first["rating"], int)
    # Individual views do not name their respondent unless asked.
    assert {r["respondent"] for r in rows[n:]} == {"individual"}
    assert rows[n]["rating"] in ("2", 2)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_formula_looking_text_is_neutralised(services, answered, tmp_path, suffix):
    org, _ = answered
    path = tmp_path / f"answers{suffix}"
    services.export_answers([org.id], path)
    rows = read_csv(path) if suffix == ".csv" else read_xlsx(path)
    assert rows[0]["respondent"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["comment"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[2]["comment"] == "'@SUM(1+1)"
    assert rows[3]["comment"] == "'-2+3"
    assert rows[1]["evidence"] == '\'=HYPERLINK("http://evil.example","minutes")'
    assert rows[2]["evidence"] == "'+44 20 7946 0000, the clerk"
    assert rows[3]["evidence"] == "'@minutes"
    for row in rows:
        for value in row.values():
            if isinstance(value, str):
                assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value
    if suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        types = {c.data_type for row in wb["Answers"].iter_rows() for c in row}
        assert "f" not in types


def test_neutralise():
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("+44 1234") == "'+44 1234"
    assert neutralise("\tx") == "'\tx"
    assert neutralise("a\x00b\x1fc") == "abc"
    assert neutralise("fine = ok") == "fine = ok"
    assert neutralise("") == ""


def test_individual_names_when_asked(services, answered, tmp_path):
    _, ind = answered
    path = tmp_path / "a.csv"
    services.export_answers([ind.id], path, individual_names=True)
    assert {r["respondent"] for r in read_csv(path)} == {"Private Person"}


def test_a_failed_write_leaves_no_file(services, answered, tmp_path, monkeypatch):
    org, _ = answered
    target = tmp_path / "answers.xlsx"

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(ExchangeError, match="not enough disk space"):
        services.export_answers([org.id], target)
    assert not target.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_an_existing_file_is_kept_when_the_write_fails(services, answered, tmp_path, monkeypatch):
    org, _ = answered
    target = tmp_path / "answers.csv"
    target.write_bytes(b"old")
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(PermissionError(13, "")))
    with pytest.raises(ExchangeError, match="permission was denied"):
        services.export_answers([org.id], target)
    assert target.read_bytes() == b"old"


def test_refusals_are_one_sentence(services, answered, tmp_path):
    org, _ = answered
    with pytest.raises(ExchangeError, match=r"neither \.csv nor \.xlsx"):
        services.export_answers([org.id], tmp_path / "answers.ods")
    with pytest.raises(ServiceError, match="Say which"):
        services.export_answers([], tmp_path / "answers.csv")
    with pytest.raises(ExchangeError, match="does not exist"):
        services.export_answers([org.id], tmp_path / "missing" / "answers.csv")
    assert not (tmp_path / "answers.ods").exists()


def test_the_whole_demo(demo_db, tmp_path):
    copy = tmp_path / "demo.sqlite"
    with sqlite3.connect(demo_db) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    with Services.open(copy, [FORMS_DIR], create=False) as s:
        ids = [a.id for a in s.store.assessments()]
        total = sum(len(s.questionnaire_of(a).items) for a in s.store.assessments())
        result = s.export_answers(ids, tmp_path / "all.xlsx")
        csv_result = s.export_answers(ids, tmp_path / "all.csv")
    assert len(ids) == 83
    assert result.rows == csv_result.rows == total == len(read_xlsx(tmp_path / "all.xlsx"))
    assert len(read_csv(tmp_path / "all.csv")) == total


def test_a_database_from_before_evidence_exports_read_only(tmp_path):
    """A file without migration 0008, opened read-only: the evidence column is blank."""
    old = tmp_path / "before-0008.sqlite"
    database_before(old, "0008_answer_evidence", answered_before_evidence)
    with Services.open(old, [FORMS_DIR], readonly=True) as reader:
        ids = [a.id for a in reader.store.assessments()]
        result = reader.export_answers(ids, tmp_path / "old.csv")
    rows = read_csv(tmp_path / "old.csv")
    assert result.rows == len(rows) > 6
    assert {r["evidence"] for r in rows} == {""}
    assert [r["comment"] for r in rows if r["comment"]] == [f"Comment {n}" for n in range(6)]


# --- the command ---------------------------------------------------------------------


def test_cli_answers(services, answered, db_path, tmp_path, capsys):
    org, _ = answered
    out_file = tmp_path / "out.xlsx"
    code, out, err = run(capsys, "--db", db_path, "answers", org.id[:8], "-o", out_file)
    assert code == 0, err
    n = len(services.questionnaire_of(org).items)
    assert out.startswith(f"Wrote 1 assessment ({n} rows) to {out_file}")
    assert len(read_xlsx(out_file)) == n
    code, out, err = run(
        capsys, "--db", db_path, "answers", "--round", "Baseline", "-o", tmp_path / "r.csv"
    )
    assert code == 0, err
    assert "Wrote 2 assessments" in out


def test_cli_answers_errors(services, answered, db_path, tmp_path, capsys):
    org, _ = answered
    code, _, err = run(capsys, "--db", db_path, "answers", "-o", tmp_path / "x.csv")
    assert code == 2 and "give the assessment IDs" in err
    code, _, err = run(capsys, "--db", db_path, "answers", org.id, "-o", tmp_path / "x.txt")
    assert code == 1
    assert "neither .csv nor .xlsx" in assert_one_line_error(err)
    code, _, err = run(capsys, "--db", db_path, "answers", "ffffffff", "-o", tmp_path / "x.csv")
    assert code == 1
    assert_one_line_error(err)
    assert not (tmp_path / "x.csv").exists()
