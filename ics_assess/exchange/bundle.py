"""The bundle container: a zip file read as untrusted input, and written deterministically.

A bundle holds exactly these members (docs/exchange-format.md):

- ``manifest.json``: format, versions, creation time, counts, and the size and SHA-256 of
  every other member;
- ``records.json``: the records;
- ``questionnaires/<name>.toml``: the exact stored text of each questionnaire version the
  records use.

Reading never trusts the file: no member is ever extracted to disk, members are taken by
an allow-list of names, and the member count, each member's size and compression ratio,
the total size, links, odd names, duplicates, encryption and compression methods are all
checked before a byte is decompressed. The manifest and the questionnaires are read into
memory (each is at most 1 MB); ``records.json`` is read as a stream (see jsonstream.py).
Every failure is a BundleError with one sentence.

Writing is streamed too: ``BundleWriter`` writes each member into the zip as it is made,
through a temporary file renamed into place at the end.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .errors import BundleError

FORMAT = "ics-assess-bundle"
# 2: a workshop's agreed scores gained outcome and positions (issue 10); 3: an answer
# gained its evidence, and the change log entries of it (issue 13). 1 and 2 are still
# read, and still written when a bundle holds nothing they lack (records.ADDED_IN).
FORMAT_VERSION = 3
MANIFEST = "manifest.json"
RECORDS = "records.json"
QUESTIONNAIRE_DIR = "questionnaires/"
QUESTIONNAIRE_MEMBER = re.compile(r"^questionnaires/[A-Za-z0-9][A-Za-z0-9_.@-]{0,199}\.toml\Z")
# Zip entries carry a date; a fixed one makes the same records give the same bytes.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6


MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a bundle may be. Each follows from the format (docs/exchange-format.md,
    "Limits and checks"), and the exporter keeps to the same numbers, so that every
    bundle it writes can be read back. A file over any of them is refused, before it is
    unpacked where the zip's directory can tell."""

    members: int = 200
    manifest_bytes: int = MiB
    # As for a questionnaire file in a forms folder.
    questionnaire_bytes: int = 1_000_000
    # The largest member a zip holds without zip64 extensions is 2 GiB less a byte; a
    # little below it. At about 8 KB an assessment (25 answers, 35 change-log entries)
    # that is some 250,000 assessments in one file.
    records_bytes: int = 2000 * MiB
    # records.json, the manifest and 198 questionnaires at their largest, with room to
    # spare; and the file itself, were every member stored uncompressed.
    total_bytes: int = 2200 * MiB
    file_bytes: int = 2200 * MiB
    # The longest JSON text read at once: a record, or an assessment's or a workshop's
    # field, answer, change-log entry or agreed score. The longest the format allows is a
    # change-log entry with two values of 1,000,000 characters each, every character
    # escaped as \u0000 (six characters): about 12,000,000. An answer, its comment and
    # its evidence 10,000 characters each, is at most about 120,000.
    value_chars: int = 16_000_000
    # Records listed at the top of records.json (partnerships, organisations, rounds,
    # questionnaires, workshops, assessments and actions together). The importer keeps
    # their ids in memory (about 100 bytes each); 1,000,000 is four times the 250,000
    # assessments of 25 statements that fit in records_bytes.
    records: int = 1_000_000
    # Answers of one assessment and agreed scores of one workshop: one per statement of
    # its questionnaire, and a questionnaire file of 1,000,000 bytes has room for fewer
    # than 30,000 statements.
    per_list: int = 50_000
    # Uncompressed / compressed size, checked for members bigger than ratio_floor bytes.
    # Deflate tops out near 1,000:1 on runs of one byte; a real records.json stays far
    # below 100:1 (and the exporter stores one that would not, uncompressed).
    ratio: int = 200
    ratio_floor: int = MiB


LIMITS = Limits()


def sha256(data: bytes) -> str:
    """The hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def show(value: Any, limit: int = 60) -> str:
    """A value for a message: JSON, ASCII only (no line breaks or control characters from
    the file reach the terminal), cut to ``limit`` characters."""
    if isinstance(value, list):
        return "a list" if value else "[]"
    if isinstance(value, dict):
        return "an object" if value else "{}"
    try:
        text = json.dumps(value, ensure_ascii=True)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain(text: str, limit: int = 60) -> str:
    """Text for a message without quotes, control characters escaped, cut to ``limit``."""
    escaped = json.dumps(str(text), ensure_ascii=False)[1:-1]
    escaped = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped)
    return escaped if len(escaped) <= limit else escaped[: limit - 1] + "…"


# --- reading --------------------------------------------------------------------------


class Container:
    """A bundle file opened for reading, its container checked: the manifest and the
    questionnaires read into memory, ``records.json`` left to be streamed with
    ``open_records``. Close it (or use it in a ``with`` block) when done."""

    def __init__(
        self,
        name: str,
        members: dict[str, bytes],
        sizes: dict[str, int] | None = None,
        archive: zipfile.ZipFile | None = None,
        handle: BinaryIO | None = None,
    ) -> None:
        self.name = name
        # Members read into memory: manifest.json and the questionnaires (and records.json
        # too when the container was built from bytes in memory).
        self.members = members
        self.sizes = sizes if sizes is not None else {k: len(v) for k, v in members.items()}
        self._archive = archive
        self._handle = handle

    def open_records(self) -> BinaryIO:
        """records.json as a stream of bytes; a damaged member raises BundleError."""
        if RECORDS in self.members or self._archive is None:
            return io.BytesIO(self.members[RECORDS])
        try:
            member = self._archive.open(RECORDS)
        except Exception as exc:
            raise BundleError(f"it is not a readable zip file ({_reason(exc)})") from None
        return _Checked(member, self.sizes[RECORDS])  # type: ignore[return-value]

    def close(self) -> None:
        for thing in (self._archive, self._handle):
            if thing is not None:
                thing.close()
        self._archive = self._handle = None

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Checked:
    """A zip member's stream whose every failure is a BundleError in words. zipfile
    never returns more than the declared size, and checks the CRC at the end."""

    def __init__(self, member: BinaryIO, size: int) -> None:
        self._member = member
        self._size = size
        self._read = 0

    def read(self, n: int = -1) -> bytes:
        try:
            data = self._member.read(n)
        except Exception as exc:
            raise BundleError(f"it is not a readable zip file ({_reason(exc)})") from None
        self._read += len(data)
        if not data and self._read != self._size:
            raise BundleError(f"the member {show(RECORDS)} is damaged")
        return data

    def close(self) -> None:
        self._member.close()


def _allowed_name(name: str) -> bool:
    return name in (MANIFEST, RECORDS) or bool(QUESTIONNAIRE_MEMBER.match(name))


def _check_names(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.members:
        raise BundleError(f"it has {len(infos):,} members; a bundle has at most {limits.members:,}")
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        shown = show(info.orig_filename)
        if not name:
            # zipfile's own checks (is_dir) would fail on it with an IndexError.
            raise BundleError("a member has no name")
        if info.orig_filename != name or "\\" in name:
            raise BundleError(f"the member name {shown} contains a NUL or a backslash")
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
            raise BundleError(f"the member {shown} has an absolute path")
        if ".." in name.split("/"):
            raise BundleError(f"the member {shown} climbs out of the bundle with '..'")
        if name in seen:
            raise BundleError(f"the member {shown} appears twice")
        seen.add(name)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise BundleError(f"the member {shown} is a symbolic link")
        if name == QUESTIONNAIRE_DIR:
            if info.file_size != 0:
                raise BundleError(f"the folder entry {shown} has content")
            continue
        kind = stat.S_IFMT(mode)
        if info.is_dir() or (kind and kind != stat.S_IFREG):
            raise BundleError(f"the member {shown} is not an ordinary file")
        if not _allowed_name(name):
            raise BundleError(
                f"the member {shown} is not part of the bundle format (allowed: "
                f"{MANIFEST}, {RECORDS}, {QUESTIONNAIRE_DIR}NAME.toml)"
            )
        if info.flag_bits & 0x1:
            raise BundleError(f"the member {shown} is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise BundleError(
                f"the member {shown} uses compression method {info.compress_type}; "
                "bundles use only deflate or none"
            )
    if MANIFEST not in seen:
        raise BundleError(f"it is not an ICS Assess bundle (it has no {MANIFEST})")
    if RECORDS not in seen:
        raise BundleError(f"it has no {RECORDS}")


def _member_limit(name: str, limits: Limits) -> int:
    if name == MANIFEST:
        return limits.manifest_bytes
    if name == RECORDS:
        return limits.records_bytes
    return limits.questionnaire_bytes


def too_compressed(size: int, compressed: int, limits: Limits = LIMITS) -> bool:
    """Whether a member of ``size`` bytes, ``compressed`` in the zip, breaks the ratio
    limit (a 'zip bomb')."""
    return size > limits.ratio_floor and size > limits.ratio * max(compressed, 1)


def _check_sizes(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Declared sizes, before anything is decompressed. zipfile never returns more than
    the declared size (and checks the CRC), so these bound what reading can produce."""
    total = 0
    for info in infos:
        shown = show(info.filename)
        limit = _member_limit(info.filename, limits)
        if info.file_size > limit:
            raise BundleError(
                f"the member {shown} unpacks to {_mb(info.file_size)}; the limit is {_mb(limit)}"
            )
        if too_compressed(info.file_size, info.compress_size, limits):
            ratio = info.file_size // max(info.compress_size, 1)
            raise BundleError(
                f"the member {shown} is compressed {ratio:,} to 1, more than the "
                f"{limits.ratio} to 1 allowed (a 'zip bomb')"
            )
        total += info.file_size
    if total > limits.total_bytes:
        raise BundleError(
            f"its members unpack to {_mb(total)} in all; the limit is {_mb(limits.total_bytes)}"
        )


def read_container(path: Path | str, limits: Limits = LIMITS) -> Container:
    """Open a bundle file and check its container; raise BundleError. The manifest and
    questionnaires are read into memory; records.json is streamed from the file later
    (``Container.open_records``), so close the container when done."""
    path = Path(path)
    name = path.name or str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise BundleError(f"there is no file {path}") from None
    except OSError as exc:
        raise BundleError(f"{path} cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise BundleError(f"{path} is a folder, not a bundle file")
    if info.st_size > limits.file_bytes:
        raise BundleError(
            f"the file is {_mb(info.st_size)}; a bundle may be at most {_mb(limits.file_bytes)}"
        )
    if not stat.S_ISREG(info.st_mode):
        raise BundleError(f"{path} is not an ordinary file")
    try:
        handle = open(path, "rb")  # noqa: SIM115 (kept open by the container)
    except OSError as exc:
        raise BundleError(f"{path} cannot be read ({exc.strerror or exc})") from None
    try:
        size = os.fstat(handle.fileno()).st_size
        if size > limits.file_bytes:
            raise BundleError(f"the file is bigger than {_mb(limits.file_bytes)}")
        if not size:
            raise BundleError("the file is empty")
        archive = _open_zip(handle)
        try:
            members, sizes = _read_small_members(archive, limits)
        except BaseException:
            archive.close()
            raise
    except BaseException:
        handle.close()
        raise
    return Container(name, members, sizes, archive, handle)


def _open_zip(handle: BinaryIO) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(handle)
    except Exception as exc:
        # zipfile raises many kinds of error on damaged input (BadZipFile, struct.error,
        # ValueError, NotImplementedError, OverflowError, ...): each means the same.
        raise BundleError(f"it is not a readable zip file ({_reason(exc)})") from None


def _read_small_members(
    archive: zipfile.ZipFile, limits: Limits
) -> tuple[dict[str, bytes], dict[str, int]]:
    """Check the container; read every member but records.json; all members' sizes."""
    try:
        infos = archive.infolist()
    except Exception as exc:
        raise BundleError(f"it is not a readable zip file ({_reason(exc)})") from None
    _check_names(infos, limits)
    _check_sizes(infos, limits)
    members: dict[str, bytes] = {}
    sizes: dict[str, int] = {}
    for info in infos:
        if info.filename == QUESTIONNAIRE_DIR:
            continue
        sizes[info.filename] = info.file_size
        if info.filename != RECORDS:
            members[info.filename] = _read_member(archive, info, limits)
    return members, sizes


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> bytes:
    try:
        with archive.open(info) as member:
            data = member.read(_member_limit(info.filename, limits) + 1)
    except Exception as exc:
        raise BundleError(f"it is not a readable zip file ({_reason(exc)})") from None
    if len(data) != info.file_size:
        raise BundleError(f"the member {show(info.filename)} is damaged")
    return data


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return show(text, 100).strip('"')


# --- strict JSON ------------------------------------------------------------------------


class RefusedValueError(Exception):
    """Raised from inside the JSON scanner by the hooks below."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise RefusedValueError(f"the key {show(key)} appears twice in one object")
            seen.add(key)
    return result


def _no_constant(text: str) -> Any:
    raise RefusedValueError(f"{text} is not a number JSON allows")


MAX_INT_DIGITS = 18


def _bounded_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS and len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise RefusedValueError(
            f"a number has {len(text.lstrip('-')):,} digits; at most 18 are allowed"
        )
    return int(text)


def _finite_float(text: str) -> float:
    if len(text) > 40:
        raise RefusedValueError("a number is written with more than 40 characters")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise RefusedValueError(f"the number {text} is out of range")
    return value


def strict_decoder() -> json.JSONDecoder:
    """A JSON decoder with the bundle's rules: no duplicate keys, no NaN or Infinity, no
    number of more than 18 digits or 40 characters."""
    return json.JSONDecoder(
        object_pairs_hook=_no_duplicate_keys,
        parse_constant=_no_constant,
        parse_int=_bounded_int,
        parse_float=_finite_float,
    )


def load_json(data: bytes, member: str) -> Any:
    """Parse a member as strict JSON: UTF-8 without BOM, no duplicate keys, no NaN or
    Infinity, no huge numbers, bounded nesting. Raise BundleError naming the member."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BundleError(f"{member}: is not UTF-8 text (at byte {exc.start:,})") from None
    if text.startswith("\ufeff"):
        raise BundleError(f"{member}: starts with a byte-order mark, which JSON does not allow")
    try:
        return strict_decoder().decode(text)
    except RefusedValueError as exc:
        raise BundleError(f"{member}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BundleError(
            f"{member}: is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise BundleError(f"{member}: is nested too deeply") from None
    except (ValueError, MemoryError) as exc:
        raise BundleError(f"{member}: cannot be read as JSON ({_reason(exc)})") from None


def dump_json(data: Any) -> bytes:
    """Deterministic JSON for the manifest: sorted keys, two-space indent, UTF-8, a final
    newline."""
    text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


# The records: no white space, by the C encoder. Sorting keys there takes half its time,
# so records are built with their keys in order instead (records.fit).
_compact = json.JSONEncoder(
    sort_keys=False, ensure_ascii=False, allow_nan=False, separators=(",", ":")
).encode


def compact_json(data: Any) -> str:
    """Compact JSON text with no white space, keys in the order of the dicts given (build
    them sorted, as records.fit does, for a bundle's deterministic bytes)."""
    return _compact(data)


# --- writing ----------------------------------------------------------------------------


def _entry(name: str, method: int = zipfile.ZIP_DEFLATED) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
    info.compress_type = method
    info.create_system = 3
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    return info


def build_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A zip of the members, in the order given, with fixed dates and modes, so the same
    members always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(_entry(name), data, compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


class MemberWriter:
    """A member being written: text goes in as it is made, gathered into pieces of about
    BATCH_CHARS before it reaches the zip; its size and SHA-256 are counted on the way,
    and it may not pass ``limit`` bytes (MemberTooBigError)."""

    BATCH_CHARS = 256 * 1024

    def __init__(self, stream: BinaryIO, limit: int, name: str) -> None:
        self._stream = stream
        self._limit = limit
        self._name = name
        self._digest = hashlib.sha256()
        self._parts: list[str] = []
        self._chars = 0
        self.size = 0

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._chars += len(text)
        if self._chars >= self.BATCH_CHARS:
            self.flush()

    def flush(self) -> None:
        data = "".join(self._parts).encode("utf-8")
        self._parts.clear()
        self._chars = 0
        if self.size + len(data) > self._limit:
            raise MemberTooBigError(self._name, self._limit)
        self.size += len(data)
        self._digest.update(data)
        self._stream.write(data)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


class MemberTooBigError(Exception):
    """A member would be bigger than a bundle may hold."""

    def __init__(self, name: str, limit: int) -> None:
        super().__init__(name, limit)
        self.name = name
        self.limit = limit


class BundleWriter:
    """A bundle written member by member into an open file, with fixed dates and modes."""

    def __init__(self, out: BinaryIO) -> None:
        # Deflate's level 6 is zlib's default, which a ZipInfo written in pieces gets.
        self._archive = zipfile.ZipFile(out, "w", compresslevel=COMPRESS_LEVEL)
        self.members: dict[str, dict[str, Any]] = {}

    def add(self, name: str, data: bytes, limits: Limits = LIMITS) -> None:
        """A member whose bytes are all known: deflated, or stored if deflate would
        compress it more than ``limits`` lets a reader take."""
        method = zipfile.ZIP_DEFLATED
        if len(data) > limits.ratio_floor:
            deflate = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
            size = len(deflate.compress(data)) + len(deflate.flush())
            if too_compressed(len(data), size, limits):
                method = zipfile.ZIP_STORED
        self._archive.writestr(_entry(name, method), data, compresslevel=COMPRESS_LEVEL)
        self.members[name] = {"bytes": len(data), "sha256": sha256(data)}

    @contextlib.contextmanager
    def stream(self, name: str, limit: int, *, compress: bool = True) -> Iterator[MemberWriter]:
        """A member written in pieces (deflated, or stored when ``compress`` is false);
        the zip records its size and CRC when the block ends."""
        method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info = _entry(name, method)
        with self._archive.open(info, "w") as member:
            writer = MemberWriter(member, limit, name)
            yield writer
            writer.flush()
        self.members[name] = {"bytes": writer.size, "sha256": writer.sha256}

    def compressed_size(self, name: str) -> int:
        return self._archive.getinfo(name).compress_size

    def close(self) -> None:
        self._archive.close()
