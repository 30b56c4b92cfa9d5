"""Use cases of a partnership's improvement actions (issue 11): create one tied to what it
answers (an organisation, a questionnaire, a section or a statement), edit, complete or
drop it, list a round's action plan with filters, find the overdue ones, read each
action's history, and carry the open ones forward to the next round.

Every change to an action is appended to its history by the store, in the same
transaction. Carrying forward copies an open or in-progress action into the later round
with ``carried_from`` naming the original, which stays as it was in its own round with
its own history: the history of a carried action is the original's followed by its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from ..domain import Action, ActionStatus
from ..store import RecordNotFoundError
from .core import ServiceError, ServicesCore

STATUS_WORDS: dict[ActionStatus, str] = {
    ActionStatus.OPEN: "Open",
    ActionStatus.IN_PROGRESS: "In progress",
    ActionStatus.DONE: "Done",
    ActionStatus.DROPPED: "Dropped",
}
FIELD_WORDS = {
    "created": "created",
    "carried": "carried forward",
    "status": "status",
    "owner": "owner",
    "due_on": "due date",
    "description": "description",
}


@dataclass(frozen=True)
class ActionRow:
    """An action with the names around it, as the action plan shows it."""

    action: Action
    round_name: str
    organisation_name: str  # "" for a partnership-wide action
    questionnaire_title: str  # "" when tied to no questionnaire
    section_title: str
    statement: str
    carried_from_round: str  # the round it was carried from, "" if not carried
    overdue: bool
    # The round it was carried forward to ("" if not): followed there from then on, so
    # never overdue here.
    carried_to_round: str = ""

    @property
    def status_words(self) -> str:
        """Its status in words, with "overdue" when it is."""
        words = STATUS_WORDS[self.action.status]
        if self.carried_to_round:
            return f"{words}, carried to {self.carried_to_round}"
        return f"{words}, overdue" if self.overdue else words

    @property
    def answers(self) -> str:
        """What it is tied to, in words: organisation, questionnaire, section, statement."""
        parts = [
            self.organisation_name,
            self.questionnaire_title,
            self.section_title,
            self.statement,
        ]
        return " · ".join(p for p in parts if p) or "The whole partnership"


@dataclass(frozen=True)
class HistoryEntry:
    """One change to an action, or to the action it was carried from."""

    action_id: str
    round_name: str
    changed_at: str
    field: str
    old_value: str | None
    new_value: str | None

    @property
    def words(self) -> str:
        """The change in a sentence-like line."""
        if self.field == "created":
            return f"Created in {self.round_name} ({_status_word(self.new_value)})"
        if self.field == "carried":
            return f"Carried forward from {self.old_value} to {self.new_value}"
        what = FIELD_WORDS.get(self.field, self.field)
        if self.field == "status":
            old, new = _status_word(self.old_value), _status_word(self.new_value)
        else:
            old, new = self.old_value or "(none)", self.new_value or "(none)"
        return f"{what.capitalize()}: {old} → {new}"


PLAN_HEADERS = (
    "Action",
    "Owner",
    "Due",
    "Status",
    "Organisation",
    "Questionnaire",
    "Section",
    "Statement",
    "Carried from",
    "Carried to",
)


def plan_cells(row: ActionRow) -> list[str]:
    """One action as a row of the exported plan (PLAN_HEADERS)."""
    a = row.action
    return [
        a.description,
        a.owner,
        a.due_on,
        row.status_words,
        row.organisation_name or "Whole partnership",
        row.questionnaire_title,
        row.section_title,
        row.statement,
        row.carried_from_round,
        row.carried_to_round,
    ]


def _status_word(value: str | None) -> str:
    try:
        return STATUS_WORDS[ActionStatus(value)].lower()
    except ValueError:
        return value or ""


def _checked_date(value: str) -> str:
    """A due date as YYYY-MM-DD, or ""; ServiceError in words otherwise."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ServiceError(
            f"The due date '{value}' is not a date; give it as YYYY-MM-DD (e.g. 2027-03-31)."
        ) from None


def is_overdue(action: Action, today: dt.date | None = None) -> bool:
    """Due before today and neither done nor dropped."""
    if not action.is_open or not action.due_on:
        return False
    try:
        due = dt.date.fromisoformat(action.due_on)
    except ValueError:
        return False
    return due < (today or dt.date.today())


class ActionUseCases(ServicesCore):
    """A partnership's action plan, round by round."""

    # --- create and change -------------------------------------------------------------

    def create_action(
        self,
        round_id: str,
        *,
        description: str,
        owner: str = "",
        due_on: str = "",
        status: ActionStatus | str = ActionStatus.OPEN,
        organisation_id: str | None = None,
        questionnaire_id: str | None = None,
        section_id: str | None = None,
        item_id: str | None = None,
        workshop_id: str | None = None,
    ) -> Action:
        """A new action of a round (and so of its partnership), tied to what it answers:
        an organisation of the partnership and/or a questionnaire, one of its sections or
        one of its statements (the section of a statement is filled in)."""
        rnd = self._round_or_error(round_id)
        if organisation_id:
            org = self._record(self.store.organisation, organisation_id, "organisation")
            if org.partnership_id != rnd.partnership_id:
                raise ServiceError("That organisation belongs to another partnership.")
        if (section_id or item_id) and not questionnaire_id:
            raise ServiceError("A section or statement needs its questionnaire.")
        if questionnaire_id:
            q = self.newest_questionnaire(questionnaire_id)
            if q is None:
                raise ServiceError(f"There is no questionnaire with id '{questionnaire_id}'.")
            # A statement or section of an earlier version (answered in an earlier
            # round) is named in the newest version that has it.
            q = (
                self.questionnaire_with(questionnaire_id, item_id=item_id, section_id=section_id)
                or q
            )
            if item_id:
                try:
                    item_section = q.section_of(item_id).id
                except KeyError:
                    raise ServiceError(
                        f"Questionnaire '{questionnaire_id}' has no statement '{item_id}'."
                    ) from None
                if section_id and section_id != item_section:
                    raise ServiceError("That statement is in another section.")
                section_id = item_section
            elif section_id and section_id not in {s.id for s in q.sections}:
                raise ServiceError(
                    f"Questionnaire '{questionnaire_id}' has no section '{section_id}'."
                )
        try:
            return self.store.add_action(
                partnership_id=rnd.partnership_id,
                round_id=rnd.id,
                description=description,
                owner=owner,
                due_on=_checked_date(due_on),
                status=ActionStatus(status),
                organisation_id=organisation_id or None,
                workshop_id=workshop_id or None,
                questionnaire_id=questionnaire_id or None,
                section_id=section_id or None,
                item_id=item_id or None,
            )
        except ValueError as exc:
            raise ServiceError(str(exc)) from None

    def update_action(self, action_id: str, **changes: str) -> Action:
        """Change an action's description, owner, due date or status; each change is
        kept in its history."""
        if "due_on" in changes:
            changes["due_on"] = _checked_date(changes["due_on"])
        try:
            return self.store.update_action(action_id, **changes)
        except ValueError as exc:
            raise ServiceError(str(exc)) from None
        except RecordNotFoundError as exc:
            raise ServiceError(str(exc)) from None

    def complete_action(self, action_id: str) -> Action:
        """Mark an action done."""
        return self.update_action(action_id, status=ActionStatus.DONE.value)

    def drop_action(self, action_id: str) -> Action:
        """Mark an action dropped (kept, with its history, but no longer pursued)."""
        return self.update_action(action_id, status=ActionStatus.DROPPED.value)

    # --- read --------------------------------------------------------------------------

    def action(self, action_id: str) -> Action:
        """One action (ServiceError if there is none)."""
        return self._record(self.store.action, action_id, "action")

    def action_plan(
        self,
        round_id: str,
        *,
        owner: str | None = None,
        status: ActionStatus | str | None = None,
        organisation_id: str | None = None,
        section_id: str | None = None,
        overdue_only: bool = False,
        today: dt.date | None = None,
    ) -> list[ActionRow]:
        """A round's actions with their names, by due date, matching every filter given:
        the owner (exactly, ignoring case and spacing), the status, the organisation and
        the section (a section id, or "questionnaire_id/section_id")."""
        rnd = self._round_or_error(round_id)
        wanted_owner = " ".join(owner.split()).lower() if owner else ""
        wanted_status = ActionStatus(status) if status else None
        rounds = {r.id: r.name for r in self.store.rounds(rnd.partnership_id)}
        orgs = {o.id: o.name for o in self.store.organisations(rnd.partnership_id)}
        actions = self.store.actions(round_id=rnd.id)
        origins = {a.carried_from for a in actions if a.carried_from}
        origin_round = {}
        for origin in origins:
            try:
                origin_round[origin] = rounds.get(self.store.action(origin).round_id, "")
            except RecordNotFoundError:
                origin_round[origin] = ""
        carried_to = {
            a.carried_from: rounds.get(a.round_id, "")
            for a in self.store.actions(partnership_id=rnd.partnership_id)
            if a.carried_from
        }
        rows = []
        for a in actions:
            if wanted_owner and " ".join(a.owner.split()).lower() != wanted_owner:
                continue
            if wanted_status is not None and a.status is not wanted_status:
                continue
            if organisation_id and a.organisation_id != organisation_id:
                continue
            if section_id and section_id not in (
                a.section_id,
                f"{a.questionnaire_id}/{a.section_id}",
            ):
                continue
            row = self._action_row(a, rounds, orgs, origin_round, today)
            if a.id in carried_to:
                row = replace(row, overdue=False, carried_to_round=carried_to[a.id])
            if overdue_only and not row.overdue:
                continue
            rows.append(row)
        return rows

    def overdue_actions(self, round_id: str, today: dt.date | None = None) -> list[ActionRow]:
        """A round's actions due before today and neither done nor dropped."""
        return self.action_plan(round_id, overdue_only=True, today=today)

    def action_owners(self, round_id: str) -> list[str]:
        """The owners named in a round's actions, by name."""
        owners = {a.owner for a in self.store.actions(round_id=round_id) if a.owner}
        return sorted(owners, key=str.lower)

    def action_sections(self, round_id: str) -> list[tuple[str, str]]:
        """("questionnaire_id/section_id", "Questionnaire: Section") of every section a
        round's actions are tied to, by title."""
        found: dict[str, str] = {}
        for a in self.store.actions(round_id=round_id):
            if not (a.questionnaire_id and a.section_id):
                continue
            q = self.newest_questionnaire(a.questionnaire_id)
            section = next((s for s in q.sections if s.id == a.section_id), None) if q else None
            title = f"{q.title}: {section.title}" if q and section else a.section_id
            found[f"{a.questionnaire_id}/{a.section_id}"] = title
        return sorted(found.items(), key=lambda p: p[1].lower())

    def action_history(self, action_id: str) -> list[HistoryEntry]:
        """Every change to an action, and before them every change to the actions it was
        carried from (round by round), oldest first."""
        chain: list[Action] = []
        seen: set[str] = set()
        current: str | None = action_id
        while current and current not in seen:
            seen.add(current)
            try:
                a = self.store.action(current)
            except RecordNotFoundError:
                if current == action_id:
                    raise ServiceError(f"There is no action with the id '{action_id}'.") from None
                break
            chain.append(a)
            current = a.carried_from
        round_of = {a.id: a.round_id for a in chain}
        rounds = {r.id: r.name for r in self.store.rounds(chain[0].partnership_id)}
        order = {a.id: n for n, a in enumerate(reversed(chain))}
        entries = self.store.action_history(round_of)
        entries.sort(key=lambda e: (order[e["action_id"]], e["changed_at"]))
        return [
            HistoryEntry(
                e["action_id"],
                rounds.get(round_of[e["action_id"]], ""),
                e["changed_at"],
                e["field"],
                e["old_value"],
                e["new_value"],
            )
            for e in entries
        ]

    # --- export ------------------------------------------------------------------------

    def export_action_plan(
        self, round_id: str, path: Path | str, *, today: dt.date | None = None, **filters
    ) -> Path:
        """Write a round's action plan (with the filters of ``action_plan``) to ``path``,
        CSV or XLSX by its suffix, one row per action; ExportError in words if it cannot."""
        rows = self.action_plan(round_id, today=today, **filters)
        from ..exchange.spreadsheets import export_table  # only here: see services/exchange.py

        return export_table(
            path,
            PLAN_HEADERS,
            [plan_cells(r) for r in rows],
            sheet="Action plan",
            example="action-plan",
            widths=(50, 28, 12, 18, 28, 30, 28, 50, 20, 20),
        )

    def print_action_plan(
        self,
        round_id: str,
        path: Path | str,
        *,
        today: dt.date | None = None,
        **filters,
    ) -> Path:
        """Write a round's action plan (with the filters of ``action_plan``) as a PDF of
        one table to ``path``, atomically; ReportError in words if it cannot."""
        from ..reports.action_plan import PlanLine, write_action_plan

        rnd = self._round_or_error(round_id)
        partnership = self.store.partnership(rnd.partnership_id)
        rows = self.action_plan(round_id, today=today, **filters)
        lines = [
            PlanLine(
                description=r.action.description,
                answers=r.answers,
                owner=r.action.owner,
                due_on=r.action.due_on,
                status=r.status_words,
                carried_from=r.carried_from_round,
                overdue=r.overdue,
            )
            for r in rows
        ]
        subtitle = f"{partnership.name} · {rnd.name}"
        if any(filters.values()):
            subtitle += " · filtered: only the actions shown in the window"
        written, _ = write_action_plan(
            f"Action plan: {rnd.name}", subtitle, lines, path, produced_on=today
        )
        return written

    # --- carrying forward -----------------------------------------------------------------

    def carry_forward(self, from_round_id: str, to_round_id: str) -> list[Action]:
        """Copy every open or in-progress action of the earlier round into the later one,
        each once (running it again copies nothing already carried), each copy naming the
        original it continues; the originals and their histories stay as they were.
        Returns the copies made."""
        source = self._round_or_error(from_round_id)
        target = self._round_or_error(to_round_id)
        try:
            return self.store.carry_actions(source.id, target.id)
        except RecordNotFoundError as exc:
            raise ServiceError(str(exc)) from None

    # --- helpers -----------------------------------------------------------------------

    def _round_or_error(self, round_id: str):
        return self._record(self.store.round, round_id, "round")

    @staticmethod
    def _record(getter, record_id: str, noun: str):
        try:
            return getter(record_id)
        except RecordNotFoundError:
            raise ServiceError(f"There is no {noun} with the id '{record_id}'.") from None

    def _action_row(self, a, rounds, orgs, origin_round, today) -> ActionRow:
        section_title = statement = q_title = ""
        if a.questionnaire_id:
            q = self.newest_questionnaire(a.questionnaire_id)
            if q is not None:
                q_title = q.title
                # Named in the newest version that has it (a later one may replace it).
                q = self.questionnaire_with(q.id, item_id=a.item_id, section_id=a.section_id) or q
                section = next((s for s in q.sections if s.id == a.section_id), None)
                section_title = section.title if section else (a.section_id or "")
                if a.item_id:
                    try:
                        statement = q.item(a.item_id).statement
                    except KeyError:
                        statement = a.item_id
            else:
                q_title = a.questionnaire_id
        return ActionRow(
            action=a,
            round_name=rounds.get(a.round_id, ""),
            organisation_name=orgs.get(a.organisation_id or "", ""),
            questionnaire_title=q_title,
            section_title=section_title,
            statement=statement,
            carried_from_round=origin_round.get(a.carried_from, "") if a.carried_from else "",
            overdue=is_overdue(a, today),
        )


__all__ = [
    "PLAN_HEADERS",
    "STATUS_WORDS",
    "ActionRow",
    "ActionUseCases",
    "HistoryEntry",
    "is_overdue",
    "plan_cells",
]
