"""An outbox on disk (one SQLite file) and the thread that empties it.

Every alert is written to the file before anything is sent, and stays `queued` until the
receiver accepts it, so a network outage or a restart loses nothing (an alert may, rarely,
be delivered twice if the app stops between the POST and the write that marks it sent).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from deescalate.alerts import AlertError, AlertStatus, StatusCallback

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_try REAL NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
)
"""


class DeliveryResult(Protocol):
    ok: bool
    retry: bool
    detail: str


class Outbox:
    def __init__(
        self,
        path: Path,
        deliver: Callable[[dict], DeliveryResult],
        on_status: StatusCallback | None,
        first_retry: float,
        max_retry: float,
        give_up_after: float,
    ) -> None:
        self.path = path
        self._deliver = deliver
        self._on_status = on_status
        self._first_retry, self._max_retry = first_retry, max_retry
        self._give_up_after = give_up_after
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._db = _open(path)
        self._thread = threading.Thread(target=self._run, name="alert-outbox", daemon=True)
        self._thread.start()

    def add(self, body: dict) -> int:
        now = time.time()
        with self._lock:
            try:
                cursor = self._db.execute(
                    "INSERT INTO alerts (created, body, next_try) VALUES (?, ?, ?)",
                    (now, json.dumps(body, ensure_ascii=False), now),
                )
                self._db.commit()
            except sqlite3.Error as exc:
                raise AlertError(_cannot_write(self.path, exc)) from exc
            alert_id = int(cursor.lastrowid or 0)
        self._report(AlertStatus(alert_id, "queued", 0, "waiting to be sent"))
        self._wake.set()
        return alert_id

    def status(self, alert_id: int) -> AlertStatus | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, state, attempts, detail FROM alerts WHERE id = ?", (alert_id,)
            ).fetchone()
        return AlertStatus(*row) if row else None

    def recent(self, limit: int = 20) -> list[AlertStatus]:
        """The latest alerts, newest first: what the overlay shows after a restart."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, state, attempts, detail FROM alerts ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [AlertStatus(*row) for row in rows]

    def wait(self, alert_id: int, timeout: float) -> AlertStatus | None:
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(alert_id)
            left = deadline - time.monotonic()
            if status is None or status.state != "queued" or left <= 0:
                return status
            with self._changed:
                self._changed.wait(min(left, 0.2))

    def close(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=15)
        with self._lock:
            self._db.close()

    # --- the delivery thread ------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            due = self._next_due()
            if due is None:
                self._wait(None)
                continue
            alert_id, body, attempts, created, next_try = due
            if next_try > time.time():
                self._wait(next_try - time.time())
                continue
            self._attempt(alert_id, json.loads(body), attempts + 1, created)

    def _wait(self, seconds: float | None) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _next_due(self) -> tuple | None:
        with self._lock:
            return self._db.execute(
                "SELECT id, body, attempts, created, next_try FROM alerts "
                "WHERE state = 'queued' ORDER BY next_try, id LIMIT 1"
            ).fetchone()

    def _attempt(self, alert_id: int, body: dict, attempts: int, created: float) -> None:
        result = self._deliver(body)
        now = time.time()
        if result.ok:
            state, detail, next_try = "sent", result.detail, now
        elif not result.retry or now - created >= self._give_up_after:
            state, detail, next_try = "failed", result.detail, now
        else:
            delay = min(self._first_retry * 2 ** (attempts - 1), self._max_retry)
            state, detail, next_try = (
                "queued",
                f"{result.detail}; retry in {delay:g} s",
                now + delay,
            )
        log.info("alert %d %s: %s", alert_id, state, detail)
        with self._changed:
            try:
                self._db.execute(
                    "UPDATE alerts SET state = ?, attempts = ?, next_try = ?, detail = ? "
                    "WHERE id = ?",
                    (state, attempts, next_try, detail, alert_id),
                )
                self._db.commit()
            except sqlite3.Error as exc:
                log.error("%s", _cannot_write(self.path, exc))
                self._stop.wait(self._max_retry)
                return
            self._changed.notify_all()
        self._report(AlertStatus(alert_id, state, attempts, detail))

    def _report(self, status: AlertStatus) -> None:
        if self._on_status is None:
            return
        try:
            self._on_status(status)
        except Exception:
            log.exception("alert status callback failed")


OUTBOX_FILE = "alerts-outbox.sqlite"


def _open(path: Path) -> sqlite3.Connection:
    """`path` is the outbox file, or a folder to keep it in."""
    if path.is_dir():
        path = path / OUTBOX_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, check_same_thread=False, timeout=5)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(SCHEMA)
        # A start is a good moment to retry: whatever kept the network down may be gone.
        db.execute("UPDATE alerts SET next_try = ? WHERE state = 'queued'", (time.time(),))
        db.commit()
    except (OSError, sqlite3.Error) as exc:
        raise AlertError(_cannot_write(path, exc)) from exc
    return db


def _cannot_write(path: Path, exc: Exception) -> str:
    reason = getattr(exc, "strerror", None) or str(exc)
    return (
        f"Cannot write the alert outbox {path} ({reason}): "
        "choose a folder this user can write to, or fix its permissions."
    )
