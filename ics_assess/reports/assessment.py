"""The report of one assessment: cover, a one-page summary, one part per section, the
organisation's actions for the round, and an appendix on how the scores are calculated.

    built = build_assessment_report(data)          # BuiltReport: PDF bytes and pages
    path, built = write_assessment_report(data, "report.pdf")
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Paragraph, Spacer

from ..domain import Action, AssessmentKind, Organisation, Partnership, Round, Sector
from .analysis import rated_statements, strongest_and_weakest, target_gaps, target_profile
from .appendix import scoring_appendix
from .document import (
    ACCENT_COLOUR,
    DATE_MAX,
    DRAFT_COLOUR,
    RunningHeader,
    Shortener,
    build_pdf,
    fmt_date,
    one_page,
    plural,
    produce,
    shortened_paragraph,
    styles,
    title_style,
    unsupported_paragraph,
)
from .model import AssessmentReportData, BuiltReport
from .parts import (
    actions_part,
    details_table,
    gaps_table,
    headline,
    notice,
    overall_sentence,
    radar,
    section_part,
    section_scores_table,
    strongest_weakest_table,
)
from .text import markup

DRAFT_LABEL = "DRAFT – NOT SUBMITTED"
STRONGEST_WEAKEST = 3
GAPS = 3


def partner_type_text(organisation: Organisation) -> str:
    """'Upper-tier council (local government sector)', 'NHS trust (NHS sector)'."""
    sector = organisation.sector
    name = "NHS" if sector is Sector.NHS else sector.label.lower()
    return f"{organisation.partner_type.label} ({name} sector)"


def round_text(rnd: Round) -> str:
    """The round's name, with the date it opened."""
    opened = fmt_date(rnd.opened_on)
    return f"{rnd.name} (opened {opened})" if opened else rnd.name


def printable_partnership(p: Partnership, cut: Shortener) -> Partnership:
    """``p`` with its names shortened for print (see document.shorten)."""
    return replace(
        p,
        name=cut(p.name, "the partnership's name"),
        ics_name=cut(p.ics_name, "the integrated care system's name"),
    )


def printable_organisation(o: Organisation, cut: Shortener) -> Organisation:
    return replace(o, name=cut(o.name, "the organisation's name"))


def printable_round(r: Round, cut: Shortener) -> Round:
    return replace(
        r,
        name=cut(r.name, "the round's name"),
        opened_on=cut(r.opened_on, "the round's opening date", DATE_MAX),
    )


def printable_actions(actions: Sequence[Action], cut: Shortener) -> tuple[Action, ...]:
    """Actions with their owners and due dates shortened for print; descriptions, which
    may run to many lines, are kept whole (they flow across pages)."""
    return tuple(
        replace(
            a,
            owner=cut(a.owner, "an action's owner"),
            due_on=cut(a.due_on, "an action's due date", DATE_MAX),
        )
        for a in actions
    )


def printable(data: AssessmentReportData, cut: Shortener | None = None) -> AssessmentReportData:
    """``data`` with every one-line value from the database shortened for print, so that
    no name, role or date, however long a database written before issue 8 holds it, can
    make a cell, heading or header line too big for its page; ``shortened`` says what was
    cut, for the cover to say so. Comments and descriptions are kept whole."""
    own = cut is None
    cut = cut or Shortener()
    a = data.assessment
    assessment = replace(
        a,
        respondent_name=cut.optional(a.respondent_name, "the respondent's name"),
        respondent_role=cut(a.respondent_role, "the respondent's role"),
        submitted_at=cut.optional(a.submitted_at, "the date submitted", DATE_MAX),
        updated_at=cut(a.updated_at, "the date last changed", DATE_MAX),
    )
    return replace(
        data,
        partnership=printable_partnership(data.partnership, cut),
        organisation=printable_organisation(data.organisation, cut),
        round=printable_round(data.round, cut),
        assessment=assessment,
        actions=printable_actions(data.actions, cut),
        shortened=tuple(dict.fromkeys(cut.shortened)) if own else (),
    )


def texts_of(data: AssessmentReportData) -> list[str]:
    """Every piece of user or questionnaire text the report prints (to check the fonts)."""
    q = data.questionnaire
    texts = [
        data.partnership.name,
        data.partnership.ics_name,
        data.organisation.name,
        data.round.name,
        data.assessment.respondent_name or "",
        data.assessment.respondent_role,
        q.title,
    ]
    for section in q.sections:
        texts += [section.title, section.description]
        texts += [item.statement for item in section.items]
    texts += [f"{a.comment} {a.evidence}" for a in data.answers.values()]
    texts += [f"{a.description} {a.owner} {a.due_on}" for a in data.actions]
    return texts


def cover(data: AssessmentReportData, produced_on: date) -> list[Flowable]:
    """The cover: what was assessed, by whom, when, and the overall result."""
    s = styles()
    a, q = data.assessment, data.questionnaire
    status = (
        f"Submitted on {fmt_date(a.submitted_at)}"
        if not data.is_draft
        else "DRAFT: not yet submitted; answers and scores may still change"
    )
    kind = (
        "Organisation response (the organisation's own answer)"
        if a.kind is AssessmentKind.ORGANISATION
        else "Individual response (one person's view)"
    )
    rows: list[tuple[str, str | Flowable]] = [
        ("Partnership", data.partnership.name),
        ("Integrated care system", data.partnership.ics_name or "–"),
        ("Organisation", data.organisation.name),
        ("Partner type", partner_type_text(data.organisation)),
        ("Questionnaire", f"{q.title}, version {q.version}"),
        ("Round", round_text(data.round)),
        ("Respondent", a.respondent_label),
        ("Role", a.respondent_role or "–"),
        ("Response", kind),
        ("Status", status),
        ("Answered", f"{_answered(data)} of {plural(len(q.items), 'statement')}"),
        ("Answers last changed", fmt_date(a.updated_at) or "–"),
        ("Report produced", fmt_date(produced_on)),
    ]
    flow: list[Flowable] = [
        Paragraph("ICS Assess · Partnership self-assessment report", s.kicker),
        Paragraph(f"<b>{markup(q.title)}</b>", title_style(q.title)),
        Paragraph(markup(data.organisation.name), s.subtitle),
        Paragraph(markup(data.partnership.name), s.body_muted),
        Spacer(1, 8 * mm),
        details_table(rows),
        *shortened_paragraph(data.shortened),
        Spacer(1, 8 * mm),
        notice(f"Overall result: {overall_sentence(data.score)}", ACCENT_COLOUR),
    ]
    if data.is_draft:
        flow += [
            Spacer(1, 4 * mm),
            notice(
                "<b>DRAFT.</b> This assessment has not been submitted. Its answers, and so "
                "every score in this report, may still change.",
                DRAFT_COLOUR,
            ),
        ]
    flow += [
        Spacer(1, 6 * mm),
        Paragraph(
            "<b>Reading this report.</b> The summary after this cover gives the results at "
            "a glance. Every statement is rated "
            "from 1 (not true) to 5 (fully true); a section's score is the average of its "
            "rated statements, and the overall score the average of the scored sections. "
            "Each score is also shown as a percent of the scale and placed in a band. The "
            "section pages give every answer with its comment and evidence, then come the "
            "actions, and the appendix explains the method in full.",
            s.body_muted,
        ),
    ]
    flow += unsupported_paragraph(texts_of(data))
    return flow


def _answered(data: AssessmentReportData) -> int:
    ids = {item.id for item in data.questionnaire.items}
    return sum(1 for i, a in data.answers.items() if i in ids and a.is_answered)


def summary(data: AssessmentReportData) -> list[Flowable]:
    """The one-page summary, shrunk to fit the page if it ever runs long."""
    s = styles()
    q = data.questionnaire
    rated = rated_statements(q, data.answers)
    strongest, weakest = strongest_and_weakest(rated, STRONGEST_WEAKEST)
    gaps = target_gaps(rated, {0: data.answers})[:GAPS]
    target = target_profile(q, data.answers)
    content: list[Flowable] = [
        Paragraph("<b>Summary</b>", s.h1),
        headline(data.score, q, _answered(data), radar(q, data.score, target)),
        Spacer(1, 2 * mm),
        section_scores_table(q, data.score),
        Paragraph("<b>Strongest and weakest statements</b>", s.h2),
        strongest_weakest_table(strongest, weakest, rated=rated),
        Paragraph("<b>Biggest gaps between now and the target</b>", s.h2),
        gaps_table(gaps),
    ]
    return one_page(content, "Summary", "summary")


def sections(data: AssessmentReportData, *, key: str = "section", level: int = 0) -> list[Flowable]:
    """One part per section."""
    q = data.questionnaire
    flow: list[Flowable] = []
    for n, section in enumerate(q.sections, start=1):
        flow += section_part(n, section, q, data.score, data.answers, key=f"{key}-{n}", level=level)
    return flow


def header_parts(data: AssessmentReportData) -> Sequence[str]:
    """The running header: partnership · questionnaire · organisation."""
    return (data.partnership.name, data.questionnaire.title, data.organisation.name)


def assessment_story(data: AssessmentReportData, produced_on: date) -> list[Flowable]:
    """Every flowable of the report, in order."""
    questionnaires = {data.questionnaire.id: data.questionnaire, **data.questionnaires}
    return [
        RunningHeader(header_parts(data)),
        *one_page(cover(data, produced_on), "Cover", "cover"),
        PageBreak(),
        *summary(data),
        PageBreak(),
        *sections(data),
        # Room for the actions' heading and first rows; without actions, their part is
        # two short paragraphs, which need no page of their own.
        CondPageBreak((80 if data.actions else 40) * mm),
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


def build_assessment_report(
    data: AssessmentReportData, *, produced_on: date | None = None
) -> BuiltReport:
    """Render the report of one assessment into PDF bytes."""
    produced_on = produced_on or date.today()
    data = printable(data)
    q = data.questionnaire
    title = f"{q.title}: {data.organisation.name}, {data.round.name}"
    return build_pdf(
        lambda: assessment_story(data, produced_on),
        title=title,
        subject=(
            f"Partnership self-assessment report for {data.partnership.name}"
            + (" (draft)" if data.is_draft else "")
        ),
        keywords=["ICS Assess", q.title, data.partnership.name, data.organisation.name],
        header=header_parts(data),
        footer=f"Produced by ICS Assess on {fmt_date(produced_on)}",
        draft=DRAFT_LABEL if data.is_draft else None,
    )


def write_assessment_report(
    data: AssessmentReportData, path: Path | str, *, produced_on: date | None = None
) -> tuple[Path, BuiltReport]:
    """Render the report and write it atomically to ``path``; (where, the report).
    Raises ReportError (a StoreError) with a sentence when the file cannot be written."""
    return produce(path, lambda: build_assessment_report(data, produced_on=produced_on))
