"""The whole app as its users meet it, end to end: a first run through to a submitted
assessment's results (with the window closed and reopened half way), Qt's accessibility
tree on every page, and a hard-killed app that loses nothing already answered.

Real widgets, offscreen; only the app's own modal questions are answered by a stand-in
(tests/ui_support.py). Every step is checked in the database too, not only on screen.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleInterface
from PySide6.QtWidgets import QApplication, QDialog, QPushButton, QWidget

from ics_assess import paths
from ics_assess.domain import Answer, AssessmentStatus, PartnerType, Unrated
from ics_assess.scoring import questionnaire_score
from ics_assess.services import Services
from ics_assess.ui.main_window import MainWindow
from ics_assess.ui.new_assessment import NewAssessmentDialog
from ics_assess.ui.walkthrough import StatementCard

from .conftest import PROJECT_ROOT

LEFT = Qt.MouseButton.LeftButton
SHIFT = Qt.KeyboardModifier.ShiftModifier

# --- helpers ---------------------------------------------------------------------------------


def open_window(qtbot, dialogs, path: Path | None = None) -> MainWindow:
    """Start the app as run_gui does (open the database, then show), and make the window
    active so that keystrokes reach it as they would on a desktop."""
    window = MainWindow(dialogs=dialogs)
    qtbot.addWidget(window)
    window.resize(1024, 700)
    assert window.open_initial_database(path)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def wait_loaded(qtbot, window: MainWindow, rows: int) -> None:
    """Wait for the assessment list, which loads in the background."""
    qtbot.waitUntil(lambda: window.home.model.rowCount() == rows, timeout=10_000)
    qtbot.waitUntil(lambda: not window.home.jobs.is_busy(), timeout=10_000)


def press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """One keystroke, sent where a user's key would go: the widget with the focus."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    qtbot.keyClick(widget, key, modifier)


def focused_card() -> StatementCard | None:
    """The statement card holding the keyboard focus, if any."""
    widget = QApplication.focusWidget()
    while widget is not None and not isinstance(widget, StatementCard):
        widget = widget.parentWidget()
    return widget


def button_named(parent: QWidget, name: str) -> QPushButton:
    """A push button found the way a screen reader user finds it: by accessible name."""
    (button,) = [b for b in parent.findChildren(QPushButton) if b.accessibleName() == name]
    return button


def given(answer: Answer | None) -> int | str | None:
    """An answer as the key that gives it: 1-5, "d" (don't know), "n" (not applicable)."""
    if answer is None or not answer.is_answered:
        return None
    if answer.unrated is Unrated.DONT_KNOW:
        return "d"
    if answer.unrated is Unrated.NOT_APPLICABLE:
        return "n"
    return answer.rating


def stored(window: MainWindow, assessment_id: str) -> dict[str, int | str]:
    """What the database holds, item by item, for the answers given (not the widgets)."""
    answers = window.services.store.answers(assessment_id)
    return {item: given(a) for item, a in answers.items() if a.is_answered}


def is_scrolled_into_view(card: StatementCard) -> bool:
    """True when the top of the card is inside its scroll area's viewport (on screen)."""
    viewport = card.parentWidget()
    while viewport is not None and viewport.objectName() != "qt_scrollarea_viewport":
        viewport = viewport.parentWidget()
    assert viewport is not None
    top = card.mapTo(viewport, card.rect().topLeft())
    return viewport.rect().contains(top)


# --- 1. a council leader's assessment, from the first run to the results ---------------------


def test_a_council_leader_completes_an_assessment_end_to_end(qtbot, fake_dialogs):
    # First run: an empty data directory, so the welcome page and an empty database.
    window = open_window(qtbot, fake_dialogs)
    db = paths.default_db_path()
    assert window.services.store.path == db
    assert window.stack.currentWidget() is window.welcome
    assert window.services.store.partnerships() == []

    # "Start an assessment…": everything is created from the New assessment dialog, whose
    # "New…" buttons ask for names through the Dialogs stand-in.
    fake_dialogs.answers.extend(
        [
            "Westmoor Place Partnership",  # partnership name
            "Westmoor ICS",  # the ICS it belongs to
            "Baseline, November 2026",  # round
            "Westmoor City Council",  # organisation
            list(PartnerType).index(PartnerType.UPPER_TIER_COUNCIL),  # its partner type
        ]
    )

    def fill_in(dialog: NewAssessmentDialog) -> bool:
        dialog.show()  # shown, so clicks and keys go to visible widgets
        qtbot.waitExposed(dialog)
        assert not dialog.start_button.isEnabled()  # nothing to answer for yet
        for name in ("New partnership", "New round", "New organisation"):
            qtbot.mouseClick(button_named(dialog, name), LEFT)
        assert dialog.partnership.currentText() == "Westmoor Place Partnership"
        assert dialog.round.currentText() == "Baseline, November 2026"
        assert dialog.organisation.currentText() == "Westmoor City Council (Upper-tier council)"
        # Typing on a closed list selects the first entry starting with that letter.
        dialog.questionnaire.setFocus()
        qtbot.keyClicks(dialog.questionnaire, "G")
        assert dialog.questionnaire.currentData() == "governance"
        qtbot.keyClicks(dialog.name, "Cllr Ann Example")
        qtbot.keyClicks(dialog.role, "Leader of the Council")
        assert dialog.start_button.isEnabled()
        qtbot.mouseClick(dialog.start_button, LEFT)
        return dialog.created_id is not None

    fake_dialogs.on_run = fill_in
    qtbot.mouseClick(window.welcome.start_button, LEFT)
    asked = [kind for kind, *_ in fake_dialogs.asked]
    assert asked == ["run"] + ["text"] * 4 + ["item"]  # the dialog, then its five questions

    # In the database: one partnership, round and organisation, and one fresh draft.
    store = window.services.store
    (partnership,) = store.partnerships()
    assert partnership.name == "Westmoor Place Partnership"
    assert partnership.ics_name == "Westmoor ICS"
    assert [r.name for r in store.rounds(partnership.id)] == ["Baseline, November 2026"]
    (organisation,) = store.organisations(partnership.id)
    assert organisation.partner_type is PartnerType.UPPER_TIER_COUNCIL
    (summary,) = window.services.list_assessments()
    draft = summary.assessment
    assert draft.status is AssessmentStatus.DRAFT
    assert draft.questionnaire_id == "governance"
    assert (draft.respondent_name, draft.respondent_role) == (
        "Cllr Ann Example",
        "Leader of the Council",
    )
    assert store.answers(draft.id) == {}

    # The walk-through opens on the first statement, with the keyboard focus there.
    page = window.walkthrough
    assert window.stack.currentWidget() is page
    assert page.assessment_id() == draft.id
    # Governance 1.1, the newest: sections of 5, 4, 5, 6, 6 and 5 statements.
    items = [item.id for item in window.services.detail(draft.id).questionnaire.items]
    assert len(items) == 31
    assert page.current_item_id() == items[0]
    assert focused_card() is page.card(items[0])

    # Statement 1 by mouse: stored at once, and a click does not move on.
    qtbot.mouseClick(page.card(items[0]).answer_button(4), LEFT)
    assert stored(window, draft.id) == {items[0]: 4}
    assert page.current_item_id() == items[0]
    assert window.save_state.text() == "All changes saved"

    # Statements 2-7 by keyboard: Down to the next statement, then one key each, which
    # rates and moves on (into the second section after statement 5).
    press(qtbot, Qt.Key.Key_Down)
    assert focused_card() is page.card(items[1])
    for key in ("3", "d", "5", "n", "2", "4"):
        press(qtbot, key)
    expected = {items[0]: 4, items[1]: 3, items[2]: "d", items[3]: 5, items[4]: "n"}
    expected |= {items[5]: 2, items[6]: 4}
    assert stored(window, draft.id) == expected
    assert page.current_section_id() == "places"
    assert focused_card() is page.card(items[7])
    assert page.progress.value() == 7

    # Statement 8: Tab to "Where we want to be" and Tab again to the comment box; type
    # (digits are text here, not ratings), then Shift+Tab back out: leaving the box saves.
    card = page.card(items[7])
    press(qtbot, Qt.Key.Key_Tab)
    press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is card.comment
    comment = "Board minutes of 12 May 2026, item 4: the ICB decided without the place."
    qtbot.keyClicks(card.comment, comment)
    press(qtbot, Qt.Key.Key_Tab, SHIFT)
    assert QApplication.focusWidget() is card.target
    answer = store.answers(draft.id)[items[7]]
    assert (answer.comment, answer.is_answered) == (comment, False)
    assert page.current_item_id() == items[7]
    # The target: typing "5" on the list picks "5 · Fully true"; it is stored at once.
    press(qtbot, "5")
    assert card.target.currentData() == 5
    assert store.answers(draft.id)[items[7]].target == 5
    press(qtbot, Qt.Key.Key_Tab, SHIFT)
    press(qtbot, "3")
    expected[items[7]] = 3
    assert stored(window, draft.id) == expected
    assert focused_card() is page.card(items[8])

    # Half way through a comment on statement 9, the window is closed: what was typed
    # is saved on closing, and the database lock is released.
    note = "Not yet discussed"
    qtbot.mouseClick(page.card(items[8]).comment, LEFT)
    qtbot.keyClicks(page.card(items[8]).comment, note)
    window.close()
    assert window.services is None
    with Services.open(db, create=False) as check:
        assert check.store.answers(draft.id)[items[8]].comment == note
        assert check.store.assessment(draft.id).position == items[8]
        assert check.check().problems == []

    # Reopen: a new window with no database named opens the last one used and resumes
    # the walk-through at the same statement, with every saved value on screen.
    window = open_window(qtbot, fake_dialogs)
    page = window.walkthrough
    assert window.services.store.path == db
    assert window.stack.currentWidget() is page
    assert page.assessment_id() == draft.id
    assert page.current_item_id() == items[8]
    assert page.current_section_id() == "places"
    assert focused_card() is page.card(items[8])
    assert window.save_state.text() == "All changes saved"
    for item, value in expected.items():
        key = {"d": Unrated.DONT_KNOW, "n": Unrated.NOT_APPLICABLE}.get(value, value)
        assert page.card(item).answer_button(key).isChecked(), item
    assert not any(page.card(items[8]).answer_button(v).isChecked() for v in range(1, 6))
    assert page.card(items[7]).target.currentData() == 5
    assert page.card(items[7]).comment.toPlainText() == comment
    assert page.card(items[8]).comment.toPlainText() == note
    assert page.progress.value() == 8
    assert page.sections.item(0).text() == "Who decides what — 5 of 5"

    # More answers by keyboard; statement 13 is skipped with Down (a gap) and the last
    # three are left, as a respondent short of time would.
    store = window.services.store
    for key in ("2", "4", "3", "1"):  # statements 9-12
        press(qtbot, key)
    press(qtbot, Qt.Key.Key_Down)  # past statement 13
    given_ = (3, 4, 5, "d", 2, 2, 3, 4, 1, 3, 4, 2, 5, "n", 3)
    for key in given_:  # statements 14-28
        press(qtbot, str(key))
    expected |= dict(zip(items[8:12], (2, 4, 3, 1), strict=True))
    expected |= dict(zip(items[13:28], given_, strict=True))
    assert stored(window, draft.id) == expected
    assert page.current_item_id() == items[28]

    # Submit with gaps: the user is told how many, and sent to the first.
    fake_dialogs.answers.append(0)  # "Go to the first unanswered"
    qtbot.mouseClick(page.submit_button, LEFT)
    kind, title, text = fake_dialogs.asked[-1]
    assert (kind, title) == ("choose", "Unanswered statements")
    assert text.startswith("4 statements are still unanswered")
    # Statements 13 and 29 of 31, numbered as the reports number them: section 3's
    # fourth and section 6's third; section 6 has too few answers yet to be scored.
    assert "• 3.4 " in text and "• 6.3 " in text
    assert "would go unscored, for want of answers: Review and learning (section 6)" in text
    assert "The overall score would be provisional, based on 5 of 6 sections." in text
    assert store.assessment(draft.id).status is AssessmentStatus.DRAFT
    assert page.current_item_id() == items[12]
    assert page.current_section_id() == "structures"
    assert focused_card() is page.card(items[12])
    qtbot.waitUntil(lambda: is_scrolled_into_view(page.card(items[12])))

    # Fill that gap, then submit anyway with the last three unanswered.
    press(qtbot, "2")
    expected[items[12]] = 2
    assert stored(window, draft.id) == expected
    fake_dialogs.answers.append(1)  # "Submit anyway"
    qtbot.mouseClick(page.submit_button, LEFT)
    assert fake_dialogs.asked[-1][2].startswith("3 statements are still unanswered")
    submitted = store.assessment(draft.id)
    assert submitted.status is AssessmentStatus.SUBMITTED
    assert submitted.submitted_at

    # The results page, with the score worked out by the scoring module from the stored
    # answers (not from anything the widgets hold).
    results = window.results
    assert window.stack.currentWidget() is results
    assert results.assessment_id() == draft.id
    detail = window.services.detail(draft.id)
    score = questionnaire_score(detail.questionnaire, store.answers(draft.id))
    assert score.mean is not None
    assert results.score_label.text() == f"{score.mean:.2f} of 5"
    assert results.percent_label.text() == f"{score.percent:.0f}%"
    assert results.band_chip.text() == score.band.name
    assert "28 of 31 statements answered" in results.status_label.text()
    assert results.status_label.text().startswith("Submitted")
    assert window.settings.value("session/assessment") is None  # nothing to resume now

    # Home: the assessment is listed as submitted, with its progress.
    qtbot.mouseClick(results.home_button, LEFT)
    assert window.stack.currentWidget() is window.home
    wait_loaded(qtbot, window, 1)
    model = window.home.model
    row = [model.index(0, column).data() for column in range(model.columnCount())]
    assert row[:7] == [
        "Westmoor City Council",
        "Upper-tier council",
        "Governance and accountability",
        "Baseline, November 2026",
        "Cllr Ann Example",
        "Submitted",
        "28 of 31",
    ]
    assert window.services.check().problems == []


# --- 2. Qt's accessibility tree: every control a user can reach has a name ------------------

Role = QAccessible.Role
# The roles of things a user operates. Left out on purpose: ScrollBar (Qt's scroll bars
# take no focus, have no names of their own and are announced by role and orientation as
# part of the area they scroll), Grip and Splitter (resizing handles), and the items of
# lists, tables and trees (Cell, ListItem, ...: their text is their name, and the view
# holding them is checked).
INTERACTIVE = {
    Role.PushButton,  # checkable buttons (the answers, tool buttons) report CheckBox
    Role.CheckBox,
    Role.RadioButton,
    Role.ComboBox,
    Role.EditableText,
    Role.SpinBox,
    Role.Slider,
    Role.ButtonMenu,
    Role.ButtonDropDown,
    Role.PageTab,
    Role.List,
    Role.Table,
    Role.Tree,
    Role.MenuItem,  # the menu bar's menus
}


def accessible_name(iface: QAccessibleInterface) -> str:
    """The name assistive technology is given for an interface.

    A combo box is the exception: on Unix Qt reports its current value as its Name (the
    AT-SPI bridge names it through label relations instead; see QAccessibleComboBox::text),
    so a combo with no name would pass by showing an entry. For a combo, the name that
    Windows and macOS read is what counts: its accessible name or its label's text.
    """
    if iface.role() == Role.ComboBox and isinstance(iface.object(), QWidget):
        own = iface.object().accessibleName()
        labels = [
            other.text(QAccessible.Text.Name)
            for other, _relation in iface.relations(QAccessible.RelationFlag.Label)
        ]
        return (own or "".join(labels)).strip()
    return iface.text(QAccessible.Text.Name).strip()


def interactive_controls(top: QWidget) -> list[tuple[str, str]]:
    """Every visible interactive interface under ``top``, as (name, description): the
    description gives its role, its widget class and the nearest named ancestor, so that
    a developer can find one that has no name."""
    found: list[tuple[str, str]] = []

    def walk(iface: QAccessibleInterface, ancestor: str) -> None:
        # A hidden widget's subtree cannot be reached by anyone: the other pages of a
        # stack, the closed popup list of every combo box, a collapsed panel. (Its item
        # children, such as a closed combo's entries, would not say they are hidden.)
        if iface.state().invisible:
            return
        name = accessible_name(iface)
        if iface.role() in INTERACTIVE:
            obj = iface.object()
            kind = obj.metaObject().className() if obj is not None else "(no object)"
            found.append((name, f"{iface.role().name} {kind} inside {ancestor!r}"))
        for index in range(iface.childCount()):
            child = iface.child(index)
            if child is not None:
                walk(child, name or ancestor)

    walk(QAccessible.queryAccessibleInterface(top), top.windowTitle())
    return found


def unnamed_controls(top: QWidget) -> list[str]:
    """The visible interactive controls under ``top`` that have no accessible name."""
    return [where for name, where in interactive_controls(top) if not name]


def test_every_interactive_control_has_an_accessible_name(
    qtbot, fake_dialogs, isolated_data_dir, demo_db
):
    problems: dict[str, list[str]] = {}
    seen: dict[str, int] = {}

    def check(where: str, top: QWidget) -> None:
        QApplication.processEvents()  # let layouts and visibility settle
        controls = interactive_controls(top)
        seen[where] = len(controls)
        if missing := [description for name, description in controls if not name]:
            problems[where] = missing

    # First run: the welcome page, and the New assessment dialog on an empty database
    # (its lists are empty, so only their own names can name them).
    window = open_window(qtbot, fake_dialogs)
    assert window.stack.currentWidget() is window.welcome
    check("welcome page", window)
    dialog = NewAssessmentDialog(window.services, fake_dialogs, window)
    dialog.show()  # not modal: exec() would block the test
    qtbot.waitExposed(dialog)
    check("New assessment dialog, empty database", dialog)
    dialog.close()
    window.close()

    # The demo database: home (with the partnerships panel shown and hidden), a draft
    # section by section, a submitted assessment read-only and its results, the dialog
    # with everything filled in, and the Guide.
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    window = open_window(qtbot, fake_dialogs, path)
    wait_loaded(qtbot, window, 83)
    assert window.stack.currentWidget() is window.home
    home = window.home
    home.table.selectRow(0)  # Open, Copy and Delete are enabled with a selection
    for shown in (False, True):
        home.panel_button.setChecked(shown)
        check(f"home, panel shown={shown}", window)
    rows = home.model._rows
    draft = next(s.assessment for s in rows if s.assessment.status is AssessmentStatus.DRAFT)
    done = next(s.assessment for s in rows if s.assessment.status is AssessmentStatus.SUBMITTED)
    window.open_walkthrough(draft.id)
    page = window.walkthrough
    for row in range(page.sections.count()):
        page.sections.setCurrentRow(row)
        page.card(page.current_item_id()).set_guidance_visible(True)
        check(f"walk-through of a draft, section {row + 1}", window)
    window.open_walkthrough(done.id)
    assert page.banner.isVisible()
    check("walk-through of a submitted assessment", window)
    window.show_results(done.id)
    check("results", window)
    window.show_results(draft.id)
    check("results of a draft", window)
    dialog = NewAssessmentDialog(window.services, fake_dialogs, window)
    dialog.show()
    qtbot.waitExposed(dialog)
    check("New assessment dialog, demo database", dialog)
    dialog.close()
    window.show_guide()
    qtbot.waitExposed(window.guide)
    check("Guide dialog", window.guide)
    window.guide.close()

    # The partnership overview: every tab, organisation responses and individual views,
    # with the comments behind a gap shown.
    window.compare_partnership()
    overview = window.overview
    qtbot.waitUntil(lambda: not overview.jobs.is_busy(), timeout=30_000)
    for kind in (0, 1):
        overview.kind_tabs.setCurrentIndex(kind)
        qtbot.waitUntil(lambda: not overview.jobs.is_busy(), timeout=30_000)
        for tab in range(4):
            overview.select_tab(tab)
            if tab == 2 and overview.divergence_model.rows:
                overview.show_comments(overview.divergence_table.model().index(0, 0))
                qtbot.waitUntil(lambda: not overview.jobs.is_busy(), timeout=30_000)
            check(f"overview, kind {kind}, tab {tab}", window)

    # The walk really reached the controls (an empty tree would pass vacuously).
    assert len(seen) == 23 and min(seen.values()) >= 1, seen
    assert seen["walk-through of a draft, section 1"] > 4 * 10, seen  # 4+ cards of 10
    assert problems == {}


def test_the_search_box_clear_button_has_an_accessible_name(
    qtbot, fake_dialogs, isolated_data_dir, demo_db
):
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    window = open_window(qtbot, fake_dialogs, path)
    wait_loaded(qtbot, window, 83)
    qtbot.keyClicks(window.home.search, "Healthwatch")
    # Healthwatch: three questionnaires in two rounds, and one workshop view.
    assert window.home.proxy.rowCount() == 7
    QApplication.processEvents()
    assert unnamed_controls(window) == []


def test_the_new_assessment_dialogs_alt_keys_reach_their_fields(qtbot, fake_dialogs):
    window = open_window(qtbot, fake_dialogs)
    dialog = NewAssessmentDialog(window.services, fake_dialogs, window)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    alt = Qt.KeyboardModifier.AltModifier
    fields = {
        Qt.Key.Key_P: dialog.partnership,
        Qt.Key.Key_R: dialog.round,
        Qt.Key.Key_O: dialog.organisation,
        Qt.Key.Key_Q: dialog.questionnaire,
        Qt.Key.Key_N: dialog.name,
    }
    missed = []
    for key, field in fields.items():
        dialog.role.setFocus()  # start elsewhere, so that staying put is not reaching it
        press(qtbot, key, alt)
        if QApplication.focusWidget() is not field:
            missed.append(field.accessibleName())
    dialog.close()
    assert missed == []


# --- 3. a hard kill while answering loses nothing already answered --------------------------

# The child: the real app, answering through its widgets, reporting on stdout one JSON line
# per rating once the widget has it, and one per comment once it is no longer pending.
CHILD = '''
import json, os, sys
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from ics_assess.domain import Unrated
from ics_assess.ui.main_window import MainWindow


def report(**fields):
    print(json.dumps(fields), flush=True)


class Dialogs:
    """Answers nothing, and reports any question: none is expected."""

    def __getattr__(self, kind):
        def asked(*args, **kwargs):
            report(event="dialog", kind=kind, args=[str(a) for a in args])
            return None

        return asked


def wait_until(condition, what, ms=5000):
    clock = QElapsedTimer()
    clock.start()
    while not condition():
        if clock.hasExpired(ms):
            report(event="stuck", waiting_for=what)
            sys.exit(3)
        QTest.qWait(10)


def back_tab():
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)


db, assessment_id, keys = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
app = QApplication(sys.argv[:1])
window = MainWindow(dialogs=Dialogs())
window.resize(1024, 700)
assert window.open_database(db)
window.open_walkthrough(assessment_id)
window.show()
window.activateWindow()
wait_until(window.isActiveWindow, "the window to be active")
page = window.walkthrough
values = {"d": Unrated.DONT_KNOW, "n": Unrated.NOT_APPLICABLE}
report(event="ready", pid=os.getpid())

for n, key in enumerate(keys):
    item = page.current_item_id()
    card = page.card(item)
    if n % 3 == 1:
        # A comment: click into the box and type; every other one is saved by the pause
        # in typing, the rest by leaving the box (Shift+Tab twice, back to the answers).
        text = f"Evidence for statement {n + 1}: minutes of {n + 1} May."
        QTest.mouseClick(card.comment, Qt.MouseButton.LeftButton)
        QTest.keyClicks(card.comment, text)
        if n % 2:
            wait_until(lambda: not card.dirty, "the pause in typing to save")
        back_tab()
        back_tab()
        wait_until(lambda: not card.dirty, "leaving the box to save")
        report(event="comment", item=item, text=text)
    focused = QApplication.focusWidget()
    assert card.isAncestorOf(focused), (item, focused)
    QTest.keyClick(focused, key)
    value = values.get(key) or int(key)
    assert card.answer_button(value).isChecked()
    report(event="rating", item=item, key=key)
    QTest.qWait(20)  # a person's pace, roughly; the parent kills at some point in this

report(event="done")
app.exec()  # idle until killed
'''


class Child:
    """A child process whose stdout lines are read by a thread, so that the test can wait
    for a line with a deadline instead of blocking forever on a hung child."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.log = log.open("w")
        self.process = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)  # end of output

    def next_event(self, deadline: float) -> dict | None:
        """The next reported event, or None at the end of the output."""
        line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        return None if line is None else json.loads(line)

    def remaining_events(self) -> list[dict]:
        """What the child reported before it died (after the reader has seen the end)."""
        self.reader.join(timeout=10)
        events = []
        while (line := self.lines.get_nowait()) is not None:
            events.append(json.loads(line))
        return events

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process.stdout.close()
        self.log.close()


KEYS = "4251n3d2451324d5123n44321"  # one key per statement of the governance questionnaire
CONFIRMED_BEFORE_KILL = 10


@pytest.fixture
def prepared_draft(isolated_data_dir):
    """A database with a partnership, round, organisation and a draft, made through
    Services in the default place of the test's data directory (as the app would)."""
    db = paths.default_db_path()
    with Services.open(db) as services:
        p = services.store.add_partnership("Northmoor Partnership", "Northmoor ICS")
        rnd = services.store.add_round(p.id, "Baseline")
        org = services.store.add_organisation(p.id, "Northmoor Council", "upper_tier_council")
        draft = services.start_assessment(
            round_id=rnd.id,
            organisation_id=org.id,
            questionnaire_id="governance",
            kind="organisation",
            respondent_name="Cllr Kill Test",
        )
    return db, draft.id


def test_a_hard_killed_app_loses_nothing_already_answered(
    qtbot, fake_dialogs, tmp_path, isolated_data_dir, prepared_draft
):
    db, draft_id = prepared_draft
    script = tmp_path / "answer.py"
    script.write_text(CHILD)
    env = os.environ | {
        "QT_QPA_PLATFORM": "offscreen",
        "ICS_ASSESS_DATA_DIR": str(isolated_data_dir),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    child = Child([sys.executable, str(script), str(db), draft_id, KEYS], env, tmp_path / "err")
    events: list[dict] = []
    try:
        # Read until enough ratings are confirmed, then kill: SIGKILL, so no close event,
        # no flush, no lock released; nothing of the app's runs after this.
        deadline = time.monotonic() + 60
        while sum(e["event"] == "rating" for e in events) < CONFIRMED_BEFORE_KILL:
            event = child.next_event(deadline)
            assert event is not None, "the child ended early: " + (tmp_path / "err").read_text()
            assert event["event"] in ("ready", "rating", "comment"), event
            events.append(event)
        os.kill(child.process.pid, signal.SIGKILL)
        assert child.process.wait(timeout=10) == -signal.SIGKILL
        # Lines already in the pipe were confirmed before the kill: they count too.
        events += child.remaining_events()
    finally:
        child.stop()
    ratings = {e["item"]: e["key"] for e in events if e["event"] == "rating"}
    comments = {e["item"]: e["text"] for e in events if e["event"] == "comment"}
    # No question was asked (a failed save shows one), and the kill came mid-way.
    assert {e["event"] for e in events} <= {"ready", "rating", "comment"}, events
    assert len(ratings) >= CONFIRMED_BEFORE_KILL and len(comments) >= 3

    # The killed app left its lock file behind, naming a process that no longer exists.
    lock = db.with_name(db.name + ".lock")
    assert lock.read_text().split("\n")[0] == str(events[0]["pid"]) == str(child.process.pid)

    # Every confirmed rating and comment is in the database, which is consistent.
    with Services.open(db, create=False) as services:
        answers = services.store.answers(draft_id)
        for item, key in ratings.items():
            assert given(answers.get(item)) == (key if key in "dn" else int(key)), item
        for item, text in comments.items():
            assert answers[item].comment == text, item
        # Nothing but what the child was giving: a statement it had not confirmed may be
        # there (killed after the write, before the report) but only with its own key.
        items = [item.id for item in services.detail(draft_id).questionnaire.items]
        for n, item in enumerate(items):
            if item in answers and answers[item].is_answered:
                assert str(given(answers[item])) == KEYS[n], item
        assert services.check().problems == []
        assert services.store.assessment(draft_id).status is AssessmentStatus.DRAFT

    # The app opens the database again at once: a stale lock of a dead process is taken
    # over, not reported as "already open".
    window = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(window)
    assert window.open_database(db), fake_dialogs.messages("warn")
    assert fake_dialogs.messages("warn") == []
    window.open_walkthrough(draft_id)
    assert window.walkthrough.progress.value() >= len(ratings)
    window.close()


def test_the_workshop_screens_name_every_control_and_reach_them_by_tab(
    qtbot, fake_dialogs, isolated_data_dir, demo_db
):
    """The workshop list, the facilitator's page (both tabs, with not agreed's positions
    shown), its dialogs, the participant screen and its lock, and the projector view."""
    from ics_assess.ui.workshop import (
        AddParticipantDialog,
        JoinDialog,
        NewWorkshopDialog,
        ParticipantListDialog,
    )

    problems: dict[str, list[str]] = {}
    seen: dict[str, int] = {}

    def check(where: str, top: QWidget) -> None:
        QApplication.processEvents()
        controls = interactive_controls(top)
        seen[where] = len(controls)
        if missing := [description for name, description in controls if not name]:
            problems[where] = missing
        # Every enabled, visible push button takes the focus by Tab (a statement's
        # answers are one tab stop, moved among by arrows, like a radio group).
        for b in top.findChildren(QPushButton):
            if b.isVisibleTo(top) and b.isEnabled() and not b.property("answer"):
                assert b.focusPolicy() & Qt.FocusPolicy.TabFocus, (where, b.text())

    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    window = open_window(qtbot, fake_dialogs, path)
    wait_loaded(qtbot, window, 83)
    qtbot.mouseClick(window.home.workshops_button, LEFT)
    assert window.stack.currentWidget() is window.workshops
    check("workshops", window)
    for b in (window.workshops.new_button, window.workshops.open_button):
        assert "&" in b.text()  # an Alt key
    window.workshops.open_selected()
    page = window.workshop
    assert window.stack.currentWidget() is page
    page.table.selectRow(0)
    check("workshop, participants", window)
    page.tabs.setCurrentIndex(1)
    page.statements.setCurrentRow(0)
    page.outcome.not_agreed.setChecked(True)
    page.outcome._show_parts()
    check("workshop, statements", window)
    for b in (page.add_button, page.pass_button, page.resume_button, page.join_button):
        assert "&" in b.text()
    for dialog in (
        NewWorkshopDialog(window.services, window),
        AddParticipantDialog(window.services, fake_dialogs, page.summary.partnership_id, window),
        JoinDialog(window.services.list_assessments()[:3], window),
        ParticipantListDialog("Workshop", page.participants, window),
    ):
        dialog.show()
        qtbot.waitExposed(dialog)
        check(type(dialog).__name__, dialog)
        dialog.close()
    projector = page.show_projector()
    qtbot.addWidget(projector)
    projector.toggle_reveal()
    check("projector", projector)
    projector.close()
    page.tabs.setCurrentIndex(0)
    draft = (
        next(p for p in page.participants if not p.handed_back)
        if any(not p.handed_back for p in page.participants)
        else None
    )
    if draft is None:
        window.services.resume_participant(page.participants[0].assessment_id)
        page.refresh()
        draft = page.participants[0]
    window.pass_laptop(draft.assessment_id)
    check("participant screen", window)
    window.participant.step_away()
    check("participant screen, locked", window)
    window.participant.unlock()
    assert window.stack.currentWidget() is page
    # The projector has no controls (keys only); the rest really reached theirs.
    assert seen.pop("projector") == 0 and projector.accessibleName() == "Projector view"
    assert len(seen) == 9 and min(seen.values()) >= 2, seen
    assert problems == {}


def test_the_action_plan_names_every_control_and_reaches_them_by_tab(
    qtbot, fake_dialogs, isolated_data_dir, demo_db
):
    """The action plan page (with a carried action's history shown) and the action
    dialog, new and editing: every control named, every button and field reached by Tab
    (the description box passes Tab on), an Alt key on each button and field label."""
    from PySide6.QtWidgets import QLabel, QPlainTextEdit

    from ics_assess.ui.actions import ActionDialog

    problems: dict[str, list[str]] = {}
    seen: dict[str, int] = {}

    def check(where: str, top: QWidget) -> None:
        QApplication.processEvents()
        controls = interactive_controls(top)
        seen[where] = len(controls)
        if missing := [description for name, description in controls if not name]:
            problems[where] = missing
        for b in top.findChildren(QPushButton):
            if b.isVisibleTo(top) and b.isEnabled():
                assert b.focusPolicy() & Qt.FocusPolicy.TabFocus, (where, b.text())

    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    window = open_window(qtbot, fake_dialogs, path)
    wait_loaded(qtbot, window, 83)
    qtbot.mouseClick(window.home.action_plan_button, LEFT)
    page = window.action_plan
    assert window.stack.currentWidget() is page
    page.table.selectRow(0)
    check("action plan", window)
    for b in (page.new_button, page.edit_button, page.done_button, page.drop_button,
              page.export_button, page.print_button, page.back_button):  # fmt: skip
        assert "&" in b.text(), b.text()
    labels = [w for w in page.findChildren(QLabel) if w.buddy() is not None]
    assert len(labels) == 5 and all("&" in w.text() for w in labels)
    # Tab from the round choice goes round the page and comes back: no trap.
    page.round_combo.setFocus()
    reached = set()
    for _ in range(40):
        press(qtbot, Qt.Key.Key_Tab)
        reached.add(QApplication.focusWidget())
    assert {page.table, page.history, page.new_button, page.print_button} <= reached
    assert page.round_combo in reached
    round_id = page.round_id()
    for dialog in (
        ActionDialog(window.services, round_id, questionnaire_id="governance", parent=window),
        ActionDialog(window.services, round_id, action_id=page.selected_id(), parent=window),
    ):
        dialog.show()
        qtbot.waitExposed(dialog)
        check(f"{dialog.windowTitle()} dialog", dialog)
        assert dialog.description.tabChangesFocus()
        assert all("&" in w.text() for w in dialog.findChildren(QLabel) if w.buddy())
        dialog.description.setFocus()
        press(qtbot, Qt.Key.Key_Tab)
        assert not isinstance(QApplication.focusWidget(), QPlainTextEdit)
        dialog.close()
    assert len(seen) == 3 and min(seen.values()) >= 5, seen
    assert problems == {}


def test_the_profile_names_every_control_and_reaches_them_by_tab(
    qtbot, fake_dialogs, isolated_data_dir, demo_db
):
    """The partnership profile page and its value dialog (with a refusal shown): every
    control named, every button reached by Tab from the round choice with no trap, an
    Alt key on each button and field label."""
    from PySide6.QtWidgets import QLabel

    from ics_assess.ui.profile_view import ProfileValueDialog

    problems: dict[str, list[str]] = {}
    seen: dict[str, int] = {}

    def check(where: str, top: QWidget) -> None:
        QApplication.processEvents()
        controls = interactive_controls(top)
        seen[where] = len(controls)
        if missing := [description for name, description in controls if not name]:
            problems[where] = missing
        for b in top.findChildren(QPushButton):
            if b.isVisibleTo(top) and b.isEnabled():
                assert b.focusPolicy() & Qt.FocusPolicy.TabFocus, (where, b.text())

    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    window = open_window(qtbot, fake_dialogs, path)
    wait_loaded(qtbot, window, 83)
    check("home with the profile button", window)
    qtbot.mouseClick(window.home.profile_button, LEFT)
    page = window.profile
    assert window.stack.currentWidget() is page
    page.table.selectRow(1)  # the first fact, under its group
    check("profile", window)
    for b in (page.back_button, page.edit_button, page.clear_button):
        assert "&" in b.text(), b.text()
    labels = [w for w in page.findChildren(QLabel) if w.buddy() is not None]
    assert len(labels) == 1 and all("&" in w.text() for w in labels)
    assert not page.table.tabKeyNavigation()
    assert page.table.focusPolicy() & Qt.FocusPolicy.TabFocus
    page.round_combo.setFocus()
    reached = set()
    for _ in range(20):
        press(qtbot, Qt.Key.Key_Tab)
        reached.add(QApplication.focusWidget())
    assert {page.table, page.edit_button, page.clear_button, page.back_button} <= reached
    assert page.round_combo in reached
    entry = page.entry(page.selected_id())
    dialog = ProfileValueDialog(window.services, page.round_id(), entry, window)
    dialog.show()
    qtbot.waitExposed(dialog)
    check("value dialog", dialog)
    dialog.value.setText("-3")
    dialog.ok_button.click()
    assert dialog.isVisible() and dialog.problem.isVisible()
    check("value dialog with a refusal", dialog)
    assert all("&" in w.text() for w in dialog.findChildren(QLabel) if w.buddy())
    dialog.close()
    assert len(seen) == 4 and min(seen.values()) >= 3, seen
    assert problems == {}


def test_every_dialog_and_new_page_names_its_controls(
    qtbot, fake_dialogs, isolated_data_dir, demo_db, tmp_path
):
    """The accessibility walk over what the first walk does not reach: the report
    preview, the import dialog (with a conflict to choose for), the spreadsheet mapping
    dialog, the action, profile value and concern dialogs, and the review's tabs."""
    import csv

    from ics_assess.ui.actions import ActionDialog
    from ics_assess.ui.exchange_view import ImportDialog
    from ics_assess.ui.profile_view import ProfileValueDialog
    from ics_assess.ui.responses_view import ResponsesDialog
    from ics_assess.ui.review_view import ConcernDialog

    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    window = open_window(qtbot, fake_dialogs, path)
    wait_loaded(qtbot, window, 83)
    services = window.services
    problems: dict[str, list[str]] = {}
    seen: dict[str, int] = {}

    def check(where: str, top: QWidget) -> None:
        if isinstance(top, QDialog) and not top.isVisible():
            top.show()
            qtbot.waitExposed(top)
        QApplication.processEvents()
        controls = interactive_controls(top)
        seen[where] = len(controls)
        if missing := [description for name, description in controls if not name]:
            problems[where] = missing
        if isinstance(top, QDialog):
            top.close()

    (partnership,) = services.partnerships()
    review, baseline = services.rounds_latest_first(partnership.id)
    done = next(
        s.assessment
        for s in services.list_assessments()
        if s.assessment.status is AssessmentStatus.SUBMITTED
    )
    # The report preview, once built.
    window.show_report(done.id)
    qtbot.waitUntil(lambda: window.report.save_button.isEnabled(), timeout=60_000)
    check("report preview", window)
    # The import dialog: a bundle of the demo's own assessment, changed here since.
    bundle = tmp_path / "bundle.zip"
    services.export_assessments([done.id], bundle)
    plan = services.plan_import(bundle)
    check("import dialog", ImportDialog(plan, services.db_path, window))
    # The mapping dialog of an online form's responses.
    q = services.latest_questionnaire("governance").questionnaire
    sheet_path = tmp_path / "form.csv"
    with sheet_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Organisation", "Name", *(i.statement for i in q.items[:4])])
        writer.writerow(["Northshire County Council", "Ann", "Mostly true", "2", "x", ""])
    sheet = Services.read_responses(sheet_path)
    mapping = services.suggest_response_mapping(sheet, "governance")
    organisations = services.response_organisations(partnership.id)
    check("mapping dialog", ResponsesDialog(sheet, mapping, q, organisations, window))
    # The action, profile value and concern dialogs.
    check("new action dialog", ActionDialog(services, review.id, parent=window))
    action = services.action_plan(review.id)[0].action
    check("edit action dialog", ActionDialog(services, review.id, action_id=action.id))
    entry = services.round_profile(review.id).entries[0]
    check("profile value dialog", ProfileValueDialog(services, review.id, entry, window))
    check("concern dialog", ConcernDialog(services, partnership.id, baseline.id, window))
    # The review, every tab.
    window.show_review()
    for tab in range(window.review.tabs.count()):
        window.review.tabs.setCurrentIndex(tab)
        check(f"review, tab {tab}", window)

    assert len(seen) == 11 and min(seen.values()) >= 2, seen
    assert seen["mapping dialog"] >= 6, seen  # its drop-downs were reached
    assert problems == {}
