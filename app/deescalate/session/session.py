"""The running app without its window: settings → call runner → display state → records.

The overlay is a client of this object, as are the tests: it starts and stops calls,
drains their events into a `DisplayState`, records what matters, and takes the agent's
actions (used, dismissed, acknowledged, alert supervisor) as events recorded with the
call's. No Qt here, and no method waits: calls run in child processes, records are written
on their own thread.

Threading rule: call every method from one thread (the GUI thread in the app), except
`report_problem`, which any thread may call.
"""

from __future__ import annotations

import getpass
import logging
import queue
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from deescalate.advice.phrasebook import (
    DEFAULT_PHRASEBOOK,
    Phrasebook,
    PhrasebookError,
    load_phrasebook,
)
from deescalate.advice.watch import PhrasebookWatcher
from deescalate.alerts import Alert, AlertError, AlertStatus, Notifier
from deescalate.call.process import CallSpec, ProcessCallRunner
from deescalate.config.settings import Settings
from deescalate.core.events import (
    AgentActionEvent,
    CallEvent,
    ErrorEvent,
    EscalateEvent,
    Event,
    Reason,
    RunningEvent,
    StatusEvent,
    SuggestionEvent,
    TensionEvent,
    TranscriptEvent,
)
from deescalate.records.store import Incident, Records, RecordStore, UnknownIncident
from deescalate.records.writer import RecordWriter
from deescalate.session.display import DisplayState

log = logging.getLogger(__name__)

CALL_KEYS = ("engine", "vosk_model", "agent_device", "customer_device", "phrasebook", "coaching")
"""Settings that only a new call picks up: changing them restarts a running call."""
SILENT_CALL_SECONDS = 6.0
"""A live call process that sends nothing for this long is shown as not responding."""
MAX_RESTARTS = 3
"""Crashed calls restarted automatically within ten minutes; after that the agent is told."""
TRANSCRIPT_LINES = 8
"""Final lines kept for an alert, only when the settings ask for the transcript."""
RECORDED = (
    SuggestionEvent,
    EscalateEvent,
    AgentActionEvent,
    ErrorEvent,
    CallEvent,
    TensionEvent,
    StatusEvent,
)
"""What goes into the records (tension only when its level changes)."""


@dataclass
class _CallRecord:
    started_at: float
    demo: bool
    id: int | None = None


@dataclass
class _IncidentRecord:
    """The call's incident record; `id` is set on the records thread once it is written."""

    call: _CallRecord | None
    actions: list[str]
    id: int | None = None
    alerted: bool = False


def load_phrasebook_or_default(paths: tuple[str, ...]) -> tuple[Phrasebook, str]:
    """The configured phrasebook, or the default one and the reason it was not usable."""
    books = [Path(p) for p in paths] or [DEFAULT_PHRASEBOOK]
    try:
        return load_phrasebook(books), ""
    except PhrasebookError as exc:
        log.error("phrasebook not usable, using the default one: %s", exc)
        return load_phrasebook([DEFAULT_PHRASEBOOK]), f"{exc} Using the default phrasebook."


class Session:
    def __init__(
        self,
        settings: Settings,
        mode: str = "auto",
        records: Records | None = None,
        notifier: Notifier | None = None,
        make_runner: Callable[[CallSpec], ProcessCallRunner] = ProcessCallRunner,
        make_engine: Callable | None = None,
        recording: str | None = None,
        realtime: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`mode`: "live", "demo" or "auto" (live when an audio input is found, else the
        demo call when the settings allow it)."""
        self.settings = settings
        self.mode = mode
        self.state = DisplayState(demo=mode == "demo")
        self.records = records or RecordStore()
        self.notifier = notifier
        self._recent_lines: deque[str] = deque(maxlen=TRANSCRIPT_LINES)
        self._make_runner, self._make_engine, self._clock = make_runner, make_engine, clock
        self._recording, self._realtime = recording, realtime
        self._changes: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.writer = RecordWriter(self.report_problem)
        self.runner: ProcessCallRunner | None = None
        self._stopping: list[ProcessCallRunner] = []
        self._start_pending = False
        self._call: _CallRecord | None = None
        self._suggested = False
        self._used: list[str] = []
        self._reasons: tuple[Reason, ...] = ()
        self._incident: _IncidentRecord | None = None
        self._last_event_at = 0.0
        self._restarts: list[float] = []
        self._flowing = False
        """The call's audio is flowing (its first event after start-up arrived)."""
        self.phrasebook, problem = load_phrasebook_or_default(settings.phrasebook)
        self._phrasebook_problem = problem
        self.state.error = problem
        self._watcher: PhrasebookWatcher | None = None
        self._reload_pending = False

    # --- calls -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.runner is not None and not self.runner.finished.is_set()

    def start_call(self) -> None:
        """Starts a call now, or as soon as the previous one has ended."""
        if self.running:
            return
        if any(not r.finished.is_set() for r in self._stopping):
            self._start_pending = True
            return
        self._start_pending = False
        self.runner = self._make_runner(self._spec())
        self.runner.start()
        self._last_event_at = time.monotonic()
        self._flowing = False
        self.state.running = True
        self.state.sources.clear()

    def stop_call(self) -> None:
        self._start_pending = False
        if self.runner is not None:
            self._finish_runner(self.runner)
            self.runner.stop()
            self._stopping.append(self.runner)
            self.runner = None
        self.state.running = False

    # --- phrasebook edits ------------------------------------------------------------------

    def watch_phrasebook(self) -> None:
        """Reloads the phrasebook files when they are edited. A good edit applies from the
        next call (at once when no call is under way); a broken one is shown on the problem
        line and the last good phrasebook stays."""
        if self._watcher is not None:
            self._watcher.stop()
        paths = [Path(p) for p in self.settings.phrasebook] or [DEFAULT_PHRASEBOOK]
        self._watcher = PhrasebookWatcher(paths, self._phrasebook_changed)
        self._watcher.start()

    def _phrasebook_changed(self, book: Phrasebook | None, error: str | None) -> None:
        """From the watcher's thread."""
        self._later(lambda: self._use_phrasebook(book, error))

    def _use_phrasebook(self, book: Phrasebook | None, error: str | None) -> None:
        if book is None:
            self.state.error = f"{error} Keeping the last good phrasebook."
            return
        self.phrasebook, self._phrasebook_problem = book, ""
        self.state.error = ""
        self._reload_pending = self.runner is not None
        self._restart_for_phrasebook()

    def _restart_for_phrasebook(self) -> None:
        """Restarts the call for a new phrasebook, but never in the middle of a call."""
        if self._reload_pending and self.running and not self.state.in_call:
            log.info("restarting the idle call to use the edited phrasebook")
            self._reload_pending = False
            self.stop_call()
            self.start_call()

    def _spec(self) -> CallSpec:
        s = self.settings
        return CallSpec(
            mode=self.mode,  # type: ignore[arg-type]
            engine=s.engine,
            vosk_model=s.vosk_model,
            phrasebook=s.phrasebook if not self._phrasebook_problem else (),
            coaching=s.coaching,
            agent_device=s.agent_device,
            customer_device=s.customer_device,
            demo_allowed=s.demo_when_no_devices,
            recording=self._recording,
            realtime=self._realtime,
            make_engine=self._make_engine,
        )

    # --- the event loop's tick -----------------------------------------------------------

    def poll(self) -> bool:
        """Drains the running call, applies its events to the display state and records
        them; restarts a call whose process crashed. True when the display changed."""
        self._stopping = [r for r in self._stopping if not r.finished.is_set()]
        if self._start_pending and not self._stopping:
            self.start_call()
        events = self.runner.drain() if self.runner is not None else []
        for event in events:
            self._apply(event)
        changed = self._take_changes()
        if events:
            self._last_event_at = time.monotonic()
            self._flowing = self._flowing or any(not isinstance(e, RunningEvent) for e in events)
        return self._check_runner() or changed or bool(events)

    def _apply(self, event: Event) -> None:
        if isinstance(event, TensionEvent):
            self._reasons = event.reasons
        if isinstance(event, TensionEvent) and event.level == self.state.level:
            self.state.apply(event)  # only level changes are worth a record
            return
        self.state.apply(event)
        match event:
            case RunningEvent(demo=True):
                self._open_call_record(demo=True)
            case CallEvent(state="started"):
                self._open_call_record(demo=False)
            case CallEvent(state="ended"):
                self._close_call_record(event)
                self._restart_for_phrasebook()
                return
            case SuggestionEvent():
                if not self._suggested:
                    log.info("first suggestion shown at call time %.1f s", event.t)
                self._suggested = True
            case EscalateEvent():
                self._open_incident(event.reason)
            case TranscriptEvent(final=True) if self.settings.alert_include_transcript:
                self._recent_lines.append(f"{event.speaker}: {event.text}")
        if isinstance(event, RECORDED):
            self._record_event(event)

    def _check_runner(self) -> bool:
        """Notices a call that ended or stalled; True when the display changed."""
        runner = self.runner
        if runner is None:
            return False
        if runner.finished.is_set():
            self.runner = None
            self.state.running = False
            self._finish_runner(runner)
            if runner.crashed:
                self._restart_after_crash(runner)
            return True
        silent = self._flowing and time.monotonic() - self._last_event_at > SILENT_CALL_SECONDS
        if silent and self.state.sources.get("call") != "stalled":
            log.warning("the call process sent nothing for %.0f s", SILENT_CALL_SECONDS)
            self.state.sources["call"] = "stalled"
            return True
        if not silent and self.state.sources.get("call") == "stalled":
            del self.state.sources["call"]
            return True
        return False

    def _restart_after_crash(self, runner: ProcessCallRunner) -> None:
        now = time.monotonic()
        self._restarts = [t for t in self._restarts if now - t < 600] + [now]
        code = runner.exitcode
        if len(self._restarts) > MAX_RESTARTS:
            self.state.error = (
                f"Speech recognition keeps stopping (exit code {code}); see the log, then "
                "start the call again from the menu."
            )
            return
        log.error("the call process ended unexpectedly (exit code %s); restarting", code)
        self.state.error = f"Speech recognition stopped unexpectedly (exit code {code}); restarted."
        self.start_call()

    # --- what the agent does ---------------------------------------------------------------

    def act(self, action: str, suggestion_id: str = "") -> None:
        """The agent's action. Used/dismissed apply to `suggestion_id`, the one the agent
        saw: a newer suggestion that arrived meanwhile stays."""
        state = self.state
        suggestion = state.suggestion
        category = suggestion.category if suggestion else ""
        event = AgentActionEvent(state.t, action, suggestion_id, category)
        if action in ("used", "dismissed"):
            if suggestion is None or suggestion.id != suggestion_id:
                return  # already replaced or cleared: nothing the agent saw is left
            if action == "used":
                self._used.append(f"{suggestion.text} ({suggestion_id})")
                self._update_incident_actions()
            self.writer.submit(
                lambda: self.records.feedback(event.t, suggestion_id, category, action)
            )
            state.clear_suggestion()
        elif action == "acknowledged":
            if self.runner is not None:
                self.runner.acknowledge()
            state.acknowledge()
        elif action == "alert_supervisor":
            self._alert_supervisor()
        self._record_event(event)

    def _alert_supervisor(self) -> None:
        state = self.state
        reason = state.escalate.reason if state.escalate else "agent asked for help"
        if self._incident is None or self._incident.call is not self._call:
            self._open_incident(reason)
        state.alert = "recording…"
        alert = self._alert(reason)

        def recorded(_result: object) -> None:
            if alert is None:
                self._later(lambda: setattr(state, "alert", "recorded"))

        self._update_incident_actions(alerted=True, then=recorded)
        if alert is not None and self.notifier is not None:
            notifier = self.notifier
            self.writer.submit(lambda: self._send(notifier, alert))

    def _alert(self, reason: str) -> Alert | None:
        if self.notifier is None:
            return None
        state = self.state
        reasons = [reason, *[p.strip() for p in state.why.split(",") if p.strip()]]
        return Alert(
            agent=self.settings.agent_name or getpass.getuser(),
            time=datetime.now().astimezone().isoformat(timespec="seconds"),
            level=state.level,
            reasons=tuple(dict.fromkeys(reasons)),
            transcript=tuple(self._recent_lines),
        )

    def _send(self, notifier: Notifier, alert: Alert) -> None:
        """On the records thread: hand the alert to the notifier's outbox."""
        try:
            notifier.send(alert)
        except AlertError as exc:
            self.report_problem(f"Supervisor alert not queued: {exc}")
            self._later(lambda: setattr(self.state, "alert", "failed"))

    def alert_status(self, status: AlertStatus) -> None:
        """From the notifier's thread: an alert was queued, sent or failed."""
        self._later(lambda: setattr(self.state, "alert", status.state))
        if status.state == "failed":
            self.report_problem(f"Supervisor alert not delivered: {status.detail}")

    # --- incident records (per the SOP) ---------------------------------------------------

    def _open_incident(self, reason: str) -> None:
        """The incident record of this call, pre-filled and written at once; the agent
        completes it after the call. One per call: a second escalation keeps the first."""
        if self._incident is not None and self._incident.call is self._call:
            return
        call = self._call
        incident = _IncidentRecord(call, list(self._used))
        self._incident = incident
        behaviours = [
            r.cue.replace("_", " ") + (f': "{r.words}"' if r.words else "") for r in self._reasons
        ]
        call_t = self.state.t

        def write() -> int:
            incident.id = self.records.incident(
                Incident(
                    call_t=call_t,
                    reason=reason,
                    behaviours=behaviours,
                    actions=incident.actions.copy(),
                    call_id=call.id if call else None,
                )
            )
            return incident.id

        self.writer.submit(write, lambda row: self._later(lambda: self._offer_incident(row)))

    def _update_incident_actions(
        self, alerted: bool = False, then: Callable[[object], None] | None = None
    ) -> None:
        incident = self._incident
        if incident is None or (incident.call is not self._call and not alerted):
            return
        incident.alerted = incident.alerted or alerted
        incident.actions = [*self._used, *(["supervisor alerted"] if incident.alerted else [])]
        actions = incident.actions.copy()
        self.writer.submit(
            lambda: incident.id and self.records.update_incident_actions(incident.id, actions),
            then,
        )

    def _offer_incident(self, incident_id: int) -> None:
        self.state.incident = incident_id

    def offer_unfinished_incident(self) -> None:
        """Offers the oldest incident record not yet completed (one left from an earlier
        run, or the next after the agent completed one)."""

        def offer(rows: list[dict]) -> None:
            if rows and self.state.incident is None:
                self._later(lambda: self._offer_incident(rows[0]["id"]))

        self.writer.submit(self.records.unfinished_incidents, offer)

    def load_incident(self, incident_id: int, on_loaded: Callable[[dict | None], None]) -> None:
        """Reads the record on the records thread; `on_loaded(row)` runs at the next poll
        (None when the record is gone)."""

        def read() -> dict | None:
            try:
                return self.records.get_incident(incident_id)
            except UnknownIncident:
                return None

        self.writer.submit(read, lambda row: self._later(lambda: on_loaded(row)))

    def complete_incident(
        self,
        incident_id: int,
        customer_ref: str,
        outcome: str,
        notes: str,
        on_saved: Callable[[], None] | None = None,
    ) -> None:
        """Saves the agent's part; the next unfinished record, if any, is offered."""

        def saved(_result: object) -> None:
            def done() -> None:
                if self.state.incident == incident_id:
                    self.state.incident = None
                    self.offer_unfinished_incident()
                if on_saved is not None:
                    on_saved()

            self._later(done)

        self.writer.submit(
            lambda: self.records.complete_incident(incident_id, customer_ref, outcome, notes),
            saved,
        )

    # --- records -------------------------------------------------------------------------

    def _open_call_record(self, demo: bool) -> None:
        self._close_call_record(None)
        call = _CallRecord(self._clock(), demo)
        self._call, self._suggested, self._used, self._reasons = call, False, [], ()

        def write() -> None:
            call.id = self.records.start_call(call.started_at, call.demo)

        self.writer.submit(write)

    def _close_call_record(self, event: Event | None) -> None:
        call = self._call
        if call is None:
            return
        if event is not None:
            self._record_event(event)
        ended = self._clock()
        self.writer.submit(lambda: call.id and self.records.end_call(call.id, ended))
        self._call = None

    def _record_event(self, event: Event) -> None:
        call, at = self._call, self._clock()
        if call is None:
            return
        self.writer.submit(lambda: call.id and self.records.call_event(call.id, at, event))

    def _finish_runner(self, runner: ProcessCallRunner) -> None:
        for event in runner.drain(100_000):
            self._apply(event)
        self._close_call_record(None)

    # --- settings ------------------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> str:
        """Takes new settings; restarts a running call when a call setting changed.
        Returns what the agent should be told, or ""."""
        changed = [k for k in CALL_KEYS if getattr(settings, k) != getattr(self.settings, k)]
        self.settings = settings
        if "phrasebook" in changed and self._watcher is not None:
            self.watch_phrasebook()
        if "phrasebook" in changed:
            self.phrasebook, self._phrasebook_problem = load_phrasebook_or_default(
                settings.phrasebook
            )
            self.state.error = self._phrasebook_problem
        if not changed or self.runner is None:
            return ""
        self.stop_call()
        self.start_call()
        return "Call restarted to apply: " + ", ".join(k.replace("_", " ") for k in changed)

    # --- problems ------------------------------------------------------------------------

    def report_problem(self, message: str | None) -> None:
        """From any thread: a problem the agent should see on the problem line, or None
        when it is over (the records thread says so once writes work again)."""
        self._later(lambda: setattr(self.state, "error", message or ""))

    def _later(self, change: Callable[[], None]) -> None:
        """Runs `change` on the session's thread at the next poll."""
        self._changes.put(change)

    def _take_changes(self) -> bool:
        taken = False
        while True:
            try:
                change = self._changes.get_nowait()
            except queue.Empty:
                return taken
            change()
            taken = True

    def close(self, timeout: float = 2.0) -> None:
        """Stops the call and writes what is left (waits at most `timeout`)."""
        self.stop_call()
        self.writer.flush(timeout)
        self.writer.close(0.5)
        if self._watcher is not None:
            self._watcher.stop()
        if self.notifier is not None:
            self.notifier.close()  # queued alerts stay in the outbox for the next start


def make_notifier(
    settings: Settings, on_status: Callable[[AlertStatus], None]
) -> tuple[Notifier | None, str]:
    """The supervisor-alert channel the settings ask for, or None and why not."""
    if not settings.alert_webhook_url:
        return None, ""
    import platformdirs

    from deescalate.alerts.webhook import WebhookNotifier
    from deescalate.config.settings import APP_NAME

    outbox = settings.alert_outbox or platformdirs.user_data_dir(APP_NAME, appauthor=False)
    try:
        notifier = WebhookNotifier(
            settings.alert_webhook_url, Path(outbox), settings.alert_format, on_status
        )
    except AlertError as exc:
        return None, f"Supervisor alerts are off: {exc}"
    return notifier, ""
