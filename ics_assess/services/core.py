"""What every use-case module shares: the open database and the questionnaire catalogue,
the questionnaire lookups, and the error and name matching the use cases raise.

``ServicesCore`` holds the state; each use-case module (assessments.py, exchange.py...)
defines a mixin over it, and services/__init__.py composes them into ``Services``.
Nothing here imports Qt.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Self

from .. import paths
from ..domain import Assessment, Questionnaire, statement_numbers
from ..questionnaires import (
    Catalogue,
    LoadedQuestionnaire,
    QuestionnaireError,
    load_catalogue,
    parse_questionnaire,
    version_key,
)
from ..store import RecordNotFoundError, Store, StoreError
from ..store.database import connect_readonly


class ServiceError(StoreError):
    """A request that cannot be carried out; the message says why, for the user."""


def _find_one(records, text: str, noun: str, missing: str = ""):
    """The one record whose name is ``text`` (ignoring case and spacing) or whose id is
    or begins with it (4 characters or more); ServiceError naming the problem if not
    (``missing`` replaces the sentence for no match; '{wanted}' in it is filled in)."""
    wanted = " ".join(text.split())
    if not wanted:
        raise ServiceError(f"Give a {noun}'s id or name.")
    matches = {
        r.id: r
        for r in records
        if r.name.lower() == wanted.lower()
        or (len(wanted) >= 4 and r.id.startswith(wanted.lower()))
    }
    if not matches:
        sentence = missing or "There is no {noun} with the id or name '{wanted}'."
        raise ServiceError(sentence.format(noun=noun, wanted=wanted))
    if len(matches) > 1:
        raise ServiceError(
            f"More than one {noun} matches '{wanted}'; give its id (see 'ics-assess list --json')."
        )
    return next(iter(matches.values()))


def imported_when_called(module: str, name: str) -> Callable[..., Any]:
    """A stand-in for the function ``name`` of ``module`` that imports the module when it
    is first called: a use-case module keeps the exchange package's functions as module
    attributes (as tests that replace one expect) without importing the package, which
    a command that exchanges nothing (``list``, ``report``) never needs (issue 12)."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"{module}.{name}, imported when first called."
    return call


@lru_cache(maxsize=64)
def _parse_cached(source: str, label: str) -> Questionnaire:
    return parse_questionnaire(source, label)


def _holds(q: Questionnaire, item_id: str | None, section_id: str | None) -> bool:
    """True when ``q`` has the statement ``item_id`` (if given), else the section."""
    if item_id:
        return any(item.id == item_id for item in q.items)
    return bool(section_id) and any(s.id == section_id for s in q.sections)


@dataclass(frozen=True)
class StatementChoice:
    """A statement an action or a concern can name, matched by id across the versions
    offered: its wording and number in the newest of them that has it; ``only_in``, the
    versions offered that ask it when the newest offered does not (empty when it does);
    and ``note``, in words, what a chooser should know: what replaced it, or how an
    older version worded it ("" when nothing)."""

    id: str
    number: str
    statement: str
    only_in: tuple[str, ...] = ()
    note: str = ""

    @property
    def marker(self) -> str:
        """ "Only in version 1.0: " before one the newest version offered does not ask;
        "" before the others."""
        return _only_in(self.only_in)

    @property
    def about(self) -> str:
        """Everything to know about it in sentences, "" when nothing: "Only in version
        1.0. Version 1.1 replaced it with 2.2 “…”"."""
        marker = self.marker.strip().removesuffix(":") + "." if self.only_in else ""
        return " ".join(p for p in (marker, self.note) if p)


@dataclass(frozen=True)
class SectionChoice:
    """A section with the statements that can be named in it (StatementChoice): its
    title and number in the newest version offered that has it."""

    id: str
    number: int
    title: str
    statements: tuple[StatementChoice, ...]
    only_in: tuple[str, ...] = ()

    @property
    def marker(self) -> str:
        """As StatementChoice.marker."""
        return _only_in(self.only_in)


@dataclass(frozen=True)
class StatementChoices:
    """The sections and statements of one questionnaire that an action or a concern can
    name: those of every version offered (``versions``, oldest first), matched by id.
    The newest version's come in its order; a section or statement only older versions
    ask follows, at the end (of its section), marked with those versions."""

    questionnaire_id: str
    title: str
    versions: tuple[str, ...]
    sections: tuple[SectionChoice, ...]

    def section(self, section_id: str | None) -> SectionChoice | None:
        """The section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)

    def statement(self, item_id: str | None) -> StatementChoice | None:
        """The statement with this id, or None."""
        return next((c for s in self.sections for c in s.statements if c.id == item_id), None)


def _versions_words(versions: Sequence[str]) -> str:
    """ "version 1.0", "versions 1.0 and 1.1"."""
    if len(versions) == 1:
        return f"version {versions[0]}"
    return f"versions {', '.join(versions[:-1])} and {versions[-1]}"


def _only_in(versions: Sequence[str]) -> str:
    return f"Only in {_versions_words(versions)}: " if versions else ""


def merged_versions(versions: Sequence[Questionnaire]) -> StatementChoices:
    """The sections and statements of several versions of one questionnaire, matched by
    id (StatementChoices); ``versions`` in any order, at least one."""
    newest_first = sorted(versions, key=lambda q: version_key(q.version), reverse=True)
    newest = newest_first[0]
    oldest_first = newest_first[::-1]

    def holding(test) -> tuple[str, ...]:
        """The versions that pass ``test``, oldest first; () when the newest does."""
        return () if test(newest) else tuple(q.version for q in oldest_first if test(q))

    sections: dict[str, dict] = {}  # id -> number, title, only_in, {item id: choice}
    named: set[str] = set()
    for q in newest_first:
        numbers = statement_numbers(q)
        for n, section in enumerate(q.sections, start=1):
            only_in = holding(lambda v, sid=section.id: any(s.id == sid for s in v.sections))
            entry = sections.setdefault(
                section.id, {"number": n, "title": section.title, "only_in": only_in, "items": {}}
            )
            for item in section.items:
                if item.id in named:
                    continue  # named already, in a newer version (and in its section there)
                named.add(item.id)
                entry["items"][item.id] = StatementChoice(
                    item.id,
                    numbers[item.id],
                    item.statement,
                    holding(lambda v, iid=item.id: any(i.id == iid for i in v.items)),
                    _choice_note(item.id, q, newest_first),
                )
    return StatementChoices(
        newest.id,
        newest.title,
        tuple(q.version for q in oldest_first),
        tuple(
            SectionChoice(sid, e["number"], e["title"], tuple(e["items"].values()), e["only_in"])
            for sid, e in sections.items()
        ),
    )


def _choice_note(item_id: str, q: Questionnaire, newest_first: Sequence[Questionnaire]) -> str:
    """What to know about statement ``item_id``, worded as ``q`` (the newest version
    offered that has it) words it: what the newest version put in its place, or how the
    older versions worded it."""
    newest = newest_first[0]
    if q is not newest:
        numbers = statement_numbers(newest)
        successors = [i for i in newest.items if item_id in i.replaces]
        if not successors:
            return f"Version {newest.version} does not ask it."
        named = " and ".join(f"{numbers[i.id]} “{i.statement}”" for i in successors)
        return f"Version {newest.version} replaced it with {named}"  # ends with its quote
    wording = q.item(item_id).statement
    earlier: dict[str, list[str]] = {}  # an older wording -> the versions that have it
    for other in newest_first[1:]:
        try:
            text = other.item(item_id).statement
        except KeyError:
            continue
        if text != wording:
            earlier.setdefault(text, []).insert(0, other.version)
    return " ".join(
        f"V{_versions_words(vs)[1:]} worded it: “{text}”." for text, vs in earlier.items()
    )


def _catalogue(forms_dirs: Sequence[Path] | None) -> Catalogue:
    """The questionnaires of the forms folders (default: the built-in and the user's)."""
    return load_catalogue(forms_dirs if forms_dirs is not None else paths.forms_dirs())


class ServicesCore:
    """One open database and the questionnaire catalogue: the state every use case
    works on, opened and closed here, and the questionnaire lookups they all need."""

    def __init__(
        self,
        store: Store,
        catalogue: Catalogue | None = None,
        forms_dirs: Sequence[Path] | None = None,
    ):
        self.store = store
        # The folders the forms are read from (None: the built-in and the user's), for
        # the areas that read other files there (the partnership profile's facts).
        self.forms_dirs = list(forms_dirs) if forms_dirs is not None else None
        self._forms_folders = self.forms_dirs if forms_dirs is not None else paths.forms_dirs()
        self._catalogue = catalogue  # None: read from the folders when first needed
        # For the check of every answer written (assessments.py): the questionnaire
        # (id, version) of each assessment answered, and the statements of each version.
        self._versions: dict[str, tuple[str, str]] = {}
        self._statements: dict[tuple[str, str], frozenset[str]] = {}

    @classmethod
    def open(
        cls,
        db_path: Path | str | None = None,
        forms_dirs: Sequence[Path] | None = None,
        *,
        create: bool = True,
        readonly: bool = False,
        check: bool = True,
    ) -> Self:
        """Open the database (default: the user's) and read the forms folders.

        ``readonly`` opens it for reading only (store/database.py's connect_readonly):
        no upgrade, no backup, nothing written to or beside the file, so a read-only
        file or folder can be read; a missing file is then an error, never created.
        ``check=False`` leaves SQLite's quick check of the file to the caller, who runs
        ``check_integrity`` (on another thread, say) before the records are used."""
        path = Path(db_path) if db_path else paths.default_db_path()
        if readonly:
            store = Store(connect_readonly(path, check=check), path)
        else:
            store = Store.open(path, create=create, check=check)
        return cls(store, None, forms_dirs)

    @property
    def db_path(self) -> Path:
        """The file of the open database."""
        return self.store.path

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- questionnaires ----------------------------------------------------------------

    @property
    def catalogue(self) -> Catalogue:
        """The questionnaires of the forms folders, read the first time they are needed:
        reading them takes longer than Python's own start-up, and a command such as
        ``list`` needs none of them (issue 12)."""
        if self._catalogue is None:
            self._catalogue = load_catalogue(self._forms_folders)
        return self._catalogue

    @catalogue.setter
    def catalogue(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue

    def forms_warnings(self) -> list[str]:
        """The catalogue's warnings (a file skipped, and why), one line each. Until the
        catalogue is needed, only folders other than the built-in one are read for them:
        the shipped questionnaires are valid (tests/test_questionnaires.py), so they add
        no warning of their own, and they are read too only when a valid file of the
        user's could clash with one of them."""
        if self._catalogue is not None:
            return self._catalogue.warnings
        shipped = paths.builtin_forms_dir()
        others = [folder for folder in self._forms_folders if folder != shipped]
        if len(others) == len(self._forms_folders):
            return self.catalogue.warnings
        own = load_catalogue(others)
        return self.catalogue.warnings if own.entries else own.warnings

    def questionnaire(self, questionnaire_id: str, version: str) -> Questionnaire:
        """A questionnaire version: the copy stored with answers, else the forms folders."""
        try:
            source = self.store.questionnaire_source(questionnaire_id, version)
        except RecordNotFoundError:
            loaded = self.catalogue.get(questionnaire_id, version)
            if loaded is None:
                raise ServiceError(
                    f"Questionnaire '{questionnaire_id}' version {version} is not available."
                ) from None
            return loaded.questionnaire
        try:
            return _parse_cached(source, f"stored questionnaire {questionnaire_id} {version}")
        except QuestionnaireError as exc:
            raise ServiceError(
                f"The stored copy of questionnaire '{questionnaire_id}' version {version} "
                f"cannot be read: {exc}"
            ) from None

    def questionnaire_of(self, assessment: Assessment) -> Questionnaire:
        """The questionnaire version an assessment was answered on."""
        return self.questionnaire(assessment.questionnaire_id, assessment.questionnaire_version)

    def latest_questionnaire(self, questionnaire_id: str) -> LoadedQuestionnaire:
        """The newest version of a questionnaire in the forms folders."""
        loaded = self.catalogue.latest(questionnaire_id)
        if loaded is None:
            known = ", ".join(sorted({qid for qid, _ in self.catalogue.entries})) or "none"
            raise ServiceError(
                f"There is no questionnaire with id '{questionnaire_id}' (known: {known})."
            )
        return loaded

    def keep_questionnaire(self, loaded: LoadedQuestionnaire) -> None:
        """Store the exact text of a questionnaire version so answers can refer to it."""
        q = loaded.questionnaire
        self.store.store_questionnaire(q.id, q.version, q.title, len(q.items), loaded.source_text)

    def stored_questionnaires(self) -> list[dict]:
        """Id, version, title and item count of every questionnaire version stored with
        answers (rows of questionnaire_id, version, title, item_count, sha256)."""
        return self.store.stored_questionnaires()

    def newest_questionnaire(self, questionnaire_id: str) -> Questionnaire | None:
        """The newest version of a questionnaire: in the forms folders, else the newest
        stored with answers (one no longer in the folders); None when neither has it."""
        loaded = self.catalogue.latest(questionnaire_id)
        if loaded is not None:
            return loaded.questionnaire
        stored = [
            r["version"]
            for r in self.stored_questionnaires()
            if r["questionnaire_id"] == questionnaire_id
        ]
        if not stored:
            return None
        return self.questionnaire(questionnaire_id, max(stored, key=version_key))

    def statement_choices(
        self,
        questionnaire_id: str,
        round_id: str | None = None,
        *,
        item_id: str | None = None,
        section_id: str | None = None,
    ) -> StatementChoices:
        """The sections and statements an action or a concern of a round can name: those
        of every version of the questionnaire answered in the round (by anyone, drafts
        too), matched by id, with the newest wording and the ones only an older version
        asks marked (StatementChoices); the newest version when none was answered there
        (or no round is given). The version that has ``item_id`` (else ``section_id``) is
        added when none of those does: an action carried from an earlier round may name
        a statement a later version replaced. ServiceError when no version is known."""
        versions = set()
        if round_id:
            versions = {
                s.assessment.questionnaire_version
                for s in self.store.list_assessments(
                    round_id=round_id, questionnaire_id=questionnaire_id
                )
            }
        found = []
        for version in sorted(versions, key=version_key):
            try:
                found.append(self.questionnaire(questionnaire_id, version))
            except ServiceError:
                continue  # an unreadable stored copy: named nowhere, so not offered
        if not found:
            newest = self.newest_questionnaire(questionnaire_id)
            if newest is None:
                raise ServiceError(f"There is no questionnaire with the id '{questionnaire_id}'.")
            found.append(newest)
        if (item_id or section_id) and not any(_holds(q, item_id, section_id) for q in found):
            holder = self.questionnaire_with(
                questionnaire_id, item_id=item_id, section_id=section_id
            )
            if holder is not None:
                found.append(holder)
        return merged_versions(found)

    def questionnaire_with(
        self, questionnaire_id: str, *, item_id: str | None = None, section_id: str | None = None
    ) -> Questionnaire | None:
        """The newest version of a questionnaire (in the forms folders or stored with
        answers) that has the statement ``item_id``, or else the section ``section_id``;
        None when no version has it. An action or a concern of an earlier round may name
        a statement that a later version replaced: it is found, and named, in the version
        that has it."""
        latest = self.catalogue.latest(questionnaire_id)
        if latest is not None and _holds(latest.questionnaire, item_id, section_id):
            return latest.questionnaire  # the usual case, without reading the database
        versions = {v for qid, v in self.catalogue.entries if qid == questionnaire_id}
        versions |= {
            r["version"]
            for r in self.stored_questionnaires()
            if r["questionnaire_id"] == questionnaire_id
        }
        for version in sorted(versions, key=version_key, reverse=True):
            try:
                q = self.questionnaire(questionnaire_id, version)
            except ServiceError:
                continue
            if _holds(q, item_id, section_id):
                return q
        return None
