"""What the detector listens for: the cue schema and the speaker roles.

The phrasebook (YAML, loaded by the advice package) holds cues of this shape; the detector
reads only this module, so detection never depends on how suggestions are chosen.

A phrase matches whole words, case-insensitively. `(a|b|c)` in a phrase stands for any one
of its words, so "(speak|talk) to your (supervisor|manager)" covers four requests; an empty
choice makes a word optional: "waiting (for|) weeks".

A cue may also (or instead) list `examples:`, whole sentences: an utterance whose wording
comes close enough to one of them matches the cue (see `examples.py`); `closeness:` (0-1)
sets how close, for this cue.
"""

from __future__ import annotations

import itertools
import re
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from deescalate.core.facts import Speaker

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
THREAT_WORDS, ABUSIVE_WORDS, SENIOR_REQUEST = "threat_words", "abusive_words", "senior_request"
"""The text model's own cues: a threat, abuse aimed at the agent or a request for someone
senior it is sure of, in words no phrase lists."""
HARASSMENT = "harassment"
"""The phrasebook's cue for sexual remarks aimed at the agent."""
LISTED_ABUSE = ("insult", "profanity", HARASSMENT)
"""Phrasebook cues for abuse aimed at the agent: heard, the model's abusive_words is not."""
LISTED_SENIOR = ("supervisor_demand",)
"""Phrasebook cues for a request for a supervisor: heard, senior_request is not."""
DETECTOR_CUES = (
    "negative_words",
    "repeated_complaint",
    "fast_speech",
    "overtalk",
    "long_venting",
    "repeated_sarcasm",
    THREAT_WORDS,
    ABUSIVE_WORDS,
    SENIOR_REQUEST,
)
"""Customer cues the detector finds itself, without phrases; a response's `when` may name
them too. The last three are the text model's."""
AGENT_DETECTOR_CUES = ("agent_flat_no", "agent_raised_voice")
SCORE_ONLY_CUES = ("raised_voice",)
"""Adds to the score and the why line but is never heard as a cue, so `when` can't use it."""
MAX_EXPANSIONS = 200
"""A phrase may stand for at most this many word sequences (keeps the spotter's list short)."""
_GROUP = re.compile(r"\(([^()]*)\)")


def expand(phrase: str) -> list[str]:
    """Every word sequence a phrase stands for: "(a|b) c" -> ["a c", "b c"]."""
    parts = _GROUP.split(phrase.lower())
    # split() alternates literal text and group contents: even = literal, odd = group.
    choices = [
        [part] if i % 2 == 0 else [a.strip() for a in part.split("|")]
        for i, part in enumerate(parts)
    ]
    return [" ".join("".join(combo).split()) for combo in itertools.product(*choices)]


def _bracket_depths(phrase: str) -> list[int]:
    """How many brackets are open after each character (0 for an empty phrase)."""
    steps = ({"(": 1, ")": -1}.get(char, 0) for char in phrase)
    return [0, *itertools.accumulate(steps)]


class Cue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=ID_PATTERN)
    speaker: Speaker = Speaker.CUSTOMER
    weight: float = Field(default=10.0, ge=0, le=100)
    """Points added to the tension score when heard (they fade over time)."""
    unsafe: bool = False
    """Heard from the customer, this takes the call straight to `unsafe`."""
    spot: bool = False
    """Give the phrases to the speech engine's keyword spotter too."""
    examples: list[str] = Field(default_factory=list)
    """Sentences an utterance may come close to in wording instead of saying a phrase."""
    phrases: list[str] = Field(default_factory=list, validate_default=True)
    closeness: float | None = Field(default=None, ge=0, le=1)
    """How close (0-1) an utterance must come to one of the examples; unset: the default."""
    disabled: bool = False

    @field_validator("phrases")
    @classmethod
    def _phrases_expand(cls, phrases: list[str], info: ValidationInfo) -> list[str]:
        if not phrases and info.data.get("examples") == []:
            raise ValueError(
                "a cue needs `phrases:` or `examples:` (or both): add what the caller says"
            )
        for phrase in phrases:
            depths = _bracket_depths(phrase)
            if depths[-1] != 0 or min(depths) < 0 or "((" in phrase:
                raise ValueError(f"unbalanced brackets in {phrase!r}")
            if max(depths) > 1:
                raise ValueError(
                    f"brackets inside brackets in {phrase!r}: list each choice in full, "
                    '"(nude pics|nude photos)" rather than "nude (pics|photos)" inside another'
                )
            if any(not word for word in expand(phrase)) or "||" in phrase:
                raise ValueError(f"empty choice in {phrase!r}")
            if len(expand(phrase)) > MAX_EXPANSIONS:
                raise ValueError(f"{phrase!r} stands for more than {MAX_EXPANSIONS} phrases")
        return phrases

    @field_validator("examples")
    @classmethod
    def _examples_have_words(cls, examples: list[str]) -> list[str]:
        for example in examples:
            if not re.search(r"[A-Za-z0-9]", example):
                raise ValueError(f"example {example!r} has no words: write a whole sentence")
        return examples

    def word_sequences(self) -> list[str]:
        return list(dict.fromkeys(s for p in self.phrases for s in expand(p)))

    def pattern(self) -> re.Pattern[str]:
        sequences = sorted(self.word_sequences(), key=len, reverse=True)
        if not sequences:
            return re.compile(r"(?!x)x")  # a cue by example only: no phrase to match
        # A comma between the words still matches: Whisper writes "kill, you".
        between = r"[,;:]?\s+"
        alternatives = "|".join(between.join(map(re.escape, s.split())) for s in sequences)
        return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])")


class CueSource(Protocol):
    """Anything that lists the cues in force (the phrasebook)."""

    def active_cues(self) -> list[Cue]: ...
