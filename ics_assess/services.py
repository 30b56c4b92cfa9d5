"""Use cases: what the command line and the GUI both do, over the store and the forms.

A window or a command calls one method here; the method validates what it is given
against the questionnaire, writes through the store (each write its own transaction)
and returns domain objects. Nothing here imports Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from . import paths
from .domain import (
    Answer,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    AssessmentSummary,
    Item,
    Organisation,
    Partnership,
    Questionnaire,
    Round,
    Unrated,
)
from .exchange import (
    Bundle,
    ConflictChoice,
    ExchangeError,
    ExportResult,
    ImportPlan,
    ImportResult,
    apply_import,
    export_bundle,
    plan_import,
    read_bundle,
)
from .exchange.spreadsheets import (
    MappingReport,
    PlannedResponse,
    ResponseMapping,
    ResponseSheet,
    SpreadsheetResult,
    check_mapping,
    export_answers,
    read_responses,
    response_rows,
    suggest_mapping,
    word_key,
)
from .questionnaires import (
    Catalogue,
    LoadedQuestionnaire,
    QuestionnaireError,
    load_catalogue,
    parse_questionnaire,
)
from .reports.model import AssessmentReportData, OrganisationReportData
from .scoring import QuestionnaireScore, questionnaire_score
from .store import DeletedAssessment, RecordNotFoundError, Store, StoreError, new_id, now
from .store.backups import BackupReason, create_backup
from .store.database import connect_readonly


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


@dataclass(frozen=True)
class AssessmentDetail:
    """An assessment with everything needed to show or report it."""

    assessment: Assessment
    partnership: Partnership
    round: Round
    organisation: Organisation
    questionnaire: Questionnaire
    answers: dict[str, Answer]
    score: QuestionnaireScore

    @property
    def answered(self) -> int:
        """How many items have a rating, don't know or not applicable."""
        ids = {item.id for item in self.questionnaire.items}
        return sum(1 for i, a in self.answers.items() if i in ids and a.is_answered)

    @property
    def unanswered_items(self) -> list[Item]:
        """Items with no rating, don't know or not applicable, in questionnaire order."""
        return [
            item
            for item in self.questionnaire.items
            if not (item.id in self.answers and self.answers[item.id].is_answered)
        ]


@dataclass(frozen=True)
class ReportResult:
    """A report written to disk: where it is and how many pages it has."""

    path: Path
    pages: int


@dataclass(frozen=True)
class ResponsesResult:
    """Responses imported from a spreadsheet: the new assessments, the rows skipped as
    imported before, what did not fit, and the backup taken first (None on a dry run)."""

    created: tuple[str, ...]
    already_there: int
    report: MappingReport
    backup: Path | None


@dataclass(frozen=True)
class CheckReport:
    """What ``check`` found: problems (the database needs attention) and facts."""

    problems: list[str]
    counts: dict[str, int]


class Services:
    """The use cases over one open database and the questionnaire catalogue."""

    def __init__(self, store: Store, catalogue: Catalogue):
        self.store = store
        self.catalogue = catalogue

    @classmethod
    def open(
        cls,
        db_path: Path | str | None = None,
        forms_dirs: Sequence[Path] | None = None,
        *,
        create: bool = True,
        readonly: bool = False,
    ) -> Services:
        """Open the database (default: the user's) and read the forms folders.

        ``readonly`` opens it for reading only (store/database.py's connect_readonly):
        no upgrade, no backup, nothing written to or beside the file, so a read-only
        file or folder can be read; a missing file is then an error, never created."""
        path = Path(db_path) if db_path else paths.default_db_path()
        store = Store(connect_readonly(path), path) if readonly else Store.open(path, create=create)
        catalogue = load_catalogue(forms_dirs if forms_dirs is not None else paths.forms_dirs())
        return cls(store, catalogue)

    def close(self) -> None:
        """Close the database."""
        self.store.close()

    def __enter__(self) -> Services:
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

    # --- assessments -------------------------------------------------------------------

    def start_assessment(
        self,
        *,
        round_id: str,
        organisation_id: str,
        questionnaire_id: str,
        kind: AssessmentKind | str,
        respondent_name: str | None = None,
        respondent_role: str = "",
        workshop_id: str | None = None,
    ) -> Assessment:
        """Start a draft on the newest version of a questionnaire."""
        loaded = self.latest_questionnaire(questionnaire_id)
        q = loaded.questionnaire
        with self.store.transaction():
            self.keep_questionnaire(loaded)
            return self.store.create_assessment(
                round_id=round_id,
                organisation_id=organisation_id,
                questionnaire_id=q.id,
                questionnaire_version=q.version,
                kind=kind,
                respondent_name=respondent_name,
                respondent_role=respondent_role,
                workshop_id=workshop_id,
            )

    def _item(self, assessment_id: str, item_id: str) -> Item:
        assessment = self.store.assessment(assessment_id)
        try:
            return self.questionnaire_of(assessment).item(item_id)
        except KeyError:
            raise ServiceError(
                f"Statement '{item_id}' is not part of this assessment's questionnaire."
            ) from None

    def answer(self, assessment_id: str, item_id: str, value: int | Unrated | str | None) -> Answer:
        """Record a rating 1-5, don't know, not applicable, or None to clear it."""
        self._item(assessment_id, item_id)
        return self.store.set_rating(assessment_id, item_id, value)

    def set_target(self, assessment_id: str, item_id: str, target: int | None) -> Answer:
        """Record where the respondent wants the partnership to be on this statement."""
        self._item(assessment_id, item_id)
        return self.store.set_target(assessment_id, item_id, target)

    def set_comment(self, assessment_id: str, item_id: str, comment: str) -> Answer:
        """Record the comment or evidence for a statement."""
        self._item(assessment_id, item_id)
        return self.store.set_comment(assessment_id, item_id, comment)

    def waiting_at_most(self, milliseconds: int):
        """A context in which writes wait at most ``milliseconds`` for another program's
        write lock before failing (WriteError: "another program is using the database"),
        for the window's autosave, which keeps and retries what it could not write."""
        return self.store.waiting_at_most(milliseconds)

    def submit(self, assessment_id: str, *, allow_unanswered: bool = False) -> Assessment:
        """Submit an assessment; refuse while statements are unanswered unless allowed."""
        detail = self.detail(assessment_id)
        missing = detail.unanswered_items
        if missing and not allow_unanswered:
            raise ServiceError(
                f"{len(missing)} statements are still unanswered, the first being "
                f"'{missing[0].id}'. Answer them (don't know is an answer) or submit anyway."
            )
        return self.store.submit(assessment_id)

    def reopen(self, assessment_id: str) -> Assessment:
        """Make a submitted assessment editable again (recorded in the change log)."""
        return self.store.reopen(assessment_id)

    def delete_assessment(self, assessment_id: str) -> DeletedAssessment:
        """Delete an assessment; keep the returned value to undo it with restore."""
        return self.store.delete_assessment(assessment_id)

    def restore_assessment(self, deleted: DeletedAssessment) -> Assessment:
        """Undo a deletion."""
        return self.store.restore_assessment(deleted)

    def duplicate_to_round(self, assessment_id: str, round_id: str) -> Assessment:
        """Start a new draft in another round for the same organisation, respondent and
        questionnaire (its newest version), with the old answers as a starting point.
        Answers to statements the newer version no longer has are left behind."""
        old = self.store.assessment(assessment_id)
        old_answers = self.store.answers(assessment_id)
        with self.store.transaction():
            new = self.start_assessment(
                round_id=round_id,
                organisation_id=old.organisation_id,
                questionnaire_id=old.questionnaire_id,
                kind=old.kind,
                respondent_name=old.respondent_name,
                respondent_role=old.respondent_role,
            )
            items = {item.id for item in self.questionnaire_of(new).items}
            for item_id, answer in old_answers.items():
                if item_id not in items:
                    continue
                if answer.is_answered:
                    self.store.set_rating(new.id, item_id, answer.rating or answer.unrated)
                if answer.target is not None:
                    self.store.set_target(new.id, item_id, answer.target)
                if answer.comment:
                    self.store.set_comment(new.id, item_id, answer.comment)
            self.store.set_position(new.id, None)
        return self.store.assessment(new.id)

    def detail(self, assessment_id: str) -> AssessmentDetail:
        """An assessment with its names, questionnaire, answers and scores."""
        assessment = self.store.assessment(assessment_id)
        rnd = self.store.round(assessment.round_id)
        questionnaire = self.questionnaire_of(assessment)
        answers = self.store.answers(assessment_id)
        return AssessmentDetail(
            assessment=assessment,
            partnership=self.store.partnership(rnd.partnership_id),
            round=rnd,
            organisation=self.store.organisation(assessment.organisation_id),
            questionnaire=questionnaire,
            answers=answers,
            score=questionnaire_score(questionnaire, answers),
        )

    def list_assessments(self, **filters: str | None) -> list[AssessmentSummary]:
        """The assessment list (see Store.list_assessments for the filters)."""
        return self.store.list_assessments(**filters)

    def resolve_assessment_id(self, text: str) -> str:
        """A full assessment id from a full id or a unique beginning of one."""
        text = text.strip().lower()
        if len(text) < 4:
            raise ServiceError("Give at least the first 4 characters of an assessment id.")
        rows = list(
            self.store.db.query(
                "SELECT id FROM assessments WHERE id LIKE ? ESCAPE '\\' LIMIT 2",
                [text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"],
            )
        )
        if not rows:
            raise ServiceError(f"There is no assessment with id {text}.")
        if len(rows) > 1:
            raise ServiceError(f"More than one assessment id begins with {text}; give more of it.")
        return rows[0]["id"]

    def status_counts(self, assessment_ids: Iterable[str]) -> dict[AssessmentStatus, int]:
        """How many of the given assessments are drafts and how many submitted."""
        counts = dict.fromkeys(AssessmentStatus, 0)
        for assessment in self.store.assessments(assessment_ids):
            counts[assessment.status] += 1
        return counts

    # --- checks ------------------------------------------------------------------------

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

    # --- reports -----------------------------------------------------------------------

    def _questionnaires_for(self, actions: Iterable) -> dict[str, Questionnaire]:
        """The newest version of each questionnaire the actions refer to (to name their
        sections); questionnaires no longer available are left out."""
        found: dict[str, Questionnaire] = {}
        for action in actions:
            qid = action.questionnaire_id
            if qid and qid not in found:
                loaded = self.catalogue.latest(qid)
                if loaded is not None:
                    found[qid] = loaded.questionnaire
        return found

    def _report_data(self, detail: AssessmentDetail, actions: Sequence) -> AssessmentReportData:
        return AssessmentReportData(
            partnership=detail.partnership,
            round=detail.round,
            organisation=detail.organisation,
            assessment=detail.assessment,
            questionnaire=detail.questionnaire,
            answers=detail.answers,
            score=detail.score,
            actions=tuple(actions),
            questionnaires=self._questionnaires_for(actions),
        )

    def assessment_report_data(self, assessment_id: str) -> AssessmentReportData:
        """Everything the report of one assessment shows: the assessment with its scores,
        and the actions recorded for its organisation in its round."""
        detail = self.detail(assessment_id)
        actions = self.store.actions(
            round_id=detail.round.id, organisation_id=detail.organisation.id
        )
        return self._report_data(detail, actions)

    def organisation_report_data(
        self, organisation_id: str, round_id: str
    ) -> OrganisationReportData:
        """Everything the report of one organisation in one round shows: its organisation
        responses (individual responses are only ever shown in groups), in questionnaire
        title order, and its actions for the round."""
        organisation = self.store.organisation(organisation_id)
        rnd = self.store.round(round_id)
        if rnd.partnership_id != organisation.partnership_id:
            raise ServiceError(
                f"The round '{rnd.name}' belongs to another partnership than "
                f"{organisation.name}; choose one of its own rounds."
            )
        summaries = self.store.list_assessments(round_id=round_id, organisation_id=organisation_id)
        own = [s for s in summaries if s.assessment.kind is AssessmentKind.ORGANISATION]
        if not own:
            extra = " (its individual responses are only shown in groups)" if summaries else ""
            raise ServiceError(
                f"{organisation.name} has no organisation responses in the round "
                f"'{rnd.name}'{extra}, so there is nothing to report."
            )
        own.sort(
            key=lambda s: (
                s.questionnaire_title.lower(),
                s.assessment.respondent_label.lower(),
                s.assessment.created_at,
            )
        )
        actions = self.store.actions(round_id=round_id, organisation_id=organisation_id)
        details = [self._report_data(self.detail(s.assessment.id), ()) for s in own]
        return OrganisationReportData(
            partnership=self.store.partnership(organisation.partnership_id),
            round=rnd,
            organisation=organisation,
            assessments=tuple(details),
            actions=tuple(actions),
            questionnaires=self._questionnaires_for(actions),
        )

    def report_assessment(
        self, assessment_id: str, path: Path | str, *, produced_on: date | None = None
    ) -> ReportResult:
        """Write the PDF report of one assessment to ``path``, atomically. Raises a
        StoreError (ReportError, ServiceError, RecordNotFoundError) with a sentence."""
        # Imported here: reportlab and the fonts are only needed when a report is made.
        from .reports.assessment import write_assessment_report

        data = self.assessment_report_data(assessment_id)
        written, built = write_assessment_report(data, path, produced_on=produced_on)
        return ReportResult(written, built.pages)

    def report_organisation(
        self,
        organisation_id: str,
        round_id: str,
        path: Path | str,
        *,
        produced_on: date | None = None,
    ) -> ReportResult:
        """Write the PDF report of one organisation's responses in one round to ``path``,
        atomically. Raises a StoreError subclass with a sentence."""
        from .reports.organisation import write_organisation_report

        data = self.organisation_report_data(organisation_id, round_id)
        written, built = write_organisation_report(data, path, produced_on=produced_on)
        return ReportResult(written, built.pages)

    def resolve_organisation(self, text: str) -> Organisation:
        """An organisation from its full id, a unique beginning of its id (4 characters
        or more), or its exact name (ignoring case and surrounding spaces)."""
        return _find_one(self.store.organisations(), text, "organisation")

    def resolve_round(self, text: str, partnership_id: str) -> Round:
        """A round of a partnership from its full id, a unique beginning of its id (4
        characters or more), or its exact name (ignoring case and surrounding spaces)."""
        rounds = self.store.rounds(partnership_id)
        names = "; ".join(r.name for r in rounds).replace("{", "{{").replace("}", "}}")
        missing = (
            "The organisation's partnership has no round with the id or name '{wanted}' "
            f"(its rounds: {names or 'none'})."
        )
        return _find_one(rounds, text, "round", missing)

    def find_round(self, text: str) -> Round:
        """A round of any partnership from its full id, a unique beginning of its id (4
        characters or more), or its exact name (ignoring case and surrounding spaces)."""
        return _find_one(self.store.rounds(), text, "round")

    def export_assessments(
        self,
        assessment_ids: Sequence[str],
        path: Path | str,
        *,
        round_ids: Sequence[str] = (),
        created_at: str | None = None,
    ) -> ExportResult:
        """Write an exchange bundle of the assessments, and of every assessment, workshop
        and action of the rounds, to ``path`` atomically (docs/exchange-format.md)."""
        if not assessment_ids and not round_ids:
            raise ServiceError("Say which assessments or rounds to export.")
        return export_bundle(
            self.store, path, list(assessment_ids), list(round_ids), created_at=created_at
        )

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
        names: dict[str, list[str]] = {}
        for org in self.store.organisations(rnd.partnership_id):
            names.setdefault(word_key(org.name), []).append(org.id)
        organisations = {name: ids[0] for name, ids in names.items() if len(ids) == 1}
        return check_mapping(sheet, mapping, q, organisations)

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
        from collections import Counter

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

    @staticmethod
    def read_bundle(path: Path | str) -> Bundle:
        """Read and check a bundle file without a database; raise BundleError."""
        return read_bundle(path)

    def _known_questionnaires(self) -> dict:
        return {
            key: (entry.source_text, entry.questionnaire, str(entry.path or ""))
            for key, entry in self.catalogue.entries.items()
        }

    def plan_import(self, bundle: Bundle | Path | str) -> ImportPlan:
        """What importing a bundle would add, find already here, and find in conflict."""
        if not isinstance(bundle, Bundle):
            bundle = read_bundle(bundle)
        return plan_import(self.store, bundle, self._known_questionnaires())

    @classmethod
    def plan_import_into_new_database(
        cls, bundle: Bundle, forms_dirs: Sequence[Path] | None = None
    ) -> ImportPlan:
        """The plan of importing into a new, empty database, worked out without creating
        one: so a file that would be refused leaves no new database behind."""
        from sqlite_utils import Database

        from .store.schema import migrations

        db = Database(memory=True)
        db.execute("PRAGMA foreign_keys = ON")
        migrations.apply(db)
        catalogue = load_catalogue(forms_dirs if forms_dirs is not None else paths.forms_dirs())
        with cls(Store(db, Path(":memory:")), catalogue) as services:
            return services.plan_import(bundle)

    def _backup_before_import(self) -> Path:
        try:
            return create_backup(self.store, BackupReason.BEFORE_IMPORT)
        except StoreError as exc:
            raise ExchangeError(
                f"The database could not be backed up before the import ({exc}); "
                "nothing was imported."
            ) from None

    def apply_import(
        self,
        plan: ImportPlan,
        choice: ConflictChoice | str | Mapping[tuple[str, str], ConflictChoice | str] | None = None,
    ) -> ImportResult:
        """Import a planned bundle in one transaction. Conflicts need a choice: keep
        mine, or take theirs (the database is backed up first and the replaced answers
        are written to the change log); for all of them, or for each by a mapping of
        (conflict.kind, conflict.key) to a choice."""
        if isinstance(choice, Mapping):
            chosen = {key: ConflictChoice(value) for key, value in choice.items()}
        else:
            chosen = ConflictChoice(choice) if choice is not None else None
        return apply_import(self.store, plan, chosen, backup=self._backup_before_import)
