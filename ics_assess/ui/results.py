"""The results page: one assessment's overall score, its sections and a chart of them.

The page only arranges widgets and reads Services: every number comes from
``ics_assess.scoring`` (through ``AssessmentDetail.score``) and is rounded only for
display, as docs/scoring.md promises. Colour is never the only signal: every band
colour sits beside the band's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..domain import SCALE_MAX, SCALE_MIN, Answer, AssessmentStatus, Band, Section
from ..palette import ACCENT, NEUTRAL, TEXT_ON_COLOUR, band_colour
from ..scoring import SectionScore, band_for, position_in_band, section_score
from ..services import AssessmentDetail, Services
from .charts import radar_chart, short_title
from .widgets import plain_label, scaled_font

QWIDGETSIZE_MAX = (1 << 24) - 1
TARGET_SERIES_NAME = "Where we want to be"
SCORE_SERIES_NAME = "Score"
CHART_MIN = QSize(440, 340)
"""The chart's least size at the usual font; a larger font needs more (chart_minimum)."""
COLUMNS = (
    "Section",
    "Score",
    "Percent",
    "Band",
    "Rated",
    "Don't know",
    "Not applicable",
    "Unanswered",
)


def mean_text(mean: float | None) -> str:
    """A 1-5 mean for display, as the command line prints it."""
    return "Not enough answers" if mean is None else f"{mean:.2f}"


def position_words(pct: float, bands: Sequence[Band]) -> str:
    """Where a percent sits in its band, in words: 'in the lower third of Developing'."""
    position = position_in_band(pct, bands)
    third = "lower" if position < 1 / 3 else "middle" if position < 2 / 3 else "upper"
    return f"in the {third} third of {band_for(pct, bands).name}"


def target_scores(detail: AssessmentDetail) -> list[SectionScore | None] | None:
    """Per section, the weighted mean of the targets given ("where we want to be"), with
    reverse statements turned round by the scoring module, or None for a section with no
    target. None overall when the assessment has no targets at all.

    Unlike a score, a target is an aspiration: it is the mean of the targets that were
    given, without the "half the weight" rule.
    """
    targets = {
        item_id: Answer(item_id, rating=answer.target)
        for item_id, answer in detail.answers.items()
        if answer.target is not None
    }
    if not targets:
        return None
    result: list[SectionScore | None] = []
    for section in detail.questionnaire.sections:
        items = tuple(item for item in section.items if item.id in targets)
        if not items:
            result.append(None)
            continue
        only = Section(section.id, section.title, items)
        result.append(section_score(only, targets, detail.questionnaire.bands))
    return result


class BandBar(QWidget):
    """A thin bar across a questionnaire's bands with a marker at one percent."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._bands: tuple[Band, ...] = ()
        self._percent: float | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Position within the bands")

    def set_value(self, percent: float | None, bands: Sequence[Band]) -> None:
        """Show ``percent`` (0-100) against ``bands``; None draws the bands alone."""
        self._percent, self._bands = percent, tuple(bands)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        line = self.fontMetrics().height()
        return QSize(30 * line, round(2.6 * line))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        """Wide enough for every band's name to fit under it (within reason)."""
        metrics = self.fontMetrics()
        line = metrics.height()
        need = 16 * line
        lower = 0.0
        for band in self._bands:
            upper = band.below if band.below is not None else 100.0
            if upper > lower:
                fits = (metrics.horizontalAdvance(band.name) + 6) * 100 / (upper - lower)
                need = max(need, round(fits + 1.2 * line))
            lower = upper
        return QSize(min(need, 30 * line), self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        """A marker above the bar, the coloured bands, their names below."""
        if not self._bands:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        line = metrics.height()
        marker = line * 0.6
        bar = QRectF(marker, marker, self.width() - 2 * marker, line * 0.6)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        lower = 0.0
        for band in self._bands:
            upper = band.below if band.below is not None else 100.0
            left = bar.left() + bar.width() * lower / 100
            cell = QRectF(left, bar.top(), bar.width() * (upper - lower) / 100, bar.height())
            painter.fillRect(cell, QColor(band_colour(band, self._bands)))
            painter.setPen(text)
            name = metrics.elidedText(band.name, Qt.TextElideMode.ElideRight, int(cell.width()) - 2)
            below = QRectF(cell.left(), bar.bottom() + 1, cell.width(), line)
            painter.drawText(below, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, name)
            lower = upper
        if self._percent is not None:
            x = bar.left() + bar.width() * min(100.0, max(0.0, self._percent)) / 100
            painter.setPen(QPen(text, 2))
            painter.drawLine(QPointF(x, bar.top()), QPointF(x, bar.bottom()))
            painter.setBrush(text)
            painter.drawPolygon(
                QPolygonF(
                    [QPointF(x - marker / 2, 0), QPointF(x + marker / 2, 0), QPointF(x, marker)]
                )
            )
        painter.end()


class ResultsPage(QWidget):
    """One assessment's results: header, overall score, section table and chart.

    Call ``show_assessment`` to load an assessment, and again to refresh it. Later pages
    add their buttons to ``actions_row``.
    """

    back_requested = Signal(str)
    home_requested = Signal()
    report_requested = Signal(str)  # assessment id: its PDF report
    organisation_report_requested = Signal(str)  # assessment id: its organisation's report
    overview_requested = Signal()  # back to the partnership overview it was opened from
    # Add action…: what the action answers (round, organisation, questionnaire, the
    # section selected in the table), for the action dialog.
    action_requested = Signal(dict)

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self._assessment_id: str | None = None
        self.detail: AssessmentDetail | None = None
        self.chart_view: QChartView | None = None

        base = self.font()
        self.title_label = self._label(scaled_font(1.5, bold=True, base=base))
        self.who_label = self._label()
        self.status_label = self._label()
        self.status_label.setObjectName("resultsStatus")

        self.overall_heading = self._label(scaled_font(1.15, bold=True, base=base), "Overall score")
        self.score_label = self._label(scaled_font(2.2, bold=True, base=base))
        self._score_fonts = (self.score_label.font(), scaled_font(1.5, bold=True, base=base))
        self.percent_label = self._label(scaled_font(1.5, base=base))
        self.band_chip = self._label(scaled_font(1.15, bold=True, base=base))
        self.band_chip.setMargin(max(4, base.pointSize() // 2))
        self.position_label = self._label()
        # What the band looks like for this questionnaire, when its file says (1.1 on).
        self.band_descriptor_label = self._label()
        self.band_descriptor_label.setObjectName("bandDescriptor")
        self.band_bar = BandBar()
        self.not_enough_label = self._label()
        self.based_on_label = self._label()

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.setAccessibleName("Section scores")
        self.table.setTabKeyNavigation(False)  # Tab leaves for the buttons; arrows move within
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Once the header has settled, row heights follow the wrapped section titles.
        header.sectionResized.connect(lambda *_: QTimer.singleShot(0, self, self._fit_table))
        self.unreported_label = self._label()
        self.chart_note = self._label()

        self._build_layout()

    # --- building ----------------------------------------------------------------------

    def _label(self, font: QFont | None = None, text: str = "") -> QLabel:
        label = plain_label(text)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if font is not None:
            label.setFont(font)
        return label

    def _build_layout(self) -> None:
        self.summary = QFrame()
        self.summary.setFrameShape(QFrame.Shape.StyledPanel)
        line = self.fontMetrics().height()
        numbers = QHBoxLayout()
        numbers.addWidget(self.score_label)
        numbers.addSpacing(line)
        numbers.addWidget(self.percent_label)
        numbers.addSpacing(line)
        numbers.addWidget(self.band_chip)
        numbers.addStretch(1)
        summary_layout = QVBoxLayout(self.summary)
        summary_layout.addWidget(self.overall_heading)
        summary_layout.addLayout(numbers)
        summary_layout.addWidget(self.band_bar)
        summary_layout.addWidget(self.position_label)
        summary_layout.addWidget(self.band_descriptor_label)
        summary_layout.addWidget(self.not_enough_label)
        summary_layout.addWidget(self.based_on_label)
        summary_layout.addStretch(1)

        # Summary beside the chart when there is room, the chart below it when not.
        self.chart_box = QVBoxLayout()
        self.chart_box.addWidget(self.chart_note)
        self.top_row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        summary_column = QVBoxLayout()
        summary_column.addWidget(self.summary)
        summary_column.addStretch(1)
        self.top_row.addLayout(summary_column, 0)
        self.top_row.addLayout(self.chart_box, 1)

        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(self.title_label)
        column.addWidget(self.who_label)
        column.addWidget(self.status_label)
        column.addLayout(self.top_row, 1)
        column.addWidget(self.table)
        column.addWidget(self.unreported_label)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(content)
        self.scroll.setAccessibleName("Results")

        self.back_button = QPushButton("&Back to the assessment")
        self.back_button.setAccessibleName("Back to the assessment")
        self.back_button.clicked.connect(self._go_back)
        self.home_button = QPushButton("A&ll assessments")
        self.home_button.setAccessibleName("All assessments")
        self.home_button.clicked.connect(self.home_requested)
        self.overview_button = QPushButton("Back to the &overview")
        self.overview_button.setAccessibleName("Back to the overview")
        self.overview_button.clicked.connect(self.overview_requested)
        self.overview_button.hide()
        self.actions_row = QHBoxLayout()
        self.report_button = QPushButton("&Report…")
        self.report_button.setAccessibleName("Report")
        self.report_button.setToolTip("The scored PDF report of this assessment")
        self.report_button.clicked.connect(self._request(self.report_requested))
        self.organisation_report_button = QPushButton("Or&ganisation report…")
        self.organisation_report_button.setAccessibleName("Organisation report")
        self.organisation_report_button.setToolTip(
            "Every questionnaire this organisation answered in this round, in one PDF"
        )
        self.organisation_report_button.clicked.connect(
            self._request(self.organisation_report_requested)
        )
        self.add_action_button = QPushButton("Add &action…")
        self.add_action_button.setAccessibleName("Add action")
        self.add_action_button.setToolTip(
            "An improvement action for this organisation, on the section selected in the "
            "table or one of its statements"
        )
        self.add_action_button.clicked.connect(self.request_action)
        self.actions_row.addWidget(self.add_action_button)
        self.actions_row.addWidget(self.organisation_report_button)
        self.actions_row.addWidget(self.report_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.overview_button)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.home_button)
        buttons.addStretch(1)
        buttons.addLayout(self.actions_row)

        outer = QVBoxLayout(self)
        outer.addWidget(self.scroll, 1)
        outer.addLayout(buttons)

    def _request(self, signal):
        def emit() -> None:
            if self._assessment_id is not None:
                signal.emit(self._assessment_id)

        return emit

    def _go_back(self) -> None:
        if self._assessment_id is not None:
            self.back_requested.emit(self._assessment_id)

    def action_preset(self) -> dict | None:
        """What an action added here answers: the assessment's round, organisation and
        questionnaire, and the section selected in the table (if any)."""
        if self.detail is None:
            return None
        a = self.detail.assessment
        preset = {
            "round_id": a.round_id,
            "organisation_id": a.organisation_id,
            "questionnaire_id": a.questionnaire_id,
        }
        row = self.table.currentRow()
        sections = self.detail.score.sections
        if 0 <= row < len(sections) and self.table.selectedItems():
            preset["section_id"] = sections[row].section_id
        return preset

    def request_action(self) -> None:
        """Add action…: ask the window for the action dialog."""
        preset = self.action_preset()
        if preset is not None:
            self.action_requested.emit(preset)

    # --- public ------------------------------------------------------------------------

    def set_from_overview(self, from_overview: bool) -> None:
        """Offer "Back to the overview" (opened from the partnership overview) or not."""
        self.overview_button.setVisible(from_overview)
        if from_overview:
            self.overview_button.setDefault(True)

    def assessment_id(self) -> str | None:
        """The id of the assessment shown, or None before the first ``show_assessment``."""
        return self._assessment_id

    def show_assessment(self, assessment_id: str) -> None:
        """Load (or reload) an assessment and show its results.

        Errors from Services (an unknown id, an unreadable questionnaire) propagate.
        """
        detail = self.services.detail(assessment_id)
        self._assessment_id = assessment_id
        self.detail = detail
        self._fill_header(detail)
        self._fill_summary(detail)
        self._fill_table(detail)
        self._fill_chart(detail)
        self._arrange()

    # --- filling -----------------------------------------------------------------------

    def _fill_header(self, detail: AssessmentDetail) -> None:
        q, a = detail.questionnaire, detail.assessment
        self.title_label.setText(f"{q.title} (version {q.version})")
        respondent = a.respondent_label
        if a.respondent_name and a.respondent_role:
            respondent += f", {a.respondent_role}"
        org = detail.organisation
        self.who_label.setText(
            f"{org.name} ({org.partner_type.label}) · Round: {detail.round.name} · "
            f"Respondent: {respondent}"
        )
        total = len(q.items)
        if a.status is AssessmentStatus.DRAFT:
            self.status_label.setText(
                f"Draft — results so far. {detail.answered} of {total} statements "
                "answered; the scores will change as more are answered."
            )
        else:
            when = ""
            if a.submitted_at:
                day = datetime.fromisoformat(a.submitted_at).astimezone()
                when = f" on {day.day} {day:%B %Y}"
            self.status_label.setText(
                f"Submitted{when}. {detail.answered} of {total} statements answered."
            )

    def _fill_summary(self, detail: AssessmentDetail) -> None:
        score, bands = detail.score, detail.questionnaire.bands
        scored = score.mean is not None and score.percent is not None
        for widget in (self.percent_label, self.band_chip, self.band_bar, self.position_label):
            widget.setVisible(scored)
        self.band_descriptor_label.setVisible(False)  # shown below once there is a band
        self.not_enough_label.setVisible(not scored)
        self.score_label.setFont(self._score_fonts[0 if scored else 1])
        # A score resting on fewer than all the sections says so in its heading.
        heading = "Overall score (provisional)" if score.provisional else "Overall score"
        self.overall_heading.setText(heading)
        self.overall_heading.setAccessibleName(heading)
        if score.mean is None or score.percent is None or score.band is None:
            self.score_label.setText("Not enough answers to score yet")
            self.not_enough_label.setText(
                "A section gets a score once statements carrying at least half of its "
                "weight are rated (“Don't know” and “Not applicable” do not count). "
                "The overall score is the average of the scored sections."
            )
            self.band_bar.set_value(None, bands)
            self.based_on_label.setText("")
            return
        self.score_label.setText(f"{score.mean:.2f} of 5")
        self.percent_label.setText(f"{score.percent:.0f}%")
        self.band_chip.setText(score.band.name)
        self.band_chip.setStyleSheet(
            f"background: {band_colour(score.band, bands)}; color: {TEXT_ON_COLOUR};"
            "border-radius: 4px;"
        )
        self.band_chip.setAccessibleName(f"Band: {score.band.name}")
        where = position_words(score.percent, bands)
        self.position_label.setText(f"The overall score is {where}.")
        descriptor = score.band.descriptor
        self.band_descriptor_label.setText(
            f"What {score.band.name} looks like: {descriptor}" if descriptor else ""
        )
        self.band_descriptor_label.setVisible(bool(descriptor))
        self.band_bar.set_value(score.percent, bands)
        total, left_out = len(score.sections), len(score.unreported)
        if left_out:
            self.based_on_label.setText(
                f"Provisional: {score.basis}. The average of the scored sections; "
                f"{left_out} {'has' if left_out == 1 else 'have'} too few answers to score "
                "(see below)."
            )
        else:
            self.based_on_label.setText(
                f"The average of the {total} section scores, each counting equally."
            )
        self.band_bar.setAccessibleDescription(
            f"{score.percent:.0f}%, {where}. Bands: "
            + ", ".join(_band_range(band, bands) for band in bands)
            + "."
        )

    def _fill_table(self, detail: AssessmentDetail) -> None:
        bands = detail.questionnaire.bands
        sections = detail.score.sections
        self.table.setRowCount(len(sections))
        for row, s in enumerate(sections):
            band = s.band.name if s.band else ""
            cells = [
                s.title,
                mean_text(s.mean),
                f"{s.percent:.0f}%" if s.percent is not None else "",
                band,
                str(s.rated),
                str(s.dont_know),
                str(s.not_applicable),
                str(s.unanswered),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column > 0:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(row, column, item)
            if s.band is not None:
                band_item = self.table.item(row, 3)
                band_item.setBackground(QColor(band_colour(s.band, bands)))
                band_item.setForeground(QColor(TEXT_ON_COLOUR))
        self._fit_table()
        self.table.setAccessibleDescription(
            f"{len(sections)} sections, with score, percent, band and answer counts."
        )
        missing = detail.score.unreported
        self.unreported_label.setVisible(bool(missing))
        if missing:
            names = "; ".join(f"{s.title} ({s.rated} of {_count(s)} rated)" for s in missing)
            self.unreported_label.setText(
                f"Not enough answers, so left out of the overall score: {names}. A section "
                "needs statements carrying at least half of its weight rated."
            )

    def _fill_chart(self, detail: AssessmentDetail) -> None:
        sections = detail.score.sections
        targets = target_scores(detail)
        if len(sections) >= 3:
            chart = _radar_chart(sections, targets, self.font())
        else:
            chart = _bar_chart(sections, targets, self.font())
        chart.setTheme(QChart.ChartTheme.ChartThemeLight)
        _style_series(chart)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.legend().setVisible(targets is not None)
        chart.legend().setFont(self.font())
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        view = QChartView(chart)
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumSize(self.chart_minimum())
        view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        view.setAccessibleName("Chart of section scores")
        view.setAccessibleDescription(_describe(sections, targets))
        view.viewport().setAccessibleName("Chart of section scores")
        if self.chart_view is not None:
            self.chart_box.removeWidget(self.chart_view)
            self.chart_view.hide()
            self.chart_view.deleteLater()
        self.chart_box.insertWidget(0, view, 1)
        self.chart_view = view
        unscored = [s.title for s in sections if not s.reported]
        self.chart_note.setVisible(bool(unscored))
        if len(unscored) == len(sections):
            note = "No section has enough answers for a score yet, so no score is drawn."
        elif len(sections) >= 3:
            note = "A section marked “not scored” has too few answers, so the line has a gap there."
        else:
            note = "A section marked “not scored” has too few answers, so it has no bar."
        self.chart_note.setText(note)

    # --- layout ------------------------------------------------------------------------

    def chart_minimum(self) -> QSize:
        """The chart's least size: CHART_MIN, or more with a large font, whose spoke labels
        otherwise take the room and squeeze the radar to a dot (seen at 150%)."""
        metrics = self.fontMetrics()
        return QSize(
            max(CHART_MIN.width(), 72 * metrics.averageCharWidth()),
            max(CHART_MIN.height(), 22 * metrics.height()),
        )

    def _arrange(self) -> None:
        """The summary beside the chart when both fit side by side, else above it."""
        room = self.summary.minimumSizeHint().width() + self.chart_minimum().width() + 60
        wide = self.width() >= room
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.top_row.direction() != direction:
            self.top_row.setDirection(direction)
        # Beside the chart it stays a readable column; above it, it takes the width.
        line = self.fontMetrics().height()
        self.summary.setMaximumWidth(36 * line if wide else QWIDGETSIZE_MAX)
        if self.chart_view is not None:
            # Below the summary the page scrolls: the radar may be as tall as it is
            # wide, which its labels above and below need with a large font.
            least = self.chart_minimum()
            self.chart_view.setMinimumHeight(least.height() if wide else 32 * line)

    def _fit_table(self) -> None:
        """Make the table as tall as its rows, so the page scrolls rather than the table."""
        self.table.resizeRowsToContents()
        height = self.table.horizontalHeader().sizeHint().height() + 2 * self.table.frameWidth()
        height += sum(self.table.rowHeight(row) for row in range(self.table.rowCount()))
        self.table.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        """Put the summary beside the chart or above it, to suit the new width."""
        super().resizeEvent(event)
        self._arrange()


# --- charts (module functions: they read scores and build Qt objects, nothing more) -----


def _count(s: SectionScore) -> int:
    return s.rated + s.dont_know + s.not_applicable + s.unanswered


def _band_range(band: Band, bands: Sequence[Band]) -> str:
    index = list(bands).index(band)
    lower = bands[index - 1].below if index > 0 else 0
    upper = band.below
    if upper is None:
        return f"{band.name} {lower:g}% and above"
    return f"{band.name} {lower:g}% to {upper:g}%"


def _radar_chart(
    sections: Sequence[SectionScore], targets: Sequence[SectionScore | None] | None, font: QFont
) -> QChart:
    lines = [(SCORE_SERIES_NAME, [s.mean for s in sections])]
    if targets is not None:
        lines.append((TARGET_SERIES_NAME, [t.mean if t else None for t in targets]))
    return radar_chart([s.title for s in sections], [s.reported for s in sections], lines, font)


def _bar_chart(
    sections: Sequence[SectionScore], targets: Sequence[SectionScore | None] | None, font: QFont
) -> QChart:
    chart = QChart()
    series = QHorizontalBarSeries()
    # Qt draws the first category at the bottom; reverse so the first section is on top.
    sets = [(SCORE_SERIES_NAME, [s.mean for s in reversed(sections)])]
    if targets is not None:
        sets.append((TARGET_SERIES_NAME, [t.mean if t else None for t in reversed(targets)]))
    for name, values in sets:
        bar_set = QBarSet(name)
        # A missing score is a zero-length bar: the axis starts at 1, so nothing is drawn.
        bar_set.append([value if value is not None else 0.0 for value in values])
        series.append(bar_set)
    chart.addSeries(series)
    categories = QBarCategoryAxis()
    categories.append(
        [short_title(s.title) + ("" if s.reported else " (not scored)") for s in reversed(sections)]
    )
    values = QValueAxis()
    values.setRange(SCALE_MIN, SCALE_MAX)
    values.setTickCount(SCALE_MAX - SCALE_MIN + 1)
    values.setLabelFormat("%d")
    for axis, edge in (
        (categories, Qt.AlignmentFlag.AlignLeft),
        (values, Qt.AlignmentFlag.AlignBottom),
    ):
        axis.setLabelsFont(font)
        chart.addAxis(axis, edge)
        series.attachAxis(axis)
    return chart


def _style_series(chart: QChart) -> None:
    """The score in the accent colour with points; the target dashed and grey."""
    for series in chart.series():
        if isinstance(series, QLineSeries):
            target = series.name() == TARGET_SERIES_NAME
            pen = QPen(QColor(NEUTRAL if target else ACCENT), 2.5)
            if target:
                pen.setStyle(Qt.PenStyle.DashLine)
            series.setPen(pen)
            series.setPointsVisible(True)
            series.setMarkerSize(4 if target else 5)
            series.setColor(pen.color())
        elif isinstance(series, QHorizontalBarSeries):
            for bar_set in series.barSets():
                colour = NEUTRAL if bar_set.label() == TARGET_SERIES_NAME else ACCENT
                bar_set.setColor(QColor(colour))


def _describe(
    sections: Sequence[SectionScore], targets: Sequence[SectionScore | None] | None
) -> str:
    """The chart in words, for screen readers."""
    kind = "Radar chart" if len(sections) >= 3 else "Bar chart"
    parts = [f"{kind} of {len(sections)} section scores on a scale of 1 to 5."]
    for index, s in enumerate(sections):
        if s.mean is not None and s.band is not None:
            text = f"{s.title}: {s.mean:.2f} of 5, {s.band.name}"
        else:
            text = f"{s.title}: not enough answers, not drawn"
        target = targets[index] if targets is not None else None
        if target is not None and target.mean is not None:
            text += f"; where we want to be {target.mean:.2f}"
        parts.append(text + ".")
    return " ".join(parts)
