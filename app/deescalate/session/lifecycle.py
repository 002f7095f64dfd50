"""A call's life, for the session: start (at once, or once the previous call has ended),
stop (never waits), restart after a crash (a few times, then ask the agent), and notice a
call process that went quiet.

Threading rule: every method on the session's thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from deescalate.call.spec import CallSpec
from deescalate.core.events import Event, RunningEvent
from deescalate.session.display import DisplayState
from deescalate.session.problems import Problems

log = logging.getLogger(__name__)

SILENT_CALL_SECONDS = 6.0
"""A live call process that sends nothing for this long is shown as not responding."""
MAX_RESTARTS = 3
"""Crashed calls restarted automatically within ten minutes; after that the agent is told."""
RESTART_WINDOW = 600.0
RESTART_NOTICE_SECONDS = 60.0
"""A restart's notice leaves the problem line once the restarted call has run this long."""


class CallHandle(Protocol):
    """What the session needs of a running call (`ProcessCallRunner`)."""

    @property
    def finished(self): ...

    exitcode: int | None

    @property
    def crashed(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def acknowledge(self) -> None: ...

    def drain(self, limit: int = 1000) -> list[Event]: ...


class CallLifecycle:
    def __init__(
        self,
        state: DisplayState,
        problems: Problems,
        make_spec: Callable[[], CallSpec | None],
        make_runner: Callable[[CallSpec], CallHandle],
    ) -> None:
        self.state = state
        self.problems = problems
        self._make_spec, self._make_runner = make_spec, make_runner
        self.runner: CallHandle | None = None
        self._stopping: list[CallHandle] = []
        self._start_pending = False
        self._last_event_at = 0.0
        self._flowing = False
        """The call's audio is flowing (its first event after start-up arrived)."""
        self._restarts: list[float] = []

    @property
    def running(self) -> bool:
        return self.runner is not None and not self.runner.finished.is_set()

    def start(self) -> None:
        """Starts a call now, or as soon as the previous one has ended."""
        if self.running:
            return
        if any(not r.finished.is_set() for r in self._stopping):
            self._start_pending = True
            return
        self._start_pending = False
        spec = self._make_spec()
        if spec is None:  # the reason is on the problem line
            return
        self.runner = self._make_runner(spec)
        self.runner.start()
        self._last_event_at = time.monotonic()
        self._flowing = False
        self.state.running = True
        self.state.sources.clear()

    def stop(self) -> list[Event]:
        """Stops the running call; returns the events it had not delivered yet."""
        self._start_pending = False
        runner, self.runner = self.runner, None
        self.state.running = False
        if runner is None:
            return []
        left = runner.drain(100_000)
        runner.stop()
        self._stopping.append(runner)
        return left

    def drain(self) -> tuple[list[Event], bool, CallHandle | None]:
        """The running call's new events, whether its state changed, and the runner if it
        has just ended (hand it to `after_end` once its last events are applied)."""
        self._stopping = [r for r in self._stopping if not r.finished.is_set()]
        if self._start_pending and not self._stopping:
            self.start()
        runner = self.runner
        if runner is None:
            return [], False, None
        events = runner.drain()
        if events:
            self._last_event_at = time.monotonic()
            self._flowing = self._flowing or any(not isinstance(e, RunningEvent) for e in events)
        if runner.finished.is_set():
            events += runner.drain(100_000)
            self.runner = None
            self.state.running = False
            return events, True, runner
        self._clear_restart_notice()
        return events, self._check_quiet(), None

    def after_end(self, runner: CallHandle) -> None:
        """A call that ended on its own: restarted if its process crashed."""
        if runner.crashed:
            self._restart_after_crash(runner)

    def _clear_restart_notice(self) -> None:
        if self._restarts and time.monotonic() - self._restarts[-1] > RESTART_NOTICE_SECONDS:
            self.problems.report("restarts", None)

    def _check_quiet(self) -> bool:
        silent = self._flowing and time.monotonic() - self._last_event_at > SILENT_CALL_SECONDS
        if silent and self.state.sources.get("call") != "stalled":
            log.warning("the call process sent nothing for %.0f s", SILENT_CALL_SECONDS)
            self.state.sources["call"] = "stalled"
            return True
        if not silent and self.state.sources.get("call") == "stalled":
            del self.state.sources["call"]
            return True
        return False

    def _restart_after_crash(self, runner: CallHandle) -> None:
        now = time.monotonic()
        self._restarts = [t for t in self._restarts if now - t < RESTART_WINDOW] + [now]
        code = runner.exitcode
        if len(self._restarts) > MAX_RESTARTS:
            self.problems.report(
                "restarts",
                f"Speech recognition keeps stopping (exit code {code}); see the log, then "
                "start the call again from the menu.",
            )
            return
        log.error("the call process ended unexpectedly (exit code %s); restarting", code)
        self.problems.report(
            "restarts", f"Speech recognition stopped unexpectedly (exit code {code}); restarted."
        )
        self.start()

    def acknowledge(self) -> None:
        if self.runner is not None:
            self.runner.acknowledge()
