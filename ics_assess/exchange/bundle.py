"""The bundle container: a zip file read as untrusted input, and written deterministically.

A bundle holds exactly these members (docs/exchange-format.md):

- ``manifest.json``: format, versions, creation time, counts, and the size and SHA-256 of
  every other member;
- ``records.json``: the records;
- ``questionnaires/<name>.toml``: the exact stored text of each questionnaire version the
  records use.

Reading never trusts the file: the whole file is read into memory once (it is capped), no
member is ever extracted to disk, members are taken by an allow-list of names, and the
member count, each member's size and compression ratio, the total size, links, odd names,
duplicates, encryption and compression methods are all checked before a byte is
decompressed. Every failure is a BundleError with one sentence.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import files
from .errors import BundleError, ExportError

FORMAT = "ics-assess-bundle"
# 2: a workshop's agreed scores gained outcome and positions (issue 10); 1 is still read.
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
RECORDS = "records.json"
QUESTIONNAIRE_DIR = "questionnaires/"
QUESTIONNAIRE_MEMBER = re.compile(r"^questionnaires/[A-Za-z0-9][A-Za-z0-9_.@-]{0,199}\.toml\Z")
# Zip entries carry a date; a fixed one makes the same records give the same bytes.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
COMPRESS_LEVEL = 6


@dataclass(frozen=True)
class Limits:
    """What a bundle may be. A file over any of these is refused before it is unpacked."""

    file_bytes: int = 100 * 1024 * 1024
    members: int = 200
    manifest_bytes: int = 1024 * 1024
    # 1,000 assessments with their change logs make about 15 MB of records.json, and
    # reading 75 MB takes about 640 MB of memory; 128 MB keeps a laptop comfortable.
    records_bytes: int = 128 * 1024 * 1024
    questionnaire_bytes: int = 1_000_000
    total_bytes: int = 160 * 1024 * 1024
    # Uncompressed / compressed size, checked for members bigger than ratio_floor bytes.
    # Deflate tops out near 1,000:1 on runs of one byte; real records.json stays far below
    # 100:1 (docs/exchange-format.md gives the measured figure).
    ratio: int = 200
    ratio_floor: int = 1024 * 1024


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


@dataclass(frozen=True)
class Container:
    """The members of a bundle, read into memory, with the file's name for messages."""

    name: str
    members: dict[str, bytes]


def _allowed_name(name: str) -> bool:
    return name in (MANIFEST, RECORDS) or bool(QUESTIONNAIRE_MEMBER.match(name))


def _check_names(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(infos) > limits.members:
        raise BundleError(f"it has {len(infos):,} members; a bundle has at most {limits.members:,}")
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        shown = show(info.orig_filename)
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
        if info.file_size > limits.ratio_floor and (
            info.file_size > limits.ratio * max(info.compress_size, 1)
        ):
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
    """Read a bundle file into memory and check its container; raise BundleError."""
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
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limits.file_bytes + 1)
    except OSError as exc:
        raise BundleError(f"{path} cannot be read ({exc.strerror or exc})") from None
    if len(raw) > limits.file_bytes:
        raise BundleError(f"the file is bigger than {_mb(limits.file_bytes)}")
    return Container(name, read_members(raw, limits))


def read_members(raw: bytes, limits: Limits = LIMITS) -> dict[str, bytes]:
    """The members of a bundle held in memory; raise BundleError."""
    if not raw:
        raise BundleError("the file is empty")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            infos = archive.infolist()
            _check_names(infos, limits)
            _check_sizes(infos, limits)
            members: dict[str, bytes] = {}
            for info in infos:
                if info.filename == QUESTIONNAIRE_DIR:
                    continue
                with archive.open(info) as member:
                    data = member.read(_member_limit(info.filename, limits) + 1)
                if len(data) != info.file_size:
                    raise BundleError(f"the member {show(info.filename)} is damaged")
                members[info.filename] = data
            return members
    except BundleError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError) as exc:
        raise BundleError(f"it is not a readable zip file ({_reason(exc)})") from None
    except Exception as exc:
        # zipfile raises many kinds of error on damaged input (struct.error, ValueError,
        # NotImplementedError, RuntimeError, OverflowError, ...): each means the same.
        raise BundleError(f"it is not a readable zip file ({_reason(exc)})") from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return show(text, 100).strip('"')


# --- strict JSON ------------------------------------------------------------------------


class _RefusedError(Exception):
    """Raised from inside json.loads by the hooks below."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _RefusedError(f"the key {show(key)} appears twice in one object")
        result[key] = value
    return result


def _no_constant(text: str) -> Any:
    raise _RefusedError(f"{text} is not a number JSON allows")


MAX_INT_DIGITS = 18


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _RefusedError(
            f"a number has {len(text.lstrip('-')):,} digits; at most 18 are allowed"
        )
    return int(text)


def _finite_float(text: str) -> float:
    if len(text) > 40:
        raise _RefusedError("a number is written with more than 40 characters")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _RefusedError(f"the number {text} is out of range")
    return value


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
        return json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constant,
            parse_int=_bounded_int,
            parse_float=_finite_float,
        )
    except _RefusedError as exc:
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
    """Deterministic JSON: sorted keys, two-space indent, UTF-8, a final newline."""
    text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


# --- writing ----------------------------------------------------------------------------


def build_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A zip of the members, in the order given, with fixed dates and modes, so the same
    members always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, data, compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def write_atomically(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see files.write_atomically); raise
    ExportError with a sentence the user can act on."""
    return files.write_atomically(
        path, data, what="bundle", example="partners.zip", error=ExportError
    )
