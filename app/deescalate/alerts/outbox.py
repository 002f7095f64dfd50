"""An outbox on disk (one SQLite file) and the thread that empties it.

`add` only hands the alert to the outbox's thread and returns its key: the caller (the
window) never waits on the disk or the network. The thread writes each alert to the file
before sending it, and it stays `queued` until the receiver accepts it, so a network outage
or a restart loses nothing (an alert may, rarely, be delivered twice if the app stops
between the POST and the write that marks it sent). When the file can't be written (a full
disk), alerts are still sent from memory, and written once the disk has room.

The thread survives any error: it logs it, reports it and carries on.

The outbox is generic: `deliver(body)` decides what a body is and where it goes (the
supervisor alerts' webhook, the team hub's reports). `name` is what its messages call it;
`shared_backoff` makes a failure hold back every waiting body, not only the one that failed
(right when they all go to the same receiver: a seat catching up after a long outage
retries once, not once per body).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from deescalate.alerts.notifier import AlertError, AlertStatus, StatusCallback

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
OUTBOX_FILE = "alerts-outbox.sqlite"
ERROR_PAUSE = 5.0
"""Seconds the thread rests after an unexpected error before it carries on."""


class DeliveryResult(Protocol):
    ok: bool
    retry: bool
    detail: str


@dataclass
class _Pending:
    key: str
    body: dict
    created: float
    attempts: int = 0
    next_try: float = 0.0
    state: str = "queued"
    detail: str = "waiting to be sent"
    saved: bool = False


class Outbox:
    def __init__(
        self,
        path: Path,
        deliver: Callable[[dict], DeliveryResult],
        on_status: StatusCallback | None,
        first_retry: float,
        max_retry: float,
        give_up_after: float,
        on_problem: Callable[[str | None], None] | None = None,
        keep_days: float = 30.0,
        name: str = "alert",
        shared_backoff: bool = False,
        log_sent: int = logging.INFO,
    ) -> None:
        """`log_sent`: the log level of a delivery (a chatty receiver's are only debug)."""
        self.path = path / OUTBOX_FILE if path.is_dir() else path
        self.name = name
        self._shared_backoff = shared_backoff
        self._log_sent = log_sent
        self._paused_until = 0.0
        """With a shared backoff: when the next try is due after a failure (0: none)."""
        self._deliver = deliver
        self._on_status = on_status
        self._on_problem = on_problem or (lambda _message: None)
        self._first_retry, self._max_retry = first_retry, max_retry
        self._give_up_after = give_up_after
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._incoming: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._unsaved: dict[str, _Pending] = {}
        """Alerts the file could not take yet: sent from memory meanwhile."""
        self._disk_problem = False
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._keep_seconds = keep_days * 86400
        self._db = _open(self.path, name)
        self._prune()
        self._thread = threading.Thread(target=self._run, name=f"{name}-outbox", daemon=True)
        self._thread.start()

    def add(self, body: dict) -> str:
        """Hands the alert to the outbox's thread; returns its key at once."""
        pending = _Pending(uuid.uuid4().hex, body, time.time())
        self._incoming.put(pending)
        self._wake.set()
        return pending.key

    def status(self, key: str) -> AlertStatus | None:
        with self._lock:
            if key in self._unsaved:
                p = self._unsaved[key]
                return AlertStatus(key, p.state, p.attempts, p.detail)  # type: ignore[arg-type]
            row = self._db.execute(
                "SELECT key, state, attempts, detail FROM alerts WHERE key = ?", (key,)
            ).fetchone()
        return AlertStatus(*row) if row else None

    def recent(self, limit: int = 20) -> list[AlertStatus]:
        """The latest alerts, newest first: what the overlay shows after a restart."""
        with self._lock:
            rows = self._db.execute(
                "SELECT key, state, attempts, detail FROM alerts ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [AlertStatus(*row) for row in rows]

    def retry_now(self) -> None:
        """Tries every waiting body again at once (the receiver is known to be back)."""
        with self._changed:
            self._db.execute(
                "UPDATE alerts SET next_try = ? WHERE state = 'queued'", (time.time(),)
            )
            self._db.commit()
            for pending in self._unsaved.values():
                pending.next_try = 0.0
            self._paused_until = 0.0
        self._wake.set()

    def pending(self) -> int:
        """Bodies not yet delivered (on disk or still in memory)."""
        with self._lock:
            (count,) = self._db.execute(
                "SELECT count(*) FROM alerts WHERE state = 'queued'"
            ).fetchone()
            unsaved = sum(1 for p in self._unsaved.values() if p.state == "queued")
            return count + unsaved + self._incoming.qsize()

    def wait(self, key: str, timeout: float) -> AlertStatus | None:
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(key)
            left = deadline - time.monotonic()
            if (status is not None and status.state != "queued") or left <= 0:
                return status
            with self._changed:
                self._changed.wait(min(left, 0.2))

    def close(self, timeout: float = 1.0) -> None:
        """Stops the thread; alerts not yet sent stay queued in the file for the next
        start. Never waits longer than `timeout` (a POST in flight is left to time out)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)
        if self._thread.is_alive():  # stuck in a POST: keep what it has not written yet
            self._keep_incoming()

    def _keep_incoming(self) -> None:
        while True:
            try:
                pending = self._incoming.get_nowait()
            except queue.Empty:
                return
            try:
                self._insert(pending)
            except sqlite3.Error as exc:
                log.error(
                    "%s lost at exit (%s): %s",
                    self.name,
                    _cannot_write(self.path, exc, self.name),
                    pending.key,
                )

    # --- the delivery thread ------------------------------------------------------------

    def _run(self) -> None:
        error_shown = False
        while not self._stop.is_set():
            try:
                self._step()
            except Exception as exc:  # never let the thread die: alerts wait on it
                log.exception("%s outbox", self.name)
                self._on_problem(f"The {self.name} outbox hit an internal error ({exc}); retrying.")
                error_shown = True
                self._stop.wait(ERROR_PAUSE)
                continue
            if error_shown and not self._disk_problem:
                error_shown = False
                self._on_problem(None)
        try:
            self._save_new()
            with self._lock:
                self._db.close()
        except Exception:
            log.exception("closing the %s outbox", self.name)
        for pending in self._unsaved.values():
            log.error(
                "%s not kept (the outbox could not be written): %s", self.name, pending.detail
            )

    def _step(self) -> None:
        self._save_new()
        due = self._next_due()
        if due is None:
            self._sleep(None)
        elif due.next_try > time.time():
            self._sleep(due.next_try - time.time())
        else:
            self._attempt(due)

    def _sleep(self, seconds: float | None) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _save_new(self) -> None:
        """Writes alerts handed over since last time, and those the disk refused before."""
        while True:
            with self._lock:  # taken and kept in one step: `pending` never misses it
                try:
                    pending = self._incoming.get_nowait()
                except queue.Empty:
                    break
                if self._shared_backoff:  # new bodies wait out the pause too
                    pending.next_try = max(pending.next_try, self._paused_until)
                self._unsaved[pending.key] = pending
            self._report(pending)
        with self._lock:
            unsaved = list(self._unsaved.values())
        for pending in unsaved:
            try:
                self._insert(pending)
            except sqlite3.Error as exc:
                if not self._disk_problem:
                    self._disk_problem = True
                    message = _cannot_write(self.path, exc, self.name)
                    log.error("%s", message)
                    self._on_problem(f"{message} {self.name.capitalize()}s are still sent.")
                return
            with self._lock:
                self._unsaved.pop(pending.key, None)
        if self._disk_problem:
            self._disk_problem = False
            self._on_problem(None)

    def _insert(self, p: _Pending) -> None:
        with self._changed:
            self._db.execute(
                "INSERT INTO alerts (key, created, body, state, attempts, next_try, detail) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                "state = excluded.state, attempts = excluded.attempts, "
                "next_try = excluded.next_try, detail = excluded.detail",
                (
                    p.key,
                    p.created,
                    json.dumps(p.body, ensure_ascii=False),
                    p.state,
                    p.attempts,
                    p.next_try,
                    p.detail,
                ),
            )
            self._db.commit()

    def _next_due(self) -> _Pending | None:
        with self._lock:
            candidates = [p for p in self._unsaved.values() if p.state == "queued"]
            in_memory = list(self._unsaved)
        marks = ",".join("?" * len(in_memory))
        with self._lock:
            row = self._db.execute(
                "SELECT key, body, created, attempts, next_try FROM alerts "
                f"WHERE state = 'queued' AND key NOT IN ({marks}) ORDER BY next_try, id LIMIT 1",
                in_memory,
            ).fetchone()
        if row is not None:
            key, body, created, attempts, next_try = row
            candidates.append(
                _Pending(key, json.loads(body), created, attempts, next_try, saved=True)
            )
        return min(candidates, key=lambda p: p.next_try, default=None)

    def _attempt(self, p: _Pending) -> None:
        try:
            result = self._deliver(p.body)
        except Exception as exc:  # a delivery bug must not lose the alert
            log.exception("%s delivery", self.name)
            result = _Failed(f"internal error while sending ({type(exc).__name__})")
        now = time.time()
        p.attempts += 1
        if result.ok:
            p.state, p.detail, p.next_try = "sent", result.detail, now
        elif not result.retry or now - p.created >= self._give_up_after:
            p.state, p.detail, p.next_try = "failed", result.detail, now
        else:
            delay = min(self._first_retry * 2 ** (p.attempts - 1), self._max_retry)
            p.state, p.detail, p.next_try = (
                "queued",
                f"{result.detail}; retry in {delay:g} s",
                (now + delay),
            )
        level = self._log_sent if p.state == "sent" else logging.INFO
        log.log(level, "%s %s %s: %s", self.name, p.key[:8], p.state, p.detail)
        if p.saved:
            self._update(p)
        if self._shared_backoff and p.state != "failed":
            self._paused_until = p.next_try if p.state == "queued" else 0.0
            self._share_next_try(p.next_try)
        if p.state != "queued":
            self._prune()
        with self._changed:
            self._changed.notify_all()
        self._report(p)

    def _share_next_try(self, next_try: float) -> None:
        """Every waiting body tries next when this one does: at once after a delivery,
        after the same pause after a failure."""
        try:
            with self._changed:
                self._db.execute(
                    "UPDATE alerts SET next_try = ? WHERE state = 'queued'", (next_try,)
                )
                self._db.commit()
                for pending in self._unsaved.values():
                    pending.next_try = next_try
        except sqlite3.Error as exc:  # each keeps its own time; nothing is lost
            log.warning("%s", _cannot_write(self.path, exc, self.name))

    def _prune(self) -> None:
        """Forgets alerts sent or given up on longer ago than the days to keep them."""
        try:
            with self._changed:
                self._db.execute(
                    "DELETE FROM alerts WHERE state != 'queued' AND next_try < ?",
                    (time.time() - self._keep_seconds,),
                )
                self._db.commit()
        except sqlite3.Error as exc:  # kept a while longer; nothing is lost
            log.warning(
                "old %ss not pruned: %s", self.name, _cannot_write(self.path, exc, self.name)
            )

    def _update(self, p: _Pending) -> None:
        try:
            with self._changed:
                self._db.execute(
                    "UPDATE alerts SET state = ?, attempts = ?, next_try = ?, detail = ? "
                    "WHERE key = ?",
                    (p.state, p.attempts, p.next_try, p.detail, p.key),
                )
                self._db.commit()
        except sqlite3.Error as exc:  # keep the news in memory until the disk takes it
            log.error("%s", _cannot_write(self.path, exc, self.name))
            p.saved = False
            with self._lock:
                self._unsaved[p.key] = p

    def _report(self, p: _Pending) -> None:
        if self._on_status is None:
            return
        try:
            self._on_status(AlertStatus(p.key, p.state, p.attempts, p.detail))  # type: ignore[arg-type]
        except Exception:
            log.exception("%s status callback failed", self.name)


@dataclass(frozen=True)
class _Failed:
    detail: str
    ok: bool = False
    retry: bool = True


def _open(path: Path, name: str) -> sqlite3.Connection:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        os.chmod(path, 0o600)  # alerts describe real calls: the owner only, whatever the umask
        db = sqlite3.connect(path, check_same_thread=False, timeout=5)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(SCHEMA)
        columns = {row[1] for row in db.execute("PRAGMA table_info(alerts)")}
        if "key" not in columns:  # an outbox from the previous version
            db.execute("ALTER TABLE alerts ADD COLUMN key TEXT")
            db.execute("UPDATE alerts SET key = 'legacy-' || id")
        db.execute("CREATE UNIQUE INDEX IF NOT EXISTS alerts_by_key ON alerts(key)")
        # A start is a good moment to retry: whatever kept the network down may be gone.
        db.execute("UPDATE alerts SET next_try = ? WHERE state = 'queued'", (time.time(),))
        db.commit()
    except (OSError, sqlite3.Error) as exc:
        raise AlertError(_cannot_write(path, exc, name)) from exc
    return db


def _cannot_write(path: Path, exc: Exception, name: str = "alert") -> str:
    reason = getattr(exc, "strerror", None) or str(exc)
    return (
        f"Cannot write the {name} outbox {path} ({reason}): "
        "choose a folder this user can write to, or fix its permissions."
    )
