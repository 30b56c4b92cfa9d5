"""The review of a round against an earlier one (issue 11): a hand-worked partnership
whose every figure is known, the demo's six-month review, the concerns (added, refused,
removed) and the migration that keeps them. Real SQLite files in temp directories."""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import date

import pytest

from ics_assess.domain import ActionStatus, Sector
from ics_assess.review import GapChange, gap_words
from ics_assess.services import ServiceError, Services
from ics_assess.store.schema import READ_COMPATIBLE_MIGRATIONS

TODAY = date(2026, 12, 1)
STATEMENT = "gov-decisions-2"  # not reversed, weight 1, in section "decisions"


def _answer_all(services, rnd, org, rating_of_statement: int) -> None:
    """An organisation response to governance: 3 everywhere (the same score whether an
    item is reversed or not), ``rating_of_statement`` on STATEMENT."""
    a = services.start_assessment(
        round_id=rnd.id,
        organisation_id=org.id,
        questionnaire_id="governance",
        kind="organisation",
        respondent_name="R",
    )
    q = services.latest_questionnaire("governance").questionnaire
    for item in q.items:
        services.answer(a.id, item.id, rating_of_statement if item.id == STATEMENT else 3)
    services.submit(a.id)


@pytest.fixture
def worked(services, partnership_setup):
    """Baseline: the ICB rates STATEMENT 5, the council 1, the voluntary sector 3. Two
    actions agreed at the baseline: one on STATEMENT (carried forward, done at the
    review), one on its section (dropped there and then). The council raises STATEMENT
    as a concern. Review: the ICB and the council both rate it 4, the voluntary sector 3."""
    p, baseline, orgs = partnership_setup
    for key, rating in (("icb", 5), ("council", 1), ("vcse", 3)):
        _answer_all(services, baseline, orgs[key], rating)
    services.create_action(
        baseline.id,
        description="Write down the split between system and place.",
        owner="ICB Director of Strategy",
        due_on="2026-06-30",
        questionnaire_id="governance",
        item_id=STATEMENT,
    )
    on_section = services.create_action(
        baseline.id,
        description="Map every decision-making body.",
        owner="Board secretary",
        questionnaire_id="governance",
        section_id="decisions",
    )
    services.drop_action(on_section.id)
    concern = services.add_concern(
        baseline.id,
        questionnaire_id="governance",
        item_id=STATEMENT,
        organisation_id=orgs["council"].id,
        note="Place decisions are taken for us, not by us.",
    )
    review = services.add_round(p.id, "Review", "2027-05-01")  # carries the open action
    (copy,) = services.action_plan(review.id)
    services.update_action(copy.action.id, due_on="2026-09-30")
    services.complete_action(copy.action.id)
    for key, rating in (("icb", 4), ("council", 4), ("vcse", 3)):
        _answer_all(services, review, orgs[key], rating)
    return services, p, baseline, review, orgs, concern


def test_hand_worked_gaps_moves_and_questions(worked):
    services, _p, baseline, review_round, _orgs, concern = worked
    review = services.review(review_round.id, today=TODAY)
    assert review.since.id == baseline.id  # the round before, by default
    (qr,) = review.questionnaires
    assert qr.matched == 3
    # The statement moved: 3.0 (5, 1, 3) -> 3.67 (4, 4, 3).
    (moved,) = qr.moved
    assert moved.key == STATEMENT
    change = moved.trend.system
    assert (change.before, round(change.after, 4)) == (3.0, round(11 / 3, 4))
    # Its gaps: NHS-local government 4 -> 0, NHS-community 2 -> 1, local
    # government-community -2 -> 1; statements keep the headline pair only.
    statement_gaps = [g for g in qr.gaps if g.scope == "statement"]
    assert [(g.first, g.second, g.before, g.after) for g in statement_gaps] == [
        (Sector.NHS, Sector.LOCAL_GOVERNMENT, 4.0, 0.0)
    ]
    assert statement_gaps[0].narrowed and statement_gaps[0].change == -4.0
    # The questionnaire and the section move too: one statement of many.
    assert all(g.scope != "statement" or g.key == STATEMENT for g in qr.gaps)
    # The concern's questions, each answered from the data.
    (cr,) = review.concerns
    assert cr.concern.id == concern.id
    assert (cr.raised_by, cr.raised_in, cr.moved, cr.verdict) == (
        "Test County Council",
        "Baseline",
        True,
        "moved up",
    )
    where, moved_q, alike, actions = cr.questions
    assert where.question == "Where does the partnership stand on this statement now?"
    assert where.answer.startswith("System score 3.7 (")
    assert "NHS 4.0, local government 4.0, community 3.0." in where.answer
    assert moved_q.answer == (
        "Yes, up: 3.0 → 3.7 (+0.7), over the 3 organisations that scored it in both "
        "rounds. By sector: NHS −1.0, local government +3.0, community 0.0."
    )
    assert alike.answer == (
        "Broadly: NHS and local government alike, under the 1.0 that is flagged. In "
        "Baseline, among the organisations that scored it in both rounds: NHS 4.0 higher "
        "than local government; the gap narrowed."
    )
    assert actions.answer.startswith("1 action: 1 done. “Write down the split")
    assert "(ICB Director of Strategy): done on " in actions.answer


def test_the_actions_agreed_are_followed_to_their_fate(worked):
    services, _p, _baseline, review_round, _orgs, _concern = worked
    review = services.review(review_round.id, today=TODAY)
    fates = {a.description: a for a in review.actions}
    carried = fates["Write down the split between system and place."]
    assert (carried.fate, carried.status, carried.carried_to) == (
        "done",
        ActionStatus.DONE,
        "Review",
    )
    assert (carried.first_due_on, carried.due_on, carried.due_moved) == (
        "2026-06-30",
        "2026-09-30",
        True,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", carried.fate_on)  # the day it was marked done
    dropped = fates["Map every decision-making body."]
    assert (dropped.fate, dropped.carried_to) == ("dropped", "")
    assert review.new_actions == ()  # the carried copy is not a new action
    # Overdue depends on the day the pack is made.
    services.update_action(services.action_plan(review_round.id)[0].action.id, status="open")
    early = services.review(review_round.id, today=date(2026, 9, 1))
    late = services.review(review_round.id, today=date(2026, 10, 1))
    split = "Write down the split between system and place."
    assert {a.description: a.fate for a in early.actions}[split] == "not_started"
    assert {a.description: a.fate for a in late.actions}[split] == "overdue"


def test_the_profile_then_and_now(worked):
    services, _p, baseline, review_round, _orgs, _concern = worked
    services.set_profile_value(baseline.id, "icb_voting_members", 91, source="Board papers")
    services.set_profile_value(baseline.id, "icb_councillors", 9)
    services.set_profile_value(review_round.id, "icb_voting_members", 90)
    services.set_profile_value(review_round.id, "icb_councillors", 12)
    lines = {p.fact_id: p for p in services.review(review_round.id, today=TODAY).profile}
    assert (lines["icb_councillors"].before_text, lines["icb_councillors"].after_text) == (
        "9",
        "12",
    )
    assert lines["icb_councillors"].change_text == "+3"
    assert lines["icb_voting_members"].change_text == "−1"
    assert lines["icb_voting_members"].source == "Board papers"  # the earlier, none now
    share = lines["icb_councillor_share"]
    assert share.computed and share.change_text == "+3.4 points"  # 9.9% -> 13.3%
    assert lines["prevention_share"].change_text == ""  # no value in either round


def test_choosing_the_rounds_is_refused_in_words(worked):
    services, _p, baseline, review_round, _orgs, _concern = worked
    with pytest.raises(ServiceError, match="is the partnership's first"):
        services.review(baseline.id)
    with pytest.raises(ServiceError, match="was opened after"):
        services.review(baseline.id, since=review_round.id)
    with pytest.raises(ServiceError, match="not the same one"):
        services.review(review_round.id, since=review_round.id)
    other = services.store.add_partnership("Other", "")
    elsewhere = services.store.add_round(other.id, "Elsewhere", "2026-01-01")
    with pytest.raises(ServiceError, match="another partnership"):
        services.review(review_round.id, since=elsewhere.id)
    with pytest.raises(ServiceError, match="no round"):
        services.review("nope")


def test_concerns_are_checked_and_removed(worked):
    services, p, baseline, review_round, orgs, concern = worked
    with pytest.raises(ServiceError, match="has already raised"):
        services.add_concern(
            review_round.id,
            questionnaire_id="governance",
            item_id=STATEMENT,
            organisation_id=orgs["council"].id,
        )
    # Another partner may raise the same statement; the section is a different concern.
    services.add_concern(
        baseline.id, questionnaire_id="governance", item_id=STATEMENT, organisation_id=None
    )
    services.add_concern(baseline.id, questionnaire_id="governance", section_id="decisions")
    for kwargs, sentence in (
        ({"questionnaire_id": "governance"}, "Choose the section or statement"),
        ({"questionnaire_id": "governance", "item_id": "nope"}, "has no statement 'nope'"),
        ({"questionnaire_id": "governance", "section_id": "nope"}, "has no section 'nope'"),
        ({"questionnaire_id": "nope", "section_id": "x"}, "no questionnaire with the id"),
        (
            {"questionnaire_id": "governance", "item_id": STATEMENT, "section_id": "review"},
            "in another section",
        ),
        (
            {"questionnaire_id": "governance", "section_id": "review", "note": "x" * 10_001},
            "10,000",
        ),
    ):
        with pytest.raises(ServiceError, match=sentence):
            services.add_concern(baseline.id, **kwargs)
    other = services.store.add_partnership("Other", "")
    stranger = services.store.add_organisation(other.id, "Stranger Council", "district_council")
    with pytest.raises(ServiceError, match="another partnership"):
        services.add_concern(
            baseline.id,
            questionnaire_id="governance",
            section_id="decisions",
            organisation_id=stranger.id,
        )
    rows = services.concern_rows(p.id)
    assert [r.raised_by for r in rows] == [
        "Test County Council",
        "The partnership",
        "The partnership",
    ]
    assert rows[2].label == "Section 1: Who decides what"
    assert services.find_concern(concern.id[:8]) == concern.id
    services.remove_concern(concern.id)
    assert len(services.concern_rows(p.id)) == 2
    with pytest.raises(ServiceError, match="no concern"):
        services.remove_concern(concern.id)
    # A concern raised in a later round is not asked about in an earlier review.
    later = services.add_round(p.id, "Later", "2027-11-01")
    services.add_concern(later.id, questionnaire_id="governance", section_id="review")
    assert len(services.review(review_round.id, today=TODAY).concerns) == 2
    assert len(services.review(later.id, today=TODAY).concerns) == 3


def test_gap_words_and_verdicts():
    assert gap_words(Sector.NHS, Sector.LOCAL_GOVERNMENT, 1.24) == (
        "NHS 1.2 higher than local government"
    )
    assert gap_words(Sector.NHS, Sector.COMMUNITY, -0.3) == "community 0.3 higher than NHS"
    assert gap_words(Sector.NHS, Sector.COMMUNITY, 0.01) == "NHS and community alike"
    held = GapChange("section", "s", "S", Sector.NHS, Sector.COMMUNITY, 1.0, -0.6)
    assert held.verdict == "held" and round(held.change, 6) == -0.4
    flipped = GapChange("section", "s", "S", Sector.NHS, Sector.COMMUNITY, 0.2, -0.7)
    assert flipped.verdict == "widened"  # the other sector now rates it higher, further apart
    assert flipped.sentence() == (
        "NHS 0.2 higher than community; now community 0.7 higher than NHS: widened by 0.5"
    )


def test_the_demo_review(demo_db, tmp_path):
    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_db, path)
    with Services.open(path, readonly=True) as services:
        (p,) = services.partnerships()
        latest = services.rounds_latest_first(p.id)[0]
        review = services.review(latest.id, today=TODAY)
        assert [q.title for q in review.questionnaires] == [
            "Democratic involvement and citizen voice",
            "Equal partnership",
            "Governance and accountability",
        ]
        assert all(q.matched >= 8 for q in review.questionnaires)
        counts = {}
        for a in review.actions:
            counts[a.fate] = counts.get(a.fate, 0) + 1
        assert counts == {
            "done": 3,
            "in_progress": 1,
            "overdue": 1,
            "dropped": 1,
            "not_started": 1,
        }
        assert [c.raised_by for c in review.concerns] == [
            "Northshire County Council",
            "Northshire County Council",
            "Westmoor City Council",
            "Healthwatch Northshire",
        ]
        scrutiny = review.concerns[2]
        assert scrutiny.concern.item_id == "dem-scrutiny-3"
        assert "overdue: due 2026-10-31, in progress" in scrutiny.questions[3].answer
        councillors = {p.fact_id: p for p in review.profile}["icb_councillors"]
        assert (councillors.before, councillors.after) == (9, 11)
        summary = review.summary()
        assert summary[3].startswith("Actions agreed in Baseline, May 2026: 7 actions:")
        assert summary[-1].startswith("Concerns raised: 4;")
        document = services.review_document(review)
        assert document["round"]["id"] == latest.id
        assert {q["id"] for q in document["questionnaires"]} == {
            "democratic-involvement",
            "equal-partnership",
            "governance",
        }
        assert len(document["concerns"]) == 4 and len(document["actions"]) == 7


def test_a_database_without_concerns_reads_read_only(demo_db, tmp_path):
    assert "0006_concerns" in READ_COMPATIBLE_MIGRATIONS
    path = tmp_path / "old.sqlite"
    shutil.copy(demo_db, path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE concerns")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0006_concerns'")
    conn.close()
    with Services.open(path, readonly=True) as services:
        (p,) = services.partnerships()
        latest = services.rounds_latest_first(p.id)[0]
        assert services.review(latest.id, today=TODAY).concerns == ()
    # Opened for writing, it is upgraded and takes concerns.
    with Services.open(path) as services:
        (p,) = services.partnerships()
        rnd = services.rounds_latest_first(p.id)[0]
        services.add_concern(rnd.id, questionnaire_id="governance", section_id="review")
        assert len(services.concern_rows(p.id)) == 1
