"""A call in a child process: audio capture, recognition and analysis run there, so the
speech engines (PocketSphinx holds Python's GIL while it decodes) can never stall the
window, a crash in native code can't take the app down, and stopping a call can always
be forced.

The parent's handle never blocks its caller: commands go down one pipe, and a receiver
thread reads events and log records from the other into a local queue that `drain` empties.
A child that dies in the middle of a message only ever blocks that thread, which then sees
the end of the pipe.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import queue
import threading

from deescalate.call.child_process import ChildProcess
from deescalate.call.spec import CallSpec
from deescalate.core.events import ErrorEvent, Event

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 2.0
"""A stopped call gets this long to end by itself before its process is terminated."""
_RUNNING: set[ProcessCallRunner] = set()
"""Calls whose process may still run: the app ends them before it exits (see `_end_calls`)."""


class ProcessCallRunner:
    """The parent's handle on a call in a child process. Every method returns at once."""

    def __init__(self, spec: CallSpec) -> None:
        self.spec = spec
        self.finished = threading.Event()
        self.exitcode: int | None = None
        self._inbox: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._process = ChildProcess("deescalate.call.child:serve_call", (spec,))
        self._from_child, self._to_child = self._process.from_child, self._process.to_child
        self._child_out = self._process.child_out
        self._stopped = False
        self._done_seen = False

    def start(self) -> None:
        """Starts the child from a helper thread (starting Python takes a moment)."""
        threading.Thread(target=self._launch_and_watch, name="call-process", daemon=True).start()

    def _launch_and_watch(self) -> None:
        receiver = threading.Thread(target=self._receive, name="call-events", daemon=True)
        try:
            _RUNNING.add(self)
            self._process.start()
            receiver.start()
            self.exitcode = self._process.wait()
        except Exception as exc:  # e.g. no memory for a new process
            log.exception("could not start the call process")
            self._inbox.put(ErrorEvent(0.0, f"the call could not start: {exc}"))
            self.exitcode = -1
        finally:
            if receiver.is_alive():
                receiver.join(2.0)  # the last events and log records still in the pipe
            self.finished.set()
            _RUNNING.discard(self)

    def _receive(self) -> None:
        while True:
            try:
                kind, item = self._from_child.recv()
            except (EOFError, OSError):
                return  # the child has ended (or died half-way through a message)
            except Exception:  # a message that can't be unpickled: skip it, keep reading
                log.exception("unreadable message from the call process")
                continue
            if kind == "event":
                self._inbox.put(item)
            elif kind == "log":
                logging.getLogger(item.name).handle(item)
            elif kind == "done":
                self._done_seen = True

    @property
    def crashed(self) -> bool:
        """The child died without finishing its call (a crash in native code, killed)."""
        return self.finished.is_set() and not self._stopped and not self._done_seen

    def acknowledge(self) -> None:
        self._command("acknowledge")

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._command("stop")
        threading.Thread(target=self._force_stop, name="call-stop", daemon=True).start()

    def _command(self, command: str) -> None:
        with contextlib.suppress(OSError, ValueError):  # the child has already gone
            self._to_child.send(command)

    def _force_stop(self) -> None:
        if self.finished.wait(STOP_GRACE_SECONDS):
            return
        if not self._process.started:
            return
        log.warning("the call did not stop within %.0f s: terminating it", STOP_GRACE_SECONDS)
        self._process.terminate()
        if not self.finished.wait(1.0):
            self._process.kill()

    def wait(self, timeout: float) -> bool:
        """Waits up to `timeout` seconds for the child to end; True if it has."""
        return self.finished.wait(timeout)

    def drain(self, limit: int = 1000) -> list[Event]:
        out: list[Event] = []
        while len(out) < limit:
            try:
                out.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        return out


@atexit.register
def _end_calls() -> None:
    """A call's process is in a process group of its own, so nothing else ends it when the
    app exits: stop each one, and force those that do not end in time."""
    for runner in list(_RUNNING):
        runner.stop()
    for runner in list(_RUNNING):
        runner._force_stop()
