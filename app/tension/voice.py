"""Voice features per speaker, every half second of call audio: loudness, pitch, voicing.

Computed on the speaker's recognition thread from the same 16 kHz samples the recogniser
gets (before gain control, so loudness is the speaker's own). Pitch is a plain
autocorrelation estimate on 40 ms frames, enough to follow a voice getting higher and
more variable; it is not a phonetics-grade tracker.
"""

from __future__ import annotations

import numpy as np

from app.audio.feed import SAMPLE_RATE
from app.events import VoiceEvent

WINDOW_SECONDS = 0.5
FRAME = int(0.04 * SAMPLE_RATE)
MIN_HZ, MAX_HZ = 70.0, 400.0
VOICED_DBFS = -50.0
VOICING_MIN_CORRELATION = 0.45


def frame_pitch(frame: np.ndarray) -> float:
    """Pitch of one frame in Hz, or 0 when it is not clearly periodic."""
    frame = frame - frame.mean()
    energy = float(np.dot(frame, frame))
    if energy <= 1e-9:
        return 0.0
    spectrum = np.fft.rfft(frame, 2 * frame.size)
    corr = np.fft.irfft(spectrum * np.conj(spectrum))[: frame.size] / energy
    lo, hi = int(SAMPLE_RATE / MAX_HZ), int(SAMPLE_RATE / MIN_HZ)
    lag = lo + int(np.argmax(corr[lo:hi]))
    return SAMPLE_RATE / lag if corr[lag] >= VOICING_MIN_CORRELATION else 0.0


class VoiceTracker:
    def __init__(self, speaker: str) -> None:
        self.speaker = speaker
        self._buffer = np.zeros(0, dtype=np.float32)
        self._samples = 0

    def process(self, samples: np.ndarray) -> list[VoiceEvent]:
        """Feed 16 kHz float samples; returns a VoiceEvent per completed half second."""
        self._buffer = np.concatenate([self._buffer, samples])
        window = int(WINDOW_SECONDS * SAMPLE_RATE)
        events = []
        while self._buffer.size >= window:
            chunk, self._buffer = self._buffer[:window], self._buffer[window:]
            self._samples += window
            events.append(self._features(chunk, self._samples / SAMPLE_RATE))
        return events

    def _features(self, chunk: np.ndarray, t: float) -> VoiceEvent:
        frames = chunk[: chunk.size // FRAME * FRAME].reshape(-1, FRAME)
        rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
        db = 20 * np.log10(np.maximum(rms, 1e-6))
        loud = db > VOICED_DBFS
        pitches = np.array([frame_pitch(f) for f in frames[loud]]) if loud.any() else np.zeros(0)
        voiced = pitches[pitches > 0]
        if voiced.size:
            semitones = 12 * np.log2(voiced / np.median(voiced))
            spread = float(np.subtract(*np.percentile(semitones, [75, 25])))
            loudness = float(20 * np.log10(np.sqrt(np.mean(rms[loud] ** 2))))
        else:
            spread, loudness = 0.0, -100.0
        return VoiceEvent(
            t,
            self.speaker,
            round(loudness, 1),
            round(float(np.median(voiced)) if voiced.size else 0.0, 1),
            round(spread, 2),
            round(voiced.size / len(frames), 2),
        )
