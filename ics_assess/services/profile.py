"""Use cases of the partnership profile (issue 11): the facts about a partnership in a
round, entered as numbers with a source and a date, the figures derived from them, and
each one's trend across the partnership's rounds.

Which facts there are is declared in ``profile.toml`` (ics_assess/profile.py), read from
the same folders as the questionnaires. A value is checked against its fact before it is
stored (counts whole and not negative, percents 0-100, money and rates not negative, the
councillors of a board no more than its members, dates YYYY-MM-DD), and every refusal is
one sentence naming the fact. Derived figures are computed here, never stored or typed.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import paths
from ..store import InvalidTextError, RecordNotFoundError
from .core import ServiceError, ServicesCore

# ics_assess.profile is imported where it is used: a command that shows no profile need
# not import it (issue 12).
if TYPE_CHECKING:
    from ..profile import Derived, Fact, ProfileDefinition


@dataclass(frozen=True)
class TrendPoint:
    """A fact's value (entered or computed) in one round; None when it has none."""

    round_id: str
    round_name: str
    value: float | None


@dataclass(frozen=True)
class ProfileEntry:
    """One fact or derived figure of a round's profile, with its trend up to the round."""

    fact: Fact | Derived
    value: float | None
    source: str
    as_of: str
    updated_at: str
    trend: tuple[TrendPoint, ...]

    @property
    def computed(self) -> bool:
        """True for a figure derived from other facts (never typed)."""
        return self.fact.derived

    @property
    def text(self) -> str:
        """The value as shown ("" when there is none)."""
        from ..profile import number_text

        return number_text(self.value, self.fact.unit)

    @property
    def trend_text(self) -> str:
        """The trend in words, oldest round first: "Baseline 9 → Review 12"; "" when
        no earlier round has a value."""
        known = [p for p in self.trend if p.value is not None]
        if len(known) < 2:
            return ""
        from ..profile import number_text

        return " → ".join(f"{p.round_name} {number_text(p.value, self.fact.unit)}" for p in known)


@dataclass(frozen=True)
class RoundProfile:
    """The profile of one round: every declared fact and figure, in order."""

    partnership_id: str
    partnership_name: str
    round_id: str
    round_name: str
    entries: tuple[ProfileEntry, ...]
    undeclared: tuple[str, ...]  # ids with a value but no declaration in profile.toml
    warnings: tuple[str, ...]  # profile files skipped, with why


def _label(fact: Fact | Derived) -> str:
    return f"'{fact.label}'"


def _number(typed: float | int | str, fact: Fact) -> float:
    if isinstance(typed, bool):
        typed = str(typed)
    if isinstance(typed, (int, float)):
        number = float(typed)
    else:
        text = str(typed).strip().replace(",", "").replace("£", "").rstrip("%").strip()
        if not text:
            raise ServiceError(f"Give a value for {_label(fact)}.")
        try:
            number = float(text)
        except ValueError:
            raise ServiceError(
                f"The value '{str(typed).strip()[:40]}' for {_label(fact)} is not a number."
            ) from None
    if not math.isfinite(number):
        raise ServiceError(f"The value for {_label(fact)} must be a finite number.")
    shown = f"{number:g}"
    if fact.unit == "count" and (number < 0 or number != int(number)):
        raise ServiceError(
            f"{_label(fact)} is a count: give a whole number that is not negative, not {shown}."
        )
    if fact.unit == "percent" and not 0 <= number <= 100:
        raise ServiceError(
            f"{_label(fact)} is a percent: give a number from 0 to 100, not {shown}."
        )
    if number < 0:
        raise ServiceError(f"{_label(fact)} cannot be negative ({shown}).")
    return number


def _date(as_of: str, fact: Fact) -> str:
    as_of = (as_of or "").strip()
    if not as_of:
        return ""
    try:
        return dt.date.fromisoformat(as_of).isoformat()
    except ValueError:
        raise ServiceError(
            f"The date '{as_of[:40]}' for {_label(fact)} is not a date; give it as YYYY-MM-DD "
            "(e.g. 2026-03-31)."
        ) from None


class ProfileUseCases(ServicesCore):
    """The partnership profile, round by round."""

    _profile_definition: ProfileDefinition | None = None

    def profile_definition(self) -> ProfileDefinition:
        """The declared facts and derived figures (read once from the forms folders)."""
        if self._profile_definition is None:
            folders = self.forms_dirs if self.forms_dirs is not None else paths.forms_dirs()
            from ..profile import load_profile

            self._profile_definition = load_profile(folders)
        return self._profile_definition

    def _fact(self, fact_id: str) -> Fact:
        definition = self.profile_definition()
        for d in definition.derived:
            if d.id == fact_id:
                raise ServiceError(f"{_label(d)} is computed from other facts; it cannot be typed.")
        try:
            return definition.fact(fact_id)
        except KeyError:
            raise ServiceError(f"The profile has no fact '{fact_id}'.") from None

    def set_profile_value(
        self,
        round_id: str,
        fact_id: str,
        value: float | int | str,
        *,
        source: str = "",
        as_of: str = "",
    ) -> ProfileEntry:
        """Record a fact's value in a round (as typed: "1,234", "£2m" is refused, "12%"
        is 12), with its source and the date it was true on; ServiceError in one sentence
        naming the fact when the value cannot be right. Returns the round's entry."""
        fact = self._fact(fact_id)
        number = _number(value, fact)
        date = _date(as_of, fact)
        rnd = self._profile_round(round_id)
        current = {r["fact_id"]: r["value"] for r in self.store.profile_values([rnd.id])}
        current[fact.id] = number
        self._check_limits(fact, current)
        try:
            self.store.set_profile_value(rnd.id, fact.id, number, source, date)
        except InvalidTextError as exc:
            raise ServiceError(str(exc)) from None
        return self._entry_of(rnd.id, fact.id)

    def clear_profile_value(self, round_id: str, fact_id: str) -> None:
        """Remove a fact's value in a round."""
        fact = self._fact(fact_id)
        rnd = self._profile_round(round_id)
        self.store.clear_profile_value(rnd.id, fact.id)

    def round_profile(self, round_id: str) -> RoundProfile:
        """Every fact and derived figure of a round with its value (derived ones
        computed), source and date, and its trend across the partnership's rounds up to
        and including this one."""
        rnd = self._profile_round(round_id)
        partnership = self.store.partnership(rnd.partnership_id)
        definition = self.profile_definition()
        rounds = self.store.rounds(rnd.partnership_id)
        upto = rounds[: [r.id for r in rounds].index(rnd.id) + 1]
        by_round: dict[str, dict[str, dict]] = {r.id: {} for r in upto}
        for row in self.store.profile_values([r.id for r in upto]):
            by_round[row["round_id"]][row["fact_id"]] = row
        values = {
            rid: {fid: row["value"] for fid, row in rows.items()} for rid, rows in by_round.items()
        }
        entries = []
        for fact in definition.entries:
            trend = tuple(TrendPoint(r.id, r.name, _value(fact, values[r.id])) for r in upto)
            row = by_round[rnd.id].get(fact.id, {}) if not fact.derived else {}
            entries.append(
                ProfileEntry(
                    fact=fact,
                    value=_value(fact, values[rnd.id]),
                    source=row.get("source", ""),
                    as_of=row.get("as_of", ""),
                    updated_at=row.get("updated_at", ""),
                    trend=trend,
                )
            )
        declared = {f.id for f in definition.facts}
        undeclared = tuple(sorted(set(values[rnd.id]) - declared))
        return RoundProfile(
            partnership.id,
            partnership.name,
            rnd.id,
            rnd.name,
            tuple(entries),
            undeclared,
            tuple(definition.warnings),
        )

    def profile_trend(self, partnership_id: str) -> dict[str, tuple[TrendPoint, ...]]:
        """Each fact's and figure's value in every round of the partnership, oldest
        round first (None where it has none)."""
        rounds = self.store.rounds(partnership_id)
        if not rounds:
            return {}
        return {e.fact.id: e.trend for e in self.round_profile(rounds[-1].id).entries}

    # --- helpers -----------------------------------------------------------------------

    def _profile_round(self, round_id: str):
        try:
            return self.store.round(round_id)
        except RecordNotFoundError:
            raise ServiceError(f"There is no round with the id '{round_id}'.") from None

    def _check_limits(self, changed: Fact, values: dict[str, float]) -> None:
        """A count declared ``at_most`` another may not exceed it in the same round,
        whichever of the two was just typed."""
        definition = self.profile_definition()
        for fact in definition.facts:
            if not fact.at_most or changed.id not in (fact.id, fact.at_most):
                continue
            part, whole = values.get(fact.id), values.get(fact.at_most)
            if part is None or whole is None or part <= whole:
                continue
            limit = definition.fact(fact.at_most)
            if changed.id == fact.id:
                raise ServiceError(
                    f"{_label(fact)} cannot be more than {_label(limit)} of the same round "
                    f"({part:g} is more than {whole:g})."
                )
            raise ServiceError(
                f"{_label(limit)} cannot be fewer than {_label(fact)} of the same round "
                f"({whole:g} is fewer than {part:g})."
            )

    def _entry_of(self, round_id: str, fact_id: str) -> ProfileEntry:
        return next(e for e in self.round_profile(round_id).entries if e.fact.id == fact_id)


def _value(fact: Fact | Derived, values: dict[str, float]) -> float | None:
    from ..profile import Derived

    if isinstance(fact, Derived):
        return fact.compute(values)
    return values.get(fact.id)


__all__ = ["ProfileEntry", "ProfileUseCases", "RoundProfile", "TrendPoint"]
