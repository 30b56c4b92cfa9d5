"""The window's style: the platform's own, with keyboard focus always drawn.

Qt draws the focus frame of a button or a box only when the last focus change came from
the keyboard. When the program moves focus (to Submit… after the last rating, to the
table a page opens on), the control had focus but looked exactly as without it, so a
keyboard user could not see where they were. ``FocusVisibleStyle`` draws the frame
whenever a control has focus, however it got it.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle


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


def install_focus_visible_style(app: QApplication) -> None:
    """Wrap the application's style in FocusVisibleStyle, once."""
    if not isinstance(app.style(), FocusVisibleStyle):
        app.setStyle(FocusVisibleStyle(app.style().name()))


__all__ = ["FocusVisibleStyle", "install_focus_visible_style"]
