"""User text in the PDF reports prints as typed: every language people in England write in
(shipped, embedded TrueType fonts), right-to-left words in reading order, markup-looking
text literally, and very long words wrapped. Each test builds a real PDF and reads it back
with pypdf."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageTemplate,
    Paragraph,
    SimpleDocTemplate,
    Table,
)

from ics_assess.reports import text

WELSH = "Gwŷr a gwragedd Ŵyn"
POLISH = "Łódź Wójcik"
QUOTES = "“double” and ‘single’ – en dash"
CHINESE = "综合护理系统"
URDU = "صحت اور سماجی نگہداشت"
HOSTILE = '<b>bold</b> & <img src="/etc/passwd"> <a href="javascript:alert(1)">x</a>'
# Urdu for "one" to "ten": words whose order can be checked line by line.
COUNTING = ["ایک", "دو", "تین", "چار", "پانچ", "چھ", "سات", "آٹھ", "نو", "دس"]


def body_style(**kw):
    return text.style("test-body", fontSize=11, leading=16, **kw)


def build(path: Path, flowables, column_width: float | None = None) -> Path:
    """A real PDF of ``flowables`` (in a column ``column_width`` wide if given)."""
    if column_width is None:
        SimpleDocTemplate(str(path)).build(list(flowables))
        return path
    doc = BaseDocTemplate(str(path))
    frame = Frame(doc.leftMargin, doc.bottomMargin, column_width, doc.height)
    doc.addPageTemplates([PageTemplate(frames=[frame])])
    doc.build(list(flowables))
    return path


def extracted(path: Path) -> str:
    """The PDF's text as pypdf reads it, NFKC-normalised: shaped Arabic comes back in
    presentation forms (ﺻ for ص and so on), which NFKC folds to the letters typed.
    pypdf also puts right-to-left runs back into logical order, so an Urdu line comes
    back as typed only when it was drawn right to left."""
    pages = PdfReader(str(path)).pages
    return unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in pages))


def squeeze(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


def pdf_fonts(path: Path) -> dict[str, object]:
    fonts = {}
    for page in PdfReader(str(path)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    return fonts


# ------------------------------------------------------------------------------------
# Fonts


def test_every_shipped_font_is_truetype_with_a_licence():
    folder = text.fonts_dir()
    files = list(text._FACES.values()) + [f.filename for f in text._FALLBACKS]
    licences = " ".join(p.read_text(encoding="utf-8") for p in folder.glob("LICENSE-*.txt"))
    for name in files:
        path = folder / name
        assert path.read_bytes()[:4] == b"\x00\x01\x00\x00", f"{name} is not glyf TrueType"
        TTFont("probe-" + name, str(path))  # loads, embeddable
        assert name in licences or name.startswith("DejaVu"), f"no licence names {name}"
    total = sum((folder / n).stat().st_size for n in files)
    assert total < 12_000_000, "the fonts should stay a few MB"


# A word in each fallback font's script, by the font's name.
SCRIPT_SAMPLES = {
    "ReportArabic": URDU,
    "ReportKorean": "한국어",
    "ReportCJK": CHINESE,
    "ReportBengali": "বাংলা",
    "ReportDevanagari": "हिन्दी",
    "ReportGujarati": "ગુજરાતી",
    "ReportGurmukhi": "ਪੰਜਾਬੀ",
    "ReportTamil": "தமிழ்",
    "ReportMalayalam": "മലയാളം",
    "ReportEthiopic": "አማርኛ",
}


def test_register_fonts_is_idempotent_and_keeps_the_contract_names():
    text.register_fonts()
    text.register_fonts()
    from reportlab.pdfbase import pdfmetrics

    for name in (text.BODY, text.BOLD, text.ITALIC, text.BOLD_ITALIC):
        assert pdfmetrics.getFont(name).face.charToGlyph
    assert set(SCRIPT_SAMPLES) == {fallback.name for fallback in text._FALLBACKS}
    for name, sample in SCRIPT_SAMPLES.items():
        # a fallback is registered the first time a character needs it
        assert f'<font face="{name}">' in text.markup(sample)
        assert pdfmetrics.getFont(name).face.charToGlyph


FONTS_OF_A_REPORT = """
import json, sys
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import SimpleDocTemplate
from ics_assess.reports import text

words = sys.argv[2]
style = text.style("body", fontSize=11, leading=16)
SimpleDocTemplate(sys.argv[1]).build([text.paragraph(words, style) for _ in range(50)])
print(json.dumps(sorted(pdfmetrics.getRegisteredFontNames())))
"""


def fonts_registered_by_a_report(tmp_path: Path, words: str) -> set[str]:
    """The fonts a fresh process registers to print ``words`` (fonts stay registered for
    the life of a process, so this one cannot tell)."""
    result = subprocess.run(
        [sys.executable, "-c", FONTS_OF_A_REPORT, str(tmp_path / "out.pdf"), words],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(result.stdout))


def test_a_report_in_english_reads_no_fallback_font(tmp_path):
    # Reading all fourteen fonts took 0.6 s of every report (issue 12).
    english = f"{QUOTES}: the ICB board — 5 of 12 members (42%) £1,200 café naïve {WELSH}"
    registered = fonts_registered_by_a_report(tmp_path, english)
    assert text.BODY in registered
    assert not registered & {fallback.name for fallback in text._FALLBACKS}
    # ...and one Urdu comment reads the Arabic-script font, and only that one
    registered = fonts_registered_by_a_report(tmp_path, f"{english} {URDU}")
    assert registered & {fallback.name for fallback in text._FALLBACKS} == {"ReportArabic"}


def test_shaping_is_available_and_on_in_the_style():
    # uharfbuzz is a dependency: without it Urdu letters would not join
    from reportlab.pdfbase import pdfmetrics

    text.register_fonts()
    assert pdfmetrics.getFont(text.BODY).shapable
    text.markup(URDU)  # registers the Arabic-script fallback
    assert pdfmetrics.getFont("ReportArabic").shapable
    s = text.style("x", fontSize=9)
    assert s.shaping == 1
    assert s.fontName == text.BODY
    # and the default for styles made after register_fonts(), in case one forgets
    from reportlab.lib.styles import ParagraphStyle

    assert ParagraphStyle("plain", fontName=text.BODY).shaping == 1


def test_remote_fetching_is_off():
    text.register_fonts()
    assert not rl_config.trustedHosts
    assert not rl_config.trustedSchemes


# ------------------------------------------------------------------------------------
# Every language prints as typed


@pytest.mark.parametrize(
    "typed",
    [
        WELSH,
        POLISH,
        QUOTES,
        CHINESE,
        "使用NHS系统 2024年",  # Chinese and Latin in one word: two fonts
        "한국어 보고서",
        "日本語のテキスト",
        "Ελληνικά Русский עברית",
        "বাংলা ভাষা",
        "ਪੰਜਾਬੀ",
        "ትግርኛ",
    ],
)
def test_text_prints_as_typed(tmp_path, typed):
    style = body_style()
    pdf = build(
        tmp_path / "t.pdf",
        [
            Paragraph(text.markup(typed), style),
            Paragraph("<b>" + text.markup(typed) + "</b>", style),
            Paragraph("<i>" + text.markup(typed) + "</i>", style),
        ],
    )
    got = squeeze(extracted(pdf))
    assert got.count(squeeze(typed)) == 3
    assert text.unsupported(typed) == set()


def test_indic_scripts_are_shaped_and_print(tmp_path):
    # Vowel signs that go before their consonant (ि) and conjuncts (न्द) are placed by
    # HarfBuzz; pypdf may read some shaped glyphs back as private-use code points, so
    # check that the build works and the fonts are in the file.
    pdf = build(
        tmp_path / "t.pdf", [Paragraph(text.markup("हिन्दी ગુજરાતી தமிழ் മലയാളം"), body_style())]
    )
    names = " ".join(pdf_fonts(pdf))
    for font in ("Devanagari", "Gujarati", "Tamil", "Malayalam"):
        assert f"NotoSans{font}" in names


def test_fonts_are_embedded(tmp_path):
    typed = f"{WELSH} {CHINESE} {URDU} 한국어 বাংলা"
    pdf = build(tmp_path / "t.pdf", [Paragraph(text.markup(typed), body_style())])
    fonts = pdf_fonts(pdf)
    used = [name for name in fonts if name != "/Helvetica"]  # reportlab's unused default
    assert {n.split("+")[-1] for n in used} >= {
        "DejaVuSans",
        "DroidSansFallback",
        "NotoNaskhArabic-Regular",
        "NanumSquareR",
        "NotoSansBengali-Regular",
    }
    for name in used:
        assert "/FontFile2" in fonts[name]["/FontDescriptor"], f"{name} is not embedded"


# ------------------------------------------------------------------------------------
# Urdu: joined letters, right to left


def test_urdu_line_is_joined_and_right_to_left(tmp_path):
    pdf = build(tmp_path / "t.pdf", [Paragraph(text.markup(URDU), body_style())])
    raw = PdfReader(str(pdf)).pages[0].extract_text()
    # joined: the letters were drawn in their initial, medial and final forms
    assert any(0xFB50 <= ord(c) <= 0xFEFF for c in raw)
    # pypdf reads right-to-left text back to logical order: only a line drawn right to
    # left comes back as typed (drawn left to right, its words would come back reversed)
    assert URDU in squeeze(extracted(pdf))


def test_english_and_urdu_in_one_paragraph(tmp_path):
    typed = f"The phrase {URDU} means health and social care."
    pdf = build(tmp_path / "t.pdf", [Paragraph(text.markup(typed), body_style())])
    assert typed in squeeze(extracted(pdf))


def test_markup_puts_words_in_display_order():
    # Left to right as drawn; letters inside a word stay as typed (HarfBuzz reverses them).
    assert text._visual_words(["The", "ایک", "دو", "end"]) == ["The", "دو", "ایک", "end"]
    assert text._visual_words(["ایک", "NHS", "trust", "دو"]) == ["دو", "NHS", "trust", "ایک"]
    # a number after Urdu words belongs to them; brackets standing alone turn round
    assert text._visual_words(["ایک", "25", "دو"]) == ["دو", "25", "ایک"]
    assert text._visual_words(["ایک", "NHS", "25", "دو"]) == ["دو", "NHS", "25", "ایک"]
    assert text._visual_words(["In", "ایک", "25", "NHS"]) == ["In", "25", "ایک", "NHS"]
    assert text._visual_words(["ایک", "(", "دو", ")"]) == ["(", "دو", ")", "ایک"]
    assert text._visual_words(["no", "rtl", "here"]) == ["no", "rtl", "here"]


def test_long_urdu_comment_wraps_in_reading_order(tmp_path):
    words = COUNTING * 6
    typed = " ".join(words)
    para = text.paragraph(typed, body_style())
    pdf = build(tmp_path / "t.pdf", [Table([[para]], colWidths=[55 * mm])])
    lines = [squeeze(line) for line in extracted(pdf).splitlines() if line.strip()]
    assert len(lines) > 3
    # every line reads right to left, and the lines top to bottom give the words in order
    assert " ".join(lines) == typed


def test_long_urdu_comment_splits_over_pages_in_reading_order(tmp_path):
    words = COUNTING * 120
    typed = " ".join(words)
    pdf = build(tmp_path / "t.pdf", [text.paragraph(typed, body_style())], column_width=50 * mm)
    assert len(PdfReader(str(pdf)).pages) > 1
    lines = [squeeze(line) for line in extracted(pdf).splitlines() if line.strip()]
    assert " ".join(lines) == typed


def test_paragraph_of_left_to_right_text_is_a_plain_paragraph():
    p = text.paragraph(f"{WELSH}\n{CHINESE}", body_style())
    assert type(p) is Paragraph
    assert p.text == text.markup(f"{WELSH}\n{CHINESE}")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_urdu_words_are_placed_right_to_left(tmp_path):
    """Independent of pypdf: the x positions poppler reports for each word."""
    typed = " ".join(COUNTING)
    pdf = build(tmp_path / "t.pdf", [Paragraph(text.markup(typed), body_style())])
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    placed = re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]*)</word>', out)
    # each word's glyphs are in visual order: reversing the NFKC letters gives the word
    by_x = sorted((float(x), unicodedata.normalize("NFKC", w)[::-1]) for x, w in placed)
    assert [w for _, w in reversed(by_x)] == COUNTING


# ------------------------------------------------------------------------------------
# Markup-looking text


def test_markup_looking_text_prints_literally_and_adds_nothing(tmp_path):
    typed = f"{HOSTILE}\n&amp; &#x41; <br/> </para> <font size=40>big</font>"
    pdf = build(tmp_path / "t.pdf", [Paragraph(text.markup(typed), body_style())])
    got = squeeze(extracted(pdf))
    assert squeeze(HOSTILE) in got
    assert "&amp; &#x41; <br/> </para> <font size=40>big</font>" in got
    reader = PdfReader(str(pdf))
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            assert annot.get_object().get("/Subtype") != "/Link"
        xobjects = page["/Resources"].get("/XObject") or {}
        assert not [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]


def test_markup_escapes_and_keeps_newlines():
    assert text.markup("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert text.markup("one\r\ntwo\rthree\nfour") == "one<br/>two<br/>three<br/>four"
    # control characters go, tabs are spaces, bidi overrides cannot reorder the text
    assert text.markup("a\x00b\x07c\td\u202ee") == "abc de"


def test_markup_switches_font_only_where_needed():
    assert text.markup(WELSH) == WELSH
    assert text.markup(URDU) == f'<font face="ReportArabic">{URDU_VISUAL}</font>'
    assert text.markup(CHINESE) == f'<font face="ReportCJK">{CHINESE}</font>'


URDU_VISUAL = " ".join(reversed(URDU.split()))


# ------------------------------------------------------------------------------------
# Characters no font has


@pytest.mark.parametrize("missing", ["🦄", "\uf8ff", "\U000f0000"])
def test_unsupported_names_what_no_font_has_and_nothing_crashes(tmp_path, missing):
    typed = f"Great {missing} work {URDU}{missing} {CHINESE}{missing}"
    assert text.unsupported(typed) == {missing}
    style = body_style()
    build(tmp_path / "t.pdf", [Paragraph(text.markup(typed), style), text.paragraph(typed, style)])


def test_unsupported_ignores_spaces_and_controls():
    assert text.unsupported(f"{WELSH}\n\t\u00a0\u200b\u200d{QUOTES} {URDU} {CHINESE}") == set()


# ------------------------------------------------------------------------------------
# Very long text


@pytest.mark.parametrize(
    "typed",
    [
        "x" * 20_000,
        "https://example.org/" + "a1b2c3d4e5" * 48,
        ("A comment that goes on. " * 900)[:20_000],
        (URDU + " ") * 800,
        CHINESE * 3_000,
    ],
    ids=["x20000", "url500", "words20000", "urdu", "chinese"],
)
def test_long_text_wraps_in_a_narrow_column(tmp_path, typed):
    style = body_style()
    pdf = build(
        tmp_path / "t.pdf",
        [Paragraph(text.markup(typed), style), text.paragraph(typed, style)],
        column_width=40 * mm,
    )
    got = re.sub(r"\s+", "", extracted(pdf))
    assert got.count(re.sub(r"\s+", "", typed)[:200]) >= 1
    if typed.isascii():
        assert got == re.sub(r"\s+", "", typed) * 2  # nothing lost or cut off


def test_mixed_font_words_do_not_break_shaping(tmp_path):
    # reportlab 5.1 shapes a whole word with its first font: "(صحت)" and "2024年" mix
    # fonts inside one word and used to fail on save or print wrong glyphs
    typed = "(صحت) 2024年 使用NHS系统 “引号”"
    style = body_style()
    pdf = build(
        tmp_path / "t.pdf",
        [
            Paragraph(text.markup(typed), style),
            Paragraph("<b>3</b>/5 (" + text.markup(URDU) + ")", style),
        ],
    )
    got = squeeze(extracted(pdf))
    assert "2024年 使用NHS系统 “引号”" in got
