"""The statement-level findings a summary shows: strongest and weakest statements, the
biggest gaps between where a partner is and where it wants to be, and the target profile.

All arithmetic on ratings goes through ``ics_assess.scoring`` (scored values, section
scores); this module only picks and orders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ..domain import Answer, Item, Questionnaire, Section, statement_numbers
from ..scoring import QuestionnaireScore, item_value, questionnaire_score, scored_value


@dataclass(frozen=True)
class RatedStatement:
    """A statement that was given a rating, with where it sits in its questionnaire.

    ``number`` is the section number and the statement's place in it, e.g. "2.3";
    ``order`` sorts statements in questionnaire order (and questionnaires in the order
    they were given). ``value`` is on the scored scale (reverse statements turned round).
    """

    questionnaire: Questionnaire
    section: Section
    item: Item
    number: str
    order: tuple[int, int]
    rating: int
    value: int


@dataclass(frozen=True)
class TargetGap:
    """How far a statement's target is above its current rating, on the scored scale."""

    statement: RatedStatement
    target: int
    target_value: int

    @property
    def gap(self) -> int:
        """Target minus current, both scored (reverse statements turned round)."""
        return self.target_value - self.statement.value


def rated_statements(
    questionnaire: Questionnaire, answers: Mapping[str, Answer], questionnaire_index: int = 0
) -> list[RatedStatement]:
    """The statements with a rating, in questionnaire order."""
    numbers = statement_numbers(questionnaire)
    rated: list[RatedStatement] = []
    position = 0
    for section in questionnaire.sections:
        for item in section.items:
            position += 1
            answer = answers.get(item.id)
            value = item_value(item, answer)
            if value is None or answer is None or answer.rating is None:
                continue
            rated.append(
                RatedStatement(
                    questionnaire=questionnaire,
                    section=section,
                    item=item,
                    number=numbers[item.id],
                    order=(questionnaire_index, position),
                    rating=answer.rating,
                    value=value,
                )
            )
    return rated


def strongest_and_weakest(
    rated: Sequence[RatedStatement], count: int = 3
) -> tuple[list[RatedStatement], list[RatedStatement]]:
    """The ``count`` highest-scoring and ``count`` lowest-scoring statements.

    Ties go to the statement that comes first in the questionnaire. A statement listed as
    one of the strongest is never also listed as one of the weakest, so with few ratings
    the weakest list is shorter; with all ratings equal nothing stands out either way and
    both lists are empty.
    """
    if not rated or len({r.value for r in rated}) == 1:
        return [], []
    strongest = sorted(rated, key=lambda r: (-r.value, r.order))[:count]
    chosen = {id(r) for r in strongest}
    weakest = [r for r in sorted(rated, key=lambda r: (r.value, r.order)) if id(r) not in chosen]
    # A "weakest" statement scoring as high as the weakest of the strongest is not weak.
    floor = min(r.value for r in strongest)
    weakest = [r for r in weakest if r.value < floor][:count]
    return strongest, weakest


@dataclass(frozen=True)
class SharedScore:
    """A score at the edge of the strongest or weakest list that more statements share
    than the list has room for: ``sharing`` rated statements score ``value``, of which
    the ``listed`` that come first in questionnaire order are listed."""

    which: str  # "strongest" or "weakest"
    value: int
    sharing: int
    listed: int

    @property
    def sentence(self) -> str:
        """In words, e.g. "9 statements share the score 4; the first 3 are listed as
        strongest"."""
        first = "the first is" if self.listed == 1 else f"the first {self.listed} are"
        return (
            f"{self.sharing} statements share the score {self.value}; {first} listed as "
            f"{self.which}."
        )


TIE_RULE = "Ties are broken by statement order: the statement that comes first is listed."
"""How "strongest" and "weakest" break ties, in the words the reports use."""


def shared_scores(
    rated: Sequence[RatedStatement],
    strongest: Sequence[RatedStatement],
    weakest: Sequence[RatedStatement],
) -> list[SharedScore]:
    """The scores listed as strongest or weakest that statements left off the list share
    too (see strongest_and_weakest: a tie goes to the statement that comes first)."""
    counts: dict[int, int] = {}
    for r in rated:
        counts[r.value] = counts.get(r.value, 0) + 1
    out: list[SharedScore] = []
    for which, group in (("strongest", strongest), ("weakest", weakest)):
        if not group:
            continue
        edge = group[-1].value  # the last one listed: where the list was cut
        listed = sum(1 for r in group if r.value == edge)
        if counts.get(edge, 0) > listed:
            out.append(SharedScore(which, edge, counts[edge], listed))
    return out


def target_gaps(
    rated: Iterable[RatedStatement], answers_of: Mapping[int, Mapping[str, Answer]]
) -> list[TargetGap]:
    """Statements whose target is above their current rating, largest gap first (ties in
    questionnaire order). ``answers_of`` maps a questionnaire index (``order[0]``) to the
    answers given on it."""
    gaps: list[TargetGap] = []
    for statement in rated:
        answer = answers_of[statement.order[0]].get(statement.item.id)
        if answer is None or answer.target is None:
            continue
        target_value = scored_value(statement.item, answer.target)
        if target_value > statement.value:
            gaps.append(TargetGap(statement, answer.target, target_value))
    return sorted(gaps, key=lambda g: (-g.gap, g.statement.order))


def target_profile(
    questionnaire: Questionnaire, answers: Mapping[str, Answer]
) -> QuestionnaireScore:
    """Section scores as if every target were the rating: where the respondent wants the
    partnership to be, scored by the same method (and the same "enough answers" rule)."""
    as_ratings = {
        item_id: Answer(item_id=item_id, rating=answer.target)
        for item_id, answer in answers.items()
        if answer.target is not None
    }
    return questionnaire_score(questionnaire, as_ratings)
