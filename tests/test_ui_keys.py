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

from .ui_support import FakeDialogs, open_window

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
