"""Voice features on synthetic voices whose effort is known: a pressed voice (flatter
spectrum, more energy high up) against a soft one at the same pitch."""

from __future__ import annotations

import numpy as np

from deescalate.audio.feed import SAMPLE_RATE
from deescalate.audio.voice import VoiceTracker


def vowel(pitch: float, tilt_db_per_octave: float, seconds: float = 1.0, level: float = 0.1):
    """A harmonic voice whose harmonics fall off by the given dB per octave."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    signal = np.zeros_like(t)
    for k in range(1, int(5000 / pitch)):
        gain = 10 ** (tilt_db_per_octave * np.log2(k) / 20)
        signal += gain * np.sin(2 * np.pi * pitch * k * t + k)
    return (level * signal / np.abs(signal).max()).astype(np.float32)


def features(audio: np.ndarray):
    events = VoiceTracker("customer").process(audio)
    return events[-1]


def test_a_pressed_voice_has_more_high_energy_and_a_brighter_spectrum():
    soft, pressed = features(vowel(180, -15)), features(vowel(180, -6))
    assert abs(soft.pitch_hz - 180) < 10 and abs(pressed.pitch_hz - 180) < 10
    assert pressed.alpha_ratio > soft.alpha_ratio + 5
    assert pressed.centroid_khz > soft.centroid_khz
    assert len(pressed.cepstrum) == 7 and pressed.cepstrum != soft.cepstrum


def test_a_steady_vowel_is_periodic_and_has_little_spectral_flux():
    steady = features(vowel(150, -12))
    noise = np.random.default_rng(1).normal(0, 0.05, SAMPLE_RATE).astype(np.float32)
    assert steady.hnr_db > 5
    assert steady.voiced > 0.9
    assert features(noise).voiced < 0.3


def at_dbfs(signal: np.ndarray, dbfs: float) -> np.ndarray:
    return (signal * 10 ** (dbfs / 20) / np.sqrt(np.mean(signal**2))).astype(np.float32)


def test_a_soft_voice_on_a_quiet_line_is_still_heard():
    """Some callers speak softly on a quiet line: actors of the RAVDESS recordings speak
    calmly at -50 to -55 dBFS. Their voice must still be measured, or a quiet caller's
    raised voice has no normal to be compared with."""
    soft = features(at_dbfs(vowel(150, -12), -53.0))
    assert soft.voiced > 0.9
    assert abs(soft.pitch_hz - 150) < 10
    assert abs(soft.loudness_db + 53) < 1
    silence_with_hiss = np.random.default_rng(2).normal(0, 10 ** (-70 / 20), SAMPLE_RATE)
    assert features(silence_with_hiss.astype(np.float32)).voiced == 0
