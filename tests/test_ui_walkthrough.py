"""The assessment walk-through page: autosave, keyboard, resume, submit, accessibility."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QWidget,
)

from ics_assess.domain import AssessmentStatus, Unrated, statement_numbers
from ics_assess.services import ServiceError
from ics_assess.ui.walkthrough import COMMENT_PAUSE_MS, StatementCard, WalkthroughPage

SECTIONS = ["decisions", "structures", "disputes", "transparency", "review"]


def make_page(qtbot, services, dialogs, assessment_id: str) -> WalkthroughPage:
    page = WalkthroughPage(services, dialogs)
    qtbot.addWidget(page)
    page.resize(1024, 700)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    page.open_assessment(assessment_id)
    return page


@pytest.fixture
def page(qtbot, services, draft, fake_dialogs) -> WalkthroughPage:
    return make_page(qtbot, services, fake_dialogs, draft.id)


@pytest.fixture
def items(services, draft) -> list[str]:
    return [item.id for item in services.detail(draft.id).questionnaire.items]


def stored(services, draft, item_id: str):
    return services.store.answers(draft.id).get(item_id)


def focused_card() -> StatementCard | None:
    widget = QApplication.focusWidget()
    while widget is not None and not isinstance(widget, StatementCard):
        widget = widget.parentWidget()
    return widget


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """One keystroke, to whatever has the keyboard focus (as a user's key would go)."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    qtbot.keyClick(widget, key, modifier)


def test_header_shows_who_answers_what(page):
    # The questionnaire and the version answered (the draft is on 1.0), in words for a
    # screen reader too.
    assert page.title.text() == "Governance and accountability · version 1.0"
    assert (
        page.title.accessibleName() == "Questionnaire: Governance and accountability, version 1.0"
    )
    details = page.details.text()
    for part in ("Test County Council", "Upper-tier council", "Baseline", "Cllr Test, Leader"):
        assert part in details
    assert "Organisation response" in details


def test_header_follows_the_version_of_the_assessment_opened(
    qtbot, services, partnership_setup, fake_dialogs, draft
):
    """A round may hold answers on 1.0 and 1.1: the header says which one is answered."""
    _, rnd, orgs = partnership_setup
    newest = services.start_assessment(
        round_id=rnd.id,
        organisation_id=orgs["council"].id,
        questionnaire_id="governance",
        kind="individual",
    )
    page = make_page(qtbot, services, fake_dialogs, newest.id)
    assert page.title.text() == "Governance and accountability · version 1.1"
    assert (
        page.title.accessibleName() == "Questionnaire: Governance and accountability, version 1.1"
    )
    page.open_assessment(draft.id)
    assert page.title.text().endswith(" · version 1.0")
    assert page.title.accessibleName().endswith(", version 1.0")


def test_opens_on_the_first_statement_with_focus(page, items):
    assert page.current_item_id() == items[0]
    assert page.current_section_id() == "decisions"
    card = focused_card()
    assert card is not None and card.item_id == items[0]


def test_mouse_click_stores_the_rating_at_once(qtbot, page, services, draft, items):
    statuses: list[str] = []
    page.status_changed.connect(statuses.append)
    button = page.card(items[1]).answer_button(4)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert stored(services, draft, items[1]).rating == 4
    assert button.isChecked()
    assert statuses[-1] == "All changes saved"
    # A click does not throw the mouse user on to another statement.
    assert page.current_item_id() == items[1]


def test_keys_rate_and_move_on_into_the_next_section(qtbot, page, services, draft, items):
    for key in ("3", "d", "n", "5", "1"):
        press(qtbot, key)
    answers = services.store.answers(draft.id)
    assert [answers[i].rating for i in items[:5]] == [3, None, None, 5, 1]
    assert answers[items[1]].unrated is Unrated.DONT_KNOW
    assert answers[items[2]].unrated is Unrated.NOT_APPLICABLE
    assert page.current_section_id() == "structures"
    assert page.current_item_id() == items[5]
    assert focused_card().item_id == items[5]
    assert page.stack.currentWidget().isAncestorOf(QApplication.focusWidget())


def test_arrow_keys_and_section_shortcuts(qtbot, page, items):
    press(qtbot, Qt.Key.Key_Down)
    assert page.current_item_id() == items[1]
    press(qtbot, Qt.Key.Key_Up)
    assert page.current_item_id() == items[0]
    press(qtbot, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert page.current_section_id() == "structures"
    assert focused_card().item_id == items[5]
    press(qtbot, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert page.current_section_id() == "decisions"
    assert "Ctrl+PgDown" in page.next_button.toolTip()
    card = page.card(items[0])
    assert not card.guidance.isVisible()
    press(qtbot, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    assert card.guidance.isVisible()
    press(qtbot, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    assert not card.guidance.isVisible()


def test_side_list_click_jumps_to_a_section(qtbot, page, items):
    row = page.sections.visualItemRect(page.sections.item(3)).center()
    qtbot.mouseClick(page.sections.viewport(), Qt.MouseButton.LeftButton, pos=row)
    assert page.current_section_id() == "transparency"
    assert page.card(items[15]).isVisible()
    assert not page.card(items[0]).isVisible()


def test_comment_is_saved_after_a_pause_and_digits_are_text(qtbot, page, services, draft, items):
    box = page.card(items[0]).comment
    box.setFocus()
    qtbot.keyClicks(box, "Minutes of 12 May, item 3")
    assert stored(services, draft, items[0]) is None  # not yet: still typing
    qtbot.waitUntil(
        lambda: (
            getattr(stored(services, draft, items[0]), "comment", "") == "Minutes of 12 May, item 3"
        ),
        timeout=COMMENT_PAUSE_MS * 4,
    )
    answer = stored(services, draft, items[0])
    assert answer.rating is None and not answer.is_answered
    assert page.current_item_id() == items[0]  # typing digits did not move on


def test_flush_saves_a_pending_comment_without_waiting(qtbot, page, services, draft, items):
    statuses: list[str] = []
    page.status_changed.connect(statuses.append)
    box = page.card(items[2]).comment
    qtbot.keyClicks(box, "Scheme of delegation, 2025")
    assert statuses[-1] == "Saving…"
    page.flush()
    assert stored(services, draft, items[2]).comment == "Scheme of delegation, 2025"
    assert statuses[-1] == "All changes saved"


def test_comment_is_saved_on_leaving_the_box(qtbot, page, services, draft, items):
    box = page.card(items[0]).comment
    box.setFocus()
    qtbot.keyClicks(box, "Seen at the board")
    press(qtbot, Qt.Key.Key_Tab)
    assert not box.hasFocus()
    assert stored(services, draft, items[0]).comment == "Seen at the board"


def test_side_list_and_progress_count_answers(qtbot, page, items):
    assert page.sections.item(0).text() == "Who decides what — 0 of 5"
    assert (page.progress.value(), page.progress.maximum()) == (0, 25)
    press(qtbot, "4")
    press(qtbot, "d")
    assert page.sections.item(0).text() == "Who decides what — 2 of 5"
    assert page.progress.value() == 2
    assert page.progress.text() == "2 of 25 answered"


def test_target_is_saved(qtbot, page, services, draft, items):
    combo = page.card(items[3]).target
    combo.setCurrentIndex(combo.findData(4))
    assert stored(services, draft, items[3]).target == 4
    combo.setCurrentIndex(combo.findData(None))
    assert stored(services, draft, items[3]).target is None


def test_reopening_resumes_at_the_same_statement_with_saved_values(
    qtbot, page, services, draft, fake_dialogs, items
):
    for key in ("2", "3", "4", "5", "1", "2"):
        press(qtbot, key)
    page.card(items[1]).target.setCurrentIndex(5)  # "5 · Fully true"
    qtbot.keyClicks(page.card(items[2]).comment, "Our own notes")
    page.show_item(items[6])
    page.flush()
    page.close()

    again = make_page(qtbot, services, fake_dialogs, draft.id)
    assert again.current_item_id() == items[6]
    assert again.current_section_id() == "structures"
    assert focused_card().item_id == items[6]
    assert again.card(items[0]).answer_button(2).isChecked()
    assert again.card(items[5]).answer_button(2).isChecked()
    assert again.card(items[1]).target.currentData() == 5
    assert again.card(items[2]).comment.toPlainText() == "Our own notes"
    assert again.progress.value() == 6


def answer_all_but(services, draft, items, gaps: set[str]) -> None:
    for item_id in items:
        if item_id not in gaps:
            services.answer(draft.id, item_id, 3)


def test_submit_with_a_gap_offers_the_first_unanswered(qtbot, services, draft, fake_dialogs, items):
    answer_all_but(services, draft, items, {items[2], items[11]})
    page = make_page(qtbot, services, fake_dialogs, draft.id)
    page.show_item(items[20])
    fake_dialogs.answers.append(0)
    qtbot.mouseClick(page.submit_button, Qt.MouseButton.LeftButton)
    kind, _title, text = fake_dialogs.asked[-1]
    assert kind == "choose"
    assert "2 statements are still unanswered" in text
    # Listed by their numbers, as the reports number them ("1.3": section 1, statement 3).
    numbers = statement_numbers(services.detail(draft.id).questionnaire)
    assert numbers[items[2]] == "1.3"
    assert f"• {numbers[items[2]]} " in text and f"• {numbers[items[11]]} " in text
    assert page.current_item_id() == items[2]
    assert page.current_section_id() == "decisions"
    assert focused_card().item_id == items[2]
    assert services.store.assessment(draft.id).status is AssessmentStatus.DRAFT


def test_submit_anyway_makes_it_read_only_and_reopen_undoes_it(
    qtbot, page, services, draft, fake_dialogs, items
):
    press(qtbot, "4")
    fake_dialogs.answers.append(1)  # "Submit anyway"
    with qtbot.waitSignal(page.submitted) as signal:
        page.submit_button.click()
    assert signal.args == [draft.id]
    assert services.store.assessment(draft.id).status is AssessmentStatus.SUBMITTED
    assert page.banner.isVisible()
    assert page.banner_text.text().startswith("Submitted on ")
    assert page.banner_text.text().endswith("— read-only")
    assert not page.submit_button.isEnabled()
    for card in page.findChildren(StatementCard):
        assert not any(card.answer_button(v).isEnabled() for v in (1, 2, 3, 4, 5))
        assert not card.target.isEnabled() and card.comment.isReadOnly()
        assert card.evidence.isReadOnly()
    press(qtbot, "2")  # keys do nothing on a submitted assessment
    assert services.store.answers(draft.id)[items[0]].rating == 4

    page.reopen_button.click()
    assert fake_dialogs.asked[-1][:2] == ("confirm", "Reopen for changes")
    assert services.store.assessment(draft.id).status is AssessmentStatus.DRAFT
    assert not page.banner.isVisible()
    assert page.card(items[0]).answer_button(2).isEnabled()
    assert page.submit_button.isEnabled()
    changes = [
        (c["old_value"], c["new_value"])
        for c in services.store.change_log(draft.id)
        if c["field"] == "status"
    ]
    assert changes == [("draft", "submitted"), ("submitted", "draft")]


def test_submit_cancelled_changes_nothing(qtbot, page, services, draft, fake_dialogs):
    fake_dialogs.answers.append(None)
    page.submit_button.click()
    assert services.store.assessment(draft.id).status is AssessmentStatus.DRAFT
    assert not page.banner.isVisible()


def test_results_and_home_signals(qtbot, page, draft):
    with qtbot.waitSignal(page.results_requested) as signal:
        page.results_button.click()
    assert signal.args == [draft.id]
    with qtbot.waitSignal(page.home_requested):
        page.back_button.click()


def test_whole_questionnaire_in_about_sixty_keystrokes(
    qtbot, page, services, draft, fake_dialogs, items
):
    """25 statements, five sections, two targets and the submission, keyboard only."""
    count = 0

    def key(k, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        nonlocal count
        press(qtbot, k, modifier)
        count += 1

    ratings = "3425d24n3155432123453334d"
    for n, rating in enumerate(ratings):
        if n in (0, 12):
            key(Qt.Key.Key_Tab)  # from the answers to "Where we want to be"
            key("4")  # picks "4 · Mostly true"
            key(Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)  # back to the answers
        key(rating)
    assert QApplication.focusWidget() is page.submit_button
    key(Qt.Key.Key_Space)

    print(f"keystrokes for 25 statements, 2 targets and submitting: {count}")
    assert count <= 60
    assert count == 25 + 2 * 3 + 1
    detail = services.detail(draft.id)
    assert detail.answered == 25
    assert detail.answers[items[0]].target == 4
    assert detail.answers[items[12]].target == 4
    assert detail.assessment.status is AssessmentStatus.SUBMITTED
    assert fake_dialogs.asked[-1][:2] == ("confirm", "Submit assessment")


def test_every_visible_control_has_an_accessible_name(qtbot, page):
    kinds = (QAbstractButton, QComboBox, QPlainTextEdit, QLineEdit, QListWidget)
    seen = 0
    for index in range(len(SECTIONS)):
        page.sections.setCurrentRow(index)
        for widget in page.findChildren(QWidget):
            if isinstance(widget, kinds) and widget.isVisible():
                seen += 1
                assert widget.accessibleName().strip(), f"{type(widget).__name__} has no name"
    assert seen > 100
    button = page.card(page.current_item_id()).answer_button(4)
    # Numbered as the reports number it: section 5, statement 1.
    assert button.accessibleName() == "Statement 5.1 rating 4: Mostly true"


def test_text_wraps_and_nothing_is_wider_than_the_page(qtbot, page, items):
    card = page.card(items[0])
    assert card.isVisible()
    assert card.mapTo(page, card.rect().topRight()).x() <= page.width()
    scroll = page.stack.currentWidget()
    assert scroll.widgetResizable()
    assert scroll.widget().width() <= scroll.viewport().width()


def test_a_failed_rating_is_shown_once_and_keeps_what_was_saved(
    qtbot, page, services, draft, fake_dialogs, monkeypatch, items
):
    press(qtbot, "4")  # saved before the disk fills up

    def broken(*args, **kwargs):
        raise ServiceError("disk full: free some space on the drive.")

    monkeypatch.setattr(services, "answer", broken)
    statuses: list[str] = []
    page.status_changed.connect(statuses.append)
    button = page.card(items[1]).answer_button(2)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(page.card(items[1]).answer_button(3), Qt.MouseButton.LeftButton)
    assert len(fake_dialogs.messages("error")) == 1
    assert "statement 1.2" in fake_dialogs.messages("error")[0]
    assert statuses[-1] == "Not saved: disk full: free some space on the drive."
    assert not button.isChecked()
    assert stored(services, draft, items[0]).rating == 4
    assert stored(services, draft, items[1]) is None


def test_a_failed_comment_stays_in_the_box(
    qtbot, page, services, draft, fake_dialogs, monkeypatch, items
):
    def broken(*args, **kwargs):
        raise ServiceError("the file is read-only.")

    monkeypatch.setattr(services, "set_comment", broken)
    box = page.card(items[0]).comment
    qtbot.keyClicks(box, "Important evidence")
    page.flush()
    page.flush()
    assert len(fake_dialogs.messages("error")) == 1
    assert box.toPlainText() == "Important evidence"
    monkeypatch.undo()
    page.flush()  # the text is still pending and goes in once saving works again
    assert stored(services, draft, items[0]).comment == "Important evidence"


def test_tab_order_answers_target_comment_evidence_guidance_then_next(qtbot, page, items):
    first, second = page.card(items[0]), page.card(items[1])
    expected = [first.target, first.comment, first.evidence, first.guidance_toggle]
    expected.append(second.answer_button(1))
    for widget in expected:
        press(qtbot, Qt.Key.Key_Tab)
        assert QApplication.focusWidget() is widget
    # Left/Right move along the answer buttons, which are one tab stop, like radio buttons.
    press(qtbot, Qt.Key.Key_Right)
    assert QApplication.focusWidget() is second.answer_button(2)
    press(qtbot, Qt.Key.Key_Space)
    assert second.answer_button(2).isChecked()
    assert page.current_item_id() == items[1]


def test_section_shortcuts_work_from_the_comment_box(qtbot, page, items):
    box = page.card(items[0]).comment
    box.setFocus()
    qtbot.keyClicks(box, "1")
    press(qtbot, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert page.current_section_id() == "structures"
    assert box.toPlainText() == "1"
    assert page.card(items[0]).answer_button(1).isChecked() is False


def test_mouse_wheel_over_a_target_does_not_change_it(qtbot, page, services, draft, items):
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    combo = page.card(items[2]).target
    centre = QPointF(combo.rect().center())
    event = QWheelEvent(
        centre,
        QPointF(combo.mapToGlobal(centre.toPoint())),
        QPoint(0, 0),
        QPoint(0, -120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(combo, event)
    assert combo.currentIndex() == 0
    assert stored(services, draft, items[2]) is None


def test_a_rating_can_be_taken_back(qtbot, page, services, draft, items):
    button = page.card(items[1]).answer_button(4)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert stored(services, draft, items[1]).rating == 4
    # Clicking the chosen answer again clears it.
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not stored(services, draft, items[1]).is_answered
    assert not button.isChecked()
    # Delete clears the current statement's answer from the keyboard.
    page.show_item(items[2])
    press(qtbot, "n")
    assert stored(services, draft, items[2]).unrated is Unrated.NOT_APPLICABLE
    page.show_item(items[2])
    press(qtbot, Qt.Key.Key_Delete)
    assert not stored(services, draft, items[2]).is_answered
    assert not page.card(items[2]).answer_button(Unrated.NOT_APPLICABLE).isChecked()
    assert page.progress.value() == 0


# --- the evidence reference (issue 13) --------------------------------------------------


def test_evidence_is_saved_after_a_pause_and_on_leaving_the_box(
    qtbot, page, services, draft, items
):
    card = page.card(items[0])
    assert card.evidence.accessibleName() == "Evidence for statement 1.1"
    assert "document, link or minute" in card.evidence.placeholderText()
    card.evidence.setFocus()
    qtbot.keyClicks(card.evidence, "Board minutes 12 March 2026, item 7")
    assert stored(services, draft, items[0]) is None  # not yet: still typing
    qtbot.waitUntil(
        lambda: getattr(stored(services, draft, items[0]), "evidence", "") != "",
        timeout=COMMENT_PAUSE_MS * 4,
    )
    assert stored(services, draft, items[0]).evidence == "Board minutes 12 March 2026, item 7"
    assert page.current_item_id() == items[0]  # digits typed were text, not ratings
    qtbot.keyClicks(card.evidence, "; terms of reference")
    press(qtbot, Qt.Key.Key_Tab)  # leaving the box saves at once
    answer = stored(services, draft, items[0])
    assert answer.evidence == "Board minutes 12 March 2026, item 7; terms of reference"
    assert answer.comment == "" and not answer.is_answered
    assert page.status() == "All changes saved"


def test_comment_and_evidence_are_saved_apart_and_come_back(
    qtbot, page, services, draft, fake_dialogs, items
):
    card = page.card(items[2])
    qtbot.keyClicks(card.comment, "Delegations are written down.")
    qtbot.keyClicks(card.evidence, "Scheme of delegation, 2025")
    assert card.dirty
    page.flush()
    answer = stored(services, draft, items[2])
    assert (answer.comment, answer.evidence) == (
        "Delegations are written down.",
        "Scheme of delegation, 2025",
    )
    page.close()
    again = make_page(qtbot, services, fake_dialogs, draft.id)
    assert again.card(items[2]).evidence.toPlainText() == "Scheme of delegation, 2025"
    assert again.card(items[2]).comment.toPlainText() == "Delegations are written down."
    assert not again.card(items[2]).dirty


def test_a_too_long_evidence_reference_is_never_cut(qtbot, page, services, draft, items):
    from ics_assess import textrules

    card = page.card(items[1])
    card.evidence.setPlainText("x" * (textrules.TEXT_MAX + 5))  # pasted
    assert card.evidence_note.isVisible()
    assert "This evidence reference is 10,005 characters long" in card.evidence_note.text()
    assert card.evidence_note.accessibleName() == "Evidence reference length for statement 1.2"
    page.flush()
    assert stored(services, draft, items[1]) is None
    assert "the evidence reference on statement 1.2 is 10,005 characters" in page.status()
    card.evidence.setPlainText("Minutes")
    assert not card.evidence_note.isVisible()
    page.flush()
    assert stored(services, draft, items[1]).evidence == "Minutes"


def test_a_submitted_assessment_shows_its_evidence_read_only(
    qtbot, services, draft, fake_dialogs, items
):
    services.set_evidence(draft.id, items[0], "Annual report, p. 12")
    services.submit(draft.id, allow_unanswered=True)
    page = make_page(qtbot, services, fake_dialogs, draft.id)
    card = page.card(items[0])
    assert card.evidence.toPlainText() == "Annual report, p. 12"
    assert card.evidence.isReadOnly() and card.evidence.isVisible()
    # Empty boxes of a read-only card are not shown: it reads as its answers.
    assert not card.comment.isVisible()
    assert not page.card(items[1]).evidence.isVisible()
    # Reopened, every box is there again to be filled in.
    page.reopen()
    assert card.comment.isVisible() and page.card(items[1]).evidence.isVisible()
    assert not page.card(items[1]).evidence.isReadOnly()
