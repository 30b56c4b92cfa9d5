"""Control characters never reach the terminal (docs/cli.md, "Output and exit codes"):
names, comments and file names from bundles, spreadsheets and the command line print
with their control characters visibly escaped, every error stays one line, and --json
stays valid JSON that gives back the exact text."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ics_assess.services import Services

from .conftest import FORMS_DIR, PROJECT_ROOT
from .test_cli import assert_one_line_error, run

# Sets the window title, rings the bell, clears the screen; a line break; DEL; and
# C1's CSI (U+009B), which some terminals take as ESC [.
HOSTILE = "Evil\x1b]0;pwned\x07\x1b[2J\nCorp\x7f\x9b31m"
# Anything a terminal could take as a command: C0 but line break and tab, DEL and C1.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ANY_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


@pytest.fixture
def hostile_db(tmp_path) -> tuple[Path, str]:
    """A database whose names and comment hold HOSTILE, written with plain SQL (as a
    file from an older version, or from another program, might hold them)."""
    path = tmp_path / "hostile.sqlite"
    with Services.open(path, [FORMS_DIR]) as services:
        store = services.store
        p = store.add_partnership("P")
        r = store.add_round(p.id, "R")
        o = store.add_organisation(p.id, "O", "icb")
        a = services.start_assessment(
            round_id=r.id,
            organisation_id=o.id,
            questionnaire_id="governance",
            kind="organisation",
            respondent_name="Someone",
        )
        services.answer(a.id, services.questionnaire_of(a).items[0].id, 3)
        db = store.db
        with db.conn:
            db.execute("UPDATE partnerships SET name = ?", [HOSTILE])
            db.execute("UPDATE organisations SET name = ?", [HOSTILE])
            db.execute("UPDATE rounds SET name = ?", [HOSTILE])
            db.execute(
                "UPDATE assessments SET respondent_name = ?, respondent_role = ?",
                [HOSTILE, HOSTILE],
            )
            db.execute(
                "UPDATE answers SET comment = ?, evidence = ?",
                [HOSTILE + "\nsecond line", HOSTILE + "\nhttps://example.org/minutes"],
            )
    return path, a.id


def assert_nothing_raw(text: str) -> None:
    assert not RAW_CONTROL.search(text), repr(RAW_CONTROL.search(text))


def test_list_escapes_control_characters_and_keeps_one_row(capsys, hostile_db):
    db, aid = hostile_db
    code, out, err = run(capsys, "list", "--db", db)
    assert code == 0, err
    assert_nothing_raw(out)
    assert "Evil\\x1b]0;pwned\\x07\\x1b[2J\\nCorp\\x7f\\x9b31m" in out
    rows = [line for line in out.splitlines() if line.startswith(aid[:8])]
    assert len(rows) == 1  # the line break in the name did not split the row


def test_show_escapes_names_and_keeps_comments_readable(capsys, hostile_db):
    db, aid = hostile_db
    code, out, err = run(capsys, "show", aid[:8], "--db", db)
    assert code == 0, err
    assert_nothing_raw(out)
    lines = out.splitlines()
    assert lines[1].startswith("Evil\\x1b]0;pwned\\x07\\x1b[2J\\nCorp\\x7f\\x9b31m (")
    assert lines[2] == "Round: Evil\\x1b]0;pwned\\x07\\x1b[2J\\nCorp\\x7f\\x9b31m"
    # A comment's own line breaks stay line breaks, each line marked as the comment's.
    assert "      > Evil\\x1b]0;pwned\\x07\\x1b[2J" in lines
    assert "      > Corp\\x7f\\x9b31m" in lines
    assert "      > second line" in lines
    # The evidence references (one per line) on one line, each escaped, after the comment.
    assert (
        "      Evidence: Evil\\x1b]0;pwned\\x07\\x1b[2J; Corp\\x7f\\x9b31m; "
        "https://example.org/minutes" in lines
    )


@pytest.mark.parametrize("command", ["list", "show"])
def test_json_output_stays_json_and_gives_back_the_exact_text(capsys, hostile_db, command):
    db, aid = hostile_db
    args = ["list"] if command == "list" else ["show", aid]
    code, out, err = run(capsys, *args, "--json", "--db", db)
    assert code == 0, err
    assert not ANY_CONTROL.search(out.replace("\n", ""))  # only the layout's line breaks
    assert "\\u007f" in out and "\\u009b" in out and "\\u001b" in out
    data = json.loads(out)
    if command == "list":
        assert data[0]["organisation"] == HOSTILE and data[0]["respondent"] == HOSTILE
    else:
        assert data["organisation"]["name"] == HOSTILE
        assert data["round"]["name"] == HOSTILE
        assert data["sections"][0]["items"][0]["comment"] == HOSTILE + "\nsecond line"
        evidence = data["sections"][0]["items"][0]["evidence"]
        assert evidence == HOSTILE + "\nhttps://example.org/minutes"


@pytest.mark.parametrize(
    "args",
    [
        ["show", "\x1b]0;pwned\x07\nabcd"],
        ["import", "bad\n\x1b[2J\x9b.zip"],
        ["report", "\x1b[2J", "-o", "x\n.pdf"],
        ["list", "--bogus\x1b[2J\nx"],
    ],
)
def test_errors_stay_one_line_with_control_characters_escaped(capsys, hostile_db, args):
    db, _ = hostile_db
    code, out, err = run(capsys, *args, "--db", db)
    assert code in (1, 2)
    assert out == ""
    assert_nothing_raw(err)
    line = assert_one_line_error(err) if code == 1 else err.strip()
    assert "\n" not in err.rstrip("\n")
    assert "\\x1b" in line


def test_a_questionnaire_title_with_control_characters_is_escaped(
    capsys, isolated_data_dir, tmp_path
):
    forms = isolated_data_dir / "forms"
    forms.mkdir()
    text = (FORMS_DIR / "governance.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^id = "governance"', 'id = "hostile"', text, count=1)
    text = re.sub(r'(?m)^title = "', r'title = "\\u001b]0;pwned\\u0007', text, count=1)
    (forms / "hostile.toml").write_text(text, encoding="utf-8")
    code, table, err = run(capsys, "forms", "list")
    assert code == 0, err
    assert_nothing_raw(table + err)
    code, out, err = run(capsys, "forms", "list", "--json")
    assert code == 0, err
    titles = [f["title"] for f in json.loads(out)]
    if any("\x1b" in t for t in titles):  # (unless the questionnaire rules drop them)
        assert "\\x1b]0;pwned\\x07" in table


def test_through_a_real_terminal_pipe(hostile_db, tmp_path):
    """The same through a real process and its own stdout and stderr."""
    db, aid = hostile_db
    for args in (["list"], ["show", aid], ["show", aid, "--json"], ["show", "\x1b[2J\nno"]):
        done = subprocess.run(
            [sys.executable, "-m", "ics_assess.cli", *args, "--db", str(db)],
            capture_output=True,
            cwd=PROJECT_ROOT,
            timeout=120,
        )
        for stream in (done.stdout, done.stderr):
            assert b"\x1b" not in stream and b"\x07" not in stream
            assert b"\xc2\x9b" not in stream and b"\x7f" not in stream
        if "--json" in args:
            assert json.loads(done.stdout)["organisation"]["name"] == HOSTILE
        if done.returncode:
            assert len(done.stderr.decode("utf-8").strip().splitlines()) == 1
