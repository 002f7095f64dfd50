"""Printing the event stream: readable lines for people, JSON lines for tools."""

from __future__ import annotations

import json
import sys
import time
from typing import TextIO

from app.events import (
    CallEvent,
    ErrorEvent,
    EscalateEvent,
    Event,
    LevelEvent,
    StatusEvent,
    SuggestionEvent,
    TensionEvent,
    TranscriptEvent,
)


def clock(t: float) -> str:
    minutes, seconds = divmod(t, 60)
    return f"{int(minutes):02d}:{seconds:04.1f}"


class JsonPrinter:
    """With `wall_clock`, each line also has `wall`: seconds since the printer started, so
    `wall - t` shows how far processing lags behind the call."""

    def __init__(self, out: TextIO | None = None, wall_clock: bool = False) -> None:
        self._out = out or sys.stdout
        self._started = time.monotonic() if wall_clock else None

    def __call__(self, event: Event) -> None:
        data = event.to_dict()
        if self._started is not None:
            data["wall"] = round(time.monotonic() - self._started, 3)
        print(json.dumps(data, ensure_ascii=False), file=self._out, flush=True)


class HumanPrinter:
    def __init__(self, out: TextIO | None = None, show_partials: bool = False) -> None:
        self._out = out or sys.stdout
        self._show_partials = show_partials
        self._level = "calm"

    def __call__(self, event: Event) -> None:
        line = self.format(event)
        if line:
            print(line, file=self._out, flush=True)

    def format(self, event: Event) -> str | None:
        stamp = f"[{clock(event.t)}]"
        match event:
            case TranscriptEvent(spotted=True):
                return f"{stamp} {event.speaker:<8} ** heard: {event.text}"
            case TranscriptEvent(final=True):
                return f"{stamp} {event.speaker:<8} {event.text}"
            case TranscriptEvent() if self._show_partials:
                return f"{stamp} {event.speaker:<8} … {event.text}"
            case StatusEvent():
                return f"{stamp} {event.speaker:<8} [{event.state}] {event.detail}"
            case LevelEvent():
                return f"{stamp} {event.speaker:<8} [level] {event.problem or 'back to normal'}"
            case ErrorEvent():
                return f"{stamp} ERROR {event.message}"
            case TensionEvent() if event.level != self._level:
                self._level = event.level
                why = ", ".join(f"{r.cue} {r.points:g}" for r in event.reasons[:3])
                return f"{stamp} == {event.level.upper()} ({event.score:g})  {why}"
            case SuggestionEvent():
                return f"{stamp} >> [{event.category}] {event.text}   (why: {event.reason})"
            case EscalateEvent():
                return f"{stamp} !! ESCALATE: {event.reason}"
            case CallEvent():
                return f"{stamp} -- call {event.state}"
        return None
