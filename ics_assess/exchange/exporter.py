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

The same records give the same bytes: lists are sorted, keys are sorted, the zip entries
have fixed dates, and the only thing that changes between two exports of the same data is
the manifest's ``created_at`` (fixed by ``created_at=`` or ``SOURCE_DATE_EPOCH``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .. import __version__
from ..store import RecordNotFoundError, Store, now
from .bundle import (
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    QUESTIONNAIRE_MEMBER,
    RECORDS,
    build_zip,
    dump_json,
    sha256,
    write_atomically,
)
from .errors import BundleError, ExportError
from .records import NOUNS, check_records, fit, positions_by_item, with_positions

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
            whose = row.get("id") or row.get("assessment_id") or row.get("workshop_id") or ""
            item = f" on {row['item_id']}" if row.get("item_id") else ""
            self.notes.append(
                f"The {NOUNS.get(record_type, record_type)} {whose}{item} holds text longer "
                f"than a bundle carries: {', '.join(shortened)}. It is whole in this database."
            )
        return picked


def member_name(questionnaire_id: str, version: str, digest: str) -> str:
    """The zip member of a questionnaire version: ``questionnaires/ID@VERSION.toml``, or
    with the text's checksum in place of a version that is not safe in a file name."""
    name = f"questionnaires/{questionnaire_id}@{version}.toml"
    if SAFE_VERSION.match(version) and QUESTIONNAIRE_MEMBER.match(name):
        return name
    return f"questionnaires/{questionnaire_id}@sha256-{digest[:32]}.toml"


def collect(
    store: Store,
    assessment_ids: Sequence[str],
    round_ids: Sequence[str] = (),
    notes: list[str] | None = None,
) -> tuple[dict, list[tuple[str, bytes]]]:
    """The records.json document and the questionnaire members of an export; a value
    shortened to fit the format is described in ``notes``."""
    _pick = _Picker()
    for round_id in round_ids:
        store.round(round_id)
    chosen = set(assessment_ids)
    assessments = _rows(store, "SELECT * FROM assessments WHERE id IN ({marks})", chosen)
    missing = chosen - {row["id"] for row in assessments}
    if missing:
        raise RecordNotFoundError(f"There is no assessment with id {sorted(missing)[0]}.")
    if round_ids:
        assessments += _rows(
            store,
            "SELECT * FROM assessments WHERE round_id IN ({marks})",
            round_ids,
        )
    assessments = sorted({row["id"]: row for row in assessments}.values(), key=lambda r: r["id"])
    aids = [row["id"] for row in assessments]

    workshop_ids = {row["workshop_id"] for row in assessments if row["workshop_id"]}
    workshops = _rows(store, "SELECT * FROM workshops WHERE id IN ({marks})", workshop_ids)
    if round_ids:
        workshops += _rows(store, "SELECT * FROM workshops WHERE round_id IN ({marks})", round_ids)
    workshops = sorted({row["id"]: row for row in workshops}.values(), key=lambda r: r["id"])
    workshop_ids = {row["id"] for row in workshops}

    pairs = {(row["round_id"], row["organisation_id"]) for row in assessments}
    round_set = set(round_ids)
    candidate_rounds = {r for r, _ in pairs} | round_set
    actions = [
        row
        for row in _rows(
            store, "SELECT * FROM actions WHERE round_id IN ({marks})", candidate_rounds
        )
        if row["round_id"] in round_set
        or (row["round_id"], row["organisation_id"]) in pairs
        or row["workshop_id"] in workshop_ids
    ]
    actions.sort(key=lambda r: r["id"])
    # An action may name a workshop of its round that no exported assessment took part
    # in; it travels too, so the action's reference holds.
    extra_workshops = {r["workshop_id"] for r in actions if r["workshop_id"]} - workshop_ids
    if extra_workshops:
        workshops += _rows(store, "SELECT * FROM workshops WHERE id IN ({marks})", extra_workshops)
        workshops.sort(key=lambda r: r["id"])

    org_ids = {row["organisation_id"] for row in assessments}
    org_ids |= {row["organisation_id"] for row in actions if row["organisation_id"]}
    organisations = _rows(store, "SELECT * FROM organisations WHERE id IN ({marks})", org_ids)
    rnd_ids = (
        {row["round_id"] for row in assessments}
        | {row["round_id"] for row in workshops}
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

    answers: dict[str, list[dict]] = {aid: [] for aid in aids}
    for row in _rows(
        store, "SELECT * FROM answers WHERE assessment_id IN ({marks}) ORDER BY item_id", aids
    ):
        answers[row["assessment_id"]].append(_pick("answer", row))
    changes: dict[str, list[dict]] = {aid: [] for aid in aids}
    for row in _rows(
        store, "SELECT * FROM change_log WHERE assessment_id IN ({marks}) ORDER BY seq", aids
    ):
        changes[row["assessment_id"]].append(_pick("change", row))
    agreed: dict[str, list[dict]] = {row["id"]: [] for row in workshops}
    held = positions_by_item(
        _rows(store, "SELECT * FROM workshop_positions WHERE workshop_id IN ({marks})", agreed)
    )
    for row in _rows(
        store,
        "SELECT * FROM agreed_scores WHERE workshop_id IN ({marks}) ORDER BY item_id",
        agreed,
    ):
        agreed[row["workshop_id"]].append(_pick("agreed_score", with_positions(row, held)))

    versions = sorted(
        {(r["questionnaire_id"], r["questionnaire_version"]) for r in assessments}
        | {(r["questionnaire_id"], r["questionnaire_version"]) for r in workshops}
    )
    questionnaires, members = [], []
    for qid, ver in versions:
        source = store.questionnaire_source(qid, ver)
        data = source.encode("utf-8")
        name = member_name(qid, ver, sha256(data))
        questionnaires.append({"id": qid, "version": ver, "file": name})
        members.append((name, data))
    if len({name for name, _ in members}) != len(members):
        raise ExportError("Two questionnaire versions would share a file name in the bundle.")

    def with_nested(record_type: str, row: dict, nested: dict[str, list[dict]]) -> dict:
        return {**_pick(record_type, row), **nested}

    document = {
        "partnerships": [_pick("partnership", r) for r in sorted(partnerships, key=_id)],
        "organisations": [_pick("organisation", r) for r in sorted(organisations, key=_id)],
        "rounds": [_pick("round", r) for r in sorted(rounds, key=_id)],
        "questionnaires": questionnaires,
        "workshops": [
            with_nested("workshop", r, {"agreed_scores": agreed[r["id"]]}) for r in workshops
        ],
        "assessments": [
            with_nested(
                "assessment", r, {"answers": answers[r["id"]], "change_log": changes[r["id"]]}
            )
            for r in assessments
        ],
        "actions": [_pick("action", r) for r in actions],
    }
    if notes is not None:
        notes.extend(_pick.notes)
    return document, members


def _id(row: dict) -> str:
    return row["id"]


def _snapshot(
    store: Store, assessment_ids: Sequence[str], round_ids: Sequence[str], notes: list[str]
) -> tuple[dict, list[tuple[str, bytes]]]:
    """``collect`` inside one read transaction, so that a write by another connection
    (the app autosaving) cannot land between its queries."""
    conn = store.db.conn
    if conn.in_transaction:
        return collect(store, assessment_ids, round_ids, notes)
    conn.execute("BEGIN")
    try:
        return collect(store, assessment_ids, round_ids, notes)
    finally:
        conn.execute("ROLLBACK")


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
    """The bytes of a bundle, and its counts. The records are checked by the importer's
    own rules first, so an export is never a file that import would refuse; values that
    had to be shortened to fit are described in ``notes``."""
    notes = [] if notes is None else notes
    document, questionnaire_members = _snapshot(store, assessment_ids, round_ids, notes)
    records = dump_json(document)
    members = {RECORDS: records, **dict(questionnaire_members)}
    listed = {name: {"bytes": len(data), "sha256": sha256(data)} for name, data in members.items()}
    manifest = {
        "format": FORMAT,
        # Version 2 changed only agreed scores, which travel inside workshops: a bundle
        # with no workshop is the same in both, so it says 1 and an older copy of the
        # app can read it too.
        "format_version": FORMAT_VERSION if document["workshops"] else 1,
        "app_version": __version__,
        "created_at": created_at or _default_created_at(),
        "contents": {},
        "members": listed,
    }
    try:
        bundle = check_records(document, members, "export", {**manifest, "contents": None})
    except BundleError as exc:
        raise ExportError(
            f"The bundle was not written: the database holds a record the exchange format "
            f"cannot carry ({exc})."
        ) from None
    manifest["contents"] = bundle.counts()
    ordered = [(MANIFEST, dump_json(manifest)), (RECORDS, records)]
    ordered += sorted(questionnaire_members)
    return build_zip(ordered), bundle.counts()


def export_bundle(
    store: Store,
    path: Path | str,
    assessment_ids: Sequence[str],
    round_ids: Sequence[str] = (),
    *,
    created_at: str | None = None,
) -> ExportResult:
    """Write a bundle of the assessments (and rounds) to ``path``, atomically."""
    notes: list[str] = []
    data, counts = build_bundle(
        store, assessment_ids, round_ids, created_at=created_at, notes=notes
    )
    written = write_atomically(path, data)
    return ExportResult(written, len(data), counts, tuple(notes))
