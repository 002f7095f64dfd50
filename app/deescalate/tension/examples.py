"""Cues by example: a cue's `examples:` sentences, and how close an utterance comes to one.

Closeness is the cosine of the two texts' TF-IDF vectors over the shipped text model's
vocabulary (words, word pairs and pieces of words, weighted by the model's idf as
`TextModel.score` weighs them). It measures shared wording and spelling, not meaning:
"put me through to your boss" is close to "can you put me through to your boss please"
and to "put me through to billing", and far from "I want someone senior". A long utterance
is compared sentence by sentence and clause by clause too, so a request in the middle of a
vent still comes close to its example.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from deescalate.tension.cues import Cue
from deescalate.tension.text_model import TextModel

DEFAULT_CLOSENESS = 0.5
"""The bar a cue's example must reach when the cue sets no `closeness:`. Measured by
tests/bench/bench_examples.py: fresh paraphrases of example cues mostly score above it,
ordinary service talk (CLINC150, MultiWOZ) almost never does."""
_SENTENCE = re.compile(r"[^.!?]+")
_CLAUSE = re.compile(r"[^,;:.!?]+")
MIN_PART_WORDS = 3
"""A sentence or clause shorter than this is not compared on its own: "right now" would
come close to every example that ends with it."""


@dataclass(frozen=True)
class Segment:
    """A stretch of the utterance compared with the examples: the whole, a sentence or a
    clause, with its character offsets."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ExampleHit:
    cue: Cue
    example: str
    closeness: float
    segment: Segment


def segments(text: str) -> list[Segment]:
    """The whole text, then each sentence and each clause of it (without repeats)."""
    found: dict[tuple[int, int], Segment] = {}
    spans = [(0, len(text))]
    spans += [m.span() for m in _SENTENCE.finditer(text)]
    spans += [m.span() for m in _CLAUSE.finditer(text)]
    for start, end in spans:
        stretch = text[start:end]
        stripped = stretch.strip(" \t\n'\"")
        whole = (start, end) == (0, len(text))
        if not re.search(r"\w", stripped) or (not whole and len(stripped.split()) < MIN_PART_WORDS):
            continue
        start += stretch.index(stripped)
        end = start + len(stripped)
        found.setdefault((start, end), Segment(stripped, start, end))
    return list(found.values())


class ExampleIndex:
    """The examples of a set of cues as unit vectors, computed once; `closest` finds, per
    cue, the example an utterance comes closest to."""

    def __init__(self, cues: list[Cue], model: TextModel) -> None:
        self._model = model
        self._rows: list[tuple[Cue, str]] = [(c, e) for c in cues for e in c.examples]
        examples = tuple(example for _, example in self._rows)
        self._column, self._matrix = _vectors(examples, model)

    def __bool__(self) -> bool:
        return bool(self._rows)

    def closeness(self, text: str) -> np.ndarray:
        """How close `text` comes to each example, in the order they were given."""
        query = np.zeros(len(self._column))
        for feature, value in self._model.weighted_features(text).items():
            j = self._column.get(feature)
            if j is not None:
                query[j] = value
        return self._matrix @ query

    def closest(self, text: str) -> dict[str, ExampleHit]:
        """Per cue id, the example the text (or a sentence or clause of it) comes closest
        to, when it reaches the cue's bar."""
        best: dict[str, ExampleHit] = {}
        for hit in self.closest_each(text):
            if hit.cue.id not in best or hit.closeness > best[hit.cue.id].closeness:
                best[hit.cue.id] = hit
        return best

    def closest_each(self, text: str) -> list[ExampleHit]:
        """Every example the text (or a sentence or clause of it) comes close enough to,
        each with its closest stretch of the text."""
        best: dict[int, ExampleHit] = {}
        if not self._rows:
            return []
        for segment in segments(text):
            for row, value in enumerate(self.closeness(segment.text)):
                cue, example = self._rows[row]
                bar = DEFAULT_CLOSENESS if cue.closeness is None else cue.closeness
                if value >= bar - 1e-9 and (row not in best or value > best[row].closeness):
                    best[row] = ExampleHit(cue, example, float(value), segment)
        return list(best.values())


@functools.lru_cache(maxsize=16)
def _vectors(examples: tuple[str, ...], model: TextModel) -> tuple[dict[int, int], np.ndarray]:
    """The examples' unit vectors over the features any of them has, computed once per
    phrasebook (each call's detector asks again for the same examples)."""
    vectors = [model.weighted_features(example) for example in examples]
    columns = sorted({i for vector in vectors for i in vector})
    column = {feature: j for j, feature in enumerate(columns)}
    matrix = np.zeros((len(examples), len(columns)))
    for row, vector in enumerate(vectors):
        for feature, value in vector.items():
            matrix[row, column[feature]] = value
    matrix.flags.writeable = False
    return column, matrix
