"""Use case: check the database, its integrity and that every answer fits its
questionnaire (``ics-assess check``)."""

from __future__ import annotations

from dataclasses import dataclass

from .core import ServiceError, ServicesCore


@dataclass(frozen=True)
class CheckReport:
    """What ``check`` found: problems (the database needs attention) and facts."""

    problems: list[str]
    counts: dict[str, int]


class CheckUseCases(ServicesCore):
    """The integrity check of the open database."""

    def check(self) -> CheckReport:
        """The database's integrity, and that every answer fits its questionnaire."""
        problems = list(self.store.integrity_problems())
        items_of: dict[tuple[str, str], set[str] | None] = {}
        for row in self.store.stored_questionnaires():
            key = (row["questionnaire_id"], row["version"])
            try:
                q = self.questionnaire(*key)
                items_of[key] = {item.id for item in q.items}
            except ServiceError as exc:
                problems.append(str(exc))
                items_of[key] = None
        orphans = self.store.db.query(
            "SELECT a.id AS assessment_id, a.questionnaire_id, a.questionnaire_version, x.item_id "
            "FROM answers x JOIN assessments a ON a.id = x.assessment_id"
        )
        unknown: dict[str, int] = {}
        for row in orphans:
            known = items_of.get((row["questionnaire_id"], row["questionnaire_version"]))
            if known is not None and row["item_id"] not in known:
                unknown[row["assessment_id"]] = unknown.get(row["assessment_id"], 0) + 1
        for assessment_id, n in sorted(unknown.items()):
            problems.append(
                f"assessment {assessment_id} has {n} answers to statements its "
                "questionnaire does not have"
            )
        return CheckReport(problems, self.store.counts())
