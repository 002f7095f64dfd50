"""Both speakers' events as one stream in call-time order, with a bounded wait.

An event is released once every speaker's clock has passed it, so the stream is the same
however the recognition threads interleave: replays are deterministic. Live, one slow
recogniser must not hold the other speaker back, so an event waits at most `max_lag`
seconds of wall time; after that it is released anyway, with everything before it. A
speaker known to be behind (its feed is dropping audio) is not waited for at all. An event
that then arrives from the slow speaker with an earlier time is released at once and
counted as late.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable

from deescalate.core.events import Event
from deescalate.core.facts import Speaker

LIVE_MAX_LAG = 0.8
"""Seconds of wall time a live event may wait for the other speaker's recogniser."""


class EventMerger:
    def __init__(
        self,
        speakers: Iterable[Speaker],
        max_lag: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`max_lag` None: strict call-time order (files); a number: live, bounded wait."""
        self._clocks = {s: 0.0 for s in speakers}
        self._heap: list[tuple[float, str, int, float, Event]] = []
        self._seq = itertools.count()
        self._max_lag, self._clock = max_lag, clock
        self._released_to = -math.inf
        self._late_now: list[Event] = []
        self._behind: set[str] = set()
        self.late = Counter[str]()
        """Events released out of order because their speaker fell behind, per speaker."""
        self.forced = 0
        """Releases that did not wait for every speaker (the lag bound was reached)."""

    def add(self, event: Event) -> None:
        speaker = getattr(event, "speaker", "")
        if event.t < self._released_to:
            self._late_now.append(event)
            self.late[speaker] += 1
            return
        # Ties at the same call time go by speaker, so thread timing never reorders them.
        heapq.heappush(self._heap, (event.t, speaker, next(self._seq), self._clock(), event))

    def advance(self, speaker: Speaker, t: float) -> None:
        self._clocks[speaker] = t

    def finish(self, speaker: Speaker) -> None:
        self._clocks[speaker] = math.inf

    def set_behind(self, speakers: set[str]) -> None:
        """Speakers whose recognition is known to be behind real time: not waited for."""
        self._behind = speakers

    @property
    def watermark(self) -> float:
        waited_for = [t for s, t in self._clocks.items() if s not in self._behind]
        return min(waited_for or self._clocks.values(), default=math.inf)

    @property
    def reached(self) -> float:
        """The call time the released stream has reached (for stamping new events)."""
        return max(self.watermark, self._released_to)

    def release(self) -> list[Event]:
        out, self._late_now = self._late_now, []
        limit = max(self.watermark, self._overdue())
        while self._heap and self._heap[0][0] <= limit:
            out.append(heapq.heappop(self._heap)[-1])
        if out:
            self._released_to = max(self._released_to, max(e.t for e in out))
        return out

    def _overdue(self) -> float:
        """The latest call time among events that waited longer than the lag allows."""
        if self._max_lag is None or not self._heap:
            return -math.inf
        deadline = self._clock() - self._max_lag
        overdue = [t for t, _, _, arrived, _ in self._heap if arrived <= deadline]
        if overdue:
            self.forced += 1
            return max(overdue)
        return -math.inf

    def flush(self) -> list[Event]:
        out = self._late_now + [item[-1] for item in sorted(self._heap)]
        self._heap.clear()
        self._late_now = []
        return out
