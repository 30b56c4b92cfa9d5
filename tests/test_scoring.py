"""Hand-worked tests of the scoring method (DESIGN.md "Scoring method (v1)").

Every expected number is worked out in a comment beside it, so a reader can check the
arithmetic with pencil and paper (log2 values to six places are given where needed).
"""

from __future__ import annotations

import math

import pytest

from ics_assess.domain import (
    DEFAULT_BANDS,
    Answer,
    AssessmentKind,
    Band,
    Item,
    PartnerType,
    Questionnaire,
    ScalePoint,
    Section,
    Sector,
    Unrated,
)
from ics_assess.scoring import (
    GAP_THRESHOLD,
    MIN_GROUP,
    SECTOR_PAIRS,
    SPLIT_MIN_N,
    SPLIT_THRESHOLD,
    Change,
    Response,
    aggregate,
    band_for,
    consensus,
    group_responses,
    item_value,
    percent,
    perception_gap,
    perception_gaps,
    position_in_band,
    questionnaire_score,
    scored_value,
    section_score,
    spread,
    trend,
)

IND = AssessmentKind.INDIVIDUAL
ORG = AssessmentKind.ORGANISATION

# --- helpers --------------------------------------------------------------------------


def item(item_id: str, weight: float = 1.0, reverse: bool = False) -> Item:
    return Item(item_id, f"Statement {item_id}", "Guidance", weight=weight, reverse=reverse)


def section(section_id: str, *items: Item) -> Section:
    return Section(section_id, f"Section {section_id}", tuple(items))


def questionnaire(*sections: Section, bands: tuple[Band, ...] = DEFAULT_BANDS) -> Questionnaire:
    scale = tuple(ScalePoint(v, f"Point {v}", f"Descriptor {v}") for v in range(1, 6))
    return Questionnaire("q", "1.0", "Test", "Testing", scale, tuple(sections), bands)


def answers(**given: int | Unrated) -> dict[str, Answer]:
    """answers(a=4, b=Unrated.DONT_KNOW) -> {item id: Answer}."""
    out = {}
    for item_id, value in given.items():
        if isinstance(value, Unrated):
            out[item_id] = Answer(item_id, unrated=value)
        else:
            out[item_id] = Answer(item_id, rating=value)
    return out


def resp(
    assessment_id: str,
    org: str,
    partner_type: PartnerType,
    value: float | None,
    kind: AssessmentKind = IND,
) -> Response:
    return Response(assessment_id, org, partner_type, kind, value)


def individuals(
    prefix: str, org: str, partner_type: PartnerType, count: int, value: float = 3.0
) -> list[Response]:
    return [resp(f"{prefix}{i}", org, partner_type, value) for i in range(count)]


# --- constants ------------------------------------------------------------------------


def test_constants_are_the_documented_ones():
    assert (SPLIT_THRESHOLD, SPLIT_MIN_N, GAP_THRESHOLD, MIN_GROUP) == (0.6, 3, 1.0, 3)


# --- reverse items --------------------------------------------------------------------


def test_plain_item_scores_the_rating():
    assert [scored_value(item("a"), r) for r in (1, 2, 3, 4, 5)] == [1, 2, 3, 4, 5]


def test_reverse_item_scores_six_minus_rating():
    # 6-1=5, 6-2=4, 6-3=3, 6-4=2, 6-5=1
    rev = item("a", reverse=True)
    assert [scored_value(rev, r) for r in (1, 2, 3, 4, 5)] == [5, 4, 3, 2, 1]


@pytest.mark.parametrize("rating", [0, 6, -1, 2.5, True])
def test_rating_off_the_scale_is_refused(rating):
    with pytest.raises(ValueError, match="not on the 1-5 scale"):
        scored_value(item("a"), rating)


def test_item_value_is_none_unless_rated():
    a = item("a", reverse=True)
    assert item_value(a, None) is None
    assert item_value(a, Answer("a", comment="only a comment")) is None
    assert item_value(a, Answer("a", unrated=Unrated.DONT_KNOW)) is None
    assert item_value(a, Answer("a", rating=2)) == 4  # reverse: 6 - 2 = 4


def test_answer_with_rating_and_unrated_is_refused():
    with pytest.raises(ValueError, match="both a rating and"):
        item_value(item("a"), Answer("a", rating=3, unrated=Unrated.NOT_APPLICABLE))


# --- percent --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mean", "expected"),
    [
        (1.0, 0.0),  # (1 - 1) / 4 * 100 = 0
        (2.0, 25.0),  # (2 - 1) / 4 * 100 = 25
        (3.0, 50.0),  # (3 - 1) / 4 * 100 = 50
        (2.6, 40.0),  # (2.6 - 1) / 4 * 100 = 1.6 / 4 * 100 = 40
        (3.25, 56.25),  # 2.25 / 4 * 100 = 56.25
        (5.0, 100.0),  # (5 - 1) / 4 * 100 = 100
    ],
)
def test_percent(mean, expected):
    assert percent(mean) == pytest.approx(expected)


# --- bands ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pct", "name"),
    [
        (0.0, "Emerging"),
        (39.999, "Emerging"),  # below 40
        (40.0, "Developing"),  # 40 is not below 40, but is below 60
        (59.999, "Developing"),
        (60.0, "Maturing"),
        (79.999, "Maturing"),
        (80.0, "Thriving"),  # not below any cut-off: the last band
        (100.0, "Thriving"),
    ],
)
def test_default_band_boundaries(pct, name):
    assert band_for(pct).name == name


def test_band_boundary_survives_float_noise():
    # Two 5-item sections with means 7/5 = 1.4 and 19/5 = 3.8: overall (1.4 + 3.8) / 2 = 2.6,
    # which is 40 %, so Developing. In floating point the mean comes out 2.5999999999999996
    # (39.99999999999999 %); the band must still be Developing.
    q = questionnaire(
        section("s1", *(item(f"a{i}") for i in range(5))),
        section("s2", *(item(f"b{i}") for i in range(5))),
    )
    given = answers(a0=1, a1=1, a2=1, a3=2, a4=2, b0=4, b1=4, b2=4, b3=4, b4=3)
    score = questionnaire_score(q, given)
    assert score.mean == pytest.approx(2.6)
    assert score.band.name == "Developing"


def test_custom_bands():
    bands = (Band("Red", 30.0), Band("Amber", 70.0), Band("Green", None))
    assert band_for(29.9, bands).name == "Red"
    assert band_for(30.0, bands).name == "Amber"  # on the cut-off: the band above
    assert band_for(69.9, bands).name == "Amber"
    assert band_for(70.0, bands).name == "Green"
    assert band_for(100.0, bands).name == "Green"


def test_no_bands_is_an_error():
    with pytest.raises(ValueError, match="no bands"):
        band_for(50.0, ())


@pytest.mark.parametrize(
    ("pct", "expected"),
    [
        (0.0, 0.0),  # Emerging runs 0-40: (0 - 0) / 40 = 0
        (20.0, 0.5),  # (20 - 0) / 40 = 0.5
        (40.0, 0.0),  # Developing runs 40-60: (40 - 40) / 20 = 0
        (50.0, 0.5),  # (50 - 40) / 20 = 0.5
        (75.0, 0.75),  # Maturing runs 60-80: (75 - 60) / 20 = 0.75
        (90.0, 0.5),  # Thriving runs 80-100: (90 - 80) / 20 = 0.5
        (100.0, 1.0),  # (100 - 80) / 20 = 1
        (120.0, 1.0),  # off the top: held at 1
        (-5.0, 0.0),  # off the bottom: held at 0
    ],
)
def test_position_in_band(pct, expected):
    assert position_in_band(pct) == pytest.approx(expected)


def test_position_in_custom_band():
    bands = (Band("Red", 30.0), Band("Green", None))
    # Red runs 0-30: 15 / 30 = 0.5; Green runs 30-100: (65 - 30) / 70 = 0.5
    assert position_in_band(15.0, bands) == pytest.approx(0.5)
    assert position_in_band(65.0, bands) == pytest.approx(0.5)


# --- section score --------------------------------------------------------------------


def test_weighted_section_mean():
    # weights 2, 1, 1; ratings 5, 2, 1: (2*5 + 1*2 + 1*1) / (2 + 1 + 1) = 13 / 4 = 3.25
    # percent (3.25 - 1) / 4 * 100 = 56.25 -> Developing
    s = section("s", item("a", weight=2), item("b"), item("c"))
    score = section_score(s, answers(a=5, b=2, c=1))
    assert score.mean == pytest.approx(3.25)
    assert score.percent == pytest.approx(56.25)
    assert score.band.name == "Developing"
    assert (score.answered_weight, score.total_weight) == (4.0, 4.0)
    assert score.rated == 3
    assert score.reported


def test_reverse_item_in_a_section():
    # a plain, rated 4 -> 4; b reverse, rated 2 -> 6 - 2 = 4; mean (4 + 4) / 2 = 4
    s = section("s", item("a"), item("b", reverse=True))
    assert section_score(s, answers(a=4, b=2)).mean == pytest.approx(4.0)


def test_section_with_fewer_than_half_answered_is_not_reported():
    # 4 items of weight 1: total 4, half 2. One rated: 1 < 2 -> not enough answers.
    s = section("s", item("a"), item("b"), item("c"), item("d"))
    score = section_score(s, answers(a=5))
    assert not score.reported
    assert (score.mean, score.percent, score.band) == (None, None, None)
    assert (score.answered_weight, score.total_weight) == (1.0, 4.0)
    assert (score.rated, score.unanswered) == (1, 3)


def test_section_with_exactly_half_answered_is_reported():
    # Two of four rated: answered 2 >= half of 4 = 2 -> reported; mean (5 + 3) / 2 = 4.
    s = section("s", item("a"), item("b"), item("c"), item("d"))
    score = section_score(s, answers(a=5, b=3))
    assert score.reported
    assert score.mean == pytest.approx(4.0)


def test_section_with_more_than_half_answered_is_reported():
    # Three of four rated: 3 >= 2; mean (5 + 3 + 1) / 3 = 3.
    s = section("s", item("a"), item("b"), item("c"), item("d"))
    assert section_score(s, answers(a=5, b=3, c=1)).mean == pytest.approx(3.0)


def test_half_rule_counts_weight_not_items():
    # weights 2, 1, 1, 1: total 5, half 2.5.
    s = section("s", item("a", weight=2), item("b"), item("c"), item("d"))
    # a alone: 2 < 2.5 -> not reported (1 item of 4, but also under half the weight)
    assert not section_score(s, answers(a=4)).reported
    # b, c, d: 3 >= 2.5 -> reported although a is missing; mean (1 + 2 + 3) / 3 = 2
    assert section_score(s, answers(b=1, c=2, d=3)).mean == pytest.approx(2.0)
    # a, b: 2 + 1 = 3 >= 2.5 -> reported; mean (2*4 + 1*1) / 3 = 9 / 3 = 3
    assert section_score(s, answers(a=4, b=1)).mean == pytest.approx(3.0)
    # weights 3, 1, 1, 1: total 6, half 3; a alone carries exactly half -> reported
    heavy = section("s", item("a", weight=3), item("b"), item("c"), item("d"))
    assert section_score(heavy, answers(a=2)).mean == pytest.approx(2.0)


def test_dont_know_and_not_applicable_are_counted_not_scored():
    # a=4, b=2 rated; c don't know; d not applicable; e comment only; f missing.
    # Rated weight 2 of 6 < 3 -> not reported: don't know / N/A are not answered weight.
    s = section("s", *(item(x) for x in "abcdef"))
    given = answers(a=4, b=2, c=Unrated.DONT_KNOW, d=Unrated.NOT_APPLICABLE)
    given["e"] = Answer("e", comment="We have a draft terms of reference.")
    score = section_score(s, given)
    assert (score.rated, score.dont_know, score.not_applicable, score.unanswered) == (2, 1, 1, 2)
    assert score.answered_weight == 2.0
    assert not score.reported


def test_dont_know_does_not_change_the_mean():
    # a=4, b=2, c don't know, d N/A: rated 2 of 4 >= 2 -> reported; mean (4 + 2) / 2 = 3
    s = section("s", *(item(x) for x in "abcd"))
    given = answers(a=4, b=2, c=Unrated.DONT_KNOW, d=Unrated.NOT_APPLICABLE)
    score = section_score(s, given)
    assert score.mean == pytest.approx(3.0)
    assert (score.dont_know, score.not_applicable) == (1, 1)


def test_answers_to_other_items_are_ignored():
    # "zz" is not in the section, so the mean stays (4 + 2) / 2 = 3.
    s = section("s", item("a"), item("b"))
    assert section_score(s, answers(a=4, b=2, zz=1)).mean == pytest.approx(3.0)


def test_rating_off_the_scale_in_an_answer_is_refused():
    s = section("s", item("a"))
    with pytest.raises(ValueError, match="not on the 1-5 scale"):
        section_score(s, {"a": Answer("a", rating=7)})


def test_section_uses_the_bands_given():
    # ratings 3, 3: mean 3 -> 50 %: Developing by default, "Low" under a cut-off at 60.
    s = section("s", item("a"), item("b"))
    bands = (Band("Low", 60.0), Band("High", None))
    assert section_score(s, answers(a=3, b=3), bands).band.name == "Low"


# --- extreme weights (a questionnaire stored before weights were limited to 10) -------

BIGGEST = 1.7976931348623157e308  # the largest float
TINIEST = 5e-324  # the smallest positive float


@pytest.mark.parametrize(
    "weights",
    [
        (1e308, 1e308, 1e308),
        (BIGGEST, BIGGEST, BIGGEST, BIGGEST),
        (1e-308, 1e-308, 1e-308),
        (TINIEST, TINIEST),
        (1e308, 1e-308, 1.0),
        (BIGGEST, TINIEST, 2.0, 0.5),
    ],
)
def test_extreme_weights_never_raise_and_stay_on_the_scale(weights):
    s = section("s", *(item(f"i{n}", weight=w) for n, w in enumerate(weights)))
    for ratings in (
        [5] * len(weights),
        [1] * len(weights),
        [n % 5 + 1 for n in range(len(weights))],
    ):
        score = section_score(
            s, {f"i{n}": Answer(f"i{n}", rating=r) for n, r in enumerate(ratings)}
        )
        assert score.reported
        assert min(ratings) <= score.mean <= max(ratings)
        assert 0.0 <= score.percent <= 100.0
    q = questionnaire(s, section("t", item("x", weight=BIGGEST)))
    everything = {f"i{n}": Answer(f"i{n}", rating=3) for n in range(len(weights))}
    assert questionnaire_score(q, everything | answers(x=4)).mean == pytest.approx(3.5)


def test_equal_extreme_weights_score_as_equal_weights():
    # Three items of weight 1e308 rated 5, 2, 1: as weight 1 each, (5 + 2 + 1) / 3 = 8/3.
    for weight in (1e308, BIGGEST, 1e-308, TINIEST):
        s = section("s", item("a", weight=weight), item("b", weight=weight), item("c", weight))
        assert section_score(s, answers(a=5, b=2, c=1)).mean == pytest.approx(8 / 3)
        # One of three rated: a third of the weight, under half: not reported.
        assert not section_score(s, answers(a=5)).reported


def test_a_weight_of_1e308_outweighs_the_rest_without_overflowing():
    # 1e308 * 5 overflows a float; scaled first, the heavy item decides the mean alone.
    s = section("s", item("heavy", weight=1e308), item("light", weight=1.0))
    score = section_score(s, answers(heavy=5, light=1))
    assert score.mean == pytest.approx(5.0)
    assert not section_score(s, answers(light=1)).reported
    # The weights in the section's own units: 1e308 + 1 is 1e308 to a float.
    assert score.total_weight == 1e308
    assert section_score(s, answers(heavy=2)).answered_weight == 1e308


def test_a_total_weight_beyond_the_largest_float_is_infinite_not_an_error():
    s = section("s", item("a", weight=BIGGEST), item("b", weight=BIGGEST))
    score = section_score(s, answers(a=4, b=2))
    assert score.mean == pytest.approx(3.0)
    assert score.total_weight == math.inf and score.answered_weight == math.inf


def test_ordinary_weights_score_exactly_as_before_scaling_existed():
    # The plain formula, with no scaling, to the last bit, for weights a file may have.
    weights = [0.001, 0.1, 0.3, 1.0, 1.5, 2.0, 3.0, 7.25, 10.0]
    s = section("s", *(item(f"i{n}", weight=w) for n, w in enumerate(weights)))
    ratings = [5, 2, 4, 1, 3, 3, 2, 5, 4]
    given = {f"i{n}": Answer(f"i{n}", rating=r) for n, r in enumerate(ratings)}
    plain = math.fsum(w * r for w, r in zip(weights, ratings, strict=True)) / math.fsum(weights)
    score = section_score(s, given)
    assert score.mean == plain
    assert score.total_weight == score.answered_weight == math.fsum(weights)


@pytest.mark.parametrize("weight", [0.0, -1.0, math.inf, math.nan])
def test_a_weight_that_is_not_a_positive_finite_number_is_refused(weight):
    s = section("s", item("a", weight=weight), item("b"))
    with pytest.raises(ValueError, match="must be a positive number"):
        section_score(s, answers(a=3, b=3))


# --- questionnaire score --------------------------------------------------------------


def test_questionnaire_mean_weighs_sections_equally_and_names_unreported():
    # s1: 2 items rated 5, 4 -> mean 4.5
    # s2: 4 items rated 1, 2, 2, 3 -> mean 8 / 4 = 2.0
    # s3: 3 items, 1 rated -> 1 < 1.5 -> not enough answers, left out
    # questionnaire: (4.5 + 2.0) / 2 = 3.25 -> (3.25 - 1) / 4 * 100 = 56.25 % -> Developing
    # (pooling the items instead would give (5+4+1+2+2+3) / 6 = 17 / 6 = 2.83: not the rule)
    q = questionnaire(
        section("s1", item("a1"), item("a2")),
        section("s2", item("b1"), item("b2"), item("b3"), item("b4")),
        section("s3", item("c1"), item("c2"), item("c3")),
    )
    score = questionnaire_score(q, answers(a1=5, a2=4, b1=1, b2=2, b3=2, b4=3, c1=5))
    assert score.mean == pytest.approx(3.25)
    assert score.percent == pytest.approx(56.25)
    assert score.band.name == "Developing"
    assert [s.section_id for s in score.unreported] == ["s3"]
    assert score.section("s1").mean == pytest.approx(4.5)
    assert score.section("s2").mean == pytest.approx(2.0)
    assert score.section("s3").title == "Section s3"
    assert [s.section_id for s in score.sections] == ["s1", "s2", "s3"]


def test_questionnaire_uses_its_own_bands():
    # one section, ratings 4 and 4: mean 4 -> 75 %: Maturing by default, "Red" under 80 here.
    bands = (Band("Red", 80.0), Band("Green", None))
    q = questionnaire(section("s1", item("a"), item("b")), bands=bands)
    score = questionnaire_score(q, answers(a=4, b=4))
    assert score.band.name == "Red"
    assert score.section("s1").band.name == "Red"


def test_questionnaire_with_no_reported_section_has_no_score():
    q = questionnaire(section("s1", item("a"), item("b"), item("c")))
    score = questionnaire_score(q, answers(a=Unrated.DONT_KNOW))
    assert (score.mean, score.percent, score.band) == (None, None, None)
    assert len(score.unreported) == 1


def test_unknown_section_is_a_key_error():
    q = questionnaire(section("s1", item("a")))
    with pytest.raises(KeyError):
        questionnaire_score(q, {}).section("nope")


# --- spread ---------------------------------------------------------------------------


def test_spread_uses_sample_sd():
    # [1, 2, 3, 4, 5]: mean 3; squared deviations 4 + 1 + 0 + 1 + 4 = 10;
    # sample variance 10 / (5 - 1) = 2.5; SD = sqrt(2.5) = 1.581139
    # (the population SD would be sqrt(10 / 5) = 1.414214)
    s = spread([1, 2, 3, 4, 5])
    assert s.n == 5
    assert s.mean == pytest.approx(3.0)
    assert s.sd == pytest.approx(1.581139, abs=1e-6)
    assert (s.minimum, s.maximum) == (1.0, 5.0)


def test_spread_of_two():
    # [2, 4]: mean 3; squared deviations 1 + 1 = 2; 2 / (2 - 1) = 2; SD = sqrt(2) = 1.414214
    assert spread([2, 4]).sd == pytest.approx(math.sqrt(2))


def test_spread_of_one_and_none():
    one = spread([4])
    assert (one.n, one.mean, one.sd, one.minimum, one.maximum) == (1, 4.0, None, 4.0, 4.0)
    assert one.consensus == 1.0
    none = spread([])
    assert (none.n, none.mean, none.sd, none.minimum, none.maximum, none.consensus) == (
        0,
        None,
        None,
        None,
        None,
        None,
    )
    assert not none.split


def test_spread_refuses_values_off_the_scale():
    with pytest.raises(ValueError, match="not on the 1-5 scale"):
        spread([3, 6])


# --- consensus ------------------------------------------------------------------------


def test_consensus_all_equal_is_one():
    # mean 3, every |x - 3| = 0, log2(1 - 0) = 0: Cns = 1 + 0 = 1
    assert consensus([3, 3, 3, 3]) == 1.0


def test_consensus_split_between_the_ends_is_zero():
    # [1, 1, 5, 5]: mean 3, every |x - 3| = 2, log2(1 - 2/4) = log2(0.5) = -1;
    # Cns = 1 + (4 * -1) / 4 = 0
    assert consensus([1, 1, 5, 5]) == pytest.approx(0.0)


def test_consensus_uniform_spread():
    # [1, 2, 3, 4, 5]: mean 3; |x - 3| = 2, 1, 0, 1, 2
    # log2(1 - 2/4) = log2(0.5) = -1; log2(1 - 1/4) = log2(0.75) = -0.415037; log2(1) = 0
    # sum = -1 - 0.415037 + 0 - 0.415037 - 1 = -2.830075
    # Cns = 1 + (-2.830075 / 5) = 1 - 0.566015 = 0.433985
    assert consensus([1, 2, 3, 4, 5]) == pytest.approx(0.433985, abs=1e-6)


def test_consensus_matches_the_design_share_formula():
    # [4, 4, 4, 5]: mean 4.25; shares p4 = 3/4, p5 = 1/4.
    # DESIGN: 1 + p4 * log2(1 - 0.25/4) + p5 * log2(1 - 0.75/4)
    #       = 1 + 0.75 * log2(0.9375) + 0.25 * log2(0.8125)
    #       = 1 + 0.75 * -0.093109 + 0.25 * -0.299560
    #       = 1 - 0.069832 - 0.074890 = 0.855278
    assert consensus([4, 4, 4, 5]) == pytest.approx(0.855278, abs=1e-6)


def test_consensus_of_section_means():
    # [2.5, 3.5]: mean 3; |x - 3| = 0.5 each; log2(1 - 0.5/4) = log2(0.875) = -0.192645;
    # Cns = 1 + 2 * -0.192645 / 2 = 0.807355
    assert consensus([2.5, 3.5]) == pytest.approx(0.807355, abs=1e-6)


def test_consensus_needs_values_on_the_scale():
    with pytest.raises(ValueError, match="at least one value"):
        consensus([])
    with pytest.raises(ValueError, match="not on the 1-5 scale"):
        consensus([0.5, 3])


# --- split flag -----------------------------------------------------------------------


def test_split_flag():
    # [1, 3, 5]: mean 3; log2(0.5) + log2(1) + log2(0.5) = -2; Cns = 1 - 2/3 = 0.333 < 0.6
    assert spread([1, 3, 5]).split
    # [2, 2, 4, 4]: mean 3; each log2(1 - 1/4) = -0.415037; Cns = 0.584963 < 0.6 -> split
    assert spread([2, 2, 4, 4]).consensus == pytest.approx(0.584963, abs=1e-6)
    assert spread([2, 2, 4, 4]).split
    # [3, 3, 4]: mean 10/3; |x - mean| = 1/3, 1/3, 2/3;
    # 2 * log2(1 - 1/12) + log2(1 - 1/6) = 2 * -0.125531 - 0.263034 = -0.514096;
    # Cns = 1 - 0.514096 / 3 = 0.828635 >= 0.6 -> not split
    assert spread([3, 3, 4]).consensus == pytest.approx(0.828635, abs=1e-6)
    assert not spread([3, 3, 4]).split


def test_split_needs_three_values():
    # [1, 5]: Cns = 1 + 2 * log2(0.5) / 2 = 0, but n = 2 < 3 -> not flagged
    two = spread([1, 5])
    assert two.consensus == pytest.approx(0.0)
    assert not two.split
    # [1, 1, 5]: mean 7/3; |x - mean| = 4/3, 4/3, 8/3;
    # 2 * log2(1 - 1/3) + log2(1 - 2/3) = 2 * -0.584963 - 1.584963 = -2.754888;
    # Cns = 1 - 2.754888 / 3 = 0.081704 < 0.6 with n = 3 -> split
    three = spread([1, 1, 5])
    assert three.consensus == pytest.approx(0.081704, abs=1e-6)
    assert three.split


# --- aggregation (method v2) -------------------------------------------------------------


def test_aggregate_makes_the_three_sectors_equal_partners():
    # ICB "icb1": one respondent, 2.
    # NHS trust "t1": four respondents, 5, 5, 5, 5; NHS trust "t2": one respondent, 3.
    # Upper-tier council "c1": 2; public health "ph": 4.  VCSE "v": 3.
    # Plus one unscored response (ignored).
    # organisation scores: icb1 2; t1 (5*4)/4 = 5; t2 3; c1 2; ph 4; v 3
    # sectors: NHS (2 + 5 + 3) / 3 = 10/3; local government (2 + 4) / 2 = 3; community 3
    # system = (10/3 + 3 + 3) / 3 = 28/9 = 3.111111
    # plain mean of organisations = (2 + 5 + 3 + 2 + 4 + 3) / 6 = 19/6 = 3.166667
    # partner types (a breakdown only): icb 2; nhs_trust 4; upper tier 2; public health 4; vcse 3
    responses = [
        resp("x1", "icb1", PartnerType.ICB, 2),
        *individuals("t", "t1", PartnerType.NHS_TRUST, 4, value=5),
        resp("y1", "t2", PartnerType.NHS_TRUST, 3),
        resp("z1", "c1", PartnerType.UPPER_TIER_COUNCIL, 2),
        resp("z2", "c1", PartnerType.UPPER_TIER_COUNCIL, None),
        resp("p1", "ph", PartnerType.PUBLIC_HEALTH, 4),
        resp("v1", "v", PartnerType.VCSE, 3),
    ]
    result = aggregate(responses, IND)
    assert result.respondents == 9
    assert result.by_organisation == pytest.approx(
        {"c1": 2.0, "icb1": 2.0, "ph": 4.0, "t1": 5.0, "t2": 3.0, "v": 3.0}
    )
    assert result.by_sector == pytest.approx(
        {Sector.NHS: 10 / 3, Sector.LOCAL_GOVERNMENT: 3.0, Sector.COMMUNITY: 3.0}
    )
    assert result.sector_organisations == {
        Sector.NHS: 3,
        Sector.LOCAL_GOVERNMENT: 2,
        Sector.COMMUNITY: 1,
    }
    assert result.system == pytest.approx(28 / 9)
    assert result.plain == pytest.approx(19 / 6)
    assert result.by_partner_type == pytest.approx(
        {
            PartnerType.ICB: 2.0,
            PartnerType.NHS_TRUST: 4.0,
            PartnerType.UPPER_TIER_COUNCIL: 2.0,
            PartnerType.PUBLIC_HEALTH: 4.0,
            PartnerType.VCSE: 3.0,
        }
    )
    assert list(result.by_organisation) == ["c1", "icb1", "ph", "t1", "t2", "v"]
    assert result.complete and result.missing_sectors == ()


def test_public_health_no_longer_gives_local_government_a_second_voice():
    # v1 averaged partner types: ICB 4, upper tier 2, public health 2 -> (4 + 2 + 2) / 3,
    # letting local government outvote the NHS. v2: sectors NHS 4, local government 2,
    # community 3 -> (4 + 2 + 3) / 3 = 3.
    responses = [
        resp("a", "i", PartnerType.ICB, 4, kind=ORG),
        resp("b", "c", PartnerType.UPPER_TIER_COUNCIL, 2, kind=ORG),
        resp("c", "p", PartnerType.PUBLIC_HEALTH, 2, kind=ORG),
        resp("d", "v", PartnerType.VCSE, 3, kind=ORG),
    ]
    assert aggregate(responses).system == pytest.approx(3.0)


def test_a_missing_sector_leaves_the_system_score_incomplete():
    # NHS 4, local government 2, no community: no system score; the mean of the sectors
    # present, (4 + 2) / 2 = 3, is kept apart as such.
    result = aggregate(
        [
            resp("a", "i", PartnerType.ICB, 4, kind=ORG),
            resp("b", "c", PartnerType.DISTRICT_COUNCIL, 2, kind=ORG),
        ]
    )
    assert result.system is None
    assert not result.complete
    assert result.sectors_mean == pytest.approx(3.0)
    assert result.missing_sectors == (Sector.COMMUNITY,)


def test_aggregate_takes_one_kind_and_never_mixes_them():
    responses = [
        resp("a", "i", PartnerType.ICB, 5, kind=ORG),
        resp("b", "i", PartnerType.ICB, 1, kind=IND),
    ]
    assert aggregate(responses).by_organisation == {"i": 5.0}
    assert aggregate(responses, IND).by_organisation == {"i": 1.0}


def test_aggregate_organisation_mean_counts_once_in_its_sector():
    # Two councils: "big" has respondents 1, 1, 1, 1, 5 -> 9/5 = 1.8; "small" has one
    # respondent 5. Local government (1.8 + 5) / 2 = 3.4.
    responses = [
        *(
            resp(f"b{i}", "big", PartnerType.DISTRICT_COUNCIL, v)
            for i, v in enumerate([1, 1, 1, 1, 5])
        ),
        resp("s1", "small", PartnerType.DISTRICT_COUNCIL, 5),
    ]
    result = aggregate(responses, IND)
    assert result.by_sector[Sector.LOCAL_GOVERNMENT] == pytest.approx(3.4)
    assert result.by_partner_type[PartnerType.DISTRICT_COUNCIL] == pytest.approx(3.4)
    assert result.plain == pytest.approx(3.4)
    assert result.system is None


def test_aggregate_of_nothing():
    result = aggregate([resp("a", "o", PartnerType.VCSE, None)], IND)
    assert (result.system, result.sectors_mean, result.plain, result.respondents) == (
        None,
        None,
        None,
        0,
    )
    assert (result.by_organisation, result.by_partner_type, result.by_sector) == ({}, {}, {})


# --- perception gaps ----------------------------------------------------------------------


def test_perception_gap_uses_sector_scores_with_n_on_each_side():
    # NHS: trust "t" respondents 5, 5, 5 -> 5; ICB "i" 2 -> NHS (5 + 2) / 2 = 3.5 (n 2)
    # (respondent means would give (5+5+5+2) / 4 = 4.25: v2 counts organisations).
    # Local government: "c" 3, 3 -> 3.0 (n 1). Community 1 (n 1).
    # NHS - LG = 0.5, not flagged; NHS - community = 2.5; LG - community = 2.0.
    score = aggregate(
        [
            *individuals("t", "t", PartnerType.NHS_TRUST, 3, value=5),
            resp("i", "i", PartnerType.ICB, 2),
            *individuals("c", "c", PartnerType.PUBLIC_HEALTH, 2, value=3),
            resp("v", "v", PartnerType.VCSE, 1),
        ],
        IND,
    )
    gap = perception_gap(score)
    assert (gap.first, gap.second) == (Sector.NHS, Sector.LOCAL_GOVERNMENT)
    assert (gap.first_score, gap.second_score) == (pytest.approx(3.5), pytest.approx(3.0))
    assert (gap.first_n, gap.second_n) == (2, 1)
    assert gap.gap == pytest.approx(0.5)
    assert not gap.flagged
    gaps = perception_gaps(score)
    assert [(g.first, g.second) for g in gaps] == list(SECTOR_PAIRS)
    assert [g.gap for g in gaps] == [pytest.approx(0.5), pytest.approx(2.5), pytest.approx(2.0)]
    assert [g.flagged for g in gaps] == [False, True, True]


def test_perception_gap_of_exactly_one_is_flagged():
    # 4.1 - 3.1 = 1.0 exactly, though floating point gives 0.9999999999999996
    score = aggregate(
        [
            resp("a", "t", PartnerType.NHS_TRUST, 4.1),
            resp("b", "c", PartnerType.UPPER_TIER_COUNCIL, 3.1),
        ],
        IND,
    )
    gap = perception_gap(score)
    assert gap.gap == pytest.approx(1.0)
    assert gap.flagged


def test_perception_gap_either_way_and_below_threshold():
    # council higher: 2 - 3 = -1 -> |-1| = 1 -> flagged
    lower = aggregate(
        [resp("a", "t", PartnerType.ICB, 2), resp("b", "c", PartnerType.DISTRICT_COUNCIL, 3)], IND
    )
    assert perception_gap(lower).gap == pytest.approx(-1.0)
    assert perception_gap(lower).flagged
    # 3.9 - 3 = 0.9 < 1 -> not flagged
    near = aggregate(
        [resp("a", "t", PartnerType.ICB, 3.9), resp("b", "c", PartnerType.DISTRICT_COUNCIL, 3)],
        IND,
    )
    assert not perception_gap(near).flagged


def test_perception_gap_needs_both_sides():
    score = aggregate(
        [resp("a", "t", PartnerType.ICB, 4), resp("v", "v", PartnerType.VCSE, 1)], IND
    )
    gap = perception_gap(score)
    assert (gap.first_score, gap.second_score, gap.gap) == (4.0, None, None)
    assert (gap.first_n, gap.second_n) == (1, 0)
    assert not gap.flagged


# --- change between rounds ----------------------------------------------------------------


def test_trend_compares_each_organisation_only_with_itself():
    # Before: ICB 2, council 2, VCSE 2, trust 5. After: ICB 4, council 3, VCSE 2, district 1.
    # Matched: ICB, council, VCSE. System before (2 + 2 + 2) / 3 = 2; after (4 + 3 + 2) / 3
    # = 3: +1.0, moved. The trust and the district are named, not mixed in.
    before = [
        resp("a", "icb", PartnerType.ICB, 2, kind=ORG),
        resp("b", "c", PartnerType.UPPER_TIER_COUNCIL, 2, kind=ORG),
        resp("c", "v", PartnerType.VCSE, 2, kind=ORG),
        resp("d", "t", PartnerType.NHS_TRUST, 5, kind=ORG),
    ]
    after = [
        resp("e", "icb", PartnerType.ICB, 4, kind=ORG),
        resp("f", "c", PartnerType.UPPER_TIER_COUNCIL, 3, kind=ORG),
        resp("g", "v", PartnerType.VCSE, 2, kind=ORG),
        resp("h", "d", PartnerType.DISTRICT_COUNCIL, 1, kind=ORG),
    ]
    result = trend(before, after)
    assert result.matched == ("c", "icb", "v")
    assert (result.only_before, result.only_after) == (("t",), ("d",))
    assert result.system.before == pytest.approx(2.0)
    assert result.system.after == pytest.approx(3.0)
    assert result.system.change == pytest.approx(1.0)
    assert result.system.moved
    assert result.by_sector[Sector.NHS].change == pytest.approx(2.0)
    assert result.by_organisation["v"].change == 0.0
    assert not result.by_organisation["v"].moved


def test_a_change_of_exactly_half_a_point_has_moved():
    change = Change(3.1, 3.6)
    assert change.change == pytest.approx(0.5)
    assert change.moved
    assert not Change(3.0, 3.4).moved
    assert Change(None, 3.0).change is None
    assert not Change(None, 3.0).moved


# --- anonymity ------------------------------------------------------------------------


def summary(grouping):
    """(level, key, number of responses, folded) per group, for compact assertions."""
    return [(g.level, g.key, len(g.responses), g.folded) for g in grouping.groups]


def test_organisation_groups_fold_into_partner_type():
    # Trust A: 3 individuals -> shown as its own group.
    # Trust B: 2 individuals + its organisation response -> the organisation response stays
    #   as group B; the 2 individuals fold up to nhs_trust.
    # Trust C: 1 individual -> folds up to nhs_trust.
    # nhs_trust pool: 2 + 1 = 3 >= 3 -> one folded partner-type group of 3.
    responses = [
        *individuals("a", "A", PartnerType.NHS_TRUST, 3),
        *individuals("b", "B", PartnerType.NHS_TRUST, 2),
        resp("b-org", "B", PartnerType.NHS_TRUST, 4, kind=ORG),
        *individuals("c", "C", PartnerType.NHS_TRUST, 1),
    ]
    grouping = group_responses(responses, "organisation")
    assert summary(grouping) == [
        ("organisation", "A", 3, False),
        ("organisation", "B", 1, False),
        ("partner_type", "nhs_trust", 3, True),
    ]
    assert grouping.groups[1].responses[0].kind is ORG
    assert {r.assessment_id for r in grouping.groups[2].responses} == {"b0", "b1", "c0"}
    assert grouping.folded_from == ("B", "C")
    assert grouping.withheld == 0


def test_organisation_groups_fold_on_to_sector():
    # ICB "D": 1 individual; trust "E": 2 individuals. Partner-type pools: icb 1, nhs_trust 2
    # -> both under 3, so both move up to the nhs sector: 1 + 2 = 3 -> a folded sector group.
    responses = [
        *individuals("d", "D", PartnerType.ICB, 1),
        *individuals("e", "E", PartnerType.NHS_TRUST, 2),
    ]
    grouping = group_responses(responses, "organisation")
    assert summary(grouping) == [("sector", "nhs", 3, True)]
    assert grouping.folded_from == ("D", "E")
    assert grouping.withheld == 0


def test_too_few_even_in_the_sector_are_withheld():
    # Council "F": 2 individuals, alone in local government: partner-type pool 2,
    # sector pool 2 -> still under 3 -> withheld. Its organisation response is still shown.
    responses = [
        *individuals("f", "F", PartnerType.UPPER_TIER_COUNCIL, 2),
        resp("f-org", "F", PartnerType.UPPER_TIER_COUNCIL, 3, kind=ORG),
    ]
    grouping = group_responses(responses, "organisation")
    assert summary(grouping) == [("organisation", "F", 1, False)]
    assert grouping.withheld == 2
    assert grouping.folded_from == ("F",)


def test_partner_type_groups_fold_into_sector():
    # icb: 3 individuals -> shown. vcse 1, healthwatch 1, other 1 -> community pool 3 -> folded
    # sector group. district_council: 2 individuals -> local government pool 2 -> withheld.
    responses = [
        *individuals("i", "icb", PartnerType.ICB, 3),
        *individuals("v", "v", PartnerType.VCSE, 1),
        *individuals("h", "h", PartnerType.HEALTHWATCH, 1),
        *individuals("o", "o", PartnerType.OTHER, 1),
        *individuals("d", "d1", PartnerType.DISTRICT_COUNCIL, 1),
        *individuals("e", "d2", PartnerType.DISTRICT_COUNCIL, 1),
    ]
    grouping = group_responses(responses, "partner_type")
    assert summary(grouping) == [
        ("partner_type", "icb", 3, False),
        ("sector", "community", 3, True),
    ]
    assert grouping.withheld == 2
    assert grouping.folded_from == ("district_council", "healthwatch", "other", "vcse")


def test_partner_type_group_counts_individuals_across_organisations():
    # Two trusts with 2 and 1 individuals: 3 individuals of type nhs_trust -> shown as a type.
    responses = [
        *individuals("a", "A", PartnerType.NHS_TRUST, 2),
        *individuals("b", "B", PartnerType.NHS_TRUST, 1),
    ]
    grouping = group_responses(responses, "partner_type")
    assert summary(grouping) == [("partner_type", "nhs_trust", 3, False)]
    assert grouping.folded_from == ()


def test_sector_groups_withhold_small_sectors():
    # nhs: 3 individuals -> shown. local government: 2 individuals + an organisation
    # response -> the organisation response is shown, the 2 individuals withheld.
    responses = [
        *individuals("n", "n1", PartnerType.PRIMARY_CARE, 3),
        *individuals("l", "l1", PartnerType.PUBLIC_HEALTH, 2),
        resp("l-org", "l1", PartnerType.PUBLIC_HEALTH, 2, kind=ORG),
    ]
    grouping = group_responses(responses, "sector")
    assert summary(grouping) == [
        ("sector", "local_government", 1, False),
        ("sector", "nhs", 3, False),
    ]
    assert grouping.withheld == 2
    assert grouping.folded_from == ("local_government",)


def test_organisation_responses_are_never_folded():
    # A lone organisation response is shown by name even though it is a group of one.
    grouping = group_responses([resp("o", "O", PartnerType.ICB, 4, kind=ORG)], "organisation")
    assert summary(grouping) == [("organisation", "O", 1, False)]
    assert (grouping.withheld, grouping.folded_from) == (0, ())


def test_unscored_responses_do_not_count_towards_a_group():
    # 3 individuals but one has no value -> 2 scored -> folded, then withheld (nothing else).
    responses = [
        *individuals("a", "A", PartnerType.VCSE, 2),
        resp("a9", "A", PartnerType.VCSE, None),
    ]
    grouping = group_responses(responses, "organisation")
    assert grouping.groups == ()
    assert grouping.withheld == 2


def test_grouping_by_an_unknown_level_is_an_error():
    with pytest.raises(ValueError, match="cannot group by"):
        group_responses([], "region")  # type: ignore[arg-type]
