"""Property tests of the scoring method: things that hold for any answers at all."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from ics_assess.domain import Answer, AssessmentKind, Item, PartnerType, Section, Unrated
from ics_assess.scoring import (
    MIN_GROUP,
    Response,
    aggregate,
    consensus,
    group_responses,
    percent,
    perception_gaps,
    scored_value,
    section_score,
    spread,
)

ratings = st.integers(min_value=1, max_value=5)
scale_values = st.floats(min_value=1.0, max_value=5.0, allow_nan=False)
weights = st.sampled_from([0.5, 1.0, 1.0, 1.0, 1.5, 2.0, 3.0]) | st.floats(
    min_value=0.01, max_value=10.0, allow_nan=False
)

# What an item's answer can be: a rating, don't know, not applicable, a comment only, or nothing.
answer_choices = st.one_of(
    ratings,
    st.sampled_from([Unrated.DONT_KNOW, Unrated.NOT_APPLICABLE, "comment", None]),
)


@st.composite
def sections(draw) -> Section:
    count = draw(st.integers(min_value=1, max_value=8))
    items = tuple(
        Item(f"i{n}", "Statement", "Guidance", weight=draw(weights), reverse=draw(st.booleans()))
        for n in range(count)
    )
    return Section("s", "Section", items)


def make_answer(item_id: str, choice) -> Answer | None:
    if choice is None:
        return None
    if choice == "comment":
        return Answer(item_id, comment="a note")
    if isinstance(choice, Unrated):
        return Answer(item_id, unrated=choice)
    return Answer(item_id, rating=choice)


@st.composite
def answered_sections(draw) -> tuple[Section, dict[str, Answer]]:
    section = draw(sections())
    answers = {}
    for item in section.items:
        answer = make_answer(item.id, draw(answer_choices))
        if answer is not None:
            answers[item.id] = answer
    return section, answers


@st.composite
def response_lists(draw, max_size: int = 30) -> list[Response]:
    """Responses from a handful of organisations, with unique assessment ids."""
    orgs = draw(
        st.lists(st.sampled_from(list(PartnerType)), min_size=1, max_size=6).map(
            lambda types: [(f"org{n}", t) for n, t in enumerate(types)]
        )
    )
    size = draw(st.integers(min_value=0, max_value=max_size))
    responses = []
    for n in range(size):
        org, partner_type = draw(st.sampled_from(orgs))
        kind = draw(
            st.sampled_from(
                [AssessmentKind.INDIVIDUAL, AssessmentKind.INDIVIDUAL, AssessmentKind.ORGANISATION]
            )
        )
        value = draw(st.none() | scale_values)
        responses.append(Response(f"a{n}", org, partner_type, kind, value))
    return responses


# --- ranges ---------------------------------------------------------------------------


@given(answered_sections())
def test_section_scores_stay_on_the_scale(case):
    section, answers = case
    score = section_score(section, answers)
    assert score.rated + score.dont_know + score.not_applicable + score.unanswered == len(
        section.items
    )
    if score.reported:
        assert 1.0 <= score.mean <= 5.0
        assert 0.0 <= score.percent <= 100.0
        assert score.band is not None
    else:
        assert score.percent is None
        assert score.band is None


@given(scale_values)
def test_percent_of_a_scale_value_is_between_0_and_100(mean):
    assert 0.0 <= percent(mean) <= 100.0


@given(st.lists(scale_values, min_size=1, max_size=40))
def test_consensus_is_between_0_and_1(values):
    assert 0.0 <= consensus(values) <= 1.0


@given(st.lists(ratings, min_size=1, max_size=40))
def test_consensus_equals_design_share_formula_for_ratings(values):
    # DESIGN: Cns = 1 + sum over scale points i of p_i * log2(1 - |i - mean| / 4)
    n = len(values)
    mean = sum(values) / n
    counts = Counter(values)
    by_shares = 1 + sum(
        counts[i] / n * math.log2(1 - abs(i - mean) / 4) for i in range(1, 6) if counts[i]
    )
    assert math.isclose(consensus(values), max(0.0, min(1.0, by_shares)), abs_tol=1e-9)


@given(st.lists(scale_values, min_size=0, max_size=40))
def test_spread_is_consistent(values):
    result = spread(values)
    assert result.n == len(values)
    if values:
        assert result.minimum - 1e-9 <= result.mean <= result.maximum + 1e-9
        assert 0.0 <= result.consensus <= 1.0
    if len(values) >= 2:
        assert result.sd >= 0.0
    if result.split:
        assert result.n >= 3


# --- order does not matter ------------------------------------------------------------


@given(st.data())
def test_order_of_respondents_does_not_matter(data):
    responses = data.draw(response_lists())
    shuffled = data.draw(st.permutations(responses))
    for kind in AssessmentKind:
        assert aggregate(shuffled, kind) == aggregate(responses, kind)
        assert perception_gaps(aggregate(shuffled, kind)) == perception_gaps(
            aggregate(responses, kind)
        )
    for level in ("organisation", "partner_type", "sector"):
        assert group_responses(shuffled, level) == group_responses(responses, level)


@given(st.data())
def test_order_of_values_does_not_change_spread(data):
    values = data.draw(st.lists(scale_values, max_size=30))
    assert spread(data.draw(st.permutations(values))) == spread(values)


# --- reverse items mirror -------------------------------------------------------------


@given(ratings)
def test_reverse_item_mirrors_plain_item(rating):
    plain = Item("a", "S", "G")
    rev = Item("a", "S", "G", reverse=True)
    assert scored_value(rev, rating) == 6 - scored_value(plain, rating)


@given(answered_sections())
def test_flipping_reverse_and_every_rating_leaves_the_section_unchanged(case):
    section, answers = case
    flipped_section = replace(
        section, items=tuple(replace(item, reverse=not item.reverse) for item in section.items)
    )
    flipped_answers = {
        item_id: replace(answer, rating=6 - answer.rating) if answer.rating is not None else answer
        for item_id, answer in answers.items()
    }
    assert section_score(flipped_section, flipped_answers) == section_score(section, answers)


# --- don't know never moves a score ---------------------------------------------------


@given(answered_sections(), st.data())
def test_adding_dont_know_never_changes_the_score(case, data):
    section, answers = case
    before = section_score(section, answers)
    unanswered = [
        item.id
        for item in section.items
        if item.id not in answers or not answers[item.id].is_answered
    ]
    chosen = data.draw(st.sets(st.sampled_from(unanswered)) if unanswered else st.just(set()))
    more = dict(answers) | {
        item_id: Answer(item_id, unrated=Unrated.DONT_KNOW) for item_id in chosen
    }
    after = section_score(section, more)
    assert (after.mean, after.percent, after.band) == (before.mean, before.percent, before.band)
    assert after.answered_weight == before.answered_weight
    assert after.dont_know == before.dont_know + len(chosen)


# --- anonymity ------------------------------------------------------------------------


@given(response_lists(max_size=40), st.sampled_from(["organisation", "partner_type", "sector"]))
def test_grouping_never_shows_one_or_two_individuals_and_loses_no_one(responses, level):
    grouping = group_responses(responses, level)
    scored = [r for r in responses if r.value is not None]
    individuals = {r.assessment_id for r in scored if r.kind is AssessmentKind.INDIVIDUAL}
    organisations = {r.assessment_id for r in scored if r.kind is AssessmentKind.ORGANISATION}

    shown_individuals: list[str] = []
    shown_organisations: list[str] = []
    for group in grouping.groups:
        assert group.responses, "an empty group is never returned"
        people = [r for r in group.responses if r.kind is AssessmentKind.INDIVIDUAL]
        assert len(people) == 0 or len(people) >= MIN_GROUP
        shown_individuals += [r.assessment_id for r in people]
        shown_organisations += [
            r.assessment_id for r in group.responses if r.kind is AssessmentKind.ORGANISATION
        ]
        if group.folded:
            assert group.level != level
            assert len(people) == len(group.responses)
        else:
            assert group.level == level

    # Every individual exactly once: shown in one group, or counted as withheld.
    assert len(shown_individuals) == len(set(shown_individuals))
    assert set(shown_individuals) <= individuals
    assert len(shown_individuals) + grouping.withheld == len(individuals)
    # Organisation responses are always shown, once, at the requested level.
    assert sorted(shown_organisations) == sorted(organisations)
    keys = [(group.level, group.key) for group in grouping.groups]
    assert keys == sorted(keys)
    assert len(keys) == len(set(keys))
