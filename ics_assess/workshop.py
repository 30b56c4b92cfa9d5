"""A facilitated workshop as the room, the projector and the workshop report see it.

``build_workshop_view`` takes a workshop with its participants' assessments, the room's
outcome on each statement (agreed, or not agreed with the positions held) and the
workshop's actions, and works out what the projector view, ``ics-assess workshop show``
and the workshop PDF show: who took part (counts only), each statement's distribution of
ratings by scale point and sector with n, mean and "split", each section's agreed score
beside the participants' mean, the split statements, and the action plan. Pure: no I/O,
no Qt.

The rules are DESIGN.md's "Workshop", "Scoring method" and "Anonymity", restated in
docs/scoring.md:

- Only participants who have handed back (submitted) count; drafts are "still answering"
  and are counted in the notes, never in a figure.
- A workshop counts people, not organisations: the statement mean and the participants'
  section mean are plain means over the participants (two from one organisation count
  twice), not method 2's system score.
- Participants' views are individual views: no distribution, mean or spread from fewer
  than MIN_GROUP (3) ratings is ever given, and a sector with fewer than MIN_GROUP
  ratings on a statement is never coloured on its own: it is counted together with other
  sectors (``StatementSpread.combined``) until the group is at least MIN_GROUP.
- Ratings are shown as given: a reverse statement's distribution and mean are on the
  scale as rated, like the agreed rating beside them; the section scores turn them round
  (Rule 3), as every score does.
- "Split" is scoring.spread's rule (agreement below 0.6 with at least 3 ratings).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from .domain import (
    SCALE_POINTS,
    Action,
    AgreedScore,
    AgreementOutcome,
    Answer,
    Assessment,
    AssessmentStatus,
    Item,
    Organisation,
    Partnership,
    PartnerType,
    Questionnaire,
    Round,
    Section,
    Sector,
    Unrated,
    Workshop,
    statement_numbers,
)
from .scoring import (
    MIN_GROUP,
    QuestionnaireScore,
    SectionScore,
    Spread,
    questionnaire_score,
    section_score,
    spread,
)

__all__ = [
    "MIN_GROUP",
    "EntryLike",
    "ParticipantEntry",
    "SectionOutcome",
    "StatementSpread",
    "TakingPart",
    "WorkshopView",
    "build_workshop_view",
    "sector_words",
    "statement_numbers",
]


class EntryLike(Protocol):
    """One participant's assessment as the view reads it (comparison.Entry fits)."""

    @property
    def assessment(self) -> Assessment: ...

    @property
    def organisation(self) -> Organisation: ...

    @property
    def questionnaire(self) -> Questionnaire: ...

    @property
    def answers(self) -> Mapping[str, Answer]: ...


@dataclass(frozen=True)
class ParticipantEntry:
    """One participant: the assessment, its organisation, the questionnaire version it
    was answered on, and its answers by item id."""

    assessment: Assessment
    organisation: Organisation
    questionnaire: Questionnaire
    answers: Mapping[str, Answer]


@dataclass(frozen=True)
class TakingPart:
    """Who took part, as counts only (never a name).

    ``expected`` counts every participant; ``answered`` those who have handed back
    (submitted), and ``by_sector``, ``by_partner_type`` and ``organisations`` count
    those only (declared order, non-zero only); ``still_answering`` the drafts.
    """

    expected: int
    answered: int
    still_answering: int
    by_sector: Mapping[Sector, int]
    by_partner_type: Mapping[PartnerType, int]
    organisations: int


@dataclass(frozen=True)
class StatementSpread:
    """One statement across the participants who have handed back.

    ``counts`` maps each scale point (1-5, all present) to the ratings given there by
    group: a Sector for a sector with at least MIN_GROUP ratings on this statement, and
    the key None for the ``combined`` sectors, counted together (never one sector of
    fewer than MIN_GROUP on its own). Groups are in declared sector order, None last;
    the counts of a scale point add up to its total (``totals``), and all to ``n``.

    ``n`` is the number of ratings (don't know and not applicable are apart, in
    ``dont_know`` and ``not_applicable``). ``shown`` is False when n is under MIN_GROUP:
    then there is no distribution that could identify anyone (``counts`` is empty and
    ``mean`` and ``spread`` carry no figure), and when fewer than MIN_GROUP participants
    have handed back at all, the don't know and not applicable counts are 0 too.
    ``mean`` and ``spread`` are over the ratings as given (not turned round for a
    reverse statement). ``agreed`` is the room's outcome, or None when none is recorded.
    """

    item: Item
    number: str
    section_id: str
    counts: Mapping[int, Mapping[Sector | None, int]]
    combined: tuple[Sector, ...]
    n: int
    mean: float | None
    spread: Spread
    dont_know: int
    not_applicable: int
    shown: bool
    agreed: AgreedScore | None

    @property
    def split(self) -> bool:
        """True when the ratings are split (scoring.Spread.split: agreement below 0.6
        with at least 3 ratings)."""
        return self.shown and self.spread.split

    @property
    def totals(self) -> Mapping[int, int]:
        """Each scale point's number of ratings (empty when not shown)."""
        return {point: sum(groups.values()) for point, groups in self.counts.items()}

    @property
    def groups(self) -> tuple[Sector | None, ...]:
        """The groups the distribution is coloured by: the sectors shown on their own in
        declared order, then None for the combined sectors if there are any."""
        keys: list[Sector | None] = []
        for groups in self.counts.values():
            for key in groups:
                if key not in keys:
                    keys.append(key)
        order = {s: i for i, s in enumerate(Sector)}
        return tuple(sorted(keys, key=lambda k: order.get(k, len(order))))  # type: ignore[arg-type]

    def group_label(self, key: Sector | None) -> str:
        """ "NHS", "Local government", or for None "Local government and community
        together" (or "All participants" when every sector is combined)."""
        if key is not None:
            return key.label
        present = {k for groups in self.counts.values() for k in groups if k is not None}
        if not present:
            return "All participants"
        return f"{sector_words(self.combined, capital=True)} together"

    @property
    def outcome(self) -> AgreementOutcome | None:
        """Agreed, not agreed, or None when the room has recorded nothing yet."""
        return None if self.agreed is None else self.agreed.outcome


@dataclass(frozen=True)
class SectionOutcome:
    """One section: the agreed score beside the participants' mean.

    ``agreed`` is section_score over the room's agreed ratings, as if they were one
    assessment's answers (a statement not agreed, or with no outcome, counts as
    unanswered; Rule 5 applies). ``participants_mean`` is the plain mean of the section
    scores of the participants who have one (handed back, enough answers), given only
    when at least MIN_GROUP have one; otherwise None and ``reason`` says why.
    ``participants_n`` counts the participants with a section score; ``participants_spread``
    is over them (no figure below MIN_GROUP).
    """

    section: Section
    number: int
    agreed: SectionScore
    participants_mean: float | None
    participants_n: int
    participants_spread: Spread
    reason: str

    @property
    def split(self) -> bool:
        """True when the participants' section scores are split."""
        return self.participants_mean is not None and self.participants_spread.split

    @property
    def difference(self) -> float | None:
        """Agreed minus the participants' mean, or None when either is missing."""
        if self.agreed.mean is None or self.participants_mean is None:
            return None
        return self.agreed.mean - self.participants_mean


@dataclass(frozen=True)
class WorkshopView:
    """Everything the projector, ``workshop show`` and the workshop PDF show."""

    workshop: Workshop
    partnership: Partnership
    round: Round
    questionnaire: Questionnaire
    taking_part: TakingPart
    statements: tuple[StatementSpread, ...]
    sections: tuple[SectionOutcome, ...]
    split_items: tuple[StatementSpread, ...]
    actions: tuple[Action, ...]
    notes: tuple[str, ...]
    agreed_score: QuestionnaireScore
    participants_overall: float | None
    participants_overall_n: int

    @property
    def agreed_count(self) -> int:
        """Statements with an agreed outcome (a rating, don't know or not applicable)."""
        return sum(1 for s in self.statements if s.outcome is AgreementOutcome.AGREED)

    @property
    def not_agreed_count(self) -> int:
        """Statements the room recorded as not agreed."""
        return sum(1 for s in self.statements if s.outcome is AgreementOutcome.NOT_AGREED)

    @property
    def too_few(self) -> bool:
        """True when fewer than MIN_GROUP participants have handed back: nothing of
        theirs is shown (the agreed outcomes still are)."""
        return self.taking_part.answered < MIN_GROUP

    def statement(self, item_id: str) -> StatementSpread:
        """The statement with this item id; KeyError if there is none."""
        for row in self.statements:
            if row.item.id == item_id:
                return row
        raise KeyError(item_id)

    def actions_for(self, item_id: str) -> tuple[Action, ...]:
        """The actions recorded against one statement, in the view's order."""
        return tuple(a for a in self.actions if a.item_id == item_id)


# --- building ---------------------------------------------------------------------------


def _and(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def sector_words(sectors: Sequence[Sector], *, capital: bool = False) -> str:
    """ "NHS", "local government and community" ("Local government..." with ``capital``)."""
    words = [s.label if s == Sector.NHS else s.label.lower() for s in sectors]
    text = _and(words)
    return text[:1].upper() + text[1:] if capital else text


def _same_statement(a: Item, b: Item) -> bool:
    return (a.statement, a.reverse, a.weight) == (b.statement, b.reverse, b.weight)


def _comparable(reference: Questionnaire, other: Questionnaire) -> set[str]:
    """The reference's item ids that read and score the same in ``other``."""
    if other.version == reference.version:
        return {item.id for item in reference.items}
    own = {item.id: item for item in other.items}
    return {
        item.id
        for item in reference.items
        if item.id in own and _same_statement(item, own[item.id])
    }


def _fold(raters: Mapping[Sector, int]) -> tuple[set[Sector], tuple[Sector, ...]]:
    """Which sectors a distribution may colour on their own, and which are combined.

    A sector with fewer than MIN_GROUP ratings is combined with the others like it; if
    that group is still under MIN_GROUP, the smallest sector shown on its own joins it
    (and so on), so that no group of one or two is ever shown, and no small group can be
    worked out by subtracting the groups shown from the total."""
    order = list(Sector)
    present = [s for s in order if raters.get(s, 0) > 0]
    alone = {s for s in present if raters[s] >= MIN_GROUP}
    combined = {s for s in present if s not in alone}
    pool = sum(raters[s] for s in combined)
    while 0 < pool < MIN_GROUP and alone:
        smallest = min(alone, key=lambda s: (raters[s], -order.index(s)))
        alone.discard(smallest)
        combined.add(smallest)
        pool += raters[smallest]
    return alone, tuple(s for s in order if s in combined)


def _hidden_spread(n: int) -> Spread:
    return Spread(n=n, mean=None, sd=None, minimum=None, maximum=None, consensus=None)


def _statement(
    item: Item,
    number: str,
    section_id: str,
    entries: Sequence[EntryLike],
    comparable: Mapping[str, set[str]],
    agreed: AgreedScore | None,
    enough_people: bool,
) -> StatementSpread:
    ratings: list[tuple[int, Sector]] = []
    unrated: Counter[Unrated] = Counter()
    for entry in entries:
        if item.id not in comparable[entry.assessment.id]:
            continue
        answer = entry.answers.get(item.id)
        if answer is None:
            continue
        if answer.rating is not None:
            ratings.append((int(answer.rating), entry.organisation.sector))
        elif answer.unrated is not None:
            unrated[Unrated(answer.unrated)] += 1
    n = len(ratings)
    shown = n >= MIN_GROUP
    dont_know = unrated[Unrated.DONT_KNOW] if enough_people else 0
    not_applicable = unrated[Unrated.NOT_APPLICABLE] if enough_people else 0
    if not shown:
        return StatementSpread(
            item=item,
            number=number,
            section_id=section_id,
            counts={},
            combined=(),
            n=n,
            mean=None,
            spread=_hidden_spread(n),
            dont_know=dont_know,
            not_applicable=not_applicable,
            shown=False,
            agreed=agreed,
        )
    raters = Counter(sector for _, sector in ratings)
    alone, combined = _fold(raters)
    groups: list[Sector | None] = [s for s in Sector if s in alone]
    if combined:
        groups.append(None)
    counts: dict[int, dict[Sector | None, int]] = {
        point: dict.fromkeys(groups, 0) for point in SCALE_POINTS
    }
    for rating, sector in ratings:
        counts[rating][sector if sector in alone else None] += 1
    values = [float(rating) for rating, _ in ratings]
    sp = spread(values)
    return StatementSpread(
        item=item,
        number=number,
        section_id=section_id,
        counts=counts,
        combined=combined,
        n=n,
        mean=sp.mean,
        spread=sp,
        dont_know=dont_know,
        not_applicable=not_applicable,
        shown=True,
        agreed=agreed,
    )


def _agreed_answers(agreed: Mapping[str, AgreedScore]) -> dict[str, Answer]:
    """The room's agreed outcomes as one assessment's answers (not agreed: unanswered)."""
    return {
        item_id: Answer(item_id, score.rating, score.unrated, score.target)
        for item_id, score in agreed.items()
        if score.outcome is AgreementOutcome.AGREED
    }


def _own_answers(entry: EntryLike, comparable: set[str]) -> dict[str, Answer]:
    return {k: a for k, a in entry.answers.items() if k in comparable}


def _section_outcome(
    section: Section,
    number: int,
    questionnaire: Questionnaire,
    entries: Sequence[EntryLike],
    comparable: Mapping[str, set[str]],
    agreed_answers: Mapping[str, Answer],
) -> SectionOutcome:
    agreed = section_score(section, agreed_answers, questionnaire.bands)
    values = [
        score.mean
        for entry in entries
        if (
            score := section_score(
                section,
                _own_answers(entry, comparable[entry.assessment.id]),
                questionnaire.bands,
            )
        ).mean
        is not None
    ]
    n = len(values)
    if n >= MIN_GROUP:
        sp = spread(values)
        return SectionOutcome(section, number, agreed, sp.mean, n, sp, "")
    if not entries:
        reason = "No participant has handed back their answers yet."
    elif n == 0:
        reason = "No participant answered enough of this section for a score."
    else:
        reason = (
            f"Fewer than {MIN_GROUP} participants have a score for this section ({n}), so "
            "their mean is not shown."
        )
    return SectionOutcome(section, number, agreed, None, n, _hidden_spread(n), reason)


def _sorted_actions(actions: Sequence[Action], questionnaire: Questionnaire) -> tuple[Action, ...]:
    """Actions by statement in questionnaire order, then those on a section (after its
    statements), then the rest; within each, earliest due first (undated last)."""
    item_index = {item.id: i for i, item in enumerate(questionnaire.items)}
    section_of_item = {
        item.id: s for s, section in enumerate(questionnaire.sections) for item in section.items
    }
    section_index = {s.id: i for i, s in enumerate(questionnaire.sections)}
    big = len(item_index) + len(section_index) + 1

    def key(action: Action) -> tuple:
        if action.item_id in item_index:
            where = (section_of_item[action.item_id], 0, item_index[action.item_id])
        elif action.section_id in section_index:
            where = (section_index[action.section_id], 1, 0)
        else:
            where = (big, 2, 0)
        return (*where, action.due_on or "\uffff", action.created_at, action.id)

    return tuple(sorted(actions, key=key))


def build_workshop_view(
    *,
    workshop: Workshop,
    partnership: Partnership,
    round: Round,
    questionnaire: Questionnaire,
    participants: Sequence[EntryLike],
    agreed: Mapping[str, AgreedScore],
    actions: Sequence[Action],
) -> WorkshopView:
    """The workshop as the room sees it.

    ``questionnaire`` is the workshop's own version: its sections and statements are the
    rows. ``participants`` are the workshop's assessments (any status); a participant's
    answers on another version of the questionnaire count only for statements that read
    and score the same there (matched by id). ``agreed`` maps item ids to the room's
    outcomes; outcomes for statements not in the questionnaire are left out and noted.
    """
    numbers = statement_numbers(questionnaire)
    own = [e for e in participants if e.assessment.questionnaire_id == questionnaire.id]
    other_questionnaire = len(participants) - len(own)
    handed_back = [e for e in own if e.assessment.status == AssessmentStatus.SUBMITTED]
    drafts = len(own) - len(handed_back)
    comparable = {e.assessment.id: _comparable(questionnaire, e.questionnaire) for e in own}
    enough_people = len(handed_back) >= MIN_GROUP

    sector_counts = Counter(e.organisation.sector for e in handed_back)
    type_counts = Counter(e.organisation.partner_type for e in handed_back)
    taking_part = TakingPart(
        expected=len(own),
        answered=len(handed_back),
        still_answering=drafts,
        by_sector={s: sector_counts[s] for s in Sector if sector_counts[s]},
        by_partner_type={t: type_counts[t] for t in PartnerType if type_counts[t]},
        organisations=len({e.organisation.id for e in handed_back}),
    )

    sections_by_item = {
        item.id: section.id for section in questionnaire.sections for item in section.items
    }
    statements = tuple(
        _statement(
            item,
            numbers[item.id],
            sections_by_item[item.id],
            handed_back,
            comparable,
            agreed.get(item.id),
            enough_people,
        )
        for item in questionnaire.items
    )
    known = {item.id for item in questionnaire.items}
    agreed_here = {k: v for k, v in agreed.items() if k in known}
    agreed_answers = _agreed_answers(agreed_here)
    sections = tuple(
        _section_outcome(section, number, questionnaire, handed_back, comparable, agreed_answers)
        for number, section in enumerate(questionnaire.sections, start=1)
    )
    overall_values = [
        score.mean
        for e in handed_back
        if (
            score := questionnaire_score(
                questionnaire, _own_answers(e, comparable[e.assessment.id])
            )
        ).mean
        is not None
    ]
    participants_overall = spread(overall_values).mean if len(overall_values) >= MIN_GROUP else None

    notes = _notes(
        questionnaire,
        numbers,
        taking_part,
        own,
        comparable,
        other_questionnaire,
        len(agreed) - len(agreed_here),
        statements,
    )
    return WorkshopView(
        workshop=workshop,
        partnership=partnership,
        round=round,
        questionnaire=questionnaire,
        taking_part=taking_part,
        statements=statements,
        sections=sections,
        split_items=tuple(s for s in statements if s.split),
        actions=_sorted_actions(actions, questionnaire),
        notes=notes,
        agreed_score=questionnaire_score(questionnaire, agreed_answers),
        participants_overall=participants_overall,
        participants_overall_n=len(overall_values),
    )


def _notes(
    questionnaire: Questionnaire,
    numbers: Mapping[str, str],
    taking_part: TakingPart,
    own: Sequence[EntryLike],
    comparable: Mapping[str, set[str]],
    other_questionnaire: int,
    unknown_agreed: int,
    statements: Sequence[StatementSpread],
) -> tuple[str, ...]:
    notes: list[str] = []
    t = taking_part
    if t.expected == 0:
        notes.append("No participant has joined this workshop yet.")
    elif t.answered == 0:
        notes.append("No participant has handed back their answers yet.")
    if t.still_answering:
        people = (
            "1 participant is"
            if t.still_answering == 1
            else (f"{t.still_answering} participants are")
        )
        notes.append(f"{people} still answering; their answers are counted once they hand back.")
    if 0 < t.answered < MIN_GROUP:
        notes.append(
            f"Fewer than {MIN_GROUP} participants have handed back ({t.answered}), so no "
            "distribution, mean or spread of their ratings is shown: with so few it could "
            "identify someone."
        )
    elif t.answered >= MIN_GROUP:
        hidden = [s.number for s in statements if not s.shown]
        if hidden:
            which = "Statement" if len(hidden) == 1 else "Statements"
            notes.append(
                f"{which} {_and(hidden)} had fewer than {MIN_GROUP} ratings, so "
                f"{'its' if len(hidden) == 1 else 'their'} distribution is not shown."
            )
        if any(s.combined for s in statements):
            notes.append(
                f"A sector with fewer than {MIN_GROUP} ratings on a statement is never shown "
                "on its own: it is counted together with other sectors."
            )
    other_versions = sorted(
        {e.questionnaire.version for e in own if e.questionnaire.version != questionnaire.version}
    )
    if other_versions:
        left_out = sorted(
            {i for e in own for i in numbers if i not in comparable[e.assessment.id]},
            key=lambda i: [int(x) for x in numbers[i].split(".")],
        )
        versions = _and(other_versions)
        sentence = (
            f"Some participants answered version {versions} of the questionnaire; the "
            f"workshop uses version {questionnaire.version} and statements are matched by id."
        )
        if left_out:
            sentence += (
                f" Their answers to {_and([numbers[i] for i in left_out])}, which differ "
                "between the versions, are left out."
            )
        notes.append(sentence)
    if other_questionnaire:
        notes.append(
            f"{other_questionnaire} assessment{'s' if other_questionnaire != 1 else ''} of "
            "another questionnaire in this workshop "
            f"{'is' if other_questionnaire == 1 else 'are'} left out."
        )
    if unknown_agreed:
        notes.append(
            f"{unknown_agreed} recorded outcome{'s' if unknown_agreed != 1 else ''} "
            f"{'is' if unknown_agreed == 1 else 'are'} for statements not in version "
            f"{questionnaire.version} and left out."
        )
    return tuple(notes)
