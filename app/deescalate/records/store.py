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
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import platformdirs

from deescalate.core.events import Event
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
    """A record could not be written; the message names the file and the fix."""


def default_path() -> Path:
    return Path(platformdirs.user_data_dir("deescalate", appauthor=False)) / "records.sqlite"


@dataclass(frozen=True)
class Incident:
    """The SOP's record of an escalation: pre-filled when it happens, completed by the agent
    after the call (customer reference, outcome, notes)."""

    call_t: float
    reason: str
    behaviours: list[str]
    actions: list[str]
    outcome: str = ""
    call_id: int | None = None


class UnknownIncident(LookupError):
    """No incident with that id; the message says how to find the ids."""


class Records(Protocol):
    """What the session needs from a records store; a fleet can swap the SQLite file for a
    shared server behind the same methods."""

    def start_call(self, at: float, demo: bool) -> int: ...

    def end_call(self, call_id: int, at: float) -> None: ...

    def call_event(self, call_id: int, at: float, event: Event) -> None: ...

    def feedback(self, call_t: float, suggestion_id: str, category: str, action: str) -> int: ...

    def incident(self, incident: Incident) -> int: ...

    def update_incident_actions(self, incident_id: int, actions: list[str]) -> None: ...

    def complete_incident(
        self, incident_id: int, customer_ref: str, outcome: str, notes: str
    ) -> None: ...

    def get_incident(self, incident_id: int) -> dict: ...

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
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with connection:
                connection.executescript(f"BEGIN; {script} PRAGMA user_version = {number};")

    def _write(self, sql: str, values: tuple) -> int:
        connection = self._connect()
        try:
            with connection:
                return int(connection.execute(sql, values).lastrowid or 0)
        except sqlite3.Error as exc:
            log.error("record not written to %s: %s", self.path, exc)
            raise RecordError(
                f"record not written to {self.path}: {exc}. Free disk space."
            ) from exc
        finally:
            connection.close()

    def start_call(self, at: float, demo: bool = False) -> int:
        return self._write("INSERT INTO calls (started_at, demo) VALUES (?, ?)", (at, int(demo)))

    def end_call(self, call_id: int, at: float) -> None:
        self._write("UPDATE calls SET ended_at = ? WHERE id = ?", (at, call_id))

    def call_event(self, call_id: int, at: float, event: Event) -> None:
        data = redact_all(event.to_dict())
        self._write(
            "INSERT INTO call_events (call_id, at, t, type, data) VALUES (?,?,?,?,?)",
            (call_id, at, event.t, event.type, json.dumps(data, ensure_ascii=False)),
        )

    def feedback(self, call_t: float, suggestion_id: str, category: str, action: str) -> int:
        return self._write(
            "INSERT INTO feedback (at, call_t, suggestion_id, category, action) VALUES (?,?,?,?,?)",
            (time.time(), call_t, suggestion_id, category, action),
        )

    def incident(self, incident: Incident) -> int:
        now = time.time()
        return self._write(
            "INSERT INTO incidents (at, call_t, reason, behaviours, actions, outcome, call_id, "
            "updated_at) VALUES (?,?,?,?,?,?,?,?)",
            (
                now,
                incident.call_t,
                redact(incident.reason),
                json.dumps(redact_all(incident.behaviours)),
                json.dumps(redact_all(incident.actions)),
                redact(incident.outcome),
                incident.call_id,
                now,
            ),
        )

    def update_incident_actions(self, incident_id: int, actions: list[str]) -> None:
        self._write(
            "UPDATE incidents SET actions = ?, updated_at = ? WHERE id = ?",
            (json.dumps(redact_all(actions)), time.time(), incident_id),
        )

    def complete_incident(
        self, incident_id: int, customer_ref: str, outcome: str, notes: str
    ) -> None:
        """The agent's part. The customer reference is kept as typed: the agent enters it on
        purpose so the record can be found from the customer's file."""
        self._write(
            "UPDATE incidents SET customer_ref = ?, outcome = ?, notes = ?, completed = 1, "
            "updated_at = ? WHERE id = ?",
            (
                customer_ref.strip(),
                redact(outcome.strip()),
                redact(notes.strip()),
                time.time(),
                incident_id,
            ),
        )

    def get_incident(self, incident_id: int) -> dict:
        rows = self._incident_rows(f"WHERE incidents.id = {int(incident_id)}")
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

    def _rows(self, sql: str) -> list[dict]:
        connection = self._connect()
        try:
            connection.row_factory = sqlite3.Row
            return [dict(r) for r in connection.execute(sql).fetchall()]
        except sqlite3.Error as exc:
            raise RecordError(
                f"cannot read records at {self.path}: {exc}. Is it a Deescalate records file?"
            ) from exc
        finally:
            connection.close()

    def incidents(self) -> list[dict]:
        return self._incident_rows("")

    def _incident_rows(self, where: str) -> list[dict]:
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
                f"LEFT JOIN calls ON calls.id = incidents.call_id {where} ORDER BY incidents.id"
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
                f"SELECT * FROM call_events WHERE call_id = {int(call_id)} ORDER BY id"
            )
        ]
