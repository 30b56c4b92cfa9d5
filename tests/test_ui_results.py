"""The results page: the numbers it shows are scoring's numbers, and it reads well.

The draft is the governance questionnaire (tests/conftest.py). Hand-worked scores for
``_answer_some`` (forms/governance.toml: gov-decisions-1 weighs 1.5, gov-decisions-5 and
gov-structures-5 are reverse):

- Who decides what (weight 5.5): 4 x 1.5, 3, and reverse 2 -> 4; don't know; not
  applicable. (6 + 3 + 4) / 3.5 = 3.714 -> 67.9 %, Maturing. 3 rated, 1, 1, 0.
- The ICB, the ICP and HWBs: 2, 2, reverse 5 -> 1: 5 / 3 = 1.667 -> 16.7 %, Emerging.
- Disagreement and escalation: one statement of weight 1 of 5.5: not enough answers.
- Openness: 3, 3, 3, 4, 4 = 3.4 -> exactly 60 %, Maturing (a cut-off goes up).
- Review and learning: nothing: not enough answers.
- Overall: (13/3.5 + 5/3 + 3.4) / 3 = 2.927 -> 48.2 %, Developing, in its middle third.
"""

from __future__ import annotations

import pytest
from PySide6.QtCharts import QHorizontalBarSeries, QLineSeries, QPolarChart
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

from ics_assess.domain import Unrated
from ics_assess.palette import band_colour
from ics_assess.scoring import questionnaire_score
from ics_assess.services import Services
from ics_assess.ui.results import (
    SCORE_SERIES_NAME,
    TARGET_SERIES_NAME,
    ResultsPage,
    short_title,
)

from .conftest import FORMS_DIR

SOME = {
    "gov-decisions-1": 4,
    "gov-decisions-2": 3,
    "gov-decisions-3": Unrated.DONT_KNOW,
    "gov-decisions-4": Unrated.NOT_APPLICABLE,
    "gov-decisions-5": 2,
    "gov-structures-1": 2,
    "gov-structures-2": 2,
    "gov-structures-5": 5,
    "gov-disputes-2": 5,
    "gov-transparency-1": 3,
    "gov-transparency-2": 3,
    "gov-transparency-3": 3,
    "gov-transparency-4": 4,
    "gov-transparency-5": 4,
}
SCORED_ROWS = {
    0: ("3.71", "68%", "Maturing"),
    1: ("1.67", "17%", "Emerging"),
    3: ("3.40", "60%", "Maturing"),
}


def _answer_some(services: Services, assessment_id: str) -> None:
    for item_id, value in SOME.items():
        services.answer(assessment_id, item_id, value)


@pytest.fixture
def page(qtbot, services) -> ResultsPage:
    widget = ResultsPage(services)
    qtbot.addWidget(widget)
    widget.resize(1024, 700)
    widget.show()
    return widget


def _cell(page: ResultsPage, row: int, column: int) -> str:
    return page.table.item(row, column).text()


def _series(page: ResultsPage, name: str) -> list[QLineSeries]:
    return [s for s in page.chart_view.chart().series() if s.name() == name]


def _points(series: list[QLineSeries]) -> list[tuple[float, float]]:
    return [(p.x(), p.y()) for s in series for p in s.points()]


def _flat(points: list[tuple[float, float]]) -> list[float]:
    return [value for point in points for value in point]


def test_shows_the_numbers_scoring_gives(page, services, draft):
    _answer_some(services, draft.id)
    page.show_assessment(draft.id)
    detail = services.detail(draft.id)
    expected = questionnaire_score(detail.questionnaire, detail.answers)
    # The hand-worked figures of the module docstring, so the test checks scoring too.
    assert expected.section("decisions").mean == pytest.approx(13 / 3.5)
    assert expected.mean == pytest.approx((13 / 3.5 + 5 / 3 + 3.4) / 3)

    assert page.assessment_id() == draft.id
    assert page.score_label.text() == f"{expected.mean:.2f} of 5" == "2.93 of 5"
    assert page.percent_label.text() == "48%"
    assert page.band_chip.text() == "Developing"
    assert "middle third of Developing" in page.position_label.text()
    # Two sections have too few answers: the headline says it rests on the other three.
    assert page.overall_heading.text() == "Overall score (provisional)"
    assert page.based_on_label.text().startswith("Provisional: based on 3 of 5 sections.")
    for row, (score, percent, band) in SCORED_ROWS.items():
        section = expected.sections[row]
        assert _cell(page, row, 0) == section.title
        assert (_cell(page, row, 1), _cell(page, row, 2), _cell(page, row, 3)) == (
            score,
            percent,
            band,
        )
        colour = band_colour(section.band, detail.questionnaire.bands)
        assert page.table.item(row, 3).background().color() == QColor(colour)
    counts = [_cell(page, 0, column) for column in range(4, 8)]
    assert counts == ["3", "1", "1", "0"]


def test_unreported_sections_are_named_and_left_out(page, services, draft):
    _answer_some(services, draft.id)
    page.show_assessment(draft.id)
    for row in (2, 4):
        assert _cell(page, row, 1) == "Not enough answers"
        assert _cell(page, row, 3) == ""
    note = page.unreported_label.text()
    assert page.unreported_label.isVisible()
    assert "left out of the overall score" in note
    assert "Disagreement and escalation (1 of 5 rated)" in note
    assert "Review and learning (0 of 5 rated)" in note
    assert "Who decides what" not in note


def test_an_empty_assessment_says_there_is_not_enough(page, draft):
    page.show_assessment(draft.id)
    assert page.score_label.text() == "Not enough answers to score yet"
    assert page.not_enough_label.isVisible()
    assert "at least half" in page.not_enough_label.text()
    assert not page.band_chip.isVisible()
    assert not page.band_bar.isVisible()
    assert all(_cell(page, row, 1) == "Not enough answers" for row in range(5))
    assert _points(_series(page, SCORE_SERIES_NAME)) == []
    assert "not enough answers" in page.chart_view.accessibleDescription()


def test_radar_has_one_closed_point_per_section(page, services, draft):
    detail = services.detail(draft.id)
    for index, item in enumerate(detail.questionnaire.items):
        services.answer(draft.id, item.id, index % 5 + 1)
    page.show_assessment(draft.id)
    score = services.detail(draft.id).score
    chart = page.chart_view.chart()
    assert isinstance(chart, QPolarChart)
    assert chart.animationOptions() == chart.AnimationOption.NoAnimation
    assert not chart.legend().isVisible()
    [series] = _series(page, SCORE_SERIES_NAME)
    points = _points([series])
    assert len(points) == len(score.sections) + 1
    assert points[-1] == (len(score.sections), points[0][1])
    for index, section in enumerate(score.sections):
        assert points[index] == (index, pytest.approx(section.mean))
    description = page.chart_view.accessibleDescription()
    for section in score.sections:
        assert f"{section.title}: {section.mean:.2f} of 5, {section.band.name}" in description


def test_radar_leaves_gaps_for_unscored_sections(page, services, draft):
    _answer_some(services, draft.id)
    page.show_assessment(draft.id)
    score = services.detail(draft.id).score
    points = _points(_series(page, SCORE_SERIES_NAME))
    # Sections 0, 1 and 3 scored; 2 and 4 not, so no closing point back to section 0.
    expected = [(i, score.sections[i].mean) for i in (0, 1, 3)]
    assert _flat(points) == pytest.approx(_flat(expected))
    angular = page.chart_view.chart().axes(Qt.Orientation.Horizontal)[0]
    labels = angular.categoriesLabels()
    assert len(labels) == 5
    assert ["not scored" in label for label in labels] == [False, False, True, False, True]
    assert page.chart_note.isVisible()


def test_targets_add_a_second_series_and_the_legend(page, services, draft):
    _answer_some(services, draft.id)
    page.show_assessment(draft.id)
    assert _series(page, TARGET_SERIES_NAME) == []
    services.set_target(draft.id, "gov-decisions-1", 5)
    services.set_target(draft.id, "gov-decisions-5", 1)  # reverse: wanting 1 scores 5
    services.set_target(draft.id, "gov-structures-1", 4)
    services.set_target(draft.id, "gov-review-1", 3)
    page.show_assessment(draft.id)
    chart = page.chart_view.chart()
    assert chart.legend().isVisible()
    points = _points(_series(page, TARGET_SERIES_NAME))
    assert _flat(points) == pytest.approx([0, 5.0, 1, 4.0, 4, 3.0, 5, 5.0])
    assert "where we want to be 5.00" in page.chart_view.accessibleDescription()


def test_draft_note_only_for_drafts(page, services, draft):
    _answer_some(services, draft.id)
    page.show_assessment(draft.id)
    assert "Draft — results so far" in page.status_label.text()
    assert "14 of 25 statements answered" in page.status_label.text()
    services.submit(draft.id, allow_unanswered=True)
    page.show_assessment(draft.id)
    assert "Draft" not in page.status_label.text()
    assert page.status_label.text().startswith("Submitted on ")


def test_header_names_the_assessment(page, services, draft):
    page.show_assessment(draft.id)
    assert page.title_label.text() == "Governance and accountability (version 1.0)"
    who = page.who_label.text()
    for text in ("Test County Council", "Upper-tier council", "Baseline", "Cllr Test"):
        assert text in who
    assert page.title_label.font().pointSizeF() > QApplication.font().pointSizeF()


def test_anonymous_respondent(page, services, partnership_setup):
    _, rnd, orgs = partnership_setup
    a = services.start_assessment(
        round_id=rnd.id,
        organisation_id=orgs["icb"].id,
        questionnaire_id="governance",
        kind="individual",
    )
    page.show_assessment(a.id)
    assert "Respondent: Anonymous" in page.who_label.text()


def test_buttons_emit_their_signals(qtbot, page, draft):
    page.show_assessment(draft.id)
    with qtbot.waitSignal(page.back_requested, timeout=1000) as blocker:
        qtbot.mouseClick(page.back_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [draft.id]
    with qtbot.waitSignal(page.home_requested, timeout=1000):
        qtbot.mouseClick(page.home_button, Qt.MouseButton.LeftButton)


def test_interactive_widgets_have_accessible_names(qtbot, page, services, draft):
    _answer_some(services, draft.id)
    page.show_assessment(draft.id)
    qtbot.waitUntil(page.chart_view.isVisible)
    checked = 0
    for widget in page.findChildren(QWidget):
        reachable = widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        if widget.isVisible() and (reachable or isinstance(widget, QAbstractButton)):
            assert widget.accessibleName(), f"{type(widget).__name__} has no accessible name"
            checked += 1
    assert checked >= 5  # scroll area, table, chart, two buttons
    assert page.table.accessibleName() and page.table.accessibleDescription()
    assert page.chart_view.accessibleName() and page.chart_view.accessibleDescription()


def test_fits_1024_by_700_without_sideways_scrolling(qtbot, page, services, draft):
    _answer_some(services, draft.id)
    page.show_assessment(draft.id)
    qtbot.wait(10)
    assert not page.scroll.horizontalScrollBar().isVisible()
    assert page.chart_view.width() >= page.chart_view.minimumWidth()
    # Reloading replaces the chart rather than adding a second one.
    first = page.chart_view
    page.show_assessment(draft.id)
    assert page.chart_view is not first
    assert page.chart_box.indexOf(first) == -1


def test_fewer_than_three_sections_draw_bars(qtbot, tmp_path):
    forms = tmp_path / "forms"
    forms.mkdir()
    scale = "".join(
        f'[[scale]]\nvalue = {v}\nlabel = "P{v}"\ndescriptor = "Point {v}."\n\n'
        for v in range(1, 6)
    )
    sections = "".join(
        f'[[sections]]\nid = "s{s}"\ntitle = "Section {s}"\n\n'
        + "".join(
            f'[[sections.items]]\nid = "s{s}-{i}"\nstatement = "S{s} {i}."\nguidance = "G."\n\n'
            for i in (1, 2)
        )
        for s in (1, 2)
    )
    (forms / "two.toml").write_text(
        f'id = "two"\nversion = "1"\ntitle = "Two sections"\npurpose = "Test."\n\n{scale}{sections}'
    )
    with Services.open(tmp_path / "two.sqlite", [forms, FORMS_DIR]) as services:
        p = services.store.add_partnership("P", "ICS")
        rnd = services.store.add_round(p.id, "R", "2026-01-01")
        org = services.store.add_organisation(p.id, "O", "icb")
        a = services.start_assessment(
            round_id=rnd.id, organisation_id=org.id, questionnaire_id="two", kind="organisation"
        )
        services.answer(a.id, "s1-1", 4)
        services.answer(a.id, "s1-2", 5)
        services.set_target(a.id, "s1-1", 5)
        page = ResultsPage(services)
        qtbot.addWidget(page)
        page.show_assessment(a.id)
        chart = page.chart_view.chart()
        [series] = chart.series()
        assert isinstance(series, QHorizontalBarSeries)
        score, target = series.barSets()
        assert (score.label(), target.label()) == (SCORE_SERIES_NAME, TARGET_SERIES_NAME)
        # The first section is drawn on top, which is Qt's last category.
        assert chart.axes(Qt.Orientation.Vertical)[0].categories() == [
            "Section 2 (not scored)",
            "Section 1",
        ]
        assert [score.at(0), score.at(1)] == [0.0, 4.5]
        assert [target.at(0), target.at(1)] == [0.0, 5.0]
        assert chart.legend().isVisible()
        assert "Bar chart" in page.chart_view.accessibleDescription()


def test_short_titles():
    assert short_title("Openness") == "Openness"
    title = "The ICB, the ICP and health and wellbeing boards"
    assert short_title(title) == "The ICB, the ICP and health…"
    assert len(short_title(title)) <= 28
