"""Hostile bundle files: every one is refused with a one-line ExchangeError (a StoreError)
and leaves the database exactly as it was; whatever is accepted leaves a sound database.

Hand-made attacks on the container (links, '..', absolute names, duplicates, zip bombs,
lying sizes, encryption, odd compression, too many members, huge files) and on the JSON
(duplicate keys, NaN, deep nesting, huge numbers, wrong types), then Hypothesis: random
bytes corrupted, the file truncated, zip entries dropped, renamed, duplicated, swapped and
added, and JSON values, types and keys mutated inside an otherwise valid bundle.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sqlite3
import stat
import struct
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ics_assess.exchange import (
    FORMAT_VERSION,
    LIMITS,
    BundleError,
    ExchangeError,
    Limits,
    read_bundle,
)
from ics_assess.exchange.bundle import build_zip, read_container
from ics_assess.questionnaires import load_catalogue
from ics_assess.services import Services
from ics_assess.store import Store, StoreError

from .conftest import FORMS_DIR
from .test_exchange import STAMP, all_ids, dump, make_bundle, small_world

CHOICES = (None, "keep-mine", "take-theirs")
# How the attempts ended, for a look after a deep local run.
OUTCOMES = {"refused": 0, "imported": 0}


# --- fixtures: one valid bundle, one target database to copy ------------------------------


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue([FORMS_DIR])


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, catalogue) -> dict:
    """A small valid bundle of the small world, and a target database that already holds
    part of it, with one answer changed (so imports meet added, same and conflicting
    records)."""
    folder = tmp_path_factory.mktemp("hostile")
    with Services(Store.open(folder / "source.sqlite"), catalogue) as source:
        world = small_world(source)
        bundle = folder / "valid.zip"
        source.export_assessments(all_ids(source), bundle, created_at=STAMP)
        part = folder / "part.zip"
        source.export_assessments([world["council_a"], world["icb_a"]], part)
    target = folder / "target.sqlite"
    with Services(Store.open(target), catalogue) as services:
        services.apply_import(services.plan_import(part))
        item = services.detail(world["icb_a"]).questionnaire.items[0].id
        services.answer(world["icb_a"], item, 2)
        services.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"bundle": bundle.read_bytes(), "target": target, "world": world}


@contextlib.contextmanager
def fresh_target(corpus, catalogue):
    """A copy of the target database (SQLite's backup API), opened; and its folder."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "target.sqlite"
        src = sqlite3.connect(corpus["target"])
        dst = sqlite3.connect(path)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        services = Services(Store.open(path), catalogue)
        try:
            yield services, Path(tmp)
        finally:
            services.close()


def attempt(corpus, catalogue, data: bytes, choice=None) -> str:
    """Import ``data`` as a bundle file into a fresh copy of the target. A refusal must be
    an ExchangeError (or another StoreError) of one line that changed nothing; an import
    that goes through must leave a sound database. Returns 'refused' or 'imported'."""
    with fresh_target(corpus, catalogue) as (services, folder):
        path = folder / "incoming.zip"
        path.write_bytes(data)
        before = dump(services)
        try:
            plan = services.plan_import(path)
            services.apply_import(plan, choice)
        except StoreError as exc:
            message = str(exc)
            assert message and "\n" not in message and "\r" not in message, message
            assert "Traceback" not in message
            assert dump(services) == before, message
            OUTCOMES["refused"] += 1
            return "refused"
        problems = services.check().problems
        assert problems == [], problems
        OUTCOMES["imported"] += 1
        return "imported"


def refused_with(corpus, catalogue, data: bytes, words: str, choice="take-theirs") -> str:
    with fresh_target(corpus, catalogue) as (services, folder):
        path = folder / "incoming.zip"
        path.write_bytes(data)
        before = dump(services)
        with pytest.raises(ExchangeError) as caught:
            services.apply_import(services.plan_import(path), choice)
        message = str(caught.value)
        assert words in message, message
        assert "\n" not in message
        assert dump(services) == before
        return message


def zip_of(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def valid_members(corpus) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(corpus["bundle"])) as archive:
        return {i.filename: archive.read(i) for i in archive.infolist()}


def with_extra(corpus, info: zipfile.ZipInfo | str, data: bytes) -> bytes:
    members = valid_members(corpus)
    return zip_of([*members.items(), (info, data)])


# --- the valid corpus works ---------------------------------------------------------------


def test_the_valid_bundle_imports_with_each_choice(corpus, catalogue):
    assert attempt(corpus, catalogue, corpus["bundle"], None) == "refused"  # one conflict
    assert attempt(corpus, catalogue, corpus["bundle"], "keep-mine") == "imported"
    assert attempt(corpus, catalogue, corpus["bundle"], "take-theirs") == "imported"


# --- the container ----------------------------------------------------------------------


def test_not_a_zip_empty_and_text_files(corpus, catalogue):
    refused_with(corpus, catalogue, b"", "the file is empty")
    refused_with(corpus, catalogue, b"hello, this is a letter", "not a readable zip file")
    refused_with(corpus, catalogue, b"PK\x03\x04" + b"\x00" * 100, "not a readable zip file")


def test_missing_files_and_folders_are_refused_in_words(tmp_path):
    with pytest.raises(BundleError, match="There is no file"):
        read_bundle(tmp_path / "nope.zip")
    with pytest.raises(BundleError, match="is a folder"):
        read_bundle(tmp_path)


def test_a_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    big = tmp_path / "big.zip"
    with open(big, "wb") as handle:
        handle.truncate(LIMITS.file_bytes + 1)  # sparse: nothing is really written
    with pytest.raises(BundleError, match="may be at most 2200 MB"):
        read_bundle(big)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("../evil.toml", "climbs out"),
        ("questionnaires/../../etc/passwd", "climbs out"),
        ("/etc/passwd", "absolute path"),
        ("C:/Windows/evil.toml", "absolute path"),
        ("questionnaires\\evil.toml", "backslash"),
        ("readme.txt", "not part of the bundle format"),
        ("questionnaires/evil.sh", "not part of the bundle format"),
        ("questionnaires/sub/x.toml", "not part of the bundle format"),
        ("other/", "not an ordinary file"),
    ],
)
def test_member_names_outside_the_allow_list(corpus, catalogue, name, words):
    refused_with(corpus, catalogue, with_extra(corpus, name, b"x"), words)


def test_a_nul_in_a_member_name(corpus, catalogue):
    data = with_extra(corpus, "questionnaires/a.toml", b"x")
    data = data.replace(b"questionnaires/a.toml", b"records.json\x00a.toml"[:21])
    assert attempt(corpus, catalogue, data) == "refused"


def test_a_symbolic_link_member(corpus, catalogue):
    info = zipfile.ZipInfo("questionnaires/link.toml")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    refused_with(corpus, catalogue, with_extra(corpus, info, b"/etc/passwd"), "symbolic link")


def test_a_device_or_fifo_member(corpus, catalogue):
    info = zipfile.ZipInfo("questionnaires/fifo.toml")
    info.create_system = 3
    info.external_attr = (stat.S_IFIFO | 0o644) << 16
    refused_with(corpus, catalogue, with_extra(corpus, info, b""), "not an ordinary file")


def test_duplicate_member_names(corpus, catalogue):
    members = valid_members(corpus)
    with pytest.warns(UserWarning, match="Duplicate name"):
        data = zip_of([*members.items(), ("records.json", members["records.json"])])
    refused_with(corpus, catalogue, data, "appears twice")


def test_too_many_members(corpus, catalogue):
    members = list(valid_members(corpus).items())
    extra = [(f"questionnaires/q{n}.toml", b"") for n in range(210)]
    refused_with(corpus, catalogue, zip_of(members + extra), "at most 200")


def test_an_encrypted_member(corpus, catalogue):
    data = bytearray(corpus["bundle"])
    # Set the "encrypted" flag of every entry, in the local and central headers.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            flags = struct.unpack_from("<H", data, start + offset)[0]
            struct.pack_into("<H", data, start + offset, flags | 1)
            start += 4
    refused_with(corpus, catalogue, bytes(data), "encrypted")


def test_an_unsupported_compression_method(corpus, catalogue):
    members = valid_members(corpus)
    info = zipfile.ZipInfo("records.json")
    info.compress_type = zipfile.ZIP_BZIP2
    entries = [(n, d) for n, d in members.items() if n != "records.json"]
    data = zip_of([*entries, (info, members["records.json"])])
    refused_with(corpus, catalogue, data, "compression method 12")


def _bomb(corpus, name: str, size: int) -> bytes:
    """The valid bundle with member ``name`` replaced by ``size`` zero bytes (written in
    chunks, so the test itself never holds them)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for other, data in valid_members(corpus).items():
            if other != name:
                archive.writestr(other, data)
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(corpus, catalogue):
    bomb = _bomb(corpus, "records.json", 300 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024
    message = refused_with(corpus, catalogue, bomb, "zip bomb")
    assert "is compressed 1,0" in message and "more than the 200 to 1 allowed" in message


def test_a_member_bigger_than_the_format_allows_is_refused_before_it_is_unpacked(corpus, catalogue):
    """records.json may unpack to 2000 MB (docs/exchange-format.md); a member declaring
    more is refused from the zip's directory, before a byte is decompressed."""
    declared = _patch_size(corpus["bundle"], b"records.json", 3 * 1024**3)
    message = refused_with(corpus, catalogue, declared, "unpacks to 3072 MB")
    assert "the limit is 2000 MB" in message


def test_a_small_bomb_is_refused_by_its_compression_ratio(corpus, catalogue):
    bomb = _bomb(corpus, "records.json", 20 * 1024 * 1024)
    message = refused_with(corpus, catalogue, bomb, "zip bomb")
    assert "to 1" in message


def test_lower_limits_apply_to_each_member_and_the_total(tmp_path, corpus):
    path = tmp_path / "valid.zip"
    path.write_bytes(corpus["bundle"])
    with pytest.raises(BundleError, match="unpacks to"):
        read_container(path, Limits(records_bytes=1000))
    with pytest.raises(BundleError, match="in all"):
        read_container(path, Limits(total_bytes=2000))
    with pytest.raises(BundleError, match="may be at most"):
        read_container(path, Limits(file_bytes=100))


def _patch_size(data: bytes, name: bytes, new_size: int) -> bytes:
    """Make every header of ``name`` declare ``new_size`` uncompressed bytes."""
    out = bytearray(data)
    for signature, size_at, name_len_at, name_at in (
        (b"PK\x03\x04", 22, 26, 30),
        (b"PK\x01\x02", 24, 28, 46),
    ):
        start = 0
        while (start := out.find(signature, start)) != -1:
            length = struct.unpack_from("<H", out, start + name_len_at)[0]
            if bytes(out[start + name_at : start + name_at + length]) == name:
                struct.pack_into("<I", out, start + size_at, new_size)
            start += 4
    return bytes(out)


def test_a_member_that_lies_about_its_size(corpus, catalogue):
    smaller = _patch_size(corpus["bundle"], b"records.json", 100)
    assert attempt(corpus, catalogue, smaller) == "refused"
    larger = _patch_size(corpus["bundle"], b"records.json", 10**8)
    assert attempt(corpus, catalogue, larger) == "refused"


def test_a_member_with_a_bad_crc(corpus, catalogue):
    members = valid_members(corpus)
    records = members["records.json"]
    # Stored (not compressed) entries, so that one byte of the records can be flipped.
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    data = bytearray(stored.getvalue())
    at = data.find(records[:40]) + 20
    data[at] ^= 0x01
    refused_with(corpus, catalogue, bytes(data), "not a readable zip file")


# --- manifest and checksums ------------------------------------------------------------


def test_no_manifest_or_no_records(corpus, catalogue):
    members = valid_members(corpus)
    without = {k: v for k, v in members.items() if k != "manifest.json"}
    refused_with(corpus, catalogue, zip_of(list(without.items())), "no manifest.json")
    without = {k: v for k, v in members.items() if k != "records.json"}
    refused_with(corpus, catalogue, zip_of(list(without.items())), "no records.json")


def test_a_changed_member_fails_its_checksum(corpus, catalogue):
    members = valid_members(corpus)
    records = json.loads(members["records.json"])
    records["partnerships"][0]["name"] = "Hijacked"
    text = json.dumps(records, indent=2, sort_keys=True, ensure_ascii=False)
    members["records.json"] = text.encode("utf-8")
    manifest = json.loads(members["manifest.json"])
    manifest["members"]["records.json"]["bytes"] = len(members["records.json"])
    members["manifest.json"] = json.dumps(manifest).encode()
    refused_with(corpus, catalogue, zip_of(list(members.items())), "checksum does not match")


def _manifest_case(corpus, change) -> bytes:
    members = valid_members(corpus)
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    members["manifest.json"] = json.dumps(manifest).encode()
    return zip_of(list(members.items()))


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda m: m.update(format="zip"), "not an ICS Assess bundle"),
        (lambda m: m.update(format_version=FORMAT_VERSION + 1), "newer version of ICS Assess"),
        (lambda m: m.update(format_version=0), "is not a version number"),
        (lambda m: m.update(format_version="1"), "is not a version number"),
        (lambda m: m.update(extra=1), "unknown field"),
        (lambda m: m.pop("created_at"), "'created_at' is missing"),
        (lambda m: m.update(created_at="today"), "'created_at'"),
        (lambda m: m["contents"].update(assessments=99), "'contents' says 99 assessments"),
        (lambda m: m["contents"].update(assessments=-1), "is not a count"),
        (lambda m: m["contents"].pop("actions"), "exactly the counts"),
        (lambda m: m["members"].pop("records.json"), "is in the file but not listed"),
        (
            lambda m: m["members"].update({"questionnaires/x.toml": m["members"]["records.json"]}),
            "which is not in the file",
        ),
        (lambda m: m["members"]["records.json"].update(bytes=1), "the manifest says 1"),
        (lambda m: m["members"]["records.json"].update(sha256="0" * 64), "checksum"),
        (lambda m: m["members"]["records.json"].update(sha256="xyz"), "not a SHA-256"),
        (lambda m: m["members"].update({"records.json": []}), "exactly 'bytes' and 'sha256'"),
    ],
)
def test_manifest_problems(corpus, catalogue, change, words):
    refused_with(corpus, catalogue, _manifest_case(corpus, change), words)


def _questionnaire_case(corpus, name: str, data: bytes) -> bytes:
    members = valid_members(corpus)
    members[name] = data
    return make_bundle_bytes(members)


def make_bundle_bytes(members: dict[str, bytes]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        return make_bundle(Path(tmp) / "b.zip", members).read_bytes()


def test_questionnaire_members(corpus, catalogue):
    name = "questionnaires/governance@1.1.toml"
    refused_with(
        corpus,
        catalogue,
        _questionnaire_case(corpus, name, b"this is [not toml"),
        "is not a valid questionnaire",
    )
    refused_with(corpus, catalogue, _questionnaire_case(corpus, name, b"\xff\xfe"), "is not UTF-8")
    text = valid_members(corpus)[name].replace(b'version = "1.1"', b'version = "9.9"', 1)
    refused_with(
        corpus, catalogue, _questionnaire_case(corpus, name, text), "lists it as 'governance'"
    )
    refused_with(
        corpus,
        catalogue,
        _questionnaire_case(corpus, "questionnaires/stray.toml", b""),
        "is not listed in records.json",
    )


# --- strict JSON ------------------------------------------------------------------------


def _records_text_case(corpus, text: bytes) -> bytes:
    return make_bundle_bytes_raw({**valid_members(corpus), "records.json": text})


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (b'{"partnerships": [], "partnerships": []}', "appears twice"),
        (b'{"partnerships": [NaN]}', "NaN is not a number JSON allows"),
        (b'{"partnerships": [Infinity]}', "Infinity"),
        (b'{"partnerships": [' + b"1" * 5000 + b"]}", "digits"),
        (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
        (b'{"partnerships": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "nested too deeply"),
        (b"\xef\xbb\xbf{}", "byte-order mark"),
        (b"\xc3\x28", "not UTF-8"),
        (b"[]", "must be a JSON object"),
        (b"null", "must be a JSON object"),
        (b"{}", "the list 'partnerships' is missing"),
        (b'{"partnerships": {}}', "must be a list"),
    ],
)
def test_json_that_is_refused(corpus, catalogue, text, words):
    refused_with(corpus, catalogue, _records_text_case(corpus, text), words)


def test_a_lone_surrogate_in_text_is_refused(corpus, catalogue):
    members = valid_members(corpus)
    text = members["records.json"].decode("utf-8")
    name = json.loads(text)["partnerships"][0]["name"]
    text = text.replace(json.dumps(name, ensure_ascii=False), '"\\ud800 bad"', 1)
    members["records.json"] = text.encode("utf-8")
    refused_with(corpus, catalogue, make_bundle_bytes(members), "unpaired surrogate")


# --- references the database must resolve -------------------------------------------------


def _records_case(corpus, change) -> bytes:
    members = valid_members(corpus)
    records = json.loads(members["records.json"])
    change(records)
    members["records.json"] = json.dumps(records, ensure_ascii=False).encode("utf-8")
    return make_bundle_bytes(members)


NOWHERE = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda r: r["assessments"][0].update(round_id=NOWHERE), "neither in the file nor"),
        (lambda r: r["assessments"][0].update(workshop_id=NOWHERE), "neither in the file nor"),
        (lambda r: r["organisations"][0].update(partnership_id=NOWHERE), "neither in the file"),
        (lambda r: r["actions"][0].update(organisation_id=NOWHERE), "neither in the file"),
        (
            lambda r: r["assessments"][0].update(questionnaire_version="9.9"),
            "neither in the file nor in this database",
        ),
        (
            lambda r: r["assessments"][0]["answers"][0].update(item_id="no-such-item"),
            "has no such item",
        ),
        (
            lambda r: r["workshops"][0]["agreed_scores"][0].update(item_id="no-such-item"),
            "has no such item",
        ),
        (
            lambda r: r["assessments"][0]["answers"].append(r["assessments"][0]["answers"][0]),
            "has two answers",
        ),
        (lambda r: r["assessments"].append(r["assessments"][0]), "is used twice"),
        (
            lambda r: r["rounds"][0].update(partnership_id=r["rounds"][0]["id"]),
            "neither in the file",
        ),
    ],
)
def test_records_that_break_the_rules(corpus, catalogue, change, words):
    refused_with(corpus, catalogue, _records_case(corpus, change), words)


def test_an_assessment_across_two_partnerships(corpus, catalogue):
    def change(records):
        other = dict(records["partnerships"][0], id=NOWHERE, name="Other")
        records["partnerships"].append(other)
        records["organisations"][0]["partnership_id"] = NOWHERE

    refused_with(corpus, catalogue, _records_case(corpus, change), "different partnerships")


# --- evidence (issue 13) -------------------------------------------------------------------


def _evidence_answer(records: dict) -> dict:
    """The corpus's answer with evidence (the small world's council response)."""
    return next(a for r in records["assessments"] for a in r["answers"] if a["evidence"])


def test_the_corpus_carries_evidence_in_format_3(corpus):
    members = valid_members(corpus)
    assert json.loads(members["manifest.json"])["format_version"] == FORMAT_VERSION == 3
    assert _evidence_answer(json.loads(members["records.json"]))["evidence"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            lambda a: a.update(evidence="x" * 10_001),
            "'evidence' is 10,001 characters long; at most 10,000 are allowed",
        ),
        (lambda a: a.update(evidence=7), "'evidence' must be text, not a whole number"),
        (lambda a: a.update(evidence=None), "'evidence' must be text, not null"),
        (lambda a: a.update(evidence=["minutes"]), "'evidence' must be text, not a list"),
        (lambda a: a.update(evidence={"href": "x"}), "'evidence' must be text, not an object"),
        (lambda a: a.update(evidence="a\x00b"), "'evidence' contains a NUL character"),
        (lambda a: a.pop("evidence"), "the field 'evidence' is missing"),
    ],
)
def test_evidence_that_breaks_the_rules(corpus, catalogue, change, words):
    message = refused_with(
        corpus, catalogue, _records_case(corpus, lambda r: change(_evidence_answer(r))), words
    )
    # Named where it is: the assessment, the answer and its item.
    assert "records.json: assessment " in message and ": answer " in message


def test_evidence_in_an_unpaired_surrogate_is_refused(corpus, catalogue):
    members = valid_members(corpus)
    text = members["records.json"].decode("utf-8")
    shown = json.dumps(_evidence_answer(json.loads(text))["evidence"], ensure_ascii=False)
    members["records.json"] = text.replace(shown, '"\\udc00 minutes"', 1).encode("utf-8")
    refused_with(corpus, catalogue, make_bundle_bytes(members), "unpaired surrogate")


def test_control_characters_in_evidence_are_dropped_as_in_a_comment(corpus, catalogue):
    def hostile(records):
        answer = _evidence_answer(records)
        answer["evidence"] = "Minutes\r\nitem\x07 4\x1b[31m"
        answer["comment"] = "Minutes\r\nitem\x07 4\x1b[31m"

    data = _records_case(corpus, hostile)
    aid = corpus["world"]["council_a"]
    with fresh_target(corpus, catalogue) as (services, folder):
        path = folder / "incoming.zip"
        path.write_bytes(data)
        services.apply_import(services.plan_import(path), "take-theirs")
        (answer,) = [a for a in services.store.answers(aid).values() if a.evidence]
        # Line breaks kept, other control characters dropped: the comment's rules.
        assert answer.evidence == answer.comment == "Minutes\nitem 4[31m"
        assert services.check().problems == []


def _as_format(corpus, version: int, change=None) -> bytes:
    """The corpus with its manifest saying ``version``, its records changed by ``change``."""
    members = valid_members(corpus)
    records = json.loads(members["records.json"])
    if change is not None:
        change(records)
    members["records.json"] = json.dumps(records, ensure_ascii=False).encode("utf-8")
    manifest = json.loads(members["manifest.json"])
    manifest["format_version"] = version
    members["manifest.json"] = json.dumps(manifest).encode("utf-8")
    return make_bundle_bytes(members)


def _without_evidence(records: dict) -> None:
    """Records as a format 2 file holds them: no evidence, and no change-log entry of it."""
    for record in records["assessments"]:
        for answer in record["answers"]:
            del answer["evidence"]
        record["change_log"] = [c for c in record["change_log"] if c["field"] != "evidence"]


def _only_evidence_changes(records: dict) -> None:
    for record in records["assessments"]:
        for answer in record["answers"]:
            del answer["evidence"]


@pytest.mark.parametrize(
    ("version", "change", "words"),
    [
        (2, None, "'evidence' is not part of format version 2, the version the file's"),
        (1, None, "'evidence' is not part of format version 1"),
        (
            2,
            _only_evidence_changes,
            "'field' \"evidence\" is not part of format version 2, the version the file's "
            "manifest.json gives (format 3 added it)",
        ),
        # A format 1 file has no outcome or positions on its agreed scores.
        (1, _without_evidence, "'outcome' is not part of format version 1"),
    ],
)
def test_what_a_later_format_added_is_refused_in_an_earlier_one(
    corpus, catalogue, version, change, words
):
    message = refused_with(corpus, catalogue, _as_format(corpus, version, change), words)
    assert message.startswith("incoming.zip was not imported, nothing was changed: records.json: ")


def test_a_format_2_file_without_evidence_imports_and_clears_none_silently(corpus, catalogue):
    """The corpus as format 2 (no evidence anywhere): it imports; where the target holds
    evidence on the same answer, it is a conflict, and taking theirs logs what it was."""
    aid = corpus["world"]["council_a"]
    data = _as_format(corpus, 2, _without_evidence)
    assert attempt(corpus, catalogue, data, None) == "refused"  # the conflicts
    with fresh_target(corpus, catalogue) as (services, folder):
        (held,) = [a for a in services.store.answers(aid).values() if a.evidence]
        path = folder / "incoming.zip"
        path.write_bytes(data)
        plan = services.plan_import(path)
        assert ("assessment", aid) in {(c.kind, c.key) for c in plan.conflicts}
        services.apply_import(plan, "take-theirs")
        assert services.store.answers(aid)[held.item_id].evidence == ""
        notes = [
            (e["old_value"], e["new_value"])
            for e in services.store.change_log(aid)
            if e["field"] == "evidence" and e["changed_by"].startswith("import from")
        ]
        assert notes == [(held.evidence, "")]


# --- Hypothesis: random damage ------------------------------------------------------------

# ICS_ASSESS_FUZZ_EXAMPLES=2000 runs a deeper search locally; CI keeps the default.
FUZZ = settings(
    max_examples=int(os.environ.get("ICS_ASSESS_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FUZZ
@given(data=st.data())
def test_corrupted_bytes(corpus, catalogue, data):
    raw = bytearray(corpus["bundle"])
    flips = data.draw(
        st.lists(
            st.tuples(st.integers(0, len(raw) - 1), st.integers(0, 255)), min_size=1, max_size=8
        )
    )
    for at, value in flips:
        raw[at] = value
    choice = data.draw(st.sampled_from(CHOICES))
    attempt(corpus, catalogue, bytes(raw), choice)


@FUZZ
@given(data=st.data())
def test_truncated_files(corpus, catalogue, data):
    size = len(corpus["bundle"])
    cut = data.draw(st.integers(0, size - 1))
    assert attempt(corpus, catalogue, corpus["bundle"][:cut], "take-theirs") == "refused"


hostile_names = st.one_of(
    st.sampled_from(
        [
            "manifest.json",
            "records.json",
            "questionnaires/",
            "questionnaires/x.toml",
            "../records.json",
            "/records.json",
            "questionnaires/../manifest.json",
            "questionnaires\\x.toml",
            "records.json/",
            "RECORDS.JSON",
            "questionnaires/governance@1.1.toml",
        ]
    ),
    st.text(min_size=1, max_size=30),
)
entry_ops = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, 10)),
    st.tuples(st.just("duplicate"), st.integers(0, 10)),
    st.tuples(st.just("rename"), st.integers(0, 10), hostile_names),
    st.tuples(st.just("swap"), st.integers(0, 10), st.integers(0, 10)),
    st.tuples(st.just("add"), hostile_names, st.binary(max_size=200)),
    st.tuples(st.just("mode"), st.integers(0, 10), st.sampled_from([0o120777, 0o040755, 0o010644])),
    st.tuples(st.just("stored"), st.integers(0, 10)),
)


@FUZZ
@given(ops=st.lists(entry_ops, min_size=1, max_size=4), choice=st.sampled_from(CHOICES))
def test_zip_entries_dropped_renamed_duplicated_swapped_and_added(corpus, catalogue, ops, choice):
    entries: list[list] = [
        [name, data, 0o100644, zipfile.ZIP_DEFLATED] for name, data in valid_members(corpus).items()
    ]
    for op in ops:
        if not entries and op[0] != "add":
            continue
        kind = op[0]
        if kind == "drop":
            entries.pop(op[1] % len(entries))
        elif kind == "duplicate":
            entries.append(list(entries[op[1] % len(entries)]))
        elif kind == "rename":
            entries[op[1] % len(entries)][0] = op[2]
        elif kind == "swap":
            a, b = entries[op[1] % len(entries)], entries[op[2] % len(entries)]
            a[1], b[1] = b[1], a[1]
        elif kind == "add":
            entries.append([op[1], op[2], 0o100644, zipfile.ZIP_DEFLATED])
        elif kind == "mode":
            entries[op[1] % len(entries)][2] = op[2]
        elif kind == "stored":
            entries[op[1] % len(entries)][3] = zipfile.ZIP_STORED
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are the point
        for name, content, mode, method in entries:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = mode << 16
            info.compress_type = method
            archive.writestr(info, content)
    attempt(corpus, catalogue, buffer.getvalue(), choice)


def test_a_member_with_no_name_is_refused_in_a_sentence(corpus, catalogue):
    """Found by the fuzz test above: a member named "" made zipfile's own is_dir() raise
    IndexError instead of the bundle being refused."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in valid_members(corpus).items():
            archive.writestr(name, data)
        archive.writestr(zipfile.ZipInfo(""), b"{}")
    refused_with(corpus, catalogue, buffer.getvalue(), "a member has no name")


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "   ",
            "draft",
            "submitted",
            "dont_know",
            "icb",
            "9" * 30,
            NOWHERE,
            "2026-13-45T99:99:99+00:00",
            "2026-11-25T09:00:00.000+00:00",
            "\x00",
            "../../x",
        ]
    ),
    st.integers(min_value=0, max_value=6),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(value, prefix=()):
    """Every place in a JSON document: a path of keys and indexes."""
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            yield from _paths(inner, (*prefix, n))


def _mutate(document, data):
    paths = list(_paths(document))
    path = data.draw(st.sampled_from(paths))
    if not path:
        return data.draw(json_values)
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    action = data.draw(st.sampled_from(["replace", "delete", "add_key", "wrap", "duplicate"]))
    if action == "replace":
        parent[last] = data.draw(json_values)
    elif action == "delete":
        del parent[last]
    elif action == "add_key":
        target = parent[last]
        if isinstance(target, dict):
            target[data.draw(st.text(max_size=12))] = data.draw(json_values)
        else:
            parent[last] = [target]
    elif action == "wrap":
        parent[last] = {"value": parent[last]}
    elif action == "duplicate" and isinstance(parent, list):
        parent.append(json.loads(json.dumps(parent[last])))
    return document


@FUZZ
@given(data=st.data(), choice=st.sampled_from(CHOICES))
def test_mutated_records(corpus, catalogue, data, choice):
    members = valid_members(corpus)
    records = json.loads(members["records.json"])
    for _ in range(data.draw(st.integers(1, 3))):
        records = _mutate(records, data)
    try:
        text = json.dumps(records, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(records, ensure_ascii=True).encode("ascii")
    members["records.json"] = text
    if data.draw(st.booleans()):
        # The manifest's counts made to fit the mutated records, so that the records'
        # own checks are reached.
        with tempfile.TemporaryDirectory() as tmp:
            raw = make_bundle(Path(tmp) / "b.zip", members).read_bytes()
    else:
        raw = make_bundle_bytes_raw(members)
    attempt(corpus, catalogue, raw, choice)


@FUZZ
@given(
    value=st.one_of(json_values, st.text(max_size=40)),
    version=st.integers(1, FORMAT_VERSION),
    choice=st.sampled_from(CHOICES),
)
def test_any_evidence_in_any_format(corpus, catalogue, value, version, choice):
    """Any JSON value as an answer's evidence, in a file of any format version: refused
    in one sentence unless it is text in format 3, and never harmful."""

    def change(records):
        _evidence_answer(records)["evidence"] = value

    outcome = attempt(corpus, catalogue, _as_format(corpus, version, change), choice)
    if version < FORMAT_VERSION or not isinstance(value, str):
        assert outcome == "refused"


@FUZZ
@given(data=st.data())
def test_mutated_manifest(corpus, catalogue, data):
    members = valid_members(corpus)
    manifest = json.loads(members["manifest.json"])
    for _ in range(data.draw(st.integers(1, 3))):
        manifest = _mutate(manifest, data)
    members["manifest.json"] = json.dumps(manifest, ensure_ascii=True).encode("ascii")
    raw = zip_of(list(members.items()))
    attempt(corpus, catalogue, raw, data.draw(st.sampled_from(CHOICES)))


@FUZZ
@given(text=st.text(max_size=300))
def test_arbitrary_text_as_records(corpus, catalogue, text):
    members = valid_members(corpus)
    members["records.json"] = text.encode("utf-8", "surrogatepass")
    raw = make_bundle_bytes_raw(members)
    assert attempt(corpus, catalogue, raw, "take-theirs") == "refused"


def make_bundle_bytes_raw(members: dict[str, bytes]) -> bytes:
    """A bundle whose manifest fits the members' bytes, whatever records.json holds."""
    manifest = json.loads(members["manifest.json"])
    for name, content in members.items():
        if name != "manifest.json":
            manifest["members"][name] = {
                "bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
    members = dict(members, **{"manifest.json": json.dumps(manifest).encode()})
    return build_zip(sorted(members.items()))


toml_edits = st.lists(
    st.tuples(
        st.integers(0, 20_000),
        st.integers(0, 40),
        st.one_of(
            st.text(max_size=12),
            st.sampled_from(['"', "[", "]]", "[[sections.items]]", "=", "\n", "id = 1", "1e400"]),
        ),
    ),
    min_size=1,
    max_size=4,
)


@FUZZ
@given(edits=toml_edits, choice=st.sampled_from(CHOICES))
def test_mutated_questionnaire_text(corpus, catalogue, edits, choice):
    """The questionnaire members are parsed as untrusted TOML too (checksums made to fit)."""
    members = valid_members(corpus)
    name = "questionnaires/governance@1.1.toml"
    text = members[name].decode("utf-8")
    for at, length, insert in edits:
        at %= len(text) + 1
        text = text[:at] + insert + text[at + length :]
    members[name] = text.encode("utf-8", "surrogatepass")
    attempt(corpus, catalogue, make_bundle_bytes_raw(members), choice)


def test_nothing_is_left_beside_the_database_after_a_refusal(corpus, catalogue):
    with fresh_target(corpus, catalogue) as (services, folder):
        path = folder / "incoming.zip"
        path.write_bytes(b"not a zip")
        before = sorted(p.name for p in folder.iterdir())
        with pytest.raises(BundleError):
            services.plan_import(path)
        assert sorted(p.name for p in folder.iterdir()) == before


def test_zlib_damage_inside_a_member(corpus, catalogue):
    members = valid_members(corpus)
    compressed = zlib.compress(members["records.json"])
    assert compressed  # the container's own deflate streams are damaged below
    raw = bytearray(corpus["bundle"])
    start = raw.find(b"records.json") + len(b"records.json") + 40
    for at in range(start, start + 16):
        raw[at] ^= 0xFF
    assert attempt(corpus, catalogue, bytes(raw), "take-theirs") == "refused"
