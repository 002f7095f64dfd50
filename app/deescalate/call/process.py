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

import contextlib
import logging
import multiprocessing
import queue
import threading
from multiprocessing.connection import Connection

from deescalate.call.spec import CallSpec
from deescalate.core.events import ErrorEvent, Event

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 2.0
"""A stopped call gets this long to end by itself before its process is terminated."""
_CONTEXT = multiprocessing.get_context("spawn")  # never fork a process that runs Qt


def _run_child(spec: CallSpec, out: Connection, commands: Connection) -> None:
    """The child's entry point; the call's runtime is imported in the child only."""
    from deescalate.call.child import serve_call

    serve_call(spec, out, commands)


class ProcessCallRunner:
    """The parent's handle on a call in a child process. Every method returns at once."""

    def __init__(self, spec: CallSpec) -> None:
        self.spec = spec
        self.finished = threading.Event()
        self.exitcode: int | None = None
        self._inbox: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._from_child, self._child_out = _CONTEXT.Pipe(duplex=False)
        self._child_in, self._to_child = _CONTEXT.Pipe(duplex=False)
        self._process = _CONTEXT.Process(
            target=_run_child,
            args=(spec, self._child_out, self._child_in),
            name="deescalate-call",
            daemon=True,
        )
        self._stopped = False
        self._done_seen = False

    def start(self) -> None:
        """Starts the child from a helper thread (spawning takes a moment)."""
        threading.Thread(target=self._launch_and_watch, name="call-process", daemon=True).start()

    def _launch_and_watch(self) -> None:
        receiver = threading.Thread(target=self._receive, name="call-events", daemon=True)
        try:
            self._process.start()
            # The child has its own copies now; with ours closed, the pipe ends when it does.
            self._child_out.close()
            self._child_in.close()
            receiver.start()
            self._process.join()
            self.exitcode = self._process.exitcode
        except Exception as exc:  # e.g. no memory for a new process
            log.exception("could not start the call process")
            self._inbox.put(ErrorEvent(0.0, f"the call could not start: {exc}"))
            self.exitcode = -1
        finally:
            if receiver.is_alive():
                receiver.join(2.0)  # the last events and log records still in the pipe
            self.finished.set()

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
        log.warning("the call did not stop within %.0f s: terminating it", STOP_GRACE_SECONDS)
        self._process.terminate()
        if not self.finished.wait(1.0):
            self._process.kill()

    def drain(self, limit: int = 1000) -> list[Event]:
        out: list[Event] = []
        while len(out) < limit:
            try:
                out.append(self._inbox.get_nowait())
            except queue.Empty:
                break
        return out
