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
