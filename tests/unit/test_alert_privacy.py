"""Alerts as a security reviewer reads them: redacted bodies, a private outbox that forgets
old alerts, demo alerts that never leave, and a test alert nobody can take for real."""

from __future__ import annotations

import json
import os
import sqlite3
import time

import pytest

from deescalate import bootstrap
from deescalate.alerts.notifier import Alert
from deescalate.alerts.outbox import OUTBOX_FILE
from deescalate.cli.main import main
from deescalate.config.settings import Settings
from tests.support.webhook import Hook

SPOKEN = (
    "customer: my card is 4111 1111 1111 1111",
    "customer: call me on 07700 900123 or john dot smith at gmail dot com",
)
SECRETS = ("4111", "07700", "900123", "john dot smith", "gmail")


@pytest.fixture
def hook():
    receiver = Hook([200])
    yield receiver
    receiver.close()


def notifier_for(hook: Hook, tmp_path, statuses: list | None = None, **settings):
    chosen = Settings(
        alert_webhook_url=hook.url,
        alert_format="json",
        alert_outbox=str(tmp_path / "outbox" / OUTBOX_FILE),
        **settings,
    )
    notifier, problem = bootstrap.make_notifier(
        chosen, (statuses if statuses is not None else []).append
    )
    assert notifier is not None, problem
    return notifier


def alert(**fields) -> Alert:
    base = dict(agent="maria.k", time="2026-11-23T10:15:00+00:00", level="unsafe")
    return Alert(**{**base, "reasons": ("insult heard",), **fields})


def test_the_body_sent_and_kept_is_redacted_and_the_outbox_is_private(hook, tmp_path):
    os.umask(0o022)
    notifier = notifier_for(hook, tmp_path, alert_include_transcript=True)
    key = notifier.send(alert(transcript=SPOKEN))
    assert notifier.wait(key, 10).state == "sent"
    notifier.close()
    sent = json.dumps(hook.bodies)
    kept = "".join(
        p.read_bytes().decode("utf-8", "replace") for p in (tmp_path / "outbox").iterdir()
    )
    for secret in SECRETS:
        assert secret not in sent and secret not in kept
    assert "[card]" in sent and "[phone]" in sent and "[e-mail]" in sent
    assert (tmp_path / "outbox" / OUTBOX_FILE).stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "outbox").stat().st_mode & 0o777 == 0o700


def test_sent_alerts_are_forgotten_after_the_days_to_keep_them(hook, tmp_path):
    notifier = notifier_for(hook, tmp_path, alert_keep_days=7)
    old, new = notifier.send(alert()), notifier.send(alert())
    assert notifier.wait(old, 10).state == notifier.wait(new, 10).state == "sent"
    notifier.close()
    outbox = tmp_path / "outbox" / OUTBOX_FILE
    with sqlite3.connect(outbox) as db:
        db.execute("UPDATE alerts SET next_try = ? WHERE key = ?", (time.time() - 8 * 86400, old))
        db.execute("INSERT INTO alerts (key, created, body, next_try) VALUES ('q', 0, '{}', 0)")
    notifier_for(hook, tmp_path, alert_keep_days=7).close()
    with sqlite3.connect(outbox) as db:
        keys = {row[0] for row in db.execute("SELECT key FROM alerts")}
    assert old not in keys and new in keys
    assert "q" in keys, "an alert still waiting to be sent is never pruned"


def test_a_demo_alert_is_marked_and_never_sent(hook, tmp_path):
    statuses: list = []
    notifier = notifier_for(hook, tmp_path, statuses)
    key = notifier.send(alert(demo=True))
    time.sleep(0.5)
    notifier.close()
    assert hook.bodies == []
    assert notifier.status(key).state == "demo" and statuses[-1].state == "demo"
    assert "not alerted" in statuses[-1].detail


def test_alerts_test_reads_as_a_test_and_names_the_seat(hook, capsys, monkeypatch):
    monkeypatch.setenv("DEESCALATE_AGENT_NAME", "desk 12")
    assert main(["alerts", "test", "--url", hook.url, "--format", "slack"]) == 0
    headline = hook.bodies[0]["blocks"][0]["text"]["text"]
    assert headline.startswith("TEST ONLY, no action needed") and "desk 12" in headline
    assert "Supervisor needed" not in json.dumps(hook.bodies[0])


def test_a_failed_test_alert_does_not_promise_a_retry(capsys):
    receiver = Hook([501])
    try:
        assert main(["alerts", "test", "--url", receiver.url]) == 1
    finally:
        receiver.close()
    out = capsys.readouterr().out
    assert "HTTP 501" in out and "will retry" not in out and "never queued" in out
