"""An evidence reference per answer (issue 13): the top of the scale is "true, and we
could show the evidence", so each answer may say where that evidence is (a document, a
link, a minute). Stored with the answer, logged like a comment, carried forward, and
added to older files by migration 0008 with nothing lost."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from ics_assess.services import Services
from ics_assess.store import InvalidTextError, Store, StoreError, WriteError
from ics_assess.store import schema as schema_module
from ics_assess.textrules import TEXT_MAX

from .older_files import FORMS_DIR, database_before
from .test_store_hot_path import ONE_RATING, trace

MIGRATION = "0008_answer_evidence"
ITEM = "gov-decisions-1"


def test_evidence_is_kept_with_the_answer_and_its_change_logged(services, draft):
    services.answer(draft.id, ITEM, 5)
    services.set_comment(draft.id, ITEM, "Decisions are minuted.")
    with trace(services) as t:
        answer = services.set_evidence(
            draft.id, ITEM, "Board minutes, 12 March 2026, item 7\nhttps://example.org/m"
        )
    # One commit of the same few prepared statements as a rating.
    assert t.starts() == ONE_RATING
    assert answer.evidence == "Board minutes, 12 March 2026, item 7\nhttps://example.org/m"
    assert answer.comment == "Decisions are minuted." and answer.rating == 5
    stored = services.store.answers(draft.id)[ITEM]
    assert stored == answer
    services.set_evidence(draft.id, ITEM, "Board minutes, 12 March 2026, item 7")
    services.set_evidence(draft.id, ITEM, "Board minutes, 12 March 2026, item 7")  # no change
    log = [
        (e["field"], e["old_value"], e["new_value"])
        for e in services.store.change_log(draft.id)
        if e["field"] == "evidence"
    ]
    assert log == [
        ("evidence", "", "Board minutes, 12 March 2026, item 7\nhttps://example.org/m"),
        (
            "evidence",
            "Board minutes, 12 March 2026, item 7\nhttps://example.org/m",
            "Board minutes, 12 March 2026, item 7",
        ),
    ]
    # Setting the rating or the comment leaves the evidence as it is.
    services.answer(draft.id, ITEM, 4)
    services.set_comment(draft.id, ITEM, "Most decisions are minuted.")
    assert services.store.answers(draft.id)[ITEM].evidence == (
        "Board minutes, 12 March 2026, item 7"
    )


def test_evidence_alone_is_no_answer(services, draft):
    answer = services.set_evidence(draft.id, ITEM, "Terms of reference, 2025")
    assert not answer.is_answered
    assert services.detail(draft.id).answered == 0


def test_evidence_follows_the_text_rules(services, draft):
    answer = services.set_evidence(draft.id, ITEM, "Minutes\r\nitem\x07 4\x1b[31m")
    assert answer.evidence == "Minutes\nitem 4[31m"  # line breaks kept, controls dropped
    with pytest.raises(InvalidTextError, match="evidence reference is 10,001 characters"):
        services.set_evidence(draft.id, ITEM, "x" * (TEXT_MAX + 1))
    assert services.store.answers(draft.id)[ITEM].evidence == "Minutes\nitem 4[31m"


def test_a_submitted_assessment_keeps_its_evidence(services, draft):
    services.set_evidence(draft.id, ITEM, "Minutes")
    services.submit(draft.id, allow_unanswered=True)
    with pytest.raises(Exception, match="submitted"):
        services.set_evidence(draft.id, ITEM, "Other minutes")
    assert services.store.answers(draft.id)[ITEM].evidence == "Minutes"


def test_a_duplicate_in_a_later_round_carries_the_evidence(services, draft, partnership_setup):
    partnership, _, _ = partnership_setup
    newest = {i.id for i in services.catalogue.latest("governance").questionnaire.items}
    item = next(i.id for i in services.questionnaire_of(draft).items if i.id in newest)
    services.answer(draft.id, item, 4)
    services.set_evidence(draft.id, item, "Scheme of delegation, 2025")
    later = services.store.add_round(partnership.id, "Review")
    copy = services.duplicate_to_round(draft.id, later.id)
    assert services.store.answers(copy.id)[item].evidence == "Scheme of delegation, 2025"


def test_a_read_only_database_refuses_evidence(db_path, draft, services):
    services.set_evidence(draft.id, ITEM, "Minutes")
    services.store.close()
    with Services.open(db_path, [FORMS_DIR], readonly=True) as reader:
        assert reader.store.answers(draft.id)[ITEM].evidence == "Minutes"
        with pytest.raises(WriteError, match="read-only"):
            reader.set_evidence(draft.id, ITEM, "Other")


# --- migration 0008 ---------------------------------------------------------------------


def _build(services: Services) -> None:
    store = services.store
    p = store.add_partnership("Old Partnership")
    rnd = store.add_round(p.id, "Baseline")
    org = store.add_organisation(p.id, "Old Council", "upper_tier_council")
    draft = services.start_assessment(
        round_id=rnd.id, organisation_id=org.id, questionnaire_id="governance", kind="organisation"
    )
    for n, item in enumerate(services.questionnaire_of(draft).items[:6]):
        services.answer(draft.id, item.id, n % 5 + 1)
        services.set_comment(draft.id, item.id, f"Comment {n}")
    services.submit(draft.id, allow_unanswered=True)


@pytest.fixture
def old_db(tmp_path) -> Path:
    path = tmp_path / "before-0008.sqlite"
    database_before(path, MIGRATION, _build)
    return path


def _rows(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_a_database_from_before_evidence_upgrades_with_nothing_lost(old_db):
    log_before = _rows(old_db, "SELECT * FROM change_log ORDER BY seq")
    answers_before = _rows(old_db, "SELECT * FROM answers ORDER BY assessment_id, item_id")
    assert len(log_before) > 12 and len(answers_before) == 6
    assert (
        "evidence" not in _rows(old_db, "SELECT sql FROM sqlite_master WHERE name='answers'")[0][0]
    )

    with Services.open(old_db, [FORMS_DIR]) as services:
        applied = [
            r["name"] for r in services.store.db.query("SELECT name FROM _sqlite_migrations")
        ]
        assert applied[-1] == MIGRATION
        assert services.store.integrity_problems() == []
        (assessment,) = [s.assessment for s in services.list_assessments()]
        answers = services.store.answers(assessment.id)
        assert all(a.evidence == "" for a in answers.values()) and len(answers) == 6

    # Every entry of the log, seq for seq; every answer, with no evidence.
    assert _rows(old_db, "SELECT * FROM change_log ORDER BY seq") == log_before
    assert (
        _rows(
            old_db,
            "SELECT assessment_id, item_id, rating, unrated, target, comment, updated_at "
            "FROM answers ORDER BY assessment_id, item_id",
        )
        == answers_before
    )
    assert _rows(old_db, "SELECT DISTINCT evidence FROM answers") == [("",)]
    backups = list((old_db.parent / "backups").rglob("*before-upgrade*.sqlite"))
    assert backups, "the upgrade backs the file up first"


def test_the_upgraded_log_numbers_on_and_stays_append_only(old_db, tmp_path):
    last = _rows(old_db, "SELECT max(seq) FROM change_log")[0][0]
    with Services.open(old_db, [FORMS_DIR]) as services:
        (assessment,) = [s.assessment for s in services.list_assessments()]
        services.reopen(assessment.id)
        first = services.questionnaire_of(assessment).items[0].id
        services.set_evidence(assessment.id, first, "Minutes")
        seqs = [e["seq"] for e in services.store.change_log(assessment.id)]
        assert seqs == sorted(seqs) and seqs[-2:] == [last + 1, last + 2]
        conn = services.store.db.conn
        # The rebuilt log has no AUTOINCREMENT, so no sqlite_sequence row to write.
        assert (
            "AUTOINCREMENT"
            not in conn.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'change_log'"
            ).fetchone()[0]
        )
        assert not conn.execute(
            "SELECT 1 FROM sqlite_sequence WHERE name = 'change_log'"
        ).fetchall()
        for sql in ("UPDATE change_log SET field = 'x'", "DELETE FROM change_log"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'change_log_assessment'")


def test_a_failed_upgrade_leaves_the_file_as_it_was(old_db, monkeypatch):
    log_before = _rows(old_db, "SELECT * FROM change_log ORDER BY seq")
    schema_before = _rows(old_db, "SELECT name, sql FROM sqlite_master ORDER BY name")

    def whole_then_fail(db) -> None:
        schema_module.answer_evidence(db)  # every step done, then the disk fills
        raise sqlite3.OperationalError("database or disk is full")

    (migration,) = [m for m in schema_module.migrations._migrations if m.name == MIGRATION]
    monkeypatch.setattr(migration, "fn", whole_then_fail)
    with pytest.raises(StoreError, match="could not be prepared"):
        Store.open(old_db)
    assert _rows(old_db, "SELECT * FROM change_log ORDER BY seq") == log_before
    assert _rows(old_db, "SELECT name, sql FROM sqlite_master ORDER BY name") == schema_before
    monkeypatch.undo()
    with Store.open(old_db) as store:
        assert store.integrity_problems() == []
    assert _rows(old_db, "SELECT * FROM change_log ORDER BY seq") == log_before


def test_a_database_without_0008_is_still_read_read_only(old_db, tmp_path):
    assert MIGRATION in schema_module.READ_COMPATIBLE_MIGRATIONS
    copy = tmp_path / "copy.sqlite"
    shutil.copy(old_db, copy)
    with Services.open(copy, [FORMS_DIR], readonly=True) as services:
        (assessment,) = [s.assessment for s in services.list_assessments()]
        answers = services.store.answers(assessment.id)
        assert len(answers) == 6 and {a.evidence for a in answers.values()} == {""}
        assert services.detail(assessment.id).answered == 6
    assert "evidence" not in _rows(copy, "SELECT sql FROM sqlite_master WHERE name='answers'")[0][0]
