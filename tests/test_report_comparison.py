"""The comparison PDF (issue 9), opened with pypdf as a reader would: the demo round's
system score, coverage, largest gaps with the comments behind them and the change since
the baseline are all there, on numbered pages with bookmarks and metadata; the view of
individual respondents names no respondent and shows no group under three; an empty
comparison, one organisation, a missing sector and hostile names each make a sensible
PDF; a failed write leaves no file."""

from __future__ import annotations

import errno
import os
import time
from dataclasses import replace
from datetime import date

import pytest

from ics_assess.comparison import Comparison
from ics_assess.domain import AssessmentKind
from ics_assess.reports.comparison import (
    GAP_STATEMENTS,
    StatementComment,
    build_comparison_report,
    gap_statements,
)
from ics_assess.reports.document import ReportError
from ics_assess.services import Services

from .test_report import HOSTILE, Pdf, demo_services, norm

PRODUCED = date(2026, 12, 1)
QUESTIONNAIRE = "equal-partnership"


def demo_comparison(services: Services, kind: str = "organisation") -> Comparison:
    """The demo's second round (the six-month review), compared with the baseline."""
    partnership = services.store.partnerships()[0]
    latest = services.rounds_latest_first(partnership.id)[0]
    return services.compare(round_id=latest.id, questionnaire_id=QUESTIONNAIRE, kind=kind)


def outline_pages(pdf: Pdf) -> dict[str, tuple[int, int]]:
    """Each top-level part's first and last page (from 1), from the bookmarks."""
    top = [(title, page) for level, title, page in pdf.outline() if level == 0]
    out = {}
    for i, (title, page) in enumerate(top):
        end = top[i + 1][1] - 1 if i + 1 < len(top) else len(pdf.pages)
        out[title] = (page, max(page, end))
    return out


def part_text(pdf: Pdf, title: str) -> str:
    first, last = outline_pages(pdf)[title]
    return " ".join(pdf.pages[first - 1 : last])


# --- the demo, organisation responses -----------------------------------------------------


def test_demo_comparison_report(demo_db, tmp_path):
    with demo_services(demo_db) as services:
        c = demo_comparison(services)
        rows = gap_statements(c)
        comments = services.divergence_comments(c, [r.item.id for r in rows])
        started = time.perf_counter()
        result = services.report_comparison(c, tmp_path / "compare.pdf", produced_on=PRODUCED)
        elapsed = time.perf_counter() - started
    assert elapsed < 30
    pdf = Pdf(result.path)
    assert result.pages == len(pdf.pages) >= 8
    pdf.assert_numbered()
    pdf.assert_no_links_or_images()

    summary = part_text(pdf, "Summary")
    assert f"{c.headline.system:.1f}" in summary
    assert norm(c.headline_sentence()) in norm(pdf.text)
    assert norm(c.coverage.sentence()) in summary
    assert "organisation responses only" in summary
    assert f"version {c.questionnaire.version}" in summary
    for sector_name in ("NHS", "Local government", "Community"):
        assert sector_name in summary
    assert "Largest gaps between sectors" in summary
    assert "Flagged" in summary
    assert "Most split statements" in summary
    assert "Largest improvements" in summary and "Largest declines" in summary
    for note in c.notes:
        assert norm(note) in summary

    # The largest gaps, with the comments behind them, by organisation.
    gaps = part_text(pdf, "Where the sectors differ most")
    assert len(rows) == GAP_STATEMENTS
    assert "Setting the agenda" in gaps
    for row in rows:
        assert norm(f"{row.number} {row.item.statement}") in gaps
    agenda = [r for r in rows if r.section_id == c.questionnaire.sections[0].id]
    assert agenda, "a statement of Setting the agenda is among the largest gaps"
    agenda_ids = {r.item.id for r in agenda}
    assert [x for x in comments if x.item_id in agenda_ids], "with its comments"
    assert comments
    for comment in comments:
        assert norm(comment.comment) in gaps
        assert norm(comment.who) in gaps

    # The change since the baseline.
    trend = part_text(pdf, "Since Baseline, May 2026")
    assert "moved" in trend
    for org in c.trend.only_before:
        assert norm(org.name) in trend

    titles = [title for _, title, _ in pdf.outline()]
    for expected in (
        "Cover",
        "Summary",
        "Section scores",
        "Statements by group",
        "Where the sectors differ most",
        "Since Baseline, May 2026",
        "Appendix: how the scores are calculated",
    ):
        assert expected in titles
    pages = [page for _, _, page in pdf.outline()]
    assert pages == sorted(pages) and pages[0] == 1
    # The appendix is the whole method, the rules that combine respondents included.
    appendix = part_text(pdf, "Appendix: how the scores are calculated")
    for rule in ("Rule 9", "Rule 13", "Rule 14", "Rule 15"):
        assert rule in appendix

    # Every group of the section table and heat map is there, by name.
    sections = part_text(pdf, "Section scores")
    for column in c.columns:
        assert norm(column.label) in sections

    meta = pdf.reader.metadata
    assert meta.author == "ICS Assess"
    assert meta.title == f"Equal partnership: comparison of organisation responses, {c.round.name}"
    assert c.partnership.name in meta.subject
    assert meta.creator.startswith("ICS Assess")


# --- the demo, individual views --------------------------------------------------------------


def test_individual_view_names_no_respondent_and_no_small_group(demo_db, tmp_path):
    with demo_services(demo_db) as services:
        c = demo_comparison(services, "individual")
        result = services.report_comparison(c, tmp_path / "individual.pdf")
        summaries = services.list_assessments()
        comments = services.divergence_comments(c, [i.id for i in c.questionnaire.items])
    pdf = Pdf(result.path)
    pdf.assert_numbered()
    respondents = {s.assessment.respondent_name for s in summaries if s.assessment.respondent_name}
    assert respondents
    for person in respondents:
        assert norm(person) not in pdf.text, person

    individual_orgs = {
        s.organisation_name for s in summaries if s.assessment.kind == AssessmentKind.INDIVIDUAL
    }
    shown_alone = {col.label for col in c.columns if col.level == "organisation"}
    folded = individual_orgs - shown_alone
    assert folded, "the demo folds or withholds some organisations' individuals"
    grouped = " ".join(
        part_text(pdf, title)
        for title in ("Section scores", "Statements by group", "Where the sectors differ most")
    )
    for organisation in folded:
        assert norm(organisation) not in grouped, organisation

    summary = part_text(pdf, "Summary")
    assert "individual views only" in summary
    assert c.headline.complete and f"System score {c.headline.system:.1f}" in summary
    for sentence in c.anonymity.sentences():
        assert norm(sentence) in norm(pdf.text)

    # Comments carry no organisation, and none come from a sector under three respondents.
    shown = {col.key for col in c.columns if col.level == "sector"}
    assert comments and all(x.sector.value in shown for x in comments)
    gaps = part_text(pdf, "Where the sectors differ most")
    assert "NHS respondent" in gaps
    ids = {r.item.id for r in gap_statements(c)}
    for x in comments:
        if x.item_id in ids:
            assert norm(x.comment) in gaps


def test_the_report_drops_names_from_individual_comments_whatever_it_is_given(demo_db, tmp_path):
    with demo_services(demo_db) as services:
        c = demo_comparison(services, "individual")
    row = gap_statements(c)[0]
    sector = next(s for s, points in row.points.items() if points)
    leaked = {
        row.item.id: [
            StatementComment(row.item.id, sector, "Secret Person", "A comment to print"),
            *[
                StatementComment(row.item.id, s, "Other", f"From a small sector {s.value}")
                for s in type(sector)
                if not any(col.level == "sector" and col.key == s.value for col in c.columns)
            ],
        ]
    }
    built = build_comparison_report(c, comments=leaked, produced_on=PRODUCED)
    path = tmp_path / "leak.pdf"
    path.write_bytes(built.pdf)
    pdf = Pdf(path)
    assert "A comment to print" in pdf.text
    assert "Secret Person" not in pdf.text
    assert "From a small sector" not in pdf.text


# --- bad input -----------------------------------------------------------------------------


def _submit(services, rnd, org, *, kind="organisation", rating=3, name=None, comment=""):
    a = services.start_assessment(
        round_id=rnd.id,
        organisation_id=org.id,
        questionnaire_id=QUESTIONNAIRE,
        kind=kind,
        respondent_name=name,
        respondent_role="Member",
    )
    q = services.questionnaire_of(a)
    for n, item in enumerate(q.items):
        services.answer(a.id, item.id, (rating + n) % 5 + 1 if rating is None else rating)
        if comment:
            services.set_comment(a.id, item.id, comment)
    services.submit(a.id)
    return a


def _report(services, rnd, tmp_path, kind="organisation", name="c.pdf") -> tuple[Comparison, Pdf]:
    c = services.compare(round_id=rnd.id, questionnaire_id=QUESTIONNAIRE, kind=kind)
    result = services.report_comparison(c, tmp_path / name, produced_on=PRODUCED)
    pdf = Pdf(result.path)
    pdf.assert_numbered()
    return c, pdf


def test_empty_comparison_says_nothing_was_submitted(services, partnership_setup, tmp_path):
    _, rnd, _ = partnership_setup
    c, pdf = _report(services, rnd, tmp_path)
    assert c.empty
    assert "No score yet" in pdf.text
    assert "has been submitted in Baseline yet, so there is nothing to score" in pdf.text
    assert "0 of 3 organisations" in pdf.text
    titles = [title for _, title, _ in pdf.outline()]
    assert titles == ["Cover", "Summary", "Appendix: how the scores are calculated"]


def test_one_organisation_and_missing_sectors(services, partnership_setup, tmp_path):
    _, rnd, orgs = partnership_setup
    _submit(services, rnd, orgs["council"], rating=2, comment="Only us so far.")
    _, pdf = _report(services, rnd, tmp_path)
    summary = part_text(pdf, "Summary")
    assert "Only one organisation has responded" in summary
    assert "Incomplete: no response from NHS and community" in summary
    assert "not a system score" in summary
    assert "No gap between sectors can be worked out" in summary
    gaps = part_text(pdf, "Where the sectors differ most")
    assert "No statement has scores from two sectors" in gaps
    assert "There is no earlier round" in summary
    assert "Test County Council" in part_text(pdf, "Statements by group")


def test_missing_sector_is_named_and_gaps_shown(services, partnership_setup, tmp_path):
    _, rnd, orgs = partnership_setup
    _submit(services, rnd, orgs["icb"], rating=5, comment="We lead on this.")
    _submit(services, rnd, orgs["council"], rating=1, comment="Nobody asked us.")
    _, pdf = _report(services, rnd, tmp_path)
    summary = part_text(pdf, "Summary")
    assert "Incomplete: no response from community" in summary
    assert "Mean of the sectors shown: 3.0" in summary
    assert "+4.0" in summary
    gaps = part_text(pdf, "Where the sectors differ most")
    assert "We lead on this." in gaps and "Nobody asked us." in gaps
    assert "Test ICB" in gaps and "Test County Council" in gaps


def test_individual_view_with_folding(services, partnership_setup, tmp_path):
    _, rnd, orgs = partnership_setup
    for n in range(3):
        _submit(services, rnd, orgs["icb"], kind="individual", rating=4, name=f"Nurse {n}",
                comment="Seen from the ward.")  # fmt: skip
    for n in range(2):
        _submit(services, rnd, orgs["council"], kind="individual", rating=1,
                name=f"Councillor {n}", comment="Seen from the town hall.")  # fmt: skip
    _, pdf = _report(services, rnd, tmp_path, kind="individual")
    for person in ("Nurse", "Councillor"):
        assert person not in pdf.text
    assert "Seen from the town hall." not in pdf.text  # its sector has under 3
    grouped = " ".join(
        part_text(pdf, t)
        for t in ("Section scores", "Statements by group", "Where the sectors differ most")
    )
    assert "Test County Council" not in grouped
    assert "2 respondents (of Test County Council) are left out of every figure" in pdf.text
    assert (
        "Incomplete: no response from community and too few local government respondents "
        "to show" in pdf.text
    )


def test_hostile_names_print_literally(services, partnership_setup, tmp_path):
    p, rnd, orgs = partnership_setup
    services.store.update_partnership(p.id, name="Partnership " + HOSTILE[3])
    bold = services.store.add_organisation(p.id, "<b>x", "nhs_trust")
    image = services.store.add_organisation(p.id, "<img src=x>", "district_council")
    _submit(services, rnd, bold, rating=5, comment=HOSTILE[1])
    _submit(services, rnd, image, rating=1, comment=HOSTILE[2])
    _submit(services, rnd, orgs["vcse"], rating=3, comment=HOSTILE[0])
    _, pdf = _report(services, rnd, tmp_path)
    for text in ("<b>x", "<img src=x>", *HOSTILE):
        assert norm(text) in pdf.text, text
    pdf.assert_no_links_or_images()


def test_failed_write_leaves_no_file_and_says_why(
    services, partnership_setup, tmp_path, monkeypatch
):
    _, rnd, orgs = partnership_setup
    _submit(services, rnd, orgs["icb"])
    c = services.compare(round_id=rnd.id, questionnaire_id=QUESTIONNAIRE)
    target = tmp_path / "out" / "compare.pdf"
    target.parent.mkdir()

    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(ReportError) as caught:
        services.report_comparison(c, target)
    assert "not enough disk space" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert list(target.parent.iterdir()) == []


def test_statements_changed_between_versions_are_marked_and_named(demo_db, tmp_path):
    with demo_services(demo_db) as services:
        c = demo_comparison(services)
    changed = (c.statements[1].item.id,)
    c = replace(
        c,
        changed_items=changed,
        statements=tuple(replace(r, changed=r.item.id in changed) for r in c.statements),
        trend=replace(c.trend, changed_items=changed),
    )
    path = tmp_path / "changed.pdf"
    path.write_bytes(build_comparison_report(c, produced_on=PRODUCED).pdf)
    pdf = Pdf(path)
    assert "changed" in part_text(pdf, "Statements by group").replace("changed marks one", "")
    trend = part_text(pdf, "Since Baseline, May 2026")
    assert "left out of the change" in trend
    assert norm(f"{c.statements[1].number} {c.statements[1].item.statement}") in trend


def test_demo_summary_keeps_to_one_page(demo_db, tmp_path):
    with demo_services(demo_db) as services:
        for kind in ("organisation", "individual"):
            c = demo_comparison(services, kind)
            pdf = Pdf(services.report_comparison(c, tmp_path / f"{kind}.pdf").path)
            first, last = outline_pages(pdf)["Summary"]
            assert first == last == 2, kind
