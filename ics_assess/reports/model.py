"""What a report is built from: plain domain and scoring objects, gathered by the services.

The report modules never open the database; the services fill these in and hand them over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..domain import (
    Action,
    Answer,
    Assessment,
    Organisation,
    Partnership,
    Questionnaire,
    Round,
)
from ..scoring import QuestionnaireScore


@dataclass(frozen=True)
class AssessmentReportData:
    """One assessment with everything its report shows.

    ``actions`` are the improvement actions recorded for the assessment's organisation in
    its round; ``questionnaires`` maps questionnaire ids to questionnaires so that an
    action tied to a section or statement can be named (the assessment's own
    questionnaire need not be in it).
    """

    partnership: Partnership
    round: Round
    organisation: Organisation
    assessment: Assessment
    questionnaire: Questionnaire
    answers: Mapping[str, Answer]
    score: QuestionnaireScore
    actions: tuple[Action, ...] = ()
    questionnaires: Mapping[str, Questionnaire] = field(default_factory=dict)
    shortened: tuple[str, ...] = ()
    """What the report shows shortened ("the organisation's name"): set by the report
    itself for values longer than a line may be in print (see document.shorten)."""

    @property
    def is_draft(self) -> bool:
        """True while the assessment has not been submitted."""
        return self.assessment.status.value == "draft"


@dataclass(frozen=True)
class OrganisationReportData:
    """Every organisation response one organisation gave in one round, and its actions."""

    partnership: Partnership
    round: Round
    organisation: Organisation
    assessments: tuple[AssessmentReportData, ...]
    actions: tuple[Action, ...] = ()
    questionnaires: Mapping[str, Questionnaire] = field(default_factory=dict)
    shortened: tuple[str, ...] = ()
    """As AssessmentReportData.shortened, for the whole report."""

    @property
    def drafts(self) -> int:
        """How many of the assessments are still drafts."""
        return sum(1 for a in self.assessments if a.is_draft)


@dataclass(frozen=True)
class BuiltReport:
    """A rendered PDF: its bytes and how many pages it has."""

    pdf: bytes
    pages: int
