"""A call in a child process: audio capture, recognition and analysis run there, so the
speech engines (PocketSphinx holds Python's GIL while it decodes) can never stall the
window, a crash in native code can't take the app down, and stopping a call can always
be forced.

The parent sends commands ("acknowledge", "stop") and drains events; nothing here waits
on the child from the caller's thread.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from deescalate.core.events import ErrorEvent, Event, RunningEvent

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 2.0
"""A stopped call gets this long to end by itself before its process is terminated."""
_DONE = "done"
_CONTEXT = multiprocessing.get_context("spawn")  # never fork a process that runs Qt


@dataclass(frozen=True)
class CallSpec:
    """Everything a child needs to run a call; plain values, so it crosses processes."""

    mode: Literal["live", "demo", "auto"]
    """auto: live when an audio input is found, else the demo call if `demo_allowed`."""
    engine: str = "auto"
    vosk_model: str | None = None
    phrasebook: tuple[str, ...] = ()
    coaching: bool = True
    agent_device: str | None = None
    customer_device: str | None = None
    demo_allowed: bool = True
    recording: str | None = None
    """A recording played instead of the built-in demo call (demo mode)."""
    realtime: bool = True
    make_engine: Callable[[CallSpec, Any], Any] | None = None
    """A module-level function (spec, phrasebook) -> Engine replacing the usual choice."""


class CallSetupError(Exception):
    """The call can't start (no device, no model); the message names the fix."""


def live_sources(spec: CallSpec) -> list:
    """The agent's microphone and the call audio the spec names (or the defaults)."""
    if sys.platform == "win32":  # PortAudio can't record an output there: WASAPI loopback
        return [*_portaudio_sources(spec, agent_only=True), _windows_call_audio(spec)]
    return _portaudio_sources(spec)


def _windows_call_audio(spec: CallSpec):
    from deescalate.audio.loopback import LoopbackSource, LoopbackUnavailable, default_loopback_id
    from deescalate.core.facts import Speaker

    try:
        device_id = spec.customer_device or default_loopback_id()
    except LoopbackUnavailable as exc:
        raise CallSetupError(f"Cannot record the call audio: {exc}.") from exc
    return LoopbackSource(Speaker.CUSTOMER, device_id)


def _portaudio_sources(spec: CallSpec, agent_only: bool = False) -> list:
    from deescalate.audio.capture import DeviceSource
    from deescalate.audio.devices import default_agent_input, default_customer_input, find_input
    from deescalate.core.facts import Speaker

    sources = []
    for speaker, wanted, fallback in (
        (Speaker.AGENT, spec.agent_device, default_agent_input),
        (Speaker.CUSTOMER, spec.customer_device, default_customer_input),
    ):
        if agent_only and speaker == Speaker.CUSTOMER:
            continue
        device = find_input(wanted) if wanted else fallback()
        if wanted and device is None:
            raise CallSetupError(
                f"No audio input named {wanted!r}: choose another in Settings or see "
                "`deescalate devices`."
            )
        if device is not None:
            sources.append(DeviceSource(speaker, device))
    return sources


def _sources(spec: CallSpec) -> tuple[list, bool, str]:
    """(sources, live, what the status line says)."""
    from deescalate.audio.file_source import FileSource
    from deescalate.demo import DEMO_CALL

    if spec.mode != "demo":
        sources = live_sources(spec)
        if sources:
            return sources, True, ""
        if spec.mode == "live" or not spec.demo_allowed:
            raise CallSetupError(
                "No audio input found: plug in a headset, or start PulseAudio/PipeWire, "
                "then start the call again from the menu."
            )
    recording = Path(spec.recording) if spec.recording else DEMO_CALL
    reason = "" if spec.mode == "demo" else "no audio input found"
    return [FileSource(recording, realtime=spec.realtime)], False, reason


def _engine(spec: CallSpec, phrasebook):
    from deescalate.speech.engines import choose_engine

    if spec.make_engine is not None:
        return spec.make_engine(spec, phrasebook)
    return choose_engine(spec.engine, None, spec.vosk_model, phrasebook.spot_phrases())


def serve_call(spec: CallSpec, events, commands, logs) -> None:
    """The child's main function: runs one call, forwarding its events, until it ends or
    "stop" arrives."""
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(logs)]
    root.setLevel(logging.INFO)
    try:
        runner, description, demo_reason = _setup(spec)
    except Exception as exc:  # every setup problem is the user's to fix: say it and end
        log.warning("call not started: %s", exc)
        events.put(ErrorEvent(0.0, str(exc)))
        events.put(_DONE)
        return
    demo = bool(demo_reason) or spec.mode == "demo"
    events.put(RunningEvent(0.0, description, demo, demo_reason))
    runner.start()
    _pump(runner, events, commands)
    events.put(_DONE)


def _setup(spec: CallSpec):
    from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK, load_phrasebook
    from deescalate.call.runner import CallRunner

    phrasebook = load_phrasebook([Path(p) for p in spec.phrasebook] or [DEFAULT_PHRASEBOOK])
    engine = _engine(spec, phrasebook)
    sources, live, demo_reason = _sources(spec)
    runner = CallRunner(sources, engine, phrasebook, live, coaching=spec.coaching)
    return runner, engine.description, demo_reason


def _pump(runner, events, commands) -> None:
    stop_asked = False
    parent = multiprocessing.parent_process()
    while True:
        if parent is not None and not parent.is_alive():
            runner.stop()  # the app died (killed): never keep a microphone open for nobody
            return
        for event in runner.drain():
            events.put(event)
        if runner.finished.is_set() and runner.events.empty():
            return
        try:
            command = commands.get(timeout=0.05)
        except queue.Empty:
            continue
        if command == "acknowledge":
            runner.acknowledge()
        elif command == "stop" and not stop_asked:
            stop_asked = True
            runner.stop()


class ProcessCallRunner:
    """The parent's handle on a call in a child process. Every method returns at once."""

    def __init__(self, spec: CallSpec) -> None:
        self.spec = spec
        self.finished = threading.Event()
        self.exitcode: int | None = None
        self._events = _CONTEXT.Queue()
        self._commands = _CONTEXT.Queue()
        self._logs = _CONTEXT.Queue()
        self._process = _CONTEXT.Process(
            target=serve_call,
            args=(spec, self._events, self._commands, self._logs),
            name="deescalate-call",
            daemon=True,
        )
        self._stopped = False
        self._done_seen = False
        self._log_listener = logging.handlers.QueueListener(
            self._logs, _ForwardToLogging(), respect_handler_level=False
        )

    def start(self) -> None:
        """Starts the child from a helper thread (spawning takes a moment)."""
        self._log_listener.start()
        threading.Thread(target=self._launch_and_watch, name="call-process", daemon=True).start()

    def _launch_and_watch(self) -> None:
        try:
            self._process.start()
            self._process.join()
            self.exitcode = self._process.exitcode
        except Exception as exc:  # e.g. no memory for a new process
            log.exception("could not start the call process")
            self._events.put(ErrorEvent(0.0, f"the call could not start: {exc}"))
            self.exitcode = -1
        finally:
            time.sleep(0.1)  # let the queue's feeder deliver the last events
            self._log_listener.stop()
            self.finished.set()

    @property
    def crashed(self) -> bool:
        """The child died without finishing its call (a crash in native code, killed)."""
        return self.finished.is_set() and not self._stopped and not self._done_seen

    def acknowledge(self) -> None:
        self._commands.put("acknowledge")

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._commands.put("stop")
        threading.Thread(target=self._force_stop, name="call-stop", daemon=True).start()

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
                item = self._events.get_nowait()
            except (queue.Empty, OSError, ValueError):
                break
            if item == _DONE:
                self._done_seen = True
            else:
                out.append(item)
        return out


class _ForwardToLogging(logging.Handler):
    """Log records from the child go through this process's logging (file, stderr)."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)
