"""Rolling backups of a database: made, listed, thinned and restored.

Backups live in ``paths.backups_dir(db)`` (a ``backups`` folder beside the database),
one self-contained SQLite file each, named ``<stem>-<reason>-<yyyymmddTHHMMSSZ>.sqlite``
with the time in UTC (``-2``, ``-3`` ... before ``.sqlite`` when two land in one second).
Several databases in one folder share the backups folder; each sees only its own stem.

Every copy goes through SQLite's backup API (never a file copy, which can catch a
database half way through a write or without its ``-wal``), into a hidden temporary
file in the same folder; the copy is switched to the rollback journal so it stands
alone, checked with ``PRAGMA quick_check`` and only then renamed into place. A full
disk or a crash therefore leaves no half backup under a backup's name.

Thinning (see ``backups_to_remove``), modelled on Anki's backups, counting back from now:

- everything from the last 2 days is kept;
- then, for 14 days, the newest backup of each day;
- then, for 8 weeks, the newest of each week (Monday to Sunday);
- then, for ever, the newest of each month;
- whatever the age, the newest backup of each reason is kept, and so is every
  backup taken before an upgrade in the last 90 days.

Days, weeks and months are UTC calendar ones, like the names. Nothing here imports Qt.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from .. import paths
from .database import (
    BUSY_TIMEOUT_MS,
    DamagedDatabaseError,
    NewerDatabaseError,
    NotADatabaseError,
    StoreError,
    inspect_database,
)


class _Log:
    """This module's logger, ``logging.getLogger(__name__)``, with logging imported when
    something is first logged: reading commands log nothing here (issue 12)."""

    def __getattr__(self, name: str):
        import logging

        return getattr(logging.getLogger(__name__), name)


log = _Log()


class OpenDatabase(Protocol):
    """An open database (a Store): what a backup needs of it is its file. Typed this way
    so that this module need not import store.py, which imports this module."""

    @property
    def path(self) -> Path: ...


def _file_of(source: OpenDatabase | Path) -> Path:
    return Path(source) if isinstance(source, str | os.PathLike) else Path(source.path)


STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
SUFFIX = ".sqlite"
PARTIAL_SUFFIX = ".partial"

# The thinning policy (module docstring).
KEEP_EVERYTHING_FOR = timedelta(days=2)
ONE_PER_DAY_FOR = timedelta(days=14)
ONE_PER_WEEK_FOR = timedelta(weeks=8)
KEEP_UPGRADE_BACKUPS_FOR = timedelta(days=90)
DAILY_INTERVAL = timedelta(hours=24)
# A backup dated more than this in the future (the clock was wrong) does not stop
# the daily one.
CLOCK_SKEW = timedelta(minutes=5)
# A temporary file this old is left over from a crash, never a backup in progress.
STALE_PARTIAL_AGE = timedelta(days=1)


class BackupReason(StrEnum):
    """Why a backup was taken; part of its file name."""

    BEFORE_UPGRADE = "before-upgrade"
    BEFORE_IMPORT = "before-import"
    DAILY = "daily"
    BEFORE_RESTORE = "before-restore"
    MANUAL = "manual"

    @property
    def words(self) -> str:
        """The reason as the user reads it in a list of backups."""
        return REASON_WORDS[self]


REASON_WORDS = {
    BackupReason.BEFORE_UPGRADE: "Before an upgrade",
    BackupReason.BEFORE_IMPORT: "Before an import",
    BackupReason.DAILY: "Daily",
    BackupReason.BEFORE_RESTORE: "Before a restore",
    BackupReason.MANUAL: "Made by you",
}


class BackupError(StoreError):
    """A backup could not be made, or a restore was refused; the message says why."""


class RestoreRefusedError(BackupError):
    """The backup chosen cannot be restored; the database in use was not changed."""


@dataclass(frozen=True)
class Backup:
    """One backup file of a database."""

    path: Path
    reason: BackupReason
    created_at: datetime  # UTC, from the file name
    size: int  # bytes
    sequence: int = 1  # 2, 3 ... when several were made in the same second

    @property
    def order(self) -> tuple[datetime, int]:
        """Sorts backups by when they were made."""
        return self.created_at, self.sequence


# --- names -------------------------------------------------------------------------------


def _name_pattern(db_path: Path) -> re.Pattern[str]:
    # Built per database: the stem is matched literally, so "a" never claims the
    # backups of "a-daily", and a stem may hold hyphens and dots of its own.
    reasons = "|".join(re.escape(r.value) for r in BackupReason)
    return re.compile(
        re.escape(db_path.stem)
        + rf"-(?P<reason>{reasons})-(?P<stamp>\d{{8}}T\d{{6}}Z)(?:-(?P<n>[2-9]|[1-9]\d+))?"
        + re.escape(SUFFIX)
    )


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(STAMP_FORMAT)


def _backup_path(db_path: Path, reason: BackupReason, moment: datetime) -> Path:
    """A free name for a new backup (numbered when one already has this second)."""
    folder = paths.backups_dir(db_path)
    base = f"{db_path.stem}-{reason.value}-{_stamp(moment)}"
    candidate = folder / f"{base}{SUFFIX}"
    n = 2
    while candidate.exists():
        candidate = folder / f"{base}-{n}{SUFFIX}"
        n += 1
    return candidate


def _partial_path(final: Path) -> Path:
    # Hidden, and not matching the backup names, so a leftover is never listed.
    return final.with_name(f".{final.name}.{os.getpid()}{PARTIAL_SUFFIX}")


# --- copying -----------------------------------------------------------------------------


def _source_connection(path: Path) -> sqlite3.Connection:
    """A connection to copy from, seeing only committed data.

    Read-write when allowed (it only reads, and as the last connection to a WAL file it
    folds the -wal back in on closing instead of leaving it behind), else read-only."""
    if not path.is_file() or path.stat().st_size == 0:
        raise BackupError(f"There is no database at {path} to back up.")
    uri = path.absolute().as_uri()
    timeout = BUSY_TIMEOUT_MS / 1000
    try:
        return sqlite3.connect(uri + "?mode=rw", uri=True, timeout=timeout)
    except sqlite3.OperationalError:
        return sqlite3.connect(uri + "?mode=ro", uri=True, timeout=timeout)


def _quick_check(path: Path) -> list[str]:
    """SQLite's quick check of a closed, self-contained file: ``["ok"]`` when sound."""
    conn = sqlite3.connect(path.absolute().as_uri() + "?mode=ro&immutable=1", uri=True)
    try:
        return [row[0] for row in conn.execute("PRAGMA quick_check")]
    finally:
        conn.close()


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); Windows has no directory handles to sync."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _reason_of(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    lowered = text.lower()
    if "full" in lowered or "no space" in lowered:
        return "the disk is full"
    if "readonly" in lowered or "read-only" in lowered or "permission" in lowered:
        return "the folder cannot be written to"
    return text


def _copy_verified(source: Path, destination: Path) -> Path:
    """Copy ``source`` to ``destination`` with the backup API, checked, all or nothing.

    The copy is written to a temporary file beside ``destination``, made self-contained
    (rollback journal, so no -wal belongs to it), checked with quick_check and renamed
    over ``destination`` only then. On any failure the temporary file is removed and
    the error raised; ``destination`` is untouched."""
    partial = _partial_path(destination)
    src = _source_connection(source)
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # all pages in one step: one consistent snapshot
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
        src.close()
        check = _quick_check(partial)
        if check != ["ok"]:
            raise DamagedDatabaseError(
                f"the copy failed SQLite's integrity check ({'; '.join(check[:3])})"
            )
        os.replace(partial, destination)
    except BaseException:
        src.close()  # closing twice is harmless
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
    _fsync_folder(destination.parent)
    return destination


# --- making and listing ------------------------------------------------------------------


def create_backup(
    source: OpenDatabase | Path, reason: BackupReason | str, *, now: datetime | None = None
) -> Path:
    """Back up a database (an open Store, or a file) into its backups folder.

    A separate connection reads the committed state, so a Store may stay open and keep
    writing, and a transaction it has not committed is not in the copy; any thread can
    call this with a path (the connection is its own). Returns the new backup's path;
    raises BackupError with a sentence when the copy could not be made, in which case
    nothing is left behind. ``now`` fixes the time in the name (tests)."""
    reason = BackupReason(reason)
    db_path = _file_of(source)
    moment = now or datetime.now(UTC)
    final = _backup_path(db_path, reason, moment)
    try:
        return _copy_verified(db_path, final)
    except BackupError:
        raise
    except (OSError, sqlite3.Error, StoreError) as exc:
        raise BackupError(
            f"The backup of {db_path.name} could not be made: {_reason_of(exc)}. "
            "The database itself is unchanged."
        ) from exc


def _parse(pattern: re.Pattern[str], entry: Path) -> Backup | None:
    match = pattern.fullmatch(entry.name)
    if not match:
        return None
    try:
        created = datetime.strptime(match["stamp"], STAMP_FORMAT).replace(tzinfo=UTC)
        if not entry.is_file():
            return None
        size = entry.stat().st_size
    except (ValueError, OSError):
        return None
    sequence = int(match["n"]) if match["n"] else 1
    return Backup(entry, BackupReason(match["reason"]), created, size, sequence)


def list_backups(db_path: Path) -> list[Backup]:
    """The backups of a database, newest first. Files that are not named like one of
    its backups (other databases', temporary ones, anything else) are ignored."""
    folder = paths.backups_dir(Path(db_path))
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    pattern = _name_pattern(Path(db_path))
    found = [b for b in (_parse(pattern, e) for e in entries) if b is not None]
    return sorted(found, key=lambda b: b.order, reverse=True)


# --- thinning ----------------------------------------------------------------------------


def _week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso.year, iso.week


def backups_to_remove(backups: Iterable[Backup], now: datetime) -> list[Backup]:
    """Which backups the thinning policy (module docstring) removes at ``now``.

    Pure date arithmetic over the names. Going from the newest back, a backup past the
    first 2 days is kept only when it is the first one met of its day (then week, then
    month, by age), so each day, week or month keeps its newest surviving backup, and
    running this every day never removes one that a later run would have wanted."""
    ordered = sorted(backups, key=lambda b: b.order, reverse=True)
    protected: set[Path] = set()
    seen_reasons: set[BackupReason] = set()
    for b in ordered:
        if b.reason not in seen_reasons:
            seen_reasons.add(b.reason)
            protected.add(b.path)
        if (
            b.reason is BackupReason.BEFORE_UPGRADE
            and now - b.created_at < KEEP_UPGRADE_BACKUPS_FOR
        ):
            protected.add(b.path)
    daily_until = KEEP_EVERYTHING_FOR + ONE_PER_DAY_FOR
    weekly_until = daily_until + ONE_PER_WEEK_FOR
    last_day: date | None = None
    remove: list[Backup] = []
    for b in ordered:
        age = now - b.created_at
        day = b.created_at.date()
        if b.path in protected or age < KEEP_EVERYTHING_FOR:
            keep = True
        elif age < daily_until:
            keep = last_day is None or day != last_day
        elif age < weekly_until:
            keep = last_day is None or _week(day) != _week(last_day)
        else:
            keep = last_day is None or (day.year, day.month) != (last_day.year, last_day.month)
        if keep:
            last_day = day
        else:
            remove.append(b)
    return remove


def _remove_stale_partials(db_path: Path, now: datetime) -> None:
    folder = paths.backups_dir(db_path)
    with contextlib.suppress(OSError):
        for entry in folder.glob(f".{glob_escape(db_path.stem)}-*{PARTIAL_SUFFIX}"):
            with contextlib.suppress(OSError):
                modified = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
                if now - modified > STALE_PARTIAL_AGE:
                    entry.unlink()


def glob_escape(text: str) -> str:
    """``text`` with glob's special characters matched literally."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def thin_backups(db_path: Path, now: datetime | None = None) -> list[Path]:
    """Remove the backups the thinning policy no longer keeps; return those removed.

    A file that cannot be removed is logged and left for the next time. Temporary
    files left by a crash more than a day ago are removed too."""
    db_path = Path(db_path)
    moment = now or datetime.now(UTC)
    removed: list[Path] = []
    for backup in backups_to_remove(list_backups(db_path), moment):
        try:
            backup.path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not remove the old backup %s: %s", backup.path, exc)
            continue
        removed.append(backup.path)
    _remove_stale_partials(db_path, moment)
    return removed


def daily_backup_due(db_path: Path, now: datetime | None = None) -> bool:
    """True when the database has no backup of any kind from the last 24 hours."""
    moment = now or datetime.now(UTC)
    return not any(
        -CLOCK_SKEW <= moment - b.created_at < DAILY_INTERVAL for b in list_backups(db_path)
    )


def backup_if_due(store: OpenDatabase | Path, now: datetime | None = None) -> Path | None:
    """The daily backup: made (then old ones thinned) when none is from the last 24
    hours. Returns the new backup, or None when none was due. Raises BackupError."""
    db_path = _file_of(store)
    if not daily_backup_due(db_path, now):
        return None
    made = create_backup(store, BackupReason.DAILY, now=now)
    thin_backups(db_path, now)
    return made


# --- restoring ---------------------------------------------------------------------------


def _sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _check_restorable(backup: Path) -> None:
    name = backup.name
    if not backup.is_file():
        raise RestoreRefusedError(f"The backup {name} is not there any more. Choose another.")
    try:
        inspection = inspect_database(backup)
    except NotADatabaseError:
        raise RestoreRefusedError(
            f"{name} is not an ICS Assess database, so it cannot be restored. "
            "The database in use has not been changed."
        ) from None
    except DamagedDatabaseError:
        raise RestoreRefusedError(
            f"The backup {name} is damaged, so it cannot be restored. The database in "
            "use has not been changed; choose another backup."
        ) from None
    except NewerDatabaseError:
        raise RestoreRefusedError(
            f"The backup {name} was made by a newer version of ICS Assess. The database "
            "in use has not been changed; install the newer version to restore it."
        ) from None
    except StoreError as exc:
        raise RestoreRefusedError(
            f"The backup {name} cannot be read ({exc}). The database in use has not been changed."
        ) from None
    if inspection.is_new:
        raise RestoreRefusedError(
            f"The backup {name} is empty, so it cannot be restored. The database in use "
            "has not been changed."
        )


def _take_over(db_path: Path) -> None:
    """Make sure nothing else has the database open, and fold its -wal into it.

    Leaving WAL mode needs every other connection closed: if one is open (in this
    process or another), SQLite says the database is locked and the restore is refused.
    Afterwards the file stands alone, so no -wal of the old file can ever be paired
    with the restored one. Raises sqlite3.DatabaseError when the file is unreadable.

    A database on a network share is already in rollback-journal mode, where an idle
    connection holds no lock: there only the caller (and the GUI's lock file) can make
    sure that nothing has it open."""
    conn = sqlite3.connect(db_path.absolute().as_uri() + "?mode=rw", uri=True, timeout=0.5)
    try:
        mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise RestoreRefusedError(
                f"{db_path.name} is still open (in ICS Assess or another program), so "
                "the backup was not restored. Close it there and try again; nothing "
                "has been changed."
            ) from None
        raise
    finally:
        conn.close()
    if str(mode).lower() != "delete":
        raise RestoreRefusedError(
            f"{db_path.name} could not be prepared for the restore (it stays in "
            f"'{mode}' mode). Nothing has been changed."
        )


def _set_aside(db_path: Path, moment: datetime) -> Path:
    """Move an unreadable database (with its -wal or -journal) into the backups folder
    by renaming, so that the restore keeps it instead of overwriting it."""
    folder = paths.backups_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{db_path.stem}-damaged-{_stamp(moment)}"
    target = folder / f"{base}{SUFFIX}"
    n = 2
    while target.exists():
        target = folder / f"{base}-{n}{SUFFIX}"
        n += 1
    for suffix in ("-wal", "-journal"):
        side = _sidecar(db_path, suffix)
        if side.exists():
            os.replace(side, _sidecar(target, suffix))
    _sidecar(db_path, "-shm").unlink(missing_ok=True)
    os.replace(db_path, target)
    return target


def _put_back(aside: Path, db_path: Path) -> None:
    """Undo ``_set_aside`` when the restore could not go on (best effort, logged)."""
    try:
        if not db_path.exists():
            for suffix in ("-wal", "-journal"):
                if _sidecar(aside, suffix).exists():
                    os.replace(_sidecar(aside, suffix), _sidecar(db_path, suffix))
            os.replace(aside, db_path)
    except OSError as exc:
        log.error("could not put %s back as %s: %s", aside, db_path, exc)


def _keep_current(db_path: Path, moment: datetime) -> Path | None:
    """Keep the database as it is before a restore overwrites it: a 'before-restore'
    backup, or, when it is too damaged to copy, the file itself moved aside."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return None
    try:
        inspect_database(db_path)
    except (DamagedDatabaseError, NotADatabaseError) as exc:
        # Kept exactly as it is, by renaming: a copy could only lose more of it.
        log.warning("the database to restore over cannot be used (%s); moving it aside", exc)
        return _set_aside(db_path, moment)
    except StoreError:
        pass  # e.g. from a newer version: sound, so backed up like any other
    try:
        _take_over(db_path)
    except RestoreRefusedError:
        raise
    except sqlite3.DatabaseError as exc:
        log.warning("the database to restore over is unreadable (%s); moving it aside", exc)
        return _set_aside(db_path, moment)
    try:
        return create_backup(db_path, BackupReason.BEFORE_RESTORE, now=moment)
    except BackupError as exc:
        cause = exc.__cause__
        # Corrupt pages or a scrambled header; an OperationalError (disk full, locked,
        # unwritable) is a reason not to go on, not a sign of damage.
        damaged = isinstance(cause, DamagedDatabaseError) or (
            isinstance(cause, sqlite3.DatabaseError)
            and not isinstance(cause, sqlite3.OperationalError)
        )
        if damaged:
            log.warning("the database to restore over is damaged (%s); moving it aside", exc)
            return _set_aside(db_path, moment)
        raise RestoreRefusedError(
            f"The database as it is now could not be backed up first, so the backup was "
            f"not restored. {exc}"
        ) from exc


def restore_backup(backup: Path, db_path: Path, *, now: datetime | None = None) -> Path | None:
    """Replace the database at ``db_path`` with a backup; return where the database as
    it was is kept (its 'before-restore' backup), or None when there was none.

    The caller must have closed every connection to ``db_path`` first (the GUI: close
    the database, restore, open it again); if one is still open, this is refused.

    Steps: the backup is checked (an ICS Assess database, undamaged, not from a newer
    version; an older one is upgraded when next opened); the current database is taken
    over (its -wal folded in) and backed up as 'before-restore' (a database too damaged
    to copy is moved aside into the backups folder instead); the backup is copied with
    the backup API into a temporary file beside the database and checked; a stale -shm
    is removed; and the copy is renamed over the database. Refusals raise
    RestoreRefusedError, with the database unchanged; a failure to write raises
    BackupError, with the database unchanged and its state kept as a backup."""
    backup = Path(backup)
    db_path = Path(db_path)
    moment = now or datetime.now(UTC)
    if backup.absolute() == db_path.absolute():
        raise RestoreRefusedError("That is the database itself, not a backup of it.")
    _check_restorable(backup)
    kept = _keep_current(db_path, moment)
    try:
        for suffix in ("-wal", "-journal"):
            if _sidecar(db_path, suffix).exists():
                # Taken over above, so this belongs to someone who opened it since.
                raise RestoreRefusedError(
                    f"{db_path.name} was opened again during the restore, so the backup "
                    "was not restored. Close it everywhere and try again."
                )
        partial = _partial_path(db_path)
        _copy_verified(backup, partial)
        try:
            _sidecar(db_path, "-shm").unlink(missing_ok=True)
            os.replace(partial, db_path)
        except BaseException:
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            raise
        _fsync_folder(db_path.parent)
    except BaseException as exc:
        note = f" The database as it was is kept as {kept.name}." if kept else ""
        if kept is not None and kept.name.startswith(f"{db_path.stem}-damaged-"):
            _put_back(kept, db_path)  # nothing restored: leave things where they were
            note = " The database has been left as it was."
        if isinstance(exc, BackupError) or not isinstance(
            exc, OSError | sqlite3.Error | StoreError
        ):
            raise
        raise BackupError(f"The backup could not be restored: {_reason_of(exc)}.{note}") from exc
    return kept


def describe(backup: Backup) -> str:
    """One line for a backup: its reason and when (UTC), for logs and the command line."""
    return f"{backup.reason.words}, {backup.created_at:%Y-%m-%d %H:%M} UTC"


__all__ = [
    "Backup",
    "BackupError",
    "BackupReason",
    "RestoreRefusedError",
    "backup_if_due",
    "backups_to_remove",
    "create_backup",
    "daily_backup_due",
    "describe",
    "list_backups",
    "restore_backup",
    "thin_backups",
]
