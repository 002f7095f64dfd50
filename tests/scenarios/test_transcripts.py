"""Scenario calls as transcripts: the detector and advisor without audio."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK
from deescalate.cli.main import EXIT_BAD_INPUT, EXIT_OK, main


def replay(capsys, tmp_path: Path, text: str, suffix: str = ".txt", *args: str) -> list[dict]:
    path = tmp_path / f"call{suffix}"
    path.write_text(text)
    assert main(["replay", str(path), "--json", *args]) == EXIT_OK
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def of(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == kind]


def levels(events: list[dict]) -> list[str]:
    return [e["level"] for e in of(events, "tension")]


CALM = """\
agent: thank you for calling, how can I help
customer: hi, I'd like to update the address on my account
agent: of course, what is the new address
customer: it is twelve station road
agent: done, is there anything else
customer: no that's all, thank you very much
"""


def test_calm_call_stays_calm_with_no_suggestions(capsys, tmp_path):
    events = replay(capsys, tmp_path, CALM)
    assert set(levels(events)) == {"calm"}
    assert of(events, "suggestion") == [] and of(events, "escalate") == []


def test_tension_every_half_second_of_call_time(capsys, tmp_path):
    events = replay(capsys, tmp_path, CALM)
    times = [e["t"] for e in of(events, "tension")]
    assert times[0] == 0.5
    assert all(abs((b - a) - 0.5) < 1e-6 for a, b in itertools.pairwise(times))
    assert times[-1] >= of(events, "transcript")[-1]["end"]


FRUSTRATED = """\
customer: my internet has been down for three days
agent: I'm sorry, let me look
customer: this is ridiculous, I already told you this yesterday
agent: I understand
customer: this is ridiculous, I already told you all of this yesterday, nothing ever works
"""


def test_frustrated_caller_gets_tense_and_a_listening_or_calming_phrase(capsys, tmp_path):
    events = replay(capsys, tmp_path, FRUSTRATED)
    assert {"tense", "heated"} & set(levels(events))
    first = of(events, "suggestion")[0]
    assert first["category"] in ("calming", "listening")
    assert first["reason"]
    tense = next(e for e in of(events, "tension") if e["level"] != "calm")
    assert {"frustration", "repetition"} <= {r["cue"] for r in tense["reasons"]}


def test_abuse_brings_boundary_steps_in_order(capsys, tmp_path):
    text = "\n".join(
        [
            "customer: you are an idiot",
            "agent: I want to help you",
            "customer: you are completely useless",
            "agent: let us keep this respectful",
            "customer: what a stupid company",
            # Each step stays up long enough to be read, so the call must go on a little.
            "[00:30] agent: I am going to end this call now",
        ]
    )
    suggestions = of(replay(capsys, tmp_path, text), "suggestion")
    boundary = [s["id"] for s in suggestions if s["category"] == "boundary"]
    assert boundary == ["boundary_first", "boundary_second", "boundary_end"]
    times = [s["t"] for s in suggestions if s["category"] == "boundary"]
    assert all(b - a >= 5.0 for a, b in itertools.pairwise(times))  # time to read each


def test_threat_escalates_within_a_second(capsys, tmp_path):
    text = "[00:01] customer: this is taking forever\n[00:05] customer: I will kill you\n"
    events = replay(capsys, tmp_path, text)
    threat_end = of(events, "transcript")[-1]["end"]
    escalate = of(events, "escalate")
    assert escalate and escalate[0]["t"] - threat_end <= 1.0
    assert "kill you" in escalate[0]["reason"]
    assert any(e["level"] == "unsafe" for e in of(events, "tension"))
    assert of(events, "suggestion")[-1]["category"] == "escalate"


def test_supervisor_demand_then_repeat_escalates(capsys, tmp_path):
    text = (
        "customer: get me your supervisor\n"
        "agent: let me help first\n"
        "customer: I want a manager now\n"
    )
    events = replay(capsys, tmp_path, text)
    first = of(events, "suggestion")[0]
    assert first["category"] in ("next_steps", "escalate")
    assert of(events, "escalate")


def test_agent_saying_calm_down_gets_coaching_unless_switched_off(capsys, tmp_path):
    text = "[00:00] customer: this is ridiculous\n[00:03] agent: calm down please\n"
    text += "[00:30] customer: right\n"
    coached = of(replay(capsys, tmp_path, text), "suggestion")
    assert "coaching" in [s["category"] for s in coached]
    plain = of(replay(capsys, tmp_path, text, ".txt", "--no-coaching"), "suggestion")
    assert "coaching" not in [s["category"] for s in plain]


def test_heated_call_that_is_calmed_returns_to_calm(capsys, tmp_path):
    text = "\n".join(
        [
            "[00:00] customer: this is ridiculous, I already told you, you are useless",
            "[00:05] customer: this is unacceptable, I am fed up, this is a joke",
            "[00:15] agent: I hear you, I will fix this right now",
            "[01:30] customer: okay, thank you, that works for me",
            "[02:30] customer: great, thanks again",
        ]
    )
    lv = levels(replay(capsys, tmp_path, text))
    assert "heated" in lv or "tense" in lv
    assert lv[-1] == "calm"


@pytest.mark.parametrize(
    "line",
    [
        "can I kill the process that is stuck",
        "my screen died this morning",
        "shoot me an e-mail with the details",
        "I'm not angry, I just want it fixed",
    ],
)
def test_lexical_traps_raise_nothing(capsys, tmp_path, line):
    events = replay(capsys, tmp_path, f"customer: {line}\nagent: sure\n")
    assert set(levels(events)) == {"calm"}
    assert of(events, "suggestion") == [] and of(events, "escalate") == []


def test_jsonl_transcript_with_times(capsys, tmp_path):
    lines = [
        {"speaker": "customer", "text": "I will kill you", "start": 3.0, "end": 4.2},
    ]
    text = "\n".join(json.dumps(line) for line in lines)
    events = replay(capsys, tmp_path, text, ".jsonl")
    assert of(events, "transcript")[0]["end"] == 4.2
    assert of(events, "escalate")[0]["t"] <= 5.2


def test_bad_transcript_line_names_file_and_line(capsys, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("customer: hello\nthis line has no speaker\n")
    assert main(["replay", str(bad)]) == EXIT_BAD_INPUT
    assert "bad.txt:2" in capsys.readouterr().err


def test_bad_phrasebook_names_file_line_and_field(capsys, tmp_path):
    book = tmp_path / "team.yaml"
    book.write_text("responses:\n  - id: calm_slow_down\n    category: soothing\n")
    (tmp_path / "c.txt").write_text("customer: hello\n")
    base = str(DEFAULT_PHRASEBOOK)
    code = main(
        ["replay", str(tmp_path / "c.txt"), "--phrasebook", base, "--phrasebook", str(book)]
    )
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT
    assert "team.yaml:3" in err and "category" in err


def test_a_transcript_saved_by_notepad_with_a_byte_order_mark_replays(tmp_path, capsys):
    path = tmp_path / "notepad.txt"
    path.write_bytes(
        "customer: I want to speak to your supervisor right now\r\n".encode("utf-8-sig")
    )
    assert main(["replay", str(path), "--json"]) == EXIT_OK
    assert "line 1" not in capsys.readouterr().err


def test_a_transcript_in_a_windows_code_page_is_named_with_the_fix(tmp_path, capsys):
    path = tmp_path / "cp1252.txt"
    path.write_bytes("customer: this café is a disgrace\n".encode("cp1252"))
    assert main(["replay", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "cp1252.txt" in err and "not UTF-8" in err and "UTF-8" in err.split("not UTF-8")[1]
    assert "codec" not in err


SENIOR_WORDS = {"supervisor", "manager", "speak", "talk", "charge", "boss", "senior", "want"}


def named_as_negative(events: list[dict]) -> set[str]:
    return {
        word.strip(" ,")
        for e in of(events, "tension")
        for r in e["reasons"]
        if r["cue"] == "negative_words"
        for word in r["words"].split(",")
    } - {""}


def test_asking_for_someone_senior_is_not_named_as_negative_words(capsys, tmp_path):
    text = (
        "customer: honestly I would rather speak with your manager about this\n"
        "agent: I can help you with that myself\n"
        "customer: no, put me through to whoever is in charge, I said let me talk to your boss\n"
    )
    events = replay(capsys, tmp_path, text)
    reasons = {r["cue"] for e in of(events, "tension") for r in e["reasons"]}
    assert reasons & {"supervisor_demand", "senior_request"}
    assert not named_as_negative(events) & SENIOR_WORDS
    for suggestion in of(events, "suggestion"):
        shown = suggestion["reason"].lower()
        assert not any(f"negative words ({w}" in shown for w in SENIOR_WORDS), shown


def test_angry_words_are_still_named(capsys, tmp_path):
    text = "customer: this is absolutely ridiculous, a whole week of waiting and nothing\n"
    assert "ridiculous" in named_as_negative(replay(capsys, tmp_path, text))
