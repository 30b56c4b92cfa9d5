"""Short forms of names for places with little room: chart labels in the window and in
the PDF reports. Pure text, no Qt and no reportlab."""

from __future__ import annotations


def short_title(title: str, limit: int) -> str:
    """``title`` cut at a word boundary with an ellipsis when longer than ``limit``
    characters (whitespace folded); a first word longer than the limit is cut inside."""
    title = " ".join(title.split())
    if len(title) <= limit:
        return title
    words = title.split()
    kept = words[0][: limit - 1]
    for word in words[1:]:
        if len(kept) + 1 + len(word) > limit - 1:
            break
        kept += " " + word
    return kept.rstrip(" ,;:-") + "…"


REVERSE_NOTE = "Describes a problem: agreeing scores low"
"""Shown with a reverse statement wherever it is shown (the walk-through, the report's
statements table), so that nobody rates it as if agreeing were good."""


def signed(value: float | None) -> str:
    """A change or gap to one decimal with its sign: "+0.4", "−1.2", and "0.0" (never
    "-0.0" for a change that rounds to nothing); "–" when there is none."""
    if value is None:
        return "–"
    text = f"{abs(value):.1f}"
    if text == "0.0":
        return "0.0"
    return ("+" if value > 0 else "−") + text
