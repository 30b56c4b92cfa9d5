"""A whole workshop in the window (issue 10): created from home, three participants pass
the laptop (each blind to the others), one joins from a bundle and two from an online
form's spreadsheet, the projector view shows the room's distribution, n and split, and the
facilitator records agreed, not agreed, reasoning and actions. Real widgets, offscreen;
every step checked in the database too."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QWidget,
)

from ics_assess.domain import AgreementOutcome, AssessmentStatus, Position, Sector
from ics_assess.services import Services
from ics_assess.ui.main_window import MainWindow
from ics_assess.ui.projector import HIDDEN_TEXT, TOO_FEW_TEXT, ProjectorView, body_points
from ics_assess.ui.walkthrough import StatementCard
from ics_assess.ui.workshop import (
    AddParticipantDialog,
    JoinDialog,
    NewWorkshopDialog,
)

from .conftest import FORMS_DIR
from .ui_support import FakeDialogs

LEFT = Qt.MouseButton.LeftButton
QUESTIONNAIRE = "governance"
SHOTS = os.environ.get("ICS_ASSESS_SHOTS")  # a folder: the screenshots are saved there


@pytest.fixture
def setup(qtbot, isolated_data_dir):
    """A window on a database with a partnership, a round and three organisations."""
    dialogs = FakeDialogs()
    path = isolated_data_dir / "workshop.sqlite"
    with Services.open(path, [FORMS_DIR]) as s:
        p = s.add_partnership("Westmoor Place Partnership", "Westmoor ICS")
        rnd = s.add_round(p.id, "Baseline, November 2026")
        s.add_organisation(p.id, "Westmoor ICB", "icb")
        s.add_organisation(p.id, "Westmoor City Council", "upper_tier_council")
        s.add_organisation(p.id, "Westmoor Voluntary Action", "vcse")
    win = MainWindow(dialogs=dialogs)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    assert win.open_initial_database(path)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win, dialogs, p, rnd
    if win.workshop is not None:
        win.workshop.close_projector()
    win.close()


def texts_in(top: QWidget) -> str:
    """Every text a user could reach in a widget tree: labels, buttons, fields, lists,
    tooltips, accessible names and descriptions, and the accessibility tree's values."""
    parts: list[str] = []
    for w in [top, *top.findChildren(QWidget)]:
        parts += [w.toolTip(), w.accessibleName(), w.accessibleDescription(), w.windowTitle()]
        if isinstance(w, (QLabel, QAbstractButton, QLineEdit)):
            parts.append(w.text())
        if isinstance(w, QPlainTextEdit):
            parts.append(w.toPlainText())
        if isinstance(w, QComboBox):
            parts += [w.itemText(i) for i in range(w.count())]
        if isinstance(w, QListWidget):
            parts += [w.item(i).text() for i in range(w.count())]

    def walk(iface, depth=0):
        if iface is None or not iface.isValid() or depth > 40:
            return
        for kind in (QAccessible.Text.Name, QAccessible.Text.Value, QAccessible.Text.Description):
            parts.append(iface.text(kind) or "")
        for i in range(iface.childCount()):
            walk(iface.child(i), depth + 1)

    walk(QAccessible.queryAccessibleInterface(top))
    return "\n".join(parts)


def create_workshop(qtbot, win, dialogs) -> str:
    qtbot.mouseClick(win.home.workshops_button, LEFT)
    assert win.stack.currentWidget() is win.workshops
    assert win.workshops.empty.isVisible()

    def fill(dialog: NewWorkshopDialog) -> bool:
        dialog.questionnaire.setCurrentIndex(dialog.questionnaire.findData(QUESTIONNAIRE))
        dialog.title.setText("Governance workshop")
        dialog.facilitator.setText("Sam Facilitator")
        assert dialog.create_button.isEnabled()
        return True

    dialogs.on_run = fill
    qtbot.mouseClick(win.workshops.new_button, LEFT)
    assert win.stack.currentWidget() is win.workshop
    workshop_id = win.workshop.workshop_id
    summary = win.services.workshop_summary(workshop_id)
    assert (summary.title, summary.facilitator) == ("Governance workshop", "Sam Facilitator")
    assert summary.questionnaire_id == QUESTIONNAIRE
    return workshop_id


def add_participant(qtbot, win, dialogs, organisation: str, name: str = "") -> str:
    def fill(dialog: AddParticipantDialog) -> bool:
        dialog.organisation.setCurrentIndex(dialog.organisation.findText(organisation))
        dialog.name.setText(name)
        return True

    dialogs.on_run = fill
    qtbot.mouseClick(win.workshop.add_button, LEFT)
    assessment_id = win.workshop.selected_id()
    assert assessment_id is not None
    return assessment_id


def answer_by_keys(qtbot, win, keys: list[str], comment: str = "") -> None:
    """On the participant screen: rate statements one key each from the first."""
    page = win.participant.walkthrough
    first = page._order[0]
    page.show_item(first)
    for key in keys:
        widget = QApplication.focusWidget()
        assert isinstance(widget, QAbstractButton), widget
        qtbot.keyClicks(widget, key)
    if comment:
        card: StatementCard = page.card(first)
        card.comment.setFocus()
        qtbot.keyClicks(card.comment, comment)
        page.flush()


def hand_back(qtbot, win, dialogs) -> None:
    dialogs.answers.append(1)  # "Finish anyway": some statements are left unanswered
    qtbot.mouseClick(win.participant.walkthrough.submit_button, LEFT)


def test_a_whole_workshop(qtbot, setup, tmp_path):
    win, dialogs, p, rnd = setup
    s = win.services
    workshop_id = create_workshop(qtbot, win, dialogs)
    first_item = s.latest_questionnaire(QUESTIONNAIRE).questionnaire.items[0].id

    # Three arrive; each passes the laptop in turn, blind to those before.
    people = [
        ("Westmoor ICB", "Dr Alice Ainsworth", ["1", "2", "3"], "ALICE-SECRET-COMMENT"),
        ("Westmoor City Council", "", ["5", "4", "3"], "COUNCIL-SECRET-COMMENT"),
        ("Westmoor Voluntary Action", "Val Volunteer", ["1", "2", "d"], "VAL-SECRET-COMMENT"),
    ]
    ids = []
    for organisation, name, keys, comment in people:
        assessment_id = add_participant(qtbot, win, dialogs, organisation, name)
        ids.append(assessment_id)
        qtbot.mouseClick(win.workshop.pass_button, LEFT)
        screen = win.participant
        assert win.stack.currentWidget() is screen and not screen.locked
        assert screen.assessment_id() == assessment_id
        # Nothing else is reachable: no menus, no way back, no earlier participant.
        assert not win.menuBar().isEnabled()
        assert all(not a.isEnabled() for m in win.menuBar().actions() for a in m.menu().actions())
        walk = screen.walkthrough
        assert not walk.back_button.isVisible() and not walk.results_button.isVisible()
        reachable = texts_in(screen)
        for earlier, (_, earlier_name, _, earlier_comment) in zip(ids[:-1], people, strict=False):
            assert earlier_comment not in reachable
            if earlier_name:
                assert earlier_name not in reachable
            assert earlier not in reachable
        qtbot.keyClick(
            QApplication.focusWidget(), Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier
        )
        assert win.stack.currentWidget() is screen  # View > Assessments's key is off
        answer_by_keys(qtbot, win, keys, comment)
        if SHOTS and name == "Val Volunteer":
            for size in ((1920, 1080), (1280, 720)):
                win.resize(*size)
                QApplication.processEvents()
                win.grab().save(str(Path(SHOTS) / f"participant_{size[0]}.png"))
            win.resize(1280, 800)
        hand_back(qtbot, win, dialogs)
        assert screen.locked and screen.stack.currentWidget() is screen.lock
        assert s.assessment(assessment_id).status is AssessmentStatus.SUBMITTED
        # Handed back: the walk-through is empty; the only way on is the facilitator's.
        after = texts_in(screen)
        assert comment not in after and (not name or name not in after)
        assert walk._cards == {} and walk.assessment_id() is None
        qtbot.mouseClick(screen.unlock_button, LEFT)
        assert win.stack.currentWidget() is win.workshop and win.menuBar().isEnabled()

    assert [p.answered for p in s.participants(workshop_id)] == [3, 3, 3]
    assert "3 handed back" in win.workshop.progress.text()

    # One brings their own from another laptop (an exchange bundle)...
    with Services.open(tmp_path / "laptop.sqlite", [FORMS_DIR]) as laptop:
        org = next(o for o in s.organisations(p.id) if o.name == "Westmoor ICB")
        laptop.store.add_partnership(p.name, p.ics_name, id=p.id)
        laptop.store.add_round(p.id, rnd.name, rnd.opened_on, id=rnd.id)
        laptop.store.add_organisation(p.id, org.name, org.partner_type, id=org.id)
        view = laptop.start_assessment(
            round_id=rnd.id,
            organisation_id=org.id,
            questionnaire_id=QUESTIONNAIRE,
            kind="individual",
            respondent_name="Brought Along",
        )
        laptop.answer(view.id, first_item, 5)
        laptop.submit(view.id, allow_unanswered=True)
        bundle = tmp_path / "brought.icsa"
        laptop.export_assessments([view.id], bundle)
    plan = s.plan_import(bundle)
    s.apply_import(plan, "keep-mine" if plan.conflicts else None)
    # ...and two answered an online form (a spreadsheet).
    sheet_path = tmp_path / "form.csv"
    sheet_path.write_text(
        f"Organisation,Name,[{first_item}] Q1\n"
        "Westmoor Voluntary Action,Kim,5\nWestmoor City Council,,1\n",
        encoding="utf-8",
    )
    sheet = s.read_responses(sheet_path)
    mapping = s.suggest_response_mapping(sheet, QUESTIONNAIRE)
    mapping.organisation, mapping.respondent = "Organisation", "Name"
    created = s.import_responses(sheet, mapping, rnd.id).created
    assert len(created) == 2

    def tick_all(dialog: JoinDialog) -> bool:
        assert dialog.list.count() == 3
        dialog.set_checked({view.id, *created})
        return True

    dialogs.on_run = tick_all
    qtbot.mouseClick(win.workshop.join_button, LEFT)
    assert len(s.participants(workshop_id)) == 6
    assert win.workshop.table.rowCount() == 6

    # The participant list: who is expected, who has answered.
    shown = win.workshop.show_list()
    assert shown.table.rowCount() == 6 and "6 expected" in shown.summary.text()
    shown.close()

    # The projector: first statement, hidden until R; then the distribution as built.
    projector = win.workshop.show_projector()
    qtbot.addWidget(projector)
    qtbot.waitExposed(projector)
    assert not projector.isFullScreen()  # one screen here: a window
    expected = s.workshop_view(workshop_id)
    first = expected.statements[0]
    assert first.n == 6 and first.shown and first.split
    assert projector.current_item_id() == first.item.id
    assert projector.notice.text() == HIDDEN_TEXT and not projector.chart.isVisible()
    assert "Dr Alice" not in texts_in(projector)
    qtbot.keyClick(projector, Qt.Key.Key_R)
    assert projector.chart.isVisible() and projector.chart.counts == first.counts
    assert projector.facts.text().startswith("n = 6")
    assert f"mean {first.mean:.1f}" in projector.facts.text()
    assert projector.split.isVisible() and "Split" in projector.split.text()
    assert projector.body_point_size() >= 20
    if SHOTS:
        for size in ((1920, 1080), (1280, 720)):
            projector.resize(*size)
            QApplication.processEvents()
            projector.grab().save(str(Path(SHOTS) / f"projector_{size[0]}.png"))
    names = texts_in(projector)
    for _, name, _, comment in people:
        assert comment not in names and (not name or name not in names)
    # Right: the next statement, hidden again; under three ratings there, no spread.
    qtbot.keyClick(projector, Qt.Key.Key_Right)
    second = expected.statements[1]
    assert projector.current_item_id() == second.item.id and not projector.revealed
    assert second.n == 3 and second.shown
    qtbot.keyClick(projector, Qt.Key.Key_R)
    assert projector.chart.isVisible() and projector.chart.counts == second.counts
    assert projector.split.isVisible() == second.split
    # The facilitator's list follows the projector.
    assert win.workshop.statements.currentRow() == 1
    # S: the next split statement (the first one, wrapping round).
    qtbot.keyClick(projector, Qt.Key.Key_S)
    split_rows = [i for i, st in enumerate(expected.statements) if st.split]
    later = [i for i in split_rows if i > 1]
    assert projector.index == (later[0] if later else split_rows[0])
    # 2: the first statement of section 2.
    qtbot.keyClick(projector, Qt.Key.Key_2)
    section_2 = expected.questionnaire.sections[1]
    assert projector.current_item_id() == section_2.items[0].id
    # A statement no one rated: fewer than 3, not shown even when revealed.
    qtbot.keyClick(projector, Qt.Key.Key_R)
    assert projector.notice.text() == TOO_FEW_TEXT and not projector.chart.isVisible()
    qtbot.keyClick(projector, Qt.Key.Key_Home)
    assert projector.index == 0
    qtbot.keyClick(projector, Qt.Key.Key_Escape)
    assert not projector.isVisible()
    assert win.workshop.tabs.currentIndex() == 1

    # Recording: statement 1 not agreed (positions by sector), statement 2 agreed at 3,
    # reasoning typed and saved, an action added; all stored as given.
    page = win.workshop
    panel = page.outcome
    page.statements.setCurrentRow(0)
    qtbot.mouseClick(panel.not_agreed, LEFT)
    panel.position_boxes[(1, Sector.LOCAL_GOVERNMENT)].setChecked(True)
    panel.position_boxes[(5, Sector.NHS)].setChecked(True)
    panel.position_boxes[(5, Sector.COMMUNITY)].setChecked(True)
    panel.reasoning.setFocus()
    qtbot.keyClicks(panel.reasoning, "The council sees it differently.")
    panel.save_reasoning()
    qtbot.keyClicks(panel.action_text, "Write joint terms of reference")
    qtbot.keyClicks(panel.action_owner, "ICB")
    qtbot.keyClicks(panel.action_due, "2027-03-31")
    qtbot.mouseClick(panel.add_action_button, LEFT)
    page.statements.setCurrentRow(1)
    qtbot.mouseClick(panel.agreed, LEFT)
    panel.rating.setCurrentIndex(panel.rating.findData(3))
    outcomes = s.agreed_outcomes(workshop_id)
    one = outcomes[first.item.id]
    assert one.outcome is AgreementOutcome.NOT_AGREED
    assert one.positions == (
        Position(1, (Sector.LOCAL_GOVERNMENT,)),
        Position(5, (Sector.NHS, Sector.COMMUNITY)),
    )
    assert one.reasoning == "The council sees it differently."
    two = outcomes[second.item.id]
    assert (two.outcome, two.rating) == (AgreementOutcome.AGREED, 3)
    (action,) = s.workshop_actions(workshop_id)
    assert (action.description, action.owner, action.due_on, action.item_id) == (
        "Write joint terms of reference",
        "ICB",
        "2027-03-31",
        first.item.id,
    )
    assert "Not agreed" in page.statements.item(0).text()
    assert "Agreed: 3" in page.statements.item(1).text()
    # Back on statement 1 everything shows again as stored.
    page.statements.setCurrentRow(0)
    assert panel.not_agreed.isChecked() and panel.position_boxes[(5, Sector.NHS)].isChecked()
    assert panel.actions.item(0).text().startswith("Write joint terms of reference")


def test_stepping_away_and_resuming_is_the_facilitators_alone(qtbot, setup):
    win, dialogs, *_ = setup
    create_workshop(qtbot, win, dialogs)
    first = add_participant(qtbot, win, dialogs, "Westmoor ICB", "Dr Alice Ainsworth")
    win.workshop.code.setText("4321")
    qtbot.mouseClick(win.workshop.pass_button, LEFT)
    answer_by_keys(qtbot, win, ["2"], "STEPPED-AWAY-COMMENT")
    qtbot.mouseClick(win.participant.step_away_button, LEFT)
    screen = win.participant
    assert screen.locked and "STEPPED-AWAY-COMMENT" not in texts_in(screen)
    # The next person cannot get back to the facilitator's screen without the code.
    dialogs.answers.append("1234")
    qtbot.mouseClick(screen.unlock_button, LEFT)
    assert win.stack.currentWidget() is screen
    assert "not the facilitator's code" in dialogs.messages("warn")[-1]
    dialogs.answers.append("4321")
    qtbot.mouseClick(screen.unlock_button, LEFT)
    assert win.stack.currentWidget() is win.workshop
    # The facilitator resumes them: their answers come back.
    win.workshop.select_participant(first)
    qtbot.mouseClick(win.workshop.resume_button, LEFT)
    assert screen.assessment_id() == first
    card = screen.walkthrough.card(screen.walkthrough._order[0])
    assert card.answer_button(2).isChecked()
    assert card.texts["comment"].text() == "STEPPED-AWAY-COMMENT"
    hand_back(qtbot, win, dialogs)
    dialogs.answers.append("4321")
    qtbot.mouseClick(screen.unlock_button, LEFT)
    # Handed back: Pass the laptop refuses; Resume reopens.
    win.workshop.select_participant(first)
    assert not win.workshop.pass_button.isEnabled()
    qtbot.mouseClick(win.workshop.resume_button, LEFT)
    assert win.services.assessment(first).status is AssessmentStatus.DRAFT
    assert screen.assessment_id() == first


def test_the_projector_under_three_and_its_type(qtbot, setup):
    win, dialogs, *_ = setup
    workshop_id = create_workshop(qtbot, win, dialogs)
    for organisation in ("Westmoor ICB", "Westmoor City Council"):
        assessment_id = add_participant(qtbot, win, dialogs, organisation)
        win.services.answer(
            assessment_id,
            win.participant.walkthrough._order[0]
            if win.participant.walkthrough._order
            else win.services.workshop_view(workshop_id).statements[0].item.id,
            4,
        )
        win.services.hand_back(assessment_id)
    win.workshop.refresh()
    projector = win.workshop.show_projector()
    qtbot.addWidget(projector)
    qtbot.keyClick(projector, Qt.Key.Key_R)
    assert projector.notice.text() == TOO_FEW_TEXT and not projector.chart.isVisible()
    assert not projector.split.isVisible() and "mean" not in projector.facts.text()
    assert body_points(1920, 1080) >= 28 and body_points(1280, 720) >= 20
    projector.resize(1920, 1080)
    QApplication.processEvents()
    assert projector.statement.font().pointSizeF() >= 28
    assert projector.facts.font().pointSizeF() >= 28
    projector.close()


def test_the_projector_goes_full_screen_on_a_second_screen(qtbot, monkeypatch):
    class Screen:
        def __init__(self, x):
            from PySide6.QtCore import QRect

            self.rect = QRect(x, 0, 1920, 1080)

        def geometry(self):
            return self.rect

        def availableGeometry(self):  # noqa: N802
            return self.rect

    here, there = Screen(0), Screen(1920)
    projector = ProjectorView()
    qtbot.addWidget(projector)
    calls = []
    monkeypatch.setattr("ics_assess.ui.projector.QGuiApplication.screens", lambda: [here, there])
    monkeypatch.setattr(projector, "setScreen", lambda screen: calls.append(screen))
    monkeypatch.setattr(projector, "showFullScreen", lambda: calls.append("full"))
    main = QWidget()
    monkeypatch.setattr(main, "screen", lambda: here)
    projector.place(main)
    assert calls == [there, "full"]


def test_the_workshop_report_is_previewed_and_back_returns_to_the_workshop(
    qtbot, isolated_data_dir, demo_db, tmp_path
):
    import shutil

    path = isolated_data_dir / "demo.sqlite"
    shutil.copy(demo_db, path)
    win = MainWindow(dialogs=FakeDialogs())
    qtbot.addWidget(win)
    win.resize(1280, 800)
    assert win.open_initial_database(path)
    win.show()
    qtbot.waitUntil(lambda: not win.home.jobs.is_busy(), timeout=20_000)
    (summary,) = win.services.workshops()
    win.show_workshop(summary.id)
    page = win.workshop
    assert page.report_button.text() == "Rep&ort…"
    with qtbot.waitSignals([win.report.ready], timeout=60_000):
        qtbot.mouseClick(page.report_button, LEFT)
    assert win.stack.currentWidget() is win.report
    assert win.report.back_button.text() == "&Back to the workshop"
    pdf = tmp_path / "workshop.pdf"
    win.dialogs.answers.append(pdf)
    assert win.report.save() == pdf and pdf.read_bytes().startswith(b"%PDF")
    qtbot.mouseClick(win.report.back_button, LEFT)
    assert win.stack.currentWidget() is page
    assert page.workshop_id == summary.id
    win.close()
