"""What every report shares: A4 pages with a running header and "Page N of M", a DRAFT
mark on every page of a draft, bookmarks, metadata, the type styles, and writing the
file atomically.

User and questionnaire text only ever reaches reportlab through ``text.markup``; this
module never escapes anything itself.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepInFrame,
    LayoutError,
    PageTemplate,
    Paragraph,
    Table,
)

from .. import __version__, files
from ..domain import Band
from ..palette import ACCENT, NEUTRAL, TEXT_ON_COLOUR, band_colour
from ..store import StoreError
from .model import BuiltReport
from .text import BODY, BOLD, markup, paragraph, register_fonts, unsupported
from .text import style as text_style

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 22 * mm
MARGIN_TOP = 27 * mm
MARGIN_BOTTOM = 22 * mm
FRAME_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
FRAME_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

INK = colors.HexColor("#1F2328")
MUTED = colors.HexColor("#57606A")
RULE = colors.HexColor("#C9D1D9")
SHADE = colors.HexColor("#F2F4F7")
HEADING = colors.HexColor("#0B3954")
ACCENT_COLOUR = colors.HexColor(ACCENT)
DRAFT_COLOUR = colors.HexColor("#A3201A")

AUTHOR = "ICS Assess"
SEPARATOR = " · "


class ReportError(StoreError):
    """A report that could not be written; the message says why, for the user."""


# --- type styles --------------------------------------------------------------------------


@dataclass(frozen=True)
class Styles:
    """The report's type hierarchy, all in the body font family."""

    kicker: ParagraphStyle
    title: ParagraphStyle
    title_long: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    body_muted: ParagraphStyle
    lead: ParagraphStyle
    bullet: ParagraphStyle
    big_number: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    cell_centre: ParagraphStyle
    cell_head: ParagraphStyle
    cell_small: ParagraphStyle
    comment: ParagraphStyle
    label: ParagraphStyle
    chart_label: ParagraphStyle
    header: ParagraphStyle
    notice: ParagraphStyle


@lru_cache(maxsize=1)
def styles() -> Styles:
    """The shared styles (fonts registered first)."""
    register_fonts()

    def style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
        # text.style: the body font, and shaping on (Urdu letters join, Indic signs sit).
        kw.setdefault("textColor", INK)
        return text_style(name, fontSize=size, leading=leading, **kw)

    return Styles(
        kicker=style("kicker", 10, 14, textColor=ACCENT_COLOUR, spaceAfter=6),
        title=style("title", 26, 31, textColor=HEADING, spaceAfter=8),
        title_long=style("title_long", 17, 21, textColor=HEADING, spaceAfter=8),
        subtitle=style("subtitle", 15, 19, textColor=INK, spaceAfter=4),
        h1=style("h1", 17, 21, textColor=HEADING, spaceBefore=2, spaceAfter=6, keepWithNext=1),
        h2=style("h2", 12, 15, textColor=HEADING, spaceBefore=8, spaceAfter=4, keepWithNext=1),
        body=style("body", 10, 14, spaceAfter=5),
        body_muted=style("body_muted", 9, 12.5, textColor=MUTED, spaceAfter=4),
        lead=style("lead", 10.5, 15, spaceAfter=6),
        bullet=style("bullet", 10, 14, leftIndent=12, bulletIndent=2, spaceAfter=2),
        big_number=style("big_number", 30, 34, textColor=HEADING),
        cell=style("cell", 8.5, 11),
        cell_right=style("cell_right", 8.5, 11, alignment=TA_RIGHT),
        cell_centre=style("cell_centre", 8.5, 11, alignment=TA_CENTER),
        cell_head=style("cell_head", 8, 10, textColor=MUTED),
        cell_small=style("cell_small", 7.5, 9.5, textColor=MUTED),
        comment=style("comment", 8.5, 11.5),
        label=style("label", 9, 12, textColor=MUTED),
        chart_label=style("chart_label", 7.5, 9, alignment=TA_LEFT),
        header=style("header", 8, 10, textColor=MUTED),
        notice=style("notice", 9, 12.5, textColor=INK),
    )


def title_style(text: str) -> ParagraphStyle:
    """The cover title's style: smaller for a long title, so the cover keeps to a page."""
    s = styles()
    return s.title if len(text) <= 70 else s.title_long


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of nothing but user or questionnaire text (text.paragraph: safe markup,
    right-to-left lines in reading order)."""
    return paragraph(text, style)


def tinted(hex_colour: str, share: float) -> colors.Color:
    """``hex_colour`` mixed with white: ``share`` of the colour, the rest white."""
    base = colors.HexColor(hex_colour)
    return colors.Color(
        1 - share * (1 - base.red), 1 - share * (1 - base.green), 1 - share * (1 - base.blue)
    )


def band_fill(band: Band | None, bands: Sequence[Band]) -> colors.Color:
    """The background colour of a band's cell (its palette colour)."""
    return colors.HexColor(band_colour(band, bands))


BAND_TEXT = colors.HexColor(TEXT_ON_COLOUR)
NEUTRAL_FILL = tinted(NEUTRAL, 0.25)


# --- numbers and dates --------------------------------------------------------------------


def fmt_score(mean: float | None) -> str:
    """A 1-5 score for print, two decimals (the same rounding as ``ics-assess show``)."""
    return "–" if mean is None else f"{mean:.2f}"


def fmt_percent(pct: float | None) -> str:
    """A percent for print, whole numbers."""
    return "–" if pct is None else f"{pct:.0f}%"


def fmt_date(value: str | date | None) -> str:
    """An ISO date or timestamp as "25 November 2026" (the text itself if not a date)."""
    if value is None or value == "":
        return ""
    if isinstance(value, date):
        parsed: date = value
    else:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
    return f"{parsed.day} {parsed:%B %Y}"


def plural(n: int, noun: str, plural_form: str | None = None) -> str:
    """'1 statement', '2 statements'."""
    return f"{n} {noun if n == 1 else plural_form or noun + 's'}"


# --- long text --------------------------------------------------------------------------


def chunk_text(text: str, limit: int = 700, max_lines: int = 12) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters and ``max_lines`` lines, cut at
    spaces where possible, so that each piece can sit in its own table row and no row is
    ever taller than a page. Runs of blank lines are kept to one."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    pieces: list[tuple[str, bool]] = []  # (text, starts a new line)
    blank_run = 0
    for line in lines:
        blank_run = blank_run + 1 if not line.strip() else 0
        if blank_run > 1:
            continue
        first = True
        while len(line) > limit:
            # Prefer the end of a sentence, then a space, so the seam is hard to see.
            cut = max(line.rfind(end, 0, limit) for end in (". ", "? ", "! ")) + 1
            if cut < limit // 2:
                cut = line.rfind(" ", 0, limit)
            if cut < limit // 2:
                cut = limit
            pieces.append((line[:cut], first))
            line = line[cut:].lstrip(" ")
            first = False
        pieces.append((line, first))
    chunks: list[str] = []
    current = ""
    size = count = 0
    for piece, new_line in pieces:
        if count and (size + len(piece) > limit or count >= max_lines):
            chunks.append(current)
            current, size, count = piece, len(piece), 1
            continue
        if count:
            current += ("\n" if new_line else " ") + piece
        else:
            current = piece
        size += len(piece) + 1
        count += 1
    if count:
        chunks.append(current)
    chunks = [c for c in chunks if c.strip()]
    return chunks


PRINT_LINE_MAX = 300
"""A one-line value (a name, a role, a title) prints whole up to this many characters
(the store has allowed 200 since issue 8); a longer one, from a database written before,
is shortened with "…" so that its table cell, heading or line stays within the page."""

ELLIPSIS = "…"


def shorten(text: str, limit: int = PRINT_LINE_MAX) -> str:
    """``text`` as one line (white space folded), cut at a word boundary with "…" when
    longer than ``limit`` characters. Time linear in ``text``, whatever its length."""
    folded = " ".join(str(text).split())
    if len(folded) <= limit:
        return folded
    head = folded[:limit]  # at most limit - 1 characters are kept, then "…"
    space = head.rfind(" ")
    kept = head[:space] if space > 0 else head[: limit - 1]
    return kept.rstrip(" ,;:-·") + ELLIPSIS


def is_shortened(text: str | None, limit: int = PRINT_LINE_MAX) -> bool:
    """True when ``shorten`` would cut ``text``."""
    return bool(text) and len(text) > limit and len(" ".join(text.split())) > limit


DATE_MAX = 60
"""A date the database holds as text prints whole up to this many characters (a date
that is not one prints as typed)."""


def shortened_note(what: Sequence[str]) -> str | None:
    """A sentence saying which values the report shows shortened, or None."""
    names = list(dict.fromkeys(what))
    if not names:
        return None
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    verb = "is" if len(names) == 1 else "are"
    return (
        f"{listed[0].upper()}{listed[1:]} {verb} too long to print in full and {verb} "
        f"shown shortened, ending in “{ELLIPSIS}”; the database holds the full text."
    )


def shortened_paragraph(what: Sequence[str]) -> list[Flowable]:
    """The cover's note on what is shown shortened, under the details it is about."""
    note = shortened_note(what)
    return [Paragraph(f"<i>{markup(note)}</i>", styles().body_muted)] if note else []


class Shortener:
    """Shortens one-line values for print and remembers what it shortened."""

    def __init__(self) -> None:
        self.shortened: list[str] = []

    def __call__(self, value: str, what: str, limit: int = PRINT_LINE_MAX) -> str:
        if is_shortened(value, limit):
            self.shortened.append(what)
            return shorten(value, limit)
        return value

    def optional(self, value: str | None, what: str, limit: int = PRINT_LINE_MAX) -> str | None:
        return None if value is None else self(value, what, limit)


def fit_text(parts: Sequence[str], font: str, size: float, width: float) -> str:
    """``parts`` joined by SEPARATOR, the longest parts shortened with "…" until the whole
    fits ``width`` points in ``font`` at ``size``. Parts are shortened evenly: every part
    longer than some length is cut to it, the longest length that fits (found by
    bisection, so a part of a million characters costs no more than a short one)."""
    parts = [shorten(p, 2000) for p in parts if p and p.strip()]

    def width_of(items: Sequence[str]) -> float:
        return stringWidth(SEPARATOR.join(items), font, size)

    if width_of(parts) <= width:
        return SEPARATOR.join(parts)

    def cut_to(n: int) -> list[str]:
        return [p if len(p) <= n else p[:n].rstrip(" ,;:-·" + ELLIPSIS) + ELLIPSIS for p in parts]

    low, high = 3, max(len(p) for p in parts)  # cut_to(high) is parts: too wide
    if width_of(cut_to(low)) > width:
        return SEPARATOR.join(cut_to(low))
    while high - low > 1:
        middle = (low + high) // 2
        if width_of(cut_to(middle)) <= width:
            low = middle
        else:
            high = middle
    return SEPARATOR.join(cut_to(low))


def unsupported_note(texts: Sequence[str]) -> str | None:
    """A sentence naming characters that no report font can show, or None."""
    missing: set[str] = set()
    for text in texts:
        if text:
            missing |= unsupported(text)
    if not missing:
        return None
    shown = ", ".join(f"U+{ord(c):04X}" for c in sorted(missing)[:8])
    more = "" if len(missing) <= 8 else f" and {len(missing) - 8} more"
    return (
        f"{plural(len(missing), 'character')} in this report cannot be shown by its fonts "
        f"and may print as empty boxes ({shown}{more}). The database holds the text as typed."
    )


def unsupported_paragraph(texts: Sequence[str]) -> list[Flowable]:
    """The cover's note on characters no report font can show, if any (unsupported_note)."""
    note = unsupported_note(texts)
    return [Paragraph(f"<i>{markup(note)}</i>", styles().body_muted)] if note else []


# --- flowables that steer the page furniture ---------------------------------------------


class RunningHeader(Flowable):
    """Takes no space; the running header shows ``parts`` from the page it lands on when
    it is the first thing there, else from the next page (the page it lands on belongs
    to the part before it, whose header it keeps)."""

    def __init__(self, parts: Sequence[str]):
        super().__init__()
        self.parts = tuple(parts)
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        pass


BOOKMARK_MAX = 120
"""Bookmark titles are shortened to this many characters: a viewer's outline is narrow."""


def bookmarked(flowable: Flowable, title: str, key: str, level: int = 0) -> Flowable:
    """Mark ``flowable`` (a heading) as the target of an outline entry."""
    flowable._bookmark = (shorten(title, BOOKMARK_MAX), key, level)  # type: ignore[attr-defined]
    return flowable


# --- tables that can always be laid out -------------------------------------------------

_split_in_rows = contextvars.ContextVar("split_in_rows", default=False)


class ReportTable(Table):
    """A Table, except that while ``build_pdf`` lays a report out a second time (because
    the first attempt met a row taller than a page), its rows may split across pages.

    The report keeps rows short by construction (one-line values shortened, long text cut
    into rows of its own), so the first attempt nearly always succeeds and rows stay
    whole; the second attempt is the safety net for text no rule foresaw (say thousands
    of very wide glyphs in one word), which then splits inside its row rather than fail."""

    def __init__(self, *args: Any, **kwargs: Any):
        if _split_in_rows.get():
            kwargs["splitInRow"] = 1
        super().__init__(*args, **kwargs)


SMALLEST_SHRINK = 0.85
"""Content a little too long for its page is shrunk to fit, never below this scale."""


def one_page(content: list[Flowable], title: str, key: str) -> list[Flowable]:
    """``content`` on one page, bookmarked: shrunk a little if it runs a little over; if
    it runs far over (a very long questionnaire, many responses), it flows on to the next
    page instead, because type shrunk any further would be too small to read."""
    height = 0.0
    for flowable in content:
        _, h = flowable.wrap(FRAME_WIDTH, FRAME_HEIGHT)
        height += h + flowable.getSpaceBefore() + flowable.getSpaceAfter()
    if height * SMALLEST_SHRINK <= FRAME_HEIGHT - 2:
        frame = KeepInFrame(FRAME_WIDTH, FRAME_HEIGHT - 2, content, mode="shrink")
        return [bookmarked(frame, title, key)]
    return [bookmarked(content[0], title, key), *content[1:]]


# --- the canvas: "Page N of M" in one pass -------------------------------------------------


class _PagedCanvas(Canvas):
    """Holds pages back until the end, so that each can say "Page N of M".

    Deferring ``showPage`` leaves reportlab's page counter at 1 while pages are drawn,
    which would send every bookmark to page 1; ``bookmarkPage`` points it at the page
    being drawn instead.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict[str, Any]] = []
        self.page_total = 0

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def bookmarkPage(self, key: str, **kwargs: Any):  # noqa: N802 (reportlab's name)
        doc = self._doc
        counter = doc.pageCounter
        doc.pageCounter = len(self._held_pages) + 1
        try:
            return super().bookmarkPage(key, **kwargs)
        finally:
            doc.pageCounter = counter

    def save(self) -> None:
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self._page_number(total)
            super().showPage()
        # Set after the loop: each held page's state still says 0.
        self.page_total = total
        super().save()

    def _page_number(self, total: int) -> None:
        self.saveState()
        self.setFont(BODY, 8)
        self.setFillColor(MUTED)
        self.drawRightString(
            PAGE_WIDTH - MARGIN_X, MARGIN_BOTTOM - 12 * mm, f"Page {self._pageNumber} of {total}"
        )
        self.restoreState()


# --- the document ---------------------------------------------------------------------------


METADATA_MAX = 500
"""The PDF's title and subject are shortened to this many characters."""


class ReportDocument(BaseDocTemplate):
    """A4 report pages: running header (not on the cover), footer, DRAFT marks, outline."""

    def __init__(
        self,
        buffer: io.BytesIO,
        *,
        title: str,
        subject: str,
        keywords: Sequence[str],
        header: Sequence[str],
        footer: str,
        draft: str | None,
    ):
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP,
            bottomMargin=MARGIN_BOTTOM,
            # Metadata a viewer shows in one line: names shortened, never megabytes.
            title=shorten(title, METADATA_MAX),
            author=AUTHOR,
            subject=shorten(subject, METADATA_MAX),
            creator=f"ICS Assess {__version__}",
            keywords=[shorten(k, BOOKMARK_MAX) for k in keywords],
            lang="en-GB",
            displayDocTitle=True,
        )
        self.header_parts = tuple(header)
        self._next_header: tuple[str, ...] | None = None
        self.footer_text = footer
        self.draft_text = draft
        frame = Frame(
            MARGIN_X, MARGIN_BOTTOM, FRAME_WIDTH, FRAME_HEIGHT, id="body", showBoundary=0,
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )  # fmt: skip
        template = PageTemplate(
            id="page", frames=[frame], onPage=self._page_begins, onPageEnd=self._furniture
        )
        self.addPageTemplates([template])
        self._header_cache: dict[tuple[tuple[str, ...], float], str] = {}

    # Outline and running header follow the flowables as they are placed.
    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's name)
        if isinstance(flowable, RunningHeader):
            if getattr(self.frame, "_atTop", False):
                self.header_parts = flowable.parts
                self._next_header = None
            else:
                self._next_header = flowable.parts
            return
        mark = getattr(flowable, "_bookmark", None)
        if mark is None:
            return
        title, key, level = mark
        top = self.frame._y + getattr(flowable, "height", 0) + 6
        self.canv.bookmarkPage(key, fit="XYZ", left=0, top=min(top, PAGE_HEIGHT))
        self.canv.addOutlineEntry(title, key, level=level, closed=level > 0)

    def _page_begins(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        if self._next_header is not None:
            self.header_parts, self._next_header = self._next_header, None
        self._watermark(canv, doc)

    def _watermark(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        if not self.draft_text:
            return
        canv.saveState()
        canv.setFillColor(DRAFT_COLOUR)
        canv.setFillAlpha(0.07)
        canv.setFont(BOLD, 120)
        canv.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
        canv.rotate(55)
        canv.drawCentredString(0, -40, "DRAFT")
        canv.restoreState()

    def _header_text(self, width: float) -> str:
        key = (self.header_parts, width)
        if key not in self._header_cache:
            self._header_cache[key] = fit_text(self.header_parts, BODY, 8, width * 0.96)
        return self._header_cache[key]

    def _furniture(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        s = styles()
        canv.saveState()
        top = PAGE_HEIGHT - 13 * mm
        header_width = FRAME_WIDTH
        if self.draft_text:
            label = self.draft_text
            canv.setFont(BOLD, 8)
            label_width = stringWidth(label, BOLD, 8) + 8
            x = PAGE_WIDTH - MARGIN_X - label_width
            canv.setFillColor(DRAFT_COLOUR)
            canv.roundRect(x, top - 3.2, label_width, 12, 2, stroke=0, fill=1)
            canv.setFillColor(colors.white)
            canv.drawString(x + 4, top, label)
            header_width -= label_width + 6 * mm
        if self.page > 1:
            header = Paragraph(markup(self._header_text(header_width)), s.header)
            _, h = header.wrap(header_width, 30)
            header.drawOn(canv, MARGIN_X, top - h + 8)
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.6)
        canv.line(MARGIN_X, top - 5.5 * mm, PAGE_WIDTH - MARGIN_X, top - 5.5 * mm)
        canv.line(MARGIN_X, MARGIN_BOTTOM - 8 * mm, PAGE_WIDTH - MARGIN_X, MARGIN_BOTTOM - 8 * mm)
        canv.setFont(BODY, 8)
        canv.setFillColor(MUTED)
        canv.drawString(MARGIN_X, MARGIN_BOTTOM - 12 * mm, self.footer_text)
        canv.restoreState()


def build_pdf(
    story: Callable[[], list[Flowable]],
    *,
    title: str,
    subject: str,
    keywords: Sequence[str],
    header: Sequence[str],
    footer: str,
    draft: str | None,
) -> BuiltReport:
    """Lay out the flowables ``story()`` makes into a PDF in memory.

    If a row turns out taller than a page (reportlab's LayoutError), the story is made
    and laid out again with rows that may split across pages (see ReportTable); if even
    that fails, ReportError says so in a sentence."""
    register_fonts()
    try:
        return _build_pdf(story(), title, subject, keywords, header, footer, draft)
    except LayoutError:
        pass
    token = _split_in_rows.set(True)
    try:
        return _build_pdf(story(), title, subject, keywords, header, footer, draft)
    except LayoutError as exc:
        raise ReportError(
            "The report could not be laid out on its pages: some text in it is too large "
            "for a page, even split across pages."
        ) from exc
    finally:
        _split_in_rows.reset(token)


def _build_pdf(
    story: list[Flowable],
    title: str,
    subject: str,
    keywords: Sequence[str],
    header: Sequence[str],
    footer: str,
    draft: str | None,
) -> BuiltReport:
    buffer = io.BytesIO()
    doc = ReportDocument(
        buffer,
        title=title,
        subject=subject,
        keywords=keywords,
        header=header,
        footer=footer,
        draft=draft,
    )
    made: list[_PagedCanvas] = []

    def canvasmaker(*args: Any, **kwargs: Any) -> _PagedCanvas:
        canvas = _PagedCanvas(*args, **kwargs)
        canvas.showOutline()
        made.append(canvas)
        return canvas

    doc.build(story, canvasmaker=canvasmaker)
    return BuiltReport(pdf=buffer.getvalue(), pages=made[-1].page_total)


# --- writing the file -------------------------------------------------------------------------


def write_atomically(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see files.write_atomically); raise
    ReportError with a sentence the user can act on."""
    return files.write_atomically(
        path, data, what="report", example="report.pdf", error=ReportError
    )


def produce(path: Path | str, render: Callable[[], BuiltReport]) -> tuple[Path, BuiltReport]:
    """Render a report and write it atomically to ``path``; (where it went, the report)."""
    built = render()
    return write_atomically(path, built.pdf), built
