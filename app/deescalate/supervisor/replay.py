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
from deescalate.tension.detector import Hit


@dataclass
class CallRecord:
    events: list[Event] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)
    assessed_in: dict[int, int] = field(default_factory=dict)
    """For each hit (by id), the index in `tensions` of the first assessment that counted it."""
    tension_count: int = 0

    def keep(self, event: Event) -> None:
        self.events.append(event)
        if isinstance(event, TensionEvent):
            self.tension_count += 1

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]

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

    def moved_level(self, hit: Hit) -> bool:
        """Whether the level changed at the first assessment that counted this hit."""
        index = self.assessed_in.get(id(hit))
        tensions = self.tensions
        if index is None or index >= len(tensions):
            return False
        before = tensions[index - 1].level if index else "calm"
        return tensions[index].level != before


class _HitRecorder:
    """Stands in front of the analysis's detector and keeps the new hits of each assessment,
    with the assessment (its index among the call's tension events) that first counted it."""

    def __init__(self, detector, record: CallRecord) -> None:
        self._detector, self._record = detector, record

    def feed(self, event: Event):
        return self._keep(self._detector.feed(event))

    def advance(self, t: float):
        return self._keep(self._detector.advance(t))

    def assess_threat_now(self, t: float):
        return self._keep(self._detector.assess_threat_now(t))

    def _keep(self, assessments):
        # Each assessment is published as one tension event, in this order.
        for offset, assessment in enumerate(assessments):
            for hit in assessment.new_hits:
                self._record.hits.append(hit)
                self._record.assessed_in[id(hit)] = self._record.tension_count + offset
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
