"""A small SQLite store in the per-user data folder: what the agent did with suggestions,
and incident records (per the SOP: when, what was observed, what was done, the outcome).

Writes are short transactions; a failure (full disk, read-only folder) is logged and
reported to the caller, and the live app keeps running.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

SCHEMA = """
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
"""


class RecordError(Exception):
    """A record could not be written; the message names the file and the fix."""


def default_path() -> Path:
    return Path(platformdirs.user_data_dir("deescalate", appauthor=False)) / "records.sqlite"


@dataclass(frozen=True)
class Incident:
    call_t: float
    reason: str
    behaviours: list[str]
    actions: list[str]
    outcome: str


class RecordStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path)
            connection.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise RecordError(
                f"cannot open records at {self.path}: {exc}. Free disk space or "
                "check the folder's permissions."
            ) from exc
        return connection

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

    def feedback(self, call_t: float, suggestion_id: str, category: str, action: str) -> int:
        return self._write(
            "INSERT INTO feedback (at, call_t, suggestion_id, category, action) VALUES (?,?,?,?,?)",
            (time.time(), call_t, suggestion_id, category, action),
        )

    def incident(self, incident: Incident) -> int:
        return self._write(
            "INSERT INTO incidents (at, call_t, reason, behaviours, actions, outcome) "
            "VALUES (?,?,?,?,?,?)",
            (
                time.time(),
                incident.call_t,
                incident.reason,
                json.dumps(incident.behaviours),
                json.dumps(incident.actions),
                incident.outcome,
            ),
        )

    def incidents(self) -> list[dict]:
        connection = self._connect()
        try:
            connection.row_factory = sqlite3.Row
            rows = connection.execute("SELECT * FROM incidents ORDER BY id").fetchall()
        finally:
            connection.close()
        return [
            {
                **dict(r),
                "behaviours": json.loads(r["behaviours"]),
                "actions": json.loads(r["actions"]),
            }
            for r in rows
        ]

    def feedback_rows(self) -> list[dict]:
        connection = self._connect()
        try:
            connection.row_factory = sqlite3.Row
            return [dict(r) for r in connection.execute("SELECT * FROM feedback ORDER BY id")]
        finally:
            connection.close()
