"""Databases as an older version of the app wrote them, for the upgrade tests: the
schema up to (not including) a migration, holding records made by today's code."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from ics_assess import paths
from ics_assess.questionnaires import load_catalogue
from ics_assess.services import Services
from ics_assess.store import Store
from ics_assess.store.schema import APPLICATION_ID, migrations

FORMS_DIR = paths.builtin_forms_dir()


def database_before(path: Path, migration: str, build: Callable[[Services], None]) -> None:
    """Write at ``path`` a database of the schema before ``migration`` holding what
    ``build`` makes. ``build`` runs on today's schema (the write path needs it), in a
    scratch file; its rows are then copied table by table into the older schema, column
    by column: a column the older schema lacks is left behind, and so is a row it
    refuses (INSERT OR IGNORE skips a row that fails a CHECK), so ``build`` should make
    only what the older version could have held."""
    scratch = path.with_name(path.stem + "-today.sqlite")
    full = Database(sqlite3.connect(scratch))
    full.execute("PRAGMA foreign_keys = ON")
    migrations.apply(full)
    services = Services(Store(full, scratch), load_catalogue([FORMS_DIR]), [FORMS_DIR])
    build(services)
    full.conn.commit()
    full.close()

    conn = sqlite3.connect(path)
    db = Database(conn)
    migrations.apply(db, stop_before=migration)
    db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("ATTACH DATABASE ? AS today", [str(scratch)])
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations'"
        )
    ]
    for table in tables:
        old = [r[1] for r in conn.execute(f'PRAGMA main.table_info("{table}")')]
        new = {r[1] for r in conn.execute(f'PRAGMA today.table_info("{table}")')}
        names = ", ".join(f'"{c}"' for c in old if c in new)
        conn.execute(
            f'INSERT OR IGNORE INTO main."{table}" ({names}) SELECT {names} FROM today."{table}"'
        )
    conn.commit()
    conn.execute("DETACH DATABASE today")
    conn.close()
    scratch.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(scratch) + suffix).unlink(missing_ok=True)
