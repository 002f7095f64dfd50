from __future__ import annotations

import threading
from pathlib import Path

import pytest

from deescalate.call.pipeline import Pipeline
from deescalate.core.events import StatusEvent, TranscriptEvent
from deescalate.demo.synth import Voice

SUPERVISOR_DEMAND = "I want to talk to your supervisor"
CLEAR_VOICE = Voice("en-us+klatt", 150)
"""Live capture resamples twice and shifts the audio by a fraction of a frame. PocketSphinx
on espeak-ng speech is sensitive to that for most voices; the Klatt voice is recognised
under such shifts every time (8 of 8 perturbed copies of several trigger sentences)."""


@pytest.fixture
def sinks(pulse):
    """Two null sinks: the agent's headset (its monitor stands in for the microphone) and
    the call audio."""
    for name in ("agent_mic", "call_out"):
        pulse.add_sink(name)
    yield
    for name in ("agent_mic", "call_out"):
        if name in pulse.modules:
            pulse.remove_sink(name)


def play_and_recognise(pulse, pipeline: Pipeline, wav: Path, sink: str, word: str) -> list[str]:
    """Runs a live pipeline, plays `wav` into `sink` once capture is up, and returns the
    final and spotted transcripts heard until `word` appears (or 30 s pass)."""
    heard: list[str] = []
    players = []

    def on_event(event):
        if isinstance(event, StatusEvent) and event.state == "listening" and not players:
            players.append(pulse.play(wav, sink))
        if isinstance(event, TranscriptEvent) and (event.final or event.spotted):
            heard.append(event.text)
            if word in event.text:
                pipeline.stop()

    runner = threading.Thread(target=pipeline.run, args=(on_event,), daemon=True)
    runner.start()
    runner.join(30)
    pipeline.stop()
    runner.join(10)
    assert not runner.is_alive(), "pipeline did not stop"
    return heard
