"""Reading works read-only (docs/cli.md, "What happens to the file"): the commands that
only read open the database read-only, so they change nothing, create nothing beside it
(no -wal, -shm or backups) and work on a read-only file or folder; commands that write
refuse a read-only file or folder in one sentence, before anything is written.

The tests run as root in CI, where permissions stop nothing: there the read-only cases
run the command as the user 'nobody' (setpriv), and in-process tests check that the
read path writes nothing even when it could."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from ics_assess import paths
from ics_assess.services import Services
from ics_assess.store import Store
from ics_assess.store import database as database_module
from ics_assess.store.schema import migrations

from .conftest import FORMS_DIR
from .test_cli import assert_one_line_error, run, sha256

NOBODY = 65534


def state(path: Path) -> tuple[str, list[str]]:
    """The file's content hash, and everything in its folder (to see -wal, -shm, backups)."""
    return sha256(path), sorted(p.name for p in path.parent.iterdir())


def small_database(path: Path) -> str:
    """A database with one draft assessment, closed (so in WAL mode, with no -wal);
    returns the assessment's id."""
    with Services.open(path, [FORMS_DIR]) as services:
        store = services.store
        p = store.add_partnership("Read-only Partnership")
        r = store.add_round(p.id, "Baseline")
        o = store.add_organisation(p.id, "Readonly Council", "upper_tier_council")
        a = services.start_assessment(
            round_id=r.id, organisation_id=o.id, questionnaire_id="governance", kind="organisation"
        )
        services.answer(a.id, services.questionnaire_of(a).items[0].id, 4)
    return a.id


def header_byte_18(path: Path) -> int:
    return path.read_bytes()[18]


def read_commands(aid: str, out: Path) -> list[list[str]]:
    return [
        ["list"],
        ["list", "--json"],
        ["show", aid[:8]],
        ["show", aid, "--json"],
        ["check"],
        ["report", aid, "-o", str(out / "r.pdf")],
        ["export", aid, "-o", str(out / "b.zip")],
        ["answers", aid, "-o", str(out / "a.csv")],
    ]


# --- in-process: the read path writes nothing ----------------------------------------------


@pytest.fixture
def rollback_db(tmp_path) -> tuple[Path, str]:
    """A database in rollback-journal mode, as on a network share or from elsewhere: any
    write connection of the app would switch it to WAL, changing its header."""
    folder = tmp_path / "db"
    folder.mkdir()
    path = folder / "assess.sqlite"
    aid = small_database(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    conn.close()
    assert header_byte_18(path) == 1
    return path, aid


@pytest.mark.parametrize("which", range(8))
def test_read_commands_leave_the_file_and_its_folder_as_they_were(
    capsys, rollback_db, tmp_path, which
):
    path, aid = rollback_db
    out = tmp_path / "out"
    out.mkdir()
    args = read_commands(aid, out)[which]
    before = state(path)
    code, _, err = run(capsys, *args, "--db", path)
    assert code == 0, err
    assert state(path) == before
    assert header_byte_18(path) == 1  # not switched to WAL


def test_a_wal_file_is_read_without_creating_its_wal_and_shm(capsys, tmp_path):
    path = tmp_path / "assess.sqlite"
    aid = small_database(path)
    assert header_byte_18(path) == 2
    assert "immutable=1" in database_module._reading_uri(path)
    before = state(path)
    for args in read_commands(aid, tmp_path)[:5]:
        code, _, err = run(capsys, *args, "--db", path)
        assert code == 0, err
        assert state(path) == before


def test_the_reading_uri_uses_immutable_only_for_a_wal_file_without_its_wal(tmp_path):
    path = tmp_path / "assess.sqlite"
    small_database(path)
    assert database_module._reading_uri(path).endswith("?mode=ro&immutable=1")
    wal = path.with_name(path.name + "-wal")
    wal.write_bytes(b"")
    try:
        assert database_module._reading_uri(path).endswith("?mode=ro")
    finally:
        wal.unlink()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    assert database_module._reading_uri(path).endswith("?mode=ro")


def test_a_read_only_connection_refuses_writes(tmp_path):
    path = tmp_path / "assess.sqlite"
    small_database(path)
    before = state(path)
    db = database_module.connect_readonly(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            db.execute("DELETE FROM partnerships")
    finally:
        db.close()
    assert state(path) == before


def test_an_empty_file_reads_as_an_empty_database_and_stays_empty(capsys, tmp_path):
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    code, out, err = run(capsys, "list", "--db", path)
    assert code == 0, err
    assert out.startswith("No assessments yet.")
    code, out, err = run(capsys, "check", "--db", path)
    assert code == 0, err
    assert path.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"]


@pytest.fixture
def pending_migration():
    """This version gains a schema change that files written so far lack."""

    @migrations(name="0002_test_read_only")
    def add_notes(db):
        db.execute("ALTER TABLE partnerships ADD COLUMN notes TEXT NOT NULL DEFAULT ''")

    try:
        yield "0002_test_read_only"
    finally:
        migrations._migrations.pop()


def test_an_older_file_that_needs_an_upgrade_is_refused_by_reading_in_one_sentence(
    capsys, tmp_path, request
):
    path = tmp_path / "old.sqlite"
    aid = small_database(path)
    request.getfixturevalue("pending_migration")
    before = state(path)
    for args in (["list"], ["show", aid], ["check"]):
        code, out, err = run(capsys, *args, "--db", path)
        assert code == 1
        line = assert_one_line_error(err)
        assert "written by an older version of ICS Assess" in line
        assert "must be opened once with write access" in line
        assert "has not been changed" in line
        assert out == ""
        assert state(path) == before  # no upgrade, no backup


def test_an_older_file_with_a_read_compatible_schema_is_read_without_an_upgrade(
    capsys, tmp_path, request, monkeypatch
):
    path = tmp_path / "old.sqlite"
    aid = small_database(path)
    name = request.getfixturevalue("pending_migration")
    monkeypatch.setattr(database_module, "READ_COMPATIBLE_MIGRATIONS", frozenset({name}))
    before = state(path)
    code, out, err = run(capsys, "show", aid, "--db", path)
    assert code == 0, err
    assert "Readonly Council" in out
    assert state(path) == before
    assert not paths.backups_dir(path).exists()
    # A command that writes upgrades it, after a backup, as before.
    with Store.open(path) as store:
        assert "notes" in {c.name for c in store.db["partnerships"].columns}
    assert list(paths.backups_dir(path).glob("old-before-upgrade-*.sqlite"))


def test_a_write_command_on_an_unwritable_file_is_refused_before_anything_is_written(
    capsys, tmp_path, monkeypatch
):
    """As root nothing is unwritable, so os.access answers as it would for a user."""
    folder = tmp_path / "db"
    folder.mkdir()
    path = folder / "assess.sqlite"
    small_database(path)
    before = state(path)
    real_access = os.access

    def access(p, mode, **kw):
        if Path(p) == path and mode & os.W_OK:
            return False
        return real_access(p, mode, **kw)

    monkeypatch.setattr(database_module.os, "access", access)
    code, out, err = run(capsys, "demo", "--db", path)
    assert code == 1
    assert out == ""
    line = assert_one_line_error(err)
    assert line == (
        f"ics-assess: {path} is read-only, so nothing can be saved in it and it has not "
        "been changed; make the file writable, or copy it to a folder of your own and use "
        "the copy."
    )
    assert state(path) == before
    # Reading it still works.
    code, _, err = run(capsys, "list", "--db", path)
    assert code == 0, err


def test_a_write_command_in_an_unwritable_folder_is_refused(capsys, tmp_path, monkeypatch):
    folder = tmp_path / "db"
    folder.mkdir()
    path = folder / "assess.sqlite"
    small_database(path)
    before = state(path)
    real_access = os.access

    def access(p, mode, **kw):
        if Path(p) == folder and mode & os.W_OK:
            return False
        return real_access(p, mode, **kw)

    monkeypatch.setattr(database_module.os, "access", access)
    code, _, err = run(capsys, "demo", "--db", path)
    assert code == 1
    line = assert_one_line_error(err)
    assert "is in a folder that cannot be written to" in line
    assert "nothing has been changed" in line
    assert state(path) == before


def test_the_app_refuses_a_read_only_database_in_one_sentence(
    qtbot, fake_dialogs, tmp_path, monkeypatch
):
    """The app is for answering, and answers are saved as they are given, so it refuses
    a database it cannot write to when opening it, rather than failing on each answer."""
    from ics_assess.ui.main_window import MainWindow

    path = tmp_path / "assess.sqlite"
    small_database(path)
    before = state(path)
    real_access = os.access

    def access(p, mode, **kw):
        if Path(p) == path and mode & os.W_OK:
            return False
        return real_access(p, mode, **kw)

    monkeypatch.setattr(database_module.os, "access", access)
    win = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(win)
    assert win.open_database(path, create=False) is False
    (text,) = fake_dialogs.messages("warn")
    assert "is read-only, so nothing can be saved in it" in text
    assert "\n" not in text
    assert state(path) == before
    win.close()


# --- as a user who may not write: the real thing -----------------------------------------


def _restricted() -> list[str] | None:
    """How to run a command without write access to root's files: as 'nobody' when
    running as root (via setpriv), as ourselves otherwise; None when it cannot be done."""
    if os.name != "posix":
        return None
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import ics_assess.cli"],
        capture_output=True,
        cwd="/",
    )
    return prefix if probe.returncode == 0 else None


@pytest.fixture(scope="module")
def restricted() -> list[str]:
    prefix = _restricted()
    if prefix is None:
        pytest.skip("cannot run a command without write access here (no setpriv)")
    return prefix


@pytest.fixture
def open_folder():
    """A folder everyone can read (tmp_path's parents are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="ics-assess-ro-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for p in (folder, *folder.rglob("*")):
            p.chmod(0o777 if p.is_dir() else 0o666)
        shutil.rmtree(folder, ignore_errors=True)


def run_restricted(prefix: list[str], folder: Path, *args: object):
    env = {
        **os.environ,
        "ICS_ASSESS_DATA_DIR": str(folder / "no-data"),
        "PYTHONIOENCODING": "utf-8",
    }
    env.pop("ICS_ASSESS_DB", None)
    return subprocess.run(
        [*prefix, sys.executable, "-m", "ics_assess.cli", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd="/",
        timeout=120,
    )


@pytest.fixture
def read_only_folder(open_folder) -> tuple[Path, str, Path]:
    """A database (WAL mode, closed) in a folder the restricted user cannot write to,
    and a folder the user can write its outputs to."""
    db_folder = open_folder / "shared"
    db_folder.mkdir()
    path = db_folder / "assess.sqlite"
    aid = small_database(path)
    path.chmod(0o444)
    db_folder.chmod(0o555)
    out = open_folder / "out"
    out.mkdir()
    out.chmod(0o777)
    return path, aid, out


def test_read_commands_work_in_a_read_only_folder(restricted, open_folder, read_only_folder):
    path, aid, out = read_only_folder
    before = state(path)
    for args in read_commands(aid, out):
        done = run_restricted(restricted, open_folder, *args, "--db", path)
        assert done.returncode == 0, (args, done.stderr)
        assert done.stderr == ""
        assert state(path) == before
    assert (out / "r.pdf").exists() and (out / "b.zip").exists() and (out / "a.csv").exists()


def test_write_commands_in_a_read_only_folder_are_refused_in_one_sentence(
    restricted, open_folder, read_only_folder
):
    path, aid, out = read_only_folder
    bundle = out / "b.zip"
    with Services.open(path, [FORMS_DIR], readonly=True) as services:
        services.export_assessments([aid], bundle)
    bundle.chmod(0o644)
    before = state(path)
    for args in (["demo"], ["import", bundle]):
        done = run_restricted(restricted, open_folder, *args, "--db", path)
        assert done.returncode == 1
        line = assert_one_line_error(done.stderr)
        assert f"{path} is read-only, so nothing can be saved in it" in line
        assert state(path) == before
    # A new database in that folder: refused, and nothing made there.
    new = path.with_name("new.sqlite")
    done = run_restricted(restricted, open_folder, "import", bundle, "--db", new)
    assert done.returncode == 1
    line = assert_one_line_error(done.stderr)
    assert f"{new} is in a folder that cannot be written to" in line
    assert state(path) == before


def test_a_read_only_file_in_a_writable_folder(restricted, open_folder):
    """The file is read-only, its folder is not: reading creates nothing beside it, and
    a write is refused before a -wal, -shm or backup is made."""
    folder = open_folder / "mine"
    folder.mkdir()
    path = folder / "assess.sqlite"
    aid = small_database(path)
    path.chmod(0o444)
    folder.chmod(0o777)
    before = state(path)
    for args in (["list"], ["show", aid], ["check"]):
        done = run_restricted(restricted, open_folder, *args, "--db", path)
        assert done.returncode == 0, done.stderr
        assert state(path) == before
    done = run_restricted(restricted, open_folder, "demo", "--db", path)
    assert done.returncode == 1
    line = assert_one_line_error(done.stderr)
    assert f"{path} is read-only, so nothing can be saved in it" in line
    assert state(path) == before
