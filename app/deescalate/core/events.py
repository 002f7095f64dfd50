"""The event stream: small immutable records, one JSON object per line in `--json` output.

Every event carries `t`, the seconds of call audio fed into the pipeline when it was
produced, so a replayed file and a live call give the same events at the same `t`.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import ClassVar


@dataclass(frozen=True)
class Word:
    """One recognised word with its times in the speaker's audio and the recogniser's
    confidence (0-1)."""

    text: str
    start: float
    end: float
    conf: float


def plain_word(text: str) -> str:
    """A word as words are compared: lower case, no punctuation ("You'll," -> "you'll")."""
    return re.sub(r"[^\w']", "", text.lower())


@dataclass(frozen=True)
class Event:
    type: ClassVar[str] = "event"
    t: float

    def to_dict(self) -> dict:
        data = asdict(self)
        data["t"] = round(self.t, 3)
        return {"type": self.type, **data}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)


@dataclass(frozen=True)
class TranscriptEvent(Event):
    type: ClassVar[str] = "transcript"
    speaker: str
    text: str
    final: bool
    start: float
    end: float
    spotted: bool = False
    """A trigger phrase found by keyword spotting rather than open recognition."""
    words: tuple[Word, ...] = field(default=())
    stable: int = 0
    """In a partial result: how many leading words are settled (streaming recognisers)."""
    recogniser: str = ""
    """The engine that heard the words ("whisper", "vosk", "sphinx"); "" for typed text.
    Engines' word confidences are on different scales."""


@dataclass(frozen=True)
class StatusEvent(Event):
    type: ClassVar[str] = "status"
    speaker: str
    state: str
    detail: str
    dropped_blocks: int = 0
    overflows: int = 0
    late_events: int = 0


@dataclass(frozen=True)
class LevelEvent(Event):
    """The input level of a speaker became a problem for recognition, or stopped being one."""

    type: ClassVar[str] = "level"
    speaker: str
    problem: str | None
    speech_dbfs: float
    clipped_fraction: float


@dataclass(frozen=True)
class ErrorEvent(Event):
    type: ClassVar[str] = "error"
    message: str


@dataclass(frozen=True)
class VoiceEvent(Event):
    """Voice features of one speaker over the last half second of call audio."""

    type: ClassVar[str] = "voice"
    speaker: str
    loudness_db: float
    """RMS level of the voiced frames, dBFS (-100 when nothing was voiced)."""
    pitch_hz: float
    """Median pitch of the voiced frames, 0 when none."""
    pitch_spread: float
    """Spread of pitch, semitones (interquartile range)."""
    voiced: float
    """Share of the window that was voiced speech, 0-1."""
    alpha_ratio: float = 0.0
    """Vocal effort: energy above 1 kHz against below, dB (higher = more effort, pressed)."""
    hnr_db: float = 0.0
    """Harmonics-to-noise ratio of the voiced frames, dB (lower = rougher, strained)."""
    centroid_khz: float = 0.0
    """Spectral centroid of the voiced frames below 5 kHz, kHz (higher = brighter, pressed)."""
    loudness_swing: float = 0.0
    """Spread of loudness across the window's 40 ms frames, dB (bursts of emphasis)."""
    cepstrum: tuple[float, ...] = ()
    """Median mel-cepstral coefficients 0-6 of the voiced frames (spectral envelope)."""
    flux: float = 0.0
    """Median spectral flux of the voiced frames (how fast the spectrum moves)."""


@dataclass(frozen=True)
class Reason:
    cue: str
    points: float
    words: str = ""
    """What the caller said that set the cue off (empty when only the spotter heard it)."""
    possibly_heard: str = ""
    """Words only the keyword spotter heard: a guess to show as "possibly heard", never
    as a quote."""


@dataclass(frozen=True)
class TensionEvent(Event):
    type: ClassVar[str] = "tension"
    score: float
    level: str
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class SuggestionEvent(Event):
    type: ClassVar[str] = "suggestion"
    category: str
    id: str
    text: str
    reason: str
    alternates: tuple[tuple[str, str], ...] = ()
    """Up to two (id, text) alternatives."""


@dataclass(frozen=True)
class EscalateEvent(Event):
    type: ClassVar[str] = "escalate"
    reason: str
    kind: str = "threat"
    """"threat" (threats and abuse: safe disengagement), "supervisor" (the caller asked
    for a supervisor again: hand over) or "heated" (heated for too long: bring help in)."""


@dataclass(frozen=True)
class CallEvent(Event):
    """A call started or ended, judged from the call audio (or said by the agent)."""

    type: ClassVar[str] = "call"
    state: str
    """"started" or "ended"."""


@dataclass(frozen=True)
class RunningEvent(Event):
    """A call runner is up: which engine it loaded and what it listens to."""

    type: ClassVar[str] = "running"
    engine: str
    demo: bool
    """Playing the built-in demo call, not a real one."""
    detail: str = ""


AGENT_ACTIONS = ("used", "dismissed", "acknowledged", "alert_supervisor")


@dataclass(frozen=True)
class AgentActionEvent(Event):
    """What the agent did: used or dismissed a suggestion, acknowledged an escalation,
    alerted the supervisor. Recorded with the call's events."""

    type: ClassVar[str] = "agent_action"
    action: str
    suggestion_id: str = ""
    category: str = ""
