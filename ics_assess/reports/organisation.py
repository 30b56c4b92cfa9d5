"""The report of one organisation in one round: every questionnaire it answered (its own
organisation responses), with one summary up front, then each questionnaire's profile and
sections, the organisation's actions and the appendix.

    built = build_organisation_report(data)
    path, built = write_organisation_report(data, "report.pdf")
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    PageBreak,
    Paragraph,
    Spacer,
    TableStyle,
)

from ..domain import AssessmentKind
from .analysis import rated_statements, strongest_and_weakest, target_gaps, target_profile
from .appendix import scoring_appendix
from .assessment import (
    GAPS,
    STRONGEST_WEAKEST,
    _answered,
    header_parts,
    partner_type_text,
    printable,
    printable_actions,
    printable_organisation,
    printable_partnership,
    printable_round,
    round_text,
    sections,
    texts_of,
)
from .document import (
    ACCENT_COLOUR,
    DRAFT_COLOUR,
    FRAME_WIDTH,
    NEUTRAL_FILL,
    RULE,
    SHADE,
    ReportTable,
    RunningHeader,
    Shortener,
    band_fill,
    bookmarked,
    build_pdf,
    fmt_date,
    fmt_percent,
    fmt_score,
    one_page,
    plural,
    produce,
    shortened_paragraph,
    styles,
    title_style,
    unsupported_paragraph,
)
from .model import AssessmentReportData, BuiltReport, OrganisationReportData
from .parts import (
    HEAD_ROW,
    PAD,
    actions_part,
    details_table,
    gaps_table,
    head,
    headline,
    muted,
    notice,
    radar,
    section_scores_table,
    strongest_weakest_table,
)
from .text import markup

DRAFT_LABEL = "DRAFT – NOT ALL SUBMITTED"


def _status(a: AssessmentReportData) -> str:
    if a.is_draft:
        return "DRAFT, not yet submitted"
    return f"Submitted {fmt_date(a.assessment.submitted_at)}"


def org_header(data: OrganisationReportData) -> Sequence[str]:
    """The running header of the organisation-wide parts."""
    return (data.partnership.name, data.organisation.name, data.round.name)


def cover(data: OrganisationReportData, produced_on: date) -> list[Flowable]:
    """What was assessed, which questionnaires, by whom."""
    s = styles()
    rows: list[tuple[str, str | Flowable]] = [
        ("Partnership", data.partnership.name),
        ("Integrated care system", data.partnership.ics_name or "–"),
        ("Organisation", data.organisation.name),
        ("Partner type", partner_type_text(data.organisation)),
        ("Round", round_text(data.round)),
        ("Questionnaires", plural(len(data.assessments), "organisation response")),
        ("Report produced", fmt_date(produced_on)),
    ]
    listing: list[list] = [head("Questionnaire", "Respondent and role", "Status")]
    for a in data.assessments:
        who = markup(a.assessment.respondent_label)
        if a.assessment.respondent_role:
            who += "<br/>" + muted(markup(a.assessment.respondent_role))
        listing.append(
            [
                Paragraph(
                    f"{markup(a.questionnaire.title)}<br/>"
                    + muted(f"version {markup(a.questionnaire.version)}"),
                    s.cell,
                ),
                Paragraph(who, s.cell),
                Paragraph(_status(a), s.cell),
            ]
        )
    table = ReportTable(
        listing, colWidths=[70 * mm, FRAME_WIDTH - 110 * mm, 40 * mm], repeatRows=1, hAlign="LEFT"
    )
    table.setStyle(TableStyle([*PAD, *HEAD_ROW, ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE)]))
    flow: list[Flowable] = [
        Paragraph("ICS Assess · Partnership self-assessment report", s.kicker),
        Paragraph(f"<b>{markup(data.organisation.name)}</b>", title_style(data.organisation.name)),
        Paragraph(f"All questionnaires, {markup(data.round.name)}", s.subtitle),
        Paragraph(markup(data.partnership.name), s.body_muted),
        Spacer(1, 8 * mm),
        details_table(rows),
        *shortened_paragraph(data.shortened),
        Spacer(1, 6 * mm),
        Paragraph("<b>Responses in this report</b>", s.h2),
        table,
    ]
    for sentence in repeated_sentences(data):
        flow += [Spacer(1, 5 * mm), notice(sentence, ACCENT_COLOUR)]
    if data.drafts:
        flow += [
            Spacer(1, 5 * mm),
            notice(
                f"<b>DRAFT.</b> {plural(data.drafts, 'response')} in this report "
                f"{'has' if data.drafts == 1 else 'have'} not been submitted; "
                "their answers and scores may still change.",
                DRAFT_COLOUR,
            ),
        ]
    flow += [
        Spacer(1, 5 * mm),
        Paragraph(
            "<b>Reading this report.</b> The summary after this cover gives every "
            "questionnaire's scores at a glance. "
            "Then each questionnaire has its own part: its section profile, then every "
            "statement with its answer, comment and evidence. The organisation's actions for "
            "the round and an appendix on how the scores are calculated close the report. "
            "Individual responses (for example from workshops) are never shown one by one, "
            "so they are not part of this report.",
            s.body_muted,
        ),
    ]
    texts = [t for a in data.assessments for t in texts_of(a)]
    texts += [f"{a.description} {a.owner}" for a in data.actions]
    flow += unsupported_paragraph(texts)
    return flow


def repeated_sentences(data: OrganisationReportData) -> list[str]:
    """For each questionnaire the organisation answered more than once in the round, a
    sentence saying so (report markup): the report shows every response, and a reader
    must not take two for one."""
    by_questionnaire: dict[str, list[AssessmentReportData]] = {}
    for a in data.assessments:
        by_questionnaire.setdefault(a.questionnaire.id, []).append(a)
    out = []
    for responses in by_questionnaire.values():
        if len(responses) < 2:
            continue
        count = NUMBER_WORDS.get(len(responses), str(len(responses)))
        who = _and([markup(respondent_in_text(a)) for a in responses])
        out.append(
            f"<b>{count} organisation responses to {markup(responses[0].questionnaire.title)}"
            f"</b> in this round, by {who}. An organisation normally gives one response to "
            "a questionnaire in a round; each is shown here in full under its respondent, "
            "and a comparison counts them together as one organisation (the mean of their "
            "scores)."
        )
    return out


NUMBER_WORDS = {2: "Two", 3: "Three", 4: "Four", 5: "Five"}


def respondent_in_text(a: AssessmentReportData) -> str:
    """Who answered, inside a sentence: the name, or "a respondent not named" (the
    label "Respondent not named" reads as a name after "by")."""
    if a.assessment.respondent_name:
        return a.assessment.respondent_name
    if a.assessment.kind is AssessmentKind.ORGANISATION:
        return "a respondent not named"
    return "an anonymous respondent"


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def overview_table(data: OrganisationReportData) -> ReportTable:
    """Each questionnaire's overall result and each of its sections, banded."""
    s = styles()
    rows: list[list] = [head("Questionnaire and its sections", "Score", "Percent", "Band", "Rated")]
    commands: list = [*PAD, *HEAD_ROW, ("VALIGN", (1, 1), (-1, -1), "MIDDLE")]
    for a in data.assessments:
        q, score = a.questionnaire, a.score
        r = len(rows)
        title = f"<b>{markup(q.title)}</b>"
        if a.is_draft:
            title += " " + muted("<b>DRAFT</b>", 8)
        if len(data.assessments) > len({x.questionnaire.id for x in data.assessments}):
            title += "<br/>" + muted(markup(a.assessment.respondent_label))
        if score.provisional:
            title += "<br/>" + muted(f"<b>provisional</b>, {score.basis}")
        row: list = [Paragraph(title, s.cell)]
        if score.band is not None:
            row += [
                Paragraph(f"<b>{fmt_score(score.mean)}</b>", s.cell_right),
                Paragraph(f"<b>{fmt_percent(score.percent)}</b>", s.cell_right),
                Paragraph(f"<b>{markup(score.band.name)}</b>", s.cell_centre),
            ]
            commands.append(("BACKGROUND", (3, r), (3, r), band_fill(score.band, q.bands)))
        else:
            row += [Paragraph("<i>No overall score</i>", s.cell_centre), "", ""]
            commands += [("SPAN", (1, r), (3, r)), ("BACKGROUND", (1, r), (3, r), NEUTRAL_FILL)]
        reported = len(q.sections) - len(score.unreported)
        row.append(Paragraph(f"{reported} of {len(q.sections)} sections", s.cell_right))
        rows.append(row)
        commands += [
            ("LINEABOVE", (0, r), (-1, r), 0.8, RULE),
            ("BACKGROUND", (0, r), (0, r), SHADE),
        ]
        for n, section in enumerate(q.sections, start=1):
            sc = score.section(section.id)
            r = len(rows)
            row = [Paragraph(f"{n}. {markup(section.title)}", s.cell)]
            if sc.band is not None:
                row += [
                    Paragraph(fmt_score(sc.mean), s.cell_right),
                    Paragraph(fmt_percent(sc.percent), s.cell_right),
                    Paragraph(markup(sc.band.name), s.cell_centre),
                ]
                commands.append(("BACKGROUND", (3, r), (3, r), band_fill(sc.band, q.bands)))
            else:
                row += [Paragraph("<i>Not enough answers</i>", s.cell_centre), "", ""]
                commands += [
                    ("SPAN", (1, r), (3, r)),
                    ("BACKGROUND", (1, r), (3, r), NEUTRAL_FILL),
                ]
            row.append(Paragraph(f"{sc.rated} of {len(section.items)}", s.cell_right))
            rows.append(row)
            commands.append(("LINEABOVE", (0, r), (-1, r), 0.3, RULE))
    widths = [0, 16 * mm, 17 * mm, 28 * mm, 26 * mm]
    widths[0] = FRAME_WIDTH - sum(widths)
    table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    commands += [("TOPPADDING", (0, 1), (-1, -1), 2), ("BOTTOMPADDING", (0, 1), (-1, -1), 2.5)]
    table.setStyle(TableStyle(commands))
    return table


def summary(data: OrganisationReportData) -> list[Flowable]:
    """The one summary up front: every questionnaire's scores, then the strongest, weakest
    and furthest-from-target statements across all of them."""
    s = styles()
    rated = []
    answers_of = {}
    for index, a in enumerate(data.assessments):
        rated += rated_statements(a.questionnaire, a.answers, index)
        answers_of[index] = a.answers
    strongest, weakest = strongest_and_weakest(rated, STRONGEST_WEAKEST)
    gaps = target_gaps(rated, answers_of)[:GAPS]
    # A questionnaire answered twice: each statement listed names its respondent, or the
    # same statement could stand as strongest and as weakest with nothing to tell which
    # response each came from.
    responses = Counter(a.questionnaire.id for a in data.assessments)
    respondents = {
        index: a.assessment.respondent_label
        for index, a in enumerate(data.assessments)
        if responses[a.questionnaire.id] > 1
    }
    content: list[Flowable] = [Paragraph("<b>Summary</b>", s.h1)]
    if not data.assessments:
        content.append(Paragraph("There are no responses to summarise.", s.body))
    else:
        content += [
            Paragraph(
                "Each questionnaire's overall score, percent and band, and its sections. "
                "Statement numbers (such as 2.3: section 2, statement 3) refer to the "
                "questionnaire named beside them.",
                s.body_muted,
            ),
            overview_table(data),
            Paragraph("<b>Strongest and weakest statements, all questionnaires</b>", s.h2),
            strongest_weakest_table(
                strongest, weakest, with_questionnaire=True, rated=rated, respondents=respondents
            ),
            Paragraph("<b>Biggest gaps between now and the target</b>", s.h2),
            gaps_table(gaps, with_questionnaire=True, respondents=respondents),
        ]
    return one_page(content, "Summary", "summary")


def questionnaire_part(
    a: AssessmentReportData, index: int, *, name_respondent: bool = False
) -> list[Flowable]:
    """One questionnaire: who answered, its profile (score, radar, sections), its sections."""
    s = styles()
    q = a.questionnaire
    key = f"q{index}"
    who = markup(respondent_in_text(a))
    if a.assessment.respondent_role:
        who += f", {markup(a.assessment.respondent_role)}"
    title = q.title + (f" ({a.assessment.respondent_label})" if name_respondent else "")
    flow: list[Flowable] = [
        RunningHeader(header_parts(a)),
        bookmarked(Paragraph(f"<b>{markup(q.title)}</b>", title_style(q.title)), title, key, 0),
        Paragraph(
            f"Version {markup(q.version)} · answered by {who} · "
            + ("<b>DRAFT, not yet submitted</b>" if a.is_draft else _status(a)),
            s.body_muted,
        ),
        Spacer(1, 3 * mm),
        headline(a.score, q, _answered(a), radar(q, a.score, target_profile(q, a.answers))),
        Spacer(1, 3 * mm),
        section_scores_table(q, a.score),
        Spacer(1, 8 * mm),
        *sections(a, key=f"{key}-section", level=1),
    ]
    return flow


def organisation_story(data: OrganisationReportData, produced_on: date) -> list[Flowable]:
    """Every flowable of the report, in order."""
    questionnaires = {**data.questionnaires}
    for a in data.assessments:
        questionnaires.setdefault(a.questionnaire.id, a.questionnaire)
    story: list[Flowable] = [
        RunningHeader(org_header(data)),
        *one_page(cover(data, produced_on), "Cover", "cover"),
        PageBreak(),
        *summary(data),
    ]
    repeated = len(data.assessments) > len({a.questionnaire.id for a in data.assessments})
    for index, a in enumerate(data.assessments):
        story += [PageBreak(), *questionnaire_part(a, index, name_respondent=repeated)]
    story += [
        # Room for the actions' heading and first rows; without actions, their part is
        # two short paragraphs, which need no page of their own.
        CondPageBreak((80 if data.actions else 40) * mm),
        RunningHeader(org_header(data)),
        *actions_part(
            data.actions,
            questionnaires,
            organisation_name=data.organisation.name,
            round_name=data.round.name,
            today=produced_on,
        ),
        PageBreak(),
        *scoring_appendix(),
    ]
    return story


def build_organisation_report(
    data: OrganisationReportData, *, produced_on: date | None = None
) -> BuiltReport:
    """Render the report of one organisation in one round into PDF bytes."""
    produced_on = produced_on or date.today()
    cut = Shortener()
    data = replace(
        data,
        partnership=printable_partnership(data.partnership, cut),
        organisation=printable_organisation(data.organisation, cut),
        round=printable_round(data.round, cut),
        assessments=tuple(printable(a, cut) for a in data.assessments),
        actions=printable_actions(data.actions, cut),
    )
    data = replace(data, shortened=tuple(dict.fromkeys(cut.shortened)))
    titles = ", ".join(dict.fromkeys(a.questionnaire.title for a in data.assessments))
    return build_pdf(
        lambda: organisation_story(data, produced_on),
        title=f"{data.organisation.name}: all questionnaires, {data.round.name}",
        subject=(
            f"Partnership self-assessment report for {data.partnership.name}: {titles}"
            + (" (includes drafts)" if data.drafts else "")
        ),
        keywords=["ICS Assess", data.partnership.name, data.organisation.name, data.round.name],
        header=org_header(data),
        footer=f"Produced by ICS Assess on {fmt_date(produced_on)}",
        draft=DRAFT_LABEL if data.drafts else None,
    )


def write_organisation_report(
    data: OrganisationReportData, path: Path | str, *, produced_on: date | None = None
) -> tuple[Path, BuiltReport]:
    """Render the report and write it atomically to ``path``; (where, the report).
    Raises ReportError (a StoreError) with a sentence when the file cannot be written."""
    return produce(path, lambda: build_organisation_report(data, produced_on=produced_on))
