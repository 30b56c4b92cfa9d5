"""Use cases of a facilitator's workshop (issue 10): create one for a round and a
questionnaire; add participants as they arrive (a draft individual view each, name
optional), remove them (detached: nothing typed is lost), join views brought along (from
a bundle or an online form's spreadsheet); hand the laptop back and resume; record each
statement's outcome (agreed with a rating, or not agreed with the positions by sector)
with its reasoning, and the actions that came up.

Participants' views are individual views: the summaries here count them and their
progress, never their ratings one by one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..domain import (
    Action,
    AgreedScore,
    AgreementOutcome,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    AssessmentSummary,
    PartnerType,
    Position,
    Sector,
    Unrated,
    Workshop,
)
from ..store import KEEP, RecordNotFoundError
from ..store.store import checked_positions
from .core import ServiceError, ServicesCore

# ics_assess.workshop is imported by the method that uses it (issue 12).
if TYPE_CHECKING:
    from ..workshop import WorkshopView


@dataclass(frozen=True)
class WorkshopSummary:
    """A row of the workshop list: the workshop with the names around it and its counts
    (participants, how many handed back, outcomes agreed and not agreed, actions)."""

    workshop: Workshop
    partnership_id: str
    partnership_name: str
    round_id: str
    round_name: str
    questionnaire_id: str
    questionnaire_version: str
    questionnaire_title: str
    participants: int
    answered: int
    agreed: int
    not_agreed: int
    actions: int

    @property
    def id(self) -> str:
        """The workshop's id."""
        return self.workshop.id

    @property
    def title(self) -> str:
        """The workshop's title."""
        return self.workshop.title

    @property
    def held_on(self) -> str:
        """The date the workshop was held, as typed."""
        return self.workshop.held_on

    @property
    def facilitator(self) -> str:
        """The facilitator's name, as typed."""
        return self.workshop.facilitator


@dataclass(frozen=True)
class ParticipantProgress:
    """One participant of a workshop, for the facilitator's list: who (the name, or
    'Participant N' in order of arrival), of which organisation, and how far along.
    No ratings: a participant's view is never shown one by one."""

    assessment_id: str
    organisation_id: str
    organisation_name: str
    partner_type: PartnerType
    sector: Sector
    respondent_label: str
    respondent_role: str
    status: AssessmentStatus
    answered: int
    total: int
    named: bool

    @property
    def handed_back(self) -> bool:
        """True once the participant has finished (submitted)."""
        return self.status is AssessmentStatus.SUBMITTED


class WorkshopUseCases(ServicesCore):
    """Workshops, their participants, outcomes and actions."""

    # --- workshops ---------------------------------------------------------------------

    def workshop(self, workshop_id: str) -> Workshop:
        """One workshop (RecordNotFoundError if there is none)."""
        return self.store.workshop(workshop_id)

    def workshops(self, round_id: str | None = None) -> list[WorkshopSummary]:
        """Every workshop (of one round, or all), by date, with its counts."""
        where, params = ("WHERE w.round_id = ?", [round_id]) if round_id else ("", [])
        sql = f"""
            SELECT w.id AS workshop_id, p.id AS partnership_id, p.name AS partnership_name,
                   r.name AS round_name, q.title AS questionnaire_title,
                   (SELECT count(*) FROM assessments a WHERE a.workshop_id = w.id)
                       AS participants,
                   (SELECT count(*) FROM assessments a WHERE a.workshop_id = w.id
                      AND a.status = 'submitted') AS answered,
                   (SELECT count(*) FROM agreed_scores s WHERE s.workshop_id = w.id
                      AND s.outcome = 'agreed') AS agreed,
                   (SELECT count(*) FROM agreed_scores s WHERE s.workshop_id = w.id
                      AND s.outcome = 'not_agreed') AS not_agreed,
                   (SELECT count(*) FROM actions x WHERE x.workshop_id = w.id) AS actions
            FROM workshops w
            JOIN rounds r ON r.id = w.round_id
            JOIN partnerships p ON p.id = r.partnership_id
            JOIN questionnaire_versions q
              ON q.questionnaire_id = w.questionnaire_id AND q.version = w.questionnaire_version
            {where}
        """
        facts = {row["workshop_id"]: row for row in self.store.db.query(sql, params)}
        summaries = []
        for workshop in self.store.workshops(round_id):
            row = facts[workshop.id]
            summaries.append(
                WorkshopSummary(
                    workshop=workshop,
                    partnership_id=row["partnership_id"],
                    partnership_name=row["partnership_name"],
                    round_id=workshop.round_id,
                    round_name=row["round_name"],
                    questionnaire_id=workshop.questionnaire_id,
                    questionnaire_version=workshop.questionnaire_version,
                    questionnaire_title=row["questionnaire_title"],
                    participants=row["participants"],
                    answered=row["answered"],
                    agreed=row["agreed"],
                    not_agreed=row["not_agreed"],
                    actions=row["actions"],
                )
            )
        return summaries

    def workshop_summary(self, workshop_id: str) -> WorkshopSummary:
        """One workshop's row of the list."""
        workshop = self.store.workshop(workshop_id)
        return next(s for s in self.workshops(workshop.round_id) if s.id == workshop_id)

    def create_workshop(
        self,
        *,
        round_id: str,
        questionnaire_id: str,
        title: str,
        held_on: str = "",
        facilitator: str = "",
    ) -> Workshop:
        """A new workshop in a round on the newest version of a questionnaire."""
        loaded = self.latest_questionnaire(questionnaire_id)
        q = loaded.questionnaire
        with self.store.transaction():
            self.keep_questionnaire(loaded)
            return self.store.add_workshop(
                round_id=round_id,
                questionnaire_id=q.id,
                questionnaire_version=q.version,
                title=title,
                held_on=held_on,
                facilitator=facilitator,
            )

    def resolve_workshop_id(self, text: str) -> str:
        """A full workshop id from a full id or a unique beginning of one (4 characters
        or more)."""
        wanted = text.strip().lower()
        if len(wanted) < 4:
            raise ServiceError("Give at least the first 4 characters of a workshop id.")
        matches = [w.id for w in self.store.workshops() if w.id.startswith(wanted)]
        if not matches:
            raise ServiceError(
                f"There is no workshop with id {wanted} (see 'ics-assess workshop list')."
            )
        if len(matches) > 1:
            raise ServiceError(f"More than one workshop id begins with {wanted}; give more of it.")
        return matches[0]

    def workshop_view(self, workshop_id: str) -> WorkshopView:
        """What the room, the projector, ``workshop show`` and the report show
        (ics_assess.workshop.build_workshop_view), fed from the store: the workshop, its
        questionnaire version, its participants' assessments with their organisations
        and answers, its outcomes and its actions."""
        from ..workshop import ParticipantEntry, build_workshop_view

        store = self.store
        workshop = store.workshop(workshop_id)
        rnd = store.round(workshop.round_id)
        assessments = store.workshop_participants(workshop_id)
        answers = store.answers_for(a.id for a in assessments)
        organisations = {o.id: o for o in store.organisations(rnd.partnership_id)}
        participants = []
        for a in assessments:
            organisation = organisations.get(a.organisation_id) or store.organisation(
                a.organisation_id
            )
            participants.append(
                ParticipantEntry(a, organisation, self.questionnaire_of(a), answers[a.id])
            )
        return build_workshop_view(
            workshop=workshop,
            partnership=store.partnership(rnd.partnership_id),
            round=rnd,
            questionnaire=self.questionnaire(
                workshop.questionnaire_id, workshop.questionnaire_version
            ),
            participants=participants,
            agreed=store.agreed_scores(workshop_id),
            actions=store.actions(workshop_id=workshop_id),
        )

    # --- participants ------------------------------------------------------------------

    def add_participant(
        self,
        workshop_id: str,
        *,
        organisation_id: str,
        respondent_name: str | None = None,
        role: str = "",
    ) -> Assessment:
        """A participant arrives: a draft individual view of the workshop's questionnaire
        (the version the workshop is on) in its round, of an organisation of the round's
        partnership. The name is optional; two people of one organisation are two
        participants."""
        workshop = self.store.workshop(workshop_id)
        with self.store.transaction():
            return self.store.create_assessment(
                round_id=workshop.round_id,
                organisation_id=organisation_id,
                questionnaire_id=workshop.questionnaire_id,
                questionnaire_version=workshop.questionnaire_version,
                kind=AssessmentKind.INDIVIDUAL,
                respondent_name=respondent_name,
                respondent_role=role,
                workshop_id=workshop_id,
            )

    def participants(self, workshop_id: str) -> list[ParticipantProgress]:
        """The workshop's participants in order of arrival, with their progress."""
        self.store.workshop(workshop_id)
        summaries = {
            s.assessment.id: s
            for s in self.store.list_assessments()
            if s.assessment.workshop_id == workshop_id
        }
        result = []
        for number, assessment in enumerate(self.store.workshop_participants(workshop_id), 1):
            s = summaries[assessment.id]
            result.append(
                ParticipantProgress(
                    assessment_id=assessment.id,
                    organisation_id=assessment.organisation_id,
                    organisation_name=s.organisation_name,
                    partner_type=s.partner_type,
                    sector=s.partner_type.sector,
                    respondent_label=assessment.respondent_name or f"Participant {number}",
                    respondent_role=assessment.respondent_role,
                    status=assessment.status,
                    answered=s.answered,
                    total=s.total_items,
                    named=assessment.respondent_name is not None,
                )
            )
        return result

    def _participant(self, assessment_id: str) -> Assessment:
        assessment = self.store.assessment(assessment_id)
        if assessment.workshop_id is None:
            raise ServiceError("That assessment is not a participant of a workshop.")
        return assessment

    def remove_participant(self, assessment_id: str) -> Assessment:
        """Take a participant out of their workshop. Their view is detached, not deleted:
        every answer stays, as an individual view in the round (delete it from the
        assessment list if it should go), and it can be joined again."""
        self._participant(assessment_id)
        return self.store.update_assessment(assessment_id, workshop_id=None)

    def joinable_views(self, workshop_id: str) -> list[AssessmentSummary]:
        """The individual views of the workshop's round and questionnaire in no workshop:
        the ones brought along (a bundle or a spreadsheet imported) that could join."""
        workshop = self.store.workshop(workshop_id)
        return [
            s
            for s in self.store.list_assessments(
                round_id=workshop.round_id, questionnaire_id=workshop.questionnaire_id
            )
            if s.assessment.kind is AssessmentKind.INDIVIDUAL and s.assessment.workshop_id is None
        ]

    def join_workshop(self, workshop_id: str, assessment_ids: Iterable[str]) -> list[str]:
        """Bring-your-own: individual views imported from a bundle or an online form's
        spreadsheet join the workshop as participants. Each must be an individual view of
        the workshop's round and questionnaire, in no other workshop; ServiceError (one
        sentence, nothing joined) otherwise. One already in the workshop is left as it is
        (importing the same bundle twice and joining again joins once). Returns the ids
        that joined now."""
        workshop = self.store.workshop(workshop_id)
        joining: list[str] = []
        with self.store.transaction():
            for assessment_id in dict.fromkeys(assessment_ids):
                try:
                    a = self.store.assessment(assessment_id)
                except RecordNotFoundError:
                    raise ServiceError(
                        f"There is no assessment with id {assessment_id}; nothing was joined."
                    ) from None
                self._check_joinable(workshop, a)
                if a.workshop_id != workshop_id:
                    joining.append(a.id)
            for assessment_id in joining:
                self.store.update_assessment(assessment_id, workshop_id=workshop_id)
        return joining

    def _check_joinable(self, workshop: Workshop, a: Assessment) -> None:
        whose = f"The view {a.id[:8]}"
        if a.kind is not AssessmentKind.INDIVIDUAL:
            raise ServiceError(
                f"{whose} is an organisation's response, not one person's view; only "
                "individual views join a workshop. Nothing was joined."
            )
        if a.round_id != workshop.round_id:
            raise ServiceError(
                f"{whose} belongs to another round than the workshop's; nothing was joined."
            )
        if a.questionnaire_id != workshop.questionnaire_id:
            raise ServiceError(
                f"{whose} answers another questionnaire ('{a.questionnaire_id}') than the "
                f"workshop's ('{workshop.questionnaire_id}'); nothing was joined."
            )
        if a.workshop_id not in (None, workshop.id):
            raise ServiceError(
                f"{whose} already belongs to another workshop; remove it there first. "
                "Nothing was joined."
            )

    def hand_back(self, assessment_id: str) -> Assessment:
        """The participant has finished ("I've finished"): their view is submitted, with
        any statement left unanswered, and locked until the facilitator resumes it."""
        self._participant(assessment_id)
        return self.store.submit(assessment_id)

    def resume_participant(self, assessment_id: str) -> Assessment:
        """The facilitator reopens a participant's handed-back view (logged)."""
        self._participant(assessment_id)
        return self.store.reopen(assessment_id)

    # --- outcomes ----------------------------------------------------------------------

    def _statement(self, workshop_id: str, item_id: str) -> Workshop:
        workshop = self.store.workshop(workshop_id)
        q = self.questionnaire(workshop.questionnaire_id, workshop.questionnaire_version)
        try:
            q.item(item_id)
        except KeyError:
            raise ServiceError(
                f"Statement '{item_id}' is not part of this workshop's questionnaire."
            ) from None
        return workshop

    def agreed_outcomes(self, workshop_id: str) -> dict[str, AgreedScore]:
        """The workshop's outcome of each statement that has one, by item id."""
        self.store.workshop(workshop_id)
        return self.store.agreed_scores(workshop_id)

    def set_agreed_outcome(
        self,
        workshop_id: str,
        item_id: str,
        value: int | Unrated | str | None,
        *,
        target: int | None = None,
        reasoning: str = KEEP,
    ) -> AgreedScore:
        """The room agreed: a rating 1-5, don't know or not applicable. Replaces a 'not
        agreed' and its positions; the reasoning typed before is kept unless given."""
        self._statement(workshop_id, item_id)
        try:
            return self.store.set_agreed(
                workshop_id, item_id, value, target=target, reasoning=reasoning
            )
        except ValueError as exc:
            raise ServiceError(str(exc)) from None

    def set_not_agreed(
        self,
        workshop_id: str,
        item_id: str,
        positions: Sequence[Position],
        *,
        reasoning: str = KEEP,
    ) -> AgreedScore:
        """The room did not agree: each position (a rating 1-5 and the sectors holding it,
        at least one; each rating once) replaces those recorded before. The reasoning
        typed before is kept unless given."""
        self._statement(workshop_id, item_id)
        try:
            checked_positions(positions)
            return self.store.set_not_agreed(workshop_id, item_id, positions, reasoning=reasoning)
        except ValueError as exc:
            raise ServiceError(str(exc)) from None

    def set_outcome_reasoning(self, workshop_id: str, item_id: str, reasoning: str) -> AgreedScore:
        """Change only the reasoning of a statement's recorded outcome."""
        self._statement(workshop_id, item_id)
        try:
            return self.store.set_agreed_reasoning(workshop_id, item_id, reasoning)
        except RecordNotFoundError as exc:
            raise ServiceError(str(exc)) from None

    def clear_agreed(self, workshop_id: str, item_id: str) -> None:
        """Forget a statement's outcome (rating or positions) and its reasoning."""
        self.store.clear_agreed(workshop_id, item_id)

    # --- actions -----------------------------------------------------------------------

    def add_workshop_action(
        self,
        workshop_id: str,
        item_id: str,
        *,
        description: str,
        owner: str = "",
        due_on: str = "",
    ) -> Action:
        """An action that came up on a statement: of the workshop's partnership and
        round, tied to the workshop, its questionnaire, the statement's section and the
        statement."""
        workshop = self._statement(workshop_id, item_id)
        q = self.questionnaire(workshop.questionnaire_id, workshop.questionnaire_version)
        rnd = self.store.round(workshop.round_id)
        return self.store.add_action(
            partnership_id=rnd.partnership_id,
            round_id=rnd.id,
            description=description,
            owner=owner,
            due_on=due_on,
            workshop_id=workshop_id,
            questionnaire_id=workshop.questionnaire_id,
            section_id=q.section_of(item_id).id,
            item_id=item_id,
        )

    def workshop_actions(self, workshop_id: str) -> list[Action]:
        """The workshop's actions, by due date."""
        self.store.workshop(workshop_id)
        return self.store.actions(workshop_id=workshop_id)

    # Changing, completing and dropping an action: services/actions.py.


__all__ = [
    "AgreementOutcome",
    "ParticipantProgress",
    "Position",
    "WorkshopSummary",
    "WorkshopUseCases",
]
