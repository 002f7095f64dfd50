"""The advisor's pacing and choices, fed by the real detector through call analysis."""

from __future__ import annotations

import itertools

from deescalate.advice.phrasebook import load_phrasebook
from deescalate.call.analysis import CallAnalysis
from deescalate.core.events import EscalateEvent, Event, SuggestionEvent, TranscriptEvent


def call(lines: list[tuple[float, str, str]], until: float) -> list[Event]:
    """(time the line ends, speaker, text) replayed through the detector and advisor."""
    out: list[Event] = []
    analysis = CallAnalysis(load_phrasebook(), out.append)
    for end, speaker, text in lines:
        start = end - len(text.split()) / 2.5
        analysis(TranscriptEvent(end, speaker, text, True, start, end))
    analysis.finish(until)
    return out


def suggestions(events: list[Event]) -> list[SuggestionEvent]:
    return [e for e in events if isinstance(e, SuggestionEvent)]


def test_at_most_one_new_prompt_per_fifteen_seconds_except_escalate_and_boundary():
    lines = [
        (2, "customer", "this is absolutely ridiculous and nobody ever calls me back"),
        (5, "customer", "I am fed up, it is unacceptable, I want to close my account"),
        (8, "agent", "calm down, that is our policy"),
        (11, "customer", "I will call my lawyer about this, it is a disgrace"),
        (14, "customer", "you are hopeless and I am sick of it"),
        (17, "customer", "I will find where you live"),
    ]
    events = call(lines, 60)
    ordinary = [s for s in suggestions(events) if s.category not in ("escalate", "boundary")]
    gaps = [b.t - a.t for a, b in itertools.pairwise(ordinary)]
    assert all(gap >= 15 for gap in gaps), gaps
    # "hopeless" is on no list, but it is aimed at the agent: a boundary step, soon.
    boundary = [s for s in suggestions(events) if s.category == "boundary"]
    assert boundary and 14 <= boundary[0].t <= 20
    escalate = [e for e in events if isinstance(e, EscalateEvent)]
    assert escalate and escalate[0].t - 17 <= 1.0 and escalate[0].kind == "threat"


def test_a_suggestion_stays_up_before_a_boundary_step_replaces_it():
    lines = [
        (2, "customer", "this is the second time I've rung about the same fault"),
        (3.5, "customer", "you absolute moron"),
    ]
    shown = suggestions(call(lines, 30))
    assert [s.category for s in shown] == ["listening", "boundary"]
    assert shown[1].t - shown[0].t >= 5  # long enough to read the first one


def test_a_boundary_comes_while_the_insult_is_still_the_moment():
    lines = [
        (3, "customer", "I've been ringing you lot every day this week about my pension"),
        (5, "customer", "honestly you are pathetic"),
        (14, "customer", "sorry, that was uncalled for, it's been a long day"),
    ]
    shown = suggestions(call(lines, 20))
    boundary = [s for s in shown if s.category == "boundary"]
    assert len(boundary) == 1
    assert 5 <= boundary[0].t < 14 - 4, "shown too late to say before the caller moved on"


def test_a_burst_of_insults_is_one_warning_and_later_abuse_the_next_step():
    book = load_phrasebook()
    step = {r.id: r.step for r in book.responses if r.category == "boundary"}
    lines = [
        (2, "customer", "you clown"),
        (3, "customer", "useless"),
        (4, "customer", "absolutely incompetent"),
        (40, "customer", "what a waste of space you are"),
    ]
    shown = [s for s in suggestions(call(lines, 50)) if s.category == "boundary"]
    assert [step[s.id] for s in shown] == [1, 2]
    assert shown[1].t >= 40


def test_third_time_calling_gets_listening_even_while_calm():
    events = call([(3, "customer", "hi, this is the fourth time I've phoned about my bill")], 6)
    shown = suggestions(events)
    assert [s.category for s in shown] == ["listening"]


def test_a_repeated_supervisor_request_hands_over_not_the_threat_script():
    book = load_phrasebook()
    lines = [
        (2, "customer", "can I speak to your manager please"),
        (30, "customer", "I said put me through to a supervisor"),
    ]
    events = call(lines, 32)
    escalate = [e for e in events if isinstance(e, EscalateEvent)]
    assert [e.kind for e in escalate] == ["supervisor"]
    last = suggestions(events)[-1]
    assert last.category == "handover"
    threat_texts = {r.text for r in book.responses if r.category == "escalate"}
    assert last.text not in threat_texts
    assert "argue" not in last.text.lower()


def test_the_word_manager_in_passing_brings_nothing():
    lines = [
        (2, "customer", "my account manager said you could help with the invoice"),
        (6, "customer", "my manager will be thrilled if this gets sorted today"),
    ]
    events = call(lines, 10)
    assert suggestions(events) == []
    assert not [e for e in events if isinstance(e, EscalateEvent)]


def test_a_spotter_guess_in_a_calm_call_brings_no_boundary_and_no_quote():
    out: list[Event] = []
    analysis = CallAnalysis(load_phrasebook(), out.append)
    analysis(TranscriptEvent(2.0, "customer", "stupid", True, 1.5, 2.0, spotted=True))
    analysis(
        TranscriptEvent(2.2, "customer", "i want to talk to us you agree that", True, 0.5, 2.2)
    )
    analysis.finish(12)
    assert not [s for s in suggestions(out) if s.category == "boundary"]
    assert all('"stupid"' not in getattr(e, "reason", "") for e in out)


def test_coaching_that_waited_too_long_is_dropped_not_shown_late():
    lines = [
        (2, "customer", "hello, this is the third time I've called about my meter"),
        (4, "agent", "there's nothing I can do, that's our policy"),
        (6, "customer", "can I speak to your supervisor"),
        (8, "agent", "you should have read the letter"),
    ]
    shown = suggestions(call(lines, 80))
    assert [s.category for s in shown][:2] == ["listening", "next_steps"]
    assert all(s.t - 8 <= 30 for s in shown if s.category == "coaching")


def test_a_boundary_quotes_what_open_recognition_heard_not_the_spotter_guess():
    out: list[Event] = []
    analysis = CallAnalysis(load_phrasebook(), out.append)
    analysis(TranscriptEvent(2.0, "customer", "stupid", True, 1.4, 1.9, spotted=True))
    analysis(TranscriptEvent(2.1, "customer", "you are useless", True, 0.9, 2.0))
    analysis.finish(6)
    boundary = [s for s in suggestions(out) if s.category == "boundary"]
    assert len(boundary) == 1
    assert '"useless"' in boundary[0].reason and "stupid" not in boundary[0].reason


def test_the_agents_voice_rising_with_a_tense_caller_gets_coaching_once():
    from tests.unit.test_detector import voice

    out: list[Event] = []
    analysis = CallAnalysis(load_phrasebook(), out.append)
    events: list = [voice(0.5 * i, "agent") for i in range(1, 41)]  # 20 s of a calm agent
    events.append(
        TranscriptEvent(21.0, "customer", "this is a joke, you lot are useless", True, 19.0, 21.0)
    )
    events += [voice(22.0 + 0.5 * i, "agent", loud=-14.0) for i in range(10)]  # then shouting
    events += [voice(40.0 + 0.5 * i, "agent", loud=-14.0) for i in range(10)]  # and again
    for event in sorted(events, key=lambda e: e.t):
        analysis(event)
    analysis.finish(60.0)
    coaching = [s for s in suggestions(out) if s.category == "coaching"]
    assert [s.id for s in coaching] == ["coach_lower_voice"]
    assert "voice" in coaching[0].reason


def test_an_agent_who_stays_calm_gets_no_voice_coaching():
    from tests.unit.test_detector import voice

    out: list[Event] = []
    analysis = CallAnalysis(load_phrasebook(), out.append)
    events: list = [voice(0.5 * i, "agent") for i in range(1, 81)]
    events.append(
        TranscriptEvent(21.0, "customer", "this is a joke, you lot are useless", True, 19.0, 21.0)
    )
    for event in sorted(events, key=lambda e: e.t):
        analysis(event)
    analysis.finish(60.0)
    assert not [s for s in suggestions(out) if s.category == "coaching"]
