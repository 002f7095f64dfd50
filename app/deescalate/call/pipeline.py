"""Audio feeds → one recogniser per speaker on its own thread → one ordered event stream.

Threads stay at the edges: each speaker's worker owns its channel (resampler, gain control,
voice features, recogniser). Their events are merged in call-time order (see `merger`), so
the stream is the same however the threads interleave, and everything downstream is plain
deterministic code. Live, the merge waits a bounded time for a slow speaker, so one slow
recogniser never delays the other speaker's words by more than that.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import replace

from deescalate.audio.feed import FeedClosed, SpeakerFeed
from deescalate.audio.sources import AudioSource, SourceHealth, SourceState
from deescalate.call.channel import SpeakerChannel
from deescalate.call.merger import LIVE_MAX_LAG, EventMerger
from deescalate.core.events import ErrorEvent, Event, StatusEvent
from deescalate.core.facts import Speaker
from deescalate.speech.base import Recognizer

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25
STALL_SECONDS = 3.0
"""A live speaker's recogniser that reports nothing for this long is shown as stalled."""
LIVE_SLACK_SECONDS = 0.5
"""A live speaker whose audio stops (lost device) is padded with silence once it falls this
far behind the wall clock, so the call clock keeps running for the other speaker."""


class Pipeline:
    def __init__(
        self,
        sources: list[AudioSource],
        make_recognizer: Callable[[Speaker], Recognizer],
        live: bool,
    ) -> None:
        self.sources = sources
        self.live = live
        self.feeds: list[SpeakerFeed] = [feed for src in sources for feed in src.feeds]
        self.channels = {
            feed.speaker: SpeakerChannel(feed.speaker, feed.rate, make_recognizer(feed.speaker))
            for feed in self.feeds
        }
        self._inbox: queue.Queue[tuple[Speaker, float, list[Event], bool]] = queue.Queue()
        self._stop = threading.Event()
        self._last_status: dict[Speaker, tuple] = {}
        self._errors_reported: set[str] = set()
        self._last_report: dict[Speaker, float] = {}
        self._last_skip: dict[Speaker, float] = {}
        self.merger: EventMerger | None = None
        self.started = 0.0
        """When the run began (monotonic): call time 0 of a live call."""

    @property
    def t(self) -> float:
        """Call time: the furthest any speaker's clock has run."""
        return max(channel.t for channel in self.channels.values())

    def stop(self) -> None:
        self._stop.set()

    def run(self, on_event: Callable[[Event], None]) -> None:
        """Runs until every source has ended or `stop()` is called; `on_event` is called on
        this thread, in call-time order."""
        merger = EventMerger(self.channels, LIVE_MAX_LAG if self.live else None)
        self.merger = merger
        self.started = started = time.monotonic()
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
                    for event in self._status_changes(merger):
                        merger.add(event)
                if self.live:
                    merger.set_behind({str(s) for s in self.channels if self._skipping(s)})
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
        for event in [*self._status_changes(merger), *merger.flush()]:
            on_event(event)
        if merger.late:
            log.warning("events released late (a speaker fell behind): %s", dict(merger.late))

    def _work(self, feed: SpeakerFeed, started: float) -> None:
        channel = self.channels[feed.speaker]
        try:
            while not self._stop.is_set():
                try:
                    block, dropped = feed.take(timeout=0.1)
                except FeedClosed:
                    break
                if dropped:
                    channel.skip(dropped)
                    self._last_skip[feed.speaker] = time.monotonic()
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

    def _status_changes(self, merger: EventMerger) -> list[Event]:
        """Health of each source, when it changed. Live: polled a few times a second;
        files: once at the end, so replays stay deterministic."""
        t = merger.reached
        if math.isinf(t):
            t = self.t
        events: list[Event] = []
        for source in self.sources:
            for health in source.poll():
                if health.error and health.error not in self._errors_reported:
                    self._errors_reported.add(health.error)
                    events.append(ErrorEvent(t, health.error))
                if self._stalled(health.speaker) or self._skipping(health.speaker):
                    health = replace(
                        health,
                        state=SourceState.STALLED,
                        detail="speech recognition is not keeping up; the oldest audio is dropped",
                    )
                late = merger.late[str(health.speaker)]
                health = replace(health, late_events=late)
                key = (health.state, health.detail)
                if self._last_status.get(health.speaker) != key:
                    self._last_status[health.speaker] = key
                    events.append(self._status_event(t, health))
        return events

    def _skipping(self, speaker: Speaker) -> bool:
        """Audio of this speaker was dropped lately: recognition is behind real time."""
        last = self._last_skip.get(speaker)
        return self.live and last is not None and time.monotonic() - last < STALL_SECONDS

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
            health.late_events,
        )
