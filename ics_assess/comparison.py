"""Comparisons across a partnership's assessments: the ICB chair's view (method v2).

``build_comparison`` takes every assessment of one questionnaire in a round (and, for
the trend, in an earlier round) with the partnership's organisations, and works out what
the overview, ``ics-assess compare`` and the comparison PDF show: the headline with its
coverage, section scores by group, statements by organisation or group, where the
sectors' views diverge, and what changed since the earlier round. Pure: no I/O, no Qt.

The rules are DESIGN.md's "Scoring method" (v2), restated in docs/scoring.md:
one kind of response at a time; only submitted assessments count; organisations ->
sectors -> system; coverage and non-response named; statements matched by id across
questionnaire versions, with those that differ named and left out; and in the view of
individual respondents no group under three is ever shown on its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from .domain import (
    Answer,
    Assessment,
    AssessmentKind,
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
    statement_numbers,
)
from .scoring import (
    MIN_GROUP,
    PerceptionGap,
    Response,
    Spread,
    SystemScore,
    Trend,
    aggregate,
    group_responses,
    item_value,
    perception_gaps,
    questionnaire_score,
    spread,
    trend,
)

OVERALL = "overall"
"""The scope key of the questionnaire score, beside section and statement ids."""

TOP_MOVES = 5
"""How many of the largest improvements and declines a trend lists."""

ColumnLevel = Literal["system", "sector", "partner_type", "organisation", "folded"]


@dataclass(frozen=True)
class TypeChange:
    """An organisation's partner type changed (``changed_at``: an ISO time in UTC)."""

    organisation_id: str
    changed_at: str
    old_type: PartnerType
    new_type: PartnerType


@dataclass(frozen=True)
class Entry:
    """One assessment as a comparison sees it: with its organisation, the questionnaire
    version it was answered on, and its answers."""

    assessment: Assessment
    organisation: Organisation
    questionnaire: Questionnaire
    answers: Mapping[str, Answer]


@dataclass(frozen=True)
class SectorCoverage:
    """Which of a sector's organisations responded (a submitted assessment of the kind
    shown), which have only drafts, and which have nothing."""

    sector: Sector
    organisations: tuple[Organisation, ...]
    responded: tuple[Organisation, ...]
    in_progress: tuple[Organisation, ...]

    @property
    def missing(self) -> tuple[Organisation, ...]:
        """The sector's organisations that have not responded (drafts included)."""
        done = {o.id for o in self.responded}
        return tuple(o for o in self.organisations if o.id not in done)


@dataclass(frozen=True)
class Coverage:
    """Who responded, per sector."""

    sectors: tuple[SectorCoverage, ...]

    @property
    def total(self) -> int:
        """The partnership's organisations."""
        return sum(len(s.organisations) for s in self.sectors)

    @property
    def responded(self) -> int:
        """Organisations with a submitted assessment of the kind shown."""
        return sum(len(s.responded) for s in self.sectors)

    def sentence(self) -> str:
        """ "8 of 11 organisations; local government 2 of 4: Eastdale District Council has
        not responded" (every sector short of full named, with who is missing)."""
        parts = [f"{self.responded} of {self.total} organisations"]
        for cover in self.sectors:
            if not cover.missing or not cover.organisations:
                continue
            names = _names(cover.missing)
            verb = "has" if len(cover.missing) == 1 else "have"
            parts.append(
                f"{cover.sector.label.lower() if cover.sector != Sector.NHS else 'NHS'} "
                f"{len(cover.responded)} of {len(cover.organisations)}: {names} {verb} "
                "not responded"
            )
        return "; ".join(parts)


@dataclass(frozen=True)
class Column:
    """A group shown in the section table and the statement heat map.

    ``level`` says what it is; ``key`` is "system", a Sector or PartnerType value, an
    organisation id, or for a folded group of individuals "folded:<level>:<key>".
    ``n`` counts organisations (organisation view) or respondents (individual view).
    ``incomplete`` marks a system column whose value is the mean of the sectors present.
    """

    level: ColumnLevel
    key: str
    label: str
    n: int
    values: Mapping[str, float | None]
    incomplete: bool = False

    def value(self, scope: str) -> float | None:
        """The column's score for a scope (OVERALL, a section id or an item id)."""
        return self.values.get(scope)


@dataclass(frozen=True)
class StatementRow:
    """One statement across the groups compared.

    ``points`` holds, per sector, the values behind the statement (organisation scores
    in the organisation view, respondents' values in the individual view), for a dot
    plot; ``spread`` is over the same values; ``split`` is DESIGN's consensus rule.
    ``changed`` is True when its wording differs between the versions answered in the
    round; it is then compared only among answers on the reference version.
    """

    item: Item
    number: str
    section_id: str
    points: Mapping[Sector, tuple[float, ...]]
    spread: Spread
    gaps: tuple[PerceptionGap, ...]
    dont_know: int
    not_applicable: int
    changed: bool

    @property
    def split(self) -> bool:
        """True when the views are split (consensus rule in DESIGN.md)."""
        return self.spread.split


@dataclass(frozen=True)
class Divergence:
    """A gap between two sectors on a section or statement."""

    scope: Literal["questionnaire", "section", "statement"]
    key: str
    label: str
    gap: PerceptionGap


@dataclass(frozen=True)
class Move:
    """One change between rounds, for the lists of largest improvements and declines."""

    who: str
    scope_label: str
    before: float
    after: float

    @property
    def change(self) -> float:
        """``after - before``."""
        return self.after - self.before


@dataclass(frozen=True)
class ScopeTrend:
    """The trend of one score: the questionnaire (key OVERALL), a section or a statement."""

    key: str
    label: str
    trend: Trend


@dataclass(frozen=True)
class ComparisonTrend:
    """What changed since an earlier round, among organisations that answered both."""

    previous_round: Round
    scopes: tuple[ScopeTrend, ...]
    statements: tuple[ScopeTrend, ...]
    only_before: tuple[Organisation, ...]
    only_after: tuple[Organisation, ...]
    changed_items: tuple[str, ...]
    improvements: tuple[Move, ...]
    declines: tuple[Move, ...]
    # The questionnaire versions the earlier round's counted responses were answered on,
    # with how many on each, as Comparison.versions is for this round.
    previous_versions: tuple[tuple[str, int], ...] = ()

    @property
    def overall(self) -> Trend:
        """The questionnaire score's trend."""
        return self.scopes[0].trend


@dataclass(frozen=True)
class Anonymity:
    """What the individual view folded or left out so that no one is shown alone."""

    folded_from: tuple[str, ...]
    withheld: int
    hidden_partner_types: tuple[PartnerType, ...]
    left_out_from: tuple[str, ...] = ()

    def sentences(self) -> tuple[str, ...]:
        """The rule as it applied here, in words."""
        out: list[str] = []
        if self.folded_from:
            out.append(
                f"An organisation with fewer than {MIN_GROUP} respondents is never shown on "
                f"its own: the respondents of {_and(self.folded_from)} are shown combined "
                "with others of their partner type or sector."
            )
        if self.withheld:
            people = "1 respondent" if self.withheld == 1 else f"{self.withheld} respondents"
            whose = f" (of {_and(self.left_out_from)})" if self.left_out_from else ""
            out.append(
                f"{people}{whose} {'is' if self.withheld == 1 else 'are'} left out of every "
                f"figure: even combined with the other small groups of their sector they "
                f"were fewer than {MIN_GROUP}."
            )
        if self.hidden_partner_types:
            labels = ", ".join(t.label for t in self.hidden_partner_types)
            out.append(
                f"Partner types with fewer than {MIN_GROUP} respondents are not shown on "
                f"their own ({labels})."
            )
        return tuple(out)


@dataclass(frozen=True)
class Comparison:
    """Everything the overview, ``compare`` and the comparison PDF show."""

    partnership: Partnership
    round: Round
    questionnaire: Questionnaire
    kind: AssessmentKind
    submitted: int
    drafts: int
    other_kind: int
    versions: tuple[tuple[str, int], ...]
    changed_items: tuple[str, ...]
    coverage: Coverage
    headline: SystemScore
    sections: tuple[tuple[Section, SystemScore], ...]
    columns: tuple[Column, ...]
    statements: tuple[StatementRow, ...]
    divergences: tuple[Divergence, ...]
    trend: ComparisonTrend | None
    anonymity: Anonymity | None
    notes: tuple[str, ...] = field(default=())
    organisations: Mapping[str, Organisation] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """True when nothing of the kind shown has been submitted."""
        return self.headline.respondents == 0

    def headline_sentence(self) -> str:
        """The system score in words, never a silently raised number."""
        h = self.headline
        if h.system is not None:
            return f"System score {h.system:.1f}"
        if h.sectors_mean is None:
            return "No score yet"
        return (
            f"Incomplete: {self.incomplete_reason()}. Mean of the sectors shown "
            f"{h.sectors_mean:.1f}"
        )

    def incomplete_reason(self) -> str:
        """Why there is no system score: "no response from community", "too few local
        government respondents to show" (individual views), or both; "" when there is one."""
        missing = self.headline.missing_sectors
        responded = {c.sector for c in self.coverage.sectors if c.responded}
        silent = [s for s in missing if s not in responded]
        hidden = [s for s in missing if s in responded]
        reasons = []
        if silent:
            reasons.append(f"no response from {_and([_sector_short(s) for s in silent])}")
        if hidden:
            # Individual views: they answered, but too few to show (anonymity, Rule 14).
            reasons.append(
                f"too few {_and([_sector_short(s) for s in hidden])} respondents to show"
            )
        return " and ".join(reasons)


# --- building ---------------------------------------------------------------------------


def _and(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _names(organisations: Iterable[Organisation]) -> str:
    return _and([o.name for o in organisations])


def _same_statement(a: Item, b: Item) -> bool:
    return (a.statement, a.reverse, a.weight) == (b.statement, b.reverse, b.weight)


def changed_items(reference: Questionnaire, others: Iterable[Questionnaire]) -> tuple[str, ...]:
    """Ids of the reference's statements that read or score differently (or are missing)
    in any of the other versions, in the reference's order."""
    others = [q for q in others if q.version != reference.version]
    changed = []
    for item in reference.items:
        for other in others:
            try:
                if not _same_statement(item, other.item(item.id)):
                    changed.append(item.id)
                    break
            except KeyError:
                changed.append(item.id)
                break
    return tuple(changed)


def _response(entry: Entry, value: float | None) -> Response:
    return Response(
        assessment_id=entry.assessment.id,
        organisation_id=entry.organisation.id,
        partner_type=entry.organisation.partner_type,
        kind=entry.assessment.kind,
        value=value,
    )


def _scope_responses(
    entries: Sequence[Entry], reference: Questionnaire, changed: set[str]
) -> dict[str, list[Response]]:
    """Per scope (OVERALL, each section id, each statement id), one response per entry.

    A statement that differs between versions takes values only from answers on the
    reference version; a section is matched by id whatever version it was answered on.
    """
    scopes: dict[str, list[Response]] = defaultdict(list)
    # Each version's items by id, once: Questionnaire.item() scans, and this runs for
    # every statement of every assessment.
    items_of: dict[str, dict[str, Item]] = {}
    reference_items = reference.items
    for entry in entries:
        q = entry.questionnaire
        if q.version not in items_of:
            items_of[q.version] = {item.id: item for item in q.items}
        own_items = items_of[q.version]
        score = questionnaire_score(q, entry.answers)
        scopes[OVERALL].append(_response(entry, score.mean))
        own_sections = {s.section_id: s.mean for s in score.sections}
        for section in reference.sections:
            scopes[section.id].append(_response(entry, own_sections.get(section.id)))
        for item in reference_items:
            value = None
            if item.id not in changed or q.version == reference.version:
                own = own_items.get(item.id)
                if own is not None:
                    value = item_value(own, entry.answers.get(item.id))
            scopes[item.id].append(_response(entry, value))
    return scopes


def _coverage(
    organisations: Sequence[Organisation], entries: Sequence[Entry], kind: AssessmentKind
) -> Coverage:
    responded = {
        e.organisation.id
        for e in entries
        if e.assessment.kind == kind and e.assessment.status == AssessmentStatus.SUBMITTED
    }
    drafting = {
        e.organisation.id
        for e in entries
        if e.assessment.kind == kind and e.assessment.status == AssessmentStatus.DRAFT
    } - responded
    by_name = sorted(organisations, key=lambda o: (o.name.lower(), o.id))
    return Coverage(
        tuple(
            SectorCoverage(
                sector=sector,
                organisations=tuple(o for o in by_name if o.sector == sector),
                responded=tuple(o for o in by_name if o.sector == sector and o.id in responded),
                in_progress=tuple(o for o in by_name if o.sector == sector and o.id in drafting),
            )
            for sector in Sector
        )
    )


def _sector_label(sector: Sector) -> str:
    return sector.label


def _organisation_columns(
    scopes: Mapping[str, list[Response]],
    scores: Mapping[str, SystemScore],
    organisations: Mapping[str, Organisation],
    headline: SystemScore,
) -> list[Column]:
    columns = [_system_column(scores, headline)]
    for sector in Sector:
        if sector in headline.by_sector:
            columns.append(
                Column(
                    "sector",
                    sector.value,
                    _sector_label(sector),
                    headline.sector_organisations[sector],
                    {k: s.by_sector.get(sector) for k, s in scores.items()},
                )
            )
    counts = Counter(organisations[o].partner_type for o in headline.by_organisation)
    for partner_type in PartnerType:
        if partner_type in headline.by_partner_type:
            columns.append(
                Column(
                    "partner_type",
                    partner_type.value,
                    partner_type.label,
                    counts[partner_type],
                    {k: s.by_partner_type.get(partner_type) for k, s in scores.items()},
                )
            )
    respondents = Counter(r.organisation_id for r in scopes[OVERALL])
    for org_id in sorted(headline.by_organisation, key=lambda o: organisations[o].name.lower()):
        columns.append(
            Column(
                "organisation",
                org_id,
                organisations[org_id].name,
                respondents[org_id],
                {k: s.by_organisation.get(org_id) for k, s in scores.items()},
            )
        )
    return columns


def _system_column(scores: Mapping[str, SystemScore], headline: SystemScore) -> Column:
    incomplete = not headline.complete
    individual = headline.kind == AssessmentKind.INDIVIDUAL
    return Column(
        "system",
        "system",
        "System" if not incomplete else "System (incomplete)",
        headline.respondents if individual else len(headline.by_organisation),
        {k: (s.system if not incomplete else s.sectors_mean) for k, s in scores.items()},
        incomplete=incomplete,
    )


def build_comparison(
    *,
    partnership: Partnership,
    round: Round,
    questionnaire: Questionnaire,
    organisations: Sequence[Organisation],
    entries: Sequence[Entry],
    kind: AssessmentKind | str = AssessmentKind.ORGANISATION,
    previous_round: Round | None = None,
    previous_entries: Sequence[Entry] = (),
    type_changes: Sequence[TypeChange] = (),
) -> Comparison:
    """The comparison of ``entries`` (every assessment of the questionnaire in the round,
    any kind and status) by method v2, for one kind of response.

    ``questionnaire`` is the reference version (the newest answered): its sections and
    statements are the rows. ``organisations`` are all of the partnership's, for the
    coverage. With ``previous_round`` and its entries, the trend is worked out too.
    """
    kind = AssessmentKind(kind)
    orgs = {o.id: o for o in organisations}
    for e in [*entries, *previous_entries]:
        orgs.setdefault(e.organisation.id, e.organisation)
    chosen = [
        e
        for e in entries
        if e.assessment.kind == kind and e.assessment.status == AssessmentStatus.SUBMITTED
    ]
    drafts = sum(
        1
        for e in entries
        if e.assessment.kind == kind and e.assessment.status == AssessmentStatus.DRAFT
    )
    other_kind = sum(
        1
        for e in entries
        if e.assessment.kind != kind and e.assessment.status == AssessmentStatus.SUBMITTED
    )
    versions = Counter(e.questionnaire.version for e in chosen)
    version_list = {e.questionnaire.version: e.questionnaire for e in chosen}
    changed = changed_items(questionnaire, version_list.values())
    anonymity: Anonymity | None = None
    grouping = None
    if kind == AssessmentKind.INDIVIDUAL:
        chosen, grouping, anonymity = _anonymous(chosen)
    scopes = _scope_responses(chosen, questionnaire, set(changed))
    scores = {key: aggregate(responses, kind) for key, responses in scopes.items()}
    headline = scores.get(OVERALL) or aggregate([], kind)
    sections = tuple((s, scores.get(s.id) or aggregate([], kind)) for s in questionnaire.sections)

    if kind == AssessmentKind.ORGANISATION:
        columns = _organisation_columns(scopes, scores, orgs, headline)
    else:
        columns, hidden = _individual_columns(scopes, scores, headline, grouping, orgs)
        anonymity = replace(anonymity or Anonymity((), 0, ()), hidden_partner_types=hidden)

    numbers = statement_numbers(questionnaire)
    statements = (
        tuple(
            _statement_row(
                item,
                numbers[item.id],
                questionnaire,
                scopes[item.id],
                scores[item.id],
                chosen,
                item.id in changed,
                kind,
            )
            for item in questionnaire.items
        )
        if chosen
        else ()
    )

    divergences = _divergences(questionnaire, headline, sections, statements)
    comparison_trend = None
    if previous_round is not None:
        comparison_trend = _trend(
            questionnaire, kind, chosen, previous_round, previous_entries, orgs, numbers
        )
    coverage = _coverage(organisations, entries, kind)
    notes = _notes(
        questionnaire,
        round,
        kind,
        coverage,
        headline,
        drafts,
        other_kind,
        versions,
        changed,
        numbers,
    )
    if previous_round is not None:
        counted = {e.organisation.id for e in [*entries, *previous_entries]}
        notes += _type_change_notes(type_changes, previous_round, counted, orgs)
    return Comparison(
        partnership=partnership,
        round=round,
        questionnaire=questionnaire,
        kind=kind,
        submitted=len(chosen),
        drafts=drafts,
        other_kind=other_kind,
        versions=tuple(sorted(versions.items())),
        changed_items=changed,
        coverage=coverage,
        headline=headline,
        sections=sections,
        columns=tuple(columns) if chosen else (),
        statements=statements,
        divergences=divergences,
        trend=comparison_trend,
        anonymity=anonymity,
        notes=notes,
        organisations=orgs,
    )


def _anonymous(chosen: Sequence[Entry]) -> tuple[list[Entry], object, Anonymity]:
    """The individual views that may be shown (in groups of MIN_GROUP or more), their
    grouping at organisation level, and what was folded or left out."""
    grouping = group_responses([_response(e, 1.0) for e in chosen], "organisation")
    shown = {r.assessment_id for g in grouping.groups for r in g.responses}
    names = {e.organisation.id: e.organisation.name for e in chosen}
    kept = [e for e in chosen if e.assessment.id in shown]
    left_out = {e.organisation.id for e in chosen if e.assessment.id not in shown}
    combined = {r.organisation_id for g in grouping.groups if g.folded for r in g.responses}
    return (
        kept,
        grouping,
        Anonymity(
            folded_from=tuple(sorted(names[o] for o in combined)),
            withheld=grouping.withheld,
            hidden_partner_types=(),
            left_out_from=tuple(sorted(names[o] for o in left_out)),
        ),
    )


def _group_label(group) -> str:
    """ "Other NHS trust respondents", "Other local government respondents"."""
    if group.level == "partner_type":
        label = PartnerType(group.key).label
    else:
        label = Sector(group.key).label
    if not label.startswith(("NHS", "Integrated")):
        label = label[0].lower() + label[1:]
    return f"Other {label} respondents"


def _individual_columns(
    scopes: Mapping[str, list[Response]],
    scores: Mapping[str, SystemScore],
    headline: SystemScore,
    grouping,
    organisations: Mapping[str, Organisation],
) -> tuple[list[Column], tuple[PartnerType, ...]]:
    columns = [_system_column(scores, headline)]
    overall = scopes.get(OVERALL, [])
    by_sector = Counter(PartnerType(r.partner_type).sector for r in overall)
    by_type = Counter(PartnerType(r.partner_type) for r in overall)
    for sector in Sector:
        if by_sector[sector] >= MIN_GROUP:
            columns.append(
                Column(
                    "sector",
                    sector.value,
                    _sector_label(sector),
                    by_sector[sector],
                    {k: s.by_sector.get(sector) for k, s in scores.items()},
                )
            )
    hidden = tuple(t for t in PartnerType if 0 < by_type[t] < MIN_GROUP)
    for partner_type in PartnerType:
        if by_type[partner_type] >= MIN_GROUP:
            columns.append(
                Column(
                    "partner_type",
                    partner_type.value,
                    partner_type.label,
                    by_type[partner_type],
                    {k: s.by_partner_type.get(partner_type) for k, s in scores.items()},
                )
            )
    for group in grouping.groups if grouping is not None else ():
        members = {r.assessment_id for r in group.responses}
        values = {
            key: aggregate([r for r in responses if r.assessment_id in members], "individual").plain
            for key, responses in scopes.items()
        }
        if group.folded:
            columns.append(
                Column(
                    "folded",
                    f"folded:{group.level}:{group.key}",
                    _group_label(group),
                    len(members),
                    values,
                )
            )
        else:
            name = organisations[group.key].name if group.key in organisations else group.key
            columns.append(Column("organisation", group.key, name, len(members), values))
    return columns, hidden


def _statement_row(
    item: Item,
    number: str,
    questionnaire: Questionnaire,
    responses: Sequence[Response],
    score: SystemScore,
    chosen: Sequence[Entry],
    changed: bool,
    kind: AssessmentKind,
) -> StatementRow:
    points: dict[Sector, list[float]] = {s: [] for s in Sector}
    if kind == AssessmentKind.ORGANISATION:
        sector_of = {r.organisation_id: PartnerType(r.partner_type).sector for r in responses}
        for org_id, value in score.by_organisation.items():
            points[sector_of[org_id]].append(value)
    else:
        for r in responses:
            if r.value is not None:
                points[PartnerType(r.partner_type).sector].append(r.value)
    counted = [
        e.answers.get(item.id)
        for e in chosen
        if not changed or e.questionnaire.version == questionnaire.version
    ]
    unrated = Counter(a.unrated for a in counted if a is not None and a.unrated is not None)
    everything = [v for values in points.values() for v in values]
    return StatementRow(
        item=item,
        number=number,
        section_id=questionnaire.section_of(item.id).id,
        points={s: tuple(sorted(v)) for s, v in points.items() if v},
        spread=spread(everything),
        gaps=perception_gaps(score),
        dont_know=unrated[Unrated.DONT_KNOW],
        not_applicable=unrated[Unrated.NOT_APPLICABLE],
        changed=changed,
    )


def _divergences(
    questionnaire: Questionnaire,
    headline: SystemScore,
    sections: Sequence[tuple[Section, SystemScore]],
    statements: Sequence[StatementRow],
) -> tuple[Divergence, ...]:
    found: list[tuple[int, Divergence]] = []
    order = 0

    def add(scope, key: str, label: str, gaps: Iterable[PerceptionGap]) -> None:
        nonlocal order
        for gap in gaps:
            if gap.gap is not None:
                found.append((order, Divergence(scope, key, label, gap)))
                order += 1

    add("questionnaire", OVERALL, questionnaire.title, perception_gaps(headline))
    for section, score in sections:
        add("section", section.id, section.title, perception_gaps(score))
    for row in statements:
        add("statement", row.item.id, f"{row.number} {row.item.statement}", row.gaps)
    found.sort(key=lambda pair: (-abs(pair[1].gap.gap or 0.0), pair[0]))
    return tuple(d for _, d in found)


def _trend(
    questionnaire: Questionnaire,
    kind: AssessmentKind,
    chosen: Sequence[Entry],
    previous_round: Round,
    previous_entries: Sequence[Entry],
    organisations: Mapping[str, Organisation],
    numbers: Mapping[str, str],
) -> ComparisonTrend:
    before = [
        e
        for e in previous_entries
        if e.assessment.kind == kind and e.assessment.status == AssessmentStatus.SUBMITTED
    ]
    if kind == AssessmentKind.INDIVIDUAL:
        before, _, _ = _anonymous(before)
    orgs_before = {e.organisation.id for e in before}
    orgs_after = {e.organisation.id for e in chosen}
    if kind == AssessmentKind.INDIVIDUAL:
        before, chosen = _safe_for_trend(before, chosen)
    versions = {e.questionnaire.version: e.questionnaire for e in [*before, *chosen]}
    changed = changed_items(questionnaire, versions.values())
    then = _scope_responses(before, questionnaire, set(changed))
    now = _scope_responses(chosen, questionnaire, set(changed))
    labels = {OVERALL: questionnaire.title, **{s.id: s.title for s in questionnaire.sections}}
    scopes = tuple(
        ScopeTrend(key, labels[key], trend(then.get(key, []), now.get(key, []), kind))
        for key in [OVERALL, *(s.id for s in questionnaire.sections)]
    )
    statements = tuple(
        ScopeTrend(
            item.id,
            f"{numbers[item.id]} {item.statement}",
            trend(then.get(item.id, []), now.get(item.id, []), kind),
        )
        for item in questionnaire.items
        if item.id not in changed
    )
    if kind == AssessmentKind.INDIVIDUAL:
        # No organisation's individual views are shown one organisation at a time.
        scopes = tuple(_without_organisations(s) for s in scopes)
        statements = tuple(_without_organisations(s) for s in statements)
    moves: list[Move] = []
    for scope in scopes:
        if kind == AssessmentKind.ORGANISATION:
            changes = {organisations[o].name: c for o, c in scope.trend.by_organisation.items()}
        else:
            changes = {s.label: c for s, c in scope.trend.by_sector.items()}
        for who, change in changes.items():
            if change.change:
                moves.append(Move(who, scope.label, change.before, change.after))
    return ComparisonTrend(
        previous_round=previous_round,
        scopes=scopes,
        statements=statements,
        only_before=_by_name(organisations, orgs_before - orgs_after),
        only_after=_by_name(organisations, orgs_after - orgs_before),
        changed_items=changed,
        previous_versions=tuple(sorted(Counter(e.questionnaire.version for e in before).items())),
        improvements=tuple(
            sorted(
                (m for m in moves if m.change > 0), key=lambda m: (-m.change, m.who, m.scope_label)
            )[:TOP_MOVES]
        ),
        declines=tuple(
            sorted(
                (m for m in moves if m.change < 0), key=lambda m: (m.change, m.who, m.scope_label)
            )[:TOP_MOVES]
        ),
    )


def _by_name(organisations: Mapping[str, Organisation], ids: Iterable[str]) -> tuple:
    return tuple(sorted((organisations[o] for o in ids), key=lambda o: (o.name.lower(), o.id)))


def _safe_for_trend(
    before: Sequence[Entry], after: Sequence[Entry]
) -> tuple[list[Entry], list[Entry]]:
    """Individual views in the change only from sectors with at least MIN_GROUP matched
    respondents in each round, so that no change rests on one or two people."""
    matched = {e.organisation.id for e in before} & {e.organisation.id for e in after}

    def counts(entries: Sequence[Entry]) -> Counter:
        return Counter(e.organisation.sector for e in entries if e.organisation.id in matched)

    then, now = counts(before), counts(after)
    safe = {s for s in Sector if then[s] >= MIN_GROUP and now[s] >= MIN_GROUP}
    return (
        [e for e in before if e.organisation.sector in safe],
        [e for e in after if e.organisation.sector in safe],
    )


def _without_organisations(scope: ScopeTrend) -> ScopeTrend:
    return replace(scope, trend=replace(scope.trend, by_organisation={}))


def _type_change_notes(
    changes: Sequence[TypeChange],
    previous_round: Round,
    counted: set[str],
    organisations: Mapping[str, Organisation],
) -> tuple[str, ...]:
    """A sentence for each organisation in the comparison whose partner type changed
    since the earlier round began: it is compared only with itself, under its type now."""
    began = previous_round.opened_on or previous_round.created_at
    notes = []
    for change in changes:
        org = organisations.get(change.organisation_id)
        if org is None or org.id not in counted or change.changed_at[:10] < began[:10]:
            continue
        old = PartnerType(change.old_type).label.lower()
        new = PartnerType(change.new_type).label.lower()
        notes.append(
            f"{org.name} changed its partner type from {old} to {new} on "
            f"{change.changed_at[:10]}: it is compared only with itself, and counted as "
            f"{new} (in the {PartnerType(change.new_type).sector.label.lower()} sector) in "
            "both rounds."
        )
    return tuple(notes)


def kind_noun(kind: AssessmentKind, count: int = 2) -> str:
    """ "organisation response(s)" or "individual view(s)"."""
    noun = "organisation response" if kind == AssessmentKind.ORGANISATION else "individual view"
    return noun if count == 1 else noun + "s"


def _sector_short(sector: Sector) -> str:
    """ "NHS", "local government", "community"."""
    return "NHS" if sector == Sector.NHS else sector.label.lower()


def _sector_name(sector: Sector) -> str:
    return "the NHS" if sector == Sector.NHS else sector.label.lower()


def _notes(
    questionnaire: Questionnaire,
    round: Round,
    kind: AssessmentKind,
    coverage: Coverage,
    headline: SystemScore,
    drafts: int,
    other_kind: int,
    versions: Mapping[str, int],
    changed: Sequence[str],
    numbers: Mapping[str, str],
) -> tuple[str, ...]:
    notes: list[str] = []
    if headline.respondents == 0:
        sentence = (
            f"No {kind_noun(kind, 1)} to the {questionnaire.title} questionnaire has been "
            f"submitted in {round.name} yet"
        )
        if drafts:
            sentence += f" ({drafts} in progress)"
        notes.append(sentence + ", so there is nothing to score.")
    elif len(headline.by_organisation) == 1:
        notes.append(
            "Only one organisation has responded, so there is nothing to compare it with yet."
        )
    if headline.respondents:
        for cover in coverage.sectors:
            if cover.sector in headline.by_sector:
                continue
            if cover.organisations and cover.responded:
                # Responded, but every respondent was left out (too few individuals).
                notes.append(
                    f"Too few {_sector_name(cover.sector)} respondents to show, so the "
                    "system score is incomplete."
                )
            elif cover.organisations:
                missing = cover.missing
                verb = "has" if len(missing) == 1 else "have"
                notes.append(
                    f"No response from {_sector_name(cover.sector)}: {_names(missing)} {verb} "
                    "not responded, so the system score is incomplete."
                )
            else:
                notes.append(
                    f"The partnership has no {_sector_name(cover.sector)} organisation, so the "
                    "system score is incomplete."
                )
    in_progress = [o for cover in coverage.sectors for o in cover.in_progress]
    if in_progress:
        notes.append(f"In progress and not counted: {_names(in_progress)}.")
    if other_kind:
        other = (
            AssessmentKind.INDIVIDUAL
            if kind == AssessmentKind.ORGANISATION
            else AssessmentKind.ORGANISATION
        )
        notes.append(
            f"This view shows {kind_noun(kind)} only; {other_kind} {kind_noun(other, other_kind)} "
            f"{'is' if other_kind == 1 else 'are'} shown apart, never mixed into these figures."
        )
    if len(versions) > 1:
        listed = " and ".join(f"{v} ({n})" for v, n in sorted(versions.items()))
        sentence = f"Answers are on versions {listed}; statements are compared by id."
        if changed:
            which = ", ".join(numbers[i] for i in changed)
            sentence += (
                f" Statements {which} differ between the versions and are compared only "
                f"among answers on version {questionnaire.version}."
            )
        notes.append(sentence)
    return tuple(notes)
