"""The demo's reports read page by page, as a board member would (issue 13's last check):
each test here is a fault once found on a page of a demo report, checked in the PDF's
text as pypdf reads it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from ics_assess.domain import AssessmentKind
from ics_assess.services import Services

from .conftest import FORMS_DIR
from .test_report import PRODUCED, Pdf, demo_services, pick

REVIEW = "Six-month review, November 2026"


def demo_copy(demo_db: Path, path: Path) -> Services:
    """A copy of the session's demo database, to change (opened for writing)."""
    source = sqlite3.connect(f"file:{demo_db}?mode=ro", uri=True)
    target = sqlite3.connect(path)
    source.backup(target)
    target.close()
    source.close()
    return Services.open(path, [FORMS_DIR])


def second_unnamed_response(services: Services) -> str:
    """A second, submitted organisation response to equal partnership for Westmoor City
    Council in the review round, with no respondent named: its ratings run 1 to 5 in
    turn, so that the same statement is strongest in one response and weakest in the
    other; its first statement has a comment, evidence and a target."""
    org = services.resolve_organisation("Westmoor City Council")
    rnd = services.resolve_round(REVIEW, org.partnership_id)
    a = services.start_assessment(
        round_id=rnd.id,
        organisation_id=org.id,
        questionnaire_id="equal-partnership",
        kind="organisation",
    )
    items = services.detail(a.id).questionnaire.items
    for i, item in enumerate(items):
        services.answer(a.id, item.id, 1 + (i * 7) % 5)
    services.set_comment(a.id, items[0].id, "Second response, from the council's officers.")
    services.set_evidence(a.id, items[0].id, "Cabinet report, October 2026")
    services.set_target(a.id, items[0].id, 5)
    services.submit(a.id)
    return a.id


def test_the_cover_names_the_nhs_sector_in_capitals(demo_db, tmp_path):
    with demo_services(demo_db) as services:
        trust = pick(
            services,
            organisation_name="Northshire Teaching Hospitals NHS Foundation Trust",
            questionnaire_id="governance",
            round_name=REVIEW,
            kind=AssessmentKind.ORGANISATION,
        )
        services.report_assessment(trust, tmp_path / "trust.pdf", produced_on=PRODUCED)
    cover = Pdf(tmp_path / "trust.pdf").pages[0]
    assert "NHS trust (NHS sector)" in cover
    assert "nhs sector" not in cover


def test_the_band_descriptor_leaves_the_summary_on_one_page(demo_db, tmp_path):
    """What the band looks like sits across the page under the headline; in the narrow
    column beside the chart it pushed the strongest and weakest statements on to a page
    of their own."""
    with demo_services(demo_db) as services:
        for organisation, questionnaire in (
            ("Northshire Teaching Hospitals NHS Foundation Trust", "governance"),
            ("Westmoor Community and Mental Health NHS Trust", "equal-partnership"),
            ("Westmoor City Council", "democratic-involvement"),
        ):
            found = pick(
                services,
                organisation_name=organisation,
                questionnaire_id=questionnaire,
                round_name=REVIEW,
                kind=AssessmentKind.ORGANISATION,
            )
            services.report_assessment(found, tmp_path / "r.pdf", produced_on=PRODUCED)
            summary = Pdf(tmp_path / "r.pdf").pages[1]
            assert "looks like:" in summary, organisation
            assert "Strongest and weakest statements" in summary, organisation
            assert "Biggest gaps between now and the target" in summary, organisation


def test_a_reverse_statement_says_so_in_one_sentence_and_counts_keep_their_words(demo_db, tmp_path):
    """The note under a reverse statement read "agreeing scores low: a rating r counts
    as 6 − r" (two colons); and a section's counts broke inside "not / answered"."""
    with demo_services(demo_db) as services:
        baseline = pick(
            services,
            organisation_name="Northshire Teaching Hospitals NHS Foundation Trust",
            questionnaire_id="equal-partnership",
            round_name="Baseline, May 2026",
            kind=AssessmentKind.ORGANISATION,
        )
        services.report_assessment(baseline, tmp_path / "r.pdf", produced_on=PRODUCED)
    pdf = Pdf(tmp_path / "r.pdf")
    assert "describes a problem: agreeing scores low (a rating r counts as 6 − r)" in pdf.text
    assert "low: a rating" not in pdf.text
    for page in pdf.reader.pages:
        raw = page.extract_text() or ""
        for words in ("not answered", "not applicable", "don't know"):
            first, second = words.split(" ", 1)
            assert not re.search(rf"{first}\s*\n\s*{second}", raw), words


def test_a_second_response_is_named_wherever_its_statements_are_listed(demo_db, tmp_path):
    """With two responses to one questionnaire, the summary listed "1.3 Proposals to
    partnership boards..." as strongest and as weakest, each under "Equal partnership",
    with nothing to say which response each came from; and the unnamed response's part
    said "answered by Respondent not named"."""
    with demo_copy(demo_db, tmp_path / "demo.sqlite") as services:
        second_unnamed_response(services)
        org = services.resolve_organisation("Westmoor City Council")
        rnd = services.resolve_round(REVIEW, org.partnership_id)
        services.report_organisation(org.id, rnd.id, tmp_path / "org.pdf", produced_on=PRODUCED)
    pdf = Pdf(tmp_path / "org.pdf")
    summary = " ".join(page for page in pdf.pages[1:4] if "Strongest and weakest" in page)
    assert "Equal partnership (Respondent not named) · Setting the agenda" in summary
    assert "Equal partnership (Cllr Siân Llewellyn) · Setting the agenda" in summary
    assert "Equal partnership · " not in summary
    # Responses answered once are named by their questionnaire alone.
    assert "Democratic involvement and citizen voice (" not in summary
    assert "answered by a respondent not named" in pdf.text
    assert "by Cllr Siân Llewellyn and a respondent not named." in pdf.pages[0]
    assert "answered by Respondent not named" not in pdf.text


def test_no_page_starts_with_evidence_cut_off_from_its_statement(
    services, partnership_setup, tmp_path
):
    """A statement and its comment sat at the foot of a page and its evidence began the
    next, under the repeated table head: every statement here has a comment and a few
    lines of evidence, of lengths that put page breaks where that happened."""
    _, rnd, orgs = partnership_setup
    for questionnaire in ("governance", "equal-partnership"):
        a = services.start_assessment(
            round_id=rnd.id,
            organisation_id=orgs["council"].id,
            questionnaire_id=questionnaire,
            kind="organisation",
            respondent_name="Cllr Test",
        )
        for i, item in enumerate(services.detail(a.id).questionnaire.items):
            services.answer(a.id, item.id, 1 + (i * 7) % 5)
            services.set_comment(a.id, item.id, " ".join(["Word"] * (30 + (i * 37) % 110)) + ".")
            evidence = "\n".join(f"Board minutes {k}, item {i}" for k in range(1 + i % 9))
            services.set_evidence(a.id, item.id, evidence)
        services.report_assessment(a.id, tmp_path / "r.pdf", produced_on=PRODUCED)
        pdf = Pdf(tmp_path / "r.pdf")
        assert "Board minutes 8, item 8" in pdf.text
        for n, page in enumerate(pdf.pages, start=1):
            assert not re.search(r"No\. Statement Rating Target (Comment|Evidence) ", page), (
                questionnaire,
                n,
            )


def test_a_page_keeps_the_running_header_of_the_part_it_began_in(demo_db, tmp_path):
    """The governance part's last page, which the organisation's actions share, was
    headed with the organisation's header, as if no questionnaire were on it."""
    with demo_services(demo_db) as services:
        org = services.resolve_organisation("Westmoor City Council")
        rnd = services.resolve_round(REVIEW, org.partnership_id)
        services.report_organisation(org.id, rnd.id, tmp_path / "org.pdf", produced_on=PRODUCED)
    pdf = Pdf(tmp_path / "org.pdf")
    last = next(page for page in pdf.pages if "How the partnership checks whether" in page)
    assert "· Governance and accountability · Westmoor City Council" in last
    assert "Actions" in last  # the actions begin on that page, under its header
    appendix = next(page for page in pdf.pages if "Appendix: how the scores" in page)
    assert "· Westmoor City Council · Six-month review, November 2026" in appendix


def demo_comparison_report(services: Services, questionnaire: str, path: Path) -> Pdf:
    """The comparison of the review round's organisation responses to ``questionnaire``."""
    partnership = services.store.partnerships()[0]
    latest = services.rounds_latest_first(partnership.id)[0]
    c = services.compare(round_id=latest.id, questionnaire_id=questionnaire)
    services.report_comparison(c, path, produced_on=PRODUCED)
    return Pdf(path)


def test_the_statement_heat_map_begins_on_the_page_of_its_introduction(demo_db, tmp_path):
    """ "Statements by group" stood alone on a page, its introduction and legend at the
    top and the rest blank, the table it introduces starting on the next; and the one
    block of organisations was headed "By organisation, part 1 of 1"."""
    with demo_services(demo_db) as services:
        pdf = demo_comparison_report(services, "governance", tmp_path / "c.pdf")
    page = next(page for page in pdf.pages if "Statements by group" in page)
    assert "The system and the sectors" in page
    assert "1.1 Our organisation can show which body takes each kind of decision" in page
    assert "By organisation (the system repeated)" in pdf.text
    assert "part 1 of 1" not in pdf.text


def test_the_statements_that_changed_between_versions_are_named_whole(demo_db, tmp_path):
    """The list of statements left out of the change cut the longer ones short ("…
    neither the ICB board nor the health and wellbeing…"), in a list with room for
    them."""
    with demo_services(demo_db) as services:
        pdf = demo_comparison_report(services, "governance", tmp_path / "c.pdf")
    changed = pdf.text[pdf.text.index("Statements that changed between versions") :]
    assert (
        "3.1 The integrated care partnership's agendas include business that neither the "
        "ICB board nor the health and wellbeing boards take." in changed
    )
    assert "…" not in changed[: changed.index("Produced by")]


def test_a_workshop_section_heading_never_ends_a_page(demo_db, tmp_path):
    """In "Every statement: outcome and reasoning", "Section 3: Prevention and health
    inequalities" was the last row of a page, its statements all on the next."""
    with demo_services(demo_db) as services:
        workshop = services.workshops()[0].workshop.id
        services.report_workshop(workshop, tmp_path / "w.pdf", produced_on=PRODUCED)
    pdf = Pdf(tmp_path / "w.pdf")
    assert "Section 3: Prevention and health inequalities 3.1" in pdf.text
    for page in pdf.pages:
        body = page[: page.rindex("Northshire and Westmoor Health and")]  # the header
        assert not re.search(r"Section \d+: [^.]*$", body.strip()), body[-120:]


def test_the_appendix_sizes_a_flagged_gap_against_the_scale_rightly(demo_db, tmp_path):
    """Rule 13 called a gap of 1 point "a fifth of the whole 1 to 5 scale"; the scale
    spans 4 points, so 1 point is a quarter of it (25 points of percent, Rule 6)."""
    with demo_services(demo_db) as services:
        pdf = demo_comparison_report(services, "equal-partnership", tmp_path / "c.pdf")
    rule = pdf.text[pdf.text.index("Rule 13: Perception gaps") :]
    assert "A gap of 1 point or more either way (a quarter of the whole 1 to 5 scale" in rule
    assert "a fifth" not in pdf.text


def test_no_actions_need_no_page_of_their_own(demo_db, tmp_path):
    """ "No improvement actions have been recorded ..." stood alone on a page, with room
    for it under the last section on the page before."""
    with demo_services(demo_db) as services:
        for organisation, round_name in (
            ("Northshire Teaching Hospitals NHS Foundation Trust", "Baseline, May 2026"),
            ("Westmoor Community and Mental Health NHS Trust", REVIEW),
        ):
            found = pick(
                services,
                organisation_name=organisation,
                questionnaire_id="equal-partnership",
                round_name=round_name,
                kind=AssessmentKind.ORGANISATION,
            )
            services.report_assessment(found, tmp_path / "r.pdf", produced_on=PRODUCED)
            pdf = Pdf(tmp_path / "r.pdf")
            page = next(p for p in pdf.pages if "No improvement actions have been recorded" in p)
            assert "6. Trust and culture" in page, organisation


def test_the_radar_names_each_section_whole(demo_db, tmp_path):
    """The radar cut "Workforce across health and social care" to "Workforce across
    health and…" (and the ICB's section likewise), with room on the page for them."""
    whole = {
        "equal-partnership": "4 Workforce across health and social care",
        "governance": "3 The ICB, the ICP and health and wellbeing boards",
        "democratic-involvement": "5 Healthwatch and the voluntary sector",
    }
    with demo_services(demo_db) as services:
        for questionnaire, label in whole.items():
            found = pick(
                services,
                organisation_name="Westmoor City Council",
                questionnaire_id=questionnaire,
                round_name=REVIEW,
                kind=AssessmentKind.ORGANISATION,
            )
            services.report_assessment(found, tmp_path / "r.pdf", produced_on=PRODUCED)
            summary = Pdf(tmp_path / "r.pdf").pages[1]
            chart = summary[: summary.index("No. Section Score")]  # (an ellipsis reads "...")
            assert label in chart, questionnaire
            assert "..." not in chart, questionnaire


def test_the_printed_action_plan_looks_like_the_other_reports(demo_db, tmp_path):
    """Its title was in the regular weight, every other report's in bold, and its footer
    read "Produced 1 December 2026 with ICS Assess", theirs "Produced by ICS Assess on
    1 December 2026"."""
    with demo_services(demo_db) as services:
        partnership = services.store.partnerships()[0]
        latest = services.rounds_latest_first(partnership.id)[0]
        out = services.print_action_plan(latest.id, tmp_path / "plan.pdf", today=PRODUCED)
    pdf = Pdf(out)
    assert pdf.pages[0].startswith(f"Action plan: {REVIEW}")
    assert all("Produced by ICS Assess on 1 December 2026" in page for page in pdf.pages)
    fonts = pdf.reader.pages[0]["/Resources"]["/Font"].values()
    assert any(str(f.get_object()["/BaseFont"]).endswith("-Bold") for f in fonts)


def test_a_section_column_heading_never_breaks_inside_a_word(demo_db, tmp_path):
    """The section table's column for "Disagreement and escalation" was headed "4
    Disagree" above "ment and escalation": the word was wider than the column."""
    with demo_services(demo_db) as services:
        pdf = demo_comparison_report(services, "governance", tmp_path / "c.pdf")
    page = next(p for p in pdf.pages if p.startswith("Section scores by group"))
    assert "Disagreement" in page
    assert "Disagree ment" not in page


def test_a_provisional_summary_keeps_to_its_page(demo_db, tmp_path):
    """The half-done draft's summary ran on to a second page: beside the chart, the
    provisional line and the list of sections not scored took the left column to ten
    lines more than the chart. They now run across the page under it."""
    with demo_services(demo_db) as services:
        draft = pick(
            services,
            organisation_name="Northshire Primary Care Collaborative",
            questionnaire_id="equal-partnership",
            round_name=REVIEW,
            kind=AssessmentKind.ORGANISATION,
        )
        services.report_assessment(draft, tmp_path / "r.pdf", produced_on=PRODUCED)
    summary = Pdf(tmp_path / "r.pdf").pages[1]
    assert "Provisional: based on 3 of 6 sections." in summary
    assert (
        "17 of 34 statements answered; 3 of 6 sections scored. Not scored, for want of "
        "answers: Workforce across health and social care; The local economy; Trust and "
        "culture." in summary
    )
    assert "Biggest gaps between now and the target" in summary


def test_a_half_done_draft_has_no_evidence_on_a_statement_it_left_blank(demo_db, tmp_path):
    """The demo's half-done draft cleared the ratings, targets and comments of its second
    half, but not the evidence, so its report showed "Not answered" with "Evidence:
    Discharge dashboard, shared weekly…" under it."""
    with demo_services(demo_db) as services:
        draft = pick(
            services,
            organisation_name="Northshire Primary Care Collaborative",
            questionnaire_id="equal-partnership",
            round_name=REVIEW,
            kind=AssessmentKind.ORGANISATION,
        )
        detail = services.detail(draft)
        services.report_assessment(draft, tmp_path / "r.pdf", produced_on=PRODUCED)
    blank = [a for a in detail.answers.values() if not a.is_answered]
    assert blank and not any(a.evidence or a.comment for a in blank)
    assert "Discharge dashboard" not in Pdf(tmp_path / "r.pdf").text
