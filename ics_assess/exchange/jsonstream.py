"""Read one JSON document from a stream a value at a time, in bounded memory.

``records.json`` of a large bundle is hundreds of megabytes; parsed whole, it takes several
times that in memory. ``JsonStream`` walks the document's outer structure itself (objects
and lists, key by key and element by element) and hands each value it is asked for to the
standard library's C scanner, with the same strict hooks as ``bundle.load_json`` (no
duplicate keys, no NaN or Infinity, no huge numbers, bounded nesting). Only the text of
the value being read is held, so memory follows the largest single value, never the file.

A value may be at most ``value_chars`` characters of JSON text. The format bounds every
value the reader takes at once (docs/exchange-format.md, "Limits and checks"), and the
exporter checks what it writes against the same number, so a longer one is refused in
words instead of being read.

Every problem is a BundleError naming the member; positions are given as line and column
of the whole document, as ``json.loads`` gives them.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from .bundle import RefusedValueError, strict_decoder
from .errors import BundleError

CHUNK_BYTES = 1024 * 1024
# Buffered text is dropped once this much of it has been read.
KEEP_CHARS = 1024 * 1024
WHITESPACE = re.compile(r"[ \t\n\r]*")
_scanstring = json.decoder.scanstring


class TooLongError(Exception):
    """A value longer than the stream allows (raised with the limit as its argument)."""


class JsonStream:
    """A pull parser over a binary stream of UTF-8 JSON text.

    The caller walks the structure: ``peek`` the next character, ``enter`` an object or a
    list, take its ``keys`` or ``elements``, and read any value whole with ``value``.
    ``finish`` checks that nothing but white space follows the document. ``sha256`` and
    ``size`` describe every byte read from the stream."""

    def __init__(self, raw: BinaryIO, member: str, value_chars: int) -> None:
        self.raw = raw
        self.member = member
        self.value_chars = value_chars
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._scan = strict_decoder().scan_once
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.size = 0
        self._digest = hashlib.sha256()
        # Line (1-based) and column (0-based) of buf[0] in the whole document.
        self._line = 1
        self._column = 0
        self._started = False

    # --- reading --------------------------------------------------------------------

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def _read(self) -> None:
        """Append the next chunk of text to the buffer; set ``eof`` at the end."""
        if self.eof:
            return
        data = self.raw.read(CHUNK_BYTES)
        pending = len(self._decoder.getstate()[0])
        start = self.size - pending
        self.size += len(data)
        self._digest.update(data)
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            raise BundleError(
                f"{self.member}: is not UTF-8 text (at byte {start + exc.start:,})"
            ) from None
        if not self._started and (text or not data):
            self._started = True
            if text.startswith("\ufeff"):
                raise BundleError(
                    f"{self.member}: starts with a byte-order mark, which JSON does not allow"
                )
        if not data:
            self.eof = True
        self._drop()
        self.buf += text

    def _drop(self) -> None:
        """Forget the text already read, keeping line and column counts right."""
        if self.pos < KEEP_CHARS:
            return
        gone = self.buf[: self.pos]
        newlines = gone.count("\n")
        if newlines:
            self._line += newlines
            self._column = len(gone) - gone.rfind("\n") - 1
        else:
            self._column += len(gone)
        self.buf = self.buf[self.pos :]
        self.pos = 0

    def _where(self, at: int) -> str:
        before = self.buf[:at]
        newlines = before.count("\n")
        column = len(before) - before.rfind("\n") if newlines else self._column + len(before) + 1
        return f"line {self._line + newlines}, column {column}"

    def _invalid(self, msg: str, at: int) -> BundleError:
        return BundleError(f"{self.member}: is not valid JSON ({msg} at {self._where(at)})")

    # --- structure ------------------------------------------------------------------

    def peek(self) -> str:
        """The next character after white space ('' at the end of the text)."""
        while True:
            self.pos = WHITESPACE.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos : self.pos + 1]
            self._read()

    def _expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            raise self._invalid(f"Expecting {what}", self.pos)
        self.pos += 1

    def enter(self, opening: str) -> None:
        """Step into an object ('{') or a list ('[') that the caller has peeked."""
        self._expect(opening, "'{'" if opening == "{" else "'['")

    def keys(self) -> Iterator[str]:
        """The keys of the object just entered, each followed by its value, which the
        caller must read (``value``, or by entering it) before taking the next key."""
        first = True
        while True:
            char = self.peek()
            if char == "}":
                self.pos += 1
                return
            if not first:
                self._expect(",", "',' delimiter")
                char = self.peek()
            if char != '"':
                raise self._invalid("Expecting property name enclosed in double quotes", self.pos)
            key = self._parse(lambda buf, at: _scanstring(buf, at + 1, True), None)
            self._expect(":", "':' delimiter")
            first = False
            yield key

    def elements(self) -> Iterator[None]:
        """Once per element of the list just entered; the caller reads each element."""
        first = True
        while True:
            char = self.peek()
            if char == "]":
                self.pos += 1
                return
            if not first:
                self._expect(",", "',' delimiter")
            first = False
            yield None

    def value(self, limit: int | None = None) -> Any:
        """The next value, parsed whole; TooLongError if it is longer than ``limit``
        characters (by default ``value_chars``), and then nothing was read."""
        self.peek()
        return self._parse(self._scan, limit)

    def finish(self) -> None:
        """Nothing but white space may follow the document."""
        if self.peek():
            raise self._invalid("Extra data", self.pos)

    def _parse(self, scan: Callable[[str, int], tuple[Any, int]], limit: int | None) -> Any:
        """Run ``scan`` at the current position, reading more text while the value may
        go on past the end of what is buffered, up to ``limit`` characters."""
        limit = self.value_chars if limit is None else min(limit, self.value_chars)
        while True:
            start = self.pos
            try:
                value, end = scan(self.buf, start)
            except StopIteration as exc:
                error = json.JSONDecodeError("Expecting value", self.buf, exc.value)
            except json.JSONDecodeError as exc:
                error = exc
            except RefusedValueError as exc:
                raise BundleError(f"{self.member}: {exc}") from None
            except RecursionError:
                raise BundleError(f"{self.member}: is nested too deeply") from None
            except (ValueError, MemoryError) as exc:
                raise BundleError(f"{self.member}: cannot be read as JSON ({exc})") from None
            else:
                if end - start > limit:
                    raise TooLongError(limit)
                if end < len(self.buf) or self.eof:
                    self.pos = end
                    return value
                # A number may go on in the text not read yet: read more and look again.
                error = None
            if error is not None:
                unfinished = error.msg.startswith("Unterminated string")
                near_end = error.pos >= len(self.buf) - 64
                if self.eof or not (unfinished or near_end):
                    raise self._invalid(error.msg, error.pos)
                if len(self.buf) - start > limit + 64:
                    if unfinished or error.pos >= start + limit:
                        raise TooLongError(limit)
                    raise self._invalid(error.msg, error.pos)
            wanted = min(max(2 * (len(self.buf) - start), CHUNK_BYTES), limit + 128)
            while len(self.buf) - self.pos < wanted and not self.eof:
                self._read()
