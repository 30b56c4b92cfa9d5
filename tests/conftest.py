"""Shared test setup: offscreen Qt, and a fresh data directory for every test so that no
test ever reads or writes the real user's data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FORMS_DIR = PROJECT_ROOT / "forms"


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory, monkeypatch) -> Path:
    """Point the user's data directory at a new temp folder; unset the database override."""
    data = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("ICS_ASSESS_DATA_DIR", str(data))
    monkeypatch.delenv("ICS_ASSESS_DB", raising=False)
    return data


@pytest.fixture
def db_path(tmp_path) -> Path:
    """A database file path in a temp folder (not created yet)."""
    return tmp_path / "assess.sqlite"


@pytest.fixture
def services(db_path):
    """Services over a new database and the shipped forms."""
    from ics_assess.services import Services

    with Services.open(db_path, [FORMS_DIR]) as s:
        yield s


@pytest.fixture
def partnership_setup(services):
    """A partnership with one round and one organisation of each sector."""
    store = services.store
    p = store.add_partnership("Test Partnership", "Test ICS")
    rnd = store.add_round(p.id, "Baseline", "2026-11-01")
    orgs = {
        "icb": store.add_organisation(p.id, "Test ICB", "icb"),
        "council": store.add_organisation(p.id, "Test County Council", "upper_tier_council"),
        "vcse": store.add_organisation(p.id, "Test Voluntary Action", "vcse"),
    }
    return p, rnd, orgs


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """A database with the demo partnership, built once per test session. Copy it
    (with the backup API) before changing it."""
    from ics_assess.demo import build_demo
    from ics_assess.services import Services

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    with Services.open(path, [FORMS_DIR]) as s:
        build_demo(s)
    return path


@pytest.fixture
def fake_dialogs():
    """A Dialogs stand-in that answers at once (see tests/ui_support.py)."""
    from .ui_support import FakeDialogs

    return FakeDialogs()


def start_on_version(services, questionnaire_id: str, version: str, **fields):
    """A new draft on one version of a shipped questionnaire (Services.start_assessment
    starts on the newest): ``fields`` as for start_assessment, less the questionnaire."""
    loaded = services.catalogue.get(questionnaire_id, version)
    assert loaded is not None, (questionnaire_id, version)
    services.keep_questionnaire(loaded)
    return services.store.create_assessment(
        questionnaire_id=questionnaire_id, questionnaire_version=version, **fields
    )


@pytest.fixture
def draft(services, partnership_setup):
    """A new organisation-response draft of the governance questionnaire, version 1.0:
    the tests that use it were worked out by hand on 1.0's statements (its weights and
    reverse statements), which stay in forms/governance.toml with every answer on them.
    Version 1.1 has tests of its own (test_questionnaires_v11, test_across_versions)."""
    _, rnd, orgs = partnership_setup
    return start_on_version(
        services,
        "governance",
        "1.0",
        round_id=rnd.id,
        organisation_id=orgs["council"].id,
        kind="organisation",
        respondent_name="Cllr Test",
        respondent_role="Leader",
    )


@pytest.fixture
def window(qtbot, fake_dialogs, isolated_data_dir):
    """A main window on the default database of a fresh data directory (test modules
    that need another database define their own ``window``)."""
    from ics_assess.ui.main_window import MainWindow

    win = MainWindow(dialogs=fake_dialogs)
    qtbot.addWidget(win)
    win.resize(1024, 700)
    assert win.open_initial_database()
    win.show()
    yield win
    win.close()
