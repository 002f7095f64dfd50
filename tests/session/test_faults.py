"""The session when its parts fail at once: every problem stays on screen until its own
source is fixed, alerts leave while the records can't be written, and a quit in the middle
of it all loses nothing."""

from __future__ import annotations

import time

from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK
from deescalate.alerts.webhook import WebhookNotifier
from deescalate.bootstrap import build_session
from deescalate.config.settings import Settings
from deescalate.core.events import (
    CallEvent,
    EscalateEvent,
    Reason,
    SuggestionEvent,
    TensionEvent,
)
from deescalate.records.store import RecordStore
from tests.session.conftest import wait_for
from tests.support.webhook import Hook


def escalate(session) -> None:
    session.apply(CallEvent(1.0, "started"))
    session.apply(TensionEvent(4.0, 90.0, "unsafe", (Reason("threat", 60.0, "hurt you"),)))
    session.apply(SuggestionEvent(4.0, "escalate", "escalate_threat", "Pause the call.", "x"))
    session.apply(EscalateEvent(4.0, 'threat heard: "hurt you"'))


def test_two_problems_stay_on_screen_until_each_is_fixed(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the records folder should be")
    team = tmp_path / "team.yaml"
    team.write_text("cues: [oops\n")
    session = build_session(
        Settings(engine="none", phrasebook=(str(team),)), records=blocker / "records.sqlite"
    )
    session.writer._retry = 0.2
    session.watch_phrasebook()
    escalate(session)
    assert wait_for(session, lambda: len(session.problems.lines()) == 2, 5)
    text = session.state.error
    assert "team.yaml" in text and "cannot open records" in text
    blocker.unlink()  # the records folder can be written again
    assert wait_for(session, lambda: "cannot open records" not in session.state.error, 10)
    assert "team.yaml" in session.state.error, "the records recovering hid the phrasebook"
    team.write_text(DEFAULT_PHRASEBOOK.read_text())  # the supervisor fixes the file
    assert wait_for(session, lambda: session.state.error == "", 10)
    session.close()


def test_alerts_go_out_while_the_records_cannot_be_written(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the records folder should be")
    hook = Hook([200])
    try:
        session = build_session(Settings(engine="none"), records=blocker / "records.sqlite")
        session.use_notifier(
            WebhookNotifier(hook.url, tmp_path / "outbox", "json", session.alert_status)
        )
        escalate(session)
        session.act("alert_supervisor")
        assert wait_for(session, lambda: session.state.alert == "sent", 10)
        assert hook.bodies and hook.bodies[0]["level"] == "unsafe"
        assert "cannot open records" in session.state.error
        session.close()
    finally:
        hook.close()


def test_a_quit_with_records_and_an_alert_pending_loses_neither(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the records folder should be")
    records = blocker / "records.sqlite"
    down = Hook([200])
    url = down.url
    down.close()  # the supervisors' channel is unreachable
    settings = Settings(
        engine="none", alert_webhook_url=url, alert_format="json", alert_outbox=str(tmp_path)
    )
    session = build_session(settings, records=records)
    escalate(session)
    session.act("used", "escalate_threat")
    session.act("alert_supervisor")
    assert wait_for(session, lambda: session.state.alert == "queued", 10)
    started = time.monotonic()
    session.close(timeout=0.5)
    assert time.monotonic() - started < 3, "quitting waited on the records or the network"

    blocker.unlink()  # next morning: the disk is fine and the channel is up
    up = Hook([200], port=down.port)
    try:
        session = build_session(settings, records=records)
        assert session.writer.flush(10)
        store = RecordStore(records)
        [call] = store.calls()
        [incident] = store.incidents()
        assert incident["call_id"] == call["id"] and "hurt you" in incident["reason"]
        assert incident["actions"] == ["Pause the call. (escalate_threat)", "supervisor alerted"]
        kinds = [e["type"] for e in store.call_events(call["id"])]
        assert {"tension", "suggestion", "escalate", "agent_action"} <= set(kinds)
        deadline = time.monotonic() + 10
        while not up.bodies and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(up.bodies) == 1 and up.bodies[0]["agent"]
        session.close()
    finally:
        up.close()
