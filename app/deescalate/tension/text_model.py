"""The words' tension model: how likely a customer's utterance is angry or annoyed.

A logistic regression over words, word pairs and pieces of words (2-5 letters, so "cancelled"
and "canceled", "ridiculous" and "ridiculously" share evidence), trained on GoEmotions (Reddit
comments with emotion labels, Apache-2.0) by `app/tension/train_text.py` (`make
train-text`). Text is read the way a recogniser writes it (lower case, no punctuation), so a
typed transcript and a live recognition score alike. Only the weights ship
(`text_model.npz`); scoring needs numpy and a dictionary lookup per word.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("text_model.npz")
_APOSTROPHES = str.maketrans({"\u2019": "'", "`": "'"})
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


class TextModelError(Exception):
    """The weights file is missing or unreadable; the message says how to fix it."""


def tokens(text: str) -> list[str]:
    """Words as a recogniser writes them: "Doesn't WORK!!" and "does n't work" -> doesn't work."""
    text = text.lower().translate(_APOSTROPHES)
    text = re.sub(r"\s+n't\b", "n't", text)
    return _TOKEN.findall(text)


CHARACTERS = (2, 5)


def features(text: str) -> list[str]:
    words = tokens(text)
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(words)]
    pieces = []
    for word in words:
        padded = f" {word} "
        for n in range(CHARACTERS[0], CHARACTERS[1] + 1):
            pieces += ["#" + padded[i : i + n] for i in range(len(padded) - n + 1)]
    return words + pairs + pieces


@dataclass(frozen=True)
class TextScore:
    probability: float
    """Chance the words are angry or annoyed, 0-1."""
    strongest: tuple[str, ...]
    """The words that pushed the score up most (for the "why" line)."""


class TextModel:
    def __init__(self, path: Path = MODEL_PATH) -> None:
        try:
            with np.load(path) as data:
                vocabulary = bytes(data["vocabulary"]).decode("utf-8").split("\n")
                weights, idf = data["weights"], data["idf"]
                self.bias = float(data["bias"])
        except (OSError, KeyError, ValueError) as exc:
            raise TextModelError(
                f"{path}: the text model cannot be read ({exc}). Reinstall the package or "
                "rebuild it with `make train-text`."
            ) from exc
        if not len(vocabulary) == len(weights) == len(idf):
            raise TextModelError(f"{path}: the text model is damaged; run `make train-text`.")
        self._vocabulary = vocabulary
        self._index = {feature: i for i, feature in enumerate(vocabulary)}
        self._weights = weights.astype(np.float64)
        self._idf = idf.astype(np.float64)

    def score(self, text: str) -> TextScore:
        found = sorted({self._index[f] for f in features(text) if f in self._index})
        if not found:
            return TextScore(_sigmoid(self.bias), ())
        idf = self._idf[found]
        contributions = self._weights[found] * idf / math.sqrt(float(idf @ idf))
        logit = self.bias + float(contributions.sum())
        return TextScore(_sigmoid(logit), self._strongest(found, contributions))

    def _strongest(self, found: list[int], contributions: np.ndarray) -> tuple[str, ...]:
        """The two whole words (or word pairs) that added most; pieces of words are not shown."""
        named = [
            (c, self._vocabulary[i])
            for i, c in zip(found, contributions, strict=True)
            if c > 0.05 and not self._vocabulary[i].startswith("#")
        ]
        return tuple(name for _, name in sorted(named, reverse=True)[:2])


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))
