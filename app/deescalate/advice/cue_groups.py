"""Which cues the advisor answers how: shared by the advisor and `phrasebook check`, and
light enough for the window's process (no detector, no numpy)."""

from __future__ import annotations

from deescalate.core.events import Reason
from deescalate.tension.cues import (
    ABUSIVE_WORDS,
    LISTED_ABUSE,
    LISTED_SENIOR,
    SENIOR_REQUEST,
)

ABUSE = {*LISTED_ABUSE, ABUSIVE_WORDS}
"""Listed abuse, and abuse the text model is sure of in words no list holds."""
SENIOR_REQUESTS = {*LISTED_SENIOR, SENIOR_REQUEST}
"""A listed request for a supervisor, and one the text model read in other words."""
SOFT_CATEGORIES = ("listening", "calming", "positive_language", "next_steps")
LISTENING_MOMENTS = {"repetition", "repeated_complaint", "long_venting", "repeated_sarcasm"}
"""Cues that are the moment for listening and apology, whatever the level."""


def explains(reason: Reason) -> bool:
    """Whether a reason says something on a why line: the text model's "negative words"
    with no word named was carried by the sentence's meaning, and names nothing."""
    return bool(reason.words) or reason.cue != "negative_words"
