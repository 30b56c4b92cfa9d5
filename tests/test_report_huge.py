"""Reports of databases written before the store limited text (issue 8): names of
thousands of characters and a comment of hundreds of thousands print, shortened where a
cell or a line must stay within the page and whole where text flows, and nothing a stored
value holds makes a report fail. The long values are written straight into the SQLite
file, past the store's limits, as an older version may have left them."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from ics_assess.reports.document import BOOKMARK_MAX, METADATA_MAX, fit_text, shorten
from ics_assess.reports.text import BODY, register_fonts
from ics_assess.services import Services

from .conftest import FORMS_DIR
from .test_report import Pdf, norm

PRODUCED = date(2026, 12, 1)
WIDE = "\ufdfd"  # ARABIC LIGATURE BISMILLAH: one of the widest glyphs there are


def sentences(count: int) -> str:
    """``count`` numbered sentences, a paragraph break after every tenth."""
    return "".join(
        f"Sentence {i:05d} of the evidence tells the board what changed. "
        + ("\n\n" if i % 10 == 9 else "")
        for i in range(count)
    )


def long_line(start: str, length: int) -> str:
    """A one-line value of ``length`` characters that begins with ``start``."""
    filler = " and Westmoor Combined Health and Care Trust"
    return (start + filler * (length // len(filler) + 1))[:length]


ORG = long_line("Organisation Northshire", 5_000)
PARTNERSHIP = long_line("Partnership Eastdale", 5_000)
RESPONDENT = long_line("Respondent Siân Llewellyn", 5_000)
ROLE = long_line("Role Cabinet Member", 5_000)
OWNER = long_line("Owner Director of Strategy", 5_000)
COMMENT = sentences(3_200)  # about 200,000 characters
DESCRIPTION = sentences(800)


def legacy_database(
    path: Path,
    *,
    comment: str = COMMENT,
    names: dict[str, str] | None = None,
) -> tuple[str, str, str]:
    """A database with one governance organisation response, every statement rated, and
    an action; then long values written in with sqlite3. (assessment, organisation, round)"""
    names = names or {}
    with Services.open(path, [FORMS_DIR]) as services:
        store = services.store
        p = store.add_partnership("Partnership", "ICS")
        rnd = store.add_round(p.id, "Baseline", "2026-11-01")
        org = store.add_organisation(p.id, "Council", "upper_tier_council")
        a = services.start_assessment(
            round_id=rnd.id,
            organisation_id=org.id,
            questionnaire_id="governance",
            kind="organisation",
            respondent_name="Someone",
            respondent_role="Something",
        )
        q = services.questionnaire_of(a)
        for i, item in enumerate(q.items):
            services.answer(a.id, item.id, 1 + i % 5)
            services.set_comment(a.id, item.id, f"Short comment {i:02d}.")
        store.add_action(
            partnership_id=p.id,
            round_id=rnd.id,
            organisation_id=org.id,
            description="Agree a plan.",
            owner="Owner",
            due_on="2027-01-31",
        )
        first = q.items[0].id
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE organisations SET name = ?", (names.get("org", ORG),))
        con.execute("UPDATE partnerships SET name = ?", (names.get("partnership", PARTNERSHIP),))
        con.execute(
            "UPDATE assessments SET respondent_name = ?, respondent_role = ?",
            (names.get("respondent", RESPONDENT), names.get("role", ROLE)),
        )
        con.execute(
            "UPDATE answers SET comment = ? WHERE item_id = ?",
            (comment, first),
        )
        con.execute(
            "UPDATE actions SET owner = ?, description = ?, due_on = ?",
            (names.get("owner", OWNER), DESCRIPTION, names.get("due", "2027-01-31")),
        )
    con.close()
    return a.id, org.id, rnd.id


def reports(tmp_path: Path, **kwargs) -> tuple[Pdf, Pdf, int, int]:
    """The assessment and organisation reports of a legacy database, and their pages."""
    db = tmp_path / "legacy.sqlite"
    aid, oid, rid = legacy_database(db, **kwargs)
    with Services.open(db, [FORMS_DIR], create=False) as services:
        one = services.report_assessment(aid, tmp_path / "one.pdf", produced_on=PRODUCED)
        whole = services.report_organisation(oid, rid, tmp_path / "org.pdf", produced_on=PRODUCED)
    return Pdf(one.path), Pdf(whole.path), one.pages, whole.pages


def start(value: str, n: int = 40) -> str:
    return norm(value[:n])


def test_legacy_database_with_huge_names_and_comment_reports(tmp_path):
    one, whole, one_pages, whole_pages = reports(tmp_path)
    for pdf, pages in ((one, one_pages), (whole, whole_pages)):
        assert pages == len(pdf.pages)
        # 200,000 characters of comment make some 50 pages; the rest of the report a dozen.
        assert 35 <= pages <= 120, pages
        pdf.assert_numbered()
        # The cover's many long names take it past one page (they cannot shrink enough).
        summary = next(page for _, title, page in pdf.outline() if title == "Summary")
        cover = " ".join(pdf.pages[: summary - 1])
        assert start(ORG) in pdf.pages[0]
        assert start(ORG) in cover
        assert start(PARTNERSHIP) in cover
        # Names are shortened, and the cover says so, so no reader takes the cut for the name.
        assert norm(ORG) not in pdf.text
        assert norm(shorten(ORG)).endswith("...")  # "…", folded by norm()
        assert norm(shorten(ORG)) in cover
        assert norm(shorten(PARTNERSHIP)) in cover
        assert "shown shortened" in cover
        assert "the database holds the full text" in cover
        # The running header shortens to one line on every page after the cover.
        for page in pdf.pages[1:]:
            assert start(PARTNERSHIP, 20) in page
        # Long text flows whole: every sentence of the comment and the description.
        for i in range(0, 3_200, 7):
            assert f"Sentence {i:05d} of the evidence" in pdf.text
        assert "Sentence 03199 of the evidence" in pdf.text
        assert start(OWNER) in pdf.text
        # Metadata and bookmarks stay short.
        meta = pdf.reader.metadata
        assert start(ORG, 20) in meta.title
        assert len(meta.title) <= METADATA_MAX and len(meta.subject) <= METADATA_MAX
        outline = pdf.outline()
        assert outline and all(len(title) <= BOOKMARK_MAX for _, title, _ in outline)
        assert all(1 <= page <= pages for _, _, page in outline)
    for pdf in (one, whole):
        assert start(RESPONDENT) in pdf.pages[0] + pdf.pages[1]
        assert start(ROLE) in pdf.pages[0] + pdf.pages[1]


def test_a_one_line_comment_of_many_pages_flows_whole(tmp_path):
    comment = " ".join(f"Word{i:06d}" for i in range(12_000))  # no line break at all
    one, whole, _, _ = reports(tmp_path, comment=comment)
    for pdf in (one, whole):
        text = pdf.text.replace(" ", "")
        for i in range(0, 12_000, 97):
            assert f"Word{i:06d}" in text


def test_text_no_rule_foresaw_still_makes_a_report(tmp_path):
    """Very wide glyphs with no space to break at: a short name is taller than a page in
    a narrow column. The report lays such rows out split across pages instead of failing."""
    wide = WIDE * 290
    one, whole, one_pages, whole_pages = reports(
        tmp_path,
        comment=WIDE * 300,
        names={"respondent": wide, "role": wide, "owner": wide, "due": WIDE * 59},
    )
    for pdf, pages in ((one, one_pages), (whole, whole_pages)):
        assert pages == len(pdf.pages)
        pdf.assert_numbered()


def test_shorten_and_fit_text_take_any_length():
    register_fonts()
    huge = "word " * 200_000
    assert shorten(huge, 30) == "word word word word word word…"
    assert shorten("a  b\nc", 30) == "a b c"
    assert len(shorten("x" * 1_000_000)) == 300
    fitted = fit_text([huge, "x" * 1_000_000, "Org"], BODY, 8, 400)
    from reportlab.pdfbase.pdfmetrics import stringWidth

    assert stringWidth(fitted, BODY, 8) <= 400
    assert fitted.endswith("Org") and fitted.count("…") == 2


def test_reader_opens_the_metadata(tmp_path):
    one, _, _, _ = reports(tmp_path, comment="short")
    reader = PdfReader(str(one.path))
    assert reader.metadata.author == "ICS Assess"
    assert all(len(k) <= BOOKMARK_MAX for k in (reader.metadata.get("/Keywords") or "").split(","))
