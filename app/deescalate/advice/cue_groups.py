"""Which cues the advisor answers how: shared by the advisor and `phrasebook check`, and
light enough for the window's process (no detector, no numpy)."""

from __future__ import annotations

from deescalate.core.events import Reason

HARASSMENT = "harassment"
"""Sexual remarks aimed at the agent: answered as abuse is, and named as such."""
ABUSE = {"insult", "profanity", HARASSMENT, "abusive_words"}
"""Listed abuse, and abuse the text model is sure of in words no list holds."""
SENIOR_REQUESTS = {"supervisor_demand", "senior_request"}
"""A listed request for a supervisor, and one the text model read in other words."""
SOFT_CATEGORIES = ("listening", "calming", "positive_language", "next_steps")
LISTENING_MOMENTS = {"repetition", "repeated_complaint", "long_venting", "repeated_sarcasm"}
"""Cues that are the moment for listening and apology, whatever the level."""


def explains(reason: Reason) -> bool:
    """Whether a reason says something on a why line: the text model's "negative words"
    with no word named was carried by the sentence's meaning, and names nothing."""
    return bool(reason.words) or reason.cue != "negative_words"
