"""The reports do no layout work twice (issue 12): a Paragraph laid out again at the width
it was last laid out at keeps the lines it broke then (reportlab wraps every table cell
to measure its row and again to draw it), and the bold, italic and bold italic faces are
read from their files only when a report sets a word in them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from reportlab.platypus import SimpleDocTemplate, Table
from reportlab.platypus.paragraph import Paragraph

from ics_assess.reports import text

WORDS = "The partnership board hears every partner's voice before it decides. " * 6


@pytest.fixture
def breaks(monkeypatch) -> list[list[float]]:
    """The widths of every line breaking a Paragraph does from now on."""
    text.register_fonts()
    seen: list[list[float]] = []
    original = Paragraph.breakLines

    def counted(self, widths):
        seen.append(list(widths))
        return original(self, widths)

    monkeypatch.setattr(Paragraph, "breakLines", counted)
    return seen


def body():
    return text.style("layout-body", fontSize=10, leading=14)


def test_a_paragraph_laid_out_again_at_the_same_width_breaks_its_lines_once(breaks):
    p = text.paragraph(WORDS, body())
    first = p.wrap(200, 800)
    assert p.wrap(200, 300) == first  # the height available does not matter
    assert len(breaks) == 1
    lines = len(p.blPara.lines)
    wider = p.wrap(400, 800)
    assert len(breaks) == 2 and wider[1] < first[1]
    assert p.wrap(200, 800) == first  # only the last width's lines are kept
    assert len(breaks) == 3 and len(p.blPara.lines) == lines


def test_lines_dropped_or_replaced_are_broken_again(breaks):
    p = text.paragraph(WORDS, body())
    size = p.wrap(200, 800)
    assert p.split(200, 5) == []  # not even one line fits: reportlab drops the lines
    assert p.wrap(200, 800) == size
    assert len(breaks) == 2
    p.blPara = p.breakLines([100])  # as reportlab's ImageAndFlowables sets them
    assert p.wrap(200, 800) == size
    assert len(breaks) == 4
    assert p.wrap(0, 800) == (0, 0x7FFFFFFF)  # no room at all: nothing is broken or kept
    assert p.wrap(0, 800) == (0, 0x7FFFFFFF)
    assert len(breaks) == 4


def test_each_table_cell_is_broken_once_for_its_width(breaks, tmp_path):
    cells = [
        [text.paragraph(f"{n} {WORDS}", body()), text.paragraph(WORDS, body())] for n in range(12)
    ]
    SimpleDocTemplate(str(tmp_path / "table.pdf")).build([Table(cells, colWidths=[200, 200])])
    assert len(breaks) == 24  # wrapped to measure the rows, and again to draw them


def test_right_to_left_paragraphs_still_lay_out_at_each_new_width(breaks):
    p = text.paragraph("صحت اور سماجی نگہداشت " * 12, body())
    narrow = p.wrap(120, 800)
    assert p.wrap(120, 800) == narrow
    wide = p.wrap(400, 800)
    assert wide[1] < narrow[1]
    assert p.wrap(120, 800) == narrow


FACES_OF_A_REPORT = """
import json, sys
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph, SimpleDocTemplate
from ics_assess.reports import text

style = text.style("body", fontSize=11, leading=16)
story = [Paragraph(sys.argv[2], style) for _ in range(3)]
SimpleDocTemplate(sys.argv[1]).build(story)
print(json.dumps(sorted(pdfmetrics.getRegisteredFontNames())))
"""


def faces_read(tmp_path: Path, markup: str) -> set[str]:
    """The faces of the body family a fresh process reads to print ``markup``."""
    result = subprocess.run(
        [sys.executable, "-c", FACES_OF_A_REPORT, str(tmp_path / "out.pdf"), markup],
        capture_output=True,
        text=True,
        check=True,
    )
    faces = {text.BODY, text.BOLD, text.ITALIC, text.BOLD_ITALIC}
    return set(json.loads(result.stdout)) & faces


def test_a_face_is_read_only_when_a_report_sets_a_word_in_it(tmp_path):
    assert faces_read(tmp_path, "plain words") == {text.BODY}
    assert faces_read(tmp_path, "plain and <b>bold</b>") == {text.BODY, text.BOLD}
    assert faces_read(tmp_path, "<i>slanted</i> and <b><i>both</i></b>") == {
        text.BODY,
        text.ITALIC,
        text.BOLD_ITALIC,
    }


def test_every_face_is_there_when_asked_for():
    from reportlab.pdfbase import pdfmetrics

    text.register_fonts()
    for name in (text.BOLD, text.ITALIC, text.BOLD_ITALIC):
        assert pdfmetrics.getFont(name).face.charToGlyph
    with pytest.raises(KeyError, match="ReportSans-NoSuchFace"):  # as reportlab says it
        pdfmetrics.getFont("ReportSans-NoSuchFace")


def test_streams_are_compressed_but_not_ascii85_encoded(tmp_path):
    from pypdf import PdfReader

    text.register_fonts()
    path = tmp_path / "binary.pdf"
    SimpleDocTemplate(str(path)).build([text.paragraph(WORDS, body()) for _ in range(40)])
    data = path.read_bytes()
    assert b"/FlateDecode" in data
    assert b"/ASCII85Decode" not in data
    assert "every partner's voice" in PdfReader(str(path)).pages[0].extract_text()
