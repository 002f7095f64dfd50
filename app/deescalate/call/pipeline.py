"""Audio feeds → one recogniser per speaker on its own thread → one ordered event stream.

Threads stay at the edges: each speaker's worker owns its resampler, gain control and
recogniser. Their events are merged in call-time order (an event is released once every
speaker's clock has passed it), so the stream is the same however the threads interleave,
and everything downstream is plain deterministic code.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import replace

import numpy as np

from deescalate.audio.convert import StreamResampler, to_int16
from deescalate.audio.feed import SAMPLE_RATE, FeedClosed, SpeakerFeed
from deescalate.audio.levels import GainControl
from deescalate.audio.sources import AudioSource, SourceHealth, SourceState
from deescalate.audio.voice import VoiceTracker
from deescalate.core.events import ErrorEvent, Event, LevelEvent, StatusEvent, TranscriptEvent
from deescalate.core.facts import Speaker
from deescalate.speech.base import Recognition, Recognizer

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
STALL_SECONDS = 3.0
"""A live speaker's recogniser that reports nothing for this long is shown as stalled."""
LIVE_SLACK_SECONDS = 0.5
"""A live speaker whose audio stops (lost device) is padded with silence once it falls this
far behind the wall clock, so the call clock keeps running for the other speaker."""


class SpeakerChannel:
    """One speaker: resample → voice features, and gain → recogniser; counts the call clock
    in samples."""

    def __init__(self, speaker: Speaker, in_rate: int, recognizer: Recognizer) -> None:
        self.speaker = speaker
        self.recognizer = recognizer
        self.resampler = StreamResampler(in_rate, SAMPLE_RATE)
        self.gain = GainControl(SAMPLE_RATE)
        self.samples = 0
        self.voice = VoiceTracker(str(speaker))
        self._level_problem: str | None = None

    @property
    def t(self) -> float:
        return self.samples / SAMPLE_RATE

    def process(self, block: np.ndarray) -> list[Event]:
        return self._recognise(self.resampler.process(block))

    def pad_silence(self, seconds: float) -> list[Event]:
        return self._recognise(np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32))

    def finish(self) -> list[Event]:
        events = self._recognise(self.resampler.process(np.zeros(0, np.float32), last=True))
        return events + self._to_events(self.recognizer.finish())

    def _recognise(self, samples: np.ndarray) -> list[Event]:
        if samples.size == 0:
            return []
        self.samples += samples.size
        voice: list[Event] = list(self.voice.process(samples))
        pcm = to_int16(self.gain.process(samples))
        return voice + self._level_change() + self._to_events(self.recognizer.accept(pcm))

    def _level_change(self) -> list[Event]:
        report = self.gain.report()
        if report.problem == self._level_problem:
            return []
        self._level_problem = report.problem
        return [
            LevelEvent(
                self.t,
                str(self.speaker),
                report.problem,
                report.speech_dbfs,
                report.clipped_fraction,
            )
        ]

    def _to_events(self, results: Iterable[Recognition]) -> list[Event]:
        return [
            TranscriptEvent(
                self.t, str(self.speaker), r.text, r.final, r.start, r.end, r.spotted, r.words
            )
            for r in results
        ]


class EventMerger:
    """Releases events in call-time order once every active speaker's clock has passed them."""

    def __init__(self, speakers: Iterable[Speaker]) -> None:
        self._clocks = {s: 0.0 for s in speakers}
        self._heap: list[tuple[float, str, int, Event]] = []
        self._seq = itertools.count()

    def add(self, event: Event) -> None:
        # Ties at the same call time go by speaker, so thread timing never reorders them.
        speaker = getattr(event, "speaker", "")
        heapq.heappush(self._heap, (event.t, speaker, next(self._seq), event))

    def advance(self, speaker: Speaker, t: float) -> None:
        self._clocks[speaker] = t

    def finish(self, speaker: Speaker) -> None:
        self._clocks[speaker] = math.inf

    @property
    def watermark(self) -> float:
        return min(self._clocks.values(), default=math.inf)

    def release(self) -> list[Event]:
        limit = self.watermark
        out = []
        while self._heap and self._heap[0][0] <= limit:
            out.append(heapq.heappop(self._heap)[-1])
        return out

    def flush(self) -> list[Event]:
        out = [item[-1] for item in sorted(self._heap)]
        self._heap.clear()
        return out


class Pipeline:
    def __init__(
        self,
        sources: list[AudioSource],
        make_recognizer: Callable[[], Recognizer],
        live: bool,
    ) -> None:
        self.sources = sources
        self.live = live
        self.feeds: list[SpeakerFeed] = [feed for src in sources for feed in src.feeds]
        self.channels = {
            feed.speaker: SpeakerChannel(feed.speaker, feed.rate, make_recognizer())
            for feed in self.feeds
        }
        self._inbox: queue.Queue[tuple[Speaker, float, list[Event], bool]] = queue.Queue()
        self._stop = threading.Event()
        self._last_status: dict[Speaker, tuple] = {}
        self._errors_reported: set[str] = set()
        self._last_report: dict[Speaker, float] = {}

    @property
    def t(self) -> float:
        """Call time: the furthest any speaker's clock has run."""
        return max(channel.t for channel in self.channels.values())

    def stop(self) -> None:
        self._stop.set()

    def run(self, on_event: Callable[[Event], None]) -> None:
        """Runs until every source has ended or `stop()` is called; `on_event` is called on
        this thread, in call-time order."""
        merger = EventMerger(self.channels)
        started = time.monotonic()
        workers = [
            threading.Thread(
                target=self._work,
                args=(feed, started),
                name=f"recognise-{feed.speaker}",
                daemon=True,
            )
            for feed in self.feeds
        ]
        for source in self.sources:
            source.start()
        for worker in workers:
            worker.start()
        running = set(self.channels)
        self._last_report = dict.fromkeys(self.channels, time.monotonic())
        next_poll = 0.0
        try:
            while running:
                try:
                    speaker, t, events, done = self._inbox.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    pass
                else:
                    self._last_report[speaker] = time.monotonic()
                    for event in events:
                        merger.add(event)
                    merger.advance(speaker, t)
                    if done:
                        merger.finish(speaker)
                        running.discard(speaker)
                        self._last_report.pop(speaker, None)
                if self.live and time.monotonic() >= next_poll:
                    next_poll = time.monotonic() + POLL_SECONDS
                    for event in self._status_changes(merger.watermark):
                        merger.add(event)
                for event in merger.release():
                    on_event(event)
        finally:
            self._stop.set()
            for source in self.sources:
                source.stop()
            for worker in workers:
                # A recogniser stuck in a long decode is left to finish on its own thread:
                # stopping a call never waits for it for long.
                worker.join(timeout=1)
        for event in [*self._status_changes(merger.watermark), *merger.flush()]:
            on_event(event)

    def _work(self, feed: SpeakerFeed, started: float) -> None:
        channel = self.channels[feed.speaker]
        try:
            while not self._stop.is_set():
                try:
                    block = feed.pop(timeout=0.1)
                except FeedClosed:
                    break
                if block is not None:
                    events = channel.process(block)
                elif self.live:
                    behind = time.monotonic() - started - channel.t
                    events = channel.pad_silence(behind) if behind > LIVE_SLACK_SECONDS else []
                else:
                    continue
                self._inbox.put((feed.speaker, channel.t, events, False))
            self._inbox.put((feed.speaker, channel.t, channel.finish(), True))
        except Exception as exc:  # keep the call going: report, and end this speaker only
            log.exception("%s recogniser failed", feed.speaker)
            message = f"{feed.speaker} speech recognition stopped: {exc}"
            self._inbox.put((feed.speaker, channel.t, [ErrorEvent(channel.t, message)], True))

    def _status_changes(self, t: float) -> list[Event]:
        """Health of each source, when it changed. Live: polled a few times a second;
        files: once at the end, so replays stay deterministic."""
        if math.isinf(t):
            t = self.t
        events: list[Event] = []
        for source in self.sources:
            for health in source.poll():
                if health.error and health.error not in self._errors_reported:
                    self._errors_reported.add(health.error)
                    events.append(ErrorEvent(t, health.error))
                if self._stalled(health.speaker):
                    health = replace(
                        health,
                        state=SourceState.STALLED,
                        detail="speech recognition is not keeping up; the oldest audio is dropped",
                    )
                key = (health.state, health.detail)
                if self._last_status.get(health.speaker) != key:
                    self._last_status[health.speaker] = key
                    events.append(self._status_event(t, health))
        return events

    def _stalled(self, speaker: Speaker) -> bool:
        last = self._last_report.get(speaker)
        return self.live and last is not None and time.monotonic() - last > STALL_SECONDS

    @staticmethod
    def _status_event(t: float, health: SourceHealth) -> StatusEvent:
        return StatusEvent(
            t,
            str(health.speaker),
            str(health.state),
            health.detail,
            health.dropped_blocks,
            health.overflows,
        )
