"""The demo's reports read page by page, as a board member would (issue 13's last check):
each test here is a fault once found on a page of a demo report, checked in the PDF's
text as pypdf reads it."""

from __future__ import annotations

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
