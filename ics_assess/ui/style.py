"""The window's style: the platform's own, with keyboard focus always drawn.

Qt draws the focus frame of a button or a box only when the last focus change came from
the keyboard. When the program moves focus (to Submit… after the last rating, to the
table a page opens on), the control had focus but looked exactly as without it, so a
keyboard user could not see where they were. ``FocusVisibleStyle`` draws the frame
whenever a control has focus, however it got it.

Some controls show focus faintly or not at all even then: a list, table or text box
(Fusion draws no focus on their frame; a multi-line box showed only its caret), the
report preview, a results page that scrolls, and a button (its focus frame looks exactly
like being the default button, so with two blue buttons nobody could tell which one
Space would press). ``FocusRing`` draws a ring in the palette's window text colour
on whichever of them has focus, just inside its edge, so it shows on light and dark
palettes alike.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPainter, QPalette, QRegion
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QProxyStyle,
    QStyle,
    QTabBar,
    QWidget,
)
from shiboken6 import isValid


def _as_keyboard_focus(option) -> None:
    """Mark a focused control's option as focused by the keyboard, which is what the
    styles check before drawing the focus frame or outline."""
    if option is not None and option.state & QStyle.StateFlag.State_HasFocus:
        option.state |= QStyle.StateFlag.State_KeyboardFocusChange


class FocusVisibleStyle(QProxyStyle):
    """The current style, drawing the focus frame for every focused control."""

    def drawPrimitive(self, element, option, painter, widget=None):  # noqa: N802 (Qt's name)
        _as_keyboard_focus(option)
        super().drawPrimitive(element, option, painter, widget)

    def drawControl(self, element, option, painter, widget=None):  # noqa: N802 (Qt's name)
        _as_keyboard_focus(option)
        super().drawControl(element, option, painter, widget)

    def drawComplexControl(self, control, option, painter, widget=None):  # noqa: N802
        _as_keyboard_focus(option)
        super().drawComplexControl(control, option, painter, widget)


def wants_ring(widget: QWidget | None) -> bool:
    """Whether ``widget`` with focus needs FocusRing: buttons, and lists, tables, text
    boxes and other scrolled areas; not what sits in a popup (a drop-down's list)."""
    if widget is None or widget.window().windowType() == Qt.WindowType.Popup:
        return False
    if isinstance(widget, QAbstractButton):
        return not isinstance(widget.parentWidget(), QTabBar)
    return isinstance(widget, QAbstractScrollArea)


RING_WIDTH = 2
"""How wide FocusRing's ring is, in pixels."""


class Ring(QWidget):
    """A ring RING_WIDTH pixels wide just inside the edge of the control it is put on, in
    the palette's window text colour; it takes no clicks and no focus. Being a child of
    the control, it shows wherever the control shows, even where the control fills its
    parent to the edge (a table in a splitter) and a ring outside it would be cut off."""

    def __init__(self):
        super().__init__()
        self.setObjectName("focusRing")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def attach(self, widget: QWidget) -> None:
        """Put the ring on ``widget`` (above its own children: a table's cells)."""
        if self.parentWidget() is not widget:
            self.setParent(widget)
        self.fit()
        self.raise_()
        self.show()

    def fit(self) -> None:
        """Cover the control's whole rectangle, showing only its outer band."""
        parent = self.parentWidget()
        if parent is None:
            return
        whole = parent.rect()
        self.setGeometry(whole)
        inner = whole.adjusted(RING_WIDTH, RING_WIDTH, -RING_WIDTH, -RING_WIDTH)
        self.setMask(QRegion(whole).subtracted(QRegion(inner)))

    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.WindowText))


class FocusRing(QObject):
    """Follows keyboard focus and puts a Ring on the controls that need one
    (``wants_ring``)."""

    def __init__(self, app: QApplication):
        super().__init__(app)
        self.setObjectName("focusRing")
        self._ring: Ring | None = None
        app.focusChanged.connect(self.follow)

    def ring(self) -> Ring | None:
        """The ring, while it exists (it goes when the control it is on goes)."""
        if self._ring is not None and not isValid(self._ring):
            self._ring = None
        return self._ring

    def follow(self, _old: QWidget | None, new: QWidget | None) -> None:
        """Move the ring to ``new``, or take it away."""
        ring = self.ring()
        if ring is not None:
            owner = ring.parentWidget()
            if owner is not None and owner is not new:
                owner.removeEventFilter(self)
        if not wants_ring(new):
            if ring is not None:
                ring.hide()
            return
        if ring is None:
            ring = self._ring = Ring()
        ring.attach(new)
        new.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        """Keep the ring the size of the control it is on."""
        ring = self.ring()
        if (
            ring is not None
            and watched is ring.parentWidget()
            and event.type() == QEvent.Type.Resize
        ):
            ring.fit()
        return False


def focus_ring(app: QApplication) -> FocusRing | None:
    """The application's FocusRing, once installed."""
    return app.findChild(FocusRing, "focusRing")


def install_focus_visible_style(app: QApplication) -> None:
    """Wrap the application's style in FocusVisibleStyle, and start FocusRing, once."""
    if not isinstance(app.style(), FocusVisibleStyle):
        app.setStyle(FocusVisibleStyle(app.style().name()))
    if focus_ring(app) is None:
        FocusRing(app)


__all__ = [
    "RING_WIDTH",
    "FocusRing",
    "FocusVisibleStyle",
    "Ring",
    "focus_ring",
    "install_focus_visible_style",
    "wants_ring",
]
