"""The records of a bundle: their JSON shape, and the validation of everything in a file.

``records.json`` holds lists of records whose fields are the database's columns
(docs/exchange-format.md, docs/exchange-bundle.schema.json). Every key is required and no
other key is allowed; nullable fields hold ``null``. Answers and change-log entries sit
inside their assessment, agreed scores inside their workshop.

``parse_bundle`` checks a container's manifest, checksums, questionnaires and records
and returns a ``Bundle`` of rows ready to write; the first thing wrong is raised as a
BundleError naming the member, the record and the field. Whatever needs the receiving
database (references to records not in the file, questionnaires stored there) is checked
by the importer.

records.json is read as a stream (jsonstream.py): a record at a time, or for an assessment
or workshop too long to take whole, a field and a nested entry at a time. Each record is
checked as it is read and staged in a temporary database (staging.py), so memory does not
grow with the file. The common answer and change-log entry is recognised as valid by
C-speed tests (``_fast_answer``, ``_fast_change``); anything else is checked field by
field, which gives the same values or says what is wrong.

A file is read as the format version its manifest gives: the entries of an earlier one
lack the fields added since (``ADDED_IN``: an agreed score's outcome and positions in 2,
an answer's evidence in 3), which are read as the value their absence means, and an
entry of an earlier version that has one of them, or a change-log entry of evidence, is
refused, as a reader of that version would refuse it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import textrules
from ..domain import (
    SCALE_MAX,
    SCALE_MIN,
    ActionStatus,
    AgreementOutcome,
    AssessmentKind,
    AssessmentStatus,
    PartnerType,
    Questionnaire,
    Sector,
    Unrated,
)
from ..questionnaires import ID_PATTERN, QuestionnaireError, parse_questionnaire
from .bundle import (
    FORMAT,
    FORMAT_VERSION,
    LIMITS,
    MANIFEST,
    QUESTIONNAIRE_MEMBER,
    RECORDS,
    Container,
    Limits,
    load_json,
    sha256,
    show,
)
from .errors import BundleError
from .jsonstream import JsonStream, TooLongError
from .staging import Nested, Records, Staging

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
STAMP_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})\Z"
)
SHA256_RE = re.compile(r"^[0-9a-f]{64}\Z")
SHORT_TEXT = 10_000
# A change-log value is history: a comment as it stood when it changed, possibly under an
# older version's rules. It travels as it is, up to this; everything else follows textrules.
HISTORY_TEXT = 1_000_000
VERSION_TEXT = 200
CHANGE_FIELDS = (
    "rating", "target", "comment", "evidence", "status", "created", "deleted", "restored"
)  # fmt: skip

# The counts in the manifest's "contents", in this order.
CONTENT_KEYS = (
    "partnerships",
    "organisations",
    "rounds",
    "questionnaires",
    "workshops",
    "agreed_scores",
    "assessments",
    "answers",
    "actions",
    "change_log",
)


class _BadValueError(Exception):
    """A field's problem, before the record's location is added."""


# --- field checks: each returns the value or raises _BadValueError ---------------------


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number with a fraction"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _text(value: Any, limit: int, *, blank: bool = True) -> str:
    if type(value) is str and value.isprintable() and len(value) <= limit:
        # Printable: no NUL, no surrogate (the common case, told at C speed).
        if not blank and not value.strip():
            raise _BadValueError("is empty")
        return value
    if not isinstance(value, str):
        raise _BadValueError(f"must be text, not {_type_name(value)}")
    if len(value) > limit:
        raise _BadValueError(f"is {len(value):,} characters long; at most {limit:,} are allowed")
    if "\x00" in value:
        raise _BadValueError("contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _BadValueError("contains an unpaired surrogate, which is not a character") from None
    if not blank and not value.strip():
        raise _BadValueError("is empty")
    return value


def _clean_as_is(value: str, multiline: bool) -> bool:
    """Whether the store's clean-up would leave ``value`` as it is, told by C-speed tests:
    a printable string has no control character, no surrogate and no white space but the
    ASCII space."""
    if not value.isprintable():
        return False
    return multiline or ("  " not in value and value[:1] != " " and value[-1:] != " ")


def _ruled(value: Any, *, multiline: bool, blank: bool = True) -> str:
    """Text under the rules every way in and out shares (ics_assess.textrules): checked
    as text, then cleaned the way the store cleans it, then held to the same limit."""
    limit = textrules.TEXT_MAX if multiline else textrules.LINE_MAX
    if type(value) is str and len(value) <= limit and _clean_as_is(value, multiline):
        cleaned = value
    else:
        value = _text(value, HISTORY_TEXT)
        cleaned = textrules.clean_text(value) if multiline else textrules.clean_line(value)
    if len(cleaned) > limit:
        raise _BadValueError(f"is {len(cleaned):,} characters long; at most {limit:,} are allowed")
    if not blank and not cleaned.strip():
        raise _BadValueError("is empty")
    return cleaned


def short(value: Any) -> str:
    return _text(value, SHORT_TEXT)


def line(value: Any) -> str:
    """A one-line field that may be blank (a role, an owner, a date as text)."""
    return _ruled(value, multiline=False)


def name(value: Any) -> str:
    """A one-line field that must not be blank (a name, a title)."""
    return _ruled(value, multiline=False, blank=False)


def name_or_null(value: Any) -> str | None:
    return None if value is None else name(value)


def text(value: Any) -> str:
    """A multi-line field (a comment, a reasoning)."""
    return _ruled(value, multiline=True)


def description(value: Any) -> str:
    """A multi-line field that must not be blank; kept without surrounding space."""
    return _ruled(value, multiline=True, blank=False).strip()


def history_or_null(value: Any) -> str | None:
    return None if value is None else _text(value, HISTORY_TEXT)


def uuid(value: Any) -> str:
    if not isinstance(value, str):
        raise _BadValueError(f"must be a UUID in text, not {_type_name(value)}")
    if not UUID_RE.match(value):
        raise _BadValueError(f"{show(value)} is not a UUID written in lower case with hyphens")
    return value


def uuid_or_null(value: Any) -> str | None:
    return None if value is None else uuid(value)


def stamp(value: Any) -> str:
    if not isinstance(value, str):
        raise _BadValueError(f"must be a time in text, not {_type_name(value)}")
    if not STAMP_RE.match(value):
        raise _BadValueError(f"{show(value)} is not an ISO 8601 time with a UTC offset")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise _BadValueError(f"{show(value)} is not a real time") from None
    return value


def stamp_or_null(value: Any) -> str | None:
    return None if value is None else stamp(value)


def ident(value: Any) -> str:
    if not isinstance(value, str):
        raise _BadValueError(f"must be an id in text, not {_type_name(value)}")
    if not ID_PATTERN.match(value):
        raise _BadValueError(
            f"{show(value)} is not an id (letters, digits, '-', '_' and '.', at most 80)"
        )
    return value


def ident_or_null(value: Any) -> str | None:
    return None if value is None else ident(value)


def version(value: Any) -> str:
    text = _text(value, VERSION_TEXT, blank=False)
    if text != text.strip():
        raise _BadValueError(f"{show(text)} has spaces around it")
    return text


def integer(value: Any) -> int | None:
    """A JSON integer as JSON Schema defines it: a number without a fractional part (so
    3.0 counts, and becomes 3); None for anything else, true and false included."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def rating_or_null(value: Any) -> int | None:
    if value is None:
        return None
    number = integer(value)
    if number is None:
        raise _BadValueError(f"{show(value)} is not a whole number from {SCALE_MIN} to {SCALE_MAX}")
    value = number
    if not SCALE_MIN <= value <= SCALE_MAX:
        raise _BadValueError(f"{value} is not between {SCALE_MIN} and {SCALE_MAX}")
    return value


def _enum(values: tuple[str, ...], *, nullable: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None and nullable:
            return None
        if not isinstance(value, str) or value not in values:
            raise _BadValueError(f"{show(value)} is not one of: {', '.join(values)}")
        return value

    check.values = values  # type: ignore[attr-defined]
    check.nullable = nullable  # type: ignore[attr-defined]
    return check


partner_type = _enum(tuple(t.value for t in PartnerType))
kind = _enum(tuple(k.value for k in AssessmentKind))
status = _enum(tuple(s.value for s in AssessmentStatus))
unrated_or_null = _enum(tuple(u.value for u in Unrated), nullable=True)
action_status = _enum(tuple(s.value for s in ActionStatus))
change_field = _enum(CHANGE_FIELDS)
outcome = _enum(tuple(o.value for o in AgreementOutcome))
SECTORS = tuple(v.value for v in Sector)


def positions(value: Any) -> list[dict]:
    """The positions of a room that did not agree: a list of objects with exactly
    ``rating`` (1-5, each rating once) and ``sectors`` (a list of at least one sector,
    each once); returned sorted by rating, the sectors in declared order."""
    if not isinstance(value, list):
        raise _BadValueError(f"must be a list, not {_type_name(value)}")
    found: dict[int, list[str]] = {}
    for n, entry in enumerate(value, start=1):
        if not isinstance(entry, dict) or set(entry) != {"rating", "sectors"}:
            raise _BadValueError(f"entry {n} must be an object with exactly 'rating' and 'sectors'")
        rating = integer(entry["rating"])
        if rating is None or not SCALE_MIN <= rating <= SCALE_MAX:
            raise _BadValueError(
                f"entry {n}: rating {show(entry['rating'])} is not a whole number from "
                f"{SCALE_MIN} to {SCALE_MAX}"
            )
        if rating in found:
            raise _BadValueError(f"entry {n}: the rating {rating} is held by two positions")
        sectors = entry["sectors"]
        if not isinstance(sectors, list) or not sectors:
            raise _BadValueError(f"entry {n}: 'sectors' must be a list of at least one sector")
        for sector in sectors:
            if not isinstance(sector, str) or sector not in SECTORS:
                raise _BadValueError(
                    f"entry {n}: {show(sector)} is not one of: {', '.join(SECTORS)}"
                )
        if len(set(sectors)) != len(sectors):
            raise _BadValueError(f"entry {n}: a sector is listed twice")
        found[rating] = [v for v in SECTORS if v in sectors]
    return [{"rating": r, "sectors": found[r]} for r in sorted(found)]


def positions_by_item(rows: Any) -> dict[tuple[str, str], list[dict]]:
    """Stored ``workshop_positions`` rows in a bundle's form, by (workshop id, item id)."""
    found: dict[tuple[str, str], list[dict]] = {}
    for row in sorted(rows, key=lambda r: (r["workshop_id"], r["item_id"], r["rating"])):
        found.setdefault((row["workshop_id"], row["item_id"]), []).append(
            {"rating": row["rating"], "sectors": [v for v in row["sectors"].split(",") if v]}
        )
    return found


def with_positions(
    row: Mapping[str, Any], found: Mapping[tuple[str, str], list[dict]]
) -> dict[str, Any]:
    """A stored agreed_scores row with its positions (a bundle's field) added."""
    return {**row, "positions": list(found.get((row["workshop_id"], row["item_id"]), []))}


Check = Callable[[Any], Any]

# Each record type's fields, in the database's column order. Nested lists (answers,
# change_log, agreed_scores) are listed in NESTED and checked by their own specs.
FIELDS: dict[str, dict[str, Check]] = {
    "partnership": {"id": uuid, "name": name, "ics_name": line, "created_at": stamp},
    "organisation": {
        "id": uuid,
        "partnership_id": uuid,
        "name": name,
        "partner_type": partner_type,
        "created_at": stamp,
    },
    "round": {
        "id": uuid,
        "partnership_id": uuid,
        "name": name,
        "opened_on": line,
        "created_at": stamp,
    },
    "questionnaire": {"id": ident, "version": version, "file": short},
    "workshop": {
        "id": uuid,
        "round_id": uuid,
        "questionnaire_id": ident,
        "questionnaire_version": version,
        "title": name,
        "held_on": line,
        "facilitator": line,
        "created_at": stamp,
    },
    "agreed_score": {
        "item_id": ident,
        "outcome": outcome,
        "rating": rating_or_null,
        "unrated": unrated_or_null,
        "target": rating_or_null,
        "reasoning": text,
        "updated_at": stamp,
        "positions": positions,
    },
    "assessment": {
        "id": uuid,
        "round_id": uuid,
        "organisation_id": uuid,
        "questionnaire_id": ident,
        "questionnaire_version": version,
        "kind": kind,
        "status": status,
        "respondent_name": name_or_null,
        "respondent_role": line,
        "workshop_id": uuid_or_null,
        "created_at": stamp,
        "updated_at": stamp,
        "submitted_at": stamp_or_null,
    },
    "answer": {
        "item_id": ident,
        "rating": rating_or_null,
        "unrated": unrated_or_null,
        "target": rating_or_null,
        "comment": text,
        "updated_at": stamp,
        # Where the evidence is (a document, a link, a minute), a text like the comment;
        # the database's last column of answers (migration 0008), format 3 on.
        "evidence": text,
    },
    "change": {
        "changed_at": stamp,
        "changed_by": line,
        "item_id": ident_or_null,
        "field": change_field,
        "old_value": history_or_null,
        "new_value": history_or_null,
    },
    "action": {
        "id": uuid,
        "partnership_id": uuid,
        "round_id": uuid,
        "organisation_id": uuid_or_null,
        "workshop_id": uuid_or_null,
        "questionnaire_id": ident_or_null,
        "section_id": ident_or_null,
        "item_id": ident_or_null,
        "description": description,
        "owner": line,
        "due_on": line,
        "status": action_status,
        "created_at": stamp,
        "updated_at": stamp,
    },
}
NESTED: dict[str, dict[str, str]] = {
    "workshop": {"agreed_scores": "agreed_score"},
    "assessment": {"answers": "answer", "change_log": "change"},
}

# The format versions that added fields (bundle.FORMAT_VERSION is the newest).
OUTCOME_FORMAT = 2  # an agreed score's outcome and positions (issue 10)
EVIDENCE_FORMAT = 3  # an answer's evidence, and change-log entries of it (issue 13)
# Fields a nested entry (an answer, a change-log entry, an agreed score) gained in a later
# format version, with the value a file of an earlier version means by leaving them out:
# (first format version with it, value). A file of an earlier version that has one is
# refused, as a reader of that version would refuse it.
ADDED_IN: dict[str, dict[str, tuple[int, Any]]] = {
    "agreed_score": {
        "outcome": (OUTCOME_FORMAT, AgreementOutcome.AGREED.value),
        "positions": (OUTCOME_FORMAT, []),
    },
    "answer": {"evidence": (EVIDENCE_FORMAT, "")},
}
# Values of a change-log entry's 'field' added in a later format version: the first
# version with each.
CHANGE_FIELD_ADDED_IN: dict[str, int] = {"evidence": EVIDENCE_FORMAT}
# How the fields that follow textrules are cleaned, and their limits (see ``fit``).
_RULED: dict[Check, tuple[Callable[[str], str], int]] = {
    line: (textrules.clean_line, textrules.LINE_MAX),
    name: (textrules.clean_line, textrules.LINE_MAX),
    name_or_null: (textrules.clean_line, textrules.LINE_MAX),
    text: (textrules.clean_text, textrules.TEXT_MAX),
    description: (textrules.clean_text, textrules.TEXT_MAX),
    history_or_null: (lambda value: value, HISTORY_TEXT),
}


def _unchanged(value: str, check: Check) -> bool:
    """Whether cleaning would leave ``value`` as it is (and within its limit)."""
    if check is history_or_null:
        return len(value) <= HISTORY_TEXT and "\x00" not in value
    multiline = check in (text, description)
    limit = textrules.TEXT_MAX if multiline else textrules.LINE_MAX
    return len(value) <= limit and _clean_as_is(value, multiline)


# Each record type's fields in sorted order (as a bundle writes them), and those that
# follow textrules with their checks.
SORTED_FIELDS: dict[str, list[str]] = {kind: sorted(spec) for kind, spec in FIELDS.items()}
_RULED_FIELDS: dict[str, list[tuple[str, Check]]] = {
    kind: [(key, spec[key]) for key in SORTED_FIELDS[kind] if spec[key] in _RULED]
    for kind, spec in FIELDS.items()
}


def fields_in(record_type: str, format_version: int) -> list[str]:
    """A record type's fields in a file of ``format_version``, in sorted order (as a
    bundle writes them): those ADDED_IN a later version left out."""
    added = ADDED_IN.get(record_type, {})
    return [
        key
        for key in SORTED_FIELDS[record_type]
        if key not in added or added[key][0] <= format_version
    ]


def fit(record_type: str, row: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A stored row's bundle fields (keys in sorted order), made to follow the rules of
    the format.

    Whatever the store writes already follows them; a database written before they held
    may keep a longer name or comment. Such a value is cleaned the same way and, if still
    too long, shortened with an ellipsis so that the record travels instead of blocking
    the export; the second value names each field shortened (the database keeps it whole)."""
    out = {key: row[key] for key in SORTED_FIELDS[record_type]}
    return out, fit_in_place(record_type, out)


def fit_in_place(record_type: str, out: dict[str, Any]) -> list[str]:
    """``fit`` for a dict that holds exactly the record type's fields in the format being
    written (``fields_in``); the fields shortened."""
    shortened: list[str] = []
    for key, check in _RULED_FIELDS[record_type]:
        value = out.get(key)
        if not isinstance(value, str) or _unchanged(value, check):
            continue
        clean, limit = _RULED[check]
        value = clean(value.replace("\x00", ""))
        if len(value) > limit:
            shortened.append(f"{key} ({len(value):,} characters, shortened to {limit:,})")
            value = value[: limit - 1].rstrip() + "…"
        out[key] = value
    return shortened


# The top-level lists of records.json and the record type each holds.
TOP_LEVEL: dict[str, str] = {
    "partnerships": "partnership",
    "organisations": "organisation",
    "rounds": "round",
    "questionnaires": "questionnaire",
    "workshops": "workshop",
    "assessments": "assessment",
    "actions": "action",
}
MANIFEST_KEYS = ("format", "format_version", "app_version", "created_at", "contents", "members")
MEMBER_KEYS = ("bytes", "sha256")

# How a record type is named in messages.
NOUNS = {
    "partnership": "partnership",
    "organisation": "organisation",
    "round": "round",
    "questionnaire": "questionnaire",
    "workshop": "workshop",
    "agreed_score": "agreed score",
    "assessment": "assessment",
    "answer": "answer",
    "change": "change-log entry",
    "action": "action",
}


# --- the result ------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleQuestionnaire:
    """A questionnaire version carried in a bundle."""

    id: str
    version: str
    file: str
    source: str
    sha256: str
    questionnaire: Questionnaire
    title: str
    item_count: int


# The record types staged in the temporary database (all but questionnaires, which are few
# and stay in memory), and the type each nested one sits in.
STAGED = ("partnership", "organisation", "round", "workshop", "assessment", "action")
PARENTS = {"agreed_score": "workshop", "answer": "assessment", "change": "assessment"}
# The nested types' fields of long text, whose length bounds a staged part (staging.py).
LONG_TEXTS = {
    "agreed_score": ("reasoning",),
    "answer": ("comment", "evidence"),
    "change": ("old_value", "new_value"),
}


class Bundle:
    """A bundle's content, checked: rows keyed as the database keys them.

    Questionnaires are held in memory; every other record waits in a temporary database
    (staging.py), read through mappings: ``partnerships``, ``organisations``, ``rounds``,
    ``workshops``, ``assessments`` and ``actions`` by id, ``agreed_scores``, ``answers``
    and ``change_log`` by their workshop's or assessment's id. ``close`` deletes the
    temporary database (so does garbage collection)."""

    def __init__(self, name: str, format_version: int, app_version: str, created_at: str) -> None:
        self.name = name
        self.format_version = format_version
        self.app_version = app_version
        self.created_at = created_at
        self.questionnaires: dict[tuple[str, str], BundleQuestionnaire] = {}
        self.staging = Staging(
            {kind: FIELDS[kind] for kind in (*STAGED, *PARENTS)}, PARENTS, LONG_TEXTS
        )
        self.partnerships = Records(self.staging, "partnership")
        self.organisations = Records(self.staging, "organisation")
        self.rounds = Records(self.staging, "round")
        self.workshops = Records(self.staging, "workshop")
        self.assessments = Records(self.staging, "assessment")
        self.actions = Records(self.staging, "action")
        self.agreed_scores = Nested(self.staging, "agreed_score", self.workshops)
        self.answers = Nested(self.staging, "answer", self.assessments)
        self.change_log = Nested(self.staging, "change", self.assessments)
        self._counts: dict[str, int] = dict.fromkeys(CONTENT_KEYS, 0)

    def counts(self) -> dict[str, int]:
        """How many records of each kind it holds (the manifest's "contents")."""
        return dict(self._counts)

    def records(self, record_type: str) -> Records:
        """The staged records of a type ('assessment', ...)."""
        return getattr(self, _PLURAL[record_type])

    def place(self, record_type: str, key: str) -> str:
        """Where a record is, for a message."""
        if record_type in STAGED and key in self.records(record_type):
            n = self.records(record_type).ordinal(key)
            return f"{RECORDS}: {_where(record_type, n, {'id': key})}"
        return f"{NOUNS[record_type]} {key}"

    def unknown_item(self, record_type: str, questionnaire: Questionnaire) -> str | None:
        """A sentence on the first answer (``record_type`` 'answer') or agreed score of a
        record using this questionnaire version whose item the version lacks; None if
        there is none."""
        key = (questionnaire.id, questionnaire.version)
        found = self.staging.first_unknown_item(
            record_type, key, [item.id for item in questionnaire.items]
        )
        if found is None:
            return None
        n, parent_id, k, row = found
        parent = PARENTS[record_type]
        return (
            f"{RECORDS}: {_where(parent, n, {'id': parent_id})}: {_where(record_type, k, row)}: "
            f"questionnaire '{questionnaire.id}' version {show(questionnaire.version)} has "
            "no such item"
        )

    def close(self) -> None:
        self.staging.close()

    def __enter__(self) -> Bundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_PLURAL = {kind: plural for plural, kind in TOP_LEVEL.items()}


# --- checking ---------------------------------------------------------------------------


def _where(record_type: str, n: int, obj: Any) -> str:
    """'assessment 3 (id …)' for the n-th record (1-based), with its id if it has one."""
    label = f"{NOUNS[record_type]} {n}"
    if isinstance(obj, dict):
        key = obj.get("id", obj.get("item_id"))
        if record_type in ("answer", "agreed_score") and isinstance(key, str):
            return f"{label} (item {show(key, 90)})"
        if isinstance(key, str):
            return f"{label} (id {show(key, 90)})"
    return label


_SPECS = {kind: tuple(spec.items()) for kind, spec in FIELDS.items()}
_KEYS = {kind: frozenset(spec) | frozenset(NESTED.get(kind, ())) for kind, spec in FIELDS.items()}


class Lazy:
    """A place for a message, worked out only if a message is made (``f"{where}"``)."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], str]) -> None:
        self.make = make

    def __format__(self, spec: str) -> str:
        return format(self.make(), spec)

    def __str__(self) -> str:
        return self.make()


def check_record(record_type: str, obj: Any, where: str | Lazy) -> dict:
    """A record's fields, checked; nested lists are returned as they are (unchecked)."""
    if not isinstance(obj, dict):
        raise BundleError(f"{where}: must be an object, not {_type_name(obj)}")
    spec = FIELDS[record_type]
    nested = NESTED.get(record_type, {})
    exact = obj.keys() == _KEYS[record_type]
    if not exact:
        allowed = [*spec, *nested]
        for key in obj:
            if key not in allowed:
                raise BundleError(
                    f"{where}: has the unknown field {show(key)} (expected: {', '.join(allowed)})"
                )
    row: dict[str, Any] = {}
    for key, checker in _SPECS[record_type]:
        if not exact and key not in obj:
            raise BundleError(f"{where}: the field '{key}' is missing")
        try:
            row[key] = checker(obj[key])
        except _BadValueError as exc:
            if checker is rating_or_null and isinstance(obj[key], int):
                raise BundleError(f"{where}: {key} {exc}") from None
            raise BundleError(f"{where}: '{key}' {exc}") from None
    for key in nested:
        if key not in obj:
            raise BundleError(f"{where}: the field '{key}' is missing")
        if not isinstance(obj[key], list):
            raise BundleError(f"{where}: '{key}' must be a list, not {_type_name(obj[key])}")
        row[key] = obj[key]
    return row


def _rating_pair(row: dict, where: str | Lazy) -> None:
    if row["rating"] is not None and row["unrated"] is not None:
        raise BundleError(
            f"{where}: has both a rating ({row['rating']}) and {show(row['unrated'])}; "
            "at most one may be given"
        )


def _outcome_pair(row: dict, where: str | Lazy) -> None:
    if row["outcome"] == AgreementOutcome.NOT_AGREED.value:
        if row["rating"] is not None or row["unrated"] is not None:
            raise BundleError(
                f"{where}: is not agreed but has a rating; a statement not agreed has its "
                "positions instead"
            )
    elif row["positions"]:
        raise BundleError(f"{where}: is agreed but has positions; only one not agreed has them")


def check_manifest(data: Any, container: Container) -> dict:
    """The manifest's facts; checks the format, its version, and every member's size and
    checksum but records.json's, which is read as a stream: its expected SHA-256 is
    returned as ``records_sha256`` for the reader to compare."""
    members = container.members
    where = MANIFEST
    if not isinstance(data, dict):
        raise BundleError(f"{where}: must be a JSON object, not {_type_name(data)}")
    if data.get("format") != FORMAT:
        raise BundleError(
            f"{where}: 'format' is {show(data.get('format'))}, not \"{FORMAT}\"; "
            "this is not an ICS Assess bundle"
        )
    fv = integer(data.get("format_version"))
    if fv is None or fv < 1:
        raise BundleError(f"{where}: 'format_version' {show(fv)} is not a version number")
    if fv > FORMAT_VERSION:
        raise BundleError(
            f"the bundle uses format version {fv}, written by a newer version of ICS Assess; "
            f"this version reads format {FORMAT_VERSION}. Install the newer version to import it"
        )
    for key in data:
        if key not in MANIFEST_KEYS:
            raise BundleError(f"{where}: has the unknown field {show(key)}")
    for key in MANIFEST_KEYS:
        if key not in data:
            raise BundleError(f"{where}: the field '{key}' is missing")
    try:
        app_version = version(data["app_version"])
    except _BadValueError as exc:
        raise BundleError(f"{where}: 'app_version' {exc}") from None
    try:
        created_at = stamp(data["created_at"])
    except _BadValueError as exc:
        raise BundleError(f"{where}: 'created_at' {exc}") from None
    contents = data["contents"]
    if not isinstance(contents, dict) or set(contents) != set(CONTENT_KEYS):
        raise BundleError(
            f"{where}: 'contents' must be an object with exactly the counts "
            f"{', '.join(CONTENT_KEYS)}"
        )
    counts = {key: integer(value) for key, value in contents.items()}
    for key, value in counts.items():
        if value is None or value < 0:
            raise BundleError(f"{where}: contents '{key}' {show(contents[key])} is not a count")
    listed = data["members"]
    if not isinstance(listed, dict):
        raise BundleError(f"{where}: 'members' must be an object, not {_type_name(listed)}")
    present = set(container.sizes) - {MANIFEST}
    for member in sorted(present - set(listed)):
        raise BundleError(f"{where}: the member {show(member)} is in the file but not listed")
    for member in sorted(set(listed) - present):
        raise BundleError(f"{where}: lists {show(member)}, which is not in the file")
    records_sha256 = ""
    for member in sorted(listed):
        facts = listed[member]
        if not isinstance(facts, dict) or set(facts) != set(MEMBER_KEYS):
            raise BundleError(
                f"{where}: the entry for {show(member)} must have exactly 'bytes' and 'sha256'"
            )
        size, digest = facts["bytes"], facts["sha256"]
        if integer(size) != container.sizes[member]:
            raise BundleError(
                f"{member}: is {container.sizes[member]:,} bytes, but the manifest says "
                f"{show(size)}; the file is damaged or was changed"
            )
        if not isinstance(digest, str) or not SHA256_RE.match(digest):
            raise BundleError(f"{where}: the sha256 of {show(member)} is not a SHA-256 in hex")
        if member not in members:
            records_sha256 = digest
        elif sha256(members[member]) != digest:
            raise BundleError(_changed(member))
    return {
        "format_version": fv,
        "app_version": app_version,
        "created_at": created_at,
        "contents": counts,
        "records_sha256": records_sha256,
    }


def _changed(member: str) -> str:
    return (
        f"{member}: its SHA-256 checksum does not match the manifest; the file is damaged or "
        "was changed"
    )


def _questionnaire(
    n: int, obj: Any, members: Mapping[str, bytes], found: dict, used_files: set[str]
) -> None:
    """Check the n-th entry of records.json's questionnaires and its member; add it to
    ``found``."""
    where = f"{RECORDS}: {_where('questionnaire', n, obj)}"
    row = check_record("questionnaire", obj, where)
    qid, ver, file = row["id"], row["version"], row["file"]
    if (qid, ver) in found:
        raise BundleError(f"{where}: '{qid}' version {show(ver)} is listed twice")
    if not QUESTIONNAIRE_MEMBER.match(file) or file not in members:
        raise BundleError(f"{where}: 'file' {show(file)} is not a questionnaire member")
    if file in used_files:
        raise BundleError(f"{where}: 'file' {show(file)} is used by two questionnaires")
    used_files.add(file)
    raw = members[file]
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleError(f"{file}: is not UTF-8 text (at byte {exc.start:,})") from None
    try:
        questionnaire = parse_questionnaire(source, file)
    except QuestionnaireError as exc:
        first = exc.problems[0].located() if exc.problems else "it is not valid"
        raise BundleError(f"{file}: is not a valid questionnaire ({show(first, 200)})") from None
    except RecursionError:
        raise BundleError(f"{file}: is nested too deeply") from None
    except Exception as exc:  # a questionnaire text the parser was not built for
        raise BundleError(
            f"{file}: cannot be read as a questionnaire ({type(exc).__name__})"
        ) from None
    if (questionnaire.id, questionnaire.version) != (qid, ver):
        raise BundleError(
            f"{file}: holds '{questionnaire.id}' version {show(questionnaire.version)}, "
            f"but {RECORDS} lists it as '{qid}' version {show(ver)}"
        )
    found[(qid, ver)] = BundleQuestionnaire(
        qid,
        ver,
        file,
        source,
        sha256(raw),
        questionnaire,
        questionnaire.title,
        len(questionnaire.items),
    )


# Stands for a nested entry's parent in a message until the parent's id has been read
# (an assessment's answers come before its "id" when keys are sorted).
PARENT = "\x00parent\x00"
_ID = ID_PATTERN.match
_STAMP = STAMP_RE.match
_UNRATED = frozenset(Unrated.__members__[m].value for m in Unrated.__members__)
_CHANGE_FIELDS = frozenset(CHANGE_FIELDS)
_SCALE = frozenset(range(SCALE_MIN, SCALE_MAX + 1))


def _real_stamp(value: Any) -> bool:
    if type(value) is not str or not _STAMP(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _fast_answer(obj: Any) -> tuple | None:
    """An answer's values (in FIELDS order) when it is plainly valid and needs no
    clean-up, told quickly; None sends it the long way, which gives the same values or
    says what is wrong."""
    if type(obj) is not dict or obj.keys() != _KEYS["answer"]:
        return None
    item, rating, unrated, target = obj["item_id"], obj["rating"], obj["unrated"], obj["target"]
    comment, updated, evidence = obj["comment"], obj["updated_at"], obj["evidence"]
    if (
        type(item) is str
        and _ID(item)
        and (rating is None or (type(rating) is int and rating in _SCALE))
        and (unrated is None or (type(unrated) is str and unrated in _UNRATED))
        and (rating is None or unrated is None)
        and (target is None or (type(target) is int and target in _SCALE))
        and type(comment) is str
        and len(comment) <= textrules.TEXT_MAX
        and comment.isprintable()
        and type(evidence) is str
        and len(evidence) <= textrules.TEXT_MAX
        and evidence.isprintable()
        and _real_stamp(updated)
    ):
        return (item, rating, unrated, target, comment, updated, evidence)
    return None


def _fast_change(obj: Any) -> tuple | None:
    """``_fast_answer`` for a change-log entry."""
    if type(obj) is not dict or obj.keys() != _KEYS["change"]:
        return None
    by, item, fld = obj["changed_by"], obj["item_id"], obj["field"]
    old, new = obj["old_value"], obj["new_value"]
    if (
        type(by) is str
        and len(by) <= textrules.LINE_MAX
        and _clean_as_is(by, False)
        and (item is None or (type(item) is str and _ID(item)))
        and type(fld) is str
        and fld in _CHANGE_FIELDS
        and (old is None or (type(old) is str and len(old) <= HISTORY_TEXT and old.isprintable()))
        and (new is None or (type(new) is str and len(new) <= HISTORY_TEXT and new.isprintable()))
        and _real_stamp(obj["changed_at"])
    ):
        return (obj["changed_at"], by, item, fld, old, new)
    return None


_FAST = {"answer": _fast_answer, "change": _fast_change}
assert tuple(FIELDS["answer"]) == (
    "item_id", "rating", "unrated", "target", "comment", "updated_at", "evidence"
)  # fmt: skip
assert tuple(FIELDS["change"]) == (
    "changed_at", "changed_by", "item_id", "field", "old_value", "new_value"
)  # fmt: skip

# An assessment or a workshop up to this long (characters of JSON) is read whole; a
# longer one field by field and entry by entry.
WHOLE_CHARS = 1_000_000
# Counts of the manifest's contents by nested type.
NESTED_COUNTS = {"agreed_score": "agreed_scores", "answer": "answers", "change": "change_log"}


class _Reader:
    """Reads records.json as a stream, checking each record and staging it."""

    def __init__(
        self, bundle: Bundle, stream: JsonStream, members: Mapping[str, bytes], limits: Limits
    ) -> None:
        self.b = bundle
        self.s = stream
        self.members = members
        self.limits = limits
        self.used_files: set[str] = set()
        self.listed = 0
        fv = bundle.format_version
        # The fields of nested entries that this file's format version has not got, with
        # the value their absence means; and the change-log fields it has not got.
        older = {
            kind: {key: value for key, (since, value) in added.items() if fv < since}
            for kind, added in ADDED_IN.items()
        }
        self.older = {kind: fields for kind, fields in older.items() if fields}
        self.newer_changes = {f for f, since in CHANGE_FIELD_ADDED_IN.items() if fv < since}

    def value(self, where: str) -> Any:
        try:
            return self.s.value()
        except TooLongError as exc:
            raise BundleError(
                f"{where}: is longer than the {exc.args[0]:,} characters one value of a "
                "bundle may have"
            ) from None

    def run(self) -> None:
        s, top = self.s, RECORDS
        if s.peek() != "{":
            value = self.value(top)
            raise BundleError(f"{top}: must be a JSON object, not {_type_name(value)}")
        s.enter("{")
        seen: set[str] = set()
        for key in self._keys(top):
            if key in seen:
                raise BundleError(f"{top}: the key {show(key)} appears twice in one object")
            seen.add(key)
            if key not in TOP_LEVEL:
                raise BundleError(
                    f"{top}: has the unknown list {show(key)} (expected: {', '.join(TOP_LEVEL)})"
                )
            if s.peek() != "[":
                value = self.value(top)
                raise BundleError(f"{top}: '{key}' must be a list, not {_type_name(value)}")
            s.enter("[")
            self._list(TOP_LEVEL[key])
        s.finish()
        for key in TOP_LEVEL:
            if key not in seen:
                raise BundleError(f"{top}: the list '{key}' is missing")

    def _keys(self, where: str):
        try:
            yield from self.s.keys()
        except TooLongError as exc:
            raise BundleError(
                f"{where}: has a key longer than the {exc.args[0]:,} characters one value of "
                "a bundle may have"
            ) from None

    def _list(self, record_type: str) -> None:
        for n, _ in enumerate(self.s.elements(), start=1):
            self.listed += 1
            if self.listed > self.limits.records:
                raise BundleError(
                    f"{RECORDS}: holds more than {self.limits.records:,} records; a bundle "
                    "carries at most that many (export a round at a time)"
                )
            label = f"{RECORDS}: {NOUNS[record_type]} {n}"
            if record_type in NESTED and self.s.peek() == "{":
                # Read whole when it is not long (most are a few kilobytes), else field by
                # field and entry by entry.
                try:
                    obj = self.s.value(WHOLE_CHARS)
                except TooLongError:
                    self._parent(record_type, n)
                    continue
                self._whole(record_type, n, obj)
                continue
            obj = self.value(label)
            if record_type == "questionnaire":
                _questionnaire(n, obj, self.members, self.b.questionnaires, self.used_files)
                self.b._counts["questionnaires"] += 1
                continue
            where = f"{RECORDS}: {_where(record_type, n, obj)}"
            self._stage(record_type, n, check_record(record_type, obj, where), where)

    def _stage(self, record_type: str, n: int, row: dict, where: str) -> None:
        if record_type == "assessment" and (
            row["status"] == AssessmentStatus.SUBMITTED.value and row["submitted_at"] is None
        ):
            raise BundleError(f"{where}: is submitted but 'submitted_at' is null")
        staging = self.b.staging
        if staging.has(record_type, row["id"]):
            raise BundleError(f"{where}: the id {row['id']} is used twice")
        staging.add(record_type, n, row)
        self.b._counts[_PLURAL[record_type]] += 1

    def _whole(self, record_type: str, n: int, obj: dict) -> None:
        """An assessment or a workshop read whole: its fields, then its entries."""
        where = f"{RECORDS}: {_where(record_type, n, obj)}"
        row = check_record(record_type, obj, where)
        for key, child in NESTED[record_type].items():
            seen: set[str] = set()
            for k, entry in enumerate(row.pop(key), start=1):
                self._entry(child, n, k, entry, seen, where)
        self._stage(record_type, n, row, where)

    def _parent(self, record_type: str, n: int) -> None:
        """An assessment or a workshop too long to read whole, read field by field: its
        nested lists entry by entry, each checked and staged at once, so that none is
        held whole."""
        s = self.s
        label = f"{RECORDS}: {NOUNS[record_type]} {n}"
        s.enter("{")
        fields: dict[str, Any] = {}
        first_error: BundleError | None = None
        for key in self._keys(label):
            if key in fields:
                raise BundleError(f"{RECORDS}: the key {show(key)} appears twice in one object")
            child = NESTED[record_type].get(key)
            if child is None or s.peek() != "[":
                fields[key] = self.value(label)
                continue
            s.enter("[")
            fields[key] = []
            seen: set[str] = set()
            for k, _ in enumerate(s.elements(), start=1):
                obj = self.value(f"{label}: {NOUNS[child]} {k}")
                if first_error is not None:
                    continue
                try:
                    self._entry(child, n, k, obj, seen, PARENT)
                except BundleError as exc:
                    first_error = exc
        where = f"{RECORDS}: {_where(record_type, n, fields)}"
        row = check_record(record_type, fields, where)
        if first_error is not None:
            raise BundleError(str(first_error).replace(PARENT, where))
        for key in NESTED[record_type]:
            del row[key]
        self._stage(record_type, n, row, where)

    def _entry(
        self, record_type: str, n: int, k: int, obj: Any, seen: set[str], parent: str
    ) -> None:
        """The k-th answer, change-log entry or agreed score of the n-th parent (at
        ``parent``, for messages)."""
        older = self.older.get(record_type)
        if older is not None and type(obj) is dict:
            # A file of an earlier format: its entries lack the fields added since, and
            # mean by that the value ADDED_IN gives; one that has such a field is wrong.
            for key in older:
                if key in obj:
                    since = ADDED_IN[record_type][key][0]
                    raise self._newer(f"'{key}'", since, record_type, k, obj, parent)
            obj = {**obj, **older}
        fast = _FAST.get(record_type)
        values = fast(obj) if fast is not None else None
        if values is None:
            values = self._checked(record_type, k, obj, parent)
        if record_type == "change":
            if values[3] in self.newer_changes:
                since = CHANGE_FIELD_ADDED_IN[values[3]]
                raise self._newer(f"'field' {show(values[3])}", since, record_type, k, obj, parent)
        else:
            key = values[0]  # item_id
            if key in seen:
                where = f"{parent}: {_where(record_type, k, obj)}"
                raise BundleError(f"{where}: item {show(key)} has two {NOUNS[record_type]}s")
            seen.add(key)
            if len(seen) > self.limits.per_list:
                raise BundleError(
                    f"{parent}: has more than {self.limits.per_list:,} "
                    f"{NOUNS[record_type]}s; no questionnaire has that many statements"
                )
        self.b.staging.add_values(record_type, n, k, values)
        self.b._counts[NESTED_COUNTS[record_type]] += 1

    def _newer(
        self, what: str, since: int, record_type: str, k: int, obj: Any, parent: str
    ) -> BundleError:
        """The refusal of an entry holding ``what`` a format version later than the file's
        added (in ``since``)."""
        return BundleError(
            f"{parent}: {_where(record_type, k, obj)}: {what} is not part of format version "
            f"{self.b.format_version}, the version the file's {MANIFEST} gives (format "
            f"{since} added it)"
        )

    def _checked(self, record_type: str, k: int, obj: Any, parent: str) -> tuple:
        """An entry's values (in FIELDS order), checked field by field."""
        where = Lazy(lambda: f"{parent}: {_where(record_type, k, obj)}")
        row = check_record(record_type, obj, where)
        if record_type != "change":
            _rating_pair(row, where)
        if record_type == "agreed_score":
            _outcome_pair(row, where)
        return tuple(row[name] for name in FIELDS[record_type])


def parse_bundle(container: Container, limits: Limits = LIMITS) -> Bundle:
    """Check a container's manifest, checksums and records; return the Bundle, its
    records staged in a temporary database."""
    members = container.members
    manifest = check_manifest(load_json(members[MANIFEST], MANIFEST), container)
    bundle = Bundle(
        container.name, manifest["format_version"], manifest["app_version"], manifest["created_at"]
    )
    try:
        _read_records(bundle, container, manifest, limits)
    except BaseException:
        bundle.close()
        raise
    return bundle


def _read_records(bundle: Bundle, container: Container, manifest: dict, limits: Limits) -> None:
    raw = container.open_records()
    try:
        stream = JsonStream(raw, RECORDS, limits.value_chars)
        try:
            _Reader(bundle, stream, container.members, limits).run()
        except RecursionError:
            raise BundleError(f"{RECORDS}: is nested too deeply") from None
    finally:
        raw.close()
    if manifest["records_sha256"] and stream.sha256 != manifest["records_sha256"]:
        raise BundleError(_changed(RECORDS))
    for member in sorted(container.members):
        if member.startswith("questionnaires/") and member not in {
            q.file for q in bundle.questionnaires.values()
        }:
            raise BundleError(f"{member}: is not listed in {RECORDS}'s questionnaires")
    bundle.staging.flush()
    for q in bundle.questionnaires.values():
        for record_type in ("agreed_score", "answer"):
            problem = bundle.unknown_item(record_type, q.questionnaire)
            if problem:
                raise BundleError(problem)
    counts = bundle.counts()
    for key in CONTENT_KEYS:
        if manifest["contents"][key] != counts[key]:
            raise BundleError(
                f"{MANIFEST}: 'contents' says {manifest['contents'][key]:,} {key}, but "
                f"{RECORDS} has {counts[key]:,}"
            )
