"""The Qt-free session over real calls in child processes: real recordings made with
espeak-ng, real PocketSphinx, real SQLite."""

from __future__ import annotations

import sqlite3
import time

from deescalate.bootstrap import build_session
from deescalate.config.settings import Settings
from deescalate.core.events import CallEvent
from deescalate.records.store import RecordStore
from tests.session.conftest import wait_for
from tests.support import engines

SPHINX = Settings(engine="sphinx")


def test_a_threat_escalates_and_the_agents_actions_are_recorded_with_the_call(
    tmp_path, threat_call
):
    records = RecordStore(tmp_path / "records.sqlite")
    session = build_session(
        SPHINX, mode="demo", records=records.path, recording=str(threat_call), realtime=False
    )
    session.start_call()
    assert wait_for(session, lambda: session.state.escalate is not None, 60)
    assert session.state.banner.startswith("DEMO")
    session.act("alert_supervisor")
    assert wait_for(session, lambda: session.state.alert == "recorded", 5)
    session.act("acknowledged")
    assert session.state.escalate is None
    assert wait_for(session, lambda: not session.running, 30)
    session.close()
    incident = records.incidents()[0]
    assert "kill you" in incident["reason"] and incident["call_id"] == 1
    kinds = [e["type"] for e in records.call_events(1)]
    assert "escalate" in kinds
    actions = [e["data"]["action"] for e in records.call_events(1) if e["type"] == "agent_action"]
    assert actions == ["alert_supervisor", "acknowledged"]
    assert records.calls()[0]["ended_at"] is not None


def test_stopping_a_call_whose_recogniser_fell_behind_returns_at_once_and_a_new_one_starts(
    tmp_path, threat_call
):
    session = build_session(
        SPHINX,
        mode="demo",
        records=tmp_path / "records.sqlite",
        recording=str(threat_call),
        realtime=True,
        make_engine=engines.slow_sphinx,
    )
    session.start_call()
    assert wait_for(session, lambda: session.state.engine == "pocketsphinx, slowed down", 30)
    time.sleep(3)  # the slow recogniser is now seconds behind the audio
    old = session.runner
    started = time.monotonic()
    session.stop_call()
    assert time.monotonic() - started < 1.0
    session.start_call()  # starts once the old call has ended: never two at once
    assert wait_for(session, lambda: session.running and session.runner is not old, 10)
    assert old.finished.is_set()
    session.close()


def test_a_call_process_that_dies_is_reported_and_restarted(tmp_path, threat_call):
    session = build_session(
        SPHINX,
        mode="demo",
        records=tmp_path / "records.sqlite",
        recording=str(threat_call),
        realtime=True,
        make_engine=engines.crashing_sphinx,
    )
    session.start_call()
    first = session.runner
    assert wait_for(session, lambda: session.runner is not first and session.running, 30)
    assert "stopped unexpectedly (exit code 139)" in session.state.error
    assert first.exitcode == 139
    assert session.writer.flush(5)
    crashed_call = RecordStore(tmp_path / "records.sqlite").calls()[0]
    assert crashed_call["ended_at"] is not None, "the crashed call's record was left open"
    session.close()


def test_a_broken_phrasebook_in_the_settings_falls_back_to_the_default_and_says_so(tmp_path):
    broken = tmp_path / "team.yaml"
    broken.write_text("cues:\n  - id: Bad Id\n    phrases: []\n")
    session = build_session(
        Settings(engine="none", phrasebook=(str(broken),)),
        records=tmp_path / "records.sqlite",
    )
    assert "team.yaml" in session.state.error and "default phrasebook" in session.state.error
    assert session.phrasebook.escalate_steps  # the default phrasebook's
    session.close()


def test_changing_a_call_setting_restarts_the_running_call_and_says_so(tmp_path, threat_call):
    session = build_session(
        SPHINX,
        mode="demo",
        records=tmp_path / "records.sqlite",
        recording=str(threat_call),
    )
    session.start_call()
    assert wait_for(session, lambda: session.state.engine.startswith("pocketsphinx"), 30)
    first = session.runner
    note = session.apply_settings(SPHINX.with_values(engine="none", coaching=False))
    assert note == "Call restarted to apply: engine, coaching"
    assert wait_for(session, lambda: session.state.engine.startswith("no speech"), 30)
    assert first.finished.is_set()
    assert session.apply_settings(session.settings.with_values(opacity=0.5)) == ""
    session.close()


def test_records_that_cannot_be_written_are_kept_and_written_once_the_folder_is_back(
    tmp_path,
):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the records folder should be")
    records = RecordStore(blocker / "records.sqlite")
    session = build_session(Settings(engine="none"), records=records.path)
    session.writer._retry = 0.2
    session.apply(CallEvent(0.0, "started"))
    session.act("alert_supervisor")
    assert wait_for(session, lambda: "cannot open records" in session.state.error, 5)
    blocker.unlink()  # the agent frees the place
    assert wait_for(session, lambda: session.state.alert == "recorded", 5)
    assert session.state.error == ""
    assert len(records.incidents()) == 1
    session.close()


def test_records_survive_a_kill_in_the_middle_of_writing(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "records.sqlite"
    writer = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    committed = [writer.stdout.readline().strip() for _ in range(200)]
    writer.kill()  # SIGKILL: no cleanup, possibly mid-transaction
    writer.wait()
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    keys = {row[0] for row in connection.execute("SELECT key FROM incidents")}
    assert set(committed) <= keys


KILLED_WRITER = """
import sys
from pathlib import Path
from deescalate.records.ops import OpenIncident, new_key
from deescalate.records.store import RecordStore
store = RecordStore(Path(sys.argv[1]))
while True:
    key = new_key()
    store.apply(OpenIncident(key, None, 1.0, "threat", ("shouting",), ("alerted",), "pending"))
    print(key, flush=True)
"""


def test_alert_supervisor_reaches_a_webhook_that_fails_first_and_is_shown_as_sent(
    tmp_path,
):
    from deescalate.alerts.webhook import WebhookNotifier
    from tests.support.webhook import TOKEN, Hook

    hook = Hook([503, 200])
    try:
        settings = Settings(engine="none", agent_name="maria.k")
        session = build_session(settings, records=tmp_path / "records.sqlite")
        session.use_notifier(
            WebhookNotifier(
                hook.url, tmp_path / "outbox", "json", session.alert_status, first_retry=0.3
            )
        )
        session.apply(CallEvent(0.0, "started"))
        session.state.level = "unsafe"
        session.act("alert_supervisor")
        assert wait_for(session, lambda: session.state.alert == "queued", 10)
        assert wait_for(session, lambda: session.state.alert == "sent", 10)
        assert len(hook.bodies) == 2 and hook.bodies[-1]["agent"] == "maria.k"
        assert hook.bodies[-1]["level"] == "unsafe" and "transcript" not in hook.bodies[-1]
        assert TOKEN not in session.state.error
        session.close()
    finally:
        hook.close()


def test_an_edited_phrasebook_is_reloaded_and_a_broken_edit_keeps_the_last_good_one(tmp_path):
    from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK

    team = tmp_path / "team.yaml"
    team.write_text(DEFAULT_PHRASEBOOK.read_text())
    session = build_session(
        Settings(engine="none", phrasebook=(str(team),)),
        records=tmp_path / "records.sqlite",
    )
    session.watch_phrasebook()
    time.sleep(0.5)
    good = session.phrasebook
    team.write_text(team.read_text() + "\ncues: [oops\n")
    assert wait_for(session, lambda: "Keeping the last good phrasebook" in session.state.error, 10)
    assert "team.yaml" in session.state.error
    assert session.phrasebook is good
    text = DEFAULT_PHRASEBOOK.read_text()
    step = good.escalate_steps[0]
    team.write_text(text.replace(step, "Say you will put them on hold for a moment."))
    assert wait_for(
        session,
        lambda: (
            session.phrasebook.escalate_steps[0] == "Say you will put them on hold for a moment."
        ),
        10,
    )
    assert session.state.error == ""
    session.close()


def test_a_stuck_recogniser_is_shown_as_behind_and_the_call_still_stops_at_once(
    tmp_path, threat_call
):
    session = build_session(
        SPHINX,
        mode="demo",
        records=tmp_path / "records.sqlite",
        recording=str(threat_call),
        make_engine=engines.stuck_sphinx,
    )
    session.start_call()
    assert wait_for(session, lambda: "recognition behind" in session.state.status_line, 30)
    runner = session.runner
    started = time.monotonic()
    session.stop_call()
    assert time.monotonic() - started < 1.0
    assert runner.finished.wait(10), "the stuck call was not ended"
    session.close()


def test_a_call_process_ends_when_the_app_is_killed(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    import psutil

    script = f"""
import time
from deescalate.config.settings import Settings
from deescalate.bootstrap import build_session
session = build_session(Settings(engine="none"), mode="demo",
                        records=__import__("pathlib").Path({str(tmp_path)!r}) / "r.sqlite")
session.start_call()
while session.runner.exitcode is None and not session.state.engine:
    session.poll(); time.sleep(0.05)
print("running", flush=True)
time.sleep(60)
"""
    app = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert app.stdout.readline().strip() == "running"
    children = psutil.Process(app.pid).children()
    assert children, "no call process"
    os.kill(app.pid, signal.SIGKILL)
    app.wait()
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, "the call process outlived the app"
