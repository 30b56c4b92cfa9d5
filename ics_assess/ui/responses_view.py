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

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..comparison import statement_numbers
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
from .widgets import WrappingLabel, heading, plain_tooltip

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
        char = self.fontMetrics().averageCharWidth()
        self.setMinimumWidth(char * 110)
        self.resize(char * 130, self.fontMetrics().lineSpacing() * 40)
        layout = QVBoxLayout(self)
        layout.addWidget(heading(f"{sheet.name}: {len(sheet.rows):,} rows", 2))
        layout.addWidget(
            WrappingLabel(
                "Each column of the sheet, and what it holds: a statement (by its number "
                "and words, as the questionnaire shows them), the organisation, the "
                "respondent's name or role, or nothing. Below, each answer word and the "
                "rating it stands for."
            )
        )
        numbers = self.numbers = statement_numbers(questionnaire)

        self.column_boxes: dict[str, QComboBox] = {}
        columns = QFormLayout()
        chosen = dict(mapping.columns)
        for key, header in ((ORGANISATION, mapping.organisation), (RESPONDENT, mapping.respondent)):
            if header:
                chosen[header] = key
        if mapping.role:
            chosen[mapping.role] = ROLE
        for header in sheet.headers:
            box = _combo(f"Column “{header[:60]}” holds")
            box.addItem("(not used)", "")
            box.addItem("Organisation", ORGANISATION)
            box.addItem("Respondent's name", RESPONDENT)
            box.addItem("Respondent's role", ROLE)
            for item in questionnaire.items:
                box.addItem(f"{numbers[item.id]} {item.statement}", item.id)
                box.setItemData(
                    box.count() - 1, plain_tooltip(item.statement), Qt.ItemDataRole.ToolTipRole
                )
            box.setCurrentIndex(max(box.findData(chosen.get(header, "")), 0))
            box.currentIndexChanged.connect(self.refresh)
            self.column_boxes[header] = box
            label = WrappingLabel(header[:120])
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setBuddy(box)
            columns.addRow(label, box)
        layout.addWidget(heading("Columns", 3))
        layout.addWidget(_scrolled(columns))

        self.words = dict(mapping.words)
        self.word_boxes: dict[str, QComboBox] = {}
        self.word_form = QFormLayout()
        layout.addWidget(heading("Answers", 3))
        layout.addWidget(_scrolled(self.word_form))

        self.summary = WrappingLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setAccessibleName("What fits")
        layout.addWidget(self.summary)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.import_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.refresh()

    def _value_box(self, value: Value, text: str) -> QComboBox:
        box = _combo(f"Answer “{text[:60]}” means")
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
            box = self._value_box(self.words.get(key), text)
            box.currentIndexChanged.connect(self.refresh)
            self.word_boxes[key] = box
            label = WrappingLabel(text[:80])
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setBuddy(box)
            self.word_form.addRow(label, box)

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
            lines = self.report.lines()
            missing = self.report.missing_items
            if missing:  # by the numbers the questionnaire shows, not the file's ids
                shown = ", ".join(self.numbers.get(i, i) for i in missing[:10])
                lines[1] = (
                    f"{len(missing)} statements have no column and stay unanswered: {shown}"
                    + (" and more" if len(missing) > 10 else "")
                    + "."
                )
            self.summary.setText("\n".join(lines))
        n = len(self.report.responses) if self.report else 0
        self.import_button.setEnabled(n > 0)
        self.import_button.setText(f"&Import {n} responses" if n != 1 else "&Import 1 response")
        self.import_button.setAccessibleName(self.import_button.text().replace("&", ""))


def _combo(name: str) -> QComboBox:
    """A choice in the mapping, named for screen readers, as wide as the dialog allows:
    long statements elide, and their whole text is in the tooltip."""
    box = QComboBox()
    box.setAccessibleName(name)
    box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    box.setMinimumContentsLength(40)
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return box


def _scrolled(form: QFormLayout) -> QScrollArea:
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
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
    """The round to import into: the newest rounds first, the one chosen in the list's
    Round filter (if any) offered first."""
    partnerships = services.partnerships()
    rounds = [r for p in partnerships for r in services.rounds_latest_first(p.id)]
    if not rounds:
        window.dialogs.inform(TITLE, "Add a partnership with a round first.")
        return None
    rounds.sort(key=lambda r: r.opened_on or r.created_at, reverse=True)
    names = {p.id: p.name for p in partnerships}
    labels = [f"{names.get(r.partnership_id, '')}: {r.name}" for r in rounds]
    chosen = window.home.round_filter.currentData() if window.home is not None else None
    current = next((n for n, r in enumerate(rounds) if r.id == chosen), 0)
    index = window.dialogs.item(TITLE, "Round to import the responses into:", labels, current)
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
