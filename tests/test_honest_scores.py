"""Scores that do not overclaim (issue 13): a headline resting on fewer than all the
sections says "provisional" in the window, the report and ``show``, and "Submit anyway"
says what goes unscored; a second organisation response is warned of and the one there
is offered; a blank respondent of an organisation response is "Respondent not named";
statements carry one numbering everywhere; "strongest" and "weakest" break ties in a
stated way and say how many share a score; the reports point only to reports and places
that exist; and the demo's comments sit on the statements they are about."""

from __future__ import annotations

import ast
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtWidgets import QAbstractButton, QLabel

from ics_assess import comparison, domain, workshop
from ics_assess.demo import COMMENTS, REASONINGS
from ics_assess.domain import (
    SCALE_POINTS,
    Answer,
    Item,
    Questionnaire,
    ScalePoint,
    Section,
    statement_numbers,
)
from ics_assess.reports import analysis
from ics_assess.reports.analysis import (
    TIE_RULE,
    rated_statements,
    shared_scores,
    strongest_and_weakest,
)
from ics_assess.reports.appendix import scoring_appendix
from ics_assess.reports.where import KINDS, PLACES
from ics_assess.services import Services
from ics_assess.ui.new_assessment import NewAssessmentDialog
from ics_assess.ui.results import ResultsPage
from ics_assess.ui.walkthrough import WalkthroughPage

from .conftest import FORMS_DIR, PROJECT_ROOT
from .test_cli import run
from .test_report import Pdf, norm
from .ui_support import FakeDialogs, open_window

# --- helpers ----------------------------------------------------------------------------


def rate(services, assessment_id: str, items, value: int) -> None:
    """Give each item the rating that scores ``value`` (reverse statements turned round)."""
    for item in items:
        services.answer(assessment_id, item.id, 6 - value if item.reverse else value)


def questionnaire_of(services, assessment_id: str) -> Questionnaire:
    return services.detail(assessment_id).questionnaire


def first_section_only(services, assessment_id: str) -> Questionnaire:
    """Rate every statement of the first section 4 and nothing else: a score resting on 1
    of the questionnaire's sections."""
    q = questionnaire_of(services, assessment_id)
    rate(services, assessment_id, q.sections[0].items, 4)
    return q


# --- provisional ------------------------------------------------------------------------


def test_the_score_knows_what_it_rests_on(services, draft):
    score = services.detail(draft.id).score
    assert score.mean is None and not score.provisional  # no score is not a provisional one
    q = first_section_only(services, draft.id)
    score = services.detail(draft.id).score
    n = len(q.sections)
    assert score.mean == 4.0
    assert score.provisional
    assert score.sections_scored == 1
    assert score.basis == f"based on 1 of {n} sections"
    rate(services, draft.id, q.items, 4)
    score = services.detail(draft.id).score
    assert not score.provisional and score.sections_scored == n


def test_show_marks_a_provisional_headline_in_text_and_json(capsys, services, draft, db_path):
    q = first_section_only(services, draft.id)
    n = len(q.sections)
    code, out, err = run(capsys, "--db", db_path, "show", draft.id)
    assert code == 0, err
    assert f"Overall: 4.00 of 5, 75%, Maturing (provisional: based on 1 of {n} sections)" in out
    code, out, err = run(capsys, "--db", db_path, "show", draft.id, "--json")
    score = json.loads(out)["score"]
    assert score["provisional"] is True
    assert score["sections_scored"] == 1
    assert len(score["unreported_sections"]) == n - 1

    rate(services, draft.id, q.items, 4)
    code, out, _ = run(capsys, "--db", db_path, "show", draft.id)
    assert "Overall: 4.00 of 5, 75%, Maturing\n" in out
    assert "provisional" not in out
    code, out, _ = run(capsys, "--db", db_path, "show", draft.id, "--json")
    score = json.loads(out)["score"]
    assert score["provisional"] is False
    assert score["sections_scored"] == n


def test_the_reports_mark_a_provisional_headline(services, draft, partnership_setup, tmp_path):
    _, rnd, orgs = partnership_setup
    q = first_section_only(services, draft.id)
    basis = f"based on 1 of {len(q.sections)} sections"
    services.report_assessment(draft.id, tmp_path / "one.pdf")
    pdf = Pdf(tmp_path / "one.pdf")
    cover, summary = pdf.pages[0], pdf.pages[1]
    assert f"Overall result: 4.00 of 5 · 75% · Maturing · provisional, {basis}" in cover
    assert "Overall score (provisional)" in summary
    assert f"Provisional: {basis}." in summary

    services.report_organisation(orgs["council"].id, rnd.id, tmp_path / "org.pdf")
    pdf = Pdf(tmp_path / "org.pdf")
    assert f"provisional, {basis}" in pdf.pages[1]  # the summary's table
    assert "Overall score (provisional)" in pdf.text  # the questionnaire's own part

    rate(services, draft.id, q.items, 4)
    services.report_assessment(draft.id, tmp_path / "whole.pdf")
    whole = Pdf(tmp_path / "whole.pdf")
    for page in whole.pages[:2]:  # the cover and the summary (the appendix explains it)
        assert "provisional" not in page.lower()
    assert "Overall result: 4.00 of 5 · 75% · Maturing" in whole.pages[0]


def test_the_results_page_marks_a_provisional_headline(qtbot, services, draft):
    page = ResultsPage(services)
    qtbot.addWidget(page)
    page.resize(1024, 700)
    page.show()
    q = first_section_only(services, draft.id)
    page.show_assessment(draft.id)
    assert page.overall_heading.text() == "Overall score (provisional)"
    assert page.based_on_label.text().startswith(
        f"Provisional: based on 1 of {len(q.sections)} sections."
    )
    assert page.score_label.text() == "4.00 of 5"
    rate(services, draft.id, q.items, 4)
    page.show_assessment(draft.id)
    assert page.overall_heading.text() == "Overall score"
    assert "rovisional" not in page.based_on_label.text()


def _walkthrough(qtbot, services, dialogs, assessment_id) -> WalkthroughPage:
    page = WalkthroughPage(services, dialogs)
    qtbot.addWidget(page)
    page.resize(1024, 700)
    page.show()
    qtbot.waitExposed(page)
    page.open_assessment(assessment_id)
    return page


def test_submit_anyway_says_which_sections_go_unscored(qtbot, services, draft, fake_dialogs):
    q = first_section_only(services, draft.id)
    page = _walkthrough(qtbot, services, fake_dialogs, draft.id)
    fake_dialogs.answers.append(None)  # Cancel: nothing is submitted
    page.submit()
    (text,) = fake_dialogs.messages("choose")
    n = len(q.sections)
    named = "; ".join(f"{s.title} (section {i})" for i, s in enumerate(q.sections[1:], 2))
    assert (
        f"Submitted now, {n - 1} of the {n} sections would go unscored, for want of "
        f"answers: {named}. The overall score would be provisional, based on 1 of {n} "
        "sections."
    ) in text
    assert services.assessment(draft.id).status.value == "draft"

    # Every section but one statement short: each section is still scored.
    rate(services, draft.id, q.items[:-1], 3)
    page.open_assessment(draft.id)
    fake_dialogs.answers.append(None)
    page.submit()
    assert (
        "Submitted now, every section has enough answers to be scored."
        in (fake_dialogs.messages("choose")[-1])
    )


def test_submit_anyway_with_nothing_scored_says_there_is_no_overall_score(
    qtbot, services, draft, fake_dialogs
):
    page = _walkthrough(qtbot, services, fake_dialogs, draft.id)
    fake_dialogs.answers.append(None)
    page.submit()
    assert (
        "no section would have enough answers to be scored, so there would be no "
        in (fake_dialogs.messages("choose")[0])
    )


# --- a second organisation response -------------------------------------------------------


def _dialog(qtbot, services, dialogs, rnd, org, questionnaire_id="governance"):
    dialog = NewAssessmentDialog(services, dialogs)
    qtbot.addWidget(dialog)
    dialog._select(dialog.round, rnd.id)
    dialog._select(dialog.organisation, org.id)
    dialog._select(dialog.questionnaire, questionnaire_id)
    dialog.show()
    return dialog


def test_the_service_finds_the_organisations_own_response(services, draft, partnership_setup):
    _, rnd, orgs = partnership_setup
    council = orgs["council"]
    services.start_assessment(  # one person's view does not count
        round_id=rnd.id, organisation_id=council.id, questionnaire_id="governance",
        kind="individual",
    )  # fmt: skip
    found = services.organisation_responses(
        round_id=rnd.id, organisation_id=council.id, questionnaire_id="governance"
    )
    assert [s.assessment.id for s in found] == [draft.id]
    for other in (
        {"organisation_id": orgs["icb"].id, "questionnaire_id": "governance"},
        {"organisation_id": council.id, "questionnaire_id": "equal-partnership"},
    ):
        assert services.organisation_responses(round_id=rnd.id, **other) == []


def test_the_dialog_warns_of_the_response_there_is_and_opens_it(
    qtbot, services, draft, partnership_setup, fake_dialogs
):
    _, rnd, orgs = partnership_setup
    dialog = _dialog(qtbot, services, fake_dialogs, rnd, orgs["council"])
    note = dialog.existing_note
    assert note.isVisibleTo(dialog) and dialog.open_existing_button.isVisibleTo(dialog)
    assert "Test County Council already has a response of its own to Governance" in note.text()
    assert "(Cllr Test, draft, 0 of " in note.text()
    button = dialog.open_existing_button
    assert button.text() == "Open the &existing response"
    assert button.accessibleName() == "Open the existing response"
    # Its Alt key belongs to it alone in the dialog.
    keys = [
        re.search(r"&(\w)", w.text()).group(1).lower()
        for w in dialog.findChildren(QAbstractButton) + dialog.findChildren(QLabel)
        if w.isVisibleTo(dialog) and re.search(r"&(\w)", w.text())
    ]
    assert keys.count("e") == 1
    # One person's view is not a second organisation response: no warning.
    dialog.individual_kind.setChecked(True)
    assert not note.isVisibleTo(dialog)
    dialog.organisation_kind.setChecked(True)
    assert note.isVisibleTo(dialog)
    # Another organisation has none.
    dialog._select(dialog.organisation, orgs["icb"].id)
    assert not note.isVisibleTo(dialog)
    dialog._select(dialog.organisation, orgs["council"].id)
    qtbot.mouseClick(button, qtbot_left())
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.opened_id == draft.id and dialog.created_id is None
    assert len(services.list_assessments()) == 1


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_starting_a_second_asks_first(qtbot, services, draft, partnership_setup, fake_dialogs):
    _, rnd, orgs = partnership_setup
    # Cancel: the dialog stays, nothing is created.
    dialog = _dialog(qtbot, services, fake_dialogs, rnd, orgs["council"])
    fake_dialogs.answers.append(None)
    dialog.start_button.click()
    (kind, title, text) = fake_dialogs.asked[-1]
    assert (kind, title) == ("choose", "The organisation has already responded")
    assert "Cllr Test" in text and "Open the response there is, or start a second one?" in text
    assert dialog.opened_id is None and dialog.created_id is None
    assert len(services.list_assessments()) == 1
    # The default is the response there is.
    dialog.start_button.click()
    assert dialog.opened_id == draft.id and dialog.created_id is None
    assert len(services.list_assessments()) == 1
    # A second on purpose.
    dialog = _dialog(qtbot, services, fake_dialogs, rnd, orgs["council"])
    dialog.name.setText("Second respondent")
    fake_dialogs.answers.append(1)
    dialog.start_button.click()
    assert dialog.created_id is not None and dialog.opened_id is None
    found = services.organisation_responses(
        round_id=rnd.id, organisation_id=orgs["council"].id, questionnaire_id="governance"
    )
    assert [s.assessment.id for s in found] == [draft.id, dialog.created_id]


def test_the_window_opens_the_existing_response_instead_of_a_second(qtbot, window, fake_dialogs):
    services = window.services
    store = services.store
    p = store.add_partnership("P")
    rnd = store.add_round(p.id, "R")
    org = store.add_organisation(p.id, "Westmoor City Council", "upper_tier_council")
    there = services.start_assessment(
        round_id=rnd.id, organisation_id=org.id, questionnaire_id="governance",
        kind="organisation", respondent_name="Cllr First",
    )  # fmt: skip
    services.submit(there.id, allow_unanswered=True)

    def fill(dialog: NewAssessmentDialog) -> bool:
        dialog._select(dialog.questionnaire, "governance")
        assert dialog.existing_note.isVisibleTo(dialog)
        dialog.start_button.click()  # the question's default: the response there is
        return dialog.opened_id is not None

    fake_dialogs.on_run = fill
    window.start_assessment()
    assert len(services.list_assessments()) == 1
    # A submitted response opens at its results.
    assert window.stack.currentWidget() is window.results
    assert window.results.assessment_id() == there.id


def test_an_organisation_report_with_two_responses_says_so(
    services, draft, partnership_setup, tmp_path
):
    _, rnd, orgs = partnership_setup
    second = services.start_assessment(
        round_id=rnd.id, organisation_id=orgs["council"].id, questionnaire_id="governance",
        kind="organisation", respondent_name="Dr Second",
    )  # fmt: skip
    services.report_organisation(orgs["council"].id, rnd.id, tmp_path / "org.pdf")
    cover = Pdf(tmp_path / "org.pdf").pages[0]
    assert (
        "Two organisation responses to Governance and accountability in this round, by "
        "Cllr Test and Dr Second. An organisation normally gives one response to a "
        "questionnaire in a round"
    ) in cover
    services.delete_assessment(second.id)
    services.report_organisation(orgs["council"].id, rnd.id, tmp_path / "one.pdf")
    assert "organisation responses to" not in Pdf(tmp_path / "one.pdf").text


# --- "Respondent not named" ---------------------------------------------------------------


def test_a_blank_respondent_of_an_organisation_response_is_not_named(
    qtbot, capsys, services, partnership_setup, db_path, tmp_path
):
    _, rnd, orgs = partnership_setup
    unnamed = services.start_assessment(
        round_id=rnd.id, organisation_id=orgs["icb"].id, questionnaire_id="governance",
        kind="organisation",
    )  # fmt: skip
    person = services.start_assessment(
        round_id=rnd.id, organisation_id=orgs["icb"].id, questionnaire_id="governance",
        kind="individual",
    )  # fmt: skip
    assert unnamed.respondent_label == "Respondent not named"
    assert person.respondent_label == "Anonymous"  # one person's view keeps its word

    page = ResultsPage(services)
    qtbot.addWidget(page)
    page.show_assessment(unnamed.id)
    assert "Respondent: Respondent not named" in page.who_label.text()

    services.report_assessment(unnamed.id, tmp_path / "one.pdf")
    cover = Pdf(tmp_path / "one.pdf").pages[0]
    assert "Respondent Respondent not named" in cover and "Anonymous" not in cover
    services.report_organisation(orgs["icb"].id, rnd.id, tmp_path / "org.pdf")
    org_pdf = Pdf(tmp_path / "org.pdf")
    assert "Respondent not named" in org_pdf.pages[0] and "Anonymous" not in org_pdf.text

    code, out, _ = run(capsys, "--db", db_path, "show", unnamed.id)
    assert code == 0 and "Respondent: Respondent not named" in out
    code, out, _ = run(capsys, "--db", db_path, "list")
    assert code == 0
    lines = out.splitlines()
    assert any(unnamed.id[:8] in line and "Respondent not named" in line for line in lines)
    assert any(person.id[:8] in line and "Anonymous" in line for line in lines)


# --- one numbering ------------------------------------------------------------------------


def test_statements_have_one_numbering_definition():
    assert analysis.statement_numbers is domain.statement_numbers
    assert comparison.statement_numbers is domain.statement_numbers
    assert workshop.statement_numbers is domain.statement_numbers


def test_the_walkthrough_and_the_report_number_statements_alike(
    qtbot, services, draft, fake_dialogs, tmp_path
):
    q = questionnaire_of(services, draft.id)
    numbers = statement_numbers(q)
    # By hand: section 2's third statement is "2.3", the last is section.count.
    second = q.sections[1]
    assert numbers[second.items[2].id] == "2.3"
    last = q.sections[-1]
    assert numbers[last.items[-1].id] == f"{len(q.sections)}.{len(last.items)}"

    page = _walkthrough(qtbot, services, fake_dialogs, draft.id)
    for item in q.items:
        card = page.card(item.id)
        assert card.number == numbers[item.id]
        assert numbers[item.id] in [label.text() for label in card.findChildren(QLabel)]
    assert (
        page.card(second.items[2].id)
        .answer_button(4)
        .accessibleName()
        .startswith("Statement 2.3 rating 4:")
    )

    # The report's section pages print the same number beside the statement.
    rate(services, draft.id, q.items, 3)
    services.report_assessment(draft.id, tmp_path / "r.pdf")
    text = Pdf(tmp_path / "r.pdf").text
    for item in (second.items[2], last.items[-1]):
        assert f"{numbers[item.id]} {item.statement[:30]}" in text


# --- ties ---------------------------------------------------------------------------------


def _tied_questionnaire() -> Questionnaire:
    scale = tuple(ScalePoint(v, f"L{v}", "") for v in SCALE_POINTS)

    def items(prefix: str, n: int) -> tuple[Item, ...]:
        return tuple(Item(f"{prefix}{i}", f"Statement {prefix}{i}", "") for i in range(1, n + 1))

    return Questionnaire(
        "t",
        "1",
        "Test",
        "",
        scale,
        (Section("a", "A", items("a", 4)), Section("b", "B", items("b", 4))),
    )


def test_ties_go_to_the_earlier_statement_and_the_sharing_is_counted():
    q = _tied_questionnaire()
    # By hand: a1-a4 score 4 (four share the top score; room for three), b1 scores 3,
    # b2 and b4 score 2 and b3 scores 1 (the weakest: b3 at 1, then b2 and b4 at 2: all
    # three fit, nothing left out).
    ratings = {"a1": 4, "a2": 4, "a3": 4, "a4": 4, "b1": 3, "b2": 2, "b3": 1, "b4": 2}
    answers = {k: Answer(k, rating=v) for k, v in ratings.items()}
    rated = rated_statements(q, answers)
    strongest, weakest = strongest_and_weakest(rated, 3)
    assert [r.number for r in strongest] == ["1.1", "1.2", "1.3"]  # 1.4 ties, comes later
    assert [r.number for r in weakest] == ["2.3", "2.2", "2.4"]
    (shared,) = shared_scores(rated, strongest, weakest)
    assert shared.sentence == "4 statements share the score 4; the first 3 are listed as strongest."

    # b1 at 2 too: three share 2 and only two fit below b3.
    answers["b1"] = Answer("b1", rating=2)
    rated = rated_statements(q, answers)
    strongest, weakest = strongest_and_weakest(rated, 3)
    assert [r.number for r in weakest] == ["2.3", "2.1", "2.2"]
    assert [s.sentence for s in shared_scores(rated, strongest, weakest)] == [
        "4 statements share the score 4; the first 3 are listed as strongest.",
        "3 statements share the score 2; the first 2 are listed as weakest.",
    ]
    assert (
        TIE_RULE == "Ties are broken by statement order: the statement that comes first is listed."
    )


def test_the_report_states_the_tie_rule_and_how_many_share(services, draft, tmp_path):
    q = questionnaire_of(services, draft.id)
    items = list(q.items)
    # Four statements score 5, the last three 1, the rest 3.
    rate(services, draft.id, items[:4], 5)
    rate(services, draft.id, items[4:-3], 3)
    rate(services, draft.id, items[-3:], 1)
    services.report_assessment(draft.id, tmp_path / "r.pdf")
    summary = Pdf(tmp_path / "r.pdf").pages[1]
    assert TIE_RULE in summary
    assert "4 statements share the score 5; the first 3 are listed as strongest." in summary
    assert "listed as weakest" not in summary  # the three at 1 all fit
    numbers = statement_numbers(q)
    listed = re.findall(r"\b(\d+\.\d+) ", summary.split("Strongest", 1)[1].split("Weakest")[0])
    assert listed[:3] == [numbers[i.id] for i in items[:3]]


# --- references ---------------------------------------------------------------------------


REPORT_MODULES = {
    "assessment": "assessment",
    "organisation": "organisation",
    "comparison": "comparison",
    "workshop": "workshop",
    "action plan": "action_plan",
    "review pack": "review",
}


def test_every_place_a_report_points_to_is_a_report_kind_or_the_guide():
    import importlib

    assert set(REPORT_MODULES) == set(KINDS)
    for place in PLACES:
        assert place.kind in KINDS or place.kind == "guide"
        if place.kind != "guide":
            module = importlib.import_module(f"ics_assess.reports.{REPORT_MODULES[place.kind]}")
            assert any(name.startswith("build_") for name in dir(module)), place


def test_every_step_to_those_places_is_in_the_window(qtbot, isolated_data_dir, demo_db):
    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = open_window(qtbot, path, FakeDialogs())
    (partnership,) = win.services.partnerships()
    texts: set[str] = set()

    def collect() -> None:
        for b in win.findChildren(QAbstractButton):
            texts.add(b.text().replace("&", ""))
        for action in win.menuBar().actions():
            texts.add(action.text().replace("&", ""))
            for sub in action.menu().actions() if action.menu() else ():
                texts.add(sub.text().replace("&", ""))

    for show in (
        win.show_home,
        lambda: win.show_overview(partnership.id),
        win.show_workshops,
        lambda: win.show_workshop(win.services.workshops()[0].workshop.id),
        win.show_action_plan,
        win.show_review,
    ):
        show()
        collect()
    for place in PLACES:
        for step in place.steps:
            assert step in texts, (place.name, step)
    win.close()


def _string_constants(path: Path) -> list[str]:
    """Every string literal of a module but its docstrings (what can reach a page)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip


@pytest.mark.parametrize(
    "path", sorted((PROJECT_ROOT / "ics_assess" / "reports").glob("*.py")), ids=lambda p: p.name
)
def test_no_report_names_a_file_or_a_report_that_does_not_exist(path):
    for text in _string_constants(path):
        assert "docs/" not in text and ".md" not in text, (path.name, text)
        assert "partnership report" not in text, (path.name, text)
        assert "partnership and workshop reports" not in text, (path.name, text)


def test_the_appendix_of_one_assessment_points_to_the_comparison_report():
    texts = [getattr(f, "text", "") for f in scoring_appendix()]
    note = next(t for t in texts if "The full method goes on" in t)
    assert "the comparison report (Compare partnership… &gt; Report…)" in note
    assert "Help &gt; Guide to the method" in note
    assert not any("docs/" in t or ".md" in t for t in texts)


def test_an_assessment_report_names_only_reports_that_exist(services, draft, tmp_path):
    first_section_only(services, draft.id)
    services.report_assessment(draft.id, tmp_path / "r.pdf")
    text = Pdf(tmp_path / "r.pdf").text
    assert "docs/" not in text and "scoring.md" not in text
    assert "partnership and workshop reports" not in text
    for place in PLACES:
        # The actions part and the appendix note name these, each with the way to it.
        if place.kind in ("comparison", "workshop", "action plan"):
            assert norm(place.words) in text, place.words


# --- the demo's comments ------------------------------------------------------------------


def test_the_demo_comments_sit_on_the_statements_they_are_about(demo_db):
    every_id = set()
    with sqlite3.connect(demo_db) as db:
        for (text,) in db.execute("SELECT source FROM questionnaire_versions"):
            every_id |= set(re.findall(r'^id\s*=\s*"([^"]+)"', text, re.MULTILINE))
        rows = db.execute("SELECT item_id, comment FROM answers WHERE comment != ''").fetchall()
    assert set(COMMENTS) <= every_id  # every comment is written for a real statement
    assert len(rows) > 50
    for item_id, comment in rows:
        assert item_id in COMMENTS, (item_id, comment)
        good, poor = COMMENTS[item_id]
        assert comment in good + poor, (item_id, comment)
    sme = {item for item, comment in rows if "SMEs" in comment}
    winter = {item for item, comment in rows if "winter pressures" in comment}
    assert sme == {"eq-economy-3"}  # procurement open to small local firms
    # Operational pressures and long-term priorities: 1.0's statement, and 1.1's rewording.
    assert winter == {"eq-agenda-4", "eq-agenda-6"}


def test_a_demo_comment_speaks_as_any_partner_that_gives_it(demo_db):
    """ "The place plan went to our cabinet twice" was given by the primary care
    collaborative, which has no cabinet: a comment any sector may give speaks of "the
    council's cabinet", never "our"."""
    with sqlite3.connect(demo_db) as db:
        comments = [c for (c,) in db.execute("SELECT comment FROM answers WHERE comment != ''")]
    assert any("the council's cabinet" in c for c in comments)
    assert not any("our cabinet" in c.lower() for c in comments)
    for good, poor in COMMENTS.values():
        assert not any("our cabinet" in c.lower() for c in good + poor)


def test_the_demo_workshop_reasons_about_each_statement_and_the_rating_agreed(demo_db):
    """The workshop's reasonings came round in turn, whatever the statement: "Split view
    ... who sets the agenda" on Better Care Fund spending (not split), "this is a
    strength" on a statement the room rated 2 (Rarely true)."""
    with Services.open(demo_db, [FORMS_DIR], create=False) as services:
        (workshop,) = services.store.workshops()
        view = services.workshop_view(workshop.id)
    reasoned = {row.item.id: row for row in view.statements if row.agreed and row.agreed.is_agreed}
    given = {item_id: row.agreed.reasoning for item_id, row in reasoned.items()}
    assert {i for i, r in given.items() if r} == set(REASONINGS)
    for item_id, text in REASONINGS.items():
        row = reasoned[item_id]
        assert given[item_id] == text
        if "strength" in text:
            assert row.agreed.rating >= 4, item_id
        assert "split" not in text.lower() or row.split, item_id


def test_the_assessment_list_marks_a_provisional_score(qtbot, services, draft):
    """Home's Score column: a score from fewer than all sections carries a star, and
    its tooltip says what it rests on (3 everywhere: the same whether reversed or not)."""
    from PySide6.QtCore import Qt

    from ics_assess.ui.models import AssessmentTableModel

    q = services.questionnaire_of(draft)
    for item in q.sections[0].items:
        services.answer(draft.id, item.id, 3)
    model = AssessmentTableModel()
    model.set_rows(services.list_assessments())
    model.set_scores(services.overall_scores([draft.id]))
    index = model.index(0, model.SCORE)
    assert index.data() == "3.0*"
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    assert f"provisional: based on 1 of {len(q.sections)} sections" in tip
    for item in q.items:
        services.answer(draft.id, item.id, 3)
    model.set_scores(services.overall_scores([draft.id]))
    assert model.index(0, model.SCORE).data() == "3.0"
