"""The partnership profile in a report (issue 11): its facts and computed figures in a
round, beside an earlier round, grouped as profile.toml groups them, with the change and
the source. Used by the review pack and the comparison report; takes plain
``ProfileLine``s (ics_assess/review.py)."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from ..review import ProfileLine
from .document import bookmarked, fmt_date, para, shorten, styles
from .parts import fill_widths, head, muted, ruled_table
from .text import markup


def _name(text: str, limit: int = 120) -> str:
    return markup(shorten(text, limit))


def _usual(dates: Sequence[str]) -> str:
    """The date most values share ("" when none has one)."""
    known = [d for d in dates if d]
    return max(sorted(set(known)), key=known.count) if known else ""


def _value_cell(text: str, as_of: str, usual: str) -> list[Paragraph]:
    s = styles()
    cell = [Paragraph(markup(text), s.cell_right)]
    if as_of and as_of != usual:
        cell.append(Paragraph(muted(f"as of {fmt_date(as_of)}", 7), s.cell_right))
    return cell


def profile_flow(
    lines: Sequence[ProfileLine],
    *,
    then_name: str | None,
    now_name: str,
    key: str,
    title: str = "The partnership profile then and now",
) -> list[Flowable]:
    """The profile's facts and computed figures in a round (``now_name``) beside an
    earlier one (``then_name``; None for none), grouped, with the change and source;
    a sentence when no fact has a value."""
    s = styles()
    flow: list[Flowable] = [
        bookmarked(
            Paragraph(f"<b>{markup(title)}</b>", s.h1),
            title,
            key,
        )
    ]
    known = [p for p in lines if p.after is not None or (then_name and p.before is not None)]
    if not known:
        flow.append(
            Paragraph(
                "No facts of the profile were entered for "
                + (f"{_name(then_name)} or " if then_name else "")
                + f"{_name(now_name)}.",
                s.body,
            )
        )
        return flow
    then_usual = _usual([p.before_as_of for p in known if not p.computed])
    now_usual = _usual([p.after_as_of for p in known if not p.computed])
    dates = ""
    if then_usual or now_usual:
        dates = (
            f"Values are as of {fmt_date(then_usual) or '–'} (then) and "
            f"{fmt_date(now_usual) or '–'} (now) unless marked."
        )
    flow.append(
        Paragraph(
            (f"<b>Then</b>: {_name(then_name)}. " if then_name else "")
            + f"<b>Now</b>: {_name(now_name)}. Facts are entered with their source and "
            f"date; computed figures are worked out from them, never typed. {markup(dates)}",
            s.body_muted,
        )
    )
    rows: list[list] = [head("Fact", "Then", "Now", "Change", "Source")]
    extra = []
    group = None
    for p in known:
        if p.group != group:
            group = p.group
            if group:
                rows.append([Paragraph(f"<b>{_name(group)}</b>", s.cell_small), "", "", "", ""])
                extra.append(("SPAN", (0, len(rows) - 1), (-1, len(rows) - 1)))
        rows.append(
            [
                para(p.label, s.cell),
                _value_cell(p.before_text, p.before_as_of, then_usual),
                _value_cell(p.after_text, p.after_as_of, now_usual),
                Paragraph(markup(p.change_text or "–"), s.cell_right),
                Paragraph(muted("computed", 7.5), s.cell_small)
                if p.computed
                else para(p.source or "–", s.cell_small),
            ]
        )
    flow.append(ruled_table(rows, fill_widths(24 * mm, 24 * mm, 22 * mm, 48 * mm), extra))
    return flow


__all__ = ["profile_flow"]
