"""Every question the app asks the user goes through one Dialogs object.

Windows call ``self.dialogs.confirm(...)`` and never build a QMessageBox or
QFileDialog themselves, so a test can hand them a stand-in that answers at once
(tests/ui_support.py) and no modal dialog ever blocks a test.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from .. import textrules


class Dialogs:
    """Modal questions and messages, parented to one window."""

    def __init__(self, parent: QWidget | None = None):
        self.parent = parent

    def box(self, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
        """A message box that shows its text literally: messages quote names and
        comments, and Qt would otherwise take '<b>' or '<img src=...>' in them as markup."""
        box = QMessageBox(icon, title, text, parent=self.parent)
        box.setTextFormat(Qt.TextFormat.PlainText)
        return box

    def inform(self, title: str, text: str) -> None:
        """A message the user acknowledges."""
        self.box(QMessageBox.Icon.Information, title, text).exec()

    def warn(self, title: str, text: str) -> None:
        """Something did not work, and what to do about it."""
        self.box(QMessageBox.Icon.Warning, title, text).exec()

    def error(self, title: str, text: str, details: str = "") -> None:
        """An error, with optional technical details behind a button."""
        box = self.box(QMessageBox.Icon.Critical, title, text)
        if details:
            box.setDetailedText(details)
        box.exec()

    def confirm(self, title: str, text: str, *, ok: str = "OK", destructive: bool = False) -> bool:
        """Ask yes or no; ``ok`` names the action. Cancel is the default for destructive ones."""
        box = self.box(QMessageBox.Icon.Question, title, text)
        role = (
            QMessageBox.ButtonRole.DestructiveRole
            if destructive
            else QMessageBox.ButtonRole.AcceptRole
        )
        yes = box.addButton(ok, role)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel if destructive else yes)
        box.exec()
        return box.clickedButton() is yes

    def choose(self, title: str, text: str, options: list[str], default: int = 0) -> int | None:
        """Offer several actions as buttons; the index chosen, or None for Cancel."""
        box = self.box(QMessageBox.Icon.Question, title, text)
        buttons = [box.addButton(o, QMessageBox.ButtonRole.AcceptRole) for o in options]
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(buttons[default] if buttons else cancel)
        box.exec()
        clicked = box.clickedButton()
        return buttons.index(clicked) if clicked in buttons else None

    def text(self, title: str, label: str, initial: str = "") -> str | None:
        """One line of text, or None when cancelled."""
        dialog = QInputDialog(self.parent)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setTextValue(initial)
        # Names are one line of at most LINE_MAX characters everywhere (textrules): the
        # box stops there rather than letting the store refuse what was typed.
        edit = dialog.findChild(QLineEdit)
        if edit is not None:
            edit.setMaxLength(textrules.LINE_MAX)
            edit.setAccessibleName(label)
        return dialog.textValue() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def item(self, title: str, label: str, items: list[str], current: int = 0) -> int | None:
        """Pick one of a list; its index, or None when cancelled."""
        value, ok = QInputDialog.getItem(self.parent, title, label, items, current, False)
        return items.index(value) if ok and value in items else None

    def open_path(self, title: str, directory: Path, file_filter: str) -> Path | None:
        """A file to open, or None."""
        name, _ = QFileDialog.getOpenFileName(self.parent, title, str(directory), file_filter)
        return Path(name) if name else None

    def save_path(self, title: str, suggested: Path, file_filter: str) -> Path | None:
        """Where to save a file, or None."""
        name, _ = QFileDialog.getSaveFileName(self.parent, title, str(suggested), file_filter)
        return Path(name) if name else None

    def run(self, dialog: QDialog) -> bool:
        """Show one of the app's own dialogs modally; True when accepted."""
        return dialog.exec() == QDialog.DialogCode.Accepted
