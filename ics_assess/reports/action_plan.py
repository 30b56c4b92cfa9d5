"""The printed action plan of a partnership's round (issue 11): one table, every action
with what it answers, its owner, due date and status, the overdue ones marked in words
and colour, the carried ones with the round they came from.

It takes plain lines (``PlanLine``), built by services/actions.py, so that reports need
nothing of the services. User text reaches reportlab only through ``para`` (text.markup).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, TableStyle

from .document import (
    FRAME_WIDTH,
    BuiltReport,
    ReportTable,
    bookmarked,
    build_pdf,
    fmt_date,
    para,
    plural,
    produce,
    styles,
)
from .parts import HEAD_ROW, PAD, head
from .text import markup

OVERDUE_COLOUR = colors.HexColor("#B3261E")


@dataclass(frozen=True)
class PlanLine:
    """One action as the printed plan shows it."""

    description: str
    answers: str  # what it is tied to, in words
    owner: str
    due_on: str
    status: str  # in words, "Open, overdue" when it is
    carried_from: str  # the round it was carried from, or ""
    overdue: bool


def build_action_plan(
    title: str,
    subtitle: str,
    lines: Sequence[PlanLine],
    *,
    produced_on: date | None = None,
) -> BuiltReport:
    """The action plan as a PDF in memory."""
    today = produced_on or date.today()

    def story() -> list[Flowable]:
        s = styles()
        flow: list[Flowable] = [
            # Bold, as every other report's title (h1 is the regular weight).
            bookmarked(Paragraph(f"<b>{markup(title)}</b>", s.h1), "Action plan", "plan"),
            para(subtitle, s.body),
        ]
        overdue = sum(1 for line in lines if line.overdue)
        summary = f"{plural(len(lines), 'action')}, earliest due first"
        if overdue:
            summary += f"; {overdue} overdue (due before {fmt_date(today)}, not done or dropped)"
        flow += [Paragraph(summary + ".", s.body_muted), Spacer(1, 2 * mm)]
        if not lines:
            flow.append(Paragraph("No actions match.", s.body))
            return flow
        widths = [0, 38 * mm, 24 * mm, 24 * mm]
        widths[0] = FRAME_WIDTH - sum(widths)
        overdue_style = s.cell.clone("cell_overdue", textColor=OVERDUE_COLOUR)
        rows: list[list] = [head("Action", "Owner", "Due", "Status")]
        commands: list = [*PAD, *HEAD_ROW]
        for n, line in enumerate(lines, start=1):
            what = [para(line.description, s.cell), para(line.answers, s.cell_small)]
            if line.carried_from:
                what.append(para(f"Carried from {line.carried_from}", s.cell_small))
            marked = overdue_style if line.overdue else s.cell
            due = fmt_date(line.due_on) or "–"
            rows.append(
                [
                    what,
                    para(line.owner or "–", s.cell),
                    para(due, marked),
                    para(line.status, marked),
                ]
            )
            commands.append(("LINEABOVE", (0, n), (-1, n), 0.4, colors.HexColor("#CCCCCC")))
        table = ReportTable(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle(commands))
        flow.append(table)
        return flow

    return build_pdf(
        story,
        title=title,
        subject="Action plan",
        keywords=["ICS Assess", "action plan"],
        header=[title],
        footer=f"Produced by ICS Assess on {fmt_date(today)}",
        draft=None,
    )


def write_action_plan(
    title: str,
    subtitle: str,
    lines: Sequence[PlanLine],
    path: Path | str,
    *,
    produced_on: date | None = None,
) -> tuple[Path, BuiltReport]:
    """Render the action plan and write it atomically to ``path``; (where, the report).
    Raises ReportError (a StoreError) with a sentence when it cannot be written."""
    return produce(path, lambda: build_action_plan(title, subtitle, lines, produced_on=produced_on))


__all__ = ["PlanLine", "build_action_plan", "write_action_plan"]
