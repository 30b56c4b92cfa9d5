"""Load and validate questionnaire files (TOML) into domain objects.

The format is described in ``docs/questionnaire-format.md``. Validation collects every
problem rather than stopping at the first, and names the file, section and item each
one is in, so that a person editing a file in a text editor can fix them all at once.

Nothing a file contains can get past this module as anything but a QuestionnaireError:
deep nesting, numbers too big for a float, text that is not Unicode, and every value
shown in a problem is cut short and kept to one line. Loading the forms folders skips
a file that cannot be used, whatever went wrong with it, and says so in one line.
"""

from __future__ import annotations

import math
import re
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .domain import DEFAULT_BANDS, SCALE_POINTS, Band, Item, Questionnaire, ScalePoint, Section

MAX_FILE_BYTES = 1_000_000
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")

MAX_NESTING = 50
"""Brackets and braces nested deeper than this are refused before the TOML parser, which
recurses once per level, sees them; the format itself never goes beyond two."""
MAX_WEIGHT = 10.0
"""The largest item weight; weights are relative, so 10 already makes one statement
count as much as ten others."""
MAX_KEY_PARTS = 50
"""Dotted keys (``a.b.c = 1``, ``[a.b.c]``) of more parts than this are refused before the
TOML parser, whose time grows with the square of their length, sees them."""
SHOWN_CHARS = 60
"""Values quoted in a problem are cut to this many characters."""

# Measuring nesting: the next character that matters, and where each kind of string ends
# (each pattern fails in time linear in what it scans, whatever the text).
_NEXT_MARK = re.compile(r"""[\[\]{}"'#.=,\n]""")
_BASIC_END = re.compile(r'(?:[^"\\\n]|\\.)*"')
_BASIC_ML_END = re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}
_DIRECTION_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

TOP_KEYS = {"id", "version", "title", "purpose", "scale", "bands", "sections"}
TOP_REQUIRED = ("id", "version", "title", "purpose", "scale", "sections")
SCALE_KEYS = {"value", "label", "descriptor"}
BAND_KEYS = {"name", "below", "descriptor"}
SECTION_KEYS = {"id", "title", "description", "items"}
ITEM_KEYS = {"id", "statement", "guidance", "evidence", "weight", "reverse", "replaces"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a questionnaire file, and where it is."""

    source: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.located()}"

    def located(self) -> str:
        """The problem with where it is in the file, without the file's name."""
        return f"{self.where}: {self.message}" if self.where else self.message


class QuestionnaireError(Exception):
    """A questionnaire file that cannot be used; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = str(problems[0]) if problems else "the questionnaire is not valid"
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(first + more)


@dataclass(frozen=True)
class LoadedQuestionnaire:
    """A questionnaire with the exact text it was read from (stored with answers)."""

    questionnaire: Questionnaire
    source_text: str
    path: Path | None = None


@dataclass
class Catalogue:
    """Every usable questionnaire found in the forms folders, and what was skipped."""

    entries: dict[tuple[str, str], LoadedQuestionnaire] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def latest(self, questionnaire_id: str) -> LoadedQuestionnaire | None:
        """The newest version of a questionnaire, or None."""
        versions = [e for (qid, _), e in self.entries.items() if qid == questionnaire_id]
        if not versions:
            return None
        return max(versions, key=lambda e: version_key(e.questionnaire.version))

    def get(self, questionnaire_id: str, version: str) -> LoadedQuestionnaire | None:
        """One version of a questionnaire, or None."""
        return self.entries.get((questionnaire_id, version))

    def all_latest(self) -> list[LoadedQuestionnaire]:
        """The newest version of each questionnaire, by title."""
        ids = sorted({qid for qid, _ in self.entries})
        found = [self.latest(qid) for qid in ids]
        return sorted((e for e in found if e), key=lambda e: e.questionnaire.title.lower())


def version_key(version: str) -> tuple:
    """Sort key for versions like '1.0', '1.10', '2026.1': numeric parts compare as numbers.

    Any text gives a key: parts that are not plain decimal digits, or are too long to be
    a sensible number, compare as text after the numbers."""
    return tuple(
        (0, int(p), "") if p.isdecimal() and len(p) <= 18 else (1, 0, p)
        for p in re.split(r"[.\-]", version)
    )


class _Checker:
    """Collects problems while reading one file's data."""

    def __init__(self, source: str, max_weight: float | None = MAX_WEIGHT):
        self.source = _one_line(str(source))
        self.max_weight = max_weight
        self.problems: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        # Ids, keys and values from the file end up in both: keep every problem one line.
        self.problems.append(Problem(self.source, _one_line(where), _one_line(message)))

    def unknown_keys(self, table: dict, allowed: set[str], where: str) -> None:
        for key in sorted(set(table) - allowed):
            expected = ", ".join(sorted(allowed))
            self.add(where, f"unknown key {_shown(key)} (expected one of: {expected})")

    def text(self, table: dict, key: str, where: str, *, required: bool = True) -> str:
        value = table.get(key)
        if value is None:
            if required:
                self.add(where, f"'{key}' is missing")
            return ""
        if not isinstance(value, str):
            self.add(where, f"'{key}' must be text in quotes, not {_kind(value)}")
            return ""
        if not value.strip():
            self.add(where, f"'{key}' is empty")
            return ""
        return value.strip()

    def ident(self, table: dict, key: str, where: str) -> str:
        value = self.text(table, key, where)
        if value and not ID_PATTERN.match(value):
            self.add(
                where,
                f"'{key}' = {_shown(value)} may use only letters, digits, '-', '_' and '.' "
                "(at most 80 characters)",
            )
        return value

    def tables(self, data: dict, key: str, where: str) -> list[dict]:
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.add(where, f"'{key}' must be a list of [[{key}]] tables")
            return []
        return value


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def _number(value: Any) -> float | None:
    """A finite number as a float, or None (for true/false, text, inf, nan, or a whole
    number too large for a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _one_line(text: str) -> str:
    """``text`` with control characters, line and paragraph separators, unpaired
    surrogates and direction overrides written as escapes (``\\n``, ``\\u2028``), so
    that it prints as exactly one line, as typed."""
    if text.isprintable():
        return text
    return "".join(ascii(ch)[1:-1] if _escaped(ch) else ch for ch in text)


def _escaped(ch: str) -> bool:
    return unicodedata.category(ch) in _ESCAPED_CATEGORIES or ch in _DIRECTION_CONTROLS


def _shown(value: Any) -> str:
    """A value from a file as a problem quotes it: short, and on one line."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # str() of a whole number of thousands of digits is refused (and is no help).
        return str(value) if value.bit_length() <= 64 else "a number too large to use"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        cut = value[:SHOWN_CHARS] + ("..." if len(value) > SHOWN_CHARS else "")
        return "'" + _one_line(cut) + "'"
    # Lists, tables, dates: their kind, never their repr (a deeply nested list has none).
    return _kind(value)


TOO_DEEP = (
    f"is nested too deeply (brackets or braces more than {MAX_NESTING} levels deep); "
    "a questionnaire needs only a few"
)
TOO_DOTTED = (
    f"has a dotted key of more than {MAX_KEY_PARTS} parts (like a.b.c); "
    "a questionnaire needs only a few"
)


def _shape_problem(text: str) -> str | None:
    """Why the TOML parser must not be given ``text``, or None.

    The parser recurses once per level of brackets or braces, and takes time that grows
    with the square of a dotted key's length, so both are measured first, outside strings
    and comments. It stops at the first string that does not end: the parser then
    reports the broken string."""
    depth = dots = 0
    pos = 0
    while (mark := _NEXT_MARK.search(text, pos)) is not None:
        char, pos = mark.group(), mark.end()
        if char == ".":
            dots += 1
            if dots >= MAX_KEY_PARTS:
                return TOO_DOTTED
            continue
        if char not in "'\"":
            dots = 0  # a quoted string may be one part of a dotted key ("a"."b")
        if char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return TOO_DEEP
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char == "#":
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        elif char == "'":
            if text.startswith("''", pos):
                end = text.find("'''", pos + 2)
                if end < 0:
                    return None
                pos = _past_quotes(text, end + 3, char)
            else:
                end = text.find("'", pos)
                if end < 0 or "\n" in text[pos:end]:
                    return None
                pos = end + 1
        elif char == '"':
            multi = text.startswith('""', pos)
            found = (_BASIC_ML_END if multi else _BASIC_END).match(text, pos + 2 if multi else pos)
            if found is None:
                return None
            pos = _past_quotes(text, found.end(), char) if multi else found.end()
    return None


def _past_quotes(text: str, pos: int, quote: str) -> int:
    # A multi-line string may end with one or two quotes of its own before the three.
    while pos < len(text) and text[pos] == quote:
        pos += 1
    return pos


def parse_questionnaire(
    text: str, source: str = "<text>", *, max_weight: float | None = None
) -> Questionnaire:
    """Parse and validate questionnaire TOML; raise QuestionnaireError listing every problem.

    Whatever ``text`` holds, QuestionnaireError is the only exception this raises: it is
    also given text from the database and from exchange files, which may be hostile.

    ``max_weight`` is the largest item weight allowed. A questionnaire file is held to
    MAX_WEIGHT (read_questionnaire_file passes it). None, for the stored copy of a version
    that answers were given on (from the database or an exchange bundle), allows any
    positive number, as every version did before the limit: those answers stay readable,
    and scoring copes with any weight."""
    checker = _Checker(source, max_weight)
    try:
        questionnaire = _parse(text, checker)
    except QuestionnaireError:
        raise
    except RecursionError:
        checker.add("", TOO_DEEP)
        questionnaire = None
    except MemoryError:
        checker.add("", "is too large to read")
        questionnaire = None
    except Exception as exc:  # the promise above: never anything else
        checker.add("", f"cannot be read ({type(exc).__name__}: {_shown(str(exc))})")
        questionnaire = None
    if checker.problems or questionnaire is None:
        raise QuestionnaireError(checker.problems or [Problem(checker.source, "", "not valid")])
    return questionnaire


def _parse(text: str, checker: _Checker) -> Questionnaire | None:
    if not isinstance(text, str):
        checker.add("", f"is {_kind(text)}, not the text of a questionnaire")
        return None
    if _SURROGATE.search(text):
        checker.add("", "contains text that is not valid Unicode")
        return None
    shape = _shape_problem(text)
    if shape:
        checker.add("", shape)
        return None
    import tomllib  # here: a command that parses no questionnaire need not import it

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        checker.add("", f"this is not valid TOML: {exc}")
        return None
    except ValueError as exc:
        # tomllib lets Python's own refusals through, e.g. a whole number of more than
        # 4,300 digits.
        reason = _one_line(str(exc).split(";")[0])[: SHOWN_CHARS * 2]
        checker.add("", f"this is not valid TOML: {reason}")
        return None
    return _build(data, checker)


def _build(data: dict, c: _Checker) -> Questionnaire | None:
    c.unknown_keys(data, TOP_KEYS, "top level")
    for key in TOP_REQUIRED:
        if key not in data:
            c.add("top level", f"'{key}' is missing")
    qid = c.ident(data, "id", "top level") if "id" in data else ""
    version = data.get("version")
    if isinstance(version, (int, float)) and not isinstance(version, bool):
        c.add(
            "top level", f"'version' must be text in quotes, e.g. version = \"{_shown(version)}\""
        )
        version = ""
    elif "version" in data:
        version = c.text(data, "version", "top level")
    title = c.text(data, "title", "top level") if "title" in data else ""
    purpose = c.text(data, "purpose", "top level") if "purpose" in data else ""
    scale = _scale(data, c)
    bands = _bands(data, c)
    sections = _sections(data, c)
    if c.problems:
        return None
    return Questionnaire(
        id=qid,
        version=str(version),
        title=title,
        purpose=purpose,
        scale=scale,
        sections=sections,
        bands=bands,
    )


def _scale(data: dict, c: _Checker) -> tuple[ScalePoint, ...]:
    if "scale" not in data:
        return ()
    points: list[ScalePoint] = []
    for n, table in enumerate(c.tables(data, "scale", "scale"), start=1):
        where = f"scale point {n}"
        c.unknown_keys(table, SCALE_KEYS, where)
        value = table.get("value")
        if isinstance(value, bool) or not isinstance(value, int):
            shown = f", not {_shown(value)}" if "value" in table else ""
            c.add(where, f"'value' must be a whole number from 1 to 5{shown}")
            value = None
        label = c.text(table, "label", where)
        descriptor = c.text(table, "descriptor", where)
        if value is not None:
            points.append(ScalePoint(value, label, descriptor))
    values = sorted(p.value for p in points)
    if values != list(SCALE_POINTS) and not any(p.where.startswith("scale") for p in c.problems):
        found = ", ".join(_shown(v) for v in values[:10]) + (", ..." if len(values) > 10 else "")
        c.add("scale", f"must have exactly the points 1, 2, 3, 4, 5 once each (found [{found}])")
    return tuple(sorted(points, key=lambda p: p.value))


def _bands(data: dict, c: _Checker) -> tuple[Band, ...]:
    if "bands" not in data:
        return DEFAULT_BANDS
    tables = c.tables(data, "bands", "bands")
    if len(tables) < 2:
        c.add("bands", "at least two bands are needed (leave 'bands' out for the defaults)")
        return DEFAULT_BANDS
    bands: list[Band] = []
    previous = 0.0
    names: set[str] = set()
    # A descriptor on one band asks for one on every band: a reader of the results would
    # otherwise find words for some bands and silence for others.
    described = any("descriptor" in table for table in tables)
    for n, table in enumerate(tables, start=1):
        where = f"band {n}"
        c.unknown_keys(table, BAND_KEYS, where)
        name = c.text(table, "name", where)
        if name:
            where = f"band '{name}'"
            if name.lower() in names:
                c.add(where, "this band name is used twice")
            names.add(name.lower())
        descriptor = ""
        if "descriptor" in table:
            descriptor = c.text(table, "descriptor", where)
        elif described:
            c.add(
                where,
                "'descriptor' is missing (when one band has a descriptor, every band needs one)",
            )
        last = n == len(tables)
        below: float | None = None
        if last:
            if "below" in table:
                c.add(where, "the last band must not have 'below': it runs to 100")
        elif "below" not in table:
            c.add(where, "'below' is missing (every band but the last needs its cut-off)")
        else:
            below = _number(table["below"])
            if below is None or not 0 < below < 100:
                c.add(
                    where,
                    f"'below' must be a number between 0 and 100, not {_shown(table['below'])}",
                )
                below = None
            elif below <= previous:
                c.add(
                    where,
                    f"'below' = {_shown(table['below'])} must be higher than the band before it",
                )
            else:
                previous = below
        bands.append(Band(name, below, descriptor))
    return tuple(bands)


def _sections(data: dict, c: _Checker) -> tuple[Section, ...]:
    if "sections" not in data:
        return ()
    tables = c.tables(data, "sections", "sections")
    if not tables and "sections" in data and not c.problems:
        c.add("sections", "there must be at least one section")
    sections: list[Section] = []
    section_ids: set[str] = set()
    item_ids: dict[str, str] = {}
    for n, table in enumerate(tables, start=1):
        where = f"section {n}"
        sid = c.ident(table, "id", where)
        if sid:
            where = f"section '{sid}'"
            if sid in section_ids:
                c.add(where, "this section id is used twice")
            section_ids.add(sid)
        c.unknown_keys(table, SECTION_KEYS, where)
        title = c.text(table, "title", where)
        description = c.text(table, "description", where, required=False)
        items = _items(table, where, c, item_ids)
        sections.append(Section(sid, title, tuple(items), description))
    for section in sections:
        for item in section.items:
            for old in item.replaces:
                if old in item_ids:
                    c.add(
                        f"section '{section.id}', item '{item.id}'",
                        f"'replaces' names {_shown(old)}, which is still a statement of this "
                        "file (a statement that is replaced does not keep its id)",
                    )
    return tuple(sections)


def _items(section: dict, section_where: str, c: _Checker, seen: dict[str, str]) -> list[Item]:
    tables = c.tables(section, "items", section_where)
    if not tables and section.get("items") in (None, []):  # (not a list: said by tables)
        c.add(section_where, "has no items ([[sections.items]])")
    items: list[Item] = []
    for n, table in enumerate(tables, start=1):
        where = f"{section_where}, item {n}"
        iid = c.ident(table, "id", where)
        if iid:
            where = f"{section_where}, item '{iid}'"
            if iid in seen:
                c.add(where, f"this item id is already used in {seen[iid]}")
            else:
                seen[iid] = section_where
        c.unknown_keys(table, ITEM_KEYS, where)
        statement = c.text(table, "statement", where)
        guidance = c.text(table, "guidance", where)
        evidence = c.text(table, "evidence", where, required=False)
        weight = 1.0
        if "weight" in table:
            number = _number(table["weight"])
            if number is None or number <= 0:
                c.add(where, f"'weight' must be a positive number, not {_shown(table['weight'])}")
            elif c.max_weight is not None and number > c.max_weight:
                c.add(
                    where,
                    f"'weight' must be a positive number no more than {c.max_weight:g}, "
                    f"not {_shown(table['weight'])}",
                )
            else:
                weight = number
        reverse = table.get("reverse", False)
        if not isinstance(reverse, bool):
            c.add(where, f"'reverse' must be true or false, not {_shown(reverse)}")
            reverse = False
        replaces = _replaces(table, where, c) if "replaces" in table else ()
        items.append(Item(iid, statement, guidance, evidence, weight, reverse, replaces))
    return items


def _replaces(item: dict, where: str, c: _Checker) -> tuple[str, ...]:
    """The ids an item's ``replaces`` names: a list of at least one statement id, each once."""
    value = item["replaces"]
    if not isinstance(value, list) or not value:
        shown = "an empty list" if isinstance(value, list) else _shown(value)
        c.add(
            where,
            "'replaces' must be a list of the ids of the statements this one replaces, "
            f'e.g. replaces = ["gov-decisions-1"], not {shown}',
        )
        return ()
    found: list[str] = []
    for old in value:
        if not isinstance(old, str) or not ID_PATTERN.match(old):
            c.add(
                where,
                f"'replaces' holds {_shown(old)}, which is not a statement id (letters, "
                "digits, '-', '_' and '.', at most 80 characters)",
            )
        elif old in found:
            c.add(where, f"'replaces' names {_shown(old)} twice")
        else:
            found.append(old)
    return tuple(found)


def read_questionnaire_file(path: Path) -> LoadedQuestionnaire:
    """Read and validate one file; raise QuestionnaireError naming every problem (and
    nothing else, whatever the file is or holds)."""
    source = _one_line(str(path))

    def refuse(message: str) -> QuestionnaireError:
        return QuestionnaireError([Problem(source, "", message)])

    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise refuse("is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            # A pipe or a device would block the read, or never end.
            raise refuse("is not an ordinary file")
        if info.st_size > MAX_FILE_BYTES:
            raise refuse(f"the file is {info.st_size:,} bytes; the limit is 1 MB")
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise refuse("the file is more than 1 MB; the limit is 1 MB")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise refuse(f"cannot be read ({_one_line(reason)})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeError:
        raise refuse("is not UTF-8 text (save it as UTF-8 in your editor)") from None
    questionnaire = parse_questionnaire(text, source, max_weight=MAX_WEIGHT)
    return LoadedQuestionnaire(questionnaire, text, path)


def check_file(path: Path) -> list[Problem]:
    """Every problem with a questionnaire file; an empty list when it is valid."""
    try:
        read_questionnaire_file(path)
    except QuestionnaireError as exc:
        return exc.problems
    return []


def load_catalogue(folders: Iterable[Path]) -> Catalogue:
    """Read every ``*.toml`` in the folders. Broken files are skipped with a warning;
    a second file with the same id and version as an earlier one is skipped too.

    Nothing about one file or folder stops the load: a file that cannot be read, parsed
    or validated for any reason at all is skipped with its one-line warning."""
    catalogue = Catalogue()
    for folder in folders:
        try:
            if not folder.is_dir():
                continue
            # profile.toml declares the partnership profile's facts (profile.py).
            paths = sorted(p for p in folder.glob("*.toml") if p.name != "profile.toml")
        except Exception as exc:
            catalogue.warnings.append(
                _one_line(f"Skipped the forms folder {folder}: it cannot be read ({_reason(exc)})")
            )
            continue
        for path in paths:
            try:
                _add_file(catalogue, path)
            except Exception as exc:
                catalogue.warnings.append(
                    _one_line(
                        f"Skipped questionnaire {path.name}: it cannot be read ({_reason(exc)})"
                    )
                )
    return catalogue


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    if isinstance(exc, MemoryError):
        return "too large"
    return type(exc).__name__


def _add_file(catalogue: Catalogue, path: Path) -> None:
    """Load one file into the catalogue, or add the warning saying why it was skipped."""
    try:
        loaded = read_questionnaire_file(path)
    except QuestionnaireError as exc:
        detail = "; ".join(p.located() for p in exc.problems[:5])
        more = len(exc.problems) - 5
        if more > 0:
            detail += f"; and {more} more"
        catalogue.warnings.append(_one_line(f"Skipped questionnaire {path.name}: {detail}"))
        return
    q = loaded.questionnaire
    key = (q.id, q.version)
    if key in catalogue.entries:
        other = catalogue.entries[key].path
        catalogue.warnings.append(
            _one_line(
                f"Skipped questionnaire {path.name}: '{q.id}' version {_shown(q.version)} "
                f"is already loaded from {other}"
            )
        )
        return
    catalogue.entries[key] = loaded
