"""Use cases: what the command line and the GUI both do, over the store and the forms.

A window or a command holds one ``Services`` and calls one method of it; the method
validates what it is given against the questionnaire, writes through the store (each
write its own transaction) and returns domain objects. The window and the command line
reach the database only through it (an import-linter contract in pyproject.toml), and
take the errors and result types they catch or show from here. Nothing here imports Qt.

The use cases live one area to a module, each a mixin over ``core.ServicesCore`` (the
open store, the questionnaire catalogue and the questionnaire lookups):

    core.py          ServicesCore, ServiceError, name and id matching, questionnaires
                     (and the statements an action or concern can name across versions)
    assessments.py   start, answer, submit, reopen, copy, delete and undo, read, list
    partnerships.py  partnerships, rounds and organisations: list, add, rename, find
    reports.py       the data of each PDF report, and writing it
    exchange.py      exchange bundles: export, read, plan an import, import
    spreadsheets.py  answers out to CSV/XLSX, an online form's responses in
    backups.py       list, make, restore backups; the daily one; a copy elsewhere
    checks.py        the integrity check of ``ics-assess check``
    comparisons.py   a round's assessments compared by organisation, sector and round
    workshops.py     a facilitator's workshop: participants, outcomes, actions
    actions.py       the action plan: create, edit, complete, drop, filter, history,
                     overdue, carry forward to the next round
    profile.py       the partnership profile: facts of a round (profile.toml), their
                     values with source and date, derived figures, the trend
    reviews.py       the six-month review: concerns raised, and the review pack of a
                     partnership between two rounds

To add an area (comparisons, workshops, actions...):

1. write ``services/<area>.py`` with ``class <Area>UseCases(ServicesCore)`` holding its
   methods (a docstring on each public one), and any result dataclasses it returns;
   it may call other areas' methods through ``self`` (they all end up on Services),
   but imports only ``.core`` (and, for a shared result type, another area's module);
2. add the class to the bases of ``Services`` below;
3. re-export here (and in ``__all__``) the result types and errors the window or the
   CLI need, so that neither imports the store or exchange packages.

Method names must stay unique across the areas: ``test_use_case_areas_do_not_overlap``
(tests/test_project.py) fails when two areas define the same one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..store import (
    DeletedAssessment,
    InvalidTextError,
    MissingDatabaseError,
    RecordNotFoundError,
    StoreError,
    WriteError,
)
from ..store.backups import Backup, BackupError, BackupReason, RestoreRefusedError
from ..store.database import explain_write_error
from .actions import STATUS_WORDS, ActionRow, ActionUseCases, HistoryEntry, is_overdue
from .assessments import AssessmentDetail, AssessmentUseCases, OverallScore
from .backups import BackupUseCases
from .checks import CheckReport, CheckUseCases
from .comparisons import (
    PREVIOUS,
    ComparisonComment,
    ComparisonCommentUseCases,
    ComparisonUseCases,
)
from .core import (
    SectionChoice,
    ServiceError,
    ServicesCore,
    StatementChoice,
    StatementChoices,
    merged_versions,
)
from .exchange import ExchangeUseCases
from .partnerships import PartnershipUseCases
from .profile import ProfileEntry, ProfileUseCases, RoundProfile, TrendPoint
from .reports import ReportResult, ReportUseCases
from .reviews import ReviewUseCases
from .spreadsheets import ResponsesResult, SpreadsheetUseCases
from .workshops import ParticipantProgress, WorkshopSummary, WorkshopUseCases

# The exchange package's names (and the review's ConcernRow) are imported when first
# asked for (PEP 562): a command that exchanges nothing (``list``, ``report``) need not
# import it (issue 12).
_LAZY = {
    "ConcernRow": "review",
    "Bundle": "exchange",
    "BundleError": "exchange",
    "Conflict": "exchange",
    "ConflictChoice": "exchange",
    "ExchangeError": "exchange",
    "ExportResult": "exchange",
    "ImportPlan": "exchange",
    "ImportResult": "exchange",
    "MappingReport": "exchange.spreadsheets",
    "ResponseMapping": "exchange.spreadsheets",
    "ResponseSheet": "exchange.spreadsheets",
    "SpreadsheetResult": "exchange.spreadsheets",
    "Value": "exchange.spreadsheets",
    "word_key": "exchange.spreadsheets",
}

if TYPE_CHECKING:
    from ..exchange import (
        Bundle,
        BundleError,
        Conflict,
        ConflictChoice,
        ExchangeError,
        ExportResult,
        ImportPlan,
        ImportResult,
    )
    from ..exchange.spreadsheets import (
        MappingReport,
        ResponseMapping,
        ResponseSheet,
        SpreadsheetResult,
        Value,
        word_key,
    )
    from ..review import ConcernRow


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"ics_assess.{module}"), name)
    globals()[name] = value
    return value


class Services(
    AssessmentUseCases,
    PartnershipUseCases,
    ReportUseCases,
    ExchangeUseCases,
    SpreadsheetUseCases,
    BackupUseCases,
    CheckUseCases,
    ComparisonUseCases,
    ComparisonCommentUseCases,
    WorkshopUseCases,
    ActionUseCases,
    ProfileUseCases,
    ReviewUseCases,
):
    """The use cases over one open database and the questionnaire catalogue: the one
    object the window and the command line hold."""


__all__ = [
    "PREVIOUS",
    "STATUS_WORDS",
    "ActionRow",
    "AssessmentDetail",
    "Backup",
    "BackupError",
    "BackupReason",
    "Bundle",
    "BundleError",
    "CheckReport",
    "ComparisonComment",
    "ConcernRow",
    "Conflict",
    "ConflictChoice",
    "DeletedAssessment",
    "ExchangeError",
    "ExportResult",
    "HistoryEntry",
    "ImportPlan",
    "ImportResult",
    "InvalidTextError",
    "MappingReport",
    "MissingDatabaseError",
    "OverallScore",
    "ParticipantProgress",
    "ProfileEntry",
    "RecordNotFoundError",
    "ReportResult",
    "ResponseMapping",
    "ResponseSheet",
    "ResponsesResult",
    "RestoreRefusedError",
    "RoundProfile",
    "SectionChoice",
    "ServiceError",
    "Services",
    "ServicesCore",
    "SpreadsheetResult",
    "StatementChoice",
    "StatementChoices",
    "StoreError",
    "TrendPoint",
    "Value",
    "WorkshopSummary",
    "WriteError",
    "explain_write_error",
    "is_overdue",
    "merged_versions",
    "word_key",
]
