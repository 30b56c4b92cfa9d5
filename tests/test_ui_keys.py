"""Alt keys, page by page (issues 11 and 14): on every page of the main window, each Alt
key (the letter after "&" on a button, a label's buddy, a tab) belongs to one control,
and none takes a menu's letter (Alt+F, Alt+E, Alt+V, Alt+H open the menus). Real widgets
offscreen, on a copy of the demo."""

from __future__ import annotations

import shutil
from collections import Counter

import pytest
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
