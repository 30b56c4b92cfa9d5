"""The facilitator's workshop (issue 10): the schema migration, the outcomes (agreed, or
not agreed with positions by sector), participants arriving, leaving, joining and
handing back, and actions tied to statements."""

from __future__ import annotations

import json
import sqlite3
import zipfile

import pytest

from ics_assess import paths
from ics_assess.domain import (
    AgreementOutcome,
    AssessmentKind,
    AssessmentStatus,
    Position,
    Sector,
    Unrated,
)
from ics_assess.services import ServiceError, Services
from ics_assess.store import Store
from ics_assess.store.schema import known_migration_names

from .conftest import FORMS_DIR

# Statements in the "decisions" section of both versions (a new workshop is on 1.1).
ITEM = "gov-decisions-2"
OTHER = "gov-decisions-4"


@pytest.fixture
def workshop(services, partnership_setup):
    _, rnd, _ = partnership_setup
    return services.create_workshop(
        round_id=rnd.id,
        questionnaire_id="governance",
        title="Governance workshop",
        held_on="2026-11-20",
        facilitator="Sam Facilitator",
    )


# --- the migration ----------------------------------------------------------------------


def _database_at_0001(path):
    """A database of version 1 (only 0001_initial applied) with a workshop and two
    agreed scores, written by the 0001 migration itself."""
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from ics_assess.store import schema

    only_first = Migrations(schema.MIGRATION_SET)
    only_first._migrations = [m for m in schema.migrations._migrations if m.name == "0001_initial"]
    db = Database(path)
    only_first.apply(db)
    db.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    source = (FORMS_DIR / "governance.toml").read_text(encoding="utf-8")
    db.execute("INSERT INTO partnerships VALUES ('p1', 'Old partnership', '', '2025-01-01')")
    db.execute("INSERT INTO rounds VALUES ('r1', 'p1', 'Baseline', '', '2025-01-01')")
    db.execute(
        "INSERT INTO questionnaire_versions VALUES "
        "('governance', '1.0', 'Governance', 25, ?, 'x', '2025-01-01')",
        [source],
    )
    db.execute(
        "INSERT INTO workshops VALUES "
        "('w1', 'r1', 'governance', '1.0', 'Old workshop', '', '', '2025-01-01')"
    )
    db.execute(
        "INSERT INTO agreed_scores VALUES ('w1', ?, 3, NULL, 4, 'Because.', '2025-01-02')",
        [ITEM],
    )
    db.execute(
        "INSERT INTO agreed_scores VALUES ('w1', ?, NULL, 'dont_know', NULL, '', '2025-01-02')",
        [OTHER],
    )
    db.conn.commit()
    db.close()


def test_a_database_at_0001_upgrades_after_a_backup_and_keeps_its_agreed_scores(db_path):
    _database_at_0001(db_path)
    with Store.open(db_path) as store:
        applied = [r["name"] for r in store.db.query("SELECT name FROM _sqlite_migrations")]
        assert applied == known_migration_names()
        assert "0002_workshop_outcomes" in applied
        scores = store.agreed_scores("w1")
        assert scores[ITEM].outcome is AgreementOutcome.AGREED
        assert (scores[ITEM].rating, scores[ITEM].target) == (3, 4)
        assert scores[ITEM].reasoning == "Because."
        assert scores[ITEM].positions == ()
        assert scores[OTHER].unrated is Unrated.DONT_KNOW
        assert scores[OTHER].outcome is AgreementOutcome.AGREED
        assert store.integrity_problems() == []
    backups = list(paths.backups_dir(db_path).glob("*-before-upgrade-*.sqlite"))
    assert len(backups) == 1
    conn = sqlite3.connect(backups[0])
    try:
        assert [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")] == [
            "0001_initial"
        ]
        assert conn.execute("SELECT count(*) FROM agreed_scores").fetchone()[0] == 2
    finally:
        conn.close()


def test_the_schema_refuses_a_rating_on_a_statement_not_agreed(services, workshop):
    services.set_not_agreed(workshop.id, ITEM, [Position(2, (Sector.NHS,))])
    with pytest.raises(sqlite3.IntegrityError):
        services.store.db.execute("UPDATE agreed_scores SET rating = 3 WHERE item_id = ?", [ITEM])
    with pytest.raises(sqlite3.IntegrityError):
        services.store.db.execute(
            "UPDATE agreed_scores SET outcome = 'maybe' WHERE item_id = ?", [ITEM]
        )


# --- outcomes ---------------------------------------------------------------------------


def test_agreed_not_agreed_and_cleared_round_trip(services, workshop):
    agreed = services.set_agreed_outcome(workshop.id, ITEM, 3, target=4, reasoning="We agree.")
    assert agreed.outcome is AgreementOutcome.AGREED and agreed.is_agreed
    assert (agreed.rating, agreed.target, agreed.reasoning) == (3, 4, "We agree.")

    positions = [
        Position(4, (Sector.COMMUNITY, Sector.NHS)),
        Position(2, ("local_government",)),  # a value is taken too
    ]
    split = services.set_not_agreed(workshop.id, ITEM, positions)
    assert split.outcome is AgreementOutcome.NOT_AGREED and not split.is_agreed
    assert split.rating is None and split.unrated is None
    # Sorted by rating; sectors in declared order; the reasoning typed before is kept.
    assert split.positions == (
        Position(2, (Sector.LOCAL_GOVERNMENT,)),
        Position(4, (Sector.NHS, Sector.COMMUNITY)),
    )
    assert split.reasoning == "We agree."
    assert services.agreed_outcomes(workshop.id)[ITEM] == split

    split = services.set_not_agreed(
        workshop.id, ITEM, [Position(5, (Sector.NHS,))], reasoning="Councils see it\nelse."
    )
    assert split.positions == (Position(5, (Sector.NHS,)),)
    assert split.reasoning == "Councils see it\nelse."
    rows = services.store.db.execute("SELECT count(*) FROM workshop_positions").fetchone()[0]
    assert rows == 1

    again = services.set_agreed_outcome(workshop.id, ITEM, Unrated.NOT_APPLICABLE)
    assert again.outcome is AgreementOutcome.AGREED and again.positions == ()
    assert again.unrated is Unrated.NOT_APPLICABLE
    assert again.reasoning == "Councils see it\nelse."
    assert services.store.db.execute("SELECT count(*) FROM workshop_positions").fetchone()[0] == 0

    services.set_outcome_reasoning(workshop.id, ITEM, "Changed only the reasoning.")
    assert services.agreed_outcomes(workshop.id)[ITEM].unrated is Unrated.NOT_APPLICABLE

    services.set_not_agreed(workshop.id, ITEM, [Position(1, (Sector.NHS,))])
    services.clear_agreed(workshop.id, ITEM)
    assert services.agreed_outcomes(workshop.id) == {}
    assert services.store.db.execute("SELECT count(*) FROM workshop_positions").fetchone()[0] == 0


def test_not_agreed_may_be_recorded_before_its_positions(services, workshop):
    score = services.set_not_agreed(workshop.id, ITEM, [], reasoning="Came back to it later.")
    assert score.outcome is AgreementOutcome.NOT_AGREED and score.positions == ()


@pytest.mark.parametrize(
    ("positions", "words"),
    [
        ([Position(0, (Sector.NHS,))], "rating must be 1 to 5, not 0"),
        ([Position(6, (Sector.NHS,))], "rating must be 1 to 5, not 6"),
        ([Position(True, (Sector.NHS,))], "rating must be 1 to 5"),
        ([Position(3, ())], "needs at least one sector"),
        ([Position(3, ("police",))], "sector that does not exist"),
        (
            [Position(3, (Sector.NHS,)), Position(3, (Sector.COMMUNITY,))],
            "Two positions rate it 3",
        ),
    ],
)
def test_positions_are_checked_and_refused_in_one_sentence(services, workshop, positions, words):
    services.set_agreed_outcome(workshop.id, ITEM, 2, reasoning="Kept.")
    with pytest.raises(ServiceError, match=words) as caught:
        services.set_not_agreed(workshop.id, ITEM, positions)
    message = str(caught.value)
    assert message.endswith(".") and message.count(". ") <= 1
    # Nothing recorded before is lost.
    kept = services.agreed_outcomes(workshop.id)[ITEM]
    assert (kept.outcome, kept.rating, kept.reasoning) == (AgreementOutcome.AGREED, 2, "Kept.")


def test_outcomes_refuse_a_statement_of_another_questionnaire_and_bad_ratings(services, workshop):
    with pytest.raises(ServiceError, match="not part of this workshop's questionnaire"):
        services.set_agreed_outcome(workshop.id, "eq-agenda-1", 3)
    with pytest.raises(ServiceError, match="1 to 5"):
        services.set_agreed_outcome(workshop.id, ITEM, 7)
    with pytest.raises(ServiceError, match="record it as agreed or not agreed first"):
        services.set_outcome_reasoning(workshop.id, ITEM, "No outcome yet.")


def test_reasoning_goes_through_the_text_rules(services, workshop):
    from ics_assess.services import InvalidTextError

    score = services.set_agreed_outcome(workshop.id, ITEM, 3, reasoning="a\x00b\r\nc")
    assert score.reasoning == "ab\nc"
    with pytest.raises(InvalidTextError, match="reasoning"):
        services.set_not_agreed(workshop.id, ITEM, [], reasoning="x" * 10_001)
    assert services.agreed_outcomes(workshop.id)[ITEM].rating == 3


# --- workshops and participants ---------------------------------------------------------


def test_create_list_and_resolve_workshops(services, partnership_setup, workshop):
    p, rnd, _ = partnership_setup
    assert workshop.questionnaire_version == "1.1"  # the newest
    (summary,) = services.workshops()
    assert summary.id == workshop.id and summary.title == "Governance workshop"
    assert (summary.partnership_name, summary.round_name) == (p.name, rnd.name)
    assert summary.questionnaire_title
    assert (summary.participants, summary.answered, summary.agreed) == (0, 0, 0)
    assert services.workshops(round_id="no-such-round") == []
    assert services.resolve_workshop_id(workshop.id[:6].upper()) == workshop.id
    with pytest.raises(ServiceError, match="no workshop"):
        services.resolve_workshop_id("ffffffff")
    with pytest.raises(ServiceError, match="at least the first 4"):
        services.resolve_workshop_id("ab")


def test_participants_arrive_named_or_not_and_two_of_one_organisation_are_two(
    services, partnership_setup, workshop
):
    _, rnd, orgs = partnership_setup
    first = services.add_participant(
        workshop.id, organisation_id=orgs["council"].id, respondent_name="Alex", role="Officer"
    )
    second = services.add_participant(workshop.id, organisation_id=orgs["council"].id)
    third = services.add_participant(workshop.id, organisation_id=orgs["icb"].id)
    assert first.kind is AssessmentKind.INDIVIDUAL and first.workshop_id == workshop.id
    assert first.round_id == rnd.id and first.questionnaire_version == "1.1"
    services.answer(second.id, ITEM, 4)
    people = services.participants(workshop.id)
    assert [p.assessment_id for p in people] == [first.id, second.id, third.id]
    assert [p.respondent_label for p in people] == ["Alex", "Participant 2", "Participant 3"]
    assert [p.sector for p in people] == [
        Sector.LOCAL_GOVERNMENT,
        Sector.LOCAL_GOVERNMENT,
        Sector.NHS,
    ]
    assert (people[1].answered, people[1].total) == (1, 31)  # governance 1.1: 31 statements
    assert people[0].named and not people[1].named
    summary = services.workshop_summary(workshop.id)
    assert (summary.participants, summary.answered) == (3, 0)


def test_a_participant_of_another_partnership_is_refused(services, workshop):
    other = services.store.add_partnership("Elsewhere")
    stranger = services.store.add_organisation(other.id, "Far Council", "district_council")
    with pytest.raises(Exception, match="not a member of the partnership"):
        services.add_participant(workshop.id, organisation_id=stranger.id)
    assert services.participants(workshop.id) == []


def test_closing_mid_answer_loses_nothing_and_hand_back_then_resume(
    services, partnership_setup, db_path, workshop
):
    _, _, orgs = partnership_setup
    person = services.add_participant(workshop.id, organisation_id=orgs["vcse"].id)
    services.answer(person.id, ITEM, 2)
    services.set_comment(person.id, ITEM, "Half way through a thought")
    services.close()  # the app is closed mid-answer
    with Services.open(db_path, [FORMS_DIR]) as again:
        answer = again.detail(person.id).answers[ITEM]
        assert (answer.rating, answer.comment) == (2, "Half way through a thought")
        handed = again.hand_back(person.id)  # 24 statements unanswered: still handed back
        assert handed.status is AssessmentStatus.SUBMITTED
        with pytest.raises(Exception, match="submitted"):
            again.answer(person.id, OTHER, 3)
        assert again.workshop_summary(workshop.id).answered == 1
        resumed = again.resume_participant(person.id)
        assert resumed.status is AssessmentStatus.DRAFT
        again.answer(person.id, OTHER, 3)
        fields = [c["field"] for c in again.store.change_log(person.id)]
        assert fields.count("status") == 2


def test_removing_a_participant_after_answering_keeps_the_answers(
    services, partnership_setup, workshop
):
    _, rnd, orgs = partnership_setup
    person = services.add_participant(workshop.id, organisation_id=orgs["icb"].id)
    services.answer(person.id, ITEM, 5)
    services.hand_back(person.id)
    detached = services.remove_participant(person.id)
    assert detached.workshop_id is None
    assert services.participants(workshop.id) == []
    kept = services.detail(person.id)
    assert kept.answers[ITEM].rating == 5 and kept.assessment.round_id == rnd.id
    assert [s.assessment.id for s in services.joinable_views(workshop.id)] == [person.id]
    with pytest.raises(ServiceError, match="not a participant"):
        services.remove_participant(person.id)
    assert services.join_workshop(workshop.id, [person.id]) == [person.id]


def test_join_checks_round_questionnaire_kind_and_other_workshops(
    services, partnership_setup, workshop
):
    p, rnd, orgs = partnership_setup

    def view(**kw):
        args = {
            "round_id": rnd.id,
            "organisation_id": orgs["icb"].id,
            "questionnaire_id": "governance",
            "kind": "individual",
        } | kw
        return services.start_assessment(**args)

    later = services.store.add_round(p.id, "Review", "2027-05-01")
    mine = view()
    wrong_round = view(round_id=later.id)
    wrong_form = view(questionnaire_id="equal-partnership")
    an_organisation = view(kind="organisation")
    other = services.create_workshop(round_id=rnd.id, questionnaire_id="governance", title="B")
    elsewhere = services.add_participant(other.id, organisation_id=orgs["vcse"].id)

    for bad, words in (
        (wrong_round, "another round"),
        (wrong_form, "another questionnaire"),
        (an_organisation, "organisation's response"),
        (elsewhere, "another workshop"),
    ):
        with pytest.raises(ServiceError, match=words):
            services.join_workshop(workshop.id, [mine.id, bad.id])
        # all or nothing
        assert services.participants(workshop.id) == []
    with pytest.raises(ServiceError, match="no assessment with id"):
        services.join_workshop(workshop.id, ["nope"])
    assert services.join_workshop(workshop.id, [mine.id, mine.id]) == [mine.id]
    assert services.join_workshop(workshop.id, [mine.id]) == []  # already in: a no-op
    assert [x.assessment_id for x in services.participants(workshop.id)] == [mine.id]


def test_a_bundle_imported_twice_joins_once(tmp_path, services, partnership_setup, workshop):
    _, rnd, orgs = partnership_setup
    with Services.open(tmp_path / "laptop.sqlite", [FORMS_DIR]) as laptop:
        # The same partnership, round and organisation on another laptop.
        p, org = partnership_setup[0], orgs["vcse"]
        laptop.store.add_partnership(p.name, p.ics_name, id=p.id)
        laptop.store.add_round(p.id, rnd.name, rnd.opened_on, id=rnd.id)
        laptop.store.add_organisation(p.id, org.name, org.partner_type, id=org.id)
        view = laptop.start_assessment(
            round_id=rnd.id,
            organisation_id=orgs["vcse"].id,
            questionnaire_id="governance",
            kind="individual",
        )
        laptop.answer(view.id, ITEM, 1)
        laptop.submit(view.id, allow_unanswered=True)
        brought = tmp_path / "brought.icsa"
        laptop.export_assessments([view.id], brought)

    for _ in range(2):
        plan = services.plan_import(brought)
        services.apply_import(plan, "keep-mine" if plan.conflicts else None)
        joined = services.join_workshop(workshop.id, list(plan.bundle.assessments))
    assert joined == []  # the second time: already a participant
    (person,) = services.participants(workshop.id)
    assert person.assessment_id == view.id and person.handed_back


def test_a_spreadsheet_of_an_online_form_joins(tmp_path, services, partnership_setup, workshop):
    _, rnd, _ = partnership_setup
    sheet_path = tmp_path / "form.csv"
    sheet_path.write_text(
        f"Organisation,Name,[{ITEM}] Q1\nTest Voluntary Action,Kim,4\nTest ICB,,2\n",
        encoding="utf-8",
    )
    sheet = services.read_responses(sheet_path)
    mapping = services.suggest_response_mapping(sheet, "governance")
    mapping.organisation, mapping.respondent = "Organisation", "Name"
    result = services.import_responses(sheet, mapping, rnd.id)
    assert len(result.created) == 2
    assert services.join_workshop(workshop.id, result.created) == list(result.created)
    again = services.import_responses(sheet, mapping, rnd.id)
    assert again.created == () and again.already_there == 2
    assert len(services.participants(workshop.id)) == 2


# --- actions ----------------------------------------------------------------------------


def test_actions_tied_to_a_statement(services, partnership_setup, workshop):
    p, rnd, _ = partnership_setup
    action = services.add_workshop_action(
        workshop.id, ITEM, description="Write the terms of reference", owner="ICB", due_on="2027"
    )
    assert (action.partnership_id, action.round_id, action.workshop_id) == (
        p.id,
        rnd.id,
        workshop.id,
    )
    assert (action.questionnaire_id, action.item_id) == ("governance", ITEM)
    assert action.section_id == "decisions"
    changed = services.update_action(action.id, status="in_progress", owner="Council")
    assert changed.owner == "Council" and changed.status.value == "in_progress"
    assert services.workshop_actions(workshop.id) == [changed]
    assert services.workshop_summary(workshop.id).actions == 1
    with pytest.raises(ServiceError, match="not part of this workshop's questionnaire"):
        services.add_workshop_action(workshop.id, "nope", description="x")
    with pytest.raises(ServiceError, match="no field"):
        services.update_action(action.id, colour="red")


# --- exchange ---------------------------------------------------------------------------


def _outcomes_bundle(services, partnership_setup, workshop, tmp_path):
    _, rnd, orgs = partnership_setup
    services.add_participant(workshop.id, organisation_id=orgs["icb"].id)
    services.set_agreed_outcome(workshop.id, ITEM, 4, target=5, reasoning="Agreed after a while.")
    services.set_not_agreed(
        workshop.id,
        OTHER,
        [Position(2, (Sector.LOCAL_GOVERNMENT,)), Position(4, (Sector.NHS, Sector.COMMUNITY))],
        reasoning="Councils see less of it.",
    )
    services.add_workshop_action(workshop.id, OTHER, description="Map the decisions", owner="ICB")
    path = tmp_path / "workshop.icsa"
    services.export_assessments([], path, round_ids=[rnd.id])
    return path


def test_outcomes_and_positions_travel_in_a_bundle(services, partnership_setup, workshop, tmp_path):
    from .test_exchange import records_of

    path = _outcomes_bundle(services, partnership_setup, workshop, tmp_path)
    (record,) = records_of(path)["workshops"]
    by_item = {s["item_id"]: s for s in record["agreed_scores"]}
    assert by_item[ITEM]["outcome"] == "agreed" and by_item[ITEM]["positions"] == []
    assert by_item[OTHER]["outcome"] == "not_agreed" and by_item[OTHER]["rating"] is None
    assert by_item[OTHER]["positions"] == [
        {"rating": 2, "sectors": ["local_government"]},
        {"rating": 4, "sectors": ["nhs", "community"]},
    ]
    with Services.open(tmp_path / "other.sqlite", [FORMS_DIR]) as receiver:
        receiver.apply_import(receiver.plan_import(path))
        assert receiver.agreed_outcomes(workshop.id) == services.agreed_outcomes(workshop.id)
        assert len(receiver.workshop_actions(workshop.id)) == 1
        # Importing it again finds everything the same.
        again = receiver.plan_import(path)
        assert not again.conflicts and "workshop" not in again.added
    # A changed position is a conflict; taking theirs replaces the positions.
    services.set_not_agreed(workshop.id, OTHER, [Position(1, (Sector.NHS,))])
    newer = tmp_path / "newer.icsa"
    services.export_assessments([], newer, round_ids=[workshop.round_id])
    with Services.open(tmp_path / "other.sqlite", [FORMS_DIR]) as receiver:
        plan = receiver.plan_import(newer)
        assert [c.kind for c in plan.conflicts] == ["workshop"]
        assert "1 agreed score differs" in plan.conflicts[0].description
        receiver.apply_import(plan, "take-theirs")
        assert receiver.agreed_outcomes(workshop.id)[OTHER].positions == (
            Position(1, (Sector.NHS,)),
        )


def test_a_bundle_of_format_1_without_outcomes_imports_them_as_agreed(
    services, partnership_setup, workshop, tmp_path
):
    from .test_exchange import members_of, rebundle

    services.set_agreed_outcome(workshop.id, ITEM, 3, reasoning="Old style.")
    path = tmp_path / "new.icsa"
    services.export_assessments([], path, round_ids=[workshop.round_id])

    def as_format_1(records):
        for score in records["workshops"][0]["agreed_scores"]:
            del score["outcome"], score["positions"]

    members = members_of(rebundle(path, tmp_path / "records1.icsa", as_format_1))
    manifest = json.loads(members["manifest.json"])
    manifest["format_version"] = 1
    members["manifest.json"] = json.dumps(manifest).encode("utf-8")
    old = tmp_path / "old.icsa"
    with zipfile.ZipFile(old, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with Services.open(tmp_path / "other.sqlite", [FORMS_DIR]) as receiver:
        plan = receiver.plan_import(old)
        assert plan.bundle.format_version == 1
        receiver.apply_import(plan)
        score = receiver.agreed_outcomes(workshop.id)[ITEM]
        assert score.outcome is AgreementOutcome.AGREED and score.positions == ()
        assert (score.rating, score.reasoning) == (3, "Old style.")


BAD_OUTCOMES = {
    "unknown outcome": (lambda s: s.update(outcome="maybe"), "is not one of: agreed"),
    "rating when not agreed": (
        lambda s: s.update(outcome="not_agreed", positions=[]),
        "is not agreed but has a rating",
    ),
    "positions when agreed": (
        lambda s: s.update(positions=[{"rating": 2, "sectors": ["nhs"]}]),
        "is agreed but has positions",
    ),
    "position out of range": (
        lambda s: s.update(
            rating=None, outcome="not_agreed", positions=[{"rating": 6, "sectors": ["nhs"]}]
        ),
        "not a whole number from 1 to 5",
    ),
    "position without a sector": (
        lambda s: s.update(
            rating=None, outcome="not_agreed", positions=[{"rating": 2, "sectors": []}]
        ),
        "at least one sector",
    ),
    "unknown sector": (
        lambda s: s.update(
            rating=None, outcome="not_agreed", positions=[{"rating": 2, "sectors": ["police"]}]
        ),
        "is not one of: nhs",
    ),
    "a sector twice": (
        lambda s: s.update(
            rating=None, outcome="not_agreed", positions=[{"rating": 2, "sectors": ["nhs", "nhs"]}]
        ),
        "listed twice",
    ),
    "missing positions": (lambda s: s.pop("positions"), "'positions' is missing"),
}


@pytest.mark.parametrize("case", sorted(BAD_OUTCOMES))
def test_bad_outcomes_are_refused_by_the_importer_and_the_schema(
    case, services, workshop, tmp_path
):
    jsonschema = pytest.importorskip("jsonschema")
    from ics_assess.exchange import BundleError, read_bundle

    from .test_exchange import rebundle, records_of, schema

    services.set_agreed_outcome(workshop.id, ITEM, 3)
    source = tmp_path / "src.icsa"
    services.export_assessments([], source, round_ids=[workshop.round_id])
    records = records_of(source)
    change, words = BAD_OUTCOMES[case]
    change(records["workshops"][0]["agreed_scores"][0])
    assert list(jsonschema.Draft202012Validator(schema()).iter_errors(records)), case
    path = rebundle(source, tmp_path / "bad.icsa", lambda r: records)
    with pytest.raises(BundleError, match=words):
        read_bundle(path)


# --- the view ---------------------------------------------------------------------------


def test_workshop_view_is_built_from_the_store(services, partnership_setup, workshop):
    _, _, orgs = partnership_setup
    people = [
        services.add_participant(workshop.id, organisation_id=org.id) for org in orgs.values()
    ]
    for rating, person in enumerate(people, start=2):
        services.answer(person.id, ITEM, rating)
        services.hand_back(person.id)
    services.set_not_agreed(workshop.id, ITEM, [Position(2, (Sector.NHS,))])
    services.add_workshop_action(workshop.id, ITEM, description="Do it")
    view = services.workshop_view(workshop.id)
    assert view.workshop == workshop
    assert view.taking_part.answered == 3
    row = view.statement(ITEM)
    assert row.n == 3 and row.shown and row.outcome is AgreementOutcome.NOT_AGREED
    assert len(view.actions_for(ITEM)) == 1
