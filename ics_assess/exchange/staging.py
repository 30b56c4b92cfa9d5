"""Where the checked records of a bundle wait to be imported: a temporary SQLite database.

A large bundle holds millions of answers and change-log entries; held as Python objects
they would take gigabytes. As ``records.json`` is read (see records.py) every record is
checked and written here, so memory stays bounded whatever the file's size. SQLite keeps
the temporary database in a file of its own that it deletes when the connection closes
(an empty file name, https://sqlite.org/inmemorydb.html#temp_db); nothing of the bundle
is ever written under a name the bundle gives.

Records of the top-level types are rows of their own tables. The entries nested in them
(answers, change-log entries, agreed scores), millions in a large file, are kept as JSON
lists of their values, up to PART_ENTRIES of one parent's entries to a row: writing and
reading them a row each would take most of an import's time.

``Records`` and ``Nested`` present the staged records as read-only mappings (id to row,
and parent id to its list of answers, change-log entries or agreed scores), so the planner
and the importer read them like dictionaries, or in chunks.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

CHUNK = 500
FLUSH_ROWS = 5000
# Entries of one parent kept in one row of ``nested``, at most; and a part closes once its
# long texts (change-log values, answers' comments and evidence, agreed scores' reasoning)
# hold this many characters, so that none is huge.
PART_ENTRIES = 1000
PART_CHARS = 1_000_000
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"[{name}]" for name in names)


class Staging:
    """The temporary database, its tables made from the record types' fields."""

    def __init__(
        self,
        fields: Mapping[str, Iterable[str]],
        parents: Mapping[str, str],
        long_texts: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        """``fields``: each staged record type's fields; ``parents``: the nested types
        (answer, change, agreed_score) and the type each sits in; ``long_texts``: the
        fields of nested types whose length counts towards PART_CHARS."""
        self.db = sqlite3.connect("", check_same_thread=False)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("PRAGMA cache_size = -16000")
        self.fields = {kind: list(names) for kind, names in fields.items()}
        self.parents = dict(parents)
        self._long = {
            kind: tuple(self.fields[kind].index(name) for name in names)
            for kind, names in (long_texts or {}).items()
        }
        self._pending: dict[str, list[tuple]] = {kind: [] for kind in self.fields}
        self._pending_keys: dict[str, set[str]] = {kind: set() for kind in self.fields}
        # The part of each nested type being gathered: [n, first k, entries, characters].
        self._open: dict[str, list | None] = dict.fromkeys(self.parents)
        for kind, names in self.fields.items():
            if kind not in self.parents:
                self.db.execute(f"CREATE TABLE [{kind}] (n INTEGER PRIMARY KEY, {_quoted(names)})")
                self.db.execute(f"CREATE UNIQUE INDEX [{kind}_id] ON [{kind}] (id)")
        # One parent's entries of one type, ``count`` of them from the ``first`` (1-based),
        # as a JSON list of lists of their values in ``fields`` order.
        self.db.execute(
            "CREATE TABLE nested (kind TEXT NOT NULL, n INTEGER NOT NULL, part INTEGER NOT "
            "NULL, first INTEGER NOT NULL, count INTEGER NOT NULL, entries TEXT NOT NULL, "
            "PRIMARY KEY (kind, n, part)) WITHOUT ROWID"
        )

    # --- writing, while the file is read --------------------------------------------

    def has(self, kind: str, key: str) -> bool:
        """Whether a record of ``kind`` with this id was staged already."""
        if key in self._pending_keys[kind]:
            return True
        sql = f"SELECT 1 FROM [{kind}] WHERE id = ?"
        return self.db.execute(sql, (key,)).fetchone() is not None

    def add(self, kind: str, n: int, row: Mapping[str, Any]) -> None:
        """Stage a checked record, the n-th of its list."""
        pending = self._pending[kind]
        pending.append((n, *(row[name] for name in self.fields[kind])))
        self._pending_keys[kind].add(row["id"])
        if len(pending) >= FLUSH_ROWS:
            self._flush(kind)

    def add_values(self, kind: str, n: int, k: int, values: tuple) -> None:
        """Stage a checked entry of a nested type, the k-th of the n-th parent's list,
        given as its values in ``fields`` order."""
        part = self._open[kind]
        if part is not None and (
            part[0] != n or len(part[2]) >= PART_ENTRIES or part[3] >= PART_CHARS
        ):
            self._close(kind)
            part = None
        if part is None:
            part = self._open[kind] = [n, k, [], 0]
        part[2].append(values)
        for at in self._long.get(kind, ()):
            part[3] += len(values[at] or "")

    def _close(self, kind: str) -> None:
        n, first, entries, _ = self._open[kind]
        self._open[kind] = None
        self._pending.setdefault("nested", []).append(
            (kind, n, first, first, len(entries), _encode(entries))
        )
        if len(self._pending["nested"]) >= FLUSH_ROWS // 10:
            self._flush("nested")

    def _flush(self, kind: str) -> None:
        rows = self._pending.get(kind)
        if not rows:
            return
        if kind == "nested":
            sql = "INSERT INTO nested (kind, n, part, first, count, entries) VALUES (?,?,?,?,?,?)"
        else:
            names = ["n", *self.fields[kind]]
            marks = ", ".join("?" * len(names))
            sql = f"INSERT INTO [{kind}] ({_quoted(names)}) VALUES ({marks})"
        self.db.executemany(sql, rows)
        rows.clear()
        self._pending_keys.get(kind, set()).clear()

    def flush(self) -> None:
        for kind in self.parents:
            if self._open[kind] is not None:
                self._close(kind)
        for kind in [*self.fields, "nested"]:
            self._flush(kind)
        self.db.commit()

    def close(self) -> None:
        self.db.close()

    # --- reading --------------------------------------------------------------------

    def count(self, kind: str) -> int:
        if kind in self.parents:
            sql = "SELECT coalesce(sum(count), 0) FROM nested WHERE kind = ?"
            return self.db.execute(sql, (kind,)).fetchone()[0]
        return self.db.execute(f"SELECT count(*) FROM [{kind}]").fetchone()[0]

    def first_unknown_item(
        self, kind: str, questionnaire: tuple[str, str], items: Iterable[str]
    ) -> tuple[int, str, int, dict] | None:
        """The first (n, parent id, k, row) of a nested type whose parent uses the
        questionnaire version and whose item is not one of ``items``; None if none."""
        parent = self.parents[kind]
        at = self.fields[kind].index("item_id")
        self.db.execute("CREATE TEMP TABLE IF NOT EXISTS known_items (item_id TEXT PRIMARY KEY)")
        self.db.execute("DELETE FROM known_items")
        self.db.executemany(
            "INSERT OR IGNORE INTO known_items VALUES (?)", ((item,) for item in items)
        )
        found = self.db.execute(
            f"SELECT p.n, p.id, x.first + j.key, j.value FROM nested x "
            f"JOIN [{parent}] p ON p.n = x.n, json_each(x.entries) j "
            "WHERE x.kind = ? AND p.questionnaire_id = ? AND p.questionnaire_version = ? "
            f"AND j.value ->> {at} NOT IN (SELECT item_id FROM known_items) "
            "ORDER BY x.n, x.part, j.key LIMIT 1",
            (kind, *questionnaire),
        ).fetchone()
        self.db.execute("DELETE FROM known_items")
        if found is None:
            return None
        return found[0], found[1], found[2], self._row(kind, json.loads(found[3]))

    def _ordinals(self, kind: str, keys: list[str]) -> dict[int, str]:
        """Parent ids by their place in the file, for at most CHUNK ids of a nested type's
        parents (those staged)."""
        marks = ",".join("?" * len(keys))
        sql = f"SELECT n, id FROM [{self.parents[kind]}] WHERE id IN ({marks})"
        return dict(self.db.execute(sql, keys).fetchall())

    def entries(self, kind: str, keys: list[str]) -> dict[str, list[tuple]]:
        """The staged entries of a nested type whose parents have these ids (at most
        CHUNK), each a tuple of its values in ``fields`` order, by parent id, in the
        order of the file."""
        by_n = self._ordinals(kind, keys)
        found: dict[str, list[tuple]] = {key: [] for key in keys}
        marks = ",".join("?" * len(by_n))
        for n, text in self.db.execute(
            f"SELECT n, entries FROM nested WHERE kind = ? AND n IN ({marks}) ORDER BY n, part",
            (kind, *by_n),
        ).fetchall():
            found[by_n[n]].extend(map(tuple, json.loads(text)))
        return found

    def copy_entries(self, kind: str, keys: list[str], table: str, columns: Iterable[str]) -> None:
        """Copy the entries of these parents (at most CHUNK) into another table of the
        temporary database, in the order of the file, as (parent id, values...)."""
        by_n = self._ordinals(kind, keys)
        names = self.fields[kind]
        values = ", ".join(f"j.value ->> {at}" for at in range(len(names)))
        marks = ",".join("?" * len(by_n))
        self.db.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT p.id, {values} "
            f"FROM nested x JOIN [{self.parents[kind]}] p ON p.n = x.n, "
            f"json_each(x.entries) j WHERE x.kind = ? AND x.n IN ({marks}) "
            "ORDER BY x.n, x.part, j.key",
            (kind, *by_n),
        )

    def _row(self, kind: str, values: Iterable[Any]) -> dict[str, Any]:
        return dict(zip(self.fields[kind], values, strict=True))


class Records(Mapping[str, dict]):
    """The staged records of one type, by id, in the order of the file."""

    def __init__(self, staging: Staging, kind: str) -> None:
        self._staging = staging
        self._db = staging.db
        self.kind = kind
        self._fields = staging.fields[kind]
        self._columns = _quoted(self._fields)
        self._len: int | None = None

    def __getitem__(self, key: str) -> dict:
        found = self._db.execute(
            f"SELECT {self._columns} FROM [{self.kind}] WHERE id = ?", (key,)
        ).fetchone()
        if found is None:
            raise KeyError(key)
        return self._staging._row(self.kind, found)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        sql = f"SELECT 1 FROM [{self.kind}] WHERE id = ?"
        return self._db.execute(sql, (key,)).fetchone() is not None

    def __iter__(self) -> Iterator[str]:
        for (key,) in self._db.execute(f"SELECT id FROM [{self.kind}] ORDER BY n").fetchall():
            yield key

    def __len__(self) -> int:
        if self._len is None:
            self._len = self._staging.count(self.kind)
        return self._len

    def items(self) -> Iterator[tuple[str, dict]]:  # type: ignore[override]
        for chunk in self.chunks():
            yield from chunk

    def values(self) -> Iterator[dict]:  # type: ignore[override]
        for chunk in self.chunks():
            for _, row in chunk:
                yield row

    def chunks(self, size: int = CHUNK) -> Iterator[list[tuple[str, dict]]]:
        """(id, row) in the order of the file, ``size`` at a time."""
        last = 0
        sql = f"SELECT n, {self._columns} FROM [{self.kind}] WHERE n > ? ORDER BY n LIMIT {size:d}"
        while True:
            found = self._db.execute(sql, (last,)).fetchall()
            if not found:
                return
            last = found[-1][0]
            yield [
                (row["id"], row) for row in (self._staging._row(self.kind, f[1:]) for f in found)
            ]

    def ordinal(self, key: str) -> int:
        """Where the record is in its list of records.json (1 for the first)."""
        found = self._db.execute(f"SELECT n FROM [{self.kind}] WHERE id = ?", (key,)).fetchone()
        if found is None:
            raise KeyError(key)
        return found[0]

    def _by_ids(self, columns: str, keys: Iterable[str]) -> Iterator[tuple]:
        """``columns`` of the records with these ids (those staged), CHUNK ids a query."""
        keys = list(keys)
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT {columns} FROM [{self.kind}] WHERE id IN ({marks})"
            yield from self._db.execute(sql, chunk).fetchall()

    def ordinals(self, keys: Iterable[str]) -> dict[str, int]:
        """Where each of these records is in its list (those staged), by id."""
        return dict(self._by_ids("id, n", keys))

    def rows(self, keys: Iterable[str]) -> dict[str, dict]:
        """The rows of these ids (those staged), by id."""
        rows = (
            self._staging._row(self.kind, values) for values in self._by_ids(self._columns, keys)
        )
        return {row["id"]: row for row in rows}

    def first_where(self, **values: Any) -> str | None:
        """The id of the first record (in the order of the file) with these values."""
        where = " AND ".join(f"[{name}] IS ?" for name in values)
        sql = f"SELECT id FROM [{self.kind}] WHERE {where} ORDER BY n LIMIT 1"
        found = self._db.execute(sql, list(values.values())).fetchone()
        return None if found is None else found[0]

    def distinct(self, *names: str) -> set:
        """The distinct values (tuples, for more than one field) of fields."""
        sql = f"SELECT DISTINCT {_quoted(names)} FROM [{self.kind}]"
        found = self._db.execute(sql).fetchall()
        return {v[0] for v in found} if len(names) == 1 else {tuple(v) for v in found}


class Nested(Mapping[str, list[dict]]):
    """The staged entries of a nested type (answers, change-log entries, agreed scores)
    by their parent's id, each list in the order of the file."""

    def __init__(self, staging: Staging, kind: str, parent: Records) -> None:
        self._staging = staging
        self._db = staging.db
        self.kind = kind
        self.parent = parent

    def __getitem__(self, key: str) -> list[dict]:
        n = self.parent.ordinal(key)
        sql = "SELECT entries FROM nested WHERE kind = ? AND n = ? ORDER BY part"
        return [
            self._staging._row(self.kind, values)
            for (text,) in self._db.execute(sql, (self.kind, n)).fetchall()
            for values in json.loads(text)
        ]

    def __iter__(self) -> Iterator[str]:
        return iter(self.parent)

    def __len__(self) -> int:
        return len(self.parent)

    def __contains__(self, key: object) -> bool:
        return key in self.parent

    def for_keys(self, keys: Iterable[str]) -> dict[str, list[dict]]:
        """The lists of these parents, by id (an empty list for a parent with none)."""
        keys = list(keys)
        found: dict[str, list[dict]] = {}
        fields = self._staging.fields[self.kind]
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            for key, entries in self._staging.entries(self.kind, chunk).items():
                found[key] = [dict(zip(fields, values, strict=True)) for values in entries]
        return found

    def counts(self, keys: Iterable[str]) -> dict[str, int]:
        """How many entries each of these parents has."""
        ordinals = self.parent.ordinals(keys)
        by_n = {n: key for key, n in ordinals.items()}
        found = dict.fromkeys(ordinals, 0)
        numbers = sorted(by_n)
        for start in range(0, len(numbers), CHUNK):
            chunk = numbers[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT n, sum(count) FROM nested WHERE kind = ? AND n IN ({marks}) GROUP BY n"
            for n, count in self._db.execute(sql, (self.kind, *chunk)).fetchall():
                found[by_n[n]] = count
        return found

    def total(self) -> int:
        return self._staging.count(self.kind)
