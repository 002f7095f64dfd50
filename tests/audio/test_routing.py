"""The call-audio device vanishes mid-call while the agent is talking: the sound server moves
the app's customer stream to the agent's device, and the app must notice at once, never
take the agent's words for the customer's, and resume on the right device when it returns.
Real PulseAudio null sinks, the app's own capture, the Whisper engine."""

from __future__ import annotations

import time

import numpy as np
import pytest

from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK, load_phrasebook
from deescalate.audio.capture import DeviceSource
from deescalate.audio.devices import find_input
from deescalate.call.runner import CallRunner
from deescalate.core.events import StatusEvent, TranscriptEvent
from deescalate.core.facts import Speaker
from deescalate.demo.synth import Voice
from deescalate.speech.engines import choose_engine

pytestmark = [pytest.mark.pulse, pytest.mark.slow, pytest.mark.timeout(180)]

AGENT_LINE = "the purple elephant jumped over seven wooden fences"
AGENT_WORDS = {"purple", "elephant", "jumped", "wooden", "fences"}


@pytest.fixture
def sinks(pulse):
    for name in ("agent_mic", "call_out"):
        pulse.add_sink(name)
    # The agent's device is the default: where the server moves orphaned streams.
    pulse.pactl("set-default-sink", "agent_mic")
    pulse.pactl("set-default-source", "agent_mic.monitor")
    yield
    for name in ("agent_mic", "call_out"):
        if name in pulse.modules:
            pulse.remove_sink(name)


def test_unplugged_call_audio_is_reported_never_mixed_up_and_resumed(pulse, sinks, say, write_wav):
    agent_track = np.concatenate([say(AGENT_LINE, Voice("en-gb", 160), pad=0.3)] * 6)
    agent_wav = write_wav("agent.wav", agent_track)
    before = write_wav("before.wav", say("I am calling about my broken router", Voice("en-us")))
    after = write_wav("after.wav", say("my account number ends in four two", Voice("en-us")))
    sources = [
        DeviceSource(Speaker.AGENT, find_input("agent_mic.monitor")),
        DeviceSource(Speaker.CUSTOMER, find_input("call_out.monitor")),
    ]
    book = load_phrasebook([DEFAULT_PHRASEBOOK])
    runner = CallRunner(sources, choose_engine("whisper"), book, live=True)
    runner.start()
    customer_words: list[tuple[float, str]] = []
    states: list[tuple[float, str]] = []

    def follow(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for event in runner.drain():
                now = time.monotonic()
                if isinstance(event, StatusEvent) and event.speaker == "customer":
                    states.append((now, event.state))
                if isinstance(event, TranscriptEvent) and event.speaker == "customer":
                    customer_words.append((now, event.text.lower()))
            time.sleep(0.02)

    try:
        follow(3.0)  # both devices open
        pulse.play(before, "call_out").wait(20)
        follow(2.0)
        assert any("router" in text for _, text in customer_words), customer_words
        agent = pulse.play(agent_wav, "agent_mic")
        follow(3.0)  # the agent is talking when the call audio goes
        unplugged = time.monotonic()
        pulse.remove_sink("call_out")
        follow(8.0)
        lost = [at for at, state in states if state == "lost" and at > unplugged]
        assert lost and lost[0] - unplugged <= 2.0, states
        pulse.add_sink("call_out")
        follow(5.0)  # the device is back and reopened
        pulse.play(after, "call_out").wait(20)
        follow(4.0)
        agent.kill()
    finally:
        runner.stop()
        runner.wait(10)
    heard = " ".join(text for _, text in customer_words)
    assert not AGENT_WORDS & set(heard.replace(",", " ").replace(".", " ").split()), heard
    back = [at for at, state in states if state == "listening" and at > lost[0]]
    assert back, states
    assert any("account" in text for at, text in customer_words if at > back[0]), heard
