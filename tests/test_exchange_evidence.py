"""An answer's evidence reference in exchange bundles (issue 13): it travels as a text
under the comment's rules, with its change-log entries, in format 3; a bundle that holds
no evidence is still written as format 1 or 2, which earlier copies of ICS Assess read;
two copies of an answer that differ only in evidence conflict, and neither side's
evidence is lost; a database from before evidence was kept exports read-only; and the
exporter counts evidence in what one value of a bundle may hold."""

from __future__ import annotations

import json
import sqlite3

import pytest

from ics_assess.exchange import BundleError, ExportError, Limits, read_bundle
from ics_assess.exchange import records as records_module
from ics_assess.exchange import staging as staging_module
from ics_assess.exchange.exporter import export_bundle
from ics_assess.services import Services

from .older_files import database_before
from .test_evidence import _build as answered_before_evidence
from .test_exchange import (
    all_ids,
    change_logs,
    import_file,
    make_bundle,
    members_of,
    open_services,
    records_of,
    small_world,
)

# The answer keys of formats 1 and 2, which have no evidence.
FORMAT_2_ANSWER = {"item_id", "rating", "unrated", "target", "comment", "updated_at"}
EVIDENCE = "Board minutes, 12 March 2026, item 7\n“S.75”"


@pytest.fixture
def world(services):
    return small_world(services)


@pytest.fixture
def receiver(tmp_path):
    with open_services(tmp_path / "receiver.sqlite") as s:
        yield s


def answers_of(services: Services, ids) -> dict:
    return {i: services.store.answers(i) for i in ids}


def evidence_item(services: Services, world: dict) -> str:
    """The item of the small world's answer with evidence (council_a's third)."""
    return services.questionnaire_of(services.store.assessment(world["council_a"])).items[2].id


def manifest_of(path) -> dict:
    return json.loads(members_of(path)["manifest.json"])


def evidence_changes(services: Services, aid: str) -> list[tuple]:
    return [
        (e["changed_by"], e["old_value"], e["new_value"])
        for e in services.store.change_log(aid)
        if e["field"] == "evidence"
    ]


# --- what travels, and in which format ------------------------------------------------------


def test_evidence_and_its_changes_travel_in_format_3(services, world, receiver, tmp_path):
    path = tmp_path / "all.zip"
    services.export_assessments(all_ids(services), path)
    assert manifest_of(path)["format_version"] == 3
    records = records_of(path)
    council = next(a for a in records["assessments"] if a["id"] == world["council_a"])
    item = evidence_item(services, world)
    assert {a["item_id"]: a["evidence"] for a in council["answers"]}[item] == EVIDENCE
    # Every answer of a format 3 file has the key, "" for none.
    assert all(
        set(a) == FORMAT_2_ANSWER | {"evidence"}
        for r in records["assessments"]
        for a in r["answers"]
    )
    logged = [
        (c["old_value"], c["new_value"]) for c in council["change_log"] if c["field"] == "evidence"
    ]
    assert logged == [("", "Board minutes, March"), ("Board minutes, March", EVIDENCE)]

    import_file(receiver, path)
    ids = all_ids(services)
    assert answers_of(receiver, ids) == answers_of(services, ids)
    assert receiver.store.answers(world["council_a"])[item].evidence == EVIDENCE
    assert change_logs(receiver, ids) == change_logs(services, ids)
    # The same file again finds everything there, evidence included.
    again = receiver.plan_import(path)
    assert again.conflicts == [] and sum(again.count("added").values()) == 0
    assert again.changes_added == 0


@pytest.mark.parametrize(("which", "version"), [("icb_a", 1), ("participant", 2)])
def test_a_bundle_without_evidence_is_written_in_the_format_before_it(
    services, world, receiver, tmp_path, which, version
):
    """No evidence: format 1, or 2 with a workshop; the answers leave out the key, so a
    copy of ICS Assess from before evidence reads the file."""
    path = tmp_path / "plain.zip"
    services.export_assessments([world[which]], path)
    assert manifest_of(path)["format_version"] == version
    (record,) = records_of(path)["assessments"]
    assert record["answers"] and all(set(a) == FORMAT_2_ANSWER for a in record["answers"])
    assert {c["field"] for c in record["change_log"]} <= {"rating", "status", "created"}
    import_file(receiver, path)
    assert answers_of(receiver, [world[which]]) == answers_of(services, [world[which]])
    assert {a.evidence for a in receiver.store.answers(world[which]).values()} == {""}


def test_evidence_taken_away_keeps_its_history_and_format_3(services, world, receiver, tmp_path):
    aid = world["review_a"]
    item = next(iter(services.store.answers(aid)))
    services.set_evidence(aid, item, "Minutes")
    services.set_evidence(aid, item, "")
    path = tmp_path / "history.zip"
    services.export_assessments([aid], path)
    # No answer holds evidence now, but the change log does: format 3.
    assert manifest_of(path)["format_version"] == 3
    import_file(receiver, path)
    assert evidence_changes(receiver, aid) == [("", "", "Minutes"), ("", "Minutes", "")]


# --- conflicts: evidence is part of the answer -------------------------------------------


def test_answers_that_differ_only_in_evidence_conflict(services, world, receiver, tmp_path):
    first = tmp_path / "first.zip"
    services.export_assessments(all_ids(services), first)
    import_file(receiver, first)
    aid = world["review_a"]
    item = next(iter(services.store.answers(aid)))
    receiver.set_evidence(aid, item, "Minutes held here")
    plan = receiver.plan_import(first)
    assert [(c.kind, c.key) for c in plan.conflicts] == [("assessment", aid)]
    assert "1 answer differs" in plan.conflicts[0].description

    # Keeping mine keeps this evidence...
    receiver.apply_import(plan, "keep-mine")
    assert receiver.store.answers(aid)[item].evidence == "Minutes held here"
    # ...taking theirs replaces it, with the backup and a change-log entry keeping it.
    result = receiver.apply_import(receiver.plan_import(first), "take-theirs")
    assert receiver.store.answers(aid)[item].evidence == ""
    assert evidence_changes(receiver, aid)[-1] == (
        f"import from {first.name}",
        "Minutes held here",
        "",
    )
    with open_services(result.backup) as backup:
        assert backup.store.answers(aid)[item].evidence == "Minutes held here"

    # And the other way round: evidence given in the file replaces none here silently.
    services.set_evidence(aid, item, "Minutes held there")
    second = tmp_path / "second.zip"
    services.export_assessments([aid], second)
    plan = receiver.plan_import(second)
    assert [(c.kind, c.key) for c in plan.conflicts] == [("assessment", aid)]
    receiver.apply_import(plan, "take-theirs")
    assert receiver.store.answers(aid)[item].evidence == "Minutes held there"
    assert evidence_changes(receiver, aid)[-1] == (
        f"import from {second.name}",
        "",
        "Minutes held there",
    )


def test_a_file_without_evidence_never_clears_evidence_here(services, world, receiver, tmp_path):
    """A format 1 file (as an earlier copy of ICS Assess writes) meets an answer that has
    evidence here: a conflict, so the evidence is kept unless theirs is taken."""
    aid = world["icb_a"]
    path = tmp_path / "plain.zip"
    services.export_assessments([aid], path)
    assert manifest_of(path)["format_version"] == 1
    import_file(receiver, path)
    item = next(iter(receiver.store.answers(aid)))
    receiver.set_evidence(aid, item, "Our minutes")
    plan = receiver.plan_import(path)
    assert [(c.kind, c.key) for c in plan.conflicts] == [("assessment", aid)]
    receiver.apply_import(plan, "keep-mine")
    assert receiver.store.answers(aid)[item].evidence == "Our minutes"


# --- a database from before evidence ----------------------------------------------------


def test_a_database_from_before_evidence_exports_read_only(tmp_path):
    old = tmp_path / "before-0008.sqlite"
    database_before(old, "0008_answer_evidence", answered_before_evidence)
    with Services.open(old, [], readonly=True) as reader:
        ids = all_ids(reader)
        reader.export_assessments(ids, tmp_path / "old.zip")
        answers, logs = answers_of(reader, ids), change_logs(reader, ids)
    conn = sqlite3.connect(old)
    try:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(answers)")]
    finally:
        conn.close()
    assert "evidence" not in columns  # read, never upgraded
    path = tmp_path / "old.zip"
    assert manifest_of(path)["format_version"] == 1
    (record,) = records_of(path)["assessments"]
    assert len(record["answers"]) == 6
    assert all(set(a) == FORMAT_2_ANSWER for a in record["answers"])
    with open_services(tmp_path / "new.sqlite") as new:
        import_file(new, path)
        assert answers_of(new, ids) == answers
        assert change_logs(new, ids) == logs


# --- sizes --------------------------------------------------------------------------------


def test_evidence_counts_in_what_one_value_of_a_bundle_may_hold(services, draft, tmp_path):
    """The exporter holds each answer, comment and evidence together, to the reader's
    limit of one value: a backslash is two characters of JSON, so each text below is
    10,000 characters of it."""
    item = services.questionnaire_of(draft).items[0].id
    services.answer(draft.id, item, 5)
    services.set_comment(draft.id, item, "\\" * 5000)
    services.set_evidence(draft.id, item, "\\" * 5000)
    limits = Limits(value_chars=15_000)
    path = tmp_path / "long.zip"
    # Each change-log entry (one text) fits; the answer (both) does not.
    with pytest.raises(ExportError, match=f"an entry of the assessment {draft.id} is longer"):
        export_bundle(services.store, path, [draft.id], limits=limits)
    assert not path.exists()
    # Just enough room: written, and read back under the same limits.
    roomy = Limits(value_chars=21_000)
    export_bundle(services.store, path, [draft.id], limits=roomy)
    with read_bundle(path, roomy) as bundle:
        (answer,) = bundle.answers[draft.id]
        assert answer["evidence"] == "\\" * 5000 and answer["comment"] == "\\" * 5000


def test_evidence_counts_in_the_size_of_a_staged_part(services, draft, tmp_path, monkeypatch):
    """Answers wait in the import's temporary database in parts that close once their
    comments and evidence hold PART_CHARS characters."""
    items = services.questionnaire_of(draft).items[:6]
    for item in items:
        services.answer(draft.id, item.id, 3)
        services.set_comment(draft.id, item.id, "c" * 3000)
        services.set_evidence(draft.id, item.id, "e" * 3000)
    path = tmp_path / "parts.zip"
    services.export_assessments([draft.id], path)
    monkeypatch.setattr(staging_module, "PART_CHARS", 10_000)
    with read_bundle(path) as bundle:
        parts = bundle.staging.db.execute(
            "SELECT count FROM nested WHERE kind = 'answer' ORDER BY part"
        ).fetchall()
        # 6,000 characters an answer: a part closes after two (by comments alone, four).
        assert parts == [(2,), (2,), (2,)]
        staged = {a["item_id"]: a["evidence"] for a in bundle.answers[draft.id]}
        assert staged == {item.id: "e" * 3000 for item in items}


# --- an assessment too long to read whole ----------------------------------------------


def test_evidence_reads_the_same_from_an_assessment_read_field_by_field(
    services, world, tmp_path, monkeypatch
):
    """An assessment longer than records.WHOLE_CHARS is read a field and an entry at a
    time: its evidence, and an earlier format's refusal, are the same as read whole."""
    path = tmp_path / "all.zip"
    services.export_assessments(all_ids(services), path)
    with read_bundle(path) as bundle:
        whole = dict(bundle.answers.for_keys(all_ids(services)))
    monkeypatch.setattr(records_module, "WHOLE_CHARS", 100)
    with read_bundle(path) as bundle:
        assert dict(bundle.answers.for_keys(all_ids(services))) == whole

    members = members_of(path)
    manifest = json.loads(members["manifest.json"])
    manifest["format_version"] = 2
    members["manifest.json"] = json.dumps(manifest).encode("utf-8")
    with pytest.raises(BundleError) as caught:
        read_bundle(make_bundle(tmp_path / "as-2.zip", members))
    message = str(caught.value)
    assert "records.json: assessment 1 (id " in message and "\x00" not in message
    assert "'evidence' is not part of format version 2" in message
