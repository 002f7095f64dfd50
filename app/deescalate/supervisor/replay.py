"""A replayed call kept whole, for the supervisor's tools: every event, and every cue heard.

`replay_call` runs a transcript or a recording through the same analysis as a live call
and keeps what came out, plus each cue hit the detector found (also those too weak to
move the level), so summaries, expectations and review reports can say why things fired.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from deescalate.advice.phrasebook import Phrasebook
from deescalate.audio.file_source import FileSource
from deescalate.call.analysis import CallAnalysis
from deescalate.call.runner import CallRunner
from deescalate.core.events import (
    ErrorEvent,
    EscalateEvent,
    Event,
    SuggestionEvent,
    TensionEvent,
    TranscriptEvent,
)
from deescalate.core.facts import RANK
from deescalate.speech.engines import Engine
from deescalate.supervisor.transcripts import is_transcript, read_transcript
from deescalate.tension.detector import ENTER, Hit


@dataclass
class CallRecord:
    events: list[Event] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)

    def keep(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

    @property
    def distinct_hits(self) -> list[Hit]:
        """Each piece of evidence once: words heard before the final (the spotter's guess,
        settled words) and heard again in the same stretch count as their last hearing."""
        last: dict[object, Hit] = {}
        for hit in self.hits:
            again = (hit.cue, hit.speaker, hit.start, hit.end) if hit.provisional else id(hit)
            last[again] = hit
        return list(last.values())

    @property
    def tensions(self) -> list[TensionEvent]:
        return self.of(TensionEvent)

    @property
    def suggestions(self) -> list[SuggestionEvent]:
        return self.of(SuggestionEvent)

    @property
    def escalations(self) -> list[EscalateEvent]:
        return self.of(EscalateEvent)

    @property
    def transcripts(self) -> list[TranscriptEvent]:
        return [e for e in self.of(TranscriptEvent) if e.final]

    @property
    def errors(self) -> list[ErrorEvent]:
        return self.of(ErrorEvent)

    @property
    def duration(self) -> float:
        return max((e.t for e in self.events), default=0.0)

    def peak(self) -> TensionEvent | None:
        """The first moment of the highest level, and of the highest score at that level."""
        best = None
        for event in self.tensions:
            key = (RANK[event.level], event.score)
            if best is None or key > (RANK[best.level], best.score):
                best = event
        return best

    def level_at(self, t: float) -> str:
        level = "calm"
        for event in self.tensions:
            if event.t > t + 1e-9:
                break
            level = event.level
        return level

    def tension_at(self, t: float) -> TensionEvent | None:
        latest = None
        for event in self.tensions:
            if event.t > t + 1e-9:
                break
            latest = event
        return latest

    def heard_at(self, hit: Hit) -> float:
        """When the line the cue was heard in starts: the time every tool gives a line or
        a cue (suggestions, escalations and level changes have the moment they came)."""
        if hit.end:
            return hit.start
        lines = (e for e in self.transcripts if e.speaker == hit.speaker and e.t == hit.t)
        return next((e.start for e in lines), hit.t)

    def level_rises(self) -> list[TensionEvent]:
        """The assessments at which the level went up."""
        rises, level = [], "calm"
        for event in self.tensions:
            if RANK[event.level] > RANK[level]:
                rises.append(event)
            level = event.level
        return rises

    def raised_by(self, cue: str) -> list[TensionEvent]:
        """The level rises this cue brought about (see `movers`)."""
        return [rise for rise in self.level_rises() if cue in movers(rise, self.hits)]


def movers(rise: TensionEvent, hits: list[Hit]) -> list[str]:
    """The cues that moved the level at a rise: those without whose points the score would
    have stayed under the new level's threshold (the largest one when no single cue was
    needed); for unsafe, the threat itself."""
    if rise.level == "unsafe":
        unsafe = {h.cue for h in hits if h.unsafe}
        return [r.cue for r in rise.reasons if r.cue in unsafe]
    needed = [r.cue for r in rise.reasons if rise.score - r.points < ENTER[rise.level]]
    return needed or [r.cue for r in rise.reasons[:1]]


class _HitRecorder:
    """Stands in front of the analysis's detector and keeps the new hits of each assessment."""

    def __init__(self, detector, record: CallRecord) -> None:
        self._detector, self._record = detector, record

    def feed(self, event: Event):
        return self._keep(self._detector.feed(event))

    def advance(self, t: float):
        return self._keep(self._detector.advance(t))

    def assess_threat_now(self, t: float):
        return self._keep(self._detector.assess_threat_now(t))

    def _keep(self, assessments):
        for assessment in assessments:
            self._record.hits.extend(assessment.new_hits)
        return assessments

    def __getattr__(self, name: str):
        return getattr(self._detector, name)


def recording_analysis(
    phrasebook: Phrasebook,
    record: CallRecord,
    on_event: Callable[[Event], None] | None = None,
    coaching: bool = True,
) -> CallAnalysis:
    def keep(event: Event) -> None:
        record.keep(event)
        if on_event is not None:
            on_event(event)

    analysis = CallAnalysis(phrasebook, keep, coaching)
    analysis.detector = _HitRecorder(analysis.detector, record)  # type: ignore[assignment]
    return analysis


def replay_call(
    path: Path,
    phrasebook: Phrasebook,
    coaching: bool = True,
    make_engine: Callable[[], Engine] | None = None,
    channels: str | None = None,
) -> CallRecord:
    """Raises TranscriptError / AudioFileError for files that can't be used. A recording
    needs `make_engine`, returning a loaded speech engine."""
    record = CallRecord()
    analysis = recording_analysis(phrasebook, record, coaching=coaching)
    if is_transcript(path):
        play_transcript(read_transcript(path), analysis)
        return record
    if make_engine is None:
        raise ValueError("a recording needs a speech engine")
    source = FileSource(path, channels, False)
    CallRunner([source], make_engine(), phrasebook, live=False, analysis=analysis).run()
    return record


def play_transcript(events: list[TranscriptEvent], analysis: CallAnalysis) -> None:
    """A transcript's lines through the analysis, in order, then the moment after the last."""
    for event in events:
        analysis(event)
    analysis.finish(events[-1].t)
