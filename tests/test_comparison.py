"""Comparisons by method v2 (ics_assess/comparison.py), checked against examples worked
by hand in this file.

The questionnaire here has two sections of two equally weighted statements, so an
assessment that rates every statement ``r`` scores ``r`` in each section and overall.
"""

from __future__ import annotations

import pytest

from ics_assess.comparison import OVERALL, Entry, build_comparison
from ics_assess.domain import (
    Answer,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Item,
    Organisation,
    Partnership,
    PartnerType,
    Questionnaire,
    Round,
    ScalePoint,
    Section,
    Sector,
    Unrated,
)

PARTNERSHIP = Partnership("p", "Riverside")
BASELINE = Round("r1", "p", "Baseline", "2026-05-01")
REVIEW = Round("r2", "p", "Six-month review", "2026-11-01")
SCALE = tuple(ScalePoint(v, str(v), "") for v in range(1, 6))


def questionnaire(
    version: str = "1.0", first_statement: str = "We agree the agenda together."
) -> Questionnaire:
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
                (Item("a1", first_statement, ""), Item("a2", "Papers come in time.", "")),
            ),
            Section(
                "money",
                "Money",
                (Item("m1", "Budgets are pooled.", ""), Item("m2", "Costs are shared.", "")),
            ),
        ),
    )


Q = questionnaire()
ORGS = {
    "icb": Organisation("icb", "p", "Riverside ICB", PartnerType.ICB),
    "trust": Organisation("trust", "p", "Riverside Hospitals", PartnerType.NHS_TRUST),
    "county": Organisation(
        "county", "p", "Riverside County Council", PartnerType.UPPER_TIER_COUNCIL
    ),
    "district": Organisation(
        "district", "p", "Eastdale District Council", PartnerType.DISTRICT_COUNCIL
    ),
    "health": Organisation("health", "p", "Riverside Public Health", PartnerType.PUBLIC_HEALTH),
    "vcse": Organisation("vcse", "p", "Riverside Voluntary Action", PartnerType.VCSE),
}
_ids = iter(range(10_000))


def entry(
    org: str,
    rating: int | dict[str, int | Unrated],
    *,
    kind: str = "organisation",
    status: str = "submitted",
    rnd: Round = REVIEW,
    q: Questionnaire = Q,
) -> Entry:
    ratings = rating if isinstance(rating, dict) else {i.id: rating for i in q.items}
    answers = {
        item_id: Answer(item_id, None, value)
        if isinstance(value, Unrated)
        else Answer(item_id, value)
        for item_id, value in ratings.items()
    }
    assessment = Assessment(
        id=f"a{next(_ids)}",
        round_id=rnd.id,
        organisation_id=org,
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        kind=AssessmentKind(kind),
        status=AssessmentStatus(status),
    )
    return Entry(assessment, ORGS[org], q, answers)


def compare(entries, **kwargs):
    return build_comparison(
        partnership=PARTNERSHIP,
        round=REVIEW,
        questionnaire=kwargs.pop("questionnaire", Q),
        organisations=list(ORGS.values()),
        entries=entries,
        **kwargs,
    )


def test_the_system_score_is_the_mean_of_the_three_sectors_not_of_organisations():
    # NHS: ICB 4. Local government: county 2, district 2, public health 2. Community:
    # VCSE 3. Sectors 4, 2 and 3, so the system is (4 + 2 + 3) / 3 = 3.0; the plain mean
    # of the five organisations is (4 + 2 + 2 + 2 + 3) / 5 = 2.6; v1 (partner types
    # ICB 4, upper tier 2, district 2, public health 2, VCSE 3) would have said 2.6 too.
    c = compare(
        [
            entry("icb", 4),
            entry("county", 2),
            entry("district", 2),
            entry("health", 2),
            entry("vcse", 3),
        ]
    )
    assert c.headline.system == pytest.approx(3.0)
    assert c.headline.plain == pytest.approx(2.6)
    assert c.headline.by_sector == {
        Sector.NHS: pytest.approx(4.0),
        Sector.LOCAL_GOVERNMENT: pytest.approx(2.0),
        Sector.COMMUNITY: pytest.approx(3.0),
    }
    assert c.headline.sector_organisations == {
        Sector.NHS: 1,
        Sector.LOCAL_GOVERNMENT: 3,
        Sector.COMMUNITY: 1,
    }
    assert c.headline_sentence() == "System score 3.0"
    system = c.columns[0]
    assert (system.level, system.value(OVERALL), system.value("money")) == ("system", 3.0, 3.0)


def test_several_respondents_of_one_organisation_count_once():
    # The ICB answers twice (2 and 4: ICB 3.0); the trust answers 5: NHS = (3 + 5) / 2 = 4.
    c = compare(
        [entry("icb", 2), entry("icb", 4), entry("trust", 5), entry("county", 1), entry("vcse", 1)]
    )
    assert c.headline.by_organisation["icb"] == pytest.approx(3.0)
    assert c.headline.by_sector[Sector.NHS] == pytest.approx(4.0)
    assert c.headline.respondents == 5
    icb = next(col for col in c.columns if (col.level, col.key) == ("organisation", "icb"))
    assert (icb.label, icb.n, icb.value(OVERALL)) == ("Riverside ICB", 2, pytest.approx(3.0))


def test_a_missing_sector_makes_the_system_score_incomplete_in_words():
    c = compare([entry("icb", 4), entry("county", 2)])
    assert c.headline.system is None
    assert c.headline.sectors_mean == pytest.approx(3.0)
    assert c.headline.missing_sectors == (Sector.COMMUNITY,)
    assert c.headline_sentence() == (
        "Incomplete: no response from community. Mean of the sectors shown 3.0"
    )
    assert (
        "No response from community: Riverside Voluntary Action has not responded, so the "
        "system score is incomplete."
    ) in c.notes
    system = c.columns[0]
    assert system.incomplete and system.label == "System (incomplete)"


def test_coverage_names_who_has_not_responded_and_drafts_are_not_scored():
    c = compare(
        [
            entry("icb", 4),
            entry("county", 2),
            entry("vcse", 3),
            entry("district", 1, status="draft"),
        ]
    )
    assert c.coverage.sentence() == (
        "3 of 6 organisations; NHS 1 of 2: Riverside Hospitals has not responded; "
        "local government 1 of 3: Eastdale District Council and Riverside Public Health "
        "have not responded"
    )
    assert c.drafts == 1
    assert "In progress and not counted: Eastdale District Council." in c.notes
    assert c.headline.system == pytest.approx(3.0)


def test_gaps_have_the_right_sign_and_n_on_each_side():
    # NHS: ICB 5, trust 3 -> 4.0 (n 2). Local government: county 2 (n 1). Community 3.5.
    c = compare(
        [
            entry("icb", 5),
            entry("trust", 3),
            entry("county", 2),
            entry("vcse", {"a1": 3, "a2": 4, "m1": 3, "m2": 4}),
        ]
    )
    headline = [d for d in c.divergences if d.scope == "questionnaire"]
    pairs = {(d.gap.first, d.gap.second): d.gap for d in headline}
    nhs_lg = pairs[(Sector.NHS, Sector.LOCAL_GOVERNMENT)]
    assert (nhs_lg.gap, nhs_lg.first_n, nhs_lg.second_n, nhs_lg.flagged) == (
        pytest.approx(2.0),
        2,
        1,
        True,
    )
    lg_comm = pairs[(Sector.LOCAL_GOVERNMENT, Sector.COMMUNITY)]
    assert (lg_comm.gap, lg_comm.flagged) == (pytest.approx(-1.5), True)
    nhs_comm = pairs[(Sector.NHS, Sector.COMMUNITY)]
    assert (nhs_comm.gap, nhs_comm.flagged) == (pytest.approx(0.5), False)
    sizes = [abs(d.gap.gap) for d in c.divergences]
    assert sizes == sorted(sizes, reverse=True)


def test_a_change_between_rounds_pairs_each_organisation_with_itself():
    # Baseline: ICB 2, county 2, VCSE 2, trust 5. Review: ICB 4, county 3, VCSE 2,
    # district 1. Only ICB, county and VCSE answered both: the trust (baseline only) and
    # the district (review only) are named and do not move the change.
    before = [
        entry(o, r, rnd=BASELINE) for o, r in [("icb", 2), ("county", 2), ("vcse", 2), ("trust", 5)]
    ]
    after = [entry(o, r) for o, r in [("icb", 4), ("county", 3), ("vcse", 2), ("district", 1)]]
    c = compare(after, previous_round=BASELINE, previous_entries=before)
    overall = c.trend.overall
    assert overall.matched == ("county", "icb", "vcse")
    assert [o.name for o in c.trend.only_before] == ["Riverside Hospitals"]
    assert [o.name for o in c.trend.only_after] == ["Eastdale District Council"]
    assert overall.system.before == pytest.approx(2.0)
    assert overall.system.after == pytest.approx(3.0)  # (4 + 3 + 2) / 3
    assert overall.system.moved
    assert overall.by_organisation["icb"].change == pytest.approx(2.0)
    assert overall.by_organisation["vcse"].change == pytest.approx(0.0)
    assert not overall.by_organisation["vcse"].moved
    assert c.trend.improvements[0].who == "Riverside ICB"
    assert c.trend.declines == ()


def test_statements_changed_between_versions_are_named_and_left_out_of_the_trend():
    newer = questionnaire("1.1", "We set the agenda together, NHS and councils alike.")
    before = [entry("icb", 2, rnd=BASELINE), entry("county", 2, rnd=BASELINE)]
    after = [entry("icb", 4, q=newer), entry("county", 3, q=newer)]
    c = compare(after, questionnaire=newer, previous_round=BASELINE, previous_entries=before)
    assert c.trend.changed_items == ("a1",)
    assert [s.key for s in c.trend.statements] == ["a2", "m1", "m2"]


def test_two_versions_in_one_round_compare_statements_by_id_and_name_the_changed_ones():
    newer = questionnaire("1.1", "We set the agenda together, NHS and councils alike.")
    c = compare(
        [entry("icb", 4, q=newer), entry("county", 2), entry("vcse", 3)], questionnaire=newer
    )
    assert c.versions == (("1.0", 2), ("1.1", 1))
    assert c.changed_items == ("a1",)
    a1 = next(r for r in c.statements if r.item.id == "a1")
    assert a1.changed and a1.spread.n == 1  # only the answer on 1.1 counts
    a2 = next(r for r in c.statements if r.item.id == "a2")
    assert not a2.changed and a2.spread.n == 3
    assert any("Statements 1.1 differ between the versions" in n for n in c.notes)


def test_split_statements_and_unrated_answers():
    ratings = [1, 5, 1, 5]
    entries = [
        entry(org, {"a1": r, "a2": Unrated.DONT_KNOW, "m1": 3, "m2": 3})
        for org, r in zip(["icb", "county", "trust", "vcse"], ratings, strict=True)
    ]
    c = compare(entries)
    a1 = next(r for r in c.statements if r.item.id == "a1")
    assert a1.split and a1.spread.n == 4
    assert a1.points[Sector.NHS] == (1.0, 1.0)
    a2 = next(r for r in c.statements if r.item.id == "a2")
    assert (a2.dont_know, a2.spread.n) == (4, 0)


def test_one_kind_at_a_time():
    c = compare([entry("icb", 5), entry("icb", 1, kind="individual"), entry("county", 3)])
    assert c.headline.by_organisation == {"county": 3.0, "icb": 5.0}
    assert c.other_kind == 1
    assert any("1 individual view is shown apart" in n for n in c.notes)


def test_a_group_of_two_individuals_never_appears_alone():
    # Three individuals of the ICB (shown as a group), two of the county (folded up:
    # there is no other local government group of three to join, so they are left
    # out), and three of the VCSE.
    entries = (
        [entry("icb", r, kind="individual") for r in (4, 4, 5)]
        + [entry("county", r, kind="individual") for r in (1, 2)]
        + [entry("vcse", r, kind="individual") for r in (3, 3, 3)]
    )
    c = compare(entries, kind="individual")
    labels = [col.label for col in c.columns]
    assert "Riverside County Council" not in labels
    assert all(col.n >= 3 for col in c.columns if col.level != "system")
    assert Sector.LOCAL_GOVERNMENT not in c.headline.by_sector
    assert c.anonymity.withheld == 2
    assert any("Riverside County Council" in s for s in c.anonymity.sentences())
    assert c.headline.system is None
    assert c.headline_sentence() == (
        "Incomplete: too few local government respondents to show. Mean of the sectors shown 3.7"
    )
    for row in c.statements:
        assert Sector.LOCAL_GOVERNMENT not in row.points


@pytest.mark.parametrize(
    ("entries", "note"),
    [
        (
            [],
            "No organisation response to the Equal partnership questionnaire has been submitted "
            "in Six-month review yet, so there is nothing to score.",
        ),
        ([entry("icb", 3, status="draft")], "(1 in progress)"),
        ([entry("icb", 3)], "Only one organisation has responded"),
    ],
)
def test_nothing_to_compare_is_said_in_words(entries, note):
    c = compare(entries)
    assert any(note in n for n in c.notes)
    if not c.headline.respondents:
        assert c.empty and c.columns == () and c.statements == ()
        assert c.headline_sentence() == "No score yet"


def test_the_change_in_the_individual_view_never_rests_on_fewer_than_three():
    # The ICB and the county have 3 individuals in both rounds; the VCSE has 2 at the
    # baseline (left out then) and 3 at the review, so community has fewer than 3 matched
    # respondents in one round and stays out of the change; no organisation is shown.
    def views(org, ratings, rnd=REVIEW):
        return [entry(org, r, kind="individual", rnd=rnd) for r in ratings]

    before = views("icb", (2, 2, 2), BASELINE) + views("county", (2, 2, 2), BASELINE)
    before += views("vcse", (3, 3), BASELINE)
    after = views("icb", (4, 4, 4)) + views("county", (3, 3, 3)) + views("vcse", (1, 1, 1))
    c = compare(after, kind="individual", previous_round=BASELINE, previous_entries=before)
    overall = c.trend.overall
    assert Sector.COMMUNITY not in overall.by_sector  # two before: not shown
    assert overall.by_sector[Sector.NHS].change == pytest.approx(2.0)
    assert overall.by_organisation == {}
    assert all(scope.trend.by_organisation == {} for scope in c.trend.statements)
    assert {m.who for m in c.trend.improvements} <= {"NHS", "Local government"}


def test_the_anonymity_sentences_say_who_was_combined_and_who_left_out():
    # The trust's 3 are shown as the trust; the VCSE's 3 as the VCSE. The ICB's 1 has no
    # other small NHS group to join (the trust's 3 stand on their own): left out. The
    # county's 2, the district's 1 and public health's 2 each have no partner type of 3,
    # but together make local government's combined group of 5.
    entries = (
        [entry("trust", r, kind="individual") for r in (4, 4, 5)]
        + [entry("icb", 2, kind="individual")]
        + [entry("county", r, kind="individual") for r in (1, 2)]
        + [entry("district", 3, kind="individual")]
        + [entry("health", r, kind="individual") for r in (3, 4)]
        + [entry("vcse", r, kind="individual") for r in (3, 3, 3)]
    )
    c = compare(entries, kind="individual")
    assert c.columns[0].n == 11  # respondents shown, in the individual view
    assert [(col.label, col.n) for col in c.columns if col.level == "folded"] == [
        ("Other local government respondents", 5)
    ]
    assert c.anonymity.withheld == 1
    assert c.anonymity.sentences() == (
        "An organisation with fewer than 3 respondents is never shown on its own: the "
        "respondents of Eastdale District Council, Riverside County Council and Riverside "
        "Public Health are shown combined with others of their partner type or sector.",
        "1 respondent (of Riverside ICB) is left out of every figure: even combined with the "
        "other small groups of their sector they were fewer than 3.",
        "Partner types with fewer than 3 respondents are not shown on their own (Upper-tier "
        "council, District council, Public health).",
    )


def test_a_change_that_rounds_to_nothing_reads_zero_not_minus_zero():
    from ics_assess.labels import signed

    assert [signed(v) for v in (0.44, -1.25, -0.04, 0.0, None)] == [
        "+0.4",
        "−1.2",
        "0.0",
        "0.0",
        "–",
    ]


def test_a_partner_type_changed_between_rounds_is_said_in_words():
    from ics_assess.comparison import TypeChange

    before = [entry("district", 2, rnd=BASELINE), entry("icb", 3, rnd=BASELINE)]
    after = [entry("district", 3), entry("icb", 3)]
    moved = TypeChange(
        "district", "2026-08-01T10:00:00.000+00:00", PartnerType.DISTRICT_COUNCIL,
        PartnerType.PUBLIC_HEALTH,
    )  # fmt: skip
    long_ago = TypeChange(
        "icb", "2025-01-01T10:00:00.000+00:00", PartnerType.OTHER, PartnerType.ICB
    )
    c = compare(
        after, previous_round=BASELINE, previous_entries=before, type_changes=[moved, long_ago]
    )
    assert (
        "Eastdale District Council changed its partner type from district council to public "
        "health on 2026-08-01: it is compared only with itself, and counted as public health "
        "(in the local government sector) in both rounds."
    ) in c.notes
    assert not any("Riverside ICB changed" in n for n in c.notes)  # before the baseline
    assert c.trend.overall.by_organisation["district"].change == pytest.approx(1.0)
    # Without an earlier round there is nothing to say.
    assert not any(
        "changed its partner type" in n for n in compare(after, type_changes=[moved]).notes
    )
