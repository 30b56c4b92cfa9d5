"""The review pack (issue 11): what a board or a council cabinet decides on after a
partnership's six-month review, worked out from the record. Pure: no I/O, no Qt.

``build_review`` takes, for two rounds of one partnership, the comparison of each
questionnaire with its trend (``ics_assess.comparison``), the actions agreed in the
earlier round followed to what became of them, the profile's facts in both rounds and
the concerns partners raised, and works out:

- per questionnaire, the gaps between sectors that narrowed or widened, and the
  statements that moved most, over the organisations that answered in both rounds (an
  organisation is only ever compared with itself, as in the trend);
- per concern, a few questions for the decision, each answered from the data and
  nothing else: where the partnership stands on it now, whether it moved, whether the
  sectors see it alike, and what became of the actions agreed on it.

The thresholds are the comparison's: a change of 0.5 or more either way "moved"
(MOVED_THRESHOLD); a gap is flagged at 1.0 (GAP_THRESHOLD); a gap "narrowed" or
"widened" when its size changed by 0.5 or more.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from .comparison import OVERALL, Comparison, ScopeTrend, kind_noun, statement_numbers
from .domain import ActionStatus, AssessmentKind, Concern, Partnership, Round, Sector
from .labels import signed
from .profile import number_text
from .scoring import GAP_THRESHOLD, MOVED_THRESHOLD, SECTOR_PAIRS, Change, band_for, percent

MOST_MOVED = 8
"""How many of the statements that moved most a questionnaire's review lists."""

_TOLERANCE = 1e-9

Fate = Literal["done", "in_progress", "overdue", "dropped", "not_started"]

FATE_WORDS: dict[str, str] = {
    "done": "Done",
    "in_progress": "In progress",
    "overdue": "Overdue",
    "dropped": "Dropped",
    "not_started": "Not started",
}


def sector_short(sector: Sector) -> str:
    """ "NHS", "local government", "community"."""
    return "NHS" if sector == Sector.NHS else sector.label.lower()


def _and(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def gap_words(first: Sector, second: Sector, gap: float | None) -> str:
    """A gap between two sectors in words: "NHS 1.2 higher than local government",
    "local government 0.3 higher than NHS", "NHS and local government alike"."""
    if gap is None:
        return "no gap: a side has no score"
    if abs(gap) < 0.05:
        return f"{sector_short(first)} and {sector_short(second)} alike"
    higher, lower = (first, second) if gap > 0 else (second, first)
    return f"{sector_short(higher)} {abs(gap):.1f} higher than {sector_short(lower)}"


# --- what changed, per questionnaire ---------------------------------------------------


@dataclass(frozen=True)
class GapChange:
    """A gap between two sectors on one scope, in both rounds, over the organisations
    that answered in both. ``before`` and ``after`` are signed (first minus second)."""

    scope: Literal["questionnaire", "section", "statement"]
    key: str
    label: str
    first: Sector
    second: Sector
    before: float
    after: float

    @property
    def change(self) -> float:
        """How much the gap's size changed: negative when it narrowed."""
        return abs(self.after) - abs(self.before)

    @property
    def narrowed(self) -> bool:
        return self.change <= -(MOVED_THRESHOLD - _TOLERANCE)

    @property
    def widened(self) -> bool:
        return self.change >= MOVED_THRESHOLD - _TOLERANCE

    @property
    def verdict(self) -> str:
        """ "narrowed", "widened" or "held"."""
        return "narrowed" if self.narrowed else "widened" if self.widened else "held"

    def sentence(self) -> str:
        """ "NHS 1.6 higher than local government, now 0.9 higher: narrowed by 0.7"."""
        then = gap_words(self.first, self.second, self.before)
        now = gap_words(self.first, self.second, self.after)
        return f"{then}; now {now}: {self.verdict} by {abs(self.change):.1f}"


def _pair_change(
    scope: str, key: str, label: str, t: ScopeTrend, pairs=SECTOR_PAIRS
) -> list[GapChange]:
    found = []
    for first, second in pairs:
        a, b = t.trend.by_sector.get(first), t.trend.by_sector.get(second)
        if a is None or b is None:
            continue
        if None in (a.before, a.after, b.before, b.after):
            continue
        found.append(
            GapChange(scope, key, label, first, second, a.before - b.before, a.after - b.after)  # type: ignore[operator]
        )
    return found


def gap_changes(c: Comparison) -> tuple[GapChange, ...]:
    """The gaps between sectors that narrowed or widened since the earlier round, the
    largest change first: between every pair of sectors on the questionnaire and its
    sections, and on statements between the NHS and local government (the headline
    pair; a statement's sector scores rest on few organisations, and three pairs of
    them would bury the few that matter)."""
    t = c.trend
    if t is None:
        return ()
    found: list[GapChange] = []
    for scope in t.scopes:
        kind = "questionnaire" if scope.key == OVERALL else "section"
        found += _pair_change(kind, scope.key, scope.label, scope)
    for scope in t.statements:
        found += _pair_change("statement", scope.key, scope.label, scope, SECTOR_PAIRS[:1])
    moved = [g for g in found if g.narrowed or g.widened]
    order = {"questionnaire": 0, "section": 1, "statement": 2}
    moved.sort(key=lambda g: (-abs(g.change), order[g.scope], g.label))
    return tuple(moved)


def headline_change(t: ScopeTrend) -> Change:
    """A scope's system change, or the mean of the sectors present in both rounds when
    not every sector has an organisation in both."""
    system = t.trend.system
    if system.change is not None:
        return system
    return t.trend.sectors_mean


def most_moved(c: Comparison, limit: int = MOST_MOVED) -> tuple[ScopeTrend, ...]:
    """The statements whose system score moved (0.5 or more either way), the largest
    change first, at most ``limit``."""
    t = c.trend
    if t is None:
        return ()
    moved = [s for s in t.statements if headline_change(s).moved]
    moved.sort(key=lambda s: (-abs(headline_change(s).change or 0.0), s.label))
    return tuple(moved[:limit])


@dataclass(frozen=True)
class QuestionnaireReview:
    """One questionnaire between the two rounds."""

    comparison: Comparison
    gaps: tuple[GapChange, ...]
    moved: tuple[ScopeTrend, ...]

    @property
    def title(self) -> str:
        return self.comparison.questionnaire.title

    @property
    def overall(self) -> Change | None:
        """The questionnaire score's change (system, or mean of the sectors present)."""
        t = self.comparison.trend
        return headline_change(t.scopes[0]) if t is not None else None

    @property
    def matched(self) -> int:
        """Organisations (or, for individual views, respondents' organisations) counted
        in both rounds."""
        t = self.comparison.trend
        return len(t.overall.matched) if t is not None else 0

    def change_sentence(self) -> str:
        """The headline change in one sentence."""
        change = self.overall
        if change is None or change.change is None:
            if self.comparison.empty:
                return "No responses in this round."
            return "No change can be worked out: no organisation answered in both rounds."
        verb = "moved" if change.moved else "did not move"
        return (
            f"{change.before:.1f} → {change.after:.1f} ({signed(change.change)}): {verb}, "
            f"over the {self.matched} organisation{'s' if self.matched != 1 else ''} "
            "that answered in both rounds."
        )


# --- the actions agreed last time ------------------------------------------------------


def fate_of(status: ActionStatus, due_on: str, today: date) -> Fate:
    """What became of an action, from its status now: done, dropped, overdue (open or in
    progress, and due before ``today``), in progress, or not started."""
    if status is ActionStatus.DONE:
        return "done"
    if status is ActionStatus.DROPPED:
        return "dropped"
    try:
        if due_on and date.fromisoformat(due_on) < today:
            return "overdue"
    except ValueError:
        pass
    return "in_progress" if status is ActionStatus.IN_PROGRESS else "not_started"


@dataclass(frozen=True)
class ActionFate:
    """An action agreed in the earlier round and what became of it, followed through
    the rounds it was carried forward to, up to the later round."""

    action_id: str
    description: str
    answers: str  # what it is tied to, in words
    owner: str
    due_on: str  # the due date now (it may have been moved)
    first_due_on: str  # the due date when it was agreed
    status: ActionStatus
    fate: Fate
    fate_on: str  # the date of its last change of status, "" if it never changed
    carried_to: str  # the round it was followed to, "" if it was not carried
    organisation_id: str | None = None
    questionnaire_id: str | None = None
    section_id: str | None = None
    item_id: str | None = None

    @property
    def fate_words(self) -> str:
        """ "Done on 2026-08-20", "Overdue: due 2026-10-31, in progress", "Not started"."""
        return self.fate_text()

    def fate_text(self, date_text=str) -> str:
        """``fate_words`` with each date written by ``date_text`` (ISO by default)."""
        words = FATE_WORDS[self.fate]
        if self.fate in ("done", "dropped"):
            return f"{words} on {date_text(self.fate_on)}" if self.fate_on else words
        if self.fate == "overdue":
            state = "in progress" if self.status is ActionStatus.IN_PROGRESS else "not started"
            return f"{words}: due {date_text(self.due_on)}, {state}"
        if self.due_on:
            return f"{words}, due {date_text(self.due_on)}"
        return words

    @property
    def due_moved(self) -> bool:
        return bool(self.first_due_on) and self.first_due_on != self.due_on

    def answers_concern(self, concern: Concern) -> bool:
        """True when the action is on the concern's statement, or within its section."""
        if self.questionnaire_id != concern.questionnaire_id:
            return False
        if concern.item_id:
            return self.item_id == concern.item_id
        return bool(self.section_id) and self.section_id == concern.section_id


def fate_counts(actions: Iterable[ActionFate]) -> dict[str, int]:
    """How many actions met each fate, in FATE_WORDS order (fates met by none left out)."""
    counts = dict.fromkeys(FATE_WORDS, 0)
    for a in actions:
        counts[a.fate] += 1
    return {k: n for k, n in counts.items() if n}


def fate_summary(actions: Sequence[ActionFate]) -> str:
    """ "6 actions: 2 done, 1 in progress, 1 overdue, 1 dropped, 1 not started"."""
    if not actions:
        return "No actions"
    parts = [f"{n} {FATE_WORDS[k].lower()}" for k, n in fate_counts(actions).items()]
    noun = "action" if len(actions) == 1 else "actions"
    return f"{len(actions)} {noun}: {', '.join(parts)}"


# --- the profile then and now ----------------------------------------------------------


@dataclass(frozen=True)
class ProfileLine:
    """A fact (or a figure derived from facts) in both rounds."""

    fact_id: str
    label: str
    group: str
    unit: str
    computed: bool
    before: float | None
    after: float | None
    before_as_of: str = ""
    after_as_of: str = ""
    source: str = ""  # the source of the later value, else of the earlier

    @property
    def before_text(self) -> str:
        return number_text(self.before, self.unit) or "–"

    @property
    def after_text(self) -> str:
        return number_text(self.after, self.unit) or "–"

    @property
    def change_text(self) -> str:
        """The change in the fact's unit: "+2", "−0.5 points", "+£900,000", "no change",
        or "" when a round has no value."""
        if self.before is None or self.after is None:
            return ""
        change = self.after - self.before
        if abs(change) < _TOLERANCE:
            return "no change"
        sign = "+" if change > 0 else "−"
        if self.unit == "percent":
            return f"{sign}{abs(change):.1f} points"
        return sign + number_text(abs(change), self.unit)


# --- the concerns, and the questions for the decision ----------------------------------


@dataclass(frozen=True)
class Question:
    """One question for the decision and its answer, from the data."""

    question: str
    answer: str


@dataclass(frozen=True)
class ConcernRow:
    """A concern with the names around it: as the window lists it, and as the review
    asks about it."""

    concern: Concern
    questionnaire_title: str
    label: str  # "Section 2: Decisions and accountability" or "2.3 <statement>"
    raised_by: str  # the organisation, or "The partnership"
    round_name: str


@dataclass(frozen=True)
class ConcernReview:
    """A concern raised, and the questions for the decision about it."""

    concern: Concern
    questionnaire_title: str
    label: str  # "Section 2: Decisions" or "2.3 <statement>"
    raised_by: str  # the organisation, or "The partnership"
    raised_in: str  # the round's name
    moved: bool | None  # None when no change can be worked out
    change: float | None
    questions: tuple[Question, ...]

    @property
    def verdict(self) -> str:
        """ "moved up", "moved down", "did not move" or "no change known"."""
        if self.moved is None or self.change is None:
            return "no change known"
        if not self.moved:
            return "did not move"
        return "moved up" if self.change > 0 else "moved down"


def _standing(c: Comparison, key: str) -> tuple[float | None, bool, dict[Sector, float]]:
    """A scope's score now: (the system value or, when incomplete, the mean of the
    sectors present; whether it is complete; each sector's value)."""
    system = next((col for col in c.columns if col.level == "system"), None)
    sectors = {
        Sector(col.key): value
        for col in c.columns
        if col.level == "sector" and (value := col.value(key)) is not None
    }
    if system is None:
        return None, False, sectors
    return system.value(key), not system.incomplete, sectors


def _band_name(c: Comparison, value: float) -> str:
    return band_for(percent(value), c.questionnaire.bands).name


def _not_asked(c: Comparison, item_id: str | None) -> str:
    """For a statement the version compared no longer asks (a concern raised on an earlier
    version), words saying so and naming the statements that replace it; "" otherwise."""
    q = c.questionnaire
    if not item_id or any(item.id == item_id for item in q.items):
        return ""
    numbers = statement_numbers(q)
    successors = [item for item in q.items if item_id in item.replaces]
    where = f"version {q.version} of the questionnaire, answered in {c.round.name},"
    if not successors:
        return f"{where} does not ask it"
    named = " and ".join(f"{numbers[item.id]} “{item.statement}”" for item in successors)
    return f"{where} replaced it with {named}"


def _all_changed(c: Comparison, section_id: str | None, changed: Sequence[str]) -> bool:
    """True when a section (of the comparison's questionnaire) has statements and every
    one of them is new or differs between the versions answered."""
    section = next((s for s in c.questionnaire.sections if s.id == section_id), None)
    return (
        section is not None
        and bool(section.items)
        and {i.id for i in section.items} <= set(changed)
    )


def _concern_questions(
    concern: Concern,
    qr: QuestionnaireReview | None,
    since: Round,
    label_word: str,
    actions: Sequence[ActionFate],
) -> tuple[tuple[Question, ...], bool | None, float | None]:
    questions: list[Question] = []
    moved: bool | None = None
    change_value: float | None = None
    key = concern.item_id or concern.section_id or OVERALL
    c = qr.comparison if qr is not None else None

    # 1. Where it stands now.
    ask = f"Where does the partnership stand on this {label_word} now?"
    if c is None:
        questions.append(Question(ask, "Nothing to score: the questionnaire was not answered."))
    elif c.empty:
        questions.append(
            Question(
                ask, f"Nothing to score: no {kind_noun(c.kind, 1)} was submitted in {c.round.name}."
            )
        )
    else:
        value, complete, by_sector = _standing(c, key)
        gone = _not_asked(c, concern.item_id)
        if value is None:
            questions.append(
                Question(ask, f"It has no score in {c.round.name}{f': {gone}' if gone else ''}.")
            )
        else:
            band = _band_name(c, value)
            what = "System score" if complete else "Mean of the sectors present"
            answer = f"{what} {value:.1f}{f' ({band})' if band else ''} in {c.round.name}"
            if by_sector:
                answer += ": " + ", ".join(
                    f"{sector_short(s)} {v:.1f}"
                    for s, v in sorted(by_sector.items(), key=lambda kv: list(Sector).index(kv[0]))
                )
            if not complete:
                answer += f". Incomplete: {c.incomplete_reason()}"
            questions.append(Question(ask, answer + "."))

    # 2. Whether it moved.
    ask = f"Has it moved since {since.name}?"
    t = c.trend if c is not None else None
    scope = None
    if t is not None:
        if concern.item_id:
            scope = next((s for s in t.statements if s.key == concern.item_id), None)
        else:
            scope = next((s for s in t.scopes if s.key == key), None)
    gone = _not_asked(c, concern.item_id) if c is not None and not c.empty else ""
    if gone:
        questions.append(Question(ask, f"Cannot tell: {gone}, so it has no change."))
    elif c is not None and concern.item_id and concern.item_id in (t.changed_items if t else ()):
        questions.append(
            Question(
                ask,
                "Cannot tell: the statement reads or scores differently between the "
                "questionnaire versions answered, so it is left out of the change.",
            )
        )
    elif t is not None and _all_changed(c, concern.section_id, t.changed_items):
        questions.append(
            Question(
                ask,
                "Cannot tell: every statement of this section is new or reads differently "
                "in the version answered now, so there is nothing earlier to compare with.",
            )
        )
    elif scope is None or headline_change(scope).change is None:
        questions.append(
            Question(
                ask,
                "Cannot tell: no organisation scored it in both rounds (an organisation "
                "is only ever compared with itself).",
            )
        )
    else:
        ch = headline_change(scope)
        change_value = ch.change
        moved = ch.moved
        n = len(scope.trend.matched)
        over = f"over the {n} organisation{'s' if n != 1 else ''} that scored it in both rounds"
        if ch.moved:
            way = "up" if (ch.change or 0) > 0 else "down"
            answer = f"Yes, {way}: {ch.before:.1f} → {ch.after:.1f} ({signed(ch.change)}), {over}."
        else:
            answer = (
                f"No: {ch.before:.1f} → {ch.after:.1f} ({signed(ch.change)}), less than the "
                f"{MOVED_THRESHOLD:.1f} that counts as a move, {over}."
            )
        sector_moves = [
            f"{sector_short(s)} {signed(sc.change)}"
            for s, sc in sorted(
                scope.trend.by_sector.items(), key=lambda kv: list(Sector).index(kv[0])
            )
            if sc.change is not None
        ]
        if sector_moves:
            answer += f" By sector: {', '.join(sector_moves)}."
        questions.append(Question(ask, answer))

    # 3. Whether the sectors see it alike.
    first, second = SECTOR_PAIRS[0]
    ask = f"Do {sector_short(first)} and {sector_short(second)} see it alike?"
    if c is None or c.empty:
        questions.append(Question(ask, "Cannot tell: nothing was scored in this round."))
    else:
        _, _, by_sector = _standing(c, key)
        a, b = by_sector.get(first), by_sector.get(second)
        if a is None or b is None:
            missing = _and([sector_short(s) for s in (first, second) if by_sector.get(s) is None])
            questions.append(Question(ask, f"Cannot tell: no score from {missing}."))
        else:
            gap = a - b
            flagged = abs(gap) >= GAP_THRESHOLD - _TOLERANCE
            answer = ("No" if flagged else "Broadly") + f": {gap_words(first, second, gap)}"
            answer += (
                f" (a gap of {GAP_THRESHOLD:.1f} or more is flagged)."
                if flagged
                else f", under the {GAP_THRESHOLD:.1f} that is flagged."
            )
            if scope is not None:
                then = _pair_change("statement", key, "", scope)
                earlier = next((g for g in then if (g.first, g.second) == (first, second)), None)
                if earlier is not None:
                    answer += (
                        f" In {since.name}, among the organisations that scored it in both "
                        f"rounds: {gap_words(first, second, earlier.before)}; the gap "
                        f"{earlier.verdict}."
                    )
            questions.append(Question(ask, answer))

    # 4. What became of the actions agreed on it.
    ask = f"What became of the actions agreed on it in {since.name}?"
    mine = [a for a in actions if a.answers_concern(concern)]
    if not mine:
        questions.append(Question(ask, f"No action was agreed on it in {since.name}."))
    else:
        listed = " ".join(
            f"“{a.description.rstrip('.')}”{f' ({a.owner})' if a.owner else ''}: "
            f"{a.fate_words[0].lower()}{a.fate_words[1:]}."
            for a in mine
        )
        questions.append(Question(ask, f"{fate_summary(mine)}. {listed}"))
    return tuple(questions), moved, change_value


def review_concern(
    concern: Concern,
    *,
    questionnaire_title: str,
    label: str,
    raised_by: str,
    raised_in: str,
    review: QuestionnaireReview | None,
    since: Round,
    actions: Sequence[ActionFate],
) -> ConcernReview:
    """The questions for the decision on one concern, answered from the data."""
    word = "statement" if concern.item_id else "section"
    questions, moved, change = _concern_questions(concern, review, since, word, actions)
    return ConcernReview(
        concern=concern,
        questionnaire_title=questionnaire_title,
        label=label,
        raised_by=raised_by,
        raised_in=raised_in,
        moved=moved,
        change=change,
        questions=questions,
    )


# --- the whole review ------------------------------------------------------------------


@dataclass(frozen=True)
class Review:
    """Everything the review pack shows, for one partnership between two rounds."""

    partnership: Partnership
    round: Round
    since: Round
    kind: AssessmentKind
    produced_on: date
    questionnaires: tuple[QuestionnaireReview, ...]
    actions: tuple[ActionFate, ...]  # agreed in ``since``, followed to ``round``
    new_actions: tuple[ActionFate, ...]  # agreed in ``round`` (not carried)
    profile: tuple[ProfileLine, ...]
    concerns: tuple[ConcernReview, ...]

    def summary(self) -> tuple[str, ...]:
        """The review at a glance, one sentence each."""
        out = []
        for qr in self.questionnaires:
            change = qr.overall
            if change is None or change.change is None:
                out.append(f"{qr.title}: {qr.change_sentence()}")
                continue
            verb = "moved" if change.moved else "did not move"
            broad = [g for g in qr.gaps if g.scope != "statement"]
            gaps = (
                f"; gaps between sectors on it and its sections: "
                f"{sum(g.narrowed for g in broad)} narrowed, {sum(g.widened for g in broad)} "
                "widened"
            )
            out.append(
                f"{qr.title}: {change.before:.1f} → {change.after:.1f} "
                f"({signed(change.change)}, {verb}){gaps}."
            )
        if self.actions:
            out.append(f"Actions agreed in {self.since.name}: {fate_summary(self.actions)}.")
        else:
            out.append(f"No actions were agreed in {self.since.name}.")
        changed = [p for p in self.profile if p.change_text not in ("", "no change")]
        known = [p for p in self.profile if p.before is not None or p.after is not None]
        if known:
            out.append(f"Profile: {len(changed)} of {len(known)} facts and figures changed.")
        if self.concerns:
            moved = sum(1 for c in self.concerns if c.moved)
            still = sum(1 for c in self.concerns if c.moved is False)
            unknown = len(self.concerns) - moved - still
            text = f"Concerns raised: {len(self.concerns)}; {moved} moved, {still} did not move"
            if unknown:
                text += f", {unknown} cannot be told"
            out.append(text + ".")
        else:
            out.append("No concerns have been marked.")
        return tuple(out)


def build_review(
    *,
    partnership: Partnership,
    round: Round,
    since: Round,
    kind: AssessmentKind,
    produced_on: date,
    comparisons: Sequence[Comparison],
    actions: Sequence[ActionFate],
    new_actions: Sequence[ActionFate],
    profile: Sequence[ProfileLine],
    concerns: Sequence[ConcernRow],
) -> Review:
    """The review of ``round`` since ``since``. ``comparisons`` are of ``round`` with the
    trend since ``since``, one per questionnaire; ``concerns`` are those raised up to
    ``round``, with their names."""
    reviews = tuple(QuestionnaireReview(c, gap_changes(c), most_moved(c)) for c in comparisons)
    by_questionnaire = {qr.comparison.questionnaire.id: qr for qr in reviews}
    concern_reviews = []
    for row in concerns:
        concern_reviews.append(
            review_concern(
                row.concern,
                questionnaire_title=row.questionnaire_title,
                label=row.label,
                raised_by=row.raised_by,
                raised_in=row.round_name,
                review=by_questionnaire.get(row.concern.questionnaire_id),
                since=since,
                actions=actions,
            )
        )
    return Review(
        partnership=partnership,
        round=round,
        since=since,
        kind=kind,
        produced_on=produced_on,
        questionnaires=reviews,
        actions=tuple(actions),
        new_actions=tuple(new_actions),
        profile=tuple(profile),
        concerns=tuple(concern_reviews),
    )


__all__ = [
    "FATE_WORDS",
    "MOST_MOVED",
    "ActionFate",
    "ConcernReview",
    "ConcernRow",
    "GapChange",
    "ProfileLine",
    "Question",
    "QuestionnaireReview",
    "Review",
    "build_review",
    "fate_counts",
    "fate_of",
    "fate_summary",
    "gap_changes",
    "gap_words",
    "headline_change",
    "most_moved",
    "review_concern",
    "sector_short",
]
