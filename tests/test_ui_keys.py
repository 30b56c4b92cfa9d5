"""Alt keys, page by page (issues 11 and 14): on every page of the main window, each Alt
key (the letter after "&" on a button, a label's buddy, a tab) belongs to one control,
and none takes a menu's letter (Alt+F, Alt+E, Alt+V, Alt+H open the menus). Real widgets
offscreen, on a copy of the demo."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QTabBar, QTabWidget

from .ui_support import FakeDialogs, first_submitted, open_window

MENU_KEYS = {"f", "e", "v", "h"}


def _key(text: str) -> str | None:
    """The Alt key of a text ("&&" is a literal ampersand)."""
    text = text.replace("&&", "")
    at = text.find("&")
    return text[at + 1].lower() if 0 <= at < len(text) - 1 else None


def alt_keys(page) -> list[tuple[str, str]]:
    """(key, text) of every control with an Alt key that is shown on ``page``."""
    found = []
    for b in page.findChildren(QAbstractButton):
        if b.isVisibleTo(page) and (k := _key(b.text())):
            found.append((k, b.text()))
    for label in page.findChildren(QLabel):
        if label.buddy() is not None and label.isVisibleTo(page) and (k := _key(label.text())):
            found.append((k, label.text()))
    for bar in page.findChildren(QTabBar):
        if bar.isVisibleTo(page):
            for i in range(bar.count()):
                if k := _key(bar.tabText(i)):
                    found.append((k, bar.tabText(i)))
    return found


@pytest.fixture
def window(qtbot, isolated_data_dir, demo_db):
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = open_window(qtbot, path, FakeDialogs())
    yield win
    win.close()


def test_every_page_has_one_control_per_alt_key_and_none_on_a_menu(qtbot, window):
    win = window
    (partnership,) = win.services.partnerships()
    submitted = next(
        s.assessment.id
        for s in win.services.list_assessments()
        if s.assessment.status == "submitted" and s.assessment.kind == "organisation"
    )
    workshop_id = win.services.workshops()[0].workshop.id
    pages = {
        "results": lambda: win.show_results(submitted),
        "walk-through": lambda: win.open_assessment(submitted),
        "workshop": lambda: win.show_workshop(workshop_id),
        "home": win.show_home,
        "overview": lambda: win.show_overview(partnership.id),
        "workshops": win.show_workshops,
        "action plan": win.show_action_plan,
        "profile": win.show_profile,
        "review": win.show_review,
    }
    problems = []
    for name, show in pages.items():
        show()
        page = win.stack.currentWidget()
        tabs = [t for t in page.findChildren(QTabWidget) if t.isVisibleTo(page)]
        views = [(t, i) for t in tabs for i in range(t.count())] or [(None, 0)]
        for tab_widget, index in views:  # each tab of the page in turn
            if tab_widget is not None:
                tab_widget.setCurrentIndex(index)
            keys = alt_keys(page)
            assert keys, name
            twice = [k for k, n in Counter(k for k, _ in keys).items() if n > 1]
            for k in twice:
                texts = sorted({t for kk, t in keys if kk == k})
                problems.append(f"{name}: Alt+{k.upper()} on {texts}")
            for k, text in keys:
                if k in MENU_KEYS:
                    problems.append(f"{name}: Alt+{k.upper()} ({text}) opens a menu")
    problems = sorted(set(problems))
    assert problems == []


def walk_tab_chain(qtbot, page, start, steps: int = 150) -> list:
    """Press Tab from ``start`` until focus comes back to it; the widgets reached, in
    order. Fails when focus sticks (a trap) or never comes back."""
    from PySide6.QtWidgets import QApplication

    start.setFocus()
    QApplication.processEvents()
    reached = []
    for _ in range(steps):
        widget = QApplication.focusWidget()
        reached.append(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
        now = QApplication.focusWidget()
        if now is start:
            return reached
        if now is widget:
            pytest.fail(f"Tab is trapped in {widget!r} ({widget.accessibleName()})")
    pytest.fail(f"Tab never came back to {start!r}; last {reached[-3:]!r}")


def unreached_buttons(page, reached) -> list[str]:
    """The buttons shown and enabled on ``page`` that Tab did not reach."""
    return [
        b.accessibleName() or b.text()
        for b in page.findChildren(QAbstractButton)
        if b.isVisible()
        and b.isEnabled()
        and b.focusPolicy() & Qt.FocusPolicy.TabFocus
        and b not in reached
        and not isinstance(b.parent(), QTabBar)
    ]


def test_tab_reaches_every_button_of_every_page(qtbot, window):
    win = window
    (_partnership,) = win.services.partnerships()
    submitted = next(
        s.assessment.id
        for s in win.services.list_assessments()
        if s.assessment.status == "submitted" and s.assessment.kind == "organisation"
    )
    workshop_id = win.services.workshops()[0].workshop.id
    pages = {
        "home": (win.show_home, lambda: win.home.search),
        "results": (lambda: win.show_results(submitted), None),
        "report": (lambda: win.show_report(submitted), None),
        "workshop": (lambda: win.show_workshop(workshop_id), None),
        "workshops": (win.show_workshops, None),
        "action plan": (win.show_action_plan, None),
        "profile": (win.show_profile, None),
        "review": (win.show_review, None),
    }
    problems = []
    for name, (show, start_of) in pages.items():
        show()
        page = win.stack.currentWidget()
        if page is win.report:  # built in the background: wait until it shows
            qtbot.waitUntil(lambda: win.report.save_button.isEnabled(), timeout=60_000)
        tabs = [t for t in page.findChildren(QTabWidget) if t.isVisibleTo(page)]
        views = [(t, i) for t in tabs for i in range(t.count())] or [(None, 0)]
        for tab_widget, index in views:
            if tab_widget is not None:
                tab_widget.setCurrentIndex(index)
            start = start_of() if start_of else page.back_button
            reached = walk_tab_chain(qtbot, page, start)
            missing = unreached_buttons(page, reached)
            if missing:
                problems.append(f"{name} (tab {index}): {missing}")
    assert problems == []


def test_ctrl_n_starts_a_new_assessment_from_any_page(qtbot, window):
    win = window
    win.show_review()
    asked = []
    win.home.new_assessment = lambda: asked.append(win.stack.currentWidget())
    qtbot.keyClick(win.review.tabs, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert asked == [win.home]


def test_export_from_another_page_shows_what_it_exports(qtbot, window):
    win = window
    dialogs = win.dialogs
    win.show_home()
    win.home.table.selectRow(0)
    chosen = win.home.selected_all()
    assert len(chosen) == 1
    win.show_review()
    win.export_assessments()  # File > Export from the review page
    assert win.stack.currentWidget() is win.home  # the list, with its selection, shows
    kind, title, _ = dialogs.asked[-1]
    assert kind == "save_path"
    first = chosen[0]
    assert title == (
        f"Export {first.organisation_name}'s {first.questionnaire_title} ({first.round_name})"
    )
    qtbot.waitUntil(lambda: not win.home.jobs.is_busy(), timeout=10_000)
    assert win.home.count_label.text().endswith(" assessments")


def test_focus_set_by_the_program_is_drawn(qtbot, window):
    """After the program moves focus (not the keyboard), the focused button still shows
    its focus frame: it looks different from the same button without focus."""
    from PySide6.QtWidgets import QApplication

    win = window
    win.show_review()
    button = win.review.pack_button
    win.review.back_button.setFocus()
    QApplication.processEvents()
    without = button.grab().toImage()
    button.setFocus()  # Qt.OtherFocusReason: what the program does
    QApplication.processEvents()
    assert button.hasFocus()
    with_focus = button.grab().toImage()
    assert with_focus != without


# --- the keyboard-only run under a real window (issue 14): what it found ---------------------


def no_alt_key(top) -> list[str]:
    """The buttons, check boxes and radio buttons shown under ``top`` whose text has no
    Alt key, less those reached another way: a dialog's OK and Cancel (Enter, Esc), the
    walk-through's answers and section buttons and guidance (1-5, D, N, Ctrl+PgDown,
    Ctrl+PgUp, Alt+G; the guide lists them) and a search box's clear button."""
    from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QToolButton

    found = []
    for b in top.findChildren(QAbstractButton):
        if not b.isVisibleTo(top) or not b.text().strip() or _key(b.text()) is not None:
            continue
        parent = b.parentWidget()
        if isinstance(parent, (QTabBar, QDialogButtonBox, QLineEdit)):
            continue
        if type(parent).__name__ == "StatementCard":
            continue
        if b.accessibleName() in ("Previous section", "Next section"):
            continue
        if isinstance(b, QToolButton) and b.text() == "Show guidance and evidence":
            continue
        found.append(b.text())
    return sorted(found)


def test_every_button_of_every_page_and_dialog_has_an_alt_key(
    qtbot, isolated_data_dir, demo_db, tmp_path
):
    """Found by keyboard: the welcome page's two buttons, the results page's Back, All
    assessments, Report and Organisation report, every button of the report preview and
    of the Backups dialog, and the New assessment dialog's answer-anonymously and
    whose-view choices had no Alt key."""
    from PySide6.QtWidgets import QApplication

    from ics_assess.domain import AssessmentStatus
    from ics_assess.ui.actions import ActionDialog
    from ics_assess.ui.backups_dialog import BackupsDialog
    from ics_assess.ui.exchange_view import ImportDialog
    from ics_assess.ui.new_assessment import NewAssessmentDialog
    from ics_assess.ui.profile_view import ProfileValueDialog
    from ics_assess.ui.review_view import ConcernDialog

    problems: dict[str, list[str]] = {}

    def check(where: str, top) -> None:
        QApplication.processEvents()
        if missing := no_alt_key(top):
            problems[where] = missing

    dialogs = FakeDialogs()
    empty = open_window(qtbot, None, dialogs)
    check("welcome", empty.welcome)
    dialog = NewAssessmentDialog(empty.services, dialogs, empty)
    dialog.show()
    check("New assessment, empty database", dialog)
    dialog.close()
    empty.close()

    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = open_window(qtbot, path, dialogs)
    services = win.services
    (partnership,) = services.partnerships()
    rows = services.list_assessments()
    done = next(s.assessment.id for s in rows if s.assessment.status is AssessmentStatus.SUBMITTED)
    draft = next(s.assessment.id for s in rows if s.assessment.status is AssessmentStatus.DRAFT)
    workshop_id = services.workshops()[0].workshop.id
    pages = {
        "home": win.show_home,
        "walk-through": lambda: win.open_walkthrough(draft),
        "results": lambda: win.show_results(done),
        "workshop": lambda: win.show_workshop(workshop_id),
        "overview": lambda: win.show_overview(partnership.id),
        "workshops": win.show_workshops,
        "action plan": win.show_action_plan,
        "profile": win.show_profile,
        "review": win.show_review,
    }
    for name, show in pages.items():
        show()
        page = win.stack.currentWidget()
        tabs = [t for t in page.findChildren(QTabWidget) if t.isVisibleTo(page)]
        for tab_widget, index in [(t, i) for t in tabs for i in range(t.count())] or [(None, 0)]:
            if tab_widget is not None:
                tab_widget.setCurrentIndex(index)
            check(f"{name}, tab {index}", page)
    win.show_report(done)
    qtbot.waitUntil(lambda: win.report.save_button.isEnabled(), timeout=60_000)
    check("report preview", win.report)

    review, baseline = services.rounds_latest_first(partnership.id)
    bundle = tmp_path / "bundle.zip"
    services.export_assessments([done], bundle)
    tops = {
        "New assessment": NewAssessmentDialog(services, dialogs, win),
        "Backups": BackupsDialog(services.db_path, dialogs, win),
        "Import": ImportDialog(services.plan_import(bundle), services.db_path, win),
        "New action": ActionDialog(services, review.id, parent=win),
        "Concern": ConcernDialog(services, partnership.id, baseline.id, win),
        "Profile value": ProfileValueDialog(
            services, review.id, services.round_profile(review.id).entries[0], win
        ),
    }
    win.show_guide()
    tops["Guide"] = win.guide
    for name, top in tops.items():
        top.show()
        check(name, top)
        top.close()
    assert problems == {}


def test_ctrl_s_saves_the_report(qtbot, window, tmp_path):
    """The report page had Ctrl+S twice (StandardKey.Save and "Ctrl+S"), which Qt takes
    as ambiguous and runs neither: Ctrl+S did nothing, though its tooltip offered it."""
    win = window
    done = first_submitted(win.services)
    win.show_report(done)
    qtbot.waitUntil(lambda: win.report.save_button.isEnabled(), timeout=60_000)
    target = tmp_path / "saved.pdf"
    win.dialogs.answers.append(target)
    win.report.view.setFocus()
    qtbot.keyClick(win.report.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert [t for k, t, _ in win.dialogs.asked if k == "save_path"] == ["Save the report"]
    assert target.read_bytes().startswith(b"%PDF")


def help_section(title: str) -> list[str]:
    """The keys named in one section of the guide's keyboard help, as written there."""
    import re

    from ics_assess.ui.main_window import KEYBOARD_HELP

    section = KEYBOARD_HELP.split(f"<h3>{title}</h3>", 1)[1].split("<h3>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td>", section, flags=re.S)
    return [key for row in rows for key in re.findall(r"<b>(.*?)</b>", row)]


def test_the_keys_the_guide_says_work_everywhere_are_the_windows_own(window):
    """The guide listed Ctrl+F (search) and Enter (open) under "Everywhere"; both belong
    to the list of assessments and do nothing on any other page. Every key in that
    section is now a shortcut of a menu command, which works on every page."""
    from PySide6.QtGui import QAction, QKeySequence

    shortcuts = {
        keys.toString() for action in window.findChildren(QAction) for keys in action.shortcuts()
    }
    listed = [key for key in help_section("Everywhere") if key != "Alt"]
    missing = [k for k in listed if QKeySequence(k).toString() not in shortcuts]
    assert missing == []
    assert len(listed) >= 10
    assert {"Ctrl+F", "Enter"} <= set(help_section("The list of assessments"))


def test_the_guides_keyboard_help_is_a_whole_tab_not_a_cut_off_pane(qtbot, window):
    """The keyboard help was a pane 240 pixels high above the method, scrolled inside
    itself, so most of it was hidden; at 150% only four rows showed. Each is now a tab of
    the dialog's full height, with an Alt key, and the dialog is sized to its font."""
    from PySide6.QtWidgets import QTextBrowser

    window.show_guide()
    guide = window.guide
    qtbot.waitExposed(guide)
    keys = next(
        b for b in guide.findChildren(QTextBrowser) if b.accessibleName() == "Keyboard shortcuts"
    )
    assert guide.tabs.currentWidget() is keys
    assert [guide.tabs.tabText(i) for i in range(guide.tabs.count())] == [
        "&Keyboard",
        "The &method",
    ]
    line = guide.fontMetrics().height()
    assert keys.height() >= 30 * line  # two of the help's sections at once, at least
    assert guide.width() >= 40 * line


def test_the_export_hint_names_a_keyboard_way_to_pick_several(window):
    """With nothing chosen, File > Export said "Ctrl+click picks several": a mouse only."""
    window.show_home()
    window.home.table.clearSelection()
    window.home.round_filter.setCurrentIndex(0)
    window.export_assessments()
    (text,) = window.dialogs.messages("inform")[-1:]
    assert "Shift with the arrow keys" in text


def test_the_focus_ring_shows_on_tables_text_boxes_and_buttons(qtbot, window):
    """Found by keyboard: a table, a multi-line text box and the report preview showed
    no focus at all (Fusion draws none on their frame; the Edit action dialog opened
    with focus in its Action box and nothing showed it), and a focused button looked
    just like the default button beside it. A ring in the palette's window text colour
    now sits just inside the edge of whichever of them has focus."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import (
        QApplication,
        QPlainTextEdit,
        QPushButton,
        QTextEdit,
        QWidget,
    )

    from ics_assess.ui.actions import ActionDialog
    from ics_assess.ui.style import RING_WIDTH, focus_ring

    win = window
    ring_keeper = focus_ring(QApplication.instance())
    assert ring_keeper is not None

    def ring_on(widget) -> bool:
        QApplication.processEvents()
        ring = ring_keeper.ring()
        if ring is None or ring.parentWidget() is not widget or not ring.isVisible():
            return False
        if ring.geometry() != widget.rect():
            return False
        colour = widget.palette().color(QPalette.ColorRole.WindowText)
        image = widget.grab().toImage()
        inside = image.pixelColor(RING_WIDTH - 1, widget.height() // 2)
        return inside == colour

    win.show_action_plan()
    table = win.action_plan.table
    table.setFocus()
    assert ring_on(table)

    (partnership,) = win.services.partnerships()
    review, _ = win.services.rounds_latest_first(partnership.id)
    action = win.services.action_plan(review.id)[0].action
    dialog = ActionDialog(win.services, review.id, action_id=action.id, parent=win)
    dialog.show()
    qtbot.waitExposed(dialog)
    box = next(
        w
        for w in dialog.findChildren(QWidget)
        if isinstance(w, (QPlainTextEdit, QTextEdit)) and w.isVisible() and w.isEnabled()
    )
    box.setFocus()
    assert ring_on(box)
    cancel, default = None, None
    for b in dialog.findChildren(QPushButton):
        if b.isVisible() and b.isDefault():
            default = b
        elif b.isVisible() and b.accessibleName() == "Cancel":
            cancel = b
    assert default is not None and cancel is not None
    cancel.setFocus()
    assert ring_on(cancel) and not ring_on(default)
    dialog.close()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)

    done = first_submitted(win.services)
    win.show_results(done)
    win.results.scroll.setFocus()  # where the page opens: it scrolls by keyboard
    assert ring_on(win.results.scroll)
    win.show_home()
    win.home.search.setFocus()  # a line edit draws its own focus: no ring
    QApplication.processEvents()
    ring = ring_keeper.ring()
    assert ring is None or not ring.isVisible()


def test_tab_walks_every_dialog_without_a_trap(qtbot, isolated_data_dir, demo_db, tmp_path):
    """Each dialog's Tab chain comes back round, never sticks, and reaches every button
    it shows (its OK and Cancel too)."""
    import csv

    from PySide6.QtWidgets import QApplication

    from ics_assess.domain import AssessmentStatus
    from ics_assess.services import Services
    from ics_assess.ui.actions import ActionDialog
    from ics_assess.ui.backups_dialog import BackupsDialog
    from ics_assess.ui.exchange_view import ImportDialog
    from ics_assess.ui.new_assessment import NewAssessmentDialog
    from ics_assess.ui.profile_view import ProfileValueDialog
    from ics_assess.ui.responses_view import ResponsesDialog
    from ics_assess.ui.review_view import ConcernDialog

    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    dialogs = FakeDialogs()
    win = open_window(qtbot, path, dialogs)
    services = win.services
    (partnership,) = services.partnerships()
    review, baseline = services.rounds_latest_first(partnership.id)
    done = next(
        s.assessment.id
        for s in services.list_assessments()
        if s.assessment.status is AssessmentStatus.SUBMITTED
    )
    bundle = tmp_path / "bundle.zip"
    services.export_assessments([done], bundle)
    q = services.latest_questionnaire("governance").questionnaire
    sheet_path = tmp_path / "form.csv"
    with sheet_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Organisation", "Name", *(i.statement for i in q.items[:3])])
        writer.writerow(["Northshire County Council", "Ann", "Mostly true", "2", "x"])
    sheet = Services.read_responses(sheet_path)
    tops = {
        "New assessment": NewAssessmentDialog(services, dialogs, win),
        "Backups": BackupsDialog(services.db_path, dialogs, win),
        "Import": ImportDialog(services.plan_import(bundle), services.db_path, win),
        "Mapping": ResponsesDialog(
            sheet,
            services.suggest_response_mapping(sheet, "governance"),
            q,
            services.response_organisations(partnership.id),
            win,
        ),
        "New action": ActionDialog(services, review.id, parent=win),
        "Concern": ConcernDialog(services, partnership.id, baseline.id, win),
        "Profile value": ProfileValueDialog(
            services, review.id, services.round_profile(review.id).entries[0], win
        ),
    }
    problems, walked = {}, {}
    for name, top in tops.items():
        top.show()
        qtbot.waitExposed(top)
        top.activateWindow()
        qtbot.waitUntil(top.isActiveWindow)
        QApplication.processEvents()
        start = top.focusWidget() or top.nextInFocusChain()
        reached = walk_tab_chain(qtbot, top, start)
        walked[name] = len(reached)
        if missing := unreached_buttons(top, reached):
            problems[name] = missing
        top.close()
    # Each walk really went round its dialog (the import of a bundle this database already
    # holds has only its Close button to offer).
    assert walked["Import"] >= 1, walked
    assert min(n for name, n in walked.items() if name != "Import") >= 4, walked
    assert problems == {}
