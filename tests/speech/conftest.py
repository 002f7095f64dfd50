from __future__ import annotations

import numpy as np

from deescalate.audio.convert import to_int16
from deescalate.speech.base import Recognition


def recognise(recognizer, audio: np.ndarray, block: int = 1600) -> list[Recognition]:
    """Streams float audio through a recogniser in blocks, as the pipeline does."""
    pcm = to_int16(audio)
    results = []
    for i in range(0, pcm.size, block):
        results += recognizer.accept(pcm[i : i + block])
    return results + recognizer.finish()
