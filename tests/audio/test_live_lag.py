"""A live call whose agent recogniser is slower than real time, through real capture: two
PulseAudio null sinks (the headset microphone and the call audio), recorded by the app's own
sources, the agent talking all the time, the customer making a threat every minute for five
minutes. The customer's threats must still escalate promptly (typically within 1.5 s of the
word), and the stream's lag must stay bounded instead of growing with the call."""

from __future__ import annotations

import os
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
from tests.audio.conftest import CLEAR_VOICE
from tests.support.engines import slow_agent_sphinx

pytestmark = [pytest.mark.pulse, pytest.mark.slow, pytest.mark.timeout(480)]

CALL_SECONDS = float(os.environ.get("LAG_TEST_SECONDS", 300))
THREATS_AT = tuple(t for t in (15.0, 75.0, 135.0, 195.0, 255.0) if t < CALL_SECONDS - 10)
AGENT_LINES = (
    "let me look into that for you right away",
    "I can see the charge on your account from last week",
    "I understand, I will check what happened with the payment",
)
CUSTOMER_LINES = ("I am calling about my bill", "it says I paid twice this month")


def speech_end(clip: np.ndarray) -> float:
    """Seconds into `clip` where the speech stops (the last loud 10 ms)."""
    frames = np.abs(clip[: clip.size // 160 * 160]).reshape(-1, 160).max(axis=1)
    return float((np.nonzero(frames > 0.02)[0][-1] + 1) * 160 / SAMPLE_RATE)


def track(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def place(audio: np.ndarray, clip: np.ndarray, at: float) -> None:
    start = int(at * SAMPLE_RATE)
    audio[start : start + clip.size] += clip[: audio.size - start]


def test_slow_agent_recogniser_never_delays_the_customers_threats(pulse, sinks, say, write_wav):
    agent, customer = track(CALL_SECONDS), track(CALL_SECONDS)
    at, n = 0.5, 0
    while at < CALL_SECONDS - 8:  # the agent talks nearly all the time
        clip = say(AGENT_LINES[n % len(AGENT_LINES)], CLEAR_VOICE, pad=0.2)
        place(agent, clip, at)
        at += clip.size / SAMPLE_RATE + 0.3
        n += 1
    threat = say("I will kill you", CLEAR_VOICE, pad=0.2)
    word_ends = []
    for start in THREATS_AT:
        place(customer, say(CUSTOMER_LINES[0], CLEAR_VOICE, pad=0.2), start - 12)
        place(customer, say(CUSTOMER_LINES[1], CLEAR_VOICE, pad=0.2), start - 7)
        place(customer, threat, start)
        word_ends.append(start + speech_end(threat))
    agent_wav = write_wav("agent.wav", agent)
    customer_wav = write_wav("customer.wav", customer)

    sources = [
        DeviceSource(Speaker.AGENT, find_input("agent_mic.monitor")),
        DeviceSource(Speaker.CUSTOMER, find_input("call_out.monitor")),
    ]
    book = load_phrasebook([DEFAULT_PHRASEBOOK])
    runner = CallRunner(sources, slow_agent_sphinx(None, book), book, live=True)
    runner.start()
    while runner.pipeline is None or runner.pipeline.started == 0.0:
        time.sleep(0.05)
    pipeline = runner.pipeline
    time.sleep(2.0)  # both devices open and delivering
    players = [pulse.play(agent_wav, "agent_mic"), pulse.play(customer_wav, "call_out")]
    played_at = time.monotonic()
    escalated: list[float] = []
    heard: list[tuple[float, str]] = []
    lags: list[tuple[float, float]] = []
    try:
        while time.monotonic() - played_at < CALL_SECONDS + 3:
            for event in runner.drain():
                now = time.monotonic()
                if isinstance(event, EscalateEvent) and event.kind == "threat":
                    escalated.append(now - played_at)
                    runner.acknowledge()
                if isinstance(event, TensionEvent):
                    lags.append((now - played_at, now - pipeline.started - event.t))
                if isinstance(event, TranscriptEvent) and event.final and not event.spotted:
                    heard.append((now - played_at, f"{event.speaker}: {event.text}"))
            time.sleep(0.02)
    finally:
        runner.stop()
        runner.wait(10)
        for player in players:
            player.kill()
    # Recognising the threat is not what is measured here (the recogniser's accuracy has
    # its own benchmark): every threat the recogniser heard must escalate in time.
    delays, missed = [], []
    for end in word_ends:
        words = [text for at, text in heard if end - 1.0 < at < end + 4.0]
        if not any(text.startswith("customer:") and "kill you" in text for text in words):
            missed.append(words)
            continue
        after = [e for e in escalated if e > end - 0.5]
        delays.append(round(after[0] - end, 2) if after else None)
    first_minute = max(lag for wall, lag in lags if wall < 60)
    last_minute = max(lag for wall, lag in lags if wall > CALL_SECONDS - 60)
    print(
        f"threat → escalate (s): {delays}; not recognised: {missed}; lag first/last minute: "
        f"{first_minute:.2f}/{last_minute:.2f} s; events late: {dict(pipeline.merger.late)}"
    )
    assert len(delays) >= len(word_ends) - 1, f"threats not recognised: {missed}"
    # The 1.5 s target itself is measured by tests/bench/bench_speech.py on a quiet machine;
    # here, on a shared one, a single threat may be slowed by the machine, never by the agent:
    # every one escalates, the typical one within the target, and none is held for the
    # agent's recogniser, which is behind for the whole call.
    assert all(d is not None for d in delays), f"threat heard but never escalated: {delays}"
    assert float(np.median(delays)) <= 1.5, f"threat → escalate: {delays}"
    assert max(delays) <= 4.0, f"threat → escalate: {delays}"
    assert last_minute <= first_minute + 0.5, (first_minute, last_minute)
    assert last_minute <= 2.0, f"the stream lags {last_minute:.1f} s behind the call"
