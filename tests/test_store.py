"""Storage on real SQLite files: nothing answered is lost, bad files are refused in words
and left untouched, and upgrades back up first."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ics_assess import paths
from ics_assess.domain import AssessmentStatus, Unrated
from ics_assess.questionnaires import load_catalogue, read_questionnaire_file
from ics_assess.services import ServiceError, Services
from ics_assess.store import (
    ConflictError,
    DamagedDatabaseError,
    NewerDatabaseError,
    NotADatabaseError,
    ReadOnlyError,
    RecordNotFoundError,
    Store,
    StoreError,
    WriteError,
)
from ics_assess.store.schema import APPLICATION_ID, known_migration_names, migrations

from .conftest import FORMS_DIR, start_on_version


def fingerprint(path: Path) -> tuple[str, list[str]]:
    """The file's content hash and what lies beside it (so we see -wal, -shm, backups)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest, sorted(p.name for p in path.parent.iterdir())


def start(
    services: Services,
    setup,
    questionnaire="governance",
    kind="organisation",
    version: str | None = "1.0",
):
    """A draft on ``version`` (these tests name 1.0's statements), or with None on the
    newest version, as Services.start_assessment starts it."""
    _, rnd, orgs = setup
    fields = {
        "round_id": rnd.id,
        "organisation_id": orgs["council"].id,
        "kind": kind,
        "respondent_name": "Cllr Test",
        "respondent_role": "Leader",
    }
    if version is None:
        return services.start_assessment(questionnaire_id=questionnaire, **fields)
    return start_on_version(services, questionnaire, version, **fields)


# --- a new database ----------------------------------------------------------------------


def test_new_database_is_created_with_the_safety_settings(db_path):
    with Store.open(db_path) as store:
        pragma = store.db.execute
        assert pragma("PRAGMA foreign_keys").fetchone()[0] == 1
        assert pragma("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert pragma("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert pragma("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert pragma("PRAGMA user_version").fetchone()[0] == len(known_migration_names())
        tables = set(store.db.table_names())
    assert {"partnerships", "organisations", "rounds", "assessments", "answers"} <= tables
    assert {"workshops", "agreed_scores", "actions", "change_log"} <= tables
    assert {"questionnaire_versions", "_sqlite_migrations"} <= tables


def test_default_database_lives_in_the_data_directory(isolated_data_dir, monkeypatch):
    assert paths.default_db_path() == isolated_data_dir / paths.DB_FILENAME
    monkeypatch.setenv("ICS_ASSESS_DB", str(isolated_data_dir / "other.sqlite"))
    assert paths.default_db_path() == isolated_data_dir / "other.sqlite"


def test_reopening_keeps_everything(db_path):
    with Store.open(db_path) as store:
        p = store.add_partnership("North", "North ICS")
    with Store.open(db_path) as store:
        assert store.partnership(p.id).name == "North"


def test_records_have_uuid_ids(services, partnership_setup):
    p, rnd, orgs = partnership_setup
    import uuid

    for record_id in (p.id, rnd.id, orgs["icb"].id):
        assert str(uuid.UUID(record_id)) == record_id


# --- files that must be refused and left alone ---------------------------------------------


def test_a_file_that_is_not_a_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("These are my meeting notes, not a database.\n" * 50)
    before = fingerprint(path)
    with pytest.raises(NotADatabaseError, match=r"not a SQLite file at all.*not been changed"):
        Store.open(path)
    assert fingerprint(path) == before


def test_another_programs_database_is_refused_and_untouched(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.commit()
    conn.close()
    before = fingerprint(path)
    with pytest.raises(NotADatabaseError, match="SQLite database, but not an ICS Assess one"):
        Store.open(path)
    assert fingerprint(path) == before


def test_a_database_from_a_newer_version_is_refused_and_untouched(db_path):
    Store.open(db_path).close()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
        "VALUES ('ics_assess', '0099_from_the_future', '2030-01-01')"
    )
    conn.commit()
    conn.close()
    before = fingerprint(db_path)
    with pytest.raises(NewerDatabaseError, match=r"newer version.*0099_from_the_future"):
        Store.open(db_path)
    assert fingerprint(db_path) == before


def test_a_damaged_database_is_refused_and_untouched(db_path):
    with Store.open(db_path) as store:
        p = store.add_partnership("North")
        for n in range(300):
            store.add_organisation(p.id, f"Organisation {n} " + "x" * 180, "vcse")
        store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db_path.read_bytes())
    page = 4096
    # Scribble over the second page onwards (table b-tree pages), keep the header valid.
    data[page : page * 3] = b"\xff" * (page * 2)
    db_path.write_bytes(bytes(data))
    before = fingerprint(db_path)
    with pytest.raises(DamagedDatabaseError, match="not been changed"):
        Store.open(db_path)
    assert fingerprint(db_path) == before


def test_a_folder_is_refused(tmp_path):
    with pytest.raises(NotADatabaseError, match="folder"):
        Store.open(tmp_path)


def test_an_empty_file_becomes_a_new_database(tmp_path):
    path = tmp_path / "empty.sqlite"
    path.touch()
    with Store.open(path) as store:
        assert store.partnerships() == []


# --- upgrades ---------------------------------------------------------------------------


def test_upgrade_backs_up_first_then_applies_in_order(db_path):
    with Store.open(db_path) as store:
        store.add_partnership("Before the upgrade")

    @migrations(name="9999_test_add_notes")
    def add_notes(db):
        db.execute("ALTER TABLE partnerships ADD COLUMN notes TEXT NOT NULL DEFAULT ''")

    try:
        with Store.open(db_path) as store:
            columns = {c.name for c in store.db["partnerships"].columns}
            assert "notes" in columns
            expected = len(known_migration_names())
            assert store.db.execute("PRAGMA user_version").fetchone()[0] == expected
        backups = list(paths.backups_dir(db_path).glob("*-before-upgrade-*.sqlite"))
        assert len(backups) == 1
        conn = sqlite3.connect(backups[0])
        names = [r[0] for r in conn.execute("SELECT name FROM partnerships")]
        migrated = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
        conn.close()
        assert names == ["Before the upgrade"]
        assert migrated == [n for n in known_migration_names() if n != "9999_test_add_notes"]
    finally:
        migrations._migrations.pop()


def test_a_failing_upgrade_leaves_the_database_as_it_was(db_path):
    with Store.open(db_path) as store:
        store.add_partnership("Kept")

    @migrations(name="9999_test_broken")
    def broken(db):
        db.execute("ALTER TABLE partnerships ADD COLUMN half TEXT")
        db.execute("THIS IS NOT SQL")

    try:
        with pytest.raises(StoreError, match="could not be prepared"):
            Store.open(db_path)
    finally:
        migrations._migrations.pop()
    with Store.open(db_path) as store:
        assert [p.name for p in store.partnerships()] == ["Kept"]
        assert "half" not in {c.name for c in store.db["partnerships"].columns}


# --- the schema refuses bad values ----------------------------------------------------------


def test_strict_tables_and_checks_refuse_wrong_values(services, partnership_setup):
    db = services.store.db
    a = start(services, partnership_setup)
    bad_rows = [
        ("answers", {"rating": "lots"}),
        ("answers", {"rating": 7}),
        ("answers", {"rating": 3, "unrated": "dont_know"}),
        ("answers", {"unrated": "maybe"}),
    ]
    for table, values in bad_rows:
        row = {"assessment_id": a.id, "item_id": "x", "updated_at": "t", **values}
        with pytest.raises(sqlite3.IntegrityError):
            db[table].insert(row)
    with pytest.raises(ValueError, match="not a valid PartnerType"):
        services.store.add_organisation(partnership_setup[0].id, "Bad", "space_agency")
    with pytest.raises(sqlite3.IntegrityError):
        db["organisations"].insert(
            {
                "id": "o-bad",
                "partnership_id": partnership_setup[0].id,
                "name": "Bad",
                "partner_type": "space_agency",
                "created_at": "t",
            }
        )


def test_foreign_keys_are_enforced(services):
    with pytest.raises(sqlite3.IntegrityError):
        services.store.db["organisations"].insert(
            {
                "id": "o1",
                "partnership_id": "missing",
                "name": "Orphan",
                "partner_type": "vcse",
                "created_at": "t",
            }
        )


def test_store_rejects_out_of_range_ratings_in_words(services, partnership_setup):
    a = start(services, partnership_setup)
    with pytest.raises(ValueError, match="1 to 5"):
        services.store.set_rating(a.id, "gov-decisions-1", 6)
    with pytest.raises(ValueError, match="1 to 5"):
        services.store.set_target(a.id, "gov-decisions-1", 0)
    with pytest.raises(ValueError, match="not a valid Unrated"):
        services.store.set_rating(a.id, "gov-decisions-1", "maybe")


# --- answers --------------------------------------------------------------------------------


def test_each_answer_is_committed_at_once_and_logged(services, partnership_setup, db_path):
    a = start(services, partnership_setup)
    services.answer(a.id, "gov-decisions-1", 4)
    services.answer(a.id, "gov-decisions-1", 2)
    services.answer(a.id, "gov-decisions-2", Unrated.DONT_KNOW)
    services.set_target(a.id, "gov-decisions-1", 4)
    services.set_comment(a.id, "gov-decisions-1", "Board minutes, March 2026 <b>&")
    # Another connection sees it straight away: nothing waits for a Save.
    other = sqlite3.connect(db_path)
    rows = other.execute(
        "SELECT item_id, rating, unrated, target, comment FROM answers ORDER BY item_id"
    ).fetchall()
    other.close()
    assert rows == [
        ("gov-decisions-1", 2, None, 4, "Board minutes, March 2026 <b>&"),
        ("gov-decisions-2", None, "dont_know", None, ""),
    ]
    log = [
        (e["item_id"], e["field"], e["old_value"], e["new_value"])
        for e in services.store.change_log(a.id)
    ]
    assert log == [
        (None, "created", None, "draft"),
        ("gov-decisions-1", "rating", None, "4"),
        ("gov-decisions-1", "rating", "4", "2"),
        ("gov-decisions-2", "rating", None, "dont_know"),
        ("gov-decisions-1", "target", None, "4"),
        ("gov-decisions-1", "comment", "", "Board minutes, March 2026 <b>&"),
    ]
    assert services.store.assessment(a.id).position == "gov-decisions-1"


def test_the_change_log_is_append_only(services, partnership_setup):
    a = start(services, partnership_setup)
    services.answer(a.id, "gov-decisions-1", 4)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        services.store.db.execute("UPDATE change_log SET new_value = '5'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        services.store.db.execute("DELETE FROM change_log")


def test_clearing_an_answer_keeps_the_comment(services, partnership_setup):
    a = start(services, partnership_setup)
    services.answer(a.id, "gov-decisions-1", 3)
    services.set_comment(a.id, "gov-decisions-1", "Keep me")
    answer = services.answer(a.id, "gov-decisions-1", None)
    assert not answer.is_answered and answer.comment == "Keep me"


def test_answers_to_unknown_statements_are_refused(services, partnership_setup):
    a = start(services, partnership_setup)
    with pytest.raises(ServiceError, match="not part of this assessment's questionnaire"):
        services.answer(a.id, "no-such-item", 3)


def test_submit_makes_read_only_and_reopen_is_recorded(services, partnership_setup):
    a = start(services, partnership_setup)
    with pytest.raises(ServiceError, match="25 statements are still unanswered"):
        services.submit(a.id)
    q = services.questionnaire_of(a)
    for item in q.items:
        services.answer(a.id, item.id, 3)
    submitted = services.submit(a.id)
    assert submitted.status is AssessmentStatus.SUBMITTED and submitted.submitted_at
    with pytest.raises(ReadOnlyError, match="reopen it"):
        services.answer(a.id, q.items[0].id, 5)
    with pytest.raises(ReadOnlyError):
        services.set_comment(a.id, q.items[0].id, "late thought")
    services.reopen(a.id)
    services.answer(a.id, q.items[0].id, 5)
    statuses = [
        (e["old_value"], e["new_value"])
        for e in services.store.change_log(a.id)
        if e["field"] == "status"
    ]
    assert statuses == [("draft", "submitted"), ("submitted", "draft")]


def test_an_assessment_must_be_in_its_rounds_partnership(services, partnership_setup):
    other = services.store.add_partnership("Elsewhere")
    stranger = services.store.add_organisation(other.id, "Stranger", "vcse")
    _, rnd, _ = partnership_setup
    with pytest.raises(ConflictError, match="not a member"):
        services.start_assessment(
            round_id=rnd.id,
            organisation_id=stranger.id,
            questionnaire_id="governance",
            kind="organisation",
        )


def test_missing_records_are_named(services):
    with pytest.raises(RecordNotFoundError, match="no assessment with id nope"):
        services.store.assessment("nope")


def test_deleting_an_assessment_removes_its_answers_but_not_its_log(services, partnership_setup):
    a = start(services, partnership_setup)
    services.answer(a.id, "gov-decisions-1", 3)
    services.delete_assessment(a.id)
    assert services.store.answers(a.id) == {}
    assert [e["field"] for e in services.store.change_log(a.id)][-1] == "deleted"


def test_a_deletion_can_be_undone_exactly(services, partnership_setup):
    a = start(services, partnership_setup)
    services.answer(a.id, "gov-decisions-1", 3)
    services.set_comment(a.id, "gov-decisions-1", "Evidence")
    services.set_target(a.id, "gov-decisions-2", 5)
    before = (services.store.assessment(a.id), services.store.answers(a.id))
    deleted = services.delete_assessment(a.id)
    assert services.list_assessments() == []
    services.restore_assessment(deleted)
    assert (services.store.assessment(a.id), services.store.answers(a.id)) == before
    fields = [e["field"] for e in services.store.change_log(a.id)]
    assert fields[-2:] == ["deleted", "restored"]


def test_duplicate_to_a_new_round_copies_answers_into_a_draft(services, partnership_setup):
    p, _, _ = partnership_setup
    a = start(services, partnership_setup)
    # Statements kept from 1.0 to 1.1 (the copy is on the newest version), and one that
    # 1.1 replaced, whose answer stays behind.
    services.answer(a.id, "gov-decisions-4", 4)
    services.answer(a.id, "gov-decisions-2", Unrated.DONT_KNOW)
    services.set_comment(a.id, "gov-decisions-4", "As last time")
    services.set_target(a.id, "gov-decisions-4", 5)
    services.answer(a.id, "gov-decisions-1", 3)
    services.submit(a.id, allow_unanswered=True)
    review = services.store.add_round(p.id, "Six-month review")
    copy = services.duplicate_to_round(a.id, review.id)
    assert copy.id != a.id
    assert copy.round_id == review.id
    assert copy.status is AssessmentStatus.DRAFT
    assert (copy.respondent_name, copy.organisation_id) == (a.respondent_name, a.organisation_id)
    assert (a.questionnaire_version, copy.questionnaire_version) == ("1.0", "1.1")
    answers = services.store.answers(copy.id)
    assert answers["gov-decisions-4"].rating == 4
    assert answers["gov-decisions-4"].target == 5
    assert answers["gov-decisions-4"].comment == "As last time"
    assert answers["gov-decisions-2"].unrated is Unrated.DONT_KNOW
    assert set(answers) == {"gov-decisions-4", "gov-decisions-2"}
    assert copy.position is None
    # The original is untouched.
    assert services.store.assessment(a.id).status is AssessmentStatus.SUBMITTED


def test_list_shows_names_and_progress(services, partnership_setup):
    a = start(services, partnership_setup)
    services.answer(a.id, "gov-decisions-1", 3)
    services.answer(a.id, "gov-decisions-2", Unrated.NOT_APPLICABLE)
    services.set_comment(a.id, "gov-decisions-3", "only a comment: not an answer")
    (row,) = services.list_assessments()
    assert row.organisation_name == "Test County Council"
    assert row.round_name == "Baseline" and row.partnership_name == "Test Partnership"
    assert (row.answered, row.total_items) == (2, 25)
    assert services.list_assessments(status="submitted") == []


# --- questionnaire versions -----------------------------------------------------------------


def test_a_newer_questionnaire_version_never_changes_old_answers(
    services, partnership_setup, tmp_path
):
    old = start(services, partnership_setup)
    services.answer(old.id, "gov-decisions-1", 4)
    # A new version of the file renames a statement and drops another.
    text = (FORMS_DIR / "governance.toml").read_text()
    text = text.replace('version = "1.0"', 'version = "2.0"', 1)
    text = text.replace('id = "gov-decisions-1"', 'id = "gov-decisions-1b"', 1)
    forms = tmp_path / "forms"
    forms.mkdir()
    (forms / "governance.toml").write_text(text)
    services.catalogue = load_catalogue([forms])
    new = start(services, partnership_setup, version=None)
    assert new.questionnaire_version == "2.0"
    assert old.questionnaire_version == "1.0"
    detail = services.detail(old.id)
    assert detail.questionnaire.version == "1.0"
    assert detail.answers["gov-decisions-1"].rating == 4
    assert services.check().problems == []


def test_old_answers_survive_the_form_file_disappearing(db_path, tmp_path):
    with Services.open(db_path, [FORMS_DIR]) as s:
        p = s.store.add_partnership("P")
        rnd = s.store.add_round(p.id, "R")
        org = s.store.add_organisation(p.id, "O", "icb")
        a = start_on_version(
            s, "governance", "1.0", round_id=rnd.id, organisation_id=org.id, kind="individual"
        )
        s.answer(a.id, "gov-decisions-1", 5)
    with Services.open(db_path, [tmp_path / "no-forms"]) as s:
        detail = s.detail(a.id)
        assert detail.questionnaire.title == "Governance and accountability"
        assert detail.score.section("decisions").rated == 1


def test_same_version_with_different_text_is_a_conflict(services):
    loaded = read_questionnaire_file(FORMS_DIR / "governance.toml")
    services.keep_questionnaire(loaded)
    services.keep_questionnaire(loaded)  # the same text again: nothing to do
    q = loaded.questionnaire
    with pytest.raises(ConflictError, match="new version number"):
        services.store.store_questionnaire(q.id, q.version, q.title, 25, loaded.source_text + "#")


# --- nothing answered is lost --------------------------------------------------------------


CHILD = textwrap.dedent(
    """
    import sys
    from ics_assess.services import Services
    services = Services.open(sys.argv[1], [__import__("pathlib").Path(sys.argv[2])])
    assessment_id = sys.argv[3]
    assessment = services.store.assessment(assessment_id)
    items = [i.id for i in services.questionnaire_of(assessment).items]
    for n, item_id in enumerate(items):
        services.answer(assessment_id, item_id, n % 5 + 1)
        services.set_comment(assessment_id, item_id, f"comment {n}")
        print(item_id, flush=True)
    import time
    time.sleep(60)
    """
)


def test_a_hard_killed_process_loses_nothing_it_had_answered(db_path, tmp_path):
    with Services.open(db_path, [FORMS_DIR]) as s:
        p = s.store.add_partnership("P")
        rnd = s.store.add_round(p.id, "R")
        org = s.store.add_organisation(p.id, "O", "upper_tier_council")
        a = s.start_assessment(
            round_id=rnd.id,
            organisation_id=org.id,
            questionnaire_id="governance",
            kind="organisation",
        )
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen(
        [sys.executable, str(script), str(db_path), str(FORMS_DIR), a.id],
        stdout=subprocess.PIPE,
        text=True,
    )
    confirmed = []
    deadline = time.monotonic() + 60
    while len(confirmed) < 12 and time.monotonic() < deadline:
        line = child.stdout.readline()
        if not line:
            break
        confirmed.append(line.strip())
    os.kill(child.pid, signal.SIGKILL)  # no clean shutdown, no close()
    child.wait()
    assert len(confirmed) == 12
    with Services.open(db_path, [FORMS_DIR]) as s:
        answers = s.store.answers(a.id)
        for n, item_id in enumerate(confirmed):
            assert answers[item_id].rating == n % 5 + 1
            assert answers[item_id].comment == f"comment {n}"
        assert s.check().problems == []


def test_backup_to_copies_a_live_database(services, partnership_setup, tmp_path):
    copy = services.store.backup_to(tmp_path / "copy.sqlite")
    with Store.open(copy) as store:
        assert [p.name for p in store.partnerships()] == ["Test Partnership"]


def test_check_finds_answers_to_statements_the_questionnaire_lacks(services, partnership_setup):
    a = start(services, partnership_setup)
    services.store.db["answers"].insert(
        {"assessment_id": a.id, "item_id": "ghost", "rating": 3, "updated_at": "t"}
    )
    problems = services.check().problems
    assert len(problems) == 1 and "statements its questionnaire does not have" in problems[0]


# --- network drives -------------------------------------------------------------------------

MOUNTS = """\
/dev/vda1 / ext4 rw,relatime 0 0
server:/export /mnt/shared nfs4 rw,relatime 0 0
//fileserver/team /mnt/team\\040drive cifs rw 0 0
tmpfs /mnt/shared/local tmpfs rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/home/ann/ics.sqlite", "ext4"),
        ("/mnt/shared/ics.sqlite", "nfs4"),
        ("/mnt/team drive/ics.sqlite", "cifs"),
        ("/mnt/shared/local/ics.sqlite", "tmpfs"),
        ("/mnt/sharedother/ics.sqlite", "ext4"),
    ],
)
def test_the_filesystem_of_a_path_is_found_from_the_mount_table(path, expected):
    from ics_assess.store.filesystem import linux_filesystem_type

    assert linux_filesystem_type(Path(path), MOUNTS) == expected


def test_a_database_on_a_network_drive_uses_the_rollback_journal(db_path, monkeypatch):
    from ics_assess.store import database

    monkeypatch.setattr(database, "is_network_path", lambda path: True)
    with Store.open(db_path) as store:
        assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        store.add_partnership("On a share")
    assert not db_path.with_name(db_path.name + "-wal").exists()


# --- a write SQLite refuses is explained, and loses nothing saved before ---------------------


def test_a_full_disk_is_explained_and_earlier_answers_are_kept(services, draft):
    services.answer(draft.id, "gov-decisions-1", 4)
    db = services.store.db
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")  # no room for one more page
    with pytest.raises(WriteError, match="the disk is full"):
        services.set_comment(draft.id, "gov-decisions-2", "x" * 9_000)
    db.execute("PRAGMA max_page_count = 1073741823")
    assert services.store.answers(draft.id)["gov-decisions-1"].rating == 4
    assert "gov-decisions-2" not in services.store.answers(draft.id)
    assert services.check().problems == []


def test_a_read_only_database_is_explained(services, draft):
    services.store.db.execute("PRAGMA query_only = ON")
    with pytest.raises(WriteError, match="read-only"):
        services.answer(draft.id, "gov-decisions-1", 4)


def test_a_database_busy_in_another_program_is_explained(services, draft, db_path):
    services.store.db.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(db_path)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with pytest.raises(WriteError, match="another program is using the database"):
            services.answer(draft.id, "gov-decisions-1", 4)
    finally:
        other.rollback()
        other.close()
    services.answer(draft.id, "gov-decisions-1", 4)  # and it works once released
