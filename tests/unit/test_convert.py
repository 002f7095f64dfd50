import numpy as np
import pytest

from deescalate.audio.convert import StreamResampler, to_int16, to_mono


def tone(freq: float, rate: int, seconds: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_frequency(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.fft.rfftfreq(x.size, 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000])
def test_streaming_resample_keeps_length_and_pitch(rate):
    source = tone(440.0, rate, 2.0)
    resampler = StreamResampler(rate, 16000)
    blocks = [
        resampler.process(source[i : i + rate // 10]) for i in range(0, source.size, rate // 10)
    ]
    blocks.append(resampler.process(np.zeros(0, np.float32), last=True))
    out = np.concatenate(blocks)
    assert abs(out.size - 32000) <= 2
    assert abs(dominant_frequency(out, 16000) - 440.0) < 2.0


def test_same_rate_passes_through():
    x = tone(300, 16000, 0.1)
    assert np.array_equal(StreamResampler(16000, 16000).process(x), x)


def test_to_int16_saturates_instead_of_wrapping():
    pcm = to_int16(np.array([2.0, -2.0, 0.5], np.float32))
    assert pcm.tolist() == [32767, -32767, 16383]


def test_to_mono_averages_channels():
    stereo = np.array([[1.0, 0.0], [0.5, 0.5]], np.float32)
    assert to_mono(stereo).tolist() == [0.5, 0.5]
