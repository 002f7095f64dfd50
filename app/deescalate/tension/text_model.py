"""The words' model: what a customer's utterance means for the agent, a head per thing to
act on (anger, abuse aimed at the agent, a threat, a request for someone senior, calm).

Logistic regressions over two readings of the utterance: its wording (one vocabulary of
words, word pairs and pieces of words of 2-5 letters, so "cancelled" and "canceled" share
evidence) and its meaning (the sentence encoder's 512 numbers, `meaning.py`, so "is there
anyone above you who can decide this" reads like other requests for someone senior).
How much each head hears the meaning is set in training (0 for a head that reads words
alone). The threat head also hears the meaning through a small network (`ThreatNet`):
a plan and a threat can share every word that counts ("I'm coming to your office"), and
one straight line through the meaning tells them apart less well than a bend or two.
Trained by `deescalate/tension/train_text.py` (`make train-text`; the data and their
licences are listed in the README). Text is read the way a recogniser writes it (lower
case, no punctuation), so a typed transcript and a live recognition score alike. Only the
weights ship (`text_model.npz`).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from deescalate.tension.errors import TextModelError
from deescalate.tension.meaning import DIMENSIONS, SentenceEncoder, shipped_encoder

MODEL_PATH = Path(__file__).with_name("text_model.npz")
APOSTROPHES = str.maketrans({"\u2019": "'", "`": "'"})
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def tokens(text: str) -> list[str]:
    """Words as a recogniser writes them: "Doesn't WORK!!" and "does n't work" -> doesn't work."""
    text = text.lower().translate(APOSTROPHES)
    text = re.sub(r"\s+n't\b", "n't", text)
    return _TOKEN.findall(text)


def as_heard(text: str) -> str:
    """The text as a recogniser writes it: "Doesn't WORK!!" -> "doesn't work"."""
    return " ".join(tokens(text))


CHARACTERS = (2, 5)


def features(text: str) -> list[str]:
    words = tokens(text)
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(words)]
    return words + pairs + [piece for word in words for piece in _pieces(word)]


def _pieces(word: str) -> list[str]:
    """The word's pieces of 2-5 letters, its edges marked by spaces ("#rribl", "# te")."""
    padded = f" {word} "
    return [
        "#" + padded[i : i + n]
        for n in range(CHARACTERS[0], CHARACTERS[1] + 1)
        for i in range(len(padded) - n + 1)
    ]


HEADS = ("anger", "abuse", "threat", "senior", "calm")
"""What the words can say, one head each: angry or annoyed, abuse aimed at the agent, a
threat of harm, a request for someone senior, ordinary calm talk."""
SURE_BARS = ("threat", "abuse", "senior", "threat_alone", "senior_again")
MAX_POINTS = 35.0
"""The most points the words' meaning can add on their own: one line can make a call
tense (25), not heated (60); as much as a raised voice can add."""
OUTRANKED_BY = {"anger": ("senior",)}
"""A word is named for anger (the why line's "negative words") only if, said on its own, it
adds to anger, and more than to these heads. In a sentence, "talk" and "supervisor" add to
anger (callers who ask for one often are) and "said i" does beside the sentence's meaning,
but as negative words they would tell the agent nothing, or something untrue."""
RANKING_POINTS = 5.0
"""Of those, the share given by a gentle curve over the whole range: where the steep part
is all but zero, a more likely angry utterance still scores a little higher."""


@dataclass(frozen=True)
class TextScore:
    heads: dict[str, float]
    """Each head's probability, 0-1."""
    logits: dict[str, float]
    meaning: dict[str, float]
    """Per head, the part of its logit that came from the sentence's meaning (the
    encoder), rather than from its words."""
    explain: Callable[[], dict[str, tuple[str, ...]]] = field(repr=False, compare=False)

    @functools.cached_property
    def strongest(self) -> dict[str, tuple[str, ...]]:
        """Per head, the words that pushed it up most (for the "why" line). Worked out
        only when asked: most readings never reach a why line."""
        return self.explain()

    @property
    def probability(self) -> float:
        """Chance the words are angry or annoyed."""
        return self.heads["anger"]


class TextModel:
    def __init__(self, path: Path = MODEL_PATH, encoder: SentenceEncoder | None = None) -> None:
        try:
            with np.load(path) as data:
                vocabulary = bytes(data["vocabulary"]).decode("utf-8").split("\n")
                heads = tuple(bytes(data["heads"]).decode("utf-8").split("\n"))
                weights, idf = data["weights"], data["idf"]
                meaning = data["meaning"].astype(np.float64)
                self._biases = data["biases"].astype(np.float64)
                self._calibration = data["fusion"][:6].astype(np.float64)
                self._slope, self._offset = map(float, data["fusion"][6:8])
                sure = data["sure"].astype(np.float64)
                meaning_carries = float(data["meaning_carries"])
                threat_net = ThreatNet(*(data[key] for key in ThreatNet.KEYS))
        except (OSError, KeyError, ValueError) as exc:
            raise TextModelError(
                f"{path}: the text model cannot be read ({exc}). Reinstall the package or "
                "rebuild it with `make train-text`."
            ) from exc
        if (
            heads != HEADS
            or not len(vocabulary) == weights.shape[1] == len(idf)
            or meaning.shape != (len(HEADS), DIMENSIONS)
            or not threat_net.fits(DIMENSIONS)
        ):
            raise TextModelError(f"{path}: the text model is damaged; run `make train-text`.")
        self._vocabulary = vocabulary
        self._index = {feature: i for i, feature in enumerate(vocabulary)}
        self._weights = weights.astype(np.float64)
        self._idf = idf.astype(np.float64)
        self._meaning = meaning
        self._threat_net = threat_net
        self._threat_row = HEADS.index("threat")
        self._encoder = encoder or shipped_encoder()
        if len(sure) != len(SURE_BARS):
            raise TextModelError(f"{path}: the text model is damaged; run `make train-text`.")
        self.sure = dict(zip(SURE_BARS, map(float, sure), strict=True))
        """Per head, the probability above which the model is sure (fitted on data);
        `threat_alone`: sure enough of a threat in a call that is still calm;
        `senior_again`: enough for a request for someone senior asked a second time."""
        self.meaning_carries = meaning_carries
        """The part of the threat head's logit the sentence's meaning must give for a sure
        threat to count when only small words ("im gonna", "your") stood out: more than
        any line without a threat in the training data gave ("i'm going to hit the road")."""

    def score(self, text: str) -> TextScore:
        return self._score(text, self._encoder.encode(as_heard(text)))

    def score_many(self, texts: list[str]) -> list[TextScore]:
        """Many texts at once (the sentence encoder is faster in batches)."""
        vectors = self._encoder.encode_many([as_heard(t) for t in texts])
        return [self._score(t, v) for t, v in zip(texts, vectors, strict=True)]

    def _score(self, text: str, meaning: np.ndarray) -> TextScore:
        found, weights = self._weighting(text)
        contributions = self._weights[:, found] * weights
        by_meaning = self._meaning @ meaning
        by_meaning[self._threat_row] += self._threat_net(meaning)
        logits = self._biases + by_meaning + contributions.sum(axis=1)
        return TextScore(
            {h: _sigmoid(float(x)) for h, x in zip(HEADS, logits, strict=True)},
            {h: float(x) for h, x in zip(HEADS, logits, strict=True)},
            {h: float(x) for h, x in zip(HEADS, by_meaning, strict=True)},
            lambda: dict(zip(HEADS, self._strongest(found, contributions), strict=True)),
        )

    def weighted_features(self, text: str) -> dict[int, float]:
        """The text as the model weighs it: each feature of its vocabulary present in the
        text, with its idf, scaled to unit length (the weighting `score` uses)."""
        found, weights = self._weighting(text)
        return dict(zip(found, weights.tolist(), strict=True))

    def _weighting(self, text: str) -> tuple[list[int], np.ndarray]:
        """The vocabulary's features in the text, and their idf scaled to unit length."""
        found = sorted({self._index[f] for f in features(text) if f in self._index})
        idf = self._idf[found]
        return found, idf / (math.sqrt(float(idf @ idf)) or 1.0)

    def similarity(self, a: str, b: str) -> float:
        """How alike two texts are in wording (0-1): the cosine of their TF-IDF vectors
        over the model's words, word pairs and pieces of words. Closeness of wording and
        spelling, not of meaning: "cancel my order" and "don't cancel my order" are close."""
        left, right = self.weighted_features(a), self.weighted_features(b)
        return sum(value * right.get(i, 0.0) for i, value in left.items())

    def points(self, score: TextScore, n_words: int) -> float:
        """The words' tension points, fused from the anger and abuse heads as fitted on
        data: a smooth curve up to MAX_POINTS, never quite zero, so a stronger utterance
        always ranks higher, and calm talk adds next to nothing."""
        fused = fused_logit(score.logits, self._calibration, n_words)
        return fused_points(fused, self._slope, self._offset)

    def abuse_leads(self, score: TextScore, n_words: int) -> bool:
        """Whether the abuse head, not anger, gave the words their points."""
        anger, abuse = calibrated(score.logits, self._calibration, n_words)
        return abuse > anger

    def _strongest(self, found: list[int], contributions: np.ndarray) -> list[tuple[str, ...]]:
        """Per head, the three whole words (or word pairs) that added most. A piece of a
        word adds to the whole words it is part of ("#rribl" to "terrible"): pieces carry
        much of the evidence and are never shown."""
        names, rows, columns, shares = self._attribution(found)
        totals = np.zeros((len(HEADS), len(names)))
        np.add.at(totals.T, columns, (contributions[:, rows] * shares).T)
        strongest = []
        for head, row in zip(HEADS, totals, strict=True):
            named = [
                (c, name)
                for c, name in zip(row.tolist(), names, strict=True)
                if c > 0.05 and not self._outranked(name, head)
            ]
            strongest.append(tuple(name for _, name in sorted(named, reverse=True)[:3]))
        return strongest

    def _attribution(self, found: list[int]) -> tuple[list[str], list[int], list[int], list[float]]:
        """The whole words and pairs among the features, and which of them each feature
        adds to (row, column, share): a word or pair to itself, a piece shared equally
        among the words that hold it."""
        vocabulary = [self._vocabulary[i] for i in found]
        names = [name for name in vocabulary if not name.startswith("#")]
        column = {name: k for k, name in enumerate(names)}
        holders: dict[str, list[int]] = {}
        for k, name in enumerate(names):
            if " " not in name:
                for piece in set(_pieces(name)):
                    holders.setdefault(piece, []).append(k)
        rows, columns, shares = [], [], []
        for row, name in enumerate(vocabulary):
            held_by = [column[name]] if name in column else holders.get(name, [])
            if not held_by:
                continue
            rows += [row] * len(held_by)
            columns += held_by
            shares += [1.0 / len(held_by)] * len(held_by)
        return names, rows, columns, shares

    def _outranked(self, name: str, head: str) -> bool:
        if head not in OUTRANKED_BY:
            return False
        alone = self._alone(name)
        return alone[head] <= 0 or any(alone[r] > alone[head] for r in OUTRANKED_BY[head])

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one shipped model lives as long as the process)
    def _alone(self, name: str) -> dict[str, float]:
        """What a word (or pair) adds to each head's logit when it is all that was said."""
        found, weights = self._weighting(name)
        added = self._weights[:, found] @ weights
        return dict(zip(HEADS, map(float, added), strict=True))


class ThreatNet:
    """The threat head's second reading of the sentence's meaning: one hidden layer of
    rectified units, whose output adds to the head's logit (three nets trained from their
    own seeds, averaged, are one such layer three times as wide). Trained beside the head
    on the same lines (`train_text.train_threat_net`)."""

    KEYS = ("threat_hidden", "threat_hidden_bias", "threat_out", "threat_out_bias")

    def __init__(self, hidden, hidden_bias, out, out_bias) -> None:
        self.hidden = np.asarray(hidden, dtype=np.float32)
        self.hidden_bias = np.asarray(hidden_bias, dtype=np.float32)
        self.out = np.asarray(out, dtype=np.float32)
        self.out_bias = float(out_bias)

    def fits(self, dimensions: int) -> bool:
        if self.hidden.ndim != 2:
            return False
        width = self.hidden.shape[1]
        return self.hidden.shape[0] == dimensions and (
            self.hidden_bias.shape == self.out.shape == (width,)
        )

    def __call__(self, meaning: np.ndarray) -> float:
        hidden = np.maximum(meaning.astype(np.float32) @ self.hidden + self.hidden_bias, 0.0)
        return float(hidden @ self.out) + self.out_bias


@functools.cache
def shipped_model() -> TextModel:
    """The model that ships, loaded once per process (every call's detector shares it)."""
    return TextModel(MODEL_PATH)


def fused_points(fused: float, slope: float, offset: float) -> float:
    steep = (MAX_POINTS - RANKING_POINTS) * _sigmoid(slope * (fused + offset))
    return steep + RANKING_POINTS * _sigmoid(fused)


def calibrated(logits: dict[str, float], calibration, n_words: int) -> tuple[float, float]:
    """Anger's and abuse's log-odds, each head calibrated on its own data (weights for
    its logit and for the utterance's shortness, and an offset, fitted by training)."""
    short = 1.0 / max(1, n_words)
    anger = calibration[0] * logits["anger"] + calibration[1] * short + calibration[2]
    abuse = calibration[3] * logits["abuse"] + calibration[4] * short + calibration[5]
    return anger, abuse


def fused_logit(logits: dict[str, float], calibration, n_words: int) -> float:
    """The stronger of anger and abuse."""
    return max(calibrated(logits, calibration, n_words))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))
