"""Rolling backups on real SQLite files: consistent copies of a database in use, names
and listing, the thinning policy over a simulated year, the daily backup, and restoring
(with the state before kept, and bad backups refused with the database untouched)."""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ics_assess import paths
from ics_assess.store import Store
from ics_assess.store.backups import (
    Backup,
    BackupError,
    BackupReason,
    RestoreRefusedError,
    backup_if_due,
    backups_to_remove,
    create_backup,
    daily_backup_due,
    list_backups,
    restore_backup,
    thin_backups,
)
from ics_assess.store.schema import migrations

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    """'2026-03-18 09:00' as a UTC time."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def fingerprint(path: Path) -> tuple[str, list[str]]:
    """The file's content hash and what lies beside it."""
    return hashlib.sha256(path.read_bytes()).hexdigest(), sorted(
        p.name for p in path.parent.iterdir()
    )


def names_in(path: Path) -> list[str]:
    """The partnership names in a database file, read without changing it."""
    conn = sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT name FROM partnerships ORDER BY name")]
    finally:
        conn.close()


def with_partnerships(db_path: Path, *names: str) -> Path:
    with Store.open(db_path) as store:
        for name in names:
            store.add_partnership(name)
    return db_path


def leftovers(folder: Path) -> list[str]:
    """Temporary files, and anything SQLite keeps beside a database file."""
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.name.endswith((".partial", "-wal", "-shm", "-journal"))
    )


# --- making backups ------------------------------------------------------------------------


def test_a_backup_is_a_checked_standalone_copy_named_by_reason_and_time(db_path):
    with Store.open(db_path) as store:
        store.add_partnership("North")
        made = create_backup(store, "before-import", now=at("2026-03-14 09:15:07"))
        store.add_partnership("Still writable afterwards")
    assert made == paths.backups_dir(db_path) / "assess-before-import-20260314T091507Z.sqlite"
    assert names_in(made) == ["North"]
    conn = sqlite3.connect(made)
    try:
        # Rollback journal: the backup is one file, with no -wal that must travel with it.
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    assert leftovers(made.parent) == []


def test_backups_taken_while_the_database_is_written_are_consistent(db_path):
    """Each write puts a partnership and its organisation in together; every backup
    taken while that goes on must hold whole writes only."""
    with_partnerships(db_path, "Seed")
    stop = threading.Event()
    written = []
    errors = []

    def writer() -> None:
        try:
            with Store.open(db_path) as other:
                n = 0
                while not stop.is_set():
                    with other.transaction():
                        p = other.add_partnership(f"P{n}")
                        other.add_organisation(p.id, f"O{n}", "vcse")
                    n += 1
                    written.append(n)
        except Exception as exc:  # reported below, not lost in the thread
            errors.append(exc)

    with Store.open(db_path) as store:  # the app's own connection stays open throughout
        thread = threading.Thread(target=writer)
        thread.start()
        try:
            made = []
            for i in range(12):
                made.append(create_backup(store, "manual", now=NOW + timedelta(seconds=i)))
        finally:
            stop.set()
            thread.join()
    assert errors == []
    assert len(written) > 0
    counts = set()
    for backup in made:
        conn = sqlite3.connect(backup)
        try:
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            partnerships = conn.execute("SELECT count(*) FROM partnerships").fetchone()[0]
            organisations = conn.execute("SELECT count(*) FROM organisations").fetchone()[0]
        finally:
            conn.close()
        assert partnerships == organisations + 1  # the seed has no organisation
        counts.add(partnerships)
    assert len(list_backups(db_path)) == 12


def test_a_change_not_yet_committed_is_not_in_the_backup(db_path):
    with Store.open(db_path) as store:
        store.add_partnership("Committed")
        with store.transaction():
            store.add_partnership("Not committed yet")
            made = create_backup(store, "manual", now=NOW)
        assert names_in(made) == ["Committed"]


def test_backups_in_the_same_second_are_numbered_and_listed_newest_first(db_path):
    with_partnerships(db_path, "North")
    first = create_backup(db_path, "manual", now=NOW)
    second = create_backup(db_path, "manual", now=NOW)
    third = create_backup(db_path, "manual", now=NOW)
    earlier = create_backup(db_path, "daily", now=NOW - timedelta(hours=3))
    assert second.name == "assess-manual-20260320T120000Z-2.sqlite"
    assert third.name == "assess-manual-20260320T120000Z-3.sqlite"
    listed = list_backups(db_path)
    assert [b.path for b in listed] == [third, second, first, earlier]
    assert listed[-1].reason is BackupReason.DAILY
    assert listed[-1].created_at == NOW - timedelta(hours=3)
    assert listed[0].size == third.stat().st_size > 0


def test_an_unknown_reason_is_refused(db_path):
    with_partnerships(db_path, "North")
    with pytest.raises(ValueError, match="weekly"):
        create_backup(db_path, "weekly")


def test_a_missing_database_is_not_backed_up(tmp_path):
    with pytest.raises(BackupError, match="no database"):
        create_backup(tmp_path / "gone.sqlite", "manual")
    assert not paths.backups_dir(tmp_path / "gone.sqlite").exists()


def test_a_full_disk_leaves_no_half_backup(db_path, monkeypatch):
    with_partnerships(db_path, "North")

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(BackupError, match=r"disk is full.*database itself is unchanged"):
        create_backup(db_path, "manual", now=NOW)
    assert list(paths.backups_dir(db_path).iterdir()) == []
    assert names_in(db_path) == ["North"]


def test_a_backup_that_fails_its_check_is_not_kept(db_path, monkeypatch):
    from ics_assess.store import backups

    with_partnerships(db_path, "North")
    monkeypatch.setattr(backups, "_quick_check", lambda path: ["row 3 missing from index"])
    with pytest.raises(BackupError, match="integrity check"):
        create_backup(db_path, "manual", now=NOW)
    assert list(paths.backups_dir(db_path).iterdir()) == []


# --- listing ---------------------------------------------------------------------------------


def test_listing_ignores_everything_not_named_like_a_backup_of_this_database(tmp_path):
    db = tmp_path / "my-db.v2.sqlite"
    with_partnerships(db, "North")
    good = create_backup(db, "daily", now=NOW)
    folder = paths.backups_dir(db)
    odd = [
        "my-db.v2-daily-2026.sqlite",  # stamp cut short
        "my-db.v2-daily-20261399T250000Z.sqlite",  # no such date
        "my-db.v2-weekly-20260101T000000Z.sqlite",  # no such reason
        "my-db.v2-daily-20260101T000000Z.sqlite.bak",
        "my-db.v2-daily-20260101T000000Z-1.sqlite",  # numbering starts at 2
        ".my-db.v2-daily-20260101T000000Z.sqlite.123.partial",
        "my-db.v2-damaged-20260101T000000Z.sqlite",
        "other-daily-20260101T000000Z.sqlite",  # another database's
        "my-db-daily-20260101T000000Z.sqlite",  # '.' in the stem is not a wildcard
        "notes.txt",
    ]
    for name in odd:
        (folder / name).write_bytes(b"x")
    (folder / "my-db.v2-manual-20260101T000000Z.sqlite").mkdir()  # a folder, not a file
    (folder / "my-db.v2-daily-20260101T000000Z.sqlite").symlink_to(folder / "missing")
    assert [b.path for b in list_backups(db)] == [good]
    # A database whose name extends another's claims only its own backups.
    longer = tmp_path / "my-db.v2-daily.sqlite"
    assert list_backups(longer) == []


def test_a_database_without_backups_lists_none(db_path):
    assert list_backups(db_path) == []
    with_partnerships(db_path, "North")
    assert list_backups(db_path) == []


# --- thinning --------------------------------------------------------------------------------


def fake(when: datetime | str, reason: str = "daily") -> Backup:
    moment = at(when) if isinstance(when, str) else when
    name = f"assess-{reason}-{moment:%Y%m%dT%H%M%SZ}.sqlite"
    return Backup(Path("/backups") / name, BackupReason(reason), moment, 1000)


def test_thinning_keeps_two_days_then_one_a_day_a_week_a_month():
    keep = [
        fake("2026-03-20 08:00"),  # the last two days: everything
        fake("2026-03-19 08:00"),
        fake("2026-03-19 07:00", "manual"),
        fake("2026-03-18 11:00", "manual"),  # one a day for 14 days: the newest of each
        fake("2026-03-10 09:00"),
        fake("2026-03-03 09:00"),  # one a week for 8 weeks (Tuesday, week 10)
        fake("2026-02-20 09:00"),
        fake("2026-01-05 09:00"),  # then one a month
        fake("2026-01-03 09:00", "before-upgrade"),  # upgrades: all of the last 90 days
        fake("2025-12-31 09:00"),
        fake("2025-09-20 09:00"),
        fake("2025-09-10 09:00", "before-import"),  # the newest of its reason, however old
        fake("2025-06-15 09:00", "before-upgrade"),
        fake("2024-02-29 08:00"),  # one a month for ever: the newest of the month
    ]
    remove = [
        fake("2026-03-18 09:00"),  # same day as a newer one
        fake("2026-03-02 09:00"),  # Monday of the same week
        fake("2026-01-02 09:00"),  # same month
        fake("2025-06-14 09:00"),
        fake("2025-06-01 09:00", "before-upgrade"),  # an upgrade over 90 days ago
        fake("2024-02-01 09:00"),
    ]
    removed = backups_to_remove(keep + remove, NOW)
    assert sorted(b.path for b in removed) == sorted(b.path for b in remove)


def test_thinning_over_a_simulated_year_of_daily_use():
    """A backup every morning, some by hand, an import a week and an upgrade every two
    months; thinned after each one, as the app does."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    alive: dict[Path, Backup] = {}
    ever: list[Backup] = []
    for day in range(365):
        morning = start + timedelta(days=day, hours=9)
        made = [fake(morning)]
        if day % 3 == 0:
            made.append(fake(morning + timedelta(hours=6), "manual"))
        if day % 7 == 2:
            made.append(fake(morning + timedelta(hours=2), "before-import"))
        if day % 60 == 30:
            made.append(fake(morning - timedelta(hours=1), "before-upgrade"))
        for backup in made:
            alive[backup.path] = backup
            ever.append(backup)
        now = morning + timedelta(hours=8)
        for gone in backups_to_remove(alive.values(), now):
            del alive[gone.path]
        kept = list(alive.values())
        # Everything of the last two days is there.
        assert all(b.path in alive for b in ever if now - b.created_at < timedelta(days=2))
        # Every day of the last 16 and every week of the last 72 days still has a backup.
        for b in ever:
            age = now - b.created_at
            if age < timedelta(days=16):
                assert any(k.created_at.date() == b.created_at.date() for k in kept)
            elif age < timedelta(days=72):
                week = b.created_at.isocalendar()[:2]
                assert any(k.created_at.isocalendar()[:2] == week for k in kept)
    now = start + timedelta(days=364, hours=17)
    kept = sorted(alive.values(), key=lambda b: b.created_at)
    # One a month at least, for every month of the year.
    months = {(b.created_at.year, b.created_at.month) for b in kept}
    assert months == {(2025, m) for m in range(1, 13)}
    # The newest of each reason, and every upgrade backup of the last 90 days.
    for reason in BackupReason:
        made_for = [b for b in ever if b.reason is reason]
        if made_for:
            assert max(made_for, key=lambda b: b.created_at).path in alive
    for b in ever:
        if b.reason is BackupReason.BEFORE_UPGRADE and now - b.created_at < timedelta(days=90):
            assert b.path in alive
    # Apart from those, at most one a week after 16 days, and one a month after 72.
    newest = {
        max((b for b in ever if b.reason is r), key=lambda b: b.created_at).path
        for r in {b.reason for b in ever}
    }
    ordinary = [
        b
        for b in kept
        if b.path not in newest
        and not (b.reason is BackupReason.BEFORE_UPGRADE and now - b.created_at < timedelta(90))
    ]
    weekly = [b for b in ordinary if timedelta(16) <= now - b.created_at < timedelta(72)]
    monthly = [b for b in ordinary if now - b.created_at >= timedelta(72)]
    assert len({b.created_at.isocalendar()[:2] for b in weekly}) == len(weekly)
    assert len({(b.created_at.year, b.created_at.month) for b in monthly}) == len(monthly)
    assert len(ever) > 500
    assert len(kept) <= 40, [f"{b.created_at:%Y-%m-%d %H:%M} {b.reason}" for b in kept]


def test_thin_backups_removes_files_by_the_policy_and_nothing_else(db_path):
    with_partnerships(db_path, "North")
    folder = paths.backups_dir(db_path)
    for days in range(40):
        create_backup(db_path, "daily", now=NOW - timedelta(days=days))
    (folder / "notes.txt").write_text("mine")
    (folder / "other-daily-20250101T000000Z.sqlite").write_bytes(b"another database's")
    stale = folder / ".assess-daily-20250101T000000Z.sqlite.99.partial"
    stale.write_bytes(b"left by a crash")
    os.utime(stale, (0, 0))
    fresh = folder / ".assess-manual-20260320T115959Z.sqlite.98.partial"
    fresh.write_bytes(b"being written right now")
    expected = {b.path for b in backups_to_remove(list_backups(db_path), NOW)}
    removed = thin_backups(db_path, NOW)
    assert set(removed) == expected
    assert len(removed) > 10
    assert not any(p.exists() for p in removed)
    assert (folder / "notes.txt").exists()
    assert (folder / "other-daily-20250101T000000Z.sqlite").exists()
    assert not stale.exists()
    assert fresh.exists()
    assert thin_backups(db_path, NOW) == []


def test_a_backup_that_cannot_be_removed_is_left_for_next_time(db_path, monkeypatch, caplog):
    with_partnerships(db_path, "North")
    for days in (0, 20, 21):
        create_backup(db_path, "daily", now=NOW - timedelta(days=days))
    real_unlink = Path.unlink

    def refuse(self, missing_ok=False):
        if self.suffix == ".sqlite":
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse)
    assert thin_backups(db_path, NOW) == []
    assert "could not remove" in caplog.text
    assert len(list_backups(db_path)) == 3


# --- the daily backup ------------------------------------------------------------------------


def test_a_daily_backup_is_due_when_none_is_from_the_last_24_hours(db_path, tmp_path):
    with_partnerships(db_path, "North")
    assert daily_backup_due(db_path, NOW)
    create_backup(db_path, "before-import", now=NOW - timedelta(hours=23))
    assert not daily_backup_due(db_path, NOW)  # any kind of backup counts
    assert daily_backup_due(db_path, NOW + timedelta(hours=1, seconds=1))
    # A backup dated a day ahead (the clock was wrong) does not stop the daily one.
    other = tmp_path / "other" / "assess.sqlite"
    other.parent.mkdir()
    with_partnerships(other, "South")
    create_backup(other, "daily", now=NOW + timedelta(days=1))
    assert daily_backup_due(other, NOW)


def test_backup_if_due_makes_one_a_day_and_thins(db_path):
    with Store.open(db_path) as store:
        store.add_partnership("North")
        for days in range(20, 40):
            create_backup(store, "daily", now=NOW - timedelta(days=days))
        before = len(list_backups(db_path))
        made = backup_if_due(store, NOW)
        assert made is not None and made.name == "assess-daily-20260320T120000Z.sqlite"
        assert backup_if_due(store, NOW + timedelta(hours=5)) is None
        after = list_backups(db_path)
        assert after[0].path == made
        assert len(after) < before  # the old ones were thinned
        later = backup_if_due(store, NOW + timedelta(days=1, minutes=1))
        assert later is not None


# --- restoring -------------------------------------------------------------------------------


def test_restore_brings_back_the_old_data_and_keeps_the_state_before(db_path):
    with Store.open(db_path) as store:
        store.add_partnership("Before")
        backup = create_backup(store, "manual", now=NOW - timedelta(hours=2))
        store.add_partnership("After")
    kept = restore_backup(backup, db_path, now=NOW)
    assert kept is not None
    assert kept.name == "assess-before-restore-20260320T120000Z.sqlite"
    assert names_in(kept) == ["After", "Before"]
    assert backup.exists()  # copied from, not moved
    assert leftovers(db_path.parent) == []
    assert leftovers(paths.backups_dir(db_path)) == []
    with Store.open(db_path) as store:
        assert [p.name for p in store.partnerships()] == ["Before"]
        assert store.integrity_problems() == []
        store.add_partnership("Written after the restore")
    reasons = [b.reason for b in list_backups(db_path)]
    assert reasons == [BackupReason.BEFORE_RESTORE, BackupReason.MANUAL]
    # And the restore can itself be undone.
    restore_backup(kept, db_path, now=NOW + timedelta(minutes=1))
    assert names_in(db_path) == ["After", "Before"]


def test_a_database_still_open_is_not_restored_over(db_path):
    with Store.open(db_path) as store:
        store.add_partnership("Before")
        backup = create_backup(store, "manual", now=NOW)
        store.add_partnership("After")
        with pytest.raises(RestoreRefusedError, match=r"still open.*nothing has been changed"):
            restore_backup(backup, db_path, now=NOW + timedelta(seconds=1))
        assert [p.name for p in store.partnerships()] == ["After", "Before"]
        store.add_partnership("Still writable")
    assert [b.path for b in list_backups(db_path)] == [backup]


def _not_sqlite(path: Path) -> None:
    path.write_text("These are my meeting notes, not a database.\n" * 50)


def _another_programs(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()


def _damaged(path: Path) -> None:
    with Store.open(path) as store:
        p = store.add_partnership("Damaged")
        for n in range(300):
            store.add_organisation(p.id, f"Organisation {n} " + "x" * 180, "vcse")
    data = bytearray(path.read_bytes())
    data[4096 : 4096 * 3] = b"\xff" * (4096 * 2)  # scribble over b-tree pages
    path.write_bytes(bytes(data))


def _newer(path: Path) -> None:
    with_partnerships(path, "From the future")
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('ics_assess', '0099_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()


def _empty(path: Path) -> None:
    path.touch()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_not_sqlite, "not an ICS Assess database"),
        (_another_programs, "not an ICS Assess database"),
        (_damaged, "damaged"),
        (_newer, "newer version of ICS Assess"),
        (_empty, "empty"),
        (lambda path: None, "not there"),
    ],
)
def test_a_backup_that_cannot_be_used_is_refused_and_the_database_untouched(db_path, make, words):
    with_partnerships(db_path, "Mine")
    folder = paths.backups_dir(db_path)
    folder.mkdir()
    bad = folder / "assess-manual-20260101T000000Z.sqlite"
    make(bad)
    before = fingerprint(db_path)
    with pytest.raises(RestoreRefusedError, match=words) as refused:
        restore_backup(bad, db_path, now=NOW)
    assert "not been changed" in str(refused.value) or "Choose another" in str(refused.value)
    assert fingerprint(db_path) == before
    assert not any(b.reason is BackupReason.BEFORE_RESTORE for b in list_backups(db_path))
    assert names_in(db_path) == ["Mine"]


def test_the_database_itself_is_not_a_backup_of_itself(db_path):
    with_partnerships(db_path, "Mine")
    with pytest.raises(RestoreRefusedError, match="database itself"):
        restore_backup(db_path, db_path)


def test_a_failed_restore_leaves_the_database_and_no_half_file(db_path, monkeypatch):
    with Store.open(db_path) as store:
        store.add_partnership("Before")
        backup = create_backup(store, "manual", now=NOW - timedelta(hours=1))
        store.add_partnership("After")
    real_replace = os.replace

    def full_at_the_end(src, dst):
        if Path(dst) == db_path:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full_at_the_end)
    with pytest.raises(BackupError, match=r"disk is full.*kept as assess-before-restore"):
        restore_backup(backup, db_path, now=NOW)
    monkeypatch.undo()
    assert names_in(db_path) == ["After", "Before"]
    assert leftovers(db_path.parent) == []
    assert leftovers(paths.backups_dir(db_path)) == []
    with Store.open(db_path) as store:
        assert store.integrity_problems() == []


def test_a_damaged_database_is_moved_aside_and_the_backup_restored(db_path):
    with Store.open(db_path) as store:
        store.add_partnership("Good")
        backup = create_backup(store, "daily", now=NOW - timedelta(days=1))
    _damaged(db_path)  # the database (not the backup) is what went wrong
    damaged = fingerprint(db_path)[0]
    kept = restore_backup(backup, db_path, now=NOW)
    assert kept is not None
    assert kept.name == "assess-damaged-20260320T120000Z.sqlite"
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == damaged
    assert names_in(db_path) == ["Good"]
    assert [b.path for b in list_backups(db_path)] == [backup]  # the damaged file isn't one


def test_a_restore_into_a_missing_database_keeps_nothing(db_path, tmp_path):
    source = tmp_path / "elsewhere" / "assess.sqlite"
    source.parent.mkdir()
    with_partnerships(source, "Carried over")
    backup = create_backup(source, "manual", now=NOW)
    assert restore_backup(backup, db_path, now=NOW) is None
    assert names_in(db_path) == ["Carried over"]


def test_a_stale_shared_memory_file_is_not_kept_beside_the_restored_database(db_path):
    with Store.open(db_path) as store:
        store.add_partnership("Before")
        backup = create_backup(store, "manual", now=NOW - timedelta(hours=1))
    shm = db_path.with_name(db_path.name + "-shm")
    shm.write_bytes(b"\0" * 32768)
    restore_backup(backup, db_path, now=NOW)
    assert not shm.exists()
    with Store.open(db_path) as store:
        assert [p.name for p in store.partnerships()] == ["Before"]


def test_a_backup_from_an_older_version_is_restored_and_upgraded_on_opening(db_path):
    with Store.open(db_path) as store:
        store.add_partnership("From version 1")
        backup = create_backup(store, "daily", now=NOW - timedelta(days=3))

    @migrations(name="0002_test_add_notes")
    def add_notes(db):
        db.execute("ALTER TABLE partnerships ADD COLUMN notes TEXT NOT NULL DEFAULT ''")

    try:
        Store.open(db_path).close()  # upgraded to version 2
        restore_backup(backup, db_path, now=NOW)
        with Store.open(db_path) as store:
            assert "notes" in {c.name for c in store.db["partnerships"].columns}
            assert [p.name for p in store.partnerships()] == ["From version 1"]
        reasons = {b.reason for b in list_backups(db_path)}
        assert {BackupReason.BEFORE_UPGRADE, BackupReason.BEFORE_RESTORE} <= reasons
    finally:
        migrations._migrations.pop()


def test_dates_in_names_are_utc(db_path):
    with_partnerships(db_path, "North")
    local = datetime(2026, 7, 1, 0, 30, tzinfo=UTC).astimezone()  # whatever zone runs this
    made = create_backup(db_path, "manual", now=local)
    assert made.name == "assess-manual-20260701T003000Z.sqlite"
    assert list_backups(db_path)[0].created_at.date() == date(2026, 7, 1)


def test_a_damaged_database_is_put_back_when_the_restore_fails(db_path, monkeypatch):
    with Store.open(db_path) as store:
        store.add_partnership("Good")
        backup = create_backup(store, "daily", now=NOW - timedelta(days=1))
    _damaged(db_path)
    damaged = fingerprint(db_path)[0]
    real_replace = os.replace

    def full_at_the_end(src, dst):
        if Path(dst) == db_path and Path(src).name.endswith(".partial"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full_at_the_end)
    with pytest.raises(BackupError, match=r"disk is full\. The database has been left as it was"):
        restore_backup(backup, db_path, now=NOW)
    monkeypatch.undo()
    assert fingerprint(db_path)[0] == damaged
    assert leftovers(db_path.parent) == []
    assert [b.path for b in list_backups(db_path)] == [backup]
