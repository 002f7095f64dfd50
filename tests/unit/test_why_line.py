"""The why line under an escalation: what brought it first, then one other thing heard."""

from __future__ import annotations

from deescalate.core.events import EscalateEvent, Reason, TensionEvent
from deescalate.session.display import DisplayState


def tension(t: float, level: str, *reasons: Reason) -> TensionEvent:
    return TensionEvent(t, sum(r.points for r in reasons), level, reasons)


def shown(*events) -> str:
    state = DisplayState()
    for event in events:
        state.apply(event)
    return state.why


def test_a_hand_over_says_the_caller_asked_again_and_what_else_was_heard():
    why = shown(
        tension(
            30.0,
            "heated",
            Reason("supervisor_demand", 30.0, "put your supervisor on"),
            Reason("insult", 20.0, "clueless"),
        ),
        EscalateEvent(30.0, "the caller asked for a supervisor again", "supervisor"),
    )
    assert why.startswith("the caller asked for a supervisor again")
    assert "clueless" in why
    assert "put your supervisor on" not in why  # said once is enough


def test_a_threat_is_quoted_once_and_the_next_reason_is_something_else():
    why = shown(
        tension(
            12.0,
            "unsafe",
            Reason("threat_violence", 100.0, "wait outside your office"),
            Reason("negative_words", 9.0, "outside, office"),
            Reason("negative_words", 8.5),  # carried by meaning alone: names nothing
            Reason("raised_voice", 8.0),
        ),
        EscalateEvent(12.0, 'threat heard: "wait outside your office"', "threat"),
    )
    assert why == 'threat heard: "wait outside your office"; raised voice'


def test_the_escalation_keeps_its_reason_after_the_score_has_faded():
    why = shown(
        EscalateEvent(5.0, 'threat heard: "you will pay for this"', "threat"),
        tension(90.0, "calm"),
    )
    assert why == 'threat heard: "you will pay for this"'


def test_words_the_escalation_already_says_are_not_said_twice():
    why = shown(
        tension(
            7.0,
            "unsafe",
            Reason("threat_violence", 100.0, "burn your car"),
            Reason("sarcasm", 8.0, "oh great"),
        ),
        EscalateEvent(7.0, "threat: burn your car, I mean it", "threat"),
    )
    assert why == 'threat: burn your car, I mean it; sarcasm "oh great"'
