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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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
    MANIFEST,
    QUESTIONNAIRE_MEMBER,
    RECORDS,
    Container,
    load_json,
    sha256,
    show,
)
from .errors import BundleError

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
CHANGE_FIELDS = ("rating", "target", "comment", "status", "created", "deleted", "restored")

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


def _ruled(value: Any, *, multiline: bool, blank: bool = True) -> str:
    """Text under the rules every way in and out shares (ics_assess.textrules): checked
    as text, then cleaned the way the store cleans it, then held to the same limit."""
    value = _text(value, HISTORY_TEXT)
    cleaned = textrules.clean_text(value) if multiline else textrules.clean_line(value)
    limit = textrules.TEXT_MAX if multiline else textrules.LINE_MAX
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
# How the fields that follow textrules are cleaned, and their limits (see ``fit``).
_RULED: dict[Check, tuple[Callable[[str], str], int]] = {
    line: (textrules.clean_line, textrules.LINE_MAX),
    name: (textrules.clean_line, textrules.LINE_MAX),
    name_or_null: (textrules.clean_line, textrules.LINE_MAX),
    text: (textrules.clean_text, textrules.TEXT_MAX),
    description: (textrules.clean_text, textrules.TEXT_MAX),
    history_or_null: (lambda value: value, HISTORY_TEXT),
}


def fit(record_type: str, row: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A stored row's bundle fields, made to follow the rules of the format.

    Whatever the store writes already follows them; a database written before they held
    may keep a longer name or comment. Such a value is cleaned the same way and, if still
    too long, shortened with an ellipsis so that the record travels instead of blocking
    the export; the second value names each field shortened (the database keeps it whole)."""
    out: dict[str, Any] = {}
    shortened: list[str] = []
    for key, check in FIELDS[record_type].items():
        value = row[key]
        rule = _RULED.get(check)
        if rule is not None and isinstance(value, str):
            clean, limit = rule
            value = clean(value.replace("\x00", ""))
            if len(value) > limit:
                shortened.append(f"{key} ({len(value):,} characters, shortened to {limit:,})")
                value = value[: limit - 1].rstrip() + "…"
        out[key] = value
    return out, shortened


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


@dataclass
class Bundle:
    """A bundle's content, checked: rows keyed as the database keys them."""

    name: str
    format_version: int
    app_version: str
    created_at: str
    questionnaires: dict[tuple[str, str], BundleQuestionnaire] = field(default_factory=dict)
    partnerships: dict[str, dict] = field(default_factory=dict)
    organisations: dict[str, dict] = field(default_factory=dict)
    rounds: dict[str, dict] = field(default_factory=dict)
    workshops: dict[str, dict] = field(default_factory=dict)
    agreed_scores: dict[str, list[dict]] = field(default_factory=dict)
    assessments: dict[str, dict] = field(default_factory=dict)
    answers: dict[str, list[dict]] = field(default_factory=dict)
    change_log: dict[str, list[dict]] = field(default_factory=dict)
    actions: dict[str, dict] = field(default_factory=dict)
    # Where each record is in records.json, for messages: (type, key) -> "assessment 3 (id …)".
    places: dict[tuple[str, str], str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many records of each kind it holds (the manifest's "contents")."""
        return {
            "partnerships": len(self.partnerships),
            "organisations": len(self.organisations),
            "rounds": len(self.rounds),
            "questionnaires": len(self.questionnaires),
            "workshops": len(self.workshops),
            "agreed_scores": sum(len(v) for v in self.agreed_scores.values()),
            "assessments": len(self.assessments),
            "answers": sum(len(v) for v in self.answers.values()),
            "actions": len(self.actions),
            "change_log": sum(len(v) for v in self.change_log.values()),
        }

    def place(self, record_type: str, key: str) -> str:
        """Where a record is, for a message."""
        return self.places.get((record_type, key), f"{NOUNS[record_type]} {key}")


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


def check_record(record_type: str, obj: Any, where: str) -> dict:
    """A record's fields, checked; nested lists are returned as they are (unchecked)."""
    if not isinstance(obj, dict):
        raise BundleError(f"{where}: must be an object, not {_type_name(obj)}")
    spec = FIELDS[record_type]
    nested = NESTED.get(record_type, {})
    allowed = [*spec, *nested]
    for key in obj:
        if key not in allowed:
            raise BundleError(
                f"{where}: has the unknown field {show(key)} (expected: {', '.join(allowed)})"
            )
    row: dict[str, Any] = {}
    for key, checker in spec.items():
        if key not in obj:
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


def _rating_pair(row: dict, where: str) -> None:
    if row["rating"] is not None and row["unrated"] is not None:
        raise BundleError(
            f"{where}: has both a rating ({row['rating']}) and {show(row['unrated'])}; "
            "at most one may be given"
        )


def _outcome_pair(row: dict, where: str) -> None:
    if row["outcome"] == AgreementOutcome.NOT_AGREED.value:
        if row["rating"] is not None or row["unrated"] is not None:
            raise BundleError(
                f"{where}: is not agreed but has a rating; a statement not agreed has its "
                "positions instead"
            )
    elif row["positions"]:
        raise BundleError(f"{where}: is agreed but has positions; only one not agreed has them")


def _list(data: dict, key: str, where: str) -> list:
    if key not in data:
        raise BundleError(f"{where}: the list '{key}' is missing")
    value = data[key]
    if not isinstance(value, list):
        raise BundleError(f"{where}: '{key}' must be a list, not {_type_name(value)}")
    return value


def check_manifest(data: Any, members: Mapping[str, bytes]) -> dict:
    """The manifest's facts; checks the format, its version, and every member's checksum."""
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
    present = set(members) - {MANIFEST}
    for member in sorted(present - set(listed)):
        raise BundleError(f"{where}: the member {show(member)} is in the file but not listed")
    for member in sorted(set(listed) - present):
        raise BundleError(f"{where}: lists {show(member)}, which is not in the file")
    for member in sorted(listed):
        facts = listed[member]
        if not isinstance(facts, dict) or set(facts) != set(MEMBER_KEYS):
            raise BundleError(
                f"{where}: the entry for {show(member)} must have exactly 'bytes' and 'sha256'"
            )
        size, digest = facts["bytes"], facts["sha256"]
        if integer(size) != len(members[member]):
            raise BundleError(
                f"{member}: is {len(members[member]):,} bytes, but the manifest says "
                f"{show(size)}; the file is damaged or was changed"
            )
        if not isinstance(digest, str) or not SHA256_RE.match(digest):
            raise BundleError(f"{where}: the sha256 of {show(member)} is not a SHA-256 in hex")
        if sha256(members[member]) != digest:
            raise BundleError(
                f"{member}: its SHA-256 checksum does not match the manifest; the file is "
                "damaged or was changed"
            )
    return {
        "format_version": fv,
        "app_version": app_version,
        "created_at": created_at,
        "contents": counts,
    }


def _questionnaires(entries: list, members: Mapping[str, bytes]) -> dict:
    found: dict[tuple[str, str], BundleQuestionnaire] = {}
    used_files: set[str] = set()
    for n, obj in enumerate(entries, start=1):
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
            raise BundleError(
                f"{file}: is not a valid questionnaire ({show(first, 200)})"
            ) from None
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
    for member in sorted(members):
        if member.startswith("questionnaires/") and member not in used_files:
            raise BundleError(f"{member}: is not listed in {RECORDS}'s questionnaires")
    return found


def check_items(
    rows: list[dict],
    questionnaire: Questionnaire | None,
    where: str,
    record_type: str,
) -> None:
    """Every row's item is in the questionnaire (when it is known)."""
    if questionnaire is None:
        return
    items = {item.id for item in questionnaire.items}
    for n, row in enumerate(rows, start=1):
        if row["item_id"] not in items:
            raise BundleError(
                f"{where}: {_where(record_type, n, row)}: questionnaire "
                f"'{questionnaire.id}' version {show(questionnaire.version)} has no such item"
            )


# Fields a record type gained in a later format version, with the value a file of an
# earlier version means by leaving them out: (first format version with it, value).
ADDED_IN: dict[str, dict[str, tuple[int, Any]]] = {
    "agreed_score": {"outcome": (2, AgreementOutcome.AGREED.value), "positions": (2, [])},
}


def _nested(
    parent_where: str,
    record_type: str,
    items: list,
    key_field: str | None,
    format_version: int = FORMAT_VERSION,
) -> list[dict]:
    rows: list[dict] = []
    seen: set[str] = set()
    for n, obj in enumerate(items, start=1):
        where = f"{parent_where}: {_where(record_type, n, obj)}"
        if isinstance(obj, dict):
            for key, (since, value) in ADDED_IN.get(record_type, {}).items():
                if format_version < since and key not in obj:
                    obj = {**obj, key: value}
        row = check_record(record_type, obj, where)
        if key_field is not None:
            key = row[key_field]
            if key in seen:
                raise BundleError(f"{where}: item {show(key)} has two {NOUNS[record_type]}s")
            seen.add(key)
        if "unrated" in row:
            _rating_pair(row, where)
        if record_type == "agreed_score":
            _outcome_pair(row, where)
        rows.append(row)
    return rows


def check_records(data: Any, members: Mapping[str, bytes], name: str, manifest: dict) -> Bundle:
    """Check records.json's content (already parsed) and build the Bundle."""
    top = RECORDS
    if not isinstance(data, dict):
        raise BundleError(f"{top}: must be a JSON object, not {_type_name(data)}")
    for key in data:
        if key not in TOP_LEVEL:
            raise BundleError(
                f"{top}: has the unknown list {show(key)} (expected: {', '.join(TOP_LEVEL)})"
            )
    lists = {key: _list(data, key, top) for key in TOP_LEVEL}
    bundle = Bundle(
        name=name,
        format_version=manifest["format_version"],
        app_version=manifest["app_version"],
        created_at=manifest["created_at"],
    )
    bundle.questionnaires = _questionnaires(lists["questionnaires"], members)

    def records(key: str) -> list[tuple[str, dict]]:
        record_type = TOP_LEVEL[key]
        out: list[tuple[str, dict]] = []
        seen: set[str] = set()
        for n, obj in enumerate(lists[key], start=1):
            where = f"{top}: {_where(record_type, n, obj)}"
            row = check_record(record_type, obj, where)
            if row["id"] in seen:
                raise BundleError(f"{where}: the id {row['id']} is used twice")
            seen.add(row["id"])
            bundle.places[(record_type, row["id"])] = where
            out.append((where, row))
        return out

    for _, row in records("partnerships"):
        bundle.partnerships[row["id"]] = row
    for _, row in records("organisations"):
        bundle.organisations[row["id"]] = row
    for _, row in records("rounds"):
        bundle.rounds[row["id"]] = row
    for where, row in records("workshops"):
        qkey = (row["questionnaire_id"], row["questionnaire_version"])
        scores = _nested(
            where, "agreed_score", row.pop("agreed_scores"), "item_id", bundle.format_version
        )
        q = bundle.questionnaires.get(qkey)
        check_items(scores, q.questionnaire if q else None, where, "agreed_score")
        bundle.workshops[row["id"]] = row
        bundle.agreed_scores[row["id"]] = scores
    for where, row in records("assessments"):
        qkey = (row["questionnaire_id"], row["questionnaire_version"])
        answers = _nested(where, "answer", row.pop("answers"), "item_id")
        changes = _nested(where, "change", row.pop("change_log"), None)
        if row["status"] == AssessmentStatus.SUBMITTED.value and row["submitted_at"] is None:
            raise BundleError(f"{where}: is submitted but 'submitted_at' is null")
        q = bundle.questionnaires.get(qkey)
        check_items(answers, q.questionnaire if q else None, where, "answer")
        bundle.assessments[row["id"]] = row
        bundle.answers[row["id"]] = answers
        bundle.change_log[row["id"]] = changes
    for _, row in records("actions"):
        bundle.actions[row["id"]] = row

    counts = bundle.counts()
    for key in CONTENT_KEYS if manifest.get("contents") is not None else ():
        if manifest["contents"][key] != counts[key]:
            raise BundleError(
                f"{MANIFEST}: 'contents' says {manifest['contents'][key]:,} {key}, but "
                f"{RECORDS} has {counts[key]:,}"
            )
    return bundle


def parse_bundle(container: Container) -> Bundle:
    """Check a container's manifest, checksums and records; return the Bundle."""
    members = container.members
    manifest = check_manifest(load_json(members[MANIFEST], MANIFEST), members)
    data = load_json(members[RECORDS], RECORDS)
    try:
        return check_records(data, members, container.name, manifest)
    except RecursionError:
        raise BundleError(f"{RECORDS}: is nested too deeply") from None
