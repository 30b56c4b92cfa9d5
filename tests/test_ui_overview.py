"""The partnership overview in the window (issue 9): the ICB chair opens it from home,
and sees the comparison's numbers (never others), by group, statement, divergence and
round; the individual view never shows a group under three; everything is reachable by
keyboard; and the home list shows each assessment's score and band."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCharts import QLineSeries
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QTableView

from ics_assess.comparison import OVERALL
from ics_assess.scoring import band_for, percent
from ics_assess.services import Services
from ics_assess.ui.main_window import MainWindow
from ics_assess.ui.overview_models import COLUMN_ROLE, ITEM_ROLE

from .conftest import FORMS_DIR
from .ui_support import FakeDialogs

REVIEW = "Six-month review, November 2026"
BASELINE = "Baseline, May 2026"


def open_window(qtbot, path, dialogs=None) -> MainWindow:
    win = MainWindow(dialogs=dialogs or FakeDialogs())
    qtbot.addWidget(win)
    win.resize(1024, 700)
    assert win.open_initial_database(path)
    win.show()
    qtbot.waitUntil(lambda: not win.home.jobs.is_busy(), timeout=20_000)
    return win


def wait_built(qtbot, win: MainWindow) -> None:
    qtbot.waitUntil(lambda: not win.overview.jobs.is_busy(), timeout=30_000)
    QApplication.processEvents()


@pytest.fixture
def demo(qtbot, isolated_data_dir, demo_db):
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = open_window(qtbot, path)
    yield win
    win.close()


@pytest.fixture(scope="module")
def expected(demo_db):
    """The comparisons as Services builds them, to check the window against."""
    with Services.open(demo_db, [FORMS_DIR], readonly=True) as services:
        pid = services.partnerships()[0].id
        review = services.rounds_latest_first(pid)[0]
        yield {
            kind: services.compare(
                round_id=review.id, questionnaire_id="equal-partnership", kind=kind
            )
            for kind in ("organisation", "individual")
        }


def open_overview(qtbot, win: MainWindow, questionnaire="equal-partnership"):
    qtbot.mouseClick(win.home.compare_button, Qt.MouseButton.LeftButton)
    overview = win.overview
    assert win.stack.currentWidget() is overview
    wait_built(qtbot, win)
    assert overview.round_combo.currentText() == REVIEW  # latest round first
    combo = overview.questionnaire_combo
    combo.setCurrentIndex(combo.findData(questionnaire))
    wait_built(qtbot, win)
    assert overview.comparison is not None
    return overview


def column_texts(view: QTableView, column: int) -> list[str]:
    model = view.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_home_lists_each_assessments_score_and_band(qtbot, demo):
    home = demo.home
    qtbot.waitUntil(lambda: home.model.scores_loaded, timeout=20_000)
    scores = demo.services.overall_scores()
    model = home.model
    assert model.headerData(8, Qt.Orientation.Horizontal) == "Score"
    assert model.headerData(9, Qt.Orientation.Horizontal) == "Band"
    for row in range(model.rowCount()):
        s = model.summary(row)
        score = scores[s.assessment.id]
        text, band = model.index(row, 8).data(), model.index(row, 9).data()
        if score.mean is None:
            assert band == "Not enough answers"
        else:
            # A score from fewer than all sections is marked provisional with a star.
            assert text == f"{score.mean:.1f}" + ("*" if score.provisional else "")
            assert band == score.band.name
    home.table.sortByColumn(8, Qt.SortOrder.DescendingOrder)
    shown = [home.proxy.index(r, 8).data() for r in range(home.proxy.rowCount())]
    numbers = [float(t.rstrip("*")) for t in shown if t not in ("–", "")]
    assert numbers == sorted(numbers, reverse=True)


def test_the_overview_shows_the_comparisons_numbers(qtbot, demo, expected):
    c = expected["organisation"]
    overview = open_overview(qtbot, demo)
    h = c.headline

    # The headline: system score, its band, sectors with n, the plain mean, coverage.
    assert overview.system_label.text() == c.headline_sentence() == f"System score {h.system:.1f}"
    assert overview.band_chip.text() == band_for(percent(h.system), c.questionnaire.bands).name
    sectors = overview.sectors_label.text()
    assert f"NHS {h.by_sector[next(iter(h.by_sector))]:.1f} (3 organisations)" in sectors
    assert "Local government" in sectors and "(4 organisations)" in sectors
    assert f"{h.plain:.1f}" in overview.plain_mean_label.text()
    assert c.coverage.sentence() in overview.coverage_label.text()
    assert "Organisation responses" in overview.kind_label.text()

    # Sections by group: one row per group, band names printed, sortable.
    table = overview.group_table
    assert column_texts(table, 0) == [col.label for col in c.columns]
    bands = c.questionnaire.bands
    for row, col in enumerate(c.columns):
        value = col.value(OVERALL)
        assert column_texts(table, 3)[row] == f"{value:.1f} {band_for(percent(value), bands).name}"
    table.sortByColumn(3, Qt.SortOrder.DescendingOrder)
    values = [float(t.split()[0]) for t in column_texts(table, 3)]
    assert values == sorted(values, reverse=True)

    # The radar: system and sectors on; a tick in the table adds or takes off a line.
    def lines() -> set[str]:
        return {
            s.name() for s in overview.chart_view.chart().series() if isinstance(s, QLineSeries)
        }

    assert lines() == {"System", "NHS", "Local government", "Community"}
    model = table.model()
    nhs = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "NHS")
    model.setData(model.index(nhs, 0), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    assert "NHS" not in lines()
    org_row = next(
        r
        for r in range(model.rowCount())
        if model.index(r, 0).data(COLUMN_ROLE).level == "organisation"
    )
    name = model.index(org_row, 0).data()
    model.setData(model.index(org_row, 0), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert name in lines()

    # Statements: split where the comparison says so, with its consensus in the tooltip.
    heat = overview.heat_table.model()
    assert heat.rowCount() == len(c.statements)
    splits = 0
    for row in range(heat.rowCount()):
        statement = heat.index(row, 0).data(ITEM_ROLE)
        marks = heat.index(row, 2).data()
        assert ("split" in marks) == statement.split
        if statement.split:
            splits += 1
            tip = heat.index(row, 2).data(Qt.ItemDataRole.ToolTipRole)
            assert f"consensus {statement.spread.consensus:.2f}" in tip
    assert splits >= 1
    overview.by_sector.setChecked(True)
    assert [
        heat.headerData(i, Qt.Orientation.Horizontal) for i in range(3, heat.columnCount())
    ] == [
        "System",
        "NHS",
        "Local government",
        "Community",
    ]
    overview._show_statement(c.statements[0])
    words = overview.statement_words.text()
    assert "Agreement" in words and f"n {c.statements[0].spread.n}" in words


def test_divergences_largest_first_with_the_comments_behind_them(qtbot, demo, expected):
    c = expected["organisation"]
    overview = open_overview(qtbot, demo)
    overview.select_tab(2)
    table = overview.divergence_table
    model = table.model()
    gaps = [abs(model.index(r, 0).data(ITEM_ROLE).gap.gap) for r in range(model.rowCount())]
    assert gaps == sorted(gaps, reverse=True) and len(gaps) == len(c.divergences)
    flagged = {}
    for row in range(model.rowCount()):
        if model.index(row, 0).data() == "Section" and model.index(row, 2).data() == (
            "NHS – local government"
        ):
            flagged[model.index(row, 1).data()] = (row, model.index(row, 6).data())
    for title in ("Setting the agenda", "Money and pooled budgets"):
        assert flagged[title][1] == "Flagged"

    row = flagged["Money and pooled budgets"][0]
    table.setCurrentIndex(model.index(row, 0))
    with qtbot.waitSignal(overview.comments_shown, timeout=20_000):
        table.activated.emit(model.index(row, 0))
    texts = [overview.comments_list.item(i).text() for i in range(overview.comments_list.count())]
    section = next(s for s in c.questionnaire.sections if s.title == "Money and pooled budgets")
    numbers = {row.number for row in c.statements if row.section_id == section.id}
    assert {t.split()[0] for t in texts if t[:1].isdigit()} == numbers
    names = {o.name for o in c.organisations.values()}
    assert any(any(name in t for name in names) for t in texts)  # by organisation name

    # From a comment to its organisation's assessment, and back where it was.
    item = next(
        overview.comments_list.item(i)
        for i in range(overview.comments_list.count())
        if overview.comments_list.item(i).data(Qt.ItemDataRole.UserRole)
    )
    overview.comments_list.setCurrentItem(item)
    qtbot.mouseClick(overview.open_comment_button, Qt.MouseButton.LeftButton)
    assert demo.stack.currentWidget() is demo.results
    assert demo.results.assessment_id() == item.data(Qt.ItemDataRole.UserRole)
    assert demo.results.overview_button.isVisible()
    qtbot.mouseClick(demo.results.overview_button, Qt.MouseButton.LeftButton)
    assert demo.stack.currentWidget() is overview
    assert overview.tabs.currentIndex() == 2
    assert overview.comments_list.currentItem() is item


def test_an_organisation_row_opens_its_assessment_and_back_returns(qtbot, demo):
    overview = open_overview(qtbot, demo)
    table = overview.group_table
    model = table.model()
    row = next(
        r
        for r in range(model.rowCount())
        if model.index(r, 0).data(COLUMN_ROLE).level == "organisation"
    )
    name = model.index(row, 0).data()
    table.setCurrentIndex(model.index(row, 3))
    assert overview.open_group_button.isEnabled()
    qtbot.mouseClick(overview.open_group_button, Qt.MouseButton.LeftButton)
    assert demo.stack.currentWidget() is demo.results
    assert demo.results.detail.organisation.name == name
    qtbot.mouseClick(demo.results.overview_button, Qt.MouseButton.LeftButton)
    assert demo.stack.currentWidget() is overview
    assert table.currentIndex().row() == row
    # Opened from home, the results page offers no way back to the overview.
    demo.show_home()
    demo.open_assessment(demo.results.assessment_id())
    assert not demo.results.overview_button.isVisible()


def test_the_trend_since_the_last_round(qtbot, demo, expected):
    c = expected["organisation"]
    overview = open_overview(qtbot, demo)
    overview.select_tab(3)
    assert overview.since_combo.currentText() == BASELINE
    assert overview.trend_table.isVisible()
    model = overview.trend_table.model()
    labels = column_texts(overview.trend_table, 0)
    assert labels[:4] == ["System", "NHS", "Local government", "Community"]
    assert len(labels) == 4 + len(c.trend.overall.matched)
    note = overview.trend_note.text()
    for org in c.trend.only_before:
        assert org.name in note
    assert overview.improvements.count() >= 1
    system_change = c.trend.overall.system.change
    assert model.index(0, 2).data().startswith(f"{system_change:+.1f}")

    # The baseline has no earlier round.
    overview.round_combo.setCurrentIndex(overview.round_combo.findText(BASELINE))
    wait_built(qtbot, demo)
    assert overview.trend_note.text() == "No earlier round to compare with."
    assert not overview.trend_table.isVisible()


def test_individual_views_never_show_a_group_under_three(qtbot, demo, expected):
    c = expected["individual"]
    overview = open_overview(qtbot, demo)
    overview.kind_tabs.setCurrentIndex(1)
    wait_built(qtbot, demo)
    assert overview.comparison.kind.value == "individual"
    assert "Individual views" in overview.kind_label.text()
    organisation_names = {o.name for o in c.organisations.values()}

    # Every label of every table: groups of three or more, no organisation by name
    # except a group the comparison shows (of three or more).
    shown = {col.label: col.n for col in c.columns}
    table = overview.group_table.model()
    for row in range(table.rowCount()):
        assert int(table.index(row, 2).data()) >= 3
        assert table.index(row, 0).data() in shown
    for by in (overview.by_group, overview.by_sector):
        by.setChecked(True)
        heat = overview.heat_table.model()
        for column in range(3, heat.columnCount()):
            label = heat.headerData(column, Qt.Orientation.Horizontal)
            assert shown[label] >= 3
    trend = overview.trend_table.model()
    for row in range(trend.rowCount()):
        assert trend.index(row, 0).data() not in organisation_names
    assert "is never shown on its own" in overview.notes_label.text()

    # The comments behind a gap name no one.
    model = overview.divergence_table.model()
    assert model.rowCount() > 0
    with qtbot.waitSignal(overview.comments_shown, timeout=20_000):
        overview.show_comments(model.index(0, 0))
    for i in range(overview.comments_list.count()):
        item = overview.comments_list.item(i)
        assert item.data(Qt.ItemDataRole.UserRole) is None
        if item.text().startswith("    "):
            assert not any(name in item.text() for name in organisation_names)
            assert "respondent" in item.text() or "No comments" in item.text()
    assert not overview.open_comment_button.isVisible()
    assert not overview.open_group_button.isVisible()


def test_report_and_export_write_files(qtbot, demo, tmp_path):
    overview = open_overview(qtbot, demo)
    if not hasattr(Services, "export_comparison"):
        pytest.skip("Services.export_comparison is not written yet")
    for suffix in (".xlsx", ".csv"):
        target = tmp_path / f"comparison{suffix}"
        demo.dialogs.answers.append(target)
        informs = len(demo.dialogs.messages("inform"))
        qtbot.mouseClick(overview.export_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(
            lambda before=informs: len(demo.dialogs.messages("inform")) > before, timeout=30_000
        )
        assert target.exists() and target.stat().st_size > 0
    if not hasattr(Services, "report_comparison"):
        pytest.skip("Services.report_comparison is not written yet")
    with qtbot.waitSignals([demo.report.ready], timeout=60_000):
        qtbot.mouseClick(overview.report_button, Qt.MouseButton.LeftButton)
    assert demo.stack.currentWidget() is demo.report
    pdf = tmp_path / "comparison.pdf"
    demo.dialogs.answers.append(pdf)
    assert demo.report.save() == pdf and pdf.read_bytes().startswith(b"%PDF")
    qtbot.mouseClick(demo.report.back_button, Qt.MouseButton.LeftButton)
    assert demo.stack.currentWidget() is overview


def test_empty_and_thin_cases_say_so_in_a_sentence(qtbot, window):
    overview = window.overview
    window.compare_partnership()
    assert window.stack.currentWidget() is overview
    assert overview.stack.currentWidget() is overview.message_page
    assert "no partnership" in overview.message.text()

    store = window.services.store
    p = store.add_partnership("Quiet Partnership", "Quiet ICS")
    window.compare_partnership()
    assert "no rounds" in overview.message.text()
    rnd = store.add_round(p.id, "Baseline", "2026-11-01")
    council = store.add_organisation(p.id, "Quiet Council", "upper_tier_council")
    window.compare_partnership()
    assert "Nobody in this partnership has answered" in overview.message.text()
    window.services.start_assessment(
        round_id=rnd.id,
        organisation_id=council.id,
        questionnaire_id="governance",
        kind="organisation",
        respondent_name="Cllr Quiet",
    )
    window.compare_partnership()
    wait_built(qtbot, window)
    text = overview.message.text()
    assert overview.stack.currentWidget() is overview.message_page
    assert "No organisation response" in text and "1 in progress" in text
    assert not overview.report_button.isEnabled() and not overview.export_button.isEnabled()


def test_keyboard_tab_reaches_every_button_without_a_trap(qtbot, demo):
    overview = open_overview(qtbot, demo)
    for tab in range(4):
        overview.select_tab(tab)
        QApplication.processEvents()
        overview.round_combo.setFocus()
        reached = []
        for _ in range(80):
            widget = QApplication.focusWidget()
            reached.append(widget)
            qtbot.keyClick(widget, Qt.Key.Key_Tab)
            if QApplication.focusWidget() is overview.round_combo:
                break
        else:
            pytest.fail(f"Tab never came back round on tab {tab}: stuck at {reached[-1]!r}")
        buttons = [
            b
            for b in overview.findChildren(QAbstractButton)
            if b.isVisible() and b.isEnabled() and b.focusPolicy() & Qt.FocusPolicy.TabFocus
        ]
        missing = [b.accessibleName() for b in buttons if b not in reached]
        assert missing == [], (tab, missing)
        tables = [t for t in overview.findChildren(QTableView) if t.isVisible()]
        for table in tables:
            assert not table.tabKeyNavigation()
            assert table in reached or table.focusProxy() in reached
    for b in overview.findChildren(QAbstractButton):
        if b.text() and not b.text().startswith("&") and type(b).__name__ == "QPushButton":
            assert "&" in b.text(), b.text()


def test_the_menu_entry_and_the_keyboard_help(demo):
    from ics_assess.ui.main_window import KEYBOARD_HELP

    assert demo.compare_action.shortcut().toString() == "Ctrl+Shift+C"
    assert "Ctrl+Shift+C" in KEYBOARD_HELP
    demo.compare_action.trigger()
    assert demo.stack.currentWidget() is demo.overview
