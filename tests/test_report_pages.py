"""The demo's reports read page by page, as a board member would (issue 13's last check):
each test here is a fault once found on a page of a demo report, checked in the PDF's
text as pypdf reads it."""

from __future__ import annotations

import re

from .test_report import PRODUCED, Pdf, demo_services, pick

REVIEW = "Six-month review, November 2026"


def test_the_cover_names_the_nhs_sector_in_capitals(demo_db, tmp_path):
    with demo_services(demo_db) as services:
        trust = pick(
            services,
            organisation_name="Northshire Teaching Hospitals NHS Foundation Trust",
            questionnaire_id="governance",
            round_name=REVIEW,
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
