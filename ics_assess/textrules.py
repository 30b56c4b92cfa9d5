"""What text the app keeps: one definition used by every way in and every way out.

The store applies these rules to everything it writes, and the exchange and spreadsheet
importers and the exporter apply the same ones, so that whatever is stored can always be
exported, imported, shown and reported.

- A **line** (a name, a role, an owner, a date typed as text) is one line of at most
  ``LINE_MAX`` characters: surrounding space is removed, runs of white space (tabs, line
  breaks) become one space and other control characters are dropped.
- A **text** (a comment, a reasoning, an action's description) keeps its line breaks and
  tabs (``\\r\\n`` and ``\\r`` become ``\\n``), drops other control characters and is at
  most ``TEXT_MAX`` characters long.

Control characters never reach a terminal or a report as commands; a text that is too
long is refused with a sentence that says how long it is and what is allowed, never cut
short silently. Nothing here imports anything but the standard library.
"""

from __future__ import annotations

import re

LINE_MAX = 200
TEXT_MAX = 10_000

# C0 and C1 control characters and DEL. Tab and line breaks are handled before these go.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_SPACE_RUN = re.compile(r"[\s\x1c-\x1f\x85]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


class TextRuleError(ValueError):
    """Text that breaks a rule; the message is a sentence for the user."""


def _no_surrogates(value: str) -> str:
    # An unpaired surrogate cannot be written as UTF-8 (or to SQLite); it is no character.
    return _SURROGATE.sub("\ufffd", value)


def clean_line(value: str) -> str:
    """``value`` as one line: trimmed, white space runs made one space, controls dropped."""
    return _CONTROL.sub("", _SPACE_RUN.sub(" ", _no_surrogates(value))).strip()


def clean_text(value: str) -> str:
    """``value`` with its line breaks made ``\\n`` and control characters other than line
    breaks and tabs dropped; surrounding space is kept (it may be indentation)."""
    value = _no_surrogates(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(lambda m: m.group() if m.group() in "\n\t" else "", value)


def _too_long(what: str, length: int, limit: int) -> TextRuleError:
    return TextRuleError(
        f"The {what} is {length:,} characters long; at most {limit:,} are allowed. "
        "Shorten it and try again."
    )


def line(value: str, what: str, *, required: bool = False) -> str:
    """A cleaned line, or TextRuleError if it is empty (when ``required``) or too long.
    ``what`` names the field in the sentence ("organisation name")."""
    cleaned = clean_line(value)
    if required and not cleaned:
        raise TextRuleError(f"The {what} cannot be empty.")
    if len(cleaned) > LINE_MAX:
        raise _too_long(what, len(cleaned), LINE_MAX)
    return cleaned


def text(value: str, what: str, *, required: bool = False) -> str:
    """A cleaned text, or TextRuleError if it is empty (when ``required``) or too long."""
    cleaned = clean_text(value)
    if required and not cleaned.strip():
        raise TextRuleError(f"The {what} cannot be empty.")
    if len(cleaned) > TEXT_MAX:
        raise _too_long(what, len(cleaned), TEXT_MAX)
    return cleaned


def problem(value: str, *, multiline: bool) -> str | None:
    """Why a stored value could not be written again under these rules, or None.

    Used on the way out (export) to name a record stored before the rules held."""
    cleaned = clean_text(value) if multiline else clean_line(value)
    limit = TEXT_MAX if multiline else LINE_MAX
    if len(cleaned) > limit:
        return f"is {len(cleaned):,} characters long; at most {limit:,} are allowed"
    return None
