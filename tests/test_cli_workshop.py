"""`ics-assess workshop list|show|report` (docs/cli.md): the workshops, one workshop as its
report shows it (counts and outcomes, never a participant's name or ratings), and the
PDF; every documented key, and no more."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ics_assess.domain import Position, Sector
from ics_assess.services import Services

from .conftest import FORMS_DIR
from .test_cli import assert_one_line_error, beside, run, sha256

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"

LIST_KEYS = {
    "id",
    "title",
    "held_on",
    "facilitator",
    "partnership",
    "partnership_id",
    "round",
    "round_id",
    "questionnaire_id",
    "questionnaire_version",
    "questionnaire",
    "participants",
    "handed_back",
    "agreed",
    "not_agreed",
    "actions",
}


def _documented_keys(heading: str) -> list[str]:
    """The keys in the first table under a heading of docs/cli.md."""
    section = DOCS.read_text("utf-8").split(heading, 1)[1]
    keys: list[str] = []
    for line in section.splitlines()[1:]:
        if line.startswith("| `"):
            keys += re.findall(r"`([^`]+)`", line.split("|")[1])
        elif keys and not line.startswith("|"):
            break
    return keys


@pytest.fixture
def demo(demo_db, tmp_path):
    """A copy of the demo database (commands that only read leave it as it is)."""
    path = tmp_path / "demo.sqlite"
    with Services.open(demo_db, [FORMS_DIR]) as s:
        s.store.backup_to(path)
    return path


def _workshop_id(capsys, db) -> str:
    code, out, err = run(capsys, "--db", db, "workshop", "list", "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    return row["id"]


def test_workshop_list_as_a_table_and_as_json(capsys, demo):
    code, out, err = run(capsys, "--db", demo, "workshop", "list")
    assert code == 0 and err == ""
    # 15 since a care home manager joined (the review and its workshop are on 1.1).
    assert "Equal partnership workshop" in out and "15/15" in out
    code, out, _ = run(capsys, "--db", demo, "workshop", "list", "--json")
    (row,) = json.loads(out)
    assert set(row) == LIST_KEYS == set(_documented_keys("### JSON: `workshop list --json`"))
    assert (row["participants"], row["handed_back"], row["not_agreed"]) == (15, 15, 1)
    assert row["agreed"] + row["not_agreed"] <= 34 and row["actions"] == 7


def test_workshop_list_when_there_are_none(capsys, tmp_path):
    db = tmp_path / "empty.sqlite"
    db.touch()
    code, out, _ = run(capsys, "--db", db, "workshop", "list")
    assert code == 0 and "No workshops yet" in out
    code, out, _ = run(capsys, "--db", db, "workshop", "list", "--json")
    assert json.loads(out) == []


def test_workshop_show_names_no_participant(capsys, demo):
    from ics_assess.demo import WORKSHOP_PARTICIPANTS

    workshop_id = _workshop_id(capsys, demo)
    code, out, err = run(capsys, "--db", demo, "workshop", "show", workshop_id[:8])
    assert code == 0, err
    assert "Participants: 15 (15 handed back, 0 still answering)" in out
    assert "by sector: NHS 6, Local government 5, Community 4" in out
    assert re.search(r"not agreed \(\d held by [A-Za-z ,]+; \d held by [A-Za-z ,]+\)", out)
    assert "Action: Bring the joint review" in out
    code, as_json, _ = run(capsys, "--db", demo, "workshop", "show", workshop_id, "--json")
    for _, name, _ in WORKSHOP_PARTICIPANTS:
        if name:
            assert name not in out and name not in as_json
    assert "Participant" not in as_json


def test_workshop_show_json_keys_are_documented(capsys, demo):
    workshop_id = _workshop_id(capsys, demo)
    code, out, err = run(capsys, "--db", demo, "workshop", "show", workshop_id, "--json")
    assert code == 0, err
    data = json.loads(out)
    top = set(_documented_keys("### JSON: `workshop show --json`"))
    assert top == set(data)
    assert set(_documented_keys("The `taking_part` object:")) == set(data["taking_part"])
    assert set(_documented_keys("Each object in the workshop's `sections`:")) == set(
        data["sections"][0]
    )
    assert set(_documented_keys("Each object in the workshop's `statements`:")) == set(
        data["statements"][0]
    )
    assert set(_documented_keys("The `agreed` object of a statement:")) == set(
        data["statements"][0]["agreed"]
    )
    plan = set(_documented_keys("Each object in the workshop's `action_plan`:"))
    assert plan == set(data["action_plan"][0])
    (split,) = [
        s for s in data["statements"] if s["agreed"] and s["agreed"]["outcome"] == "not_agreed"
    ]
    assert split["agreed"]["rating"] is None and len(split["agreed"]["positions"]) == 2
    for position in split["agreed"]["positions"]:
        assert set(position) == {"rating", "sectors"}
        assert set(position["sectors"]) <= {s.value for s in Sector}
    assert split["actions"] and set(split["actions"]) <= {a["id"] for a in data["action_plan"]}
    assert len(data["action_plan"]) == data["actions"] == 7


def test_fewer_than_three_show_no_spread(capsys, db_path):
    with Services.open(db_path, [FORMS_DIR]) as s:
        p = s.store.add_partnership("Small")
        rnd = s.store.add_round(p.id, "Round")
        org = s.store.add_organisation(p.id, "Only Council", "district_council")
        w = s.create_workshop(round_id=rnd.id, questionnaire_id="governance", title="Two")
        for rating in (2, 5):
            person = s.add_participant(w.id, organisation_id=org.id, respondent_name="Named")
            s.answer(person.id, "gov-decisions-6", rating)
            s.hand_back(person.id)
        s.set_not_agreed(w.id, "gov-decisions-6", [Position(2, (Sector.LOCAL_GOVERNMENT,))])
    code, out, err = run(capsys, "--db", db_path, "workshop", "show", w.id)
    assert code == 0, err
    assert "spread not shown" in out and "Named" not in out
    code, out, _ = run(capsys, "--db", db_path, "workshop", "show", w.id, "--json")
    data = json.loads(out)
    assert data["taking_part"]["shown"] is False
    row = data["statements"][0]
    assert (row["shown"], row["mean"], row["ratings"]) == (False, None, None)
    assert row["agreed"]["positions"] == [{"rating": 2, "sectors": ["local_government"]}]


def test_workshop_show_refuses_in_one_sentence(capsys, demo):
    code, _, err = run(capsys, "--db", demo, "workshop", "show", "ffffffff")
    assert code == 1 and "no workshop with id ffffffff" in assert_one_line_error(err)
    code, _, err = run(capsys, "--db", demo, "workshop", "show", "ab")
    assert code == 1 and "at least the first 4" in assert_one_line_error(err)
    code, _, err = run(capsys, "--db", demo, "workshop")
    assert code == 2 and "say what to do" in err
    code, _, err = run(capsys, "--db", demo, "workshop", "show")
    assert code == 2


def test_the_workshop_commands_only_read(capsys, demo):
    before = sha256(demo)
    workshop_id = _workshop_id(capsys, demo)
    run(capsys, "--db", demo, "workshop", "show", workshop_id, "--json")
    assert sha256(demo) == before
    assert beside(demo) == ["demo.sqlite"]


def test_workshop_report_writes_the_pdf(capsys, demo, tmp_path):
    from pypdf import PdfReader

    workshop_id = _workshop_id(capsys, demo)
    output = tmp_path / "workshop.pdf"
    code, out, err = run(capsys, "--db", demo, "workshop", "report", workshop_id[:8], "-o", output)
    assert code == 0, err
    assert out.startswith("Wrote the workshop report to ") and "pages)" in out
    text = "".join(page.extract_text() for page in PdfReader(output).pages)
    assert "Equal partnership workshop" in text
    code, _, err = run(capsys, "--db", demo, "workshop", "report", "ffffffff", "-o", output)
    assert code == 1 and "no workshop" in assert_one_line_error(err)
    code, _, err = run(capsys, "--db", demo, "workshop", "report", workshop_id)
    assert code == 2
