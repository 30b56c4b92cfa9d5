"""The review pack (issue 11): one PDF a board or a council cabinet can decide on, for a
partnership between two of its rounds.

In order: the cover with the review at a glance; per questionnaire, what changed (the
system, each sector and each organisation, the gaps between sectors that narrowed or
widened, the statements that moved most); the actions agreed in the earlier round and
what became of each; the profile's facts then and now; a page of questions for the
decision on each concern a partner raised, answered from the data; and how the pack is
worked out. It takes a ``Review`` (ics_assess/review.py), so it needs nothing of the
services. User text reaches reportlab only through ``para`` or ``markup``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

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

from ..comparison import kind_noun
from ..domain import AssessmentKind
from ..labels import signed
from ..review import (
    MOST_MOVED,
    ActionFate,
    ConcernReview,
    GapChange,
    QuestionnaireReview,
    Review,
    fate_summary,
    gap_words,
    headline_change,
)
from ..scoring import GAP_THRESHOLD, MOVED_THRESHOLD
from .comparison import (
    one_round_only,
    organisation_changes,
    previous_versions_text,
    trend_table,
    versions_text,
)
from .document import (
    ACCENT_COLOUR,
    FRAME_WIDTH,
    RULE,
    ReportTable,
    RunningHeader,
    bookmarked,
    build_pdf,
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
from .parts import PAD, details_table, fill_widths, head, muted, notice, ruled_table
from .profile import profile_flow
from .text import markup
from .where import COMPARISON_REPORT, METHOD_GUIDE

NAME_MAX = 120
GAP_STATEMENTS = 8
"""How many statement gaps that narrowed or widened are listed per questionnaire (every
questionnaire and section gap is)."""

FATE_COLOURS = {"done": "#1A7F37", "overdue": "#B3261E", "dropped": "#57606A"}


def _name(text: str, limit: int = NAME_MAX) -> str:
    return markup(shorten(text, limit))


def header_parts(r: Review) -> tuple[str, ...]:
    return (
        "Review pack",
        shorten(r.partnership.name, 64),
        f"{shorten(r.round.name, 40)} since {shorten(r.since.name, 40)}",
    )


def texts_of(r: Review) -> list[str]:
    """Every piece of user text the pack prints (for the note on unsupported scripts)."""
    texts = [r.partnership.name, r.round.name, r.since.name]
    for a in (*r.actions, *r.new_actions):
        texts += [a.description, a.owner, a.answers]
    for p in r.profile:
        texts += [p.label, p.source]
    for c in r.concerns:
        texts += [c.label, c.raised_by, c.concern.note]
    for qr in r.questionnaires:
        texts += [o.name for o in qr.comparison.organisations.values()]
    return texts


# --- the cover ----------------------------------------------------------------------------


def cover(r: Review) -> list[Flowable]:
    s = styles()
    title = r.round.name
    rows: list[tuple[str, str | Flowable]] = [
        ("Partnership", shorten(r.partnership.name, 300)),
        ("Integrated care system", shorten(r.partnership.ics_name or "–", 300)),
        ("Round reviewed", shorten(r.round.name, 300)),
        ("Against", shorten(r.since.name, 300)),
        ("Responses shown", f"{kind_noun(r.kind).capitalize()} only"),
        ("Questionnaires", ", ".join(shorten(q.title, 80) for q in r.questionnaires) or "None"),
        ("Produced", fmt_date(r.produced_on)),
    ]
    glance = "".join(f"• {markup(line)}<br/>" for line in r.summary())
    flow: list[Flowable] = [
        Paragraph("ICS Assess · Review pack", s.kicker),
        Paragraph(f"<b>{_name(title, 300)}</b>", title_style(title)),
        Paragraph(f"Against {_name(r.since.name, 300)}", s.subtitle),
        Paragraph(_name(r.partnership.name, 300), s.body_muted),
        Spacer(1, 6 * mm),
        details_table(rows),
        Spacer(1, 6 * mm),
        notice(f"<b>At a glance</b><br/>{glance}", ACCENT_COLOUR),
        Spacer(1, 5 * mm),
        Paragraph(
            "<b>Reading this pack.</b> Scores run from 1 to 5. A change is worked out only "
            "over the organisations that answered in both rounds, each compared with "
            "itself; a change of 0.5 or more either way is marked <b>moved</b>. Next come "
            "what changed in each questionnaire, the actions agreed in "
            f"{_name(r.since.name)} and what became of each, the partnership's profile "
            "then and now, and the questions for the decision on each concern a partner "
            "raised, answered from the record. The last page says how each figure is "
            "worked out.",
            s.body_muted,
        ),
    ]
    flow += unsupported_paragraph(texts_of(r))
    return flow


# --- what changed ----------------------------------------------------------------------------


def _gap_label(g: GapChange) -> str:
    if g.scope == "questionnaire":
        return "<b>Overall</b>"
    return _name(g.label, 110)


def _gap_rows(gaps: Sequence[GapChange]) -> list[list]:
    s = styles()
    rows = []
    for g in gaps:
        colour = "#1A7F37" if g.narrowed else "#B3261E"
        rows.append(
            [
                Paragraph(_gap_label(g), s.cell),
                para(gap_words(g.first, g.second, g.before), s.cell),
                para(gap_words(g.first, g.second, g.after), s.cell),
                Paragraph(
                    f'<font color="{colour}"><b>{g.verdict.capitalize()}</b></font> '
                    f"by {abs(g.change):.1f}",
                    s.cell,
                ),
            ]
        )
    return rows


def gaps_part(qr: QuestionnaireReview) -> list[Flowable]:
    s = styles()
    flow: list[Flowable] = [Paragraph("<b>Gaps between sectors that narrowed or widened</b>", s.h2)]
    broad = [g for g in qr.gaps if g.scope != "statement"]
    statements = [g for g in qr.gaps if g.scope == "statement"]
    flow.append(
        Paragraph(
            "Among the organisations that answered in both rounds: each gap then and now, "
            "and whether its size changed by 0.5 or more.",
            s.body_muted,
        )
    )
    widths = fill_widths(44 * mm, 44 * mm, 28 * mm)
    if broad:
        flow.append(
            ruled_table(
                [head("Overall and sections", "Then", "Now", "Gap"), *_gap_rows(broad)], widths
            )
        )
    else:
        flow.append(
            Paragraph(
                "Overall and in every section, no gap between two sectors changed in size "
                "by 0.5 or more.",
                s.body,
            )
        )
    if statements:
        shown = statements[:GAP_STATEMENTS]
        flow.append(Spacer(1, 3 * mm))
        flow.append(
            ruled_table(
                [
                    head("Statements: NHS and local government", "Then", "Now", "Gap"),
                    *_gap_rows(shown),
                ],
                widths,
            )
        )
        if len(statements) > len(shown):
            flow.append(
                Paragraph(
                    f"The {len(shown)} largest of {len(statements)} changes; "
                    f"{markup(COMPARISON_REPORT.words)} shows every statement by sector.",
                    s.body_muted,
                )
            )
    return flow


def moved_part(qr: QuestionnaireReview) -> list[Flowable]:
    s = styles()
    flow: list[Flowable] = [Paragraph("<b>The statements that moved most</b>", s.h2)]
    if not qr.moved:
        flow.append(
            Paragraph(
                f"None: no statement's score changed by {MOVED_THRESHOLD:.1f} or more.", s.body
            )
        )
        return flow
    rows: list[list] = [head("Statement", "Then", "Now", "Change")]
    for scope in qr.moved:
        ch = headline_change(scope)
        colour = "#1A7F37" if (ch.change or 0) > 0 else "#B3261E"
        rows.append(
            [
                para(shorten(scope.label, 160), s.cell),
                Paragraph(f"{ch.before:.1f}", s.cell_right),
                Paragraph(f"{ch.after:.1f}", s.cell_right),
                Paragraph(
                    f'<font color="{colour}"><b>{signed(ch.change)}</b></font>', s.cell_right
                ),
            ]
        )
    flow.append(ruled_table(rows, fill_widths(16 * mm, 16 * mm, 18 * mm)))
    if len(qr.moved) == MOST_MOVED:
        flow.append(
            Paragraph(
                f"The {MOST_MOVED} largest changes; {markup(COMPARISON_REPORT.words)} lists "
                "every statement that moved.",
                s.body_muted,
            )
        )
    return flow


def questionnaire_part(qr: QuestionnaireReview, r: Review) -> list[Flowable]:
    s = styles()
    c = qr.comparison
    flow: list[Flowable] = [
        bookmarked(
            Paragraph(f"<b>{_name(qr.title)}: what changed</b>", s.h1),
            f"{shorten(qr.title, 80)}: what changed",
            f"q-{c.questionnaire.id}",
        ),
        Paragraph(f"<b>{markup(qr.change_sentence())}</b>", s.lead),
    ]
    if not c.empty:
        flow.append(
            Paragraph(
                f"Responded in {_name(r.round.name)}: {markup(c.coverage.sentence())}.",
                s.body_muted,
            )
        )
    before = previous_versions_text(c)
    if before and before != versions_text(c):
        flow.append(
            Paragraph(
                f"Answered on {markup(versions_text(c))} in {_name(r.round.name)}, and on "
                f"{markup(before)} in {_name(r.since.name)}: statements are matched by id, "
                "and those that differ between the versions are named below.",
                s.body_muted,
            )
        )
    if c.trend is None or not qr.matched:
        flow += one_round_only(c) if c.trend is not None else []
        return flow
    flow.append(trend_table(c))
    if c.kind == AssessmentKind.ORGANISATION:
        flow += organisation_changes(c)
    flow += gaps_part(qr)
    flow += moved_part(qr)
    flow += one_round_only(c)
    if c.trend.changed_items:
        numbers = {row.item.id: row.number for row in c.statements}
        which = ", ".join(numbers.get(i, i) for i in c.trend.changed_items)
        flow.append(
            Paragraph(
                f"Statements {markup(which)} read or score differently between the "
                "questionnaire versions answered, so they are left out of the change.",
                s.body_muted,
            )
        )
    return flow


# --- the actions ----------------------------------------------------------------------------


def _fate_cell(a: ActionFate) -> Paragraph:
    s = styles()
    text = markup(a.fate_text(fmt_date))
    colour = FATE_COLOURS.get(a.fate)
    if colour is not None:
        text = f'<font color="{colour}"><b>{text}</b></font>'
    else:
        text = f"<b>{text}</b>"
    if a.due_moved:
        text += "<br/>" + muted(f"due date moved from {markup(fmt_date(a.first_due_on))}", 7.5)
    return Paragraph(text, s.cell)


def actions_fate_table(actions: Sequence[ActionFate], *, carried_note: bool) -> ReportTable:
    s = styles()
    rows: list[list] = [head("Action", "Owner", "What became of it" if carried_note else "Status")]
    for a in actions:
        what: list[Flowable] = [para(a.description, s.cell), para(a.answers, s.cell_small)]
        if carried_note and a.carried_to:
            what.append(para(f"Carried forward to {a.carried_to}", s.cell_small))
        rows.append([what, para(a.owner or "–", s.cell), _fate_cell(a)])
    return ruled_table(rows, fill_widths(40 * mm, 44 * mm))


def actions_part(r: Review) -> list[Flowable]:
    s = styles()
    flow: list[Flowable] = [
        bookmarked(
            Paragraph(f"<b>Actions agreed in {_name(r.since.name)}</b>", s.h1),
            f"Actions agreed in {shorten(r.since.name, 80)}",
            "actions",
        )
    ]
    if not r.actions:
        flow.append(Paragraph(f"No actions were agreed in {_name(r.since.name)}.", s.body))
    else:
        flow.append(Paragraph(f"<b>{markup(fate_summary(r.actions))}.</b>", s.lead))
        flow.append(
            Paragraph(
                "Each action is followed into the rounds it was carried forward to. "
                f"<b>Overdue</b>: not done or dropped, and due before "
                f"{fmt_date(r.produced_on)}.",
                s.body_muted,
            )
        )
        flow.append(actions_fate_table(r.actions, carried_note=True))
    if r.new_actions:
        flow += [
            Paragraph(f"<b>Agreed since, in {_name(r.round.name)}</b>", s.h2),
            actions_fate_table(r.new_actions, carried_note=False),
        ]
    return flow


# --- the profile ----------------------------------------------------------------------------


def profile_part(r: Review) -> list[Flowable]:
    return profile_flow(r.profile, then_name=r.since.name, now_name=r.round.name, key="profile")


# --- the questions for the decision -------------------------------------------------------


def concern_block(n: int, cr: ConcernReview) -> list[Flowable]:
    s = styles()
    head_flow: list[Flowable] = [
        para(
            f"Concern {n} · {cr.questionnaire_title} · raised by {cr.raised_by} in {cr.raised_in}",
            s.body_muted,
        ),
        Paragraph(f"<b>{_name(cr.label, 220)}</b>", s.h2),
    ]
    if cr.concern.note:
        head_flow.append(para(f"“{shorten(cr.concern.note, 600)}”", s.comment))
    rows = [
        [Paragraph(f"<b>{markup(q.question)}</b>", s.cell), para(q.answer, s.cell)]
        for q in cr.questions
    ]
    table = ReportTable(rows, colWidths=[58 * mm, FRAME_WIDTH - 58 * mm], hAlign="LEFT")
    commands = [*PAD, ("VALIGN", (0, 0), (-1, -1), "TOP")]
    for i in range(1, len(rows)):
        commands.append(("LINEABOVE", (0, i), (-1, i), 0.4, RULE))
    table.setStyle(TableStyle(commands))
    return [CondPageBreak(50 * mm), KeepTogether([*head_flow, table]), Spacer(1, 3 * mm)]


def questions_part(r: Review) -> list[Flowable]:
    s = styles()
    flow: list[Flowable] = [
        bookmarked(
            Paragraph("<b>Questions for the decision</b>", s.h1),
            "Questions for the decision",
            "questions",
        )
    ]
    if not r.concerns:
        flow.append(
            Paragraph(
                "No concerns have been marked. A concern is a section or statement a "
                "partner raised; mark one on the Review page of ICS Assess (Add concern…) "
                "or with <i>ics-assess concerns add</i>, and this page asks of each whether "
                "it moved.",
                s.body,
            )
        )
        return flow
    flow.append(
        Paragraph(
            "For each concern a partner raised: where the partnership stands on it, "
            "whether it moved, whether the NHS and local government see it alike, and "
            "what became of the actions agreed on it. Every answer comes from the scores "
            "and the record of actions in this database.",
            s.body_muted,
        )
    )
    moved = sum(1 for c in r.concerns if c.moved)
    flow.append(
        Paragraph(
            f"<b>{plural(len(r.concerns), 'concern')} raised; {moved} moved since "
            f"{_name(r.since.name)}.</b>",
            s.lead,
        )
    )
    for n, cr in enumerate(r.concerns, start=1):
        flow += concern_block(n, cr)
    return flow


# --- how it is worked out ---------------------------------------------------------------


def method_part(r: Review) -> list[Flowable]:
    s = styles()
    points = [
        "Only submitted responses count, and one kind at a time: this pack shows "
        f"{kind_noun(r.kind)} only.",
        "Each organisation's score is the mean of its responses; each sector's score the "
        "mean of its organisations'; the system score the mean of the three sectors "
        "(NHS, local government, community), shown only when all three have a score.",
        "A change is worked out only over the organisations that answered in both rounds, "
        "each compared with itself; those that answered in one round only are named, "
        f"never mixed in. A change of {MOVED_THRESHOLD:.1f} or more either way is "
        "<b>moved</b>. Changes are worked out before rounding, so a change may differ by "
        "0.1 from the difference of the rounded scores.",
        "A gap between two sectors is one sector's score minus the other's, among the "
        f"same organisations. It is flagged at {GAP_THRESHOLD:.1f} or more; it "
        f"<b>narrowed</b> or <b>widened</b> when its size changed by {MOVED_THRESHOLD:.1f} "
        "or more.",
        "An action agreed in the earlier round is followed into the rounds it was carried "
        "forward to; what became of it is its status there: done, dropped, overdue (due "
        f"before {fmt_date(r.produced_on)} and neither done nor dropped), in progress, or "
        "not started.",
        "Statements are matched by id across questionnaire versions; those that read or "
        "score differently between versions are named and left out of the change.",
        f"The full method is the appendix of {markup(COMPARISON_REPORT.words)}, and in "
        f"ICS Assess under {markup(METHOD_GUIDE.way)}.",
    ]
    flow: list[Flowable] = [
        bookmarked(
            Paragraph("<b>How this pack is worked out</b>", s.h1),
            "How this pack is worked out",
            "method",
        )
    ]
    flow += [Paragraph(p, s.bullet, bulletText="•") for p in points]
    return flow


# --- the whole pack -----------------------------------------------------------------------


def review_story(r: Review) -> list[Flowable]:
    story: list[Flowable] = [
        RunningHeader(header_parts(r)),
        *one_page(cover(r), "Cover", "cover"),
    ]
    for qr in r.questionnaires:
        story += [PageBreak(), *questionnaire_part(qr, r)]
    if not r.questionnaires:
        s = styles()
        story += [
            PageBreak(),
            Paragraph(
                f"No questionnaire was answered in {_name(r.since.name)} or "
                f"{_name(r.round.name)}, so no scores changed.",
                s.body,
            ),
        ]
    story += [PageBreak(), *actions_part(r)]
    story += [PageBreak(), *profile_part(r)]
    story += [PageBreak(), *questions_part(r)]
    story += [PageBreak(), *method_part(r)]
    return story


def build_review_report(review: Review) -> BuiltReport:
    """Render the review pack into PDF bytes."""
    r = review
    return build_pdf(
        lambda: review_story(r),
        title=f"Review pack: {r.round.name} since {r.since.name}",
        subject=f"Review pack for {r.partnership.name}",
        keywords=["ICS Assess", "review", r.partnership.name, r.round.name, r.since.name],
        header=header_parts(r),
        footer=f"Produced by ICS Assess on {fmt_date(r.produced_on)}",
        draft=None,
    )


def write_review_report(review: Review, path: Path | str) -> tuple[Path, BuiltReport]:
    """Render the review pack and write it atomically to ``path``; (where, the report).
    Raises ReportError (a StoreError) with a sentence when it cannot be written."""
    return produce(path, lambda: build_review_report(review))


__all__ = ["build_review_report", "write_review_report"]
