"""Small widget helpers shared by the pages."""

from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from ..palette import mix, readable_on

REFUSAL_TEXT = QColor("#B3261E")


# --- colours that follow the user's palette (a dark or high-contrast one included) ------


def readable(colour: QColor | str, background: QColor) -> QColor:
    """``colour`` for text on ``background``, made lighter or darker only as far as it
    must be to read there (palette.readable_on): fixed colours chosen for a white page
    would vanish on a dark or high-contrast palette."""
    return QColor(readable_on(QColor(colour).name(), background.name()))


def tint(palette: QPalette, colour: QColor | str, share: float = 0.15) -> QColor:
    """A fill for rows or cells: ``share`` of ``colour`` over the palette's Base (the
    background of lists and tables), so it is light on a light palette and dark on a dark
    one, and the palette's own text stays readable on it."""
    base = palette.color(QPalette.ColorRole.Base).name()
    return QColor(mix(base, QColor(colour).name(), share))


def group_fill(palette: QPalette) -> QColor:
    """The fill of a group's heading row in a table: a tint of the palette's highlight."""
    return tint(palette, palette.color(QPalette.ColorRole.Highlight))


def muted_text(palette: QPalette) -> QColor:
    """Text that says less than the rest (a computed figure): between the palette's text
    and its base, still readable on the base."""
    text = palette.color(QPalette.ColorRole.Text).name()
    base = palette.color(QPalette.ColorRole.Base)
    return readable(mix(text, base.name(), 0.35), base)


def scaled_font(factor: float, *, bold: bool = False, base: QFont | None = None) -> QFont:
    """``base`` (the application's font by default) scaled by ``factor``, so headings
    follow the system font size instead of fixed sizes."""
    font = QFont(base if base is not None else QApplication.font())
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    elif font.pixelSize() > 0:  # a font set in pixels
        font.setPixelSize(round(font.pixelSize() * factor))
    font.setBold(bold)
    return font


def plain_tooltip(text: str) -> str:
    """Tooltip text that shows literally. Qt guesses rich text in tooltips too, so user
    text is escaped and marked as rich, which makes the escapes print as typed."""
    return f"<p>{html.escape(text)}</p>" if text else ""


def plain_label(text: str = "", *, wrap: bool = True) -> QLabel:
    """A label that shows its text literally. Qt guesses rich text otherwise, and names
    and comments come from users and other machines: '<b>' or '<img src=...>' in them
    must print as typed, never format the window or load a file."""
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    return label


def heading(text: str, level: int = 1) -> QLabel:
    """A page (level 1) or section (level 2) heading that wraps."""
    label = plain_label(text)
    label.setFont(scaled_font(1.5 if level == 1 else 1.2, bold=True))
    label.setAccessibleName(text)
    return label


class WrappingLabel(QLabel):
    """A word-wrapped label that always gets the height its text needs.

    Layouts size a wrapped QLabel from its size hint, which guesses a width, so a long
    text is clipped; this label asks for the height its text takes at its real width."""

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setTextFormat(Qt.TextFormat.PlainText)  # see plain_label
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


def share_table_width(table, shares) -> None:
    """Give each column of ``table`` its share of the visible width (the last column
    stretches into what is left) and let wrapped text set the rows' heights."""
    width = table.viewport().width()
    if width <= 0:
        return
    for column, share in enumerate(shares[:-1]):
        table.setColumnWidth(column, int(width * share))
    table.resizeRowsToContents()


class _SharedWidth(QObject):
    """Re-shares a table's columns whenever its viewport changes size (a window resize,
    a splitter moved, a scroll bar appearing), not only when the page does."""

    def __init__(self, table, shares):
        super().__init__(table)
        self.table = table
        self.shares = tuple(shares)
        table.viewport().installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Resize:
            share_table_width(self.table, self.shares)
        return False


def keep_table_width_shared(table, shares) -> None:
    """Share ``table``'s width among its columns now and whenever its viewport resizes."""
    _SharedWidth(table, shares)
    share_table_width(table, shares)


def refusal_label(name: str) -> WrappingLabel:
    """A dialog's line saying, in red, why what was typed was not saved; hidden until
    there is something to say. ``name`` is its accessible name."""
    label = WrappingLabel()
    label.setAccessibleName(name)
    palette = label.palette()
    red = readable(REFUSAL_TEXT, palette.color(QPalette.ColorRole.Window))
    palette.setColor(label.foregroundRole(), red)
    label.setPalette(palette)
    label.setVisible(False)
    return label


def form_rows(form: QFormLayout, rows: list[tuple[str, QWidget]]) -> None:
    """Add each (caption with its Alt key, widget) to ``form``, the caption the widget's
    buddy so that the Alt key reaches it."""
    for text, widget in rows:
        caption = QLabel(text)
        caption.setBuddy(widget)
        form.addRow(caption, widget)


def ok_cancel(dialog: QDialog, ok_text: str) -> tuple[QDialogButtonBox, QPushButton]:
    """A dialog's OK (renamed ``ok_text``) and Cancel buttons, named for screen readers
    and wired to accept and reject."""
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.setText(ok_text)
    ok.setAccessibleName(ok_text.replace("&", ""))
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setAccessibleName("Cancel")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, ok
