"""Records written and read off the caller's thread, each on a path of its own.

The window never waits on SQLite. Writes go through a queue to one thread: a write that
fails for a reason that can pass (full disk, read-only folder) stays at the head of the
queue and is retried every few seconds, so nothing is lost while the problem lasts; the
problem is reported once, and its end too. A write that fails for any other reason is
logged, reported and set aside, and the writes behind it go on. Reads have their own
thread, so a read that fails answers once with its error and never holds writes back.

At exit, writes not yet done are kept, redacted, in a spool file (beside the records, or
in a private folder of the user's runtime folder when that place can't be written) and
written first at the next start: no record is lost to a quit.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from deescalate.config.paths import private_folder
from deescalate.records.ops import RecordOp, from_json, to_json
from deescalate.records.store import RecordError, Records, redacted

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
        # A write stays in the queue until it is written or set aside, so that a close at
        # any moment finds every unwritten one there.
        self._queue: deque[tuple[RecordOp, Then | None]] = deque()
        self._changed = threading.Condition()
        self._idle = threading.Event()
        self._idle.set()
        self._closing = threading.Event()
        taken, done = self._take_spooled()
        for op in taken:
            self.submit(op)
        if taken:
            self.submit_marker(done)
        self._thread = threading.Thread(target=self._run, name="records", daemon=True)
        self._thread.start()

    def submit(self, op: RecordOp, then: Then | None = None) -> None:
        """Writes `op` on the writer thread; `then(None)` after it was written."""
        with self._changed:
            self._queue.append((op, then))
            self._idle.clear()
            self._changed.notify()

    def submit_marker(self, then: Then) -> None:
        """`then(None)` once every write submitted before it is done."""
        self.submit(_Marker(), then)  # type: ignore[arg-type]

    def flush(self, timeout: float) -> bool:
        """Waits up to `timeout` for every submitted write; True when all are written."""
        return self._idle.wait(timeout)

    @property
    def pending(self) -> int:
        with self._changed:
            return sum(not isinstance(op, _Marker) for op, _ in self._queue)

    def close(self, timeout: float = 2.0) -> int:
        """Writes what it can within `timeout`, then keeps the rest in the spool file for
        the next start. Returns how many writes were kept."""
        self.flush(timeout)
        with self._changed:
            self._closing.set()
            self._changed.notify_all()
            left = [op for op, _ in self._queue if not isinstance(op, _Marker)]
            self._queue.clear()
        # A write under way is in `left` too: written twice, it changes nothing.
        if left:
            self._spool(left)
        self._thread.join(0.5)
        return len(left)

    # --- the writer thread -------------------------------------------------------------

    def _run(self) -> None:
        failing = False
        while True:
            with self._changed:
                self._changed.wait_for(lambda: self._queue or self._closing.is_set())
                if self._closing.is_set():
                    return
                op, then = self._queue[0]
            try:
                if not isinstance(op, _Marker):
                    self.store.apply(op)
            except RecordError as exc:
                if not failing:
                    failing = True
                    self._on_problem(f"{exc} Records are kept and retried.")
                self._closing.wait(self._retry)
                continue
            except Exception as exc:  # a fault of ours: set this one aside, go on
                self._set_aside(op, exc)
                then = None
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
        with self._changed:
            if self._queue:
                self._queue.popleft()
            if not self._queue:
                self._idle.set()

    def _set_aside(self, op: RecordOp, exc: Exception) -> None:
        log.error(
            "record set aside after an error (%s: %s): %s",
            type(exc).__name__,
            exc,
            _loggable(op),
            exc_info=exc,
        )
        self._on_problem(f"A record could not be written ({type(exc).__name__}); it is in the log.")

    # --- the spool ---------------------------------------------------------------------

    def _spool(self, ops: list[RecordOp]) -> None:
        lines = []
        for op in ops:
            try:
                lines.append(to_json(redacted(op)) + "\n")
            except Exception:  # one that can't be kept must not lose the others
                log.exception("record lost at exit: %s", _loggable(op))
        text = "".join(lines)
        for path in self._spools:
            try:
                private_folder(path.parent)
                descriptor = os.open(
                    path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600
                )
                with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                log.warning("cannot keep unwritten records in %s: %s", path, exc)
                continue
            log.warning("%d record(s) not yet written are kept in %s", len(lines), path)
            return
        for line in lines:  # nowhere on disk: the log is the last place left
            log.error("record lost at exit (no place to keep it): %s", line.strip())

    def _take_spooled(self) -> tuple[list[RecordOp], Then]:
        """Records kept at the last exit, and what to do once they are written: the files
        are renamed while their records are being written, and removed only after, so a
        crash in between loses nothing (writing one twice changes nothing)."""
        ops: list[RecordOp] = []
        taking: list[Path] = []
        for path in self._spools:
            for kept in (path.with_name(path.name + ".taking"), path):
                if not kept.is_file():
                    continue
                try:
                    lines = kept.read_text(encoding="utf-8").splitlines()
                    target = path.with_name(path.name + ".taking")
                    if kept != target:
                        taking_text = target.read_text() if target.is_file() else ""
                        target.write_text(taking_text + "\n".join(lines) + "\n")
                        os.chmod(target, 0o600)
                        kept.unlink()
                except OSError as exc:
                    log.warning("cannot read kept records in %s: %s", kept, exc)
                    continue
                taking.append(target)
                for line in filter(None, lines):
                    try:
                        ops.append(from_json(line))
                    except ValueError as exc:
                        log.error("%s: %s", kept, exc)
        if ops:
            log.info("%d record(s) kept at the last exit will be written now", len(ops))

        def done(_result: object) -> None:
            for path in dict.fromkeys(taking):
                try:
                    path.unlink(missing_ok=True)
                except OSError as exc:
                    log.warning("cannot remove %s: %s", path, exc)

        return ops, done


class _Marker:
    """Not a write: its place in the queue says when the writes before it are done."""


def _loggable(op: object) -> str:
    try:
        return to_json(redacted(op))  # type: ignore[arg-type]
    except Exception:
        return repr(type(op).__name__)


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
