"""A small SQLite store in the per-user data folder: the calls, their events (levels,
suggestions, escalations, the agent's actions), suggestion feedback and incident records
(per the SOP: when, what was observed, what was done, the outcome).

WAL journal, one short transaction per write, schema versioned with `PRAGMA user_version`
and migrated forward on open. A failure (full disk, read-only folder) raises RecordError
naming the file and the fix; the caller keeps the record and tries again later.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from deescalate.config.paths import records_file
from deescalate.records.ops import (
    CompleteIncident,
    EndCall,
    Feedback,
    OpenIncident,
    RecordEvent,
    RecordOp,
    StartCall,
    UpdateIncidentActions,
)
from deescalate.records.redact import redact, redact_all

log = logging.getLogger(__name__)

MIGRATIONS = (
    # 1: what the first version wrote.
    """
    CREATE TABLE IF NOT EXISTS feedback (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        call_t REAL NOT NULL,
        suggestion_id TEXT NOT NULL,
        category TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('used', 'dismissed'))
    );
    CREATE TABLE IF NOT EXISTS incidents (
        id INTEGER PRIMARY KEY,
        at REAL NOT NULL,
        call_t REAL NOT NULL,
        reason TEXT NOT NULL,
        behaviours TEXT NOT NULL,
        actions TEXT NOT NULL,
        outcome TEXT NOT NULL
    );
    """,
    # 2: calls and their events.
    """
    CREATE TABLE calls (
        id INTEGER PRIMARY KEY,
        started_at REAL NOT NULL,
        ended_at REAL,
        demo INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE call_events (
        id INTEGER PRIMARY KEY,
        call_id INTEGER NOT NULL REFERENCES calls(id),
        at REAL NOT NULL,
        t REAL NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX call_events_by_call ON call_events(call_id, t);
    ALTER TABLE incidents ADD COLUMN call_id INTEGER REFERENCES calls(id);
    """,
    # 3: incidents completed by the agent after the call.
    """
    ALTER TABLE incidents ADD COLUMN customer_ref TEXT NOT NULL DEFAULT '';
    ALTER TABLE incidents ADD COLUMN notes TEXT NOT NULL DEFAULT '';
    ALTER TABLE incidents ADD COLUMN completed INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE incidents ADD COLUMN updated_at REAL;
    UPDATE incidents SET updated_at = at;
    """,
    # 4: keys made by the app, so a write replayed after a restart is written once.
    """
    ALTER TABLE calls ADD COLUMN key TEXT;
    UPDATE calls SET key = 'legacy-' || id;
    CREATE UNIQUE INDEX calls_by_key ON calls(key);
    ALTER TABLE call_events ADD COLUMN key TEXT;
    CREATE UNIQUE INDEX call_events_by_key ON call_events(key);
    ALTER TABLE feedback ADD COLUMN key TEXT;
    CREATE UNIQUE INDEX feedback_by_key ON feedback(key);
    ALTER TABLE incidents ADD COLUMN key TEXT;
    UPDATE incidents SET key = 'legacy-' || id;
    CREATE UNIQUE INDEX incidents_by_key ON incidents(key);
    """,
)
OUTCOMES = (
    "resolved on the call",
    "transferred to a supervisor",
    "call ended by the customer",
    "call ended by the agent",
    "follow-up needed",
    "other",
)
"""The outcome list of the incident form; free text may follow."""


class RecordError(Exception):
    """A record could not be written for now; the message names the file and the fix."""


class RecordRejected(Exception):
    """A record the file will never take (it breaks a rule of the schema): a fault of ours."""


def default_path() -> Path:
    return records_file()


class UnknownIncident(LookupError):
    """No incident with that id; the message says how to find the ids."""


class Records(Protocol):
    """What the session needs from a records store; a fleet can swap the SQLite file for a
    shared server behind the same methods."""

    def apply(self, op: RecordOp) -> None: ...

    def get_incident(self, incident_id: int | str) -> dict: ...

    def unfinished_incidents(self) -> list[dict]: ...


class RecordStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            new = not self.path.exists()
            connection = sqlite3.connect(self.path, timeout=5)
            if new:
                os.chmod(self.path, 0o600)  # the owner only: records describe real calls
            connection.execute("PRAGMA journal_mode=WAL")
            self._migrate(connection)
        except (OSError, sqlite3.Error) as exc:
            raise RecordError(
                f"cannot open records at {self.path}: {exc}. Free disk space or "
                "check the folder's permissions."
            ) from exc
        return connection

    @staticmethod
    def _migrate(connection: sqlite3.Connection) -> None:
        """Brings an older file up to date, in one exclusive transaction: the app's writer
        and reader threads, or the app and a command, may open the file at the same time,
        and only one of them may migrate it."""
        if connection.execute("PRAGMA user_version").fetchone()[0] >= len(MIGRATIONS):
            return
        connection.execute("BEGIN IMMEDIATE")  # the others wait here (busy timeout)
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            for script in MIGRATIONS[version:]:
                for statement in filter(str.strip, script.split(";")):
                    connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    def apply(self, op: RecordOp) -> None:
        """Writes one operation, redacted, in its own transaction; writing it twice changes
        nothing. Raises RecordError when the file can't be written for now (full disk,
        locked, read-only: worth trying again), RecordRejected when this record never will
        be (it breaks a rule of the schema)."""
        sql, values = _statement(redacted(op))
        connection = self._connect()
        try:
            with connection:
                connection.execute(sql, values)
        except sqlite3.OperationalError as exc:
            log.error("record not written to %s: %s", self.path, exc)
            raise RecordError(
                f"record not written to {self.path}: {exc}. Free disk space."
            ) from exc
        except sqlite3.Error as exc:
            raise RecordRejected(f"{type(op).__name__} refused by {self.path}: {exc}") from exc
        finally:
            connection.close()

    def get_incident(self, incident_id: int | str) -> dict:
        """By the number `incidents list` shows, or by the key the app gave it."""
        if isinstance(incident_id, str):
            rows = self._incident_rows("WHERE incidents.key = ?", (incident_id,))
        else:
            rows = self._incident_rows("WHERE incidents.id = ?", (int(incident_id),))
        if not rows:
            raise UnknownIncident(
                f"No incident {incident_id} in {self.path}: `deescalate incidents list` shows "
                "the ids."
            )
        return rows[0]

    def unfinished_incidents(self) -> list[dict]:
        """Oldest first: the agent is offered the oldest one to complete. A demo call's
        record counts too: agents practise the SOP on the demo."""
        return self._incident_rows("WHERE completed = 0")

    def _rows(self, sql: str, values: tuple = ()) -> list[dict]:
        connection = self._connect()
        try:
            connection.row_factory = sqlite3.Row
            return [dict(r) for r in connection.execute(sql, values).fetchall()]
        except sqlite3.Error as exc:
            raise RecordError(
                f"cannot read records at {self.path}: {exc}. Is it a Deescalate records file?"
            ) from exc
        finally:
            connection.close()

    def incidents(self) -> list[dict]:
        return self._incident_rows("")

    def _incident_rows(self, where: str, values: tuple = ()) -> list[dict]:
        return [
            {
                **r,
                "behaviours": json.loads(r["behaviours"]),
                "actions": json.loads(r["actions"]),
                "completed": bool(r["completed"]),
                "demo": bool(r["demo"]),
            }
            for r in self._rows(
                "SELECT incidents.*, coalesce(calls.demo, 0) AS demo FROM incidents "
                f"LEFT JOIN calls ON calls.id = incidents.call_id {where} ORDER BY incidents.id",
                values,
            )
        ]

    def all_call_events(self) -> list[dict]:
        return [
            {**r, "data": json.loads(r["data"])}
            for r in self._rows("SELECT * FROM call_events ORDER BY call_id, id")
        ]

    def feedback_rows(self) -> list[dict]:
        return self._rows("SELECT * FROM feedback ORDER BY id")

    def calls(self) -> list[dict]:
        return self._rows("SELECT * FROM calls ORDER BY id")

    def call_events(self, call_id: int) -> list[dict]:
        return [
            {**r, "data": json.loads(r["data"])}
            for r in self._rows(
                "SELECT * FROM call_events WHERE call_id = ? ORDER BY id", (int(call_id),)
            )
        ]


def redacted(op: RecordOp) -> RecordOp:
    """The operation with everything a caller said or typed redacted, as it may be kept (in
    the records, or in the spool at exit). The customer reference stays as typed: the agent
    enters it on purpose, to find the customer's file."""
    match op:
        case RecordEvent():
            return replace(op, data=redact_all(op.data))
        case OpenIncident():
            return replace(
                op,
                reason=redact(op.reason),
                behaviours=tuple(redact_all(list(op.behaviours))),
                actions=tuple(redact_all(list(op.actions))),
                outcome=redact(op.outcome),
            )
        case UpdateIncidentActions():
            return replace(op, actions=tuple(redact_all(list(op.actions))))
        case CompleteIncident():
            return replace(
                op,
                customer_ref=op.customer_ref.strip(),
                outcome=redact(op.outcome.strip()),
                notes=redact(op.notes.strip()),
            )
    return op


def _statement(op: RecordOp) -> tuple[str, tuple]:
    """The SQL for one (redacted) operation. A row that is there already (the same key) is
    left as it is; any other constraint that fails raises."""
    call_id = "(SELECT id FROM calls WHERE key = ?)"
    new = "ON CONFLICT(key) DO NOTHING"
    match op:
        case StartCall():
            return (
                f"INSERT INTO calls (key, started_at, demo) VALUES (?, ?, ?) {new}",
                (op.key, op.at, int(op.demo)),
            )
        case EndCall():
            return "UPDATE calls SET ended_at = ? WHERE key = ?", (op.at, op.key)
        case RecordEvent():
            return (
                "INSERT INTO call_events (key, call_id, at, t, type, data) "
                f"VALUES (?, {call_id}, ?, ?, ?, ?) {new}",
                (
                    op.key,
                    op.call_key,
                    op.at,
                    op.t,
                    op.type,
                    json.dumps(op.data, ensure_ascii=False),
                ),
            )
        case Feedback():
            return (
                "INSERT INTO feedback (key, at, call_t, suggestion_id, category, action) "
                f"VALUES (?, ?, ?, ?, ?, ?) {new}",
                (op.key, op.at, op.call_t, op.suggestion_id, op.category, op.action),
            )
        case OpenIncident():
            return (
                "INSERT INTO incidents (key, at, call_t, reason, behaviours, actions, outcome, "
                f"call_id, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, {call_id}, ?) {new}",
                (
                    op.key,
                    op.at,
                    op.call_t,
                    op.reason,
                    json.dumps(list(op.behaviours)),
                    json.dumps(list(op.actions)),
                    op.outcome,
                    op.call_key,
                    op.at,
                ),
            )
        case UpdateIncidentActions():
            return (
                "UPDATE incidents SET actions = ?, updated_at = ? WHERE key = ?",
                (json.dumps(list(op.actions)), op.at, op.key),
            )
        case CompleteIncident():
            return (
                "UPDATE incidents SET customer_ref = ?, outcome = ?, notes = ?, completed = 1, "
                "updated_at = ? WHERE key = ?",
                (op.customer_ref, op.outcome, op.notes, op.at, op.key),
            )
    raise TypeError(f"not a record operation: {op!r}")
