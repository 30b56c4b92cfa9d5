"""Load and validate the partnership profile's fact definitions (``profile.toml``).

The profile (DESIGN "Profile", issue 11) is a small set of facts about a partnership in a
round, entered as numbers with a source and a date: board membership by sector with the
councillors among them, the share of NHS spend on prevention, money pooled beyond the
Better Care Fund, the social care vacancy rate. Which facts there are is declared in a
data file like the questionnaires: ``forms/profile.toml`` ships with the program, and a
``profile.toml`` in the user's forms folder adds a partnership's own. The format is
described in ``docs/profile-format.md``.

Derived figures are computed from other facts, never typed, by a formula of one of two
tiny forms, read by a pattern (never evaluated): ``a / b * 100`` (the share of ``b`` that
is ``a``, a percent) or ``a - b`` (a difference, in the unit of both).

As with questionnaires, validation collects every problem, one sentence each, naming the
fact it is in, and nothing a file holds gets past this module as anything but a
ProfileError.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .questionnaires import (
    MAX_FILE_BYTES,
    Problem,
    _Checker,
    _kind,
    _one_line,
    _shape_problem,
    _shown,
)

PROFILE_FILENAME = "profile.toml"
"""The name of the profile file in a forms folder (never read as a questionnaire)."""

UNITS = ("count", "percent", "money", "rate")
UNIT_WORDS = {
    "count": "a whole number",
    "percent": "a percent from 0 to 100",
    "money": "an amount in pounds (GBP)",
    "rate": "a rate",
}
TOP_KEYS = {"facts", "derived"}
FACT_KEYS = {"id", "label", "unit", "group", "description", "at_most"}
DERIVED_KEYS = {"id", "label", "formula", "group", "description"}
FACT_ID = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
_RATIO = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*/\s*([a-z][a-z0-9_]*)\s*\*\s*100\s*$")
_DIFFERENCE = re.compile(r"^\s*([a-z][a-z0-9_]*)\s*-\s*([a-z][a-z0-9_]*)\s*$")


class ProfileError(Exception):
    """A profile file that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = str(problems[0]) if problems else "the profile file is not valid"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first + more)


@dataclass(frozen=True)
class Fact:
    """A fact entered by hand: ``unit`` is one of UNITS. ``at_most`` names a count this
    one may never exceed (the councillors among a board's members)."""

    id: str
    label: str
    unit: str
    group: str = ""
    description: str = ""
    at_most: str = ""

    @property
    def derived(self) -> bool:
        return False


@dataclass(frozen=True)
class Derived:
    """A figure computed from two facts: ``kind`` "ratio" (``left / right * 100``, a
    percent) or "difference" (``left - right``, in their unit)."""

    id: str
    label: str
    kind: str
    left: str
    right: str
    unit: str
    group: str = ""
    description: str = ""

    @property
    def derived(self) -> bool:
        return True

    @property
    def formula(self) -> str:
        """The formula in words of the ids, as the file gives it."""
        if self.kind == "ratio":
            return f"{self.left} / {self.right} × 100"
        return f"{self.left} − {self.right}"

    def compute(self, values: dict[str, float]) -> float | None:
        """The figure from the facts' values, or None when one is missing (or a ratio's
        whole is 0)."""
        left, right = values.get(self.left), values.get(self.right)
        if left is None or right is None:
            return None
        if self.kind == "ratio":
            return None if right == 0 else left / right * 100
        return left - right


@dataclass
class ProfileDefinition:
    """Every fact and derived figure, in file order (the shipped file's first), and the
    files skipped with why."""

    facts: list[Fact] = field(default_factory=list)
    derived: list[Derived] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def fact(self, fact_id: str) -> Fact:
        """One entered fact (KeyError if there is none)."""
        for f in self.facts:
            if f.id == fact_id:
                return f
        raise KeyError(fact_id)

    @property
    def entries(self) -> list[Fact | Derived]:
        """Facts and derived figures in the order shown: grouped as first declared,
        each derived figure after the facts of its group."""
        order: list[str] = []
        for entry in [*self.facts, *self.derived]:
            if entry.group not in order:
                order.append(entry.group)
        return [e for g in order for e in [*self.facts, *self.derived] if e.group == g]


def parse_profile(
    text: str, source: str = "<text>", known: Iterable[Fact] = ()
) -> tuple[list[Fact], list[Derived]]:
    """Parse and validate profile TOML; raise ProfileError listing every problem.

    ``known`` are facts already declared (the shipped file's, when reading a user's):
    ids must not repeat them, and formulas and ``at_most`` may name them."""
    c = _Checker(source)
    try:
        result = _parse(text, c, list(known))
    except Exception as exc:  # never anything but ProfileError
        c.add("", f"cannot be read ({type(exc).__name__})")
        result = None
    if c.problems or result is None:
        raise ProfileError(c.problems or [Problem(c.source, "", "not valid")])
    return result


def _parse(text: str, c: _Checker, known: list[Fact]):
    if not isinstance(text, str):
        c.add("", f"is {_kind(text)}, not the text of a profile file")
        return None
    shape = _shape_problem(text)
    if shape:
        c.add("", shape.replace("a questionnaire", "a profile file"))
        return None
    import tomllib  # here: a command that reads no profile file need not import it

    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError) as exc:
        c.add("", f"this is not valid TOML: {_one_line(str(exc))[:120]}")
        return None
    c.unknown_keys(data, TOP_KEYS, "top level")
    if "facts" not in data and "derived" not in data:
        c.add("top level", "there are no [[facts]] and no [[derived]] figures")
    facts = _facts(data, c, known)
    all_facts = {f.id: f for f in [*known, *facts]}
    for f in facts:
        if not f.at_most:
            continue
        other = all_facts.get(f.at_most)
        where = f"fact '{f.id}'"
        if other is None:
            c.add(where, f"'at_most' names {_shown(f.at_most)}, which is not a fact")
        elif f.unit != "count" or other.unit != "count":
            c.add(where, "'at_most' may join only two counts")
    derived = _derived(data, c, all_facts)
    return facts, derived


def _common(table: dict, c: _Checker, where: str, seen: set[str]) -> tuple[str, str, str]:
    fid = c.text(table, "id", where)
    if fid and not FACT_ID.match(fid):
        c.add(
            where,
            f"'id' = {_shown(fid)} may use only small letters, digits and '_', "
            "beginning with a letter (at most 60 characters)",
        )
    elif fid:
        where = f"{where.split(' ')[0]} '{fid}'"
        if fid in seen:
            c.add(where, "this id is already used by another fact or figure")
        seen.add(fid)
    label = c.text(table, "label", where)
    return fid, label, where


def _facts(data: dict, c: _Checker, known: list[Fact]) -> list[Fact]:
    seen = {f.id for f in known}
    facts: list[Fact] = []
    for n, table in enumerate(c.tables(data, "facts", "facts"), start=1):
        fid, label, where = _common(table, c, f"fact {n}", seen)
        c.unknown_keys(table, FACT_KEYS, where)
        unit = table.get("unit")
        if unit not in UNITS:
            shown = f", not {_shown(unit)}" if "unit" in table else " ('unit' is missing)"
            c.add(where, f"'unit' must be one of {', '.join(UNITS)}{shown}")
            unit = ""
        group = c.text(table, "group", where, required=False)
        description = c.text(table, "description", where, required=False)
        at_most = c.text(table, "at_most", where, required=False)
        facts.append(Fact(fid, label, unit, group, description, at_most))
    return facts


def _derived(data: dict, c: _Checker, facts: dict[str, Fact]) -> list[Derived]:
    seen = set(facts)
    found: list[Derived] = []
    for n, table in enumerate(c.tables(data, "derived", "derived"), start=1):
        fid, label, where = _common(table, c, f"derived {n}", seen)
        c.unknown_keys(table, DERIVED_KEYS, where)
        formula = c.text(table, "formula", where)
        group = c.text(table, "group", where, required=False)
        description = c.text(table, "description", where, required=False)
        if not formula:
            continue
        ratio, difference = _RATIO.match(formula), _DIFFERENCE.match(formula)
        match = ratio or difference
        if match is None:
            c.add(
                where,
                f"'formula' = {_shown(formula)} must be 'a / b * 100' (a share, in percent) "
                "or 'a - b' (a difference), where a and b are ids of facts",
            )
            continue
        left, right = match.group(1), match.group(2)
        missing = [x for x in (left, right) if x not in facts]
        if missing:
            names = " and ".join(_shown(x) for x in missing)
            c.add(where, f"the formula names {names}, which is not a fact entered by hand")
            continue
        if difference and facts[left].unit != facts[right].unit:
            c.add(where, "a difference needs two facts of the same unit")
            continue
        unit = "percent" if ratio else facts[left].unit
        found.append(
            Derived(
                fid,
                label,
                "ratio" if ratio else "difference",
                left,
                right,
                unit,
                group,
                description,
            )
        )
    return found


def read_profile_file(path: Path, known: Iterable[Fact] = ()) -> tuple[list[Fact], list[Derived]]:
    """Read and validate one profile file; ProfileError naming every problem."""
    source = _one_line(str(path))

    def refuse(message: str) -> ProfileError:
        return ProfileError([Problem(source, "", message)])

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise refuse("is not an ordinary file")
        if info.st_size > MAX_FILE_BYTES:
            raise refuse(f"the file is {info.st_size:,} bytes; the limit is 1 MB")
        raw = path.read_bytes()
    except OSError as exc:
        raise refuse(f"cannot be read ({_one_line(exc.strerror or type(exc).__name__)})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeError:
        raise refuse("is not UTF-8 text (save it as UTF-8 in your editor)") from None
    return parse_profile(text, source, known)


def check_profile_file(path: Path, known: Iterable[Fact] = ()) -> list[Problem]:
    """Every problem with a profile file; an empty list when it is valid."""
    try:
        read_profile_file(path, known)
    except ProfileError as exc:
        return exc.problems
    return []


def load_profile(folders: Iterable[Path]) -> ProfileDefinition:
    """The facts of every ``profile.toml`` in the folders, in order (the shipped one
    first). A file that cannot be used is skipped with a one-line warning naming its
    problems; it never stops the program."""
    definition = ProfileDefinition()
    for folder in folders:
        path = Path(folder) / PROFILE_FILENAME
        try:
            if not path.exists():
                continue
            facts, derived = read_profile_file(path, definition.facts)
        except ProfileError as exc:
            detail = "; ".join(p.located() for p in exc.problems[:5])
            more = len(exc.problems) - 5
            if more > 0:
                detail += f"; and {more} more"
            definition.warnings.append(_one_line(f"Skipped the profile file {path}: {detail}"))
            continue
        except Exception as exc:
            definition.warnings.append(
                _one_line(f"Skipped the profile file {path}: it cannot be read ({exc})")
            )
            continue
        definition.facts.extend(facts)
        definition.derived.extend(derived)
    return definition


def number_text(value: float | None, unit: str) -> str:
    """A value as shown: counts whole, percents with one decimal and %, money in pounds."""
    if value is None:
        return ""
    if unit == "count":
        return f"{value:,.0f}"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "money":
        return f"£{value:,.0f}" if value == int(value) else f"£{value:,.2f}"
    return f"{value:g}"


__all__ = [
    "PROFILE_FILENAME",
    "UNITS",
    "UNIT_WORDS",
    "Derived",
    "Fact",
    "ProfileDefinition",
    "ProfileError",
    "check_profile_file",
    "load_profile",
    "number_text",
    "parse_profile",
    "read_profile_file",
]
