"""Care providers as partners (issue 13): a partner type of their own, in the community
sector, and migration 0007, which widens the partner-type CHECK of a database written
before it with nothing lost."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlite_utils import Database

from ics_assess import demo as demo_module
from ics_assess import paths
from ics_assess.domain import PartnerType, Sector
from ics_assess.exchange import records
from ics_assess.services import Services
from ics_assess.store import Store, StoreError
from ics_assess.store import schema as schema_module
from ics_assess.store.database import connect_readonly
from ics_assess.store.schema import known_migration_names

from .older_files import database_before
from .ui_support import FakeDialogs

FORMS_DIR = paths.builtin_forms_dir()
DOCS = Path(__file__).resolve().parent.parent / "docs"
MIGRATION = "0007_care_provider"


def test_care_providers_are_a_community_partner_type():
    care = PartnerType("care_provider")
    assert care is PartnerType.CARE_PROVIDER
    assert care.label == "Care provider"
    assert care.sector is Sector.COMMUNITY
    # Listed with the community partners, before "other", in every list of types.
    types = list(PartnerType)
    assert types.index(PartnerType.HEALTHWATCH) < types.index(care) < types.index(PartnerType.OTHER)


def test_exchange_files_and_their_schema_know_care_providers():
    assert records.partner_type("care_provider") == "care_provider"
    schema = json.loads((DOCS / "exchange-bundle.schema.json").read_text(encoding="utf-8"))
    enum = schema["$defs"]["organisation"]["properties"]["partner_type"]["enum"]
    assert enum == [t.value for t in PartnerType]
    assert "`care_provider`" in (DOCS / "cli.md").read_text(encoding="utf-8")


def test_the_new_organisation_question_offers_care_providers(services):
    from ics_assess.ui.new_assessment import ask_new_organisation

    class Recording(FakeDialogs):
        offered: tuple[str, ...] = ()
        first = -1

        def item(self, title, label, items, current=0):
            self.offered, self.first = tuple(items), current
            return items.index("Care provider")

    dialogs = Recording()
    dialogs.answers.append("Northshire Care Association")
    p = services.store.add_partnership("P")
    org = ask_new_organisation(services, dialogs, p.id)
    assert "Care provider" in dialogs.offered
    # Its name says what it is, so it is offered first (ics_assess/partner_types.py).
    assert dialogs.offered[dialogs.first] == "Care provider"
    assert org.partner_type is PartnerType.CARE_PROVIDER
    assert services.store.organisations(p.id)[0].sector is Sector.COMMUNITY


# --- migration 0007 ---------------------------------------------------------------------


def _database_before_care_providers(path: Path, monkeypatch) -> None:
    """A database of the schema before 0007, holding the demo partnership (less its
    care provider, a partner type that schema refuses): assessments on both versions,
    a workshop, actions carried forward, the profile and concerns."""
    organisations = demo_module.ORGANISATIONS[: demo_module.CARE_PROVIDERS_JOINED]
    monkeypatch.setattr(demo_module, "ORGANISATIONS", organisations)
    monkeypatch.setattr(
        demo_module,
        "WORKSHOP_PARTICIPANTS",
        tuple(p for p in demo_module.WORKSHOP_PARTICIPANTS if p[0] < len(organisations)),
    )

    def build(services: Services) -> None:
        demo_module.build_demo(services)
        # And a partner type change, so that table has rows to copy.
        org = services.store.organisations()[0]
        services.update_organisation(org.id, partner_type="nhs_trust")
        services.update_organisation(org.id, partner_type="icb")

    database_before(path, MIGRATION, build)


def _columns(path: Path) -> dict[str, list[str]]:
    """Every table's columns but the migrations' record."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' AND name != '_sqlite_migrations'"
            )
        ]
        return {t: [r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')] for t in tables}
    finally:
        conn.close()


def _dump(path: Path, columns: dict[str, list[str]] | None = None) -> dict[str, list[tuple]]:
    """Every row of every table but the migrations' record, sorted; with ``columns``
    (the tables and columns of the file before a later migration added some), only
    those."""
    columns = columns or _columns(path)
    conn = sqlite3.connect(path)
    try:
        return {
            t: sorted(conn.execute(f'SELECT {", ".join(names)} FROM "{t}"').fetchall(), key=repr)
            for t, names in columns.items()
        }
    finally:
        conn.close()


def _sql(path: Path, table: str) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", [table]).fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def old_db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "before-0007.sqlite"
    _database_before_care_providers(path, monkeypatch)
    return path


def test_the_old_schema_refuses_a_care_provider(old_db):
    assert "care_provider" not in _sql(old_db, "organisations")
    conn = sqlite3.connect(old_db)
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        conn.execute(
            "INSERT INTO organisations VALUES ('x', (SELECT id FROM partnerships), 'C', "
            "'care_provider', '2026-01-01')"
        )
    conn.close()


def test_a_database_from_before_care_providers_upgrades_with_nothing_lost(old_db):
    before, columns = _dump(old_db), _columns(old_db)
    assert len(before["assessments"]) > 70 and before["partner_type_changes"]
    assert before["actions"] and before["concerns"] and before["agreed_scores"]

    with Store.open(old_db) as store:
        applied = [r["name"] for r in store.db.query("SELECT name FROM _sqlite_migrations")]
        assert applied == known_migration_names() and MIGRATION in applied
        assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert store.integrity_problems() == []

    assert _dump(old_db, columns) == before
    for table in ("organisations", "partner_type_changes"):
        assert "'care_provider'" in _sql(old_db, table)
    assert _sql(old_db, "organisations_partnership")  # its index is back
    backups = list(paths.backups_dir(old_db).glob("*-before-upgrade-*.sqlite"))
    assert len(backups) == 1 and _dump(backups[0]) == before

    with Services.open(old_db, [FORMS_DIR]) as services:
        (partnership,) = services.partnerships()
        care = services.add_organisation(partnership.id, "Care Association", "care_provider")
        other = next(
            o
            for o in services.store.organisations(partnership.id)
            if o.partner_type.value == "vcse"
        )
        services.update_organisation(other.id, partner_type="care_provider")
        changes = services.store.partner_type_changes([other.id])
        assert [(c["old_type"], c["new_type"]) for c in changes] == [("vcse", "care_provider")]
        assert care.sector is Sector.COMMUNITY
        # The foreign keys still point at the rebuilt table: deleting an organisation
        # still takes its assessments with it.
        conn = services.store.db.conn
        (org_id,) = conn.execute(
            "SELECT organisation_id FROM assessments GROUP BY organisation_id LIMIT 1"
        ).fetchone()
        with services.store.transaction():
            conn.execute("DELETE FROM organisations WHERE id = ?", [org_id])
        left = conn.execute(
            "SELECT count(*) FROM assessments WHERE organisation_id = ?", [org_id]
        ).fetchone()[0]
        assert left == 0


def test_the_upgrade_runs_once_and_again_does_nothing(old_db):
    with Store.open(old_db):
        pass
    after = _dump(old_db)
    conn = sqlite3.connect(old_db)
    conn.execute("PRAGMA foreign_keys = ON")
    schema_module.care_provider(Database(conn))  # as after an interruption: a no-op
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    conn.close()
    assert _dump(old_db) == after


def test_a_failed_rebuild_leaves_the_database_as_it_was(old_db, monkeypatch):
    before, columns = _dump(old_db), _columns(old_db)
    rebuild = schema_module._rebuild_with_care_providers

    def half_then_fail(conn):
        rebuild(conn)
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(schema_module, "_rebuild_with_care_providers", half_then_fail)
    with pytest.raises(StoreError, match="could not be prepared"):
        Store.open(old_db)
    assert _dump(old_db) == before
    assert "care_provider" not in _sql(old_db, "organisations")
    conn = sqlite3.connect(old_db)
    applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations")]
    conn.close()
    assert MIGRATION not in applied
    monkeypatch.undo()
    with Store.open(old_db) as store:
        assert store.integrity_problems() == []
    assert _dump(old_db, columns) == before


def test_a_database_without_0007_is_still_read_read_only(old_db, tmp_path):
    assert MIGRATION in schema_module.READ_COMPATIBLE_MIGRATIONS
    copy = tmp_path / "copy.sqlite"
    shutil.copy(old_db, copy)
    db = connect_readonly(copy)
    db.close()
    with Services.open(copy, [FORMS_DIR], readonly=True) as services:
        assert len(services.list_assessments()) > 70
    assert "care_provider" not in _sql(copy, "organisations")  # nothing written
