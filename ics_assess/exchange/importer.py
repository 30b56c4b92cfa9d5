"""Import: compare a checked bundle with the database, then write all of it or nothing.

``plan_import`` reads the database and sorts every record of the bundle into added (not
here yet), already there (same id, same content) and conflicts (same id, different
content). It also checks what needs the database: every reference leads to a record in
the file or here, and answers fit questionnaires stored here. ``apply_import`` writes the
plan in one transaction, after planning again inside it and making sure nothing changed.
Both go CHUNK assessments at a time, reading the bundle's staged records (staging.py), so
that memory does not grow with the file; the plan keeps ids and counts, not records.

Conflicts are never applied silently (docs/exchange-format.md, "Conflicts"):

- no choice: the import is refused, and the conflicts are listed;
- ``KEEP_MINE``: conflicting records stay as they are here; the rest is imported;
- ``TAKE_THEIRS``: conflicting records are replaced by the file's. The database is backed
  up first (the caller's ``backup``), and each replaced answer and status is written to
  the change log, old value to new, by "import from FILE", so the replaced versions can
  be recovered.

A questionnaire version stored here (or in the forms folders) with different text under
the same id and version is a conflict that no choice resolves: answers were given on each
text, so one of them must get a new version number first.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..domain import UNNAMED_RESPONDENT, Questionnaire
from ..questionnaires import QuestionnaireError, parse_questionnaire
from ..store import Store, now
from .bundle import plain, show
from .errors import BundleError, ExchangeError, ImportConflictError
from .records import FIELDS, NOUNS, Bundle, positions_by_item, with_positions

CHUNK = 500
# Record types in the order they are written (parents before children).
KINDS = (
    "partnership",
    "organisation",
    "round",
    "questionnaire",
    "workshop",
    "assessment",
    "action",
)
PLURALS = {
    "partnership": "partnerships",
    "organisation": "organisations",
    "round": "rounds",
    "questionnaire": "questionnaires",
    "workshop": "workshops",
    "assessment": "assessments",
    "action": "actions",
}
TABLES = {
    "partnership": "partnerships",
    "organisation": "organisations",
    "round": "rounds",
    "workshop": "workshops",
    "assessment": "assessments",
    "action": "actions",
}
# The references a record of the file makes: (record type, field, type referred to), in
# the order a refusal looks for the first one that leads nowhere.
REFERENCES = (
    ("organisation", "partnership_id", "partnership"),
    ("round", "partnership_id", "partnership"),
    ("workshop", "round_id", "round"),
    ("assessment", "round_id", "round"),
    ("assessment", "organisation_id", "organisation"),
    ("assessment", "workshop_id", "workshop"),
    ("action", "partnership_id", "partnership"),
    ("action", "round_id", "round"),
    ("action", "organisation_id", "organisation"),
    ("action", "workshop_id", "workshop"),
)
REFERRED = ("partnership", "round", "organisation", "workshop")
# Fields whose difference is reported as "when it last changed", not as a difference.
TIME_FIELDS = ("created_at", "updated_at", "submitted_at")


class ConflictChoice(StrEnum):
    """What to do with records whose id is here with different content."""

    KEEP_MINE = "keep-mine"
    TAKE_THEIRS = "take-theirs"


# (source text, parsed questionnaire, where it is) of a questionnaire in the forms folders.
KnownQuestionnaire = tuple[str, Questionnaire, str]


@dataclass(frozen=True)
class Conflict:
    """A record of the file whose id is here with different content."""

    kind: str
    key: str
    description: str
    blocking: bool = False

    def as_json(self) -> dict[str, Any]:
        """The conflict in ``import --json`` (docs/cli.md)."""
        return {
            "kind": self.kind,
            "id": self.key,
            "description": self.description,
            "resolvable": not self.blocking,
        }


@dataclass
class ImportPlan:
    """What importing a bundle into this database would do."""

    bundle: Bundle
    added: dict[str, list[str]] = field(default_factory=dict)
    same: dict[str, list[str]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    # How many change-log entries of the file are missing here, by assessment (added or
    # same ones); the entries themselves are worked out again when they are written.
    new_changes: dict[str, int] = field(default_factory=dict)
    # The same for conflicting assessments: written only when taking theirs.
    conflict_changes: dict[str, int] = field(default_factory=dict)
    # This database's side of each conflict but an assessment's: (kind, key) -> row (+
    # nested lists). An assessment's is read again when it is replaced.
    mine: dict[tuple[str, str], dict] = field(default_factory=dict)
    # Assessments of the file that were deleted here.
    deleted_here: set[str] = field(default_factory=set)
    signature: str = ""
    # Store.write_version() when the plan was read: unchanged under the write lock means
    # nothing was committed since, so the plan holds without being read again.
    version: tuple[int, int] | None = None
    planned_on: Any = field(default=None, repr=False, compare=False)  # the Store read
    known: Mapping[tuple[str, str], KnownQuestionnaire] = field(default_factory=dict)
    answers_added: int = 0

    @property
    def blocking(self) -> list[Conflict]:
        """Conflicts that no choice resolves."""
        return [c for c in self.conflicts if c.blocking]

    def count(self, which: str) -> dict[str, int]:
        """Records per kind (plural names) that are 'added', 'same' or 'conflicts'."""
        if which == "conflicts":
            tally = Counter(c.kind for c in self.conflicts)
            return {PLURALS[k]: tally.get(k, 0) for k in KINDS}
        source = self.added if which == "added" else self.same
        return {PLURALS[k]: len(source.get(k, [])) for k in KINDS}

    @property
    def changes_added(self) -> int:
        """Change-log entries added whatever the choice (those of conflicts not counted)."""
        return sum(self.new_changes.values())


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    plan: ImportPlan
    choice: ConflictChoice | None
    backup: Path | None
    changes_added: int
    notes_added: int


# --- reading the database ---------------------------------------------------------------


def _query(store: Store, sql: str, ids: Iterable[Any]) -> list[dict]:
    ids = sorted(set(ids))
    found: list[dict] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found.extend(store.db.query(sql.format(marks=",".join("?" * len(chunk))), chunk))
    return found


def _by_id(store: Store, table: str, ids: Iterable[str]) -> dict[str, dict]:
    return {
        r["id"]: r for r in _query(store, f"SELECT * FROM [{table}] WHERE id IN ({{marks}})", ids)
    }


def _stored_questionnaires(store: Store, keys: Iterable[tuple[str, str]]) -> dict:
    found = {}
    sql = "SELECT * FROM questionnaire_versions WHERE questionnaire_id = ? AND version = ?"
    for key in sorted(set(keys)):
        rows = list(store.db.query(sql, list(key)))
        if rows:
            found[key] = rows[0]
    return found


def _pick(record_type: str, row: dict) -> dict:
    return {key: row[key] for key in FIELDS[record_type]}


def _change_key(row: dict) -> tuple:
    return tuple(row[k] for k in FIELDS["change"])


def _of_assessments(store: Store, sql: str, keys: Iterable[str]) -> dict[str, list[dict]]:
    """Rows of ``sql`` (with ``{marks}`` for the ids) by assessment, [] for one with none."""
    found: dict[str, list[dict]] = {k: [] for k in keys}
    for row in _query(store, sql, found):
        found[row["assessment_id"]].append(row)
    return found


def _answers(store: Store, keys: Iterable[str]) -> dict[str, list[dict]]:
    """The answers here of these assessments, each list by item (with no evidence in a
    database read from before it was kept, migration 0008)."""
    sql = "SELECT * FROM answers WHERE assessment_id IN ({marks}) ORDER BY item_id"
    found = _of_assessments(store, sql, keys)
    return {
        key: [_pick("answer", {"evidence": "", **row}) for row in rows]
        for key, rows in found.items()
    }


def _change_logs(store: Store, keys: Iterable[str]) -> dict[str, list[dict]]:
    """The change-log entries here of these assessments, oldest first."""
    sql = "SELECT * FROM change_log WHERE assessment_id IN ({marks}) ORDER BY seq"
    return _of_assessments(store, sql, keys)


def _agreed_scores(store: Store, keys: Iterable[str]) -> dict[str, list[dict]]:
    """The agreed scores here of these workshops, with their positions, by item."""
    found: dict[str, list[dict]] = {k: [] for k in keys}
    held = positions_by_item(
        _query(store, "SELECT * FROM workshop_positions WHERE workshop_id IN ({marks})", found)
    )
    for row in _query(
        store,
        "SELECT * FROM agreed_scores WHERE workshop_id IN ({marks}) ORDER BY item_id",
        found,
    ):
        found[row["workshop_id"]].append(_pick("agreed_score", with_positions(row, held)))
    return found


# --- planning ---------------------------------------------------------------------------


class _Planner:
    def __init__(self, store: Store, bundle: Bundle, known: Mapping[tuple[str, str], Any]):
        self.store = store
        self.b = bundle
        self.known = known
        self.plan = ImportPlan(bundle, known=known)
        # What the plan read from the database, hashed as it is read (the signature).
        self._facts = hashlib.sha256()

    def fact(self, value: Any) -> None:
        self._facts.update(json.dumps(value, sort_keys=True, default=str).encode("utf-8"))
        self._facts.update(b"\n")

    def run(self) -> ImportPlan:
        b = self.b
        self.existing = {
            kind: _by_id(self.store, TABLES[kind], getattr(b, PLURALS[kind]))
            for kind in TABLES
            if kind != "assessment"
        }
        self._references()
        self._questionnaires()
        for kind in ("partnership", "organisation", "round", "action"):
            self._simple(kind)
        self._workshops()
        self._assessments()
        self.plan.signature = self._facts.hexdigest()
        return self.plan

    # references and consistency ------------------------------------------------------

    def _lookup(self, kind: str, ids: set[str]) -> dict[str, dict]:
        """Rows here for ids the file refers to but does not carry."""
        rows = _by_id(self.store, TABLES[kind], ids)
        self.fact([kind, sorted(rows.items())])
        return rows

    def _references(self) -> None:
        b = self.b
        carried = {kind: set(getattr(b, PLURALS[kind])) for kind in REFERRED}
        wanted: dict[str, set[str]] = {k: set() for k in TABLES}
        for record_type, fld, target in REFERENCES:
            for value in getattr(b, PLURALS[record_type]).distinct(fld):
                if value is not None and value not in carried[target]:
                    wanted[target].add(value)
        here = {kind: self._lookup(kind, ids) for kind, ids in wanted.items()}
        self.here = here
        missing = {kind: wanted[kind] - set(here[kind]) for kind in REFERRED}
        if any(missing.values()):
            self._missing_reference(missing)

        def partnerships(kind: str) -> dict[str, str]:
            rows = getattr(b, PLURALS[kind]).values()
            found = {row["id"]: row["partnership_id"] for row in rows}
            found.update((key, row["partnership_id"]) for key, row in here[kind].items())
            return found

        of_round, of_organisation = partnerships("round"), partnerships("organisation")
        for round_id, organisation_id in sorted(
            b.assessments.distinct("round_id", "organisation_id")
        ):
            if of_round[round_id] != of_organisation[organisation_id]:
                key = b.assessments.first_where(round_id=round_id, organisation_id=organisation_id)
                raise BundleError(
                    f"{b.place('assessment', key)}: its round and its organisation belong to "
                    "different partnerships"
                )
        for round_id, partnership_id in sorted(b.actions.distinct("round_id", "partnership_id")):
            if of_round[round_id] != partnership_id:
                key = b.actions.first_where(round_id=round_id, partnership_id=partnership_id)
                raise BundleError(
                    f"{b.place('action', key)}: its round belongs to another partnership"
                )

    def _missing_reference(self, missing: dict[str, set[str]]) -> None:
        """Refuse the file at the first record (in the order of the file) that refers to
        a record neither in the file nor here."""
        b = self.b
        for record_type in ("organisation", "round", "workshop", "assessment", "action"):
            fields = [(f, t) for k, f, t in REFERENCES if k == record_type]
            records = getattr(b, PLURALS[record_type])
            if not any(records.distinct(f) & missing[t] for f, t in fields):
                continue
            for key, row in records.items():
                for fld, target in fields:
                    if row[fld] in missing[target]:
                        raise BundleError(
                            f"{b.place(record_type, key)}: '{fld}' refers to the "
                            f"{NOUNS[target]} {row[fld]}, which is neither in the file nor in "
                            "this database"
                        )

    # questionnaires -------------------------------------------------------------------

    def _questionnaires(self) -> None:
        b = self.b
        qkey = ("questionnaire_id", "questionnaire_version")
        used_by = {
            "workshop": b.workshops.distinct(*qkey),
            "assessment": b.assessments.distinct(*qkey),
        }
        used = used_by["workshop"] | used_by["assessment"]
        stored = _stored_questionnaires(self.store, used | set(b.questionnaires))
        self.fact(["questionnaires", sorted((k, v["sha256"]) for k, v in stored.items())])
        parsed_here: dict[tuple[str, str], Questionnaire] = {}

        def parsed(key: tuple[str, str]) -> Questionnaire:
            if key not in parsed_here:
                try:
                    parsed_here[key] = parse_questionnaire(stored[key]["source"], "stored")
                except QuestionnaireError as exc:
                    raise ExchangeError(
                        f"The copy of questionnaire '{key[0]}' version {key[1]} stored in this "
                        f"database cannot be read ({exc}); run 'ics-assess check'."
                    ) from None
            return parsed_here[key]

        for key in sorted(b.questionnaires):
            theirs = b.questionnaires[key]
            label = f"questionnaire '{key[0]}' version {show(key[1])}"
            if key in stored:
                if stored[key]["sha256"] == theirs.sha256 or parsed(key) == theirs.questionnaire:
                    self._put("same", "questionnaire", f"{key[0]}@{key[1]}")
                    continue
                self.plan.conflicts.append(
                    Conflict(
                        "questionnaire",
                        f"{key[0]}@{key[1]}",
                        f"{label}: this database holds a different text under the same id "
                        "and version, and answers may have been given on each; give one of "
                        "them a new version number before importing",
                        blocking=True,
                    )
                )
                continue
            known = self.known.get(key)
            if known is not None and known[0] != theirs.source and known[1] != theirs.questionnaire:
                self.plan.conflicts.append(
                    Conflict(
                        "questionnaire",
                        f"{key[0]}@{key[1]}",
                        f"{label}: the forms folder here has a different text under the same "
                        f"id and version ({show(known[2], 120)}); give one of them a new "
                        "version number before importing",
                        blocking=True,
                    )
                )
                continue
            self._put("added", "questionnaire", f"{key[0]}@{key[1]}")
        # Records whose questionnaire is not in the file: it must be stored here, and
        # their answers must fit it.
        for kind, nested_type in (("workshop", "agreed_score"), ("assessment", "answer")):
            for key in sorted(used_by[kind] - set(b.questionnaires)):
                if key not in stored:
                    first = getattr(b, PLURALS[kind]).first_where(
                        questionnaire_id=key[0], questionnaire_version=key[1]
                    )
                    raise BundleError(
                        f"{b.place(kind, first)}: questionnaire '{key[0]}' version "
                        f"{show(key[1])} is neither in the file nor in this database"
                    )
                problem = b.unknown_item(nested_type, parsed(key))
                if problem:
                    raise BundleError(problem)

    # records -----------------------------------------------------------------------------

    def _put(self, which: str, kind: str, key: str) -> None:
        target = self.plan.added if which == "added" else self.plan.same
        target.setdefault(kind, []).append(key)

    def _simple(self, kind: str) -> None:
        rows = getattr(self.b, PLURALS[kind])
        existing = self.existing[kind]
        self.fact([kind, sorted((k, _pick(kind, v)) for k, v in existing.items())])
        for key, theirs in rows.items():
            mine = existing.get(key)
            if mine is None:
                self._put("added", kind, key)
                continue
            mine = _pick(kind, mine)
            if mine == theirs:
                self._put("same", kind, key)
                continue
            self.plan.mine[(kind, key)] = mine
            self.plan.conflicts.append(Conflict(kind, key, self._describe(kind, key, mine, theirs)))

    def _workshops(self) -> None:
        b = self.b
        existing = self.existing["workshop"]
        scores = _agreed_scores(self.store, existing)
        self.fact(
            [
                "workshops",
                sorted((k, _pick("workshop", v)) for k, v in existing.items()),
                sorted(scores.items()),
            ]
        )
        for key, theirs in b.workshops.items():
            if key not in existing:
                self._put("added", "workshop", key)
                continue
            mine = _pick("workshop", existing[key])
            their_scores = sorted(b.agreed_scores[key], key=lambda r: r["item_id"])
            if mine == theirs and scores[key] == their_scores:
                self._put("same", "workshop", key)
                continue
            self.plan.mine[("workshop", key)] = {**mine, "agreed_scores": scores[key]}
            extra = _nested_difference(scores[key], their_scores, "agreed score")
            described = self._describe("workshop", key, mine, theirs, extra)
            self.plan.conflicts.append(Conflict("workshop", key, described))

    def _assessments(self) -> None:
        """Assessments a chunk at a time: their rows, answers and change logs here and in
        the file, so that memory does not grow with the file."""
        b = self.b
        for chunk in b.assessments.chunks(CHUNK):
            keys = [key for key, _ in chunk]
            existing = _by_id(self.store, "assessments", keys)
            answers = _answers(self.store, existing)
            logs = _change_logs(self.store, keys)
            self.fact(
                [
                    "assessments",
                    sorted((k, _pick("assessment", v)) for k, v in existing.items()),
                    sorted(answers.items()),
                    sorted((k, len(v)) for k, v in logs.items() if v),
                ]
            )
            theirs_answers = b.answers.for_keys(existing)
            theirs_logs = b.change_log.for_keys([k for k in keys if logs[k]])
            counts = b.change_log.counts([k for k in keys if not logs[k]])
            for key, theirs in chunk:
                if logs[key]:
                    missing = len(_missing_changes(theirs_logs[key], logs[key]))
                else:
                    missing = counts[key]
                if key not in existing:
                    deleted = [r for r in logs[key] if r["field"] == "deleted"]
                    if deleted:
                        self.plan.deleted_here.add(key)
                        self.plan.conflict_changes[key] = missing
                        label = self._assessment_label(key, theirs)
                        self.plan.conflicts.append(
                            Conflict(
                                "assessment",
                                key,
                                f"{label}: was deleted here on {deleted[-1]['changed_at'][:16]}"
                                "; the file still has it",
                            )
                        )
                        continue
                    self._put("added", "assessment", key)
                    self.plan.new_changes[key] = missing
                    continue
                mine = _pick("assessment", existing[key])
                their_answers = sorted(theirs_answers[key], key=lambda r: r["item_id"])
                if mine == theirs and answers[key] == their_answers:
                    self._put("same", "assessment", key)
                    if missing:
                        self.plan.new_changes[key] = missing
                    continue
                self.plan.conflict_changes[key] = missing
                extra = _nested_difference(answers[key], their_answers, "answer")
                described = self._describe("assessment", key, mine, theirs, extra)
                self.plan.conflicts.append(Conflict("assessment", key, described))
        added = self.plan.added.get("assessment", [])
        self.plan.answers_added = sum(
            sum(b.answers.counts(added[start : start + CHUNK]).values())
            for start in range(0, len(added), CHUNK)
        )

    # describing ------------------------------------------------------------------------

    def _name_of(self, kind: str, key: str) -> str:
        row = getattr(self.b, PLURALS[kind]).get(key) or self.here.get(kind, {}).get(key)
        if row is None:
            row = self.existing.get(kind, {}).get(key)
        if row is None:
            return key[:8]
        return str(row.get("name") or row.get("title") or key[:8])

    def _assessment_label(self, key: str, row: dict) -> str:
        who = row["respondent_name"] or (
            UNNAMED_RESPONDENT if row.get("kind") == "organisation" else "Anonymous"
        )
        org = self._name_of("organisation", row["organisation_id"])
        return (
            f"assessment {key[:8]} ({plain(org, 50)}, {row['questionnaire_id']} "
            f"{plain(row['questionnaire_version'], 20)}, {plain(who, 40)})"
        )

    def _describe(self, kind: str, key: str, mine: dict, theirs: dict, extra: str = "") -> str:
        if kind == "assessment":
            label = self._assessment_label(key, theirs)
        elif kind == "action":
            label = f"action {key[:8]} ({plain(theirs['description'], 50)})"
        else:
            title = theirs.get("name") or theirs.get("title") or ""
            label = f"{NOUNS[kind]} {key[:8]} ({plain(title, 50)})"
        fields = [
            k for k in FIELDS[kind] if k not in TIME_FIELDS and k != "id" and mine[k] != theirs[k]
        ]
        parts = [extra] if extra else []
        parts += [
            f"{k} yours {show(mine[k], 40)}, theirs {show(theirs[k], 40)}" for k in fields[:3]
        ]
        if len(fields) > 3:
            parts.append(f"and {len(fields) - 3} more fields")
        stamp = "updated_at" if "updated_at" in FIELDS[kind] else "created_at"
        if mine[stamp] != theirs[stamp]:
            parts.append(f"last changed here {mine[stamp][:19]}, in the file {theirs[stamp][:19]}")
        else:
            times = [k for k in TIME_FIELDS if k in mine and mine[k] != theirs[k]]
            if times:
                parts.append("times differ: " + ", ".join(times))
        return f"{label}: " + "; ".join(parts or ["the same id with other content"])


def _nested_difference(mine: list[dict], theirs: list[dict], noun: str) -> str:
    by_mine = {r["item_id"]: r for r in mine}
    by_theirs = {r["item_id"]: r for r in theirs}
    differ = sum(1 for k in by_mine.keys() & by_theirs.keys() if by_mine[k] != by_theirs[k])
    only_theirs = len(by_theirs.keys() - by_mine.keys())
    only_mine = len(by_mine.keys() - by_theirs.keys())
    parts = []
    if differ:
        parts.append(f"{differ} {noun}{' differs' if differ == 1 else 's differ'}")
    if only_theirs:
        parts.append(f"{only_theirs} {noun}{'s' if only_theirs != 1 else ''} only in the file")
    if only_mine:
        parts.append(f"{only_mine} {noun}{'s' if only_mine != 1 else ''} only here")
    return ", ".join(parts)


def _missing_changes(theirs: list[dict], mine: list[dict]) -> list[dict]:
    """Their change-log entries not here (as a multiset: equal entries count)."""
    have = Counter(_change_key(r) for r in mine)
    missing = []
    for row in theirs:
        key = _change_key(row)
        if have[key]:
            have[key] -= 1
        else:
            missing.append(row)
    return missing


def plan_import(
    store: Store, bundle: Bundle, known: Mapping[tuple[str, str], KnownQuestionnaire] | None = None
) -> ImportPlan:
    """What importing ``bundle`` would do; raise BundleError for what the database shows
    to be wrong with it (a reference to nothing, answers that do not fit)."""
    try:
        version = store.write_version()
        plan = _Planner(store, bundle, known or {}).run()
        plan.version, plan.planned_on = version, store
        return plan
    except BundleError as exc:
        if str(exc).startswith(f"{bundle.name} was not imported"):
            raise
        raise BundleError(f"{bundle.name} was not imported, nothing was changed: {exc}.") from None


# --- applying ---------------------------------------------------------------------------


def _conflict_sentence(plan: ImportPlan) -> str:
    n = len(plan.conflicts)
    what = "a record" if n == 1 else f"{n} records"
    return (
        f"{plan.bundle.name} has {what} whose id is already here with different content; "
        "nothing was imported. Import again with --keep-mine to leave those as they are here "
        "and import the rest, or --take-theirs to replace them with the file's (a backup is "
        "made first)."
    )


def _insert(store: Store, table: str, rows: list[dict]) -> None:
    store.insert_many(table, rows)


def _update(store: Store, table: str, row: dict) -> None:
    columns = [c for c in row if c != "id"]
    sql = f"UPDATE [{table}] SET {', '.join(f'{c} = ?' for c in columns)} WHERE id = ?"
    store.db.conn.execute(sql, [row[c] for c in columns] + [row["id"]])


def _rating_text(row: dict | None) -> str | None:
    if row is None:
        return None
    return str(row["rating"]) if row["rating"] is not None else row["unrated"]


def _notes(mine: dict, theirs: dict, their_answers: list[dict]) -> list[dict]:
    """Change-log entries recording what taking theirs replaced: each answer's rating,
    target, comment and evidence, and the status, old value to new."""
    notes: list[dict] = []
    old = {r["item_id"]: r for r in mine.get("answers", [])}
    new = {r["item_id"]: r for r in their_answers}
    for item in sorted(old.keys() | new.keys()):
        a, b = old.get(item), new.get(item)
        if _rating_text(a) != _rating_text(b):
            notes.append(
                {"item_id": item, "field": "rating", "old": _rating_text(a), "new": _rating_text(b)}
            )
        for fld in ("target", "comment", "evidence"):
            va = a[fld] if a else None
            vb = b[fld] if b else None
            if fld != "target":
                va, vb = va or "", vb or ""
            if va != vb:
                notes.append(
                    {
                        "item_id": item,
                        "field": fld,
                        "old": None if va is None else str(va),
                        "new": None if vb is None else str(vb),
                    }
                )
    if mine.get("status") != theirs["status"]:
        notes.append(
            {"item_id": None, "field": "status", "old": mine.get("status"), "new": theirs["status"]}
        )
    return notes


def _insert_tuples(store: Store, table: str, columns: Iterable[str], rows: list[tuple]) -> None:
    """Insert rows given as tuples in ``columns`` order (inside the import's transaction)."""
    if rows:
        names = list(columns)
        store.db.conn.executemany(
            f"INSERT INTO [{table}] ({', '.join(f'[{c}]' for c in names)}) "
            f"VALUES ({', '.join('?' * len(names))})",
            rows,
        )


def _insert_answers(store: Store, bundle: Bundle, keys: list[str]) -> None:
    """Insert the file's answers of these assessments (at most CHUNK), in key order."""
    found = bundle.staging.entries("answer", keys)
    rows = [(key, *values) for key in sorted(found) for values in sorted(found[key])]
    _insert_tuples(store, "answers", ("assessment_id", *FIELDS["answer"]), rows)


class _ChangeLog:
    """Writes change-log entries: the file's entries missing here, a chunk of assessments
    at a time, each assessment's oldest first (by time, in the file's order where times
    are equal); then the notes this import makes (a restored assessment, each replaced
    value), gathered in the bundle's temporary database so that memory does not grow
    with them, and written after every assessment's entries from the file."""

    COLUMNS = ("assessment_id", *FIELDS["change"])

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.db = bundle.staging.db
        self.db.execute("DROP TABLE IF EXISTS temp.pending_note")
        names = ", ".join(f"[{c}]" for c in self.COLUMNS)
        self.db.execute(f"CREATE TEMP TABLE pending_note (ord INTEGER PRIMARY KEY, {names})")
        self.written = 0

    def missing(self, store: Store, keys: list[str]) -> None:
        """Write the file's entries of these assessments that are not here yet (as a
        multiset: equal entries count)."""
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            here = _change_logs(store, chunk)
            theirs = self.bundle.staging.entries("change", chunk)
            rows: list[tuple] = []
            for key in chunk:
                entries = theirs[key]
                if here[key]:
                    have = Counter(_change_key(row) for row in here[key])
                    entries = [v for v in entries if not _taken(have, v)]
                # changed_at is the first value: a stable sort keeps the file's order.
                rows.extend((key, *v) for v in sorted(entries, key=lambda v: v[0]))
            _insert_tuples(store, "change_log", self.COLUMNS, rows)
            self.written += len(rows)

    def note(
        self, key: str, stamp: str, changed_by: str, item: str | None, fld: str, note: dict
    ) -> None:
        names = ", ".join(self.COLUMNS)
        self.db.execute(
            f"INSERT INTO temp.pending_note ({names}) VALUES ({', '.join('?' * 7)})",
            (key, stamp, changed_by, item, fld, note["old"], note["new"]),
        )

    def write_notes(self, store: Store) -> int:
        """Write the notes gathered; how many."""
        cursor = self.db.execute(f"SELECT {', '.join(self.COLUMNS)} FROM temp.pending_note")
        written = 0
        while rows := cursor.fetchmany(5000):
            _insert_tuples(store, "change_log", self.COLUMNS, rows)
            written += len(rows)
        self.db.execute("DROP TABLE temp.pending_note")
        return written


def _taken(have: Counter, values: tuple) -> bool:
    """Whether an entry (its values) is among ``have``, taking it from there if so."""
    if have[values]:
        have[values] -= 1
        return True
    return False


def _check_partnerships(store: Store, assessment_ids: list[str], plan: ImportPlan) -> None:
    """After writing: each written assessment's round and organisation, and each action's
    round, are in one partnership (records kept here may differ from the file's)."""
    bad = _query(
        store,
        "SELECT a.id FROM assessments a JOIN rounds r ON r.id = a.round_id "
        "JOIN organisations o ON o.id = a.organisation_id "
        "WHERE r.partnership_id != o.partnership_id AND a.id IN ({marks})",
        assessment_ids,
    )
    bad += _query(
        store,
        "SELECT x.id FROM actions x JOIN rounds r ON r.id = x.round_id "
        "WHERE r.partnership_id != x.partnership_id AND x.id IN ({marks})",
        plan.added.get("action", []) + [c.key for c in plan.conflicts if c.kind == "action"],
    )
    if bad:
        raise ExchangeError(
            f"{plan.bundle.name} was not imported, nothing was changed: with the records kept "
            f"here, record {bad[0]['id']} would join a round and an organisation of different "
            "partnerships."
        )


def _choices(
    plan: ImportPlan, choice: ConflictChoice | Mapping[tuple[str, str], ConflictChoice] | None
) -> set[tuple[str, str]]:
    """The conflicts to replace with the file's: all, none, or those a mapping of
    (kind, key) -> choice says (it must name every conflict)."""
    keys = {(c.kind, c.key) for c in plan.conflicts}
    if not keys:
        return set()
    if choice is None:
        raise ImportConflictError(_conflict_sentence(plan))
    if isinstance(choice, Mapping):
        missing = keys - set(choice)
        if missing:
            kind, key = sorted(missing)[0]
            raise ImportConflictError(
                f"{plan.bundle.name} was not imported, nothing was changed: no choice was "
                f"made for the conflicting {NOUNS[kind]} {key}."
            )
        return {k for k in keys if ConflictChoice(choice[k]) is ConflictChoice.TAKE_THEIRS}
    return keys if ConflictChoice(choice) is ConflictChoice.TAKE_THEIRS else set()


def apply_import(
    store: Store,
    plan: ImportPlan,
    choice: ConflictChoice | Mapping[tuple[str, str], ConflictChoice] | None = None,
    *,
    backup: Callable[[], Path] | None = None,
) -> ImportResult:
    """Write the plan in one transaction; all of it or nothing. ``choice`` settles every
    conflict the same way, or each one by a mapping of (kind, key) to a choice."""
    if plan.blocking:
        first = plan.blocking[0]
        raise ImportConflictError(
            f"{plan.bundle.name} was not imported, nothing was changed: {first.description}."
        )
    replace = _choices(plan, choice)
    # A backup before every import (not only when records are replaced): whatever the
    # file brings, the database as it was can be restored from File > Backups.
    backup_path = backup() if backup is not None else None
    b = plan.bundle
    stamp = now()
    changed_by = f"import from {b.name}"[:200]
    with store.transaction():
        # The plan was read with no lock held. If anything was committed since (by this
        # connection or another), read it again here and make sure it is the same.
        if plan.planned_on is not store or store.write_version() != plan.version:
            fresh = plan_import(store, b, plan.known)
            if fresh.signature != plan.signature:
                raise ExchangeError(
                    f"The database changed while {b.name} was being checked; nothing was "
                    "imported. Import it again."
                )

        def rows_for(kind: str) -> list[dict]:
            keys = plan.added.get(kind, [])
            rows = getattr(b, PLURALS[kind]).rows(keys)
            return [rows[k] for k in keys]

        def replaced(kind: str) -> list[str]:
            return sorted(k for t, k in replace if t == kind)

        for kind in ("partnership", "organisation", "round"):
            _insert(store, TABLES[kind], rows_for(kind))
            for key in replaced(kind):
                _update(store, TABLES[kind], getattr(b, PLURALS[kind])[key])
        questionnaire_rows = []
        for label in plan.added.get("questionnaire", []):
            qid, _, ver = label.partition("@")
            q = b.questionnaires[(qid, ver)]
            questionnaire_rows.append(
                {
                    "questionnaire_id": q.id,
                    "version": q.version,
                    "title": q.title,
                    "item_count": q.item_count,
                    "source": q.source,
                    "sha256": q.sha256,
                    "stored_at": stamp,
                }
            )
        _insert(store, "questionnaire_versions", questionnaire_rows)

        _insert(store, "workshops", rows_for("workshop"))
        for key in replaced("workshop"):
            _update(store, "workshops", b.workshops[key])
            store.db.conn.execute("DELETE FROM agreed_scores WHERE workshop_id = ?", [key])
            store.db.conn.execute("DELETE FROM workshop_positions WHERE workshop_id = ?", [key])
        outcomes = [
            (key, row)
            for key, rows in b.agreed_scores.for_keys(
                plan.added.get("workshop", []) + replaced("workshop")
            ).items()
            for row in rows
        ]
        score_rows = [
            {"workshop_id": key, **{k: v for k, v in row.items() if k != "positions"}}
            for key, row in outcomes
        ]
        _insert(store, "agreed_scores", score_rows)
        position_rows = [
            {
                "workshop_id": key,
                "item_id": row["item_id"],
                "rating": held["rating"],
                "sectors": ",".join(held["sectors"]),
                "updated_at": row["updated_at"],
            }
            for key, row in outcomes
            for held in row["positions"]
        ]
        _insert(store, "workshop_positions", position_rows)

        new_assessments = plan.added.get("assessment", [])
        revived = [k for k in replaced("assessment") if k in plan.deleted_here]
        changed = [k for k in replaced("assessment") if k not in plan.deleted_here]
        log = _ChangeLog(b)
        for key in revived:
            log.note(
                key,
                stamp,
                changed_by,
                None,
                "restored",
                {"old": None, "new": b.assessments[key]["status"]},
            )
        # Chunks in id order: the B-trees of assessments and answers take them with fewer
        # page splits.
        inserted = sorted(new_assessments + revived)
        for start in range(0, len(inserted), CHUNK):
            keys = inserted[start : start + CHUNK]
            rows = b.assessments.rows(keys)
            _insert(store, "assessments", [{**rows[k], "position": None} for k in keys])
            _insert_answers(store, b, keys)
        for start in range(0, len(changed), CHUNK):
            keys = changed[start : start + CHUNK]
            mine = _by_id(store, "assessments", keys)
            mine_answers = _answers(store, keys)
            theirs = b.assessments.rows(keys)
            their_answers = b.answers.for_keys(keys)
            for key in keys:
                notes = _notes(
                    {**mine[key], "answers": mine_answers[key]}, theirs[key], their_answers[key]
                )
                for note in notes:
                    log.note(key, stamp, changed_by, note["item_id"], note["field"], note)
                _update(store, "assessments", theirs[key])
                store.db.conn.execute("DELETE FROM answers WHERE assessment_id = ?", [key])
            _insert_answers(store, b, keys)

        _insert(store, "actions", rows_for("action"))
        for key in replaced("action"):
            _update(store, "actions", b.actions[key])

        # The file's change-log entries missing here: those of added and unchanged
        # assessments, then those of replaced ones; written oldest first.
        log.missing(store, [k for k in b.assessments if k in plan.new_changes])
        log.missing(store, replaced("assessment"))
        changes_added, notes_added = log.written, log.write_notes(store)
        _check_partnerships(store, new_assessments + revived + changed, plan)
    return ImportResult(plan, choice, backup_path, changes_added, notes_added)
