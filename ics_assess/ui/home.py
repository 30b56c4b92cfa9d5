"""Home: the partnerships with their rounds and organisations, and the list of
assessments with filters and the actions on them."""

from __future__ import annotations

import heapq
from pathlib import Path

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain import AssessmentStatus, AssessmentSummary, PartnerType
from ..services import DeletedAssessment, OverallScore, Services, StoreError
from .dialogs import Dialogs
from .models import SUMMARY_ROLE, AssessmentFilterModel, AssessmentTableModel
from .new_assessment import (
    NewAssessmentDialog,
    ask_new_organisation,
    ask_new_partnership,
    ask_new_round,
)
from .widgets import heading, plain_tooltip
from .workers import JobRunner

KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1


def load_summaries(db_path: Path) -> list[AssessmentSummary]:
    """The assessment list, read on a connection of the calling (background) thread. The
    window checked the file when it opened it: these connections do not again."""
    return Services.read_assessment_list(db_path)


def load_scores(db_path: Path) -> dict[str, OverallScore]:
    """Every assessment's overall score, on a connection of the calling thread."""
    with Services.open(db_path, create=False, check=False) as services:
        return services.overall_scores()


class HomePage(QWidget):
    """Partnerships, rounds, organisations and assessments."""

    open_requested = Signal(str)  # assessment id
    export_requested = Signal()
    compare_requested = Signal()
    workshops_requested = Signal()
    action_plan_requested = Signal()
    profile_requested = Signal()
    review_requested = Signal()
    scores_loaded = Signal()
    undo_available = Signal(bool)
    loaded = Signal()

    def __init__(self, services: Services, dialogs: Dialogs, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.dialogs = dialogs
        self.jobs = JobRunner(self)
        self.deleted: list[DeletedAssessment] = []

        self.model = AssessmentTableModel(self)
        self.proxy = AssessmentFilterModel(self)
        self.proxy.setSourceModel(self.model)

        # Filters
        self.partnership_filter = QComboBox()
        self.round_filter = QComboBox()
        self.questionnaire_filter = QComboBox()
        self.status_filter = QComboBox()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search organisations, respondents…")
        self.search.setClearButtonEnabled(True)
        # Qt's clear button is a nameless tool button; screen readers would say "button".
        for action in self.search.findChildren(QAction):
            action.setText("Clear search")
        for button in self.search.findChildren(QToolButton):
            button.setAccessibleName("Clear search")
            button.setToolTip("Clear search")
        for widget, name in (
            (self.partnership_filter, "Show partnership"),
            (self.round_filter, "Show round"),
            (self.questionnaire_filter, "Show questionnaire"),
            (self.status_filter, "Show status"),
            (self.search, "Search assessments"),
        ):
            widget.setAccessibleName(name)
        for combo in (self.partnership_filter, self.round_filter, self.questionnaire_filter):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(12)
        self.status_filter.addItem("Drafts and submitted", None)
        self.status_filter.addItem("Drafts", AssessmentStatus.DRAFT.value)
        self.status_filter.addItem("Submitted", AssessmentStatus.SUBMITTED.value)
        # Three short choices, shown whole: the lists beside it give way on a narrow
        # window or with a large font (it was cut to "Drafts and submitte").
        self.status_filter.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.status_filter.setMinimumWidth(self.status_filter.sizeHint().width())

        # The partnership tree
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Partnerships"])
        self.tree.setAccessibleName("Partnerships, rounds and organisations")
        self.tree.itemDoubleClicked.connect(lambda *_: self.rename_selected())
        self.add_partnership_button = QPushButton("New p&artnership…")
        self.add_round_button = QPushButton("New ro&und…")
        self.add_organisation_button = QPushButton("New or&ganisation…")
        self.rename_button = QPushButton("Rena&me…")
        self.type_button = QPushButton("Partner &type…")
        tree_buttons = [
            (self.add_partnership_button, self.add_partnership),
            (self.add_round_button, self.add_round),
            (self.add_organisation_button, self.add_organisation),
            (self.rename_button, self.rename_selected),
            (self.type_button, self.change_partner_type),
        ]
        for button, slot in tree_buttons:
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            button.clicked.connect(slot)
        self.tree.currentItemChanged.connect(self._tree_selection_changed)

        # The assessment table
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setAccessibleName("Assessments")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Several rows can be selected (to export them); the other actions use one.
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        # Tab leaves the list for the buttons (arrows move within it), never a trap.
        self.table.setTabKeyNavigation(False)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(7, Qt.SortOrder.DescendingOrder)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(self.fontMetrics().averageCharWidth() * 6)
        # Compact enough that every column shows at 1024 pixels. Widths come from font
        # metrics, never from measuring every row (slow on a big database): the short
        # columns fit their longest possible text; text columns get what their texts
        # need, up to a share of the width, and longer text elides (tooltips hold all).
        for column, longest in (
            (5, "Submitted"),
            (6, "888 of 888"),
            (7, "28 Sep 2026 23:59"),
            (8, "Score"),
            (9, "Developing"),
        ):
            self.table.setColumnWidth(column, self._text_width(longest))
        typical = {1: "Upper-tier council", 2: "Democratic involvement", 3: "Baseline, May 2026"}
        typical[4] = "Cllr Margaret Hollis"
        self._wanted = {column: self._text_width(text) for column, text in typical.items()}
        self._fit_columns()
        self.table.viewport().installEventFilter(self)
        self.table.doubleClicked.connect(self._open_index)
        self.table.activated.connect(self._open_index)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)

        self.new_button = QPushButton("&New assessment…")
        self.new_button.setDefault(True)
        self.open_button = QPushButton("&Open")
        self.duplicate_button = QPushButton("Cop&y to another round…")
        self.delete_button = QPushButton("&Delete…")
        self.export_button = QPushButton("E&xport…")
        self.export_button.setToolTip(
            "Save the selected assessments (or the round chosen above) to a file for "
            "another computer"
        )
        actions = [
            (self.new_button, self.new_assessment, "Ctrl+N"),
            (self.open_button, self.open_selected, "Return"),
            (self.duplicate_button, self.duplicate_selected, None),
            (self.delete_button, self.delete_selected, "Delete"),
            (self.export_button, self.export_requested.emit, None),
        ]
        for button, slot, key in actions:
            name = button.text().replace("&", "").rstrip("…")
            button.setAccessibleName(name)
            button.clicked.connect(slot)
            if key:
                button.setToolTip(f"{name} ({QKeySequence(key).toString()})")
        # Ctrl+N is File > New assessment, which works on every page.
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.search.setFocus)
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        delete.activated.connect(self.delete_selected)

        self.compare_button = QPushButton("&Compare partnership…")
        self.compare_button.setAccessibleName("Compare partnership")
        self.compare_button.setToolTip(
            "The partnership overview: organisations, sectors and rounds side by side "
            "(Ctrl+Shift+C)"
        )
        self.compare_button.setMinimumHeight(int(self.compare_button.sizeHint().height() * 1.2))
        self.compare_button.clicked.connect(self.compare_requested)
        self.workshops_button = QPushButton("&Workshops…")
        self.workshops_button.setAccessibleName("Workshops")
        self.workshops_button.setToolTip(
            "Facilitated workshops: participants, the projector view, agreed ratings and "
            "actions (Ctrl+Shift+W)"
        )
        self.workshops_button.setMinimumHeight(self.compare_button.minimumHeight())
        self.workshops_button.clicked.connect(self.workshops_requested)
        self.action_plan_button = QPushButton("Action &plan…")
        self.action_plan_button.setAccessibleName("Action plan")
        self.action_plan_button.setToolTip(
            "The partnership's actions round by round: owners, due dates, what is overdue, "
            "what was carried forward (Ctrl+Shift+A)"
        )
        self.action_plan_button.setMinimumHeight(self.compare_button.minimumHeight())
        self.action_plan_button.clicked.connect(self.action_plan_requested)
        self.profile_button = QPushButton("Partnership p&rofile…")
        self.profile_button.setAccessibleName("Partnership profile")
        self.profile_button.setToolTip(
            "The partnership's facts round by round: board membership, councillors, money "
            "pooled, prevention spend, vacancies, with their trend (Ctrl+Shift+F)"
        )
        self.profile_button.setMinimumHeight(self.compare_button.minimumHeight())
        self.profile_button.clicked.connect(self.profile_requested)
        self.review_button = QPushButton("Rev&iew…")
        self.review_button.setAccessibleName("Review")
        self.review_button.setToolTip(
            "A round against an earlier one: what changed, what became of the actions, the "
            "profile then and now, questions on the concerns raised, and the review pack "
            "(Ctrl+Shift+R)"
        )
        self.review_button.setMinimumHeight(self.compare_button.minimumHeight())
        self.review_button.clicked.connect(self.review_requested)

        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of assessments shown")

        # Layout
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.tree, 1)
        for button, _ in tree_buttons:
            left_layout.addWidget(button)

        self.panel_button = QToolButton()
        self.panel_button.setText("Partner&ships")
        self.panel_button.setCheckable(True)
        self.panel_button.setToolTip("Show or hide the partnerships, rounds and organisations")
        self.panel_button.setAccessibleName("Show partnerships, rounds and organisations")
        self.panel_button.toggled.connect(left.setVisible)
        filters = QHBoxLayout()
        filters.addWidget(self.panel_button)
        for label, widget in (
            ("Partnership", self.partnership_filter),
            ("Round", self.round_filter),
            ("Questionnaire", self.questionnaire_filter),
        ):
            caption = QLabel(label + ":")
            caption.setBuddy(widget)
            filters.addWidget(caption)
            filters.addWidget(widget, 1)
        filters.addWidget(self.status_filter)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addLayout(filters)
        right_layout.addWidget(self.search)
        right_layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        for button, _, _ in actions:
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        right_layout.addLayout(buttons)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([260, 740])
        splitter.setChildrenCollapsible(False)
        left.setVisible(False)

        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(heading("Assessments"), 1)
        top.addWidget(self.review_button, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.profile_button, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.action_plan_button, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.workshops_button, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.compare_button, 0, Qt.AlignmentFlag.AlignVCenter)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self.partnership_filter.currentIndexChanged.connect(self._partnership_filter_changed)
        self.round_filter.currentIndexChanged.connect(
            lambda: self._set_filter("round", self.round_filter)
        )
        self.questionnaire_filter.currentIndexChanged.connect(
            lambda: self._set_filter("questionnaire", self.questionnaire_filter)
        )
        self.status_filter.currentIndexChanged.connect(
            lambda: self._set_filter("status", self.status_filter)
        )
        self.search.textChanged.connect(self._search_changed)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self._update_buttons()

    def _text_width(self, text: str) -> int:
        # Room for the cell's margins besides the text itself.
        return self.fontMetrics().horizontalAdvance(text) + 16

    def _measure_columns(self) -> None:
        """What each text column's texts need. Each distinct text's width is estimated
        from its characters' advances, and only the widest few are measured: measuring
        10,000 respondents' names one by one held the window for a quarter of a second."""
        metrics = self.fontMetrics()
        for column in self._wanted:
            texts = self.model.distinct_texts(column)
            if not texts:
                continue
            advance = {ch: metrics.horizontalAdvance(ch) for ch in set().union(*texts)}
            widest = heapq.nlargest(8, texts, key=lambda t: sum(map(advance.__getitem__, t)))
            self._wanted[column] = max(self._text_width(t) for t in widest)

    def _fit_columns(self) -> None:
        """Text columns grow to their content, up to a share of the table's width (so a
        large monitor shows whole round and respondent names); Organisation stretches."""
        fixed = sum(self.table.columnWidth(c) for c in (5, 6, 7, 8, 9))
        organisation = self._text_width("Northshire County Council")
        room = self.table.viewport().width() - fixed - organisation
        share = max(self.fontMetrics().averageCharWidth() * 8, room // len(self._wanted))
        widths = {column: min(wanted, share) for column, wanted in self._wanted.items()}
        # Then as wide as its heading (in bold, as Qt draws the headings of a selected
        # row), which a large font cut at both ends ("artner typ"), as far as the room
        # Organisation can give up and still show the start of its names.
        bold = QFont(self.table.horizontalHeader().font())
        bold.setBold(True)
        heading_metrics = QFontMetrics(bold)
        spare = room + organisation - self._text_width("Northshire Co") - sum(widths.values())
        for column in widths:
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            grow = min(heading_metrics.horizontalAdvance(title) + 16 - widths[column], spare)
            if grow > 0:
                widths[column] += grow
                spare -= grow
        for column, width in widths.items():
            self.table.setColumnWidth(column, width)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt override)
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    # --- loading --------------------------------------------------------------------

    def refresh(self, select: str | None = None) -> None:
        """Reload the tree and filters now, and the assessment list in the background."""
        self._fill_tree()
        self._fill_filters()
        self.count_label.setText("Loading…")
        path = self.services.db_path

        def done(rows: list[AssessmentSummary]) -> None:
            self.model.set_rows(rows)
            self._measure_columns()
            self._fit_columns()
            if select:
                self.select_assessment(select)
            self._update_buttons()
            self._update_count()
            self.loaded.emit()
            self._load_scores()

        def failed(exc: Exception) -> None:
            self.count_label.setText("Could not load the list")
            self.dialogs.warn("The assessments could not be loaded", str(exc))

        self.jobs.start(lambda: load_summaries(path), done, failed)

    def shut(self) -> None:
        """Stop starting background work and wait for what runs (the database closes)."""
        self._shut = True
        self.jobs.wait()

    def _load_scores(self) -> None:
        """Fill in the Score and Band columns after the list shows, in the background."""
        if getattr(self, "_shut", False):
            return  # the list arrived as the database closed: its scores are not wanted
        path = self.services.db_path

        def done(scores: dict[str, OverallScore]) -> None:
            self.model.set_scores(scores)
            self.scores_loaded.emit()

        def failed(exc: Exception) -> None:
            self.model.set_scores({})

        self.jobs.start(lambda: load_scores(path), done, failed)

    def _fill_tree(self) -> None:
        expanded = {
            self.tree.topLevelItem(i).data(0, ID_ROLE)
            for i in range(self.tree.topLevelItemCount())
            if self.tree.topLevelItem(i).isExpanded()
        }
        current = self.tree.currentItem()
        current_id = current.data(0, ID_ROLE) if current else None
        self.tree.clear()
        services = self.services
        partnerships = services.partnerships()
        restore = None
        for p in partnerships:
            top = QTreeWidgetItem([p.name])
            top.setData(0, KIND_ROLE, "partnership")
            top.setData(0, ID_ROLE, p.id)
            top.setToolTip(0, plain_tooltip(p.ics_name or p.name))
            rounds = QTreeWidgetItem(["Rounds"])
            rounds.setData(0, KIND_ROLE, "rounds")
            rounds.setData(0, ID_ROLE, p.id)
            for r in services.rounds(p.id):
                item = QTreeWidgetItem([r.name])
                item.setData(0, KIND_ROLE, "round")
                item.setData(0, ID_ROLE, r.id)
                rounds.addChild(item)
            organisations = QTreeWidgetItem(["Organisations"])
            organisations.setData(0, KIND_ROLE, "organisations")
            organisations.setData(0, ID_ROLE, p.id)
            for o in services.organisations(p.id):
                item = QTreeWidgetItem([f"{o.name} — {o.partner_type.label}"])
                item.setData(0, KIND_ROLE, "organisation")
                item.setData(0, ID_ROLE, o.id)
                organisations.addChild(item)
            top.addChildren([rounds, organisations])
            self.tree.addTopLevelItem(top)
            top.setExpanded(p.id in expanded or len(partnerships) == 1)
            rounds.setExpanded(True)
            for item in self._walk(top):
                if item.data(0, ID_ROLE) == current_id and item.data(0, KIND_ROLE) not in (
                    "rounds",
                    "organisations",
                ):
                    restore = item
        if restore is not None:
            self.tree.setCurrentItem(restore)
        self._tree_selection_changed()

    @staticmethod
    def _walk(item: QTreeWidgetItem):
        yield item
        for i in range(item.childCount()):
            yield from HomePage._walk(item.child(i))

    def _fill_filters(self) -> None:
        services = self.services
        combos = (self.partnership_filter, self.round_filter, self.questionnaire_filter)
        chosen = [c.currentData() for c in combos]
        for combo in combos:
            combo.blockSignals(True)
            combo.clear()
        self.partnership_filter.addItem("All partnerships", None)
        for p in services.partnerships():
            self.partnership_filter.addItem(p.name, p.id)
        self.questionnaire_filter.addItem("All questionnaires", None)
        titles: dict[str, str] = {}
        for row in services.stored_questionnaires():
            titles[row["questionnaire_id"]] = row["title"]
        for qid, title in sorted(titles.items(), key=lambda kv: kv[1].lower()):
            self.questionnaire_filter.addItem(title, qid)
        for combo, value in zip(combos, chosen, strict=True):
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)
        self._fill_round_filter(chosen[1])

    def _fill_round_filter(self, keep: str | None = None) -> None:
        pid = self.partnership_filter.currentData()
        self.round_filter.blockSignals(True)
        self.round_filter.clear()
        self.round_filter.addItem("All rounds", None)
        for r in self.services.rounds(pid):
            label = r.name
            if not pid and len(self.services.partnerships()) > 1:
                label = f"{r.name} ({self.services.partnership(r.partnership_id).name})"
            self.round_filter.addItem(label, r.id)
        self.round_filter.setCurrentIndex(max(self.round_filter.findData(keep), 0))
        self.round_filter.blockSignals(False)
        self.proxy.set_filter("round", self.round_filter.currentData())

    def _partnership_filter_changed(self) -> None:
        self.proxy.set_filter("partnership", self.partnership_filter.currentData())
        self._fill_round_filter(self.round_filter.currentData())
        self._update_count()

    def _set_filter(self, name: str, combo: QComboBox) -> None:
        self.proxy.set_filter(name, combo.currentData())
        self._update_count()

    def _search_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_count()

    def _update_count(self, *args) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        noun = "assessment" if total == 1 else "assessments"
        self.count_label.setText(
            f"{total} {noun}" if shown == total else f"{shown} of {total} {noun}"
        )

    # --- selection ------------------------------------------------------------------

    def selected(self) -> AssessmentSummary | None:
        """The one assessment the single-record actions work on: the current row when it
        is selected, else the first selected row."""
        current = self.table.currentIndex()
        if current.isValid() and self.table.selectionModel().isRowSelected(current.row()):
            return current.siblingAtColumn(0).data(SUMMARY_ROLE)
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(SUMMARY_ROLE) if rows else None

    def selected_all(self) -> list[AssessmentSummary]:
        """Every selected assessment, in the order shown."""
        rows = sorted(self.table.selectionModel().selectedRows(), key=lambda i: i.row())
        return [index.data(SUMMARY_ROLE) for index in rows]

    def select_assessment(self, assessment_id: str) -> bool:
        """Select (and scroll to) an assessment's row, clearing filters that hide it."""
        row = self.model.row_of(assessment_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            self.clear_filters()
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def clear_filters(self) -> None:
        """Show every assessment."""
        for combo in (
            self.partnership_filter,
            self.round_filter,
            self.questionnaire_filter,
            self.status_filter,
        ):
            combo.setCurrentIndex(0)
        self.search.clear()

    def _update_buttons(self, *args) -> None:
        count = len(self.table.selectionModel().selectedRows())
        for button in (self.open_button, self.duplicate_button, self.delete_button):
            button.setEnabled(count == 1)

    def _open_index(self, index: QModelIndex) -> None:
        summary = index.data(SUMMARY_ROLE)
        if summary:
            self.open_requested.emit(summary.assessment.id)

    def _tree_selection_changed(self, *args) -> None:
        item = self.tree.currentItem()
        kind = item.data(0, KIND_ROLE) if item else None
        has_partnership = self.tree.topLevelItemCount() > 0
        self.add_round_button.setEnabled(has_partnership)
        self.add_organisation_button.setEnabled(has_partnership)
        self.rename_button.setEnabled(kind in ("partnership", "round", "organisation"))
        self.type_button.setEnabled(kind == "organisation")

    def tree_partnership_id(self) -> str | None:
        """The partnership of the item chosen in the tree (or the first one)."""
        return self._tree_partnership_id()

    def _tree_partnership_id(self) -> str | None:
        item = self.tree.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        if item is not None:
            return item.data(0, ID_ROLE)
        if self.tree.topLevelItemCount():
            return self.tree.topLevelItem(0).data(0, ID_ROLE)
        return None

    # --- actions --------------------------------------------------------------------

    def new_assessment(self) -> None:
        """Ask who answers what, create the draft and open it (or open the organisation's
        own response there is, when the user takes that instead of a second one)."""
        dialog = NewAssessmentDialog(
            self.services,
            self.dialogs,
            self,
            partnership_id=self.partnership_filter.currentData() or self._tree_partnership_id(),
            round_id=self.round_filter.currentData(),
        )
        accepted = self.dialogs.run(dialog)
        # The new draft, or the organisation's response there was, chosen instead.
        chosen = dialog.created_id or dialog.opened_id
        self.refresh(select=chosen)
        if accepted and chosen:
            self.open_requested.emit(chosen)

    def open_selected(self) -> None:
        """Open the selected assessment."""
        summary = self.selected()
        if summary:
            self.open_requested.emit(summary.assessment.id)

    def duplicate_selected(self) -> None:
        """Start a draft in another round from the selected assessment's answers."""
        summary = self.selected()
        if summary is None:
            return
        a = summary.assessment
        services = self.services
        rounds = [
            r
            for r in services.rounds(services.round(a.round_id).partnership_id)
            if r.id != a.round_id
        ]
        labels = [r.name for r in rounds] + ["A new round…"]
        index = self.dialogs.item(
            "Copy to another round",
            f"Start a new draft for {summary.organisation_name} in which round? "
            "It begins with this assessment's answers, to update.",
            labels,
            max(len(labels) - 2, 0),
        )
        if index is None:
            return
        try:
            if index == len(rounds):
                target = ask_new_round(
                    self.services, self.dialogs, services.round(a.round_id).partnership_id
                )
                if target is None:
                    return
            else:
                target = rounds[index]
            copy = self.services.duplicate_to_round(a.id, target.id)
        except StoreError as exc:
            self.dialogs.warn("Not copied", str(exc))
            return
        self.refresh(select=copy.id)
        self.open_requested.emit(copy.id)

    def delete_selected(self) -> None:
        """Delete the selected assessment after confirming; undoable in this session."""
        summary = self.selected()
        if summary is None:
            return
        a = summary.assessment
        what = (
            f"{summary.questionnaire_title} by {a.respondent_label} ({summary.organisation_name})"
        )
        answered = f"{summary.answered} answered statements"
        if not self.dialogs.confirm(
            "Delete assessment",
            f"Delete {what}, with its {answered}? You can undo this until you close "
            "the app (Edit > Undo delete).",
            ok="Delete",
            destructive=True,
        ):
            return
        try:
            self.deleted.append(self.services.delete_assessment(a.id))
        except StoreError as exc:
            self.dialogs.warn("Not deleted", str(exc))
            return
        self.undo_available.emit(True)
        self.refresh()

    def undo_delete(self) -> None:
        """Restore the most recently deleted assessment."""
        if not self.deleted:
            return
        deleted = self.deleted.pop()
        try:
            restored = self.services.restore_assessment(deleted)
        except StoreError as exc:
            self.deleted.append(deleted)
            self.dialogs.warn("Not restored", str(exc))
            return
        self.undo_available.emit(bool(self.deleted))
        self.refresh(select=restored.id)

    def add_partnership(self) -> None:
        """Create a partnership."""
        self._guarded(lambda: ask_new_partnership(self.services, self.dialogs))

    def add_round(self) -> None:
        """Create a round in the selected partnership."""
        pid = self._tree_partnership_id()
        if pid:
            self._guarded(lambda: ask_new_round(self.services, self.dialogs, pid))

    def add_organisation(self) -> None:
        """Create an organisation in the selected partnership."""
        pid = self._tree_partnership_id()
        if pid:
            self._guarded(lambda: ask_new_organisation(self.services, self.dialogs, pid))

    def rename_selected(self) -> None:
        """Rename the partnership, round or organisation selected in the tree."""
        item = self.tree.currentItem()
        kind = item.data(0, KIND_ROLE) if item else None
        if kind not in ("partnership", "round", "organisation"):
            return
        record_id = item.data(0, ID_ROLE)
        services = self.services
        current = {
            "partnership": lambda: services.partnership(record_id).name,
            "round": lambda: services.round(record_id).name,
            "organisation": lambda: services.organisation(record_id).name,
        }[kind]()
        name = self.dialogs.text(f"Rename {kind}", f"New name for {current}:", current)
        if not name or not name.strip() or name.strip() == current:
            return
        update = {
            "partnership": services.update_partnership,
            "round": services.update_round,
            "organisation": services.update_organisation,
        }[kind]
        self._guarded(lambda: update(record_id, name=name))

    def change_partner_type(self) -> None:
        """Change the partner type of the organisation selected in the tree."""
        item = self.tree.currentItem()
        if not item or item.data(0, KIND_ROLE) != "organisation":
            return
        org = self.services.organisation(item.data(0, ID_ROLE))
        types = list(PartnerType)
        index = self.dialogs.item(
            "Partner type",
            f"What kind of partner is {org.name}?",
            [t.label for t in types],
            types.index(org.partner_type),
        )
        if index is not None and types[index] is not org.partner_type:
            self._guarded(
                lambda: self.services.update_organisation(org.id, partner_type=types[index])
            )

    def _guarded(self, change) -> None:
        try:
            done = change()
        except StoreError as exc:
            self.dialogs.warn("Not changed", str(exc))
            return
        if done is not None:
            self.refresh()
