"""Comparisons through Services on the demo partnership: the rounds, the questionnaires
answered, the choice of earlier round, and the demo's NHS and council views diverging
where the demo says they do."""

from __future__ import annotations

import pytest

from ics_assess.comparison import OVERALL
from ics_assess.domain import Sector
from ics_assess.services import ServiceError, Services

from .conftest import FORMS_DIR


@pytest.fixture(scope="module")
def demo(demo_db):
    with Services.open(demo_db, [FORMS_DIR], readonly=True) as services:
        yield services


def test_rounds_latest_first_and_the_previous_round(demo):
    partnership = demo.partnerships()[0]
    rounds = demo.rounds_latest_first(partnership.id)
    assert [r.name for r in rounds] == ["Six-month review, November 2026", "Baseline, May 2026"]
    assert demo.previous_round(rounds[0].id) == rounds[1]
    assert demo.previous_round(rounds[1].id) is None
    assert [qid for qid, _ in demo.compared_questionnaires(partnership.id)] == [
        "democratic-involvement",
        "equal-partnership",
        "governance",
    ]


def test_the_demo_shows_the_nhs_rating_agenda_and_money_higher(demo):
    review = demo.rounds_latest_first(demo.partnerships()[0].id)[0]
    c = demo.compare(round_id=review.id, questionnaire_id="equal-partnership")
    assert c.headline.complete
    assert c.trend is not None and c.trend.previous_round.name == "Baseline, May 2026"
    headline_gaps = {
        d.label: d.gap
        for d in c.divergences
        if d.scope == "section"
        and (d.gap.first, d.gap.second) == (Sector.NHS, Sector.LOCAL_GOVERNMENT)
    }
    for title in ("Setting the agenda", "Money and pooled budgets"):
        assert headline_gaps[title].gap > 1.0 and headline_gaps[title].flagged
    assert c.columns[0].value(OVERALL) == pytest.approx(c.headline.system)


def test_the_individual_view_never_shows_a_group_under_three(demo):
    review = demo.rounds_latest_first(demo.partnerships()[0].id)[0]
    c = demo.compare(round_id=review.id, questionnaire_id="equal-partnership", kind="individual")
    assert all(col.n >= 3 for col in c.columns)
    assert c.anonymity is not None and c.anonymity.sentences()


def test_comparing_a_round_with_itself_or_another_partnership_is_refused(demo):
    review = demo.rounds_latest_first(demo.partnerships()[0].id)[0]
    with pytest.raises(ServiceError, match="not the same one"):
        demo.compare(round_id=review.id, questionnaire_id="governance", since=review.id)


def test_no_earlier_round_means_no_change(demo):
    baseline = demo.rounds_latest_first(demo.partnerships()[0].id)[-1]
    c = demo.compare(round_id=baseline.id, questionnaire_id="governance")
    assert c.trend is None
    assert (
        demo.compare(round_id=baseline.id, questionnaire_id="governance", since=None).trend is None
    )


def test_a_partner_type_change_is_kept_and_named_in_the_comparison(demo_db, tmp_path, capsys):
    import json
    import shutil

    from ics_assess.cli import main

    path = tmp_path / "demo.sqlite"
    shutil.copy(demo_db, path)
    with Services.open(path, [FORMS_DIR]) as services:
        eastdale = services.resolve_organisation("Eastdale District Council")
        services.update_organisation(eastdale.id, partner_type="public_health")
        services.update_organisation(eastdale.id, name="Eastdale Council")  # no type change
        (change,) = services.store.partner_type_changes()
        assert (change["old_type"], change["new_type"]) == ("district_council", "public_health")
    code = main(
        [
            "compare",
            "--db",
            str(path),
            "--round",
            "Six-month review, November 2026",
            "--questionnaire",
            "equal-partnership",
            "--json",
        ]
    )
    assert code == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert any(
        n.startswith("Eastdale Council changed its partner type from district council to public "
                     "health on ") and "compared only with itself" in n
        for n in notes
    )  # fmt: skip


def test_two_partner_type_changes_in_one_millisecond_are_both_kept(services, monkeypatch):
    """The change's time is part of its key: two changes of one organisation within one
    millisecond (or after the clock was set back) once failed on it."""
    from ics_assess.store import store as store_module

    org = services.store.add_organisation(
        services.store.add_partnership("P").id, "Eastdale District Council", "district_council"
    )
    monkeypatch.setattr(store_module, "now", lambda: "2026-12-01T10:00:00.000+00:00")
    services.update_organisation(org.id, partner_type="public_health")
    services.update_organisation(org.id, partner_type="upper_tier_council")
    services.update_organisation(org.id, partner_type="icb")
    changes = services.store.partner_type_changes([org.id])
    assert [(c["changed_at"], c["old_type"], c["new_type"]) for c in changes] == [
        ("2026-12-01T10:00:00.000+00:00", "district_council", "public_health"),
        ("2026-12-01T10:00:00.001+00:00", "public_health", "upper_tier_council"),
        ("2026-12-01T10:00:00.002+00:00", "upper_tier_council", "icb"),
    ]


def test_a_database_from_before_partner_type_changes_were_kept_still_reads(demo_db, tmp_path):
    import shutil
    import sqlite3

    path = tmp_path / "old.sqlite"
    shutil.copy(demo_db, path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE partner_type_changes")
        conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0003_partner_type_changes'")
    conn.close()
    with Services.open(path, [FORMS_DIR], readonly=True) as services:
        assert services.store.partner_type_changes() == []
        review = services.rounds_latest_first(services.partnerships()[0].id)[0]
        assert services.compare(round_id=review.id, questionnaire_id="governance").headline
    with Services.open(path, [FORMS_DIR]) as services:  # opened for writing: upgraded
        assert services.store.partner_type_changes() == []
        assert "partner_type_changes" in services.store.db.table_names()
