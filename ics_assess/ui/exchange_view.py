"""Export and import of exchange bundles from the window.

Export writes the selected assessments, or the round chosen in the list's filter, to one
file. Import reads a file, shows what it would add, what is already here and what
conflicts, asks what to do with conflicts, and writes everything or nothing. Reading,
checking and writing run in the background on their own database connection; the
window stays responsive and shows progress.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QProgressBar,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ..services import ConflictChoice, ImportPlan, ImportResult, Services
from .host import Window
from .report_view import suggested_name
from .widgets import REFUSAL_TEXT, WrappingLabel, heading, plain_label, readable
from .workers import JobRunner

BUNDLE_FILTER = "ICS Assess exchange files (*.zip);;All files (*)"


def _counted(counts: dict[str, int]) -> str:
    parts = [f"{n} {kind if n != 1 else kind.rstrip('s')}" for kind, n in counts.items() if n]
    return ", ".join(parts) if parts else "nothing"


def _folder(window: Window) -> Path:
    folder = window.settings.value("folders/exchange")
    return Path(folder) if folder and Path(folder).is_dir() else Path.home()


def export_assessments(window: Window) -> None:
    """Export the selected assessments, or else the round chosen in the list's filter."""
    home, services = window.home, window.services
    if home is None or services is None:
        return
    if window.stack.currentWidget() is not home:
        # What is exported is chosen on the list: show it, so nothing hidden goes.
        window.show_home()
    chosen = home.selected_all()
    round_id = None if chosen else home.round_filter.currentData()
    if not chosen and not round_id:
        window.dialogs.inform(
            "Export assessments",
            "Select the assessments to export in the list (Shift with the arrow keys, or "
            "Ctrl+click, picks several), or choose a round in the Round filter to export "
            "the whole round.",
        )
        return
    if chosen:
        first = chosen[0]
        what = f"{len(chosen)} assessments" if len(chosen) > 1 else first.organisation_name
        name = suggested_name(first.partnership_name, what, first.round_name, suffix=".zip")
        if len(chosen) == 1:
            title = (
                f"Export {first.organisation_name}'s {first.questionnaire_title} "
                f"({first.round_name})"
            )
        else:
            title = f"Export the {len(chosen)} selected assessments"
    else:
        rnd = services.round(round_id)
        partnership = services.partnership(rnd.partnership_id).name
        name = suggested_name(partnership, rnd.name, suffix=".zip")
        title = f"Export every assessment of {rnd.name} ({partnership})"
    target = window.dialogs.save_path(title, _folder(window) / name, BUNDLE_FILTER)
    if target is None:
        return
    if target.suffix.lower() != ".zip":
        target = target.with_name(target.name + ".zip")
    ids = [s.assessment.id for s in chosen]
    rounds = [round_id] if round_id else []
    db_path = services.db_path
    window.statusBar().showMessage("Exporting…")

    def job():
        with Services.open(db_path, create=False) as own:
            return own.export_assessments(ids, target, round_ids=rounds)

    def done(result) -> None:
        window.settings.setValue("folders/exchange", str(target.parent))
        count = result.counts.get("assessments", len(ids))
        counted = "1 assessment" if count == 1 else f"{count} assessments"
        window.statusBar().showMessage(f"Exported {counted} to {target}", 10000)
        text = (
            f"{counted} {'is' if count == 1 else 'are'} in {target}. Send the file to "
            "whoever needs them; they open it with File > Import."
        )
        if result.notes:
            text += (
                "\n\nSome text is longer than an exchange file carries; "
                "it is shortened in the file:\n" + "\n".join(f"• {note}" for note in result.notes)
            )
        window.dialogs.inform("Exported", text)

    def failed(exc: Exception) -> None:
        window.statusBar().clearMessage()
        window.dialogs.warn("The assessments were not exported", str(exc))

    window.jobs.start(job, done, failed)


class ImportDialog(QDialog):
    """What a file would bring, the choice for conflicts, and the import itself."""

    def __init__(self, plan: ImportPlan, db_path: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.plan = plan
        self.db_path = db_path
        self.result: ImportResult | None = None
        self.error: str | None = None
        self.jobs = JobRunner(self)
        bundle = plan.bundle
        self.setWindowTitle("Import assessments")
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 90)

        added = plan.count("added")
        same = plan.count("same")
        summary = WrappingLabel(
            f"{bundle.name}, exported on {bundle.created_at[:10]} by ICS Assess "
            f"{bundle.app_version}.\n\n"
            f"New here: {_counted(added)}.\n"
            f"Already here, unchanged (skipped): {_counted(same)}.\n"
            f"Different here and in the file: {len(plan.conflicts)}."
        )
        self.conflicts = QListWidget()
        self.conflicts.setAccessibleName("Conflicts")
        # Descriptions are sentences: wrap them rather than scroll sideways.
        self.conflicts.setWordWrap(True)
        self.conflicts.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.conflicts.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.conflicts.setSpacing(2)
        for conflict in plan.conflicts:
            self.conflicts.addItem(conflict.description)
        self.keep = QRadioButton("Keep mine: leave these records as they are here")
        self.take = QRadioButton("Take theirs: replace them with the file's")
        self.take_note = WrappingLabel(
            "Either way, a backup of this database is made first (File > Backups), and "
            "answers that are replaced are kept in the change log."
        )
        self.keep.setAccessibleName("Keep mine")
        self.take.setAccessibleName("Take theirs")
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.keep)
        self.choice.addButton(self.take)
        self.keep.setChecked(True)
        self.blocked = plain_label()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName("Importing")
        self.progress.hide()
        self.status = plain_label()

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.import_button.setText("Import")
        self.import_button.setAccessibleName("Import")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("Import assessments", 2))
        layout.addWidget(summary)
        if plan.conflicts:
            layout.addWidget(plain_label("These records are different here and in the file:"))
            layout.addWidget(self.conflicts, 1)
            layout.addWidget(self.keep)
            layout.addWidget(self.take)
            layout.addWidget(self.take_note)
        if plan.blocking:
            self.blocked.setText(
                "This file cannot be imported: a questionnaire in it has the same id and "
                "version as one here but different statements. Nothing will be changed."
            )
            # Red, made readable on the dialog's own background (a dark palette too).
            palette = self.blocked.palette()
            background = palette.color(QPalette.ColorRole.Window)
            palette.setColor(self.blocked.foregroundRole(), readable(REFUSAL_TEXT, background))
            self.blocked.setPalette(palette)
            layout.addWidget(self.blocked)
            self.import_button.setEnabled(False)
        nothing = not any(added.values()) and not plan.conflicts and not plan.changes_added
        if nothing:
            self.import_button.setEnabled(False)
            self.status.setText("Everything in this file is already here: nothing to import.")
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def chosen(self) -> ConflictChoice | None:
        """The choice for conflicts, or None when there are none."""
        if not self.plan.conflicts:
            return None
        return ConflictChoice.TAKE_THEIRS if self.take.isChecked() else ConflictChoice.KEEP_MINE

    def start_import(self) -> None:
        """Import in the background; the dialog closes when it is done."""
        self.import_button.setEnabled(False)
        for button in (self.keep, self.take):
            button.setEnabled(False)
        self.progress.show()
        self.status.setText("Importing… everything or nothing is written.")
        plan, choice, db_path = self.plan, self.chosen(), self.db_path

        def job() -> ImportResult:
            with Services.open(db_path, create=False) as own:
                return own.apply_import(plan, choice)

        def done(result: ImportResult) -> None:
            self.result = result
            self.progress.hide()
            self.accept()

        def failed(exc: Exception) -> None:
            self.error = str(exc)
            self.progress.hide()
            self.status.setText(f"Nothing was imported: {exc}")
            self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")

        self.jobs.start(job, done, failed)

    def wait(self) -> None:
        """Wait for the import to finish (when the window closes)."""
        self.jobs.wait()


def import_bundle(window: Window) -> None:
    """Choose a file, check it in the background, then show what it would do."""
    services = window.services
    if services is None:
        return
    path = window.dialogs.open_path("Import assessments", _folder(window), BUNDLE_FILTER)
    if path is None:
        return
    db_path = services.db_path
    window.statusBar().showMessage(f"Checking {path.name}…")

    def job() -> ImportPlan:
        with Services.open(db_path, create=False) as own:
            return own.plan_import(path)

    def failed(exc: Exception) -> None:
        window.statusBar().clearMessage()
        window.dialogs.warn("This file cannot be imported", str(exc))

    def planned(plan: ImportPlan) -> None:
        window.statusBar().clearMessage()
        window.settings.setValue("folders/exchange", str(path.parent))
        dialog = ImportDialog(plan, db_path, window)
        window.dialogs.run(dialog)
        dialog.wait()
        if dialog.result is None:
            return
        result = dialog.result
        added = result.plan.count("added")
        text = f"Imported from {path.name}: {_counted(added)} added."
        if result.plan.conflicts:
            kept = result.choice is ConflictChoice.KEEP_MINE
            text += f" {len(result.plan.conflicts)} records that differ were " + (
                "kept as they were here." if kept else "replaced with the file's."
            )
        if result.backup:
            text += " Your database as it was is kept in File > Backups."
        window.dialogs.inform("Imported", text)
        window.show_home()

    window.jobs.start(job, planned, failed)


__all__ = ["ImportDialog", "export_assessments", "import_bundle"]
