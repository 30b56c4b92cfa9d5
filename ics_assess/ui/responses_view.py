"""Import responses from an online form's spreadsheet, from the window.

The user picks a .csv or .xlsx file, the questionnaire and the round; the file is read in
the background; a dialog shows the suggested mapping (each column to a statement, the
organisation, respondent or role, or nothing; each answer word to a rating) and what does
not fit, updated as the mapping changes; the import then runs in the background, all or
nothing, after a backup (docs/spreadsheets.md). Every question goes through the window's
Dialogs object.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..domain import Questionnaire, Round, Unrated
from ..services import (
    ExchangeError,
    MappingReport,
    ResponseMapping,
    ResponseSheet,
    Services,
    Value,
    word_key,
)
from .host import Window
from .widgets import WrappingLabel, heading

SHEET_FILTER = "Spreadsheets (*.csv *.xlsx);;All files (*)"
TITLE = "Import responses from a spreadsheet"
ORGANISATION, RESPONDENT, ROLE = "@organisation", "@respondent", "@role"


class ResponsesDialog(QDialog):
    """The mapping of a sheet to a questionnaire, and what of it fits."""

    def __init__(
        self,
        sheet: ResponseSheet,
        mapping: ResponseMapping,
        questionnaire: Questionnaire,
        organisations: dict[str, str],
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.sheet, self.questionnaire, self.organisations = sheet, questionnaire, organisations
        self.report: MappingReport | None = None
        self.setWindowTitle(TITLE)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 100)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"{sheet.name}: {len(sheet.rows):,} rows", 2))

        self.column_boxes: dict[str, QComboBox] = {}
        columns = QFormLayout()
        chosen = dict(mapping.columns)
        for key, header in ((ORGANISATION, mapping.organisation), (RESPONDENT, mapping.respondent)):
            if header:
                chosen[header] = key
        if mapping.role:
            chosen[mapping.role] = ROLE
        for header in sheet.headers:
            box = QComboBox()
            box.addItem("(not used)", "")
            box.addItem("Organisation", ORGANISATION)
            box.addItem("Respondent's name", RESPONDENT)
            box.addItem("Respondent's role", ROLE)
            for item in questionnaire.items:
                box.addItem(f"[{item.id}] {item.statement[:80]}", item.id)
            box.setCurrentIndex(max(box.findData(chosen.get(header, "")), 0))
            box.currentIndexChanged.connect(self.refresh)
            self.column_boxes[header] = box
            columns.addRow(WrappingLabel(header[:120]), box)
        layout.addWidget(heading("Columns", 3))
        layout.addWidget(_scrolled(columns))

        self.words = dict(mapping.words)
        self.word_boxes: dict[str, QComboBox] = {}
        self.word_form = QFormLayout()
        layout.addWidget(heading("Answers", 3))
        layout.addWidget(_scrolled(self.word_form))

        self.summary = WrappingLabel()
        layout.addWidget(self.summary)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.refresh()

    def _value_box(self, value: Value) -> QComboBox:
        box = QComboBox()
        box.addItem("(no rating: leave unanswered)", None)
        for point in self.questionnaire.scale:
            box.addItem(f"{point.value} {point.label}", point.value)
        box.addItem(Unrated.DONT_KNOW.label, Unrated.DONT_KNOW.value)
        box.addItem(Unrated.NOT_APPLICABLE.label, Unrated.NOT_APPLICABLE.value)
        data = value.value if isinstance(value, Unrated) else value
        box.setCurrentIndex(max(box.findData(data), 0))
        return box

    def _words_in_use(self) -> list[str]:
        """The distinct answers in the statement columns, in the order first met."""
        found: dict[str, str] = {}
        indexes = [
            self.sheet.headers.index(h)
            for h, box in self.column_boxes.items()
            if box.currentData() and not str(box.currentData()).startswith("@")
        ]
        for row in self.sheet.rows:
            for i in indexes:
                text = row[i].strip()
                if text and word_key(text) not in found:
                    found[word_key(text)] = text
        return list(found.values())[:200]

    def _rebuild_words(self) -> None:
        while self.word_form.rowCount():
            self.word_form.removeRow(0)
        self.word_boxes = {}
        for text in self._words_in_use():
            key = word_key(text)
            box = self._value_box(self.words.get(key))
            box.currentIndexChanged.connect(self.refresh)
            self.word_boxes[key] = box
            self.word_form.addRow(WrappingLabel(text[:80]), box)

    def mapping(self) -> ResponseMapping:
        """The mapping as the dialog shows it."""
        words: dict[str, Value] = dict(self.words)
        for key, box in self.word_boxes.items():
            data = box.currentData()
            if data is None:
                words.pop(key, None)
            else:
                words[key] = Unrated(data) if isinstance(data, str) else int(data)
        special = {ORGANISATION: "", RESPONDENT: "", ROLE: ""}
        columns: dict[str, str] = {}
        for header, box in self.column_boxes.items():
            data = box.currentData()
            if data in special:
                special[data] = special[data] or header
            elif data and data not in columns.values():
                columns[header] = data
        return ResponseMapping(
            self.questionnaire.id,
            columns,
            words,
            special[ORGANISATION],
            special[RESPONDENT],
            special[ROLE],
        )

    def refresh(self) -> None:
        """Recheck the mapping and say what fits; the import waits for a row that fits."""
        self.words = self.mapping().words
        if self.sender() not in self.word_boxes.values():
            self._rebuild_words()
        try:
            self.report = Services.check_response_mapping(
                self.sheet, self.mapping(), self.questionnaire, self.organisations
            )
        except ExchangeError as exc:
            self.report = None
            self.summary.setText(str(exc))
        else:
            self.summary.setText("\n".join(self.report.lines()))
        n = len(self.report.responses) if self.report else 0
        self.import_button.setEnabled(n > 0)
        self.import_button.setText(f"Import {n} responses" if n != 1 else "Import 1 response")


def _scrolled(form: QFormLayout) -> QScrollArea:
    inner = QWidget()
    inner.setLayout(form)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(inner)
    return area


def _folder(window: Window) -> Path:
    folder = window.settings.value("folders/responses")
    return Path(folder) if folder and Path(folder).is_dir() else Path.home()


def _choose_round(window: Window, services: Services) -> Round | None:
    rounds = services.rounds()
    if not rounds:
        window.dialogs.inform(TITLE, "Add a partnership with a round first.")
        return None
    names = {p.id: p.name for p in services.partnerships()}
    labels = [f"{names.get(r.partnership_id, '')}: {r.name}" for r in rounds]
    index = window.dialogs.item(TITLE, "Round to import the responses into:", labels)
    return None if index is None else rounds[index]


def import_responses_dialog(window: Window) -> None:
    """File > Import responses from a spreadsheet…: choose the file, questionnaire and
    round, map the columns and answers, and import what fits."""
    services = window.services
    if services is None:
        return
    path = window.dialogs.open_path(TITLE, _folder(window), SHEET_FILTER)
    if path is None:
        return
    entries = sorted(
        {qid: services.latest_questionnaire(qid) for qid, _ in services.catalogue.entries}.items()
    )
    if not entries:
        window.dialogs.warn(TITLE, "There are no questionnaires to import responses to.")
        return
    index = window.dialogs.item(
        TITLE, "Questionnaire the form asked:", [e.questionnaire.title for _, e in entries]
    )
    if index is None:
        return
    questionnaire = entries[index][1].questionnaire
    rnd = _choose_round(window, services)
    if rnd is None:
        return
    unique = services.response_organisations(rnd.partnership_id)
    db_path = services.db_path
    window.statusBar().showMessage(f"Reading {path.name}…")

    def failed_read(exc: Exception) -> None:
        window.statusBar().clearMessage()
        window.dialogs.warn("This file cannot be imported", str(exc))

    def read(sheet: ResponseSheet) -> None:
        window.statusBar().clearMessage()
        window.settings.setValue("folders/responses", str(path.parent))
        suggested = services.suggest_response_mapping(sheet, questionnaire.id)
        dialog = ResponsesDialog(sheet, suggested, questionnaire, unique, window)
        if not window.dialogs.run(dialog):
            return
        mapping = dialog.mapping()
        window.statusBar().showMessage("Importing responses…")

        def job():
            with Services.open(db_path, create=False) as own:
                return own.import_responses(sheet, mapping, rnd.id)

        def done(result) -> None:
            window.statusBar().clearMessage()
            n = len(result.created)
            text = f"Imported {n} responses from {path.name} as individual views in {rnd.name}."
            if result.already_there:
                text += f" {result.already_there} rows were imported before and were skipped."
            if result.backup:
                text += " Your database as it was is kept in File > Backups."
            window.dialogs.inform("Imported", text)
            window.show_home()

        def failed(exc: Exception) -> None:
            window.statusBar().clearMessage()
            window.dialogs.warn("Nothing was imported", str(exc))

        window.jobs.start(job, done, failed)

    window.jobs.start(lambda: Services.read_responses(path), read, failed_read)


__all__ = ["ResponsesDialog", "import_responses_dialog"]
