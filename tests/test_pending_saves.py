"""The walk-through never drops an answer because the database is busy, full or read-only
(issue 8): what it cannot write waits, in order, is shown in words and is tried again.

The database is made busy for real: a second sqlite3 connection to the same file holds
``BEGIN IMMEDIATE`` (the write lock), as another program's import would."""

from __future__ import annotations

import sqlite3
import time
from itertools import pairwise

import pytest

from ics_assess import textrules
from ics_assess.store.database import WriteError
from ics_assess.ui import pending, walkthrough
from ics_assess.ui.pending import BUSY, DISK, READ_ONLY, held_back

from .test_ui_walkthrough import make_page, press

WAITING_ONE = (
    "1 answer waiting to be saved: the database is busy; it will be saved as soon as it is free"
)


@pytest.fixture
def page(qtbot, services, draft, fake_dialogs):
    return make_page(qtbot, services, fake_dialogs, draft.id)


@pytest.fixture
def items(services, draft) -> list[str]:
    return [item.id for item in services.detail(draft.id).questionnaire.items]


@pytest.fixture
def blocker(db_path):
    """Another program's connection; ``hold()`` takes the write lock, ``release()`` lets go."""

    class Blocker:
        def __init__(self):
            self.conn = sqlite3.connect(db_path, isolation_level=None, timeout=0)

        def hold(self):
            self.conn.execute("BEGIN IMMEDIATE")

        def release(self):
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    b = Blocker()
    yield b
    b.release()
    b.conn.close()


def fresh_answers(db_path, assessment_id: str) -> dict[str, tuple]:
    """The answers as another connection reads them from the file."""
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT item_id, rating, unrated, target, comment FROM answers WHERE assessment_id = ?",
            [assessment_id],
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def rating_log(db_path, assessment_id: str, item_id: str) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT new_value FROM change_log WHERE assessment_id = ? AND item_id = ? "
            "AND field = 'rating' ORDER BY seq",
            [assessment_id, item_id],
        ).fetchall()
    return [r[0] for r in rows]


def test_what_is_worth_waiting_for():
    busy = sqlite3.OperationalError("database is locked")
    full = sqlite3.OperationalError("database or disk is full")
    readonly = sqlite3.OperationalError("attempt to write a readonly database")
    for cause, kind in ((busy, BUSY), (full, DISK), (readonly, READ_ONLY)):
        error = WriteError("The change was not saved.")
        error.__cause__ = cause
        assert held_back(error) == kind
        assert held_back(cause) == kind
    rule = WriteError("The change was refused because it breaks the database's rules.")
    rule.__cause__ = sqlite3.IntegrityError("FOREIGN KEY constraint failed")
    assert held_back(rule) is None
    assert held_back(ValueError("no")) is None


def test_a_busy_database_keeps_the_rating_shows_it_and_saves_it_later(
    qtbot, page, services, draft, items, blocker, db_path, fake_dialogs
):
    statuses: list[str] = []
    page.status_changed.connect(statuses.append)
    blocker.hold()
    started = time.perf_counter()
    press(qtbot, "4")
    took = time.perf_counter() - started
    assert took < 1.5, f"the window froze for {took:.1f} s"  # 250 ms wait, not 5 s
    assert page.waiting() == 1
    assert page.status() == WAITING_ONE
    assert page.card(items[0]).answer_button(4).isChecked()  # shown as given
    assert page.current_item_id() == items[1]  # and the user moves on
    assert page.progress.value() == 1
    assert fresh_answers(db_path, draft.id) == {}
    assert fake_dialogs.messages("error") == []  # busy is a moment, not an error
    blocker.release()
    qtbot.waitUntil(lambda: page.waiting() == 0, timeout=5000)
    assert fresh_answers(db_path, draft.id)[items[0]][0] == 4
    assert page.status() == "All changes saved"
    assert WAITING_ONE in statuses


def test_later_changes_wait_in_order_and_a_newer_rating_wins(
    qtbot, page, services, draft, items, blocker, db_path
):
    blocker.hold()
    press(qtbot, "3")  # item 0 = 3, waits
    press(qtbot, "2")  # item 1 = 2, waits behind it (not tried past the earlier one)
    assert page.waiting() == 2
    assert page.status().startswith("2 answers waiting to be saved")
    page.show_item(items[0])
    press(qtbot, "5")  # item 0 again: replaces the waiting 3
    assert page.waiting() == 2
    assert page.card(items[0]).answer_button(5).isChecked()
    page.card(items[0]).target.setCurrentIndex(page.card(items[0]).target.findData(5))
    assert page.waiting() == 3
    blocker.release()
    qtbot.waitUntil(lambda: page.waiting() == 0, timeout=5000)
    answers = fresh_answers(db_path, draft.id)
    assert answers[items[0]][0] == 5 and answers[items[0]][2] == 5
    assert answers[items[1]][0] == 2
    # The replaced 3 was never written, so it can never land after the 5.
    assert rating_log(db_path, draft.id, items[0]) == ["5"]
    assert page.card(items[0]).answer_button(5).isChecked()


def test_a_waiting_comment_is_saved_once_the_database_is_free(
    qtbot, page, services, draft, items, blocker, db_path
):
    blocker.hold()
    box = page.card(items[0]).comment
    qtbot.keyClicks(box, "Minutes of the March board")
    page.flush()
    assert page.waiting() == 1
    assert box.toPlainText() == "Minutes of the March board"
    blocker.release()
    qtbot.waitUntil(lambda: page.waiting() == 0, timeout=5000)
    assert fresh_answers(db_path, draft.id)[items[0]][3] == "Minutes of the March board"
    assert not page.card(items[0]).dirty


def test_retries_back_off(qtbot, page, items, blocker, monkeypatch):
    tries: list[float] = []
    real = page._store_change

    def counted(change):
        tries.append(time.perf_counter())
        return real(change)

    monkeypatch.setattr(page._queue, "_write", counted)
    blocker.hold()
    press(qtbot, "4")
    qtbot.wait(2500)
    blocker.release()
    qtbot.waitUntil(lambda: page.waiting() == 0, timeout=5000)
    gaps = [b - a for a, b in pairwise(tries)]
    assert 3 <= len(tries) <= 8, gaps  # 250, 500, 1000 ms apart: not a busy loop
    assert gaps[1] > gaps[0]


def test_a_full_disk_is_said_in_words_once_and_not_retried_in_a_loop(
    qtbot, page, services, draft, items, fake_dialogs, monkeypatch, db_path
):
    calls = []

    def full(*args, **kwargs):
        calls.append(args)
        error = WriteError(
            "The change was not saved because the disk is full or could not be written. "
            "Free some space and try again; everything saved before is safe."
        )
        error.__cause__ = sqlite3.OperationalError("database or disk is full")
        raise error

    monkeypatch.setattr(services, "answer", full)
    press(qtbot, "4")
    press(qtbot, "3")
    assert page.waiting() == 2
    assert "not saved yet: the disk is full" in page.status()
    assert "Free some space" in page.status()
    errors = fake_dialogs.messages("error")
    assert len(errors) == 1 and "Nothing you chose is lost" in errors[0]
    assert page._queue.next_delay_ms() == pending.PROBLEM_DELAY_MS
    qtbot.wait(600)
    assert len(calls) == 1  # the second waits behind the first; no quick retries
    monkeypatch.undo()
    assert page.retry_waiting()
    answers = fresh_answers(db_path, draft.id)
    assert answers[items[0]][0] == 4 and answers[items[1]][0] == 3
    assert page.status() == "All changes saved"


def test_a_read_only_file_is_named(qtbot, page, services, monkeypatch):
    def readonly(*args, **kwargs):
        error = WriteError("The change was not saved because the database file is read-only.")
        error.__cause__ = sqlite3.OperationalError("attempt to write a readonly database")
        raise error

    monkeypatch.setattr(services, "answer", readonly)
    press(qtbot, "2")
    assert page.status().startswith("1 answer not saved yet: the database file is read-only")


def test_a_waiting_answer_that_can_never_be_saved_is_reported(
    qtbot, page, services, draft, items, blocker, fake_dialogs
):
    blocker.hold()
    press(qtbot, "4")
    blocker.release()
    services.store.submit(draft.id)  # meanwhile submitted elsewhere: read-only now
    page.retry_waiting()
    assert page.waiting() == 0
    errors = fake_dialogs.messages("error")
    assert len(errors) == 1 and "submitted" in errors[0]
    assert page.status().startswith("Not saved:")
    assert not page.card(items[0]).answer_button(4).isChecked()


def test_submit_waits_for_waiting_answers(qtbot, page, services, draft, blocker, fake_dialogs):
    blocker.hold()
    press(qtbot, "4")
    page.submit()
    assert any("Submit once they are saved" in m for m in fake_dialogs.messages("error"))
    assert services.store.assessment(draft.id).status.value == "draft"


def test_leaving_the_assessment_with_answers_waiting_asks(
    qtbot, page, draft, blocker, fake_dialogs
):
    blocker.hold()
    press(qtbot, "4")
    homes: list[bool] = []
    page.home_requested.connect(lambda: homes.append(True))
    page._go_home()  # the default: stay
    assert homes == [] and page.waiting() == 1
    fake_dialogs.answers.append(1)  # go on: it keeps waiting and is saved later
    page._go_home()
    assert homes == [True] and page.waiting() == 1
    blocker.release()
    qtbot.waitUntil(lambda: page.waiting() == 0, timeout=5000)


def test_closing_the_app_with_answers_waiting_keeps_the_window_open(
    qtbot, window, fake_dialogs, monkeypatch
):
    monkeypatch.setattr(walkthrough, "CLOSING_WAIT_MS", 100)
    services = window.services
    store = services.store
    p = store.add_partnership("P")
    rnd = store.add_round(p.id, "R")
    org = store.add_organisation(p.id, "Council", "upper_tier_council")
    a = services.start_assessment(
        round_id=rnd.id, organisation_id=org.id, questionnaire_id="governance", kind="individual"
    )
    window.open_walkthrough(a.id)
    page = window.walkthrough
    qtbot.waitUntil(lambda: page.current_item_id() is not None)
    page.card(page.current_item_id()).focus_entry()
    blocker = sqlite3.connect(store.path, isolation_level=None, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        press(qtbot, "4")
        assert page.waiting() == 1
        assert window.save_state.text() == WAITING_ONE
        window.close()  # tried once more, still busy: asked, and the default keeps it open
        assert window.isVisible()
        assert any("If you close now" in m for m in fake_dialogs.messages("choose"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    window.close()  # now it can be written: saved, and the window closes
    assert not window.isVisible()
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT rating FROM answers").fetchall() == [(4,)]


def test_a_comment_longer_than_allowed_is_not_cut_and_says_so(
    qtbot, page, services, draft, items, db_path
):
    card = page.card(items[0])
    qtbot.keyClicks(card.comment, "Short")
    page.flush()
    too_long = "x" * (textrules.TEXT_MAX + 5)
    card.comment.setPlainText(too_long)  # pasted
    assert card.comment_note.isVisible()
    note = card.comment_note.text()
    assert "10,005 characters" in note and "10,000" in note
    page.flush()
    assert fresh_answers(db_path, draft.id)[items[0]][3] == "Short"  # never cut short
    assert card.comment.toPlainText() == too_long
    assert "10,005 characters long" in page.status()
    card.comment.setPlainText("x" * textrules.TEXT_MAX)
    assert not card.comment_note.isVisible()
    page.flush()
    assert fresh_answers(db_path, draft.id)[items[0]][3] == "x" * textrules.TEXT_MAX


def test_a_longer_legacy_comment_is_shown_whole(qtbot, services, draft, fake_dialogs, items):
    services.store.set_comment(draft.id, items[0], "old")
    legacy = "y" * (textrules.TEXT_MAX + 2000)
    with services.store.transaction():
        services.store.db.execute(
            "UPDATE answers SET comment = ? WHERE assessment_id = ? AND item_id = ?",
            [legacy, draft.id, items[0]],
        )
    page = make_page(qtbot, services, fake_dialogs, draft.id)
    card = page.card(items[0])
    assert card.comment.toPlainText() == legacy
    assert card.comment_note.isVisible()
    assert "saved before the limit" in card.comment_note.text()
    assert not card.dirty


def test_a_waiting_evidence_reference_is_saved_once_the_database_is_free(
    qtbot, page, services, draft, items, blocker
):
    blocker.hold()
    box = page.card(items[0]).evidence
    qtbot.keyClicks(box, "Minutes of the March board, item 4")
    page.flush()
    assert page.waiting() == 1 and "1 answer" in page.status()
    assert box.toPlainText() == "Minutes of the March board, item 4"
    blocker.release()
    qtbot.waitUntil(lambda: page.waiting() == 0, timeout=5000)
    assert services.store.answers(draft.id)[items[0]].evidence == (
        "Minutes of the March board, item 4"
    )
    assert not page.card(items[0]).dirty
