"""Text that looks like markup, in names, roles and comments, is shown as typed on every
page: it never formats the window, adds a link or loads a file."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from ics_assess.ui.dialogs import Dialogs
from ics_assess.ui.main_window import MainWindow

HOSTILE = "<b>Bold</b> & <img src='/etc/hosts'> <a href='javascript:alert(1)'>link</a>"


@pytest.fixture
def hostile_window(qtbot, fake_dialogs, services):
    store = services.store
    p = store.add_partnership(f"Partnership {HOSTILE}", f"ICS {HOSTILE}")
    rnd = store.add_round(p.id, f"Round {HOSTILE}")
    org = store.add_organisation(p.id, f"Council {HOSTILE}", "upper_tier_council")
    a = services.start_assessment(
        round_id=rnd.id,
        organisation_id=org.id,
        questionnaire_id="governance",
        kind="organisation",
        respondent_name=f"Cllr {HOSTILE}",
        respondent_role=f"Leader {HOSTILE}",
    )
    q = services.questionnaire_of(a)
    for item in q.items:
        services.answer(a.id, item.id, 3)
    services.set_comment(a.id, q.items[0].id, f"Comment {HOSTILE}")
    path = store.path
    services.close()
    win = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(win)
    win.resize(1024, 700)
    assert win.open_initial_database(path)
    win.show()
    qtbot.waitUntil(lambda: win.home.model.rowCount() == 1, timeout=10_000)
    yield win, a.id
    win.close()


def labels_quoting(widget, fragment: str = "<b>Bold</b>") -> list[QLabel]:
    return [label for label in widget.findChildren(QLabel) if fragment in label.text()]


def assert_literal(labels: list[QLabel]) -> None:
    assert labels, "the hostile text should appear somewhere on the page"
    for label in labels:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()


def test_markup_in_names_is_shown_as_typed_on_every_page(qtbot, hostile_window):
    win, assessment_id = hostile_window
    tooltip = win.home.proxy.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in tooltip
    assert "<img" not in tooltip

    win.open_walkthrough(assessment_id)
    assert_literal(labels_quoting(win.walkthrough))
    comment = win.walkthrough.card(win.walkthrough.current_item_id()).comment
    assert HOSTILE in comment.toPlainText()

    win.show_results(assessment_id)
    assert_literal(labels_quoting(win.results))


def test_message_boxes_show_their_text_literally():
    box = Dialogs(None).box(QMessageBox.Icon.Warning, "Title", f"Delete {HOSTILE}?")
    assert box.textFormat() == Qt.TextFormat.PlainText
    assert box.text() == f"Delete {HOSTILE}?"
