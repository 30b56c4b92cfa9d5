"""The database schema, as named migrations applied in order.

Each migration runs in its own transaction (sqlite-utils records it in
``_sqlite_migrations``). Never edit a migration that has shipped: add a new one.
Tables are STRICT so that SQLite refuses a wrong type instead of coercing it, and
CHECK constraints keep values the domain does not know out of the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlite_utils import Database

MIGRATION_SET = "ics_assess"
# Written to PRAGMA application_id so that another program's SQLite file is recognised.
APPLICATION_ID = 0x49435341  # "ICSA"


@dataclass
class _Migration:
    """One registered migration, as sqlite-utils' Migrations keeps it."""

    name: str
    fn: Callable[..., Any]
    transactional: bool = True


class _Migrations:
    """sqlite-utils' ``Migrations``, registered here and handed to sqlite-utils only to be
    applied. Reading a file needs only the migrations' names (``known_migration_names``),
    and importing sqlite-utils costs a reading command more than Python's own start-up
    (issue 12), so the registry does not import it. ``_migrations`` is sqlite-utils' own
    list of them, shared with the Migrations made for each ``apply`` or ``pending``."""

    def __init__(self, name: str):
        self.name = name
        self._migrations: list[_Migration] = []

    def __call__(self, *, name: str | None = None, transactional: bool = True):
        def inner(fn):
            migration_name = name or fn.__name__
            if any(m.name == migration_name for m in self._migrations):
                raise ValueError(
                    f"Migration '{migration_name}' is already registered in set '{self.name}'"
                )
            self._migrations.append(_Migration(migration_name, fn, transactional))
            return fn

        return inner

    def names(self) -> list[str]:
        return [m.name for m in self._migrations]

    def _sqlite_utils(self):
        from sqlite_utils.migrations import Migrations

        made = Migrations(self.name)
        made._migrations = self._migrations
        return made

    def apply(self, db: Database, **kw: Any) -> None:
        self._sqlite_utils().apply(db, **kw)

    def pending(self, db: Database) -> list:
        return self._sqlite_utils().pending(db)

    def applied(self, db: Database) -> list:
        return self._sqlite_utils().applied(db)


migrations = _Migrations(MIGRATION_SET)

# Migrations that a file can lack and still be read, read-only, by this version: ones
# that only add what the reading code does not need (an index, a table read with a
# fallback). A file lacking any other must be opened once with write access, which
# upgrades it (after a backup). Name each migration here when it is added, if it is one.
READ_COMPATIBLE_MIGRATIONS: frozenset[str] = frozenset(
    # Each only adds a table that readers treat as empty when it is missing, or (0004)
    # a nullable column that readers treat as null when it is missing.
    {"0003_partner_type_changes", "0004_action_history", "0005_profile", "0006_concerns"}
    # (0007) only widens a CHECK: a file without it holds no value this version would not
    # read, since only a file that has it can hold a care provider.
    | {"0007_care_provider"}
    # (0008) adds a column that readers treat as empty when it is missing, and rebuilds
    # the change log with one more field allowed, which a reader never checks.
    | {"0008_answer_evidence"}
)

# The partner types of version 1 (migrations 0001 and 0003, which never change), and the
# partner types since 0007, which added care providers.
_PARTNER_TYPES = (
    "'icb','nhs_trust','primary_care','upper_tier_council','district_council',"
    "'public_health','vcse','healthwatch','other'"
)
_PARTNER_TYPES_0007 = _PARTNER_TYPES + ",'care_provider'"


@migrations(name="0001_initial")
def initial(db: Database) -> None:
    """Every table of version 1."""
    db.executescript(
        f"""
        CREATE TABLE partnerships (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            ics_name TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        ) STRICT;

        CREATE TABLE organisations (
            id TEXT PRIMARY KEY,
            partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            partner_type TEXT NOT NULL CHECK (partner_type IN ({_PARTNER_TYPES})),
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX organisations_partnership ON organisations(partnership_id);

        CREATE TABLE rounds (
            id TEXT PRIMARY KEY,
            partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            opened_on TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX rounds_partnership ON rounds(partnership_id);

        -- The exact text of every questionnaire version that answers were given on,
        -- so that editing or removing a file in forms/ never orphans old answers.
        CREATE TABLE questionnaire_versions (
            questionnaire_id TEXT NOT NULL,
            version TEXT NOT NULL,
            title TEXT NOT NULL,
            item_count INTEGER NOT NULL CHECK (item_count > 0),
            source TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            stored_at TEXT NOT NULL,
            PRIMARY KEY (questionnaire_id, version)
        ) STRICT;

        CREATE TABLE workshops (
            id TEXT PRIMARY KEY,
            round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
            questionnaire_id TEXT NOT NULL,
            questionnaire_version TEXT NOT NULL,
            title TEXT NOT NULL CHECK (length(trim(title)) > 0),
            held_on TEXT NOT NULL DEFAULT '',
            facilitator TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            FOREIGN KEY (questionnaire_id, questionnaire_version)
                REFERENCES questionnaire_versions(questionnaire_id, version)
        ) STRICT;
        CREATE INDEX workshops_round ON workshops(round_id);

        CREATE TABLE assessments (
            id TEXT PRIMARY KEY,
            round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
            organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            questionnaire_id TEXT NOT NULL,
            questionnaire_version TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('organisation','individual')),
            status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','submitted')),
            respondent_name TEXT,
            respondent_role TEXT NOT NULL DEFAULT '',
            workshop_id TEXT REFERENCES workshops(id) ON DELETE SET NULL,
            position TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            submitted_at TEXT,
            FOREIGN KEY (questionnaire_id, questionnaire_version)
                REFERENCES questionnaire_versions(questionnaire_id, version)
        ) STRICT;
        CREATE INDEX assessments_round ON assessments(round_id);
        CREATE INDEX assessments_organisation ON assessments(organisation_id);
        CREATE INDEX assessments_workshop ON assessments(workshop_id);

        CREATE TABLE answers (
            assessment_id TEXT NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            rating INTEGER CHECK (rating BETWEEN 1 AND 5),
            unrated TEXT CHECK (unrated IN ('dont_know','not_applicable')),
            target INTEGER CHECK (target BETWEEN 1 AND 5),
            comment TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (assessment_id, item_id),
            CHECK (rating IS NULL OR unrated IS NULL)
        ) STRICT, WITHOUT ROWID;

        -- Append-only: every change to an answer or to an assessment's status.
        CREATE TABLE change_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            changed_at TEXT NOT NULL,
            changed_by TEXT NOT NULL DEFAULT '',
            assessment_id TEXT NOT NULL,
            item_id TEXT,
            field TEXT NOT NULL CHECK (field IN
                ('rating','target','comment','status','created','deleted','restored')),
            old_value TEXT,
            new_value TEXT
        ) STRICT;
        CREATE INDEX change_log_assessment ON change_log(assessment_id);
        CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
            BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
        CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
            BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;

        CREATE TABLE agreed_scores (
            workshop_id TEXT NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            rating INTEGER CHECK (rating BETWEEN 1 AND 5),
            unrated TEXT CHECK (unrated IN ('dont_know','not_applicable')),
            target INTEGER CHECK (target BETWEEN 1 AND 5),
            reasoning TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (workshop_id, item_id),
            CHECK (rating IS NULL OR unrated IS NULL)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE actions (
            id TEXT PRIMARY KEY,
            partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
            round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
            organisation_id TEXT REFERENCES organisations(id) ON DELETE SET NULL,
            workshop_id TEXT REFERENCES workshops(id) ON DELETE SET NULL,
            questionnaire_id TEXT,
            section_id TEXT,
            item_id TEXT,
            description TEXT NOT NULL CHECK (length(trim(description)) > 0),
            owner TEXT NOT NULL DEFAULT '',
            due_on TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open','in_progress','done','dropped')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX actions_round ON actions(round_id);
        """
    )


@migrations(name="0002_workshop_outcomes")
def workshop_outcomes(db: Database) -> None:
    """Issue 10: a workshop's outcome per statement is agreed (a rating, as before) or
    not agreed, with each position the room held and the sectors holding it.

    SQLite cannot add a CHECK to a column of an existing table, so ``agreed_scores`` is
    rebuilt with its rows copied: every score recorded before stays, as agreed."""
    db.executescript(
        """
        CREATE TABLE agreed_scores_new (
            workshop_id TEXT NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            outcome TEXT NOT NULL DEFAULT 'agreed'
                CHECK (outcome IN ('agreed','not_agreed')),
            rating INTEGER CHECK (rating BETWEEN 1 AND 5),
            unrated TEXT CHECK (unrated IN ('dont_know','not_applicable')),
            target INTEGER CHECK (target BETWEEN 1 AND 5),
            reasoning TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (workshop_id, item_id),
            CHECK (rating IS NULL OR unrated IS NULL),
            CHECK (outcome = 'agreed' OR (rating IS NULL AND unrated IS NULL))
        ) STRICT, WITHOUT ROWID;
        INSERT INTO agreed_scores_new
            (workshop_id, item_id, outcome, rating, unrated, target, reasoning, updated_at)
            SELECT workshop_id, item_id, 'agreed', rating, unrated, target, reasoning,
                   updated_at
            FROM agreed_scores;
        DROP TABLE agreed_scores;
        ALTER TABLE agreed_scores_new RENAME TO agreed_scores;

        -- For a statement not agreed: each rating held in the room and the sectors
        -- holding it (comma-separated Sector values in declared order), never names.
        CREATE TABLE workshop_positions (
            workshop_id TEXT NOT NULL REFERENCES workshops(id) ON DELETE CASCADE,
            item_id TEXT NOT NULL,
            rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
            sectors TEXT NOT NULL CHECK (length(sectors) > 0),
            updated_at TEXT NOT NULL,
            PRIMARY KEY (workshop_id, item_id, rating)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX actions_workshop ON actions(workshop_id);
        """
    )


@migrations(name="0003_partner_type_changes")
def partner_type_changes(db: Database) -> None:
    """Issue 9: when an organisation's partner type changes, the change is kept, so that
    a comparison between rounds can say the organisation moved (an organisation keeps one
    partner type, its current one, and is compared only with itself)."""
    db.executescript(
        f"""
        CREATE TABLE partner_type_changes (
            organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            changed_at TEXT NOT NULL,
            old_type TEXT NOT NULL CHECK (old_type IN ({_PARTNER_TYPES})),
            new_type TEXT NOT NULL CHECK (new_type IN ({_PARTNER_TYPES})),
            PRIMARY KEY (organisation_id, changed_at)
        ) STRICT, WITHOUT ROWID;
        """
    )


@migrations(name="0004_action_history")
def action_history(db: Database) -> None:
    """Issue 11: every change to an action is kept (append-only, like ``change_log``),
    and an action carried forward from an earlier round names the one it continues.

    SQLite adds a nullable REFERENCES column with ALTER TABLE, so ``actions`` keeps its
    rows as they are (``carried_from`` null: not carried)."""
    db.executescript(
        """
        ALTER TABLE actions ADD COLUMN carried_from TEXT
            REFERENCES actions(id) ON DELETE SET NULL;
        CREATE INDEX actions_carried_from ON actions(carried_from);

        -- Append-only: the creation of an action, each change of its status, owner, due
        -- date or description, and its carrying forward to a later round.
        CREATE TABLE action_history (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            action_id TEXT NOT NULL,
            changed_at TEXT NOT NULL,
            field TEXT NOT NULL CHECK (field IN
                ('created','carried','status','owner','due_on','description')),
            old_value TEXT,
            new_value TEXT
        ) STRICT;
        CREATE INDEX action_history_action ON action_history(action_id);
        CREATE TRIGGER action_history_no_update BEFORE UPDATE ON action_history
            BEGIN SELECT RAISE(ABORT, 'the action history is append-only'); END;
        CREATE TRIGGER action_history_no_delete BEFORE DELETE ON action_history
            BEGIN SELECT RAISE(ABORT, 'the action history is append-only'); END;
        """
    )


@migrations(name="0005_profile")
def profile(db: Database) -> None:
    """Issue 11: the partnership profile's values, one per partnership, round and fact
    (the facts are declared in forms/profile.toml, so ``fact_id`` is checked there, not
    here), each with its source and the date it was true on."""
    db.executescript(
        """
        CREATE TABLE profile_values (
            partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
            round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
            fact_id TEXT NOT NULL CHECK (length(fact_id) > 0),
            value REAL NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            as_of TEXT NOT NULL DEFAULT '',
            updated_at TEXT NOT NULL,
            PRIMARY KEY (partnership_id, round_id, fact_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX profile_values_round ON profile_values(round_id);
        """
    )


@migrations(name="0006_concerns")
def concerns(db: Database) -> None:
    """Issue 11: "a concern we raised": a section or statement of a questionnaire that a
    partner (or the partnership) marked as a concern in a round, with their words. The
    review pack asks of each whether it moved."""
    db.executescript(
        """
        CREATE TABLE concerns (
            id TEXT PRIMARY KEY,
            partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
            round_id TEXT NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,
            organisation_id TEXT REFERENCES organisations(id) ON DELETE SET NULL,
            questionnaire_id TEXT NOT NULL CHECK (length(questionnaire_id) > 0),
            section_id TEXT,
            item_id TEXT,
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL,
            CHECK (section_id IS NOT NULL OR item_id IS NOT NULL)
        ) STRICT;
        CREATE INDEX concerns_partnership ON concerns(partnership_id);
        """
    )


@migrations(name="0007_care_provider", transactional=False)
def care_provider(db: Database) -> None:
    """Issue 13: care providers as partners, with a partner type of their own
    (``care_provider``, in the community sector).

    The partner types are a CHECK on ``organisations.partner_type`` and on both types in
    ``partner_type_changes``, and SQLite cannot change a CHECK in place, so both tables
    are rebuilt with their rows copied, by SQLite's own procedure for changing a table
    (https://www.sqlite.org/lang_altertable.html#otheralter). ``organisations`` is the
    parent of assessments, actions, concerns and partner type changes (ON DELETE CASCADE
    or SET NULL): dropping it with foreign keys on would delete or orphan every one of
    their rows. So foreign keys are turned off for the rebuild, which SQLite allows only
    outside a transaction (hence ``transactional=False``); the rebuild is one transaction
    of its own, which commits only when every row was copied and no foreign key points
    anywhere it did not point before; and foreign keys are turned back on (if they were
    on) whatever happens. Run again after an interruption (sqlite-utils records it as
    applied after it commits), it finds the new CHECK in place and does nothing."""
    conn = db.conn
    if all("'care_provider'" in _table_sql(db, t) for t in _REBUILT):
        return
    if conn.in_transaction:
        # PRAGMA foreign_keys would be silently ignored, and DROP TABLE would cascade.
        raise sqlite3.OperationalError("0007_care_provider must run outside a transaction")
    enforced = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        if conn.execute("PRAGMA foreign_keys").fetchone()[0] != 0:
            raise sqlite3.OperationalError("0007_care_provider could not turn foreign keys off")
        conn.execute("BEGIN IMMEDIATE")
        try:
            _rebuild_with_care_providers(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    finally:
        conn.execute(f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}")


# The tables whose DDL holds the partner types, rebuilt by 0007.
_REBUILT = ("organisations", "partner_type_changes")


def _table_sql(db: Database, table: str) -> str:
    row = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    return row[0] if row else ""


def _rebuild_with_care_providers(conn) -> None:
    """0007's rebuild, inside its transaction, with foreign keys off."""
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _REBUILT}
    dangling_before = set(conn.execute("PRAGMA foreign_key_check").fetchall())
    for statement in (
        f"""
        CREATE TABLE organisations_0007 (
            id TEXT PRIMARY KEY,
            partnership_id TEXT NOT NULL REFERENCES partnerships(id) ON DELETE CASCADE,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            partner_type TEXT NOT NULL CHECK (partner_type IN ({_PARTNER_TYPES_0007})),
            created_at TEXT NOT NULL
        ) STRICT""",
        """
        INSERT INTO organisations_0007 (id, partnership_id, name, partner_type, created_at)
            SELECT id, partnership_id, name, partner_type, created_at FROM organisations""",
        "DROP TABLE organisations",
        "ALTER TABLE organisations_0007 RENAME TO organisations",
        "CREATE INDEX organisations_partnership ON organisations(partnership_id)",
        f"""
        CREATE TABLE partner_type_changes_0007 (
            organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
            changed_at TEXT NOT NULL,
            old_type TEXT NOT NULL CHECK (old_type IN ({_PARTNER_TYPES_0007})),
            new_type TEXT NOT NULL CHECK (new_type IN ({_PARTNER_TYPES_0007})),
            PRIMARY KEY (organisation_id, changed_at)
        ) STRICT, WITHOUT ROWID""",
        """
        INSERT INTO partner_type_changes_0007 (organisation_id, changed_at, old_type, new_type)
            SELECT organisation_id, changed_at, old_type, new_type FROM partner_type_changes""",
        "DROP TABLE partner_type_changes",
        "ALTER TABLE partner_type_changes_0007 RENAME TO partner_type_changes",
    ):
        conn.execute(statement)
    copied = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in _REBUILT}
    if copied != counts:
        raise sqlite3.IntegrityError(f"0007_care_provider copied {copied} rows of {counts}")
    dangling = set(conn.execute("PRAGMA foreign_key_check").fetchall()) - dangling_before
    if dangling:
        raise sqlite3.IntegrityError(
            f"0007_care_provider would leave {len(dangling)} broken references"
        )


@migrations(name="0008_answer_evidence")
def answer_evidence(db: Database) -> None:
    """Issue 13: each answer may name its evidence (a document, a link, a minute), the
    top of the scale being "true, and we could show the evidence"; a change to it is
    logged like a change to the comment.

    ``answers`` gains the column by ALTER TABLE (every answer so far has none). The log's
    ``field`` CHECK cannot be widened in place, so ``change_log`` is rebuilt with its rows
    copied, seq for seq, and its append-only triggers made again (SQLite drops a table's
    triggers with it, before its rows, so the drop fires none). The rebuilt log has no
    AUTOINCREMENT (issue 12): its triggers refuse every DELETE, so its largest seq is
    never removed and SQLite's rowid choice (largest + 1) numbers the log as before,
    without AUTOINCREMENT's write to sqlite_sequence on every change."""
    before = db.execute("SELECT count(*), coalesce(max(seq), 0) FROM change_log").fetchone()
    db.executescript(
        """
        ALTER TABLE answers ADD COLUMN evidence TEXT NOT NULL DEFAULT '';

        CREATE TABLE change_log_0008 (
            seq INTEGER PRIMARY KEY,
            changed_at TEXT NOT NULL,
            changed_by TEXT NOT NULL DEFAULT '',
            assessment_id TEXT NOT NULL,
            item_id TEXT,
            field TEXT NOT NULL CHECK (field IN
                ('rating','target','comment','evidence','status','created','deleted',
                 'restored')),
            old_value TEXT,
            new_value TEXT
        ) STRICT;
        INSERT INTO change_log_0008
            (seq, changed_at, changed_by, assessment_id, item_id, field, old_value, new_value)
            SELECT seq, changed_at, changed_by, assessment_id, item_id, field, old_value,
                   new_value
            FROM change_log ORDER BY seq;
        DROP TABLE change_log;
        ALTER TABLE change_log_0008 RENAME TO change_log;
        CREATE INDEX change_log_assessment ON change_log(assessment_id);
        CREATE TRIGGER change_log_no_update BEFORE UPDATE ON change_log
            BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
        CREATE TRIGGER change_log_no_delete BEFORE DELETE ON change_log
            BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
        """
    )
    after = db.execute("SELECT count(*), coalesce(max(seq), 0) FROM change_log").fetchone()
    if tuple(after) != tuple(before):
        raise sqlite3.IntegrityError(
            f"0008_answer_evidence copied {after[0]} change-log entries of {before[0]}"
        )


def known_migration_names() -> list[str]:
    """The names of the migrations this version knows, in order."""
    return migrations.names()
