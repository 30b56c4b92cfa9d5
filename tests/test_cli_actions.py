"""`ics-assess actions --round ROUND` (docs/cli.md): a round's action plan as a table, as
JSON with every documented key and no more, and written to CSV, XLSX or PDF; read-only."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

from .test_cli import assert_one_line_error, run, sha256

DOCS = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
REVIEW = "Six-month review, November 2026"


def _documented_keys(heading: str) -> list[str]:
    section = DOCS.read_text("utf-8").split(heading, 1)[1]
    keys: list[str] = []
    for line in section.splitlines()[1:]:
        if line.startswith("| `"):
            keys += re.findall(r"`([^`]+)`", line.split("|")[1])
        elif keys and not line.startswith("|"):
            break
    return keys


def test_actions_table_json_and_files(capsys, demo_db, tmp_path):
    before = sha256(demo_db)
    code, out, err = run(capsys, "actions", "--db", demo_db, "--round", REVIEW)
    assert code == 0 and not err
    assert "ID" in out.splitlines()[0] and "from Baseline, May 2026" in out
    code, out, _ = run(capsys, "actions", "--db", demo_db, "--round", REVIEW, "--json")
    rows = json.loads(out)
    assert code == 0 and rows
    assert set(rows[0]) == set(_documented_keys("### JSON: `actions --json`"))
    history_keys = set(_documented_keys("Each object in `history`:"))
    assert all(set(h) == history_keys for r in rows for h in r["history"])
    carried = [r for r in rows if r["carried_from"]]
    assert len(carried) == 6 and all(r["history"][0]["field"] == "created" for r in carried)
    code, out, _ = run(capsys, "actions", "--db", demo_db, "--round", REVIEW, "--status", "done",
                       "--json")  # fmt: skip
    assert code == 0 and {r["status"] for r in json.loads(out)} == {"done"}
    for name in ("plan.csv", "plan.xlsx", "plan.pdf"):
        code, out, err = run(
            capsys, "actions", "--db", demo_db, "--round", REVIEW, "-o", tmp_path / name
        )
        assert code == 0 and not err and (tmp_path / name).stat().st_size > 0
    with (tmp_path / "plan.csv").open(encoding="utf-8-sig") as f:
        assert len(list(csv.DictReader(f))) == len(rows)
    assert (tmp_path / "plan.pdf").read_bytes().startswith(b"%PDF")
    assert sha256(demo_db) == before  # read-only


def test_actions_errors_are_one_sentence(capsys, demo_db, tmp_path):
    code, _, err = run(capsys, "actions", "--db", demo_db, "--round", "Nope")
    assert code == 1 and "Nope" in assert_one_line_error(err)
    code, _, err = run(capsys, "actions", "--db", demo_db, "--round", REVIEW, "--json", "-o",
                       tmp_path / "x.csv")  # fmt: skip
    assert code == 2 and "not both" in err
    code, _, err = run(capsys, "actions", "--db", demo_db, "--round", REVIEW, "-o",
                       tmp_path / "x.txt")  # fmt: skip
    assert code == 1 and "neither .csv nor .xlsx" in assert_one_line_error(err)
