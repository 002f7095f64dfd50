"""Live, through PulseAudio: harmless openings in several voices never escalate; a threat in
several voices always does, within 1.5 s of its last word. Two null sinks (the headset and
the call audio) recorded by the app's own capture, the default engine (Whisper tiny.en)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK, load_phrasebook
from deescalate.audio.capture import DeviceSource
from deescalate.audio.devices import find_input
from deescalate.audio.feed import SAMPLE_RATE
from deescalate.call.runner import CallRunner
from deescalate.core.events import EscalateEvent, TensionEvent, TranscriptEvent
from deescalate.core.facts import Speaker
from deescalate.demo.synth import Voice
from deescalate.speech.engines import choose_engine

pytestmark = [pytest.mark.pulse, pytest.mark.slow, pytest.mark.timeout(240)]

VOICES = [Voice("en-us", 150), Voice("en-gb", 165), Voice("en-us+m3", 145, 40)]
OPENINGS = [
    "Hi, I am calling about my bill.",
    "Thanks for calling, how can I help you?",
    "Morning, I'd like to check on a refund I was promised.",
]
THREAT = "Honestly, right now I could kill you."


@pytest.fixture(scope="module")
def engine():
    return choose_engine("whisper")


def speech_end(clip: np.ndarray) -> float:
    frames = np.abs(clip[: clip.size // 160 * 160]).reshape(-1, 160).max(axis=1)
    return float((np.nonzero(frames > 0.02)[0][-1] + 1) * 160 / SAMPLE_RATE)


def live_call(pulse, engine, wav, seconds: float) -> tuple[list, float]:
    """Plays `wav` as the call audio; returns [(wall time after play, event)], and when the
    audio started playing."""
    sources = [
        DeviceSource(Speaker.AGENT, find_input("agent_mic.monitor")),
        DeviceSource(Speaker.CUSTOMER, find_input("call_out.monitor")),
    ]
    book = load_phrasebook([DEFAULT_PHRASEBOOK])
    runner = CallRunner(sources, engine, book, live=True)
    runner.start()
    seen = []
    try:
        while runner.pipeline is None or runner.pipeline.started == 0.0:
            time.sleep(0.05)
        time.sleep(1.5)  # both devices open and delivering
        player = pulse.play(wav, "call_out")
        played = time.monotonic()
        while time.monotonic() - played < seconds:
            seen += [(time.monotonic() - played, event) for event in runner.drain()]
            time.sleep(0.02)
        player.wait(10)
    finally:
        runner.stop()
        runner.wait(10)
    return seen, played


def test_openings_in_three_voices_never_escalate(pulse, sinks, engine, say, write_wav):
    # Each opening is its own turn, with the pause an agent's answer would fill: nine of
    # them back to back would be half a minute of one caller talking on, which the detector
    # rightly hears as venting.
    audio = np.concatenate([say(line, voice, pad=1.5) for voice in VOICES for line in OPENINGS])
    seen, _ = live_call(pulse, engine, write_wav("openings.wav", audio), audio.size / 16000 + 3)
    heard = [e.text for _, e in seen if isinstance(e, TranscriptEvent) and e.final]
    assert len(heard) >= len(VOICES) * len(OPENINGS) - 2, heard
    assert not [e for _, e in seen if isinstance(e, EscalateEvent)], heard
    assert {e.level for _, e in seen if isinstance(e, TensionEvent)} == {"calm"}, heard


@pytest.mark.parametrize("voice", VOICES, ids=lambda v: v.name)
def test_a_threat_escalates_within_one_and_a_half_seconds(
    pulse, sinks, engine, say, write_wav, voice
):
    clip = say(THREAT, voice, pad=0.5)
    seen, _ = live_call(pulse, engine, write_wav("threat.wav", clip), clip.size / 16000 + 3)
    heard = [e.text for _, e in seen if isinstance(e, TranscriptEvent) and e.final]
    escalated = [at for at, e in seen if isinstance(e, EscalateEvent) and e.kind == "threat"]
    assert escalated, heard
    delay = escalated[0] - speech_end(clip)
    print(f"{voice.name}: threat's last word → escalate {delay:.2f} s")
    assert delay <= 1.5, (delay, heard)
