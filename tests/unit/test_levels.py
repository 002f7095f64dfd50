import numpy as np

from deescalate.audio.levels import GainControl, rms_dbfs


def noise_at(dbfs: float, seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(16000 * seconds)).astype(np.float32)
    return x * np.float32(10 ** (dbfs / 20) / np.sqrt(np.mean(x**2)))


def run(gain: GainControl, audio: np.ndarray) -> np.ndarray:
    return np.concatenate([gain.process(audio[i : i + 1600]) for i in range(0, audio.size, 1600)])


def test_quiet_speech_is_brought_up_towards_target():
    gain = GainControl(16000)
    out = run(gain, noise_at(-45, 6.0))
    assert rms_dbfs(out[-16000:]) > -28
    assert gain.report().problem is not None and "quiet" in gain.report().problem


def test_gain_never_pushes_peaks_to_full_scale():
    gain = GainControl(16000)
    run(gain, noise_at(-50, 4.0))
    loud = gain.process(noise_at(-6, 0.1, seed=1))
    assert np.max(np.abs(loud)) <= 0.951


def test_clipped_input_is_reported():
    gain = GainControl(16000)
    clipped = np.clip(noise_at(0, 3.0) * 4, -1, 1)
    run(gain, clipped)
    assert "clipping" in gain.report().problem


def test_normal_level_has_no_problem_and_silence_does_not_count_as_quiet_speech():
    gain = GainControl(16000)
    run(gain, np.concatenate([np.zeros(16000 * 3, np.float32), noise_at(-22, 3.0)]))
    report = gain.report()
    assert report.problem is None
    assert -25 < report.speech_dbfs < -19
