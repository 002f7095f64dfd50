"""Transcript calls for the cases a new user tripped over: words that only look like cues,
threats, a caller angry from the first words, repeated calls and supervisor requests."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from deescalate.cli.main import EXIT_OK, main


def replay(capsys, tmp_path: Path, text: str) -> list[dict]:
    path = tmp_path / "call.txt"
    path.write_text(text)
    assert main(["replay", str(path), "--json"]) == EXIT_OK
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def of(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == kind]


def levels(events: list[dict]) -> set[str]:
    return {e["level"] for e in of(events, "tension")}


@pytest.mark.parametrize(
    "line",
    [
        "my team manager asked me to sort out the direct debit",
        "the manager at the branch said you would have the form",
        "I was at the food court when the card got declined",
        "oh never mind, I've found the reference number",
        "oh great, thanks a lot, that fixed it straight away",
    ],
)
def test_ordinary_lines_that_only_look_like_cues_bring_nothing(capsys, tmp_path, line):
    events = replay(capsys, tmp_path, f"customer: {line}\nagent: lovely\n")
    assert levels(events) == {"calm"}
    assert of(events, "suggestion") == [] and of(events, "escalate") == []


@pytest.mark.parametrize(
    "line",
    ["don't push me or I'll hurt you", "no, I will find you, you wait"],
)
def test_a_negated_looking_threat_still_escalates(capsys, tmp_path, line):
    events = replay(capsys, tmp_path, f"customer: {line}\n")
    escalate = of(events, "escalate")
    assert escalate and escalate[0]["kind"] == "threat"
    assert "unsafe" in levels(events)


def test_negation_does_not_reach_into_the_next_clause(capsys, tmp_path):
    text = "customer: no you clown\nagent: I understand\ncustomer: I'm not cross I'm furious\n"
    events = replay(capsys, tmp_path, text)
    cues = {r["cue"] for e in of(events, "tension") for r in e["reasons"]}
    assert {"insult", "frustration"} <= cues


def test_a_caller_angry_from_the_first_words_is_tense_at_once(capsys, tmp_path):
    text = (
        "customer: I've been kept waiting for a month, nobody told me my parcel was lost, "
        "this is outrageous\n"
    )
    events = replay(capsys, tmp_path, text)
    assert levels(events) & {"tense", "heated"}


def test_calling_again_brings_listening_before_the_call_is_tense(capsys, tmp_path):
    text = "customer: hello, it's the third time I've called about the broken boiler\n"
    events = replay(capsys, tmp_path, text)
    assert [s["category"] for s in of(events, "suggestion")] == ["listening"]
    assert levels(events) == {"calm"}


def test_a_second_supervisor_request_hands_over_in_its_own_way(capsys, tmp_path):
    text = (
        "[00:00] customer: could I talk to a supervisor please\n"
        "[00:06] agent: let me try one thing first\n"
        "[00:20] customer: no, get me your manager\n"
    )
    events = replay(capsys, tmp_path, text)
    escalate = of(events, "escalate")
    assert [e["kind"] for e in escalate] == ["supervisor"]
    last = of(events, "suggestion")[-1]
    assert last["category"] == "handover" and "unsafe" not in levels(events)


def test_a_busy_angry_call_gets_one_prompt_at_a_time(capsys, tmp_path):
    text = "\n".join(
        [
            "customer: this is a joke, you never listen",
            "agent: calm down, it's our policy",
            "customer: you are hopeless, I'm going to close my account",
            "customer: and I'll take this to court",
            "customer: I want a supervisor now",
            "[00:40] agent: I'm here to help",
        ]
    )
    shown = [s for s in of(replay(capsys, tmp_path, text), "suggestion")]
    ordinary = [s for s in shown if s["category"] not in ("escalate", "handover")]
    assert len(ordinary) >= 2
    assert all(b["t"] - a["t"] >= 15 for a, b in itertools.pairwise(ordinary))
