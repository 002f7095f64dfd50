"""The call's own process: builds the sources and the engine from the spec it was given,
runs the call, and sends its events and log records back over a pipe. Stops when told to,
or when the app that started it has gone. Started by `call.process` through
`call.child_process`, which keeps Ctrl+C away from it: the app ends its calls itself."""

from __future__ import annotations

import logging
import logging.handlers
import threading
from multiprocessing.connection import Connection

from deescalate.call.runner import CallRunner
from deescalate.call.sources import call_sources
from deescalate.call.spec import CallSpec
from deescalate.core.events import ErrorEvent, Event, RunningEvent
from deescalate.speech.engines import load_engine

log = logging.getLogger(__name__)

COMMAND_POLL_SECONDS = 0.05


class _Sender:
    """One pipe to the parent, shared by the pump and every logging thread."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._lock = threading.Lock()
        self.broken = False

    def send(self, kind: str, item: object = None) -> None:
        with self._lock:
            if self.broken:
                return
            try:
                self._connection.send((kind, item))
            except (OSError, ValueError):  # the app is gone: nobody to tell
                self.broken = True

    def put_nowait(self, record: logging.LogRecord) -> None:
        """For logging's QueueHandler, which formats the record before handing it over."""
        self.send("log", record)


def serve_call(spec: CallSpec, out: Connection, commands: Connection) -> None:
    """Runs one call until it ends, "stop" arrives or the parent dies."""
    sender = _Sender(out)
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(sender)]  # type: ignore[arg-type]
    root.setLevel(logging.INFO)
    try:
        runner, description, demo_reason = _setup(spec)
    except Exception as exc:  # every setup problem is the user's to fix: say it and end
        log.warning("call not started: %s", exc)
        sender.send("event", ErrorEvent(0.0, str(exc)))
        sender.send("done")
        return
    demo = bool(demo_reason) or spec.mode == "demo"
    sender.send("event", RunningEvent(0.0, description, demo, demo_reason))
    runner.start()
    _pump(runner, sender, commands)
    sender.send("done")


def _setup(spec: CallSpec) -> tuple[CallRunner, str, str]:
    if spec.make_engine is not None:
        engine = spec.make_engine(spec, spec.phrasebook)
    else:
        engine = load_engine(spec.engine)
    sources, live, demo_reason = (spec.make_sources or call_sources)(spec)
    runner = CallRunner(sources, engine, spec.phrasebook, live, coaching=spec.coaching)
    return runner, engine.description, demo_reason


def _pump(runner: CallRunner, sender: _Sender, commands: Connection) -> None:
    stop_asked = False
    while True:
        if sender.broken:
            runner.stop()  # the app died (killed): never keep a microphone open for nobody
            return
        events: list[Event] = runner.drain()
        for event in events:
            sender.send("event", event)
        if runner.finished.is_set() and runner.events.empty():
            return
        command = _next_command(commands)
        if command == "acknowledge":
            runner.acknowledge()
        elif command == "stop" and not stop_asked:
            stop_asked = True
            runner.stop()


def _next_command(commands: Connection) -> str | None:
    try:
        if commands.poll(COMMAND_POLL_SECONDS):
            return commands.recv()
    except (EOFError, OSError):
        return "stop"  # the parent closed its end: it is going
    return None
