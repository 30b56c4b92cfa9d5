"""Charts drawn straight onto the page: the radar of section scores and the band scale.

Both are flowables that draw with the canvas and set every word (section titles, band
names) as a Paragraph through ``text.markup``, so chart labels get the same fonts and the
same protection as the rest of the report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph

from .. import labels
from ..domain import Band
from ..palette import band_colour
from ..scoring import percent
from .document import ACCENT_COLOUR, INK, MUTED, RULE, styles, tinted
from .text import BODY, BOLD, markup

LABEL_CHARS = 60
"""Section titles longer than this are shortened on the chart (the table gives them whole)."""


def short_title(title: str, limit: int = LABEL_CHARS) -> str:
    """``title`` shortened to fit a chart label (see labels.short_title)."""
    return labels.short_title(title, limit)


def _band_edges(bands: Sequence[Band]) -> list[tuple[Band, float, float]]:
    """Each band with its lower and upper percent."""
    edges, lower = [], 0.0
    for band in bands:
        upper = band.below if band.below is not None else 100.0
        upper = min(100.0, max(lower, upper))
        edges.append((band, lower, upper))
        lower = upper
    return edges


class RadarChart(Flowable):
    """Section scores on spokes from the centre (score 1, 0%) to the rim (score 5, 100%),
    over faint rings in the band colours; the target profile as a dashed line.

    ``values`` and ``targets`` are percents, None for a section without a score; a section
    without a score has no point, and the line breaks there.
    """

    def __init__(
        self,
        labels: Sequence[str],
        values: Sequence[float | None],
        bands: Sequence[Band],
        *,
        targets: Sequence[float | None] | None = None,
        width: float = 100 * mm,
        height: float = 72 * mm,
        label_width: float = 25 * mm,
    ):
        super().__init__()
        self.labels = list(labels)
        self.values = list(values)
        self.targets = list(targets) if targets is not None else None
        self.bands = tuple(bands)
        self.width = width
        self.height = height
        self.label_width = label_width
        # Room for the labels on the left and right, and two or three lines above and below.
        self.radius = max(
            10 * mm,
            min(width / 2 - label_width - 3 * mm, (height - self.LEGEND) / 2 - 10 * mm),
        )

    LEGEND = 8 * mm

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    # --- geometry ---
    def _angle(self, i: int) -> float:
        return math.pi / 2 - 2 * math.pi * i / len(self.labels)

    def _point(self, cx: float, cy: float, i: int, pct: float) -> tuple[float, float]:
        r = self.radius * max(0.0, min(100.0, pct)) / 100
        a = self._angle(i)
        return cx + r * math.cos(a), cy + r * math.sin(a)

    def _ring(self, cx: float, cy: float, pct: float) -> list[tuple[float, float]]:
        return [self._point(cx, cy, i, pct) for i in range(len(self.labels))]

    def _polygon(self, points: Sequence[tuple[float, float]], *, fill: bool, stroke: bool) -> None:
        path = self.canv.beginPath()
        path.moveTo(*points[0])
        for x, y in points[1:]:
            path.lineTo(x, y)
        path.close()
        self.canv.drawPath(path, fill=int(fill), stroke=int(stroke))

    def _runs(self, values: Sequence[float | None]) -> list[list[int]]:
        """Indexes of each unbroken run of values; a run through the last section joins
        the first again when both have values (closing the shape when all do)."""
        n = len(values)
        if all(v is not None for v in values):
            return [[*range(n), 0]]
        runs: list[list[int]] = []
        current: list[int] = []
        for i, v in enumerate(values):
            if v is None:
                if current:
                    runs.append(current)
                current = []
            else:
                current.append(i)
        if current:
            if runs and runs[0][0] == 0 and values[0] is not None:
                runs[0] = current + runs[0]
            else:
                runs.append(current)
        return runs

    def _line(self, cx: float, cy: float, values: Sequence[float | None]) -> None:
        for run in self._runs(values):
            points = [self._point(cx, cy, i, values[i]) for i in run]  # type: ignore[arg-type]
            if len(points) == 1:
                continue
            path = self.canv.beginPath()
            path.moveTo(*points[0])
            for x, y in points[1:]:
                path.lineTo(x, y)
            self.canv.drawPath(path, fill=0, stroke=1)

    def _draw_background(self, cx: float, cy: float, tint: float = 0.16) -> None:
        """The band rings (tinted by ``tint``), a ring at each whole score, the spokes
        and the scale's numbers: everything but the lines and the labels."""
        c = self.canv
        # Band rings, outermost first so each inner band paints over the one outside it.
        c.setStrokeColor(colors.white)
        for band, _lower, upper in reversed(_band_edges(self.bands)):
            if upper <= 0:
                continue
            c.setFillColor(tinted(band_colour(band, self.bands), tint))
            self._polygon(self._ring(cx, cy, upper), fill=True, stroke=False)
        # Grid: a ring at each whole score, spokes.
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        for score in (2, 3, 4, 5):
            self._polygon(self._ring(cx, cy, percent(score)), fill=False, stroke=True)
        for i in range(len(self.labels)):
            x, y = self._point(cx, cy, i, 100)
            c.line(cx, cy, x, y)
        c.setFont(BODY, 6.5)
        c.setFillColor(MUTED)
        for score in (1, 2, 3, 4, 5):
            x, y = self._point(cx, cy, 0, percent(score))
            c.drawString(x + 2, y + 1.5, str(score))

    def draw(self) -> None:
        c = self.canv
        legend_height = self.LEGEND
        cx = self.width / 2
        cy = legend_height + (self.height - legend_height) / 2
        c.saveState()
        self._draw_background(cx, cy)
        # Target (dashed) under the current line.
        if self.targets is not None:
            c.setStrokeColor(INK)
            c.setLineWidth(0.9)
            c.setDash(3, 2)
            self._line(cx, cy, self.targets)
            c.setDash()
        if all(v is not None for v in self.values):
            c.setFillColor(ACCENT_COLOUR)
            c.setFillAlpha(0.18)
            self._polygon(self._ring_of(cx, cy, self.values), fill=True, stroke=False)
            c.setFillAlpha(1)
        c.setStrokeColor(ACCENT_COLOUR)
        c.setLineWidth(1.6)
        self._line(cx, cy, self.values)
        c.setFillColor(ACCENT_COLOUR)
        for i, v in enumerate(self.values):
            if v is not None:
                x, y = self._point(cx, cy, i, v)
                c.circle(x, y, 1.6, stroke=0, fill=1)
        self._labels(cx, cy)
        self._legend()
        c.restoreState()

    def _ring_of(
        self, cx: float, cy: float, values: Sequence[float | None]
    ) -> list[tuple[float, float]]:
        return [self._point(cx, cy, i, v or 0.0) for i, v in enumerate(values)]

    def _labels(self, cx: float, cy: float) -> None:
        base = styles().chart_label
        box = self.label_width
        for i, label in enumerate(self.labels):
            a = self._angle(i)
            cos_a, sin_a = math.cos(a), math.sin(a)
            r = self.radius + 3 * mm
            x, y = cx + r * cos_a, cy + r * sin_a
            if cos_a > 0.25:
                align = TA_LEFT
            elif cos_a < -0.25:
                align = TA_RIGHT
            else:
                align = TA_CENTER
            style = ParagraphStyle(f"radar{align}", parent=base, alignment=align)
            # Labels above and below the chart can run wide; those at the sides cannot.
            width = box if align != TA_CENTER else min(2 * box, self.width)
            text = f"<b>{i + 1}</b> {markup(short_title(label))}"
            if self.values[i] is None:
                text += (
                    " <i>(not&nbsp;scored)</i>"
                    if align == TA_CENTER
                    else "<br/><i>(not scored)</i>"
                )
            p = Paragraph(text, style)
            _, h = p.wrap(width, 100)
            if align == TA_LEFT:
                left = x
            elif align == TA_RIGHT:
                left = x - width
            else:
                left = x - width / 2
            if sin_a > 0.25:
                bottom = y
            elif sin_a < -0.25:
                bottom = y - h
            else:
                bottom = y - h / 2
            p.drawOn(self.canv, left, bottom)

    def _legend(self) -> None:
        c = self.canv
        y = 1.5 * mm
        items = [("Section score", ACCENT_COLOUR, False)]
        if self.targets is not None:
            items.append(("Target", INK, True))
        items.append(("Centre 1, rim 5; shading: bands", None, False))
        widths = [stringWidth(t, BODY, 7) + (10 * mm if col else 0) for t, col, _ in items]
        gap = 4 * mm
        x = max(0.0, self.width / 2 - (sum(widths) + gap * (len(items) - 1)) / 2)
        c.setFont(BODY, 7)
        for (text, colour, dashed), w in zip(items, widths, strict=True):
            if colour is not None:
                c.setStrokeColor(colour)
                c.setLineWidth(1.6 if not dashed else 0.9)
                if dashed:
                    c.setDash(3, 2)
                c.line(x, y + 2.5, x + 8 * mm, y + 2.5)
                c.setDash()
                x += 10 * mm
            c.setFillColor(MUTED)
            c.drawString(x, y, text)
            x += w - (10 * mm if colour else 0) + gap


class BandScale(Flowable):
    """A bar from 0% to 100% divided into the bands, in their colours and with their names,
    and a marker where a score sits."""

    def __init__(self, pct: float | None, bands: Sequence[Band], *, width: float, height=17 * mm):
        super().__init__()
        self.pct = pct
        self.bands = tuple(bands)
        self.width = width
        self.height = height

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        bar_y, bar_h = 5 * mm, 5.5 * mm
        label_style = ParagraphStyle("bandname", parent=styles().cell_small, alignment=TA_CENTER)
        label_style.textColor = colors.black
        c.saveState()
        for band, lower, upper in _band_edges(self.bands):
            x0 = self.width * lower / 100
            w = self.width * (upper - lower) / 100
            if w <= 0:
                continue
            c.setFillColor(colors.HexColor(band_colour(band, self.bands)))
            c.setStrokeColor(colors.white)
            c.setLineWidth(1)
            c.rect(x0, bar_y, w, bar_h, stroke=1, fill=1)
            if stringWidth(band.name, BODY, 7.5) + 4 < w:
                p = Paragraph(markup(band.name), label_style)
                _, h = p.wrap(w, bar_h)
                p.drawOn(c, x0, bar_y + (bar_h - h) / 2 + 0.6)
        c.setFont(BODY, 6.5)
        c.setFillColor(MUTED)
        cuts = sorted({0.0, 100.0} | {e[1] for e in _band_edges(self.bands)})
        for cut in cuts:
            x = self.width * cut / 100
            text = f"{cut:.0f}%"
            if cut == 0:
                c.drawString(x, bar_y - 7, text)
            elif cut == 100:
                c.drawRightString(x, bar_y - 7, text)
            else:
                c.drawCentredString(x, bar_y - 7, text)
        if self.pct is not None:
            x = self.width * max(0.0, min(100.0, self.pct)) / 100
            top = bar_y + bar_h
            c.setFillColor(INK)
            path = c.beginPath()
            path.moveTo(x, top - 1)
            path.lineTo(x - 3.5, top + 5)
            path.lineTo(x + 3.5, top + 5)
            path.close()
            c.drawPath(path, stroke=0, fill=1)
            c.setStrokeColor(INK)
            c.setLineWidth(1.2)
            c.line(x, bar_y, x, top)
            c.setFont(BOLD, 8)
            label = f"{self.pct:.0f}%"
            half = stringWidth(label, BOLD, 8) / 2
            lx = min(max(x, half), self.width - half)
            c.drawCentredString(lx, top + 6.5, label)
        c.restoreState()
