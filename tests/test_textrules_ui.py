"""The window keeps to the text rules: name boxes stop at the limit, and an export of a
database written before the limits held says what it shortened in the file."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

from ics_assess import textrules
from ics_assess.ui.dialogs import Dialogs
from ics_assess.ui.new_assessment import NewAssessmentDialog

from .test_textrules import _legacy_database
from .test_ui_exchange import open_window, wait_for


def test_a_name_box_stops_at_the_limit(qtbot):
    dialogs = Dialogs(None)
    seen = {}

    def type_too_much():
        box = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QInputDialog))
        edit = box.findChild(QLineEdit)
        seen["max"] = edit.maxLength()
        seen["name"] = edit.accessibleName()
        qtbot.keyClicks(edit, "x" * (textrules.LINE_MAX + 50))
        box.accept()

    QTimer.singleShot(50, type_too_much)
    value = dialogs.text("New organisation", "Name of the organisation:")
    assert seen == {"max": textrules.LINE_MAX, "name": "Name of the organisation:"}
    assert value == "x" * textrules.LINE_MAX


def test_the_respondent_boxes_stop_at_the_limit(qtbot, services, fake_dialogs):
    dialog = NewAssessmentDialog(services, fake_dialogs)
    qtbot.addWidget(dialog)
    assert dialog.name.maxLength() == dialog.role.maxLength() == textrules.LINE_MAX


def test_an_export_says_what_it_shortened(qtbot, isolated_data_dir, tmp_path):
    path = isolated_data_dir / "legacy.sqlite"
    _, legacy, _ = _legacy_database(path)
    win = open_window(qtbot, path)
    try:
        win.home.select_assessment(legacy.id)
        target = tmp_path / "legacy.zip"
        win.dialogs.answers.append(target)
        win.home.export_button.click()
        message = wait_for(qtbot, win.dialogs, "inform")
        assert target.exists()
        assert message.startswith("1 assessment is in")
        assert "shortened in the file" in message
        assert "32,767 characters, shortened to 200" in message
        assert "50,000 characters, shortened to 10,000" in message
    finally:
        win.close()
