from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import soundfile as sf

from deescalate.audio.feed import SAMPLE_RATE
from deescalate.demo.synth import Line, Voice, render_call

KLATT = Voice("en-us+klatt", 150)
CROSS = Voice("en-us+klatt", 155, 54, 130)
ANGRY = Voice("en-us+klatt", 165, 56, 190)


def wait_for(session, condition: Callable[[], bool], timeout: float) -> bool:
    """Polls the session as the window's timer would, until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session.poll()
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="session")
def threat_call(tmp_path_factory):
    """A short call that ends in a threat of violence (stereo: agent left, customer right)."""
    stereo, _ = render_call(
        [
            Line("agent", "thank you for calling how can I help", KLATT),
            Line("customer", "this is taking forever", CROSS),
            Line("customer", "I will kill you", ANGRY),
        ],
        tail=2.0,
    )
    path = tmp_path_factory.mktemp("calls") / "threat.wav"
    sf.write(path, stereo, SAMPLE_RATE)
    return path
