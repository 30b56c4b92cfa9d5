"""Use cases of spreadsheets (docs/spreadsheets.md): export answers to CSV or XLSX, and
import an online form's responses as individual views, all or nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..domain import Assessment, AssessmentKind, Questionnaire
from ..store import new_id, now
from .core import ServiceError, ServicesCore, imported_when_called

# exchange.spreadsheets is imported when first used (see services/exchange.py).
if TYPE_CHECKING:
    from ..exchange.spreadsheets import (
        MappingReport,
        PlannedResponse,
        ResponseMapping,
        ResponseSheet,
        SpreadsheetResult,
    )

_SPREADSHEETS = "ics_assess.exchange.spreadsheets"
check_mapping = imported_when_called(_SPREADSHEETS, "check_mapping")
export_answers = imported_when_called(_SPREADSHEETS, "export_answers")
read_responses = imported_when_called(_SPREADSHEETS, "read_responses")
response_rows = imported_when_called(_SPREADSHEETS, "response_rows")
suggest_mapping = imported_when_called(_SPREADSHEETS, "suggest_mapping")
word_key = imported_when_called(_SPREADSHEETS, "word_key")


@dataclass(frozen=True)
class ResponsesResult:
    """Responses imported from a spreadsheet: the new assessments, the rows skipped as
    imported before, what did not fit, and the backup taken first (None on a dry run)."""

    created: tuple[str, ...]
    already_there: int
    report: MappingReport
    backup: Path | None


class SpreadsheetUseCases(ServicesCore):
    """Answers out to a spreadsheet, responses in from one. Imports back up first with
    ``_backup_before_import`` (backups.py), through the composed Services."""

    def export_answers(
        self,
        assessment_ids: Sequence[str],
        path: Path | str,
        *,
        round_ids: Sequence[str] = (),
        individual_names: bool = False,
    ) -> SpreadsheetResult:
        """Write the answers of the assessments, and of every assessment of the rounds, to
        a spreadsheet (.csv or .xlsx by the suffix), one row per statement of each
        assessment, atomically (docs/spreadsheets.md). Individual views show the
        respondent as 'individual' unless ``individual_names`` is set."""
        if not assessment_ids and not round_ids:
            raise ServiceError("Say which assessments or rounds to export.")
        ids = list(dict.fromkeys(assessment_ids))
        for round_id in round_ids:
            in_round = self.store.list_assessments(round_id=round_id)
            in_round.sort(key=lambda s: s.assessment.created_at)
            ids.extend(s.assessment.id for s in in_round)
        ids = list(dict.fromkeys(ids))
        if not ids:
            raise ServiceError(
                "The rounds given have no assessments, so there is nothing to export."
            )
        return export_answers(
            self.store, ids, path, self.questionnaire_of, individual_names=individual_names
        )

    # --- responses from a spreadsheet (docs/spreadsheets.md) ---------------------------

    @staticmethod
    def read_responses(path: Path | str) -> ResponseSheet:
        """Read a form's responses (.csv or .xlsx) without a database; ExchangeError."""
        return read_responses(path)

    def suggest_response_mapping(
        self, sheet: ResponseSheet, questionnaire_id: str
    ) -> ResponseMapping:
        """A first mapping of the sheet to the newest version of a questionnaire."""
        return suggest_mapping(sheet, self.latest_questionnaire(questionnaire_id).questionnaire)

    def check_responses(
        self, sheet: ResponseSheet, mapping: ResponseMapping, round_id: str
    ) -> MappingReport:
        """What of the sheet fits, mapped, to the round's partnership: organisations are
        matched by name, ignoring case and spacing."""
        rnd = self.store.round(round_id)
        q = self.latest_questionnaire(mapping.questionnaire_id).questionnaire
        return check_mapping(sheet, mapping, q, self.response_organisations(rnd.partnership_id))

    def response_organisations(self, partnership_id: str) -> dict[str, str]:
        """The organisations of a partnership a sheet's rows can name: each name's word
        key (ignoring case and spacing) to its id; names two organisations share are
        left out, as a row naming one could be either."""
        names: dict[str, list[str]] = {}
        for org in self.store.organisations(partnership_id):
            names.setdefault(word_key(org.name), []).append(org.id)
        return {name: ids[0] for name, ids in names.items() if len(ids) == 1}

    @staticmethod
    def check_response_mapping(
        sheet: ResponseSheet,
        mapping: ResponseMapping,
        questionnaire: Questionnaire,
        organisations: dict[str, str],
    ) -> MappingReport:
        """What of the sheet fits, mapped, to a questionnaire and the organisations of
        ``response_organisations``, without a database (the mapping dialog rechecks
        with it as each choice changes); ExchangeError when the mapping cannot be used."""
        return check_mapping(sheet, mapping, questionnaire, organisations)

    def _individual_views(self, round_id: str, questionnaire_id: str) -> list[Assessment]:
        return [
            s.assessment
            for s in self.store.list_assessments(
                round_id=round_id, questionnaire_id=questionnaire_id
            )
            if s.assessment.kind is AssessmentKind.INDIVIDUAL
        ]

    def _responses_to_import(
        self, report: MappingReport, existing: list[Assessment]
    ) -> list[PlannedResponse]:
        """The responses of the report that are not already in ``existing`` (the same
        organisation, respondent, role and answers), each counted once."""
        answers_of = self.store.answers_for(a.id for a in existing)
        seen = Counter(
            (
                a.organisation_id,
                a.respondent_name or "",
                a.respondent_role,
                frozenset(
                    (i, str(x.rating) if x.rating is not None else x.unrated.value)
                    for i, x in answers_of[a.id].items()
                    if x.is_answered
                ),
            )
            for a in existing
        )
        todo = []
        for response in report.responses:
            if seen[response.signature()] > 0:
                seen[response.signature()] -= 1
            else:
                todo.append(response)
        return todo

    def import_responses(
        self,
        sheet: ResponseSheet,
        mapping: ResponseMapping,
        round_id: str,
        *,
        dry_run: bool = False,
    ) -> ResponsesResult:
        """Import each row that fits as a submitted individual view in the round, all or
        nothing, after a backup. Rows that match an individual view already in the round
        (same organisation, respondent, role and answers) are skipped, so importing the
        same file twice adds nothing.

        Every row is checked, mapped and built in memory first, with no lock held; then
        the rows are written in one short BEGIN IMMEDIATE transaction of bulk inserts,
        which first makes sure that what the plan was built on still holds (the round,
        its organisations, and the individual views already there), so other programs,
        such as the window's autosave, wait milliseconds rather than the whole import."""
        report = self.check_responses(sheet, mapping, round_id)
        if not report.responses:
            raise ServiceError(f"No row of {sheet.name} fits the mapping, so nothing was imported.")
        loaded = self.latest_questionnaire(mapping.questionnaire_id)
        q = loaded.questionnaire
        existing = self._individual_views(round_id, q.id)
        todo = self._responses_to_import(report, existing)
        already = len(report.responses) - len(todo)
        if dry_run or not todo:
            return ResponsesResult((), already, report, None)
        rnd = self.store.round(round_id)
        organisations = sorted({r.organisation_id for r in todo})

        def footing(views: list[Assessment]) -> tuple:
            # What the plan rests on, compared again under the write lock.
            members = {o.id for o in self.store.organisations(rnd.partnership_id)}
            return (
                self.store.round(round_id).partnership_id,
                [o in members for o in organisations],
                sorted((a.id, a.updated_at, a.status.value) for a in views),
            )

        before = footing(existing)
        rows = response_rows(
            todo, round_id, q, new_id=new_id, stamp=now(), changed_by=self.store.changed_by
        )
        backup = self._backup_before_import()
        with self.store.transaction():
            now_there = self._individual_views(round_id, q.id)
            if footing(now_there) != before:
                if not all(footing(now_there)[1]):
                    raise ServiceError(
                        f"An organisation of {sheet.name} was removed from the partnership "
                        "while the file was being checked; nothing was imported. Import it again."
                    )
                # Views were added or changed meanwhile: skip again against them, here.
                fresh = self._responses_to_import(report, now_there)
                if [r.row for r in fresh] != [r.row for r in todo]:
                    todo = fresh
                    already = len(report.responses) - len(todo)
                    rows = response_rows(
                        todo,
                        round_id,
                        q,
                        new_id=new_id,
                        stamp=now(),
                        changed_by=self.store.changed_by,
                    )
            self.keep_questionnaire(loaded)
            self.store.insert_many("assessments", rows.assessments)
            self.store.insert_many("answers", rows.answers)
            self.store.insert_many("change_log", rows.change_log)
        return ResponsesResult(rows.ids, already, report, backup)
