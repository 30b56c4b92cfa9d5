"""The Backups dialog: the backups of the open database, and restoring one.

The dialog only lists, makes backups (in the background, on a connection of its own)
and asks; it never closes or reopens the database. Restoring replaces the file the
main window has open, so the dialog emits ``restore_requested`` and ``perform_restore``
does the main window's part: close the database, restore, open it again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import paths
from ..services import Backup, BackupReason, Services, StoreError
from .dialogs import Dialogs
from .host import Window
from .widgets import WrappingLabel, heading, plain_label
from .workers import JobRunner

log = logging.getLogger(__name__)

PATH_ROLE = Qt.ItemDataRole.UserRole

INTRO = (
    "ICS Assess keeps copies of this database: before every upgrade and import, once a "
    "day while you use it, and whenever you choose Back up now. Older copies are thinned "
    "out over time: everything from the last two days, then one a day for two weeks, one "
    "a week for two months, and one a month after that.\n\n"
    "Restoring a backup puts the database back as it was then. A backup of the database "
    "as it is now is made first, so a restore can always be undone from this list."
)


def when_text(moment: datetime, now: datetime | None = None) -> str:
    """When a backup was made, in local time: 'Today, 14:05', 'Yesterday, 09:12' or
    'Tue 3 Mar 2026, 14:05'."""
    local = moment.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return f"Today, {clock}"
    if local.date() == today - timedelta(days=1):
        return f"Yesterday, {clock}"
    return f"{local:%a} {local.day} {local:%b %Y}, {clock}"


def size_text(size: int) -> str:
    """A file size in words a user reads at a glance: '840 KB', '3.2 MB'."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"


class BackupsDialog(QDialog):
    """Lists the backups of one database, newest first; makes one; asks to restore one."""

    restore_requested = Signal(object)  # the Path of the backup to restore

    def __init__(self, db_path: Path, dialogs: Dialogs, parent: QWidget | None = None):
        super().__init__(parent)
        self.db_path = Path(db_path)
        self.dialogs = dialogs
        self.jobs = JobRunner(self)
        self.backups: list[Backup] = []
        self.setWindowTitle(f"Backups of {self.db_path.name}")
        self.resize(760, 520)

        title = heading("Backups")
        intro = WrappingLabel(INTRO)
        intro.setAccessibleName("About backups")
        self.folder_label = plain_label(f"Kept in {self.folder}")
        self.folder_label.setAccessibleName("Backup folder")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Backups")
        self.tree.setAccessibleDescription(
            "Newest first: when each backup was made, why, and its size"
        )
        self.tree.setHeaderLabels(["When", "Why", "Size"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setAccessibleName("Backup list columns")
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.itemSelectionChanged.connect(self._update_buttons)

        self.status = plain_label()
        self.status.setAccessibleName("Backup status")

        self.restore_button = QPushButton("&Restore…")
        self.restore_button.setAccessibleName("Restore the selected backup")
        self.restore_button.clicked.connect(self.restore_selected)
        self.backup_button = QPushButton("&Back up now")
        self.backup_button.setAccessibleName("Back up now")
        self.backup_button.clicked.connect(self.back_up_now)
        self.folder_button = QPushButton("Show &folder")
        self.folder_button.setAccessibleName("Show the backup folder")
        self.folder_button.clicked.connect(self.show_folder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")
        buttons.rejected.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.restore_button)
        row.addWidget(self.backup_button)
        row.addWidget(self.folder_button)
        row.addStretch(1)
        row.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.folder_label)
        layout.addLayout(row)
        self.refresh()

    @property
    def folder(self) -> Path:
        """Where this database's backups are kept."""
        return paths.backups_dir(self.db_path)

    # --- the list -----------------------------------------------------------------------

    def refresh(self, select: Path | None = None) -> None:
        """Read the backups folder again, keeping (or moving to) a selection."""
        current = self.selected()
        select = select or (current.path if current else None)
        self.backups = Services.list_backups(self.db_path)
        self.tree.clear()
        now = datetime.now(UTC)
        for backup in self.backups:
            item = QTreeWidgetItem(
                [when_text(backup.created_at, now), backup.reason.words, size_text(backup.size)]
            )
            item.setData(0, PATH_ROLE, str(backup.path))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(0, f"{backup.created_at:%Y-%m-%d %H:%M:%S} UTC")
            self.tree.addTopLevelItem(item)
            if select is not None and backup.path == select:
                self.tree.setCurrentItem(item)
        if not self.backups:
            self.status.setText(
                "No backups yet. One is made each day you use ICS Assess, and before "
                "every upgrade and import."
            )
        self._update_buttons()

    def selected(self) -> Backup | None:
        """The backup selected in the list."""
        items = self.tree.selectedItems()
        if not items:
            return None
        path = Path(items[0].data(0, PATH_ROLE))
        return next((b for b in self.backups if b.path == path), None)

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self.selected() is not None and not self.jobs.is_busy())

    # --- actions ------------------------------------------------------------------------

    def restore_selected(self) -> None:
        """Ask, then ask the main window to restore the selected backup."""
        backup = self.selected()
        if backup is None:
            return
        when = when_text(backup.created_at)
        if not self.dialogs.confirm(
            "Restore this backup?",
            f"The database {self.db_path.name} will be put back as it was in the backup "
            f"from {when} ({backup.reason.words.lower()}). Changes made since then will "
            "no longer be in it.\n\n"
            "A backup of the database as it is now is made first, so you can come back "
            "to it from this list.",
            ok="Restore",
            destructive=True,
        ):
            return
        self.restore_requested.emit(backup.path)

    def back_up_now(self) -> None:
        """Make a backup in the background (its own connection; the window stays live)."""
        db_path = self.db_path
        self.backup_button.setEnabled(False)
        self.restore_button.setEnabled(False)
        self.status.setText("Backing up…")

        def done(path: Path) -> None:
            self.backup_button.setEnabled(True)
            self.refresh(select=path)
            self.status.setText(f"Backed up at {datetime.now():%H:%M}.")

        def failed(exc: Exception) -> None:
            self.backup_button.setEnabled(True)
            self.status.setText("The backup could not be made.")
            self._update_buttons()
            self.dialogs.warn("The backup could not be made", str(exc))

        self.jobs.start(lambda: Services.create_backup(db_path, BackupReason.MANUAL), done, failed)

    def show_folder(self) -> None:
        """Open the backups folder in the file manager."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.dialogs.warn("The folder cannot be shown", f"{self.folder}: {exc.strerror}")
            return
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder))):
            self.dialogs.warn(
                "The folder cannot be shown",
                f"No file manager could be started. The backups are in {self.folder}",
            )

    def set_status(self, text: str) -> None:
        """A line under the list saying what just happened."""
        self.status.setText(text)

    def done(self, result: int) -> None:
        """Closing waits for a backup in progress, so it is never cut off."""
        self.jobs.wait()
        super().done(result)


def perform_restore(window: Window, backup: Path) -> bool:
    """The main window's part of a restore: close the database, restore, reopen.

    The window's lock file stays held throughout, so no other copy of ICS Assess opens
    the file while it is being replaced. When the restore is refused or fails, the
    database (unchanged) is opened again and the reason shown; returns True when the
    backup was restored and the window shows it."""
    if window.services is None:
        return False
    db_path = window.services.db_path
    lock, window.lock = window.lock, None  # _close_database would release it
    window._close_database()
    error: StoreError | None = None
    try:
        kept = Services.restore_backup(Path(backup), db_path)
    except StoreError as exc:
        log.warning("restore of %s refused or failed: %s", backup, exc)
        error = exc
        kept = None
    finally:
        if lock is not None:
            lock.unlock()
    if not window.open_database(db_path) and error is None and kept is not None:
        # The restored file would not open (it was checked, so this should not happen):
        # put back the database as it was rather than leave the user with neither.
        log.error("the restored database would not open; putting back %s", kept)
        try:
            Services.restore_backup(kept, db_path)
        except StoreError as exc:
            log.error("putting back the database failed: %s", exc)
        window.open_database(db_path)
        error = StoreError(
            "The backup was restored but could not be opened, so the database has been "
            "put back as it was."
        )
    if error is not None:
        window.dialogs.warn("The backup was not restored", str(error))
        return False
    window.statusBar().showMessage(
        "The backup is restored. The database as it was before is kept as a backup.", 10_000
    )
    return True


def show_backups(window: Window) -> None:
    """The Backups dialog over the window's open database, with restoring wired in."""
    if window.services is None:
        return
    dialog = BackupsDialog(window.services.db_path, window.dialogs, window)

    def restore(backup: Path) -> None:
        if perform_restore(window, backup):
            dialog.refresh()
            dialog.set_status(
                "Restored. The database as it was before is at the top of the list, "
                "as a backup made before a restore."
            )
        else:
            dialog.refresh()

    dialog.restore_requested.connect(restore)
    window.dialogs.run(dialog)
