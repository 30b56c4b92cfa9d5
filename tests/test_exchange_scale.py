"""Exchange bundles at size (issue 12): an export of 10,000 assessments imports back into a
new database whole; and the exporter keeps to the very limits the importer applies, so it
never writes a file that import would refuse.

The 10,000 are built in bulk by benchmarks/bench_exchange.py's ``build`` (every statement
answered, a comment on every fourth, the change log the app would have written). Larger
sizes (50,000) are measured by ``benchmarks/bench_exchange.py --scale``, not here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import random
import zipfile

import pytest

from ics_assess.exchange import LIMITS, BundleError, ExportError, Limits, read_bundle
from ics_assess.exchange.exporter import export_bundle
from ics_assess.services import Services

from .conftest import FORMS_DIR, PROJECT_ROOT
from .test_exchange import all_ids, details, small_world


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_exchange", PROJECT_ROOT / "benchmarks" / "bench_exchange.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows(services: Services, sql: str, args=()) -> list[tuple]:
    return [tuple(r) for r in services.store.db.execute(sql, args).fetchall()]


@pytest.mark.slow
def test_ten_thousand_assessments_export_and_import_into_a_new_database(tmp_path):
    source = tmp_path / "source.sqlite"
    ids = _bench().build(source, 10_000)
    bundle = tmp_path / "ten-thousand.zip"
    with Services.open(source, [FORMS_DIR]) as services:
        rounds = [r[0] for r in _rows(services, "SELECT id FROM rounds ORDER BY name")]
        result = services.export_assessments([], bundle, round_ids=rounds)
        counts = {
            table: _rows(services, f"SELECT count(*) FROM {table}")[0][0]
            for table in ("assessments", "answers", "change_log")
        }
        sample = sorted(random.Random(12).sample(ids, 40))
        marks = ",".join("?" * len(sample))
        answers = _rows(
            services,
            "SELECT assessment_id, item_id, rating, unrated, target, comment, updated_at "
            f"FROM answers WHERE assessment_id IN ({marks}) ORDER BY assessment_id, item_id",
            sample,
        )
        logs = _rows(
            services,
            "SELECT assessment_id, changed_at, changed_by, item_id, field, old_value, "
            f"new_value FROM change_log WHERE assessment_id IN ({marks}) "
            "ORDER BY assessment_id, seq",
            sample,
        )
    assert result.counts["assessments"] == counts["assessments"] == 10_000
    assert result.counts["answers"] == counts["answers"]
    assert result.counts["change_log"] == counts["change_log"]
    with zipfile.ZipFile(bundle) as archive:
        records = archive.getinfo("records.json")
        # Written compactly, one record after another; well inside the format's limit.
        assert records.file_size < LIMITS.records_bytes

    target = tmp_path / "new" / "target.sqlite"
    target.parent.mkdir()
    with Services.open(target, [FORMS_DIR]) as services:
        plan = services.plan_import(bundle)
        assert plan.count("added")["assessments"] == 10_000
        assert plan.answers_added == counts["answers"] and not plan.conflicts
        done = services.apply_import(plan)
        assert done.changes_added == counts["change_log"]
        for table, expected in counts.items():
            assert _rows(services, f"SELECT count(*) FROM {table}")[0][0] == expected
        assert (
            _rows(
                services,
                "SELECT assessment_id, item_id, rating, unrated, target, comment, updated_at "
                f"FROM answers WHERE assessment_id IN ({marks}) ORDER BY assessment_id, item_id",
                sample,
            )
            == answers
        )
        assert (
            _rows(
                services,
                "SELECT assessment_id, changed_at, changed_by, item_id, field, old_value, "
                f"new_value FROM change_log WHERE assessment_id IN ({marks}) "
                "ORDER BY assessment_id, seq",
                sample,
            )
            == logs
        )


# --- the exporter keeps to the importer's limits ------------------------------------------


@pytest.fixture
def world_db(tmp_path):
    path = tmp_path / "world.sqlite"
    with Services.open(path, [FORMS_DIR]) as services:
        small_world(services)
        yield services


def test_an_export_too_big_for_a_bundle_is_refused_in_words_and_nothing_is_written(
    world_db, tmp_path
):
    target = tmp_path / "big.zip"
    small = Limits(records_bytes=2000)
    with pytest.raises(ExportError, match="export fewer assessments at a time"):
        export_bundle(world_db.store, target, all_ids(world_db), limits=small)
    assert list(tmp_path.glob("big.zip*")) == list(tmp_path.glob(".big.zip*")) == []
    few = Limits(records=3)
    with pytest.raises(ExportError, match="a bundle carries at most 3; export a round"):
        export_bundle(world_db.store, target, all_ids(world_db), limits=few)
    short = Limits(value_chars=300)
    with pytest.raises(ExportError, match="is longer than a bundle carries"):
        export_bundle(world_db.store, target, all_ids(world_db), limits=short)
    assert not target.exists()


def test_what_the_exporter_writes_under_a_limit_the_importer_reads_under_it(world_db, tmp_path):
    """Records that would compress past the ratio a reader allows are stored
    uncompressed instead, and read back under the same limits."""
    ratio = Limits(ratio=2, ratio_floor=100)
    path = tmp_path / "stored.zip"
    export_bundle(world_db.store, path, all_ids(world_db), limits=ratio)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("records.json").compress_type == zipfile.ZIP_STORED
    assert read_bundle(path, ratio).counts()["assessments"] == 4
    # The same records written under the usual limits are deflated, and so refused
    # under these: the fallback is what makes the difference.
    plain = tmp_path / "plain.zip"
    world_db.export_assessments(all_ids(world_db), plain)
    with pytest.raises(BundleError, match="zip bomb"):
        read_bundle(plain, ratio)


def test_records_are_compact_with_sorted_keys(world_db, tmp_path):
    """records.json is what json.dumps(sort_keys=True, separators=(",", ":")) writes."""
    path = tmp_path / "all.zip"
    world_db.export_assessments(all_ids(world_db), path)
    text = zipfile.ZipFile(path).read("records.json").decode("utf-8")
    document = json.loads(text)
    again = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert text == again + "\n"


def test_a_bundle_of_the_previous_version_still_imports(world_db, tmp_path):
    """Before issue 12 records.json was indented by two spaces and the manifest came
    first in the zip; such a file (format 1 or 2) reads the same."""
    from ics_assess.exchange.bundle import build_zip, dump_json

    path = tmp_path / "new.zip"
    world_db.export_assessments(all_ids(world_db), path)
    with zipfile.ZipFile(path) as archive:
        members = {i.filename: archive.read(i) for i in archive.infolist()}
    records = dump_json(json.loads(members.pop("records.json")))
    manifest = json.loads(members.pop("manifest.json"))
    manifest["members"]["records.json"] = {
        "bytes": len(records),
        "sha256": hashlib.sha256(records).hexdigest(),
    }
    old = tmp_path / "old.zip"
    first = [("manifest.json", dump_json(manifest)), ("records.json", records)]
    old.write_bytes(build_zip([*first, *sorted(members.items())]))
    with Services.open(tmp_path / "receiver.sqlite", [FORMS_DIR]) as receiver:
        receiver.apply_import(receiver.plan_import(old))
        ids = all_ids(world_db)
        assert details(receiver, ids) == details(world_db, ids)
