"""The Store: every read and write of the records, over one connection.

Each public write is its own short transaction, committed before the method returns,
so the GUI's autosave can call ``set_rating`` the moment a rating is chosen and a crash
a moment later loses nothing. Changes to answers and to an assessment's status are also
appended to ``change_log`` in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import textrules
from ..domain import (
    Action,
    ActionStatus,
    AgreedScore,
    AgreementOutcome,
    Answer,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    AssessmentSummary,
    Concern,
    Organisation,
    Partnership,
    PartnerType,
    Position,
    Round,
    Sector,
    Unrated,
    Workshop,
)
from .backups import BackupReason, create_backup
from .database import (
    ConflictError,
    ReadOnlyError,
    RecordNotFoundError,
    StoreError,
    backup_database,
    connect,
    now,
    write_transaction,
)

if TYPE_CHECKING:
    from sqlite_utils import Database

    from .database import ReadingDatabase


@dataclass(frozen=True)
class DeletedAssessment:
    """A deleted assessment's rows, kept so the deletion can be undone."""

    row: dict
    answers: list[dict]


def _back_up_first(path: Path) -> None:
    """The backup made before an upgrade; BackupError (the upgrade stopped) if it fails."""
    create_backup(path, BackupReason.BEFORE_UPGRADE)


# Sentinel: "leave this field as it is" (None is a real value: clear it).
KEEP: Any = object()

# The answer hot path (issue 12): prepared statements, the same SQL text each time so
# sqlite3's statement cache keeps them compiled, all in one BEGIN IMMEDIATE ... COMMIT.
# sqlite-utils' insert/update look up sqlite_master and table_info on every call and
# wrap each in a savepoint; these do none of that. A rating is 6 statements: BEGIN,
# TOUCH, ANSWER_OLD, ANSWER_PUT, LOG, COMMIT (tests/test_store_hot_path.py counts them).
# Only a draft is touched; with a questionnaire id and version given, only while the
# assessment is still on that version (a NULL skips that check).
SQL_TOUCH = (
    "UPDATE assessments SET updated_at = ?, position = ? WHERE id = ? AND status = 'draft' "
    "AND questionnaire_id = coalesce(?, questionnaire_id) "
    "AND questionnaire_version = coalesce(?, questionnaire_version)"
)
SQL_POSITION = "UPDATE assessments SET position = ? WHERE id = ?"
SQL_ANSWER_OLD = (
    "SELECT rating, unrated, target, comment, evidence FROM answers "
    "WHERE assessment_id = ? AND item_id = ?"
)
SQL_ANSWER_PUT = (
    "INSERT INTO answers (assessment_id, item_id, rating, unrated, target, comment, "
    "evidence, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (assessment_id, item_id) DO UPDATE "
    "SET rating = excluded.rating, unrated = excluded.unrated, target = excluded.target, "
    "comment = excluded.comment, evidence = excluded.evidence, "
    "updated_at = excluded.updated_at"
)
SQL_LOG = (
    "INSERT INTO change_log (changed_at, changed_by, assessment_id, item_id, field, "
    "old_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)"
)
SQL_QUESTIONNAIRE_OF = (
    "SELECT questionnaire_id, questionnaire_version FROM assessments WHERE id = ?"
)
# rating, unrated, target, comment, evidence of an unstored answer
NO_ANSWER = (None, None, None, "", "")


class QuestionnaireChangedError(StoreError):
    """An answer was written expecting a questionnaire version the assessment is no
    longer on (another program replaced it meanwhile); nothing was written."""


class InvalidTextError(StoreError):
    """Text that breaks the rules of ics_assess.textrules (too long, or empty where a
    name is needed); the message says which field, how long it is and what is allowed."""


def _line(value: str, what: str, *, required: bool = False) -> str:
    """A one-line field, cleaned by the rules every way in and out shares."""
    try:
        return textrules.line(value, what, required=required)
    except textrules.TextRuleError as exc:
        raise InvalidTextError(str(exc)) from None


def _text(value: str, what: str, *, required: bool = False) -> str:
    """A multi-line field (comment, reasoning, description), cleaned by the same rules."""
    try:
        return textrules.text(value, what, required=required)
    except textrules.TextRuleError as exc:
        raise InvalidTextError(str(exc)) from None


def new_id() -> str:
    """A new random UUID as text."""
    import uuid  # here, as hashlib below: only writing needs them (issue 12)

    return str(uuid.uuid4())


def _partnership(row: dict) -> Partnership:
    return Partnership(row["id"], row["name"], row["ics_name"], row["created_at"])


def _organisation(row: dict) -> Organisation:
    return Organisation(
        row["id"],
        row["partnership_id"],
        row["name"],
        PartnerType(row["partner_type"]),
        row["created_at"],
    )


def _round(row: dict) -> Round:
    return Round(row["id"], row["partnership_id"], row["name"], row["opened_on"], row["created_at"])


def _assessment(row: dict) -> Assessment:
    return Assessment(
        id=row["id"],
        round_id=row["round_id"],
        organisation_id=row["organisation_id"],
        questionnaire_id=row["questionnaire_id"],
        questionnaire_version=row["questionnaire_version"],
        kind=AssessmentKind(row["kind"]),
        status=AssessmentStatus(row["status"]),
        respondent_name=row["respondent_name"],
        respondent_role=row["respondent_role"],
        workshop_id=row["workshop_id"],
        position=row["position"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        submitted_at=row["submitted_at"],
    )


def _answer(row: dict) -> Answer:
    return Answer(
        item_id=row["item_id"],
        rating=row["rating"],
        unrated=Unrated(row["unrated"]) if row["unrated"] else None,
        target=row["target"],
        comment=row["comment"],
        # A file read before evidence was kept (migration 0008) has no such column.
        evidence=row.get("evidence", ""),
        updated_at=row["updated_at"],
    )


def _workshop(row: dict) -> Workshop:
    return Workshop(
        row["id"],
        row["round_id"],
        row["questionnaire_id"],
        row["questionnaire_version"],
        row["title"],
        row["held_on"],
        row["facilitator"],
        row["created_at"],
    )


def _action(row: dict) -> Action:
    fields = {k: row[k] for k in Action.__dataclass_fields__ if k in row}
    fields["status"] = ActionStatus(row["status"])
    return Action(**fields)


def _rating_text(rating: int | None, unrated: str | None) -> str | None:
    return str(rating) if rating is not None else unrated


def sectors_text(sectors: Iterable[Sector | str]) -> str:
    """Sectors as stored: comma-separated values in declared order, each once."""
    given = {Sector(v) for v in sectors}
    return ",".join(v.value for v in Sector if v in given)


def checked_positions(positions: Sequence[Position]) -> list[tuple[int, str]]:
    """Positions of a room that did not agree, as stored rows (rating, sectors), by
    rating; ValueError with one sentence for the first that cannot be recorded."""
    rows: dict[int, str] = {}
    for position in positions:
        rating = position.rating
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
            raise ValueError(f"A position's rating must be 1 to 5, not {rating}.")
        try:
            sectors = sectors_text(position.sectors)
        except ValueError:
            known = ", ".join(v.value for v in Sector)
            raise ValueError(
                f"The position rated {rating} names a sector that does not exist "
                f"(the sectors are {known})."
            ) from None
        if not sectors:
            raise ValueError(f"The position rated {rating} needs at least one sector holding it.")
        if rating in rows:
            raise ValueError(
                f"Two positions rate it {rating}; record each rating once, with every "
                "sector holding it."
            )
        rows[rating] = sectors
    return sorted(rows.items())


class Store:
    """All records of one database file. Not thread-safe: one Store per thread."""

    def __init__(self, db: Database | ReadingDatabase, path: Path, changed_by: str = ""):
        self.db = db
        self.path = path
        self.changed_by = changed_by

    @classmethod
    def open(
        cls, path: Path | str, changed_by: str = "", *, create: bool = True, check: bool = True
    ) -> Store:
        """Open, upgrading as needed (and creating, unless ``create`` is False); raise
        StoreError with a sentence if the file cannot be used. ``check=False``: SQLite's
        quick check is left to the caller (database.connect says when it is not)."""
        path = Path(path)
        opened = connect(path, create=create, before_upgrade=_back_up_first, check=check)
        return cls(opened, path, changed_by)

    def close(self) -> None:
        """Close the connection; everything written is already committed."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self):
        """A write transaction for several writes that must land together."""
        return write_transaction(self.db)

    def backup_to(self, destination: Path) -> Path:
        """A consistent copy of the whole database, taken while it stays open."""
        return backup_database(self.db.conn, destination)

    # --- helpers ---------------------------------------------------------------------

    def _one(self, table: str, record_id: str, what: str) -> dict:
        rows = list(self.db.query(f"SELECT * FROM [{table}] WHERE id = ?", [record_id]))
        if not rows:
            raise RecordNotFoundError(f"There is no {what} with id {record_id}.")
        return rows[0]

    def _has_table(self, table: str) -> bool:
        """Whether the file has ``table``: one a later migration added (read-compatible:
        a file read without it has none of its rows)."""
        row = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
        ).fetchone()
        return row is not None

    def _log(
        self,
        assessment_id: str,
        field: str,
        old: str | None,
        new: str | None,
        item_id: str | None = None,
        at: str | None = None,
    ) -> None:
        self.db.conn.execute(
            SQL_LOG, (at or now(), self.changed_by, assessment_id, item_id, field, old, new)
        )

    # --- partnerships, organisations, rounds ----------------------------------------

    def add_partnership(
        self, name: str, ics_name: str = "", *, id: str | None = None
    ) -> Partnership:
        """Create a partnership."""
        row = {
            "id": id or new_id(),
            "name": _line(name, "partnership name", required=True),
            "ics_name": _line(ics_name, "ICS name"),
            "created_at": now(),
        }
        with self.transaction():
            self.db["partnerships"].insert(row)
        return _partnership(row)

    def partnerships(self) -> list[Partnership]:
        """Every partnership, by name."""
        rows = self.db.query("SELECT * FROM partnerships ORDER BY name COLLATE NOCASE")
        return [_partnership(r) for r in rows]

    def partnership(self, partnership_id: str) -> Partnership:
        """One partnership."""
        return _partnership(self._one("partnerships", partnership_id, "partnership"))

    def update_partnership(
        self, partnership_id: str, *, name: str = KEEP, ics_name: str = KEEP
    ) -> Partnership:
        """Rename a partnership or change its ICS name."""
        changes = {}
        if name is not KEEP:
            changes["name"] = _line(name, "partnership name", required=True)
        if ics_name is not KEEP:
            changes["ics_name"] = _line(ics_name, "ICS name")
        with self.transaction():
            self.partnership(partnership_id)
            if changes:
                self.db["partnerships"].update(partnership_id, changes)
        return self.partnership(partnership_id)

    def add_organisation(
        self,
        partnership_id: str,
        name: str,
        partner_type: PartnerType | str,
        *,
        id: str | None = None,
    ) -> Organisation:
        """Add a member organisation to a partnership."""
        row = {
            "id": id or new_id(),
            "partnership_id": partnership_id,
            "name": _line(name, "organisation name", required=True),
            "partner_type": PartnerType(partner_type).value,
            "created_at": now(),
        }
        with self.transaction():
            self.partnership(partnership_id)
            self.db["organisations"].insert(row)
        return _organisation(row)

    def organisations(self, partnership_id: str | None = None) -> list[Organisation]:
        """Organisations, of one partnership or all, by name."""
        where, params = (
            ("WHERE partnership_id = ?", [partnership_id]) if partnership_id else ("", [])
        )
        rows = self.db.query(
            f"SELECT * FROM organisations {where} ORDER BY name COLLATE NOCASE", params
        )
        return [_organisation(r) for r in rows]

    def organisation(self, organisation_id: str) -> Organisation:
        """One organisation."""
        return _organisation(self._one("organisations", organisation_id, "organisation"))

    def update_organisation(
        self, organisation_id: str, *, name: str = KEEP, partner_type: PartnerType | str = KEEP
    ) -> Organisation:
        """Rename an organisation or change its partner type."""
        changes: dict[str, str] = {}
        if name is not KEEP:
            changes["name"] = _line(name, "organisation name", required=True)
        if partner_type is not KEEP:
            changes["partner_type"] = PartnerType(partner_type).value
        with self.transaction():
            before = self.organisation(organisation_id)
            if changes:
                self.db["organisations"].update(organisation_id, changes)
            if changes.get("partner_type", before.partner_type.value) != before.partner_type:
                self.db.execute(
                    "INSERT INTO partner_type_changes "
                    "(organisation_id, changed_at, old_type, new_type) VALUES (?, ?, ?, ?)",
                    [
                        organisation_id,
                        self._change_stamp(organisation_id),
                        before.partner_type.value,
                        changes["partner_type"],
                    ],
                )
        return self.organisation(organisation_id)

    def _change_stamp(self, organisation_id: str) -> str:
        """The time of a partner type change: now, or a millisecond after the
        organisation's latest change when that is not earlier (two changes within one
        millisecond, or a clock set back), since the time is part of the change's key and
        orders the changes."""
        stamp = now()
        (latest,) = self.db.execute(
            "SELECT max(changed_at) FROM partner_type_changes WHERE organisation_id = ?",
            [organisation_id],
        ).fetchone()
        if latest is not None and latest >= stamp:
            later = datetime.fromisoformat(latest) + timedelta(milliseconds=1)
            stamp = later.isoformat(timespec="milliseconds")
        return stamp

    def partner_type_changes(self, organisation_ids: Iterable[str] | None = None) -> list[dict]:
        """Every change of partner type (organisation_id, changed_at, old_type, new_type),
        oldest first; none from a database read before the changes were kept."""
        if not self._has_table("partner_type_changes"):
            return []
        rows = self.db.query("SELECT * FROM partner_type_changes ORDER BY changed_at")
        wanted = None if organisation_ids is None else set(organisation_ids)
        return [r for r in rows if wanted is None or r["organisation_id"] in wanted]

    def add_round(
        self, partnership_id: str, name: str, opened_on: str = "", *, id: str | None = None
    ) -> Round:
        """Open an assessment round in a partnership."""
        row = {
            "id": id or new_id(),
            "partnership_id": partnership_id,
            "name": _line(name, "round name", required=True),
            "opened_on": _line(opened_on, "round's opening date"),
            "created_at": now(),
        }
        with self.transaction():
            self.partnership(partnership_id)
            self.db["rounds"].insert(row)
        return _round(row)

    def rounds(self, partnership_id: str | None = None) -> list[Round]:
        """Rounds, of one partnership or all, oldest first."""
        where, params = (
            ("WHERE partnership_id = ?", [partnership_id]) if partnership_id else ("", [])
        )
        rows = self.db.query(f"SELECT * FROM rounds {where} ORDER BY opened_on, created_at", params)
        return [_round(r) for r in rows]

    def round(self, round_id: str) -> Round:
        """One round."""
        return _round(self._one("rounds", round_id, "round"))

    def update_round(self, round_id: str, *, name: str = KEEP, opened_on: str = KEEP) -> Round:
        """Rename a round or change its date."""
        changes = {}
        if name is not KEEP:
            changes["name"] = _line(name, "round name", required=True)
        if opened_on is not KEEP:
            changes["opened_on"] = _line(opened_on, "round's opening date")
        with self.transaction():
            self.round(round_id)
            if changes:
                self.db["rounds"].update(round_id, changes)
        return self.round(round_id)

    # --- questionnaire versions -------------------------------------------------------

    def _questionnaire_row(self, questionnaire_id: str, version: str) -> dict | None:
        sql = "SELECT * FROM questionnaire_versions WHERE questionnaire_id = ? AND version = ?"
        rows = list(self.db.query(sql, [questionnaire_id, version]))
        return rows[0] if rows else None

    def store_questionnaire(
        self, questionnaire_id: str, version: str, title: str, item_count: int, source: str
    ) -> None:
        """Keep the exact text of a questionnaire version that answers are given on.

        Storing the same text again does nothing; different text under an id and version
        already stored is refused, because old answers were given on the stored text."""
        import hashlib

        digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
        with self.transaction():
            stored = self._questionnaire_row(questionnaire_id, version)
            if stored:
                if stored["sha256"] != digest:
                    raise ConflictError(
                        f"Questionnaire '{questionnaire_id}' version {version} has changed since "
                        "answers were given on it. Give the edited file a new version number."
                    )
                return
            self.db["questionnaire_versions"].insert(
                {
                    "questionnaire_id": questionnaire_id,
                    "version": version,
                    "title": title,
                    "item_count": item_count,
                    "source": source,
                    "sha256": digest,
                    "stored_at": now(),
                }
            )

    def questionnaire_source(self, questionnaire_id: str, version: str) -> str:
        """The stored text of a questionnaire version."""
        stored = self._questionnaire_row(questionnaire_id, version)
        if not stored:
            raise RecordNotFoundError(
                f"Questionnaire '{questionnaire_id}' version {version} is not stored."
            )
        return stored["source"]

    def stored_questionnaires(self) -> list[dict]:
        """Id, version, title and item count of every stored questionnaire version."""
        return list(
            self.db.query(
                "SELECT questionnaire_id, version, title, item_count, sha256"
                " FROM questionnaire_versions ORDER BY questionnaire_id, version"
            )
        )

    # --- assessments ------------------------------------------------------------------

    def create_assessment(
        self,
        *,
        round_id: str,
        organisation_id: str,
        questionnaire_id: str,
        questionnaire_version: str,
        kind: AssessmentKind | str,
        respondent_name: str | None = None,
        respondent_role: str = "",
        workshop_id: str | None = None,
        id: str | None = None,
    ) -> Assessment:
        """Start a draft assessment. The questionnaire version must already be stored."""
        stamp = now()
        name = _line(respondent_name or "", "respondent's name") or None
        row = {
            "id": id or new_id(),
            "round_id": round_id,
            "organisation_id": organisation_id,
            "questionnaire_id": questionnaire_id,
            "questionnaire_version": questionnaire_version,
            "kind": AssessmentKind(kind).value,
            "status": AssessmentStatus.DRAFT.value,
            "respondent_name": name,
            "respondent_role": _line(respondent_role, "respondent's role"),
            "workshop_id": workshop_id,
            "position": None,
            "created_at": stamp,
            "updated_at": stamp,
            "submitted_at": None,
        }
        with self.transaction():
            rnd = self.round(round_id)
            org = self.organisation(organisation_id)
            if rnd.partnership_id != org.partnership_id:
                raise ConflictError(
                    f"{org.name} is not a member of the partnership this round belongs to."
                )
            self.questionnaire_source(questionnaire_id, questionnaire_version)
            self.db["assessments"].insert(row)
            self._log(row["id"], "created", None, AssessmentStatus.DRAFT.value, at=stamp)
        return _assessment(row)

    def assessment(self, assessment_id: str) -> Assessment:
        """One assessment."""
        return _assessment(self._one("assessments", assessment_id, "assessment"))

    def assessments(self, ids: Iterable[str] | None = None) -> list[Assessment]:
        """Assessments by id (in the order asked), or all of them."""
        if ids is None:
            return [
                _assessment(r)
                for r in self.db.query("SELECT * FROM assessments ORDER BY created_at")
            ]
        return [self.assessment(i) for i in ids]

    def list_assessments(
        self,
        *,
        partnership_id: str | None = None,
        round_id: str | None = None,
        organisation_id: str | None = None,
        questionnaire_id: str | None = None,
        status: AssessmentStatus | str | None = None,
    ) -> list[AssessmentSummary]:
        """The assessment list with names and progress, newest change first, in one query."""
        conditions, params = [], []
        for column, value in (
            ("r.partnership_id", partnership_id),
            ("a.round_id", round_id),
            ("a.organisation_id", organisation_id),
            ("a.questionnaire_id", questionnaire_id),
            ("a.status", status and AssessmentStatus(status).value),
        ):
            if value:
                conditions.append(f"{column} = ?")
                params.append(value)
        where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
        sql = f"""
            SELECT a.*, p.id AS partnership_id, p.name AS partnership_name,
                   r.name AS round_name,
                   o.name AS organisation_name, o.partner_type AS partner_type,
                   q.title AS questionnaire_title, q.item_count AS total_items,
                   (SELECT count(*) FROM answers x WHERE x.assessment_id = a.id
                      AND (x.rating IS NOT NULL OR x.unrated IS NOT NULL)) AS answered
            FROM assessments a
            JOIN rounds r ON r.id = a.round_id
            JOIN partnerships p ON p.id = r.partnership_id
            JOIN organisations o ON o.id = a.organisation_id
            JOIN questionnaire_versions q
              ON q.questionnaire_id = a.questionnaire_id AND q.version = a.questionnaire_version
            {where}
            ORDER BY a.updated_at DESC, a.id
        """
        return [
            AssessmentSummary(
                assessment=_assessment(row),
                partnership_name=row["partnership_name"],
                round_name=row["round_name"],
                organisation_name=row["organisation_name"],
                partner_type=PartnerType(row["partner_type"]),
                questionnaire_title=row["questionnaire_title"],
                answered=row["answered"],
                total_items=row["total_items"],
                partnership_id=row["partnership_id"],
            )
            for row in self.db.query(sql, params)
        ]

    def _editable(self, assessment_id: str) -> Assessment:
        assessment = self.assessment(assessment_id)
        if assessment.status is AssessmentStatus.SUBMITTED:
            raise ReadOnlyError(
                "This assessment has been submitted; reopen it to change its answers."
            )
        return assessment

    def update_assessment(
        self,
        assessment_id: str,
        *,
        respondent_name: str | None = KEEP,
        respondent_role: str = KEEP,
        workshop_id: str | None = KEEP,
    ) -> Assessment:
        """Change who answered, their role, or the workshop an assessment belongs to."""
        changes: dict[str, Any] = {}
        if respondent_name is not KEEP:
            changes["respondent_name"] = _line(respondent_name or "", "respondent's name") or None
        if respondent_role is not KEEP:
            changes["respondent_role"] = _line(respondent_role, "respondent's role")
        if workshop_id is not KEEP:
            changes["workshop_id"] = workshop_id
        with self.transaction():
            self.assessment(assessment_id)
            if changes:
                changes["updated_at"] = now()
                self.db["assessments"].update(assessment_id, changes)
        return self.assessment(assessment_id)

    def set_position(self, assessment_id: str, item_id: str | None) -> None:
        """Remember the statement a respondent is on, to resume there (one prepared
        UPDATE in its own transaction)."""
        with self.transaction():
            if self.db.conn.execute(SQL_POSITION, (item_id, assessment_id)).rowcount != 1:
                raise RecordNotFoundError(f"There is no assessment with id {assessment_id}.")

    def submit(self, assessment_id: str) -> Assessment:
        """Mark a draft as submitted (read-only)."""
        return self._set_status(assessment_id, AssessmentStatus.SUBMITTED)

    def reopen(self, assessment_id: str) -> Assessment:
        """Make a submitted assessment a draft again; the change is logged."""
        return self._set_status(assessment_id, AssessmentStatus.DRAFT)

    def _set_status(self, assessment_id: str, status: AssessmentStatus) -> Assessment:
        stamp = now()
        with self.transaction():
            old = self.assessment(assessment_id)
            if old.status is status:
                return old
            submitted_at = stamp if status is AssessmentStatus.SUBMITTED else old.submitted_at
            self.db["assessments"].update(
                assessment_id,
                {"status": status.value, "updated_at": stamp, "submitted_at": submitted_at},
            )
            self._log(assessment_id, "status", old.status.value, status.value, at=stamp)
        return self.assessment(assessment_id)

    def delete_assessment(self, assessment_id: str) -> DeletedAssessment:
        """Delete an assessment and its answers; return what is needed to restore it.
        The change log keeps the record of the deletion."""
        with self.transaction():
            row = self._one("assessments", assessment_id, "assessment")
            answers = list(
                self.db.query("SELECT * FROM answers WHERE assessment_id = ?", [assessment_id])
            )
            self.db.execute("DELETE FROM assessments WHERE id = ?", [assessment_id])
            self._log(assessment_id, "deleted", row["status"], None)
        return DeletedAssessment(row, answers)

    def restore_assessment(self, deleted: DeletedAssessment) -> Assessment:
        """Put back an assessment deleted earlier, exactly as it was."""
        with self.transaction():
            self.db["assessments"].insert(deleted.row)
            if deleted.answers:
                self.db["answers"].insert_all(deleted.answers)
            self._log(deleted.row["id"], "restored", None, deleted.row["status"])
        return self.assessment(deleted.row["id"])

    # --- answers ----------------------------------------------------------------------

    def answers(self, assessment_id: str) -> dict[str, Answer]:
        """Every stored answer of an assessment, by item id."""
        rows = self.db.query("SELECT * FROM answers WHERE assessment_id = ?", [assessment_id])
        return {row["item_id"]: _answer(row) for row in rows}

    def answers_for(self, assessment_ids: Iterable[str]) -> dict[str, dict[str, Answer]]:
        """Answers of many assessments in one query: assessment id -> item id -> answer."""
        ids = list(assessment_ids)
        result: dict[str, dict[str, Answer]] = {i: {} for i in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.query(
                f"SELECT * FROM answers WHERE assessment_id IN ({marks})", chunk
            ):
                result[row["assessment_id"]][row["item_id"]] = _answer(row)
        return result

    def questionnaire_key(self, assessment_id: str) -> tuple[str, str]:
        """The questionnaire id and version an assessment is answered on, in one prepared
        query (RecordNotFoundError if there is no such assessment)."""
        row = self.db.conn.execute(SQL_QUESTIONNAIRE_OF, (assessment_id,)).fetchone()
        if row is None:
            raise RecordNotFoundError(f"There is no assessment with id {assessment_id}.")
        return row

    def _write_answer(
        self,
        assessment_id: str,
        item_id: str,
        changes: dict[str, Any],
        position: str | None = None,
        questionnaire: tuple[str, str] | None = None,
    ) -> Answer:
        """Write one answer's changes, its change-log entries, and the assessment's
        updated_at and position (``position``, else the statement written) in one
        transaction of prepared statements; return the answer as stored. With
        ``questionnaire`` (id, version), nothing is written unless the assessment is
        still on that version (QuestionnaireChangedError)."""
        stamp = now()
        conn = self.db.conn
        qid, version = questionnaire or (None, None)
        with self.transaction():
            touch = (stamp, position or item_id, assessment_id, qid, version)
            if conn.execute(SQL_TOUCH, touch).rowcount != 1:
                self._editable(assessment_id)  # says why: no such assessment, or submitted
                raise QuestionnaireChangedError(
                    "This assessment is now on another version of its questionnaire."
                )
            old = conn.execute(SQL_ANSWER_OLD, (assessment_id, item_id)).fetchone() or NO_ANSWER
            rating, unrated, target, comment, evidence = old
            rating = changes.get("rating", rating)
            unrated = changes.get("unrated", unrated)
            target = changes.get("target", target)
            comment = changes.get("comment", comment)
            evidence = changes.get("evidence", evidence)
            conn.execute(
                SQL_ANSWER_PUT,
                (assessment_id, item_id, rating, unrated, target, comment, evidence, stamp),
            )
            if "rating" in changes or "unrated" in changes:
                before = _rating_text(old[0], old[1])
                after = _rating_text(rating, unrated)
                if before != after:
                    self._log(assessment_id, "rating", before, after, item_id, stamp)
            if "target" in changes and old[2] != target:
                before_t = None if old[2] is None else str(old[2])
                after_t = None if target is None else str(target)
                self._log(assessment_id, "target", before_t, after_t, item_id, stamp)
            if "comment" in changes and old[3] != comment:
                self._log(assessment_id, "comment", old[3], comment, item_id, stamp)
            if "evidence" in changes and old[4] != evidence:
                self._log(assessment_id, "evidence", old[4], evidence, item_id, stamp)
        return Answer(
            item_id=item_id,
            rating=rating,
            unrated=Unrated(unrated) if unrated else None,
            target=target,
            comment=comment,
            evidence=evidence,
            updated_at=stamp,
        )

    def set_rating(
        self,
        assessment_id: str,
        item_id: str,
        value: int | Unrated | str | None,
        *,
        position: str | None = None,
        questionnaire: tuple[str, str] | None = None,
    ) -> Answer:
        """Record a rating (1-5), don't know / not applicable, or None to clear it. The
        assessment's position moves to ``position`` (the statement to resume at: the
        next one, when the respondent moves on) or else to this statement, in the same
        commit. ``questionnaire`` (id, version): write only while the assessment is on
        it, else QuestionnaireChangedError and nothing written."""
        if value is None:
            changes = {"rating": None, "unrated": None}
        elif isinstance(value, int) and not isinstance(value, bool):
            if not 1 <= value <= 5:
                raise ValueError(f"A rating must be 1 to 5, not {value}.")
            changes = {"rating": value, "unrated": None}
        else:
            changes = {"rating": None, "unrated": Unrated(value).value}
        return self._write_answer(assessment_id, item_id, changes, position, questionnaire)

    def set_target(
        self,
        assessment_id: str,
        item_id: str,
        target: int | None,
        *,
        questionnaire: tuple[str, str] | None = None,
    ) -> Answer:
        """Record the 'where we want to be' rating (1-5), or None to clear it."""
        if target is not None and (isinstance(target, bool) or not 1 <= target <= 5):
            raise ValueError(f"A target must be 1 to 5, not {target}.")
        changes = {"target": target}
        return self._write_answer(assessment_id, item_id, changes, None, questionnaire)

    def set_comment(
        self,
        assessment_id: str,
        item_id: str,
        comment: str,
        *,
        questionnaire: tuple[str, str] | None = None,
    ) -> Answer:
        """Record the evidence / comment text of an answer (checked by textrules)."""
        changes = {"comment": _text(comment, "comment")}
        return self._write_answer(assessment_id, item_id, changes, None, questionnaire)

    def set_evidence(
        self,
        assessment_id: str,
        item_id: str,
        evidence: str,
        *,
        questionnaire: tuple[str, str] | None = None,
    ) -> Answer:
        """Record where the evidence for an answer is (a document, a link, a minute; one
        per line), checked by textrules like a comment."""
        changes = {"evidence": _text(evidence, "evidence reference")}
        return self._write_answer(assessment_id, item_id, changes, None, questionnaire)

    def change_log(self, assessment_id: str) -> list[dict]:
        """The recorded changes of an assessment, oldest first."""
        return list(
            self.db.query(
                "SELECT * FROM change_log WHERE assessment_id = ? ORDER BY seq", [assessment_id]
            )
        )

    # --- workshops --------------------------------------------------------------------

    def add_workshop(
        self,
        *,
        round_id: str,
        questionnaire_id: str,
        questionnaire_version: str,
        title: str,
        held_on: str = "",
        facilitator: str = "",
        id: str | None = None,
    ) -> Workshop:
        """Record a facilitated workshop in a round."""
        row = {
            "id": id or new_id(),
            "round_id": round_id,
            "questionnaire_id": questionnaire_id,
            "questionnaire_version": questionnaire_version,
            "title": _line(title, "workshop title", required=True),
            "held_on": _line(held_on, "workshop's date"),
            "facilitator": _line(facilitator, "facilitator's name"),
            "created_at": now(),
        }
        with self.transaction():
            self.round(round_id)
            self.questionnaire_source(questionnaire_id, questionnaire_version)
            self.db["workshops"].insert(row)
        return _workshop(row)

    def workshops(self, round_id: str | None = None) -> list[Workshop]:
        """Workshops, of one round or all, by date."""
        where, params = ("WHERE round_id = ?", [round_id]) if round_id else ("", [])
        rows = self.db.query(
            f"SELECT * FROM workshops {where} ORDER BY held_on, created_at", params
        )
        return [_workshop(r) for r in rows]

    def workshop(self, workshop_id: str) -> Workshop:
        """One workshop."""
        return _workshop(self._one("workshops", workshop_id, "workshop"))

    def workshop_participants(self, workshop_id: str) -> list[Assessment]:
        """The assessments given in a workshop."""
        rows = self.db.query(
            "SELECT * FROM assessments WHERE workshop_id = ? ORDER BY created_at", [workshop_id]
        )
        return [_assessment(r) for r in rows]

    def set_agreed(
        self,
        workshop_id: str,
        item_id: str,
        value: int | Unrated | str | None,
        *,
        target: int | None = None,
        reasoning: str = KEEP,
    ) -> AgreedScore:
        """Record the rating a workshop agreed for an item (1-5, don't know or not
        applicable), and why. Replaces a 'not agreed' outcome and its positions; the
        reasoning already recorded is kept unless ``reasoning`` is given."""
        rating = value if isinstance(value, int) and not isinstance(value, bool) else None
        unrated = Unrated(value).value if value is not None and rating is None else None
        if rating is not None and not 1 <= rating <= 5:
            raise ValueError(f"A rating must be 1 to 5, not {rating}.")
        if target is not None and (isinstance(target, bool) or not 1 <= target <= 5):
            raise ValueError(f"A target must be 1 to 5, not {target}.")
        changes = {"outcome": AgreementOutcome.AGREED.value, "rating": rating}
        changes |= {"unrated": unrated, "target": target}
        return self._write_outcome(workshop_id, item_id, changes, reasoning, positions=[])

    def set_not_agreed(
        self,
        workshop_id: str,
        item_id: str,
        positions: Sequence[Position],
        *,
        reasoning: str = KEEP,
    ) -> AgreedScore:
        """Record that the room did not agree on an item, with each position held (a
        rating and the sectors holding it) and why. The positions replace any recorded
        before; none at all may be given (the positions can follow). ValueError, with a
        sentence, for a rating outside 1-5, a position without a sector or two positions
        with one rating. The reasoning already recorded is kept unless given."""
        rows = checked_positions(positions)
        changes = {"outcome": AgreementOutcome.NOT_AGREED.value, "rating": None, "unrated": None}
        return self._write_outcome(workshop_id, item_id, changes, reasoning, positions=rows)

    def _write_outcome(
        self,
        workshop_id: str,
        item_id: str,
        changes: dict[str, Any],
        reasoning: str,
        *,
        positions: list[tuple[int, str]],
    ) -> AgreedScore:
        stamp = now()
        with self.transaction():
            self.workshop(workshop_id)
            old = list(
                self.db.query(
                    "SELECT reasoning, target FROM agreed_scores"
                    " WHERE workshop_id = ? AND item_id = ?",
                    [workshop_id, item_id],
                )
            )
            row = {
                "workshop_id": workshop_id,
                "item_id": item_id,
                "target": old[0]["target"] if old else None,
                "reasoning": old[0]["reasoning"] if old else "",
                **changes,
                "updated_at": stamp,
            }
            if reasoning is not KEEP:
                row["reasoning"] = _text(reasoning, "reasoning")
            self.db["agreed_scores"].upsert(row, pk=("workshop_id", "item_id"))
            self.db.execute(
                "DELETE FROM workshop_positions WHERE workshop_id = ? AND item_id = ?",
                [workshop_id, item_id],
            )
            for rating, sectors in positions:
                self.db["workshop_positions"].insert(
                    {
                        "workshop_id": workshop_id,
                        "item_id": item_id,
                        "rating": rating,
                        "sectors": sectors,
                        "updated_at": stamp,
                    }
                )
        return self.agreed_scores(workshop_id)[item_id]

    def set_agreed_reasoning(self, workshop_id: str, item_id: str, reasoning: str) -> AgreedScore:
        """Change only the reasoning of an outcome already recorded (RecordNotFoundError
        when none is)."""
        text = _text(reasoning, "reasoning")
        with self.transaction():
            self.workshop(workshop_id)
            if item_id not in self.agreed_scores(workshop_id):
                raise RecordNotFoundError(
                    "No outcome is recorded for this statement yet; record it as agreed or "
                    "not agreed first."
                )
            self.db["agreed_scores"].update(
                (workshop_id, item_id), {"reasoning": text, "updated_at": now()}
            )
        return self.agreed_scores(workshop_id)[item_id]

    def clear_agreed(self, workshop_id: str, item_id: str) -> None:
        """Forget a workshop's outcome for an item (rating or positions, and reasoning)."""
        with self.transaction():
            self.workshop(workshop_id)
            for table in ("agreed_scores", "workshop_positions"):
                self.db.execute(
                    f"DELETE FROM {table} WHERE workshop_id = ? AND item_id = ?",
                    [workshop_id, item_id],
                )

    def agreed_scores(self, workshop_id: str) -> dict[str, AgreedScore]:
        """A workshop's outcomes, by item id: agreed ratings, and 'not agreed' with the
        positions held (by rating)."""
        positions: dict[str, list[Position]] = {}
        for r in self.db.query(
            "SELECT item_id, rating, sectors FROM workshop_positions WHERE workshop_id = ?"
            " ORDER BY item_id, rating",
            [workshop_id],
        ):
            positions.setdefault(r["item_id"], []).append(
                Position(r["rating"], tuple(Sector(v) for v in r["sectors"].split(",") if v))
            )
        rows = self.db.query(
            "SELECT * FROM agreed_scores WHERE workshop_id = ? ORDER BY item_id", [workshop_id]
        )
        return {
            r["item_id"]: AgreedScore(
                r["workshop_id"],
                r["item_id"],
                r["rating"],
                Unrated(r["unrated"]) if r["unrated"] else None,
                r["target"],
                r["reasoning"],
                r["updated_at"],
                AgreementOutcome(r["outcome"]),
                tuple(positions.get(r["item_id"], ())),
            )
            for r in rows
        }

    # --- actions ----------------------------------------------------------------------

    def add_action(
        self,
        *,
        partnership_id: str,
        round_id: str,
        description: str,
        owner: str = "",
        due_on: str = "",
        status: ActionStatus | str = ActionStatus.OPEN,
        organisation_id: str | None = None,
        workshop_id: str | None = None,
        questionnaire_id: str | None = None,
        section_id: str | None = None,
        item_id: str | None = None,
        id: str | None = None,
        carried_from: str | None = None,
    ) -> Action:
        """Record an improvement action (its creation is the first entry of its history)."""
        stamp = now()
        row = {
            "id": id or new_id(),
            "partnership_id": partnership_id,
            "round_id": round_id,
            "organisation_id": organisation_id,
            "workshop_id": workshop_id,
            "questionnaire_id": questionnaire_id,
            "section_id": section_id,
            "item_id": item_id,
            "description": _text(description, "action's description", required=True).strip(),
            "owner": _line(owner, "action's owner"),
            "due_on": _line(due_on, "action's due date"),
            "status": ActionStatus(status).value,
            "created_at": stamp,
            "updated_at": stamp,
        }
        if carried_from is not None:
            row["carried_from"] = carried_from
        with self.transaction():
            if self.round(round_id).partnership_id != partnership_id:
                raise ConflictError("That round belongs to another partnership.")
            self.db["actions"].insert(row)
            self._action_changed(row["id"], stamp, "created", None, row["status"])
        return _action(row)

    def _action_changed(
        self, action_id: str, stamp: str, field: str, old: str | None, new: str | None
    ) -> None:
        """Append one entry to an action's history (inside the caller's transaction);
        nothing in a database read before the history was kept."""
        if self._has_table("action_history"):
            self.db.execute(
                "INSERT INTO action_history (action_id, changed_at, field, old_value, "
                "new_value) VALUES (?, ?, ?, ?, ?)",
                [action_id, stamp, field, old, new],
            )

    def action(self, action_id: str) -> Action:
        """One action (RecordNotFoundError if there is none)."""
        return _action(self._one("actions", action_id, "action"))

    def action_history(self, action_ids: Iterable[str]) -> list[dict]:
        """The history of the actions given (action_id, changed_at, field, old_value,
        new_value), oldest first; none from a database read before it was kept."""
        ids = list(dict.fromkeys(action_ids))
        if not ids or not self._has_table("action_history"):
            return []
        marks = ", ".join("?" * len(ids))
        return list(
            self.db.query(
                "SELECT action_id, changed_at, field, old_value, new_value FROM "
                f"action_history WHERE action_id IN ({marks}) ORDER BY changed_at, seq",
                ids,
            )
        )

    def carry_actions(self, from_round_id: str, to_round_id: str) -> list[Action]:
        """Copy each open or in-progress action of one round into a later round of the
        same partnership, with ``carried_from`` naming the original, in one transaction;
        an action already carried into that round is not copied again. The copies keep
        the original's ties (organisation, questionnaire, section, statement) but not its
        workshop, which belongs to the earlier round. Returns the copies made."""
        made: list[Action] = []
        with self.transaction():
            source, target = self.round(from_round_id), self.round(to_round_id)
            if source.partnership_id != target.partnership_id:
                raise ConflictError("Those rounds belong to different partnerships.")
            if source.id == target.id:
                raise ConflictError("Actions are carried to another round, not the same one.")
            carried = {
                r["carried_from"]
                for r in self.db.query(
                    "SELECT carried_from FROM actions WHERE round_id = ? "
                    "AND carried_from IS NOT NULL",
                    [target.id],
                )
            }
            rows = self.db.query(
                "SELECT * FROM actions WHERE round_id = ? AND status IN ('open','in_progress') "
                "ORDER BY created_at, id",
                [source.id],
            )
            for row in list(rows):
                if row["id"] in carried:
                    continue
                stamp = now()
                copy = {
                    **row,
                    "id": new_id(),
                    "round_id": target.id,
                    "workshop_id": None,
                    "carried_from": row["id"],
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                self.db["actions"].insert(copy)
                self._action_changed(copy["id"], stamp, "carried", source.name, target.name)
                made.append(_action(copy))
        return made

    def actions(
        self,
        *,
        partnership_id: str | None = None,
        round_id: str | None = None,
        organisation_id: str | None = None,
        workshop_id: str | None = None,
    ) -> list[Action]:
        """Actions matching every filter given, by due date."""
        conditions, params = [], []
        for column, value in (
            ("partnership_id", partnership_id),
            ("round_id", round_id),
            ("organisation_id", organisation_id),
            ("workshop_id", workshop_id),
        ):
            if value:
                conditions.append(f"{column} = ?")
                params.append(value)
        where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
        rows = self.db.query(
            f"SELECT * FROM actions {where} ORDER BY due_on = '', due_on, created_at", params
        )
        return [_action(r) for r in rows]

    def update_action(self, action_id: str, **changes: Any) -> Action:
        """Change an action's description, owner, due date or status; each field that
        changes is appended to its history (nothing is written when nothing changes)."""
        allowed = {"description", "owner", "due_on", "status"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"Actions have no field {', '.join(sorted(unknown))}.")
        if "status" in changes:
            changes["status"] = ActionStatus(changes["status"]).value
        if "description" in changes:
            changes["description"] = _text(
                changes["description"], "action's description", required=True
            ).strip()
        if "owner" in changes:
            changes["owner"] = _line(changes["owner"], "action's owner")
        if "due_on" in changes:
            changes["due_on"] = _line(changes["due_on"], "action's due date")
        with self.transaction():
            before = self._one("actions", action_id, "action")
            changed = {k: v for k, v in changes.items() if before[k] != v}
            if changed:
                stamp = now()
                self.db["actions"].update(action_id, {**changed, "updated_at": stamp})
                for field in ("status", "owner", "due_on", "description"):
                    if field in changed:
                        self._action_changed(action_id, stamp, field, before[field], changed[field])
        return _action(self._one("actions", action_id, "action"))

    # --- checks -----------------------------------------------------------------------

    # --- the partnership profile (issue 11) --------------------------------------------

    def set_profile_value(
        self, round_id: str, fact_id: str, value: float, source: str = "", as_of: str = ""
    ) -> dict:
        """Record (or replace) a fact's value in a round, with its source and date."""
        with self.transaction():
            rnd = self.round(round_id)
            row = {
                "partnership_id": rnd.partnership_id,
                "round_id": rnd.id,
                "fact_id": fact_id,
                "value": float(value),
                "source": _line(source, "value's source").strip(),
                "as_of": _line(as_of, "value's date").strip(),
                "updated_at": now(),
            }
            self.db["profile_values"].upsert(row, pk=("partnership_id", "round_id", "fact_id"))
        return row

    def clear_profile_value(self, round_id: str, fact_id: str) -> None:
        """Remove a fact's value in a round (nothing when it has none)."""
        with self.transaction():
            self.db.execute(
                "DELETE FROM profile_values WHERE round_id = ? AND fact_id = ?",
                [round_id, fact_id],
            )

    def profile_values(self, round_ids: Iterable[str]) -> list[dict]:
        """The profile values of the rounds given (partnership_id, round_id, fact_id,
        value, source, as_of, updated_at); none from a database read before they were
        kept."""
        ids = list(dict.fromkeys(round_ids))
        if not ids or not self._has_table("profile_values"):
            return []
        marks = ", ".join("?" * len(ids))
        return list(
            self.db.query(
                f"SELECT * FROM profile_values WHERE round_id IN ({marks}) ORDER BY fact_id",
                ids,
            )
        )

    # --- concerns raised (issue 11) ------------------------------------------------------

    def add_concern(
        self,
        *,
        round_id: str,
        questionnaire_id: str,
        section_id: str | None = None,
        item_id: str | None = None,
        organisation_id: str | None = None,
        note: str = "",
    ) -> Concern:
        """Record a section or statement as a concern raised in a round."""
        row = {
            "id": new_id(),
            "round_id": round_id,
            "organisation_id": organisation_id or None,
            "questionnaire_id": questionnaire_id,
            "section_id": section_id or None,
            "item_id": item_id or None,
            "note": _text(note, "concern's note").strip(),
            "created_at": now(),
        }
        with self.transaction():
            row["partnership_id"] = self.round(round_id).partnership_id
            self.db["concerns"].insert(row)
        return Concern(**row)

    def concerns(self, partnership_id: str) -> list[Concern]:
        """A partnership's concerns, oldest first; none from a database read before
        they were kept."""
        if not self._has_table("concerns"):
            return []
        rows = self.db.query(
            "SELECT * FROM concerns WHERE partnership_id = ? ORDER BY created_at, rowid",
            [partnership_id],
        )
        return [Concern(**row) for row in rows]

    def concern(self, concern_id: str) -> Concern:
        """One concern (RecordNotFoundError if there is none)."""
        if not self._has_table("concerns"):
            raise RecordNotFoundError(f"There is no concern with the id '{concern_id}'.")
        return Concern(**self._one("concerns", concern_id, "concern"))

    def delete_concern(self, concern_id: str) -> None:
        """Remove a concern (RecordNotFoundError if there is none)."""
        with self.transaction():
            self.concern(concern_id)
            self.db.execute("DELETE FROM concerns WHERE id = ?", [concern_id])

    def integrity_problems(self) -> list[str]:
        """What SQLite's full integrity and foreign-key checks find (empty when sound)."""
        problems = [r["integrity_check"] for r in self.db.query("PRAGMA integrity_check")]
        problems = [p for p in problems if p != "ok"]
        for row in self.db.query("PRAGMA foreign_key_check"):
            problems.append(
                f"a row of {row['table']} (rowid {row['rowid']}) points to a missing "
                f"{row['parent']} record"
            )
        return problems

    def counts(self) -> dict[str, int]:
        """How many records each table holds."""
        tables = [
            "partnerships",
            "organisations",
            "rounds",
            "questionnaire_versions",
            "assessments",
            "answers",
            "workshops",
            "agreed_scores",
            "actions",
            "change_log",
        ]
        return {t: self.db.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in tables}

    # --- bulk writes for imports, and the window's short busy wait (issue 8) ----------
    #
    # Imports build every row in memory first (checked by textrules and the exchange
    # validators), then write them here in one short BEGIN IMMEDIATE transaction, so the
    # write lock is held for the inserts alone, not for the checking and mapping.

    BULK_TABLES = (
        "partnerships",
        "organisations",
        "rounds",
        "questionnaire_versions",
        "workshops",
        "agreed_scores",
        "workshop_positions",
        "assessments",
        "answers",
        "actions",
        "change_log",
    )

    def insert_many(self, table: str, rows: list[dict]) -> int:
        """Insert prepared rows (every row with the same keys, each a column of
        ``table``) with one prepared INSERT run by ``executemany``; return how many.
        Must be called inside ``transaction()``, so that all of an import lands or none
        of it. The rows' text must already have passed ics_assess.textrules."""
        if not rows:
            return 0
        if table not in self.BULK_TABLES:
            raise ValueError(f"insert_many does not write to {table!r}.")
        if not self.db.conn.in_transaction:
            raise RuntimeError("insert_many must run inside Store.transaction().")
        columns = list(rows[0])
        known = {c.name for c in self.db[table].columns}
        unknown = [c for c in columns if c not in known]
        if unknown:
            raise ValueError(f"{table} has no column {', '.join(map(repr, unknown))}.")
        names = ", ".join(f"[{c}]" for c in columns)
        marks = ", ".join("?" * len(columns))
        sql = f"INSERT INTO [{table}] ({names}) VALUES ({marks})"
        self.db.conn.executemany(sql, ([row[c] for c in columns] for row in rows))
        return len(rows)

    def write_version(self) -> tuple[int, int]:
        """A token that changes whenever anything is committed to the file, by this
        connection (its total changes) or any other (SQLite's ``data_version``): equal
        tokens mean nothing was written in between, so a plan read then still holds."""
        version = self.db.conn.execute("PRAGMA data_version").fetchone()[0]
        return (version, self.db.conn.total_changes)

    def waiting_at_most(self, milliseconds: int):
        """A context in which a write waits at most ``milliseconds`` for another
        program's write lock (instead of the usual BUSY_TIMEOUT_MS) before failing with
        a WriteError ("another program is using the database"). For the window's
        autosave, which keeps what it could not write and tries again, so the window
        never freezes for seconds; durability (synchronous=FULL) is unchanged."""
        import contextlib

        from .database import BUSY_TIMEOUT_MS

        @contextlib.contextmanager
        def waiting():
            conn = self.db.conn
            conn.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")
            try:
                yield self
            finally:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

        return waiting()


__all__ = [
    "KEEP",
    "DeletedAssessment",
    "QuestionnaireChangedError",
    "Store",
    "StoreError",
    "new_id",
]
