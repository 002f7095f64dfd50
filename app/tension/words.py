"""Word cues: the phrasebook's trigger phrases, with negation, plus general negative sentiment."""

from __future__ import annotations

import re
from dataclasses import dataclass

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from app.advice.phrasebook import Cue, Phrasebook

NEGATORS = {"not", "never", "no", "don't", "dont", "didn't", "isn't", "wasn't", "ain't", "won't"}
NEGATION_REACH = 3
"""Words before a phrase that a negation can reach: "I'm not really angry"."""
SENTIMENT_THRESHOLD = -0.3
SENTIMENT_POINTS = 8.0
"""At most this many points for a strongly negative utterance: sentiment alone ("my screen
died", "kill the process") must never make a call tense."""


@dataclass(frozen=True)
class CueMatch:
    cue: Cue
    words: str


class WordCues:
    def __init__(self, phrasebook: Phrasebook) -> None:
        self._cues = [(cue, cue.pattern()) for cue in phrasebook.active_cues()]
        self._sentiment = SentimentIntensityAnalyzer()

    def match(self, text: str, speaker: str) -> list[CueMatch]:
        text = text.lower()
        matches = []
        for cue, pattern in self._cues:
            if cue.speaker != speaker:
                continue
            for found in pattern.finditer(text):
                if not _negated(text, found.start()):
                    matches.append(CueMatch(cue, found.group(0)))
                    break
        return matches

    def negativity(self, text: str) -> float:
        """Points for general negative sentiment (VADER compound below the threshold)."""
        compound = self._sentiment.polarity_scores(text)["compound"]
        if compound >= SENTIMENT_THRESHOLD:
            return 0.0
        return round(SENTIMENT_POINTS * -compound, 1)


def _negated(text: str, start: int) -> bool:
    before = re.findall(r"[\w']+", text[:start])[-NEGATION_REACH:]
    return any(word in NEGATORS for word in before)
