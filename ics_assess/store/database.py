"""Opening a database file safely, and the one writer connection over it.

A file is inspected through a read-only connection before anything writes to it: a file
that is not a SQLite database, another program's database, a damaged file and a file
written by a newer version of ICS Assess are all refused in words and left untouched.
An older file is backed up (SQLite's backup API, never a file copy) and then upgraded.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .filesystem import is_network_path
from .schema import (
    APPLICATION_ID,
    MIGRATION_SET,
    READ_COMPATIBLE_MIGRATIONS,
    known_migration_names,
    migrations,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

BUSY_TIMEOUT_MS = 5000


class StoreError(Exception):
    """A problem with the database that the user can act on; the message says how."""


class NotADatabaseError(StoreError):
    """The file is not an ICS Assess database."""


class DamagedDatabaseError(StoreError):
    """The file fails SQLite's integrity check."""


class NewerDatabaseError(StoreError):
    """The file was written by a newer version of the program."""


class MissingDatabaseError(StoreError):
    """The database file does not exist (and was not to be created)."""


class ReadOnlyDatabaseError(StoreError):
    """The file or its folder cannot be written to, so nothing can be saved in it."""


class UpgradeNeededError(StoreError):
    """A file from an older version that cannot be read until it is upgraded."""


class RecordNotFoundError(StoreError):
    """No record has the id asked for."""


class ReadOnlyError(StoreError):
    """The record cannot be changed in its current state (e.g. a submitted assessment)."""


class WriteError(StoreError):
    """SQLite refused a write (disk full, file busy or read-only, a rule broken)."""


class ConflictError(StoreError):
    """The same id or key already stands for something different."""


def now() -> str:
    """The current time as an ISO 8601 string in UTC, to the millisecond."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Inspection:
    """What a read-only look at a database file found."""

    is_new: bool
    applied: list[str]
    pending: list[str]


def _readonly_uri(path: Path) -> str:
    return path.absolute().as_uri() + "?mode=ro"


def _inspection_uri(path: Path) -> str:
    """A read-only URI that creates nothing beside the file.

    A plain read-only connection to a WAL database creates its -wal and -shm files. When
    there is no -wal, no connection has the file open in WAL mode, so everything is in
    the main file and ``immutable`` reads it without creating (or locking) anything."""
    if path.with_name(path.name + "-wal").exists():
        return _readonly_uri(path)
    return _readonly_uri(path) + "&immutable=1"


WAL_HEADER_OFFSET = 18  # the file format's "write version": 2 in WAL mode, 1 otherwise


def _in_wal_mode(path: Path) -> bool:
    """True when the file's header says it is in WAL mode."""
    try:
        with path.open("rb") as f:
            header = f.read(WAL_HEADER_OFFSET + 1)
    except OSError:
        return False
    return (
        len(header) > WAL_HEADER_OFFSET
        and header.startswith(b"SQLite format 3\0")
        and header[WAL_HEADER_OFFSET] == 2
    )


def _reading_uri(path: Path) -> str:
    """A read-only URI for reading the records, creating nothing beside the file.

    A file in rollback-journal mode is read with a plain read-only connection, which
    creates nothing and takes SQLite's ordinary shared locks. A file in WAL mode with no
    -wal beside it has everything in the main file and no connection writing to it, so
    ``immutable`` reads it without the -wal and -shm that a read-only connection would
    otherwise create (and that a read-only folder would refuse). With a -wal beside it,
    its contents are needed, so the plain read-only connection is used."""
    if _in_wal_mode(path) and not path.with_name(path.name + "-wal").exists():
        return _readonly_uri(path) + "&immutable=1"
    return _readonly_uri(path)


@contextlib.contextmanager
def _looking_at(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection that creates nothing beside the file; SQLite's errors while
    it reads come out as NotADatabaseError or DamagedDatabaseError, in words."""
    try:
        conn = sqlite3.connect(_inspection_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise StoreError(f"{path} cannot be opened ({exc}).") from None
    try:
        yield conn
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "encrypted" in str(exc):
            raise NotADatabaseError(
                f"{path} is not an ICS Assess database (it is not a SQLite file at all). "
                "It has not been changed; choose another file or start a new database."
            ) from None
        raise DamagedDatabaseError(
            f"{path} is damaged and cannot be read ({exc}). It has not been changed; "
            "restore a backup from its backups folder or start a new database."
        ) from None
    finally:
        conn.close()


def inspect_database(path: Path, *, check: bool = True) -> Inspection:
    """Look at a database file without changing it; raise StoreError if it can't be used.

    ``check=False`` leaves out SQLite's quick check of every page (a quarter of a second
    at 10,000 assessments): the caller runs ``check_integrity`` itself before the records
    are used, as the window does on another thread while it builds its pages."""
    if not path.exists() or path.stat().st_size == 0:
        return Inspection(True, [], known_migration_names())
    if path.is_dir():
        raise NotADatabaseError(f"{path} is a folder, not a database file.")
    with _looking_at(path) as conn:
        applied = _read_header_facts(conn, path, check=check)
    known = known_migration_names()
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise NewerDatabaseError(
            f"{path} was written by a newer version of ICS Assess (it has schema changes "
            f"this version does not know: {', '.join(unknown)}). It has not been changed; "
            "install the newer version to open it."
        )
    pending = [name for name in known if name not in applied]
    return Inspection(not applied, applied, pending)


def _quick_check(conn: sqlite3.Connection, path: Path) -> None:
    """SQLite's quick check of every page; DamagedDatabaseError saying what it found."""
    check = [row[0] for row in conn.execute("PRAGMA quick_check")]
    if check != ["ok"]:
        # SQLite prefixes its findings with a "*** in database main ***" banner line.
        findings = [
            line.strip()
            for row in check
            for line in row.splitlines()
            if line.strip() and not line.startswith("***")
        ]
        detail = "; ".join(findings[:3])
        raise DamagedDatabaseError(
            f"{path} is damaged (SQLite's integrity check says: {detail}). It has not "
            "been changed; restore a backup from its backups folder or start a new database."
        )


def check_integrity(path: Path) -> None:
    """SQLite's quick check of the whole file, on a read-only connection of its own (so
    any thread can run it): DamagedDatabaseError (or NotADatabaseError) in words when it
    finds anything, as opening does unless told ``check=False``. A missing or empty file
    has nothing to check."""
    path = Path(path)
    if not path.exists() or path.stat().st_size == 0:
        return
    with _looking_at(path) as conn:
        _quick_check(conn, path)


def _read_header_facts(conn: sqlite3.Connection, path: Path, *, check: bool = True) -> list[str]:
    """Check a read-only connection's file; return the migrations applied to it."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if check:
        _quick_check(conn, path)
    ours = app_id == APPLICATION_ID or "_sqlite_migrations" in tables
    if tables and not ours:
        raise NotADatabaseError(
            f"{path} is a SQLite database, but not an ICS Assess one. It has not been "
            "changed; choose another file or start a new database."
        )
    if "_sqlite_migrations" not in tables:
        return []
    sql = "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY rowid"
    return [row[0] for row in conn.execute(sql, [MIGRATION_SET])]


def backup_database(source: sqlite3.Connection | Path, destination: Path) -> Path:
    """Copy a database with SQLite's backup API (safe while it is in use)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    own = isinstance(source, Path)
    src = sqlite3.connect(_readonly_uri(source), uri=True) if own else source
    try:
        dst = sqlite3.connect(destination)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        if own:
            src.close()
    return destination


def _nearest_folder(path: Path) -> Path:
    folder = path.absolute().parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def check_writable(path: Path) -> None:
    """Raise ReadOnlyDatabaseError when the file, or the folder it is (to be) in, cannot
    be written to: SQLite keeps its journal (-wal or -journal) beside the file, so both
    must be writable. Checked before anything is written, so a refused file is left
    exactly as it was, with nothing beside it."""
    path = Path(path)
    if path.exists() and not os.access(path, os.W_OK):
        raise ReadOnlyDatabaseError(
            f"{path} is read-only, so nothing can be saved in it and it has not been "
            "changed; make the file writable, or copy it to a folder of your own and use "
            "the copy."
        )
    folder = _nearest_folder(path)
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        raise ReadOnlyDatabaseError(
            f"{path} is in a folder that cannot be written to ({folder}), where SQLite "
            "must keep its journal, so nothing can be saved there and nothing has been "
            "changed; copy the database to a folder of your own and use the copy."
        )


class ReadingDatabase:
    """A read-only connection with the part of sqlite-utils' ``Database`` that reading
    uses: ``conn``, ``execute``, ``query`` (rows as dicts) and ``close``. Reading commands
    (``list``, ``show``, ``report``...) then never import sqlite-utils, which costs more
    than Python's own start-up (issue 12); the Store's reads are the same either way.
    Nothing can be written through it (``PRAGMA query_only``)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def execute(self, sql: str, parameters: Any = None) -> sqlite3.Cursor:
        if parameters is None:
            return self.conn.execute(sql)
        return self.conn.execute(sql, parameters)

    def query(self, sql: str, params: Any = None) -> Iterator[dict]:
        cursor = self.execute(sql, params)
        keys = [d[0] for d in cursor.description or ()]
        if len(set(keys)) != len(keys):
            from sqlite_utils.utils import dedupe_keys  # as Database.query names them

            keys = dedupe_keys(keys)
        return (dict(zip(keys, row, strict=True)) for row in cursor)

    def close(self) -> None:
        self.conn.close()


def connect_readonly(path: Path, *, check: bool = True) -> Database | ReadingDatabase:
    """Open an ICS Assess database for reading only: no upgrade, no change of journal
    mode, no backup, and no file created beside it (see ``_reading_uri``), so a file
    that is read-only, or in a read-only folder, can still be read.

    An empty file reads as an empty database. A file from an older version is read
    only when the schema changes it lacks are all in READ_COMPATIBLE_MIGRATIONS;
    otherwise it must be opened once with write access, which upgrades it. ``check``:
    as for ``inspect_database``."""
    path = Path(path)
    if not path.exists():
        raise MissingDatabaseError(f"There is no database at {path}.")
    inspection = inspect_database(path, check=check)
    if inspection.is_new:
        # Nothing in the file yet: the empty schema in memory, the file left alone.
        from sqlite_utils import Database

        db = Database(memory=True, execute_plugins=False)
        migrations.apply(db)
        db.execute("PRAGMA query_only = ON")
        return db
    needed = [name for name in inspection.pending if name not in READ_COMPATIBLE_MIGRATIONS]
    if needed:
        raise UpgradeNeededError(
            f"{path} was written by an older version of ICS Assess and must be opened "
            "once with write access (by a command that changes it, or in the app) to be "
            "upgraded before it can be read; it has not been changed."
        )
    try:
        conn = sqlite3.connect(_reading_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        raise StoreError(f"{path} cannot be opened ({exc}).") from None
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(
            f"{path} cannot be read without write access ({exc}); it has not been "
            "changed. Open it once with write access, or copy it to a folder of your own."
        ) from None
    return ReadingDatabase(conn)


def connect(
    path: Path,
    *,
    create: bool = True,
    before_upgrade: Callable[[Path], object] | None = None,
    check: bool = True,
) -> Database:
    """Open (creating or upgrading as needed) an ICS Assess database for writing.

    With ``create=False`` a missing file is an error rather than a new database, so
    that a mistyped path is reported instead of silently becoming an empty database.
    ``before_upgrade`` is called with the path before an existing database is upgraded
    (Store.open passes the backup, from backups.py, which builds on this module); an
    exception from it stops the upgrade, with nothing changed. ``check=False`` leaves
    SQLite's quick check to the caller (``check_integrity``, before the records are
    used), except that a file this is about to change (upgrade, or put in WAL mode) is
    checked here first, as always."""
    path = Path(path)
    if not create and not path.exists():
        raise MissingDatabaseError(f"There is no database at {path}.")
    inspection = inspect_database(path, check=check)
    on_network = is_network_path(path)
    changes_file = inspection.pending or not (on_network or _in_wal_mode(path))
    if not check and not inspection.is_new and changes_file:
        check_integrity(path)
    check_writable(path)
    if inspection.pending and not inspection.is_new and before_upgrade is not None:
        before_upgrade(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{path} cannot be opened for writing ({exc}).") from None
    from sqlite_utils import Database  # here, not above: reading needs none of it

    # No sqlite-utils plugins on the app's connections: none is needed, and looking for
    # them (every installed package's entry points) cost every command 15 ms.
    db = Database(conn, execute_plugins=False)
    try:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # WAL lets readers carry on while we write, but needs every process on one host;
        # a network share gets the rollback journal. FULL makes every committed answer
        # survive a power cut, at a fraction of a millisecond per write.
        db.execute(f"PRAGMA journal_mode = {'DELETE' if on_network else 'WAL'}")
        db.execute("PRAGMA synchronous = FULL")
        if inspection.pending:
            migrations.apply(db)
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {len(known_migration_names())}")
    except sqlite3.Error as exc:
        conn.close()
        raise StoreError(f"{path} could not be prepared for use ({exc}).") from None
    return db


def explain_write_error(exc: sqlite3.Error) -> WriteError:
    """A sentence the user can act on for a write SQLite refused."""
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        message = (
            "The change was not saved because another program is using the database. "
            "Try again in a moment; everything saved before is safe."
        )
    elif "full" in text or "disk i/o" in text:
        message = (
            "The change was not saved because the disk is full or could not be written. "
            "Free some space and try again; everything saved before is safe."
        )
    elif "readonly" in text or "read-only" in text:
        message = (
            "The change was not saved because the database file is read-only. Check the "
            "file's permissions, or save a copy to a folder of your own and open that."
        )
    elif isinstance(exc, sqlite3.IntegrityError):
        message = f"The change was refused because it breaks the database's rules ({exc})."
    else:
        message = f"The change was not saved ({exc}); everything saved before is safe."
    return WriteError(message)


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One short write transaction. BEGIN IMMEDIATE takes the write lock up front, so a
    read-then-write never fails half way when another process writes; nested use joins
    the outer transaction through a savepoint. SQLite's failures come out as WriteError
    with a sentence for the user; whatever the transaction did is rolled back."""
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise explain_write_error(exc) from exc
    try:
        yield db
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise explain_write_error(exc) from exc
        raise
