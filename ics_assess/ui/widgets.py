"""Small widget helpers shared by the pages."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel


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
