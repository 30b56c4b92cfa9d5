"""Comparisons: the ICB chair's view of a partnership's assessments (method v2).

Loads every assessment of a questionnaire in a round (and in the round before, for the
change since), with the partnership's organisations, and hands them to
``ics_assess.comparison.build_comparison``, which does the arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..domain import (
    Answer,
    AssessmentKind,
    AssessmentStatus,
    PartnerType,
    Questionnaire,
    Round,
    Sector,
)
from ..questionnaires import version_key
from .core import ServiceError, ServicesCore, _find_one

# ics_assess.comparison and scoring are imported by the methods that use them: ``list``
# and ``report`` need no comparison (issue 12).
if TYPE_CHECKING:
    from ..comparison import Comparison, Entry, TypeChange

PREVIOUS = "previous"
"""``since`` value: compare with the round opened before the one compared."""


def _braced(text: str) -> str:
    """``text`` for a str.format template: its braces doubled."""
    return text.replace("{", "{{").replace("}", "}}")


def _round_order(rnd: Round) -> tuple[str, str, str]:
    return (rnd.opened_on or rnd.created_at, rnd.created_at, rnd.id)


class ComparisonUseCases(ServicesCore):
    """Compare a partnership's organisations, sectors and rounds."""

    def rounds_latest_first(self, partnership_id: str) -> list[Round]:
        """A partnership's rounds, the most recently opened first."""
        return sorted(self.store.rounds(partnership_id), key=_round_order, reverse=True)

    def previous_round(self, round_id: str) -> Round | None:
        """The round of the same partnership opened just before this one, or None."""
        rnd = self.store.round(round_id)
        earlier = [
            r for r in self.store.rounds(rnd.partnership_id) if _round_order(r) < _round_order(rnd)
        ]
        return max(earlier, key=_round_order) if earlier else None

    def compared_questionnaires(self, partnership_id: str) -> list[tuple[str, str]]:
        """(id, title) of every questionnaire answered in the partnership, by title; the
        title of the newest version answered."""
        newest: dict[str, tuple[tuple, str]] = {}
        for summary in self.store.list_assessments(partnership_id=partnership_id):
            a = summary.assessment
            key = version_key(a.questionnaire_version)
            if a.questionnaire_id not in newest or key > newest[a.questionnaire_id][0]:
                newest[a.questionnaire_id] = (key, summary.questionnaire_title)
        return sorted(
            ((qid, title) for qid, (_, title) in newest.items()), key=lambda p: p[1].lower()
        )

    def _entries(
        self, round_id: str, questionnaire_id: str, kind: AssessmentKind | None = None
    ) -> list[Entry]:
        """Every assessment of the questionnaire in the round. With ``kind``, only the
        submitted assessments of that kind (the ones a comparison scores) carry their
        answers; the others are counted (drafts, the other kind) but never scored, so
        their answers are not read (a third to two thirds of the reading saved)."""
        from ..comparison import Entry

        summaries = self.store.list_assessments(
            round_id=round_id, questionnaire_id=questionnaire_id
        )
        answers = self.store.answers_for(
            s.assessment.id
            for s in summaries
            if kind is None or (s.assessment.kind == kind and s.assessment.status == "submitted")
        )
        organisations = {o.id: o for o in self.store.organisations()}
        versions: dict[str, Questionnaire] = {}
        entries = []
        for s in sorted(summaries, key=lambda s: s.assessment.id):
            a = s.assessment
            if a.questionnaire_version not in versions:
                versions[a.questionnaire_version] = self.questionnaire_of(a)
            entries.append(
                Entry(
                    a,
                    organisations[a.organisation_id],
                    versions[a.questionnaire_version],
                    answers.get(a.id, {}),
                )
            )
        return entries

    def compare(
        self,
        *,
        round_id: str,
        questionnaire_id: str,
        kind: AssessmentKind | str = AssessmentKind.ORGANISATION,
        since: str | None = PREVIOUS,
    ) -> Comparison:
        """The comparison of a round's assessments of one questionnaire, of one kind.

        ``since`` is a round id to work out the change from, ``PREVIOUS`` (the default)
        for the round opened before this one if there is one, or None for no change.
        The rows follow the newest version answered in either round, or the newest in
        the forms folders when nobody has answered yet."""
        rnd = self.store.round(round_id)
        partnership = self.store.partnership(rnd.partnership_id)
        previous = None
        if since == PREVIOUS:
            previous = self.previous_round(round_id)
        elif since is not None:
            previous = self.store.round(since)
            if previous.partnership_id != rnd.partnership_id:
                raise ServiceError(
                    f"The round '{previous.name}' belongs to another partnership; compare "
                    "rounds of the same partnership."
                )
            if previous.id == rnd.id:
                raise ServiceError("Choose an earlier round to compare with, not the same one.")
        kind = AssessmentKind(kind)
        entries = self._entries(round_id, questionnaire_id, kind)
        previous_entries = self._entries(previous.id, questionnaire_id, kind) if previous else []
        answered = [e.questionnaire for e in [*entries, *previous_entries]]
        if answered:
            reference = max(answered, key=lambda q: version_key(q.version))
        else:
            reference = self.latest_questionnaire(questionnaire_id).questionnaire
        from ..comparison import build_comparison

        return build_comparison(
            partnership=partnership,
            round=rnd,
            questionnaire=reference,
            organisations=self.store.organisations(rnd.partnership_id),
            entries=entries,
            kind=kind,
            previous_round=previous,
            previous_entries=previous_entries,
            type_changes=self._type_changes() if previous else (),
        )

    def _type_changes(self) -> list[TypeChange]:
        from ..comparison import TypeChange

        return [
            TypeChange(
                row["organisation_id"],
                row["changed_at"],
                PartnerType(row["old_type"]),
                PartnerType(row["new_type"]),
            )
            for row in self.store.partner_type_changes()
        ]

    def find_compared_round(self, text: str, partnership: str | None = None) -> Round:
        """A round from its full id, a unique beginning of its id (4 characters or more)
        or its exact name (ignoring case and surrounding spaces). ``partnership`` (an id,
        a unique beginning of one, or a name) picks among rounds of the same name in
        several partnerships; without it, such a name is refused in a sentence saying
        to give the partnership."""
        if partnership is not None:
            chosen = _find_one(self.store.partnerships(), partnership, "partnership")
            rounds = self.store.rounds(chosen.id)
            names = "; ".join(r.name for r in rounds) or "none"
            missing = (
                f"The partnership '{_braced(chosen.name)}' has no round with the id or name "
                f"'{{wanted}}' (its rounds: {_braced(names)})."
            )
            return _find_one(rounds, text, "round", missing)
        rounds = self.store.rounds()
        wanted = " ".join(text.split()).lower()
        named = [r for r in rounds if r.name.lower() == wanted]
        if len({r.partnership_id for r in named}) > 1:
            names = sorted(self.store.partnership(r.partnership_id).name for r in named)
            raise ServiceError(
                f"The round '{named[0].name}' is in {len(names)} partnerships "
                f"({'; '.join(names)}); give the partnership too (--partnership)."
            )
        return _find_one(rounds, text, "round")

    @staticmethod
    def comparison_document(comparison: Comparison) -> dict[str, Any]:
        """The comparison as the documented JSON shape of ``ics-assess compare --json``
        (docs/cli.md). In the view of individual respondents no organisation is named
        outside the groups the comparison shows."""
        from ..exchange import comparison_sheets  # only here: see services/exchange.py

        return comparison_sheets.comparison_document(comparison)

    def export_comparison(self, comparison: Comparison, path: Path | str) -> Path:
        """Write a comparison to a spreadsheet, .csv (one long table of scores, one row
        per group and scope) or .xlsx (Summary, Sections, Statements, Gaps and Change
        sheets) by the suffix, atomically (docs/cli.md). Raises ExportError with one
        sentence for any other suffix or when the file cannot be written."""
        from ..exchange import comparison_sheets

        return comparison_sheets.export_comparison(comparison, path)


# --- the comments behind a comparison (the overview's "where views diverge" panel) -----


@dataclass(frozen=True)
class ComparisonComment:
    """One comment behind a comparison's statement.

    ``who`` is the organisation's name in the view of organisation responses; in the view
    of individual views it only names the sector ("A local government respondent"), and
    ``assessment_id`` is None there, so that no one can be picked out.
    """

    item_id: str
    number: str
    statement: str
    who: str
    sector: Sector
    answer: str
    comment: str
    assessment_id: str | None


def _answer_words(answer: Answer | None) -> str:
    if answer is None or not answer.is_answered:
        return "not answered"
    if answer.unrated is not None:
        return answer.unrated.label
    return f"rated {answer.rating}"


class ComparisonCommentUseCases(ServicesCore):
    """The comments behind the statements a comparison shows, obeying its anonymity."""

    def divergence_comments(
        self, comparison: Comparison, item_ids: Iterable[str]
    ) -> list[ComparisonComment]:
        """The comments given on ``item_ids`` by the assessments the comparison counts
        (submitted, of its kind, in its round), in the statements' order.

        Organisation responses are named by organisation. Individual views never name
        anyone: only those the comparison shows (rule 14: none left out for being too
        few) are read, and only from sectors with at least MIN_GROUP respondents in it.
        A statement that differs between versions takes comments only from answers on
        the comparison's version, as its scores do.
        """
        from ..comparison import statement_numbers
        from ..scoring import MIN_GROUP, Response, group_responses

        numbers = statement_numbers(comparison.questionnaire)
        wanted = [i for i in dict.fromkeys(item_ids) if i in numbers]
        if not wanted:
            return []
        summaries = self.store.list_assessments(
            round_id=comparison.round.id, questionnaire_id=comparison.questionnaire.id
        )
        chosen = [
            s
            for s in summaries
            if s.assessment.kind == comparison.kind
            and s.assessment.status == AssessmentStatus.SUBMITTED
        ]
        individual = comparison.kind == AssessmentKind.INDIVIDUAL
        if individual:
            shown_sectors = {
                Sector(c.key)
                for c in comparison.columns
                if c.level == "sector" and c.n >= MIN_GROUP
            }
            grouping = group_responses(
                [
                    Response(
                        s.assessment.id,
                        s.assessment.organisation_id,
                        s.partner_type,
                        s.assessment.kind,
                        1.0,
                    )
                    for s in chosen
                ],
                "organisation",
            )
            kept = {r.assessment_id for g in grouping.groups for r in g.responses}
            chosen = [
                s
                for s in chosen
                if s.assessment.id in kept and s.partner_type.sector in shown_sectors
            ]
        answers = self.store.answers_for(s.assessment.id for s in chosen)
        items = {item.id: item for item in comparison.questionnaire.items}
        changed = set(comparison.changed_items)
        version = comparison.questionnaire.version
        found: list[tuple[tuple, ComparisonComment]] = []
        for s in chosen:
            sector = s.partner_type.sector
            for position, item_id in enumerate(wanted):
                answer = answers.get(s.assessment.id, {}).get(item_id)
                if answer is None or not answer.comment.strip():
                    continue
                if item_id in changed and s.assessment.questionnaire_version != version:
                    continue
                if individual:
                    words = _sector_words(sector)
                    who = f"{'An' if words == 'NHS' else 'A'} {words} respondent"
                    order = (position, list(Sector).index(sector), answer.comment.casefold())
                else:
                    who = s.organisation_name
                    order = (position, s.organisation_name.casefold(), s.assessment.id)
                found.append(
                    (
                        order,
                        ComparisonComment(
                            item_id=item_id,
                            number=numbers[item_id],
                            statement=items[item_id].statement,
                            who=who,
                            sector=sector,
                            answer=_answer_words(answer),
                            comment=answer.comment.strip(),
                            assessment_id=None if individual else s.assessment.id,
                        ),
                    )
                )
        found.sort(key=lambda pair: pair[0])
        return [comment for _, comment in found]


def _sector_words(sector: Sector) -> str:
    return "NHS" if sector == Sector.NHS else sector.label.lower()
