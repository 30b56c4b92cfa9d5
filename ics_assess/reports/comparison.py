"""The comparison report: the ICB chair's view of a round, for a board.

A cover; a summary a board can read in two minutes (the system score or why there is
none, the sectors side by side, coverage, the largest gaps between sectors, the most
split statements, what moved since the earlier round, and every note on the input);
the section scores by group with a radar; the statements by group as a heat map; the
statements on which the sectors differ most, with the comments behind them; the change
since the earlier round; and the scoring method.

    built = build_comparison_report(comparison, comments=comments)
    path, built = write_comparison_report(comparison, "compare.pdf", comments=comments)

Everything shown comes from ``ics_assess.comparison.Comparison`` (method v2); the
comments behind the largest gaps come from the services (``StatementComment``), since a
comparison carries scores, not comments. In the view of individual respondents no name
of a respondent is ever printed, comments carry no organisation and are printed only
for sectors with at least MIN_GROUP respondents in the comparison (checked here again,
whatever the caller passes).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    TableStyle,
)

from ..comparison import (
    OVERALL,
    Column,
    Comparison,
    Divergence,
    StatementRow,
    kind_noun,
)
from ..domain import AssessmentKind, Band, Sector
from ..labels import signed
from ..review import ProfileLine
from ..scoring import MIN_GROUP, Change, band_for, percent
from . import appendix
from .appendix import scoring_appendix
from .charts import RadarChart
from .document import (
    ACCENT_COLOUR,
    BAND_TEXT,
    FRAME_WIDTH,
    MUTED,
    NEUTRAL_FILL,
    RULE,
    SHADE,
    ReportTable,
    RunningHeader,
    band_fill,
    bookmarked,
    build_pdf,
    fmt_date,
    one_page,
    plural,
    produce,
    shorten,
    styles,
    title_style,
    unsupported_paragraph,
)
from .model import BuiltReport
from .parts import HEAD_ROW, PAD, details_table, head, muted, notice
from .profile import profile_flow
from .text import BODY, markup, paragraph

TOP = 5
"""How many gaps, split statements, improvements and declines the summary lists."""

GAP_STATEMENTS = 5
"""How many statements the part on the largest gaps shows, with their comments."""

COMMENT_MAX = 900
"""A comment is printed up to this many characters here, then shortened with "…" (the
organisation's own report prints it whole)."""

COMMENTS_PER_STATEMENT = 12
"""At most this many comments are printed under one statement, a fair share from each
sector; the report says how many more there are."""

NAME_MAX = 90
"""Names in table cells are shortened to this many characters."""

HEADER_NAME_MAX = 64
"""Names in the heat map's turned column headings are shortened to this many."""

SECTIONS_PER_TABLE = 6
"""Sections side by side in one block of the section table; more make further blocks."""

HEAT_CELL = 8.6 * mm
HEAT_STATEMENT = 52 * mm
HEAT_HEADER = 36 * mm

# Lines of the radar: colour (Okabe-Ito, apart from the band colours) and dash pattern,
# so that the lines differ in more than colour.
SERIES_STYLE = {
    "system": ("#1F2328", None, 2.0),
    Sector.NHS.value: ("#0072B2", (4, 2), 1.4),
    Sector.LOCAL_GOVERNMENT.value: ("#CC79A7", (1.2, 1.8), 1.6),
    Sector.COMMUNITY.value: ("#E69F00", (6, 2, 1.2, 2), 1.4),
}


@dataclass(frozen=True)
class StatementComment:
    """One comment behind a statement, as the comparison report may print it.

    ``who`` is the organisation's name for organisation responses and empty for the
    individual view (never a respondent's name); ``answer`` is the answer in words
    ("rated 4", "Don't know")."""

    item_id: str
    sector: Sector
    who: str
    text: str
    answer: str = ""


# --- small helpers --------------------------------------------------------------------------


def score_text(value: float | None) -> str:
    """A 1-5 score for a comparison: one decimal (DESIGN: presentation)."""
    return "–" if value is None else f"{value:.1f}"


def sector_name(sector: Sector) -> str:
    """'NHS', 'Local government', 'Community'."""
    return sector.label


def sector_lower(sector: Sector) -> str:
    """'NHS', 'local government', 'community' (inside a sentence)."""
    return "NHS" if sector == Sector.NHS else sector.label.lower()


def band_of(value: float | None, bands: Sequence[Band]) -> Band | None:
    """The band of a 1-5 score, or None."""
    return None if value is None else band_for(percent(value), bands)


def is_individual(c: Comparison) -> bool:
    return c.kind == AssessmentKind.INDIVIDUAL


def name(text: str, limit: int = NAME_MAX) -> str:
    """A name or label shortened for a cell (folded to one line)."""
    return shorten(text, limit)


def previous_versions_text(c: Comparison) -> str:
    """The versions the earlier round was answered on, as versions_text says this round's:
    'version 1.0' or 'versions 1.0 (5) and 1.1 (4)'; "" with no earlier round or answers."""
    versions = c.trend.previous_versions if c.trend else ()
    if not versions:
        return ""
    if len(versions) == 1:
        return f"version {versions[0][0]}"
    return "versions " + " and ".join(f"{v} ({n})" for v, n in versions)


def versions_text(c: Comparison) -> str:
    """'version 1.0' or 'versions 1.0 (5) and 1.1 (4)'."""
    if not c.versions:
        return f"version {c.questionnaire.version}"
    if len(c.versions) == 1:
        return f"version {c.versions[0][0]}"
    listed = " and ".join(f"{v} ({n})" for v, n in c.versions)
    return f"versions {listed}"


def kind_text(c: Comparison) -> str:
    """Which kind of response the report shows, in words."""
    if is_individual(c):
        return (
            "Individual views (one person's view each, e.g. workshop participants), shown "
            f"only in groups of at least {MIN_GROUP}; organisation responses are never "
            "mixed in"
        )
    return (
        "Organisation responses (each organisation's own answer), shown by name; "
        "individual views are never mixed in"
    )


def sector_columns(c: Comparison) -> dict[Sector, Column]:
    """The sector columns of the comparison, by sector."""
    return {Sector(col.key): col for col in c.columns if col.level == "sector"}


def system_column(c: Comparison) -> Column | None:
    return next((col for col in c.columns if col.level == "system"), None)


def column_n(c: Comparison, col: Column) -> int:
    """The n printed for a group: organisations in the organisation view, respondents in
    the individual view (the comparison's columns count them so)."""
    return col.n


def gap_statements(c: Comparison, limit: int = GAP_STATEMENTS) -> list[StatementRow]:
    """The statements with the largest gap between any two sectors, largest first."""
    rows = {row.item.id: row for row in c.statements}
    out: list[StatementRow] = []
    for d in c.divergences:
        if d.scope != "statement" or d.key not in rows:
            continue
        if all(r.item.id != d.key for r in out):
            out.append(rows[d.key])
        if len(out) >= limit:
            break
    return out


def commented_sectors(c: Comparison) -> set[Sector]:
    """The sectors whose comments may be printed: all in the organisation view; in the
    individual view only those with at least MIN_GROUP respondents in the comparison."""
    if not is_individual(c):
        return set(Sector)
    return {s for s, col in sector_columns(c).items() if col.n >= MIN_GROUP}


def header_parts(c: Comparison) -> tuple[str, ...]:
    """The running header: partnership · questionnaire · comparison, round."""
    return (c.partnership.name, c.questionnaire.title, f"Comparison, {c.round.name}")


def _cell_style(base: ParagraphStyle, name_: str, **kw) -> ParagraphStyle:
    return ParagraphStyle(name_, parent=base, **kw)


def _tiny() -> ParagraphStyle:
    return _cell_style(styles().cell, "cmp_tiny", fontSize=7, leading=8.4)


def _tiny_centre() -> ParagraphStyle:
    return _cell_style(styles().cell, "cmp_tiny_c", fontSize=7, leading=8.4, alignment=TA_CENTER)


def _score_cell(value: float | None, bands: Sequence[Band], *, band_name: bool) -> Paragraph:
    """A score to one decimal, with its band's name under it when ``band_name``."""
    style = _tiny_centre()
    if value is None:
        return Paragraph(muted("–", 7), style)
    text = f"<b>{score_text(value)}</b>"
    band = band_of(value, bands)
    if band_name and band is not None:
        text += f'<br/><font size="6">{markup(band.name)}</font>'
    return Paragraph(text, style)


def _fill(value: float | None, bands: Sequence[Band]):
    band = band_of(value, bands)
    return band_fill(band, bands) if band is not None else NEUTRAL_FILL


def bullets(sentences: Sequence[str], *, small: bool = False) -> list[Flowable]:
    """Plain sentences (report or comparison text, escaped here) as bullet paragraphs."""
    s = styles()
    style = s.bullet
    if small:
        style = _cell_style(s.bullet, "cmp_bullet_small", fontSize=8.5, leading=11.5)
    return [Paragraph(markup(t), style, bulletText="•") for t in sentences]


# --- the radar with several lines ----------------------------------------------------------


class ComparisonRadar(RadarChart):
    """The radar of section scores with one line per group (the system and each sector),
    each in its own colour and dash pattern, named in the legend."""

    def __init__(
        self,
        labels: Sequence[str],
        series: Sequence[tuple[str, str, Sequence[float | None]]],
        bands: Sequence[Band],
        *,
        width: float,
        height: float,
    ):
        present = [
            0.0 if any(values[i] is not None for _, _, values in series) else None
            for i in range(len(labels))
        ]
        super().__init__(labels, present, bands, width=width, height=height, label_width=32 * mm)
        self.series = [(key, label, list(values)) for key, label, values in series]

    def draw(self) -> None:
        from reportlab.lib import colors

        from ..scoring import percent as pct

        c = self.canv
        cx = self.width / 2
        cy = self.LEGEND + (self.height - self.LEGEND) / 2
        c.saveState()
        self._draw_background(cx, cy, tint=0.14)
        # Sectors first, the system last so that it lies on top.
        for key, _label, values in sorted(self.series, key=lambda s: s[0] == "system"):
            colour, dash, width = SERIES_STYLE.get(key, ("#1F2328", None, 1.2))
            percents = [None if v is None else pct(v) for v in values]
            c.setStrokeColor(colors.HexColor(colour))
            c.setLineWidth(width)
            if dash:
                c.setDash(*dash) if len(dash) == 2 else c.setDash(list(dash), 0)
            self._line(cx, cy, percents)
            c.setDash()
            c.setFillColor(colors.HexColor(colour))
            for i, v in enumerate(percents):
                if v is not None:
                    x, y = self._point(cx, cy, i, v)
                    c.circle(x, y, 1.3 if key != "system" else 1.7, stroke=0, fill=1)
        self._labels(cx, cy)
        self._legend()
        c.restoreState()

    def _legend(self) -> None:
        from reportlab.lib import colors
        from reportlab.pdfbase.pdfmetrics import stringWidth

        c = self.canv
        y = 1.5 * mm
        gap = 4 * mm
        items = [(key, label) for key, label, _ in self.series]
        widths = [stringWidth(label, BODY, 7) + 10 * mm for _, label in items]
        x = max(0.0, self.width / 2 - (sum(widths) + gap * (len(items) - 1)) / 2)
        c.setFont(BODY, 7)
        for (key, label), w in zip(items, widths, strict=True):
            colour, dash, width = SERIES_STYLE.get(key, ("#1F2328", None, 1.2))
            c.setStrokeColor(colors.HexColor(colour))
            c.setLineWidth(width)
            if dash:
                c.setDash(*dash) if len(dash) == 2 else c.setDash(list(dash), 0)
            c.line(x, y + 2.5, x + 8 * mm, y + 2.5)
            c.setDash()
            c.setFillColor(MUTED)
            c.drawString(x + 10 * mm, y, label)
            x += w + gap


class TurnedLabel(Flowable):
    """A column heading set on its side (reading upwards), through text.markup, so that
    long organisation names fit over narrow heat map columns."""

    def __init__(self, text: str, *, length: float, thickness: float):
        super().__init__()
        style = _cell_style(styles().cell, "cmp_turned", fontSize=6.5, leading=7.4)
        self.para = paragraph(text, style)
        self.length = length
        self.thickness = thickness

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.para.wrap(self.length, self.thickness * 4)
        return self.thickness, self.length

    def draw(self) -> None:
        _, h = self.para.wrap(self.length, self.thickness * 4)
        c = self.canv
        c.saveState()
        c.rotate(90)
        # After turning, x runs up the page and y to the left: the text's foot sits on
        # the column's right-hand side, centred across the column.
        offset = max(0.0, (self.thickness - h) / 2)
        self.para.drawOn(c, 0, -self.thickness + offset)
        c.restoreState()


# --- cover ------------------------------------------------------------------------------------


def _counts_text(c: Comparison) -> str:
    noun = kind_noun(c.kind, c.submitted)
    text = f"{c.submitted} submitted {noun}"
    if c.drafts:
        text += f"; {c.drafts} in progress, not counted"
    return text


def cover(c: Comparison, produced_on: date) -> list[Flowable]:
    """What is compared, which responses, and the headline."""
    s = styles()
    q = c.questionnaire
    rows: list[tuple[str, str | Flowable]] = [
        ("Partnership", name(c.partnership.name, 300)),
        ("Integrated care system", name(c.partnership.ics_name or "–", 300)),
        ("Round", name(c.round.name, 300)),
        ("Questionnaire", f"{name(q.title, 300)}, {versions_text(c)}"),
        ("Responses shown", kind_text(c)),
        ("Counted", _counts_text(c)),
        (
            "Compared with",
            name(c.trend.previous_round.name, 300)
            + (f", {previous_versions_text(c)}" if previous_versions_text(c) else "")
            if c.trend
            else "No earlier round",
        ),
        ("Report produced", fmt_date(produced_on)),
    ]
    flow: list[Flowable] = [
        Paragraph("ICS Assess · Partnership comparison report", s.kicker),
        Paragraph(f"<b>{markup(name(q.title, 300))}</b>", title_style(q.title)),
        Paragraph(
            f"Comparison of {kind_noun(c.kind)}, {markup(name(c.round.name, 300))}", s.subtitle
        ),
        Paragraph(markup(name(c.partnership.name, 300)), s.body_muted),
        Spacer(1, 8 * mm),
        details_table(rows),
        Spacer(1, 7 * mm),
        notice(headline_markup(c), ACCENT_COLOUR),
        Spacer(1, 6 * mm),
        Paragraph(
            "<b>Reading this report.</b> Scores run from 1 to 5 and are shown to one "
            "decimal with their band. Each organisation counts once, however many people "
            "answered for it; the NHS, local government and the community sector then "
            "count equally in the system score, which is shown only when all three have "
            "responded. The summary comes next; then each section's scores by group, every "
            "statement by group, the statements on which the sectors differ most with the "
            "comments behind them, the change since the earlier round, and how every "
            "number is worked out.",
            s.body_muted,
        ),
    ]
    flow += unsupported_paragraph(texts_of(c))
    return flow


def texts_of(c: Comparison) -> list[str]:
    """The user and questionnaire text the report prints (to check the fonts)."""
    q = c.questionnaire
    texts = [c.partnership.name, c.partnership.ics_name, c.round.name, q.title]
    texts += [s.title for s in q.sections] + [i.statement for i in q.items]
    texts += [col.label for col in c.columns]
    texts += list(c.notes)
    return texts


def headline_markup(c: Comparison) -> str:
    """The system score in words, with its band; never a silently raised number."""
    h = c.headline
    bands = c.questionnaire.bands
    if h.system is not None:
        band = band_of(h.system, bands)
        return (
            f"<b>System score {score_text(h.system)}</b> of 5 · "
            f"<b>{markup(band.name) if band else ''}</b>"
        )
    if h.sectors_mean is None:
        return "<b>No score yet:</b> nothing of this kind has been submitted in this round."
    return f"<b>{markup(c.headline_sentence())}</b> (only that; not a system score)."


# --- summary ----------------------------------------------------------------------------------


def _headline_block(c: Comparison) -> list[Flowable]:
    s = styles()
    h = c.headline
    bands = c.questionnaire.bands
    left: list[Flowable] = [Paragraph("System score", s.label)]
    if h.system is not None:
        band = band_of(h.system, bands)
        left.append(
            Paragraph(
                f'<b>{score_text(h.system)}</b><font size="11" color="#57606A"> of 5</font>',
                s.big_number,
            )
        )
        chip = ReportTable(
            [[Paragraph(f"<b>{markup(band.name) if band else ''}</b>", s.cell_centre)]],
            colWidths=[34 * mm],
            hAlign="LEFT",
        )
        chip.setStyle(
            TableStyle(
                [
                    *PAD,
                    ("BACKGROUND", (0, 0), (-1, -1), _fill(h.system, bands)),
                    ("TEXTCOLOR", (0, 0), (-1, -1), BAND_TEXT),
                ]
            )
        )
        left.append(chip)
    elif h.sectors_mean is not None:
        left += [
            Paragraph(f"<b>Incomplete: {markup(c.incomplete_reason())}</b>", s.h2),
            Paragraph(
                f"Mean of the sectors shown: <b>{score_text(h.sectors_mean)}</b> "
                "(only that; not a system score).",
                s.body,
            ),
        ]
    else:
        left.append(Paragraph("<b>No score yet</b>", s.h2))
    right: list[Flowable] = []
    if h.plain is not None:
        each = "" if not is_individual(c) else " (each one's respondents together)"
        right.append(
            Paragraph(
                f"Plain mean of the scores of {plural(len(h.by_organisation), 'organisation')}"
                f"{each}: <b>{score_text(h.plain)}</b>. The system score instead weighs the "
                "three sectors equally.",
                s.body,
            )
        )
    table = ReportTable(
        [[left, right or [Spacer(1, 1)]]], colWidths=[72 * mm, FRAME_WIDTH - 72 * mm]
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 6 * mm),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    table.hAlign = "LEFT"
    # Coverage below the table, not in it: it names every organisation that has not
    # responded, which may be many, and a paragraph can run on to the next page.
    coverage = Paragraph(f"<b>Coverage:</b> {markup(c.coverage.sentence())}.", s.body)
    return [table, Spacer(1, 2 * mm), coverage]


def sector_table(c: Comparison) -> ReportTable:
    """The three sectors side by side: score, band and how many are behind it."""
    s = styles()
    h = c.headline
    bands = c.questionnaire.bands
    columns = sector_columns(c)
    heads, cells, commands = [], [], [*PAD, *HEAD_ROW]
    for i, sector in enumerate(Sector):
        heads.append(Paragraph(f"<b>{sector_name(sector)}</b>", s.cell_centre))
        value = h.by_sector.get(sector)
        if value is None:
            cover = next((x for x in c.coverage.sectors if x.sector == sector), None)
            why = "No response"
            if cover is not None and cover.responded and is_individual(c):
                why = f"Too few respondents (under {MIN_GROUP}) to show"
            elif cover is not None and not cover.organisations:
                why = "No organisation in the partnership"
            cells.append(Paragraph(f"<i>{why}</i>", s.cell_centre))
            commands.append(("BACKGROUND", (i, 1), (i, 1), NEUTRAL_FILL))
            continue
        band = band_of(value, bands)
        orgs = h.sector_organisations.get(sector, 0)
        count = plural(orgs, "organisation")
        col = columns.get(sector)
        if is_individual(c) and col is not None:
            count = f"{plural(col.n, 'respondent')} from {count}"
        cells.append(
            Paragraph(
                f'<font size="15"><b>{score_text(value)}</b></font><br/>'
                f"<b>{markup(band.name) if band else ''}</b><br/>"
                f'<font size="7.5">{count}</font>',
                _cell_style(s.cell_centre, "cmp_sector", leading=14),
            )
        )
        commands.append(("BACKGROUND", (i, 1), (i, 1), band_fill(band, bands)))
    commands += [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEAFTER", (0, 0), (-2, -1), 2, "#FFFFFF"),
        ("TOPPADDING", (0, 1), (-1, 1), 5),
        ("BOTTOMPADDING", (0, 1), (-1, 1), 6),
    ]
    table = ReportTable([heads, cells], colWidths=[FRAME_WIDTH / 3] * 3, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def _where(d: Divergence, c: Comparison, limit: int = 62) -> str:
    """Where a gap is, in words (report markup)."""
    if d.scope == "questionnaire":
        return "<b>Overall</b>"
    if d.scope == "section":
        number = next(
            (n for n, sec in enumerate(c.questionnaire.sections, start=1) if sec.id == d.key), ""
        )
        return f"<b>Section {number}</b> {markup(shorten(d.label, limit))}"
    return markup(shorten(d.label, limit))


def _gap_side(score: float | None, n: int) -> str:
    return f"{score_text(score)} <font size='7' color='#57606A'>(n={n})</font>"


def gaps_summary_table(c: Comparison, limit: int = TOP) -> Flowable:
    """The largest gaps between two sectors, on any scope, with n on each side."""
    s = styles()
    found = list(c.divergences[:limit])
    if not found:
        return Paragraph(
            "No gap between sectors can be worked out: at least two sectors need a score.",
            s.body_muted,
        )
    rows: list[list] = [head("Where", "Sectors", "First", "Second", "Gap", "Flag")]
    commands: list = [*PAD, *HEAD_ROW, ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE)]
    for d in found:
        g = d.gap
        rows.append(
            [
                Paragraph(_where(d, c), s.cell),
                Paragraph(f"{sector_name(g.first)} − {sector_lower(g.second)}", s.cell),
                Paragraph(_gap_side(g.first_score, g.first_n), s.cell_right),
                Paragraph(_gap_side(g.second_score, g.second_n), s.cell_right),
                Paragraph(f"<b>{signed(g.gap)}</b>", s.cell_right),
                Paragraph("<b>Flagged</b>" if g.flagged else muted("under 1", 7.5), s.cell),
            ]
        )
    widths = [0, 30 * mm, 17 * mm, 17 * mm, 13 * mm, 19 * mm]
    widths[0] = FRAME_WIDTH - sum(widths)
    table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def split_statements(c: Comparison, limit: int = TOP) -> list[StatementRow]:
    """The split statements, least agreement first."""
    split = [r for r in c.statements if r.split and r.spread.consensus is not None]
    split.sort(key=lambda r: (r.spread.consensus, r.number))
    return split[:limit]


def split_table(c: Comparison) -> Flowable:
    s = styles()
    found = split_statements(c)
    if not found:
        who = "organisations" if not is_individual(c) else "respondents"
        return Paragraph(
            f"No statement is split: on every statement the {who} broadly agree (agreement "
            "0.6 or more, or fewer than 3 scores).",
            s.body_muted,
        )
    rows: list[list] = [head("No.", "Statement", "Agreement", "n", "Range")]
    commands: list = [*PAD, *HEAD_ROW, ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE)]
    for r in found:
        sp = r.spread
        rows.append(
            [
                Paragraph(r.number, s.cell),
                # Cut as the gaps table above cuts them: one line each on the summary page.
                Paragraph(markup(shorten(r.item.statement, 62)), s.cell),
                Paragraph(f"<b>{sp.consensus:.2f}</b>", s.cell_right),
                Paragraph(str(sp.n), s.cell_right),
                Paragraph(f"{score_text(sp.minimum)} to {score_text(sp.maximum)}", s.cell_right),
            ]
        )
    widths = [10 * mm, 0, 21 * mm, 9 * mm, 20 * mm]
    widths[1] = FRAME_WIDTH - sum(widths)
    table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def moves_table(c: Comparison) -> Flowable:
    """The largest improvements and declines since the earlier round, side by side."""
    s = styles()
    t = c.trend
    if t is None:
        return Paragraph("There is no earlier round of this partnership to compare with.", s.body)
    if not t.overall.matched:
        who = "organisation" if not is_individual(c) else "organisation's individual views"
        return Paragraph(
            f"No {who} counted in both {markup(name(t.previous_round.name))} and this "
            "round, so no change can be worked out: an organisation is only ever compared "
            "with itself.",
            s.body,
        )
    if not t.improvements and not t.declines:
        return Paragraph(
            f"Nothing changed between {markup(name(t.previous_round.name))} and this round "
            "among the organisations that answered in both"
            + (" (none did)." if not t.overall.matched else "."),
            s.body,
        )

    def column(title: str, moves) -> list[Flowable]:
        out: list[Flowable] = [Paragraph(f"<b>{title}</b>", s.cell_head)]
        if not moves:
            out.append(Paragraph(muted("None", 8), s.cell))
        for m in moves:
            out.append(
                Paragraph(
                    f"<b>{signed(m.change)}</b> {markup(name(m.who, 70))}: "
                    f"{markup(shorten(m.scope_label, 60))} "
                    + muted(f"{score_text(m.before)} → {score_text(m.after)}", 7.5),
                    _cell_style(s.cell, "cmp_move", spaceAfter=2),
                )
            )
        return out

    table = ReportTable(
        [[column("Largest improvements", t.improvements), column("Largest declines", t.declines)]],
        colWidths=[FRAME_WIDTH / 2] * 2,
        hAlign="LEFT",
    )
    table.setStyle(TableStyle([*PAD, ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    return table


def notes_of(c: Comparison) -> list[str]:
    """The notes on the input and, in the individual view, the anonymity sentences."""
    notes = list(c.notes)
    if c.anonymity is not None:
        notes += list(c.anonymity.sentences())
    return notes


def summary(c: Comparison) -> list[Flowable]:
    """The summary: the page a board reads."""
    s = styles()
    q = c.questionnaire
    content: list[Flowable] = [
        Paragraph("<b>Summary</b>", s.h1),
        Paragraph(
            f"{markup(name(c.round.name))} · "
            f"{markup(name(q.title))}, {versions_text(c)} · <b>{kind_noun(c.kind)} only</b>",
            s.body_muted,
        ),
        *_headline_block(c),
        Spacer(1, 3 * mm),
    ]
    if c.empty:
        content += [Paragraph("<b>About these figures</b>", s.h2), *bullets(notes_of(c))]
        if c.trend is not None:
            content += [Paragraph("<b>Since the earlier round</b>", s.h2), moves_table(c)]
        return one_page(content, "Summary", "summary")
    content += [
        Paragraph("<b>The sectors side by side</b>", s.h2),
        sector_table(c),
        Paragraph("<b>Largest gaps between sectors</b>", s.h2),
        gaps_summary_table(c),
        Paragraph(
            "Gap: first sector minus second; n: organisations behind each score; "
            "flagged: 1 point or more.",
            s.body_muted,
        ),
        Paragraph("<b>Most split statements</b>", s.h2),
        split_table(c),
        Paragraph(
            "<b>Since "
            + (markup(name(c.trend.previous_round.name)) if c.trend else "the earlier round")
            + "</b>",
            s.h2,
        ),
        moves_table(c),
    ]
    notes = notes_of(c)
    if notes:
        content += [Paragraph("<b>About these figures</b>", s.h2), *bullets(notes, small=True)]
    return one_page(content, "Summary", "summary")


# --- section scores by group ----------------------------------------------------------------


LEVEL_HEADINGS = {
    "system": "System",
    "sector": "Sectors (equal partners in the system score)",
    "partner_type": "Partner types (a breakdown only; not part of the system score)",
    "organisation": "Organisations",
    "folded": "Groups of respondents",
}


def _level_heading(c: Comparison, level: str) -> str:
    if is_individual(c) and level in ("organisation", "folded"):
        return f"Groups of respondents (at least {MIN_GROUP} each)"
    return LEVEL_HEADINGS[level]


def _group_label(col: Column) -> str:
    label = markup(name(col.label))
    if col.incomplete:
        label += "<br/>" + muted("<i>mean of the sectors present</i>", 6.5)
    elif col.level == "folded":
        label += "<br/>" + muted("<i>combined group</i>", 6.5)
    return label


def _blocks(items: Sequence, size: int) -> list[Sequence]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [items]


SECTION_HEAD_SIZE = 6.8
"""The type size of a section's title at the head of its column in the section table."""


def _section_head_style(text: str, width: float) -> ParagraphStyle:
    """The style of a section's column heading: its usual size, or smaller when its
    longest word would not fit the column (reportlab would break the word without a
    hyphen: "Disagree" above "ment")."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    words = html.unescape(re.sub(r"<[^>]+>", "", text)).split()
    longest = max((stringWidth(w, BODY, SECTION_HEAD_SIZE) for w in words), default=0.0)
    size = SECTION_HEAD_SIZE
    if longest > width:
        size = max(5.0, SECTION_HEAD_SIZE * width / longest)
    return _cell_style(
        styles().cell_head,
        f"cmp_sec_head_{size:.2f}",
        alignment=TA_CENTER,
        fontSize=size,
        leading=size * 8 / SECTION_HEAD_SIZE,
    )


def section_tables(c: Comparison) -> list[Flowable]:
    """Groups as rows, the overall score and each section as columns, each cell the
    score to one decimal with its band's name, on the band's colour. More sections than
    SECTIONS_PER_TABLE make further blocks, each repeating the group column."""
    s = styles()
    q = c.questionnaire
    sections = list(enumerate(q.sections, start=1))
    blocks = _blocks(sections, SECTIONS_PER_TABLE)
    out: list[Flowable] = []
    group_w, n_w, cell_w = 46 * mm, 9 * mm, 0.0
    for b, block in enumerate(blocks):
        scopes = [(OVERALL, "<b>Overall</b>")] + [
            (sec.id, f"<b>{n}</b> {markup(shorten(sec.title, 40))}") for n, sec in block
        ]
        cell_w = (FRAME_WIDTH - group_w - n_w) / max(len(scopes), 4)
        heading = [Paragraph("Group", s.cell_head), Paragraph("n", s.cell_head)] + [
            Paragraph(text, _section_head_style(text, cell_w - 2)) for _, text in scopes
        ]
        rows: list[list] = [heading]
        commands: list = [
            *PAD,
            *HEAD_ROW,
            ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
            ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 1), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 1), (-1, -1), 2),
            ("LEFTPADDING", (2, 0), (-1, -1), 1),
            ("RIGHTPADDING", (2, 0), (-1, -1), 1),
        ]
        level = None
        for col in c.columns:
            this = "folded" if col.level == "organisation" and is_individual(c) else col.level
            if this != level:
                level = this
                r = len(rows)
                rows.append([Paragraph(f"<b>{_level_heading(c, col.level)}</b>", s.cell_small)])
                rows[-1] += [""] * (len(heading) - 1)
                commands += [
                    ("SPAN", (0, r), (-1, r)),
                    ("BACKGROUND", (0, r), (-1, r), SHADE),
                    ("TOPPADDING", (0, r), (-1, r), 2.5),
                    ("NOSPLIT", (0, r), (-1, r + 1)),
                ]
            r = len(rows)
            row: list = [
                Paragraph(_group_label(col), s.cell),
                Paragraph(str(column_n(c, col)), s.cell_right),
            ]
            for i, (key, _) in enumerate(scopes):
                value = col.value(key)
                row.append(_score_cell(value, q.bands, band_name=True))
                commands.append(("BACKGROUND", (2 + i, r), (2 + i, r), _fill(value, q.bands)))
            rows.append(row)
            commands += [
                ("LINEBELOW", (0, r), (1, r), 0.4, RULE),
                ("LINEAFTER", (2, r), (-2, r), 1, "#FFFFFF"),
                ("LINEBELOW", (2, r), (-1, r), 1, "#FFFFFF"),
            ]
        widths = [group_w, n_w] + [cell_w] * len(scopes)
        table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle(commands))
        if len(blocks) > 1:
            first, last = block[0][0], block[-1][0]
            out.append(
                Paragraph(f"<b>Sections {first} to {last}</b> ({b + 1} of {len(blocks)})", s.h2)
            )
        out += [table, Spacer(1, 4 * mm)]
    return out


def sections_part(c: Comparison) -> list[Flowable]:
    """The radar (system and sectors) and the section scores of every group."""
    s = styles()
    q = c.questionnaire
    noun = "organisations" if not is_individual(c) else "respondents"
    flow: list[Flowable] = [
        bookmarked(Paragraph("<b>Section scores by group</b>", s.h1), "Section scores", "sections"),
        Paragraph(
            "Each section's score for the system, each sector, each partner type and each "
            + ("organisation" if not is_individual(c) else "group of respondents")
            + f", to one decimal, with its band. n counts {noun}.",
            s.body_muted,
        ),
    ]
    if len(q.sections) >= 3:
        series = []
        system = system_column(c)
        if system is not None:
            label = "System" if not system.incomplete else "Sectors present (mean)"
            series.append(("system", label, [system.value(sec.id) for sec in q.sections]))
        for sector, col in sector_columns(c).items():
            series.append(
                (sector.value, sector_name(sector), [col.value(sec.id) for sec in q.sections])
            )
        flow.append(
            ComparisonRadar(
                [sec.title for sec in q.sections],
                series,
                q.bands,
                width=FRAME_WIDTH,
                height=80 * mm,
            )
        )
        flow.append(Spacer(1, 3 * mm))
    else:
        flow.append(
            Paragraph(
                "A radar chart needs at least three sections; the table gives each "
                "section's score.",
                s.body_muted,
            )
        )
    flow += section_tables(c)
    return flow


# --- the heat map ---------------------------------------------------------------------------


def band_legend(c: Comparison) -> ReportTable:
    """The bands with their colours and the scores (1-5) they cover, in words."""
    bands = c.questionnaire.bands
    cells, commands, lower = [], [*PAD], 0.0
    for i, band in enumerate(bands):
        upper = band.below if band.below is not None else 100.0
        lo, hi = 1 + lower / 25, 1 + upper / 25
        text = (
            f"<b>{markup(band.name)}</b> {lo:.1f} to under {hi:.1f}"
            if band.below is not None
            else f"<b>{markup(band.name)}</b> {lo:.1f} to 5"
        )
        cells.append(Paragraph(text, _tiny_centre()))
        commands.append(("BACKGROUND", (i, 0), (i, 0), band_fill(band, bands)))
        lower = upper
    cells.append(Paragraph("<b>–</b> no score", _tiny_centre()))
    commands.append(("BACKGROUND", (len(bands), 0), (len(bands), 0), NEUTRAL_FILL))
    commands.append(("LINEAFTER", (0, 0), (-2, 0), 1.5, "#FFFFFF"))
    width = min(FRAME_WIDTH, 32 * mm * len(cells))
    table = ReportTable([cells], colWidths=[width / len(cells)] * len(cells), hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def heat_columns(c: Comparison) -> list[Column]:
    """The heat map's groups: the system, the sectors and the organisations (or the
    groups of respondents); partner types are in the section table."""
    return [col for col in c.columns if col.level != "partner_type"]


def _heat_blocks(columns: Sequence[Column]) -> list[list[Column]]:
    """Columns in blocks that fit the page width; every block after the first starts
    with the system column again, as the point of reference."""
    fits = int((FRAME_WIDTH - HEAT_STATEMENT) // HEAT_CELL)
    if len(columns) <= fits:
        return [list(columns)]
    system = [col for col in columns if col.level == "system"]
    compact = [col for col in columns if col.level in ("system", "sector")]
    groups = [col for col in columns if col.level not in ("system", "sector")]
    per = fits - len(system)
    blocks = [compact]
    blocks += [system + list(groups[i : i + per]) for i in range(0, len(groups), per)]
    return blocks


def _statement_label(row: StatementRow, limit: int = 80) -> str:
    text = f"<b>{row.number}</b> {markup(shorten(row.item.statement, limit))}"
    tags = []
    if row.split:
        tags.append("split")
    if row.changed:
        tags.append("changed")
    if tags:
        text += " " + "".join(f'<font color="#A3201A"><b><i>{t}</i></b></font> ' for t in tags)
    return text


def heat_table(c: Comparison, columns: Sequence[Column]) -> ReportTable:
    """Statements as rows, ``columns`` as columns, each cell the score on its band's
    colour; section headings between; split and changed statements marked in words."""
    s = styles()
    q = c.questionnaire
    tiny = _tiny()
    statement_w = min(FRAME_WIDTH - len(columns) * HEAT_CELL, 110 * mm)
    limit = int(80 * statement_w / HEAT_STATEMENT)
    heading: list = [Paragraph("Statement", s.cell_head)]
    counts: list = [Paragraph(muted("n", 7), tiny)]
    for col in columns:
        label = name(col.label, HEADER_NAME_MAX)
        heading.append(TurnedLabel(label, length=HEAT_HEADER - 4, thickness=HEAT_CELL - 2))
        counts.append(Paragraph(muted(str(column_n(c, col)), 7), _tiny_centre()))
    rows: list[list] = [heading, counts]
    commands: list = [
        *PAD,
        ("LINEBELOW", (0, 1), (-1, 1), 0.8, MUTED),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (1, 2), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (1, 0), (-1, -1), 1),
        ("RIGHTPADDING", (1, 0), (-1, -1), 1),
        ("TOPPADDING", (0, 1), (-1, -1), 2.2),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 2.6),
    ]
    by_section: dict[str, list[StatementRow]] = {}
    for row in c.statements:
        by_section.setdefault(row.section_id, []).append(row)
    for n, section in enumerate(q.sections, start=1):
        r = len(rows)
        rows.append(
            [Paragraph(f"<b>{n}. {markup(shorten(section.title, 120))}</b>", tiny)]
            + [""] * len(columns)
        )
        commands += [
            ("SPAN", (0, r), (-1, r)),
            ("BACKGROUND", (0, r), (-1, r), SHADE),
            ("TOPPADDING", (0, r), (-1, r), 2),
            # A section's heading never ends a page without its first statement.
            ("NOSPLIT", (0, r), (-1, r + 1)),
        ]
        for st in by_section.get(section.id, []):
            r = len(rows)
            row: list = [Paragraph(_statement_label(st, limit), tiny)]
            for i, col in enumerate(columns):
                value = col.value(st.item.id)
                row.append(_score_cell(value, q.bands, band_name=False))
                commands.append(("BACKGROUND", (1 + i, r), (1 + i, r), _fill(value, q.bands)))
            rows.append(row)
            commands += [
                ("LINEBELOW", (0, r), (0, r), 0.3, RULE),
                ("LINEAFTER", (1, r), (-2, r), 0.8, "#FFFFFF"),
                ("LINEBELOW", (1, r), (-1, r), 0.8, "#FFFFFF"),
            ]
    widths = [statement_w] + [HEAT_CELL] * len(columns)
    table = ReportTable(rows, colWidths=widths, repeatRows=2, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def heatmap_part(c: Comparison) -> list[Flowable]:
    """Every statement by group, as a heat map, in blocks of columns that fit a page."""
    s = styles()
    columns = heat_columns(c)
    blocks = _heat_blocks(columns)
    who = "organisation" if not is_individual(c) else "group of respondents"
    flow: list[Flowable] = [
        bookmarked(Paragraph("<b>Statements by group</b>", s.h1), "Statements by group", "heatmap"),
        Paragraph(
            f"Each statement's score for the system, each sector and each {who}, to one "
            "decimal, on its band's colour. <b><i>split</i></b> marks a statement on which "
            "views are split (agreement under 0.6 with at least 3 scores); "
            "<b><i>changed</i></b> marks one whose wording or scoring differs between the "
            "questionnaire versions answered, compared only among answers on version "
            f"{markup(c.questionnaire.version)}. The row n counts "
            + ("organisations." if not is_individual(c) else "respondents.")
            + (
                " Partner types are in the section table."
                if any(col.level == "partner_type" for col in c.columns)
                else ""
            ),
            s.body_muted,
        ),
        band_legend(c),
        Spacer(1, 3 * mm),
    ]
    # The block's heading is kept with its table by the CondPageBreak before it, not by
    # keepWithNext: that kept the heading with the whole table, which runs over a page,
    # and so always began it on a new page, leaving the part's introduction alone on one.
    heading = _cell_style(s.h2, "cmp_heat_h2", keepWithNext=0)
    parts = len(blocks) - 1
    for b, block in enumerate(blocks):
        if len(blocks) > 1:
            if b == 0:
                title = "The system and the sectors"
            elif parts == 1:
                title = f"By {who} (the system repeated)"
            else:
                title = f"By {who}, part {b} of {parts} (the system repeated)"
            flow.append(CondPageBreak(90 * mm))
            flow.append(Paragraph(f"<b>{title}</b>", heading))
        flow += [heat_table(c, block), Spacer(1, 5 * mm)]
    return flow


# --- the largest gaps, with comments ----------------------------------------------------------


def _fair_share(comments: Sequence[StatementComment], limit: int) -> list[StatementComment]:
    """At most ``limit`` comments, taken in turn from each sector (so that no sector's
    voice is crowded out), kept in their order."""
    if len(comments) <= limit:
        return list(comments)
    queues = {sector: [x for x in comments if x.sector == sector] for sector in Sector}
    chosen: set[int] = set()
    while len(chosen) < limit:
        for sector in Sector:
            if queues[sector] and len(chosen) < limit:
                chosen.add(id(queues[sector].pop(0)))
    return [x for x in comments if id(x) in chosen]


def _comments_block(
    c: Comparison, row: StatementRow, comments: Sequence[StatementComment]
) -> list[Flowable]:
    s = styles()
    allowed = commented_sectors(c)
    shown = [x for x in comments if x.item_id == row.item.id and x.sector in allowed]
    order = {sector: i for i, sector in enumerate(Sector)}
    if is_individual(c):
        shown.sort(key=lambda x: (order[x.sector], x.text))
    else:
        shown.sort(key=lambda x: (order[x.sector], x.who.lower(), x.text))
    total = len(shown)
    shown = _fair_share(shown, COMMENTS_PER_STATEMENT)
    out: list[Flowable] = []
    if not shown:
        out.append(Paragraph(muted("<i>No comments were given on this statement.</i>", 8), s.cell))
    else:
        rows: list[list] = []
        commands: list = [*PAD, ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE)]
        for x in shown:
            if is_individual(c):
                who = f"{sector_name(x.sector)} respondent"
            else:
                who = f"{markup(name(x.who))}<br/>" + muted(sector_name(x.sector), 7)
            if x.answer:
                who += "<br/>" + muted(markup(x.answer), 7)
            text = " ".join(x.text.split())
            cut = len(text) > COMMENT_MAX
            body = paragraph(shorten(text, COMMENT_MAX) if cut else text, s.comment)
            cell: list[Flowable] = [body]
            if cut:
                cell.append(
                    Paragraph(
                        muted("<i>shortened here; printed whole in its own report</i>"), s.cell
                    )
                )
            rows.append([Paragraph(who, s.cell), cell])
        table = ReportTable(rows, colWidths=[48 * mm, FRAME_WIDTH - 48 * mm], hAlign="LEFT")
        table.setStyle(TableStyle(commands))
        out.append(table)
        if total > len(shown):
            out.append(
                Paragraph(
                    muted(
                        f"<i>{len(shown)} of {total} comments shown, a fair share from each "
                        "sector; "
                        + (
                            "each organisation's own report has them all.</i>"
                            if not is_individual(c)
                            else "the rest are kept with the answers.</i>"
                        ),
                        8,
                    ),
                    s.cell,
                )
            )
    if is_individual(c):
        hidden = [sector for sector in Sector if sector not in allowed and sector in row.points]
        if hidden:
            names = ", ".join(sector_lower(x) for x in hidden)
            out.append(
                Paragraph(
                    muted(
                        f"<i>Comments from {markup(names)} respondents are not shown: fewer "
                        f"than {MIN_GROUP} respondents.</i>",
                        8,
                    ),
                    s.cell,
                )
            )
    return out


def _sector_scores_row(c: Comparison, row: StatementRow) -> ReportTable:
    s = styles()
    bands = c.questionnaire.bands
    columns = sector_columns(c)
    heads, cells = [], []
    commands: list = [*PAD, ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    for i, sector in enumerate(Sector):
        col = columns.get(sector)
        value = col.value(row.item.id) if col is not None else None
        heads.append(Paragraph(sector_name(sector), s.cell_head))
        if value is None:
            cells.append(Paragraph("<i>No score</i>", s.cell_centre))
        else:
            n = next(
                (
                    g.first_n if g.first == sector else g.second_n
                    for g in row.gaps
                    if sector in (g.first, g.second)
                ),
                0,
            )
            band = band_of(value, bands)
            cells.append(
                Paragraph(
                    f"<b>{score_text(value)}</b> {markup(band.name) if band else ''} "
                    + f'<font size="7">(n={n})</font>',
                    s.cell_centre,
                )
            )
        commands.append(("BACKGROUND", (i, 1), (i, 1), _fill(value, bands)))
    gaps = [
        f"{sector_name(g.first)} − {sector_lower(g.second)} <b>{signed(g.gap)}</b>"
        + (" <b>(flagged)</b>" if g.flagged else "")
        for g in row.gaps
        if g.gap is not None
    ]
    heads.append(Paragraph("Gaps", s.cell_head))
    cells.append(Paragraph("<br/>".join(gaps) or "–", s.cell))
    commands.append(("LINEAFTER", (0, 1), (2, 1), 1.5, "#FFFFFF"))
    w = 31 * mm
    table = ReportTable([heads, cells], colWidths=[w, w, w, FRAME_WIDTH - 3 * w], hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def gaps_part(c: Comparison, comments: Sequence[StatementComment]) -> list[Flowable]:
    """For the statements with the largest gaps: the statement, the sector scores and
    gaps, and the comments behind it."""
    s = styles()
    flow: list[Flowable] = [
        bookmarked(
            Paragraph("<b>Where the sectors differ most</b>", s.h1),
            "Where the sectors differ most",
            "gaps",
        )
    ]
    rows = gap_statements(c)
    if not rows:
        flow.append(
            Paragraph(
                "No statement has scores from two sectors, so no gap between sectors can be shown.",
                s.body,
            )
        )
        return flow
    if is_individual(c):
        intro = (
            f"The {plural(len(rows), 'statement')} with the largest gap between two sectors, "
            "with the comments respondents gave. Comments carry no name or organisation, "
            f"and are shown only from sectors with at least {MIN_GROUP} respondents here."
        )
    else:
        intro = (
            f"The {plural(len(rows), 'statement')} with the largest gap between two sectors, "
            "with the comments each organisation gave in its response."
        )
    flow.append(Paragraph(intro, s.body_muted))
    sections = {sec.id: (n, sec) for n, sec in enumerate(c.questionnaire.sections, start=1)}
    for i, row in enumerate(rows, start=1):
        n, section = sections.get(row.section_id, (0, None))
        tags = [t for t, on in (("split", row.split), ("changed", row.changed)) if on]
        where = f"Section {n}: {markup(section.title)}" if section is not None else ""
        if tags:
            where += " · " + ", ".join(f"<b>{t}</b>" for t in tags)
        head_block = [
            Paragraph(
                f"<b>{row.number}</b> {markup(row.item.statement)}",
                _cell_style(s.h2, "cmp_gap_h", keepWithNext=1),
            ),
            Paragraph(where, _cell_style(s.body_muted, "cmp_where", keepWithNext=1)),
            _sector_scores_row(c, row),
            Spacer(1, 2 * mm),
        ]
        flow.append(CondPageBreak(55 * mm))
        flow.append(bookmarked(KeepTogether(head_block), f"{row.number}", f"gap-{i}", 1))
        flow += _comments_block(c, row, comments)
        flow.append(Spacer(1, 5 * mm))
    return flow


# --- since the earlier round ------------------------------------------------------------------


def change_cell(change: Change | None) -> Paragraph:
    s = styles()
    if change is None or (change.before is None and change.after is None):
        return Paragraph(muted("–", 8), s.cell_centre)
    text = f"{score_text(change.before)} → {score_text(change.after)}"
    if change.change is not None:
        text += f"<br/><b>{signed(change.change)}</b>"
        if change.moved:
            text += " <b>moved</b>"
    return Paragraph(text, _tiny_centre())


def trend_table(c: Comparison) -> ReportTable:
    """The trend's table: per section (and overall), the system and each sector before
    and after, with the change."""
    s = styles()
    t = c.trend
    assert t is not None
    sectors = [sec for sec in Sector if any(sec in x.trend.by_sector for x in t.scopes)]
    rows: list[list] = [head("Section", "System", *[sector_name(x) for x in sectors])]
    commands: list = [*PAD, *HEAD_ROW, ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
                      ("VALIGN", (1, 1), (-1, -1), "MIDDLE")]  # fmt: skip
    numbers = {sec.id: n for n, sec in enumerate(c.questionnaire.sections, start=1)}
    for scope in t.scopes:
        label = (
            "<b>Overall</b>"
            if scope.key == OVERALL
            else f"<b>{numbers.get(scope.key, '')}</b> {markup(shorten(scope.label, 80))}"
        )
        system = scope.trend.system
        if system.before is None and system.after is None:
            system = scope.trend.sectors_mean
        rows.append(
            [Paragraph(label, s.cell), change_cell(system)]
            + [change_cell(scope.trend.by_sector.get(x)) for x in sectors]
        )
    widths = [0, 26 * mm] + [26 * mm] * len(sectors)
    widths[0] = FRAME_WIDTH - sum(widths)
    table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def trend_part(c: Comparison) -> list[Flowable]:
    """Per section: the system and each sector before and after, and what changed."""
    s = styles()
    t = c.trend
    if t is None:
        return []
    previous = markup(name(t.previous_round.name))
    flow: list[Flowable] = [
        bookmarked(
            Paragraph(f"<b>Since {previous}</b>", s.h1),
            f"Since {name(t.previous_round.name, 100)}",
            "trend",
        )
    ]
    matched = len(t.overall.matched)
    if not matched:
        counted = (
            "organisation answered"
            if not is_individual(c)
            else ("organisation has individual views counted")
        )
        flow.append(
            Paragraph(
                f"No {counted} in both {previous} and {markup(name(c.round.name))}, so no "
                "change can be worked out: an organisation is only ever compared with itself.",
                s.body,
            )
        )
    else:
        flow.append(
            Paragraph(
                f"Worked out over the {plural(matched, 'organisation')} that answered in both "
                f"rounds (each compared only with itself). Before → after, and the change; a "
                "change of 0.5 or more either way is marked <b>moved</b>.",
                s.body_muted,
            )
        )
        flow.append(trend_table(c))
        if not t.overall.system.change and t.overall.sectors_mean.change is not None:
            flow.append(
                Paragraph(
                    "The system column is the mean of the sectors present in both rounds: "
                    "not every sector has an organisation in both.",
                    s.body_muted,
                )
            )
        if not is_individual(c):
            flow += organisation_changes(c)
        moved = [st for st in t.statements if st.trend.system.moved or st.trend.sectors_mean.moved]
        if moved:
            flow.append(Paragraph("<b>Statements that moved</b>", s.h2))
            for st in moved:
                ch = (
                    st.trend.system
                    if st.trend.system.change is not None
                    else (st.trend.sectors_mean)
                )
                flow.append(
                    Paragraph(
                        f"<b>{signed(ch.change)}</b> {markup(shorten(st.label, 140))} "
                        + muted(f"{score_text(ch.before)} → {score_text(ch.after)}", 7.5),
                        s.bullet,
                        bulletText="•",
                    )
                )
    flow += one_round_only(c)
    flow.append(Paragraph("<b>Statements that changed between versions</b>", s.h2))
    if t.changed_items:
        numbers = {row.item.id: row for row in c.statements}
        listed = []
        for item_id in t.changed_items:
            row = numbers.get(item_id)
            listed.append(f"{row.number} {shorten(row.item.statement, 300)}" if row else item_id)
        flow.append(
            Paragraph(
                "These statements read or score differently between the questionnaire "
                "versions answered, so they are left out of the change:",
                s.body,
            )
        )
        flow += bullets(listed)
    else:
        flow.append(
            Paragraph(
                "None: every statement reads and scores the same in the versions answered.",
                s.body,
            )
        )
    return flow


def one_round_only(c: Comparison) -> list[Flowable]:
    """Who answered in one round only, and so is not in the change."""
    s = styles()
    t = c.trend
    assert t is not None
    previous = markup(name(t.previous_round.name))
    flow: list[Flowable] = [Paragraph("<b>Who answered in one round only</b>", s.h2)]
    if not t.only_before and not t.only_after:
        flow.append(Paragraph("Every organisation that answered did so in both rounds.", s.body))
    if t.only_before:
        names = "; ".join(markup(name(o.name)) for o in t.only_before)
        flow.append(
            Paragraph(
                f"In {previous} only, so not in the change: {names}.",
                s.body,
            )
        )
    if t.only_after:
        names = "; ".join(markup(name(o.name)) for o in t.only_after)
        flow.append(
            Paragraph(
                f"In {markup(name(c.round.name))} only, so not in the change: {names}.",
                s.body,
            )
        )
    return flow


def organisation_changes(c: Comparison) -> list[Flowable]:
    s = styles()
    t = c.trend
    assert t is not None
    changes = t.overall.by_organisation
    if not changes:
        return []
    rows: list[list] = [head("Organisation", "Sector", "Before", "After", "Change")]
    commands: list = [*PAD, *HEAD_ROW, ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE)]
    listed = sorted(
        changes.items(),
        key=lambda kv: c.organisations[kv[0]].name.lower() if kv[0] in c.organisations else kv[0],
    )
    for org_id, change in listed:
        org = c.organisations.get(org_id)
        label = org.name if org is not None else org_id
        moved = " <b>moved</b>" if change.moved else ""
        rows.append(
            [
                Paragraph(markup(name(label)), s.cell),
                Paragraph(sector_name(org.sector) if org is not None else "", s.cell),
                Paragraph(score_text(change.before), s.cell_right),
                Paragraph(score_text(change.after), s.cell_right),
                Paragraph(f"<b>{signed(change.change)}</b>{moved}", s.cell_right),
            ]
        )
    widths = [0, 30 * mm, 16 * mm, 16 * mm, 26 * mm]
    widths[0] = FRAME_WIDTH - sum(widths)
    table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return [Paragraph("<b>Each organisation's overall score</b>", s.h2), table]


# --- the appendix -------------------------------------------------------------------------


def comparison_appendix() -> list[Flowable]:
    """docs/scoring.md whole: a comparison uses every rule, including those (9 to 15)
    that combine respondents, which a report of one organisation leaves out."""
    s = styles()
    try:
        source = appendix.scoring_doc_path().read_text(encoding="utf-8")
    except OSError:
        return scoring_appendix()
    blocks = [b for b in appendix.parse_markdown(source) if b.kind != "h1"]
    if blocks and blocks[0].kind == "p":
        first = blocks[0].lines
        first[0] = first[0].replace("This page explains", "This appendix explains", 1)
    return [
        bookmarked(
            Paragraph("<b>Appendix: how the scores are calculated</b>", s.h1),
            "Appendix: how the scores are calculated",
            "appendix",
        ),
        *appendix._flowables(blocks),
    ]


# --- the whole report -----------------------------------------------------------------------


def comparison_story(
    c: Comparison,
    comments: Sequence[StatementComment],
    produced_on: date,
    profile: Sequence[ProfileLine] = (),
) -> list[Flowable]:
    """Every flowable of the report, in order; the profile's facts (beside the earlier
    round's, when there is a trend) before the appendix when any has a value."""
    story: list[Flowable] = [
        RunningHeader(header_parts(c)),
        *one_page(cover(c, produced_on), "Cover", "cover"),
        PageBreak(),
        *summary(c),
    ]
    if not c.empty:
        story += [PageBreak(), *sections_part(c)]
        story += [PageBreak(), *heatmap_part(c)]
        story += [PageBreak(), *gaps_part(c, comments)]
    if c.trend is not None:
        story += [PageBreak(), *trend_part(c)]
    if any(p.after is not None for p in profile):
        then = c.trend.previous_round.name if c.trend else None
        story += [
            PageBreak(),
            *profile_flow(
                profile,
                then_name=then,
                now_name=c.round.name,
                key="profile",
                title="The partnership profile" + (" then and now" if then else ""),
            ),
        ]
    story += [PageBreak(), *comparison_appendix()]
    return story


def _safe_comments(
    c: Comparison, comments: Mapping[str, Sequence[StatementComment]] | None
) -> tuple[StatementComment, ...]:
    """The comments the report may print: never a name in the individual view."""
    found = [x for values in (comments or {}).values() for x in values]
    if is_individual(c):
        allowed = commented_sectors(c)
        found = [
            StatementComment(x.item_id, x.sector, "", x.text, x.answer)
            for x in found
            if x.sector in allowed
        ]
    return tuple(x for x in found if x.text and x.text.strip())


def build_comparison_report(
    comparison: Comparison,
    *,
    produced_on: date | None = None,
    comments: Mapping[str, Sequence[StatementComment]] | None = None,
    profile: Sequence[ProfileLine] = (),
) -> BuiltReport:
    """Render the comparison report into PDF bytes. ``comments``: item id -> the
    comments behind it (see StatementComment), for the statements with the largest
    gaps (``gap_statements``)."""
    produced_on = produced_on or date.today()
    c = comparison
    shown = _safe_comments(c, comments)
    q = c.questionnaire
    return build_pdf(
        lambda: comparison_story(c, shown, produced_on, profile),
        title=f"{q.title}: comparison of {kind_noun(c.kind)}, {c.round.name}",
        subject=f"Partnership comparison report for {c.partnership.name}",
        keywords=["ICS Assess", "comparison", q.title, c.partnership.name, c.round.name],
        header=header_parts(c),
        footer=f"Produced by ICS Assess on {fmt_date(produced_on)}",
        draft=None,
    )


def write_comparison_report(
    comparison: Comparison,
    path: Path | str,
    *,
    produced_on: date | None = None,
    comments: Mapping[str, Sequence[StatementComment]] | None = None,
    profile: Sequence[ProfileLine] = (),
) -> tuple[Path, BuiltReport]:
    """Render the comparison report and write it atomically to ``path``; (where, the
    report). Raises ReportError (a StoreError) with a sentence when it cannot be written."""
    return produce(
        path,
        lambda: build_comparison_report(
            comparison, produced_on=produced_on, comments=comments, profile=profile
        ),
    )


__all__ = [
    "GAP_STATEMENTS",
    "StatementComment",
    "build_comparison_report",
    "gap_statements",
    "write_comparison_report",
]
