"""What the overlay shows, as plain data built from the event stream (no Qt here)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from deescalate.advice.cue_groups import SENIOR_REQUESTS, explains
from deescalate.core.events import (
    CallEvent,
    ErrorEvent,
    EscalateEvent,
    Event,
    Reason,
    RunningEvent,
    StatusEvent,
    SuggestionEvent,
    TensionEvent,
    TranscriptEvent,
)
from deescalate.core.facts import RANK
from deescalate.session.problems import Problems

ESCALATION_PROMPTS = ("escalate", "handover")
"""Categories of the prompt an escalation shows; acknowledging it clears it."""
PROBLEM_STATES = {
    "lost": "audio lost",
    "silent": "no sound for a minute",
    "stalled": "recognition behind",
}


def describe(reason: Reason) -> str:
    """A reason for the why line: quoted only when open recognition heard the words."""
    name = reason.cue.replace("_", " ")
    if reason.words:
        return f'{name} "{reason.words}"'
    if reason.possibly_heard:
        return f"{name} (possibly heard)"
    return name


def escalation_why(escalate: EscalateEvent, reasons: tuple[Reason, ...]) -> str:
    """What brought the escalation (the prompt on screen answers it), then the largest other
    part of the score now, as in: the caller asked for a supervisor again; insult "useless"."""
    others = [
        describe(r)
        for r in reasons
        if explains(r) and r.cue not in SENIOR_REQUESTS and not _repeats(escalate.reason, r.words)
    ]
    return "; ".join([escalate.reason, *others[:1]])


def _repeats(reason: str, words: str) -> bool:
    """Whether a reason's words are already in the escalation's reason, whole or as part of
    its quote ("kill, will" beside `threat heard: "kill you"`)."""
    if not words:
        return False
    quoted = _words(" ".join(re.findall(r'"([^"]*)"', reason)))
    return words.lower() in reason.lower() or bool(quoted & _words(words))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w']+", text.lower()))


@dataclass
class DisplayState:
    engine: str = ""
    demo: bool = False
    t: float = 0.0
    level: str = "calm"
    score: float = 0.0
    reasons: tuple[Reason, ...] = ()
    """What the score is made of now, largest first."""
    suggestion: SuggestionEvent | None = None
    escalate: EscalateEvent | None = None
    sources: dict[str, str] = field(default_factory=dict)
    problems: Problems = field(default_factory=Problems)
    partial: str = ""
    running: bool = False
    in_call: bool = True
    demo_reason: str = ""
    alert: str = ""
    """The supervisor alert's progress: "", "recording…", "recorded", "sent", ..."""
    incident: str | None = None
    """The key of an incident record waiting for the agent to complete it."""
    help_coming: str = ""
    """A supervisor's word from the team hub for this call ("Sam is on the way"); it goes
    when the call ends or the next one starts."""
    _escalated_level: str = "calm"

    @property
    def shown_level(self) -> str:
        """The level on the badge: while an escalation waits, never below the level that
        brought it (a caller on hold calms down; the threat is still there)."""
        if self.escalate is None:
            return self.level
        return max(self.level, self._escalated_level, key=lambda level: RANK[level])

    def apply(self, event: Event) -> None:
        self.t = max(self.t, event.t)
        match event:
            case TensionEvent():
                self.level, self.score, self.reasons = event.level, event.score, event.reasons
            case SuggestionEvent():
                # A waiting escalation keeps its own prompt: a boundary step under "Pause
                # and escalate" would be two instructions at once.
                if self.escalate is None or event.category in ESCALATION_PROMPTS:
                    self.suggestion = event
            case EscalateEvent():
                self.escalate = event
                self.alert = ""
                self._escalated_level = "unsafe" if event.kind == "threat" else self.level
            case RunningEvent():
                self.engine, self.demo, self.demo_reason = event.engine, event.demo, event.detail
                self.help_coming = ""
                self.in_call = event.demo  # a live call starts when the customer speaks
                self.problems.report("call", None)  # a call is running: its old trouble is over
                self._forget_last_call()
            case StatusEvent():
                self.sources[event.speaker] = event.state
            case ErrorEvent():
                self.problems.report("call", event.message)
            case TranscriptEvent(speaker="customer", spotted=False):
                self.partial = event.text  # a spotter's guess is never shown as their words
            case CallEvent(state="started"):
                self.in_call = True
                self.help_coming = ""
                self._forget_last_call()
            case CallEvent():
                self.in_call = False
                self.help_coming = ""
                if self.escalate is None:  # a held escalation keeps what explains it
                    self._forget_last_call()

    def _forget_last_call(self) -> None:
        """A new call (or the end of one): the last caller's level, prompt and words go; an
        escalation stays until the agent acknowledges it, whatever happened to the call."""
        self.level, self.score, self.reasons = "calm", 0.0, ()
        self.partial = ""
        if self.escalate is None:
            self.suggestion = None

    @property
    def why(self) -> str:
        """The why line: the reasons behind the escalation or the suggestion on screen, and
        nothing once the agent has dealt with it."""
        if self.escalate is not None:
            return escalation_why(self.escalate, self.reasons)
        return self.suggestion.reason if self.suggestion is not None else ""

    @property
    def error(self) -> str:
        """Every problem, one after the other (the overlay shows one per line)."""
        return "; ".join(self.problems.lines())

    @property
    def banner(self) -> str:
        """Shown above everything else: prompts from the demo must never pass for real."""
        if not self.demo:
            return ""
        return "DEMO: not a real call" + (f" ({self.demo_reason})" if self.demo_reason else "")

    def acknowledge(self) -> None:
        self.escalate = None
        self.alert = ""
        if self.suggestion is not None and self.suggestion.category in ESCALATION_PROMPTS:
            self.suggestion = None
        if not self.in_call:  # the call it belonged to is over
            self._forget_last_call()

    def clear_suggestion(self) -> None:
        self.suggestion = None

    @property
    def offer_incident(self) -> bool:
        """The "complete incident record" button shows only once the escalation has been
        acknowledged or the call has ended: never while the agent deals with it."""
        return self.incident is not None and self.escalate is None

    @property
    def status_line(self) -> str:
        problems = [
            f"{speaker} {PROBLEM_STATES[state]}"
            for speaker, state in sorted(self.sources.items())
            if state in PROBLEM_STATES
        ]
        parts = []
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
