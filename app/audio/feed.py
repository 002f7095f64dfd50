"""The one place audio crosses threads: a bounded queue per speaker that counts what it drops."""

from __future__ import annotations

import enum
import logging
import queue
import threading
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
"""Rate the recognisers and detectors work at; every call clock counts samples at this rate."""


class Speaker(enum.StrEnum):
    AGENT = "agent"
    CUSTOMER = "customer"


@dataclass
class FeedCounters:
    blocks_in: int = 0
    blocks_dropped: int = 0
    overflows: int = 0


_END = object()


class FeedClosed(Exception):
    """The source has no more audio (end of file, or the call was stopped)."""


class SpeakerFeed:
    """Blocks of one speaker's audio at the source's native rate, mono float32.

    Audio callbacks use `push_nowait`, which never blocks: when the consumer falls behind,
    the block is dropped, counted and logged. File readers use `push`, which waits instead.
    """

    def __init__(self, speaker: Speaker, rate: int, max_blocks: int = 200) -> None:
        self.speaker = speaker
        self.rate = rate
        self.counters = FeedCounters()
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max_blocks)
        self._lock = threading.Lock()

    def push_nowait(self, block: np.ndarray) -> bool:
        try:
            self._queue.put_nowait(block)
        except queue.Full:
            with self._lock:
                self.counters.blocks_dropped += 1
                dropped = self.counters.blocks_dropped
            if dropped == 1 or dropped % 100 == 0:
                log.warning(
                    "%s audio: recogniser is behind, %d blocks dropped", self.speaker, dropped
                )
            return False
        with self._lock:
            self.counters.blocks_in += 1
        return True

    def push(self, block: np.ndarray, timeout: float | None = None) -> None:
        self._queue.put(block, timeout=timeout)
        with self._lock:
            self.counters.blocks_in += 1

    def note_overflow(self) -> None:
        """The driver reported lost input (PortAudio's input overflow flag)."""
        with self._lock:
            self.counters.overflows += 1
            overflows = self.counters.overflows
        if overflows == 1 or overflows % 100 == 0:
            log.warning(
                "%s audio: input overflow reported by the driver (%d)", self.speaker, overflows
            )

    def close(self) -> None:
        """Marks the end of the stream; `pop` returns None after the queued blocks."""
        self._queue.put(_END)

    def pop(self, timeout: float) -> np.ndarray | None:
        """Next block, or None on timeout; raises FeedClosed after the last block."""
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        if item is _END:
            self._queue.put(_END)  # stay closed for any later pop
            raise FeedClosed
        return item  # type: ignore[return-value]
