"""Import: compare a checked bundle with the database, then write all of it or nothing.

``plan_import`` reads the database and sorts every record of the bundle into added (not
here yet), already there (same id, same content) and conflicts (same id, different
content). It also checks what needs the database: every reference leads to a record in
the file or here, and answers fit questionnaires stored here. ``apply_import`` writes the
plan in one transaction, after planning again inside it and making sure nothing changed.

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

from ..domain import Questionnaire
from ..questionnaires import QuestionnaireError, parse_questionnaire
from ..store import Store, now
from .bundle import plain, show
from .errors import BundleError, ExchangeError, ImportConflictError
from .records import FIELDS, NOUNS, Bundle, check_items, positions_by_item, with_positions

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
    # Change-log entries of the file missing here, by assessment (added or same ones).
    new_changes: dict[str, list[dict]] = field(default_factory=dict)
    # The same for conflicting assessments: written only when taking theirs.
    conflict_changes: dict[str, list[dict]] = field(default_factory=dict)
    # This database's side of each conflict: (kind, key) -> row (+ nested lists).
    mine: dict[tuple[str, str], dict] = field(default_factory=dict)
    # Assessments of the file that were deleted here.
    deleted_here: set[str] = field(default_factory=set)
    signature: str = ""
    # Store.write_version() when the plan was read: unchanged under the write lock means
    # nothing was committed since, so the plan holds without being read again.
    version: tuple[int, int] | None = None
    planned_on: Any = field(default=None, repr=False, compare=False)  # the Store read
    known: Mapping[tuple[str, str], KnownQuestionnaire] = field(default_factory=dict)

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
    def answers_added(self) -> int:
        """Answers of the assessments that are added."""
        return sum(len(self.bundle.answers[a]) for a in self.added.get("assessment", []))

    @property
    def changes_added(self) -> int:
        """Change-log entries added whatever the choice (those of conflicts not counted)."""
        return sum(len(v) for v in self.new_changes.values())


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


# --- planning ---------------------------------------------------------------------------


class _Planner:
    def __init__(self, store: Store, bundle: Bundle, known: Mapping[tuple[str, str], Any]):
        self.store = store
        self.b = bundle
        self.known = known
        self.plan = ImportPlan(bundle, known=known)
        self.facts: list[Any] = []

    def run(self) -> ImportPlan:
        b = self.b
        existing = {
            kind: _by_id(self.store, TABLES[kind], getattr(b, PLURALS[kind])) for kind in TABLES
        }
        self.existing = existing
        self._references()
        self._questionnaires()
        for kind in ("partnership", "organisation", "round", "action"):
            self._simple(kind)
        self._workshops()
        self._assessments()
        facts = json.dumps(self.facts, sort_keys=True, default=str).encode("utf-8")
        self.plan.signature = hashlib.sha256(facts).hexdigest()
        return self.plan

    # references and consistency ------------------------------------------------------

    def _lookup(self, kind: str, ids: set[str]) -> dict[str, dict]:
        """Rows here for ids the file refers to but does not carry."""
        rows = _by_id(self.store, TABLES[kind], ids)
        self.facts.append([kind, sorted(rows.items())])
        return rows

    def _references(self) -> None:
        b = self.b
        wanted: dict[str, set[str]] = {k: set() for k in TABLES}
        refs: list[tuple[str, str, str, str]] = []  # (record type, key, field, target kind)

        def ref(record_type: str, key: str, row: dict, fld: str, target: str) -> None:
            value = row[fld]
            if value is None:
                return
            refs.append((record_type, key, fld, target))
            if value not in getattr(b, PLURALS[target]):
                wanted[target].add(value)

        for key, row in b.organisations.items():
            ref("organisation", key, row, "partnership_id", "partnership")
        for key, row in b.rounds.items():
            ref("round", key, row, "partnership_id", "partnership")
        for key, row in b.workshops.items():
            ref("workshop", key, row, "round_id", "round")
        for key, row in b.assessments.items():
            ref("assessment", key, row, "round_id", "round")
            ref("assessment", key, row, "organisation_id", "organisation")
            ref("assessment", key, row, "workshop_id", "workshop")
        for key, row in b.actions.items():
            for fld, target in (
                ("partnership_id", "partnership"),
                ("round_id", "round"),
                ("organisation_id", "organisation"),
                ("workshop_id", "workshop"),
            ):
                ref("action", key, row, fld, target)
        here = {kind: self._lookup(kind, ids) for kind, ids in wanted.items()}
        self.here = here
        for record_type, key, fld, target in refs:
            rows = getattr(b, PLURALS[record_type])
            value = rows[key][fld]
            if value not in getattr(b, PLURALS[target]) and value not in here[target]:
                raise BundleError(
                    f"{b.place(record_type, key)}: '{fld}' refers to the {NOUNS[target]} "
                    f"{value}, which is neither in the file nor in this database"
                )

        def partnership_of(kind: str, key: str) -> str:
            row = getattr(b, PLURALS[kind]).get(key) or here[kind][key]
            return row["partnership_id"]

        for key, row in b.assessments.items():
            if partnership_of("round", row["round_id"]) != partnership_of(
                "organisation", row["organisation_id"]
            ):
                raise BundleError(
                    f"{b.place('assessment', key)}: its round and its organisation belong to "
                    "different partnerships"
                )
        for key, row in b.actions.items():
            if partnership_of("round", row["round_id"]) != row["partnership_id"]:
                raise BundleError(
                    f"{b.place('action', key)}: its round belongs to another partnership"
                )

    # questionnaires -------------------------------------------------------------------

    def _questionnaires(self) -> None:
        b = self.b
        used = {(r["questionnaire_id"], r["questionnaire_version"]) for r in b.assessments.values()}
        used |= {(r["questionnaire_id"], r["questionnaire_version"]) for r in b.workshops.values()}
        stored = _stored_questionnaires(self.store, used | set(b.questionnaires))
        self.facts.append(["questionnaires", sorted((k, v["sha256"]) for k, v in stored.items())])
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
        for kind, rows, nested, nested_type in (
            ("workshop", b.workshops, b.agreed_scores, "agreed_score"),
            ("assessment", b.assessments, b.answers, "answer"),
        ):
            for key, row in rows.items():
                qkey = (row["questionnaire_id"], row["questionnaire_version"])
                if qkey in b.questionnaires:
                    continue
                if qkey not in stored:
                    raise BundleError(
                        f"{b.place(kind, key)}: questionnaire '{qkey[0]}' version "
                        f"{show(qkey[1])} is neither in the file nor in this database"
                    )
                check_items(nested[key], parsed(qkey), b.place(kind, key), nested_type)

    # records -----------------------------------------------------------------------------

    def _put(self, which: str, kind: str, key: str) -> None:
        target = self.plan.added if which == "added" else self.plan.same
        target.setdefault(kind, []).append(key)

    def _simple(self, kind: str) -> None:
        rows = getattr(self.b, PLURALS[kind])
        existing = self.existing[kind]
        self.facts.append([kind, sorted((k, _pick(kind, v)) for k, v in existing.items())])
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
        scores: dict[str, list[dict]] = {k: [] for k in existing}
        held = positions_by_item(
            _query(
                self.store,
                "SELECT * FROM workshop_positions WHERE workshop_id IN ({marks})",
                existing,
            )
        )
        for row in _query(
            self.store,
            "SELECT * FROM agreed_scores WHERE workshop_id IN ({marks}) ORDER BY item_id",
            existing,
        ):
            scores[row["workshop_id"]].append(_pick("agreed_score", with_positions(row, held)))
        self.facts.append(
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
        b = self.b
        existing = self.existing["assessment"]
        answers: dict[str, list[dict]] = {k: [] for k in existing}
        for row in _query(
            self.store,
            "SELECT * FROM answers WHERE assessment_id IN ({marks}) ORDER BY item_id",
            existing,
        ):
            answers[row["assessment_id"]].append(_pick("answer", row))
        logs: dict[str, list[dict]] = {k: [] for k in b.assessments}
        for row in _query(
            self.store,
            "SELECT * FROM change_log WHERE assessment_id IN ({marks}) ORDER BY seq",
            b.assessments,
        ):
            logs[row["assessment_id"]].append(row)
        self.facts.append(
            [
                "assessments",
                sorted((k, _pick("assessment", v)) for k, v in existing.items()),
                sorted(answers.items()),
                sorted((k, len(v)) for k, v in logs.items()),
            ]
        )
        for key, theirs in b.assessments.items():
            missing = _missing_changes(b.change_log[key], logs[key])
            if key not in existing:
                deleted = [r for r in logs[key] if r["field"] == "deleted"]
                if deleted:
                    self.plan.deleted_here.add(key)
                    self.plan.mine[("assessment", key)] = {}
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
            their_answers = sorted(b.answers[key], key=lambda r: r["item_id"])
            if mine == theirs and answers[key] == their_answers:
                self._put("same", "assessment", key)
                if missing:
                    self.plan.new_changes[key] = missing
                continue
            self.plan.mine[("assessment", key)] = {**mine, "answers": answers[key]}
            self.plan.conflict_changes[key] = missing
            extra = _nested_difference(answers[key], their_answers, "answer")
            described = self._describe("assessment", key, mine, theirs, extra)
            self.plan.conflicts.append(Conflict("assessment", key, described))

    # describing ------------------------------------------------------------------------

    def _name_of(self, kind: str, key: str) -> str:
        row = getattr(self.b, PLURALS[kind]).get(key) or self.here.get(kind, {}).get(key)
        if row is None:
            row = self.existing.get(kind, {}).get(key)
        if row is None:
            return key[:8]
        return str(row.get("name") or row.get("title") or key[:8])

    def _assessment_label(self, key: str, row: dict) -> str:
        who = row["respondent_name"] or "Anonymous"
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
    target and comment, and the status, old value to new."""
    notes: list[dict] = []
    old = {r["item_id"]: r for r in mine.get("answers", [])}
    new = {r["item_id"]: r for r in their_answers}
    for item in sorted(old.keys() | new.keys()):
        a, b = old.get(item), new.get(item)
        if _rating_text(a) != _rating_text(b):
            notes.append(
                {"item_id": item, "field": "rating", "old": _rating_text(a), "new": _rating_text(b)}
            )
        for fld in ("target", "comment"):
            va = a[fld] if a else None
            vb = b[fld] if b else None
            if fld == "comment":
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
    notes_added = 0
    changes_added = 0
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
            source = getattr(b, PLURALS[kind])
            return [source[k] for k in plan.added.get(kind, [])]

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
            for key in plan.added.get("workshop", []) + replaced("workshop")
            for row in b.agreed_scores[key]
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
        _insert(
            store,
            "assessments",
            [{**b.assessments[k], "position": None} for k in new_assessments + revived],
        )
        changed = [k for k in replaced("assessment") if k not in plan.deleted_here]
        for key in changed:
            _update(store, "assessments", b.assessments[key])
            store.db.conn.execute("DELETE FROM answers WHERE assessment_id = ?", [key])
        answer_rows = [
            {"assessment_id": key, **row}
            for key in new_assessments + revived + changed
            for row in b.answers[key]
        ]
        # In primary-key order: the B-tree takes them with fewer page splits.
        answer_rows.sort(key=lambda r: (r["assessment_id"], r["item_id"]))
        _insert(store, "answers", answer_rows)

        _insert(store, "actions", rows_for("action"))
        for key in replaced("action"):
            _update(store, "actions", b.actions[key])

        log_rows: list[dict] = []
        for key, rows in plan.new_changes.items():
            log_rows.extend({"assessment_id": key, **r} for r in rows)
        for key in replaced("assessment"):
            log_rows.extend({"assessment_id": key, **r} for r in plan.conflict_changes.get(key, []))
        log_rows.sort(key=lambda r: r["changed_at"])
        changes_added = len(log_rows)
        for key in revived:
            log_rows.append(
                {
                    "assessment_id": key,
                    "changed_at": stamp,
                    "changed_by": changed_by,
                    "item_id": None,
                    "field": "restored",
                    "old_value": None,
                    "new_value": b.assessments[key]["status"],
                }
            )
            notes_added += 1
        for key in changed:
            for note in _notes(plan.mine[("assessment", key)], b.assessments[key], b.answers[key]):
                log_rows.append(
                    {
                        "assessment_id": key,
                        "changed_at": stamp,
                        "changed_by": changed_by,
                        "item_id": note["item_id"],
                        "field": note["field"],
                        "old_value": note["old"],
                        "new_value": note["new"],
                    }
                )
                notes_added += 1
        _insert(store, "change_log", log_rows)
        _check_partnerships(store, new_assessments + revived + changed, plan)
    return ImportResult(plan, choice, backup_path, changes_added, notes_added)
