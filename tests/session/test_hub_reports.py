"""What a seat's session tells the team hub (a small real hub, tests/support/hub.py): each
call with its id, levels only when they change, the agent's actions, incidents and alerts;
words only when the policy allows them, and then redacted. And the hub's phrasebook: it
applies from the next call, never in the middle of one."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK
from deescalate.audio.feed import SAMPLE_RATE
from deescalate.bootstrap import build_session
from deescalate.config.settings import Settings
from deescalate.core.events import (
    CallEvent,
    EscalateEvent,
    Reason,
    RunningEvent,
    SuggestionEvent,
    TensionEvent,
)
from tests.session.conftest import wait_for
from tests.support.hub import TOKEN, Hub

FAST = {"message_every": 0.1, "phrasebook_every": 0.2, "heartbeat_every": 60.0}
SPOKEN = "call me on 07700 900123"
THREAT = (Reason("threat_violence", 60.0, "I will find you"),)


@pytest.fixture
def hub():
    server = Hub()
    yield server
    server.stop()


@pytest.fixture
def seat(tmp_path, hub):
    """`seat(**settings)`: a session whose hub is `hub`, its files under tmp_path."""
    sessions = []

    def _open(mode: str = "live", **settings):
        chosen = Settings(engine="none", hub_url=hub.url, hub_enrol_token=TOKEN, **settings)
        session = build_session(
            chosen,
            mode=mode,
            records=tmp_path / "records.sqlite",
            hub_folder=tmp_path / "data",
            hub_timing=FAST,
        )
        sessions.append(session)
        return session

    yield _open
    for session in sessions:
        session.close()


def a_tense_call_that_escalates(session) -> str:
    """Events of a call as the call's process sends them; returns the call's id."""
    session.apply(RunningEvent(0.0, "none", demo=False))
    session.apply(CallEvent(1.0, "started"))
    call_id = session.hub.call_id
    session.apply(TensionEvent(1.5, 5.0, "calm"))
    session.apply(TensionEvent(2.0, 45.0, "tense", (Reason("frustration", 20.0, "ridiculous"),)))
    session.apply(TensionEvent(2.5, 48.0, "tense", (Reason("frustration", 22.0, "ridiculous"),)))
    session.apply(
        SuggestionEvent(2.5, "calming", "calm_pace", f"Slow down, {SPOKEN}.", "frustration")
    )
    session.act("used", "calm_pace")
    session.apply(TensionEvent(3.0, 90.0, "unsafe", THREAT))
    session.apply(EscalateEvent(3.0, f"threat: I will find you, {SPOKEN}", "threat"))
    session.act("alert_supervisor")
    session.act("acknowledged")
    session.apply(CallEvent(40.0, "ended"))
    return call_id


def test_a_call_is_reported_with_its_id_and_levels_on_change_and_no_words_by_default(seat, hub):
    session = seat()
    call_id = a_tense_call_that_escalates(session)
    assert session.hub.link.flush(5)
    events = sorted(hub.events.values(), key=lambda e: e["at"])
    calls = [e for e in events if e["kind"] != "heartbeat"]
    assert [e["kind"] for e in calls] == [
        "call_started",
        "level",
        "suggestion",
        "used",
        "level",
        "escalation",
        "incident",
        "alert",
        "acknowledged",
        "call_ended",
    ]
    assert len(call_id) == 32 and all(e["call_id"] == call_id for e in calls)
    assert call_id == session.recorder.last_call.key, "the hub's call id is the record's"
    by_kind = {e["kind"]: e["data"] for e in calls}
    assert by_kind["call_started"] == {"demo": False, "phrasebook_version": ""}
    assert [e["data"]["level"] for e in calls if e["kind"] == "level"] == ["tense", "unsafe"]
    assert by_kind["suggestion"] == {"category": "calming", "suggestion_id": "calm_pace"}
    assert by_kind["used"] == {"category": "calming", "suggestion_id": "calm_pace"}
    assert by_kind["escalation"] == {"kind": "threat"}
    assert by_kind["incident"]["cues"] == ["threat_violence"]
    assert by_kind["alert"] == {"level": "unsafe", "reasons": ["threat_violence"]}
    assert by_kind["call_ended"]["ended_by"] == "silence"
    sent = b"".join(hub.bodies)
    for words in (b"Slow down", b"find you", b"ridiculous", b"07700"):
        assert words not in sent, f"{words!r} went to the hub without hub_send_words"


def test_with_words_allowed_they_go_redacted(seat, hub):
    session = seat(hub_send_words=True)
    a_tense_call_that_escalates(session)
    assert session.hub.link.flush(5)
    by_kind = {e["kind"]: e["data"] for e in hub.events.values()}
    assert by_kind["suggestion"]["text"] == "Slow down, call me on [phone]."
    # The why line under the escalation: what brought it, not the same words again.
    assert by_kind["escalation"]["reason"] == "threat: I will find you, call me on [phone]"
    assert by_kind["incident"]["reason"] == "threat: I will find you, call me on [phone]"
    assert by_kind["incident"]["behaviours"] == ['threat violence: "I will find you"']
    assert "07700" not in str(hub.events)


def test_the_demo_call_is_reported_as_a_demo_and_stopping_it_is_the_agent_ending_it(seat, hub):
    session = seat(mode="demo")
    session.apply(RunningEvent(0.0, "none", demo=True))
    session.stop_call()
    assert session.hub.link.flush(5)
    started = hub.of_kind("call_started")
    assert [e["data"]["demo"] for e in started] == [True]
    assert hub.of_kind("call_ended")[0]["data"]["ended_by"] == "agent"


def test_a_supervisor_on_the_way_is_shown_for_this_call_only_until_it_ends(seat, hub):
    session = seat()
    assert wait_for(session, lambda: len(hub.message_asks) >= 2, 5)
    session.apply(RunningEvent(0.0, "none", demo=False))
    session.apply(CallEvent(1.0, "started"))
    hub.send("coming", "some-other-call", "Pat")
    hub.send("coming", session.hub.call_id, "Sam")
    assert wait_for(session, lambda: session.state.help_coming, 2)
    assert session.state.help_coming == "Sam is on the way"
    hub.send("take_over", session.hub.call_id, "Sam")
    assert wait_for(session, lambda: session.state.help_coming == "Sam is taking over", 2)
    session.apply(CallEvent(40.0, "ended"))
    assert session.state.help_coming == ""


# --- the hub's phrasebook: from the next call only ----------------------------------------

TEAM_PAUSE = "Team rule: pause the call and alert your supervisor."
DEFAULT_TEXT = DEFAULT_PHRASEBOOK.read_text()


def texts(book) -> set[str]:
    return {r.text for r in book.responses}


@pytest.fixture
def short_recording(tmp_path):
    """Three seconds of quiet line noise: the demo call plays it in real time."""
    noise = np.random.default_rng(1).normal(0, 0.001, 3 * SAMPLE_RATE).astype(np.float32)
    path = tmp_path / "line.wav"
    sf.write(path, noise, SAMPLE_RATE)
    return path


def test_the_hubs_phrasebook_applies_from_the_next_call_never_in_the_middle_of_one(
    tmp_path, hub, short_recording
):
    hub.publish("v1", DEFAULT_TEXT)
    session = build_session(
        Settings(engine="none", hub_url=hub.url, hub_enrol_token=TOKEN),
        mode="demo",
        records=tmp_path / "records.sqlite",
        recording=str(short_recording),
        hub_folder=tmp_path / "data",
        hub_timing=FAST,
    )
    try:
        assert wait_for(session, lambda: session.phrasebooks.version == "v1", 5)
        session.start_call()
        first = session.runner
        assert wait_for(session, lambda: session.hub.call_id, 20), "the demo call never started"
        assert TEAM_PAUSE not in texts(first.spec.phrasebook)

        hub.publish(
            "v2",
            DEFAULT_TEXT.replace("Pause the call calmly. Alert your supervisor now.", TEAM_PAUSE),
        )
        assert wait_for(session, lambda: session.phrasebooks.version == "v2", 5)
        assert TEAM_PAUSE in texts(session.phrasebook), (
            "the new version is in force for the next call"
        )
        assert session.runner is first and session.state.in_call, "the call was cut short"

        assert wait_for(session, lambda: not session.running, 20), "the demo call never ended"
        session.start_call()
        assert TEAM_PAUSE in texts(session.runner.spec.phrasebook)
        assert wait_for(session, lambda: len(hub.of_kind("call_started")) == 2, 20)
        versions = [
            e["data"]["phrasebook_version"]
            for e in sorted(hub.of_kind("call_started"), key=lambda e: e["at"])
        ]
        assert versions == ["v1", "v2"]
    finally:
        session.close()


def test_a_phrasebook_the_check_rejects_is_never_used_and_the_problem_line_says_so(seat, hub):
    hub.publish(
        "v7",
        DEFAULT_TEXT.replace("when: [unsafe, threat_violence]", "when: [unsafe, threat_violense]"),
    )
    session = seat()
    assert wait_for(session, lambda: "v7" in session.state.error, 5)
    assert "threat_violense" in session.state.error and "not used" in session.state.error
    assert session.phrasebooks.version == ""


def test_a_revoked_seat_is_on_the_problem_line_with_the_fix(seat, hub):
    session = seat()
    assert wait_for(session, lambda: session.hub.link.enrolled, 5)
    hub.revoke_all()
    assert wait_for(session, lambda: "no longer accepts this seat" in session.state.error, 5)
    assert session.state.error == (
        f"Team hub {hub.url} no longer accepts this seat (HTTP 401): "
        "ask IT for a new enrolment token."
    )
