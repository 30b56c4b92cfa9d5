"""User text into reportlab: fonts that show every language people in England write in,
and markup that prints exactly what was typed.

Contract (the report modules rely on it):

- ``register_fonts()`` registers the body font family (idempotent) under ``BODY``,
  ``BOLD``, ``ITALIC`` and ``BOLD_ITALIC``, so that ``<b>`` and ``<i>`` in report
  templates pick the right faces.
- ``markup(text)`` turns any user or questionnaire text into safe Paragraph markup:
  every ``<``, ``>`` and ``&`` escaped (so ``<img src=...>`` or ``<a href=...>`` print
  literally and load or link nothing), newlines as ``<br/>``.
- ``unsupported(text)`` is the set of characters no shipped font can show, for the
  report to say so instead of printing black boxes silently.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .. import paths

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
_registered = False


def fonts_dir():
    """Where the shipped fonts and their licences are."""
    return paths.resources_dir() / "fonts"


def register_fonts() -> None:
    """Register the body font family once per process."""
    global _registered
    if _registered:
        return
    for name, filename in _FACES.items():
        pdfmetrics.registerFont(TTFont(name, str(fonts_dir() / filename)))
    pdfmetrics.registerFontFamily(
        BODY, normal=BODY, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC
    )
    _registered = True


def markup(text: str) -> str:
    """Safe Paragraph markup for user text: escaped, newlines kept."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br/>".join(escape(line) for line in lines)


def unsupported(text: str) -> set[str]:
    """Characters of ``text`` that no shipped font can show."""
    register_fonts()
    face = pdfmetrics.getFont(BODY).face
    return {c for c in text if c.isprintable() and ord(c) not in face.charToGlyph}
