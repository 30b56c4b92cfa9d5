"""A partnership that answered governance 1.0 at its baseline and 1.1 at its review
(issue 13, "Across versions"): statements are matched by id, the ones that differ are
named and left out of the change, every report says which version it was answered on,
and actions and concerns on a statement 1.1 replaced still name it (a round answered on
both offers the statements of both to name). The band a 1.1 assessment lands in is
described on the results page and in its report, and a 1.0 reverse statement says so in
the walk-through."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from ics_assess.domain import statement_numbers
from ics_assess.labels import REVERSE_NOTE
from ics_assess.questionnaires import load_catalogue
from ics_assess.scoring import questionnaire_score
from ics_assess.services import ServiceError, merged_versions

from .conftest import FORMS_DIR, start_on_version
from .test_report import Pdf

TODAY = date(2026, 12, 1)
BEFORE, AFTER, NEW = 2, 4, 5  # kept statements move +2; statements new in 1.1 rate 5


@pytest.fixture
def rounds(services, partnership_setup):
    """Baseline on 1.0 and a review on 1.1, each organisation answering every statement."""
    p, baseline, orgs = partnership_setup
    review = services.store.add_round(p.id, "Six-month review", "2027-05-01")
    old = services.catalogue.get("governance", "1.0").questionnaire
    new = services.catalogue.get("governance", "1.1").questionnaire
    old_ids = {i.id for i in old.items}
    for org in orgs.values():
        a = start_on_version(
            services,
            "governance",
            "1.0",
            round_id=baseline.id,
            organisation_id=org.id,
            kind="organisation",
            respondent_name="R",
        )
        for item in old.items:
            services.answer(a.id, item.id, 6 - BEFORE if item.reverse else BEFORE)
        services.submit(a.id)
        b = services.start_assessment(
            round_id=review.id,
            organisation_id=org.id,
            questionnaire_id="governance",
            kind="organisation",
            respondent_name="R",
        )
        assert b.questionnaire_version == "1.1"
        for item in new.items:
            services.answer(b.id, item.id, AFTER if item.id in old_ids else NEW)
        services.submit(b.id)
    return baseline, review, old, new


def test_statements_are_matched_by_id_and_the_changed_ones_named(services, rounds):
    baseline, review, old, new = rounds
    c = services.compare(round_id=review.id, questionnaire_id="governance", since=baseline.id)
    old_ids = {i.id for i in old.items}
    kept = [i.id for i in new.items if i.id in old_ids]
    renewed = [i.id for i in new.items if i.id not in old_ids]
    t = c.trend
    assert c.versions == (("1.1", 3),)
    assert t.previous_versions == (("1.0", 3),)
    assert list(t.changed_items) == renewed
    assert {"gov-decisions-6", "gov-place-1", "gov-disputes-9"} <= set(renewed)
    # Only the statements that read and score the same have a change, each +2.
    assert [s.key for s in t.statements] == kept
    for scope in t.statements:
        assert scope.trend.system.change == pytest.approx(AFTER - BEFORE), scope.key
    # A section new in 1.1 has no baseline to change from.
    places = next(s for s in t.scopes if s.key == "places")
    assert places.trend.system.change is None
    # Within the review every answer is on 1.1, so its own rows compare every statement.
    rows = {row.item.id: row for row in c.statements}
    assert rows["gov-place-1"].spread.n == 3 and not rows["gov-place-1"].changed


def test_the_comparison_report_says_which_version_each_round_answered(services, rounds, tmp_path):
    baseline, review, _, new = rounds
    c = services.compare(round_id=review.id, questionnaire_id="governance", since=baseline.id)
    path = services.report_comparison(c, tmp_path / "c.pdf", produced_on=TODAY).path
    pdf = Pdf(path)
    assert "Governance and accountability, version 1.1" in pdf.text
    assert "Compared with Baseline, version 1.0" in pdf.text
    assert "Statements that changed between versions" in pdf.text
    assert new.item("gov-place-1").statement[:60] in pdf.text


def test_the_review_pack_says_which_version_each_round_answered(services, rounds, tmp_path):
    baseline, review, _, _ = rounds
    r = services.review(review.id, since=baseline.id, today=TODAY)
    pdf = Pdf(services.report_review(r, tmp_path / "r.pdf").path)
    assert "Answered on version 1.1 in Six-month review, and on version 1.0 in Baseline" in pdf.text


def test_actions_and_concerns_on_a_statement_1_1_replaced_still_name_it(services, rounds):
    baseline, review, old, _ = rounds
    statement = old.item("gov-decisions-3").statement  # replaced by gov-place-2 in 1.1
    action = services.create_action(
        baseline.id,
        description="Publish what each place decides.",
        questionnaire_id="governance",
        item_id="gov-decisions-3",
    )
    assert action.section_id == "decisions"
    concern = services.add_concern(
        baseline.id, questionnaire_id="governance", item_id="gov-decisions-3"
    )
    p = services.store.round(baseline.id).partnership_id
    (row,) = services.concern_rows(p)
    assert row.concern.id == concern.id and statement in row.label
    (plan,) = [r for r in services.action_plan(baseline.id) if r.action.id == action.id]
    assert plan.statement == statement and plan.section_title == "Who decides what"
    # The review asks of the concern, and says 1.1 replaced the statement, and with what.
    (cr,) = services.review(review.id, since=baseline.id, today=TODAY).concerns
    where, moved = (q.answer for q in cr.questions[:2])
    replacement = "2.2 “Each place partnership takes the decisions delegated to it"
    assert where.startswith("It has no score in Six-month review: version 1.1") and (
        replacement in where
    )
    assert moved.startswith("Cannot tell: version 1.1 of the questionnaire, answered in ")
    assert replacement in moved and moved.endswith("so it has no change.")


def test_reports_and_results_show_the_version_and_describe_the_band(
    services, rounds, tmp_path, qtbot
):
    from ics_assess.ui.results import ResultsPage

    by_version = {
        s.assessment.questionnaire_version: s.assessment
        for s in services.list_assessments()
        if s.organisation_name == "Test ICB"
    }
    page = ResultsPage(services)
    qtbot.addWidget(page)
    page.resize(1024, 700)
    page.show()
    for version, assessment in sorted(by_version.items()):
        detail = services.detail(assessment.id)
        band = questionnaire_score(detail.questionnaire, detail.answers).band
        pdf = Pdf(services.report_assessment(assessment.id, tmp_path / f"{version}.pdf").path)
        assert f"Governance and accountability, version {version}" in pdf.text
        page.show_assessment(assessment.id)
        if version == "1.0":  # the default bands, with no words of their own
            assert not band.descriptor and "looks like:" not in pdf.text
            assert page.band_descriptor_label.isHidden()
        else:
            assert band.name == page.band_chip.text() and band.descriptor
            assert f"What {band.name} looks like: {band.descriptor[:50]}" in pdf.text
            assert page.band_descriptor_label.isVisible()
            assert page.band_descriptor_label.text() == (
                f"What {band.name} looks like: {band.descriptor}"
            )


def test_a_reverse_statement_says_so_in_the_walk_through(
    qtbot, services, draft, fake_dialogs, partnership_setup
):
    from .test_ui_walkthrough import make_page

    page = make_page(qtbot, services, fake_dialogs, draft.id)  # governance 1.0
    reverse = page._cards["gov-decisions-5"]
    assert reverse.reverse_note.isVisible()
    assert reverse.reverse_note.text() == f"{REVERSE_NOTE}."
    assert page._cards["gov-decisions-1"].reverse_note.isHidden()
    # Version 1.1 words every statement positively: no note anywhere.
    _, rnd, orgs = partnership_setup
    newer = services.start_assessment(
        round_id=rnd.id,
        organisation_id=orgs["icb"].id,
        questionnaire_id="governance",
        kind="organisation",
    )
    page.open_assessment(newer.id)
    assert all(card.reverse_note.isHidden() for card in page._cards.values())


def test_a_concern_on_a_section_new_in_1_1_says_why_no_change_is_known(services, rounds):
    """A section whose every statement is new in the version answered now has nothing
    earlier to compare with; the review says so, not that nobody answered twice."""
    baseline, review, *_ = rounds
    services.add_concern(review.id, questionnaire_id="governance", section_id="places")
    (cr,) = services.review(review.id, since=baseline.id, today=TODAY).concerns
    moved = cr.questions[1].answer
    assert moved.startswith("Cannot tell: every statement of this section is new")
    assert cr.verdict == "no change known"


# --- what an action or a concern can name, round by round -------------------------------


def test_a_round_offers_the_statements_of_the_versions_answered_in_it(services, rounds):
    """The baseline answered 1.0, the review 1.1: each offers its own version's sections
    and statements, unmarked; a round nobody answered in offers the newest version."""
    baseline, review, old, new = rounds
    for rnd, q in ((baseline, old), (review, new)):
        choices = services.statement_choices("governance", rnd.id)
        assert choices.versions == (q.version,)
        assert [s.id for s in choices.sections] == [s.id for s in q.sections]
        offered = [c for s in choices.sections for c in s.statements]
        assert [c.id for c in offered] == [i.id for i in q.items]
        assert all(c.marker == c.note == c.about == "" for c in offered)
    empty = services.store.add_round(baseline.partnership_id, "Next", "2027-11-01")
    assert services.statement_choices("governance", empty.id).versions == ("1.1",)
    assert services.statement_choices("governance").versions == ("1.1",)
    with pytest.raises(ServiceError, match="no questionnaire with the id 'nope'"):
        services.statement_choices("nope", baseline.id)


def test_a_round_answered_on_1_0_and_1_1_offers_both_matched_by_id(
    services, rounds, partnership_setup
):
    """A late 1.0 answer in the review round: the statements of both, matched by id, in
    1.1's order with 1.1's wording; those only 1.0 asks follow at the end of their
    section, marked, each saying what replaced it; and an action or a concern on one of
    them is taken."""
    _, review, old, new = rounds
    _, _, orgs = partnership_setup
    start_on_version(
        services,
        "governance",
        "1.0",
        round_id=review.id,
        organisation_id=orgs["council"].id,
        kind="individual",
    )
    choices = services.statement_choices("governance", review.id)
    assert choices.versions == ("1.0", "1.1")
    assert [s.id for s in choices.sections] == [s.id for s in new.sections]
    new_ids = {i.id for i in new.items}
    only_old = [i for i in old.items if i.id not in new_ids]
    assert only_old  # 1.1 reworded some statements under new ids
    numbers_old, numbers_new = statement_numbers(old), statement_numbers(new)
    for section in choices.sections:
        ids = [c.id for c in section.statements]
        kept = [i.id for i in new.sections[[s.id for s in new.sections].index(section.id)].items]
        assert ids[: len(kept)] == kept  # 1.1's own, in its order, first
        for choice in section.statements[len(kept) :]:
            item = old.item(choice.id)
            assert old.section_of(choice.id).id == section.id
            assert (choice.statement, choice.number) == (item.statement, numbers_old[item.id])
            assert choice.only_in == ("1.0",)
            assert choice.marker == "Only in version 1.0: "
            successors = [i for i in new.items if item.id in i.replaces]
            assert successors
            assert choice.note == "Version 1.1 replaced it with " + " and ".join(
                f"{numbers_new[i.id]} “{i.statement}”" for i in successors
            )
            assert choice.about == f"Only in version 1.0. {choice.note}"
    offered = {c.id for s in choices.sections for c in s.statements}
    assert offered == new_ids | {i.id for i in old.items}
    # What the dialogs offer, the services take (and name in the version that has it).
    replaced = only_old[0]
    action = services.create_action(
        review.id, description="Look again", questionnaire_id="governance", item_id=replaced.id
    )
    assert action.section_id == old.section_of(replaced.id).id
    concern = services.add_concern(review.id, questionnaire_id="governance", item_id=replaced.id)
    assert concern.item_id == replaced.id


def test_a_statement_named_in_an_older_version_is_offered_with_it(services, rounds):
    """An action carried into the review names a statement only 1.0 asks: its version is
    offered beside the round's, so the dialog can show what the action answers."""
    _, review, old, new = rounds
    replaced = next(i for i in old.items if i.id not in {n.id for n in new.items})
    choices = services.statement_choices("governance", review.id, item_id=replaced.id)
    assert choices.versions == ("1.0", "1.1")
    assert choices.statement(replaced.id).only_in == ("1.0",)
    # A section 1.1 has too adds nothing.
    kept = services.statement_choices("governance", review.id, section_id=old.sections[0].id)
    assert kept.versions == ("1.1",)


def test_a_statement_reworded_under_its_own_id_shows_the_newest_wording():
    """A questionnaire of one's own may reword a statement and keep its id: it is offered
    once, in the newest wording, and says how the older version worded it."""
    old = load_catalogue([FORMS_DIR]).get("governance", "1.0").questionnaire
    first = old.sections[0]
    item = first.items[0]
    reworded = replace(item, statement="Reworded: " + item.statement)
    newer = replace(
        old,
        version="1.0.1",
        sections=(replace(first, items=(reworded, *first.items[1:])), *old.sections[1:]),
    )
    choices = merged_versions([newer, old])
    assert choices.versions == ("1.0", "1.0.1")
    choice = choices.statement(item.id)
    assert choice.statement == reworded.statement and not choice.only_in
    assert choice.note == f"Version 1.0 worded it: “{item.statement}”."
    assert sum(c.id == item.id for s in choices.sections for c in s.statements) == 1
