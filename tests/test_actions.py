"""A partnership's action plan (issue 11): the lifecycle of an action, its history,
overdue ones, filters, carrying forward to the next round, the 0004 migration, and the
plan's export."""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3

import pytest

from ics_assess.domain import ActionStatus
from ics_assess.services import ServiceError, Services
from ics_assess.store import Store
from ics_assess.store.schema import known_migration_names

ITEM = "gov-decisions-2"  # in both versions of governance
TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def plan(services, partnership_setup):
    p, rnd, orgs = partnership_setup
    tied = services.create_action(
        rnd.id,
        description="Publish the board's decisions within a week.",
        owner="ICB Director of Strategy",
        due_on="2026-10-31",
        organisation_id=orgs["icb"].id,
        questionnaire_id="governance",
        item_id=ITEM,
    )
    wide = services.create_action(
        rnd.id, description="Agree a joint forward plan.", owner="Partnership board secretary"
    )
    council = services.create_action(
        rnd.id,
        description="Brief cabinet before each board.",
        owner="Head of Democratic Services",
        due_on="2027-03-31",
        organisation_id=orgs["council"].id,
        questionnaire_id="governance",
        section_id=services.latest_questionnaire("governance").questionnaire.sections[1].id,
    )
    return p, rnd, orgs, tied, wide, council


def test_an_action_is_tied_to_a_statement_its_section_and_organisation(services, plan):
    _, rnd, orgs, tied, _, _ = plan
    q = services.latest_questionnaire("governance").questionnaire
    assert tied.section_id == q.section_of(ITEM).id
    assert (tied.round_id, tied.organisation_id, tied.item_id) == (rnd.id, orgs["icb"].id, ITEM)
    assert tied.status is ActionStatus.OPEN and tied.carried_from is None
    (row,) = [r for r in services.action_plan(rnd.id, today=TODAY) if r.action.id == tied.id]
    assert row.organisation_name == "Test ICB"
    assert row.statement == q.item(ITEM).statement
    assert row.section_title == q.section_of(ITEM).title
    assert "Test ICB" in row.answers and row.questionnaire_title == q.title


def test_bad_actions_are_refused_in_words(services, plan):
    _p, rnd, _orgs, *_ = plan
    with pytest.raises(ServiceError, match="not a date"):
        services.create_action(rnd.id, description="x", due_on="next week")
    with pytest.raises(ServiceError, match="no statement"):
        services.create_action(rnd.id, description="x", questionnaire_id="governance", item_id="n")
    with pytest.raises(ServiceError, match="needs its questionnaire"):
        services.create_action(rnd.id, description="x", item_id=ITEM)
    with pytest.raises(ServiceError, match="no round"):
        services.create_action("missing", description="x")
    with pytest.raises(Exception, match="description"):
        services.create_action(rnd.id, description="   ")
    other = services.add_partnership("Other")
    stranger = services.add_organisation(other.id, "Elsewhere", "icb")
    with pytest.raises(ServiceError, match="another partnership"):
        services.create_action(rnd.id, description="x", organisation_id=stranger.id)


def test_lifecycle_edit_complete_drop_and_history(services, plan):
    _, _, _, tied, wide, _ = plan
    services.update_action(tied.id, status="in_progress", owner="ICB Chief of Staff")
    services.update_action(tied.id, due_on="2027-01-15")
    services.update_action(tied.id, due_on="2027-01-15")  # nothing changes: nothing kept
    done = services.complete_action(tied.id)
    assert done.status is ActionStatus.DONE
    dropped = services.drop_action(wide.id)
    assert dropped.status is ActionStatus.DROPPED
    history = services.action_history(tied.id)
    assert [h.field for h in history] == ["created", "status", "owner", "due_on", "status"]
    assert [h.new_value for h in history] == [
        "open",
        "in_progress",
        "ICB Chief of Staff",
        "2027-01-15",
        "done",
    ]
    assert history[1].words == "Status: open → in progress"
    assert history[2].old_value == "ICB Director of Strategy"
    assert history[0].words.startswith("Created in Baseline")
    with pytest.raises(ServiceError, match="no field"):
        services.update_action(tied.id, colour="red")
    with pytest.raises(ServiceError):
        services.update_action("missing", status="done")


def test_the_history_is_append_only(services, plan):
    with pytest.raises(Exception, match="append-only"):
        services.store.db.execute("UPDATE action_history SET field = 'owner'")
    with pytest.raises(Exception, match="append-only"):
        services.store.db.execute("DELETE FROM action_history")


def test_overdue_is_due_before_today_and_still_to_do(services, plan):
    _, rnd, _, tied, _wide, _council = plan
    overdue = services.overdue_actions(rnd.id, today=TODAY)
    assert [r.action.id for r in overdue] == [tied.id]
    assert overdue[0].status_words == "Open, overdue"
    assert services.overdue_actions(rnd.id, today=dt.date(2026, 10, 31)) == []
    services.complete_action(tied.id)
    assert services.overdue_actions(rnd.id, today=TODAY) == []
    assert not [r for r in services.action_plan(rnd.id, today=TODAY) if r.overdue]


def test_filters_by_owner_status_organisation_and_section(services, plan):
    _, rnd, orgs, tied, wide, council = plan
    services.update_action(wide.id, status="in_progress")

    def ids(**filters):
        return {r.action.id for r in services.action_plan(rnd.id, today=TODAY, **filters)}

    assert ids() == {tied.id, wide.id, council.id}
    assert ids(owner="  head of democratic   services") == {council.id}
    assert ids(status="in_progress") == {wide.id}
    assert ids(status=ActionStatus.OPEN) == {tied.id, council.id}
    assert ids(organisation_id=orgs["icb"].id) == {tied.id}
    assert ids(section_id=council.section_id) == {council.id}
    assert ids(section_id=f"governance/{tied.section_id}") == {tied.id}
    assert ids(owner="ICB Director of Strategy", status="done") == set()
    assert services.action_owners(rnd.id) == [
        "Head of Democratic Services",
        "ICB Director of Strategy",
        "Partnership board secretary",
    ]
    assert {key for key, _ in services.action_sections(rnd.id)} == {
        f"governance/{tied.section_id}",
        f"governance/{council.section_id}",
    }


def test_carry_forward_copies_what_is_still_to_do_once_and_keeps_history(services, plan):
    p, rnd, _, tied, wide, council = plan
    services.update_action(tied.id, status="in_progress")
    services.complete_action(council.id)
    # Services.add_round carries at once: the new round starts with what is to do.
    later = services.add_round(p.id, "Six-month review", "2027-05-01")
    carried = services.action_plan(later.id, today=TODAY)
    assert {r.action.carried_from for r in carried} == {tied.id, wide.id}
    assert all(r.carried_from_round == "Baseline" for r in carried)
    copy = next(r.action for r in carried if r.action.carried_from == tied.id)
    assert copy.status is ActionStatus.IN_PROGRESS and copy.item_id == ITEM
    assert (copy.description, copy.owner, copy.due_on) == (
        tied.description,
        tied.owner,
        "2026-10-31",
    )
    # Once: running it again duplicates nothing.
    assert services.carry_forward(rnd.id, later.id) == []
    assert len(services.action_plan(later.id)) == 2
    # Nothing lost: the originals stay in their round as they were.
    assert {r.action.id for r in services.action_plan(rnd.id)} == {tied.id, wide.id, council.id}
    assert services.action(tied.id).status is ActionStatus.IN_PROGRESS
    # History kept: the copy's history begins with the original's.
    services.complete_action(copy.id)
    history = services.action_history(copy.id)
    assert [(h.round_name, h.field) for h in history] == [
        ("Baseline", "created"),
        ("Baseline", "status"),
        ("Six-month review", "carried"),
        ("Six-month review", "status"),
    ]
    assert history[2].words == "Carried forward from Baseline to Six-month review"
    assert [h.field for h in services.action_history(tied.id)] == ["created", "status"]
    # The originals say where they went, and are followed there: never overdue here.
    before = {r.action.id: r for r in services.action_plan(rnd.id, today=TODAY)}
    assert before[tied.id].carried_to_round == "Six-month review"
    assert not before[tied.id].overdue
    assert before[tied.id].status_words == "In progress, carried to Six-month review"
    assert before[council.id].carried_to_round == ""


def test_carry_forward_refuses_rounds_of_two_partnerships_or_the_same_round(services, plan):
    _p, rnd, *_ = plan
    other = services.add_partnership("Other")
    elsewhere = services.add_round(other.id, "Baseline")
    with pytest.raises(Exception, match="different partnerships"):
        services.carry_forward(rnd.id, elsewhere.id)
    with pytest.raises(Exception, match="same one"):
        services.carry_forward(rnd.id, rnd.id)
    assert services.action_plan(elsewhere.id) == []


def test_a_first_round_carries_nothing(services):
    p = services.add_partnership("New")
    first = services.add_round(p.id, "Baseline")
    assert services.action_plan(first.id) == []


def test_a_database_at_0003_upgrades_keeping_its_actions(db_path):
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from ics_assess.store import schema

    upto = Migrations(schema.MIGRATION_SET)
    upto._migrations = [m for m in schema.migrations._migrations if m.name < "0004"]
    db = Database(db_path)
    upto.apply(db)
    db.execute("INSERT INTO partnerships VALUES ('p1', 'Old partnership', '', '2025-01-01')")
    db.execute("INSERT INTO rounds VALUES ('r1', 'p1', 'Baseline', '2025-01-01', '2025-01-01')")
    db.execute(
        "INSERT INTO actions (id, partnership_id, round_id, description, owner, due_on, "
        "status, created_at, updated_at) VALUES "
        "('a1', 'p1', 'r1', 'Old action', 'Someone', '2025-06-01', 'open', 'x', 'x')"
    )
    db.conn.commit()
    db.close()
    with Store.open(db_path) as store:
        applied = [r["name"] for r in store.db.query("SELECT name FROM _sqlite_migrations")]
        assert applied == known_migration_names() and "0004_action_history" in applied
        (action,) = store.actions()
        assert (action.description, action.carried_from) == ("Old action", None)
        assert store.action_history(["a1"]) == []  # its past was not kept; nothing invented
        store.update_action("a1", status="done")
        assert [h["field"] for h in store.action_history(["a1"])] == ["status"]
        assert store.integrity_problems() == []


def test_a_database_without_the_history_table_still_reads_read_only(demo_db, tmp_path):
    import shutil

    path = tmp_path / "old.sqlite"
    shutil.copy(demo_db, path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE action_history")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0004_action_history'")
    conn.close()
    with Services.open(path, readonly=True) as services:
        (p,) = services.partnerships()
        latest = services.rounds_latest_first(p.id)[0]
        rows = services.action_plan(latest.id)
        assert rows
        assert services.action_history(rows[0].action.id) == []


def test_actions_travel_in_a_bundle_without_their_history(services, plan, tmp_path):
    p, rnd, *_ = plan
    later = services.add_round(p.id, "Six-month review", "2027-05-01")
    out = tmp_path / "round.icsa"
    services.export_assessments([], out, round_ids=[rnd.id, later.id])
    with Services.open(tmp_path / "other.sqlite") as receiver:
        receiver.apply_import(receiver.plan_import(out))
        arrived = {a.id: a for a in receiver.store.actions()}
        sent = {a.id: a for a in services.store.actions()}
        assert set(arrived) == set(sent)
        # Format 2 has no carried_from: a carried action arrives as an action of its round.
        assert all(a.carried_from is None for a in arrived.values())
        assert {a.description for a in arrived.values()} == {a.description for a in sent.values()}


def test_the_plan_exports_to_csv(services, plan, tmp_path):
    _, rnd, *_ = plan
    out = services.export_action_plan(rnd.id, tmp_path / "plan.csv", today=TODAY)
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert len(rows) == 3
    assert {r["Status"] for r in rows} >= {"Open, overdue", "Open"}
    assert any("Test ICB" in r["Organisation"] for r in rows)


def test_the_plan_exports_to_xlsx(services, plan, tmp_path):
    from openpyxl import load_workbook

    _, rnd, *_ = plan
    out = services.export_action_plan(rnd.id, tmp_path / "plan.xlsx", today=TODAY)
    sheet = load_workbook(out).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Action" and len(values) == 4
    with pytest.raises(Exception, match=r"neither \.csv nor \.xlsx"):
        services.export_action_plan(rnd.id, tmp_path / "plan.pdf")


def test_services_have_one_update_action(services):
    assert Services.update_action.__module__ == "ics_assess.services.actions"


def test_the_plan_prints_to_a_pdf(services, plan, tmp_path):
    from pypdf import PdfReader

    _, rnd, *_ = plan
    out = services.print_action_plan(rnd.id, tmp_path / "plan.pdf", today=TODAY)
    text = "".join(page.extract_text() for page in PdfReader(out).pages)
    assert "Action plan: Baseline" in text
    assert "Publish the board" in text and "overdue" in text
