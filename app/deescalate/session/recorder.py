"""The call's record: a call row when a call starts, the events worth keeping while it
runs (level changes, suggestions, escalations, the agent's actions, errors, status), and
its end. Every write goes to the records writer as an operation; nothing here waits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from deescalate.core.events import (
    AgentActionEvent,
    CallEvent,
    ErrorEvent,
    EscalateEvent,
    Event,
    StatusEvent,
    SuggestionEvent,
    TensionEvent,
)
from deescalate.records.ops import EndCall, Feedback, RecordEvent, StartCall, new_key
from deescalate.records.writer import RecordWriter

RECORDED = (
    SuggestionEvent,
    EscalateEvent,
    AgentActionEvent,
    ErrorEvent,
    CallEvent,
    TensionEvent,
    StatusEvent,
)
"""What goes into the records (the caller of `record` sends tension only on a change)."""


@dataclass(frozen=True)
class CallOnRecord:
    key: str
    demo: bool


class CallRecorder:
    def __init__(self, writer: RecordWriter, clock: Callable[[], float]) -> None:
        self.writer = writer
        self._clock = clock
        self.call: CallOnRecord | None = None
        self.last_call: CallOnRecord | None = None
        """The call that ended last: the agent's actions on what it left on screen (an
        escalation waiting to be acknowledged) still belong to it."""

    def open(self, demo: bool) -> CallOnRecord:
        self.close()
        self.call = CallOnRecord(new_key(), demo)
        self.writer.submit(StartCall(self.call.key, self._clock(), demo))
        return self.call

    def close(self, last: Event | None = None) -> None:
        if self.call is None:
            return
        if last is not None:
            self.record(last)
        self.writer.submit(EndCall(self.call.key, self._clock()))
        self.last_call, self.call = self.call, None

    def record(self, event: Event) -> None:
        call = self.call or (self.last_call if isinstance(event, AgentActionEvent) else None)
        if call is None or not isinstance(event, RECORDED):
            return
        data = event.to_dict()
        self.writer.submit(RecordEvent(call.key, event.t, event.type, data, self._clock()))

    def feedback(self, call_t: float, suggestion_id: str, category: str, action: str) -> None:
        self.writer.submit(Feedback(call_t, suggestion_id, category, action, self._clock()))
