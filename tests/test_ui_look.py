"""The window with a large system font and a high-contrast palette (issue 14), looked at
under a real window at 1280x800 and held here offscreen: no colour chosen for a white
page where a dark one makes its text vanish, no heading or choice cut off at 150%, no
chart squeezed to a dot. Real widgets on a copy of the demo."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QTabWidget

from ics_assess.palette import MIN_CONTRAST, contrast_ratio, mix, readable_on

from .ui_support import FakeDialogs, first_submitted, open_window

R = QPalette.ColorRole
# A high-contrast dark palette as Windows' "High contrast black" gives it.
DARK = {
    R.Window: "#000000",
    R.WindowText: "#FFFFFF",
    R.Base: "#000000",
    R.AlternateBase: "#1C1C1C",
    R.Text: "#FFFFFF",
    R.Button: "#000000",
    R.ButtonText: "#FFFFFF",
    R.Highlight: "#1AEBFF",
    R.HighlightedText: "#000000",
    R.Link: "#FFFF00",
    R.PlaceholderText: "#BFBFBF",
    R.Light: "#FFFFFF",
    R.Midlight: "#C0C0C0",
    R.Mid: "#9A9A9A",
    R.Dark: "#707070",
}


# --- palette.py: contrast, pure ---------------------------------------------------------------


def test_contrast_ratio_is_wcags():
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # WCAG's own example pair: #767676 on white is the lightest grey that passes AA.
    assert contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


def test_readable_on_keeps_a_colour_that_reads_and_moves_one_that_does_not():
    assert readable_on("#B3261E", "#FFFFFF") == "#B3261E"  # dark red on white: fine
    lighter = readable_on("#B3261E", "#000000")  # on black it is lightened, still red
    assert contrast_ratio(lighter, "#000000") >= MIN_CONTRAST
    red, green, blue = (int(lighter[i : i + 2], 16) for i in (1, 3, 5))
    assert red > green and red > blue
    assert contrast_ratio(readable_on("#EEEEEE", "#FFFFFF"), "#FFFFFF") >= MIN_CONTRAST


def test_mix():
    assert mix("#000000", "#FFFFFF", 0) == "#000000"
    assert mix("#000000", "#FFFFFF", 1) == "#FFFFFF"
    assert mix("#000000", "#FFFFFF", 0.5) == "#808080"


# --- the window under a light and a dark palette ----------------------------------------------


@pytest.fixture(params=["light", "dark"])
def palette(request):
    """The application's palette for the test: the style's own, or DARK; put back after."""
    app = QApplication.instance()
    before = QPalette(app.palette())
    chosen = QPalette(app.style().standardPalette())
    if request.param == "dark":
        for role, colour in DARK.items():
            chosen.setColor(role, QColor(colour))
    app.setPalette(chosen)
    yield chosen
    app.setPalette(before)


def colour_of(value) -> QColor:
    """The colour of a model's Foreground or Background data: a brush, a colour or a
    colour's name."""
    if isinstance(value, QBrush):
        return value.color()
    return QColor(value)


def unreadable_cells(view: QAbstractItemView) -> list[str]:
    """The cells of ``view`` whose own text or fill colour leaves their text below WCAG's
    contrast: a colour given without the other is read against the view's palette."""
    model = view.model()
    palette = view.palette()
    found = []
    top = QModelIndex()
    try:
        columns = model.columnCount(top)
    except TypeError:  # a list's model: one column, its count not callable from Python
        columns = 1
    for row in range(model.rowCount(top)):
        for column in range(columns):
            index = model.index(row, column)
            text = index.data(Qt.ItemDataRole.DisplayRole)
            fore = index.data(Qt.ItemDataRole.ForegroundRole)
            back = index.data(Qt.ItemDataRole.BackgroundRole)
            if not text or (fore is None and back is None):
                continue
            fg = palette.color(R.Text) if fore is None else colour_of(fore)
            bg = palette.color(R.Base) if back is None else colour_of(back)
            ratio = contrast_ratio(fg.name(), bg.name())
            if ratio < MIN_CONTRAST:
                found.append(f"{str(text)[:40]!r} {fg.name()} on {bg.name()} ({ratio:.1f})")
    return found


def test_no_page_colours_its_text_unreadably(qtbot, palette, isolated_data_dir, demo_db):
    """Under a high-contrast dark palette the review's and the profile's group headings
    (white on a fixed light fill) vanished, the action plan's overdue row was white on
    pink, and the profile's computed figures and the review's fates were dark grey, green
    and red on black. Every coloured cell of every page is checked on both palettes."""
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = open_window(qtbot, path, FakeDialogs())
    (partnership,) = win.services.partnerships()
    done = first_submitted(win.services)
    pages = {
        "home": win.show_home,
        "results": lambda: win.show_results(done),
        "overview": lambda: win.show_overview(partnership.id),
        "action plan": win.show_action_plan,
        "profile": win.show_profile,
        "review": win.show_review,
    }
    problems = {}
    checked = 0
    for name, show in pages.items():
        show()
        page = win.stack.currentWidget()
        if page is win.overview:
            qtbot.waitUntil(lambda: not win.overview.jobs.is_busy(), timeout=30_000)
        tabs = [t for t in page.findChildren(QTabWidget) if t.isVisibleTo(page)]
        for tab_widget, index in [(t, i) for t in tabs for i in range(t.count())] or [(None, 0)]:
            if tab_widget is not None:
                tab_widget.setCurrentIndex(index)
            for view in page.findChildren(QAbstractItemView):
                if view.isVisibleTo(page) and view.model() is not None:
                    checked += 1
                    if bad := unreadable_cells(view):
                        problems[f"{name}, tab {index}, {view.accessibleName()}"] = bad[:3]
    assert checked >= 8
    assert problems == {}
    win.close()


def test_a_refusal_reads_on_the_dialogs_background(qtbot, palette):
    from ics_assess.ui.widgets import refusal_label

    label = refusal_label("Why it was not saved")
    qtbot.addWidget(label)
    fg = label.palette().color(label.foregroundRole())
    bg = palette.color(R.Window)
    assert contrast_ratio(fg.name(), bg.name()) >= MIN_CONTRAST
    assert fg.red() > fg.green()  # still red


# --- the window with the system font at 150% ---------------------------------------------------


@pytest.fixture
def large_font():
    """The application's font at 1.5 times its size (the system font at 150%)."""
    app = QApplication.instance()
    before = QFont(app.font())
    big = QFont(before)
    big.setPointSizeF(before.pointSizeF() * 1.5)
    app.setFont(big)
    yield big
    app.setFont(before)


def test_at_150_percent_home_shows_every_column_heading_whole(
    qtbot, large_font, isolated_data_dir, demo_db
):
    """At 150% on 1280 pixels the headings were cut at both ends ("artner typ",
    "uestionnair") and the status filter read "Drafts and submitte". The text columns
    now get their headings' width as far as Organisation can give up room and still show
    the start of its names; there is room for that here."""
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = open_window(qtbot, path, FakeDialogs())
    win.resize(1280, 800)
    QApplication.processEvents()
    home = win.home
    header = home.table.horizontalHeader()
    bold = QFont(header.font())
    bold.setBold(True)
    metrics = QFontMetrics(bold)
    cut = []
    for column in (1, 2, 3):
        title = home.model.headerData(column, Qt.Orientation.Horizontal)
        if header.sectionSize(column) < metrics.horizontalAdvance(title) + 8:
            cut.append(title)
    assert cut == []
    start = QFontMetrics(home.table.font()).horizontalAdvance("Northshire Co")
    assert header.sectionSize(0) >= start
    status = home.status_filter
    widest = max(status.itemText(i) for i in range(status.count()))
    assert status.width() >= status.fontMetrics().horizontalAdvance(widest)
    win.close()


def test_at_150_percent_the_results_radar_is_not_squeezed(
    qtbot, large_font, isolated_data_dir, demo_db
):
    """At 150% the radar of a results page shrank to a dot inside its frame (its spoke
    labels took the room of a chart sized in fixed pixels): the chart's least size now
    follows the font, and below the summary it is as tall as a radar needs."""
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = open_window(qtbot, path, FakeDialogs())
    win.resize(1280, 800)
    done = first_submitted(win.services)
    win.show_results(done)
    QApplication.processEvents()
    page = win.results
    line = page.fontMetrics().height()
    chart = page.chart_view
    assert chart.width() >= 66 * page.fontMetrics().averageCharWidth()
    assert chart.height() >= 22 * line
    win.close()


def test_the_overviews_round_shows_its_whole_name(qtbot, isolated_data_dir, demo_db):
    """At 1024 pixels the overview's Round read "Six-month review, November 20" with room
    to spare at the end of its row."""
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = open_window(qtbot, path, FakeDialogs())
    (partnership,) = win.services.partnerships()
    win.show_overview(partnership.id)
    qtbot.waitUntil(lambda: not win.overview.jobs.is_busy(), timeout=30_000)
    combo = win.overview.round_combo
    text = combo.currentText()
    assert text.startswith("Six-month review")
    assert combo.width() >= combo.fontMetrics().horizontalAdvance(text) + 30
    win.close()


def test_the_comparison_export_offers_the_type_its_name_has(qtbot, isolated_data_dir, demo_db):
    """The comparison's export suggested a name ending .xlsx under "Files of type: CSV"."""
    from ics_assess.ui.overview import EXPORT_FILTER

    first = EXPORT_FILTER.split(";;")[0]
    assert "*.xlsx" in first
