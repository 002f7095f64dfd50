"""Voice features per speaker, every half second of call audio: loudness, pitch, voicing,
vocal effort (alpha ratio: high against low frequencies; harmonics-to-noise ratio; spectral
centroid; loudness swing) and the spectral envelope (the first mel-cepstral coefficients and
spectral flux), which is what tells angry from joyful voices best on RAVDESS.

Computed on the speaker's recognition thread from the same 16 kHz samples the recogniser
gets (before gain control, so loudness is the speaker's own). Pitch is a plain
autocorrelation estimate on 40 ms frames, enough to follow a voice getting higher and
more variable; it is not a phonetics-grade tracker.
"""

from __future__ import annotations

import numpy as np

from deescalate.audio.feed import SAMPLE_RATE
from deescalate.core.events import VoiceEvent

WINDOW_SECONDS = 0.5
FRAME = int(0.04 * SAMPLE_RATE)
MIN_HZ, MAX_HZ = 70.0, 400.0
VOICED_DBFS = -55.0
"""Frames quieter than this are not speech. Low enough for a quiet voice on a quiet line
(some RAVDESS actors speak calmly at -50 dBFS), high enough to leave out line noise."""
VOICING_MIN_CORRELATION = 0.45


_FREQS = np.fft.rfftfreq(2 * FRAME, 1 / SAMPLE_RATE)
_LOW = (_FREQS >= 50) & (_FREQS < 1000)
_HIGH = (_FREQS >= 1000) & (_FREQS < 5000)
_SPEECH = (_FREQS >= 50) & (_FREQS < 5000)
MEL_BANDS = 26
CEPSTRA = 7
"""Mel-cepstral coefficients kept (0-6: overall level and the coarse spectral tilt/shape)."""


def _mel_filters() -> np.ndarray:
    def mel(f):
        return 2595 * np.log10(1 + f / 700)

    edges = 700 * (10 ** (np.linspace(mel(50), mel(7000), MEL_BANDS + 2) / 2595) - 1)
    low, centre, high = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising, falling = (_FREQS - low) / (centre - low), (high - _FREQS) / (high - centre)
    return np.clip(np.minimum(rising, falling), 0, None)


_MEL = _mel_filters()
_DCT = np.cos(
    np.pi / MEL_BANDS * (np.arange(MEL_BANDS) + 0.5)[None, :] * np.arange(CEPSTRA)[:, None]
)
_WINDOW = np.hanning(FRAME)


def envelope(frames: np.ndarray) -> tuple[np.ndarray, float]:
    """Median mel-cepstrum (CEPSTRA values) of voiced frames, and their median spectral flux
    (how fast the spectrum changes from frame to frame)."""
    centred = (frames - frames.mean(axis=1, keepdims=True)) * _WINDOW
    power = np.abs(np.fft.rfft(centred, 2 * FRAME)) ** 2
    log_mel = np.log(power @ _MEL.T + 1e-10)
    cepstra = np.median(log_mel @ _DCT.T, axis=0)
    steps = np.sqrt((np.diff(log_mel, axis=0) ** 2).mean(axis=1))
    flux = float(np.median(np.r_[0.0, steps]))
    return cepstra, flux


def frame_pitch(frame: np.ndarray) -> float:
    """Pitch of one frame in Hz, or 0 when it is not clearly periodic."""
    return frame_voice(frame)[0]


def frame_voice(frame: np.ndarray) -> tuple[float, float, float, float]:
    """Pitch (Hz, 0 when not clearly periodic), periodicity (0-1), alpha ratio (dB) and
    spectral centroid below 5 kHz (kHz)."""
    frame = frame - frame.mean()
    energy = float(np.dot(frame, frame))
    if energy <= 1e-9:
        return 0.0, 0.0, 0.0, 0.0
    spectrum = np.fft.rfft(frame, 2 * frame.size)
    power = (spectrum * np.conj(spectrum)).real
    corr = np.fft.irfft(power)[: frame.size] / energy
    lo, hi = int(SAMPLE_RATE / MAX_HZ), int(SAMPLE_RATE / MIN_HZ)
    lag = lo + int(np.argmax(corr[lo:hi]))
    low, high = power[_LOW].sum(), power[_HIGH].sum()
    alpha = 10 * np.log10((high + 1e-12) / (low + 1e-12))
    centroid = float(power[_SPEECH] @ _FREQS[_SPEECH]) / (float(power[_SPEECH].sum()) + 1e-12)
    periodicity = float(np.clip(corr[lag], 0.0, 0.999))
    pitch = SAMPLE_RATE / lag if corr[lag] >= VOICING_MIN_CORRELATION else 0.0
    return pitch, periodicity, float(alpha), centroid / 1000


class VoiceTracker:
    def __init__(self, speaker: str) -> None:
        self.speaker = speaker
        self._buffer = np.zeros(0, dtype=np.float32)
        self._samples = 0

    def skip_to(self, samples: int) -> None:
        """Audio up to sample `samples` of the call was lost: start the next window there
        (the part of a window heard before the gap is dropped with it)."""
        self._buffer = np.zeros(0, dtype=np.float32)
        self._samples = samples

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
        measured = np.array([frame_voice(f) for f in frames[loud]]).reshape(-1, 4)
        pitches = measured[:, 0]
        voiced = pitches[pitches > 0]
        periodic = measured[pitches > 0]
        if voiced.size:
            semitones = 12 * np.log2(voiced / np.median(voiced))
            spread = float(np.subtract(*np.percentile(semitones, [75, 25])))
            loudness = float(20 * np.log10(np.sqrt(np.mean(rms[loud] ** 2))))
            correlation = float(np.median(periodic[:, 1]))
            hnr = 10 * np.log10(correlation / (1 - correlation)) if correlation > 0 else 0.0
            alpha = float(np.median(periodic[:, 2]))
            centroid = float(np.median(periodic[:, 3]))
            swing = float(np.std(db[loud]))
            cepstra, flux = envelope(frames[loud][pitches > 0])
        else:
            spread, loudness, hnr, alpha, centroid, swing = 0.0, -100.0, 0.0, 0.0, 0.0, 0.0
            cepstra, flux = np.zeros(0), 0.0
        return VoiceEvent(
            t,
            self.speaker,
            round(loudness, 1),
            round(float(np.median(voiced)) if voiced.size else 0.0, 1),
            round(spread, 2),
            round(voiced.size / len(frames), 2),
            round(alpha, 2),
            round(float(hnr), 2),
            round(centroid, 3),
            round(swing, 2),
            tuple(round(float(c), 2) for c in cepstra),
            round(flux, 3),
        )
