"""Small widget helpers shared by the pages."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel, QSizePolicy


def scaled_font(factor: float, *, bold: bool = False) -> QFont:
    """The application's font scaled by ``factor``, so text follows the system size."""
    font = QFont(QApplication.font())
    size = font.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * factor)
    else:  # a font set in pixels
        font.setPixelSize(round(font.pixelSize() * factor))
    font.setBold(bold)
    return font


def heading(text: str, level: int = 1) -> QLabel:
    """A page (level 1) or section (level 2) heading that wraps."""
    label = QLabel(text)
    label.setFont(scaled_font(1.5 if level == 1 else 1.2, bold=True))
    label.setWordWrap(True)
    label.setAccessibleName(text)
    return label


class WrappingLabel(QLabel):
    """A word-wrapped label that always gets the height its text needs.

    Layouts size a wrapped QLabel from its size hint, which guesses a width, so a long
    text is clipped; this label asks for the height its text takes at its real width."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        needed = self.heightForWidth(self.width())
        if needed > 0 and needed != self.minimumHeight():
            self.setMinimumHeight(needed)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt override)
        super().setText(text)
        needed = self.heightForWidth(self.width()) if self.width() > 0 else -1
        if needed > 0:
            self.setMinimumHeight(needed)
