"""Use cases of one assessment: start it, answer it, submit or reopen it, copy it to
another round, delete it and undo that; read it with its scores; list assessments."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain import (
    Answer,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    AssessmentSummary,
    Band,
    Item,
    Organisation,
    Partnership,
    Questionnaire,
    Round,
    Unrated,
)
from ..store import DeletedAssessment, QuestionnaireChangedError, Store
from .core import ServiceError, ServicesCore

# scoring is imported by the methods that score: ``list`` scores nothing (issue 12).
if TYPE_CHECKING:
    from ..scoring import QuestionnaireScore


@dataclass(frozen=True)
class AssessmentDetail:
    """An assessment with everything needed to show or report it."""

    assessment: Assessment
    partnership: Partnership
    round: Round
    organisation: Organisation
    questionnaire: Questionnaire
    answers: dict[str, Answer]
    score: QuestionnaireScore

    @property
    def answered(self) -> int:
        """How many items have a rating, don't know or not applicable."""
        ids = {item.id for item in self.questionnaire.items}
        return sum(1 for i, a in self.answers.items() if i in ids and a.is_answered)

    @property
    def unanswered_items(self) -> list[Item]:
        """Items with no rating, don't know or not applicable, in questionnaire order."""
        return [
            item
            for item in self.questionnaire.items
            if not (item.id in self.answers and self.answers[item.id].is_answered)
        ]


@dataclass(frozen=True)
class OverallScore:
    """One assessment's overall score for a list: the 1-5 mean (None when no section has
    enough answers), its band, and the questionnaire's bands (to colour it)."""

    mean: float | None
    band: Band | None
    bands: tuple[Band, ...]
    basis: str = ""  # "based on 3 of 6 sections" when the score is provisional, else ""

    @property
    def provisional(self) -> bool:
        """True when the score rests on fewer than all the sections."""
        return bool(self.basis)


class AssessmentUseCases(ServicesCore):
    """Starting, answering, submitting, copying, deleting and reading assessments."""

    def start_assessment(
        self,
        *,
        round_id: str,
        organisation_id: str,
        questionnaire_id: str,
        kind: AssessmentKind | str,
        respondent_name: str | None = None,
        respondent_role: str = "",
        workshop_id: str | None = None,
    ) -> Assessment:
        """Start a draft on the newest version of a questionnaire."""
        loaded = self.latest_questionnaire(questionnaire_id)
        q = loaded.questionnaire
        with self.store.transaction():
            self.keep_questionnaire(loaded)
            return self.store.create_assessment(
                round_id=round_id,
                organisation_id=organisation_id,
                questionnaire_id=q.id,
                questionnaire_version=q.version,
                kind=kind,
                respondent_name=respondent_name,
                respondent_role=respondent_role,
                workshop_id=workshop_id,
            )

    def _checked(self, assessment_id: str, *item_ids: str | None, fresh: bool = False):
        """The (questionnaire id, version) an assessment is answered on, once each
        statement given is found in it: ServiceError if one is not, RecordNotFoundError
        when there is no such assessment. Both are remembered (an assessment's version
        per assessment, a version's statements once, as a stored version's text never
        changes), so an answer costs no query here: the write itself confirms, under the
        write lock, that the assessment is still on that version (the store's
        ``questionnaire``), and ``fresh`` reads it again when it is not."""
        key = None if fresh else self._versions.get(assessment_id)
        if key is None:
            key = tuple(self.store.questionnaire_key(assessment_id))
            if len(self._versions) >= 4096:
                self._versions.clear()
            self._versions[assessment_id] = key
        known = self._statements.get(key)
        if known is None:
            known = frozenset(item.id for item in self.questionnaire(*key).items)
            self._statements[key] = known
        for item_id in item_ids:
            if item_id is not None and item_id not in known:
                raise ServiceError(
                    f"Statement '{item_id}' is not part of this assessment's questionnaire."
                )
        return key

    def _write_answer(self, assessment_id: str, item_ids: tuple, write) -> Answer:
        """Check the statements, then ``write(questionnaire)``; once more, checked
        afresh, if the assessment was moved to another version meanwhile."""
        key = self._checked(assessment_id, *item_ids)
        try:
            return write(key)
        except QuestionnaireChangedError:
            return write(self._checked(assessment_id, *item_ids, fresh=True))

    def answer(
        self,
        assessment_id: str,
        item_id: str,
        value: int | Unrated | str | None,
        *,
        position: str | None = None,
    ) -> Answer:
        """Record a rating 1-5, don't know, not applicable, or None to clear it: one
        commit of a few prepared statements, the change log's entry included. In the
        same commit the assessment's position moves to ``position`` (the statement to
        resume at, e.g. the next one when the respondent moves on), else to this one."""
        return self._write_answer(
            assessment_id,
            (item_id, position),
            lambda key: self.store.set_rating(
                assessment_id, item_id, value, position=position, questionnaire=key
            ),
        )

    def set_target(self, assessment_id: str, item_id: str, target: int | None) -> Answer:
        """Record where the respondent wants the partnership to be on this statement."""
        return self._write_answer(
            assessment_id,
            (item_id,),
            lambda key: self.store.set_target(assessment_id, item_id, target, questionnaire=key),
        )

    def set_comment(self, assessment_id: str, item_id: str, comment: str) -> Answer:
        """Record the comment on a statement (its evidence reference is set_evidence)."""
        return self._write_answer(
            assessment_id,
            (item_id,),
            lambda key: self.store.set_comment(assessment_id, item_id, comment, questionnaire=key),
        )

    def set_evidence(self, assessment_id: str, item_id: str, evidence: str) -> Answer:
        """Record where the evidence for a statement is: a document, a link or a minute,
        one per line ("" for none)."""
        return self._write_answer(
            assessment_id,
            (item_id,),
            lambda key: self.store.set_evidence(
                assessment_id, item_id, evidence, questionnaire=key
            ),
        )

    def set_position(self, assessment_id: str, item_id: str | None) -> None:
        """Remember the statement an assessment is at, to resume there next time."""
        self.store.set_position(assessment_id, item_id)

    def waiting_at_most(self, milliseconds: int):
        """A context in which writes wait at most ``milliseconds`` for another program's
        write lock before failing (WriteError: "another program is using the database"),
        for the window's autosave, which keeps and retries what it could not write."""
        return self.store.waiting_at_most(milliseconds)

    def submit(self, assessment_id: str, *, allow_unanswered: bool = False) -> Assessment:
        """Submit an assessment; refuse while statements are unanswered unless allowed."""
        detail = self.detail(assessment_id)
        missing = detail.unanswered_items
        if missing and not allow_unanswered:
            raise ServiceError(
                f"{len(missing)} statements are still unanswered, the first being "
                f"'{missing[0].id}'. Answer them (don't know is an answer) or submit anyway."
            )
        return self.store.submit(assessment_id)

    def reopen(self, assessment_id: str) -> Assessment:
        """Make a submitted assessment editable again (recorded in the change log)."""
        return self.store.reopen(assessment_id)

    def delete_assessment(self, assessment_id: str) -> DeletedAssessment:
        """Delete an assessment; keep the returned value to undo it with restore."""
        return self.store.delete_assessment(assessment_id)

    def restore_assessment(self, deleted: DeletedAssessment) -> Assessment:
        """Undo a deletion."""
        return self.store.restore_assessment(deleted)

    def duplicate_to_round(self, assessment_id: str, round_id: str) -> Assessment:
        """Start a new draft in another round for the same organisation, respondent and
        questionnaire (its newest version), with the old answers as a starting point.
        Answers to statements the newer version no longer has are left behind."""
        old = self.store.assessment(assessment_id)
        old_answers = self.store.answers(assessment_id)
        with self.store.transaction():
            new = self.start_assessment(
                round_id=round_id,
                organisation_id=old.organisation_id,
                questionnaire_id=old.questionnaire_id,
                kind=old.kind,
                respondent_name=old.respondent_name,
                respondent_role=old.respondent_role,
            )
            items = {item.id for item in self.questionnaire_of(new).items}
            for item_id, answer in old_answers.items():
                if item_id not in items:
                    continue
                if answer.is_answered:
                    self.store.set_rating(new.id, item_id, answer.rating or answer.unrated)
                if answer.target is not None:
                    self.store.set_target(new.id, item_id, answer.target)
                if answer.comment:
                    self.store.set_comment(new.id, item_id, answer.comment)
                if answer.evidence:
                    self.store.set_evidence(new.id, item_id, answer.evidence)
            self.store.set_position(new.id, None)
        return self.store.assessment(new.id)

    # --- reading -----------------------------------------------------------------------

    def assessment(self, assessment_id: str) -> Assessment:
        """One assessment, without its answers (RecordNotFoundError if there is none)."""
        return self.store.assessment(assessment_id)

    def detail(self, assessment_id: str) -> AssessmentDetail:
        """An assessment with its names, questionnaire, answers and scores."""
        from ..scoring import questionnaire_score

        assessment = self.store.assessment(assessment_id)
        rnd = self.store.round(assessment.round_id)
        questionnaire = self.questionnaire_of(assessment)
        answers = self.store.answers(assessment_id)
        return AssessmentDetail(
            assessment=assessment,
            partnership=self.store.partnership(rnd.partnership_id),
            round=rnd,
            organisation=self.store.organisation(assessment.organisation_id),
            questionnaire=questionnaire,
            answers=answers,
            score=questionnaire_score(questionnaire, answers),
        )

    def list_assessments(self, **filters: str | None) -> list[AssessmentSummary]:
        """The assessment list (see Store.list_assessments for the filters)."""
        return self.store.list_assessments(**filters)

    def organisation_responses(
        self, *, round_id: str, organisation_id: str, questionnaire_id: str
    ) -> list[AssessmentSummary]:
        """The organisation's own responses to a questionnaire in a round (drafts too, on
        any version), the first started first. An organisation normally gives one, so
        starting another offers the one there is."""
        rows = self.store.list_assessments(
            round_id=round_id, organisation_id=organisation_id, questionnaire_id=questionnaire_id
        )
        own = [s for s in rows if s.assessment.kind == AssessmentKind.ORGANISATION]
        return sorted(own, key=lambda s: (s.assessment.created_at, s.assessment.id))

    @staticmethod
    def read_assessment_list(db_path: Path | str) -> list[AssessmentSummary]:
        """The whole assessment list of a database file, on a connection of its own (so
        any thread can call it), without reading the forms folders, and without SQLite's
        quick check: for a database the caller has open (and checked when it opened it)."""
        with Store.open(Path(db_path), create=False, check=False) as store:
            return store.list_assessments()

    def resolve_assessment_id(self, text: str) -> str:
        """A full assessment id from a full id or a unique beginning of one."""
        text = text.strip().lower()
        if len(text) < 4:
            raise ServiceError("Give at least the first 4 characters of an assessment id.")
        rows = list(
            self.store.db.query(
                "SELECT id FROM assessments WHERE id LIKE ? ESCAPE '\\' LIMIT 2",
                [text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"],
            )
        )
        if not rows:
            raise ServiceError(f"There is no assessment with id {text}.")
        if len(rows) > 1:
            raise ServiceError(f"More than one assessment id begins with {text}; give more of it.")
        return rows[0]["id"]

    def status_counts(self, assessment_ids: Iterable[str]) -> dict[AssessmentStatus, int]:
        """How many of the given assessments are drafts and how many submitted."""
        counts = dict.fromkeys(AssessmentStatus, 0)
        for assessment in self.store.assessments(assessment_ids):
            counts[assessment.status] += 1
        return counts

    def overall_scores(
        self, assessment_ids: Iterable[str] | None = None
    ) -> dict[str, OverallScore]:
        """The overall score of many assessments at once (all of them by default): one
        query for the list, answers read 500 assessments a query (``answers_for``), and
        each questionnaire version parsed once. An assessment whose questionnaire cannot
        be read is left out."""
        wanted = set(assessment_ids) if assessment_ids is not None else None
        assessments = [
            s.assessment
            for s in self.store.list_assessments()
            if wanted is None or s.assessment.id in wanted
        ]
        answers = self.store.answers_for(a.id for a in assessments)
        from ..scoring import questionnaire_score

        versions: dict[tuple[str, str], Questionnaire | None] = {}
        scores: dict[str, OverallScore] = {}
        for a in assessments:
            key = (a.questionnaire_id, a.questionnaire_version)
            if key not in versions:
                try:
                    versions[key] = self.questionnaire_of(a)
                except ServiceError:
                    versions[key] = None
            q = versions[key]
            if q is None:
                continue
            score = questionnaire_score(q, answers.get(a.id, {}))
            scores[a.id] = OverallScore(
                score.mean, score.band, tuple(q.bands), score.basis if score.provisional else ""
            )
        return scores
