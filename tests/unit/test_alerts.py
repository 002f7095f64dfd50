"""Supervisor alerts against a real HTTP server on 127.0.0.1 that fails, stalls, then accepts."""

from __future__ import annotations

import json
import logging
import time

import pytest

from deescalate.alerts.notifier import Alert, AlertError
from deescalate.alerts.outbox import Outbox
from deescalate.alerts.webhook import WebhookNotifier, check_url, post
from deescalate.cli.main import main
from tests.support.webhook import TOKEN, Hook


@pytest.fixture
def hook_factory():
    hooks: list[Hook] = []

    def make(script: list, port: int = 0) -> Hook:
        hooks.append(Hook(script, port))
        return hooks[-1]

    yield make
    for hook in hooks:
        hook.close()


ALERT = Alert(
    agent="maria.k",
    time="2026-11-23T10:15:00+00:00",
    level="unsafe",
    reasons=('threat heard: "i will find you"',),
)


def test_failing_then_stalling_server_gets_the_alert_in_the_end(tmp_path, hook_factory, caplog):
    caplog.set_level(logging.DEBUG)
    hook = hook_factory([503, ("stall", 1.5), 200])
    states: list[str] = []
    notifier = WebhookNotifier(
        hook.url,
        tmp_path / "outbox.sqlite",
        "json",
        on_status=lambda s: states.append(s.state),
        first_retry=0.05,
        timeout=0.5,
    )
    try:
        alert_id = notifier.send(ALERT)
        status = notifier.wait(alert_id, timeout=15)
    finally:
        notifier.close()
    assert status is not None and status.state == "sent", status
    assert status.attempts >= 3
    assert states[0] == "queued" and states[-1] == "sent"
    assert "sent" not in states[:-1]
    received = hook.bodies[-1]
    assert received["agent"] == "maria.k" and received["level"] == "unsafe"
    assert received["reasons"] == ['threat heard: "i will find you"']
    assert "transcript" not in received
    seen = " ".join(r.getMessage() for r in caplog.records) + status.detail + " ".join(states)
    assert TOKEN not in seen and "webhook/" not in seen


def test_alert_queued_while_server_down_is_delivered_after_a_restart(tmp_path, hook_factory):
    outbox = tmp_path / "outbox.sqlite"
    down = hook_factory([200])
    port, url = down.port, down.url
    down.close()  # nothing listens on the port now: connection refused
    notifier = WebhookNotifier(url, outbox, "slack", first_retry=30, timeout=0.5)
    alert_id = notifier.send(ALERT)
    status = notifier.wait(alert_id, timeout=3)
    notifier.close()
    assert status is not None and status.state == "queued"
    assert "cannot reach" in status.detail and TOKEN not in status.detail

    back = hook_factory([200], port=port)
    restarted = WebhookNotifier(url, outbox, "slack", first_retry=30, timeout=2)
    try:
        # The next retry was 30 s away; a restart tries queued alerts at once.
        status = restarted.wait(alert_id, timeout=10)
    finally:
        restarted.close()
    assert status is not None and status.state == "sent"
    assert len(back.bodies) == 1 and "maria.k" in back.bodies[0]["text"]


def test_outbox_folder_keeps_a_file_and_lists_recent_alerts(tmp_path, hook_factory):
    hook = hook_factory([200, 404])
    notifier = WebhookNotifier(hook.url, tmp_path, "json", first_retry=0.05)
    try:
        first = notifier.wait(notifier.send(ALERT), timeout=10)
        second = notifier.wait(notifier.send(ALERT), timeout=10)
        recent = notifier.recent()
    finally:
        notifier.close()
    assert (first.state, second.state) == ("sent", "failed")
    assert [s.state for s in recent] == ["failed", "sent"]
    assert [p.name for p in tmp_path.glob("*.sqlite")] == ["alerts-outbox.sqlite"]


def test_rejected_alert_fails_at_once_without_retrying(tmp_path, hook_factory):
    hook = hook_factory([404])
    notifier = WebhookNotifier(hook.url, tmp_path / "o.sqlite", "teams", first_retry=0.05)
    try:
        status = notifier.wait(notifier.send(ALERT), timeout=10)
        time.sleep(0.3)
    finally:
        notifier.close()
    assert status is not None and status.state == "failed"
    assert "HTTP 404" in status.detail and "check the webhook URL" in status.detail
    assert len(hook.bodies) == 1


def test_unwritable_outbox_is_one_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(AlertError) as err:
        WebhookNotifier("https://hooks.example.com/x", blocker / "outbox.sqlite")
    message = str(err.value)
    assert "\n" not in message
    assert "alert outbox" in message and str(blocker) in message and "writ" in message


def test_plain_http_is_refused_except_for_localhost():
    with pytest.raises(AlertError) as err:
        check_url(f"http://hooks.example.com/services/{TOKEN}")
    assert "https" in str(err.value) and TOKEN not in str(err.value)
    assert check_url("http://localhost:8080/x") == "http://localhost:8080/x"
    with pytest.raises(AlertError):
        check_url("hooks.example.com/x")


def test_teams_and_slack_payloads_have_their_shapes_and_transcript_only_when_given(
    tmp_path, hook_factory
):
    hook = hook_factory([200])
    with_lines = Alert(
        "lee", "2026-11-23T10:00:00Z", "heated", ("insult",), ("customer: you idiot",)
    )
    for fmt, alert in (("teams", ALERT), ("slack", with_lines)):
        notifier = WebhookNotifier(hook.url, tmp_path / f"{fmt}.sqlite", fmt)
        try:
            assert notifier.wait(notifier.send(alert), timeout=10).state == "sent"
        finally:
            notifier.close()
    teams, slack = hook.bodies
    attachment = teams["attachments"][0]
    assert teams["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    facts = {f["title"]: f["value"] for f in attachment["content"]["body"][1]["facts"]}
    assert facts["Agent"] == "maria.k" and facts["Level"] == "UNSAFE"
    assert "idiot" not in json.dumps(teams)
    assert "lee" in slack["text"] and slack["blocks"][0]["type"] == "header"
    assert "you idiot" in json.dumps(slack)


def test_cli_test_alert_reports_the_outcome_in_one_line(capsys, hook_factory):
    hook = hook_factory([200])
    assert main(["alerts", "test", "--url", hook.url, "--format", "slack", "--agent", "sam"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("sent:") and "\n" not in out and TOKEN not in out
    assert "sam" in hook.bodies[0]["text"]
    hook.close()
    assert main(["alerts", "test", "--url", hook.url]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith("not sent:") and "cannot reach" in out and TOKEN not in out


def test_cli_refuses_a_non_local_http_url(capsys):
    assert main(["alerts", "test", "--url", f"http://hooks.example.com/{TOKEN}"]) == 2
    err = capsys.readouterr().err.strip()
    assert "https" in err and TOKEN not in err and "\n" not in err


def test_a_shared_backoff_tries_once_for_all_waiting_and_sends_them_all_once_back(
    tmp_path, hook_factory
):
    hook = hook_factory([503])  # the receiver is down
    outbox = Outbox(
        tmp_path / "reports.sqlite",
        lambda body: post(hook.url, body),
        None,
        first_retry=0.4,
        max_retry=0.8,
        give_up_after=60.0,
        name="hub report",
        shared_backoff=True,
    )
    try:
        keys = [outbox.add({"n": n}) for n in range(6)]
        time.sleep(1.5)
        tries_while_down = len(hook.bodies)
        assert 1 <= tries_while_down <= 4, "each waiting body was tried on its own"
        assert outbox.pending() == 6
        hook.script = [200]
        outbox.retry_now()  # the receiver is known to be back
        deadline = time.monotonic() + 3
        while outbox.pending() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert outbox.pending() == 0
        assert {outbox.status(k).state for k in keys} == {"sent"}
        assert sorted(b["n"] for b in hook.bodies[tries_while_down:]) == list(range(6))
    finally:
        outbox.close()
