"""Harmless openings never escalate, and threats always do, in six espeak-ng voices, replayed
through `deescalate replay` with the default engine (Whisper tiny.en). The threats are on the
default phrasebook's list (threats in other words are the detector's concern). The same sets played
live through PulseAudio are in tests/audio/test_live_whisper.py."""

from __future__ import annotations

import json

import numpy as np
import pytest

from deescalate.cli.main import EXIT_OK, main
from tests.bench.corpus import VOICES

pytestmark = pytest.mark.slow

HARMLESS = [
    "Hi, I am calling about my bill.",
    "Thanks for calling, how can I help you?",
    "Good morning, I'm ringing about a parcel that came yesterday.",
    "Hello there, could you help me change my billing address?",
    "Hey, I just wanted to check when my next payment is due.",
    "Thank you so much, that was really helpful, have a nice day.",
]
THREATS = [
    "I swear I could kill you right now.",
    "I will find where you live and wait for you.",
    "Keep this up and you'll regret it, I promise.",
    "I know where your office is. I'll come down there and hurt someone.",
]


def replay(capsys, write_wav, audio: np.ndarray, name: str) -> list[dict]:
    path = write_wav(name, audio)
    assert main(["replay", str(path), "--json"]) == EXIT_OK
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def heard(events: list[dict]) -> str:
    return " | ".join(e["text"] for e in events if e["type"] == "transcript" and e["final"])


@pytest.mark.parametrize("voice", VOICES, ids=lambda v: v.name)
def test_harmless_openings_never_escalate(capsys, say, write_wav, voice):
    audio = np.concatenate([say(line, voice, pad=0.8) for line in HARMLESS])
    events = replay(capsys, write_wav, audio, "harmless.wav")
    assert heard(events), "nothing was heard"
    assert [e for e in events if e["type"] == "escalate"] == [], heard(events)
    assert {e["level"] for e in events if e["type"] == "tension"} == {"calm"}, heard(events)


def test_threats_escalate_in_every_voice(capsys, say, write_wav):
    """tiny.en mishears some words of espeak's voices ("you'll regret" as "you'll
    red-write", "kill you" as "killed Kail" in the Klatt voice): 19 of these 24 threats
    escalated when this test was written. It fails below 18, or when any voice escalates
    fewer than two of its four. The speech benchmark counts every miss on a larger set."""
    missed: dict[str, list[str]] = {}
    for voice in VOICES:
        for threat in THREATS:
            events = replay(capsys, write_wav, say(threat, voice), "threat.wav")
            escalations = [e for e in events if e["type"] == "escalate"]
            if not (escalations and escalations[0]["kind"] == "threat"):
                missed.setdefault(voice.name, []).append(heard(events))
    assert sum(len(lines) for lines in missed.values()) <= 6, missed
    assert all(len(lines) <= 2 for lines in missed.values()), missed
