"""Exchange bundles between machines: what travels, round trips, conflicts, questionnaire
versions, determinism, and the format's JSON Schema (docs/exchange-format.md).

The helpers at the top (``small_world``, ``make_bundle``, ``dump``) are shared with
tests/test_exchange_hostile.py and tests/test_cli_exchange.py.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest

from ics_assess.cli import detail_json
from ics_assess.domain import Unrated
from ics_assess.exchange import (
    FORMAT_VERSION,
    BundleError,
    ConflictChoice,
    ExchangeError,
    ExportError,
    ImportConflictError,
    read_bundle,
)
from ics_assess.exchange.bundle import FIXED_DATE, build_zip, dump_json, load_json
from ics_assess.exchange.records import FIELDS, NESTED, TOP_LEVEL
from ics_assess.services import Services
from ics_assess.store import StoreError

from .conftest import FORMS_DIR, PROJECT_ROOT

SCHEMA_PATH = PROJECT_ROOT / "docs" / "exchange-bundle.schema.json"
STAMP = "2026-11-25T09:00:00.000+00:00"


# --- shared helpers ---------------------------------------------------------------------


def dump(services: Services) -> str:
    """Everything in the database, as SQL text (to prove nothing changed)."""
    return "\n".join(services.store.db.conn.iterdump())


def open_services(path: Path, forms=(FORMS_DIR,)) -> Services:
    return Services.open(path, list(forms))


def small_world(services: Services) -> dict:
    """A partnership with two rounds, three organisations, a workshop, assessments of
    every kind and status, and actions of every scope. Returns the ids by name."""
    store = services.store
    p = store.add_partnership("Riverside Partnership", "Riverside ICS")
    base = store.add_round(p.id, "Baseline", "2026-05-01")
    review = store.add_round(p.id, "Review", "2026-11-01")
    council = store.add_organisation(p.id, "Riverside Council", "upper_tier_council")
    icb = store.add_organisation(p.id, "Riverside ICB", "icb")
    vcse = store.add_organisation(p.id, "Riverside Voluntary Action", "vcse")
    gov = services.latest_questionnaire("governance").questionnaire
    eq_loaded = services.latest_questionnaire("equal-partnership")
    services.keep_questionnaire(eq_loaded)
    eq = eq_loaded.questionnaire

    council_a = services.start_assessment(
        round_id=base.id,
        organisation_id=council.id,
        questionnaire_id="governance",
        kind="organisation",
        respondent_name="Cllr Siân O’Brien",
        respondent_role="Leader",
    )
    items = [i.id for i in gov.items]
    services.answer(council_a.id, items[0], 4)
    services.answer(council_a.id, items[1], Unrated.DONT_KNOW)
    services.answer(council_a.id, items[2], 2)
    services.set_target(council_a.id, items[2], 4)
    services.set_comment(council_a.id, items[2], "Evidence: <b>minutes</b> & “notes”\nline two 🙂")
    # Evidence given, then changed: the answer's evidence and two change-log entries of it.
    services.set_evidence(council_a.id, items[2], "Board minutes, March")
    services.set_evidence(council_a.id, items[2], "Board minutes, 12 March 2026, item 7\n“S.75”")
    services.set_comment(council_a.id, items[3], "Comment without a rating")
    services.submit(council_a.id, allow_unanswered=True)

    icb_a = services.start_assessment(
        round_id=base.id,
        organisation_id=icb.id,
        questionnaire_id="governance",
        kind="organisation",
        respondent_name="Dame Ada",
    )
    services.answer(icb_a.id, items[0], 5)
    services.answer(icb_a.id, items[4], Unrated.NOT_APPLICABLE)

    workshop = store.add_workshop(
        round_id=review.id,
        questionnaire_id=eq.id,
        questionnaire_version=eq.version,
        title="Review workshop",
        held_on="2026-11-18",
        facilitator="Dr Raman",
    )
    participant = services.start_assessment(
        round_id=review.id,
        organisation_id=vcse.id,
        questionnaire_id="equal-partnership",
        kind="individual",
        workshop_id=workshop.id,
    )
    for n, item in enumerate(eq.items[:6]):
        services.answer(participant.id, item.id, n % 5 + 1)
    services.submit(participant.id, allow_unanswered=True)
    store.set_agreed(workshop.id, eq.items[0].id, 3, target=4, reasoning="Agreed after debate")
    store.set_agreed(workshop.id, eq.items[1].id, Unrated.DONT_KNOW)

    review_a = services.start_assessment(
        round_id=review.id,
        organisation_id=council.id,
        questionnaire_id="governance",
        kind="organisation",
    )
    services.answer(review_a.id, items[0], 3)

    council_action = store.add_action(
        partnership_id=p.id,
        round_id=base.id,
        organisation_id=council.id,
        description="Brief cabinet before each board",
        due_on="2026-07-31",
    )
    other_org_action = store.add_action(
        partnership_id=p.id, round_id=base.id, organisation_id=vcse.id, description="VCSE seat"
    )
    round_action = store.add_action(
        partnership_id=p.id, round_id=base.id, description="Partnership-wide review"
    )
    workshop_action = store.add_action(
        partnership_id=p.id,
        round_id=review.id,
        workshop_id=workshop.id,
        questionnaire_id=eq.id,
        section_id=eq.sections[0].id,
        description="Rotate the chair",
        status="in_progress",
    )
    return {
        "partnership": p.id,
        "base": base.id,
        "review": review.id,
        "council": council.id,
        "icb": icb.id,
        "vcse": vcse.id,
        "council_a": council_a.id,
        "icb_a": icb_a.id,
        "participant": participant.id,
        "review_a": review_a.id,
        "workshop": workshop.id,
        "council_action": council_action.id,
        "other_org_action": other_org_action.id,
        "round_action": round_action.id,
        "workshop_action": workshop_action.id,
    }


def all_ids(services: Services) -> list[str]:
    return sorted(s.assessment.id for s in services.list_assessments())


def members_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist()}


def format_of(members: dict[str, bytes]) -> int:
    """The format version of the bundle ``members`` came from (FORMAT_VERSION if they have
    no readable manifest)."""
    try:
        version = json.loads(members["manifest.json"])["format_version"]
    except (KeyError, TypeError, ValueError):
        return FORMAT_VERSION
    return version if isinstance(version, int) else FORMAT_VERSION


def make_bundle(
    path: Path,
    members: dict[str, bytes],
    *,
    manifest: dict | None = None,
    recount: bool = True,
) -> Path:
    """A bundle of ``members`` (records.json and questionnaires) with a manifest whose
    checksums and counts are right for them (unless ``manifest`` is given as it is), of
    the format version of the manifest among them (an export of no evidence is 1 or 2)."""
    version = format_of(members)
    members = {k: v for k, v in members.items() if k != "manifest.json"}
    if manifest is None:
        manifest = {
            "format": "ics-assess-bundle",
            "format_version": version,
            "app_version": "0.1.0",
            "created_at": STAMP,
            "contents": {},
            "members": {
                name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                for name, data in members.items()
            },
        }
        if recount:
            manifest["contents"] = counts_of(json.loads(members["records.json"]))
    ordered = [("manifest.json", dump_json(manifest)), *sorted(members.items())]
    path.write_bytes(build_zip(ordered))
    return path


def counts_of(records: dict) -> dict[str, int]:
    """The manifest's contents for a records.json document (as far as it is well formed)."""

    def n(key):
        value = records.get(key) if isinstance(records, dict) else None
        return len(value) if isinstance(value, list) else 0

    def nested(key, inner):
        total = 0
        for row in records.get(key, []) if isinstance(records, dict) else []:
            if isinstance(row, dict) and isinstance(row.get(inner), list):
                total += len(row[inner])
        return total

    return {
        "partnerships": n("partnerships"),
        "organisations": n("organisations"),
        "rounds": n("rounds"),
        "questionnaires": n("questionnaires"),
        "workshops": n("workshops"),
        "agreed_scores": nested("workshops", "agreed_scores"),
        "assessments": n("assessments"),
        "answers": nested("assessments", "answers"),
        "actions": n("actions"),
        "change_log": nested("assessments", "change_log"),
    }


def rebundle(source: Path, target: Path, change) -> Path:
    """A copy of a valid bundle with records.json changed by ``change(records)`` (which
    edits in place or returns new records), with a manifest that fits."""
    members = members_of(source)
    records = json.loads(members["records.json"])
    changed = change(records)
    if changed is not None:
        records = changed
    members["records.json"] = json.dumps(records, ensure_ascii=False).encode("utf-8")
    return make_bundle(target, members)


@pytest.fixture
def world(services):
    return small_world(services)


@pytest.fixture
def bundle_path(services, world, tmp_path) -> Path:
    """A bundle of every assessment of the small world."""
    path = tmp_path / "world.zip"
    services.export_assessments(all_ids(services), path, created_at=STAMP)
    return path


@pytest.fixture
def receiver(tmp_path):
    with open_services(tmp_path / "receiver.sqlite") as s:
        yield s


def import_file(services: Services, path: Path, choice=None):
    return services.apply_import(services.plan_import(path), choice)


def details(services: Services, ids) -> dict:
    return {i: detail_json(services.detail(i)) for i in ids}


def change_logs(services: Services, ids) -> dict:
    return {
        i: [{k: v for k, v in row.items() if k != "seq"} for row in services.store.change_log(i)]
        for i in ids
    }


# --- round trip -------------------------------------------------------------------------


def test_round_trip_into_an_empty_database_gives_identical_assessments(
    services, world, receiver, tmp_path
):
    ids = all_ids(services)
    path = tmp_path / "rounds.zip"
    services.export_assessments([], path, round_ids=[world["base"], world["review"]])
    result = import_file(receiver, path)
    assert all_ids(receiver) == ids
    assert details(receiver, ids) == details(services, ids)
    assert change_logs(receiver, ids) == change_logs(services, ids)
    assert receiver.check().problems == []
    counts = services.store.counts()
    del counts["change_log"]
    theirs = receiver.store.counts()
    del theirs["change_log"]
    assert theirs == counts
    assert result.changes_added == sum(len(v) for v in change_logs(services, ids).values())
    # The workshop, its agreed scores and the actions came along unchanged.
    wid = services.store.workshops()[0].id
    assert receiver.store.workshop(wid) == services.store.workshop(wid)
    assert receiver.store.agreed_scores(wid) == services.store.agreed_scores(wid)
    assert {a.id: a for a in receiver.store.actions()} == {
        a.id: a for a in services.store.actions()
    }


def test_round_trip_of_the_demo_partnership(demo_db, tmp_path):
    with open_services(demo_db) as source:
        ids = all_ids(source)
        source.export_assessments(ids, tmp_path / "demo.zip")
        expected = details(source, ids)
    with open_services(tmp_path / "empty.sqlite") as target:
        import_file(target, tmp_path / "demo.zip")
        assert details(target, ids) == expected
        assert target.check().problems == []


def test_importing_the_same_file_twice_adds_nothing(services, bundle_path, receiver):
    import_file(receiver, bundle_path)
    before = dump(receiver)
    plan = receiver.plan_import(bundle_path)
    assert sum(plan.count("added").values()) == 0
    assert plan.conflicts == []
    assert plan.changes_added == 0
    assert sum(plan.count("same").values()) == sum(
        read_bundle(bundle_path).counts()[k]
        for k in (
            "partnerships",
            "organisations",
            "rounds",
            "questionnaires",
            "workshops",
            "assessments",
            "actions",
        )
    )
    receiver.apply_import(plan)
    assert dump(receiver) == before


def test_importing_back_into_the_source_database_changes_nothing(services, bundle_path):
    before = dump(services)
    plan = services.plan_import(bundle_path)
    assert plan.conflicts == [] and sum(plan.count("added").values()) == 0
    services.apply_import(plan)
    assert dump(services) == before


# --- the file ---------------------------------------------------------------------------


def test_bundle_layout_manifest_and_checksums(services, world, bundle_path):
    with zipfile.ZipFile(bundle_path) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        # records.json is streamed into the zip first; the manifest, which gives its size
        # and checksum, comes last.
        assert names == [
            "records.json",
            "questionnaires/equal-partnership@1.1.toml",
            "questionnaires/governance@1.1.toml",
            "manifest.json",
        ]
        for info in infos:
            assert info.date_time == FIXED_DATE
            assert info.compress_type == zipfile.ZIP_DEFLATED
            assert (info.external_attr >> 16) == 0o100644
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["format"] == "ics-assess-bundle"
        # It holds evidence, which came with format 3.
        assert manifest["format_version"] == FORMAT_VERSION == 3
        assert manifest["created_at"] == STAMP
        for name in names[:-1]:
            data = archive.read(name)
            assert manifest["members"][name] == {
                "bytes": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        assert set(manifest["members"]) == set(names[:-1])
        # The exact stored text of each questionnaire version travels.
        stored = services.store.questionnaire_source("governance", "1.1")
        assert archive.read("questionnaires/governance@1.1.toml") == stored.encode("utf-8")
        records = json.loads(archive.read("records.json"))
    assert manifest["contents"] == counts_of(records)
    assert manifest["contents"]["assessments"] == 4
    # Ids and times travel as they are.
    council = next(a for a in records["assessments"] if a["id"] == world["council_a"])
    original = services.store.assessment(world["council_a"])
    assert council["created_at"] == original.created_at
    assert council["submitted_at"] == original.submitted_at
    assert "position" not in council


def test_the_same_data_gives_the_same_bytes(services, world, tmp_path, monkeypatch):
    ids = all_ids(services)
    one = services.export_assessments(ids, tmp_path / "one.zip", created_at=STAMP)
    two = services.export_assessments(list(reversed(ids)), tmp_path / "two.zip", created_at=STAMP)
    assert one.path.read_bytes() == two.path.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1790000000")
    three = services.export_assessments(ids, tmp_path / "three.zip")
    four = services.export_assessments(ids, tmp_path / "four.zip")
    assert three.path.read_bytes() == four.path.read_bytes()
    manifest = json.loads(members_of(three.path)["manifest.json"])
    assert manifest["created_at"].startswith("2026-09-21T")
    # Apart from the manifest's created_at, the members are the same.
    assert members_of(one.path)["records.json"] == members_of(three.path)["records.json"]


def test_export_writes_atomically_and_says_why_it_cannot(services, world, tmp_path):
    ids = all_ids(services)
    with pytest.raises(ExportError, match="does not exist"):
        services.export_assessments(ids, tmp_path / "missing" / "x.zip")
    with pytest.raises(ExportError, match="is a folder"):
        services.export_assessments(ids, tmp_path)
    target = tmp_path / "old.zip"
    target.write_bytes(b"old")
    services.export_assessments(ids, target)
    assert target.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    with pytest.raises(StoreError, match="no assessment"):
        services.export_assessments(["00000000-0000-0000-0000-000000000000"], tmp_path / "y.zip")


# --- what travels -----------------------------------------------------------------------


def records_of(path: Path) -> dict:
    return json.loads(members_of(path)["records.json"])


def ids_in(records: dict, key: str) -> set[str]:
    return {r["id"] for r in records[key]}


def test_one_assessment_takes_its_context_and_its_organisations_actions(services, world, tmp_path):
    path = tmp_path / "one.zip"
    services.export_assessments([world["council_a"]], path)
    records = records_of(path)
    assert ids_in(records, "assessments") == {world["council_a"]}
    assert ids_in(records, "organisations") == {world["council"]}
    assert ids_in(records, "rounds") == {world["base"]}
    assert ids_in(records, "partnerships") == {world["partnership"]}
    # Actions of its organisation in its round travel; another organisation's and the
    # round-wide ones do not.
    assert ids_in(records, "actions") == {world["council_action"]}
    assert records["workshops"] == []
    assert [(q["id"], q["version"]) for q in records["questionnaires"]] == [("governance", "1.1")]
    assessment = records["assessments"][0]
    assert len(assessment["answers"]) == len(services.store.answers(world["council_a"]))
    assert len(assessment["change_log"]) == len(services.store.change_log(world["council_a"]))


def test_a_workshop_participant_takes_the_workshop_and_its_actions(services, world, tmp_path):
    path = tmp_path / "participant.zip"
    services.export_assessments([world["participant"]], path)
    records = records_of(path)
    assert ids_in(records, "workshops") == {world["workshop"]}
    assert len(records["workshops"][0]["agreed_scores"]) == 2
    assert ids_in(records, "actions") == {world["workshop_action"]}
    assert ids_in(records, "organisations") == {world["vcse"]}


def test_a_round_takes_everything_of_the_round(services, world, tmp_path):
    path = tmp_path / "round.zip"
    services.export_assessments([], path, round_ids=[world["base"]])
    records = records_of(path)
    assert ids_in(records, "assessments") == {world["council_a"], world["icb_a"]}
    assert ids_in(records, "actions") == {
        world["council_action"],
        world["other_org_action"],
        world["round_action"],
    }
    # The VCSE has an action but no assessment in the round: it travels for the action.
    assert ids_in(records, "organisations") == {world["council"], world["icb"], world["vcse"]}
    assert ids_in(records, "rounds") == {world["base"]}


def test_a_round_with_no_assessments_still_exports_its_round(services, world, tmp_path):
    empty = services.store.add_round(world["partnership"], "Later")
    result = services.export_assessments([], tmp_path / "later.zip", round_ids=[empty.id])
    assert result.counts["rounds"] == 1 and result.counts["assessments"] == 0


# --- conflicts --------------------------------------------------------------------------


@pytest.fixture
def diverged(services, world, bundle_path, receiver):
    """The receiver imported the bundle, then changed an answer, an organisation's name
    and reopened the submitted assessment."""
    import_file(receiver, bundle_path)
    aid = world["council_a"]
    receiver.reopen(aid)
    item = receiver.detail(aid).questionnaire.items[0].id
    receiver.answer(aid, item, 1)
    receiver.set_comment(aid, item, "changed here")
    receiver.store.update_organisation(world["icb"], name="ICB renamed here")
    return receiver


def test_conflicts_are_listed_and_refused_without_a_choice(world, bundle_path, diverged):
    before = dump(diverged)
    plan = diverged.plan_import(bundle_path)
    kinds = sorted((c.kind, c.key) for c in plan.conflicts)
    assert kinds == [("assessment", world["council_a"]), ("organisation", world["icb"])]
    text = {c.kind: c.description for c in plan.conflicts}
    assert "Riverside Council" in text["assessment"]
    assert "1 answer differs" in text["assessment"]
    assert 'status yours "draft", theirs "submitted"' in text["assessment"]
    assert 'name yours "ICB renamed here", theirs "Riverside ICB"' in text["organisation"]
    with pytest.raises(ImportConflictError, match="--keep-mine") as caught:
        diverged.apply_import(plan)
    assert "\n" not in str(caught.value)
    assert dump(diverged) == before


def test_keep_mine_imports_the_rest_and_leaves_conflicts(services, world, bundle_path, diverged):
    mine = detail_json(diverged.detail(world["council_a"]))
    new = services.store.add_organisation(world["partnership"], "Newcomer", "healthwatch")
    newcomer = services.start_assessment(
        round_id=world["base"],
        organisation_id=new.id,
        questionnaire_id="governance",
        kind="organisation",
    )
    path = bundle_path.with_name("again.zip")
    services.export_assessments(all_ids(services), path)
    result = diverged.apply_import(diverged.plan_import(path), ConflictChoice.KEEP_MINE)
    # Every import backs up first, even one that replaces nothing.
    assert result.backup is not None
    with open_services(result.backup) as backup:
        assert detail_json(backup.detail(world["council_a"])) == mine
    assert detail_json(diverged.detail(world["council_a"])) == mine
    assert diverged.store.organisation(world["icb"]).name == "ICB renamed here"
    assert detail_json(diverged.detail(newcomer.id)) == detail_json(services.detail(newcomer.id))


def test_take_theirs_replaces_and_keeps_the_replaced_versions(
    services, world, bundle_path, diverged, tmp_path
):
    aid = world["council_a"]
    mine = detail_json(diverged.detail(aid))
    result = diverged.apply_import(diverged.plan_import(bundle_path), "take-theirs")
    assert detail_json(diverged.detail(aid)) == detail_json(services.detail(aid))
    assert diverged.store.organisation(world["icb"]).name == "Riverside ICB"
    # The whole database as it was is in the backup...
    assert result.backup is not None and result.backup.parent.name == "backups"
    with open_services(result.backup) as backup:
        assert detail_json(backup.detail(aid)) == mine
        assert backup.store.organisation(world["icb"]).name == "ICB renamed here"
    # ...and each replaced answer and the status are in the change log, old to new.
    notes = [r for r in diverged.store.change_log(aid) if r["changed_by"].startswith("import")]
    item = services.detail(aid).questionnaire.items[0].id
    assert {(n["item_id"], n["field"], n["old_value"], n["new_value"]) for n in notes} == {
        (item, "rating", "1", "4"),
        (item, "comment", "changed here", ""),
        (None, "status", "draft", "submitted"),
    }
    assert result.notes_added == 3
    # Importing the file again now finds everything there.
    again = diverged.plan_import(bundle_path)
    assert again.conflicts == [] and sum(again.count("added").values()) == 0


def test_a_deleted_assessment_is_a_conflict_not_silently_revived(world, bundle_path, receiver):
    import_file(receiver, bundle_path)
    receiver.delete_assessment(world["icb_a"])
    plan = receiver.plan_import(bundle_path)
    assert [(c.kind, c.key) for c in plan.conflicts] == [("assessment", world["icb_a"])]
    assert "was deleted here" in plan.conflicts[0].description
    receiver.apply_import(plan, "keep-mine")
    assert world["icb_a"] not in all_ids(receiver)
    receiver.apply_import(receiver.plan_import(bundle_path), "take-theirs")
    assert world["icb_a"] in all_ids(receiver)
    assert receiver.store.change_log(world["icb_a"])[-1]["field"] == "restored"


def test_new_change_log_entries_of_an_unchanged_assessment_are_added(
    services, world, tmp_path, receiver
):
    aid = world["review_a"]
    first = tmp_path / "first.zip"
    services.export_assessments([aid], first)
    import_file(receiver, first)
    # The sender changes a comment and changes it back: same content (times put back
    # too), longer log.
    item = services.detail(aid).questionnaire.items[0].id
    answer_time = services.store.answers(aid)[item].updated_at
    services.set_comment(aid, item, "draft")
    services.set_comment(aid, item, "")
    services.store.db.execute(
        "UPDATE assessments SET updated_at = ? WHERE id = ?",
        [receiver.store.assessment(aid).updated_at, aid],
    )
    services.store.db.execute(
        "UPDATE answers SET updated_at = ? WHERE assessment_id = ? AND item_id = ?",
        [answer_time, aid, item],
    )
    second = tmp_path / "second.zip"
    services.export_assessments([aid], second)
    plan = receiver.plan_import(second)
    assert plan.conflicts == [] and plan.changes_added == 2
    receiver.apply_import(plan)
    assert change_logs(receiver, [aid]) == change_logs(services, [aid])


def test_a_database_changed_after_planning_is_not_written(world, bundle_path, receiver):
    plan = receiver.plan_import(bundle_path)
    receiver.store.add_partnership("Someone else's", id=world["partnership"])
    before = dump(receiver)
    with pytest.raises(ExchangeError, match="changed while"):
        receiver.apply_import(plan)
    assert dump(receiver) == before


# --- questionnaires ---------------------------------------------------------------------

CUSTOM = (FORMS_DIR / "governance.toml").read_text(encoding="utf-8")


def custom_forms(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "custom.toml").write_text(text, encoding="utf-8")
    return folder


def custom_text(version: str = "7.1", statement: str | None = None) -> str:
    text = CUSTOM.replace('id = "governance"', 'id = "local-pilot"', 1)
    text = text.replace('version = "1.0"', f'version = "{version}"', 1)
    if statement is not None:
        start = text.index('statement = "') + len('statement = "')
        end = text.index('"', start)
        text = text[:start] + statement + text[end:]
    return text


def pilot_assessment(tmp_path: Path, text: str) -> tuple[Path, str]:
    """A database whose one assessment is on a questionnaire only it has; its bundle."""
    folder = custom_forms(tmp_path, "sender-forms", text)
    with open_services(tmp_path / "sender.sqlite", [folder]) as sender:
        p = sender.store.add_partnership("P")
        r = sender.store.add_round(p.id, "R")
        o = sender.store.add_organisation(p.id, "O", "other")
        a = sender.start_assessment(
            round_id=r.id, organisation_id=o.id, questionnaire_id="local-pilot", kind="organisation"
        )
        sender.answer(a.id, sender.questionnaire_of(a).items[0].id, 5)
        path = tmp_path / "pilot.zip"
        sender.export_assessments([a.id], path)
        return path, a.id


def test_a_questionnaire_the_receiver_lacks_travels_and_is_stored(tmp_path, receiver):
    path, aid = pilot_assessment(tmp_path, custom_text())
    assert receiver.catalogue.get("local-pilot", "7.1") is None
    import_file(receiver, path)
    assert receiver.store.questionnaire_source("local-pilot", "7.1") == custom_text()
    assert receiver.detail(aid).questionnaire.id == "local-pilot"
    assert receiver.check().problems == []


def test_same_questionnaire_version_with_other_text_is_refused_in_words(tmp_path, receiver):
    path, _ = pilot_assessment(tmp_path, custom_text())
    other = custom_text(statement="A different statement")
    receiver.store.store_questionnaire("local-pilot", "7.1", "Pilot", 10, other)
    before = dump(receiver)
    plan = receiver.plan_import(path)
    assert [c.blocking for c in plan.conflicts] == [True]
    message = plan.conflicts[0].description
    assert "questionnaire 'local-pilot' version \"7.1\"" in message
    assert "different text" in message
    for choice in (None, "keep-mine", "take-theirs"):
        with pytest.raises(ImportConflictError, match="new version number"):
            receiver.apply_import(plan, choice)
    assert dump(receiver) == before


def test_a_different_questionnaire_in_the_forms_folder_is_refused_too(tmp_path):
    path, _ = pilot_assessment(tmp_path, custom_text())
    folder = custom_forms(tmp_path, "receiver-forms", custom_text(statement="Other"))
    with open_services(tmp_path / "r.sqlite", [folder]) as receiver:
        plan = receiver.plan_import(path)
        assert [c.blocking for c in plan.conflicts] == [True]
        assert "forms folder" in plan.conflicts[0].description


def test_the_same_questionnaire_with_other_line_endings_is_already_there(tmp_path, receiver):
    path, aid = pilot_assessment(tmp_path, custom_text())
    receiver.store.store_questionnaire(
        "local-pilot", "7.1", "Pilot", 10, custom_text().replace("\n", "\r\n")
    )
    plan = receiver.plan_import(path)
    assert plan.conflicts == []
    assert plan.count("same")["questionnaires"] == 1
    receiver.apply_import(plan)
    assert receiver.detail(aid).answered == 1


def test_a_questionnaire_stored_only_here_may_be_left_out_of_the_file(
    services, world, bundle_path, tmp_path
):
    def drop_questionnaires(records):
        records["questionnaires"] = []

    members = members_of(rebundle(bundle_path, tmp_path / "noq.zip", drop_questionnaires))
    members = {k: v for k, v in members.items() if not k.startswith("questionnaires/")}
    path = make_bundle(tmp_path / "noq2.zip", members)
    # Accepted where the versions are stored ...
    plan = services.plan_import(path)
    assert plan.conflicts == []
    # ... refused where they are not.
    with (
        open_services(tmp_path / "empty.sqlite") as empty,
        pytest.raises(BundleError, match="neither in the file nor in this database"),
    ):
        empty.plan_import(path)


def test_references_may_point_to_records_already_here(services, world, tmp_path, receiver):
    full = tmp_path / "full.zip"
    services.export_assessments([world["council_a"]], full)
    import_file(receiver, full)
    services.answer(world["icb_a"], services.detail(world["icb_a"]).questionnaire.items[2].id, 3)

    def only_the_assessment(records):
        records["assessments"] = [a for a in records["assessments"] if a["id"] == world["icb_a"]]
        records["partnerships"], records["rounds"], records["actions"] = [], [], []
        records["organisations"] = [o for o in records["organisations"] if o["id"] == world["icb"]]

    source = tmp_path / "icb.zip"
    services.export_assessments([world["icb_a"]], source)
    path = rebundle(source, tmp_path / "thin.zip", only_the_assessment)
    import_file(receiver, path)
    assert detail_json(receiver.detail(world["icb_a"])) == detail_json(
        services.detail(world["icb_a"])
    )
    with (
        open_services(tmp_path / "empty.sqlite") as empty,
        pytest.raises(BundleError, match="neither in the file nor in this database") as caught,
    ):
        empty.plan_import(path)
    assert "refers to the partnership" in str(caught.value)


def test_a_new_database_is_checked_without_being_created(tmp_path, bundle_path):
    bundle = read_bundle(bundle_path)
    plan = Services.plan_import_into_new_database(bundle, [FORMS_DIR])
    assert plan.count("added")["assessments"] == 4
    assert list(tmp_path.glob("*.sqlite")) == [tmp_path / "assess.sqlite"]


# --- the JSON Schema --------------------------------------------------------------------


def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema = pytest.importorskip("jsonschema")
    document = schema()
    assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(document)


def test_the_schema_names_exactly_the_fields_the_importer_reads():
    document = schema()
    assert set(document["required"]) == set(TOP_LEVEL) == set(document["properties"])
    for record_type, fields in FIELDS.items():
        definition = document["$defs"][record_type]
        expected = set(fields) | set(NESTED.get(record_type, {}))
        assert set(definition["properties"]) == expected, record_type
        assert set(definition["required"]) == expected, record_type
        assert definition["additionalProperties"] is False


def test_exported_records_and_manifest_are_valid_against_the_schema(services, world, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    path = tmp_path / "all.zip"
    services.export_assessments([], path, round_ids=[world["base"], world["review"]])
    members = members_of(path)
    document = schema()
    jsonschema.Draft202012Validator(document).validate(json.loads(members["records.json"]))
    manifest_schema = {"$ref": "#/$defs/manifest", "$defs": document["$defs"]}
    jsonschema.Draft202012Validator(manifest_schema).validate(json.loads(members["manifest.json"]))


def _first(records: dict, key: str) -> dict:
    return records[key][0]


# Hand-made invalid records, each refused by the importer and by the schema alike.
INVALID = {
    "rating out of range": lambda r: _first(r, "assessments")["answers"][0].update(rating=7),
    "rating as text": lambda r: _first(r, "assessments")["answers"][0].update(rating="4"),
    "rating as true": lambda r: _first(r, "assessments")["answers"][0].update(rating=True),
    "rating and unrated": lambda r: _first(r, "assessments")["answers"][0].update(
        rating=3, unrated="dont_know"
    ),
    "unknown enum": lambda r: _first(r, "organisations").update(partner_type="hospital"),
    "unknown field": lambda r: _first(r, "rounds").update(colour="red"),
    "missing field": lambda r: _first(r, "partnerships").pop("ics_name"),
    "bad uuid": lambda r: _first(r, "assessments").update(id="not-a-uuid"),
    "upper-case uuid": lambda r: _first(r, "partnerships").update(
        id=_first(r, "partnerships")["id"].upper()
    ),
    "bad time": lambda r: _first(r, "assessments").update(created_at="yesterday"),
    "blank name": lambda r: _first(r, "organisations").update(name="   "),
    "null where text": lambda r: _first(r, "rounds").update(opened_on=None),
    "submitted without time": lambda r: _first(r, "assessments").update(
        status="submitted", submitted_at=None
    ),
    "unknown top-level list": lambda r: r.update(extras=[]),
    "list as object": lambda r: r.update(actions={}),
    "bad change field": lambda r: _first(r, "assessments")["change_log"][0].update(field="mood"),
    "evidence as a number": lambda r: _first(r, "assessments")["answers"][0].update(evidence=7),
    "evidence too long": lambda r: _first(r, "assessments")["answers"][0].update(
        evidence="x" * 10_001
    ),
    "evidence missing": lambda r: _first(r, "assessments")["answers"][0].pop("evidence"),
    "bad item id": lambda r: _first(r, "assessments")["answers"][0].update(item_id="a b"),
    "bad questionnaire file": lambda r: _first(r, "questionnaires").update(file="../x.toml"),
    "NUL in text": lambda r: _first(r, "partnerships").update(name="a\x00b"),
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_the_importer_and_the_schema_agree_on_invalid_records(case, services, world, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    source = tmp_path / "src.zip"
    services.export_assessments([world["council_a"]], source)
    records = records_of(source)
    INVALID[case](records)
    assert list(jsonschema.Draft202012Validator(schema()).iter_errors(records)), case
    path = rebundle(source, tmp_path / "bad.zip", lambda r: records)
    with pytest.raises(BundleError) as caught:
        read_bundle(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("bad.zip was not imported, nothing was changed: ")


def test_rating_message_names_the_record_and_the_value(services, world, tmp_path):
    source = tmp_path / "src.zip"
    services.export_assessments([world["council_a"]], source)

    def bad(records):
        records["assessments"][0]["answers"][1]["rating"] = 7

    with pytest.raises(BundleError) as caught:
        read_bundle(rebundle(source, tmp_path / "bad.zip", bad))
    message = str(caught.value)
    assert f'records.json: assessment 1 (id "{world["council_a"]}")' in message
    assert ": answer 2 (item " in message
    assert "rating 7 is not between 1 and 5" in message


def test_a_whole_number_written_with_a_fraction_is_a_json_integer(services, world, tmp_path):
    """JSON Schema counts 4.0 as an integer, so the importer does too (stored as 4)."""
    source = tmp_path / "src.zip"
    services.export_assessments([world["council_a"]], source)
    answers = records_of(source)["assessments"][0]["answers"]
    n, answer = next((n, a) for n, a in enumerate(answers) if a["rating"] is not None)

    def as_float(records):
        records["assessments"][0]["answers"][n]["rating"] = float(answer["rating"])

    path = rebundle(source, tmp_path / "float.zip", as_float)
    assert services.plan_import(path).conflicts == []


def test_json_loader_refuses_what_json_allows_but_bundles_do_not():
    for text, words in (
        (b'{"a": 1, "a": 2}', "appears twice"),
        (b'{"a": NaN}', "NaN"),
        (b'{"a": -Infinity}', "-Infinity"),
        (b'{"a": 1e999}', "out of range"),
        (b'{"a": ' + b"9" * 5000 + b"}", "digits"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b"\xef\xbb\xbf{}", "byte-order mark"),
        (b'{"a": "\xff"}', "not UTF-8"),
        (b'{"a": ', "not valid JSON"),
    ):
        with pytest.raises(BundleError, match=words):
            load_json(text, "records.json")


def test_build_zip_is_a_plain_zip():
    data = build_zip([("a.txt", b"hello")])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("a.txt") == b"hello"


def test_the_backup_before_taking_theirs_is_a_real_database(world, bundle_path, diverged):
    result = diverged.apply_import(diverged.plan_import(bundle_path), "take-theirs")
    conn = sqlite3.connect(result.backup)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def test_each_conflict_can_be_settled_on_its_own(services, world, bundle_path, diverged):
    """For a GUI that asks about each conflict: a choice per (kind, key)."""
    plan = diverged.plan_import(bundle_path)
    keys = {(c.kind, c.key) for c in plan.conflicts}
    assessment = ("assessment", world["council_a"])
    organisation = ("organisation", world["icb"])
    assert keys == {assessment, organisation}
    with pytest.raises(ImportConflictError, match="no choice was made"):
        diverged.apply_import(plan, {assessment: "take-theirs"})
    result = diverged.apply_import(
        plan, {assessment: "take-theirs", organisation: ConflictChoice.KEEP_MINE}
    )
    assert result.backup is not None
    assert detail_json(diverged.detail(world["council_a"])) == detail_json(
        services.detail(world["council_a"])
    )
    assert diverged.store.organisation(world["icb"]).name == "ICB renamed here"


def test_a_bundle_without_a_workshop_says_format_1_so_older_copies_read_it(
    tmp_path, services, draft
):
    path = tmp_path / "plain.zip"
    services.export_assessments([draft.id], path)
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format_version"] == 1
    with open_services(tmp_path / "other.sqlite") as other:
        plan = other.plan_import(read_bundle(path))
        assert plan.bundle.format_version == 1
        other.apply_import(plan)
        assert other.detail(draft.id).assessment.id == draft.id
