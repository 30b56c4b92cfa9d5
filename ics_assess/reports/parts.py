"""Pieces of report that the assessment and organisation reports share: the cover's
details, score lines and tables, the statements of a section, the lists of strongest,
weakest and furthest-from-target statements, and the actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    TableStyle,
)

from ..domain import Action, ActionStatus, Answer, Band, Questionnaire, Section, Unrated
from ..labels import REVERSE_NOTE
from ..scoring import QuestionnaireScore, SectionScore, position_in_band, scored_value
from .analysis import TIE_RULE, RatedStatement, TargetGap, shared_scores, statement_numbers
from .charts import BandScale, RadarChart
from .document import (
    BAND_TEXT,
    FRAME_WIDTH,
    MUTED,
    NEUTRAL_FILL,
    RULE,
    SHADE,
    ReportTable,
    band_fill,
    bookmarked,
    chunk_text,
    fmt_date,
    fmt_percent,
    fmt_score,
    para,
    plural,
    styles,
)
from .text import markup
from .where import ACTION_PLAN, WORKSHOP_REPORT

PAD = [
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
]
HEAD_ROW = [
    ("LINEBELOW", (0, 0), (-1, 0), 0.8, MUTED),
    ("BOTTOMPADDING", (0, 0), (-1, 0), 3),
]
MUTED_HEX = "#57606A"

STATUS_LABELS = {
    ActionStatus.OPEN: "Open",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done",
    ActionStatus.DROPPED: "Dropped",
}


def muted(text_markup: str, size: float = 7.5) -> str:
    """Report markup for small grey words (``text_markup`` is already safe)."""
    return f'<font size="{size}" color="{MUTED_HEX}">{text_markup}</font>'


def ruled_table(rows: list[list], widths: Sequence[float], extra: Sequence = ()) -> ReportTable:
    """A table with a heading row (repeated on each page) and a thin rule above every
    other row; ``extra`` adds style commands (spans)."""
    commands: list = [*PAD, *HEAD_ROW, *extra]
    for n in range(1, len(rows)):
        commands.append(("LINEABOVE", (0, n), (-1, n), 0.4, RULE))
    table = ReportTable(rows, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def fill_widths(*fixed: float) -> list[float]:
    """Column widths across the frame: the first column takes what the others leave."""
    return [FRAME_WIDTH - sum(fixed), *fixed]


def head(*labels: str) -> list[Paragraph]:
    """A table's header row (the report's own words)."""
    return [Paragraph(label, styles().cell_head) for label in labels]


def weight_text(value: float) -> str:
    """A weight for print: 1, 1.5, 2."""
    return f"{value:g}"


# --- details and score lines --------------------------------------------------------------


def details_table(rows: Sequence[tuple[str, str | Flowable]]) -> ReportTable:
    """Label / value pairs, the labels in the report's words, the values user text."""
    s = styles()
    data = [
        [Paragraph(label, s.label), value if isinstance(value, Flowable) else para(value, s.body)]
        for label, value in rows
    ]
    table = ReportTable(data, colWidths=[44 * mm, FRAME_WIDTH - 44 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [*PAD, ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE), ("TOPPADDING", (0, 0), (-1, -1), 4)]
        )
    )
    return table


def band_chip(band: Band | None, bands: Sequence[Band], *, width: float = 30 * mm) -> ReportTable:
    """The band's name on its colour (the name always printed, never colour alone)."""
    s = styles()
    text = f"<b>{markup(band.name)}</b>" if band else "<i>No band</i>"
    chip = ReportTable([[Paragraph(text, s.cell_centre)]], colWidths=[width], hAlign="LEFT")
    chip.setStyle(
        TableStyle(
            [
                *PAD,
                ("BACKGROUND", (0, 0), (-1, -1), band_fill(band, bands) if band else NEUTRAL_FILL),
                ("TEXTCOLOR", (0, 0), (-1, -1), BAND_TEXT),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return chip


def overall_sentence(score: QuestionnaireScore) -> str:
    """The overall result in words (report markup)."""
    if score.mean is None or score.band is None:
        return "<b>Not enough answers for an overall score.</b>"
    return (
        f"<b>{fmt_score(score.mean)}</b> of 5 · <b>{fmt_percent(score.percent)}</b> · "
        f"<b>{markup(score.band.name)}</b>" + provisional_words(score)
    )


def provisional_words(score: QuestionnaireScore) -> str:
    """The words after a headline resting on fewer than all the sections, such as
    " · <b>provisional</b>, based on 3 of 6 sections"; "" otherwise (report markup)."""
    return f" · <b>provisional</b>, {score.basis}" if score.provisional else ""


def band_descriptor(band: Band | None) -> list[Flowable]:
    """What the band looks like for its questionnaire, as its file says, under the
    headline with the band chip; nothing when the file gives no descriptors (the
    defaults, and 1.0 files)."""
    if band is None or not band.descriptor:
        return []
    s = styles()
    return [
        Paragraph(f"<b>What {markup(band.name)} looks like:</b> {markup(band.descriptor)}", s.body),
    ]


def band_position_sentence(pct: float, band: Band, bands: Sequence[Band]) -> str:
    """Where a percent sits inside its band, in words (report markup)."""
    index = list(bands).index(band) if band in bands else 0
    lower = bands[index - 1].below if index > 0 and bands[index - 1].below is not None else 0.0
    upper = band.below if band.below is not None else 100.0
    through = position_in_band(pct, bands)
    return (
        f"{markup(band.name)} runs from {lower:g}% to {upper:g}%; this score is "
        f"<b>{through * 100:.0f}%</b> of the way through the band."
    )


LEFT_COLUMN = 62 * mm


def headline(
    score: QuestionnaireScore,
    questionnaire: Questionnaire,
    answered: int,
    chart: Flowable,
) -> ReportTable:
    """The headline: score, percent and band and where it sits in its band on the left,
    ``chart`` (the radar) on the right; under both, what was answered and scored and
    what the band looks like."""
    s = styles()
    q = questionnaire
    total = len(q.items)
    reported = len(q.sections) - len(score.unreported)
    coverage = (
        f"{answered} of {plural(total, 'statement')} answered; {reported} of "
        f"{plural(len(q.sections), 'section')} scored."
    )
    if score.unreported:
        names = "; ".join(markup(u.title) for u in score.unreported)
        coverage += f" Not scored, for want of answers: {names}."
    # What was answered and scored, and what the band looks like, run across the page
    # under the score and the chart: in the narrow left column they ran to many lines and
    # pushed the summary's statements on to a page of their own.
    below: list[Flowable] = [Paragraph(coverage, s.body_muted)]
    if score.mean is not None:
        below += band_descriptor(score.band)
    scale_width = LEFT_COLUMN - 6 * mm
    if score.mean is None or score.band is None or score.percent is None:
        left: list[Flowable] = [
            Paragraph("Overall score", s.label),
            Paragraph("<b>None yet</b>", s.h1),
            Paragraph("No section has enough answers to be scored.", s.body),
            BandScale(None, q.bands, width=scale_width),
        ]
    else:
        left = [
            Paragraph(
                "Overall score (provisional)" if score.provisional else "Overall score", s.label
            ),
            Paragraph(
                f'<b>{fmt_score(score.mean)}</b><font size="11" color="{MUTED_HEX}"> of 5</font>',
                s.big_number,
            ),
            *(
                [Paragraph(f"<b>Provisional: {score.basis}.</b>", s.body)]
                if score.provisional
                else []
            ),
            Paragraph(f"<b>{fmt_percent(score.percent)}</b> of the scale", s.body),
            band_chip(score.band, q.bands, width=40 * mm),
            Spacer(1, 2 * mm),
            BandScale(score.percent, q.bands, width=scale_width),
            Paragraph(band_position_sentence(score.percent, score.band, q.bands), s.body_muted),
        ]
    rows: list[list] = [[left, chart], [below, ""]]
    commands: list = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("SPAN", (0, 1), (1, 1)),
        ("TOPPADDING", (0, 1), (1, 1), 4),
    ]
    table = ReportTable(rows, colWidths=[LEFT_COLUMN, FRAME_WIDTH - LEFT_COLUMN])
    table.setStyle(TableStyle(commands))
    table.hAlign = "LEFT"
    return table


def radar(
    questionnaire: Questionnaire,
    score: QuestionnaireScore,
    target: QuestionnaireScore | None,
    *,
    width: float = FRAME_WIDTH - LEFT_COLUMN,
) -> Flowable:
    """The radar of section scores (a note instead when there are too few sections)."""
    q = questionnaire
    if len(q.sections) < 3:
        return Paragraph(
            "A radar chart needs at least three sections; the table below gives each "
            "section's score.",
            styles().body_muted,
        )
    values = [score.section(s.id).percent for s in q.sections]
    targets = None
    if target is not None and any(t.percent is not None for t in target.sections):
        targets = [target.section(s.id).percent for s in q.sections]
    return RadarChart([s.title for s in q.sections], values, q.bands, targets=targets, width=width)


def section_scores_table(
    questionnaire: Questionnaire,
    score: QuestionnaireScore,
    target: QuestionnaireScore | None = None,
) -> ReportTable:
    """Each section's score, percent and band, the band cell in the band's colour."""
    s = styles()
    q = questionnaire
    show_target = target is not None
    rows: list[list] = [
        head("No.", "Section", "Score", "Percent", "Band", "Rated")
        + (head("Target") if show_target else [])
    ]
    commands: list = [*PAD, *HEAD_ROW]
    for n, section in enumerate(q.sections, start=1):
        sc = score.section(section.id)
        rated = f"{sc.rated} of {len(section.items)}"
        row: list = [Paragraph(str(n), s.cell), para(section.title, s.cell)]
        r = len(rows)
        if sc.reported and sc.band is not None:
            row += [
                Paragraph(f"<b>{fmt_score(sc.mean)}</b>", s.cell_right),
                Paragraph(fmt_percent(sc.percent), s.cell_right),
                Paragraph(f"<b>{markup(sc.band.name)}</b>", s.cell_centre),
            ]
            commands.append(("BACKGROUND", (4, r), (4, r), band_fill(sc.band, q.bands)))
        else:
            row += [Paragraph("<i>Not enough answers</i>", s.cell_centre), "", ""]
            commands.append(("SPAN", (2, r), (4, r)))
            commands.append(("BACKGROUND", (2, r), (4, r), NEUTRAL_FILL))
        row.append(Paragraph(rated, s.cell_right))
        if show_target and target is not None:
            ts = target.section(section.id)
            row.append(Paragraph(fmt_score(ts.mean), s.cell_right))
        rows.append(row)
        commands.append(("LINEBELOW", (0, r), (-1, r), 0.4, RULE))
    widths = [10 * mm, 0, 16 * mm, 16 * mm, 26 * mm, 16 * mm] + ([16 * mm] if show_target else [])
    widths[1] = FRAME_WIDTH - sum(widths)
    table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands.append(("VALIGN", (2, 1), (-1, -1), "MIDDLE"))
    table.setStyle(TableStyle(commands))
    return table


# --- statement lists ------------------------------------------------------------------------


def _statement_cell(
    statement: RatedStatement,
    note: str = "",
    *,
    with_questionnaire: bool = False,
    respondents: Mapping[int, str] | None = None,
) -> list[Flowable]:
    """The statement, and under it (muted) its questionnaire and section when the list
    spans questionnaires, the respondent too when ``respondents`` names the response it
    comes from (by its questionnaire index), and ``note``."""
    s = styles()
    cell: list[Flowable] = [para(statement.item.statement, s.cell)]
    extra = []
    if with_questionnaire:
        where = markup(statement.questionnaire.title)
        who = (respondents or {}).get(statement.order[0])
        if who:
            where += f" ({markup(who)})"
        extra.append(f"{where} · {markup(statement.section.title)}")
    if note:
        extra.append(f"<i>{note}</i>")
    if extra:
        cell.append(Paragraph(muted("<br/>".join(extra)), s.cell))
    return cell


def strongest_weakest_table(
    strongest: Sequence[RatedStatement],
    weakest: Sequence[RatedStatement],
    *,
    with_questionnaire: bool = False,
    rated: Sequence[RatedStatement] = (),
    respondents: Mapping[int, str] | None = None,
) -> Flowable:
    """The strongest and weakest statements by score, with reverse statements marked.
    Numbers such as 2.3 are section 2, statement 3. Under the table, how ties are broken
    and, from ``rated`` (every rated statement the lists were chosen from), how many
    statements share a score the lists were cut at. ``respondents`` names the response
    of each questionnaire index that needs it (one questionnaire answered twice)."""
    s = styles()
    if not strongest and not weakest:
        if rated:
            return Paragraph(
                f"No statement stands out: all {len(rated)} rated statements share the "
                f"score {rated[0].value}.",
                s.body_muted,
            )
        return Paragraph("No statement stands out: there are no ratings yet.", s.body_muted)
    rows: list[list] = [head("", "No.", "Statement", "Score")]
    commands: list = [*PAD, *HEAD_ROW]
    for title, group in (("Strongest", strongest), ("Weakest", weakest)):
        if not group:
            continue
        first = len(rows)
        for st in group:
            note = ""
            if st.item.reverse:
                note = f"reverse-scored: rated {st.rating}, which scores {st.value}"
            rows.append(
                [
                    Paragraph(f"<b>{title}</b>", s.cell) if len(rows) == first else "",
                    Paragraph(st.number, s.cell),
                    _statement_cell(
                        st, note, with_questionnaire=with_questionnaire, respondents=respondents
                    ),
                    Paragraph(f"<b>{st.value}</b>", s.cell_right),
                ]
            )
            commands.append(("LINEBELOW", (1, len(rows) - 1), (-1, len(rows) - 1), 0.4, RULE))
        last = len(rows) - 1
        commands += [
            ("SPAN", (0, first), (0, last)),
            ("BACKGROUND", (0, first), (0, last), SHADE),
            ("LINEBELOW", (0, last), (-1, last), 0.8, RULE),
        ]
    # Under the lists, in a row of its own: how ties are broken, and how many share a
    # score that a list was cut at.
    rule = TIE_RULE
    if with_questionnaire:
        rule = rule[:-1] + " (questionnaires in the order above)."
    shared = " ".join(t.sentence for t in shared_scores(rated, strongest, weakest))
    note = muted(f"<i>{rule}</i>" + (f" {shared}" if shared else ""), 8)
    rows.append([Paragraph(note, s.cell), "", "", ""])
    commands += [("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1))]
    widths = [20 * mm, 10 * mm, 0, 13 * mm]
    widths[2] = FRAME_WIDTH - sum(widths)
    table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


def gaps_table(
    gaps: Sequence[TargetGap],
    *,
    with_questionnaire: bool = False,
    respondents: Mapping[int, str] | None = None,
) -> Flowable:
    """The statements furthest below their targets, on the scored scale (``respondents``
    as for strongest_weakest_table)."""
    s = styles()
    if not gaps:
        return Paragraph(
            "No statement has a target above its current rating.",
            s.body_muted,
        )
    rows: list[list] = [head("No.", "Statement", "Now", "Target", "Gap")]
    commands: list = [*PAD, *HEAD_ROW]
    for g in gaps:
        st = g.statement
        note = ""
        if st.item.reverse:
            note = f"reverse-scored: rated {st.rating}, target {g.target}; shown as they score"
        rows.append(
            [
                Paragraph(st.number, s.cell),
                _statement_cell(
                    st, note, with_questionnaire=with_questionnaire, respondents=respondents
                ),
                Paragraph(str(st.value), s.cell_right),
                Paragraph(str(g.target_value), s.cell_right),
                Paragraph(f"<b>+{g.gap}</b>", s.cell_right),
            ]
        )
        commands.append(("LINEBELOW", (0, len(rows) - 1), (-1, len(rows) - 1), 0.4, RULE))
    widths = [10 * mm, 0, 12 * mm, 13 * mm, 12 * mm]
    widths[1] = FRAME_WIDTH - sum(widths)
    table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle(commands))
    return table


# --- the statements of a section ------------------------------------------------------------


def _scale_text(questionnaire: Questionnaire, value: int) -> str:
    try:
        label = questionnaire.scale_label(value)
    except KeyError:
        label = ""
    return f"<b>{value}</b> {markup(label)}".rstrip()


def _rating_cell(questionnaire: Questionnaire, item, answer: Answer | None) -> Paragraph:
    s = styles()
    if answer is not None and answer.rating is not None:
        text = _scale_text(questionnaire, answer.rating)
        if item.reverse:
            text += "<br/>" + muted(f"scores {scored_value(item, answer.rating)} (reverse)")
        return Paragraph(text, s.cell)
    if answer is not None and answer.unrated is not None:
        return Paragraph(f"<i>{Unrated(answer.unrated).label}</i>", s.cell)
    return Paragraph(muted("<i>Not answered</i>", 8.5), s.cell)


def _target_cell(questionnaire: Questionnaire, item, answer: Answer | None) -> Paragraph:
    s = styles()
    if answer is None or answer.target is None:
        return Paragraph(muted("–", 8.5), s.cell)
    text = _scale_text(questionnaire, answer.target)
    if item.reverse:
        text += "<br/>" + muted(f"scores {scored_value(item, answer.target)} (reverse)")
    return Paragraph(text, s.cell)


def section_result(section: Section, sc: SectionScore, bands: Sequence[Band]) -> ReportTable:
    """A section's score line, or why it has none, with its answer counts."""
    s = styles()
    # Each count keeps its words on one line ("6 not answered", never "6 not" above
    # "answered"): the line breaks only between counts.
    counts = " · ".join(
        f"{n}&nbsp;{words.replace(' ', '&nbsp;')}"
        for n, words in (
            (sc.rated, "rated"),
            (sc.dont_know, "don't know"),
            (sc.not_applicable, "not applicable"),
            (sc.unanswered, "not answered"),
        )
    )
    if sc.reported and sc.band is not None:
        cells = [
            Paragraph(
                f"Score <b>{fmt_score(sc.mean)}</b> of 5 · <b>{fmt_percent(sc.percent)}</b>",
                s.body,
            ),
            Paragraph(f"<b>{markup(sc.band.name)}</b>", s.cell_centre),
            Paragraph(counts, s.cell_small),
        ]
        fill = band_fill(sc.band, bands)
    else:
        cells = [
            Paragraph("<b>Not enough answers</b> for a score", s.body),
            Paragraph("<i>No band</i>", s.cell_centre),
            Paragraph(counts, s.cell_small),
        ]
        fill = NEUTRAL_FILL
    table = ReportTable([cells], colWidths=[64 * mm, 30 * mm, FRAME_WIDTH - 94 * mm], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                *PAD,
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("BACKGROUND", (1, 0), (1, 0), fill),
                ("LEFTPADDING", (0, 0), (0, 0), 0),
                ("LEFTPADDING", (2, 0), (2, 0), 8),
                ("BOTTOMPADDING", (0, 0), (0, 0), 0),
            ]
        )
    )
    extra: list[Flowable] = [table]
    if not sc.reported:
        extra.append(
            Paragraph(
                f"The rated statements carry {weight_text(sc.answered_weight)} of the section's "
                f"weight of {weight_text(sc.total_weight)}; a score needs at least half. "
                "Don't know and not applicable are shown but never scored.",
                s.body_muted,
            )
        )
    return KeepTogether(extra)


TABLE_PIECES = 16
"""A long comment or description sits in its table as at most this many pieces (about
11,000 characters, more than the store allows since issue 8); the rest follows in
one-row tables laid out the same way. reportlab re-reads a whole table at every page
it splits, so one table of thousands of rows takes time that grows with the square of
its length; one-row tables take time in step with the text."""


def continuation(
    pieces: Sequence[str | list[Flowable]],
    widths: Sequence[float],
    style,
    *,
    shade: bool,
    last: Flowable | None,
) -> list[Flowable]:
    """The pieces of a long text past the first TABLE_PIECES (each a text, or a cell
    already made), each in a one-row table of ``widths`` (text in the last column), flush
    one under the next so that they read as one block with the rows above; ``last`` goes
    under the last piece."""
    out: list[Flowable] = []
    for i, piece in enumerate(pieces):
        cell: list[Flowable] = list(piece) if isinstance(piece, list) else [para(piece, style)]
        if last is not None and i == len(pieces) - 1:
            cell.append(last)
        row = [""] * (len(widths) - 1) + [cell]
        table = ReportTable([row], colWidths=list(widths), hAlign="LEFT")
        commands: list = [
            *PAD,
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3 if i == len(pieces) - 1 else 0),
        ]
        if shade:
            commands.append(("BACKGROUND", (-1, 0), (-1, 0), SHADE))
        table.setStyle(TableStyle(commands))
        out.append(table)
    return out


def statements_table(
    questionnaire: Questionnaire, section: Section, answers: Mapping[str, Answer]
) -> list[Flowable]:
    """Every statement of a section with its rating, target, comment and evidence, as a
    table. The comment and the evidence reference sit under the statement in rows of
    their own, cut into pieces, so that the table splits between pages anywhere and no
    row is ever taller than a page; texts of more than TABLE_PIECES pieces end the table,
    their remaining pieces follow in tables of one row (see continuation) and a new
    table, with its header, takes the next statements."""
    s = styles()
    numbers = statement_numbers(questionnaire)
    widths = [11 * mm, 0, 32 * mm, 30 * mm]
    widths[1] = FRAME_WIDTH - sum(widths)
    out: list[Flowable] = []
    rows: list[list] = []
    commands: list = []

    def new_table() -> None:
        rows[:] = [head("No.", "Statement", "Rating", "Target")]
        commands[:] = [*PAD, *HEAD_ROW]

    def end_table() -> None:
        if len(rows) > 1:
            table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
            table.setStyle(TableStyle(commands))
            out.append(table)

    new_table()
    for item in section.items:
        answer = answers.get(item.id)
        notes = []
        if item.reverse:
            notes.append(f"{REVERSE_NOTE.lower()} (a rating r counts as 6&nbsp;−&nbsp;r)")
        if item.weight != 1:
            notes.append(f"weight {weight_text(item.weight)}")
        statement: list[Flowable] = [para(item.statement, s.cell)]
        if notes:
            statement.append(Paragraph(muted("<i>" + "; ".join(notes) + "</i>"), s.cell))
        r = len(rows)
        rows.append(
            [
                Paragraph(numbers[item.id], s.cell),
                statement,
                _rating_cell(questionnaire, item, answer),
                _target_cell(questionnaire, item, answer),
            ]
        )
        commands.append(("LINEABOVE", (0, r), (-1, r), 0.4, RULE))
        pieces = _answer_texts(answer, s.comment)
        in_table, rest = pieces[:TABLE_PIECES], pieces[TABLE_PIECES:]
        for i, cell in enumerate(in_table):
            c = len(rows)
            rows.append(["", cell, "", ""])
            # The pieces of the texts sit flush, so they read as one block.
            if i == 0:
                # A comment never starts a page without its statement above it; nor
                # does the evidence, when the two are short (a piece each): the
                # statement, its comment and its evidence then keep to one page.
                last = c + len(in_table) - 1 if len(in_table) <= 2 else c
                commands.append(("NOSPLIT", (0, r), (-1, last)))
            commands += [
                ("SPAN", (1, c), (3, c)),
                ("BACKGROUND", (1, c), (3, c), SHADE),
                ("TOPPADDING", (0, c), (-1, c), 2.5 if i == 0 else 0),
                ("BOTTOMPADDING", (0, c), (-1, c), 3 if i == len(pieces) - 1 else 0),
            ]
        if rest:
            end_table()
            out += continuation(rest, [widths[0], FRAME_WIDTH - widths[0]], s.comment,
                                shade=True, last=None)  # fmt: skip
            new_table()
    end_table()
    return out


def _answer_texts(answer: Answer | None, style) -> list[list[Flowable]]:
    """The cells of an answer's comment and then its evidence reference, each text cut
    into pieces (chunk_text) and named, muted, above its first piece."""
    cells: list[list[Flowable]] = []
    if answer is None:
        return cells
    for name, text in (("Comment", answer.comment), ("Evidence", answer.evidence)):
        if not text.strip():
            continue
        for i, piece in enumerate(chunk_text(text)):
            cell: list[Flowable] = [para(piece, style)]
            if i == 0:
                cell.insert(0, Paragraph(muted(f"<i>{name}</i>", 7.5), style))
            cells.append(cell)
    return cells


def section_part(
    number: int,
    section: Section,
    questionnaire: Questionnaire,
    score: QuestionnaireScore,
    answers: Mapping[str, Answer],
    *,
    key: str,
    level: int,
) -> list[Flowable]:
    """One section: heading (bookmarked), description, result and statements."""
    s = styles()
    sc = score.section(section.id)
    title = f"{number}. {section.title}"
    heading = bookmarked(
        Paragraph(f"<b>{number}.</b> {markup(section.title)}", s.h1), title, key, level
    )
    flow: list[Flowable] = [CondPageBreak(60 * mm), heading]
    if section.description.strip():
        flow.append(Paragraph(f"<i>{markup(section.description)}</i>", s.body_muted))
    flow.append(section_result(section, sc, questionnaire.bands))
    flow.append(Spacer(1, 4))
    flow += statements_table(questionnaire, section, answers)
    flow.append(Spacer(1, 10))
    return flow


# --- actions ----------------------------------------------------------------------------------


def _action_reference(action: Action, questionnaires: Mapping[str, Questionnaire]) -> str:
    """What an action is about, in words (report markup), or ""."""
    q = questionnaires.get(action.questionnaire_id or "")
    bits: list[str] = []
    if q is not None:
        bits.append(markup(q.title))
        numbers = statement_numbers(q)
        for n, section in enumerate(q.sections, start=1):
            if section.id == action.section_id:
                bits.append(f"section {n}, {markup(section.title)}")
        if action.item_id in numbers:
            bits.append(f"statement {numbers[action.item_id]}")
    elif action.questionnaire_id:
        bits.append(markup(action.questionnaire_id))
    return " · ".join(bits)


def _overdue(action: Action, today: date) -> bool:
    if action.status not in (ActionStatus.OPEN, ActionStatus.IN_PROGRESS) or not action.due_on:
        return False
    try:
        return date.fromisoformat(action.due_on[:10]) < today
    except ValueError:
        return False


def actions_table(
    actions: Sequence[Action], questionnaires: Mapping[str, Questionnaire], today: date
) -> list[Flowable]:
    """Actions with owner, due date and status, as a table; long descriptions continue in
    rows of their own (past TABLE_PIECES pieces, in tables of one row: see
    statements_table)."""
    s = styles()
    widths = [0, 44 * mm, 24 * mm, 22 * mm]
    widths[0] = FRAME_WIDTH - sum(widths)
    out: list[Flowable] = []
    rows: list[list] = []
    commands: list = []

    def new_table() -> None:
        rows[:] = [head("Action", "Owner", "Due", "Status")]
        commands[:] = [*PAD, *HEAD_ROW]

    def end_table() -> None:
        if len(rows) > 1:
            table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
            table.setStyle(TableStyle(commands))
            out.append(table)

    new_table()
    for action in actions:
        pieces = chunk_text(action.description, limit=500) or [""]
        in_table, rest = pieces[:TABLE_PIECES], pieces[TABLE_PIECES:]
        reference = _action_reference(action, questionnaires)
        reference_para = Paragraph(muted(reference), s.cell) if reference else None
        due = markup(fmt_date(action.due_on) or "–")
        if _overdue(action, today):
            due += "<br/>" + muted("<i>overdue</i>")
        status = STATUS_LABELS.get(action.status, str(action.status))
        for i, piece in enumerate(in_table):
            cell: list[Flowable] = [para(piece, s.cell)]
            if reference_para is not None and not rest and i == len(in_table) - 1:
                cell.append(reference_para)
            r = len(rows)
            if i == 0:
                rows.append(
                    [
                        cell,
                        para(action.owner or "–", s.cell),
                        Paragraph(due, s.cell),
                        Paragraph(f"<b>{status}</b>", s.cell),
                    ]
                )
                commands.append(("LINEABOVE", (0, r), (-1, r), 0.4, RULE))
            else:
                rows.append([cell, "", "", ""])
                commands.append(("SPAN", (0, r), (-1, r)))
        if rest:
            end_table()
            out += continuation(rest, [FRAME_WIDTH], s.cell, shade=False, last=reference_para)
            new_table()
    end_table()
    return out


def actions_part(
    actions: Sequence[Action],
    questionnaires: Mapping[str, Questionnaire],
    *,
    organisation_name: str,
    round_name: str,
    today: date,
    key: str = "actions",
) -> list[Flowable]:
    """The actions recorded for an organisation in a round."""
    s = styles()
    flow: list[Flowable] = [
        bookmarked(Paragraph("<b>Actions</b>", s.h1), "Actions", key),
    ]
    if not actions:
        flow.append(
            Paragraph(
                f"No improvement actions have been recorded for {markup(organisation_name)} "
                f"in {markup(round_name)}.",
                s.body,
            )
        )
    else:
        counts = dict.fromkeys(ActionStatus, 0)
        for action in actions:
            counts[action.status] += 1
        summary = ", ".join(
            f"{n} {STATUS_LABELS[status].lower()}" for status, n in counts.items() if n
        )
        flow.append(
            Paragraph(
                f"{plural(len(actions), 'improvement action')} recorded for "
                f"{markup(organisation_name)} in {markup(round_name)} ({summary}), "
                "earliest due first.",
                s.body,
            )
        )
        flow += actions_table(actions, questionnaires, today)
    flow.append(Spacer(1, 6))
    flow.append(
        Paragraph(
            "Actions recorded for the whole partnership or for a workshop are in "
            f"{markup(ACTION_PLAN.words)}; a workshop's are also in "
            f"{markup(WORKSHOP_REPORT.words)}.",
            s.body_muted,
        )
    )
    return flow


def notice(text_markup: str, colour: colors.Color) -> ReportTable:
    """A boxed note with a coloured rule on its left (``text_markup`` is safe markup)."""
    s = styles()
    box = ReportTable([[Paragraph(text_markup, s.notice)]], colWidths=[FRAME_WIDTH], hAlign="LEFT")
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("LINEBEFORE", (0, 0), (0, -1), 3, colour),
                ("LEFTPADDING", (0, 0), (-1, -1), 9),
                ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
            ]
        )
    )
    return box
