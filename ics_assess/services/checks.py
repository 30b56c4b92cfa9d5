"""Use case: check the database, its integrity and that every answer fits its
questionnaire (``ics-assess check``); and the quick check of a file that was opened
without one (the window runs it on another thread while it builds its pages)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..store.database import check_integrity
from .core import ServiceError, ServicesCore

# The answers of one questionnaire version's assessments to statements it does not have,
# counted per assessment. Answers are stored by assessment, so this looks up the range of
# each assessment's answers instead of joining every answer to its assessment.
_UNKNOWN_ANSWERS = """
    SELECT x.assessment_id, count(*) FROM answers x
    WHERE x.assessment_id IN (
        SELECT id FROM assessments WHERE questionnaire_id = ? AND questionnaire_version = ?
    )
    AND x.item_id NOT IN (SELECT value FROM json_each(?))
    GROUP BY x.assessment_id
"""


@dataclass(frozen=True)
class CheckReport:
    """What ``check`` found: problems (the database needs attention) and facts."""

    problems: list[str]
    counts: dict[str, int]


class CheckUseCases(ServicesCore):
    """The integrity check of the open database."""

    @staticmethod
    def check_integrity(db_path: Path | str) -> None:
        """SQLite's quick check of a database file, on a connection of its own (so any
        thread may run it); StoreError saying in words what is wrong when it is damaged.
        Opening runs it, unless told ``check=False``: then run this before the records
        are used."""
        check_integrity(Path(db_path))

    def check(self) -> CheckReport:
        """The database's integrity, and that every answer fits its questionnaire.

        SQLite's full integrity check runs once here (a database opened for it needs no
        quick check first: open it with ``check=False``). When it finds something, the
        quick check decides, as opening would have: damage it also sees is refused in
        the same words (StoreError); the rest are the problems reported."""
        try:
            problems = list(self.store.integrity_problems())
        except sqlite3.DatabaseError:
            check_integrity(self.store.path)  # says in words what is wrong
            raise
        if problems:
            check_integrity(self.store.path)
        unknown: dict[str, int] = {}
        for row in self.store.stored_questionnaires():
            key = (row["questionnaire_id"], row["version"])
            try:
                items = [item.id for item in self.questionnaire(*key).items]
            except ServiceError as exc:
                problems.append(str(exc))
                continue
            for assessment_id, n in self.store.db.execute(
                _UNKNOWN_ANSWERS, [*key, json.dumps(items)]
            ):
                unknown[assessment_id] = unknown.get(assessment_id, 0) + n
        for assessment_id, n in sorted(unknown.items()):
            problems.append(
                f"assessment {assessment_id} has {n} answers to statements its "
                "questionnaire does not have"
            )
        return CheckReport(problems, self.store.counts())
