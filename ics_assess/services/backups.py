"""Use cases of backups: list a database's backups, make one, make the daily one when it
is due, restore one, save a copy elsewhere, and the backup taken before every import.

Listing, making and restoring work on a database file rather than the open database:
a restore needs the database closed (the window closes it, restores, opens it again),
and a background job makes a backup on a connection of its own.
"""

from __future__ import annotations

from pathlib import Path

from ..store import StoreError, backups
from ..store.backups import Backup, BackupReason
from .core import ServicesCore


class BackupUseCases(ServicesCore):
    """Backups of the open database, and of a database file."""

    @staticmethod
    def list_backups(db_path: Path | str) -> list[Backup]:
        """The backups of a database file, newest first."""
        return backups.list_backups(Path(db_path))

    @staticmethod
    def create_backup(db_path: Path | str, reason: BackupReason | str) -> Path:
        """Back up a database file into its backups folder, on a connection of its own
        (any thread); the new backup's path, or BackupError with a sentence."""
        return backups.create_backup(Path(db_path), reason)

    @staticmethod
    def backup_if_due(db_path: Path | str) -> Path | None:
        """The daily backup of a database file, when none is from the last 24 hours (old
        ones are thinned then); None when none was due. Raises BackupError."""
        return backups.backup_if_due(Path(db_path))

    @staticmethod
    def restore_backup(backup: Path | str, db_path: Path | str) -> Path | None:
        """Put a closed database back as it was in a backup; the backup of it as it was
        before ('before-restore'), or None when there was none. Raises
        RestoreRefusedError (the database unchanged) or BackupError with a sentence."""
        return backups.restore_backup(Path(backup), Path(db_path))

    def save_copy(self, destination: Path) -> Path:
        """A consistent copy of the whole open database at ``destination``, taken while it
        stays open (SQLite's backup API)."""
        return self.store.backup_to(destination)

    def _backup_before_import(self) -> Path:
        """The backup made before an import changes anything; ExchangeError if it fails."""
        try:
            return backups.create_backup(self.store, BackupReason.BEFORE_IMPORT)
        except StoreError as exc:
            from ..exchange import ExchangeError  # only here: see services/exchange.py

            raise ExchangeError(
                f"The database could not be backed up before the import ({exc}); "
                "nothing was imported."
            ) from None
