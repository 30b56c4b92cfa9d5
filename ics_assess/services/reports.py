"""Use cases of the PDF reports: the data each report shows, and writing it to a file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain import AssessmentKind, Questionnaire
from .assessments import AssessmentDetail
from .core import ServiceError, ServicesCore

# Like the reports themselves, their data's types are imported by the methods that make
# them: ``list`` needs none of it (issue 12).
if TYPE_CHECKING:
    from ..comparison import Comparison
    from ..reports.model import AssessmentReportData, OrganisationReportData


@dataclass(frozen=True)
class ReportResult:
    """A report written to disk: where it is and how many pages it has."""

    path: Path
    pages: int


class ReportUseCases(ServicesCore):
    """The report of one assessment, of one organisation in one round, of a comparison
    and of a workshop. Uses ``detail`` (assessments.py) and ``workshop_view``
    (workshops.py) through the composed Services."""

    def _questionnaires_for(self, actions: Iterable) -> dict[str, Questionnaire]:
        """The newest version of each questionnaire the actions refer to (to name their
        sections); questionnaires no longer available are left out."""
        found: dict[str, Questionnaire] = {}
        for action in actions:
            qid = action.questionnaire_id
            if qid and qid not in found:
                loaded = self.catalogue.latest(qid)
                if loaded is not None:
                    found[qid] = loaded.questionnaire
        return found

    def _report_data(self, detail: AssessmentDetail, actions: Sequence) -> AssessmentReportData:
        from ..reports.model import AssessmentReportData

        return AssessmentReportData(
            partnership=detail.partnership,
            round=detail.round,
            organisation=detail.organisation,
            assessment=detail.assessment,
            questionnaire=detail.questionnaire,
            answers=detail.answers,
            score=detail.score,
            actions=tuple(actions),
            questionnaires=self._questionnaires_for(actions),
        )

    def assessment_report_data(self, assessment_id: str) -> AssessmentReportData:
        """Everything the report of one assessment shows: the assessment with its scores,
        and the actions recorded for its organisation in its round."""
        detail = self.detail(assessment_id)
        actions = self.store.actions(
            round_id=detail.round.id, organisation_id=detail.organisation.id
        )
        return self._report_data(detail, actions)

    def organisation_report_data(
        self, organisation_id: str, round_id: str
    ) -> OrganisationReportData:
        """Everything the report of one organisation in one round shows: its organisation
        responses (individual responses are only ever shown in groups), in questionnaire
        title order, and its actions for the round."""
        organisation = self.store.organisation(organisation_id)
        rnd = self.store.round(round_id)
        if rnd.partnership_id != organisation.partnership_id:
            raise ServiceError(
                f"The round '{rnd.name}' belongs to another partnership than "
                f"{organisation.name}; choose one of its own rounds."
            )
        summaries = self.store.list_assessments(round_id=round_id, organisation_id=organisation_id)
        own = [s for s in summaries if s.assessment.kind is AssessmentKind.ORGANISATION]
        if not own:
            extra = " (its individual responses are only shown in groups)" if summaries else ""
            raise ServiceError(
                f"{organisation.name} has no organisation responses in the round "
                f"'{rnd.name}'{extra}, so there is nothing to report."
            )
        own.sort(
            key=lambda s: (
                s.questionnaire_title.lower(),
                s.assessment.respondent_label.lower(),
                s.assessment.created_at,
            )
        )
        actions = self.store.actions(round_id=round_id, organisation_id=organisation_id)
        details = [self._report_data(self.detail(s.assessment.id), ()) for s in own]
        from ..reports.model import OrganisationReportData

        return OrganisationReportData(
            partnership=self.store.partnership(organisation.partnership_id),
            round=rnd,
            organisation=organisation,
            assessments=tuple(details),
            actions=tuple(actions),
            questionnaires=self._questionnaires_for(actions),
        )

    def report_assessment(
        self, assessment_id: str, path: Path | str, *, produced_on: date | None = None
    ) -> ReportResult:
        """Write the PDF report of one assessment to ``path``, atomically. Raises a
        StoreError (ReportError, ServiceError, RecordNotFoundError) with a sentence."""
        # Imported here: reportlab and the fonts are only needed when a report is made.
        from ..reports.assessment import write_assessment_report

        data = self.assessment_report_data(assessment_id)
        written, built = write_assessment_report(data, path, produced_on=produced_on)
        return ReportResult(written, built.pages)

    def report_organisation(
        self,
        organisation_id: str,
        round_id: str,
        path: Path | str,
        *,
        produced_on: date | None = None,
    ) -> ReportResult:
        """Write the PDF report of one organisation's responses in one round to ``path``,
        atomically. Raises a StoreError subclass with a sentence."""
        from ..reports.organisation import write_organisation_report

        data = self.organisation_report_data(organisation_id, round_id)
        written, built = write_organisation_report(data, path, produced_on=produced_on)
        return ReportResult(written, built.pages)

    def report_comparison(
        self, comparison: Comparison, path: Path | str, *, produced_on: date | None = None
    ) -> ReportResult:
        """Write the comparison PDF of ``comparison`` (from ``compare``) to ``path``,
        atomically, with the comments behind the statements on which the sectors differ
        most and the partnership profile of the round (``profile_lines``, reviews.py).
        Raises a StoreError subclass (ReportError) with a sentence."""
        from ..reports.comparison import StatementComment, gap_statements, write_comparison_report

        # divergence_comments (comparisons.py) reads them by the comparison's anonymity
        # rule: by organisation, or unnamed from sectors of at least three respondents.
        individual = comparison.kind == AssessmentKind.INDIVIDUAL
        comments: dict[str, list[StatementComment]] = {}
        for x in self.divergence_comments(
            comparison, [row.item.id for row in gap_statements(comparison)]
        ):
            comments.setdefault(x.item_id, []).append(
                StatementComment(
                    item_id=x.item_id,
                    sector=x.sector,
                    who="" if individual else x.who,
                    text=x.comment,
                    answer=x.answer,
                )
            )
        previous = comparison.trend.previous_round.id if comparison.trend else None
        written, built = write_comparison_report(
            comparison,
            path,
            produced_on=produced_on,
            comments=comments,
            profile=self.profile_lines(comparison.round.id, previous),
        )
        return ReportResult(written, built.pages)

    def report_workshop(
        self, workshop_id: str, path: Path | str, *, produced_on: date | None = None
    ) -> ReportResult:
        """Write the workshop report (who took part, by counts only; each section's agreed
        score beside the participants' mean; the split statements and how they were
        resolved; every outcome and its reasoning; the action plan) to ``path``,
        atomically. Raises a StoreError subclass (RecordNotFoundError, ReportError) with a
        sentence."""
        from ..reports.workshop import write_workshop_report

        view = self.workshop_view(workshop_id)
        written, built = write_workshop_report(view, path, produced_on=produced_on)
        return ReportResult(written, built.pages)
