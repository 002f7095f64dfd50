"""The records writer and reader, and the alert outbox, under faults: each keeps going
whatever is raised inside it, never holds the others back, and loses nothing."""

from __future__ import annotations

import sqlite3
import stat
import threading
import time

import pytest

from deescalate.alerts.notifier import Alert
from deescalate.alerts.outbox import Outbox
from deescalate.alerts.webhook import Delivery, WebhookNotifier
from deescalate.records.ops import OpenIncident, RecordEvent, StartCall, new_key
from deescalate.records.store import RecordError, RecordStore
from deescalate.records.writer import RecordReader, RecordWriter
from tests.support.webhook import Hook

FAULTS = [
    RecordError("records disk full"),
    sqlite3.OperationalError("database is locked"),
    TypeError("a bug"),
    ValueError("a bug"),
    KeyError("a bug"),
    RuntimeError("a bug"),
    OSError(5, "Input/output error"),
    AssertionError("a bug"),
    MemoryError(),
]


class FaultyStore:
    """The real store, with one fault raised before the first write (the unit under test is
    the writer, not the store)."""

    def __init__(self, store: RecordStore, fault: BaseException) -> None:
        self.store, self.fault, self.raised = store, fault, 0

    def apply(self, op) -> None:
        if self.raised == 0:
            self.raised += 1
            raise self.fault
        self.store.apply(op)

    def __getattr__(self, name):
        return getattr(self.store, name)


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: type(f).__name__)
def test_the_writer_survives_any_fault_and_later_writes_are_written(tmp_path, fault):
    store = RecordStore(tmp_path / "records.sqlite")
    problems: list[str | None] = []
    writer = RecordWriter(FaultyStore(store, fault), problems.append, retry_seconds=0.05)
    first, second = new_key(), new_key()
    writer.submit(StartCall(first, 1.0))
    writer.submit(StartCall(second, 2.0))
    assert writer.flush(5), "the writer stopped"
    keys = [c["key"] for c in store.calls()]
    assert second in keys
    assert problems and problems[0], "the fault was not shown"
    if isinstance(fault, RecordError):
        assert keys == [first, second]  # a passing trouble: kept and written once it is over
        assert problems[-1] is None
    writer.close(1)


def test_a_callback_that_fails_does_not_stop_the_writer(tmp_path):
    store = RecordStore(tmp_path / "records.sqlite")
    writer = RecordWriter(store, lambda _m: None)
    writer.submit(StartCall(new_key(), 1.0), then=lambda _r: 1 / 0)
    writer.submit(StartCall(new_key(), 2.0))
    assert writer.flush(5)
    assert len(store.calls()) == 2
    writer.close(1)


def test_a_failing_or_slow_read_never_holds_writes_back(tmp_path):
    store = RecordStore(tmp_path / "records.sqlite")
    writer, reader = RecordWriter(store, lambda _m: None), RecordReader()
    errors: list[str] = []
    release = threading.Event()
    reader.read(lambda: release.wait(10), lambda _r: None, errors.append)  # a read that hangs
    reader.read(lambda: store.get_incident("no-such-key"), lambda _r: None, errors.append)
    writer.submit(StartCall(new_key(), 1.0))
    assert writer.flush(5), "a read held the writes back"
    release.set()
    deadline = time.monotonic() + 5
    while not errors and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(errors) == 1 and "No incident" in errors[0]  # answered once, never retried
    reader.close()
    writer.close(1)


def test_writes_left_at_quit_are_kept_and_written_at_the_next_start(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the records folder should be")
    store = RecordStore(blocker / "records.sqlite")
    spools = [tmp_path / "spool" / "pending.jsonl"]
    writer = RecordWriter(store, lambda _m: None, spools, retry_seconds=0.05)
    call, incident = new_key(), new_key()
    writer.submit(StartCall(call, 1.0))
    writer.submit(OpenIncident(incident, call, 12.0, "threat", ("threat: 'i will find you'",)))
    assert not writer.flush(0.5)
    assert writer.close(0.2) == 2
    assert spools[0].stat().st_mode & 0o777 == 0o600
    blocker.unlink()  # the disk is back
    writer = RecordWriter(store, lambda _m: None, spools)
    assert writer.flush(5)
    assert [c["key"] for c in store.calls()] == [call]
    assert store.get_incident(incident)["reason"] == "threat"
    assert not spools[0].exists()
    writer.close(1)


ALERT = Alert("maria.k", "2026-11-29T10:00:00+00:00", "unsafe", ("threat heard",))


@pytest.mark.parametrize(
    "fault", [ValueError("bug"), RuntimeError("bug"), TypeError("bug"), OSError("down")]
)
def test_the_outbox_thread_survives_a_delivery_that_raises(tmp_path, fault):
    calls = []

    def deliver(body: dict) -> Delivery:
        calls.append(body)
        if len(calls) == 1:
            raise fault
        return Delivery(True, False, "accepted")

    outbox = Outbox(tmp_path / "o.sqlite", deliver, None, 0.05, 1.0, 60.0)
    try:
        status = outbox.wait(outbox.add({"n": 1}), timeout=10)
        assert status is not None and status.state == "sent", status
        assert outbox.wait(outbox.add({"n": 2}), timeout=10).state == "sent"
    finally:
        outbox.close()


def test_a_reply_that_is_not_http_is_retried_and_the_alert_goes_out(tmp_path):
    hook = Hook(["garbage", 200])
    notifier = WebhookNotifier(hook.url, tmp_path / "outbox.sqlite", "json", first_retry=0.05)
    try:
        status = notifier.wait(notifier.send(ALERT), timeout=15)
        assert status is not None and status.state == "sent", status
    finally:
        notifier.close()
        hook.close()


def test_closing_the_outbox_returns_at_once_while_a_post_hangs_and_keeps_every_alert(
    tmp_path,
):
    hook = Hook([("stall", 8.0)])
    notifier = WebhookNotifier(hook.url, tmp_path / "outbox.sqlite", "json", timeout=8.0)
    try:
        first = notifier.send(ALERT)
        time.sleep(0.5)  # the POST is under way
        second = notifier.send(ALERT)  # raised while the thread waits on the network
        started = time.monotonic()
        notifier.close()
        assert time.monotonic() - started < 1.5
    finally:
        hook.close()
    db = sqlite3.connect(tmp_path / "outbox.sqlite")
    states = dict(db.execute("SELECT key, state FROM alerts").fetchall())
    assert states == {first: "queued", second: "queued"}  # both go out at the next start


def test_a_record_the_schema_refuses_is_set_aside_and_the_rest_is_written(tmp_path):
    store = RecordStore(tmp_path / "records.sqlite")
    problems: list[str | None] = []
    writer = RecordWriter(store, problems.append, retry_seconds=0.05)
    writer.submit(RecordEvent("no-such-call", 1.0, "tension", {"level": "calm"}))
    writer.submit(StartCall(new_key(), 2.0))
    assert writer.flush(5), "a refused record held the others back"
    assert len(store.calls()) == 1
    assert problems and "RecordRejected" in problems[0]
    writer.close(1)


def test_kept_records_are_redacted_private_and_survive_a_crash_while_being_written(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the records folder should be")
    store = RecordStore(blocker / "records.sqlite")
    spool = tmp_path / "spool" / "pending.jsonl"
    writer = RecordWriter(store, lambda _m: None, [spool], retry_seconds=0.05)
    key = new_key()
    writer.submit(OpenIncident(key, None, 3.0, "threat", ("gave card 4111 1111 1111 1111",)))
    assert writer.close(0.2) == 1
    kept = spool.read_text()
    assert "4111" not in kept and "[card]" in kept
    assert stat.S_IMODE(spool.parent.stat().st_mode) == 0o700
    # The next start takes the file, and the app dies before the record is written.
    RecordWriter(store, lambda _m: None, [spool], retry_seconds=0.05)
    taking = spool.with_name(spool.name + ".taking")
    assert taking.exists() and not spool.exists()
    blocker.unlink()
    writer = RecordWriter(store, lambda _m: None, [spool])
    assert writer.flush(5)
    assert store.get_incident(key)["behaviours"] == ["gave card [card]"]
    assert not taking.exists()
    writer.close(1)
