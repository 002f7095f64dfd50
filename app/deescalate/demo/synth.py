"""Speech synthesis with espeak-ng, for the demo call and for test calls.

Only the scripts that make audio use this; the app never synthesises at run time.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
import soundfile as sf
import soxr

from deescalate.audio.feed import SAMPLE_RATE


class SynthError(Exception):
    pass


@dataclass(frozen=True)
class Voice:
    name: str = "en-us"
    rate: int = 160
    """Words per minute."""
    pitch: int = 50
    """0-99."""
    amplitude: int = 100
    """0-200; espeak-ng's loudness."""


def speak(text: str, voice: Voice = Voice()) -> np.ndarray:
    """Float32 mono audio at 16 kHz."""
    if not shutil.which("espeak-ng"):
        raise SynthError(
            "espeak-ng is not installed: run `make setup` (it installs the Debian package)."
        )
    args = ["espeak-ng", "-v", voice.name, "-s", str(voice.rate), "-p", str(voice.pitch)]
    args += ["-a", str(voice.amplitude), "--stdout", text]
    done = subprocess.run(args, capture_output=True, check=True)
    import io

    audio, rate = sf.read(io.BytesIO(done.stdout), dtype="float32")
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    return soxr.resample(audio, rate, SAMPLE_RATE).astype(np.float32)


@dataclass(frozen=True)
class Line:
    speaker: str
    """"agent" or "customer"."""
    text: str
    voice: Voice
    gap: float = 0.5
    """Seconds of silence before the line; negative to talk over the previous one."""


@dataclass(frozen=True)
class PlacedLine:
    speaker: str
    text: str
    start: float
    end: float


def render_call(lines: list[Line], tail: float = 1.0) -> tuple[np.ndarray, list[PlacedLine]]:
    """A stereo call (left agent, right customer) at 16 kHz and where each line landed."""
    clips = [speak(line.text, line.voice) for line in lines]
    placed, cursor = [], 0.5
    for line, clip in zip(lines, clips, strict=True):
        start = max(0.0, cursor + line.gap)
        placed.append(PlacedLine(line.speaker, line.text, start, start + clip.size / SAMPLE_RATE))
        cursor = placed[-1].end
    total = int((cursor + tail) * SAMPLE_RATE)
    stereo = np.zeros((total, 2), dtype=np.float32)
    for spot, clip in zip(placed, clips, strict=True):
        column = 0 if spot.speaker == "agent" else 1
        first = int(spot.start * SAMPLE_RATE)
        stereo[first : first + clip.size, column] += clip
    return np.clip(stereo, -1.0, 1.0), placed
