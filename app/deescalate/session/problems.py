"""What is wrong right now, one line per source ("call", "records", "alerts",
"phrasebook", "internal"...). Any thread may report; each source clears only its own line,
so records recovering never hides a phrasebook that is still broken."""

from __future__ import annotations

import threading

ORDER = (
    "call",
    "restarts",
    "records",
    "alerts",
    "alert delivery",
    "alert outbox",
    "phrasebook",
    "hub",
    "hub phrasebook",
    "hub outbox",
    "incident",
    "internal",
)
"""Display order: what stops the call first."""


class Problems:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: dict[str, str] = {}
        self.version = 0
        """Goes up on every change, so a display knows when to repaint."""

    def report(self, source: str, message: str | None) -> None:
        """`message` None (or empty) clears the source's line."""
        with self._lock:
            if (message or None) == self._lines.get(source):
                return
            if message:
                self._lines[source] = message
            else:
                self._lines.pop(source, None)
            self.version += 1

    def get(self, source: str) -> str:
        with self._lock:
            return self._lines.get(source, "")

    def lines(self) -> list[str]:
        with self._lock:
            rank = {s: i for i, s in enumerate(ORDER)}
            return [
                self._lines[s] for s in sorted(self._lines, key=lambda s: rank.get(s, len(rank)))
            ]

    def __bool__(self) -> bool:
        with self._lock:
            return bool(self._lines)
