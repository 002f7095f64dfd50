"""Facts every part of the app shares, defined once: the app's name and version, the two
speakers, the tension levels in order, and the colour each level is shown in."""

from __future__ import annotations

import enum
from importlib import metadata

APP_NAME = "deescalate"


def app_version() -> str:
    """The installed package's version (pyproject.toml is the one place it is set)."""
    try:
        return metadata.version(APP_NAME)
    except metadata.PackageNotFoundError:
        return "unknown (not installed: run `pip install .`)"


class Speaker(enum.StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"


SPEAKERS: tuple[str, ...] = tuple(Speaker)

LEVELS = ("calm", "tense", "heated", "unsafe")
"""Tension levels, least to most serious."""
RANK = {level: rank for rank, level in enumerate(LEVELS)}

LEVEL_COLOURS = {
    "calm": "#0072B2",
    "tense": "#E69F00",
    "heated": "#D55E00",
    "unsafe": "#CC79A7",
}
"""Okabe-Ito colours, safe for the common colour-vision deficiencies; wherever a level is
shown (overlay, tray icon, review pages, alerts) its word is shown beside its colour."""
UNKNOWN_COLOUR = "#777777"
TEXT_ON_LEVEL = {"calm": "#ffffff", "tense": "#000000", "heated": "#ffffff", "unsafe": "#000000"}
"""Readable text on each level's colour."""
