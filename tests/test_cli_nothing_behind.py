"""A refused import leaves nothing behind (docs/cli.md): `import` and `responses` into a
database that does not exist yet (or is an empty file) that are refused, or fail half
way, leave no database, no -wal, -shm or -journal, no backups and no new folder; a
successful import into a new database still creates it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ics_assess.services import Services
from ics_assess.services import exchange as services_module
from ics_assess.store import WriteError

from .conftest import FORMS_DIR
from .test_cli import assert_one_line_error, run
from .test_exchange import make_bundle, members_of, small_world


def refusal(err: str) -> str:
    """The error line of a refused import (after any 'conflict:' lines)."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert all(line.startswith("conflict: ") for line in lines[:-1]), err
    assert lines[-1].startswith("ics-assess: "), err
    return lines[-1]


def everything_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.fixture
def bundle(tmp_path) -> Path:
    """A bundle of every assessment of a small partnership, made in its own folder."""
    source = tmp_path / "source"
    source.mkdir()
    with Services.open(source / "source.sqlite", [FORMS_DIR]) as services:
        small_world(services)
        ids = [s.assessment.id for s in services.list_assessments()]
        path = tmp_path / "partners.zip"
        services.export_assessments(ids, path)
    return path


@pytest.fixture
def refused_bundle(bundle, tmp_path) -> Path:
    """The bundle with its questionnaire's text changed under the same id and version:
    refused by any database that knows the shipped one, a new one too."""
    members = members_of(bundle)
    name = next(n for n in members if n.startswith("questionnaires/governance@"))
    text = members[name].decode("utf-8")
    changed = text.replace('statement = "', 'statement = "Changed: ', 1)
    assert changed != text
    members[name] = changed.encode("utf-8")
    return make_bundle(tmp_path / "changed.zip", members)


@pytest.fixture
def target(tmp_path) -> Path:
    folder = tmp_path / "target"
    folder.mkdir()
    return folder / "new.sqlite"


def test_a_refused_bundle_creates_no_database(capsys, refused_bundle, target):
    code, out, err = run(capsys, "import", refused_bundle, "--db", target)
    assert code == 1
    line = refusal(err)
    assert line.startswith("ics-assess: changed.zip was not imported, nothing was changed: ")
    assert "different text under the same id and version" in line
    assert out == ""
    assert everything_under(target.parent) == []


def test_a_refused_bundle_creates_no_folders(capsys, refused_bundle, target):
    deep = target.parent / "a" / "b" / "new.sqlite"
    code, _, err = run(capsys, "import", refused_bundle, "--db", deep)
    assert code == 1
    assert "nothing was changed" in refusal(err)
    assert everything_under(target.parent) == []


def test_a_refused_bundle_leaves_an_empty_file_empty(capsys, refused_bundle, target):
    target.write_bytes(b"")
    for extra in ([], ["--dry-run"], ["--json"]):
        code, _, err = run(capsys, "import", refused_bundle, "--db", target, *extra)
        assert code == (0 if extra == ["--dry-run"] else 1), err
        assert target.read_bytes() == b""
        assert everything_under(target.parent) == ["new.sqlite"]


def test_an_import_that_fails_half_way_into_a_new_database_leaves_nothing(
    capsys, bundle, target, monkeypatch
):
    """The backup before the import is made, then the write fails (a full disk)."""

    def failing(store, plan, choice, *, backup):
        backup()
        raise WriteError("The change was not saved because the disk is full.")

    monkeypatch.setattr(services_module, "apply_import", failing)
    code, _, err = run(capsys, "import", bundle, "--db", target)
    assert code == 1
    assert assert_one_line_error(err) == (
        "ics-assess: The change was not saved because the disk is full."
    )
    assert everything_under(target.parent) == []


def test_a_successful_import_into_a_new_database_still_creates_it(capsys, bundle, target):
    code, out, err = run(capsys, "import", bundle, "--db", target)
    assert code == 0, err
    assert out.startswith(f"Imported partners.zip into {target}:")
    names = everything_under(target.parent)
    assert "new.sqlite" in names and "backups" in names
    # Nothing was replaced, so the backup is not said to hold replaced records.
    assert "replaced records" not in out
    assert "The database as it was before the import is in the backup " in out
    code, out, err = run(capsys, "list", "--db", target)
    assert code == 0, err
    assert "Riverside" in out


def test_a_failed_import_into_an_existing_database_keeps_it(capsys, bundle, refused_bundle, target):
    code, _, err = run(capsys, "import", bundle, "--db", target)
    assert code == 0, err
    before = target.read_bytes()
    code, _, err = run(capsys, "import", refused_bundle, "--db", target)
    assert code == 1
    assert target.read_bytes() == before


def responses_args(tmp_path: Path, db: Path) -> list[object]:
    sheet = tmp_path / "responses.csv"
    sheet.write_text("Organisation,Q\nSomewhere,5\n", encoding="utf-8")
    return [
        "responses",
        sheet,
        "--questionnaire",
        "governance",
        "--round",
        "Baseline",
        "--organisation-column",
        "Organisation",
        "--db",
        db,
    ]


def test_refused_responses_into_a_missing_database_leave_nothing(capsys, tmp_path, target):
    code, _, err = run(capsys, *responses_args(tmp_path, target))
    assert code == 1
    assert "There is no database at" in assert_one_line_error(err)
    assert everything_under(target.parent) == []


def test_refused_responses_leave_an_empty_file_empty(capsys, tmp_path, target):
    target.write_bytes(b"")
    for extra in ([], ["--dry-run"]):
        code, _, err = run(capsys, *responses_args(tmp_path, target), *extra)
        assert code == 1
        assert "no round" in assert_one_line_error(err)
        assert target.read_bytes() == b""
        assert everything_under(target.parent) == ["new.sqlite"]


def test_a_demo_that_fails_into_a_new_database_leaves_nothing(capsys, target, monkeypatch):
    import ics_assess.demo as demo

    def failing(services):
        services.store.add_partnership("Half a demo")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(demo, "build_demo", failing)
    code, _, err = run(capsys, "demo", "--db", target)
    assert code == 1
    assert_one_line_error(err)
    assert everything_under(target.parent) == []
