"""The projector view of a workshop: one statement at a time, readable from the back of a
room, and the distribution of the room's ratings only when the facilitator reveals it.

It shows what ics_assess.workshop's WorkshopView holds and nothing else: per statement the
ratings counted by scale point and coloured by sector (never naming anyone), n, the mean,
"split" in words, and the don't knows and not applicables counted apart. A statement with
fewer than three ratings shows no distribution at all (the view says so).

Dark text on light, high contrast; the body type is at least 28 pt on a 1920x1080 screen
and scales with the window (never below 20 pt), so it stays legible at 1280x720. It opens
full screen on a second screen when one is connected, else as a window on this one.

Keys: Right, Space or PgDown next statement; Left or PgUp previous; R reveal or hide the
distribution (hidden on each new statement, so the room talks first); S the next split
statement; 1-9 the first statement of that section; Home / End the first / last; F11
full screen on or off; Esc leaves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ..domain import Sector
from ..scoring import MIN_GROUP

# Okabe-Ito: distinguishable for the common colour blindnesses; every bar segment also
# has its sector in the key beside the chart, and the counts are written in numbers.
SECTOR_COLOURS: dict[Sector, str] = {
    Sector.NHS: "#0072B2",
    Sector.LOCAL_GOVERNMENT: "#E69F00",
    Sector.COMMUNITY: "#009E73",
}
COMBINED_COLOUR = "#8C8C8C"  # sectors of fewer than 3 on a statement, counted together
INK = "#111111"
PAPER = "#FFFFFF"
MUTED = "#3A3A3A"
BODY_PT = 28.0  # at 1920x1080
MIN_BODY_PT = 20.0
HIDDEN_TEXT = "The spread of views is hidden. Press R to show it."
TOO_FEW_TEXT = "Fewer than 3 have answered: the spread is not shown."
STYLE = f"""
ProjectorView {{ background: {PAPER}; }}
QLabel {{ color: {INK}; background: transparent; }}
QLabel#muted {{ color: {MUTED}; }}
QLabel#split {{ color: {PAPER}; background: {INK}; padding: 2px 14px; border-radius: 6px; }}
"""


def body_points(width: int, height: int) -> float:
    """The body type size for a window of this size: 28 pt at 1920x1080, in proportion
    to the smaller of the two ratios, never below MIN_BODY_PT."""
    ratio = min(width / 1920, height / 1080)
    return max(MIN_BODY_PT, BODY_PT * ratio)


def number_text(value: float | None) -> str:
    """A mean to one decimal place ('–' for none)."""
    return "–" if value is None else f"{value:.1f}"


def agreed_text(statement) -> str:
    """The room's recorded outcome for a statement, in words ('' when none yet)."""
    agreed = getattr(statement, "agreed", None)
    if agreed is None:
        return ""
    outcome = str(getattr(agreed, "outcome", "agreed"))
    if outcome == "not_agreed":
        positions = getattr(agreed, "positions", ()) or ()
        held = "; ".join(f"{p.rating} ({', '.join(s.label for s in p.sectors)})" for p in positions)
        return "Not agreed" + (f": {held}" if held else "")
    if agreed.rating is not None:
        return f"Agreed: {agreed.rating}"
    if agreed.unrated is not None:
        return f"Agreed: {agreed.unrated.label}"
    return ""


class DistributionChart(QWidget):
    """Bars by scale point (1-5), each stacked by sector, with the count on top. Drawn
    by hand so that its type follows the projector's and it names no one."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.counts: Mapping[int, Mapping[Sector | None, int]] = {}
        self.groups: Sequence[Sector | None] = ()
        self.labels: Sequence[str] = ()
        self.setAccessibleName("Distribution of ratings")
        self.setMinimumHeight(120)

    def set_counts(
        self,
        counts: Mapping[int, Mapping[Sector | None, int]],
        labels: Sequence[str],
        group_label=lambda key: key.label if key is not None else "Sectors together",
    ):
        """Show these counts (rating -> group -> number; the group None is sectors of
        fewer than 3 counted together) under these scale labels."""
        self.counts = counts
        self.labels = labels
        order = [*Sector, None]
        present = {key for groups in counts.values() for key in groups}
        self.groups = [key for key in order if key in present]
        parts = []
        for point in range(1, 6):
            by_sector = counts.get(point, {})
            total = sum(by_sector.values())
            detail = ", ".join(f"{n} {group_label(key)}" for key, n in by_sector.items() if n)
            parts.append(f"{point}: {total}" + (f" ({detail})" if detail else ""))
        self.setAccessibleDescription("; ".join(parts))
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        """Axis labels under five bars; the tallest bar fills the height."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = QFont(self.font())
        painter.setFont(font)
        metrics = painter.fontMetrics()
        line = metrics.height()
        label_lines = 2
        rect = QRectF(self.rect()).adjusted(8, 4, -8, -4)
        bottom = rect.bottom() - label_lines * line - 8
        top = rect.top() + line + 4  # room for the count above the tallest bar
        slot = rect.width() / 5
        bar_width = slot * 0.62
        totals = {p: sum(self.counts.get(p, {}).values()) for p in range(1, 6)}
        most = max(totals.values(), default=0) or 1
        painter.setPen(QPen(QColor(INK), 3))
        painter.drawLine(int(rect.left()), int(bottom), int(rect.right()), int(bottom))
        for index, point in enumerate(range(1, 6)):
            x = rect.left() + index * slot + (slot - bar_width) / 2
            y = bottom
            for sector in self.groups:
                n = self.counts.get(point, {}).get(sector, 0)
                if not n:
                    continue
                height = (bottom - top) * n / most
                y -= height
                painter.setPen(QPen(QColor(PAPER), 2))
                painter.setBrush(QColor(group_colour(sector)))
                painter.drawRect(QRectF(x, y, bar_width, height))
            painter.setPen(QColor(INK))
            count_box = QRectF(x - slot * 0.2, y - line - 2, bar_width + slot * 0.4, line)
            painter.drawText(count_box, Qt.AlignmentFlag.AlignCenter, str(totals[point]))
            label = self.labels[index] if index < len(self.labels) else str(point)
            label_box = QRectF(
                rect.left() + index * slot + 4, bottom + 6, slot - 8, label_lines * line
            )
            painter.drawText(
                label_box,
                Qt.AlignmentFlag.AlignHCenter
                | Qt.AlignmentFlag.AlignTop
                | Qt.TextFlag.TextWordWrap,
                label,
            )
        painter.end()


class SectorKey(QWidget):
    """Which colour is which group: a swatch and the group's name, in a row (the sectors
    on the statement shown, and the sectors counted together)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addStretch(1)
        self.swatches: dict[Sector | None, QLabel] = {}
        self.names: dict[Sector | None, QLabel] = {}
        self._size = 24
        for key in [*Sector, None]:
            swatch = QLabel()
            swatch.setStyleSheet(f"background: {group_colour(key)}; border: 2px solid {INK};")
            name = QLabel(key.label if key is not None else "")
            name.setTextFormat(Qt.TextFormat.PlainText)
            self.swatches[key] = swatch
            self.names[key] = name
            layout.addWidget(swatch)
            layout.addWidget(name)
            layout.addSpacing(24)
        layout.addStretch(1)

    def set_groups(self, groups: Sequence[Sector | None], label) -> None:
        """Show the key of these groups; ``label(key)`` names each."""
        for key, swatch in self.swatches.items():
            on = key in groups
            swatch.setVisible(on)
            self.names[key].setVisible(on)
            if on:
                self.names[key].setText(label(key))
        self.setAccessibleName("Colours: " + ", ".join(label(k) for k in groups))

    def set_swatch_size(self, size: int) -> None:
        """Swatches as tall as a line of the key's type."""
        for swatch in self.swatches.values():
            swatch.setFixedSize(size, size)


def group_colour(key: Sector | None) -> str:
    """A sector's colour; grey for sectors counted together."""
    return SECTOR_COLOURS[key] if key is not None else COMBINED_COLOUR


def _label(name: str, *, object_name: str = "") -> QLabel:
    label = QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)  # statements come from questionnaire files
    label.setWordWrap(True)
    label.setAccessibleName(name)
    if object_name:
        label.setObjectName(object_name)
    return label


class ProjectorView(QWidget):
    """A top-level window showing one statement of a workshop at a time."""

    statement_changed = Signal(str)  # item id
    left = Signal()  # Esc, or the window closed

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("projector")
        self.setWindowTitle("Workshop — projector view")
        self.setAccessibleName("Projector view")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.view = None
        self.index = 0
        self.revealed = False
        self._scale: list[str] = []

        self.section = _label("Section", object_name="muted")
        self.position = _label("Statement number", object_name="muted")
        self.position.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.position.setWordWrap(False)
        self.statement = _label("Statement")
        self.split = _label("Split")
        self.split.setObjectName("split")
        self.split.setWordWrap(False)
        self.split.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.facts = _label("n and mean")
        self.facts.setWordWrap(False)
        self.unrated = _label("Don't know and not applicable", object_name="muted")
        self.notice = _label("Notice")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.outcome = _label("Outcome")
        self.chart = DistributionChart()
        self.key = SectorKey()
        self.keys_hint = _label("Keys", object_name="muted")
        self.keys_hint.setText(
            "→ next   ← previous   R show / hide   S next split   1–9 section   Esc leave"
        )
        self.keys_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)

        top = QHBoxLayout()
        top.addWidget(self.section, 1)
        top.addWidget(self.position)
        facts = QHBoxLayout()
        facts.addWidget(self.facts)
        facts.addSpacing(24)
        facts.addWidget(self.split, 0, Qt.AlignmentFlag.AlignVCenter)
        facts.addStretch(1)
        facts.addWidget(self.outcome)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.statement)
        layout.addSpacing(12)
        layout.addWidget(self.notice, 1)
        layout.addWidget(self.chart, 3)
        layout.addWidget(self.key)
        layout.addLayout(facts)
        layout.addWidget(self.unrated)
        layout.addWidget(self.keys_hint)
        self._apply_fonts()
        self._show()

    # --- what the workshop page calls ---------------------------------------------------

    def set_view(self, view, item_id: str | None = None) -> None:
        """Show this WorkshopView, at ``item_id`` (else the statement shown, else the first);
        the reveal stays as it is when the statement shown stays the same."""
        keep = item_id or self.current_item_id()
        same = keep is not None and keep == self.current_item_id()
        self.view = view
        self._scale = [f"{p.value} · {p.label}" for p in view.questionnaire.scale]
        ids = [s.item.id for s in view.statements]
        self.index = ids.index(keep) if keep in ids else 0
        if not same:
            self.revealed = False
        self._show()

    def current(self):
        """The StatementSpread shown, or None."""
        if self.view is None or not self.view.statements:
            return None
        return self.view.statements[self.index]

    def current_item_id(self) -> str | None:
        """The id of the statement shown."""
        current = self.current()
        return current.item.id if current is not None else None

    def go_to(self, index: int) -> None:
        """Show the statement at ``index`` (hidden until revealed)."""
        if self.view is None or not 0 <= index < len(self.view.statements):
            return
        if index != self.index:
            self.index = index
            self.revealed = False
        self._show()
        self.statement_changed.emit(self.current_item_id() or "")

    def go_to_item(self, item_id: str) -> None:
        """Show a statement by its item id."""
        if self.view is None:
            return
        ids = [s.item.id for s in self.view.statements]
        if item_id in ids:
            self.go_to(ids.index(item_id))

    def step(self, by: int) -> None:
        """Next (+1) or previous (-1) statement."""
        self.go_to(self.index + by)

    def toggle_reveal(self) -> None:
        """Show or hide the distribution."""
        self.revealed = not self.revealed
        self._show()

    def next_split(self) -> bool:
        """The next split statement after the one shown (wrapping round); False if none."""
        if self.view is None:
            return False
        count = len(self.view.statements)
        for offset in range(1, count + 1):
            index = (self.index + offset) % count
            if self.view.statements[index].split:
                self.go_to(index)
                return True
        self.notice.setText("No statement is split.")
        self.notice.show()
        return False

    def go_to_section(self, number: int) -> None:
        """The first statement of section ``number`` (1-based)."""
        if self.view is None:
            return
        sections = self.view.questionnaire.sections
        if not 1 <= number <= len(sections):
            return
        wanted = sections[number - 1].id
        for index, statement in enumerate(self.view.statements):
            if statement.section_id == wanted:
                self.go_to(index)
                return

    def place(self, main: QWidget | None = None) -> None:
        """Full screen on a screen other than the main window's when there is one, else
        a window on this screen."""
        screens = QGuiApplication.screens()
        here = main.screen() if main is not None else QGuiApplication.primaryScreen()
        others = [s for s in screens if s is not here]
        if others:
            target = others[0]
            self.setScreen(target)
            self.setGeometry(target.geometry())
            self.showFullScreen()
        else:
            area = (here or QGuiApplication.primaryScreen()).availableGeometry()
            self.resize(int(area.width() * 0.85), int(area.height() * 0.85))
            self.move(area.center() - self.rect().center())
            self.showNormal()
        self.raise_()
        self.activateWindow()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- showing ------------------------------------------------------------------------

    def _show(self) -> None:
        statement = self.current()
        if statement is None:
            self.section.setText("")
            self.position.setText("")
            self.statement.setText("This workshop's questionnaire has no statements.")
            for widget in (self.chart, self.key, self.split, self.notice):
                widget.hide()
            self.facts.setText("")
            self.unrated.setText("")
            self.outcome.setText("")
            return
        view = self.view
        sections = view.questionnaire.sections
        number = next((i for i, s in enumerate(sections, 1) if s.id == statement.section_id), 0)
        title = sections[number - 1].title if number else ""
        self.section.setText(f"Section {number}: {title}" if number else title)
        self.position.setText(
            f"Statement {statement.number}  ·  {self.index + 1} of {len(view.statements)}"
        )
        self.statement.setText(statement.item.statement)
        shown = bool(statement.shown) and statement.n >= MIN_GROUP
        visible = shown and self.revealed
        self.chart.setVisible(visible)
        self.key.setVisible(visible)
        if visible:
            label = getattr(statement, "group_label", None) or (
                lambda key: key.label if key is not None else "Sectors together"
            )
            self.chart.set_counts(statement.counts, self._scale, label)
            self.key.set_groups(self.chart.groups, label)
        if not shown:
            self.notice.setText(TOO_FEW_TEXT)
        elif not self.revealed:
            self.notice.setText(HIDDEN_TEXT)
        self.notice.setVisible(not visible)
        answered = f"n = {statement.n}"
        if shown and self.revealed:
            answered += f"   ·   mean {number_text(statement.mean)}"
        self.facts.setText(answered)
        self.split.setText("Split: the views differ widely")
        self.split.setVisible(bool(shown and self.revealed and statement.split))
        unrated = [f"Don't know: {statement.dont_know}"]
        unrated.append(f"Not applicable: {statement.not_applicable}")
        still = self._still_answering()
        if still:
            unrated.append(f"{still} still answering")
        self.unrated.setText("   ·   ".join(unrated))
        self.outcome.setText(agreed_text(statement))

    def _still_answering(self) -> int:
        taking_part = getattr(self.view, "taking_part", None)
        for name in ("still_answering", "answering"):
            value = getattr(taking_part, name, None)
            if isinstance(value, int):
                return value
        expected = getattr(taking_part, "expected", None)
        answered = getattr(taking_part, "answered", None)
        if isinstance(expected, int) and isinstance(answered, int):
            return max(0, expected - answered)
        return 0

    def _apply_fonts(self) -> None:
        body = body_points(max(self.width(), 1), max(self.height(), 1))
        base = QFont(QApplication.font())
        base.setPointSizeF(body)
        self.setFont(base)
        for label, factor, bold in (
            (self.section, 0.85, False),
            (self.position, 0.85, False),
            (self.statement, 1.3, True),
            (self.split, 1.0, True),
            (self.facts, 1.0, True),
            (self.unrated, 1.0, False),
            (self.notice, 1.0, False),
            (self.outcome, 1.0, True),
            (self.keys_hint, 0.6, False),
        ):
            font = QFont(base)
            font.setPointSizeF(body * factor)
            font.setBold(bold)
            label.setFont(font)
        key_font = QFont(base)
        key_font.setPointSizeF(body * 0.8)
        self.key.setFont(key_font)
        for child in self.key.findChildren(QLabel):
            child.setFont(key_font)
        self.key.set_swatch_size(QFontMetrics(key_font).height())
        self.chart.setFont(QFont(base))
        margin = int(body * 1.2)
        self.layout().setContentsMargins(margin, margin // 2, margin, margin // 2)

    def body_point_size(self) -> float:
        """The body type's point size now."""
        return self.font().pointSizeF()

    # --- events -------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        """Type follows the window's size."""
        super().resizeEvent(event)
        self._apply_fonts()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        """The projector's keys (see the module's docstring)."""
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods not in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            super().keyPressEvent(event)
            return
        if key in (Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_PageDown, Qt.Key.Key_Down):
            self.step(1)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_PageUp, Qt.Key.Key_Up):
            self.step(-1)
        elif key == Qt.Key.Key_R:
            self.toggle_reveal()
        elif key == Qt.Key.Key_S:
            self.next_split()
        elif Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            self.go_to_section(key - Qt.Key.Key_0)
        elif key == Qt.Key.Key_Home:
            self.go_to(0)
        elif key == Qt.Key.Key_End and self.view is not None:
            self.go_to(len(self.view.statements) - 1)
        elif key == Qt.Key.Key_F11:
            if self.isFullScreen():
                self.showNormal()
            else:
                self.showFullScreen()
        elif key == Qt.Key.Key_Escape:
            self.close()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Leaving the projector: the workshop page takes the focus back."""
        super().closeEvent(event)
        self.left.emit()
