"""The partnership profile (issue 11): profile.toml loaded and validated, values checked
and refused in words, derived figures computed, the trend, and a 0004 database upgraded."""

from __future__ import annotations

import textwrap

import pytest

from ics_assess import paths
from ics_assess.profile import PROFILE_FILENAME, ProfileError, load_profile, parse_profile
from ics_assess.services import ServiceError, Services
from ics_assess.store import Store
from ics_assess.store.schema import known_migration_names

FORMS_DIR = paths.builtin_forms_dir()


def test_the_shipped_profile_declares_the_facts_design_lists():
    definition = load_profile([FORMS_DIR])
    assert definition.warnings == []
    ids = {f.id for f in definition.facts}
    for sector in ("nhs", "local_government", "community"):
        assert {f"icb_{sector}_members", f"icp_{sector}_members"} <= ids
    assert {
        "icb_voting_members",
        "icb_councillors",
        "icp_voting_members",
        "icp_councillors",
        "prevention_share",
        "pooled_beyond_bcf",
        "social_care_vacancy_rate",
    } <= ids
    share = next(d for d in definition.derived if d.id == "icb_councillor_share")
    assert (share.kind, share.left, share.right, share.unit) == (
        "ratio",
        "icb_councillors",
        "icb_voting_members",
        "percent",
    )
    assert {f.unit for f in definition.facts} <= {"count", "percent", "money", "rate"}


def test_the_profile_file_is_never_read_as_a_questionnaire():
    from ics_assess.questionnaires import load_catalogue

    catalogue = load_catalogue([FORMS_DIR])
    assert not any(PROFILE_FILENAME in w for w in catalogue.warnings)


def _problems(text: str) -> list[str]:
    with pytest.raises(ProfileError) as caught:
        parse_profile(textwrap.dedent(text), "p.toml")
    return [p.located() for p in caught.value.problems]


def test_a_broken_file_is_refused_in_words_one_sentence_per_problem():
    problems = _problems(
        """
        [[facts]]
        id = "members"
        label = "Members"
        unit = "people"
        [[facts]]
        id = "members"
        label = ""
        unit = "count"
        wieght = 1
        [[facts]]
        id = "councillors"
        label = "Councillors"
        unit = "count"
        at_most = "nobody"
        [[derived]]
        id = "share"
        label = "Share"
        formula = "__import__('os').system('x')"
        [[derived]]
        id = "gap"
        label = "Gap"
        formula = "members - missing"
        """
    )
    assert problems == [
        "fact 'members': 'unit' must be one of count, percent, money, rate, not 'people'",
        "fact 'members': this id is already used by another fact or figure",
        "fact 'members': 'label' is empty",
        "fact 'members': unknown key 'wieght' (expected one of: at_most, description, "
        "group, id, label, unit)",
        "fact 'councillors': 'at_most' names 'nobody', which is not a fact",
        "derived 'share': 'formula' = '__import__('os').system('x')' must be 'a / b * 100' "
        "(a share, in percent) or 'a - b' (a difference), where a and b are ids of facts",
        "derived 'gap': the formula names 'missing', which is not a fact entered by hand",
    ]
    assert all("\n" not in p for p in problems)


def test_not_toml_and_empty_files_are_refused():
    assert _problems("[[facts]\n")[0].startswith("this is not valid TOML")
    assert _problems("") == ["top level: there are no [[facts]] and no [[derived]] figures"]
    assert _problems(
        """
        [[facts]]
        id = "a"
        label = "A"
        unit = "count"
        [[facts]]
        id = "b"
        label = "B"
        unit = "money"
        [[derived]]
        id = "d"
        label = "D"
        formula = "a - b"
        """
    ) == ["derived 'd': a difference needs two facts of the same unit"]


def test_a_partnership_adds_its_own_facts_and_a_broken_file_is_skipped(tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    (own / PROFILE_FILENAME).write_text(
        textwrap.dedent(
            """
            [[facts]]
            id = "joint_posts"
            label = "Jointly funded posts"
            unit = "count"
            group = "Our own"
            [[derived]]
            id = "nhs_minus_lg"
            label = "NHS over local government seats on the ICB"
            formula = "icb_nhs_members - icb_local_government_members"
            """
        ),
        encoding="utf-8",
    )
    definition = load_profile([FORMS_DIR, own])
    assert definition.warnings == []
    assert definition.facts[-1].id == "joint_posts"
    assert definition.derived[-1].unit == "count"

    (own / PROFILE_FILENAME).write_text('[[facts]]\nid = "icb_councillors"\n', encoding="utf-8")
    definition = load_profile([FORMS_DIR, own])
    (warning,) = definition.warnings
    assert "Skipped the profile file" in warning and "already used" in warning
    assert "joint_posts" not in {f.id for f in definition.facts}


@pytest.fixture
def rounds(services):
    p = services.add_partnership("Riverside")
    first = services.add_round(p.id, "Baseline", "2026-01-10")
    second = services.add_round(p.id, "Six-month review", "2026-07-10")
    return p, first, second


def test_values_are_stored_with_source_and_date_and_derived_figures_computed(services, rounds):
    _, first, _ = rounds
    services.set_profile_value(
        first.id, "icb_voting_members", "91", source="LGC survey", as_of="2025-11-01"
    )
    entry = services.set_profile_value(first.id, "icb_councillors", 9, source="LGC survey")
    assert (entry.value, entry.source, entry.text) == (9.0, "LGC survey", "9")
    services.set_profile_value(first.id, "prevention_share", "4.5%")
    services.set_profile_value(first.id, "pooled_beyond_bcf", "£1,250,000")
    profile = services.round_profile(first.id)
    by_id = {e.fact.id: e for e in profile.entries}
    share = by_id["icb_councillor_share"]
    assert share.computed and share.value == pytest.approx(9 / 91 * 100)
    assert share.text == "9.9%"
    assert by_id["icb_voting_members"].as_of == "2025-11-01"
    assert by_id["prevention_share"].text == "4.5%"
    assert by_id["pooled_beyond_bcf"].text == "£1,250,000"
    assert by_id["icp_councillor_share"].value is None  # nothing to compute it from
    services.clear_profile_value(first.id, "icb_councillors")
    assert {e.fact.id: e for e in services.round_profile(first.id).entries}[
        "icb_councillor_share"
    ].value is None


@pytest.mark.parametrize(
    ("fact", "value", "sentence"),
    [
        (
            "icb_voting_members",
            -3,
            "'Voting members of the ICB board' is a count: give a whole number that is "
            "not negative, not -3.",
        ),
        (
            "icb_voting_members",
            "2.5",
            "'Voting members of the ICB board' is a count: give a whole number that is "
            "not negative, not 2.5.",
        ),
        (
            "prevention_share",
            "120",
            "'Share of NHS spend on prevention' is a percent: give a number from 0 to 100, "
            "not 120.",
        ),
        (
            "pooled_beyond_bcf",
            "-5",
            "'Money pooled beyond the Better Care Fund' cannot be negative (-5).",
        ),
        (
            "pooled_beyond_bcf",
            "lots",
            "The value 'lots' for 'Money pooled beyond the Better Care Fund' is not a number.",
        ),
        (
            "icb_councillor_share",
            10,
            "'Share of voting ICB members who are councillors' is "
            "computed from other facts; it cannot be typed.",
        ),
        ("no_such_fact", 1, "The profile has no fact 'no_such_fact'."),
    ],
)
def test_bad_values_are_refused_in_one_sentence_naming_the_fact(
    services, rounds, fact, value, sentence
):
    _, first, _ = rounds
    with pytest.raises(ServiceError) as caught:
        services.set_profile_value(first.id, fact, value)
    assert str(caught.value) == sentence
    assert services.store.profile_values([first.id]) == []


def test_councillors_never_more_than_members_of_the_same_board(services, rounds):
    _, first, second = rounds
    services.set_profile_value(first.id, "icb_voting_members", 91)
    with pytest.raises(ServiceError) as caught:
        services.set_profile_value(first.id, "icb_councillors", 95)
    assert str(caught.value) == (
        "'Councillors among the ICB's voting members' cannot be more than 'Voting members "
        "of the ICB board' of the same round (95 is more than 91)."
    )
    services.set_profile_value(first.id, "icb_councillors", 9)
    with pytest.raises(ServiceError, match="cannot be fewer than"):
        services.set_profile_value(first.id, "icb_voting_members", 8)
    services.set_profile_value(second.id, "icb_councillors", 95)  # another round: no limit yet


def test_a_bad_date_is_refused_naming_the_fact(services, rounds):
    _, first, _ = rounds
    with pytest.raises(ServiceError) as caught:
        services.set_profile_value(first.id, "icb_voting_members", 91, as_of="31/03/2026")
    assert str(caught.value) == (
        "The date '31/03/2026' for 'Voting members of the ICB board' is not a date; give it "
        "as YYYY-MM-DD (e.g. 2026-03-31)."
    )


def test_the_trend_across_the_partnerships_rounds(services, rounds):
    p, first, second = rounds
    for rnd, members, councillors in ((first, 91, 9), (second, 90, 12)):
        services.set_profile_value(rnd.id, "icb_voting_members", members)
        services.set_profile_value(rnd.id, "icb_councillors", councillors)
    trend = services.profile_trend(p.id)
    assert [t.value for t in trend["icb_councillors"]] == [9, 12]
    assert [t.round_name for t in trend["icb_councillors"]] == ["Baseline", "Six-month review"]
    assert [round(t.value, 1) for t in trend["icb_councillor_share"]] == [9.9, 13.3]
    later = {e.fact.id: e for e in services.round_profile(second.id).entries}
    assert later["icb_councillors"].trend_text == "Baseline 9 → Six-month review 12"
    baseline = {e.fact.id: e for e in services.round_profile(first.id).entries}
    assert len(baseline["icb_councillors"].trend) == 1  # never the rounds after it


def test_a_database_at_0004_upgrades_and_reads_an_empty_profile(db_path):
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    from ics_assess.store import schema

    upto = Migrations(schema.MIGRATION_SET)
    upto._migrations = [m for m in schema.migrations._migrations if m.name < "0005"]
    db = Database(db_path)
    upto.apply(db)
    db.execute("INSERT INTO partnerships VALUES ('p1', 'Old partnership', '', '2025-01-01')")
    db.execute("INSERT INTO rounds VALUES ('r1', 'p1', 'Baseline', '2025-01-01', '2025-01-01')")
    db.conn.commit()
    db.close()
    with Store.open(db_path) as store:
        applied = [r["name"] for r in store.db.query("SELECT name FROM _sqlite_migrations")]
        assert applied == known_migration_names() and "0005_profile" in applied
        assert store.profile_values(["r1"]) == []
    with Services.open(db_path) as services:
        assert all(e.value is None for e in services.round_profile("r1").entries)
        services.set_profile_value("r1", "icb_voting_members", 91)
        assert services.store.integrity_problems() == []


def test_a_database_without_the_profile_table_reads_read_only(demo_db, tmp_path):
    import shutil
    import sqlite3

    path = tmp_path / "old.sqlite"
    shutil.copy(demo_db, path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE profile_values")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0005_profile'")
    conn.close()
    with Services.open(path, readonly=True) as services:
        (p,) = services.partnerships()
        rnd = services.store.rounds(p.id)[0]
        assert all(e.value is None for e in services.round_profile(rnd.id).entries)
