"""The command line, driven in-process through ``ics_assess.cli.main`` as a user would:
exit codes, what lands on stdout and stderr, the documented ``--json`` shapes
(docs/cli.md), and that a file the program cannot use is refused in words and left as
it was."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ics_assess import __version__, paths
from ics_assess.cli import main
from ics_assess.domain import AssessmentKind, AssessmentStatus, PartnerType, Sector, Unrated
from ics_assess.questionnaires import load_catalogue
from ics_assess.scoring import questionnaire_score
from ics_assess.services import Services
from ics_assess.store import Store

FORMS_DIR = paths.builtin_forms_dir()
PROJECT_ROOT = paths.PROJECT_ROOT
SHIPPED = sorted(p for p in FORMS_DIR.glob("*.toml") if p.name != "profile.toml")
SHIPPED_IDS = {"governance", "democratic-involvement", "equal-partnership"}
DEMO_ASSESSMENTS = 83  # 79 until the care providers' association joined for the review (1.1)

# The keys of one `list --json` row (docs/cli.md); pinned here so that a rename shows.
LIST_KEYS = {
    "id",
    "partnership",
    "round",
    "round_id",
    "organisation",
    "organisation_id",
    "partner_type",
    "sector",
    "questionnaire_id",
    "questionnaire_version",
    "questionnaire",
    "kind",
    "respondent",
    "role",
    "status",
    "answered",
    "items",
    "updated_at",
}
FORMS_KEYS = {"id", "version", "title", "sections", "items", "path", "bands", "replaces"}
BAND_KEYS = {"name", "below", "descriptor"}


# --- helpers ----------------------------------------------------------------------------


def run(capsys, *argv: object) -> tuple[int, str, str]:
    """Run one command in-process: (exit code, stdout, stderr). argparse's own exits
    (--version, usage errors) come back as their code, like a real process."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(err: str) -> str:
    """stderr is exactly one line, from the program, with no traceback; returns it."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ics-assess: "), err
    return lines[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def beside(path: Path) -> list[str]:
    """Everything in the folder holding ``path`` (to spot -wal, -shm and backups/)."""
    return sorted(p.name for p in path.parent.iterdir())


def uuid_like(text: object) -> bool:
    return isinstance(text, str) and len(text) == 36 and text.count("-") == 4


@pytest.fixture(scope="module")
def cli_demo(tmp_path_factory) -> tuple[Path, int, str]:
    """A database filled by `ics-assess demo` once for this module: (path, exit code,
    stdout). The tests that use it only read it."""
    folder = tmp_path_factory.mktemp("cli-demo")
    db = folder / "demo.sqlite"
    out = io.StringIO()
    # The autouse data-dir fixture is per test; keep this one off the real data dir too.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ICS_ASSESS_DATA_DIR", str(folder / "data"))
        mp.delenv("ICS_ASSESS_DB", raising=False)
        with contextlib.redirect_stdout(out):
            code = main(["--db", str(db), "demo"])
    return db, code, out.getvalue()


@pytest.fixture
def demo_path(cli_demo) -> Path:
    return cli_demo[0]


@pytest.fixture(scope="module")
def listed(cli_demo) -> list[dict]:
    """`list --json` of the module's demo database."""
    db = cli_demo[0]
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ICS_ASSESS_DATA_DIR", str(db.parent / "data"))
        with contextlib.redirect_stdout(out):
            assert main(["--db", str(db), "list", "--json"]) == 0
    return json.loads(out.getvalue())


# --- version and usage ------------------------------------------------------------------


def test_version_prints_name_and_version(capsys):
    code, out, err = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"ics-assess {__version__}"
    assert err == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["frobnicate"],
        ["show"],
        ["list", "--frobnicate"],
        ["forms", "frobnicate"],
    ],
    ids=["unknown-command", "show-without-id", "unknown-option", "unknown-forms-command"],
)
def test_usage_errors_exit_2_with_one_line(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "--help" in err


@pytest.mark.parametrize(("argv", "prog"), [([], "ics-assess"), (["forms"], "ics-assess forms")])
def test_no_command_exits_2_with_a_hint(capsys, argv, prog):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.strip() == f"{prog}: say what to do (see '{prog} --help')."


def test_help_lists_every_command(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("forms", "demo", "list", "show", "check", "--db", "--version"):
        assert command in out


# --- forms ------------------------------------------------------------------------------


def test_forms_list_shows_the_three_shipped_questionnaires(capsys):
    code, out, err = run(capsys, "forms", "list")
    assert code == 0
    assert err == ""
    header, rule, *rows = out.strip().splitlines()
    assert header.split() == ["ID", "VERSION", "TITLE", "SECTIONS", "ITEMS"]
    assert set(rule) <= {"-", " "}
    assert {row.split()[0] for row in rows} == SHIPPED_IDS


def test_forms_list_json_matches_the_catalogue(capsys):
    code, out, err = run(capsys, "forms", "list", "--json")
    assert code == 0
    assert err == ""
    data = json.loads(out)
    assert isinstance(data, list)
    assert all(set(entry) == FORMS_KEYS for entry in data)
    catalogue = load_catalogue(paths.forms_dirs())
    # Each shipped questionnaire in two versions: 1.0, which answers were given on, and 1.1.
    assert len(data) == len(catalogue.entries) == 6
    assert {(e["id"], e["version"]) for e in data} == {
        (qid, version) for qid in SHIPPED_IDS for version in ("1.0", "1.1")
    }
    for entry in data:
        loaded = catalogue.get(entry["id"], entry["version"])
        assert loaded is not None
        q = loaded.questionnaire
        assert entry["title"] == q.title
        assert entry["sections"] == len(q.sections)
        assert entry["items"] == len(q.items)
        assert isinstance(entry["sections"], int)
        assert isinstance(entry["items"], int)
        assert isinstance(entry["version"], str)
        assert Path(entry["path"]) == loaded.path
        assert Path(entry["path"]).parent == FORMS_DIR
        # The bands with their descriptors, and the statements that changed (replaces).
        assert all(set(band) == BAND_KEYS for band in entry["bands"])
        assert entry["bands"] == [
            {"name": b.name, "below": b.below, "descriptor": b.descriptor or None} for b in q.bands
        ]
        assert entry["bands"][-1]["below"] is None
        assert entry["replaces"] == {i.id: list(i.replaces) for i in q.items if i.replaces}
        if entry["version"] == "1.0":  # no descriptors, nothing replaced
            assert all(band["descriptor"] is None for band in entry["bands"])
            assert entry["replaces"] == {}
        else:  # 1.1 describes every band and names the statements it rewords
            assert all(band["descriptor"] for band in entry["bands"])
            assert entry["replaces"]
            earlier = catalogue.get(entry["id"], "1.0").questionnaire
            replaced = {old for olds in entry["replaces"].values() for old in olds}
            assert replaced <= {i.id for i in earlier.items} - {i.id for i in q.items}
    # Sorted by title, as documented.
    titles = [e["title"].lower() for e in data]
    assert titles == sorted(titles)


@pytest.mark.parametrize("form", SHIPPED, ids=lambda p: p.name)
def test_forms_check_passes_each_shipped_file(capsys, form):
    code, out, err = run(capsys, "forms", "check", form)
    assert code == 0
    assert out.strip() == f"{form}: OK"
    assert err == ""


SCALE = "".join(
    f'[[scale]]\nvalue = {n}\nlabel = "Point {n}"\ndescriptor = "Descriptor {n}."\n'
    for n in range(1, 6)
)

BROKEN = (
    textwrap.dedent(
        """
        id = "broken"
        title = "Broken"
        purpose = "A questionnaire with one of each mistake."
        """
    )
    + SCALE
    + textwrap.dedent(
        """
        [[bands]]
        name = "Low"
        below = 60
        [[bands]]
        name = "Middle"
        below = 40
        [[bands]]
        name = "High"

        [[sections]]
        id = "first"
        title = "First"

        [[sections.items]]
        id = "a-1"
        statement = "One."
        guidance = "What good looks like."
        wieght = 2

        [[sections.items]]
        id = "a-2"
        guidance = "A statement is missing above."

        [[sections]]
        id = "second"
        title = "Second"

        [[sections.items]]
        id = "a-1"
        statement = "The same id again."
        guidance = "What good looks like."

        [[sections.items]]
        id = "b-2"
        statement = "A negative weight."
        guidance = "What good looks like."
        weight = -1
        """
    )
)


def test_forms_check_names_every_problem_and_where_it_is(capsys, tmp_path):
    form = tmp_path / "broken.toml"
    form.write_text(BROKEN, encoding="utf-8")
    code, out, err = run(capsys, "forms", "check", form)
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    expected = [
        "top level: 'version' is missing",
        "band 'Middle': 'below' = 40 must be higher than the band before it",
        "section 'first', item 'a-1': unknown key 'wieght'",
        "section 'first', item 'a-2': 'statement' is missing",
        "section 'second', item 'a-1': this item id is already used in section 'first'",
        "section 'second', item 'b-2': 'weight' must be a positive number",
    ]
    for text in expected:
        matching = [line for line in lines if f"{form}: {text}" in line]
        assert len(matching) == 1, f"{text!r} not reported once in:\n{err}"
    assert lines[-1] == f"{form}: 6 problems; the questionnaire cannot be used."
    assert len(lines) == len(expected) + 1


def test_forms_check_on_a_missing_file_is_one_line(capsys, tmp_path):
    missing = tmp_path / "nowhere.toml"
    code, out, err = run(capsys, "forms", "check", missing)
    assert code == 1
    assert out == ""
    line = assert_one_line_error(err)
    assert str(missing) in line


@pytest.fixture
def broken_user_form(isolated_data_dir) -> Path:
    """A questionnaire with one misspelt key in the user's own forms folder."""
    folder = isolated_data_dir / "forms"
    folder.mkdir()
    text = (FORMS_DIR / "governance.toml").read_text(encoding="utf-8")
    text = text.replace('id = "governance"', 'id = "my-governance"', 1)
    text = text.replace("\nguidance = ", "\nwieght = 2\nguidance = ", 1)
    path = folder / "broken.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _skipped_warning(err: str) -> str:
    warnings = [line for line in err.splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1, err
    assert warnings[0].startswith("warning: Skipped questionnaire broken.toml: ")
    assert "unknown key 'wieght'" in warnings[0]
    assert "Traceback" not in err
    return warnings[0]


def test_a_broken_user_form_does_not_stop_forms_list(capsys, broken_user_form):
    code, out, err = run(capsys, "forms", "list", "--json")
    assert code == 0
    _skipped_warning(err)
    # The warning stays on stderr: stdout is still clean JSON with the shipped forms.
    assert {e["id"] for e in json.loads(out)} == SHIPPED_IDS


def test_a_broken_user_form_does_not_stop_list(capsys, broken_user_form, db_path):
    Store.open(db_path).close()
    code, out, err = run(capsys, "--db", db_path, "list")
    assert code == 0
    _skipped_warning(err)
    assert "No assessments yet" in out


def test_a_valid_user_form_is_listed_beside_the_shipped_ones(capsys, isolated_data_dir):
    folder = isolated_data_dir / "forms"
    folder.mkdir()
    text = (FORMS_DIR / "governance.toml").read_text(encoding="utf-8")
    text = text.replace('id = "governance"', 'id = "my-governance"', 1)
    (folder / "mine.toml").write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "forms", "list", "--json")
    assert code == 0
    assert err == ""
    data = {e["id"]: e for e in json.loads(out)}
    assert set(data) == {*SHIPPED_IDS, "my-governance"}
    assert Path(data["my-governance"]["path"]) == folder / "mine.toml"


# --- demo, list, show, check --------------------------------------------------------------


def test_demo_fills_the_database_and_says_what_it_added(cli_demo):
    db, code, out = cli_demo
    assert code == 0
    assert out.startswith("Added the demo partnership ")
    assert f"{DEMO_ASSESSMENTS} assessments" in out
    assert db.is_file()


def test_demo_a_second_time_adds_nothing_and_says_so(capsys, tmp_path):
    db = tmp_path / "twice.sqlite"
    assert run(capsys, "--db", db, "demo")[0] == 0
    code, out, err = run(capsys, "--db", db, "demo")
    assert code == 0
    assert err == ""
    assert "already" in out
    assert "nothing was added" in out
    code, out, _ = run(capsys, "--db", db, "list", "--json")
    assert code == 0
    assert len(json.loads(out)) == DEMO_ASSESSMENTS


def test_list_shows_a_table_with_short_ids(capsys, demo_path, listed):
    code, out, err = run(capsys, "--db", demo_path, "list")
    assert code == 0
    assert err == ""
    lines = out.strip().splitlines()
    assert lines[0].split()[:3] == ["ID", "ORGANISATION", "PARTNER"]
    assert lines[-1] == (
        f"{DEMO_ASSESSMENTS} assessments. Ids are shortened; 'show' takes any unique beginning."
    )
    short_ids = {line.split()[0] for line in lines[2:-2]}
    assert short_ids == {row["id"][:8] for row in listed}


def test_list_json_has_the_documented_shape(listed):
    assert len(listed) == DEMO_ASSESSMENTS
    partner_types = {t.value for t in PartnerType}
    for row in listed:
        assert set(row) == LIST_KEYS
        assert uuid_like(row["id"])
        assert uuid_like(row["round_id"])
        assert uuid_like(row["organisation_id"])
        for key in ("partnership", "round", "organisation", "questionnaire", "role"):
            assert isinstance(row[key], str)
        assert row["questionnaire_id"] in SHIPPED_IDS
        assert isinstance(row["questionnaire_version"], str)
        assert row["partner_type"] in partner_types
        assert row["sector"] == PartnerType(row["partner_type"]).sector.value
        assert row["kind"] in {k.value for k in AssessmentKind}
        assert row["status"] in {s.value for s in AssessmentStatus}
        assert row["respondent"] is None or isinstance(row["respondent"], str)
        assert isinstance(row["answered"], int)
        assert isinstance(row["items"], int)
        assert 0 <= row["answered"] <= row["items"]
        assert isinstance(row["updated_at"], str)
    # Newest change first.
    stamps = [row["updated_at"] for row in listed]
    assert stamps == sorted(stamps, reverse=True)
    # The demo has anonymous workshop participants and drafts.
    assert any(row["respondent"] is None for row in listed)
    assert any(row["status"] == "draft" for row in listed)


def test_every_id_in_list_json_is_accepted_by_show(capsys, demo_path, listed):
    for row in listed:
        code, out, err = run(capsys, "--db", demo_path, "show", row["id"], "--json")
        assert code == 0, err
        assert json.loads(out)["id"] == row["id"]


def test_show_takes_a_unique_8_character_beginning(capsys, demo_path, listed):
    full = listed[0]["id"]
    code, out, err = run(capsys, "--db", demo_path, "show", full[:8])
    assert code == 0
    assert err == ""
    assert f"Id: {full}" in out
    assert listed[0]["questionnaire"] in out
    assert "Overall:" in out
    # Upper case works too.
    assert run(capsys, "--db", demo_path, "show", full[:8].upper())[0] == 0


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("00000000-0000-4000-8000-000000000000", "There is no assessment with id"),
        ("abc", "at least the first 4 characters"),
    ],
    ids=["unknown", "too-short"],
)
def test_show_refuses_an_unknown_or_too_short_id_in_one_line(capsys, demo_path, given, words):
    code, out, err = run(capsys, "--db", demo_path, "show", given)
    assert code == 1
    assert out == ""
    assert words in assert_one_line_error(err)


def test_show_refuses_an_ambiguous_beginning(capsys, services, partnership_setup, db_path):
    _, rnd, orgs = partnership_setup
    services.keep_questionnaire(services.latest_questionnaire("governance"))
    q = services.latest_questionnaire("governance").questionnaire
    ids = ["abcd1234-0000-4000-8000-000000000001", "abcd1234-0000-4000-8000-000000000002"]
    for assessment_id in ids:
        services.store.create_assessment(
            id=assessment_id,
            round_id=rnd.id,
            organisation_id=orgs["icb"].id,
            questionnaire_id=q.id,
            questionnaire_version=q.version,
            kind="organisation",
        )
    code, _, err = run(capsys, "--db", db_path, "show", "abcd1234")
    assert code == 1
    assert "More than one assessment id begins with abcd1234" in assert_one_line_error(err)
    code, out, _ = run(capsys, "--db", db_path, "show", ids[1], "--json")
    assert code == 0
    assert json.loads(out)["id"] == ids[1]


TOP_KEYS = {
    "id",
    "partnership",
    "round",
    "organisation",
    "questionnaire",
    "kind",
    "respondent",
    "role",
    "status",
    "created_at",
    "updated_at",
    "submitted_at",
    "answered",
    "items",
    "score",
    "sections",
}
SECTION_KEYS = {
    "id",
    "title",
    "reported",
    "mean",
    "percent",
    "band",
    "rated",
    "dont_know",
    "not_applicable",
    "unanswered",
    "items",
}
ITEM_KEYS = {
    "id",
    "number",
    "statement",
    "weight",
    "reverse",
    "replaces",
    "rating",
    "response",
    "target",
    "comment",
    "evidence",
}
RESPONSES = {"rating", "dont_know", "not_applicable", "unanswered"}


def _number_or_none(value: object) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _check_show_json(data: dict, services: Services, catalogue) -> dict[str, int]:
    """Check one `show --json` document against the database; count response kinds."""
    assert set(data) == TOP_KEYS
    assert uuid_like(data["id"])
    assert set(data["partnership"]) == {"id", "name"}
    assert set(data["round"]) == {"id", "name"}
    assert set(data["organisation"]) == {"id", "name", "partner_type", "sector"}
    assert set(data["questionnaire"]) == {"id", "version", "title"}
    for part in ("partnership", "round", "organisation"):
        assert uuid_like(data[part]["id"])
        assert isinstance(data[part]["name"], str)
    org = data["organisation"]
    assert org["sector"] == PartnerType(org["partner_type"]).sector.value
    assert org["sector"] in {s.value for s in Sector}
    assert data["kind"] in {k.value for k in AssessmentKind}
    assert data["status"] in {s.value for s in AssessmentStatus}
    assert data["respondent"] is None or isinstance(data["respondent"], str)
    assert isinstance(data["role"], str)
    assert isinstance(data["created_at"], str)
    assert isinstance(data["updated_at"], str)
    if data["status"] == "submitted":
        assert isinstance(data["submitted_at"], str)
    else:
        assert data["submitted_at"] is None or isinstance(data["submitted_at"], str)

    stored = services.store.assessment(data["id"])
    assert data["questionnaire"]["id"] == stored.questionnaire_id
    assert data["questionnaire"]["version"] == stored.questionnaire_version
    assert data["organisation"]["id"] == stored.organisation_id
    assert data["round"]["id"] == stored.round_id
    q = catalogue.get(stored.questionnaire_id, stored.questionnaire_version).questionnaire
    answers = services.store.answers(data["id"])
    expected = questionnaire_score(q, answers)
    assert data["questionnaire"]["title"] == q.title
    assert data["items"] == len(q.items)

    score = data["score"]
    assert set(score) == {
        "mean",
        "percent",
        "band",
        "band_descriptor",
        "unreported_sections",
        "sections_scored",
        "provisional",
    }
    assert _number_or_none(score["mean"])
    assert _number_or_none(score["percent"])
    assert score["mean"] == (None if expected.mean is None else round(expected.mean, 4))
    assert score["percent"] == (None if expected.percent is None else round(expected.percent, 1))
    assert score["band"] == (expected.band.name if expected.band else None)
    # What the headline band looks like for this questionnaire (1.1 describes its bands).
    assert score["band_descriptor"] == (expected.band.descriptor or None if expected.band else None)
    assert score["unreported_sections"] == [s.section_id for s in expected.unreported]
    assert score["sections_scored"] == len(q.sections) - len(expected.unreported)
    # Provisional: an overall score resting on fewer than all the sections.
    assert score["provisional"] is (expected.mean is not None and bool(expected.unreported))
    # Statement numbers: section and place in it, as the window and the reports show them.
    numbers = {
        item.id: f"{s}.{i}"
        for s, section in enumerate(q.sections, start=1)
        for i, item in enumerate(section.items, start=1)
    }

    counts = dict.fromkeys(RESPONSES, 0)
    assert [s["id"] for s in data["sections"]] == [s.id for s in q.sections]
    for section_json, section, section_score in zip(
        data["sections"], q.sections, expected.sections, strict=True
    ):
        assert set(section_json) == SECTION_KEYS
        assert section_json["title"] == section.title
        assert section_json["reported"] is section_score.reported
        assert section_json["mean"] == (
            None if section_score.mean is None else round(section_score.mean, 4)
        )
        assert section_json["percent"] == (
            None if section_score.percent is None else round(section_score.percent, 1)
        )
        assert section_json["band"] == (section_score.band.name if section_score.band else None)
        for key in ("rated", "dont_know", "not_applicable", "unanswered"):
            assert isinstance(section_json[key], int)
            assert section_json[key] == getattr(section_score, key)
        assert [i["id"] for i in section_json["items"]] == [i.id for i in section.items]
        section_counts = dict.fromkeys(RESPONSES, 0)
        for item_json, item in zip(section_json["items"], section.items, strict=True):
            assert set(item_json) == ITEM_KEYS
            assert item_json["number"] == numbers[item.id]
            assert item_json["statement"] == item.statement
            assert isinstance(item_json["weight"], int | float)
            assert item_json["weight"] == item.weight
            assert item_json["reverse"] is item.reverse
            assert item_json["replaces"] == list(item.replaces)
            assert item_json["response"] in RESPONSES
            assert isinstance(item_json["comment"], str)
            answer = answers.get(item.id)
            assert item_json["rating"] == (answer.rating if answer else None)
            assert item_json["target"] == (answer.target if answer else None)
            assert item_json["comment"] == (answer.comment if answer else "")
            assert item_json["evidence"] == (answer.evidence if answer else "")
            if item_json["response"] == "rating":
                assert item_json["rating"] in {1, 2, 3, 4, 5}
            else:
                assert item_json["rating"] is None
            if item_json["response"] == "dont_know":
                assert answer is not None
                assert answer.unrated is Unrated.DONT_KNOW
            section_counts[item_json["response"]] += 1
        assert section_counts["rating"] == section_json["rated"]
        assert section_counts["dont_know"] == section_json["dont_know"]
        assert section_counts["not_applicable"] == section_json["not_applicable"]
        assert section_counts["unanswered"] == section_json["unanswered"]
        for key, n in section_counts.items():
            counts[key] += n
    assert data["answered"] == len(q.items) - counts["unanswered"]
    return counts


def test_show_json_matches_detail_json_and_the_scoring(capsys, demo_path, listed):
    catalogue = load_catalogue([FORMS_DIR])
    totals = dict.fromkeys(RESPONSES, 0)
    with Services.open(demo_path, [FORMS_DIR]) as services:
        for row in listed:
            code, out, err = run(capsys, "--db", demo_path, "show", row["id"], "--json")
            assert code == 0, err
            data = json.loads(out)
            counts = _check_show_json(data, services, catalogue)
            for key, n in counts.items():
                totals[key] += n
            # The list row and the detail agree.
            assert data["answered"] == row["answered"]
            assert data["status"] == row["status"]
            assert data["respondent"] == row["respondent"]
            assert data["organisation"]["name"] == row["organisation"]
    # The demo has don't knows (response "dont_know", rating null), not applicables,
    # and the half-done drafts have unanswered statements.
    assert totals["dont_know"] > 0
    assert totals["not_applicable"] > 0
    assert totals["unanswered"] > 0


def test_show_json_gives_the_band_descriptor_and_what_1_1_replaces(capsys, demo_path, listed):
    """The demo answers its baseline on 1.0 (no band descriptors, nothing replaced) and
    its review on 1.1, whose bands are described and whose reworded statements name the
    1.0 statements they take the place of."""
    by_version: dict[str, dict] = {}
    for row in listed:
        if row["status"] == "submitted" and row["kind"] == "organisation":
            by_version.setdefault(row["questionnaire_version"], row)
    old, new = by_version["1.0"], by_version["1.1"]
    data = json.loads(run(capsys, "--db", demo_path, "show", old["id"], "--json")[1])
    assert data["score"]["band"] and data["score"]["band_descriptor"] is None
    assert all(i["replaces"] == [] for s in data["sections"] for i in s["items"])
    data = json.loads(run(capsys, "--db", demo_path, "show", new["id"], "--json")[1])
    q = load_catalogue([FORMS_DIR]).get(new["questionnaire_id"], "1.1").questionnaire
    band = next(b for b in q.bands if b.name == data["score"]["band"])
    assert data["score"]["band_descriptor"] == band.descriptor != ""
    replaces = {i["id"]: i["replaces"] for s in data["sections"] for i in s["items"]}
    assert (
        {k: v for k, v in replaces.items() if v}
        == {i.id: list(i.replaces) for i in q.items if i.replaces}
        != {}
    )
    # The text says what the band looks like beside it, for 1.1 only.
    text = run(capsys, "--db", demo_path, "show", new["id"])[1].splitlines()
    overall = next(n for n, line in enumerate(text) if line.startswith("Overall:"))
    assert text[overall + 1] == f"  What {band.name} looks like: {band.descriptor}"
    text = run(capsys, "--db", demo_path, "show", old["id"])[1]
    assert "looks like:" not in text


def test_the_documented_show_and_forms_keys_are_the_pinned_ones():
    """docs/cli.md documents every key of `show --json` and `forms list --json`."""
    from .test_cli_actions import DOCS

    def keys(heading: str, table: str) -> set[str]:
        text = DOCS.read_text("utf-8").split(heading, 1)[1].split(table, 1)[1]
        found: set[str] = set()
        for line in text.splitlines()[1:]:
            if line.startswith("| `"):
                found.add(line.split("`")[1])
            elif found and not line.startswith("|"):
                break
        return found

    show = "### JSON: `show --json`"
    assert keys(show, "Top level:") == TOP_KEYS
    assert keys(show, "`score`:") == {
        "mean",
        "percent",
        "band",
        "band_descriptor",
        "unreported_sections",
        "sections_scored",
        "provisional",
    }
    assert keys(show, "Each object in `sections`:") == SECTION_KEYS
    assert keys(show, "Each object in a section's `items`:") == ITEM_KEYS
    forms = "### JSON: `forms list --json`"
    assert keys(forms, "\n\n| key") == FORMS_KEYS
    assert keys(forms, "Each object in `bands`:") == BAND_KEYS


def test_show_json_of_a_dont_know_answer(capsys, demo_path):
    """One concrete don't know, looked up in the database and found in the JSON."""
    with Store.open(demo_path) as store:
        row = next(
            iter(
                store.db.query(
                    "SELECT assessment_id, item_id FROM answers WHERE unrated = 'dont_know' LIMIT 1"
                )
            )
        )
    code, out, _ = run(capsys, "--db", demo_path, "show", row["assessment_id"], "--json")
    assert code == 0
    items = {i["id"]: i for s in json.loads(out)["sections"] for i in s["items"]}
    assert items[row["item_id"]]["response"] == "dont_know"
    assert items[row["item_id"]]["rating"] is None


def test_show_text_marks_dont_know_and_comments(capsys, demo_path):
    with Store.open(demo_path) as store:
        row = next(
            iter(
                store.db.query(
                    "SELECT assessment_id FROM answers WHERE unrated = 'dont_know' "
                    "AND assessment_id IN (SELECT assessment_id FROM answers WHERE comment != '')"
                    " LIMIT 1"
                )
            )
        )
    code, out, _ = run(capsys, "--db", demo_path, "show", row["assessment_id"])
    assert code == 0
    assert "Don't know" in out
    assert "      > " in out


def test_check_on_the_demo_is_ok(capsys, demo_path):
    code, out, err = run(capsys, "--db", demo_path, "check")
    assert code == 0
    assert err == ""
    assert out.startswith(f"{demo_path}: OK (")
    assert f"{DEMO_ASSESSMENTS} assessments" in out


def test_read_commands_leave_the_demo_database_unchanged(capsys, demo_path, listed):
    before = sha256(demo_path)
    for argv in (["list"], ["list", "--json"], ["show", listed[0]["id"]], ["check"]):
        assert run(capsys, "--db", demo_path, *argv)[0] == 0
    assert sha256(demo_path) == before


# --- where the database is --------------------------------------------------------------


def test_db_option_works_before_and_after_the_command(capsys, demo_path):
    before = run(capsys, "--db", demo_path, "list", "--json")
    after = run(capsys, "list", "--json", "--db", demo_path)
    assert before[0] == after[0] == 0
    assert before[1] == after[1]
    assert len(json.loads(after[1])) == DEMO_ASSESSMENTS


def test_ics_assess_db_is_used_when_db_is_absent(capsys, monkeypatch, tmp_path, demo_path):
    monkeypatch.setenv("ICS_ASSESS_DB", str(demo_path))
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    assert len(json.loads(out)) == DEMO_ASSESSMENTS
    # --db wins over the environment variable.
    other = tmp_path / "other.sqlite"
    Store.open(other).close()
    code, out, _ = run(capsys, "--db", other, "list", "--json")
    assert code == 0
    assert json.loads(out) == []


def test_default_database_is_in_the_data_directory(capsys, isolated_data_dir):
    code, out, _ = run(capsys, "demo")
    assert code == 0
    assert str(isolated_data_dir / paths.DB_FILENAME) in out
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    assert len(json.loads(out)) == DEMO_ASSESSMENTS


@pytest.mark.parametrize("command", [["list"], ["show", "abcd1234"], ["check"]])
def test_reading_a_missing_database_says_so_and_creates_nothing(capsys, tmp_path, command):
    missing = tmp_path / "typo" / "assess.sqlite"
    code, _, err = run(capsys, "--db", missing, *command)
    assert code == 1
    assert err.count("\n") == 1
    assert f"There is no database at {missing}" in err
    assert not (tmp_path / "typo").exists()


def test_an_empty_db_option_is_refused(capsys):
    code, _, err = run(capsys, "--db", "", "list")
    assert code == 1
    assert "--db needs the path of a database file" in err


def test_db_option_expands_the_home_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    code, _, _ = run(capsys, "--db", "~/mine.sqlite", "demo")
    assert code == 0
    assert (tmp_path / "mine.sqlite").is_file()
    assert not (Path.cwd() / "~").exists()


# --- files the program must refuse, untouched ---------------------------------------------


def _text_file(path: Path) -> Path:
    path.write_bytes(b"Minutes of the partnership board, 12 May 2026.\n" * 40)
    return path


def _foreign_database(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE foo (x INTEGER)")
    conn.execute("INSERT INTO foo VALUES (1)")
    conn.commit()
    conn.close()
    return path


def _newer_database(path: Path) -> Path:
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('ics_assess', '9999_future', '2030-01-01 00:00:00')"
    )
    conn.commit()
    conn.close()
    return path


def _page_offsets(data: bytes, page_type: int) -> list[int]:
    """Byte offsets of the b-tree pages of one type (0x0a index leaf, 0x0d table leaf)
    that hold cells, from the page headers of a SQLite file."""
    page_size = int.from_bytes(data[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    offsets = []
    for offset in range(page_size, len(data), page_size):  # page 1 holds the header
        cells = int.from_bytes(data[offset + 3 : offset + 5], "big")
        if data[offset] == page_type and cells > 0:
            offsets.append(offset)
    return offsets


def _real_database_with_data(path: Path, demo_db: Path) -> bytes:
    source = sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True)
    target = sqlite3.connect(path)
    source.backup(target)
    target.close()
    source.close()
    return path.read_bytes()


def _nearest_middle(offsets: list[int], size: int) -> int:
    assert offsets
    return min(offsets, key=lambda o: abs(o - size // 2))


@pytest.fixture
def _damaged_index(demo_db):
    """A real database with the cells of an index page in the middle overwritten: SQLite
    opens it, and its quick check lists what is wrong."""

    def make(path: Path) -> Path:
        data = bytearray(_real_database_with_data(path, demo_db))
        offset = _nearest_middle(_page_offsets(data, 0x0A), len(data))
        page_size = int.from_bytes(data[16:18], "big")
        content_start = int.from_bytes(data[offset + 5 : offset + 7], "big")
        data[offset + content_start : offset + page_size] = b"\xff" * (page_size - content_start)
        path.write_bytes(bytes(data))
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [r[0] for r in conn.execute("PRAGMA quick_check")]
        finally:
            conn.close()
        for suffix in ("-wal", "-shm"):  # what that look left behind, not the program
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        assert result != ["ok"], "the damage was not enough for quick_check to notice"
        return path

    return make


@pytest.fixture
def _damaged_table(demo_db):
    """A real database with the header of a table page in the middle overwritten: SQLite
    opens the file, but its quick check stops with 'database disk image is malformed'."""

    def make(path: Path) -> Path:
        data = bytearray(_real_database_with_data(path, demo_db))
        offset = _nearest_middle(_page_offsets(data, 0x0D), len(data))
        data[offset : offset + 12] = b"\xff" * 12
        path.write_bytes(bytes(data))
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            with pytest.raises(sqlite3.DatabaseError, match="malformed"):
                conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
        for suffix in ("-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return path

    return make


BAD_DB_WORDS = {
    "text": "not an ICS Assess database",
    "foreign": "not an ICS Assess one",
    "newer": "newer version of ICS Assess",
    "damaged-index": "is damaged",
    "damaged-table": "is damaged",
}


@pytest.fixture
def bad_database(request, tmp_path, _damaged_index, _damaged_table) -> Path:
    """A file the program must refuse, alone in its own folder."""
    folder = tmp_path / request.param
    folder.mkdir()
    path = folder / "assess.sqlite"
    makers = {
        "text": _text_file,
        "foreign": _foreign_database,
        "newer": _newer_database,
        "damaged-index": _damaged_index,
        "damaged-table": _damaged_table,
    }
    made = makers[request.param](path)
    assert beside(made) == ["assess.sqlite"]
    return made


EXPLAINED_KINDS = [
    "text",
    "foreign",
    "newer",
    "damaged-index",
    "damaged-table",
]


@pytest.mark.parametrize("command", ["list", "check"])
@pytest.mark.parametrize("bad_database", EXPLAINED_KINDS, indirect=True)
def test_a_file_that_cannot_be_used_is_refused_in_words_and_untouched(
    capsys, bad_database, command
):
    kind = bad_database.parent.name
    before = sha256(bad_database)
    code, out, err = run(capsys, "--db", bad_database, command)
    assert code == 1
    assert out == ""
    assert "Traceback" not in err
    assert err.startswith("ics-assess: ")
    assert str(bad_database) in err
    assert BAD_DB_WORDS[kind] in err
    assert "has not been changed" in err
    assert sha256(bad_database) == before
    assert not (bad_database.parent / "backups").exists()


ONE_LINE_KINDS = [
    "text",
    "foreign",
    "newer",
    "damaged-index",
    "damaged-table",
]


@pytest.mark.parametrize("command", ["list", "check"])
@pytest.mark.parametrize("bad_database", ONE_LINE_KINDS, indirect=True)
def test_a_refused_file_is_explained_in_one_line(capsys, bad_database, command):
    code, _, err = run(capsys, "--db", bad_database, command)
    assert code == 1
    assert_one_line_error(err)


ALL_KINDS = ["text", "foreign", "newer", "damaged-index", "damaged-table"]


@pytest.mark.parametrize("command", ["list", "check"])
@pytest.mark.parametrize("bad_database", ALL_KINDS, indirect=True)
def test_a_refused_file_gets_nothing_created_beside_it(capsys, bad_database, command):
    code, _, _ = run(capsys, "--db", bad_database, command)
    assert code == 1
    assert beside(bad_database) == ["assess.sqlite"]


# --- the real entry points ---------------------------------------------------------------


def test_the_real_entry_points_run(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    script = Path(sys.executable).parent / "ics-assess"
    for argv in ([sys.executable, "main.py", "--version"], [str(script), "--version"]):
        done = subprocess.run(
            argv, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == f"ics-assess {__version__}"

    Store.open(tmp_path / "x.sqlite").close()
    done = subprocess.run(
        [str(script), "--db", str(tmp_path / "x.sqlite"), "list", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []

    # With no screen at all, the GUI says so in words instead of Qt aborting.
    no_screen = {
        k: v for k, v in env.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    done = subprocess.run(
        [sys.executable, "main.py"],
        cwd=PROJECT_ROOT,
        env=no_screen,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "command line" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
