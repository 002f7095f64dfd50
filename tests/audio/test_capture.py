"""Real capture: a private PulseAudio server, a null sink standing in for the headset's
output, `paplay` playing synthesised speech into it, and the project's own DeviceSource
recording its monitor through PortAudio."""

from __future__ import annotations

import threading
import time

import pytest

from deescalate.audio.capture import DeviceSource
from deescalate.audio.devices import find_input, list_inputs
from deescalate.call.pipeline import Pipeline
from deescalate.core.events import StatusEvent
from deescalate.core.facts import Speaker
from deescalate.speech.sphinx_engine import SphinxRecognizer
from tests.audio.conftest import CLEAR_VOICE, SUPERVISOR_DEMAND, play_and_recognise

pytestmark = pytest.mark.pulse


@pytest.fixture
def call_sink(pulse):
    pulse.add_sink("call_out")
    yield "call_out"
    if "call_out" in pulse.modules:
        pulse.remove_sink("call_out")


def test_monitor_of_the_call_output_is_listed(call_sink):
    monitor = find_input("call_out.monitor")
    assert monitor is not None and monitor.is_monitor and monitor.monitor_of == "call_out"
    assert any(d.pulse_source == "call_out.monitor" for d in list_inputs())


def test_captured_call_audio_is_recognised(pulse, call_sink, say, write_wav):
    wav = write_wav("customer.wav", say(SUPERVISOR_DEMAND, CLEAR_VOICE))
    source = DeviceSource(Speaker.CUSTOMER, find_input("call_out.monitor"))
    pipeline = Pipeline([source], lambda _speaker: SphinxRecognizer(["supervisor"]), live=True)
    heard = play_and_recognise(pulse, pipeline, wav, call_sink, "supervisor")
    assert any("supervisor" in text for text in heard), heard
    assert source.feed.counters.blocks_dropped == 0


def test_vanished_device_is_reported_and_reopened(pulse, call_sink):
    """Unload the sink mid-stream (the headset is unplugged), then load it again."""
    source = DeviceSource(Speaker.CUSTOMER, find_input("call_out.monitor"))
    pipeline = Pipeline([source], lambda _speaker: SphinxRecognizer(), live=True)
    states: list[str] = []
    steps = iter(
        [
            ("listening", lambda: pulse.remove_sink(call_sink)),
            ("lost", lambda: pulse.add_sink(call_sink)),
            ("listening", pipeline.stop),
        ]
    )
    wanted, action = next(steps)

    def on_event(event):
        nonlocal wanted, action
        if not isinstance(event, StatusEvent):
            return
        states.append(event.state)
        if event.state == wanted:
            action()
            wanted, action = next(steps, (None, None))

    runner = threading.Thread(target=pipeline.run, args=(on_event,), daemon=True)
    started = time.monotonic()
    runner.start()
    runner.join(45)
    pipeline.stop()
    runner.join(10)
    assert not runner.is_alive()
    assert wanted is None, f"stuck waiting for {wanted!r}; states: {states}"
    # The call clock kept running through the outage (padded with silence).
    assert pipeline.channels[Speaker.CUSTOMER].t > (time.monotonic() - started) - 2.0
