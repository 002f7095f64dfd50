"""The SOP's incident record through the real session: written at the escalation, updated
by the agent's actions, offered for completion only once the escalation is dealt with, and
offered again after a restart until completed."""

from __future__ import annotations

from deescalate.bootstrap import build_session
from deescalate.config.settings import Settings
from deescalate.core.events import (
    CallEvent,
    EscalateEvent,
    Reason,
    SuggestionEvent,
    TensionEvent,
)
from deescalate.records.ops import OpenIncident, new_key
from deescalate.records.store import RecordStore
from deescalate.session.session import Session
from tests.session.conftest import wait_for

SPHINX = Settings(engine="sphinx")


def test_an_escalation_writes_the_incident_at_once_and_alerting_updates_the_same_record(
    tmp_path, threat_call
):
    records = RecordStore(tmp_path / "records.sqlite")
    session = build_session(
        SPHINX, mode="demo", records=records.path, recording=str(threat_call), realtime=False
    )
    session.start_call()
    assert wait_for(session, lambda: session.state.incident is not None, 60)
    assert not session.state.offer_incident, "offered while the escalation is on screen"
    [incident] = records.incidents()
    assert "kill you" in incident["reason"] and incident["call_id"] == 1
    assert any("kill you" in b for b in incident["behaviours"]), incident["behaviours"]
    assert incident["actions"] == [] and not incident["completed"]
    session.act("alert_supervisor")
    assert wait_for(session, lambda: session.state.alert == "recorded", 5)
    session.act("acknowledged")
    assert session.state.offer_incident
    assert wait_for(session, lambda: not session.running, 30)
    session.close()
    [incident] = records.incidents()
    assert incident["actions"] == ["supervisor alerted"]
    assert incident["updated_at"] > incident["at"]


def _suggest(session: Session, t: float, sid: str, text: str) -> None:
    session.apply(SuggestionEvent(t, "listening", sid, text, "insult"))


def test_actions_taken_are_only_the_suggestions_marked_used_and_spoken_numbers_are_not_kept(
    tmp_path,
):
    records = RecordStore(tmp_path / "records.sqlite")
    session = build_session(Settings(engine="none"), records=records.path)
    session.apply(CallEvent(0.0, "started"))
    _suggest(session, 3.0, "mirror_words", "Repeat their last words back.")
    session.act("used", "mirror_words")
    _suggest(session, 6.0, "own_mistake", "Own what went wrong.")
    session.act("dismissed", "own_mistake")
    _suggest(session, 8.0, "quiet_voice", "Lower your voice.")  # shown, never marked
    words = "my number is nine one seven five five five two"
    session.apply(TensionEvent(9.0, 85.0, "unsafe", (Reason("threat", 50.0, words),)))
    session.apply(EscalateEvent(9.5, "threat"))
    assert wait_for(session, lambda: session.state.incident is not None, 5)
    [incident] = records.incidents()
    assert incident["actions"] == ["Repeat their last words back. (mirror_words)"]
    assert incident["behaviours"][0].startswith("threat")
    assert "nine one seven" not in incident["behaviours"][0]
    stored = [e["data"] for e in records.call_events(1) if e["type"] == "tension"]
    assert "nine one seven" not in str(stored), "spoken digits kept in the call's events"
    session.apply(EscalateEvent(20.0, "threat again"))  # the same call: the same record
    session.apply(CallEvent(30.0, "ended"))
    assert session.state.escalate is not None, "the escalation left with the call"
    session.act("acknowledged")
    assert session.state.offer_incident, "not offered once acknowledged after the call"
    assert session.writer.flush(5)
    assert len(records.incidents()) == 1
    session.close()


def test_an_unfinished_record_is_offered_after_a_restart_oldest_first_until_completed(
    tmp_path,
):
    records = RecordStore(tmp_path / "records.sqlite")
    older, newer = new_key(), new_key()
    records.apply(OpenIncident(older, None, 5.0, "threat", ("threat",)))
    records.apply(OpenIncident(newer, None, 9.0, "abuse", ("insult",)))
    session = build_session(Settings(engine="none"), records=records.path)
    session.offer_unfinished_incident()
    assert wait_for(session, lambda: session.state.incident == older, 5)
    assert session.state.offer_incident
    loaded = []
    session.load_incident(older, loaded.append)
    assert wait_for(session, lambda: loaded, 5)
    assert loaded[0]["reason"] == "threat"
    session.complete_incident(older, "ACC-1", "resolved on the call", "")
    assert wait_for(session, lambda: session.state.incident == newer, 5)
    session.load_incident("no-such-record", loaded.append)
    assert wait_for(session, lambda: len(loaded) == 2, 5)
    assert loaded[1] is None
    session.close()
    assert records.get_incident(older)["completed"]
    assert [r["key"] for r in records.unfinished_incidents()] == [newer]


def test_an_abusive_call_ended_per_policy_gets_an_incident_record(tmp_path):
    records = RecordStore(tmp_path / "records.sqlite")
    session = build_session(Settings(engine="none"), records=records.path)
    steps = sorted(
        (r for r in session.phrasebook.active_responses() if r.category == "boundary"),
        key=lambda r: r.step,
    )
    assert "end" in steps[-1].text.lower()  # the default's last step: end the call
    session.apply(CallEvent(0.0, "started"))
    session.apply(TensionEvent(4.0, 40.0, "tense", (Reason("insult", 25.0, "you idiot"),)))
    for n, step in enumerate(steps):
        session.apply(SuggestionEvent(5.0 + 6 * n, "boundary", step.id, step.text, "abuse"))
        if n < len(steps) - 1:
            assert session.writer.flush(5) and records.incidents() == [], "record too early"
    session.act("used", steps[-1].id)
    session.apply(CallEvent(30.0, "ended"))
    assert wait_for(session, lambda: session.state.offer_incident, 5)
    assert session.writer.flush(5)
    [incident] = records.incidents()
    assert "abusive caller" in incident["reason"] and "boundary step" in incident["reason"]
    assert any(b.startswith('insult: "you idiot"') for b in incident["behaviours"])
    assert incident["actions"] == [f"{steps[-1].text} ({steps[-1].id})"]
    session.close()


def test_used_on_a_hand_over_after_the_call_ended_is_added_to_the_record(tmp_path):
    records = RecordStore(tmp_path / "records.sqlite")
    session = build_session(Settings(engine="none"), records=records.path)
    session.apply(CallEvent(0.0, "started"))
    reason = "the caller asked for a supervisor again"
    session.apply(EscalateEvent(12.0, reason, "supervisor"))
    handover = "Agree to it: bring my supervisor in now."
    session.apply(SuggestionEvent(12.0, "handover", "handover_supervisor", handover, reason))
    session.apply(CallEvent(40.0, "ended"))
    session.apply(CallEvent(45.0, "started"))  # the next caller, while the prompt is held
    session.act("used", "handover_supervisor")  # the agent did bring the supervisor in
    assert session.writer.flush(5)
    [incident] = records.incidents()
    assert incident["reason"] == reason
    assert incident["actions"] == [f"{handover} (handover_supervisor)"]
    session.close()
