"""What every recogniser offers: feed 16 kHz PCM, get partial and final words with times."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from deescalate.core.events import Word

if TYPE_CHECKING:  # the window's process imports this module, and never needs numpy
    import numpy as np


class SpeechError(Exception):
    """A recogniser or model problem, with a message that says how to fix it."""


@dataclass(frozen=True)
class Recognition:
    text: str
    words: tuple[Word, ...]
    final: bool
    start: float
    end: float
    spotted: bool = False
    """True for a trigger phrase found by keyword spotting or a grammar, not open recognition."""
    stable: int = 0
    """In a partial result: how many leading words are settled and will not change."""


class Recognizer(Protocol):
    """One speaker's recogniser. Not thread-safe: one worker thread owns it."""

    name: str

    def accept(self, pcm: np.ndarray) -> list[Recognition]:
        """Feed int16 mono PCM at 16 kHz; returns whatever became known."""
        ...

    def finish(self) -> list[Recognition]:
        """End of audio: flush the last words as final."""
        ...


class NullRecognizer:
    """`--engine none`: no words, only the clock moves (voice features still work)."""

    name = "none"

    def accept(self, pcm: np.ndarray) -> list[Recognition]:
        return []

    def finish(self) -> list[Recognition]:
        return []


def words_span(words: tuple[Word, ...], default: float) -> tuple[float, float]:
    if not words:
        return default, default
    return words[0].start, words[-1].end


class Frames:
    """Cuts PCM blocks of any size into the fixed frames a voice-activity endpointer takes."""

    def __init__(self, size: int) -> None:
        import numpy as np

        self.size = size
        self._pending = np.zeros(0, dtype=np.int16)

    def split(self, pcm: np.ndarray) -> list[np.ndarray]:
        import numpy as np

        self._pending = np.concatenate([self._pending, pcm.astype(np.int16, copy=False)])
        count = self._pending.size // self.size
        frames = [self._pending[i * self.size : (i + 1) * self.size] for i in range(count)]
        self._pending = self._pending[count * self.size :]
        return frames

    def rest(self) -> bytes:
        """What is left, for the endpointer's `end_stream` (which wants between one sample
        and one frame: an empty remainder becomes one silent sample)."""
        import numpy as np

        rest = self._pending if self._pending.size else np.zeros(1, dtype=np.int16)
        self._pending = np.zeros(0, dtype=np.int16)
        return rest.tobytes()
