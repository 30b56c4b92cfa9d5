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
