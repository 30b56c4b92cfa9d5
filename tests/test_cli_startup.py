"""The command line starts fast (issue 12): ``--version``, ``--help`` and a usage error
are answered before anything heavy is imported, reading commands import only what they
read with (``list`` neither sqlite-utils, the exchange formats nor the reports, and the
shipped forms are read only when a command needs them), and ``check`` runs SQLite's full
integrity check once, with the answers checked in SQL, not one by one in Python."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ics_assess import paths
from ics_assess.cli import main
from ics_assess.questionnaires import load_catalogue
from ics_assess.store.database import check_integrity

from .conftest import PROJECT_ROOT

# What a command that touches no database needs none of: the services and what they
# bring (the store and sqlite-utils with click, dateutil and pluggy; the exchange formats;
# reportlab) and the window's Qt.
HEAVY = (
    "ics_assess.services",
    "ics_assess.store",
    "ics_assess.exchange",
    "ics_assess.reports",
    "ics_assess.questionnaires",
    "sqlite_utils",
    "click",
    "dateutil",
    "pluggy",
    "reportlab",
    "PySide6",
    "openpyxl",
)

# main.py as a process would run it, then the names of the modules it imported.
RUN_AND_LIST_MODULES = """
import json, runpy, sys
out, argv = sys.argv[1], sys.argv[2:]
sys.argv = ["main.py", *argv]
try:
    runpy.run_path("main.py", run_name="__main__")
finally:
    with open(out, "w", encoding="utf-8") as f:
        json.dump(sorted(sys.modules), f)
"""


def imported_by(tmp_path, *argv: str) -> tuple[int, str, set[str]]:
    """Run ``main.py ARGV`` in a new process: its exit code, output and every module it
    imported."""
    out = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, str(out), *argv],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    modules = set(json.loads(out.read_text(encoding="utf-8")))
    return result.returncode, result.stdout + result.stderr, modules


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY))


@pytest.mark.parametrize(
    "argv",
    [
        ["--version"],
        ["--help"],
        ["list", "--help"],
        ["actions", "--help"],
        ["no-such-command"],
        ["actions", "--round", "R", "--status", "bogus"],
    ],
)
def test_answering_without_a_database_imports_nothing_heavy(tmp_path, argv):
    code, said, modules = imported_by(tmp_path, *argv)
    assert code in (0, 2), said
    assert "Traceback" not in said
    assert heavy(modules) == []


def test_the_version_and_the_choices_are_said_as_before(tmp_path):
    from ics_assess import __version__

    code, said, _ = imported_by(tmp_path, "--version")
    assert (code, said.strip()) == (0, f"ics-assess {__version__}")
    code, said, _ = imported_by(tmp_path, "actions", "--help")
    assert code == 0
    assert "--status {open,in_progress,done,dropped}" in said
    code, said, _ = imported_by(tmp_path, "actions", "--round", "R", "--status", "bogus")
    assert code == 2
    assert said.strip() == (
        "ics-assess actions: argument --status: invalid choice: 'bogus' (choose from "
        "'open', 'in_progress', 'done', 'dropped') (see 'ics-assess actions --help')"
    )


def test_a_command_on_a_database_does_import_the_services(tmp_path, demo_db):
    code, said, modules = imported_by(tmp_path, "--db", str(demo_db), "list", "--json")
    assert code == 0, said
    assert "ics_assess.services" in modules
    assert not any(m.startswith(("PySide6", "reportlab")) for m in modules)


# What reading commands need none of: sqlite-utils (with click, dateutil and pluggy) is
# for writing (a read-only open gives the store a plain sqlite3 connection), and the
# exchange formats, the reports, comparisons, reviews, workshops, the profile and the
# TOML parser are imported by the use cases that need them.
NOT_FOR_READING = (
    "sqlite_utils",
    "click",
    "dateutil",
    "pluggy",
    "PySide6",
    "openpyxl",
    "ics_assess.exchange",
)
NOT_FOR_LIST = (
    *NOT_FOR_READING,
    "tomllib",
    "ics_assess.profile",
    "reportlab",
    "ics_assess.reports",
    "ics_assess.scoring",
    "ics_assess.comparison",
    "ics_assess.review",
    "ics_assess.workshop",
)


def among(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m in names or m.startswith(tuple(f"{n}." for n in names)))


def test_list_imports_only_what_listing_needs(tmp_path, demo_db):
    code, said, modules = imported_by(tmp_path, "--db", str(demo_db), "list", "--json")
    assert code == 0, said
    assert len(json.loads(said)) > 0
    assert among(modules, NOT_FOR_LIST) == []


def test_a_report_imports_no_sqlite_utils_and_no_exchange_format(tmp_path, demo_db):
    from ics_assess.services import Services

    with Services.open(demo_db, readonly=True) as services:
        some = services.list_assessments()[0].assessment.id
    pdf = tmp_path / "report.pdf"
    code, said, modules = imported_by(tmp_path, "--db", str(demo_db), "report", some, "-o", pdf)
    assert code == 0, said
    assert pdf.read_bytes().startswith(b"%PDF")
    assert among(modules, NOT_FOR_READING) == []
    # text.markup escapes with html.escape: xml.sax.saxutils brings urllib.request,
    # http.client, email and ssl, 30 ms of every report
    assert among(modules, ("xml.sax", "urllib.request", "http", "email", "ssl")) == []


def test_the_shipped_forms_are_read_only_when_a_command_needs_them(demo_db, monkeypatch):
    from ics_assess.services import Services, core

    read: list[list[Path]] = []
    load = core.load_catalogue
    monkeypatch.setattr(
        core, "load_catalogue", lambda folders: read.append(folders) or load(folders)
    )
    shipped = paths.builtin_forms_dir()
    with Services.open(demo_db, readonly=True) as services:
        assert services.forms_warnings() == []
        assert services.list_assessments()
        assert not any(shipped in folders for folders in read)
        assert services.latest_questionnaire("governance").questionnaire.id == "governance"
        assert shipped in read[-1]


def test_the_shipped_forms_load_without_a_warning():
    # forms_warnings leaves them unread when no file of the user's could clash with them
    assert load_catalogue([paths.builtin_forms_dir()]).warnings == []


def test_a_users_form_that_clashes_with_a_shipped_one_is_warned_of_by_list(
    capsys, demo_db, isolated_data_dir
):
    folder = isolated_data_dir / "forms"
    folder.mkdir()
    shutil.copy(paths.builtin_forms_dir() / "governance.toml", folder / "copy.toml")
    assert main(["--db", str(demo_db), "list", "--json"]) == 0
    warnings = [line[len("warning: ") :] for line in capsys.readouterr().err.splitlines()]
    assert warnings == load_catalogue(paths.forms_dirs()).warnings
    assert len(warnings) == 1
    assert "copy.toml" in warnings[0] and "already loaded" in warnings[0]


# --- check ------------------------------------------------------------------------------


def statements_run(services, work) -> list[str]:
    """The SQL ``work()`` sends on the services' connection."""
    sent: list[str] = []
    services.store.db.conn.set_trace_callback(sent.append)
    try:
        work()
    finally:
        services.store.db.conn.set_trace_callback(None)
    return sent


def test_check_runs_the_full_integrity_check_once_and_no_answer_by_answer_loop(demo_db):
    from ics_assess.services import Services

    with Services.open(demo_db, readonly=True, check=False) as services:
        sent = statements_run(services, services.check)
    assert sum("integrity_check" in s for s in sent) == 1
    assert not any("quick_check" in s for s in sent)


def test_check_counts_each_assessments_answers_to_unknown_statements(services, partnership_setup):
    _, rnd, orgs = partnership_setup
    a = services.start_assessment(
        round_id=rnd.id,
        organisation_id=orgs["icb"].id,
        questionnaire_id="governance",
        kind="organisation",
    )
    for ghost in ("ghost-1", "ghost-2"):
        services.store.db["answers"].insert(
            {"assessment_id": a.id, "item_id": ghost, "rating": 3, "updated_at": "t"}
        )
    item = services.questionnaire_of(a).items[0].id
    services.answer(a.id, item, 4)  # a statement it has: not counted
    assert services.check().problems == [
        f"assessment {a.id} has 2 answers to statements its questionnaire does not have"
    ]


def test_check_integrity_says_in_words_what_is_wrong(tmp_path, demo_db):
    copy = tmp_path / "damaged.sqlite"
    source = sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True)
    target = sqlite3.connect(copy)
    source.backup(target)
    target.close()
    source.close()
    check_integrity(copy)  # sound
    data = bytearray(copy.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    leaf = next(  # the first table leaf page holding rows, after the header page
        offset
        for offset in range(page_size, len(data), page_size)
        if data[offset] == 0x0D and int.from_bytes(data[offset + 3 : offset + 5], "big")
    )
    data[leaf : leaf + 12] = b"\xff" * 12  # its header
    copy.write_bytes(bytes(data))
    from ics_assess.store import StoreError

    with pytest.raises(StoreError, match="is damaged"):
        check_integrity(copy)
    check_integrity(tmp_path / "missing.sqlite")  # nothing there: nothing to check
