"""Use cases of exchange bundles (docs/exchange-format.md): export assessments and rounds
to one file, read one, plan its import and import it, all or nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..store import Store
from .core import ServiceError, ServicesCore, _catalogue, imported_when_called

# The exchange package is imported when first used: a command that exchanges nothing
# (``list``, ``report``) need not import it (issue 12).
if TYPE_CHECKING:
    from ..exchange import Bundle, ConflictChoice, ExportResult, ImportPlan, ImportResult

apply_import = imported_when_called("ics_assess.exchange", "apply_import")
export_bundle = imported_when_called("ics_assess.exchange", "export_bundle")
plan_import = imported_when_called("ics_assess.exchange", "plan_import")
read_bundle = imported_when_called("ics_assess.exchange", "read_bundle")


class ExchangeUseCases(ServicesCore):
    """Bundles out and in. Imports back up first with ``_backup_before_import``
    (backups.py), through the composed Services."""

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
        from ..exchange import Bundle

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

        from ..store.schema import migrations

        db = Database(memory=True)
        db.execute("PRAGMA foreign_keys = ON")
        migrations.apply(db)
        catalogue = _catalogue(forms_dirs)
        with cls(Store(db, Path(":memory:")), catalogue) as services:
            return services.plan_import(bundle)

    def apply_import(
        self,
        plan: ImportPlan,
        choice: ConflictChoice | str | Mapping[tuple[str, str], ConflictChoice | str] | None = None,
    ) -> ImportResult:
        """Import a planned bundle in one transaction. Conflicts need a choice: keep
        mine, or take theirs (the database is backed up first and the replaced answers
        are written to the change log); for all of them, or for each by a mapping of
        (conflict.kind, conflict.key) to a choice."""
        from ..exchange import ConflictChoice

        if isinstance(choice, Mapping):
            chosen = {key: ConflictChoice(value) for key, value in choice.items()}
        else:
            chosen = ConflictChoice(choice) if choice is not None else None
        return apply_import(self.store, plan, chosen, backup=self._backup_before_import)
