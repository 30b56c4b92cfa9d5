"""The appendix: docs/scoring.md, the plain-words account of the scoring method, set as
report paragraphs, so that the report explains its numbers in the same words as the
documentation and the two never drift apart.

Only the little Markdown that page uses is understood: ``#``/``##`` headings, paragraphs,
``**bold**``, ``-`` and ``1.`` lists, and ``|`` tables. Everything else prints as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    Spacer,
    TableStyle,
)

from .. import paths
from .document import FRAME_WIDTH, RULE, SHADE, ReportTable, bookmarked, styles
from .parts import HEAD_ROW, PAD
from .text import markup
from .where import COMPARISON_REPORT, METHOD_GUIDE

LAST_RULE_FOR_ONE_ASSESSMENT = 8
"""Rules after this one combine several respondents; a report of one organisation's own
responses does not use them."""

_RULE_HEADING = re.compile(r"^Rule (\d+)\b")
_NUMBERED = re.compile(r"^(\d+)\.\s+(.*)$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def scoring_doc_path() -> Path:
    """Where the scoring method's plain-words page is."""
    return paths.scoring_method_doc()


@dataclass
class _Block:
    kind: str  # "h1", "h2", "p", "ul", "ol", "table"
    lines: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)


def parse_markdown(source: str) -> list[_Block]:
    """Blocks of the small Markdown subset the scoring page is written in."""
    blocks: list[_Block] = []
    current: _Block | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            blocks.append(current)
        current = None

    for raw in source.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            close()
            continue
        if line.startswith(("# ", "## ")):
            close()
            kind = "h1" if line.startswith("# ") else "h2"
            blocks.append(_Block(kind, [line.lstrip("#").strip()]))
            continue
        if stripped.startswith("|"):
            if current is None or current.kind != "table":
                close()
                current = _Block("table")
            current.lines.append(stripped)
            continue
        bullet = line.startswith("- ")
        numbered = _NUMBERED.match(line)
        # A numbered line only starts a list at the start of a block or inside a list; in
        # the middle of a paragraph it is wrapped text ("... multiply by\n100. A score").
        if bullet or (numbered and (current is None or current.kind == "ol")):
            kind = "ul" if bullet else "ol"
            if current is None or current.kind != kind:
                close()
                current = _Block(kind)
            current.items.append(line[2:].strip() if bullet else numbered.group(2))  # type: ignore[union-attr]
            continue
        if current is not None and current.kind in ("ul", "ol") and raw.startswith(" "):
            current.items[-1] += " " + stripped
            continue
        if current is None or current.kind != "p":
            close()
            current = _Block("p")
        current.lines.append(stripped)
    close()
    return blocks


def inline(text: str) -> str:
    """Safe markup for one run of Markdown text: escaped first, then ``**bold**``."""
    return _BOLD.sub(r"<b>\1</b>", markup(text))


def _table(lines: list[str]) -> ReportTable:
    s = styles()
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(set(c) <= set("-: ") for c in cells):
            continue  # the |---|---| line under the header
        rows.append(cells)
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    first = 48 * mm if width > 2 else 40 * mm
    rest = (min(FRAME_WIDTH, 150 * mm) - first) / max(1, width - 1)
    data = [
        [Paragraph(inline(c), s.cell_head if i == 0 else s.cell) for c in row]
        for i, row in enumerate(rows)
    ]
    table = ReportTable(data, colWidths=[first] + [rest] * (width - 1), repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                *PAD,
                *HEAD_ROW,
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
            ]
        )
    )
    return table


def _flowables(blocks: list[_Block]) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = []
    for block in blocks:
        if block.kind == "h2":
            out.append(Paragraph(f"<b>{inline(block.lines[0])}</b>", s.h2))
        elif block.kind == "p":
            text = " ".join(block.lines)
            out.append(Paragraph(inline(text), s.body))
        elif block.kind in ("ul", "ol"):
            items = [ListItem(Paragraph(inline(t), s.body), leftIndent=14) for t in block.items]
            out.append(
                ListFlowable(
                    items,
                    bulletType="bullet" if block.kind == "ul" else "1",
                    start="•" if block.kind == "ul" else None,
                    leftIndent=14,
                    bulletFontName=s.body.fontName,
                    bulletFontSize=9,
                    spaceAfter=4,
                )
            )
        elif block.kind == "table":
            out.append(KeepTogether([_table(block.lines), Spacer(1, 6)]))
        elif block.kind == "note":
            out.append(
                Paragraph(
                    f"<i>The full method goes on, from rule {LAST_RULE_FOR_ONE_ASSESSMENT + 1}, "
                    "to combine the answers of several respondents and organisations (system "
                    "scores, spread, agreement, the NHS and local government gap, anonymity). "
                    "This report does not combine respondents, so it does not use those "
                    f"rules; they are set out in full in the appendix of "
                    f"{markup(COMPARISON_REPORT.words)}, and in ICS Assess under "
                    f"{markup(METHOD_GUIDE.way)}.</i>",
                    s.body_muted,
                )
            )
    return out


def _for_one_organisation(blocks: list[_Block]) -> list[_Block]:
    """The blocks without the rules that combine respondents, with a note where they were."""
    kept: list[_Block] = []
    skipping = noted = False
    for block in blocks:
        if block.kind == "h2":
            match = _RULE_HEADING.match(block.lines[0])
            skipping = bool(match and int(match.group(1)) > LAST_RULE_FOR_ONE_ASSESSMENT)
            if skipping and not noted:
                kept.append(_Block("note"))
                noted = True
        if not skipping:
            kept.append(block)
    return kept


def scoring_appendix(*, key: str = "appendix") -> list[Flowable]:
    """The appendix flowables: how the scores in this report were calculated."""
    s = styles()
    flow: list[Flowable] = [
        bookmarked(
            Paragraph("<b>Appendix: how the scores are calculated</b>", s.h1),
            "Appendix: how the scores are calculated",
            key,
        )
    ]
    path = scoring_doc_path()
    try:
        source = path.read_text(encoding="utf-8")
    except OSError:
        flow.append(
            Paragraph(
                "The plain-words account of the scoring method was not found with this "
                "copy of ICS Assess. In short: each statement is rated 1 to 5 "
                "(reverse statements count as 6 minus the rating); a section's score is the "
                "weighted average of its rated statements, given only when they carry at "
                "least half of its weight; the overall score is the plain average of the "
                "scored sections; percent is (score − 1) ÷ 4 × 100, and the band follows from "
                "the percent.",
                s.body,
            )
        )
        return flow
    blocks = [b for b in parse_markdown(source) if b.kind != "h1"]
    if blocks and blocks[0].kind == "p":
        first = blocks[0].lines
        first[0] = first[0].replace("This page explains", "This appendix explains", 1)
    flow += _flowables(_for_one_organisation(blocks))
    return flow
