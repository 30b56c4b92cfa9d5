"""The workshop report: what a facilitated workshop agreed, for the partnership board.

A cover; who took part (counts by sector and partner type only, never a name); each
section's agreed score beside the mean of the participants' own scores; every split
statement with its distribution and how the room resolved it (an agreed rating, or not
agreed with each position and the sectors holding it); every statement's outcome and
reasoning in a compact table; the action plan by statement; and the scoring method.

    built = build_workshop_report(view)
    path, built = write_workshop_report(view, "workshop.pdf")

Everything shown comes from ``ics_assess.workshop.WorkshopView``, which already leaves
out what could identify a participant (no distribution from fewer than 3 ratings, no
sector of fewer than 3 coloured on its own); this module prints no participant's name
or organisation, and every piece of user text goes through ``text.markup``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    Spacer,
    TableStyle,
)

from ..domain import Action, AgreedScore, AgreementOutcome, Band, Questionnaire, Sector, Unrated
from ..labels import signed
from ..scoring import MIN_GROUP, band_for, percent
from ..workshop import SectionOutcome, StatementSpread, WorkshopView, sector_words
from .comparison import SERIES_STYLE, comparison_appendix
from .document import (
    ACCENT_COLOUR,
    BAND_TEXT,
    FRAME_WIDTH,
    INK,
    MUTED,
    NEUTRAL_FILL,
    RULE,
    ReportTable,
    RunningHeader,
    band_fill,
    bookmarked,
    build_pdf,
    chunk_text,
    fmt_date,
    one_page,
    para,
    plural,
    produce,
    shorten,
    styles,
    title_style,
    unsupported_paragraph,
)
from .model import BuiltReport
from .parts import HEAD_ROW, PAD, actions_table, details_table, head, muted, notice
from .text import BODY, markup

NAME_MAX = 300
"""One-line names (partnership, round, title, facilitator) print whole up to this."""

STATEMENT_MAX = 160
"""A statement is shortened to this many characters in the compact outcomes table."""

REASONING_PIECE = 450
"""Reasoning is cut into table rows of at most this many characters."""

COMBINED_COLOUR = "#7F7F7F"


# --- small helpers --------------------------------------------------------------------------


def score_text(value: float | None) -> str:
    """A 1-5 score to one decimal, as comparisons show them."""
    return "–" if value is None else f"{value:.1f}"


def band_of(value: float | None, bands: Sequence[Band]) -> Band | None:
    return None if value is None else band_for(percent(value), bands)


def _style(base: ParagraphStyle, name: str, **kw) -> ParagraphStyle:
    return ParagraphStyle(name, parent=base, **kw)


def header_parts(v: WorkshopView) -> tuple[str, ...]:
    """The running header: partnership · workshop · round."""
    return (v.partnership.name, v.workshop.title, f"Workshop, {v.round.name}")


def rating_text(q: Questionnaire, value: int) -> str:
    """ "3 (Partly true)" (report markup)."""
    try:
        label = q.scale_label(value)
    except KeyError:
        return str(value)
    return f"{value} ({markup(shorten(label, 60))})"


def outcome_markup(q: Questionnaire, agreed: AgreedScore | None) -> str:
    """The room's outcome on a statement, in words (report markup)."""
    if agreed is None:
        return muted("<i>No outcome recorded</i>", 8)
    if agreed.outcome is AgreementOutcome.NOT_AGREED:
        lines = ["<b>Not agreed</b>"]
        for p in agreed.positions:
            lines.append(f"{rating_text(q, p.rating)}: {markup(sector_words(p.sectors))}")
        if not agreed.positions:
            lines.append(muted("<i>no positions recorded</i>", 8))
        return "<br/>".join(lines)
    if agreed.rating is not None:
        text = f"<b>Agreed {rating_text(q, agreed.rating)}</b>"
    elif agreed.unrated is not None:
        text = f"<b>Agreed: {Unrated(agreed.unrated).label.lower()}</b>"
    else:
        text = "<b>Agreed</b>"
    if agreed.target is not None:
        text += "<br/>" + muted(f"target {agreed.target}", 8)
    return text


def room_markup(row: StatementSpread) -> str:
    """n, mean and "split" of a statement, or why nothing is shown (report markup)."""
    if not row.shown:
        text = f"n {row.n}" + "<br/>" + muted("<i>not shown: under 3</i>", 7)
    else:
        text = f"n {row.n} · mean <b>{score_text(row.mean)}</b>"
        if row.split:
            text += "<br/><b>split</b>"
    extra = []
    if row.dont_know:
        extra.append(f"{row.dont_know} don't know")
    if row.not_applicable:
        extra.append(f"{row.not_applicable} not applicable")
    if extra:
        text += "<br/>" + muted(", ".join(extra), 7)
    return text


def texts_of(v: WorkshopView) -> list[str]:
    """The user and questionnaire text the report prints (to check the fonts)."""
    q = v.questionnaire
    texts = [
        v.partnership.name,
        v.partnership.ics_name,
        v.round.name,
        q.title,
        v.workshop.title,
        v.workshop.facilitator,
        v.workshop.held_on,
    ]
    texts += [s.title for s in q.sections] + [i.statement for i in q.items]
    texts += [p.label for p in q.scale]
    texts += [s.agreed.reasoning for s in v.statements if s.agreed is not None]
    texts += [t for a in v.actions for t in (a.description, a.owner, a.due_on)]
    texts += list(v.notes)
    return texts


# --- the distribution chart ----------------------------------------------------------------


def group_colour(key: Sector | None) -> str:
    """A sector's colour, as the comparison radar draws it; grey for sectors combined."""
    if key is None:
        return COMBINED_COLOUR
    return SERIES_STYLE[key.value][0]


class DistributionChart(Flowable):
    """A statement's ratings as bars by scale point, stacked by sector (sectors of fewer
    than 3 combined, in grey), with each bar's count above it and a legend. Never a name."""

    def __init__(self, row: StatementSpread, *, width: float = 78 * mm, height: float = 34 * mm):
        super().__init__()
        self.row = row
        self.width = width
        self.height = height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    LEGEND = 9 * mm
    AXIS = 5 * mm
    TOP = 4 * mm

    def draw(self) -> None:
        c = self.canv
        row = self.row
        totals = row.totals
        most = max(totals.values(), default=0) or 1
        plot_bottom = self.LEGEND + self.AXIS
        plot_height = self.height - plot_bottom - self.TOP
        slot = self.width / 5
        bar = slot * 0.62
        c.saveState()
        c.setStrokeColor(RULE)
        c.setLineWidth(0.6)
        c.line(0, plot_bottom, self.width, plot_bottom)
        for i, point in enumerate(sorted(row.counts)):
            x = i * slot + (slot - bar) / 2
            y = plot_bottom
            for key in row.groups:
                count = row.counts[point].get(key, 0)
                if not count:
                    continue
                h = plot_height * count / most
                c.setFillColor(colors.HexColor(group_colour(key)))
                c.setStrokeColor(colors.white)
                c.setLineWidth(0.5)
                c.rect(x, y, bar, h, stroke=1, fill=1)
                y += h
            c.setFillColor(INK)
            c.setFont(BODY, 7.5)
            if totals[point]:
                c.drawCentredString(x + bar / 2, y + 1.5, str(totals[point]))
            c.setFillColor(MUTED)
            c.setFont(BODY, 7.5)
            c.drawCentredString(x + bar / 2, plot_bottom - 3.2 * mm, str(point))
        # Legend: a swatch and the group's name (sector names only, never a person).
        x, y = 0.0, 5.2 * mm
        c.setFont(BODY, 7)
        for key in row.groups:
            label = row.group_label(key)
            w = stringWidth(label, BODY, 7)
            if x > 0 and x + w + 5 * mm > self.width:
                x, y = 0.0, y - 3.4 * mm
            c.setFillColor(colors.HexColor(group_colour(key)))
            c.rect(x, y, 2.6 * mm, 2.6 * mm, stroke=0, fill=1)
            c.setFillColor(MUTED)
            c.drawString(x + 3.6 * mm, y + 0.3 * mm, label)
            x += w + 8 * mm
        c.restoreState()


# --- cover ------------------------------------------------------------------------------------


def taking_part_text(v: WorkshopView) -> str:
    """ "14 handed back their answers, from 10 organisations; 1 still answering"."""
    t = v.taking_part
    text = (
        f"{plural(t.answered, 'participant')} handed back their answers, from "
        f"{plural(t.organisations, 'organisation')}"
    )
    if t.still_answering:
        text += f"; {t.still_answering} still answering, not counted"
    return text


def headline_markup(v: WorkshopView) -> str:
    """The agreed overall score beside the participants' own mean (report markup)."""
    bands = v.questionnaire.bands
    agreed = v.agreed_score
    if agreed.mean is not None:
        band = band_of(agreed.mean, bands)
        text = (
            f"<b>Agreed overall score {score_text(agreed.mean)}</b> of 5 · "
            f"<b>{markup(band.name) if band else ''}</b>"
        )
    else:
        text = "<b>No agreed overall score</b>: no section has enough agreed ratings."
    if v.participants_overall is not None:
        text += (
            f"<br/>The participants' own mean: <b>{score_text(v.participants_overall)}</b> "
            f"({plural(v.participants_overall_n, 'participant')})."
        )
    elif v.taking_part.answered < MIN_GROUP:
        text += (
            f"<br/>Fewer than {MIN_GROUP} participants handed back, so their own scores are "
            "not shown."
        )
    else:
        text += (
            f"<br/>Fewer than {MIN_GROUP} participants have an overall score, so their mean "
            "is not shown."
        )
    return text


def cover(v: WorkshopView, produced_on: date) -> list[Flowable]:
    s = styles()
    q = v.questionnaire
    w = v.workshop
    rows: list[tuple[str, str | Flowable]] = [
        ("Partnership", shorten(v.partnership.name, NAME_MAX)),
        ("Integrated care system", shorten(v.partnership.ics_name or "–", NAME_MAX)),
        ("Round", shorten(v.round.name, NAME_MAX)),
        ("Questionnaire", f"{shorten(q.title, NAME_MAX)}, version {q.version}"),
        ("Workshop", shorten(w.title, NAME_MAX)),
        ("Held on", shorten(fmt_date(w.held_on), NAME_MAX) or "–"),
        ("Facilitator", shorten(w.facilitator, NAME_MAX) or "–"),
        ("Taking part", taking_part_text(v)),
        ("Report produced", fmt_date(produced_on)),
    ]
    flow: list[Flowable] = [
        Paragraph("ICS Assess · Workshop report", s.kicker),
        Paragraph(f"<b>{markup(shorten(w.title, NAME_MAX))}</b>", title_style(w.title)),
        Paragraph(
            f"{markup(shorten(q.title, NAME_MAX))}, {markup(shorten(v.round.name, NAME_MAX))}",
            s.subtitle,
        ),
        Paragraph(markup(shorten(v.partnership.name, NAME_MAX)), s.body_muted),
        Spacer(1, 8 * mm),
        details_table(rows),
        Spacer(1, 7 * mm),
        notice(headline_markup(v), ACCENT_COLOUR),
        Spacer(1, 6 * mm),
        Paragraph(
            "<b>Reading this report.</b> The participants rated each statement on their own "
            "first; the room then discussed them and recorded an agreed rating, or that it "
            "did not agree and the positions held. Scores run from 1 to 5 and are shown to "
            "one decimal. No participant is named: who took part is given as counts by "
            f"sector and partner type, and no figure from fewer than {MIN_GROUP} "
            "participants is shown. Next come who took part; each section's agreed score "
            "beside the participants' own mean; the split statements and how they were "
            "resolved; every statement's outcome and reasoning; the action plan; and how "
            "every number is worked out.",
            s.body_muted,
        ),
    ]
    flow += unsupported_paragraph(texts_of(v))
    return flow


# --- who took part ---------------------------------------------------------------------------


def _count_table(title: str, rows: Sequence[tuple[str, int]], width: float) -> ReportTable:
    s = styles()
    data: list[list] = [head(title, "Participants")]
    for label, n in rows:
        data.append([Paragraph(label, s.cell), Paragraph(str(n), s.cell_right)])
    if not rows:
        data.append([Paragraph(muted("<i>none yet</i>", 8), s.cell), ""])
    table = ReportTable(data, colWidths=[width - 24 * mm, 24 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([*PAD, *HEAD_ROW, ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE)]))
    return table


def taking_part_part(v: WorkshopView) -> list[Flowable]:
    s = styles()
    t = v.taking_part
    half = (FRAME_WIDTH - 8 * mm) / 2
    sectors = _count_table("Sector", [(x.label, n) for x, n in t.by_sector.items()], half)
    types = _count_table("Partner type", [(x.label, n) for x, n in t.by_partner_type.items()], half)
    side = ReportTable([[sectors, types]], colWidths=[half + 8 * mm, half], hAlign="LEFT")
    side.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    sentence = (
        f"{plural(t.expected, 'participant')} joined the workshop; "
        f"{t.answered} handed back their answers and are counted here"
    )
    if t.still_answering:
        sentence += f"; {t.still_answering} {'was' if t.still_answering == 1 else 'were'} "
        sentence += "still answering and are not counted"
    sentence += "."
    flow: list[Flowable] = [
        bookmarked(Paragraph("<b>Who took part</b>", s.h1), "Who took part", "taking-part"),
        Paragraph(sentence, s.body),
        Paragraph(
            "Participants are counted by sector and partner type only; each person's view "
            "counts once, so two people from one organisation count twice. No name, "
            "organisation or individual rating is shown in this report.",
            s.body_muted,
        ),
        Spacer(1, 2 * mm),
        side,
        Spacer(1, 4 * mm),
        Paragraph("<b>The room's outcomes</b>", s.h2),
        Paragraph(_outcomes_sentence(v), s.body),
    ]
    if v.notes:
        flow.append(Paragraph("<b>About these figures</b>", s.h2))
        flow += [Paragraph(markup(n), s.bullet, bulletText="•") for n in v.notes]
    return flow


def _outcomes_sentence(v: WorkshopView) -> str:
    total = len(v.statements)
    none = total - v.agreed_count - v.not_agreed_count
    text = (
        f"Of {plural(total, 'statement')}, the room agreed {v.agreed_count} and did not "
        f"agree {v.not_agreed_count}"
    )
    if none:
        text += f"; {none} {'has' if none == 1 else 'have'} no outcome recorded"
    text += "."
    if v.too_few:
        text += (
            f" Fewer than {MIN_GROUP} participants handed back, so no statement's spread of "
            "ratings is shown or marked split."
        )
    else:
        split = len(v.split_items)
        text += (
            f" The participants' own ratings were split on {plural(split, 'statement')}"
            " (agreement below 0.6)."
        )
    if v.actions:
        text += f" {plural(len(v.actions), 'action')} {'was' if len(v.actions) == 1 else 'were'}"
        text += " recorded."
    return text


# --- sections --------------------------------------------------------------------------------


def _agreed_cell(section: SectionOutcome, bands: Sequence[Band]) -> Paragraph:
    s = styles()
    value = section.agreed.mean
    if value is None:
        return Paragraph("<i>Not enough agreed ratings</i>", _style(s.cell, "ws_na", fontSize=7.5))
    band = band_of(value, bands)
    return Paragraph(
        f"<b>{score_text(value)}</b> {markup(band.name) if band else ''}", s.cell_centre
    )


def _participants_cell(section: SectionOutcome) -> Paragraph:
    s = styles()
    if section.participants_mean is None:
        n = section.participants_n
        why = "no participant has a score" if n == 0 else f"fewer than {MIN_GROUP} have a score"
        return Paragraph(f"<i>Not shown: {why}</i>", _style(s.cell, "ws_pn", fontSize=7.5))
    text = f"<b>{score_text(section.participants_mean)}</b> " + muted(
        f"(n={section.participants_n})", 7
    )
    if section.split:
        text += "<br/><b>split</b>"
    return Paragraph(text, s.cell_centre)


def sections_table(v: WorkshopView) -> ReportTable:
    """Each section: the agreed score (band colour) beside the participants' mean."""
    s = styles()
    bands = v.questionnaire.bands
    rows: list[list] = [
        head("No.", "Section", "Agreed score", "Participants' mean", "Agreed − mean")
    ]
    commands: list = [*PAD, *HEAD_ROW, ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE)]
    for i, section in enumerate(v.sections, start=1):
        rows.append(
            [
                Paragraph(str(section.number), s.cell),
                Paragraph(markup(shorten(section.section.title, 140)), s.cell),
                _agreed_cell(section, bands),
                _participants_cell(section),
                Paragraph(
                    signed(section.difference) if section.difference is not None else "–",
                    s.cell_right,
                ),
            ]
        )
        band = band_of(section.agreed.mean, bands)
        fill = band_fill(band, bands) if band is not None else NEUTRAL_FILL
        commands += [
            ("BACKGROUND", (2, i), (2, i), fill),
            ("TEXTCOLOR", (2, i), (2, i), BAND_TEXT),
        ]
    agreed = v.agreed_score.mean
    overall_participants = (
        f"<b>{score_text(v.participants_overall)}</b> "
        + muted(f"(n={v.participants_overall_n})", 7)
        if v.participants_overall is not None
        else "<i>Not shown</i>"
    )
    difference = (
        signed(agreed - v.participants_overall)
        if agreed is not None and v.participants_overall is not None
        else "–"
    )
    band = band_of(agreed, bands)
    rows.append(
        [
            "",
            Paragraph("<b>Overall</b> (the plain mean of the scored sections)", s.cell),
            Paragraph(
                f"<b>{score_text(agreed)}</b> {markup(band.name) if band else ''}", s.cell_centre
            ),
            Paragraph(overall_participants, s.cell_centre),
            Paragraph(difference, s.cell_right),
        ]
    )
    last = len(rows) - 1
    commands += [
        ("LINEABOVE", (0, last), (-1, last), 0.8, MUTED),
        ("BACKGROUND", (2, last), (2, last), band_fill(band, bands) if band else NEUTRAL_FILL),
    ]
    widths = [10 * mm, 0, 34 * mm, 34 * mm, 22 * mm]
    widths[1] = FRAME_WIDTH - sum(widths)
    table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def sections_part(v: WorkshopView) -> list[Flowable]:
    s = styles()
    flow: list[Flowable] = [
        bookmarked(
            Paragraph("<b>Sections: agreed and the participants' own view</b>", s.h1),
            "Sections: agreed and the participants' own view",
            "sections",
        ),
        Paragraph(
            "The agreed score is the section's score worked out from the room's agreed "
            "ratings as if they were one assessment (a statement not agreed counts as "
            "unanswered). The participants' mean is the plain mean of each participant's "
            f"own section score, shown only when at least {MIN_GROUP} participants have one.",
            s.body_muted,
        ),
        Spacer(1, 2 * mm),
        sections_table(v),
    ]
    reasons = [f"Section {x.number}: {x.reason}" for x in v.sections if x.participants_mean is None]
    if reasons and not v.too_few:
        flow.append(Spacer(1, 2 * mm))
        flow += [Paragraph(markup(r), s.bullet, bulletText="•") for r in reasons]
    return flow


# --- split statements ------------------------------------------------------------------------


def _split_meta(v: WorkshopView, row: StatementSpread) -> str:
    section = next((x for x in v.sections if x.section.id == row.section_id), None)
    bits = []
    if section is not None:
        bits.append(f"Section {section.number}: {markup(shorten(section.section.title, 90))}")
    sp = row.spread
    bits.append(f"n {row.n}")
    bits.append(f"mean {score_text(row.mean)}")
    if sp.consensus is not None:
        bits.append(f"agreement {sp.consensus:.2f}")
    if sp.minimum is not None and sp.maximum is not None:
        bits.append(f"ratings {sp.minimum:.0f} to {sp.maximum:.0f}")
    if row.dont_know:
        bits.append(f"{row.dont_know} don't know")
    if row.not_applicable:
        bits.append(f"{row.not_applicable} not applicable")
    if row.item.reverse:
        bits.append("reverse statement (ratings as given)")
    return " · ".join(bits)


def _reasoning_flow(reasoning: str, style: ParagraphStyle) -> list[Flowable]:
    pieces = chunk_text(reasoning, limit=REASONING_PIECE) if reasoning.strip() else []
    return [para(piece, style) for piece in pieces]


def split_block(v: WorkshopView, row: StatementSpread, index: int) -> list[Flowable]:
    s = styles()
    q = v.questionnaire
    outcome = [Paragraph(outcome_markup(q, row.agreed), s.cell)]
    table = ReportTable(
        [[DistributionChart(row), outcome]],
        colWidths=[84 * mm, FRAME_WIDTH - 84 * mm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("LEFTPADDING", (1, 0), (1, 0), 8),
                ("LINEBEFORE", (1, 0), (1, 0), 2.5, ACCENT_COLOUR),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    heading = [
        Paragraph(
            f"<b>{row.number}</b> {markup(row.item.statement)}",
            _style(s.h2, "ws_split_h", keepWithNext=1),
        ),
        Paragraph(_split_meta(v, row), _style(s.body_muted, "ws_meta", keepWithNext=1)),
        table,
    ]
    flow: list[Flowable] = [
        CondPageBreak(60 * mm),
        bookmarked(KeepTogether(heading), row.number, f"split-{index}", 1),
    ]
    reasoning = row.agreed.reasoning if row.agreed is not None else ""
    if reasoning.strip():
        flow.append(Paragraph("<b>Reasoning</b>", _style(s.label, "ws_r", keepWithNext=1)))
        flow += _reasoning_flow(reasoning, s.comment)
    else:
        flow.append(Paragraph(muted("<i>No reasoning recorded.</i>", 8), s.cell))
    flow.append(Spacer(1, 5 * mm))
    return flow


def split_part(v: WorkshopView) -> list[Flowable]:
    s = styles()
    flow: list[Flowable] = [
        bookmarked(
            Paragraph("<b>Split statements and how they were resolved</b>", s.h1),
            "Split statements and how they were resolved",
            "split",
        )
    ]
    if v.too_few:
        flow.append(
            Paragraph(
                f"Fewer than {MIN_GROUP} participants handed back their answers "
                f"({v.taking_part.answered}), so no distribution of their ratings is shown "
                "and no statement is marked split: with so few, a distribution could "
                "identify someone. The room's outcomes are in the next part.",
                s.body,
            )
        )
        return flow
    if not v.split_items:
        flow.append(
            Paragraph(
                "No statement was split: on every statement the participants' own ratings "
                f"broadly agreed (agreement 0.6 or more, or fewer than {MIN_GROUP} ratings).",
                s.body,
            )
        )
        return flow
    flow.append(
        Paragraph(
            f"The participants' own ratings were split (agreement below 0.6) on "
            f"{plural(len(v.split_items), 'statement')}. Each shows the ratings by scale "
            "point, coloured by sector (a sector with fewer than "
            f"{MIN_GROUP} ratings is counted together with others, in grey), and what the "
            "room decided.",
            s.body_muted,
        )
    )
    for index, row in enumerate(v.split_items, start=1):
        flow += split_block(v, row, index)
    return flow


# --- every statement --------------------------------------------------------------------------


def outcomes_table(v: WorkshopView) -> ReportTable:
    """Every statement: the room's ratings, the outcome and the reasoning."""
    s = styles()
    q = v.questionnaire
    small = _style(s.cell, "ws_small", fontSize=7.5, leading=9.5)
    rows: list[list] = [head("No.", "Statement", "Participants", "Outcome", "Reasoning")]
    commands: list = [*PAD, *HEAD_ROW]
    current_section = None
    for row in v.statements:
        if row.section_id != current_section:
            current_section = row.section_id
            section = next(x for x in v.sections if x.section.id == row.section_id)
            r = len(rows)
            rows.append(
                [
                    Paragraph(
                        f"<b>Section {section.number}: "
                        f"{markup(shorten(section.section.title, 140))}</b>",
                        s.cell,
                    ),
                    "",
                    "",
                    "",
                    "",
                ]
            )
            commands += [
                ("SPAN", (0, r), (-1, r)),
                ("BACKGROUND", (0, r), (-1, r), colors.HexColor("#F2F4F7")),
                ("LINEABOVE", (0, r), (-1, r), 0.4, RULE),
                # A section's heading never ends a page without its first statement.
                ("NOSPLIT", (0, r), (-1, r + 1)),
            ]
        reasoning = row.agreed.reasoning if row.agreed is not None else ""
        pieces = chunk_text(reasoning, limit=REASONING_PIECE) if reasoning.strip() else []
        r = len(rows)
        rows.append(
            [
                Paragraph(row.number, small),
                Paragraph(markup(shorten(row.item.statement, STATEMENT_MAX)), small),
                Paragraph(room_markup(row), small),
                Paragraph(outcome_markup(q, row.agreed), small),
                para(pieces[0], small) if pieces else Paragraph(muted("–", 7.5), small),
            ]
        )
        commands.append(("LINEABOVE", (0, r), (-1, r), 0.4, RULE))
        for piece in pieces[1:]:
            rows.append(["", "", "", "", para(piece, small)])
    widths = [9 * mm, 0, 25 * mm, 33 * mm, 52 * mm]
    widths[1] = FRAME_WIDTH - sum(widths)
    table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def outcomes_part(v: WorkshopView) -> list[Flowable]:
    s = styles()
    intro = (
        "Every statement: the participants' own ratings (n, the mean, and whether they "
        "were split; don't know and not applicable counted apart), what the room decided, "
        "and why."
    )
    if v.too_few:
        intro += (
            f" Fewer than {MIN_GROUP} participants handed back, so their ratings are not shown."
        )
    return [
        bookmarked(
            Paragraph("<b>Every statement: outcome and reasoning</b>", s.h1),
            "Every statement: outcome and reasoning",
            "outcomes",
        ),
        Paragraph(intro, s.body_muted),
        Spacer(1, 2 * mm),
        outcomes_table(v),
    ]


# --- the action plan --------------------------------------------------------------------------


def _action_groups(v: WorkshopView) -> list[tuple[str, list[Action]]]:
    """The actions by statement (then section, then the whole workshop), in view order,
    each with its heading (report markup)."""
    q = v.questionnaire
    items = {row.item.id: row for row in v.statements}
    sections = {x.section.id: x for x in v.sections}
    groups: list[tuple[str, list[Action]]] = []
    keys: dict[tuple, int] = {}
    for action in v.actions:
        if action.item_id in items:
            row = items[action.item_id]
            key: tuple = ("item", row.item.id)
            title = f"<b>{row.number}</b> {markup(shorten(row.item.statement, 200))}"
        elif action.section_id in sections:
            section = sections[action.section_id]
            key = ("section", section.section.id)
            title = (
                f"<b>Section {section.number}</b>: {markup(shorten(section.section.title, 200))}"
                " (the section as a whole)"
            )
        else:
            key = ("workshop",)
            title = f"<b>The whole {markup(shorten(q.title, 200))} questionnaire</b>"
        if key not in keys:
            keys[key] = len(groups)
            groups.append((title, []))
        groups[keys[key]][1].append(action)
    return groups


def actions_part(v: WorkshopView, today: date) -> list[Flowable]:
    s = styles()
    flow: list[Flowable] = [
        bookmarked(Paragraph("<b>Action plan</b>", s.h1), "Action plan", "actions"),
    ]
    if not v.actions:
        flow.append(Paragraph("No actions were recorded at this workshop.", s.body))
        return flow
    flow.append(
        Paragraph(
            f"{plural(len(v.actions), 'action')} recorded at the workshop, by the statement "
            "they answer, earliest due first.",
            s.body_muted,
        )
    )
    for title, actions in _action_groups(v):
        flow.append(CondPageBreak(30 * mm))
        flow.append(
            Paragraph(
                title, _style(s.h2, "ws_action_h", fontSize=10.5, leading=13.5, keepWithNext=1)
            )
        )
        # The heading says what the actions answer: no reference under each one.
        plain = [replace(a, questionnaire_id=None, section_id=None, item_id=None) for a in actions]
        flow += actions_table(plain, {}, today)
        flow.append(Spacer(1, 3 * mm))
    return flow


# --- the method -------------------------------------------------------------------------------


WORKSHOP_METHOD = (
    "Only participants who handed back their answers are counted; those still answering "
    "are counted in the notes, never in a figure.",
    "A workshop counts people, not organisations: each participant's view counts once, "
    "so two people from one organisation count twice. The participants' mean is the plain "
    "mean of their own scores, not the system score of Rule 9.",
    f"No distribution, mean or spread from fewer than {MIN_GROUP} ratings is shown (Rule "
    f"14). In a distribution a sector with fewer than {MIN_GROUP} ratings is never shown "
    "on its own: it is counted together with other sectors.",
    "A statement's distribution and mean are of the ratings as given, like the agreed "
    "rating beside them; for a reverse statement the section scores turn them round "
    "(Rule 3).",
    "A statement is split when the participants' agreement (Rule 11) is below 0.6 with at "
    "least 3 ratings (Rule 12).",
    "The agreed section score is worked out from the room's agreed ratings as if they "
    "were one assessment (Rules 4 and 5): a statement not agreed, or agreed as don't know "
    "or not applicable, is not scored.",
)


def method_part() -> list[Flowable]:
    s = styles()
    flow: list[Flowable] = [
        bookmarked(
            Paragraph("<b>How this report counts</b>", s.h1), "How this report counts", "method"
        ),
        Paragraph(
            "The workshop's figures follow the scoring method set out in full below, "
            "with these rules for a workshop:",
            s.body,
        ),
    ]
    flow += [Paragraph(markup(x), s.bullet, bulletText="•") for x in WORKSHOP_METHOD]
    return flow


# --- the whole report -----------------------------------------------------------------------


def workshop_story(v: WorkshopView, produced_on: date) -> list[Flowable]:
    """Every flowable of the report, in order."""
    return [
        RunningHeader(header_parts(v)),
        *one_page(cover(v, produced_on), "Cover", "cover"),
        PageBreak(),
        *taking_part_part(v),
        Spacer(1, 6 * mm),
        CondPageBreak(80 * mm),
        *sections_part(v),
        PageBreak(),
        *split_part(v),
        PageBreak(),
        *outcomes_part(v),
        PageBreak(),
        *actions_part(v, produced_on),
        PageBreak(),
        *method_part(),
        Spacer(1, 8 * mm),
        CondPageBreak(60 * mm),
        *comparison_appendix(),
    ]


def build_workshop_report(view: WorkshopView, *, produced_on: date | None = None) -> BuiltReport:
    """Render the workshop report into PDF bytes."""
    produced_on = produced_on or date.today()
    v = view
    return build_pdf(
        lambda: workshop_story(v, produced_on),
        title=f"{v.workshop.title}: workshop report, {v.round.name}",
        subject=f"Workshop report for {v.partnership.name}",
        keywords=[
            "ICS Assess",
            "workshop",
            v.questionnaire.title,
            v.partnership.name,
            v.round.name,
        ],
        header=header_parts(v),
        footer=f"Produced by ICS Assess on {fmt_date(produced_on)}",
        draft=None,
    )


def write_workshop_report(
    view: WorkshopView, path: Path | str, *, produced_on: date | None = None
) -> tuple[Path, BuiltReport]:
    """Render the workshop report and write it atomically to ``path``; (where, the
    report). Raises ReportError (a StoreError) with a sentence when it cannot be written."""
    return produce(path, lambda: build_workshop_report(view, produced_on=produced_on))


__all__ = ["build_workshop_report", "write_workshop_report"]
