"""The report page: build a PDF in the background, show it in Qt's PDF viewer, save it.

The PDF is built into a private temporary folder by a job with its own database
connection, so the window never freezes; "Save as PDF" copies it where the user
chooses (atomically: a full disk or a file locked open leaves no half file), and the
folder is remembered for next time.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .. import files
from ..services import Services, StoreError
from .dialogs import Dialogs
from .widgets import heading, plain_label
from .workers import JobRunner

# Characters Windows, macOS or Linux refuse in file names.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def suggested_name(*parts: str, suffix: str = ".pdf") -> str:
    """A file name from its parts, safe on every system: 'Council - Governance.pdf'."""
    name = " - ".join(p.strip() for p in parts if p and p.strip())
    name = _UNSAFE.sub(" ", name)
    name = re.sub(r"\s+", " ", name).strip(" .") or "ICS Assess report"
    return name[:120].rstrip(" .") + suffix


class ReportPage(QWidget):
    """Builds, previews and saves one report."""

    back_requested = Signal(str)  # the assessment whose results to go back to
    overview_requested = Signal()  # back to the partnership overview
    workshop_requested = Signal(str)  # back to a workshop's page: its id
    review_requested = Signal()  # back to the review page
    ready = Signal()  # the preview is showing
    failed = Signal(str)  # the report could not be built: why

    def __init__(
        self,
        services: Services,
        dialogs: Dialogs,
        settings: QSettings,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.services = services
        self.dialogs = dialogs
        self.settings = settings
        self.jobs = JobRunner(self)
        self._tmp = tempfile.TemporaryDirectory(prefix="ics-assess-report-")
        self._return_to: str | None = None
        self._to_overview = False
        self._to_workshop: str | None = None
        self._to_review = False
        self._built: Path | None = None
        self._name = "report.pdf"
        self._retry: Callable[[], None] | None = None

        self.title = heading("Report")
        self.back_button = QPushButton("&Back to results")
        self.save_button = QPushButton("&Save as PDF…")
        self.fit_width_button = QPushButton("Fit &width")
        self.fit_page_button = QPushButton("Whole &page")
        self.zoom_in_button = QPushButton("Zoom &in")
        self.zoom_out_button = QPushButton("Zoom &out")
        self.page_label = plain_label(wrap=False)
        self.page_label.setAccessibleName("Pages")
        for button, slot, tip in (
            (self.back_button, self._back, ""),
            (self.save_button, self.save, "Save the report where you choose (Ctrl+S)"),
            (self.fit_width_button, lambda: self._zoom(QPdfView.ZoomMode.FitToWidth), ""),
            (self.fit_page_button, lambda: self._zoom(QPdfView.ZoomMode.FitInView), ""),
            (self.zoom_in_button, lambda: self._zoom_by(1.25), "Zoom in (Ctrl++)"),
            (self.zoom_out_button, lambda: self._zoom_by(0.8), "Zoom out (Ctrl+-)"),
        ):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            button.clicked.connect(slot)
            if tip:
                button.setToolTip(tip)
        self.save_button.setDefault(True)
        # One shortcut for Save: a second on the same keys (StandardKey.Save is Ctrl+S
        # here) made Qt call both ambiguous and run neither.
        save_keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Save)
        if QKeySequence("Ctrl+S") not in save_keys:
            save_keys.append(QKeySequence("Ctrl+S"))
        for keys in save_keys:
            QShortcut(keys, self, activated=self.save)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self, activated=lambda: self._zoom_by(1.25))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self, activated=lambda: self._zoom_by(0.8))

        self.document = QPdfDocument(self)
        self.view = QPdfView()
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setAccessibleName("Report preview")
        self.view.pageNavigator().currentPageChanged.connect(self._show_page_number)

        busy = QWidget()
        busy_layout = QVBoxLayout(busy)
        self.busy_text = plain_label("Building the report…")
        self.busy_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: how long depends on the report
        self.progress.setAccessibleName("Building the report")
        self.progress.setMaximumWidth(420)
        busy_layout.addStretch(1)
        busy_layout.addWidget(self.busy_text)
        busy_layout.addWidget(self.progress, 0, Qt.AlignmentFlag.AlignHCenter)
        busy_layout.addStretch(2)

        problem = QWidget()
        problem_layout = QVBoxLayout(problem)
        self.problem_text = plain_label()
        self.problem_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.retry_button = QPushButton("&Try again")
        self.retry_button.setAccessibleName("Try again")
        self.retry_button.clicked.connect(lambda: self._retry and self._retry())
        problem_layout.addStretch(1)
        problem_layout.addWidget(self.problem_text)
        problem_layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignHCenter)
        problem_layout.addStretch(2)

        self.stack = QStackedWidget()
        self.busy_panel, self.problem_panel = busy, problem
        for panel in (busy, self.view, problem):
            self.stack.addWidget(panel)

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.save_button)
        tools = QHBoxLayout()
        for button in (
            self.fit_width_button,
            self.fit_page_button,
            self.zoom_out_button,
            self.zoom_in_button,
        ):
            tools.addWidget(button)
        tools.addStretch(1)
        tools.addWidget(self.page_label)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(tools)
        layout.addWidget(self.stack, 1)
        self._set_ready(False)

    # --- building -------------------------------------------------------------------

    def show_assessment_report(self, assessment_id: str) -> None:
        """Build and show the report of one assessment."""
        detail = self.services.detail(assessment_id)
        a = detail.assessment
        self._return_to = assessment_id
        self._back_to_results()
        self._name = suggested_name(
            detail.organisation.name, detail.questionnaire.title, detail.round.name
        )
        self.title.setText(f"Report: {detail.questionnaire.title}, {detail.organisation.name}")
        draft = " (draft)" if a.status.value == "draft" else ""
        self._start(
            f"Building the report{draft}…",
            lambda services, path: services.report_assessment(assessment_id, path),
        )

    def show_organisation_report(self, assessment_id: str) -> None:
        """Build and show the report of every questionnaire the assessment's organisation
        answered in its round."""
        a = self.services.assessment(assessment_id)
        org = self.services.organisation(a.organisation_id)
        rnd = self.services.round(a.round_id)
        self._return_to = assessment_id
        self._back_to_results()
        self._name = suggested_name(org.name, "all questionnaires", rnd.name)
        self.title.setText(f"Report: {org.name}, {rnd.name}")
        self._start(
            "Building the organisation's report…",
            lambda services, path: services.report_organisation(org.id, rnd.id, path),
        )

    def show_comparison_report(self, comparison) -> None:
        """Build and show the comparison report of a partnership overview
        (``Services.report_comparison``); Back returns to the overview."""
        self._return_to = None
        self._to_overview = True
        self._to_workshop = None
        self._to_review = False
        self.back_button.setText("&Back to the overview")
        self.back_button.setAccessibleName("Back to the overview")
        c = comparison
        self._name = suggested_name(c.partnership.name, c.questionnaire.title, c.round.name)
        self.title.setText(f"Comparison: {c.questionnaire.title}, {c.round.name}")
        self._start(
            "Building the comparison report…",
            lambda services, path: services.report_comparison(comparison, path),
        )

    def show_workshop_report(self, workshop_id: str) -> None:
        """Build and show a workshop's report (``Services.report_workshop``); Back returns
        to the workshop's page."""
        summary = self.services.workshop_summary(workshop_id)
        self._return_to = None
        self._to_overview = False
        self._to_workshop = workshop_id
        self._to_review = False
        self.back_button.setText("&Back to the workshop")
        self.back_button.setAccessibleName("Back to the workshop")
        title = summary.workshop.title
        self._name = suggested_name(summary.partnership_name, title, summary.round_name)
        self.title.setText(f"Workshop report: {title}")
        self._start(
            "Building the workshop report…",
            lambda services, path: services.report_workshop(workshop_id, path),
        )

    def show_review_report(self, review) -> None:
        """Build and show the review pack of a ``Review`` (``Services.report_review``);
        Back returns to the review page."""
        self._return_to = None
        self._to_overview = False
        self._to_workshop = None
        self._to_review = True
        self.back_button.setText("&Back to the review")
        self.back_button.setAccessibleName("Back to the review")
        r = review
        self._name = suggested_name(r.partnership.name, "review pack", r.round.name)
        self.title.setText(f"Review pack: {r.round.name} since {r.since.name}")
        self._start(
            "Building the review pack…",
            lambda services, path: services.report_review(review, path),
        )

    def _start(self, message: str, build: Callable[[Services, Path], object]) -> None:
        self.document.close()
        self._set_ready(False)
        self.busy_text.setText(message)
        self.stack.setCurrentWidget(self.busy_panel)
        db_path = self.services.db_path
        target = Path(self._tmp.name) / self._name
        self._retry = lambda: self._start(message, build)

        def job() -> Path:
            # Its own connection: SQLite connections belong to one thread.
            with Services.open(db_path, create=False) as services:
                build(services, target)
            return target

        self.jobs.start(job, self._built_ok, self._built_failed)

    def _built_ok(self, path: Path) -> None:
        self._built = path
        error = self.document.load(str(path))
        if error != QPdfDocument.Error.None_:
            self._built_failed(RuntimeError(f"the PDF could not be shown ({error.name})"))
            return
        self.stack.setCurrentWidget(self.view)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._show_page_number(0)
        self._set_ready(True)
        self.view.setFocus()
        self.ready.emit()

    def _built_failed(self, exc: Exception) -> None:
        self._built = None
        text = f"The report could not be built: {exc}"
        self.problem_text.setText(text)
        self.stack.setCurrentWidget(self.problem_panel)
        self._set_ready(False)
        self.failed.emit(text)

    # --- viewing and saving ---------------------------------------------------------

    def _set_ready(self, ready: bool) -> None:
        for button in (
            self.save_button,
            self.fit_width_button,
            self.fit_page_button,
            self.zoom_in_button,
            self.zoom_out_button,
        ):
            button.setEnabled(ready)
        if not ready:
            self.page_label.clear()

    def _show_page_number(self, page: int) -> None:
        count = self.document.pageCount()
        if count:
            self.page_label.setText(f"Page {page + 1} of {count}")

    def _zoom(self, mode: QPdfView.ZoomMode) -> None:
        self.view.setZoomMode(mode)

    def _zoom_by(self, factor: float) -> None:
        if not self.save_button.isEnabled():
            return
        self.view.setZoomMode(QPdfView.ZoomMode.Custom)
        self.view.setZoomFactor(max(0.25, min(4.0, self.view.zoomFactor() * factor)))

    def save(self) -> Path | None:
        """Ask where to save the report and copy it there; the folder is remembered."""
        if self._built is None:
            return None
        folder = self.settings.value("folders/reports")
        start = Path(folder) if folder and Path(folder).is_dir() else Path.home()
        target = self.dialogs.save_path("Save the report", start / self._name, "PDF (*.pdf)")
        if target is None:
            return None
        if target.suffix.lower() != ".pdf":
            target = target.with_name(target.name + ".pdf")
        try:
            files.write_atomically(
                target,
                self._built.read_bytes(),
                what="report",
                example="report.pdf",
                error=StoreError,
            )
        except (OSError, StoreError) as exc:
            self.dialogs.warn("The report was not saved", str(exc))
            return None
        self.settings.setValue("folders/reports", str(target.parent))
        return target

    def _back_to_results(self) -> None:
        self._to_overview = False
        self._to_workshop = None
        self._to_review = False
        self.back_button.setText("&Back to results")
        self.back_button.setAccessibleName("Back to results")

    def _back(self) -> None:
        if self._to_review:
            self.review_requested.emit()
        elif self._to_workshop:
            self.workshop_requested.emit(self._to_workshop)
        elif self._to_overview:
            self.overview_requested.emit()
        elif self._return_to:
            self.back_requested.emit(self._return_to)

    def close_report(self) -> None:
        """Let go of the preview and its temporary files."""
        self.jobs.wait()
        self.document.close()
        self._tmp.cleanup()
