"""The PDF reports, opened with pypdf as a reader would: the scores, bands, statements,
comments and targets the database holds are all there, on numbered pages with a running
header, bookmarks and metadata; drafts say DRAFT on every page; empty, huge and hostile
assessments still make a correct, readable PDF; and a failed write leaves no file."""

from __future__ import annotations

import errno
import os
import re
import time
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from ics_assess import textrules
from ics_assess.domain import (
    SCALE_POINTS,
    ActionStatus,
    Answer,
    AssessmentKind,
    AssessmentStatus,
    Item,
    Questionnaire,
    ScalePoint,
    Section,
    Unrated,
)
from ics_assess.reports.analysis import (
    rated_statements,
    strongest_and_weakest,
    target_gaps,
    target_profile,
)
from ics_assess.reports.appendix import parse_markdown, scoring_doc_path
from ics_assess.reports.document import ReportError, chunk_text, fit_text, write_atomically
from ics_assess.reports.text import BODY, register_fonts
from ics_assess.scoring import scored_value
from ics_assess.services import Services
from ics_assess.store import StoreError

from .conftest import FORMS_DIR

PRODUCED = date(2026, 12, 1)
HOSTILE = [
    "<b>bold?</b> & <i>",
    '<img src="/etc/passwd"/>',
    '<a href="javascript:alert(1)">click me</a>',
    "Fish & chips <font size=40>big</font> </para> <br/> &amp; &#60; <",
]


# --- helpers --------------------------------------------------------------------------------


def norm(text: str) -> str:
    """Text as a reader sees it: compatibility forms folded (a ligature is its letters),
    all runs of white space one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


class Pdf:
    """A produced PDF, opened once: its pages' text (normalised) and the reader."""

    def __init__(self, path: Path):
        self.path = path
        self.reader = PdfReader(str(path))
        self.pages = [norm(page.extract_text() or "") for page in self.reader.pages]
        self.text = " ".join(self.pages)

    def outline(self) -> list[tuple[int, str, int]]:
        """(level, title, page number from 1) of every bookmark, in order."""
        found: list[tuple[int, str, int]] = []

        def walk(items, level: int) -> None:
            for item in items:
                if isinstance(item, list):
                    walk(item, level + 1)
                else:
                    page = self.reader.get_destination_page_number(item) + 1
                    found.append((level, item.title, page))

        walk(self.reader.outline, 0)
        return found

    def assert_numbered(self) -> None:
        total = len(self.pages)
        for n, page in enumerate(self.pages, start=1):
            assert f"Page {n} of {total}" in page

    def assert_no_links_or_images(self) -> None:
        for page in self.reader.pages:
            assert "/Annots" not in page, "a page has annotations (links)"
            resources = page.get("/Resources") or {}
            xobjects = resources.get("/XObject") or {}
            for ref in xobjects.values():
                assert ref.get_object().get("/Subtype") != "/Image"
        raw = self.path.read_bytes()
        for marker in (b"/URI", b"/JavaScript", b"/Launch", b"/OpenAction"):
            assert marker not in raw


def fmt(value: float) -> str:
    return f"{value:.2f}"


def pct(value: float) -> str:
    return f"{value:.0f}%"


def demo_services(demo_db: Path) -> Services:
    """The session's demo database: these tests only read it (reports never write)."""
    return Services.open(demo_db, [FORMS_DIR], create=False)


def pick(services: Services, **want) -> str:
    """The id of the first assessment in the list matching every attribute given."""
    for s in services.list_assessments():
        if all(
            (getattr(s.assessment, k, None) if hasattr(s.assessment, k) else getattr(s, k)) == v
            for k, v in want.items()
        ):
            return s.assessment.id
    raise AssertionError(f"no assessment with {want}")


def assert_report_matches_database(pdf: Pdf, services: Services, assessment_id: str) -> None:
    """Every number and word of the assessment that the report promises is in the PDF."""
    detail = services.detail(assessment_id)
    q, score = detail.questionnaire, detail.score
    summary = pdf.pages[1]
    if score.mean is None:
        assert "No section has enough answers" in summary
    else:
        assert fmt(score.mean) in summary
        assert pct(score.percent) in summary
        assert score.band.name in summary
    assert q.title in pdf.pages[0]
    assert detail.organisation.name in pdf.pages[0]
    for n, section in enumerate(q.sections, start=1):
        sc = score.section(section.id)
        assert norm(f"{n}. {section.title}") in pdf.text
        if sc.reported:
            assert f"Score {fmt(sc.mean)} of 5 · {pct(sc.percent)}" in pdf.text
            assert norm(f"{n} {section.title} {fmt(sc.mean)} {pct(sc.percent)} {sc.band.name}") in (
                summary
            )
        else:
            assert norm(f"{n} {section.title} Not enough answers") in summary
        for i, item in enumerate(section.items, start=1):
            answer = detail.answers.get(item.id)
            assert norm(item.statement) in pdf.text
            if item.reverse or item.weight != 1:
                continue  # notes sit between the statement and its rating
            if answer is not None and answer.rating is not None:
                rating = f"{answer.rating} {q.scale_label(answer.rating)}"
            elif answer is not None and answer.unrated is not None:
                rating = answer.unrated.label
            else:
                rating = "Not answered"
            target = (
                f"{answer.target} {q.scale_label(answer.target)}"
                if answer is not None and answer.target is not None
                else "–"
            )
            assert norm(f"{n}.{i} {item.statement} {rating} {target}") in pdf.text
        for item in section.items:
            answer = detail.answers.get(item.id)
            if answer is not None and answer.comment.strip():
                assert_comment(pdf, answer.comment)
            if answer is not None and answer.evidence.strip():
                assert_comment(pdf, answer.evidence)


def assert_comment(pdf: Pdf, comment: str) -> None:
    """A comment is in the PDF: whole, or a long one piece by piece (its pieces sit in
    rows of their own, and a page break with its header and footer may fall between)."""
    if len(comment) < 1000:
        assert norm(comment) in pdf.text
    else:
        for piece in chunk_text(comment):
            assert norm(piece) in pdf.text


# --- a normal, submitted assessment ------------------------------------------------------------


def test_demo_assessment_report_holds_what_the_database_holds(demo_db, tmp_path):
    with demo_services(demo_db) as services:
        assessment_id = pick(
            services,
            organisation_name="Westmoor City Council",
            questionnaire_id="governance",
            round_name="Six-month review, November 2026",
        )
        result = services.report_assessment(
            assessment_id, tmp_path / "report.pdf", produced_on=PRODUCED
        )
        pdf = Pdf(result.path)
        assert result.pages == len(pdf.pages) >= 6
        assert_report_matches_database(pdf, services, assessment_id)
        detail = services.detail(assessment_id)
        actions = services.store.actions(
            round_id=detail.round.id, organisation_id=detail.organisation.id
        )
    assert actions, "the demo gives this council an action in this round"
    for action in actions:
        assert norm(action.description) in pdf.text
        assert norm(action.owner) in pdf.text
    assert "Open" in pdf.text
    assert "31 January 2027" in pdf.text  # the due date, in words
    # The cover names who, what, when.
    cover = pdf.pages[0]
    for words in (
        "Northshire and Westmoor Health and Care Partnership",
        "Northshire and Westmoor Integrated Care System",
        "Upper-tier council",
        "Governance and accountability, version 1.1",  # the review was answered on 1.1
        "Six-month review, November 2026",
        "Cllr Siân Llewellyn",
        "Cabinet Member for Adult Social Care and Health",
        "Report produced 1 December 2026",
    ):
        assert norm(words) in cover
    # No DRAFT anywhere in a submitted assessment's report.
    assert not any("DRAFT" in page for page in pdf.pages)
    pdf.assert_numbered()
    # Running header on every page after the cover.
    for page in pdf.pages[1:]:
        assert "Governance and accountability" in page
        assert "Westmoor City Council" in page
    # The appendix explains the method in the words of docs/scoring.md.
    assert "Appendix: how the scores are calculated" in pdf.text
    assert "Rule 5: Enough answers" in pdf.text
    assert "Rule 9" not in pdf.text  # combining respondents: not used in this report


def test_bookmarks_and_metadata(demo_db, tmp_path):
    with demo_services(demo_db) as services:
        assessment_id = pick(services, questionnaire_id="equal-partnership", status="submitted")
        detail = services.detail(assessment_id)
        result = services.report_assessment(assessment_id, tmp_path / "r.pdf")
    pdf = Pdf(result.path)
    outline = pdf.outline()
    titles = [title for _, title, _ in outline]
    expected = [
        "Cover",
        "Summary",
        *[f"{n}. {s.title}" for n, s in enumerate(detail.questionnaire.sections, start=1)],
        "Actions",
        "Appendix: how the scores are calculated",
    ]
    assert titles == expected
    pages = [page for _, _, page in outline]
    assert pages[:2] == [1, 2]
    assert pages == sorted(pages)
    assert pages[-1] <= len(pdf.pages)
    # Each section's bookmark lands on the page where its heading is.
    for (_, title, page), section in zip(outline[2:-2], detail.questionnaire.sections, strict=True):
        assert norm(section.title) in pdf.pages[page - 1], title
    meta = pdf.reader.metadata
    assert meta.author == "ICS Assess"
    assert meta.title == f"Equal partnership: {detail.organisation.name}, {detail.round.name}"
    assert detail.partnership.name in meta.subject
    assert meta.creator.startswith("ICS Assess")


# --- drafts, empty assessments ----------------------------------------------------------------


def test_draft_report_says_draft_on_every_page(services, draft, tmp_path):
    q = services.questionnaire_of(draft)
    for item in q.items[:6]:
        services.answer(draft.id, item.id, 4)
    services.set_target(draft.id, q.items[0].id, 5)
    services.set_comment(draft.id, q.items[1].id, "Agreed at the March board.")
    result = services.report_assessment(draft.id, tmp_path / "draft.pdf")
    pdf = Pdf(result.path)
    assert len(pdf.pages) >= 5
    for n, page in enumerate(pdf.pages, start=1):
        assert "DRAFT" in page, f"page {n} does not say DRAFT"
    assert "Agreed at the March board." in pdf.text
    assert_report_matches_database(pdf, services, draft.id)
    assert pdf.reader.metadata.subject.endswith("(draft)")
    # Submitted, the same assessment's report no longer says DRAFT.
    services.submit(draft.id, allow_unanswered=True)
    pdf = Pdf(services.report_assessment(draft.id, tmp_path / "submitted.pdf").path)
    assert not any("DRAFT" in page for page in pdf.pages)


def test_evidence_is_printed_under_the_comment_with_its_name(services, draft, tmp_path):
    q = services.questionnaire_of(draft)
    first, second, third = (item.id for item in q.items[:3])
    services.answer(draft.id, first, 5)
    services.set_comment(draft.id, first, "Every decision is minuted.")
    references = "ICB board minutes, 12 March 2026, item 7\nScheme of delegation"
    services.set_evidence(draft.id, first, references)
    services.answer(draft.id, second, 4)
    services.set_evidence(draft.id, second, "Annual governance statement 2025/26")
    # Two long texts on one statement: the table ends, and the rest follows in one-row
    # tables, the evidence named where it starts.
    services.set_comment(draft.id, third, _sentences(9_000)[: textrules.TEXT_MAX])
    services.set_evidence(draft.id, third, "EVIDENCE-START " + _sentences(9_000)[:9_000])
    pdf = Pdf(services.report_assessment(draft.id, tmp_path / "evidence.pdf").path)
    text = pdf.text
    assert (
        norm(
            "Comment Every decision is minuted. Evidence ICB board minutes, 12 March 2026, item 7 "
            "Scheme of delegation"
        )
        in text
    )
    assert norm("Evidence Annual governance statement 2025/26") in text
    assert norm("Evidence EVIDENCE-START") in text
    assert_report_matches_database(pdf, services, draft.id)
    assert "Comment or evidence" not in text


def test_empty_assessment_makes_a_correct_report(services, draft, tmp_path):
    result = services.report_assessment(draft.id, tmp_path / "empty.pdf")
    pdf = Pdf(result.path)
    q = services.questionnaire_of(draft)
    assert "No section has enough answers to be scored." in pdf.pages[1]
    assert pdf.text.count("Not enough answers") >= 2 * len(q.sections)
    assert "No statement stands out" in pdf.pages[1]
    assert "No statement has a target above its current rating." in pdf.pages[1]
    assert f"0 of {len(q.items)} statements answered" in pdf.pages[1]
    assert "No improvement actions have been recorded" in pdf.text
    assert_report_matches_database(pdf, services, draft.id)
    pdf.assert_numbered()


def test_section_without_enough_answers_says_so_and_names_it(services, draft, tmp_path):
    q = services.questionnaire_of(draft)
    first, second = q.sections[0], q.sections[1]
    for item in first.items:
        services.answer(draft.id, item.id, 5)
    services.answer(draft.id, second.items[0].id, 2)
    for item in second.items[1:]:
        services.answer(draft.id, item.id, Unrated.DONT_KNOW)
    pdf = Pdf(services.report_assessment(draft.id, tmp_path / "r.pdf").path)
    assert norm(f"Not scored, for want of answers: {second.title}") in pdf.pages[1]
    assert "Don't know" in pdf.text
    assert_report_matches_database(pdf, services, draft.id)


# --- the summary's findings ----------------------------------------------------------------------


def _questionnaire() -> Questionnaire:
    items = (
        Item("a1", "Alpha one", ""),
        Item("a2", "Alpha two, reversed", "", reverse=True),
        Item("a3", "Alpha three", ""),
    )
    more = (Item("b1", "Beta one", ""), Item("b2", "Beta two", ""), Item("b3", "Beta three", ""))
    scale = tuple(ScalePoint(v, f"L{v}", "") for v in SCALE_POINTS)
    return Questionnaire(
        "t", "1", "Test", "", scale, (Section("a", "A", items), Section("b", "B", more))
    )


def test_strongest_weakest_and_gaps_use_scored_values():
    q = _questionnaire()
    answers = {
        "a1": Answer("a1", rating=3, target=5),
        "a2": Answer("a2", rating=1, target=2),  # reverse: scores 5, target scores 4
        "a3": Answer("a3", rating=2, target=5),
        "b1": Answer("b1", rating=4),
        "b2": Answer("b2", unrated=Unrated.DONT_KNOW, target=5),
        "b3": Answer("b3", rating=1, target=2),
    }
    rated = rated_statements(q, answers)
    assert [r.item.id for r in rated] == ["a1", "a2", "a3", "b1", "b3"]
    strongest, weakest = strongest_and_weakest(rated)
    assert [r.item.id for r in strongest] == ["a2", "b1", "a1"]
    assert [(r.item.id, r.value) for r in weakest] == [("b3", 1), ("a3", 2)]
    gaps = target_gaps(rated, {0: answers})
    assert [(g.statement.item.id, g.gap) for g in gaps] == [("a3", 3), ("a1", 2), ("b3", 1)]
    # The reverse statement's target (2, scoring 4) is below where it is (1, scoring 5).
    assert scored_value(q.items[1], 2) == 4
    profile = target_profile(q, answers)
    assert profile.section("a").mean == pytest.approx((5 + 4 + 5) / 3)


def test_nothing_stands_out_when_every_rating_is_equal():
    q = _questionnaire()
    answers = {i.id: Answer(i.id, rating=3) for i in q.items}
    assert strongest_and_weakest(rated_statements(q, answers)) == ([], [])


# --- huge and hostile ---------------------------------------------------------------------------


# Whole sentences of _sentences() that make a comment just under textrules.TEXT_MAX.
SENTENCES_AT_THE_LIMIT = 161


def _sentences(n: int) -> str:
    return " ".join(
        f"Sentence {i:04d} records what the board saw and what it decided." for i in range(n)
    )


def test_huge_assessment_report(services, partnership_setup, tmp_path):
    """The longest values the store takes (ics_assess/textrules.py); longer ones kept from
    before the limits are tests/test_report_huge.py's."""
    p, rnd, _ = partnership_setup
    long_name = " ".join(["Northshire Westmoor Eastdale Combined Authority Trust"] * 6)
    long_name = long_name[: textrules.LINE_MAX]
    assert len(long_name) == 200
    org = services.store.add_organisation(p.id, long_name, "nhs_trust")
    huge = _sentences(SENTENCES_AT_THE_LIMIT)
    assert textrules.TEXT_MAX - 100 < len(huge) <= textrules.TEXT_MAX
    ids = []
    for qid in ("governance", "democratic-involvement", "equal-partnership"):
        for person in ("First Respondent", "Second Respondent", "Third Respondent"):
            a = services.start_assessment(
                round_id=rnd.id,
                organisation_id=org.id,
                questionnaire_id=qid,
                kind="organisation",
                respondent_name=person,
            )
            ids.append(a.id)
    comments = 0
    for n, assessment_id in enumerate(ids):
        q = services.questionnaire_of(services.store.assessment(assessment_id))
        for i, item in enumerate(q.items):
            services.answer(assessment_id, item.id, 1 + (i + n) % 5)
            services.set_target(assessment_id, item.id, 5)
            services.set_comment(
                assessment_id,
                item.id,
                f"Comment {comments:03d}: evidence from the {i}th board paper.\n" * 3,
            )
            comments += 1
    assert comments >= 200
    first = services.questionnaire_of(services.store.assessment(ids[0])).items[0]
    services.set_comment(ids[0], first.id, huge)
    services.store.add_action(
        partnership_id=p.id,
        round_id=rnd.id,
        organisation_id=org.id,
        description=_sentences(200)[: textrules.TEXT_MAX],
        owner="Director of Strategy",
        due_on="2027-01-31",
    )

    start = time.perf_counter()
    single = Pdf(services.report_assessment(ids[0], tmp_path / "one.pdf").path)
    whole = Pdf(services.report_organisation(org.id, rnd.id, tmp_path / "org.pdf").path)
    elapsed = time.perf_counter() - start
    assert elapsed < 60, f"took {elapsed:.1f} s"

    for pdf in (single, whole):
        pdf.assert_numbered()
        assert norm(long_name) in pdf.pages[0]
        # The running header shortens the name to fit rather than running off the page.
        assert "..." in pdf.pages[1]  # "…", folded by norm()
    # The single report keeps cover and summary to a page each; the organisation report's
    # cover lists nine responses under a 200-character name, and may run on.
    assert "Summary" in single.pages[1][:40]
    summary_page = next(page for _, title, page in whole.outline() if title == "Summary")
    assert "Summary" in whole.pages[summary_page - 1]
    for pdf in (single, whole):
        for i in range(SENTENCES_AT_THE_LIMIT):
            assert f"Sentence {i:04d} records" in pdf.text
    for i in range(1, comments):
        assert f"Comment {i:03d}:" in whole.text
    assert_report_matches_database(single, services, ids[0])
    # One summary up front, then nine questionnaire parts.
    titles = [t for level, t, _ in whole.outline() if level == 0]
    assert titles.count("Summary") == 1
    assert sum(t.startswith("Governance and accountability") for t in titles) == 3


def test_hostile_text_prints_literally_and_links_nothing(services, partnership_setup, tmp_path):
    p, rnd, _ = partnership_setup
    org = services.store.add_organisation(p.id, HOSTILE[0] + " " + HOSTILE[2], "vcse")
    services.store.update_partnership(p.id, name="Partnership " + HOSTILE[3])
    a = services.start_assessment(
        round_id=rnd.id,
        organisation_id=org.id,
        questionnaire_id="governance",
        kind="organisation",
        respondent_name=HOSTILE[1],
        respondent_role=HOSTILE[2],
    )
    q = services.questionnaire_of(a)
    for item, text in zip(q.items, HOSTILE * 2, strict=False):
        services.answer(a.id, item.id, 3)
        services.set_comment(a.id, item.id, text)
    services.store.add_action(
        partnership_id=p.id,
        round_id=rnd.id,
        organisation_id=org.id,
        description=HOSTILE[1] + " " + HOSTILE[3],
        owner=HOSTILE[0],
        due_on="<b>soon</b>",
        status=ActionStatus.IN_PROGRESS,
    )
    for pdf in (
        Pdf(services.report_assessment(a.id, tmp_path / "hostile.pdf").path),
        Pdf(services.report_organisation(org.id, rnd.id, tmp_path / "hostile-org.pdf").path),
    ):
        for text in HOSTILE:
            assert norm(text) in pdf.text, text
        assert "<b>soon</b>" in pdf.text.replace(" ", "")  # a narrow column wraps it
        assert norm(HOSTILE[0] + " " + HOSTILE[2]) in pdf.pages[0]
        pdf.assert_no_links_or_images()
        pdf.assert_numbered()


def test_characters_no_font_has_are_named_on_the_cover(services, draft, tmp_path):
    register_fonts()
    services.set_comment(draft.id, services.questionnaire_of(draft).items[0].id, "tick \U000f0000")
    pdf = Pdf(services.report_assessment(draft.id, tmp_path / "r.pdf").path)
    assert "U+F0000" in pdf.pages[0]
    assert BODY  # the body font is registered under its contract name


# --- the organisation report --------------------------------------------------------------------


def test_organisation_report_holds_every_questionnaire_with_one_summary(demo_db, tmp_path):
    with demo_services(demo_db) as services:
        summaries = [
            s
            for s in services.list_assessments()
            if s.organisation_name == "Northshire Primary Care Collaborative"
            and s.round_name.startswith("Six-month")
        ]
        own = [s for s in summaries if s.assessment.kind is AssessmentKind.ORGANISATION]
        individual = [s for s in summaries if s.assessment.kind is AssessmentKind.INDIVIDUAL]
        assert len(own) == 3 and individual  # a GP partner took part in the workshop
        org_id, round_id = own[0].assessment.organisation_id, own[0].assessment.round_id
        result = services.report_organisation(org_id, round_id, tmp_path / "org.pdf")
        pdf = Pdf(result.path)
        details = [services.detail(s.assessment.id) for s in own]
        for s in own:
            assert_part_matches(pdf, services, s.assessment.id)
    summary = pdf.pages[1]
    assert "Summary" in summary
    for detail in details:
        score = detail.score
        assert detail.questionnaire.title in summary
        if score.mean is not None:
            draft = " DRAFT" if detail.assessment.status is AssessmentStatus.DRAFT else ""
            line = f"{fmt(score.mean)} {pct(score.percent)} {score.band.name}"
            # A score resting on fewer than all the sections says so under the title.
            basis = f" provisional, {score.basis}" if score.provisional else ""
            assert norm(f"{detail.questionnaire.title}{draft}{basis} {line}") in summary
    outline = pdf.outline()
    top = [title for level, title, _ in outline if level == 0]
    assert top == [
        "Cover",
        "Summary",
        "Democratic involvement and citizen voice",
        "Equal partnership",
        "Governance and accountability",
        "Actions",
        "Appendix: how the scores are calculated",
    ]
    assert sum(1 for level, _, _ in outline if level == 1) == sum(
        len(d.questionnaire.sections) for d in details
    )
    # One response is a draft, so every page of the report is marked.
    assert any(d.assessment.status is AssessmentStatus.DRAFT for d in details)
    assert all("DRAFT" in page for page in pdf.pages)
    # The workshop participant's individual response is not shown.
    assert "GP partner" not in pdf.text
    pdf.assert_numbered()


def assert_part_matches(pdf: Pdf, services: Services, assessment_id: str) -> None:
    detail = services.detail(assessment_id)
    for section in detail.questionnaire.sections:
        sc = detail.score.section(section.id)
        if sc.reported:
            assert f"Score {fmt(sc.mean)} of 5 · {pct(sc.percent)}" in pdf.text
        for item in section.items:
            assert norm(item.statement) in pdf.text
            answer = detail.answers.get(item.id)
            if answer is not None and answer.comment.strip():
                assert_comment(pdf, answer.comment)
            if answer is not None and answer.evidence.strip():
                assert_comment(pdf, answer.evidence)


def test_organisation_without_own_responses_is_refused(services, partnership_setup, tmp_path):
    _, rnd, orgs = partnership_setup
    with pytest.raises(StoreError, match="has no organisation responses"):
        services.report_organisation(orgs["icb"].id, rnd.id, tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()


# --- writing the file ---------------------------------------------------------------------------


def test_failed_write_leaves_no_file_and_says_why(services, draft, tmp_path, monkeypatch):
    target = tmp_path / "out" / "report.pdf"
    target.parent.mkdir()

    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(ReportError) as caught:
        services.report_assessment(draft.id, target)
    message = str(caught.value)
    assert "not enough disk space" in message
    assert "\n" not in message
    assert list(target.parent.iterdir()) == []


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"the old report")

    def locked(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(ReportError, match="close it and try again"):
        write_atomically(target, b"%PDF new")
    assert target.read_bytes() == b"the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]


@pytest.mark.parametrize(
    ("make_target", "words"),
    [
        (lambda tmp: tmp / "missing" / "r.pdf", "does not exist"),
        (lambda tmp: tmp / "a-file" / "r.pdf", "is a file, not a folder"),
        (lambda tmp: tmp, "is a folder"),
    ],
)
def test_unusable_targets_are_refused_in_words(tmp_path, make_target, words):
    (tmp_path / "a-file").write_text("x")
    target = make_target(tmp_path)
    with pytest.raises(ReportError, match=words) as caught:
        write_atomically(target, b"%PDF")
    assert isinstance(caught.value, StoreError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_write_replaces_an_existing_report(tmp_path):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old")
    assert write_atomically(target, b"%PDF new") == target
    assert target.read_bytes() == b"%PDF new"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


# --- the pieces ---------------------------------------------------------------------------------


def test_chunks_stay_small_and_keep_every_word():
    text = _sentences(400) + "\n\n\n\n" + "x" * 5000 + "\n" + "line\n" * 100
    chunks = chunk_text(text)
    assert all(len(c) <= 700 for c in chunks)
    assert all(c.count("\n") < 12 for c in chunks)
    assert norm(" ".join(chunks)).replace(" ", "") == norm(text).replace(" ", "")
    assert chunk_text("") == []
    assert chunk_text("short") == ["short"]


def test_fit_text_shortens_to_the_width():
    register_fonts()
    parts = ["A" * 300, "Governance and accountability", "Org"]
    fitted = fit_text(parts, BODY, 8, 300)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    assert stringWidth(fitted, BODY, 8) <= 300
    assert "…" in fitted and fitted.endswith("Org")
    assert fit_text(["Short", "parts"], BODY, 8, 300) == "Short · parts"


def test_appendix_reads_the_scoring_page():
    blocks = parse_markdown(scoring_doc_path().read_text(encoding="utf-8"))
    headings = [b.lines[0] for b in blocks if b.kind == "h2"]
    assert "Rule 1: The rating scale" in headings
    assert any(b.kind == "table" for b in blocks)
    # "100. A score of 1 is 0%" is wrapped text inside a paragraph, not a list.
    assert not any(
        b.kind == "ol" and any(i.startswith("A score of 1") for i in b.items) for b in blocks
    )
    assert re.search(r"\*\*Example\.\*\*", scoring_doc_path().read_text(encoding="utf-8"))
