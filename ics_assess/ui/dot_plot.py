"""A small dot plot of one statement's values by sector, drawn with QPainter: one row
per sector, a dot per value on the 1-5 scale, and a tick at the sector's mean."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..domain import SCALE_MAX, SCALE_MIN, Sector
from ..palette import ACCENT


class DotPlot(QWidget):
    """The values behind a statement, per sector (``StatementRow.points``)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._points: dict[Sector, tuple[float, ...]] = {}
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Dot plot of the ratings by sector")

    def set_points(self, points: Mapping[Sector, Sequence[float]], description: str = "") -> None:
        """Show these values (nothing for an empty mapping)."""
        self._points = {s: tuple(points.get(s, ())) for s in Sector}
        self.setAccessibleDescription(description)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        line = self.fontMetrics().height()
        return QSize(24 * line, round(line * (1.6 * len(Sector) + 2)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(16 * self.fontMetrics().height(), self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        """Sector names on the left, the scale along the bottom, dots and mean ticks."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        metrics = self.fontMetrics()
        line = metrics.height()
        text = self.palette().color(QPalette.ColorRole.WindowText)
        grid = QColor(text)
        grid.setAlpha(60)
        left = max(metrics.horizontalAdvance(s.label) for s in Sector) + line
        right = self.width() - line
        row_height = line * 1.6
        bottom = row_height * len(Sector) + line * 0.3

        def x_of(value: float) -> float:
            return left + (right - left) * (value - SCALE_MIN) / (SCALE_MAX - SCALE_MIN)

        painter.setPen(QPen(grid, 1))
        for tick in range(SCALE_MIN, SCALE_MAX + 1):
            painter.drawLine(QPointF(x_of(tick), 0), QPointF(x_of(tick), bottom))
        painter.setPen(text)
        for tick in range(SCALE_MIN, SCALE_MAX + 1):
            box = QRectF(x_of(tick) - line, bottom, 2 * line, line * 1.2)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(tick))
        radius = max(3.0, line * 0.28)
        for row, sector in enumerate(Sector):
            y = row_height * (row + 0.5)
            values = self._points.get(sector, ())
            painter.setPen(text)
            label = QRectF(0, y - line / 2, left - line / 2, line)
            painter.drawText(
                label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, sector.label
            )
            if not values:
                painter.drawText(
                    QRectF(left, y - line / 2, right - left, line),
                    Qt.AlignmentFlag.AlignCenter,
                    "no scores",
                )
                continue
            seen: Counter[float] = Counter()
            painter.setPen(QPen(QColor("#000000"), 1))
            painter.setBrush(QColor(ACCENT))
            for value in values:
                # Equal values stack a little apart, so each one shows.
                offset = seen[round(value, 2)]
                seen[round(value, 2)] += 1
                shift = (offset % 3 - 1) * radius * 1.1 if offset else 0.0
                painter.drawEllipse(QPointF(x_of(value), y + shift), radius, radius)
            mean = sum(values) / len(values)
            painter.setPen(QPen(text, 2))
            painter.drawLine(
                QPointF(x_of(mean), y - row_height * 0.42),
                QPointF(x_of(mean), y + row_height * 0.42),
            )
        painter.end()
