"""Scoring: how answers become the numbers a report shows.

Pure functions over the domain dataclasses: no I/O, no Qt, no database. The method is
"Scoring method" in DESIGN.md (v1 for one assessment, v2 across assessments), restated
for readers in docs/scoring.md; change the three together.

Sums go through ``math.fsum``, which rounds once at the end. That makes every result
independent of the order respondents or items arrive in, so the same data always gives
the same report, to the last digit.

No finite positive weight can make a score fail: weights far from 1 (a questionnaire
stored before weights were limited to 10 may have 1e308 or 1e-308) are scaled by a power
of two before they are multiplied or added, which changes no ratio between them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ics_assess.domain import (
    DEFAULT_BANDS,
    SCALE_MAX,
    SCALE_MIN,
    SCALE_POINTS,
    Answer,
    AssessmentKind,
    Band,
    Item,
    PartnerType,
    Questionnaire,
    Section,
    Sector,
    Unrated,
)

__all__ = [
    "GAP_THRESHOLD",
    "MIN_GROUP",
    "MOVED_THRESHOLD",
    "SECTOR_PAIRS",
    "SPLIT_MIN_N",
    "SPLIT_THRESHOLD",
    "Change",
    "Group",
    "GroupLevel",
    "Grouping",
    "PerceptionGap",
    "QuestionnaireScore",
    "Response",
    "SectionScore",
    "Spread",
    "SystemScore",
    "Trend",
    "aggregate",
    "band_for",
    "consensus",
    "group_responses",
    "item_value",
    "percent",
    "perception_gap",
    "perception_gaps",
    "position_in_band",
    "questionnaire_score",
    "scored_value",
    "section_score",
    "spread",
    "trend",
]

SPLIT_THRESHOLD = 0.6
"""Consensus below this, with at least SPLIT_MIN_N values, flags a result as split."""
SPLIT_MIN_N = 3
"""Two people disagreeing is not a split partnership; three is the fewest that can be."""
GAP_THRESHOLD = 1.0
"""A perception gap between two sectors at least this wide (either way) is flagged."""
MIN_GROUP = 3
"""Anonymity: the fewest individual respondents ever shown together as a group."""

# A mean is a sum of floats divided by a float, so a value that is exactly on a threshold
# in real arithmetic (40 %, half the weight, a gap of 1.0) can come out a hair below it,
# e.g. 4.1 - 3.1 == 0.9999999999999996. Anything this close to a threshold counts as
# reaching it: ratings are whole numbers and weights are a few digits, so no genuine
# score lands within a billionth of a cut-off without being on it.
_TOLERANCE = 1e-9

_SCALE_WIDTH = SCALE_MAX - SCALE_MIN

# Weights whose largest lies within 2**-500 .. 2**500 are used as they are: their products
# and sums cannot overflow, and every ordinary questionnaire scores exactly as it always
# has. Beyond, they are scaled (exactly) to put the largest between 0.5 and 1.
_PLAIN_WEIGHTS = (2.0**-500, 2.0**500)


def _mean(values: Sequence[float]) -> float:
    """Order-independent mean of a non-empty sequence."""
    return math.fsum(values) / len(values)


# --- One assessment -------------------------------------------------------------------


def scored_value(item: Item, rating: int) -> int:
    """The value a rating scores on ``item``: ``6 - rating`` for a reverse item, else the
    rating itself. Raises ValueError for a rating that is not a whole number from 1 to 5."""
    # bool is an int subclass; True would otherwise score as 1.
    if isinstance(rating, bool) or rating not in SCALE_POINTS:
        raise ValueError(f"rating {rating!r} for item {item.id!r} is not on the 1-5 scale")
    rating = int(rating)
    return SCALE_MIN + SCALE_MAX - rating if item.reverse else rating


def item_value(item: Item, answer: Answer | None) -> int | None:
    """The scored value of one answer to ``item``, or None when it is not scored
    (no answer, a comment only, don't know or not applicable).

    Raises ValueError for an answer with both a rating and don't know / not applicable,
    or with a rating off the scale: such an answer is corrupt, and guessing which half
    to trust would put a made-up number in a report.
    """
    if answer is None:
        return None
    if answer.rating is not None and answer.unrated is not None:
        raise ValueError(f"answer to item {item.id!r} has both a rating and {answer.unrated}")
    if answer.rating is None:
        return None
    return scored_value(item, answer.rating)


def percent(mean: float) -> float:
    """A 1-5 mean as a percent of the scale: ``(mean - 1) / 4 * 100``, so 1 is 0 and 5
    is 100."""
    return (mean - SCALE_MIN) / _SCALE_WIDTH * 100


def _band_index(pct: float, bands: Sequence[Band]) -> int:
    if not bands:
        raise ValueError("there are no bands to place a score in")
    for index, band in enumerate(bands):
        if band.below is not None and pct < band.below - _TOLERANCE:
            return index
    return len(bands) - 1


def band_for(pct: float, bands: Sequence[Band] = DEFAULT_BANDS) -> Band:
    """The band a percent falls in: the first band whose ``below`` cut-off is above it,
    else the last band. A percent on a cut-off belongs to the band above it."""
    return bands[_band_index(pct, bands)]


def position_in_band(pct: float, bands: Sequence[Band] = DEFAULT_BANDS) -> float:
    """Where ``pct`` sits inside its band, from 0 (its lower cut-off) to 1 (its upper).

    The first band starts at 0 and the last ends at 100; values outside 0-100 are held
    at the nearest end.
    """
    index = _band_index(pct, bands)
    previous = bands[index - 1].below if index > 0 else None
    lower = previous if previous is not None else 0.0
    upper = bands[index].below if bands[index].below is not None else 100.0
    width = upper - lower
    if width <= 0:
        # A band with no width (a cut-off at 0 or 100) has no inside to place a point in.
        return 0.0
    return min(1.0, max(0.0, (pct - lower) / width))


@dataclass(frozen=True)
class SectionScore:
    """One assessment's score for one section, with the counts behind it.

    ``mean``, ``percent`` and ``band`` are all None when the section is not reported
    (rated items carry less than half of its weight). The four counts add up to the
    number of items in the section.
    """

    section_id: str
    title: str
    mean: float | None
    percent: float | None
    band: Band | None
    answered_weight: float
    total_weight: float
    rated: int
    dont_know: int
    not_applicable: int
    unanswered: int

    @property
    def reported(self) -> bool:
        """True when enough items were rated for the section to have a score."""
        return self.mean is not None


@dataclass(frozen=True)
class QuestionnaireScore:
    """One assessment's overall score and its section scores, in questionnaire order.

    ``mean``, ``percent`` and ``band`` are None when no section is reported.
    """

    mean: float | None
    percent: float | None
    band: Band | None
    sections: tuple[SectionScore, ...]

    @property
    def unreported(self) -> tuple[SectionScore, ...]:
        """The sections left out of the overall score for want of answers."""
        return tuple(score for score in self.sections if not score.reported)

    @property
    def sections_scored(self) -> int:
        """How many sections have a score (and so make up the overall score)."""
        return len(self.sections) - len(self.unreported)

    @property
    def provisional(self) -> bool:
        """True when there is an overall score but some section has none: the headline
        rests on fewer than all the sections, and says so wherever it is shown."""
        return self.mean is not None and bool(self.unreported)

    @property
    def basis(self) -> str:
        """What the overall score rests on, in words: "based on 1 of 6 sections"."""
        total = len(self.sections)
        return f"based on {self.sections_scored} of {total} section{'' if total == 1 else 's'}"

    def section(self, section_id: str) -> SectionScore:
        """The score of the section with this id; KeyError if there is none."""
        for score in self.sections:
            if score.section_id == section_id:
                return score
        raise KeyError(section_id)


def section_score(
    section: Section, answers: Mapping[str, Answer], bands: Sequence[Band] = DEFAULT_BANDS
) -> SectionScore:
    """Score one section of one assessment.

    ``answers`` is keyed by item id; answers to items outside the section are ignored.
    The score is the weighted mean of the scored values of the rated items, reported only
    when their weight is at least half the section's weight. Don't know and not
    applicable are counted but neither scored nor counted as answered weight.
    """
    for item in section.items:
        # A zero weight would let a section be "reported" on items that count for nothing.
        if not (item.weight > 0 and math.isfinite(item.weight)):
            raise ValueError(
                f"item {item.id!r} has weight {item.weight!r}; it must be a positive number"
            )
    shift = _weight_shift(section)

    rated: list[tuple[float, int]] = []
    dont_know = not_applicable = unanswered = 0
    for item in section.items:
        answer = answers.get(item.id)
        value = item_value(item, answer)
        if value is not None:
            rated.append((math.ldexp(item.weight, -shift), value))
        elif answer is None or answer.unrated is None:
            unanswered += 1
        elif answer.unrated == Unrated.DONT_KNOW:
            dont_know += 1
        else:
            not_applicable += 1

    # With shift 0 (every ordinary questionnaire) these are the weights as given.
    total_weight = math.fsum(math.ldexp(item.weight, -shift) for item in section.items)
    answered_weight = math.fsum(weight for weight, _ in rated)
    mean: float | None = None
    if rated and answered_weight >= total_weight / 2 - _TOLERANCE:
        mean = math.fsum(weight * value for weight, value in rated) / answered_weight
        # Rounding in weight * value can push the mean an ulp past the scale's ends.
        mean = min(float(SCALE_MAX), max(float(SCALE_MIN), mean))
    pct = percent(mean) if mean is not None else None
    return SectionScore(
        section_id=section.id,
        title=section.title,
        mean=mean,
        percent=pct,
        band=band_for(pct, bands) if pct is not None else None,
        answered_weight=_unscaled(answered_weight, shift),
        total_weight=_unscaled(total_weight, shift),
        rated=len(rated),
        dont_know=dont_know,
        not_applicable=not_applicable,
        unanswered=unanswered,
    )


def _weight_shift(section: Section) -> int:
    """The power of two to divide a section's weights by: 0 for ordinary weights, else
    the one that puts the largest between 0.5 and 1 (dividing by a power of two is exact,
    short of the smallest weights underflowing, which then count for nothing beside the
    largest, as they nearly do already)."""
    largest = max((item.weight for item in section.items), default=1.0)
    low, high = _PLAIN_WEIGHTS
    if low <= largest <= high:
        return 0
    return math.frexp(largest)[1]


def _unscaled(weight: float, shift: int) -> float:
    """A scaled weight back in the questionnaire's own units; inf beyond the largest float
    (a total of weights near 1e308 has no finite value)."""
    try:
        return math.ldexp(weight, shift)
    except OverflowError:
        return math.inf


def questionnaire_score(
    questionnaire: Questionnaire, answers: Mapping[str, Answer]
) -> QuestionnaireScore:
    """Score one assessment of a questionnaire, banded by the questionnaire's own bands.

    The overall mean is the plain mean of the reported sections' means: sections weigh
    equally whatever their number of items, and unreported sections are left out (and
    listed in ``unreported``) rather than counted as zero.
    """
    sections = tuple(
        section_score(section, answers, questionnaire.bands) for section in questionnaire.sections
    )
    reported = [score.mean for score in sections if score.mean is not None]
    mean = _mean(reported) if reported else None
    pct = percent(mean) if mean is not None else None
    return QuestionnaireScore(
        mean=mean,
        percent=pct,
        band=band_for(pct, questionnaire.bands) if pct is not None else None,
        sections=sections,
    )


# --- Spread and consensus -------------------------------------------------------------


def _checked_values(values: Iterable[float]) -> list[float]:
    """The values as floats, refusing any off the 1-5 scale (consensus means nothing there)."""
    checked = [float(value) for value in values]
    for value in checked:
        if not (SCALE_MIN - _TOLERANCE <= value <= SCALE_MAX + _TOLERANCE):
            raise ValueError(f"value {value!r} is not on the 1-5 scale")
    return checked


def consensus(values: Sequence[float]) -> float:
    """Tastle-Wierman consensus of values on the 1-5 scale: 1 when all are equal, 0 when
    they are split evenly between 1 and 5.

    ``Cns = 1 + (1/n) * sum_j log2(1 - |x_j - mean| / 4)``, which for whole-number ratings
    is DESIGN's ``1 + sum_i p_i * log2(1 - |i - mean| / 4)`` over the scale points; this
    form also takes non-integer values such as section means. Raises ValueError when
    there are no values or one is off the scale.
    """
    xs = _checked_values(values)
    if not xs:
        raise ValueError("consensus needs at least one value")
    mean = _mean(xs)
    total = math.fsum(math.log2(1 - abs(x - mean) / _SCALE_WIDTH) for x in xs)
    # Mathematically within [0, 1]; rounding can stray a hair outside.
    return min(1.0, max(0.0, 1 + total / len(xs)))


@dataclass(frozen=True)
class Spread:
    """How a set of values (one per respondent) is spread on the 1-5 scale.

    ``sd`` is the sample standard deviation (dividing by n - 1), None below two values;
    ``consensus`` is Tastle-Wierman, None with no values.
    """

    n: int
    mean: float | None
    sd: float | None
    minimum: float | None
    maximum: float | None
    consensus: float | None

    @property
    def split(self) -> bool:
        """True when at least SPLIT_MIN_N values have consensus below SPLIT_THRESHOLD."""
        return (
            self.n >= SPLIT_MIN_N
            and self.consensus is not None
            and self.consensus < SPLIT_THRESHOLD - _TOLERANCE
        )


def spread(values: Sequence[float]) -> Spread:
    """n, mean, sample SD, minimum, maximum and consensus of values on the 1-5 scale.
    Raises ValueError for a value off the scale."""
    xs = _checked_values(values)
    if not xs:
        return Spread(n=0, mean=None, sd=None, minimum=None, maximum=None, consensus=None)
    mean = _mean(xs)
    sd = None
    if len(xs) >= 2:
        sd = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (len(xs) - 1))
    return Spread(
        n=len(xs), mean=mean, sd=sd, minimum=min(xs), maximum=max(xs), consensus=consensus(xs)
    )


# --- Across assessments ---------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    """One assessment's value for one item, section or questionnaire, with who gave it.

    ``value`` is None when that assessment has no score there (unanswered, don't know,
    not enough answers); such responses are ignored by every function here.
    """

    assessment_id: str
    organisation_id: str
    partner_type: PartnerType
    kind: AssessmentKind
    value: float | None


def _scored(responses: Iterable[Response]) -> list[Response]:
    return [response for response in responses if response.value is not None]


def _value(response: Response) -> float:
    # Only called on responses that passed _scored; the check is for the type checker.
    if response.value is None:
        raise ValueError(f"response {response.assessment_id!r} has no value")
    return response.value


def _partner_type(response: Response) -> PartnerType:
    # Accept the plain string too ("icb"), as read back from a database row.
    return PartnerType(response.partner_type)


def _sector(response: Response) -> Sector:
    return _partner_type(response).sector


@dataclass(frozen=True)
class SystemScore:
    """A result across assessments of one kind, by method v2 (DESIGN.md).

    Organisation score: the mean of that organisation's responses. Sector score: the mean
    of its organisations' scores. ``system``: the mean of the three sector scores, None
    unless every sector has an organisation with a value (``missing_sectors`` names the
    others, and ``sectors_mean`` is the mean of the sectors present, to be shown only as
    such). ``plain``: the plain mean of organisation scores, shown beside it.
    ``by_partner_type`` (the mean of each type's organisations) is a breakdown only and
    does not enter the system score. ``respondents`` counts the responses with a value.
    """

    kind: AssessmentKind
    system: float | None
    sectors_mean: float | None
    plain: float | None
    by_organisation: Mapping[str, float]
    by_sector: Mapping[Sector, float]
    sector_organisations: Mapping[Sector, int]
    by_partner_type: Mapping[PartnerType, float]
    respondents: int

    @property
    def missing_sectors(self) -> tuple[Sector, ...]:
        """The sectors with no organisation score, in declared order."""
        return tuple(sector for sector in Sector if sector not in self.by_sector)

    @property
    def complete(self) -> bool:
        """True when every sector is present, so that ``system`` has a value."""
        return self.system is not None


def aggregate(
    responses: Iterable[Response], kind: AssessmentKind | str = AssessmentKind.ORGANISATION
) -> SystemScore:
    """Combine responses of one kind: respondents -> organisation score -> sector score
    (mean of its organisations) -> system score (mean of the three sectors).

    Responses of the other kind are left out: the two kinds are never mixed in one
    figure. An organisation counts once in its sector however many respondents it has,
    and a sector counts once in the system however many organisations it has. Mappings
    are ordered: organisations by id, partner types and sectors as declared.
    """
    kind = AssessmentKind(kind)
    scored = sorted(
        (r for r in _scored(responses) if AssessmentKind(r.kind) == kind), key=_response_order
    )
    by_org: dict[str, list[float]] = defaultdict(list)
    type_of: dict[str, PartnerType] = {}
    for response in scored:
        by_org[response.organisation_id].append(_value(response))
        # An organisation filed under two types (it changed between reads) keeps the
        # first in order; responses are sorted so that the choice does not depend on
        # the order they arrive in.
        type_of.setdefault(response.organisation_id, _partner_type(response))
    org_means = {org: _mean(by_org[org]) for org in sorted(by_org)}
    sector_orgs: dict[Sector, list[float]] = defaultdict(list)
    type_orgs: dict[PartnerType, list[float]] = defaultdict(list)
    for org, value in org_means.items():
        sector_orgs[type_of[org].sector].append(value)
        type_orgs[type_of[org]].append(value)
    by_sector = {s: _mean(sector_orgs[s]) for s in Sector if s in sector_orgs}
    complete = len(by_sector) == len(Sector)
    return SystemScore(
        kind=kind,
        system=_mean(list(by_sector.values())) if complete else None,
        sectors_mean=_mean(list(by_sector.values())) if by_sector else None,
        plain=_mean(list(org_means.values())) if org_means else None,
        by_organisation=org_means,
        by_sector=by_sector,
        sector_organisations={s: len(sector_orgs[s]) for s in Sector if s in sector_orgs},
        by_partner_type={t: _mean(type_orgs[t]) for t in PartnerType if t in type_orgs},
        respondents=len(scored),
    )


SECTOR_PAIRS: tuple[tuple[Sector, Sector], ...] = (
    (Sector.NHS, Sector.LOCAL_GOVERNMENT),
    (Sector.NHS, Sector.COMMUNITY),
    (Sector.LOCAL_GOVERNMENT, Sector.COMMUNITY),
)
"""The pairs perception gaps are shown for; NHS minus local government is the headline."""


@dataclass(frozen=True)
class PerceptionGap:
    """How far one sector sees things differently from another.

    Each side is the sector's score (the mean of its organisations' scores) with the
    number of organisations behind it; ``gap`` is ``first`` minus ``second`` (positive:
    the first rates the partnership higher), None if either side has no organisation.
    """

    first: Sector
    second: Sector
    first_score: float | None
    second_score: float | None
    first_n: int
    second_n: int

    @property
    def gap(self) -> float | None:
        """``first_score - second_score``, or None when a side is missing."""
        if self.first_score is None or self.second_score is None:
            return None
        return self.first_score - self.second_score

    @property
    def flagged(self) -> bool:
        """True when the gap is at least GAP_THRESHOLD either way."""
        gap = self.gap
        return gap is not None and abs(gap) >= GAP_THRESHOLD - _TOLERANCE


def perception_gap(
    score: SystemScore, first: Sector = Sector.NHS, second: Sector = Sector.LOCAL_GOVERNMENT
) -> PerceptionGap:
    """The gap between two sectors' scores (by default NHS minus local government)."""
    return PerceptionGap(
        first=first,
        second=second,
        first_score=score.by_sector.get(first),
        second_score=score.by_sector.get(second),
        first_n=score.sector_organisations.get(first, 0),
        second_n=score.sector_organisations.get(second, 0),
    )


def perception_gaps(score: SystemScore) -> tuple[PerceptionGap, ...]:
    """The gap for each pair in SECTOR_PAIRS, the headline pair first."""
    return tuple(perception_gap(score, first, second) for first, second in SECTOR_PAIRS)


MOVED_THRESHOLD = 0.5
"""A change between rounds at least this large, either way, counts as "moved"."""


@dataclass(frozen=True)
class Change:
    """One score in two rounds; ``change`` is after minus before (None if either is)."""

    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        """``after - before``, or None when either round has no score."""
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def moved(self) -> bool:
        """True when the change is at least MOVED_THRESHOLD either way."""
        change = self.change
        return change is not None and abs(change) >= MOVED_THRESHOLD - _TOLERANCE


@dataclass(frozen=True)
class Trend:
    """The change between two rounds, among the organisations that answered in both.

    An organisation is compared only with itself: ``system`` and ``by_sector`` are worked
    out by method v2 over the organisations in both rounds (``matched``), so that one
    joining or leaving never moves a score; ``only_before`` and ``only_after`` name the
    organisations (ids, sorted) that answered in one round only.
    """

    system: Change
    sectors_mean: Change
    by_sector: Mapping[Sector, Change]
    by_organisation: Mapping[str, Change]
    matched: tuple[str, ...]
    only_before: tuple[str, ...]
    only_after: tuple[str, ...]


def trend(
    before: Iterable[Response],
    after: Iterable[Response],
    kind: AssessmentKind | str = AssessmentKind.ORGANISATION,
) -> Trend:
    """The change of a score between two rounds, for the system, each sector and each
    organisation, over the organisations of ``kind`` with a value in both rounds."""
    kind = AssessmentKind(kind)
    before_list = [r for r in _scored(before) if AssessmentKind(r.kind) == kind]
    after_list = [r for r in _scored(after) if AssessmentKind(r.kind) == kind]
    orgs_before = {r.organisation_id for r in before_list}
    orgs_after = {r.organisation_id for r in after_list}
    matched = orgs_before & orgs_after
    then = aggregate([r for r in before_list if r.organisation_id in matched], kind)
    now = aggregate([r for r in after_list if r.organisation_id in matched], kind)
    return Trend(
        system=Change(then.system, now.system),
        sectors_mean=Change(then.sectors_mean, now.sectors_mean),
        by_sector={
            s: Change(then.by_sector.get(s), now.by_sector.get(s))
            for s in Sector
            if s in then.by_sector or s in now.by_sector
        },
        by_organisation={
            org: Change(then.by_organisation[org], now.by_organisation[org])
            for org in sorted(matched)
        },
        matched=tuple(sorted(matched)),
        only_before=tuple(sorted(orgs_before - matched)),
        only_after=tuple(sorted(orgs_after - matched)),
    )


# --- Anonymity ------------------------------------------------------------------------

GroupLevel = Literal["organisation", "partner_type", "sector"]
_LEVELS: tuple[GroupLevel, ...] = ("organisation", "partner_type", "sector")


@dataclass(frozen=True)
class Group:
    """Responses shown together in a comparison.

    ``key`` is an organisation id, a PartnerType value or a Sector value, per ``level``.
    ``folded`` is True for a group made of individuals folded up from groups too small
    to show; such a group holds only those individuals.
    """

    level: GroupLevel
    key: str
    responses: tuple[Response, ...]
    folded: bool


@dataclass(frozen=True)
class Grouping:
    """The groups a comparison may show, and what anonymity kept out of them.

    ``withheld`` counts individual responses left out because even their sector had
    fewer than MIN_GROUP to fold together; ``folded_from`` names the groups at the
    requested level whose individuals were folded up, so the report can say so.
    """

    groups: tuple[Group, ...]
    withheld: int
    folded_from: tuple[str, ...]


def _key_at(response: Response, level: GroupLevel) -> str:
    if level == "organisation":
        return response.organisation_id
    if level == "partner_type":
        return _partner_type(response).value
    return _sector(response).value


def _is_individual(response: Response) -> bool:
    return AssessmentKind(response.kind) == AssessmentKind.INDIVIDUAL


def _response_order(response: Response) -> tuple[str, str, str, str, float]:
    # A total order on responses, so groups come out the same whatever the input order.
    return (
        response.assessment_id,
        response.organisation_id,
        _partner_type(response).value,
        AssessmentKind(response.kind).value,
        _value(response),
    )


def group_responses(responses: Iterable[Response], by: GroupLevel) -> Grouping:
    """Group responses at level ``by`` so that no group shows one or two individuals.

    Organisation responses always stay in their own group at the requested level. A
    group with fewer than MIN_GROUP individual responses sends them up a level
    (organisation -> partner type -> sector), where they merge with other folded-up
    individuals of the same parent; a merged pool of MIN_GROUP or more becomes a folded
    group, a smaller one moves up again, and one still short at sector level is withheld.
    Empty groups are dropped; groups are sorted by level, then key. Responses without a
    value are ignored.
    """
    if by not in _LEVELS:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(_LEVELS)}")
    scored = sorted(_scored(responses), key=_response_order)

    at_level: dict[str, list[Response]] = defaultdict(list)
    for response in scored:
        at_level[_key_at(response, by)].append(response)

    groups: list[Group] = []
    folded_from: list[str] = []
    pending: list[Response] = []
    for key, members in at_level.items():
        individuals = [response for response in members if _is_individual(response)]
        if 0 < len(individuals) < MIN_GROUP:
            folded_from.append(key)
            pending.extend(individuals)
            members = [response for response in members if not _is_individual(response)]
        if members:
            groups.append(Group(level=by, key=key, responses=tuple(members), folded=False))

    for level in _LEVELS[_LEVELS.index(by) + 1 :]:
        pools: dict[str, list[Response]] = defaultdict(list)
        for response in pending:
            pools[_key_at(response, level)].append(response)
        pending = []
        for key, members in pools.items():
            if len(members) >= MIN_GROUP:
                groups.append(Group(level=level, key=key, responses=tuple(members), folded=True))
            else:
                pending.extend(members)

    groups.sort(key=lambda group: (_LEVELS.index(group.level), group.key))
    return Grouping(
        groups=tuple(groups), withheld=len(pending), folded_from=tuple(sorted(folded_from))
    )
