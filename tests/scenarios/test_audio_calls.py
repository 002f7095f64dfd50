"""Scenario calls synthesised with espeak-ng and replayed through the real pipeline and the
default engine (Whisper tiny.en): what the agent would be shown, and when.

Most calls use espeak-ng's Klatt voice (the one PocketSphinx recognises reliably), on their
own channels; the customer gets louder, faster and higher as they escalate. The last tests
use four espeak voices: PocketSphinx mishears the others often (its word confidences are
always 1.0, so a misheard threat can't be told apart by confidence), which is what they
check the detector stays safe under.
"""

from __future__ import annotations

import json

import pytest
import soundfile as sf

from deescalate.audio.feed import SAMPLE_RATE
from deescalate.cli.main import EXIT_OK, main
from deescalate.demo.synth import Line, Voice, render_call

AGENT = Voice("en-us+klatt", 140)


def customer(level: int = 0) -> Voice:
    """Level 0 (calm) to 3 (shouting). PocketSphinx loses words quickly when the Klatt
    voice's pitch moves far from its default, so pitch rises only a little."""
    return Voice("en-us+klatt", 150 + 5 * level, 50 + 4 * level, 100 + 30 * level)


@pytest.fixture
def play(tmp_path, capsys):
    """Renders a call, replays it with --json; returns (events, where each line landed)."""

    def _play(lines: list[Line], *args: str):
        stereo, placed = render_call(lines)
        path = tmp_path / "call.wav"
        sf.write(path, stereo, SAMPLE_RATE)
        assert main(["replay", str(path), "--json", *args]) == EXIT_OK
        events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        return events, placed

    return _play


def of(events, kind):
    return [e for e in events if e["type"] == kind]


def levels(events):
    return {e["level"] for e in of(events, "tension")}


def test_calm_call_stays_calm_with_no_suggestions(play):
    events, _ = play(
        [
            Line("agent", "thank you for calling how can I help", AGENT),
            Line("customer", "I would like to change my address please", customer()),
            Line("agent", "of course I can do that for you", AGENT),
            Line("customer", "thank you that is all", customer()),
        ]
    )
    assert levels(events) == {"calm"}
    assert of(events, "suggestion") == [] and of(events, "escalate") == []


def test_loud_but_polite_caller_stays_calm(play):
    loud = Voice("en-us+klatt", 165, 60, 190)
    events, _ = play(
        [
            Line("customer", "hello I am calling about my bill", loud),
            Line("agent", "I can help with that", AGENT),
            Line("customer", "thank you I would like to pay it today", loud),
            Line("agent", "that is done for you", AGENT),
            Line("customer", "wonderful thank you very much", loud),
        ]
    )
    assert levels(events) == {"calm"}
    assert of(events, "suggestion") == []


def test_frustrated_caller_reaches_tense_with_a_listening_or_calming_phrase(play):
    events, _ = play(
        [
            Line("customer", "this is ridiculous", customer(1)),
            Line("agent", "I am sorry", AGENT),
            Line("customer", "I already told you this is ridiculous", customer(2)),
        ]
    )
    assert levels(events) & {"tense", "heated"}
    assert of(events, "suggestion")[0]["category"] in ("listening", "calming")


def test_insults_bring_boundary_scripts(play):
    events, _ = play(
        [
            Line("customer", "you are useless", customer(2)),
            Line("agent", "I want to help", AGENT),
            Line("customer", "you are an idiot", customer(3)),
            # The first step stays up long enough to be read before the second replaces it.
            Line("agent", "I want us to keep this respectful", AGENT, gap=14.0),
        ]
    )
    boundary = [s["id"] for s in of(events, "suggestion") if s["category"] == "boundary"]
    assert boundary == ["boundary_first", "boundary_second"]


def test_threat_escalates_within_one_second_of_audio(play):
    events, placed = play(
        [
            Line("customer", "this is taking forever", customer(1)),
            Line("customer", "I will kill you", customer(3)),
        ]
    )
    escalate = of(events, "escalate")
    assert escalate, "no escalate event"
    assert escalate[0]["t"] - placed[-1].end <= 1.0
    assert "unsafe" in levels(events)


def test_supervisor_demand_brings_next_steps_or_escalate(play):
    events, _ = play([Line("customer", "I want to talk to your supervisor", customer(1))])
    assert of(events, "suggestion")[0]["category"] in ("next_steps", "escalate")


def test_agent_citing_policy_gets_coaching(play):
    lines = [
        Line("customer", "this is not working", customer(2)),
        Line("agent", "I am sorry but that is our policy", AGENT),
    ]
    events, _ = play(lines)
    assert [s["category"] for s in of(events, "suggestion")] == ["coaching"]
    events, _ = play(lines, "--no-coaching")
    assert of(events, "suggestion") == []


def test_heated_call_that_is_calmed_returns_to_calm(play):
    events, _ = play(
        [
            Line("customer", "you are useless", customer(3)),
            Line("customer", "this is ridiculous", customer(3)),
            Line("agent", "I hear you and I will fix this now", AGENT),
            Line("customer", "okay thank you", customer(0), gap=30.0),
            Line("customer", "that works for me", customer(0), gap=15.0),
        ]
    )
    tension = of(events, "tension")
    assert {"tense", "heated"} & levels(events)
    assert tension[-1]["level"] == "calm"


def test_lexical_traps_raise_nothing(play):
    events, _ = play(
        [
            Line("customer", "can I kill the process", customer()),
            Line("agent", "yes you can", AGENT),
            Line("customer", "my screen died", customer()),
            Line("customer", "shoot me an email", customer()),
        ]
    )
    assert levels(events) == {"calm"}
    assert of(events, "suggestion") == [] and of(events, "escalate") == []


VOICES = [
    Voice("en-us+klatt", 150),
    Voice("en-us+f3", 150, 55),
    Voice("en-us", 165, 40),
    Voice("en-us+m3", 155, 45),
]


@pytest.mark.parametrize("voice", VOICES, ids=lambda v: v.name)
def test_polite_helpful_lines_never_make_a_call_unsafe_in_any_voice(play, voice):
    events, _ = play(
        [
            Line("agent", "I am happy to help you with that", voice),
            Line("customer", "thanks, I'd be glad if you could fill it in for me", voice),
            Line("agent", "happy to help you, I will fill it in now", voice),
        ]
    )
    assert "unsafe" not in levels(events)
    assert of(events, "escalate") == []


@pytest.mark.parametrize("voice", VOICES[:2], ids=lambda v: v.name)
def test_an_angry_first_turn_is_tense_without_waiting_for_a_baseline(play, voice):
    loud = Voice(voice.name, voice.rate + 20, voice.pitch + 10, 180)
    events, _ = play(
        [
            Line("customer", "this is ridiculous, you are useless", loud),
            Line("customer", "I am furious, this is unacceptable", loud),
        ]
    )
    assert levels(events) & {"tense", "heated"}
