"""The workshop as the room sees it (ics_assess/workshop.py), checked against examples
worked by hand in this file.

The questionnaire has two sections of two equally weighted statements; statement 1.2
("Decisions are often reopened") is a reverse statement, so a rating of 2 scores 4.
"""

from __future__ import annotations

import math

import pytest

from ics_assess.domain import (
    Action,
    AgreedScore,
    AgreementOutcome,
    Answer,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Item,
    Organisation,
    Partnership,
    PartnerType,
    Position,
    Questionnaire,
    Round,
    ScalePoint,
    Section,
    Sector,
    Unrated,
    Workshop,
)
from ics_assess.workshop import ParticipantEntry, build_workshop_view

NHS, LG, COMMUNITY = Sector.NHS, Sector.LOCAL_GOVERNMENT, Sector.COMMUNITY
PARTNERSHIP = Partnership("p", "Riverside")
ROUND = Round("r", "p", "Six-month review", "2026-11-01")
SCALE = tuple(ScalePoint(v, str(v), "") for v in range(1, 6))


def questionnaire(version: str = "1.0", m1: str = "Budgets are pooled.") -> Questionnaire:
    return Questionnaire(
        id="q",
        version=version,
        title="Equal partnership",
        purpose="",
        scale=SCALE,
        sections=(
            Section(
                "agenda",
                "Setting the agenda",
                (
                    Item("a1", "We agree the agenda together.", ""),
                    Item("a2", "Decisions are often reopened.", "", reverse=True),
                ),
            ),
            Section(
                "money",
                "Money",
                (Item("m1", m1, ""), Item("m2", "Costs are shared.", "")),
            ),
        ),
    )


Q = questionnaire()
WORKSHOP = Workshop("w", "r", "q", "1.0", "Equal partnership workshop", "2026-11-18", "Priya")
ORGS = {
    "icb": Organisation("icb", "p", "Riverside ICB", PartnerType.ICB),
    "trust": Organisation("trust", "p", "Riverside Hospitals", PartnerType.NHS_TRUST),
    "gp": Organisation("gp", "p", "Riverside GPs", PartnerType.PRIMARY_CARE),
    "county": Organisation(
        "county", "p", "Riverside County Council", PartnerType.UPPER_TIER_COUNCIL
    ),
    "district": Organisation(
        "district", "p", "Eastdale District Council", PartnerType.DISTRICT_COUNCIL
    ),
    "health": Organisation("health", "p", "Riverside Public Health", PartnerType.PUBLIC_HEALTH),
    "vcse": Organisation("vcse", "p", "Riverside Voluntary Action", PartnerType.VCSE),
    "watch": Organisation("watch", "p", "Healthwatch Riverside", PartnerType.HEALTHWATCH),
    "fire": Organisation("fire", "p", "Riverside Fire", PartnerType.OTHER),
}
_ids = iter(range(10_000))


def person(
    org: str,
    ratings: int | dict[str, int | Unrated],
    *,
    status: str = "submitted",
    q: Questionnaire = Q,
    name: str | None = None,
) -> ParticipantEntry:
    """A participant of ``org`` who rates every statement ``ratings`` (or as given)."""
    given = ratings if isinstance(ratings, dict) else {i.id: ratings for i in q.items}
    answers = {
        item_id: Answer(item_id, None, value)
        if isinstance(value, Unrated)
        else Answer(item_id, value)
        for item_id, value in given.items()
    }
    assessment = Assessment(
        id=f"a{next(_ids)}",
        round_id="r",
        organisation_id=org,
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        kind=AssessmentKind.INDIVIDUAL,
        status=AssessmentStatus(status),
        respondent_name=name,
        workshop_id="w",
    )
    return ParticipantEntry(assessment, ORGS[org], q, answers)


def agreed(item_id: str, rating: int | Unrated, reasoning: str = "") -> AgreedScore:
    if isinstance(rating, Unrated):
        return AgreedScore("w", item_id, unrated=rating, reasoning=reasoning)
    return AgreedScore("w", item_id, rating=rating, reasoning=reasoning)


def not_agreed(item_id: str, *positions: tuple[int, tuple[Sector, ...]], reasoning: str = ""):
    return AgreedScore(
        "w",
        item_id,
        outcome=AgreementOutcome.NOT_AGREED,
        positions=tuple(Position(r, s) for r, s in positions),
        reasoning=reasoning,
    )


def view(participants, outcomes=(), actions=(), q: Questionnaire = Q):
    return build_workshop_view(
        workshop=WORKSHOP,
        partnership=PARTNERSHIP,
        round=ROUND,
        questionnaire=q,
        participants=participants,
        agreed={a.item_id: a for a in outcomes},
        actions=actions,
    )


def test_the_distribution_counts_each_rating_by_sector():
    # Nine people, three per sector, on statement 1.1:
    #   NHS 4, 4, 5; local government 2, 2, 3; community 1, 3, 3.
    # Totals by point: 1:1, 2:2, 3:3, 4:2, 5:1; n 9; mean 27 / 9 = 3.0.
    people = [
        person("icb", {"a1": 4}),
        person("trust", {"a1": 4}),
        person("gp", {"a1": 5}),
        person("county", {"a1": 2}),
        person("district", {"a1": 2}),
        person("health", {"a1": 3}),
        person("vcse", {"a1": 1}),
        person("watch", {"a1": 3}),
        person("fire", {"a1": 3}),
    ]
    row = view(people).statement("a1")
    assert row.shown and row.n == 9
    assert row.combined == ()
    assert row.groups == (NHS, LG, COMMUNITY)
    assert row.counts == {
        1: {NHS: 0, LG: 0, COMMUNITY: 1},
        2: {NHS: 0, LG: 2, COMMUNITY: 0},
        3: {NHS: 0, LG: 1, COMMUNITY: 2},
        4: {NHS: 2, LG: 0, COMMUNITY: 0},
        5: {NHS: 1, LG: 0, COMMUNITY: 0},
    }
    assert row.totals == {1: 1, 2: 2, 3: 3, 4: 2, 5: 1}
    assert row.mean == pytest.approx(3.0)
    # Distances from 3: 1 1 2 1 1 0 2 0 0 -> log2(1 - d/4): four of -0.415, two of -1,
    # three of 0; sum -3.660, mean -0.4067: agreement 0.593, below 0.6 with 9: split.
    assert row.spread.consensus == pytest.approx(1 + (4 * math.log2(0.75) - 2) / 9)
    assert row.split


def test_a_sector_of_fewer_than_three_is_never_coloured_on_its_own():
    # NHS 3 ratings (4, 4, 5), local government 3 (2, 2, 3), community 1 (the VCSE's 1).
    # The community's one rating cannot stand alone; with nothing else small to join it
    # folds with the smaller of the sectors shown (a tie: the later, local government),
    # so the room sees NHS, and "local government and community together" (4 ratings).
    people = [
        person("icb", {"a1": 4}),
        person("trust", {"a1": 4}),
        person("gp", {"a1": 5}),
        person("county", {"a1": 2}),
        person("district", {"a1": 2}),
        person("health", {"a1": 3}),
        person("vcse", {"a1": 1}),
    ]
    row = view(people).statement("a1")
    assert row.combined == (LG, COMMUNITY)
    assert row.groups == (NHS, None)
    assert row.counts[1] == {NHS: 0, None: 1}
    assert row.counts[2] == {NHS: 0, None: 2}
    assert row.counts[4] == {NHS: 2, None: 0}
    assert row.group_label(None) == "Local government and community together"
    assert row.group_label(NHS) == "NHS"
    assert sum(row.totals.values()) == row.n == 7


def test_two_small_sectors_are_combined_with_each_other_first():
    # NHS 3; local government 2; community 1: the two small ones together make 3.
    people = [person(o, {"a1": 3}) for o in ("icb", "trust", "gp", "county", "district", "vcse")]
    row = view(people).statement("a1")
    assert row.combined == (LG, COMMUNITY)
    assert row.counts[3] == {NHS: 3, None: 3}


def test_when_every_sector_is_small_the_room_is_one_group():
    people = [person(o, {"a1": 2}) for o in ("icb", "county", "vcse")]
    row = view(people).statement("a1")
    assert row.combined == (NHS, LG, COMMUNITY)
    assert row.counts[2] == {None: 3}
    assert row.group_label(None) == "All participants"


def test_dont_knows_are_counted_apart_from_n_and_the_mean():
    # Ratings 2, 3, 4 (n 3, mean 3.0); one don't know and one not applicable.
    people = [
        person("icb", {"a1": 2}),
        person("county", {"a1": 3}),
        person("vcse", {"a1": 4}),
        person("trust", {"a1": Unrated.DONT_KNOW}),
        person("district", {"a1": Unrated.NOT_APPLICABLE}),
    ]
    row = view(people).statement("a1")
    assert (row.n, row.dont_know, row.not_applicable) == (3, 1, 1)
    assert row.mean == pytest.approx(3.0)
    assert sum(row.totals.values()) == 3


def test_drafts_are_still_answering_not_counted_but_named_in_the_notes():
    people = [
        person("icb", 4),
        person("county", 4),
        person("vcse", 4),
        person("trust", 1, status="draft"),
        person("district", 1, status="draft"),
    ]
    v = view(people)
    row = v.statement("a1")
    assert row.n == 3 and row.mean == pytest.approx(4.0)
    assert v.taking_part.expected == 5
    assert v.taking_part.answered == 3
    assert v.taking_part.still_answering == 2
    assert v.taking_part.by_sector == {NHS: 1, LG: 1, COMMUNITY: 1}
    assert any("2 participants are still answering" in n for n in v.notes)


def test_fewer_than_three_shows_no_distribution_and_says_so():
    people = [
        person("icb", {"a1": 1, "m1": 4}),
        person("county", {"a1": 5, "m1": Unrated.DONT_KNOW}),
    ]
    v = view(people, [agreed("a1", 3)])
    row = v.statement("a1")
    assert row.n == 2 and not row.shown
    assert row.counts == {} and row.totals == {}
    assert row.mean is None and row.spread.mean is None and row.spread.consensus is None
    assert not row.split  # two people disagreeing is not a split, and is not shown
    # With fewer than 3 handed back, not even the don't knows are counted out loud.
    assert v.statement("m1").dont_know == 0
    assert v.too_few
    assert any("Fewer than 3 participants have handed back (2)" in n for n in v.notes)
    # The agreed outcome is the room's, and is shown.
    assert row.agreed is not None and row.agreed.rating == 3
    for section in v.sections:
        assert section.participants_mean is None
        assert section.participants_spread.mean is None
    agenda = v.sections[0]
    # Each rated 1.1 only: 1 of 2 statements is half, so both have a section score.
    assert agenda.participants_n == 2
    assert agenda.reason.startswith("Fewer than 3 participants have a score")
    assert v.participants_overall is None


def test_a_statement_with_under_three_ratings_is_hidden_in_a_larger_room():
    # Five handed back; on 1.1 only two rated, three said don't know.
    people = [
        person("icb", {"a1": 5}),
        person("county", {"a1": 1}),
        person("vcse", {"a1": Unrated.DONT_KNOW}),
        person("trust", {"a1": Unrated.DONT_KNOW}),
        person("district", {"a1": Unrated.DONT_KNOW}),
    ]
    v = view(people)
    row = v.statement("a1")
    assert not row.shown and row.counts == {} and row.mean is None
    assert row.dont_know == 3
    assert any(n.startswith("Statements 1.1, 1.2, 2.1 and 2.2 had fewer than 3") for n in v.notes)


def test_the_agreed_section_score_beside_the_participants_mean():
    # Section 1 (1.1, and 1.2 reversed). Agreed: 1.1 at 4, 1.2 at 2 (scores 4): 4.0.
    # Participants' section scores: ICB 1.1=5, 1.2=1 (scores 5): 5.0; county 1.1=2,
    # 1.2=4 (scores 2): 2.0; VCSE 1.1=3, 1.2=3: 3.0; trust 1.1=4, 1.2=2 (4): 4.0.
    # Mean (5 + 2 + 3 + 4) / 4 = 3.5; agreed minus mean = +0.5.
    # Section 2 (2.1, 2.2): not agreed on 2.1, agreed 3 on 2.2: 1 of 2 weights is half,
    # so the agreed score is reported: 3.0. Participants rate 2.1 only two of them, and
    # 2.2 not at all: two have a section score (half answered), one has none: fewer than
    # 3, so no mean.
    people = [
        person("icb", {"a1": 5, "a2": 1, "m1": 4}),
        person("county", {"a1": 2, "a2": 4, "m1": 2}),
        person("vcse", {"a1": 3, "a2": 3}),
        person("trust", {"a1": 4, "a2": 2}),
    ]
    outcomes = [
        agreed("a1", 4, "We agree the agenda now."),
        agreed("a2", 2),
        not_agreed("m1", (4, (NHS,)), (2, (LG, COMMUNITY))),
        agreed("m2", 3),
    ]
    v = view(people, outcomes)
    agenda, money = v.sections
    assert agenda.number == 1 and agenda.section.id == "agenda"
    assert agenda.agreed.mean == pytest.approx(4.0)
    assert agenda.participants_mean == pytest.approx(3.5)
    assert agenda.participants_n == 4
    assert agenda.difference == pytest.approx(0.5)
    assert agenda.reason == ""
    assert money.agreed.mean == pytest.approx(3.0)
    assert money.participants_mean is None and money.participants_n == 2
    assert "Fewer than 3 participants have a score for this section (2)" in money.reason
    # The statement's distribution is of the ratings as given: 1.2's mean is
    # (1 + 4 + 3 + 2) / 4 = 2.5, beside the agreed rating 2, on the same footing.
    assert v.statement("a2").mean == pytest.approx(2.5)
    # Overall: agreed sections 4.0 and 3.0 -> 3.5. Participants: ICB (5, 4) 4.5;
    # county (2, 2) 2.0; VCSE 3.0 (section 2 unanswered); trust 4.0: (4.5+2+3+4)/4.
    assert v.agreed_score.mean == pytest.approx(3.5)
    assert v.participants_overall == pytest.approx(13.5 / 4)
    assert v.participants_overall_n == 4


def test_a_section_with_nothing_agreed_has_no_agreed_score():
    people = [person(o, 3) for o in ("icb", "county", "vcse")]
    v = view(people, [not_agreed("m1", (4, (NHS,)), (2, (LG,))), agreed("a1", 3)])
    agenda, money = v.sections
    assert agenda.agreed.mean == pytest.approx(3.0)  # 1 of 2 statements: half, reported
    assert money.agreed.mean is None  # 2.1 not agreed and 2.2 not recorded
    assert money.participants_mean == pytest.approx(3.0)


def test_split_statements_with_how_the_room_resolved_them():
    # 1.1: 1, 1, 5, 5 -> agreement 0: split; the room did not agree.
    # 2.1: 2, 2, 4, 4 -> agreement 0.585: split; the room agreed 3.
    # 2.2: 3, 3, 4, 4 -> not split.
    people = [
        person("icb", {"a1": 1, "m1": 2, "m2": 3}),
        person("trust", {"a1": 1, "m1": 2, "m2": 3}),
        person("county", {"a1": 5, "m1": 4, "m2": 4}),
        person("vcse", {"a1": 5, "m1": 4, "m2": 4}),
    ]
    outcomes = [
        not_agreed("a1", (1, (NHS,)), (5, (LG, COMMUNITY)), reasoning="Two views."),
        agreed("m1", 3, "Somewhere between."),
    ]
    v = view(people, outcomes)
    assert [s.number for s in v.split_items] == ["1.1", "2.1"]
    first, second = v.split_items
    assert first.spread.consensus == pytest.approx(0.0)
    assert first.outcome is AgreementOutcome.NOT_AGREED
    assert first.agreed.positions == (Position(1, (NHS,)), Position(5, (LG, COMMUNITY)))
    assert first.agreed.reasoning == "Two views."
    assert second.spread.consensus == pytest.approx(1 + math.log2(0.75))
    assert second.outcome is AgreementOutcome.AGREED and second.agreed.rating == 3
    assert v.statement("m2").outcome is None and not v.statement("m2").split
    assert (v.agreed_count, v.not_agreed_count) == (1, 1)


def test_two_participants_from_one_organisation_count_as_two_people():
    # The ICB sends two people (4 and 2), the county one (3): n 3, mean 3.0 (a
    # comparison would have counted the ICB once, as 3). Taking part: 3 people from 2
    # organisations; NHS 2 (both Integrated Care Board), local government 1.
    people = [
        person("icb", {"a1": 4}, name="Paul Whitfield"),
        person("icb", {"a1": 2}),
        person("county", {"a1": 3}, name="Margaret Hollis"),
    ]
    v = view(people)
    row = v.statement("a1")
    assert row.n == 3 and row.mean == pytest.approx(3.0)
    assert row.combined == (NHS, LG)  # NHS has 2 and LG 1: neither shown alone
    assert row.totals == {1: 0, 2: 1, 3: 1, 4: 1, 5: 0}
    t = v.taking_part
    assert (t.answered, t.organisations) == (3, 2)
    assert t.by_sector == {NHS: 2, LG: 1}
    assert t.by_partner_type == {PartnerType.ICB: 2, PartnerType.UPPER_TIER_COUNCIL: 1}
    # Nothing in the view carries a name: the notes and labels are counts only.
    text = repr(v.notes) + repr(t) + repr([s.group_label(g) for s in [row] for g in row.groups])
    assert "Whitfield" not in text and "Hollis" not in text


def test_answers_on_another_version_count_only_where_the_statement_is_the_same():
    # A bring-your-own participant answered version 0.9, where 2.1 reads differently:
    # their 2.1 is left out; their 1.1 counts.
    old = questionnaire("0.9", m1="Budgets are sometimes pooled.")
    people = [
        person("icb", 4),
        person("county", 4),
        person("vcse", 4),
        person("trust", 1, q=old),
    ]
    v = view(people)
    assert v.statement("a1").n == 4
    assert v.statement("m1").n == 3
    assert any("version 0.9" in n and "2.1" in n for n in v.notes)


def test_outcomes_for_statements_not_in_the_questionnaire_are_left_out():
    people = [person(o, 3) for o in ("icb", "county", "vcse")]
    v = view(people, [agreed("gone", 5), agreed("a1", 3)])
    assert v.agreed_count == 1
    assert any("1 recorded outcome is for statements not in version 1.0" in n for n in v.notes)


def test_actions_come_by_statement_then_section_then_the_whole_workshop():
    def action(i, item=None, section=None, due=""):
        return Action(
            f"x{i}", "p", "r", f"Action {i}", due_on=due, workshop_id="w",
            questionnaire_id="q", section_id=section, item_id=item,
        )  # fmt: skip

    actions = [
        action(1),
        action(2, section="money"),
        action(3, item="m1", section="money"),
        action(4, item="a1", section="agenda", due="2027-03-31"),
        action(5, item="a1", section="agenda", due="2027-01-31"),
        action(6, section="agenda"),
    ]
    v = view([], actions=actions)
    assert [a.id for a in v.actions] == ["x5", "x4", "x6", "x3", "x2", "x1"]
    assert [a.id for a in v.actions_for("a1")] == ["x5", "x4"]


def test_an_empty_workshop():
    v = view([])
    assert v.taking_part.expected == 0 and v.too_few
    assert all(not s.shown and s.n == 0 for s in v.statements)
    assert v.split_items == ()
    assert v.sections[0].reason == "No participant has handed back their answers yet."
    assert v.notes[0] == "No participant has joined this workshop yet."
