"""User text into reportlab: fonts that show every language people in England write in,
and markup that prints exactly what was typed.

Contract (the report modules rely on it):

- ``register_fonts()`` registers the body font family (idempotent) under ``BODY``,
  ``BOLD``, ``ITALIC`` and ``BOLD_ITALIC``, so that ``<b>`` and ``<i>`` in report
  templates pick the right faces (the last three are read from their files the first
  time one is used), and turns remote fetching off; and has a Paragraph
  laid out again at the same width keep the lines it broke (``_install_wrap_memo``).
  The fallback fonts that ``markup`` switches to (Arabic script, Chinese and Japanese,
  Korean, Bengali, Devanagari, Gujarati, Gurmukhi, Tamil, Malayalam, Ethiopic) are
  registered one at a time, the first time a character needs one: a report in English
  reads none of them (they take most of a second to read, the Chinese one alone a
  quarter of that).
- ``markup(text)`` turns any user or questionnaire text into safe Paragraph markup:
  every ``<``, ``>`` and ``&`` escaped (so ``<img src=...>`` or ``<a href=...>`` print
  literally and load or link nothing), newlines as ``<br/>``, runs of characters the
  body font lacks wrapped in ``<font face=...>`` of a fallback font that has them, and
  right-to-left words (Urdu, Arabic, Persian, Hebrew) in display order.
- ``unsupported(text)`` is the set of characters no shipped font can show, for the
  report to say so instead of printing black boxes silently.
- ``style(name, **kw)`` is a ParagraphStyle for user text; ``paragraph(text, style)`` is
  ``Paragraph(markup(text), style)`` that also keeps long right-to-left text in reading
  order when it wraps (see below). Prefer it for every comment, name or answer.

What a Paragraph style must have for this to work: ``fontName=BODY`` (or another face of
the family) and ``shaping=1``, as ``style()`` sets and as ``register_fonts()`` makes the
default for ParagraphStyles created after it (say it anyway). Shaping runs HarfBuzz (the
``uharfbuzz`` package, through reportlab) over words in scripts that need it: Arabic
letters join and come out right to left, Indic vowel signs and conjuncts are placed.
Without it Urdu prints as separate letters in the wrong order. Text drawn straight on the
canvas (``drawString``) gets neither fallback fonts nor shaping: user text goes through a
Paragraph. Fallback runs print in their one regular face: reportlab's ``<font face>``
resets bold and italic, so ``<b>`` around markup() bolds only the Latin, Greek and
Cyrillic parts.

Right-to-left text: reportlab's own bidi support needs ``rlbidi``, which is not on PyPI,
and reportlab 5.1 switches it off for multi-font paragraphs anyway. So ``markup`` orders
*words* itself, with a word-level version of the Unicode bidi algorithm (the paragraph's
direction from its first strong letter; neutral words between two words of one direction
take it; a number goes with the word before it; lone brackets turn round), and
HarfBuzz reverses and joins the letters inside each right-to-left word. That is right for
every line of any mix of English and Urdu that fits on one line. A right-to-left run that
reportlab itself wraps would be read in the wrong line order, because markup() orders the
words before reportlab breaks the lines: ``paragraph()`` breaks such text into lines
itself at the width it is laid out at, then orders each line, and right-aligns text that
starts right to left. Letters never join across a font change, and a word mixing
right-to-left and left-to-right letters with no space between keeps its left-to-right
order.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from html import escape as _html_escape
from typing import Any

from reportlab import rl_config
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph
from reportlab.platypus import paragraph as rl_paragraph

from .. import paths

# Escapes &, < and > exactly as xml.sax.saxutils.escape does, without importing what that
# module brings (urllib.request, http.client, email, ssl: 30 ms of every report, issue 12).
escape = partial(_html_escape, quote=False)

BODY = "ReportSans"
BOLD = "ReportSans-Bold"
ITALIC = "ReportSans-Italic"
BOLD_ITALIC = "ReportSans-BoldItalic"

_FACES = {
    BODY: "DejaVuSans.ttf",
    BOLD: "DejaVuSans-Bold.ttf",
    ITALIC: "DejaVuSans-Oblique.ttf",
    BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}

_ARABIC = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_HANGUL = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))
_CJK = ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF))


@dataclass(frozen=True)
class _Fallback:
    """A font for characters the body font lacks. ``prefer``: code point ranges where it
    wins even over the body font (DejaVu Sans has most Arabic letters but not Urdu's ہ
    and ے, and letters only join within one font).

    Fallbacks have one face: reportlab's ``<font face>`` resets bold and italic, so a
    template's ``<b>`` does not reach the runs markup() puts in a fallback font anyway."""

    name: str
    filename: str
    prefer: tuple[tuple[int, int], ...] = ()


# Tried in this order. All are TrueType-outline (glyf) fonts, which reportlab embeds as
# subsets; see resources/fonts/LICENSE-*.txt for where each comes from.
_FALLBACKS = (
    _Fallback("ReportArabic", "NotoNaskhArabic-Regular.ttf", _ARABIC),
    _Fallback("ReportKorean", "NanumSquareR.ttf", _HANGUL),
    _Fallback("ReportCJK", "DroidSansFallbackFull.ttf", _CJK),
    _Fallback("ReportBengali", "NotoSansBengali-Regular.ttf", ((0x0980, 0x09FF),)),
    _Fallback("ReportDevanagari", "NotoSansDevanagari-Regular.ttf", ((0x0900, 0x097F),)),
    _Fallback("ReportGujarati", "NotoSansGujarati-Regular.ttf", ((0x0A80, 0x0AFF),)),
    _Fallback("ReportGurmukhi", "NotoSansGurmukhi-Regular.ttf", ((0x0A00, 0x0A7F),)),
    _Fallback("ReportTamil", "NotoSansTamil-Regular.ttf", ((0x0B80, 0x0BFF),)),
    _Fallback("ReportMalayalam", "NotoSansMalayalam-Regular.ttf", ((0x0D00, 0x0D7F),)),
    _Fallback("ReportEthiopic", "NotoSansEthiopic-Regular.ttf", ((0x1200, 0x139F),)),
)

_BY_NAME = {fallback.name: fallback for fallback in _FALLBACKS}
# Code point ranges where a fallback wins over the body font (see _Fallback.prefer).
_PREFERRED = tuple(span for fallback in _FALLBACKS for span in fallback.prefer)

_lock = threading.Lock()
_registered = False
# Code points each registered font maps, copied at registration: reportlab's shaping adds
# private-use code points to a font's own table as it meets unmapped glyphs. A fallback
# is in here once it is registered (see _fallback_coverage).
_coverage: dict[str, frozenset[int]] = {}


def fonts_dir():
    """Where the shipped fonts and their licences are."""
    return paths.resources_dir() / "fonts"


def register_fonts() -> None:
    """Register the body font family once per process; turn on shaping (by default, and
    the per-font fix); make sure reportlab fetches nothing from the network. The fallback
    fonts are registered when a character first needs one (_fallback_coverage)."""
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        _register(BODY, fonts_dir() / _FACES[BODY])
        # Bold, italic and bold italic are read the first time reportlab asks for one:
        # each takes as long to read as a page takes to lay out, and many reports never
        # set a word in bold italic (issue 12).
        _install_face_loader()
        pdfmetrics.registerFontFamily(
            BODY, normal=BODY, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC
        )
        # No remote fetching, whatever the environment says (RL_trustedHosts): no host is
        # trusted and no URL scheme either. markup() escapes <img> and <a> anyway.
        rl_config.trustedHosts = None
        rl_config.trustedSchemes = []
        # Compressed streams stay binary rather than also ASCII85-encoded (reportlab's
        # default, from when PDFs went by 7-bit mail): 8 ms less per report and a file
        # 5% smaller, read alike by every viewer (issue 12).
        rl_config.useA85 = 0
        _install_shaping_fix()
        _install_wrap_memo()
        # Shaping on by default for every ParagraphStyle made from now on: markup() puts
        # right-to-left words in display order counting on HarfBuzz to reverse and join
        # their letters, so a style that forgot shaping=1 would print Urdu scrambled.
        # (Styles made before this call, and styles that set shaping=0, are not changed.)
        ParagraphStyle.defaults["shaping"] = 1
        _registered = True


def _register(name: str, path) -> None:
    font = TTFont(name, str(path))
    pdfmetrics.registerFont(font)
    _coverage[name] = frozenset(font.face.charToGlyph)


def _install_face_loader() -> None:
    """Have ``pdfmetrics.getFont`` register a face of the body family (``_FACES``) the
    first time it is asked for it, as it does reportlab's own standard fonts; any other
    name is looked for as reportlab looks for it."""
    find = pdfmetrics.findFontAndRegister
    if getattr(find, "_report_faces", False):
        return

    def find_font_and_register(font_name):
        filename = _FACES.get(font_name)
        if filename is None:
            return find(font_name)
        with _lock:
            if font_name not in pdfmetrics.getRegisteredFontNames():
                _register(font_name, fonts_dir() / filename)
        return pdfmetrics.getFont(font_name)

    find_font_and_register._report_faces = True  # type: ignore[attr-defined]
    pdfmetrics.findFontAndRegister = find_font_and_register


def _fallback_coverage(name: str) -> frozenset[int]:
    """The code points of fallback font ``name``, registering it (once per process) the
    first time it is asked about: only a character the body font lacks, or one in a
    range the fallback is preferred for, ever asks."""
    coverage = _coverage.get(name)
    if coverage is not None:
        return coverage
    with _lock:
        if name not in _coverage:
            _register(name, fonts_dir() / _BY_NAME[name].filename)
            # Its one face for every style (see _Fallback), so <b> around it resolves.
            pdfmetrics.registerFontFamily(
                name, normal=name, bold=name, italic=name, boldItalic=name
            )
        return _coverage[name]


def style(name: str, **kw: Any) -> ParagraphStyle:
    """A ParagraphStyle set up for user text: the body font and HarfBuzz shaping on."""
    register_fonts()
    kw.setdefault("fontName", BODY)
    kw.setdefault("shaping", 1)
    return ParagraphStyle(name, **kw)


# ---------------------------------------------------------------------------------------
# Which font shows which character


def _has(font: str, cp: int) -> bool:
    coverage = _coverage.get(font)
    return cp in (coverage if coverage is not None else _fallback_coverage(font))


@lru_cache(maxsize=8192)
def _font_for(ch: str) -> str | None:
    """The font that shows ``ch``: a fallback preferring its range, else the body font,
    else the first fallback that has it; None when no font has it."""
    cp = ord(ch)
    for fallback in _FALLBACKS:
        if any(lo <= cp <= hi for lo, hi in fallback.prefer) and _has(fallback.name, cp):
            return fallback.name
    if _has(BODY, cp):
        return BODY
    for fallback in _FALLBACKS:
        if _has(fallback.name, cp):
            return fallback.name
    return None


def _is_strong(ch: str) -> bool:
    """Letters (and digits of a script) decide a word's font; punctuation, symbols and
    spaces follow their neighbours so that a word stays in one font where it can."""
    return unicodedata.category(ch)[0] == "L"


def _fonts_of_word(word: str) -> list[str | None]:
    """The font of each character of a space-free word (None: no font has it)."""
    n = len(word)
    strong = [_is_strong(ch) for ch in word]
    fonts: list[str | None] = [_font_for(ch) if strong[i] else None for i, ch in enumerate(word)]
    if all(strong):
        return fonts
    # the fonts of the nearest letters before and after each character
    before: list[str | None] = [None] * n
    after: list[str | None] = [None] * n
    last: str | None = None
    for i in range(n):
        before[i] = last
        if strong[i]:
            last = fonts[i]
    last = None
    for i in range(n - 1, -1, -1):
        after[i] = last
        if strong[i]:
            last = fonts[i]
    for i, ch in enumerate(word):
        if strong[i]:
            continue
        cp = ord(ch)
        prev = fonts[i - 1] if i else None
        if prev and unicodedata.category(ch)[0] == "M" and _has(prev, cp):
            fonts[i] = prev  # a combining mark stays with its base letter's font
            continue
        fonts[i] = next((f for f in (before[i], after[i]) if f and _has(f, cp)), None) or _font_for(
            ch
        )
    return fonts


# ---------------------------------------------------------------------------------------
# Cleaning: what cannot be printed at all

_DROP = dict.fromkeys(
    # bidi embedding, override and isolate controls, and marks: markup() orders words
    # itself, and these would otherwise print as boxes or reorder what was typed
    [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069]
)


# Category Cc is exactly U+0000-U+001F and U+007F-U+009F; Cs is U+D800-U+DFFF.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> list[str]:
    """``text`` as lines: newlines of every kind split lines, tabs become spaces, control
    and bidi control characters go, lone surrogates become U+FFFD. (Regular expressions,
    not a loop over characters: a comment may be a megabyte long.)"""
    text = str(text).translate(_DROP)
    text = re.sub(r"\r\n?|[\u0085\u2028\u2029\x0b\x0c]", "\n", text)
    text = _CONTROL.sub("", text.replace("\t", " "))
    text = _SURROGATE.sub("\ufffd", text)
    return text.split("\n")


# ---------------------------------------------------------------------------------------
# Right-to-left words in display order

_MIRROR = str.maketrans("()[]{}<>«»‹›", ")(][}{><»«›‹")


def _bidi_class(word: str) -> str | None:
    """'L' or 'R' for a word's first strong character; 'N' for a number; None otherwise."""
    number = False
    for ch in word:
        b = unicodedata.bidirectional(ch)
        if b == "L":
            return "L"
        if b in ("R", "AL"):
            return "R"
        if b in ("EN", "AN"):
            number = True
    return "N" if number else None


# Every character of bidi class R or AL is in one of these ranges (checked against the
# whole of Unicode); text with none of them skips the check character by character.
_MAYBE_RTL = re.compile(
    "[\u0590-\u08ff\u200f\ufb1d-\ufdff\ufe70-\ufeff\U00010800-\U00010fff\U0001e800-\U0001efff]"
).search


def _has_rtl(text: str) -> bool:
    if not _MAYBE_RTL(text):
        return False
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def _visual_words(words: Sequence[str], base: str | None = None) -> list[str]:
    """Logical-order words of one line in display order, left to right (word-level bidi:
    rules P2-P3, W2, N1-N2, I1-I2 and L2 of the Unicode algorithm applied to words)."""
    classes = [_bidi_class(w) for w in words]
    if base is None:
        base = next((c for c in classes if c in ("L", "R")), "L")
    n = len(words)
    before: list[str] = []
    last = base
    for c in classes:
        before.append(last)
        if c in ("L", "R"):
            last = c
    after: list[str] = [base] * n
    last = base
    for i in range(n - 1, -1, -1):
        after[i] = last
        if classes[i] in ("L", "R"):
            last = classes[i]
    resolved = []
    for c, prev, nxt in zip(classes, before, after, strict=True):
        if c == "N":
            c = prev  # W2, W7: a number goes with the letters before it
        elif c not in ("L", "R"):
            c = prev if prev == nxt else base
        resolved.append(c)
    if base == "L":
        levels = [1 if c == "R" else 0 for c in resolved]
    else:
        levels = [2 if c == "L" else 1 for c in resolved]
    order = list(range(n))
    for level in range(max(levels, default=0), 0, -1):
        i = 0
        while i < n:
            if levels[order[i]] >= level:
                j = i
                while j < n and levels[order[j]] >= level:
                    j += 1
                order[i:j] = order[i:j][::-1]
                i = j
            else:
                i += 1
    out = []
    for k in order:
        word = words[k]
        if levels[k] % 2 and classes[k] is None:
            word = word.translate(_MIRROR)  # a lone bracket in right-to-left text turns
        out.append(word)
    return out


def _line_words(line: str) -> list[str]:
    return [w for w in line.split(" ") if w]


# ---------------------------------------------------------------------------------------
# Markup


def markup(text: str) -> str:
    """Safe Paragraph markup for user text: escaped, newlines kept, fallback fonts for
    characters the body font lacks, right-to-left words in display order."""
    register_fonts()
    return "<br/>".join(_line_markup(line) for line in _clean(text))


def _line_markup(line: str) -> str:
    words = _line_words(line)
    if _has_rtl(line):
        words = _visual_words(words)
    return _runs_markup(words)


@lru_cache(maxsize=1)
def _plain_chars() -> frozenset[str]:
    """Characters that always print in the body font as they are: the body font has them,
    they are in no range a fallback font is preferred for (those are decided character by
    character, reading the fallback only then), and they are no format characters.
    (The ranges are merged and searched by bisection: testing each of the body font's
    6,000 characters against every range took 10 ms of every report, issue 12.)"""
    merged: list[list[int]] = []
    for lo, hi in sorted(_PREFERRED):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    lows = [lo for lo, _ in merged]

    def preferred(cp: int) -> bool:
        i = bisect.bisect_right(lows, cp) - 1
        return i >= 0 and cp <= merged[i][1]

    return frozenset(
        ch
        for cp in _coverage[BODY]
        if not preferred(cp) and unicodedata.category(ch := chr(cp)) not in ("Cf", "Cs")
    )


def _runs_markup(words: Iterable[str]) -> str:
    """Words joined by spaces, each character in its font; runs in fallback fonts wrapped
    in <font face>. A space between two runs of one fallback font stays in that run."""
    words = list(words)
    line = " ".join(words)
    if set(line) <= _plain_chars():
        return escape(line)  # all in the body font: one run, as the loop below makes it
    chars: list[str] = []
    fonts: list[str | None] = []
    for word in words:
        if chars:
            chars.append(" ")
            fonts.append(None)
        chars.extend(word)
        fonts.extend(_fonts_of_word(word))
    out = []
    i = 0
    n = len(chars)
    while i < n:
        font = fonts[i] or BODY
        j = i + 1
        while j < n:
            f = fonts[j]
            if f is None and chars[j] == " ":
                # a space joins the run when the next letter carries on in the same font
                k = j
                while k < n and fonts[k] is None and chars[k] == " ":
                    k += 1
                if k < n and (fonts[k] or BODY) == font:
                    j = k
                    continue
                break
            if (f or BODY) != font:
                break
            j += 1
        run = "".join(
            ch
            for ch in chars[i:j]
            # an invisible format character (zero-width joiner, soft hyphen...) the font
            # lacks would print as a box: leave it out
            if not (unicodedata.category(ch) == "Cf" and not _has(font, ord(ch)))
        )
        body = escape(run)
        out.append(body if font == BODY else f'<font face="{font}">{body}</font>')
        i = j
    return "".join(out)


def unsupported(text: str) -> set[str]:
    """Characters of ``text`` that no shipped font can show (spaces, control and format
    characters, which print as nothing, are not counted)."""
    register_fonts()
    return {
        ch
        for ch in set(str(text))
        if unicodedata.category(ch) not in ("Zs", "Zl", "Zp", "Cc", "Cf", "Cs")
        and _font_for(ch) is None
    }


# ---------------------------------------------------------------------------------------
# Shaping per font


# Scripts whose letters change shape or place in context (combining marks, Hebrew, Arabic,
# Indic and South-East Asian scripts, zero-width (non-)joiners): words with none of these
# print the same unshaped, so they skip HarfBuzz.
_needs_shaping = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0590-\u08ff\u0900-\u0dff\u0e00-\u0fff"
    "\u1000-\u109f\u1780-\u17ff\u1ab0-\u1aff\u1dc0-\u1dff\u200c\u200d\u20d0-\u20ff"
    "\ua8e0-\ua8ff\ufb1d-\ufdff\ufe20-\ufe2f\ufe70-\ufeff]"
).search


def _install_shaping_fix() -> None:
    """reportlab 5.1 shapes a whole word with the HarfBuzz font of its first fragment and
    then reads the glyph ids against each fragment's own font: a word that mixes fonts
    ("2024年", "(صحت)", "<b>3</b>/5") prints wrong glyphs or fails with IndexError when
    the PDF is saved. Wrap its shaper so that each same-font run of a word is shaped on
    its own (letters cannot join across a font change, and need not)."""
    original = ttfonts.shapeFragWord
    if getattr(rl_paragraph.shapeFragWord, "_per_font", False):
        return
    if not ttfonts.uharfbuzz:
        return  # no shaping at all: nothing to fix

    def shape_per_font(word, *args, **kwargs):
        if isinstance(word, ttfonts.ShapedFragWord):
            return word
        if not _needs_shaping("".join(s for f, s in word[1:] if not hasattr(f, "cbDefn"))):
            return word  # as reportlab lays it out without shaping, and ten times faster
        runs: list[list] = []
        key = None
        for part in word[1:]:
            frag = part[0]
            k = None if hasattr(frag, "cbDefn") else (frag.fontName, frag.fontSize)
            if runs and (k is None or k == key):
                runs[-1].append(part)
            else:
                runs.append([part])
                key = k
        if len(runs) <= 1:
            return original(word, *args, **kwargs)
        parts: list = []
        width = 0.0
        changed = False
        for run in runs:
            run_width = sum(
                pdfmetrics.stringWidth(s, f.fontName, f.fontSize)
                for f, s in run
                if not hasattr(f, "cbDefn")
            )
            sub = [run_width, *run]
            shaped = original(sub, *args, **kwargs)
            changed = changed or shaped is not sub
            width += shaped[0]
            parts.extend(shaped[1:])
        if not changed:
            return word
        return ttfonts.makeShapedFragWord(word)([width, *parts])

    shape_per_font._per_font = True  # type: ignore[attr-defined]
    rl_paragraph.shapeFragWord = shape_per_font


# ---------------------------------------------------------------------------------------
# Laying a paragraph out again at the same width


def _install_wrap_memo() -> None:
    """Make a Paragraph laid out again at the width it was last laid out at keep the lines
    it broke then, instead of breaking them again: reportlab 5.1 wraps every table cell
    to measure its row and again to draw it, so an assessment report broke lines 1,000
    times where 420 do (a quarter of its layout; issue 12). Breaking lines depends only
    on the width and on the paragraph's text and style, none of which change once it is
    made; the lines are kept only while they are the very ones this width gave
    (``split``, ``ImageAndFlowables`` and _BidiParagraph drop or replace them, and they
    are then broken again), with the height that wrap returned for them."""
    wrap = rl_paragraph.Paragraph.wrap
    if getattr(wrap, "_memo", False):
        return

    def wrap_once(self, availWidth, availHeight):  # noqa: N803 (reportlab's names)
        lines = self.__dict__.get("blPara")
        memo = self.__dict__.get("_wrapped")
        if memo is not None and lines is not None and memo[0] == availWidth and lines is memo[1]:
            self.width, self.height = availWidth, memo[2]
            return availWidth, memo[2]
        width, height = wrap(self, availWidth, availHeight)
        broken = self.__dict__.get("blPara")
        # Kept only when this wrap broke the lines itself (not when it returned early).
        fresh = broken is not None and broken is not lines
        self._wrapped = (availWidth, broken, height) if fresh else None
        return width, height

    wrap_once._memo = True  # type: ignore[attr-defined]
    rl_paragraph.Paragraph.wrap = wrap_once


# ---------------------------------------------------------------------------------------
# Paragraphs of right-to-left text that wrap


def paragraph(text: str, para_style: ParagraphStyle) -> Paragraph:
    """A Paragraph of user text. Same as ``Paragraph(markup(text), para_style)``, except
    that a line with right-to-left words is broken into lines here, at the width the
    Paragraph is laid out at, and each line is then put in display order, so that a long
    Urdu comment reads top to bottom. Text whose first letter is right-to-left is set
    right-aligned when the style is left-aligned."""
    register_fonts()
    lines = _clean(text)
    if not any(_has_rtl(line) for line in lines):
        return Paragraph(markup(text), para_style)
    return _BidiParagraph(lines, para_style)


class _BidiParagraph(Paragraph):
    """Breaks its right-to-left lines itself when it learns its width (in ``wrap``); the
    rest is an ordinary Paragraph. The parts of a split (reportlab makes them with
    ``frags``) hold lines already in display order and wrap as ordinary Paragraphs."""

    _logical_lines: list[str] | None = None

    def __init__(self, lines, para_style=None, bulletText=None, frags=None, **kw):  # noqa: N803
        if frags is not None:
            super().__init__(lines, para_style, bulletText, frags, **kw)
            return
        self._logical_lines = lines
        self._laid_out_width: float | None = None
        first = next((line for line in lines if line.strip()), "")
        rtl_first = _visual_base(first) == "R"
        if rtl_first and para_style.alignment == TA_LEFT:
            para_style = ParagraphStyle(
                para_style.name + "-rtl", parent=para_style, alignment=TA_RIGHT
            )
        super().__init__("<br/>".join(_line_markup(line) for line in lines), para_style)

    def wrap(self, availWidth, availHeight):  # noqa: N803 (reportlab's names)
        width = availWidth - self.style.leftIndent - self.style.rightIndent
        if self._logical_lines is not None and self._laid_out_width != width:
            self._laid_out_width = width
            markup_text = self._display_markup(width)
            self._setup(markup_text, self.style, None, None, rl_paragraph.cleanBlockQuotedText)
        return super().wrap(availWidth, availHeight)

    def _setup(self, text, style, bulletText, frags, cleaner):  # noqa: N803
        # also drop the break-up cached by an earlier wrap at another width
        self.__dict__.pop("blPara", None)
        super()._setup(text, style, bulletText, frags, cleaner)

    def _display_markup(self, width: float) -> str:
        st = self.style
        out = []
        for line in self._logical_lines:
            words = _line_words(line)
            if not words or not _has_rtl(line):
                out.append(_runs_markup(words))
                continue
            base = _visual_base(line)
            first = width - st.firstLineIndent if not out else width
            for chunk in _break_words(words, first, width, st.fontName, st.fontSize):
                out.append(_runs_markup(_visual_words(chunk, base)))
        return "<br/>".join(out)


def _visual_base(line: str) -> str:
    return next((c for c in (_bidi_class(w) for w in _line_words(line)) if c in ("L", "R")), "L")


def _word_width(word: str, font_name: str, size: float) -> float:
    """The printed width of one word: its runs shaped as reportlab will shape them."""
    fonts = _fonts_of_word(word)
    width = 0.0
    i = 0
    while i < len(word):
        font = fonts[i] or BODY
        j = i + 1
        while j < len(word) and (fonts[j] or BODY) == font:
            j += 1
        run = word[i:j]
        name = font_name if font == BODY else font
        if ttfonts.uharfbuzz and _needs_shaping(run):
            shaped = ttfonts.shapeStr(run, name, size)
            data = getattr(shaped, "__shapeData__", None)
            if data:
                width += sum(d.x_advance for d in data) * size / 1000
            else:
                width += pdfmetrics.stringWidth(run, name, size)
        else:
            width += pdfmetrics.stringWidth(run, name, size)
        i = j
    return width


def _break_words(
    words: Sequence[str], first: float, width: float, font_name: str, size: float
) -> list[list[str]]:
    """Greedy line breaking of logical-order words (a little slack so that reportlab,
    measuring the same words, never breaks a line again)."""
    space = pdfmetrics.stringWidth(" ", font_name, size)
    lines: list[list[str]] = [[]]
    used = 0.0
    limit = first * 0.98
    for word in words:
        w = _word_width(word, font_name, size)
        if lines[-1] and used + space + w > limit:
            lines.append([])
            used = 0.0
            limit = width * 0.98
        used += (space if lines[-1] else 0.0) + w
        lines[-1].append(word)
    return lines
