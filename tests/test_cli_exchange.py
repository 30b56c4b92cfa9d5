"""`ics-assess export` and `ics-assess import` as a user runs them (docs/cli.md): exit
codes, what goes to stdout and stderr, the `import --json` shape, and that a refused
file changes nothing and creates no database."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ics_assess.services import Services
from ics_assess.store.backups import list_backups

from .conftest import FORMS_DIR, PROJECT_ROOT
from .test_cli import assert_one_line_error, run
from .test_exchange import all_ids, dump, rebundle, small_world

IMPORT_KEYS = {
    "file",
    "database",
    "applied",
    "dry_run",
    "choice",
    "added",
    "already_there",
    "conflicts",
    "answers_added",
    "change_log_added",
    "backup",
}
KIND_KEYS = {
    "partnerships",
    "organisations",
    "rounds",
    "questionnaires",
    "workshops",
    "assessments",
    "actions",
}
CONFLICT_KEYS = {"kind", "id", "description", "resolvable", "resolution"}


@pytest.fixture
def source(tmp_path) -> tuple[Path, dict]:
    path = tmp_path / "source.sqlite"
    with Services.open(path, [FORMS_DIR]) as services:
        world = small_world(services)
    return path, world


def show_json(capsys, db: Path, assessment_id: str) -> dict:
    code, out, err = run(capsys, "show", assessment_id, "--json", "--db", db)
    assert code == 0, err
    return json.loads(out)


def list_ids(capsys, db: Path) -> list[str]:
    code, out, err = run(capsys, "list", "--json", "--db", db)
    assert code == 0, err
    return sorted(row["id"] for row in json.loads(out))


def test_export_then_import_into_a_new_database(capsys, source, tmp_path):
    db, _ = source
    ids = list_ids(capsys, db)
    bundle = tmp_path / "partners.zip"
    code, out, err = run(capsys, "export", *[i[:8] for i in ids], "-o", bundle, "--db", db)
    assert code == 0, err
    assert out.startswith("Wrote 4 assessments (")
    assert str(bundle) in out
    target = tmp_path / "new" / "target.sqlite"
    target.parent.mkdir()
    code, out, err = run(capsys, "import", bundle, "--db", target)
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith(f"Imported partners.zip into {target}:")
    assert "0 already there, 0 conflicts." in first
    assert "4 assessments (" in out
    assert list_ids(capsys, target) == ids
    for i in ids:
        assert show_json(capsys, target, i) == show_json(capsys, db, i)
    code, out, err = run(capsys, "check", "--db", target)
    assert code == 0, err
    # The same file again adds nothing.
    code, out, _ = run(capsys, "import", bundle, "--db", target)
    assert code == 0
    assert "Imported partners.zip" in out and ": 0 added, " in out and "0 conflicts." in out


def test_export_a_round_by_name(capsys, source, tmp_path):
    db, world = source
    bundle = tmp_path / "round.zip"
    code, _, err = run(capsys, "export", "--round", "Baseline", "-o", bundle, "--db", db)
    assert code == 0, err
    records = json.loads(zipfile.ZipFile(bundle).read("records.json"))
    assert {a["id"] for a in records["assessments"]} == {world["council_a"], world["icb_a"]}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["export", "-o", "x.zip"], "give the assessment IDs to export, or --round ROUND"),
        (["export", "abcd1234", "-o", " "], "-o needs the path"),
        (["export", "abcd1234"], "the following arguments are required: -o"),
        (["import"], "the following arguments are required: FILE"),
        (
            ["import", "x.zip", "--keep-mine", "--take-theirs"],
            "not allowed with argument",
        ),
    ],
)
def test_usage_errors_exit_2(capsys, source, args, words):
    db, _ = source
    code, _, err = run(capsys, *args, "--db", db)
    assert code == 2
    assert words in err
    assert "--help" in err


def test_export_errors_are_one_sentence(capsys, source, tmp_path):
    db, _ = source
    code, _, err = run(capsys, "export", "ffff0000", "-o", tmp_path / "x.zip", "--db", db)
    assert code == 1
    assert "There is no assessment with id ffff0000." in assert_one_line_error(err)
    code, _, err = run(capsys, "export", "--round", "Nope", "-o", tmp_path / "x.zip", "--db", db)
    assert code == 1
    assert "no round with the id or name 'Nope'" in assert_one_line_error(err)
    ids = list_ids(capsys, db)
    code, _, err = run(capsys, "export", ids[0], "-o", tmp_path / "no" / "x.zip", "--db", db)
    assert code == 1
    assert "does not exist" in assert_one_line_error(err)


def test_a_refused_file_changes_nothing_and_creates_no_database(capsys, tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    target = tmp_path / "never.sqlite"
    code, out, err = run(capsys, "import", bad, "--db", target)
    assert code == 1
    line = assert_one_line_error(err)
    assert line.startswith("ics-assess: bad.zip was not imported, nothing was changed: ")
    assert out == ""
    assert not target.exists()
    code, _, err = run(capsys, "import", tmp_path / "missing.zip", "--db", target)
    assert code == 1
    assert "There is no file" in assert_one_line_error(err)
    assert not target.exists()


def test_a_refused_record_names_what_and_where(capsys, source, tmp_path):
    db, world = source
    bundle = tmp_path / "b.zip"
    run(capsys, "export", world["council_a"], "-o", bundle, "--db", db)

    def bad(records):
        records["assessments"][0]["answers"][0]["rating"] = 9

    broken = rebundle(bundle, tmp_path / "broken.zip", bad)
    target = tmp_path / "t.sqlite"
    run(capsys, "import", bundle, "--db", target)
    with Services.open(target, [FORMS_DIR]) as s:
        before = dump(s)
    code, _, err = run(capsys, "import", broken, "--db", target, "--take-theirs")
    assert code == 1
    line = assert_one_line_error(err)
    assert "records.json: assessment 1 (id " in line
    assert "rating 9 is not between 1 and 5" in line
    with Services.open(target, [FORMS_DIR]) as s:
        assert dump(s) == before


@pytest.fixture
def conflicted(capsys, source, tmp_path):
    """A target that imported the bundle, then changed one answer."""
    db, world = source
    bundle = tmp_path / "b.zip"
    ids = list_ids(capsys, db)
    run(capsys, "export", *ids, "-o", bundle, "--db", db)
    target = tmp_path / "target.sqlite"
    run(capsys, "import", bundle, "--db", target)
    with Services.open(target, [FORMS_DIR]) as s:
        aid = world["icb_a"]
        s.answer(aid, s.detail(aid).questionnaire.items[0].id, 1)
    return db, target, bundle, world


def test_conflicts_are_listed_and_refused_without_a_choice(capsys, conflicted):
    _, target, bundle, world = conflicted
    with Services.open(target, [FORMS_DIR]) as s:
        before = dump(s)
    code, out, err = run(capsys, "import", bundle, "--db", target)
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"conflict: assessment {world['icb_a'][:8]} (Riverside ICB,")
    assert "1 answer differs" in lines[0]
    assert lines[1].startswith("ics-assess: b.zip has 1 record whose id is already in ")
    assert "--keep-mine" in lines[1] and "--take-theirs" in lines[1]
    with Services.open(target, [FORMS_DIR]) as s:
        assert dump(s) == before


def test_dry_run_lists_and_writes_nothing(capsys, conflicted):
    _, target, bundle, _ = conflicted
    with Services.open(target, [FORMS_DIR]) as s:
        before = dump(s)
    code, out, err = run(capsys, "import", bundle, "--db", target, "--dry-run")
    assert code == 0, err
    assert "nothing was written" in out
    assert "  conflict: assessment " in out
    with Services.open(target, [FORMS_DIR]) as s:
        assert dump(s) == before


def test_dry_run_into_a_missing_database_creates_nothing(capsys, source, tmp_path):
    db, world = source
    bundle = tmp_path / "b.zip"
    run(capsys, "export", world["council_a"], "-o", bundle, "--db", db)
    target = tmp_path / "none.sqlite"
    code, out, err = run(capsys, "import", bundle, "--db", target, "--dry-run")
    assert code == 0, err
    assert "Importing it would give: 6 added" in out
    assert not target.exists()


def test_keep_mine_and_take_theirs(capsys, conflicted):
    db, target, bundle, world = conflicted
    aid = world["icb_a"]
    mine = show_json(capsys, target, aid)
    code, out, err = run(capsys, "import", bundle, "--db", target, "--keep-mine")
    assert code == 0, err
    assert "1 conflict (kept yours)." in out
    assert show_json(capsys, target, aid) == mine
    code, out, err = run(capsys, "import", bundle, "--db", target, "--take-theirs")
    assert code == 0, err
    assert "1 conflict (replaced with the file's)." in out
    assert "Your versions of the replaced records are in the backup " in out
    assert show_json(capsys, target, aid) == show_json(capsys, db, aid)
    # A backup before each import; the newest holds the database as it was just before
    # the file's versions replaced yours.
    backups = [b for b in list_backups(target) if b.reason.value == "before-import"]
    assert len(backups) == 3  # the setup's import, keep-mine, take-theirs
    assert show_json(capsys, backups[0].path, aid) == mine


def test_import_json_shape(capsys, conflicted):
    _, target, bundle, world = conflicted
    code, out, err = run(capsys, "import", bundle, "--db", target, "--json")
    assert code == 1
    assert_one_line_error(err)
    refused = json.loads(out)
    assert set(refused) == IMPORT_KEYS
    assert refused["applied"] is False and refused["choice"] is None
    assert set(refused["added"]) == KIND_KEYS == set(refused["already_there"])
    assert [set(c) for c in refused["conflicts"]] == [CONFLICT_KEYS]
    conflict = refused["conflicts"][0]
    assert conflict["kind"] == "assessment" and conflict["id"] == world["icb_a"]
    assert conflict["resolvable"] is True and conflict["resolution"] is None

    code, out, err = run(capsys, "import", bundle, "--db", target, "--json", "--take-theirs")
    assert code == 0, err
    done = json.loads(out)
    assert done["applied"] is True and done["choice"] == "take-theirs"
    assert done["conflicts"][0]["resolution"] == "took-theirs"
    assert done["backup"] and Path(done["backup"]).exists()
    assert done["already_there"]["assessments"] == 3


def test_import_json_names_a_backup_only_when_records_were_replaced(capsys, source, tmp_path):
    """docs/cli.md: 'backup' is null unless --take-theirs replaced something. A backup is
    still made before every import; into a new database nothing is replaced, so neither
    the summary nor the JSON speaks of replaced records."""
    db, _ = source
    bundle = tmp_path / "all.zip"
    rounds = ["--round", "Baseline", "--round", "Review"]
    code, _, err = run(capsys, "export", *rounds, "-o", bundle, "--db", db)
    assert code == 0, err
    target = tmp_path / "new.sqlite"
    code, out, err = run(capsys, "import", bundle, "--db", target, "--json")
    assert code == 0, err
    assert json.loads(out)["backup"] is None
    code, out, err = run(capsys, "import", bundle, "--db", target, "--json", "--take-theirs")
    assert code == 0, err
    assert json.loads(out)["backup"] is None  # nothing differed, so nothing was replaced
    code, out, err = run(capsys, "import", bundle, "--db", target)
    assert code == 0, err
    assert "replaced records" not in out
    assert "The database as it was before the import is in the backup " in out


def test_export_and_import_through_main_py(tmp_path, source):
    """A whole process each way, as the partners run it."""
    db, _ = source
    with Services.open(db, [FORMS_DIR]) as s:
        ids = all_ids(s)
    bundle = tmp_path / "p.zip"
    main = str(PROJECT_ROOT / "main.py")
    env_db = ["--db", str(db)]
    done = subprocess.run(
        [sys.executable, main, "export", *ids, "-o", str(bundle), *env_db],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    target = tmp_path / "t.sqlite"
    done = subprocess.run(
        [sys.executable, main, "import", str(bundle), "--db", str(target), "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"]["assessments"] == 4
