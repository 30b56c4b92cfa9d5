"""Responses from an online form's spreadsheet (docs/spreadsheets.md): reading CSV and XLSX
as untrusted files, the suggested mapping, what does not fit, and importing the rest as
submitted individual views, all or nothing, once."""

from __future__ import annotations

import csv
import json
import zipfile

import openpyxl
import pytest

from ics_assess.domain import AssessmentKind, AssessmentStatus, Unrated
from ics_assess.exchange import ExchangeError
from ics_assess.exchange.spreadsheets import (
    ResponseMapping,
    SheetLimits,
    read_responses,
    suggest_mapping,
)
from ics_assess.services import ServiceError
from ics_assess.store.backups import list_backups

from .test_cli import assert_one_line_error, run


def write_csv(path, rows, *, delimiter=",", encoding="utf-8-sig"):
    with path.open("w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


@pytest.fixture
def questionnaire(services):
    return services.latest_questionnaire("governance").questionnaire


@pytest.fixture
def form_rows(questionnaire):
    items = questionnaire.items[:4]
    header = ["Timestamp", "Your name", "Organisation", "Your role"]
    header += [item.statement.rstrip(".") + "?" for item in items]
    return [
        header,
        [
            *("2026-11-02", "Ann Jones", "test icb", "Chief executive"),
            *("Mostly true", "agree", "Don’t know", "N/A"),
        ],
        ["2026-11-02", "Bob", "Nowhere Trust", "", "1", "2", "3", "4"],
        ["2026-11-03", "", "Test County Council", "", "Maybe", "5", "", ""],
        ["2026-11-03", "", "Test County Council", "", "", "", "", ""],
        [
            *("2026-11-04", "Dafydd ap Gwilym", "Test Voluntary Action", "Cadeirydd"),
            *("5", "5", "5", "=1+1"),
        ],
    ]


# --- reading ---------------------------------------------------------------------------


def test_read_csv_with_bom_semicolons_and_ragged_rows(tmp_path):
    path = write_csv(tmp_path / "r.csv", [["a", "", "a"], ["1", "2"], ["x;y"]], delimiter=";")
    sheet = read_responses(path)
    assert sheet.headers == ("a", "column 2", "a (2)")
    assert sheet.rows == (("1", "2", ""), ("x;y", "", ""))


def test_read_xlsx_never_evaluates_formulas(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Organisation", "Score"])
    ws.append(["Test ICB", 4])
    ws.append(['=HYPERLINK("http://x")', "=1+3"])
    ws.append(["欢迎 خوش آمدید", 4.0])
    wb.save(tmp_path / "r.xlsx")
    sheet = read_responses(tmp_path / "r.xlsx")
    assert sheet.headers == ("Organisation", "Score")
    # A formula with no value saved by a spreadsheet program reads as blank.
    assert sheet.rows == (("Test ICB", "4"), ("", ""), ("欢迎 خوش آمدید", "4"))


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("r.txt", b"a,b\n", "only .csv and .xlsx"),
        ("r.csv", b"\xff\xfeA\x00", "not UTF-8"),
        ("r.csv", b"", "column headers"),
        ("r.xlsx", b"PK\x03\x04 not really", "not an XLSX"),
        ("r.xlsx", b"a,b\n1,2\n", "not an XLSX"),
    ],
)
def test_refused_files_say_so_in_one_sentence(tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ExchangeError, match=words) as info:
        read_responses(path)
    message = str(info.value)
    assert "\n" not in message
    assert "nothing was changed" in message


def test_limits(tmp_path):
    small = SheetLimits(file_bytes=100, rows=3, columns=4)
    write_csv(tmp_path / "big.csv", [["x" * 200]])
    with pytest.raises(ExchangeError, match="bigger than"):
        read_responses(tmp_path / "big.csv", small)
    write_csv(tmp_path / "rows.csv", [["a"]] + [["1"]] * 4)
    with pytest.raises(ExchangeError, match="more than 3 rows"):
        read_responses(tmp_path / "rows.csv", small)
    write_csv(tmp_path / "cols.csv", [list("abcde")])
    with pytest.raises(ExchangeError, match="5 columns"):
        read_responses(tmp_path / "cols.csv", small)
    assert read_responses(tmp_path / "rows.csv", SheetLimits(rows=4)).rows == (("1",),) * 4


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/sharedStrings.xml", b"\0" * (50 * 1024 * 1024))
    with pytest.raises(ExchangeError, match="unpacks to far more"):
        read_responses(path)


def test_missing_file(tmp_path):
    with pytest.raises(ExchangeError, match="There is no file"):
        read_responses(tmp_path / "none.csv")


# --- mapping ---------------------------------------------------------------------------


def test_suggested_mapping(tmp_path, questionnaire, form_rows):
    sheet = read_responses(write_csv(tmp_path / "r.csv", form_rows))
    m = suggest_mapping(sheet, questionnaire)
    items = questionnaire.items
    assert list(m.columns.values()) == [item.id for item in items[:4]]
    assert (m.organisation, m.respondent, m.role) == ("Organisation", "Your name", "Your role")
    assert m.words["mostly true"] == 4
    assert m.words["agree"] == 4
    assert m.words["don't know"] is Unrated.DONT_KNOW
    assert m.words["n/a"] is Unrated.NOT_APPLICABLE
    assert m.words["5"] == 5
    assert "maybe" not in m.words and "=1+1" not in m.words


def test_a_header_naming_an_item_id_is_matched(tmp_path, questionnaire):
    item = questionnaire.items[7]
    sheet = read_responses(write_csv(tmp_path / "r.csv", [["Org", f"[{item.id}] Q8"], ["a", "3"]]))
    assert suggest_mapping(sheet, questionnaire).columns == {f"[{item.id}] Q8": item.id}


def test_mapping_round_trips_through_json(tmp_path, questionnaire, form_rows):
    sheet = read_responses(write_csv(tmp_path / "r.csv", form_rows))
    m = suggest_mapping(sheet, questionnaire)
    again = ResponseMapping.from_json(json.loads(json.dumps(m.as_json())), questionnaire)
    assert again == m
    with pytest.raises(ExchangeError, match="does not have"):
        ResponseMapping.from_json({"columns": {"x": "no-such-item"}}, questionnaire)
    with pytest.raises(ExchangeError, match="not a rating"):
        ResponseMapping.from_json({"words": {"yes": 9}}, questionnaire)


def test_what_does_not_fit(services, partnership_setup, tmp_path, form_rows):
    _, rnd, _ = partnership_setup
    sheet = read_responses(write_csv(tmp_path / "r.csv", form_rows))
    m = services.suggest_response_mapping(sheet, "governance")
    report = services.check_responses(sheet, m, rnd.id)
    assert not report.fits
    assert report.unknown_words == {"Maybe": 1, "=1+1": 1}
    assert report.empty_rows == (5,)
    assert report.unknown_organisations == {"Nowhere Trust": 1}
    assert [r.row for r in report.responses] == [2, 4, 6]
    assert report.unmapped_columns == ("Timestamp",)
    assert (
        len(report.missing_items)
        == len(services.latest_questionnaire("governance").questionnaire.items) - 4
    )
    text = "\n".join(report.lines())
    assert "'Nowhere Trust' (1 row)" in text and "'Maybe' (1 cell)" in text
    m.organisation = "No such column"
    with pytest.raises(ExchangeError, match="has no column 'No such column'"):
        services.check_responses(sheet, m, rnd.id)


# --- importing -------------------------------------------------------------------------


def test_import_the_rows_that_fit_once(services, partnership_setup, tmp_path, form_rows, db_path):
    _, rnd, orgs = partnership_setup
    sheet = read_responses(write_csv(tmp_path / "r.csv", form_rows))
    m = services.suggest_response_mapping(sheet, "governance")
    result = services.import_responses(sheet, m, rnd.id)
    assert len(result.created) == 3 and result.already_there == 0
    assert result.backup is not None and result.backup.exists()
    assert len(list_backups(db_path)) == 1
    items = services.latest_questionnaire("governance").questionnaire.items
    first = services.detail(result.created[0])
    a = first.assessment
    assert a.kind is AssessmentKind.INDIVIDUAL and a.status is AssessmentStatus.SUBMITTED
    assert (a.organisation_id, a.respondent_name, a.respondent_role) == (
        orgs["icb"].id,
        "Ann Jones",
        "Chief executive",
    )
    assert a.round_id == rnd.id
    got = {i: (x.rating or x.unrated) for i, x in first.answers.items()}
    assert got == {
        items[0].id: 4,
        items[1].id: 4,
        items[2].id: Unrated.DONT_KNOW,
        items[3].id: Unrated.NOT_APPLICABLE,
    }
    third = services.detail(result.created[2])
    assert third.assessment.respondent_name == "Dafydd ap Gwilym"
    assert items[3].id not in third.answers  # "=1+1" fits no rating: left unanswered
    anonymous = services.detail(result.created[1]).assessment
    assert anonymous.respondent_name is None
    # The same file again adds nothing.
    again = services.import_responses(sheet, m, rnd.id)
    assert again.created == () and again.already_there == 3
    assert len(services.list_assessments(round_id=rnd.id)) == 3


def test_dry_run_writes_nothing(services, partnership_setup, tmp_path, form_rows, db_path):
    _, rnd, _ = partnership_setup
    sheet = read_responses(write_csv(tmp_path / "r.csv", form_rows))
    m = services.suggest_response_mapping(sheet, "governance")
    result = services.import_responses(sheet, m, rnd.id, dry_run=True)
    assert result.created == () and result.backup is None
    assert services.list_assessments() == []
    assert list_backups(db_path) == []


def test_all_or_nothing(services, partnership_setup, tmp_path, form_rows, monkeypatch):
    _, rnd, _ = partnership_setup
    sheet = read_responses(write_csv(tmp_path / "r.csv", form_rows))
    m = services.suggest_response_mapping(sheet, "governance")
    calls = []
    real = services.store.insert_many

    # The import writes assessments, then answers, then the change log: fail at the last,
    # after the assessments and answers are written, and nothing may be left.
    def insert_many(table, rows):
        calls.append(table)
        if table == "change_log":
            raise ServiceError("The disk went away.")
        return real(table, rows)

    monkeypatch.setattr(services.store, "insert_many", insert_many)
    with pytest.raises(ServiceError, match="disk went away"):
        services.import_responses(sheet, m, rnd.id)
    assert calls == ["assessments", "answers", "change_log"]
    assert services.list_assessments() == []
    assert services.store.counts()["answers"] == 0


def test_nothing_fits(services, partnership_setup, tmp_path, questionnaire):
    _, rnd, _ = partnership_setup
    sheet = read_responses(write_csv(tmp_path / "r.csv", [["Organisation", "x"], ["a", "b"]]))
    m = services.suggest_response_mapping(sheet, "governance")
    with pytest.raises(ServiceError, match=r"No row of r\.csv fits"):
        services.import_responses(sheet, m, rnd.id)


# --- the command ---------------------------------------------------------------------


def test_cli_responses(services, partnership_setup, tmp_path, form_rows, db_path, capsys):
    path = write_csv(tmp_path / "r.csv", form_rows)
    base = ["--db", db_path, "responses", path, "--questionnaire", "governance"]
    base += ["--round", "Baseline", "--organisation-column", "Organisation"]
    saved = tmp_path / "map.json"
    code, out, err = run(capsys, *base, "--dry-run", "--save-map", saved)
    assert code == 0, err
    assert "3 rows can be imported" in out and "Dry run: nothing was imported." in out
    assert services.list_assessments() == []
    mapping = json.loads(saved.read_text(encoding="utf-8"))
    mapping["words"]["maybe"] = "dont_know"
    saved.write_text(json.dumps(mapping), encoding="utf-8")
    code, out, err = run(capsys, *base, "--map", saved)
    assert code == 0, err
    assert "Imported 3 responses as submitted individual views in the round 'Baseline'" in out
    assert "Maybe" not in out
    code, out, err = run(capsys, *base, "--map", saved)
    assert code == 0, err
    assert "Skipped 3 rows imported before." in out and "Nothing new to import." in out


def test_cli_responses_errors(services, partnership_setup, tmp_path, form_rows, db_path, capsys):
    path = write_csv(tmp_path / "r.csv", form_rows)
    base = ["--db", db_path, "responses", path, "--questionnaire", "governance"]
    base += ["--round", "Baseline"]
    code, _, err = run(capsys, *base, "--organisation-column", "Org")
    assert code == 1
    assert "has no column 'Org'" in assert_one_line_error(err)
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    code, _, err = run(capsys, *base, "--organisation-column", "Organisation", "--map", bad)
    assert code == 1
    assert "not JSON" in assert_one_line_error(err)
    (tmp_path / "x.xlsx").write_bytes(b"nonsense")
    code, _, err = run(
        capsys,
        "--db",
        db_path,
        "responses",
        tmp_path / "x.xlsx",
        "--questionnaire",
        "governance",
        "--round",
        "Baseline",
        "--organisation-column",
        "Organisation",
    )
    assert code == 1
    assert "nothing was changed" in assert_one_line_error(err)
    assert services.list_assessments() == []
    assert list_backups(db_path) == []
