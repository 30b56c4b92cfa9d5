"""The partnership overview: the ICB chair's view of a round's assessments of one
questionnaire (method v2, comparison.py), for one kind of response at a time.

The page arranges widgets and asks Services; the comparison is built in the background
by a job with its own database connection, and every number shown is the comparison's.
Tabs: sections by group (table and radar), statements (heat map and a dot plot), where
the sectors' views diverge (with the comments behind a gap), and since the last round.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCharts import QChart, QChartView, QLineSeries
from PySide6.QtCore import QModelIndex, QSettings, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabBar,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..comparison import OVERALL, Column, Comparison, Divergence, StatementRow
from ..domain import AssessmentKind, AssessmentStatus, Sector
from ..labels import signed
from ..palette import TEXT_ON_COLOUR, band_colour
from ..scoring import MIN_GROUP, Change
from ..services import ComparisonComment, Services, StoreError
from .charts import radar_chart, short_title
from .dialogs import Dialogs
from .dot_plot import DotPlot
from .overview_models import (
    COLUMN_ROLE,
    ITEM_ROLE,
    SORT_ROLE,
    DivergenceModel,
    GroupScoresModel,
    HeatMapModel,
    TrendModel,
    band_of,
    group_noun,
    sector_name,
    sectors_text,
)
from .report_view import suggested_name
from .widgets import WrappingLabel, heading, plain_label, scaled_font
from .workers import JobRunner

KINDS = (AssessmentKind.ORGANISATION, AssessmentKind.INDIVIDUAL)
KIND_TITLES = ("Organisation responses", "Individual views")
# Excel first: the name suggested ends in .xlsx, and the type shown should say so.
EXPORT_FILTER = "Excel workbook (*.xlsx);;CSV (*.csv)"
# Okabe-Ito, black first: distinguishable for the common colour blindnesses.
LINE_COLOURS = (
    "#000000",
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#999999",
)
PEN_STYLES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine)


def consensus_words(consensus: float | None, n: int) -> str:
    """Agreement (Tastle-Wierman, rule 11) in words a councillor can use."""
    if consensus is None or n == 0:
        return "No scores yet."
    if n == 1:
        return "Only one score, so there is no spread of views to speak of."
    if n >= 3 and consensus < 0.6:
        what = "the views are split (below 0.6 with three or more scores)"
    elif consensus >= 0.8:
        what = "close agreement"
    elif consensus >= 0.6:
        what = "broad agreement, with some difference of view"
    else:
        what = "different views, though too few scores to call it a split"
    return (
        f"Agreement {consensus:.2f} on a scale from 0 (opposite ends) to 1 (all the same): {what}."
    )


def table_view(name: str, model, *, sortable: bool = True) -> QTableView:
    """A read-only, sortable table that Tab leaves (arrow keys move inside it)."""
    view = QTableView()
    proxy = QSortFilterProxyModel(view)
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    view.setModel(proxy)
    view.setAccessibleName(name)
    view.setTabKeyNavigation(False)
    view.setSortingEnabled(sortable)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    view.horizontalHeader().setHighlightSections(False)
    view.horizontalHeader().setSortIndicatorShown(sortable)
    return view


def button(text: str, tip: str = "") -> QPushButton:
    """A push button with an Alt key (&), named for screen readers without it."""
    b = QPushButton(text)
    b.setAccessibleName(text.replace("&", "").rstrip("…"))
    if tip:
        b.setToolTip(tip)
    return b


class OverviewPage(QWidget):
    """A partnership's comparison: round, questionnaire and kind chosen on the page."""

    back_requested = Signal()
    open_assessment_requested = Signal(str)
    report_requested = Signal(object)  # the Comparison, for the report page
    built = Signal()  # a comparison (or an empty state) is showing
    comments_shown = Signal()
    action_requested = Signal(dict)  # Add action… on a gap: what the action answers
    concern_requested = Signal(dict)  # Mark as a concern… on a gap: its section or statement

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
        self.partnership_id: str | None = None
        self.comparison: Comparison | None = None
        self._generation = 0
        self._filling = False
        self.chart_view: QChartView | None = None

        # --- the choices -----------------------------------------------------------------
        self.title = heading("Partnership overview", 2)
        self.back_button = button("&Back", "Back to the assessments")
        self.report_button = button("&Report…", "The comparison as a PDF report")
        self.export_button = button("E&xport…", "The comparison's figures as CSV or Excel")
        self.round_combo = QComboBox()
        self.round_combo.setAccessibleName("Round")
        self.questionnaire_combo = QComboBox()
        self.questionnaire_combo.setAccessibleName("Questionnaire")
        for combo in (self.round_combo, self.questionnaire_combo):
            # They give way to the kind tabs on a narrow window or with a large font.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(10)
        self.kind_tabs = QTabBar()
        self.kind_tabs.setAccessibleName("Kind of response")
        self.kind_tabs.addTab("Or&ganisation responses")
        self.kind_tabs.addTab("&Individual views")
        self.kind_tabs.setTabToolTip(0, "Each organisation's own response, shown by name")
        self.kind_tabs.setTabToolTip(
            1, f"Individual people's views, only ever shown in groups of {MIN_GROUP} or more"
        )
        self.kind_tabs.setExpanding(False)
        self.kind_tabs.setUsesScrollButtons(False)
        self.kind_tabs.setDrawBase(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName("Building the comparison")
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.busy_label = plain_label("", wrap=False)
        self.busy_label.setAccessibleName("Progress")

        round_caption = QLabel("R&ound:")
        round_caption.setBuddy(self.round_combo)
        questionnaire_caption = QLabel("&Questionnaire:")
        questionnaire_caption.setBuddy(self.questionnaire_combo)

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        top.addWidget(self.report_button)
        top.addWidget(self.export_button)
        choices = QHBoxLayout()
        choices.addWidget(round_caption)
        choices.addWidget(self.round_combo, 2)
        choices.addSpacing(12)
        choices.addWidget(questionnaire_caption)
        choices.addWidget(self.questionnaire_combo, 2)
        choices.addSpacing(12)
        # No stretch of its own here: the room left goes to the two lists, whose names
        # ("Six-month review, November 2026") were cut off with room to spare.
        choices.addWidget(self.kind_tabs)
        choices.addWidget(self.busy_label)
        choices.addWidget(self.progress)

        # --- the headline --------------------------------------------------------------
        self.headline = QFrame()
        self.headline.setFrameShape(QFrame.Shape.StyledPanel)
        self.kind_label = plain_label()
        self.kind_label.setAccessibleName("What this view shows")
        self.system_label = WrappingLabel()
        self.system_label.setFont(scaled_font(1.6, bold=True))
        self.system_label.setAccessibleName("System score")
        self.band_chip = plain_label(wrap=False)
        self.band_chip.setFont(scaled_font(1.15, bold=True))
        self.band_chip.setMargin(4)
        self.sectors_label = WrappingLabel()
        self.sectors_label.setFont(scaled_font(1.1))
        self.sectors_label.setAccessibleName("Sector scores")
        self.plain_mean_label = WrappingLabel()
        self.plain_mean_label.setAccessibleName("Plain mean")
        self.coverage_label = WrappingLabel()
        self.coverage_label.setAccessibleName("Coverage")
        self.notes_label = WrappingLabel()
        self.notes_label.setAccessibleName("Notes")
        for label in (
            self.kind_label,
            self.system_label,
            self.sectors_label,
            self.plain_mean_label,
            self.coverage_label,
            self.notes_label,
        ):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        score_row = QHBoxLayout()
        score_row.addWidget(self.system_label, 1)
        score_row.addWidget(self.band_chip, 0, Qt.AlignmentFlag.AlignVCenter)
        score_row.addSpacing(16)
        score_row.addWidget(self.plain_mean_label, 1, Qt.AlignmentFlag.AlignVCenter)
        headline_layout = QVBoxLayout(self.headline)
        headline_layout.setSpacing(4)
        headline_layout.addWidget(self.kind_label)
        headline_layout.addLayout(score_row)
        headline_layout.addWidget(self.sectors_label)
        headline_layout.addWidget(self.coverage_label)
        headline_layout.addWidget(self.notes_label)
        headline_layout.addStretch(1)

        # --- the tabs ------------------------------------------------------------------
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Views of the comparison")
        self.tabs.addTab(self._sections_tab(), "&Sections by group")
        self.tabs.addTab(self._statements_tab(), "S&tatements")
        self.tabs.addTab(self._divergence_tab(), "&Where views diverge")
        self.tabs.addTab(self._trend_tab(), "Since the &last round")

        content = QWidget()
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        self.headline_scroll = QScrollArea()
        self.headline_scroll.setWidgetResizable(True)
        self.headline_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.headline_scroll.setWidget(self.headline)
        self.headline_scroll.setAccessibleName("Headline")
        self.headline_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.body = QSplitter(Qt.Orientation.Vertical)
        self.body.addWidget(self.headline_scroll)
        self.body.addWidget(self.tabs)
        self.body.setStretchFactor(0, 0)
        self.body.setStretchFactor(1, 1)
        self.body.setChildrenCollapsible(False)
        content_layout.addWidget(self.body)

        self.message = WrappingLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setFont(scaled_font(1.15))
        self.message.setAccessibleName("About this overview")
        message_page = QWidget()
        message_layout = QVBoxLayout(message_page)
        message_layout.addStretch(1)
        message_layout.addWidget(self.message)
        message_layout.addStretch(2)
        self.stack = QStackedWidget()
        self.stack.addWidget(message_page)
        self.stack.addWidget(content)
        self.message_page, self.content = message_page, content

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(choices)
        layout.addWidget(self.stack, 1)

        self.back_button.clicked.connect(self.back_requested)
        self.report_button.clicked.connect(self.request_report)
        self.export_button.clicked.connect(self.export)
        self.round_combo.currentIndexChanged.connect(self._round_changed)
        self.questionnaire_combo.currentIndexChanged.connect(self._choice_changed)
        self.kind_tabs.currentChanged.connect(self._choice_changed)
        self._set_busy(False)

    # --- tabs ---------------------------------------------------------------------------

    def _sections_tab(self) -> QWidget:
        self.group_model = GroupScoresModel(self)
        self.group_table = table_view("Section scores by group", self.group_model)
        self.group_table.activated.connect(self._open_group)
        self.group_table.selectionModel().selectionChanged.connect(self._update_open_buttons)
        self.group_model.chart_changed.connect(self._fill_chart)
        self.open_group_button = button(
            "Open &assessment", "The selected organisation's assessment (Enter)"
        )
        self.open_group_button.clicked.connect(
            lambda: self._open_group(self.group_table.currentIndex())
        )
        self.group_hint = plain_label(
            "Tick a group (Space) to draw its line on the chart. Enter on an organisation "
            "opens its assessment."
        )
        self.chart_holder = QVBoxLayout()
        self.chart_note = plain_label()
        self.chart_holder.addWidget(self.chart_note)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.group_table, 1)
        row = QHBoxLayout()
        row.addWidget(self.group_hint, 1)
        row.addWidget(self.open_group_button)
        left_layout.addLayout(row)
        right = QWidget()
        right.setLayout(self.chart_holder)
        self.chart_holder.setContentsMargins(0, 0, 0, 0)
        self.sections_splitter = QSplitter()
        self.sections_splitter.addWidget(left)
        self.sections_splitter.addWidget(right)
        self.sections_splitter.setStretchFactor(0, 1)
        self.sections_splitter.setStretchFactor(1, 1)
        self.sections_splitter.setChildrenCollapsible(False)
        return self.sections_splitter

    def _statements_tab(self) -> QWidget:
        self.heat_model = HeatMapModel(self)
        self.heat_table = table_view("Statements by group", self.heat_model)
        self.heat_table.setMouseTracking(True)
        self.heat_table.entered.connect(self._show_statement_at)
        self.heat_table.selectionModel().currentRowChanged.connect(
            lambda current, _: self._show_statement_at(current)
        )
        self.by_group = QRadioButton("B&y organisation")
        self.by_sector = QRadioButton("By se&ctor")
        self.by_group.setAccessibleName("Statements by organisation")
        self.by_sector.setAccessibleName("Statements by sector")
        self.by_group.setChecked(True)
        self.heat_choice = QButtonGroup(self)
        self.heat_choice.addButton(self.by_group)
        self.heat_choice.addButton(self.by_sector)
        self.by_group.toggled.connect(lambda _: self._fill_heat_map())
        self.heat_note = plain_label()
        self.statement_label = WrappingLabel()
        self.statement_label.setFont(scaled_font(1.05, bold=True))
        self.statement_label.setAccessibleName("Statement")
        self.dot_plot = DotPlot()
        self.statement_words = WrappingLabel()
        self.statement_words.setAccessibleName("The statement's figures in words")
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.statement_label)
        side_layout.addWidget(self.dot_plot)
        side_layout.addWidget(self.statement_words)
        side_layout.addStretch(1)
        side_scroll = QScrollArea()
        side_scroll.setWidgetResizable(True)
        side_scroll.setWidget(side)
        side_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        side_scroll.setMinimumWidth(17 * self.fontMetrics().height())
        splitter = QSplitter()
        splitter.addWidget(self.heat_table)
        splitter.addWidget(side_scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        self.statements_splitter = splitter
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(self.by_group)
        row.addWidget(self.by_sector)
        row.addSpacing(12)
        row.addWidget(self.heat_note, 1)
        layout.addLayout(row)
        layout.addWidget(splitter, 1)
        return page

    def _divergence_tab(self) -> QWidget:
        self.divergence_model = DivergenceModel(self)
        self.divergence_table = table_view(
            "Where the sectors' views diverge", self.divergence_model
        )
        self.divergence_table.activated.connect(self.show_comments)
        self.divergence_table.selectionModel().currentChanged.connect(self._update_open_buttons)
        self.divergence_note = plain_label(
            "Largest gaps first; a gap of 1 point or more is flagged. Press Enter or "
            "double-click a row for the statements and comments behind it."
        )
        self.comments_button = button(
            "Show &comments", "The statements and comments behind the gap"
        )
        self.comments_button.clicked.connect(
            lambda: self.show_comments(self.divergence_table.currentIndex())
        )
        self.comments_title = WrappingLabel()
        self.comments_title.setFont(scaled_font(1.05, bold=True))
        self.comments_title.setAccessibleName("Comments on")
        self.comments_list = QListWidget()
        self.comments_list.setAccessibleName("Statements and comments")
        self.comments_list.setWordWrap(True)
        self.comments_list.setUniformItemSizes(False)
        self.comments_list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.comments_list.itemActivated.connect(self._open_comment)
        self.comments_list.currentItemChanged.connect(lambda *_: self._update_open_buttons())
        self.open_comment_button = button(
            "O&pen assessment", "The assessment the selected comment comes from"
        )
        self.open_comment_button.clicked.connect(
            lambda: self._open_comment(self.comments_list.currentItem())
        )
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.comments_title)
        side_layout.addWidget(self.comments_list, 1)
        side_layout.addWidget(self.open_comment_button, 0, Qt.AlignmentFlag.AlignRight)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.add_action_button = button(
            "A&dd action…", "An improvement action on the gap selected (its statement or section)"
        )
        self.add_action_button.clicked.connect(self.request_action)
        self.concern_button = button(
            "Mark as a co&ncern…",
            "Record the gap's section or statement as a concern a partner raised; the "
            "review asks whether it moved",
        )
        self.concern_button.clicked.connect(self.request_concern)
        row.addWidget(self.divergence_note, 1)
        row.addWidget(self.comments_button)
        row.addWidget(self.add_action_button)
        row.addWidget(self.concern_button)
        left_layout.addLayout(row)
        left_layout.addWidget(self.divergence_table, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.divergence_splitter = splitter
        return splitter

    def _trend_tab(self) -> QWidget:
        self.since_combo = QComboBox()
        self.since_combo.setAccessibleName("Earlier round to compare with")
        self.since_combo.currentIndexChanged.connect(self._choice_changed)
        since_caption = QLabel("Earlier ro&und:")
        since_caption.setBuddy(self.since_combo)
        self.trend_note = WrappingLabel()
        self.trend_note.setAccessibleName("About the change")
        self.trend_model = TrendModel(self)
        self.trend_table = table_view("Change since the earlier round", self.trend_model)
        self.improvements = QListWidget()
        self.improvements.setAccessibleName("Largest improvements")
        self.declines = QListWidget()
        self.declines.setAccessibleName("Largest declines")
        for widget in (self.improvements, self.declines):
            widget.setWordWrap(True)
        moves = QHBoxLayout()
        for caption, widget in (
            ("Largest improvements", self.improvements),
            ("Largest declines", self.declines),
        ):
            column = QVBoxLayout()
            column.addWidget(heading(caption, 2))
            column.addWidget(widget)
            moves.addLayout(column)
        self.moves = QWidget()
        self.moves.setLayout(moves)
        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        row.addWidget(since_caption)
        row.addWidget(self.since_combo)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.trend_note)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.trend_table)
        splitter.addWidget(self.moves)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.trend_splitter = splitter
        layout.addWidget(splitter, 1)
        return page

    # --- choosing -----------------------------------------------------------------------

    def kind(self) -> AssessmentKind:
        """The kind of response shown."""
        return KINDS[max(self.kind_tabs.currentIndex(), 0)]

    def show_partnership(self, partnership_id: str | None) -> None:
        """Open the overview of a partnership (None: say there is none yet)."""
        self._filling = True
        self.partnership_id = partnership_id
        self.round_combo.clear()
        self.questionnaire_combo.clear()
        self._filling = False
        if partnership_id is None:
            self.title.setText("Partnership overview")
            self._show_message(
                "There is no partnership to compare yet. Start an assessment, or load the "
                "demo partnership from the welcome page, and come back here."
            )
            return
        partnership = self.services.partnership(partnership_id)
        self.title.setText(f"Partnership overview: {partnership.name}")
        self.title.setAccessibleName(self.title.text())
        self._filling = True
        for rnd in self.services.rounds_latest_first(partnership_id):
            self.round_combo.addItem(rnd.name, rnd.id)
        for qid, title in self.services.compared_questionnaires(partnership_id):
            self.questionnaire_combo.addItem(title, qid)
        self._filling = False
        self._round_changed()

    def _round_changed(self) -> None:
        if self._filling:
            return
        self._filling = True
        self.since_combo.clear()
        round_id = self.round_combo.currentData()
        if round_id:
            previous = self.services.previous_round(round_id)
            chosen = self.services.round(round_id)
            for rnd in self.services.rounds_latest_first(chosen.partnership_id):
                if (rnd.opened_on or rnd.created_at, rnd.created_at) < (
                    chosen.opened_on or chosen.created_at,
                    chosen.created_at,
                ):
                    self.since_combo.addItem(rnd.name, rnd.id)
            if previous is not None:
                self.since_combo.setCurrentIndex(max(self.since_combo.findData(previous.id), 0))
        if self.since_combo.count() == 0:
            self.since_combo.addItem("No earlier round", None)
        self.since_combo.setEnabled(self.since_combo.currentData() is not None)
        self._filling = False
        self.rebuild()

    def _choice_changed(self, *args) -> None:
        if not self._filling:
            self.rebuild()

    def rebuild(self) -> None:
        """Build the comparison for the choices made, in the background."""
        if self.partnership_id is None:
            return
        round_id = self.round_combo.currentData()
        questionnaire_id = self.questionnaire_combo.currentData()
        if round_id is None:
            self._show_message(
                "This partnership has no rounds yet. Add a round (New round… on the "
                "assessments page) and its assessments to compare them here."
            )
            return
        if questionnaire_id is None:
            self._show_message(
                "Nobody in this partnership has answered a questionnaire yet, so there is "
                "nothing to compare. Once assessments are submitted, they are compared here."
            )
            return
        since = self.since_combo.currentData() or None
        kind = self.kind()
        self._generation += 1
        generation = self._generation
        db_path = self.services.db_path
        self._set_busy(
            True, f"Building the comparison of {self.questionnaire_combo.currentText()}…"
        )

        def job() -> Comparison:
            # Its own connection: SQLite connections belong to one thread.
            with Services.open(db_path, create=False) as own:
                return own.compare(
                    round_id=round_id, questionnaire_id=questionnaire_id, kind=kind, since=since
                )

        def done(comparison: Comparison) -> None:
            if generation == self._generation:
                self._set_busy(False)
                self.show_comparison(comparison)

        def failed(exc: Exception) -> None:
            if generation == self._generation:
                self._set_busy(False)
                self._show_message(f"The comparison could not be built: {exc}")

        self.jobs.start(job, done, failed)

    def is_busy(self) -> bool:
        """True while a comparison or comments are being read."""
        return self.jobs.is_busy()

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.progress.setVisible(busy)
        self.busy_label.setText(text if busy else "")
        self.busy_label.setVisible(busy)

    def _show_message(self, text: str) -> None:
        self.comparison = None
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message_page)
        self.report_button.setEnabled(False)
        self.export_button.setEnabled(False)
        self.built.emit()

    # --- showing ------------------------------------------------------------------------

    def show_comparison(self, comparison: Comparison) -> None:
        """Fill every tab from a comparison."""
        self.comparison = comparison
        if comparison.empty:
            lines = list(comparison.notes)
            if comparison.anonymity is not None:
                lines.extend(comparison.anonymity.sentences())
                if comparison.anonymity.withheld:
                    lines.insert(
                        0,
                        "Individual views were given, but too few in any group to show "
                        "without identifying someone, so nobody is shown.",
                    )
            lines.append("Choose another round, questionnaire or kind of response above.")
            self._show_message("\n\n".join(lines))
            return
        self.report_button.setEnabled(True)
        self.export_button.setEnabled(True)
        self._fill_headline(comparison)
        self.group_model.set_comparison(comparison)
        self._fit_columns(self.group_table, first=self._text_width("Northshire County Council"))
        self.group_table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self._fill_chart()
        self._fill_heat_map()
        self._fill_divergences(comparison)
        self._fill_trend(comparison)
        self.stack.setCurrentWidget(self.content)
        self._update_open_buttons()
        self.built.emit()

    def _fill_headline(self, c: Comparison) -> None:
        h = c.headline
        kind = KIND_TITLES[KINDS.index(c.kind)]
        self.kind_label.setText(
            f"{kind} to {c.questionnaire.title} in {c.round.name}: "
            f"{c.submitted} submitted and counted."
        )
        self.system_label.setText(c.headline_sentence())
        bands = c.questionnaire.bands
        band = band_of(h.system, bands)
        self.band_chip.setVisible(band is not None)
        if band is not None:
            self.band_chip.setText(band.name)
            self.band_chip.setAccessibleName(f"Band: {band.name}")
            self.band_chip.setStyleSheet(
                f"background: {band_colour(band, bands)}; color: {TEXT_ON_COLOUR};"
                "border-radius: 4px;"
            )
        parts = []
        for sector in Sector:
            if sector in h.by_sector:
                n = h.sector_organisations.get(sector, 0)
                if c.kind == AssessmentKind.INDIVIDUAL:
                    n = next(
                        (
                            col.n
                            for col in c.columns
                            if col.level == "sector" and col.key == sector.value
                        ),
                        n,
                    )
                parts.append(f"{sector.label} {h.by_sector[sector]:.1f} ({group_noun(c.kind, n)})")
            else:
                parts.append(f"{sector.label}: no score")
        self.sectors_label.setText("Sectors: " + "   ·   ".join(parts))
        organisations = len(h.by_organisation)
        if h.plain is not None:
            self.plain_mean_label.setText(
                f"Plain mean of the {organisations} organisation scores: {h.plain:.1f} "
                "(each organisation once, whatever its sector)"
            )
        else:
            self.plain_mean_label.setText("")
        self.coverage_label.setText("Coverage: " + c.coverage.sentence() + ".")
        notes = list(c.notes)
        if c.anonymity is not None:
            notes.extend(c.anonymity.sentences())
        self.notes_label.setText("\n".join(notes))
        self.notes_label.setVisible(bool(notes))
        QTimer.singleShot(0, self, self._fit_headline)
        QTimer.singleShot(0, self, self._balance_splitters)

    def _balance_splitters(self) -> None:
        """Share the width between each table and what sits beside it: the radar needs
        room for its spoke labels (a table's own width would leave it a dot)."""
        for splitter, side in (
            (self.sections_splitter, 0.45),
            (self.statements_splitter, 0.3),
            (self.divergence_splitter, 0.4),
        ):
            total = sum(splitter.sizes()) or self.width()
            right = max(int(total * side), 22 * self.fontMetrics().height())
            right = min(right, int(total * 0.6))
            splitter.setSizes([total - right, right])

    def _fit_headline(self) -> None:
        """Give the headline the height it needs, up to two fifths of the page."""
        total = sum(self.body.sizes())
        if total <= 0:
            return
        self.headline.adjustSize()
        width = self.headline_scroll.viewport().width()
        need = self.headline.heightForWidth(width) if self.headline.hasHeightForWidth() else -1
        if need <= 0:
            need = self.headline.sizeHint().height()
        need += 2 * self.headline_scroll.frameWidth() + 4
        wanted = min(need, int(total * 0.4))
        self.body.setSizes([wanted, total - wanted])

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Keep the headline whole as the width changes."""
        super().resizeEvent(event)
        if self.comparison is not None:
            QTimer.singleShot(0, self, self._fit_headline)
            QTimer.singleShot(0, self, self._balance_splitters)

    def _text_width(self, text: str) -> int:
        return self.fontMetrics().horizontalAdvance(text) + 24

    def _fit_columns(self, view: QTableView, first: int, *, stretch: int | None = None) -> None:
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        view.resizeColumnsToContents()
        model = view.model()
        cap = self._text_width("M" * 14)
        for column in range(model.columnCount()):
            width = view.columnWidth(column)
            if column == 0:
                view.setColumnWidth(column, min(max(width, 80), first))
            elif stretch is not None and column == stretch:
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            else:
                view.setColumnWidth(column, min(width, cap))

    def _fill_chart(self) -> None:
        c = self.comparison
        if c is None:
            return
        sections = c.questionnaire.sections
        if self.chart_view is not None:
            self.chart_holder.removeWidget(self.chart_view)
            self.chart_view.hide()
            self.chart_view.deleteLater()
            self.chart_view = None
        groups = self.group_model.charted_groups()
        if len(sections) < 3:
            self.chart_note.setText(
                "The chart needs three sections or more; the table has them all."
            )
            return
        if not groups:
            self.chart_note.setText("Tick a group in the table to draw it on the chart.")
            return
        self.chart_note.setText("")
        lines = [(g.label, [g.value(s.id) for s in sections]) for g in groups]
        # Shorter spoke labels in a smaller font than the results page: the chart
        # shares the width with the table here.
        chart = radar_chart(
            [short_title(s.title, 20) for s in sections],
            [True] * len(sections),
            lines,
            scaled_font(0.85, base=self.font()),
        )
        chart.setTheme(QChart.ChartTheme.ChartThemeLight)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        order = [g.key for g in self.group_model.groups]
        colour_of = {
            g.label: (LINE_COLOURS[order.index(g.key) % len(LINE_COLOURS)], order.index(g.key))
            for g in groups
        }
        for series in chart.series():
            if isinstance(series, QLineSeries):
                colour, index = colour_of[series.name()]
                pen = QPen(QColor(colour), 2.5)
                pen.setStyle(PEN_STYLES[(index // len(LINE_COLOURS)) % len(PEN_STYLES)])
                series.setPen(pen)
                series.setPointsVisible(True)
                series.setMarkerSize(5)
                series.setColor(pen.color())
        chart.legend().setVisible(True)
        chart.legend().setFont(self.font())
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
        view = QChartView(chart)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        line = self.fontMetrics().height()
        view.setMinimumSize(18 * line, 16 * line)
        view.setAccessibleName("Chart of section scores by group")
        described = "; ".join(
            f"{g.label}: "
            + ", ".join(
                f"{s.title} {g.value(s.id):.1f}" if g.value(s.id) is not None else f"{s.title} none"
                for s in sections
            )
            for g in groups
        )
        view.setAccessibleDescription(f"Radar chart on a scale of 1 to 5. {described}.")
        view.viewport().setAccessibleName("Chart of section scores by group")
        view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.chart_holder.insertWidget(0, view, 1)
        self.chart_view = view

    def heat_groups(self) -> list[Column]:
        """The columns of the heat map: organisations (or anonymised groups), or sectors."""
        c = self.comparison
        if c is None:
            return []
        by_group = [col for col in c.columns if col.level in ("organisation", "folded")]
        if self.by_group.isChecked() and by_group:
            return by_group
        return [col for col in c.columns if col.level in ("system", "sector")]

    def _fill_heat_map(self) -> None:
        c = self.comparison
        if c is None:
            return
        individual = c.kind == AssessmentKind.INDIVIDUAL
        self.by_group.setText("B&y group" if individual else "B&y organisation")
        self.by_group.setAccessibleName(
            "Statements by group" if individual else "Statements by organisation"
        )
        groups = self.heat_groups()
        self.heat_model.set_data(c, groups)
        if self.by_group.isChecked() and not any(
            g.level in ("organisation", "folded") for g in groups
        ):
            self.heat_note.setText(
                "No group is large enough to show on its own; by sector instead."
            )
        else:
            self.heat_note.setText(
                "Each cell is the group's score for the statement, coloured by band. "
                "“split”: the views are split; “changed”: the wording changed between versions."
            )
        self._fit_columns(self.heat_table, first=self._text_width("88.88"), stretch=None)
        self.heat_table.setColumnWidth(1, self._text_width("M" * 26))
        self.heat_table.setColumnWidth(2, self._text_width("split, changed"))
        for column in range(HeatMapModel.FIXED, self.heat_model.columnCount()):
            self.heat_table.setColumnWidth(column, self._text_width("Northshire"))
        header = self.heat_table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap)
        header.setFixedHeight(int(self.fontMetrics().height() * 3.4))
        self.heat_table.horizontalHeader().setMinimumSectionSize(40)
        self.heat_table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self._show_statement(c.statements[0] if c.statements else None)

    def _show_statement_at(self, index: QModelIndex) -> None:
        if index.isValid():
            self._show_statement(index.siblingAtColumn(0).data(ITEM_ROLE))

    def _show_statement(self, row: StatementRow | None) -> None:
        c = self.comparison
        if row is None or c is None:
            self.statement_label.setText("")
            self.dot_plot.set_points({})
            self.statement_words.setText("")
            return
        self.statement_label.setText(f"{row.number} {row.item.statement}")
        per = "organisation" if c.kind == AssessmentKind.ORGANISATION else "respondent"
        lines = []
        for sector in Sector:
            values = row.points.get(sector, ())
            if values:
                mean = sum(values) / len(values)
                lines.append(
                    f"{sector.label}: {len(values)} {per}{'s' if len(values) != 1 else ''}, "
                    f"mean {mean:.1f}"
                )
            else:
                lines.append(f"{sector.label}: no scores")
        spread = row.spread
        summary = (
            f"All together: n {spread.n}, mean {spread.mean:.1f}."
            if spread.mean is not None
            else "No scores."
        )
        words = [summary, consensus_words(spread.consensus, spread.n), *lines]
        if row.dont_know or row.not_applicable:
            words.append(
                f"Don't know: {row.dont_know}; not applicable: {row.not_applicable} (never scored)."
            )
        if row.changed:
            words.append(
                "The statement differs between the questionnaire versions answered: only "
                "answers on the newest version are counted."
            )
        self.dot_plot.set_points(row.points, " ".join(lines))
        self.statement_words.setText("\n".join(words))

    def _fill_divergences(self, c: Comparison) -> None:
        self.divergence_model.set_rows(c.divergences)
        self.divergence_table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self._fit_columns(self.divergence_table, first=self._text_width("Questionnaire"), stretch=1)
        self.comments_list.clear()
        if c.divergences:
            self.comments_title.setText(
                "Choose a row and press Enter (or double-click it) to read the statements "
                "and comments behind the gap."
            )
        else:
            self.comments_title.setText(
                "No two sectors can be compared yet: a gap needs a score from both sides."
            )
        self.divergence_table.setVisible(bool(c.divergences))

    def _fill_trend(self, c: Comparison) -> None:
        t = c.trend
        self.improvements.clear()
        self.declines.clear()
        if t is None:
            self.trend_model.set_rows([], [])
            self.trend_table.hide()
            self.moves.hide()
            self.trend_note.setText("No earlier round to compare with.")
            return
        self.trend_table.show()
        self.moves.show()
        headers = [s.label if s.key != OVERALL else "Overall" for s in t.scopes]
        rows = [("System", "System", [s.trend.system for s in t.scopes])]
        individual = c.kind == AssessmentKind.INDIVIDUAL
        shown_sectors = {col.key for col in c.columns if col.level == "sector"}
        for sector in Sector:
            if individual and sector.value not in shown_sectors:
                continue
            changes = [s.trend.by_sector.get(sector) for s in t.scopes]
            if any(ch is not None for ch in changes):
                rows.append((sector.label, "Sector", [ch or Change(None, None) for ch in changes]))
        if not individual:
            names = c.organisations
            for org_id in sorted(t.overall.matched, key=lambda o: names[o].name.lower()):
                rows.append(
                    (
                        names[org_id].name,
                        "Organisation",
                        [s.trend.by_organisation.get(org_id, Change(None, None)) for s in t.scopes],
                    )
                )
        self.trend_model.set_rows(headers, rows)
        self.trend_table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self._fit_columns(self.trend_table, first=self._text_width("Northshire County Council"))
        sentences = [
            f"The change from {t.previous_round.name} to {c.round.name}, worked out only "
            "over the organisations that answered in both rounds. “moved”: a change of 0.5 "
            "or more either way."
        ]
        if not individual:
            if t.only_before:
                sentences.append(
                    f"Answered in {t.previous_round.name} only: "
                    + ", ".join(o.name for o in t.only_before)
                    + "."
                )
            if t.only_after:
                sentences.append(
                    f"Answered in {c.round.name} only: "
                    + ", ".join(o.name for o in t.only_after)
                    + "."
                )
        else:
            sentences.append(
                f"Individual views are shown by sector only, and only for sectors with "
                f"{MIN_GROUP} or more respondents."
            )
        if t.changed_items:
            sentences.append(
                f"{len(t.changed_items)} statements differ between the versions and are left "
                "out of the change."
            )
        self.trend_note.setText(" ".join(sentences))
        for widget, moves, empty in (
            (self.improvements, t.improvements, "No score went up."),
            (self.declines, t.declines, "No score went down."),
        ):
            if not moves:
                widget.addItem(empty)
            for m in moves:
                widget.addItem(
                    f"{m.who}, {m.scope_label}: {m.before:.1f} to {m.after:.1f} "
                    f"({signed(m.change)})"
                )

    # --- acting -------------------------------------------------------------------------

    def _update_open_buttons(self, *args) -> None:
        organisation_view = self.comparison is not None and self.comparison.kind == (
            AssessmentKind.ORGANISATION
        )
        group = self.group_table.currentIndex().siblingAtColumn(0).data(COLUMN_ROLE)
        self.open_group_button.setVisible(organisation_view)
        self.open_group_button.setEnabled(
            organisation_view and group is not None and group.level == "organisation"
        )
        item = self.comments_list.currentItem()
        self.open_comment_button.setVisible(organisation_view)
        self.open_comment_button.setEnabled(
            organisation_view and item is not None and bool(item.data(Qt.ItemDataRole.UserRole))
        )
        self.comments_button.setEnabled(bool(self.divergence_model.rows))
        self.add_action_button.setEnabled(bool(self.divergence_model.rows))
        self.concern_button.setEnabled(bool(self.divergence_model.rows))

    def _open_group(self, index: QModelIndex) -> None:
        c = self.comparison
        if c is None or c.kind != AssessmentKind.ORGANISATION or not index.isValid():
            return
        group: Column = index.siblingAtColumn(0).data(COLUMN_ROLE)
        if group is None or group.level != "organisation":
            return
        try:
            summaries = [
                s
                for s in self.services.list_assessments(
                    round_id=c.round.id,
                    organisation_id=group.key,
                    questionnaire_id=c.questionnaire.id,
                )
                if s.assessment.kind == AssessmentKind.ORGANISATION
                and s.assessment.status == AssessmentStatus.SUBMITTED
            ]
        except StoreError as exc:
            self.dialogs.warn("The assessment could not be opened", str(exc))
            return
        if not summaries:
            self.dialogs.inform(
                "Nothing to open", f"{group.label} has no submitted response here any more."
            )
            return
        chosen = 0
        if len(summaries) > 1:
            picked = self.dialogs.item(
                "Open assessment",
                f"{group.label} has {len(summaries)} responses; which one?",
                [s.assessment.respondent_label for s in summaries],
            )
            if picked is None:
                return
            chosen = picked
        self.open_assessment_requested.emit(summaries[chosen].assessment.id)

    def _open_comment(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        assessment_id = item.data(Qt.ItemDataRole.UserRole)
        c = self.comparison
        if assessment_id and c is not None and c.kind == AssessmentKind.ORGANISATION:
            self.open_assessment_requested.emit(assessment_id)

    def action_preset(self) -> dict | None:
        """What an action on the selected gap answers: the round, the questionnaire, and
        the gap's statement or section; with the gap in words."""
        c = self.comparison
        index = self.divergence_table.currentIndex()
        if c is None or not index.isValid():
            return None
        d: Divergence = index.siblingAtColumn(0).data(ITEM_ROLE)
        preset = {"round_id": c.round.id, "questionnaire_id": c.questionnaire.id}
        if d.scope == "statement":
            preset["item_id"] = d.key
        elif d.scope == "section":
            preset["section_id"] = d.key
        preset["context"] = f"On the gap: {d.label} — {sectors_text(d)}: {signed(d.gap.gap)}"
        return preset

    def concern_preset(self) -> dict | None:
        """The selected gap's round, questionnaire and section or statement, to mark as a
        concern (for the questionnaire as a whole, the dialog asks which section or
        statement: a concern names one)."""
        preset = self.action_preset()
        if preset is not None:
            preset.pop("context", None)
        return preset

    def request_concern(self) -> None:
        """Mark as a concern…: ask the window for the concern dialog on the selected gap."""
        preset = self.concern_preset()
        if preset is not None:
            self.concern_requested.emit(preset)

    def request_action(self) -> None:
        """Add action…: ask the window for the action dialog on the selected gap."""
        preset = self.action_preset()
        if preset is not None:
            self.action_requested.emit(preset)

    def divergence_items(self, d: Divergence) -> list[str]:
        """The statements behind a gap: the statement itself; a section's statements;
        for the questionnaire, the statements whose same gap is flagged (else all)."""
        c = self.comparison
        if c is None:
            return []
        if d.scope == "statement":
            return [d.key]
        if d.scope == "section":
            return [i.id for s in c.questionnaire.sections if s.id == d.key for i in s.items]
        pair = (d.gap.first, d.gap.second)
        flagged = [
            row.item.id
            for row in c.statements
            if any((g.first, g.second) == pair and g.flagged for g in row.gaps)
        ]
        return flagged or [i.id for i in c.questionnaire.items]

    def show_comments(self, index: QModelIndex) -> None:
        """The statements and comments behind the divergence in a row, read in the
        background (organisation responses by name; individual views without names)."""
        c = self.comparison
        if c is None or not index.isValid():
            return
        d: Divergence = index.siblingAtColumn(0).data(ITEM_ROLE)
        items = self.divergence_items(d)
        self.comments_title.setText(
            f"{d.label} — {sectors_text(d)}: {signed(d.gap.gap)}"
            if d.gap.gap is not None
            else d.label
        )
        self.comments_list.clear()
        self.comments_list.addItem("Reading the comments…")
        db_path = self.services.db_path
        self._set_busy(True, "Reading the comments…")

        def job() -> list[ComparisonComment]:
            with Services.open(db_path, create=False) as own:
                return own.divergence_comments(c, items)

        def done(comments: list[ComparisonComment]) -> None:
            self._set_busy(False)
            if self.comparison is c:
                self._fill_comments(c, d, items, comments)

        def failed(exc: Exception) -> None:
            self._set_busy(False)
            self.comments_list.clear()
            self.comments_list.addItem(f"The comments could not be read: {exc}")

        self.jobs.start(job, done, failed)

    def _fill_comments(
        self,
        c: Comparison,
        d: Divergence,
        items: list[str],
        comments: list[ComparisonComment],
    ) -> None:
        self.comments_list.clear()
        rows = {row.item.id: row for row in c.statements}
        pair = (d.gap.first, d.gap.second)
        by_item: dict[str, list[ComparisonComment]] = {}
        for comment in comments:
            by_item.setdefault(comment.item_id, []).append(comment)
        bold = self.font()
        bold.setBold(True)
        for item_id in items:
            row = rows.get(item_id)
            if row is None:
                continue
            gap = next((g for g in row.gaps if (g.first, g.second) == pair), None)
            gap_text = ""
            if gap is not None and gap.gap is not None:
                gap_text = (
                    f" — {gap.first.label} {gap.first_score:.1f} (n {gap.first_n}), "
                    f"{sector_name(gap.second)} {gap.second_score:.1f} (n {gap.second_n}), "
                    f"gap {signed(gap.gap)}"
                )
            head = QListWidgetItem(f"{row.number} {row.item.statement}{gap_text}")
            head.setFont(bold)
            self.comments_list.addItem(head)
            found = by_item.get(item_id, [])
            if not found:
                self.comments_list.addItem("    No comments on this statement.")
            for comment in found:
                entry = QListWidgetItem(f"    {comment.who} ({comment.answer}): {comment.comment}")
                entry.setData(Qt.ItemDataRole.UserRole, comment.assessment_id)
                if comment.assessment_id:
                    entry.setToolTip("Enter opens this organisation's assessment")
                self.comments_list.addItem(entry)
        if c.kind == AssessmentKind.INDIVIDUAL:
            note = QListWidgetItem(
                f"Individual comments are shown without names, and only from sectors with "
                f"{MIN_GROUP} or more respondents here."
            )
            self.comments_list.addItem(note)
        self._update_open_buttons()
        self.comments_shown.emit()

    def request_report(self) -> None:
        """Report…: the comparison PDF, previewed in the report page."""
        if self.comparison is None:
            return
        self.report_requested.emit(self.comparison)

    def export(self) -> Path | None:
        """Export…: the comparison's figures to CSV or Excel, written in the background."""
        c = self.comparison
        if c is None:
            return None
        folder = self.settings.value("folders/exports")
        start = Path(folder) if folder and Path(folder).is_dir() else Path.home()
        name = suggested_name(
            c.partnership.name, c.questionnaire.title, c.round.name, suffix=".xlsx"
        )
        target = self.dialogs.save_path("Export the comparison", start / name, EXPORT_FILTER)
        if target is None:
            return None
        if target.suffix.lower() not in (".csv", ".xlsx"):
            target = target.with_name(target.name + ".xlsx")
        db_path = self.services.db_path
        self._set_busy(True, "Exporting…")

        def job():
            with Services.open(db_path, create=False) as own:
                return own.export_comparison(c, target)

        def done(_: object) -> None:
            self._set_busy(False)
            self.settings.setValue("folders/exports", str(target.parent))
            self.dialogs.inform("Exported", f"The comparison was saved as {target}.")

        def failed(exc: Exception) -> None:
            self._set_busy(False)
            self.dialogs.warn("The comparison was not exported", str(exc))

        self.jobs.start(job, done, failed)
        return target

    def select_tab(self, index: int) -> None:
        """Show one of the tabs (0 sections, 1 statements, 2 divergence, 3 trend)."""
        self.tabs.setCurrentIndex(index)
