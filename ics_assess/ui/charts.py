"""Charts shared by the pages: the radar of section scores (one assessment's results,
and the overview's groups), built with QtCharts from plain numbers."""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence

from PySide6.QtCharts import QCategoryAxis, QLineSeries, QPolarChart, QValueAxis
from PySide6.QtCore import QMargins
from PySide6.QtGui import QFont, QFontMetrics

from .. import labels
from ..domain import SCALE_MAX, SCALE_MIN

LABEL_LIMIT = 28
"""Section titles longer than this are shortened on the chart (the tables have them whole)."""


def short_title(title: str, limit: int = LABEL_LIMIT) -> str:
    """``title`` shortened to fit a chart label (see labels.short_title)."""
    return labels.short_title(title, limit)


def axis_label(title: str, scored: bool = True) -> str:
    """A chart label: shortened, wrapped on two lines, marked when the section has no score."""
    lines = [html.escape(line) for line in textwrap.wrap(short_title(title), 18)]
    if not scored:
        lines.append("<i>(not scored)</i>")
    return "<br>".join(lines)


def runs(values: Sequence[float | None]) -> list[list[tuple[float, float]]]:
    """The polar points of each unbroken run of values, at angles 0..n-1; a run reaching
    the last section continues to angle n (the first section again) when it has a value,
    which closes the shape when every section has one."""
    n = len(values)
    found: list[list[tuple[float, float]]] = []
    current: list[tuple[float, float]] = []
    for index, value in enumerate(values):
        if value is None:
            if current:
                found.append(current)
            current = []
            continue
        current.append((float(index), value))
    if current:
        if values[0] is not None and n > 1:
            current.append((float(n), values[0]))
        found.append(current)
    return found


def radar_chart(
    titles: Sequence[str],
    scored: Sequence[bool],
    lines: Sequence[tuple[str, Sequence[float | None]]],
    font: QFont,
) -> QPolarChart:
    """A radar of 1-5 scores: one spoke per title (marked "not scored" where ``scored``
    is False), one line per (name, values); a missing value leaves a gap in its line,
    and a line cut into pieces keeps one legend entry."""
    chart = QPolarChart()
    angular = QCategoryAxis()
    angular.setRange(0, len(titles))
    angular.setStartValue(-0.5)
    angular.setLabelsPosition(QCategoryAxis.AxisLabelsPosition.AxisLabelsPositionOnValue)
    texts = [axis_label(title, ok) for title, ok in zip(titles, scored, strict=True)]
    for index, label in enumerate(texts):
        angular.append(label, index)
    # Qt leaves one line for a label above or below the circle, however many lines it
    # has; give the extra lines of labels near the top and bottom room in the margins.
    line = QFontMetrics(font).height()
    top = bottom = 0
    for index, label in enumerate(texts):
        upward = math.cos(2 * math.pi * index / len(texts))
        if upward > 0.5:
            top = max(top, label.count("<br>"))
        elif upward < -0.5:
            bottom = max(bottom, label.count("<br>"))
    chart.setMargins(QMargins(line, line // 2 + top * line, line, line // 2 + bottom * line))
    radial = QValueAxis()
    radial.setRange(SCALE_MIN, SCALE_MAX)
    radial.setTickCount(SCALE_MAX - SCALE_MIN + 1)
    radial.setLabelFormat("%d")
    for axis in (angular, radial):
        axis.setLabelsFont(font)
    chart.addAxis(angular, QPolarChart.PolarOrientation.PolarOrientationAngular)
    chart.addAxis(radial, QPolarChart.PolarOrientation.PolarOrientationRadial)
    for name, values in lines:
        for number, run in enumerate(runs(values)):
            series = QLineSeries()
            series.setName(name)
            for angle, value in run:
                series.append(angle, value)
            chart.addSeries(series)
            series.attachAxis(angular)
            series.attachAxis(radial)
            if number > 0:
                # One legend entry per line, however many pieces the gaps cut it into.
                chart.legend().markers(series)[0].setVisible(False)
    return chart
