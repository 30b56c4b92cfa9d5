"""Export: gather the records that travel with a set of assessments, and write a bundle.

What travels (docs/exchange-format.md, "What travels"):

- the chosen assessments, with all their answers and all their change-log entries;
- their organisations, rounds and partnerships;
- the workshops they took part in, with all agreed scores;
- the actions of their round that are tied to their organisation or to one of those
  workshops;
- with ``round_ids``: every assessment, workshop and action of those rounds;
- the exact stored text of every questionnaire version those assessments and workshops
  use, and any organisation, round or partnership an action travelling refers to.

The bundle is streamed: records.json is written into the zip record by record as the
database is read (CHUNK assessments at a time), by the C JSON encoder with compact
separators, so time is linear in the records and memory does not grow with them. Nothing
is checked twice: the store's rules already hold for what it wrote, ``fit`` makes older
values follow them, and each value the reader will take at once is held to the reader's
own limit as it is written (bundle.Limits), so every bundle written can be imported.

The same records give the same bytes: lists are sorted, keys are sorted, the zip entries
have fixed dates, and the only thing that changes between two exports of the same data is
the manifest's ``created_at`` (fixed by ``created_at=`` or ``SOURCE_DATE_EPOCH``).

The manifest gives the earliest format version that holds what the bundle carries, and
the records are written in it (``_format_version``): a bundle with no evidence leaves
``evidence`` out of its answers, so an earlier copy of ICS Assess reads it too.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from .. import __version__, files
from ..store import RecordNotFoundError, Store, now
from .bundle import (
    FORMAT,
    LIMITS,
    MANIFEST,
    QUESTIONNAIRE_MEMBER,
    RECORDS,
    BundleWriter,
    Limits,
    MemberTooBigError,
    MemberWriter,
    compact_json,
    dump_json,
    sha256,
    too_compressed,
)
from .errors import ExportError
from .records import (
    CONTENT_KEYS,
    EVIDENCE_FORMAT,
    NESTED,
    NOUNS,
    OUTCOME_FORMAT,
    SORTED_FIELDS,
    TOP_LEVEL,
    fields_in,
    fit,
    fit_in_place,
    positions_by_item,
    with_positions,
)

CHUNK = 500
SAFE_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}\Z")


@dataclass(frozen=True)
class ExportResult:
    """A bundle written: where, how big, and how many records of each kind it holds."""

    path: Path
    size: int
    counts: dict[str, int]
    # Values stored before today's limits held, shortened in the bundle (never in the
    # database), one sentence each; empty when nothing was.
    notes: tuple[str, ...] = ()


def _rows(store: Store, sql: str, ids: Iterable[str]) -> list[dict]:
    """Rows for ids in chunks: ``sql`` has one ``{marks}`` for the IN list."""
    ids = sorted(set(ids))
    found: list[dict] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        found.extend(store.db.query(sql.format(marks=",".join("?" * len(chunk))), chunk))
    return found


class _Picker:
    """The bundle's fields of database rows, noting any value shortened to fit."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def __call__(self, record_type: str, row: dict) -> dict:
        picked, shortened = fit(record_type, row)
        if shortened:
            self._note(record_type, row.get("id") or "", row.get("item_id"), shortened)
        return picked

    def entry(self, record_type: str, entry: dict, parent: str) -> dict:
        """An answer, change-log entry or agreed score already holding exactly its fields
        (in sorted order), made to fit in place."""
        shortened = fit_in_place(record_type, entry)
        if shortened:
            self._note(record_type, parent, entry.get("item_id"), shortened)
        return entry

    def _note(self, record_type: str, whose: str, item: str | None, shortened: list[str]) -> None:
        on = f" on {item}" if item else ""
        self.notes.append(
            f"The {NOUNS.get(record_type, record_type)} {whose}{on} holds text longer "
            f"than a bundle carries: {', '.join(shortened)}. It is whole in this database."
        )


def member_name(questionnaire_id: str, version: str, digest: str) -> str:
    """The zip member of a questionnaire version: ``questionnaires/ID@VERSION.toml``, or
    with the text's checksum in place of a version that is not safe in a file name."""
    name = f"questionnaires/{questionnaire_id}@{version}.toml"
    if SAFE_VERSION.match(version) and QUESTIONNAIRE_MEMBER.match(name):
        return name
    return f"questionnaires/{questionnaire_id}@sha256-{digest[:32]}.toml"


def _selection(store: Store, assessment_ids: Sequence[str], round_ids: Sequence[str]) -> _Selection:
    """What an export carries: the assessments' ids (their answers and change logs are
    read later, a chunk at a time), and the few other records, whole."""
    for round_id in round_ids:
        store.round(round_id)
    heads = (
        "SELECT id, round_id, organisation_id, workshop_id, questionnaire_id, "
        "questionnaire_version FROM assessments WHERE "
    )
    chosen = set(assessment_ids)
    assessments = {r["id"]: r for r in _rows(store, heads + "id IN ({marks})", chosen)}
    missing = chosen - set(assessments)
    if missing:
        raise RecordNotFoundError(f"There is no assessment with id {sorted(missing)[0]}.")
    for row in _rows(store, heads + "round_id IN ({marks})", round_ids):
        assessments[row["id"]] = row

    workshop_ids = {row["workshop_id"] for row in assessments.values() if row["workshop_id"]}
    workshops = _rows(store, "SELECT * FROM workshops WHERE id IN ({marks})", workshop_ids)
    if round_ids:
        workshops += _rows(store, "SELECT * FROM workshops WHERE round_id IN ({marks})", round_ids)
    by_id = {row["id"]: row for row in workshops}

    pairs = {(row["round_id"], row["organisation_id"]) for row in assessments.values()}
    round_set = set(round_ids)
    candidate_rounds = {r for r, _ in pairs} | round_set
    actions = [
        row
        for row in _rows(
            store, "SELECT * FROM actions WHERE round_id IN ({marks})", candidate_rounds
        )
        if row["round_id"] in round_set
        or (row["round_id"], row["organisation_id"]) in pairs
        or row["workshop_id"] in by_id
    ]
    # An action may name a workshop of its round that no exported assessment took part
    # in; it travels too, so the action's reference holds.
    extra_workshops = {r["workshop_id"] for r in actions if r["workshop_id"]} - set(by_id)
    for row in _rows(store, "SELECT * FROM workshops WHERE id IN ({marks})", extra_workshops):
        by_id[row["id"]] = row

    org_ids = {row["organisation_id"] for row in assessments.values()}
    org_ids |= {row["organisation_id"] for row in actions if row["organisation_id"]}
    organisations = _rows(store, "SELECT * FROM organisations WHERE id IN ({marks})", org_ids)
    rnd_ids = (
        {row["round_id"] for row in assessments.values()}
        | {row["round_id"] for row in by_id.values()}
        | {row["round_id"] for row in actions}
        | round_set
    )
    rounds = _rows(store, "SELECT * FROM rounds WHERE id IN ({marks})", rnd_ids)
    partnership_ids = (
        {row["partnership_id"] for row in rounds}
        | {row["partnership_id"] for row in organisations}
        | {row["partnership_id"] for row in actions}
    )
    partnerships = _rows(store, "SELECT * FROM partnerships WHERE id IN ({marks})", partnership_ids)
    versions = sorted(
        {(r["questionnaire_id"], r["questionnaire_version"]) for r in assessments.values()}
        | {(r["questionnaire_id"], r["questionnaire_version"]) for r in by_id.values()}
    )
    return _Selection(
        assessments=sorted(assessments),
        workshops=sorted(by_id.values(), key=_id),
        actions=sorted(actions, key=_id),
        organisations=sorted(organisations, key=_id),
        rounds=sorted(rounds, key=_id),
        partnerships=sorted(partnerships, key=_id),
        versions=versions,
    )


@dataclass
class _Selection:
    assessments: list[str]
    workshops: list[dict]
    actions: list[dict]
    organisations: list[dict]
    rounds: list[dict]
    partnerships: list[dict]
    versions: list[tuple[str, str]]


def _id(row: dict) -> str:
    return row["id"]


def _questionnaire_members(
    store: Store, versions: list[tuple[str, str]], limits: Limits
) -> tuple[list[dict], list[tuple[str, bytes]]]:
    """The questionnaires' entries of records.json and their members, checked against
    the limits before anything is written."""
    if len(versions) > limits.members - 2:
        raise ExportError(
            f"The bundle was not written: its assessments use {len(versions):,} questionnaire "
            f"versions, and a bundle carries at most {limits.members - 2:,}; export fewer "
            "assessments at a time."
        )
    entries, members = [], []
    for qid, ver in versions:
        data = store.questionnaire_source(qid, ver).encode("utf-8")
        if len(data) > limits.questionnaire_bytes:
            raise ExportError(
                f"The bundle was not written: the stored text of questionnaire '{qid}' "
                f"version {ver} is {len(data):,} bytes, and a bundle carries questionnaires of "
                f"at most {limits.questionnaire_bytes:,} bytes."
            )
        name = member_name(qid, ver, sha256(data))
        entries.append({"file": name, "id": qid, "version": ver})
        members.append((name, data))
    if len({name for name, _ in members}) != len(members):
        raise ExportError("Two questionnaire versions would share a file name in the bundle.")
    return entries, members


class _RecordsWriter:
    """records.json, written record by record: keys sorted and no white space, as
    ``json.dumps(..., sort_keys=True, separators=(",", ":"))`` would write the whole
    document. Each value the reader takes at once is held to ``limits.value_chars``."""

    def __init__(self, out: MemberWriter, limits: Limits, pick: _Picker) -> None:
        self.out = out
        self.limits = limits
        self.pick = pick
        self.counts = dict.fromkeys(CONTENT_KEYS, 0)

    def _text(self, value: Any, what: str) -> str:
        text = compact_json(value)
        if len(text) > self.limits.value_chars:
            raise ExportError(
                f"The bundle was not written: {what} is longer than a bundle carries "
                f"({len(text):,} characters of JSON, at most {self.limits.value_chars:,})."
            )
        return text

    def records(self, key: str, rows: Iterable[dict]) -> None:
        """A top-level list of records whose every field is a column."""
        record_type = TOP_LEVEL[key]
        self.out.write(f"{compact_json(key)}:[")
        for n, row in enumerate(rows):
            picked = row if record_type == "questionnaire" else self.pick(record_type, row)
            what = f"the {NOUNS[record_type]} {picked.get('id')}"
            self.out.write(("," if n else "") + self._text(picked, what))
            self.counts[key] += 1
        self.out.write("]")

    def nested(self, key: str, parents: Iterable[tuple[dict, dict[str, Iterable[dict]]]]) -> None:
        """A top-level list of records with nested lists (workshops, assessments): each
        parent's nested lists are written entry by entry, then its own fields. The nested
        keys sort before the fields, as in a whole-document dump."""
        record_type = TOP_LEVEL[key]
        self.out.write(f"{compact_json(key)}:[")
        for n, (row, lists) in enumerate(parents):
            picked = self.pick(record_type, row)
            what = f"the {NOUNS[record_type]} {picked['id']}"
            self.out.write("{" if not n else ",{")
            for list_key in sorted(lists):
                nested_type = NESTED[record_type][list_key]
                self.out.write(f"{compact_json(list_key)}:[")
                for k, entry in enumerate(lists[list_key]):
                    shaped = self.pick.entry(nested_type, entry, picked["id"])
                    text = self._text(shaped, f"an entry of {what}")
                    self.out.write(("," if k else "") + text)
                    self.counts[_COUNTED[nested_type]] += 1
                self.out.write("],")
            self.out.write(self._text(picked, what)[1:])
            self.counts[key] += 1
        self.out.write("]")


_COUNTED = {"agreed_score": "agreed_scores", "answer": "answers", "change": "change_log"}


def _format_version(store: Store, selection: _Selection) -> int:
    """The earliest format version that holds what the bundle carries, so that a copy of
    ICS Assess that reads only that version can import it: 3 with evidence; else 2 with
    a workshop (version 2 changed only agreed scores, which travel inside workshops);
    else 1."""
    if _carries_evidence(store, selection.assessments):
        return EVIDENCE_FORMAT
    return OUTCOME_FORMAT if selection.workshops else 1


def _carries_evidence(store: Store, ids: list[str]) -> bool:
    """Whether any of these assessments has an answer with evidence, or a change-log entry
    of it. A database opened read-only from before evidence was kept (migration 0008) has
    neither."""
    has_column = store.db.execute(
        "SELECT 1 FROM pragma_table_info('answers') WHERE name = 'evidence'"
    ).fetchone()
    if not has_column:
        return False
    # No index leads to evidence: a look through both whole tables first (about 90 ms at
    # 10,000 assessments, half the cost of looking chunk by chunk) settles the usual case
    # of a database with none at all.
    anywhere = store.db.execute(
        "SELECT EXISTS (SELECT 1 FROM answers WHERE evidence != '') "
        "OR EXISTS (SELECT 1 FROM change_log WHERE field = 'evidence')"
    ).fetchone()[0]
    if not anywhere:
        return False
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        found = store.db.execute(
            f"SELECT EXISTS (SELECT 1 FROM answers WHERE assessment_id IN ({marks}) "
            "AND evidence != '') OR EXISTS (SELECT 1 FROM change_log WHERE "
            f"assessment_id IN ({marks}) AND field = 'evidence')",
            chunk * 2,
        ).fetchone()[0]
        if found:
            return True
    return False


def _assessments(
    store: Store, ids: list[str], format_version: int
) -> Iterator[tuple[dict, dict[str, list[dict]]]]:
    """Each assessment with its answers and change log (each entry holding exactly its
    fields in ``format_version``, in sorted order), read CHUNK assessments at a time."""
    answer_fields = fields_in("answer", format_version)
    change_fields = SORTED_FIELDS["change"]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = store.db.execute(
            f"SELECT * FROM assessments WHERE id IN ({marks}) ORDER BY id", chunk
        )
        columns = [c[0] for c in rows.description]
        heads = [dict(zip(columns, values, strict=True)) for values in rows.fetchall()]
        answers = _grouped(
            store,
            f"SELECT {_columns(answer_fields)}, assessment_id FROM answers "
            f"WHERE assessment_id IN ({marks}) ORDER BY assessment_id, item_id",
            chunk,
            answer_fields,
        )
        changes = _grouped(
            store,
            f"SELECT {_columns(change_fields)}, assessment_id FROM change_log "
            f"WHERE assessment_id IN ({marks}) ORDER BY seq",
            chunk,
            change_fields,
        )
        for head in heads:
            yield (
                head,
                {
                    "answers": answers.get(head["id"], []),
                    "change_log": changes.get(head["id"], []),
                },
            )


def _columns(names: list[str]) -> str:
    return ", ".join(f"[{name}]" for name in names)


def _grouped(store: Store, sql: str, ids: list[str], names: list[str]) -> dict[str, list[dict]]:
    """Rows of ``names`` and then the assessment's id, as dicts of ``names`` by id."""
    found: dict[str, list[dict]] = {}
    for values in store.db.execute(sql, ids):
        found.setdefault(values[-1], []).append(dict(zip(names, values)))  # noqa: B905
    return found


def _workshops(store: Store, workshops: list[dict]) -> Iterator[tuple[dict, dict[str, list]]]:
    ids = [row["id"] for row in workshops]
    held = positions_by_item(
        _rows(store, "SELECT * FROM workshop_positions WHERE workshop_id IN ({marks})", ids)
    )
    names = SORTED_FIELDS["agreed_score"]
    agreed: dict[str, list[dict]] = {key: [] for key in ids}
    for row in _rows(
        store, "SELECT * FROM agreed_scores WHERE workshop_id IN ({marks}) ORDER BY item_id", ids
    ):
        full = with_positions(row, held)
        agreed[row["workshop_id"]].append({name: full[name] for name in names})
    for row in workshops:
        yield row, {"agreed_scores": agreed[row["id"]]}


def _write(
    store: Store,
    out: BinaryIO,
    selection: _Selection,
    questionnaires: tuple[list[dict], list[tuple[str, bytes]]],
    *,
    format_version: int,
    created_at: str,
    limits: Limits,
    compress: bool,
) -> tuple[dict[str, int], list[str], bool]:
    """Write the bundle into ``out``; its counts, the notes on shortened values, and
    whether records.json compressed better than a reader allows (then nothing useful was
    written, and the caller writes it again uncompressed)."""
    pick = _Picker()
    entries, members = questionnaires
    writer = BundleWriter(out)
    try:
        with writer.stream(RECORDS, limits.records_bytes, compress=compress) as member:
            records = _RecordsWriter(member, limits, pick)
            member.write("{")
            records.records("actions", selection.actions)
            member.write(",")
            records.nested(
                "assessments", _assessments(store, selection.assessments, format_version)
            )
            member.write(",")
            records.records("organisations", selection.organisations)
            member.write(",")
            records.records("partnerships", selection.partnerships)
            member.write(",")
            records.records("questionnaires", entries)
            member.write(",")
            records.records("rounds", selection.rounds)
            member.write(",")
            records.nested("workshops", _workshops(store, selection.workshops))
            member.write("}\n")
        if compress and too_compressed(member.size, writer.compressed_size(RECORDS), limits):
            return records.counts, pick.notes, True
        for name, data in members:
            writer.add(name, data, limits)
        manifest = {
            "format": FORMAT,
            "format_version": format_version,
            "app_version": __version__,
            "created_at": created_at,
            "contents": records.counts,
            "members": dict(sorted(writer.members.items())),
        }
        writer.add(MANIFEST, dump_json(manifest), limits)
        # The manifest does not list itself.
        del writer.members[MANIFEST]
    except MemberTooBigError as exc:
        raise ExportError(
            f"The bundle was not written: its records would take more than "
            f"{exc.limit // (1024 * 1024):,} MB, the most one bundle carries; export fewer "
            "assessments at a time (a round at a time, say)."
        ) from None
    finally:
        writer.close()
    return records.counts, pick.notes, False


def write_bundle(
    store: Store,
    out: BinaryIO,
    assessment_ids: Sequence[str],
    round_ids: Sequence[str] = (),
    *,
    created_at: str | None = None,
    notes: list[str] | None = None,
    limits: Limits = LIMITS,
) -> dict[str, int]:
    """Write a bundle of the assessments (and rounds) into the seekable file ``out``,
    record by record, inside one read transaction (so that the app autosaving cannot land
    between its queries); return its counts. Values that had to be shortened to fit are
    described in ``notes``. Whatever is written keeps to ``limits``: a selection that
    would not is refused with ExportError, before writing where it can be told."""
    conn = store.db.conn
    began = not conn.in_transaction
    if began:
        conn.execute("BEGIN")
    try:
        selection = _selection(store, assessment_ids, round_ids)
        listed = (
            len(selection.assessments)
            + len(selection.workshops)
            + len(selection.actions)
            + len(selection.organisations)
            + len(selection.rounds)
            + len(selection.partnerships)
            + len(selection.versions)
        )
        if listed > limits.records:
            raise ExportError(
                f"The bundle was not written: it would hold {listed:,} records, and a bundle "
                f"carries at most {limits.records:,}; export a round at a time."
            )
        questionnaires = _questionnaire_members(store, selection.versions, limits)
        format_version = _format_version(store, selection)
        stamp = created_at or _default_created_at()
        start = out.tell()
        for compress in (True, False):
            out.seek(start)
            out.truncate()
            counts, shortened, again = _write(
                store,
                out,
                selection,
                questionnaires,
                format_version=format_version,
                created_at=stamp,
                limits=limits,
                compress=compress,
            )
            if not again:
                break
    finally:
        if began:
            conn.execute("ROLLBACK")
    if notes is not None:
        notes.extend(shortened)
    return counts


def _default_created_at() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        moment = datetime.fromtimestamp(int(epoch), UTC)
        return moment.isoformat(timespec="milliseconds")
    return now()


def build_bundle(
    store: Store,
    assessment_ids: Sequence[str],
    round_ids: Sequence[str] = (),
    *,
    created_at: str | None = None,
    notes: list[str] | None = None,
) -> tuple[bytes, dict[str, int]]:
    """The bytes of a bundle, and its counts (for small bundles: it is built in memory)."""
    buffer = io.BytesIO()
    counts = write_bundle(
        store, buffer, assessment_ids, round_ids, created_at=created_at, notes=notes
    )
    return buffer.getvalue(), counts


def export_bundle(
    store: Store,
    path: Path | str,
    assessment_ids: Sequence[str],
    round_ids: Sequence[str] = (),
    *,
    created_at: str | None = None,
    limits: Limits = LIMITS,
) -> ExportResult:
    """Write a bundle of the assessments (and rounds) to ``path``, atomically: streamed
    to a temporary file beside it, renamed into place when whole."""
    notes: list[str] = []
    with files.atomic_output(path, what="bundle", example="partners.zip", error=ExportError) as (
        out,
        target,
    ):
        counts = write_bundle(
            store,
            out,
            assessment_ids,
            round_ids,
            created_at=created_at,
            notes=notes,
            limits=limits,
        )
        size = out.tell()
    return ExportResult(target, size, counts, tuple(notes))
