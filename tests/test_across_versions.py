"""A partnership that answered governance 1.0 at its baseline and 1.1 at its review
(issue 13, "Across versions"): statements are matched by id, the ones that differ are
named and left out of the change, every report says which version it was answered on,
and actions and concerns on a statement 1.1 replaced still name it. The band a 1.1
assessment lands in is described on the results page and in its report, and a 1.0
reverse statement says so in the walk-through."""

from __future__ import annotations

from datetime import date

import pytest

from ics_assess.labels import REVERSE_NOTE
from ics_assess.scoring import questionnaire_score

from .conftest import start_on_version
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
