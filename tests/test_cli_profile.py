"""`ics-assess profile --round ROUND` (docs/cli.md): a round's partnership profile as a
table and as JSON with every documented key and no more; read-only."""

from __future__ import annotations

import json

import pytest

from .test_cli import assert_one_line_error, run, sha256
from .test_cli_actions import _documented_keys

BASELINE = "Baseline, May 2026"
REVIEW = "Six-month review, November 2026"


def test_profile_table_and_json(capsys, demo_db):
    before = sha256(demo_db)
    code, out, err = run(capsys, "profile", "--db", demo_db, "--round", BASELINE)
    assert code == 0 and not err
    assert "Share of voting ICB members who are councillors (computed)" in out
    code, out, _ = run(capsys, "profile", "--db", demo_db, "--round", REVIEW, "--json")
    document = json.loads(out)
    assert code == 0
    assert set(document) == set(_documented_keys("### JSON: `profile --json`"))
    fact_keys = set(_documented_keys("Each object in `facts`:"))
    assert all(set(f) == fact_keys for f in document["facts"])
    facts = {f["id"]: f for f in document["facts"]}
    councillors = facts["icb_councillors"]
    assert [t["value"] for t in councillors["trend"]] == [9, 11]
    assert [t["round"] for t in councillors["trend"]] == [BASELINE, REVIEW]
    share = facts["icb_councillor_share"]
    assert share["computed"] and share["source"] is None
    assert share["trend"][0]["value"] == pytest.approx(9 / 91 * 100)
    assert document["undeclared"] == [] and document["warnings"] == []
    assert sha256(demo_db) == before  # read-only


def test_profile_errors_are_one_sentence(capsys, demo_db):
    code, _, err = run(capsys, "profile", "--db", demo_db, "--round", "Nope")
    assert code == 1 and "Nope" in assert_one_line_error(err)
    code, _, err = run(
        capsys, "profile", "--db", demo_db, "--round", BASELINE, "--partnership", "Nobody"
    )
    assert code == 1 and "Nobody" in assert_one_line_error(err)
    code, _, err = run(capsys, "profile", "--db", demo_db)
    assert code == 2


def test_forms_check_checks_a_profile_file_as_one(capsys, tmp_path):
    from ics_assess.cli import main

    from .conftest import FORMS_DIR

    assert main(["forms", "check", str(FORMS_DIR / "profile.toml")]) == 0
    assert capsys.readouterr().out.strip().endswith("profile.toml: OK")
    broken = tmp_path / "profile.toml"
    broken.write_text('[[facts]]\nid = "x"\n', encoding="utf-8")
    assert main(["forms", "check", str(broken)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].endswith("the profile file cannot be used.")
    assert "Traceback" not in "\n".join(err)
