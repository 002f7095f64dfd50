"""What the overlay shows, as plain data built from the event stream (no Qt here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.events import (
    CallEvent,
    ErrorEvent,
    EscalateEvent,
    Event,
    StatusEvent,
    SuggestionEvent,
    TensionEvent,
    TranscriptEvent,
)

PROBLEM_STATES = {"lost": "audio lost", "silent": "only silence"}


@dataclass
class DisplayState:
    engine: str = ""
    demo: bool = False
    t: float = 0.0
    level: str = "calm"
    score: float = 0.0
    why: str = ""
    suggestion: SuggestionEvent | None = None
    escalate: EscalateEvent | None = None
    sources: dict[str, str] = field(default_factory=dict)
    error: str = ""
    partial: str = ""
    running: bool = False
    in_call: bool = True

    def apply(self, event: Event) -> None:
        self.t = max(self.t, event.t)
        match event:
            case TensionEvent():
                self.level, self.score = event.level, event.score
                self.why = ", ".join(
                    f"{r.cue.replace('_', ' ')}" + (f' "{r.words}"' if r.words else "")
                    for r in event.reasons[:3]
                )
            case SuggestionEvent():
                self.suggestion = event
            case EscalateEvent():
                self.escalate = event
            case StatusEvent():
                self.sources[event.speaker] = event.state
            case ErrorEvent():
                self.error = event.message
            case TranscriptEvent(speaker="customer"):
                self.partial = event.text
            case CallEvent():
                self.in_call = event.state == "started"
                self.level, self.score, self.why = "calm", 0.0, ""
                self.suggestion = self.escalate = None
                self.partial = ""

    def acknowledge(self) -> None:
        self.escalate = None
        if self.suggestion is not None and self.suggestion.category == "escalate":
            self.suggestion = None

    def clear_suggestion(self) -> None:
        self.suggestion = None

    @property
    def status_line(self) -> str:
        problems = [
            f"{speaker} {PROBLEM_STATES[state]}"
            for speaker, state in sorted(self.sources.items())
            if state in PROBLEM_STATES
        ]
        parts = []
        if self.demo:
            parts.append("demo call")
        if problems:
            parts.append("; ".join(problems))
        elif self.running and self.in_call:
            parts.append("listening")
        elif self.running:
            parts.append("waiting for a call")
        elif not self.demo:
            parts.append("not in a call")
        if self.engine:
            parts.append(self.engine)
        return " · ".join(parts)
