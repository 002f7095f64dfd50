"""Input level: measure it, and bring quiet speech up before recognition without clipping.

Recognisers cope with a wide range of levels thanks to cepstral mean normalisation, but
very quiet input loses detail in 16-bit quantisation and the engines' own voice-activity
detection, and clipped input distorts. The gain follows the level of speech (not of
silence), moves slowly, and a limiter keeps the boosted peaks below full scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TARGET_DBFS = -20.0
MAX_GAIN_DB = 30.0
MIN_GAIN_DB = -6.0
SPEECH_FLOOR_DBFS = -60.0
CLIP_LEVEL = 0.99
QUIET_DBFS = -40.0
JUDGE_AFTER_SECONDS = 2.0
"""Seconds of speech heard before a level is called too quiet."""


def rms_dbfs(samples: np.ndarray) -> float:
    if samples.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    return 20.0 * np.log10(max(rms, 1e-6))


@dataclass(frozen=True)
class LevelReport:
    speech_dbfs: float
    """Running level of speech, dBFS (silence excluded)."""
    clipped_fraction: float
    """Share of recent samples at full scale."""
    gain_db: float
    speech_seconds: float

    @property
    def problem(self) -> str | None:
        if self.clipped_fraction > 0.01:
            return "clipping: lower the input volume of this device"
        if self.speech_seconds >= JUDGE_AFTER_SECONDS and self.speech_dbfs < QUIET_DBFS:
            return "very quiet: raise the input volume of this device"
        return None


class GainControl:
    """Slow automatic gain on speech level, with a peak limiter."""

    def __init__(self, rate: int) -> None:
        self._rate = rate
        self._speech_dbfs: float | None = None
        self._gain_db = 0.0
        self._clipped = 0.0
        self._speech_seconds = 0.0

    def process(self, samples: np.ndarray) -> np.ndarray:
        level = rms_dbfs(samples)
        seconds = samples.size / self._rate
        if samples.size:
            clipped_now = float(np.mean(np.abs(samples) >= CLIP_LEVEL))
            self._clipped += (clipped_now - self._clipped) * min(1.0, seconds / 2.0)
        if level > SPEECH_FLOOR_DBFS:
            self._speech_seconds += seconds
            if self._speech_dbfs is None:
                self._speech_dbfs = level
            else:
                # Rise fast (a loud burst must not be over-amplified), fall slowly.
                tau = 0.5 if level > self._speech_dbfs else 4.0
                self._speech_dbfs += (level - self._speech_dbfs) * min(1.0, seconds / tau)
            wanted = np.clip(TARGET_DBFS - self._speech_dbfs, MIN_GAIN_DB, MAX_GAIN_DB)
            self._gain_db += (wanted - self._gain_db) * min(1.0, seconds / 1.0)
        out = samples * np.float32(10.0 ** (self._gain_db / 20.0))
        peak = float(np.max(np.abs(out))) if out.size else 0.0
        if peak > 0.95:
            out = out * np.float32(0.95 / peak)
        return out.astype(np.float32, copy=False)

    def report(self) -> LevelReport:
        return LevelReport(
            speech_dbfs=round(self._speech_dbfs if self._speech_dbfs is not None else -120.0, 1),
            clipped_fraction=round(self._clipped, 4),
            gain_db=round(self._gain_db, 1),
            speech_seconds=round(self._speech_seconds, 1),
        )
