"""Colours shared by the window and the PDF reports (hex strings, no Qt).

Band colours come from the Okabe-Ito palette, which stays distinguishable for people
with the common forms of colour blindness; every coloured thing also carries its name.
"""

from __future__ import annotations

from collections.abc import Sequence

from .domain import Band

# Weakest to strongest.
BAND_COLOURS = ("#D55E00", "#E69F00", "#56B4E9", "#009E73")
NEUTRAL = "#7F7F7F"
ACCENT = "#0072B2"
TEXT_ON_COLOUR = "#000000"


def band_colour(band: Band | None, bands: Sequence[Band]) -> str:
    """The colour of a band within its questionnaire's bands (grey for no band)."""
    if band is None or band not in bands:
        return NEUTRAL
    index = list(bands).index(band)
    if len(bands) == 1:
        return BAND_COLOURS[-1]
    # Spread any number of bands over the four colours, weakest to strongest.
    position = round(index * (len(BAND_COLOURS) - 1) / (len(bands) - 1))
    return BAND_COLOURS[position]


# --- contrast (WCAG 2): text that stays readable on whatever palette the user has -------

MIN_CONTRAST = 4.5
"""WCAG 2's minimum contrast ratio for body text (level AA)."""


def _channels(colour: str) -> tuple[int, int, int]:
    """The red, green and blue of '#RRGGBB' (a leading '#' optional), 0-255."""
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #RRGGBB colour: {colour!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _hex(red: float, green: float, blue: float) -> str:
    return "#" + "".join(f"{round(min(255.0, max(0.0, c))):02X}" for c in (red, green, blue))


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a colour: 0 for black, 1 for white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2's contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(first: str, second: str, share: float) -> str:
    """``share`` (0 to 1) of ``second`` over ``first``: 0 gives ``first``, 1 ``second``."""
    a, b = _channels(first), _channels(second)
    return _hex(*(x + (y - x) * share for x, y in zip(a, b, strict=True)))


def readable_on(colour: str, background: str, minimum: float = MIN_CONTRAST) -> str:
    """``colour`` for text on ``background``: itself when it has at least ``minimum``
    contrast there, else moved towards white (on a dark background) or black (on a light
    one) in small steps until it has: a dark red stays red on white and turns a light
    red on black, so a warning keeps its colour and can still be read."""
    if contrast_ratio(colour, background) >= minimum:
        return colour.upper() if colour.startswith("#") else "#" + colour.upper()
    towards = max(("#FFFFFF", "#000000"), key=lambda end: contrast_ratio(end, background))
    for step in range(1, 21):
        moved = mix(colour, towards, step / 20)
        if contrast_ratio(moved, background) >= minimum:
            return moved
    return towards
