"""The answer hot path (issue 12): one answer written is one commit of a few prepared
statements, counted here with sqlite3's trace callback so that the old way (about 45
statements: sqlite-utils looking up sqlite_master and table_info on every write, nested
savepoints, every answer read back) cannot quietly return. Nothing of what an answer
must do is dropped for it: the change log still gets every change, the assessment's
updated_at and position move in the same commit, and refusals write nothing."""

from __future__ import annotations

import sqlite3

import pytest

from ics_assess.domain import Answer, Unrated
from ics_assess.services import ServiceError
from ics_assess.store import QuestionnaireChangedError, ReadOnlyError, RecordNotFoundError
from ics_assess.store.store import (
    SQL_ANSWER_OLD,
    SQL_ANSWER_PUT,
    SQL_LOG,
    SQL_QUESTIONNAIRE_OF,
    SQL_TOUCH,
)

from .test_ui_walkthrough import make_page, press

ONE_RATING = ["BEGIN IMMEDIATE", "UPDATE assessments", "SELECT rating", "INSERT INTO answers"]
ONE_RATING += ["INSERT INTO change_log", "COMMIT"]


class Traced:
    """The statements a connection runs while the context is open (their first words)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.sql: list[str] = []

    def __enter__(self) -> Traced:
        self.conn.set_trace_callback(self.sql.append)
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.set_trace_callback(None)

    def starts(self) -> list[str]:
        """Each statement cut to the words that say what it is, as in ONE_RATING."""
        known = ("UPDATE assessments", "SELECT rating", "INSERT INTO answers")
        known += ("INSERT INTO change_log", "BEGIN IMMEDIATE", "SELECT questionnaire_id")
        out = []
        for sql in self.sql:
            out.append(next((k for k in known if sql.startswith(k)), sql.split(" =")[0]))
        return out

    def writes(self) -> int:
        return sum(1 for s in self.sql if s.split()[0].upper() in {"INSERT", "UPDATE", "DELETE"})


def trace(services) -> Traced:
    return Traced(services.store.db.conn)


def test_a_rating_is_one_commit_of_six_prepared_statements(services, draft):
    with trace(services) as first:
        services.answer(draft.id, "gov-decisions-1", 4)
    # The first write of an assessment asks which questionnaire version it is on (and,
    # once per version, reads which statements that version has).
    assert first.starts()[0] == "SELECT questionnaire_id"
    assert first.starts()[-6:] == ONE_RATING and first.starts().count("COMMIT") == 1
    with trace(services) as t:
        answer = services.answer(draft.id, "gov-decisions-2", 3)
    assert t.starts() == ONE_RATING
    assert t.writes() == 3  # the answer, its change-log entry, the assessment
    assert not any("sqlite_master" in s or "table_info" in s or "SAVEPOINT" in s for s in t.sql)
    # Nothing is read back: the answer returned is the one stored.
    assert answer == services.store.answers(draft.id)["gov-decisions-2"]


def test_the_hot_path_runs_the_same_sql_text_each_time(services, draft):
    """The same text each time is what lets sqlite3's statement cache keep them
    prepared: the values are bound, never written into the SQL."""
    conn = services.store.db.conn
    seen: list[str] = []
    original = conn.execute

    class Spy:
        def __getattr__(self, name):
            return getattr(conn, name)

        def execute(self, sql, *args):
            seen.append(sql)
            return original(sql, *args)

    services.answer(draft.id, "gov-decisions-1", 4)
    services.store.db.conn = Spy()  # type: ignore[assignment]
    try:
        for n, item in enumerate(("gov-decisions-2", "gov-decisions-3", "gov-decisions-2")):
            services.answer(draft.id, item, n + 2)
        services.set_comment(draft.id, "gov-decisions-2", "Minutes")
    finally:
        services.store.db.conn = conn
    assert set(seen) == {
        "BEGIN IMMEDIATE",
        SQL_TOUCH,
        SQL_ANSWER_OLD,
        SQL_ANSWER_PUT,
        SQL_LOG,
        "COMMIT",
    }
    assert SQL_QUESTIONNAIRE_OF not in seen  # the version is remembered


def test_a_target_and_a_comment_are_one_commit_each(services, draft):
    services.answer(draft.id, "gov-decisions-1", 4)
    with trace(services) as t:
        services.set_target(draft.id, "gov-decisions-1", 5)
        services.set_comment(draft.id, "gov-decisions-1", "Board minutes")
    assert t.starts() == ONE_RATING * 2
    with trace(services) as same:
        services.set_comment(draft.id, "gov-decisions-1", "Board minutes")
    # The same text again is no change: nothing for the change log.
    assert "INSERT INTO change_log" not in same.starts()
    assert same.starts().count("COMMIT") == 1


def test_the_change_log_still_gets_every_change(services, draft):
    item = "gov-decisions-1"
    services.answer(draft.id, item, 4)
    services.answer(draft.id, item, 4)  # the same rating again: no entry
    services.answer(draft.id, item, Unrated.NOT_APPLICABLE)
    services.set_target(draft.id, item, 5)
    services.set_comment(draft.id, item, "First")
    services.set_comment(draft.id, item, "Second")
    services.set_target(draft.id, item, None)
    cleared = services.answer(draft.id, item, None)
    log = [
        (e["item_id"], e["field"], e["old_value"], e["new_value"])
        for e in services.store.change_log(draft.id)
    ]
    assert log == [
        (None, "created", None, "draft"),
        (item, "rating", None, "4"),
        (item, "rating", "4", "not_applicable"),
        (item, "target", None, "5"),
        (item, "comment", "", "First"),
        (item, "comment", "First", "Second"),
        (item, "target", "5", None),
        (item, "rating", "not_applicable", None),
    ]
    assert cleared == Answer(item, None, None, None, "Second", cleared.updated_at)
    assert cleared == services.store.answers(draft.id)[item]
    row = services.store.assessment(draft.id)
    assert row.updated_at == cleared.updated_at and row.position == item


def test_the_place_to_resume_moves_in_the_same_commit(services, draft):
    with trace(services) as t:
        services.answer(draft.id, "gov-decisions-1", 4, position="gov-decisions-2")
    assert t.starts().count("COMMIT") == 1
    assert services.store.assessment(draft.id).position == "gov-decisions-2"
    services.answer(draft.id, "gov-decisions-3", 2)
    assert services.store.assessment(draft.id).position == "gov-decisions-3"
    with pytest.raises(ServiceError, match="'elsewhere' is not part"):
        services.answer(draft.id, "gov-decisions-1", 5, position="elsewhere")
    assert services.store.answers(draft.id)["gov-decisions-1"].rating == 4


def test_set_position_is_one_prepared_update(services, draft):
    with trace(services) as t:
        services.set_position(draft.id, "gov-decisions-4")
    assert t.starts() == ["BEGIN IMMEDIATE", "UPDATE assessments", "COMMIT"]
    assert services.store.assessment(draft.id).position == "gov-decisions-4"
    with pytest.raises(RecordNotFoundError):
        services.set_position("no-such-assessment", None)


def test_refusals_write_nothing(services, draft, partnership_setup):
    for item in services.questionnaire_of(draft).items:
        services.answer(draft.id, item.id, 3)
    services.submit(draft.id)
    before = services.store.counts()
    with pytest.raises(ReadOnlyError, match="reopen it"):
        services.answer(draft.id, "gov-decisions-1", 5)
    with pytest.raises(ReadOnlyError):
        services.set_comment(draft.id, "gov-decisions-1", "Too late")
    with pytest.raises(ServiceError, match="not part of this assessment's questionnaire"):
        services.answer(draft.id, "no-such-item", 5)
    with pytest.raises(RecordNotFoundError):
        services.answer("no-such-assessment", "gov-decisions-1", 5)
    assert services.store.counts() == before
    assert not services.store.db.conn.in_transaction
    assert services.store.answers(draft.id)["gov-decisions-1"].rating == 3


def test_an_assessment_moved_to_another_version_meanwhile_is_checked_again(
    services, draft, db_path
):
    """The version an assessment is on is remembered, and every write confirms it under
    the write lock; when another program has moved it meanwhile, the statements are
    checked against the version it is on now."""
    services.answer(draft.id, "gov-decisions-1", 4)  # governance, remembered
    other = services.latest_questionnaire("equal-partnership")
    services.keep_questionnaire(other)
    q = other.questionnaire
    with sqlite3.connect(db_path) as conn:  # another program
        conn.execute(
            "UPDATE assessments SET questionnaire_id = ?, questionnaire_version = ? WHERE id = ?",
            [q.id, q.version, draft.id],
        )
    with pytest.raises(ServiceError, match="not part of this assessment's questionnaire"):
        services.answer(draft.id, "gov-decisions-2", 4)
    assert "gov-decisions-2" not in services.store.answers(draft.id)
    services.answer(draft.id, q.items[0].id, 2)
    assert services.store.answers(draft.id)[q.items[0].id].rating == 2
    with pytest.raises(QuestionnaireChangedError):
        services.store.set_rating(draft.id, q.items[1].id, 2, questionnaire=("governance", "x"))
    assert q.items[1].id not in services.store.answers(draft.id)


def test_inside_a_larger_transaction_the_answer_joins_it(services, draft):
    with services.store.transaction():
        services.answer(draft.id, "gov-decisions-1", 4)
        services.set_comment(draft.id, "gov-decisions-1", "Together")
    stored = services.store.answers(draft.id)["gov-decisions-1"]
    assert (stored.rating, stored.comment) == (4, "Together")

    def answer_then_fail() -> None:
        with services.store.transaction():
            services.answer(draft.id, "gov-decisions-2", 4)
            raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError):
        answer_then_fail()
    assert "gov-decisions-2" not in services.store.answers(draft.id)


# --- the keyboard path in the window ----------------------------------------------------------


def test_rate_and_move_on_is_one_commit(qtbot, services, draft, fake_dialogs):
    page = make_page(qtbot, services, fake_dialogs, draft.id)
    items = [item.id for item in services.questionnaire_of(draft).items]
    press(qtbot, "4")  # the first also asks which questionnaire version it is on
    with trace(services) as t:
        press(qtbot, "3")
    assert page.current_item_id() == items[2]
    # The window's short busy wait around the write, and one commit: the rating with
    # the next statement as the place to resume; no second commit for the position.
    assert t.starts() == ["PRAGMA busy_timeout", *ONE_RATING, "PRAGMA busy_timeout"]
    assert services.store.assessment(draft.id).position == items[2]
    assert services.store.answers(draft.id)[items[1]].rating == 3
    assert [e["field"] for e in services.store.change_log(draft.id)][-2:] == ["rating"] * 2


def test_moving_without_rating_still_remembers_the_place(qtbot, services, draft, fake_dialogs):
    page = make_page(qtbot, services, fake_dialogs, draft.id)
    items = [item.id for item in services.questionnaire_of(draft).items]
    page.show_item(items[5])
    assert services.store.assessment(draft.id).position == items[5]
    page.show_item(items[0])
    press(qtbot, "2")
    press(qtbot, "2")
    assert services.store.assessment(draft.id).position == items[2]
    page.open_assessment(draft.id)
    assert page.current_item_id() == items[2]
