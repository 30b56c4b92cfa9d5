"""`ics-assess compare`: a round's assessments of one questionnaire compared by method v2,
as JSON (a stable, documented shape), CSV (one long table of scores), XLSX (Summary,
Sections, Statements, Gaps, Change) or the comparison PDF. Read-only; nothing to compare
is said in `notes`, never an error; in the view of individuals no group under three is
ever shown, nor any organisation named; formula-looking text is neutralised."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from ics_assess import paths
from ics_assess.services import Services

from .test_cli import assert_one_line_error, beside, run, sha256, uuid_like

FORMS_DIR = paths.builtin_forms_dir()
REVIEW = "Six-month review, November 2026"
BASELINE = "Baseline, May 2026"
CSV_HEADERS = [
    "kind",
    "partnership",
    "round",
    "questionnaire",
    "version",
    "group_level",
    "group_key",
    "group",
    "n",
    "scope_type",
    "scope_id",
    "number",
    "scope",
    "score",
    "band",
]
TOP_KEYS = {
    "partnership",
    "round",
    "questionnaire",
    "kind",
    "counts",
    "versions",
    "changed_statements",
    "coverage",
    "headline",
    "sections",
    "groups",
    "statements",
    "divergences",
    "trend",
    "anonymity",
    "notes",
}


def compare_json(capsys, db: Path, *argv: object) -> dict:
    code, out, err = run(capsys, "--db", db, "compare", *argv, "--json")
    assert code == 0, err
    assert "Traceback" not in err
    return json.loads(out)


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a byte-order mark
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def workbook_text(path: Path) -> str:
    wb = load_workbook(path)
    return "\n".join(
        str(cell.value) for ws in wb.worksheets for row in ws.iter_rows() for cell in row
    )


# --- the demo ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(demo_db) -> dict:
    with Services.open(demo_db, [FORMS_DIR], readonly=True) as services:
        listed = services.list_assessments()
    return {
        "db": demo_db,
        "organisation_ids": {s.assessment.organisation_id for s in listed},
        "assessment_ids": {s.assessment.id for s in listed},
        "round_ids": {s.round_name: s.assessment.round_id for s in listed},
    }


@pytest.fixture(scope="module")
def review_json(demo, tmp_path_factory) -> dict:
    """compare --json of the demo's review (organisation view), run once."""
    out = io.StringIO()
    import contextlib

    from ics_assess.cli import main

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ICS_ASSESS_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        with contextlib.redirect_stdout(out):
            code = main(
                [
                    "--db",
                    str(demo["db"]),
                    "compare",
                    "--round",
                    REVIEW,
                    "--questionnaire",
                    "equal-partnership",
                    "--json",
                ]
            )
    assert code == 0
    return json.loads(out.getvalue())


def test_json_shape_on_the_demo(review_json, demo):
    d = review_json
    assert set(d) == TOP_KEYS
    assert d["round"] == {"id": demo["round_ids"][REVIEW], "name": REVIEW}
    assert uuid_like(d["partnership"]["id"])
    assert d["questionnaire"] == {
        "id": "equal-partnership",
        "version": "1.1",
        "title": "Equal partnership",
    }
    assert d["kind"] == "organisation"
    # The review is answered on 1.1, by the care providers' association too (and one of its
    # managers in the workshop).
    assert d["counts"] == {"submitted": 10, "drafts": 2, "other_kind": 15}
    assert d["versions"] == [{"version": "1.1", "assessments": 10}]
    assert d["changed_statements"] == []
    cov = d["coverage"]
    assert (cov["responded"], cov["organisations"]) == (10, 12)
    assert "Northshire Fire and Rescue Service has not responded" in cov["sentence"]
    community = next(s for s in cov["sectors"] if s["sector"] == "community")
    assert [o["name"] for o in community["missing_organisations"]] == [
        "Northshire Fire and Rescue Service"
    ]
    h = d["headline"]
    assert h["complete"] is True and isinstance(h["system"], float)
    assert h["sentence"] == f"System score {h['system']:.1f}"
    assert h["band"] in {"Emerging", "Developing", "Maturing", "Thriving"}
    assert [s["sector"] for s in h["sectors"]] == ["nhs", "local_government", "community"]
    assert h["system"] == pytest.approx(sum(s["score"] for s in h["sectors"]) / 3, abs=1e-3)
    assert h["missing_sectors"] == []
    assert [s["id"] for s in d["sections"]][:2] == ["agenda", "funding"]
    # Groups: system, sectors, partner types, then the organisations by name.
    levels = [g["level"] for g in d["groups"]]
    assert levels[0] == "system" and levels.count("organisation") == 10
    assert d["groups"][0]["overall"] == h["system"]
    statement = d["statements"][0]
    assert set(statement) == {
        "id",
        "number",
        "text",
        "section_id",
        "reverse",
        "values",
        "spread",
        "split",
        "dont_know",
        "not_applicable",
        "changed",
    }
    assert set(statement["values"]) == {g["key"] for g in d["groups"]}
    assert set(statement["spread"]) == {"n", "mean", "sd", "min", "max", "consensus"}
    for value in (h["system"], h["plain"], d["groups"][-1]["overall"]):
        assert value == round(value, 4)


def test_nhs_rates_agenda_and_money_higher_than_local_government(review_json):
    gaps = {
        d["label"]: d
        for d in review_json["divergences"]
        if d["scope"] == "section" and (d["first"], d["second"]) == ("nhs", "local_government")
    }
    for title in ("Setting the agenda", "Money and pooled budgets"):
        gap = gaps[title]
        assert gap["gap"] > 0 and gap["flagged"] is True
        assert gap["gap"] == pytest.approx(gap["first_score"] - gap["second_score"], abs=1e-3)
        assert gap["first_n"] == 3 and gap["second_n"] == 4
    # Largest first.
    sizes = [abs(d["gap"]) for d in review_json["divergences"]]
    assert sizes == sorted(sizes, reverse=True)


def test_trend_since_the_baseline(review_json, demo):
    t = review_json["trend"]
    assert t["previous_round"] == {"id": demo["round_ids"][BASELINE], "name": BASELINE}
    assert t["scopes"][0]["scope_type"] == "questionnaire"
    assert {"before", "after", "change", "moved"} <= set(t["scopes"][0]["system"])
    orgs = t["scopes"][0]["organisations"]
    assert orgs and all(o["id"] in demo["organisation_ids"] for o in orgs)
    assert t["improvements"] and t["improvements"][0]["change"] > 0


def test_ids_in_the_json_are_the_ids_other_commands_take(capsys, review_json, demo):
    org_keys = {g["key"] for g in review_json["groups"] if g["level"] == "organisation"}
    assert org_keys <= demo["organisation_ids"]
    code, out, err = run(capsys, "--db", demo["db"], "list", "--json")
    listed = json.loads(out)
    assert review_json["round"]["id"] in {a["round_id"] for a in listed}
    assert org_keys <= {a["organisation_id"] for a in listed}
    # The round and partnership ids go back into compare itself.
    again = compare_json(
        capsys,
        demo["db"],
        "--round",
        review_json["round"]["id"],
        "--partnership",
        review_json["partnership"]["id"],
        "--questionnaire",
        "equal-partnership",
    )
    assert again["headline"] == review_json["headline"]
    # An assessment of an organisation shown opens with show.
    one = next(a for a in listed if a["organisation_id"] in org_keys)
    code, out, err = run(capsys, "--db", demo["db"], "show", one["id"], "--json")
    assert code == 0, err


def test_since_none_and_an_explicit_round(capsys, demo, review_json):
    base = ["--round", REVIEW, "--questionnaire", "equal-partnership"]
    assert compare_json(capsys, demo["db"], *base, "--since", "none")["trend"] is None
    explicit = compare_json(capsys, demo["db"], *base, "--since", BASELINE)
    assert explicit["trend"] == review_json["trend"]
    code, _, err = run(capsys, "--db", demo["db"], "compare", *base, "--since", REVIEW, "--json")
    assert code == 1 and "not the same one" in assert_one_line_error(err)


def test_the_demo_individual_view_shows_no_group_under_three(capsys, demo):
    d = compare_json(
        capsys,
        demo["db"],
        "--round",
        REVIEW,
        "--questionnaire",
        "equal-partnership",
        "--kind",
        "individual",
    )
    assert d["kind"] == "individual"
    assert all(g["n"] >= 3 for g in d["groups"] if g["level"] != "system")
    assert d["anonymity"]["sentences"] and d["anonymity"]["withheld"] == 1
    text = json.dumps(d)
    for s in d["coverage"]["sectors"]:
        assert s["responded_organisations"] == s["missing_organisations"] == []
    shown = {g["key"] for g in d["groups"] if g["level"] == "organisation"}
    with Services.open(demo["db"], [FORMS_DIR], readonly=True) as services:
        for org in services.organisations():
            if org.id not in shown:
                assert org.name not in text and org.id not in text


def test_csv_is_one_long_table(capsys, demo, review_json, tmp_path):
    out = tmp_path / "review.csv"
    code, stdout, err = run(
        capsys,
        "--db",
        demo["db"],
        "compare",
        "--round",
        REVIEW,
        "--questionnaire",
        "equal-partnership",
        "-o",
        out,
    )
    assert code == 0, err
    assert stdout.strip() == (
        f"Wrote the comparison of 10 organisations (equal-partnership 1.1, {REVIEW}) to {out}."
    )
    rows = read_csv(out)
    assert list(rows[0]) == CSV_HEADERS
    d = review_json
    per_group = 1 + len(d["sections"]) + len(d["statements"])
    assert len(rows) == len(d["groups"]) * per_group
    first = rows[0]
    assert (first["group_level"], first["scope_type"], first["scope_id"]) == (
        "system",
        "questionnaire",
        "overall",
    )
    assert float(first["score"]) == d["headline"]["system"]
    assert first["band"] == d["headline"]["band"]
    statement_rows = [r for r in rows if r["scope_type"] == "statement"]
    assert statement_rows[0]["number"] == "1.1"
    assert {r["group_key"] for r in rows} == {g["key"] for g in d["groups"]}


def test_xlsx_has_the_sheets(capsys, demo, review_json, tmp_path):
    out = tmp_path / "review.xlsx"
    code, _, err = run(
        capsys,
        "--db",
        demo["db"],
        "compare",
        "--round",
        REVIEW,
        "--questionnaire",
        "equal-partnership",
        "-o",
        out,
    )
    assert code == 0, err
    wb = load_workbook(out)
    assert wb.sheetnames == ["Summary", "Sections", "Statements", "Gaps", "Change"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
    sections = wb["Sections"]
    assert sections.max_row == 1 + len(review_json["groups"])
    assert [c.value for c in sections[1]][:4] == ["Group", "Level", "N", "Overall"]
    assert wb["Statements"].max_row == 1 + len(review_json["statements"])
    assert wb["Gaps"].max_row == 1 + len(review_json["divergences"])
    summary = {row[0].value: row[1].value for row in wb["Summary"].iter_rows()}
    assert summary["Headline"] == review_json["headline"]["sentence"]
    assert wb["Statements"].column_dimensions["B"].width > 40


def test_read_only_nothing_changes(capsys, demo, tmp_path):
    before, files_before = sha256(demo["db"]), beside(demo["db"])
    compare_json(capsys, demo["db"], "--round", REVIEW, "--questionnaire", "governance")
    run(
        capsys,
        "--db",
        demo["db"],
        "compare",
        "--round",
        REVIEW,
        "--questionnaire",
        "governance",
        "-o",
        tmp_path / "g.xlsx",
    )
    assert sha256(demo["db"]) == before and beside(demo["db"]) == files_before


def test_pdf_calls_the_comparison_report(capsys, demo, tmp_path):
    out = tmp_path / "review.pdf"
    code, stdout, err = run(
        capsys,
        "--db",
        demo["db"],
        "compare",
        "--round",
        REVIEW,
        "--questionnaire",
        "equal-partnership",
        "-o",
        out,
    )
    assert code == 0, err
    pages = len(PdfReader(str(out)).pages)
    assert stdout.strip() == (
        f"Wrote the comparison of 10 organisations (equal-partnership 1.1, {REVIEW}) to {out} "
        f"({pages} pages)."
    )


def test_pdf_is_exactly_services_report_comparison(capsys, demo, tmp_path, monkeypatch):
    from ics_assess.comparison import Comparison
    from ics_assess.services import ReportResult

    calls = []

    def spy(self, comparison, path, *, produced_on=None):
        calls.append((comparison, path))
        Path(path).write_bytes(b"%PDF-1.4 spy")
        return ReportResult(Path(path), 1)

    monkeypatch.setattr(Services, "report_comparison", spy)
    out = tmp_path / "ind.pdf"
    argv = ["--round", REVIEW, "--questionnaire", "governance", "--kind", "individual"]
    code, stdout, err = run(capsys, "--db", demo["db"], "compare", *argv, "-o", out)
    assert code == 0, err
    [(comparison, path)] = calls
    assert isinstance(comparison, Comparison) and path == out
    assert comparison.kind.value == "individual" and comparison.questionnaire.id == "governance"
    assert f"to {out} (1 page): No individual view" in stdout  # none in the demo


# --- usage and errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        [],  # neither -o nor --json
        ["--json", "-o", "x.csv"],  # both
        ["-o", "x.txt"],  # not .pdf, .csv or .xlsx
        ["-o", ""],
        ["--json", "--kind", "everyone"],
    ],
)
def test_usage_errors_exit_2(capsys, demo, extra, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["--round", REVIEW, "--questionnaire", "governance", *extra]
    code, out, err = run(capsys, "--db", demo["db"], "compare", *argv)
    assert code == 2, err
    assert out == "" and len(err.strip().splitlines()) == 1
    assert "--help" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("missing", ["--round", "--questionnaire"])
def test_round_and_questionnaire_are_required(capsys, demo, missing):
    argv = {"--round": REVIEW, "--questionnaire": "governance"}
    del argv[missing]
    flat = [x for pair in argv.items() for x in pair]
    code, _, err = run(capsys, "--db", demo["db"], "compare", *flat, "--json")
    assert code == 2 and missing in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--round", "Spring 2031", "--questionnaire", "governance"], "no round"),
        (["--round", REVIEW, "--questionnaire", "nope"], "no questionnaire with id 'nope'"),
        (
            ["--round", REVIEW, "--questionnaire", "governance", "--partnership", "Elsewhere"],
            "no partnership",
        ),
    ],
)
def test_errors_are_one_sentence(capsys, demo, argv, words):
    code, out, err = run(capsys, "--db", demo["db"], "compare", *argv, "--json")
    assert code == 1 and out == ""
    assert words in assert_one_line_error(err)


def test_a_missing_database_is_an_error(capsys, tmp_path):
    db = tmp_path / "none.sqlite"
    code, _, err = run(
        capsys, "--db", db, "compare", "--round", "x", "--questionnaire", "governance", "--json"
    )
    assert code == 1 and "There is no database" in assert_one_line_error(err)
    assert not db.exists()


# --- small databases: the awkward cases -------------------------------------------------


def _answer_all(services: Services, aid: str, rating: int, *, submit: bool = True) -> None:
    q = services.questionnaire_of(services.assessment(aid))
    for item in q.items:
        services.answer(aid, item.id, rating)
    if submit:
        services.submit(aid)


def _start(services, rnd, org, kind="organisation", name=None, q="governance") -> str:
    return services.start_assessment(
        round_id=rnd.id,
        organisation_id=org.id,
        questionnaire_id=q,
        kind=kind,
        respondent_name=name,
    ).id


@pytest.fixture
def small(tmp_path) -> dict:
    """A partnership with an organisation of every sector, and a few awkward rounds."""
    db = tmp_path / "small.sqlite"
    with Services.open(db, [FORMS_DIR]) as s:
        p = s.add_partnership("Small Partnership", "Small ICS")
        base = s.add_round(p.id, "Spring", "2026-03-01")
        review = s.add_round(p.id, "Autumn", "2026-09-01")
        drafts_only = s.add_round(p.id, "Drafts only", "2026-10-01")
        orgs = {
            "icb": s.add_organisation(p.id, "Secretive ICB", "icb"),
            "trust": s.add_organisation(p.id, "Open Trust", "nhs_trust"),
            "council": s.add_organisation(p.id, "Plain County Council", "upper_tier_council"),
            "district": s.add_organisation(p.id, "Quiet District Council", "district_council"),
            "vcse": s.add_organisation(p.id, "=cmd|' /C calc'!A0", "vcse"),
        }
        # Organisation responses in the review: NHS and local government, not community.
        _answer_all(s, _start(s, review, orgs["icb"]), 4)
        _answer_all(s, _start(s, review, orgs["council"]), 2)
        # One organisation only in the baseline.
        _answer_all(s, _start(s, base, orgs["council"]), 3)
        # Drafts only.
        _answer_all(s, _start(s, drafts_only, orgs["trust"]), 3, submit=False)
        # Individual views: two of the Secretive ICB (never shown), three of the trust
        # and three of the county council (shown), in both rounds.
        for rnd in (base, review):
            for name in ("Alice Hidden", "Bob Hidden"):
                _answer_all(s, _start(s, rnd, orgs["icb"], "individual", name), 1)
            for n in range(3):
                _answer_all(s, _start(s, rnd, orgs["trust"], "individual", f"T{n}"), 4)
                _answer_all(s, _start(s, rnd, orgs["council"], "individual", f"C{n}"), 3)
        # A draft individual view of the ICB.
        _start(s, review, orgs["icb"], "individual", "Carol Hidden")
    return {"db": db, "orgs": orgs}


def test_individual_view_never_shows_the_pair(capsys, small, tmp_path):
    db = small["db"]
    secret = small["orgs"]["icb"]
    argv = ["--round", "Autumn", "--questionnaire", "governance", "--kind", "individual"]
    d = compare_json(capsys, db, *argv)
    for since in (["--since", "Spring"], ["--since", "none"]):
        assert compare_json(capsys, db, *argv, *since)["kind"] == "individual"
    csv_out, xlsx_out = tmp_path / "ind.csv", tmp_path / "ind.xlsx"
    for out in (csv_out, xlsx_out):
        code, stdout, err = run(capsys, "--db", db, "compare", *argv, "-o", out)
        assert code == 0, err
        assert "6 individual views" in stdout
    texts = {
        "json": json.dumps(d, ensure_ascii=False),
        "csv": csv_out.read_bytes().decode("utf-8-sig"),
        "xlsx": workbook_text(xlsx_out),
    }
    for where, text in texts.items():
        for needle in (secret.name, secret.id, "Alice Hidden", "Bob Hidden", "Carol Hidden"):
            assert needle not in text, (where, needle)
    assert all(g["n"] >= 3 for g in d["groups"] if g["level"] != "system")
    assert d["anonymity"]["withheld"] == 2
    # The pair never reaches a figure: only the trust and the council are counted.
    assert d["headline"]["organisations"] == 2 and d["headline"]["respondents"] == 6
    assert [s["sector"] for s in d["headline"]["sectors"]] == ["nhs", "local_government"]
    assert sorted(g["label"] for g in d["groups"] if g["level"] == "organisation") == [
        "Open Trust",
        "Plain County Council",
    ]
    assert d["trend"] is not None
    for scope in d["trend"]["scopes"]:
        assert scope["organisations"] == []
    assert d["trend"]["only_before"] == d["trend"]["only_after"] == []


def test_a_round_with_drafts_only_says_so(capsys, small, tmp_path):
    argv = ["--round", "Drafts only", "--questionnaire", "governance", "--since", "none"]
    d = compare_json(capsys, small["db"], *argv)
    assert d["counts"] == {"submitted": 0, "drafts": 1, "other_kind": 0}
    assert d["headline"]["system"] is None and d["headline"]["sectors_mean"] is None
    assert d["headline"]["sentence"] == "No score yet"
    assert d["groups"] == [] and d["statements"] == [] and d["divergences"] == []
    assert any("nothing to score" in n for n in d["notes"])
    out = tmp_path / "drafts.csv"
    code, stdout, err = run(capsys, "--db", small["db"], "compare", *argv, "-o", out)
    assert code == 0, err
    assert "nothing to score" in stdout
    assert read_csv(out) == []
    code, _, err = run(capsys, "--db", small["db"], "compare", *argv, "-o", tmp_path / "d.xlsx")
    assert code == 0, err
    assert "nothing to score" in workbook_text(tmp_path / "d.xlsx")


def test_a_questionnaire_nobody_answered(capsys, small):
    d = compare_json(
        capsys, small["db"], "--round", "Autumn", "--questionnaire", "equal-partnership"
    )
    assert d["questionnaire"]["id"] == "equal-partnership"
    assert d["counts"]["submitted"] == 0 and d["headline"]["system"] is None
    assert any("nothing to score" in n for n in d["notes"])


def test_one_organisation_only(capsys, small):
    d = compare_json(capsys, small["db"], "--round", "Spring", "--questionnaire", "governance")
    assert any("Only one organisation" in n for n in d["notes"])
    assert d["headline"]["system"] is None
    sentence = d["headline"]["sentence"]
    assert sentence.startswith("Incomplete: no response from NHS") and "community" in sentence


def test_a_sector_with_nobody(capsys, small):
    d = compare_json(capsys, small["db"], "--round", "Autumn", "--questionnaire", "governance")
    assert d["headline"]["system"] is None and d["headline"]["complete"] is False
    assert d["headline"]["missing_sectors"] == ["community"]
    assert d["headline"]["sectors_mean"] == pytest.approx(3.0)
    assert any(n.startswith("No response from community") for n in d["notes"])
    # The gap NHS - local government is there; gaps with the community are not.
    pairs = {(g["first"], g["second"]) for g in d["divergences"]}
    assert pairs == {("nhs", "local_government")}
    # The change since Spring: the council in both, the ICB in the review only.
    t = d["trend"]
    assert t["previous_round"]["name"] == "Spring"
    assert [o["name"] for o in t["only_after"]] == ["Secretive ICB"]
    assert t["scopes"][0]["organisations"][0]["change"] < 0  # rated 3, then 2


def test_formula_looking_names_are_neutralised(capsys, small, tmp_path):
    db = small["db"]
    with Services.open(db, [FORMS_DIR]) as s:
        rnd = next(r for r in s.rounds() if r.name == "Autumn")
        _answer_all(s, _start(s, rnd, small["orgs"]["vcse"]), 5)
    argv = ["--round", "Autumn", "--questionnaire", "governance"]
    csv_out, xlsx_out = tmp_path / "f.csv", tmp_path / "f.xlsx"
    for out in (csv_out, xlsx_out):
        code, _, err = run(capsys, "--db", db, "compare", *argv, "-o", out)
        assert code == 0, err
    groups = {r["group"] for r in read_csv(csv_out)}
    assert "'=cmd|' /C calc'!A0" in groups and "=cmd|' /C calc'!A0" not in groups
    wb = load_workbook(xlsx_out)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert any(c.value == "'=cmd|' /C calc'!A0" and c.data_type == "s" for c in cells)
    # The JSON carries the name as it is.
    d = compare_json(capsys, db, *argv)
    assert "=cmd|' /C calc'!A0" in {g["label"] for g in d["groups"]}


def test_two_versions_in_one_round(capsys, small, isolated_data_dir):
    # The shipped newest, 1.1, and a 1.2 of its own with the first statement reworded.
    text = (FORMS_DIR / "governance-1.1.toml").read_text(encoding="utf-8")
    newer = text.replace('version = "1.1"', 'version = "1.2"', 1)
    with Services.open(small["db"], [FORMS_DIR]) as s:
        first = s.latest_questionnaire("governance").questionnaire.items[0]
    newer = newer.replace(first.statement, first.statement + " (reworded)", 1)
    forms = isolated_data_dir / "forms"
    forms.mkdir(exist_ok=True)
    (forms / "governance-1.2.toml").write_text(newer, encoding="utf-8")
    with Services.open(small["db"], [FORMS_DIR, forms]) as s:
        rnd = next(r for r in s.rounds() if r.name == "Autumn")
        aid = _start(s, rnd, small["orgs"]["trust"])
        assert s.assessment(aid).questionnaire_version == "1.2"
        _answer_all(s, aid, 5)
    d = compare_json(capsys, small["db"], "--round", "Autumn", "--questionnaire", "governance")
    assert d["questionnaire"]["version"] == "1.2"
    assert d["versions"] == [
        {"version": "1.1", "assessments": 2},
        {"version": "1.2", "assessments": 1},
    ]
    assert d["changed_statements"] == [first.id]
    assert d["statements"][0]["changed"] is True
    assert any("versions 1.1 (2) and 1.2 (1)" in n for n in d["notes"])


def test_a_round_name_in_two_partnerships_needs_the_partnership(capsys, small):
    with Services.open(small["db"], [FORMS_DIR]) as s:
        other = s.add_partnership("Other Partnership")
        s.add_round(other.id, "Autumn", "2026-09-01")
    argv = ["--round", "autumn", "--questionnaire", "governance", "--json"]
    code, _, err = run(capsys, "--db", small["db"], "compare", *argv)
    assert code == 1 and "--partnership" in assert_one_line_error(err)
    d = compare_json(capsys, small["db"], *argv[:-1], "--partnership", "Small Partnership")
    assert d["partnership"]["name"] == "Small Partnership"
    d = compare_json(capsys, small["db"], *argv[:-1], "--partnership", "other partnership")
    assert d["partnership"]["name"] == "Other Partnership" and d["counts"]["submitted"] == 0


# --- read-only, and the documented keys ---------------------------------------------------


@pytest.mark.parametrize("output", ["--json", "c.csv", "c.xlsx", "c.pdf"])
def test_compare_leaves_a_rollback_journal_database_as_it_was(capsys, tmp_path, output):
    import sqlite3

    from .test_cli_readonly import small_database, state

    folder = tmp_path / "db"
    folder.mkdir()
    path = folder / "assess.sqlite"
    small_database(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    conn.close()
    before = state(path)
    out = ["--json"] if output == "--json" else ["-o", tmp_path / output]
    argv = ["--round", "Baseline", "--questionnaire", "governance", *out]
    code, _, err = run(capsys, "--db", path, "compare", *argv)
    assert code == 0, err
    assert state(path) == before


def _documented_keys(heading: str) -> list[str]:
    """The keys in the first table under a heading of docs/cli.md."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text("utf-8")
    section = text.split(heading, 1)[1]
    keys = []
    for line in section.splitlines()[1:]:
        if line.startswith("| `"):
            keys += re.findall(r"`([^`]+)`", line.split("|")[1])
        elif keys and not line.startswith("|"):
            break
    return keys


def test_every_top_level_key_is_documented(review_json):
    assert set(_documented_keys("### JSON: `compare --json`")) == TOP_KEYS == set(review_json)
    headline = set(_documented_keys("`headline`:\n"))
    assert headline == set(review_json["headline"])
    assert set(_documented_keys("Each object in `groups`")) == set(review_json["groups"][0])
    statement = set(_documented_keys("Each object in `statements`:"))
    assert statement == set(review_json["statements"][0])
    assert set(_documented_keys("`trend` (Rule 15):")) == set(review_json["trend"])
    divergence = set(_documented_keys("Each object in `divergences`"))
    assert divergence == set(review_json["divergences"][0])
