"""Format conversion between what sources deliver and what recognisers want."""

from __future__ import annotations

import numpy as np
import soxr


def to_mono(block: np.ndarray) -> np.ndarray:
    """Float32 mono from a (frames,) or (frames, channels) block."""
    block = np.asarray(block, dtype=np.float32)
    if block.ndim == 1:
        return block
    if block.shape[1] == 1:
        return block[:, 0].copy()
    return block.mean(axis=1, dtype=np.float32)


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float in [-1, 1] to 16-bit PCM, saturating instead of wrapping."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)


class StreamResampler:
    """Streaming sample-rate conversion (libsoxr), so block edges leave no clicks."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._stream = (
            None
            if in_rate == out_rate
            else soxr.ResampleStream(in_rate, out_rate, 1, dtype="float32", quality="HQ")
        )

    def process(self, block: np.ndarray, last: bool = False) -> np.ndarray:
        if self._stream is None:
            return np.asarray(block, dtype=np.float32)
        return self._stream.resample_chunk(np.asarray(block, dtype=np.float32), last=last)
