"""Record writes off the caller's thread, kept until they succeed.

The window never waits on SQLite: writes go through a queue to one thread. A write that
fails (full disk, read-only folder) stays at the head of the queue and is retried every
few seconds, so nothing is lost while the problem lasts; the problem is reported once, and
its end too.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from deescalate.records.store import RecordError

log = logging.getLogger(__name__)

RETRY_SECONDS = 3.0
Write = Callable[[], Any]


class RecordWriter:
    def __init__(
        self,
        on_problem: Callable[[str | None], None],
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        """`on_problem(message)` is called from the writer thread when writes start failing,
        and with None when they work again."""
        self._on_problem = on_problem
        self._retry = retry_seconds
        self._queue: queue.Queue[tuple[Write, Callable[[Any], None] | None] | None] = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name="records", daemon=True)
        self._thread.start()

    def submit(self, write: Write, then: Callable[[Any], None] | None = None) -> None:
        """Runs `write()` on the writer thread; `then(result)` after it succeeded."""
        self._idle.clear()
        self._queue.put((write, then))

    def flush(self, timeout: float) -> bool:
        """Waits up to `timeout` for every submitted write; True when all are written."""
        return self._idle.wait(timeout)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def close(self, timeout: float = 2.0) -> None:
        self._closing.set()
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        failing = False
        while True:
            item = self._queue.get()
            if item is None:
                return
            write, then = item
            while True:
                try:
                    result = write()
                except RecordError as exc:
                    if not failing:
                        failing = True
                        self._on_problem(f"{exc} Records are kept and retried.")
                    if self._wait_or_close():
                        return
                    continue
                break
            if failing:
                failing = False
                self._on_problem(None)
            if then is not None:
                try:
                    then(result)
                except Exception:
                    log.exception("after a record write")
            if self._queue.empty():
                self._idle.set()

    def _wait_or_close(self) -> bool:
        """Sleeps before a retry; True if the writer was closed meanwhile (the unwritten
        records are then logged, the only place left for them)."""
        if self._closing.wait(self._retry):
            log.error("records still unwritten at exit: %d", self._queue.qsize())
            return True
        return False
