"""Records written and read off the caller's thread, each on a path of its own.

The window never waits on SQLite. Writes go through a queue to one thread: a write that
fails for a reason that can pass (full disk, read-only folder) stays at the head of the
queue and is retried every few seconds, so nothing is lost while the problem lasts; the
problem is reported once, and its end too. A write that fails for any other reason is
logged, reported and set aside, and the writes behind it go on. Reads have their own
thread, so a read that fails answers once with its error and never holds writes back.

At exit, writes not yet done are kept in a spool file (beside the records, or in the
user's runtime folder when that place can't be written) and written first at the next
start: no record is lost to a quit.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from deescalate.records.ops import RecordOp, from_json, to_json
from deescalate.records.redact import redact
from deescalate.records.store import RecordError, Records

log = logging.getLogger(__name__)

RETRY_SECONDS = 3.0
Then = Callable[[Any], None]
OnProblem = Callable[[str | None], None]


class RecordWriter:
    def __init__(
        self,
        store: Records,
        on_problem: OnProblem,
        spools: Sequence[Path] = (),
        retry_seconds: float = RETRY_SECONDS,
    ) -> None:
        """`on_problem(message)` is called from the writer thread when writes start failing,
        and with None when they work again. `spools`: where to keep unwritten records at
        exit, in order of preference; any found there are written first."""
        self.store = store
        self._on_problem = on_problem
        self._spools = list(spools)
        self._retry = retry_seconds
        self._queue: queue.Queue[tuple[RecordOp, Then | None] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Event()
        self._idle.set()
        self._closing = threading.Event()
        self._head: tuple[RecordOp, Then | None] | None = None
        for op in self._take_spooled():
            self.submit(op)
        self._thread = threading.Thread(target=self._run, name="records", daemon=True)
        self._thread.start()

    def submit(self, op: RecordOp, then: Then | None = None) -> None:
        """Writes `op` on the writer thread; `then(None)` after it was written."""
        with self._lock:
            self._pending += 1
            self._idle.clear()
        self._queue.put((op, then))

    def flush(self, timeout: float) -> bool:
        """Waits up to `timeout` for every submitted write; True when all are written."""
        return self._idle.wait(timeout)

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def close(self, timeout: float = 2.0) -> int:
        """Writes what it can within `timeout`, then keeps the rest in the spool file for
        the next start. Returns how many writes were kept."""
        self.flush(timeout)
        self._closing.set()
        self._queue.put(None)
        self._thread.join(0.5)
        left = [item[0] for item in [self._head] if item is not None]
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                left.append(item[0])
        if left:
            self._spool(left)
        return len(left)

    # --- the writer thread -------------------------------------------------------------

    def _run(self) -> None:
        failing = False
        while not self._closing.is_set():
            item = self._queue.get()
            if item is None:
                return
            self._head = item
            op, then = item
            while True:
                try:
                    self.store.apply(op)
                except RecordError as exc:
                    if not failing:
                        failing = True
                        self._on_problem(f"{exc} Records are kept and retried.")
                    if self._closing.wait(self._retry):
                        return  # close() keeps the head in the spool
                    continue
                except Exception as exc:  # a fault of ours: set this one aside, go on
                    self._set_aside(op, exc)
                    then = None
                break
            self._head = None
            if failing:
                failing = False
                self._on_problem(None)
            self._done(then)

    def _done(self, then: Then | None) -> None:
        if then is not None:
            try:
                then(None)
            except Exception:
                log.exception("after a record write")
        with self._lock:
            self._pending -= 1
            if self._pending == 0:
                self._idle.set()

    def _set_aside(self, op: RecordOp, exc: Exception) -> None:
        log.error(
            "record set aside after an internal error (%s: %s): %s",
            type(exc).__name__,
            exc,
            redact(to_json(op)),
            exc_info=exc,
        )
        self._on_problem(f"A record could not be written ({type(exc).__name__}); it is in the log.")

    # --- the spool ---------------------------------------------------------------------

    def _spool(self, ops: list[RecordOp]) -> None:
        text = "".join(to_json(op) + "\n" for op in ops)
        for path in self._spools:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                log.warning("cannot keep unwritten records in %s: %s", path, exc)
                continue
            log.warning("%d record(s) not yet written are kept in %s", len(ops), path)
            return
        for op in ops:  # nowhere on disk: the log is the last place left
            log.error("record lost at exit (no place to keep it): %s", redact(to_json(op)))

    def _take_spooled(self) -> list[RecordOp]:
        ops: list[RecordOp] = []
        for path in self._spools:
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.warning("cannot read kept records in %s: %s", path, exc)
                continue
            for line in filter(None, lines):
                try:
                    ops.append(from_json(line))
                except ValueError as exc:
                    log.error("%s: %s", path, exc)
            try:
                path.unlink()
            except OSError as exc:
                log.warning("cannot remove %s: %s", path, exc)
            log.info("%d record(s) kept at the last exit will be written now", len(ops))
        return ops


class RecordReader:
    """Reads on a thread of their own: `read(fn, then, on_error)` runs `fn()` there, then
    `then(result)`, or `on_error(message)` once if it failed. Never retried."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="records-read", daemon=True)
        self._thread.start()

    def read(
        self,
        fn: Callable[[], Any],
        then: Then,
        on_error: Callable[[str], None],
    ) -> None:
        self._queue.put((fn, then, on_error))

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(0.5)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            fn, then, on_error = item
            try:
                result = fn()
            except Exception as exc:
                if not isinstance(exc, RecordError | LookupError):
                    log.exception("reading the records")
                self._call(on_error, str(exc))
                continue
            self._call(then, result)

    @staticmethod
    def _call(callback: Callable[[Any], None], value: Any) -> None:
        try:
            callback(value)
        except Exception:
            log.exception("after a records read")
