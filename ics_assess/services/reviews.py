"""Use cases of the six-month review (issue 11): the concerns partners raised, and the
review pack of a partnership between two of its rounds.

A concern is a section or statement of a questionnaire marked, in a round, as "a
concern we raised" by a partner (or by the partnership as a whole), with their words.
The review gathers, for the later round against the earlier: each questionnaire's
comparison with its trend, the actions agreed in the earlier round followed through the
rounds they were carried to, the profile's facts in both rounds and the concerns raised
up to the later round; ``ics_assess.review.build_review`` works out the rest. Uses
``compare`` (comparisons.py), ``action_plan`` and ``action_history`` (actions.py) and
``round_profile`` (profile.py) through the composed Services.
"""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain import AssessmentKind, Concern, Questionnaire, Round
from ..store import InvalidTextError, RecordNotFoundError
from .core import ServiceError, ServicesCore

# ics_assess.review and comparison are imported by the methods that use them: ``list``
# and ``report`` need neither (issue 12).
if TYPE_CHECKING:
    from ..review import ActionFate, ConcernRow, ProfileLine, Review
    from ..scoring import Change

_PREVIOUS = "previous"  # comparisons.PREVIOUS, without importing another area


def _names(organisations) -> list[str]:
    return [o.name for o in organisations]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _change_doc(change: Change | None) -> dict[str, Any]:
    if change is None:
        return {"before": None, "after": None, "change": None, "moved": False}
    return {
        "before": _rounded(change.before),
        "after": _rounded(change.after),
        "change": _rounded(change.change),
        "moved": change.moved,
    }


class ReviewUseCases(ServicesCore):
    """Concerns raised, and the review pack of two rounds."""

    # --- concerns ----------------------------------------------------------------------

    def add_concern(
        self,
        round_id: str,
        *,
        questionnaire_id: str,
        section_id: str | None = None,
        item_id: str | None = None,
        organisation_id: str | None = None,
        note: str = "",
    ) -> Concern:
        """Mark a section or statement of a questionnaire as a concern raised in a round,
        by an organisation of the partnership (or, without one, by the partnership). The
        same section or statement raised twice by the same partner is refused."""
        rnd = self._review_round(round_id)
        q = self.concern_questionnaire(questionnaire_id)
        # A statement or section of an earlier version (answered in an earlier round) is
        # found in the newest version that has it.
        q = self.questionnaire_with(questionnaire_id, item_id=item_id, section_id=section_id) or q
        if item_id:
            try:
                section = q.section_of(item_id).id
            except KeyError:
                raise ServiceError(
                    f"The questionnaire '{q.title}' has no statement '{item_id}'."
                ) from None
            if section_id and section_id != section:
                raise ServiceError("That statement is in another section.")
            section_id = section
        elif not section_id:
            raise ServiceError("Choose the section or statement the concern is about.")
        elif section_id not in {s.id for s in q.sections}:
            raise ServiceError(f"The questionnaire '{q.title}' has no section '{section_id}'.")
        if organisation_id:
            try:
                org = self.store.organisation(organisation_id)
            except RecordNotFoundError:
                raise ServiceError(
                    f"There is no organisation with the id '{organisation_id}'."
                ) from None
            if org.partnership_id != rnd.partnership_id:
                raise ServiceError("That organisation belongs to another partnership.")
        for existing in self.store.concerns(rnd.partnership_id):
            if (
                existing.questionnaire_id == questionnaire_id
                and existing.item_id == (item_id or None)
                and (item_id or existing.section_id == section_id)
                and existing.organisation_id == (organisation_id or None)
            ):
                row = self._concern_row(existing)
                raise ServiceError(
                    f"{row.raised_by} has already raised “{row.label[:80]}” as a concern "
                    f"(in {row.round_name})."
                )
        try:
            return self.store.add_concern(
                round_id=rnd.id,
                questionnaire_id=questionnaire_id,
                section_id=None if item_id else section_id,
                item_id=item_id or None,
                organisation_id=organisation_id or None,
                note=note,
            )
        except InvalidTextError as exc:
            raise ServiceError(str(exc)) from None

    def find_concern(self, text: str) -> str:
        """A concern's id from its id or a unique beginning of it (4 characters or more)."""
        wanted = text.strip().lower()
        if len(wanted) < 4:
            raise ServiceError("Give a concern's id, or at least its first 4 characters.")
        found = [
            c.id
            for p in self.store.partnerships()
            for c in self.store.concerns(p.id)
            if c.id.startswith(wanted)
        ]
        if not found:
            raise ServiceError(f"There is no concern with the id '{text.strip()}'.")
        if len(found) > 1:
            raise ServiceError(f"More than one concern's id begins '{text.strip()}'; give more.")
        return found[0]

    def remove_concern(self, concern_id: str) -> None:
        """Remove a concern (ServiceError if there is none)."""
        try:
            self.store.delete_concern(concern_id)
        except RecordNotFoundError:
            raise ServiceError(f"There is no concern with the id '{concern_id}'.") from None

    def concern_rows(
        self, partnership_id: str, upto_round_id: str | None = None
    ) -> list[ConcernRow]:
        """A partnership's concerns with their names, oldest first; with
        ``upto_round_id``, only those raised in that round or before it."""
        concerns = self.store.concerns(partnership_id)
        if upto_round_id is not None:
            allowed = self._rounds_upto(upto_round_id)
            concerns = [c for c in concerns if c.round_id in allowed]
        return [self._concern_row(c) for c in concerns]

    # --- the review --------------------------------------------------------------------

    def review(
        self,
        round_id: str,
        *,
        since: str | None = _PREVIOUS,
        kind: AssessmentKind | str = AssessmentKind.ORGANISATION,
        today: date | None = None,
    ) -> Review:
        """The review of a round against an earlier round of the same partnership
        (``since``: a round id, or "previous" for the round opened before it)."""
        rnd = self._review_round(round_id)
        earlier = self._earlier_round(rnd, since)
        kind = AssessmentKind(kind)
        today = today or date.today()
        partnership = self.store.partnership(rnd.partnership_id)
        comparisons = []
        for qid, _title in self.compared_questionnaires(rnd.partnership_id):
            c = self.compare(round_id=rnd.id, questionnaire_id=qid, kind=kind, since=earlier.id)
            t = c.trend
            if c.empty and (t is None or not (t.only_before or t.overall.matched)):
                continue  # answered in neither round
            comparisons.append(c)
        rows = self.concern_rows(rnd.partnership_id, rnd.id)
        from ..review import build_review

        return build_review(
            partnership=partnership,
            round=rnd,
            since=earlier,
            kind=kind,
            produced_on=today,
            comparisons=comparisons,
            actions=self._fates(earlier, rnd, today),
            new_actions=self._new_actions(rnd, today),
            profile=self.profile_lines(rnd.id, earlier.id),
            concerns=rows,
        )

    def review_document(self, review: Review) -> dict[str, Any]:
        """The review as the documented JSON shape of ``ics-assess review --json``
        (docs/cli.md)."""
        from ..comparison import OVERALL
        from ..review import headline_change

        individual = review.kind == AssessmentKind.INDIVIDUAL
        questionnaires = []
        for qr in review.questionnaires:
            c = qr.comparison
            t = c.trend
            scopes = t.scopes if t is not None else ()
            overall = scopes[0] if scopes else None
            orgs = []
            if overall is not None and not individual:
                for org_id, change in sorted(
                    overall.trend.by_organisation.items(),
                    key=lambda kv: c.organisations[kv[0]].name.lower(),
                ):
                    orgs.append(
                        {"id": org_id, "name": c.organisations[org_id].name, **_change_doc(change)}
                    )
            questionnaires.append(
                {
                    "id": c.questionnaire.id,
                    "title": c.questionnaire.title,
                    "version": c.questionnaire.version,
                    "matched_organisations": qr.matched,
                    "system": _change_doc(headline_change(overall) if overall else None),
                    "system_complete": bool(overall and overall.trend.system.change is not None),
                    "sectors": {
                        s.value: _change_doc(ch)
                        for s, ch in (overall.trend.by_sector.items() if overall else ())
                    },
                    "organisations": orgs,
                    "sections": [
                        {
                            "id": scope.key,
                            "title": scope.label,
                            "system": _change_doc(headline_change(scope)),
                            "sectors": {
                                s.value: _change_doc(ch) for s, ch in scope.trend.by_sector.items()
                            },
                        }
                        for scope in scopes[1:]
                    ],
                    "gaps": [
                        {
                            "scope": g.scope,
                            "id": None if g.key == OVERALL else g.key,
                            "label": g.label,
                            "between": [g.first.value, g.second.value],
                            "before": _rounded(g.before),
                            "after": _rounded(g.after),
                            "verdict": g.verdict,
                        }
                        for g in qr.gaps
                    ],
                    "moved_most": [
                        {"id": s.key, "label": s.label, **_change_doc(headline_change(s))}
                        for s in qr.moved
                    ],
                    "only_before": []
                    if individual or t is None
                    else [o.name for o in t.only_before],
                    "only_after": [] if individual or t is None else [o.name for o in t.only_after],
                    "changed_statements": list(t.changed_items) if t is not None else [],
                }
            )

        def action_doc(a: ActionFate) -> dict[str, Any]:
            return {
                "id": a.action_id,
                "description": a.description,
                "answers": a.answers,
                "owner": a.owner,
                "due_on": a.due_on or None,
                "first_due_on": a.first_due_on or None,
                "status": a.status.value,
                "fate": a.fate,
                "fate_on": a.fate_on or None,
                "carried_to": a.carried_to or None,
            }

        return {
            "partnership": {"id": review.partnership.id, "name": review.partnership.name},
            "round": {"id": review.round.id, "name": review.round.name},
            "since": {"id": review.since.id, "name": review.since.name},
            "kind": review.kind.value,
            "produced_on": review.produced_on.isoformat(),
            "summary": list(review.summary()),
            "questionnaires": questionnaires,
            "actions": [action_doc(a) for a in review.actions],
            "new_actions": [action_doc(a) for a in review.new_actions],
            "profile": [
                {
                    "id": p.fact_id,
                    "label": p.label,
                    "unit": p.unit,
                    "computed": p.computed,
                    "before": p.before,
                    "after": p.after,
                    "change": p.change_text or None,
                    "source": p.source or None,
                }
                for p in review.profile
            ],
            "concerns": [
                {
                    "id": cr.concern.id,
                    "questionnaire_id": cr.concern.questionnaire_id,
                    "section_id": cr.concern.section_id,
                    "statement_id": cr.concern.item_id,
                    "questionnaire": cr.questionnaire_title,
                    "label": cr.label,
                    "raised_by": cr.raised_by,
                    "raised_in": cr.raised_in,
                    "note": cr.concern.note,
                    "verdict": cr.verdict,
                    "change": _rounded(cr.change),
                    "questions": [
                        {"question": q.question, "answer": q.answer} for q in cr.questions
                    ],
                }
                for cr in review.concerns
            ],
        }

    def report_review(self, review: Review, path: Path | str):
        """Write the review pack of ``review`` (from ``review``) to ``path`` as a PDF,
        atomically; a ReportResult. Raises a StoreError subclass with a sentence."""
        from ..reports.review import write_review_report
        from .reports import ReportResult

        written, built = write_review_report(review, path)
        return ReportResult(written, built.pages)

    # --- helpers -----------------------------------------------------------------------

    def _review_round(self, round_id: str) -> Round:
        try:
            return self.store.round(round_id)
        except RecordNotFoundError:
            raise ServiceError(f"There is no round with the id '{round_id}'.") from None

    def _ordered_rounds(self, partnership_id: str) -> list[Round]:
        """The partnership's rounds, oldest first (the order ``compare`` uses)."""
        return list(reversed(self.rounds_latest_first(partnership_id)))

    def _rounds_upto(self, round_id: str) -> set[str]:
        rnd = self._review_round(round_id)
        ordered = [r.id for r in self._ordered_rounds(rnd.partnership_id)]
        return set(ordered[: ordered.index(rnd.id) + 1])

    def _earlier_round(self, rnd: Round, since: str | None) -> Round:
        ordered = self._ordered_rounds(rnd.partnership_id)
        position = [r.id for r in ordered].index(rnd.id)
        if since in (None, _PREVIOUS):
            if position == 0:
                raise ServiceError(
                    f"The round '{rnd.name}' is the partnership's first: a review needs an "
                    "earlier round to compare with."
                )
            return ordered[position - 1]
        earlier = self._review_round(since)
        if earlier.partnership_id != rnd.partnership_id:
            raise ServiceError(
                f"The round '{earlier.name}' belongs to another partnership; review rounds "
                "of the same partnership."
            )
        if earlier.id == rnd.id:
            raise ServiceError("Choose an earlier round to review against, not the same one.")
        if [r.id for r in ordered].index(earlier.id) > position:
            raise ServiceError(
                f"The round '{earlier.name}' was opened after '{rnd.name}': review a round "
                "against an earlier one."
            )
        return earlier

    def concern_questionnaire(self, questionnaire_id: str) -> Questionnaire:
        """The newest version of a questionnaire a concern can name: in the forms
        folders, else the newest stored with answers; ServiceError when neither has it."""
        q = self.newest_questionnaire(questionnaire_id)
        if q is None:
            raise ServiceError(f"There is no questionnaire with the id '{questionnaire_id}'.")
        return q

    def _concern_row(self, concern: Concern) -> ConcernRow:
        from ..comparison import statement_numbers
        from ..review import ConcernRow

        title, label = concern.questionnaire_id, concern.item_id or concern.section_id or ""
        try:
            q = self.concern_questionnaire(concern.questionnaire_id)
        except ServiceError:
            q = None
        if q is not None:
            title = q.title
            # Named in the newest version that has it (a later one may replace it).
            q = (
                self.questionnaire_with(
                    q.id, item_id=concern.item_id, section_id=concern.section_id
                )
                or q
            )
            if concern.item_id:
                numbers = statement_numbers(q)
                if concern.item_id in numbers:
                    label = f"{numbers[concern.item_id]} {q.item(concern.item_id).statement}"
            else:
                for n, section in enumerate(q.sections, start=1):
                    if section.id == concern.section_id:
                        label = f"Section {n}: {section.title}"
        raised_by = "The partnership"
        if concern.organisation_id:
            with contextlib.suppress(RecordNotFoundError):
                raised_by = self.store.organisation(concern.organisation_id).name
        try:
            round_name = self.store.round(concern.round_id).name
        except RecordNotFoundError:
            round_name = ""
        return ConcernRow(concern, title, label, raised_by, round_name)

    def _fates(self, earlier: Round, rnd: Round, today: date) -> list[ActionFate]:
        """The actions agreed in ``earlier``, each followed through the copies carried
        forward from it, up to ``rnd``."""
        allowed = self._rounds_upto(rnd.id)
        names = {r.id: r.name for r in self.store.rounds(rnd.partnership_id)}
        continued = {
            a.carried_from: a
            for a in self.store.actions(partnership_id=rnd.partnership_id)
            if a.carried_from and a.round_id in allowed
        }
        fates = []
        for row in self.action_plan(earlier.id, today=today):
            latest, seen = row.action, {row.action.id}
            while latest.id in continued and continued[latest.id].id not in seen:
                latest = continued[latest.id]
                seen.add(latest.id)
            carried_to = names.get(latest.round_id, "") if latest is not row.action else ""
            fates.append(self._fate(row, latest, carried_to, today))
        return fates

    def _new_actions(self, rnd: Round, today: date) -> list[ActionFate]:
        """The actions agreed in ``rnd`` itself (not carried into it)."""
        return [
            self._fate(row, row.action, "", today)
            for row in self.action_plan(rnd.id, today=today)
            if not row.action.carried_from
        ]

    def _fate(self, row, latest, carried_to: str, today: date) -> ActionFate:
        """What became of the action of ``row``, as ``latest`` (itself or the copy it was
        followed to) stands now."""
        from ..review import ActionFate, fate_of

        first = row.action
        changes = [e for e in self.action_history(latest.id) if e.field == "status"]
        return ActionFate(
            action_id=first.id,
            description=first.description,
            answers=row.answers,
            owner=latest.owner,
            due_on=latest.due_on,
            first_due_on=first.due_on,
            status=latest.status,
            fate=fate_of(latest.status, latest.due_on, today),
            fate_on=changes[-1].changed_at[:10] if changes else "",
            carried_to=carried_to,
            organisation_id=first.organisation_id,
            questionnaire_id=first.questionnaire_id,
            section_id=first.section_id,
            item_id=first.item_id,
        )

    def profile_lines(self, round_id: str, earlier_id: str | None) -> list[ProfileLine]:
        """Every fact and computed figure of a round's profile beside its value in an
        earlier round (``earlier_id``; None for none), as the reports show them."""
        from ..review import ProfileLine

        now = self.round_profile(round_id)
        then = {e.fact.id: e for e in self.round_profile(earlier_id).entries} if earlier_id else {}
        lines = []
        for entry in now.entries:
            before = then.get(entry.fact.id)
            lines.append(
                ProfileLine(
                    fact_id=entry.fact.id,
                    label=entry.fact.label,
                    group=entry.fact.group,
                    unit=entry.fact.unit,
                    computed=entry.computed,
                    before=before.value if before is not None else None,
                    after=entry.value,
                    before_as_of=before.as_of if before is not None else "",
                    after_as_of=entry.as_of,
                    source=entry.source or (before.source if before is not None else ""),
                )
            )
        return lines


__all__ = ["ReviewUseCases"]
