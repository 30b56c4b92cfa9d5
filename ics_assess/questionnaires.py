"""Load and validate questionnaire files (TOML) into domain objects.

The format is described in ``docs/questionnaire-format.md``. Validation collects every
problem rather than stopping at the first, and names the file, section and item each
one is in, so that a person editing a file in a text editor can fix them all at once.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .domain import DEFAULT_BANDS, SCALE_POINTS, Band, Item, Questionnaire, ScalePoint, Section

MAX_FILE_BYTES = 1_000_000
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")

TOP_KEYS = {"id", "version", "title", "purpose", "scale", "bands", "sections"}
TOP_REQUIRED = ("id", "version", "title", "purpose", "scale", "sections")
SCALE_KEYS = {"value", "label", "descriptor"}
BAND_KEYS = {"name", "below"}
SECTION_KEYS = {"id", "title", "description", "items"}
ITEM_KEYS = {"id", "statement", "guidance", "evidence", "weight", "reverse"}


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
    """Sort key for versions like '1.0', '1.10', '2026.1': numeric parts compare as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"[.\-]", version))


class _Checker:
    """Collects problems while reading one file's data."""

    def __init__(self, source: str):
        self.source = source
        self.problems: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.source, where, message))

    def unknown_keys(self, table: dict, allowed: set[str], where: str) -> None:
        for key in sorted(set(table) - allowed):
            expected = ", ".join(sorted(allowed))
            self.add(where, f"unknown key '{key}' (expected one of: {expected})")

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
                f"'{key}' = '{value}' may use only letters, digits, '-', '_' and '.' "
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
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value):
        return None
    return float(value)


def parse_questionnaire(text: str, source: str = "<text>") -> Questionnaire:
    """Parse and validate questionnaire TOML; raise QuestionnaireError listing every problem."""
    checker = _Checker(source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        checker.add("", f"this is not valid TOML: {exc}")
        raise QuestionnaireError(checker.problems) from None
    questionnaire = _build(data, checker)
    if checker.problems or questionnaire is None:
        raise QuestionnaireError(checker.problems)
    return questionnaire


def _build(data: dict, c: _Checker) -> Questionnaire | None:
    c.unknown_keys(data, TOP_KEYS, "top level")
    for key in TOP_REQUIRED:
        if key not in data:
            c.add("top level", f"'{key}' is missing")
    qid = c.ident(data, "id", "top level") if "id" in data else ""
    version = data.get("version")
    if isinstance(version, (int, float)) and not isinstance(version, bool):
        c.add("top level", f"'version' must be text in quotes, e.g. version = \"{version}\"")
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
            c.add(where, "'value' must be a whole number from 1 to 5")
            value = None
        label = c.text(table, "label", where)
        descriptor = c.text(table, "descriptor", where)
        if value is not None:
            points.append(ScalePoint(value, label, descriptor))
    values = sorted(p.value for p in points)
    if values != list(SCALE_POINTS) and not any(p.where.startswith("scale") for p in c.problems):
        c.add("scale", f"must have exactly the points 1, 2, 3, 4, 5 once each (found {values})")
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
    for n, table in enumerate(tables, start=1):
        where = f"band {n}"
        c.unknown_keys(table, BAND_KEYS, where)
        name = c.text(table, "name", where)
        if name:
            where = f"band '{name}'"
            if name.lower() in names:
                c.add(where, "this band name is used twice")
            names.add(name.lower())
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
                c.add(where, "'below' must be a number between 0 and 100")
                below = None
            elif below <= previous:
                c.add(where, f"'below' = {table['below']} must be higher than the band before it")
            else:
                previous = below
        bands.append(Band(name, below))
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
    return tuple(sections)


def _items(section: dict, section_where: str, c: _Checker, seen: dict[str, str]) -> list[Item]:
    tables = c.tables(section, "items", section_where)
    if not tables and "items" not in section:
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
                c.add(where, f"'weight' must be a positive number, not {table['weight']!r}")
            else:
                weight = number
        reverse = table.get("reverse", False)
        if not isinstance(reverse, bool):
            c.add(where, f"'reverse' must be true or false, not {reverse!r}")
            reverse = False
        items.append(Item(iid, statement, guidance, evidence, weight, reverse))
    return items


def read_questionnaire_file(path: Path) -> LoadedQuestionnaire:
    """Read and validate one file; raise QuestionnaireError naming every problem."""
    source = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise QuestionnaireError(
                [Problem(source, "", f"the file is {size:,} bytes; the limit is 1 MB")]
            )
        raw = path.read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise QuestionnaireError([Problem(source, "", f"cannot be read ({reason})")]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = "is not UTF-8 text (save it as UTF-8 in your editor)"
        raise QuestionnaireError([Problem(source, "", message)]) from None
    return LoadedQuestionnaire(parse_questionnaire(text, source), text, path)


def check_file(path: Path) -> list[Problem]:
    """Every problem with a questionnaire file; an empty list when it is valid."""
    try:
        read_questionnaire_file(path)
    except QuestionnaireError as exc:
        return exc.problems
    return []


def load_catalogue(folders: Iterable[Path]) -> Catalogue:
    """Read every ``*.toml`` in the folders. Broken files are skipped with a warning;
    a second file with the same id and version as an earlier one is skipped too."""
    catalogue = Catalogue()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                loaded = read_questionnaire_file(path)
            except QuestionnaireError as exc:
                detail = "; ".join(p.located() for p in exc.problems[:5])
                more = len(exc.problems) - 5
                if more > 0:
                    detail += f"; and {more} more"
                catalogue.warnings.append(f"Skipped questionnaire {path.name}: {detail}")
                continue
            q = loaded.questionnaire
            key = (q.id, q.version)
            if key in catalogue.entries:
                other = catalogue.entries[key].path
                catalogue.warnings.append(
                    f"Skipped questionnaire {path.name}: '{q.id}' version {q.version} "
                    f"is already loaded from {other}"
                )
                continue
            catalogue.entries[key] = loaded
    return catalogue
