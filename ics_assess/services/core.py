"""What every use-case module shares: the open database and the questionnaire catalogue,
the questionnaire lookups, and the error and name matching the use cases raise.

``ServicesCore`` holds the state; each use-case module (assessments.py, exchange.py...)
defines a mixin over it, and services/__init__.py composes them into ``Services``.
Nothing here imports Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Self

from .. import paths
from ..domain import Assessment, Questionnaire
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


@lru_cache(maxsize=64)
def _parse_cached(source: str, label: str) -> Questionnaire:
    return parse_questionnaire(source, label)


def _holds(q: Questionnaire, item_id: str | None, section_id: str | None) -> bool:
    """True when ``q`` has the statement ``item_id`` (if given), else the section."""
    if item_id:
        return any(item.id == item_id for item in q.items)
    return bool(section_id) and any(s.id == section_id for s in q.sections)


def _catalogue(forms_dirs: Sequence[Path] | None) -> Catalogue:
    """The questionnaires of the forms folders (default: the built-in and the user's)."""
    return load_catalogue(forms_dirs if forms_dirs is not None else paths.forms_dirs())


class ServicesCore:
    """One open database and the questionnaire catalogue: the state every use case
    works on, opened and closed here, and the questionnaire lookups they all need."""

    def __init__(
        self, store: Store, catalogue: Catalogue, forms_dirs: Sequence[Path] | None = None
    ):
        self.store = store
        self.catalogue = catalogue
        # The folders the forms were read from (None: the built-in and the user's), for
        # the areas that read other files there (the partnership profile's facts).
        self.forms_dirs = list(forms_dirs) if forms_dirs is not None else None
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
        return cls(store, _catalogue(forms_dirs), forms_dirs)

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
