"""What every audio source offers, and the health states it reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from deescalate.audio.feed import SpeakerFeed
from deescalate.core.facts import Speaker


class SourceState(enum.StrEnum):
    STARTING = "starting"
    LISTENING = "listening"
    SILENT = "silent"
    """Callbacks arrive but carry only digital silence (muted or disconnected upstream)."""
    LOST = "lost"
    """The device vanished or stopped calling back; the source keeps trying to reopen it."""
    STALLED = "stalled"
    """Audio arrives but the speaker's recogniser is not keeping up (or is stuck)."""
    ENDED = "ended"
    """A file source reached its end."""
    STOPPED = "stopped"


@dataclass(frozen=True)
class SourceHealth:
    speaker: Speaker
    state: SourceState
    detail: str
    dropped_blocks: int = 0
    overflows: int = 0
    late_events: int = 0
    """Events of this speaker released out of call-time order (its recogniser fell behind)."""
    error: str | None = None
    """Set when the source failed in a way the user must hear about (a damaged file)."""

    @classmethod
    def of(cls, feed: SpeakerFeed, state: SourceState, detail: str) -> SourceHealth:
        """A live source's health, with its feed's drop and overflow counts."""
        counters = feed.counters
        return cls(feed.speaker, state, detail, counters.blocks_dropped, counters.overflows)


class AudioSource(Protocol):
    """Pushes one or more speakers' audio into their feeds from its own thread or callback."""

    @property
    def feeds(self) -> list[SpeakerFeed]: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def poll(self) -> list[SourceHealth]:
        """Checks health and recovers where it can; called a few times a second, never from
        the audio callback. Returns the current health of each speaker it feeds."""
        ...
