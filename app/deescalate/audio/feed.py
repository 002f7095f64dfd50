"""The one place audio crosses threads: a bounded queue per speaker that counts what it drops."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

from deescalate.core.facts import Speaker

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
"""Rate the recognisers and detectors work at; every call clock counts samples at this rate."""


@dataclass
class FeedCounters:
    blocks_in: int = 0
    blocks_dropped: int = 0
    samples_dropped: int = 0
    overflows: int = 0


class FeedClosed(Exception):
    """The source has no more audio (end of file, or the call was stopped)."""


LIVE_SECONDS = 2.0
"""Audio a live feed keeps for a recogniser that fell behind. Beyond it the *oldest* audio
is dropped: a late suggestion is worth less than a current one."""


class SpeakerFeed:
    """Blocks of one speaker's audio at the source's native rate, mono float32.

    Audio callbacks use `push_nowait`, which never blocks: when the consumer falls more
    than `max_seconds` behind, the oldest audio is dropped, counted and logged. File
    readers use `push`, which waits for room instead. `close` never blocks.
    """

    def __init__(self, speaker: Speaker, rate: int, max_seconds: float = LIVE_SECONDS) -> None:
        self.speaker = speaker
        self.rate = rate
        self.counters = FeedCounters()
        self._blocks: deque[np.ndarray] = deque()
        self._samples = 0
        self._max_samples = max(1, int(max_seconds * rate))
        self._closed = False
        self._gap = 0
        """Samples dropped since the last block was taken: they came before the next one."""
        self._changed = threading.Condition()

    def push_nowait(self, block: np.ndarray) -> None:
        with self._changed:
            self._blocks.append(block)
            self._samples += block.size
            self.counters.blocks_in += 1
            dropped = 0
            while self._samples > self._max_samples and len(self._blocks) > 1:
                lost = self._blocks.popleft().size
                self._samples -= lost
                self._gap += lost
                self.counters.samples_dropped += lost
                dropped += 1
            self.counters.blocks_dropped += dropped
            total = self.counters.blocks_dropped
            self._changed.notify()
        if dropped and (total == dropped or total // 100 != (total - dropped) // 100):
            log.warning(
                "%s audio: recogniser is behind, %d oldest blocks dropped", self.speaker, total
            )

    def push(self, block: np.ndarray, timeout: float | None = None) -> None:
        """Waits for room; raises queue.Full after `timeout` seconds without any."""
        with self._changed:
            has_room = self._changed.wait_for(
                lambda: self._closed or self._samples < self._max_samples, timeout
            )
            if not has_room:
                raise queue.Full
            self._blocks.append(block)
            self._samples += block.size
            self.counters.blocks_in += 1
            self._changed.notify_all()

    def note_overflow(self) -> None:
        """The driver reported lost input (PortAudio's input overflow flag)."""
        with self._changed:
            self.counters.overflows += 1
            overflows = self.counters.overflows
        if overflows == 1 or overflows % 100 == 0:
            log.warning(
                "%s audio: input overflow reported by the driver (%d)", self.speaker, overflows
            )

    def close(self) -> None:
        """Marks the end of the stream; `pop` raises FeedClosed after the queued blocks."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()

    def pop(self, timeout: float) -> np.ndarray | None:
        """Next block, or None on timeout; raises FeedClosed after the last block."""
        return self.take(timeout)[0]

    def take(self, timeout: float) -> tuple[np.ndarray | None, int]:
        """Like `pop`, with the number of samples dropped since the last block taken: audio
        that was lost between that block and this one, which the call clock must count."""
        with self._changed:
            self._changed.wait_for(lambda: self._blocks or self._closed, timeout)
            gap, self._gap = self._gap, 0
            if self._blocks:
                block = self._blocks.popleft()
                self._samples -= block.size
                self._changed.notify_all()
                return block, gap
            if self._closed and not gap:
                raise FeedClosed
            return None, gap
