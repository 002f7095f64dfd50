"""The running app without its window: a thin facade over the parts that run a seat.

- `CallLifecycle` starts and stops calls (each in a child process) and restarts crashed ones;
- `DisplayState` is what the overlay shows, built from the call's events;
- `CallRecorder` keeps the call's record; `IncidentDesk` the SOP's incident records and
  supervisor alerts;
- `PhrasebookSource` holds the phrasebook in force and follows edits;
- `HubReports` tells the team hub about the calls, when a hub is set (`use_hub`);
- `Problems` holds what is wrong, one line per source.

The overlay is a client of this object, as are the tests: it polls, renders `state`, and
forwards the agent's actions. No Qt here, and no method waits: calls run in child
processes, records are written and read on their own threads, alerts leave from the
outbox's. The parts are built by `deescalate.bootstrap` and handed in.

Threading rule: call every method from one thread (the GUI thread in the app), except
`report_problem`, `alert_status`, `hub_message` and `hub_phrasebook`, which any thread may
call.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from pathlib import Path

from deescalate.alerts.notifier import AlertStatus, Notifier
from deescalate.call.probe import DeviceProbe
from deescalate.call.process import ProcessCallRunner
from deescalate.call.spec import CallSpec
from deescalate.config.settings import Settings
from deescalate.core.events import (
    AgentActionEvent,
    CallEvent,
    EscalateEvent,
    Event,
    RunningEvent,
    SuggestionEvent,
    TensionEvent,
    TranscriptEvent,
)
from deescalate.hublink.link import HubLink
from deescalate.hublink.protocol import SeatMessage
from deescalate.records.writer import RecordReader, RecordWriter
from deescalate.session.display import DisplayState
from deescalate.session.hub_reports import HubReports
from deescalate.session.incidents import IncidentDesk
from deescalate.session.lifecycle import CallHandle, CallLifecycle
from deescalate.session.phrasebooks import PhrasebookSource
from deescalate.session.problems import Problems
from deescalate.session.recorder import CallRecorder
from deescalate.session.settings_watch import SettingsFileWatcher, live_changes
from deescalate.speech.base import SpeechError
from deescalate.speech.engines import resolve_engine

log = logging.getLogger(__name__)

CALL_KEYS = (
    "engine",
    "vosk_model",
    "whisper_model",
    "agent_device",
    "customer_device",
    "phrasebook",
    "coaching",
)
"""Settings that only a new call picks up: changing them restarts a running call."""
HELP_COMING = {"coming": "{} is on the way", "take_over": "{} is taking over"}
"""What the overlay says for a supervisor's message from the team hub."""


class Session:
    def __init__(
        self,
        settings: Settings,
        *,
        writer: RecordWriter,
        reader: RecordReader,
        problems: Problems,
        phrasebooks: PhrasebookSource,
        mode: str = "auto",
        make_runner: Callable[[CallSpec], CallHandle] = ProcessCallRunner,
        make_engine: Callable | None = None,
        make_sources: Callable | None = None,
        recording: str | None = None,
        realtime: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`mode`: "live", "demo" or "auto" (live when an audio input is found, else the
        demo call when the settings allow it)."""
        self.settings = settings
        self.mode = mode
        self.problems = problems
        self.state = DisplayState(demo=mode == "demo", problems=problems)
        self.writer, self.reader = writer, reader
        self.phrasebooks = phrasebooks
        self._settings_watcher: SettingsFileWatcher | None = None
        self._make_engine, self._make_sources = make_engine, make_sources
        self._recording, self._realtime = recording, realtime
        self._changes: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._problems_seen = -1
        self.calls = CallLifecycle(self.state, problems, self._spec, make_runner)
        self.recorder = CallRecorder(writer, clock)
        self.hub = HubReports(settings.hub_send_words, clock)
        self.incidents = IncidentDesk(
            self.state, writer, reader, problems, self._later, settings, self.hub
        )
        self._reload_pending = False
        self._suggested = False

    @property
    def phrasebook(self):
        return self.phrasebooks.book

    @property
    def notifier(self) -> Notifier | None:
        return self.incidents.notifier

    def use_notifier(self, notifier: Notifier | None) -> None:
        self.incidents.notifier = notifier

    def use_hub(self, link: HubLink) -> None:
        """Reports the calls to the team hub through `link` (started by whoever built it)."""
        self.hub.link = link
        self.hub.running(self.phrasebooks.version)

    def device_probe(self) -> DeviceProbe:
        """Audio inputs and their levels for the Settings dialog, from a child process."""
        return DeviceProbe()

    # --- calls -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.calls.running

    @property
    def runner(self) -> CallHandle | None:
        return self.calls.runner

    def start_call(self) -> None:
        """Starts a call now, or as soon as the previous one has ended."""
        self.calls.start()

    def stop_call(self) -> None:
        for event in self.calls.stop():
            self.apply(event)
        self._call_over("agent")

    def _call_over(self, ended_by: str) -> None:
        """The call's process ended or was stopped: the call under way, if any, ends."""
        self.recorder.close()
        self.hub.call_ended(ended_by)
        self.state.help_coming = ""

    def _spec(self) -> CallSpec | None:
        s = self.settings
        book = self.phrasebooks.book
        self.hub.running(self.phrasebooks.version)
        try:
            engine = resolve_engine(s.engine, s.vosk_model, s.whisper_model, book.spot_phrases())
        except SpeechError as exc:
            log.warning("call not started: %s", exc)
            self.problems.report("call", str(exc))
            return None
        return CallSpec(
            mode=self.mode,  # type: ignore[arg-type]
            phrasebook=book,
            engine=engine,
            coaching=s.coaching,
            agent_device=s.agent_device,
            customer_device=s.customer_device,
            demo_allowed=s.demo_when_no_devices,
            recording=self._recording,
            realtime=self._realtime,
            make_engine=self._make_engine,
            make_sources=self._make_sources,
        )

    # --- phrasebook edits ------------------------------------------------------------------

    def watch_phrasebook(self) -> None:
        """Reloads the phrasebook files when they are edited. A good edit applies from the
        next call (at once when no call is under way); a broken one is shown on the problem
        line and the last good phrasebook stays."""
        self.phrasebooks.watch(lambda apply: self._later(lambda: self._phrasebook_edited(apply)))

    def watch_settings(self) -> None:
        """Applies edits of the user's settings file that can change live (see
        `settings_watch`); a bad edit is shown on the problem line and changes nothing."""
        from deescalate.config.settings import user_config_path  # looked up now: tests move it

        if self._settings_watcher is None:
            self._settings_watcher = SettingsFileWatcher(
                user_config_path(),
                lambda edited, problem: self._later(lambda: self._settings_edited(edited, problem)),
            )
            self._settings_watcher.start()

    def _settings_edited(self, edited: Settings | None, problem: str | None) -> None:
        self.problems.report("settings", problem)
        if edited is not None and (changes := live_changes(self.settings, edited)):
            log.info("applied from the settings file: %s", ", ".join(changes))
            self.apply_settings(self.settings.with_values(**changes))

    def _phrasebook_edited(self, apply: Callable[[], None]) -> None:
        before = self.phrasebooks.book
        apply()
        if self.phrasebooks.book is not before:
            self._phrasebook_changed()

    def _phrasebook_changed(self) -> None:
        self._reload_pending = self.calls.runner is not None
        self._restart_for_phrasebook()

    def _restart_for_phrasebook(self) -> None:
        """Restarts the call for a new phrasebook, but never in the middle of a call."""
        if self._reload_pending and self.running and not self.state.in_call:
            log.info("restarting the idle call to use the edited phrasebook")
            self._reload_pending = False
            self.stop_call()
            self.start_call()

    # --- the event loop's tick -----------------------------------------------------------

    def poll(self) -> bool:
        """Drains the running call, applies its events to the display state and records
        them; restarts a call whose process crashed. True when the display changed."""
        events, changed, ended = self.calls.drain()
        for event in events:
            self.apply(event)
        if ended is not None:  # its record closes before a crashed call is restarted
            self._call_over("customer")
            self.calls.after_end(ended)
        changed = self._take_changes() or changed or bool(events)
        if self.problems.version != self._problems_seen:
            self._problems_seen = self.problems.version
            changed = True
        return changed

    def apply(self, event: Event) -> None:
        """One event of the call: shown, and recorded when it matters."""
        if isinstance(event, TensionEvent) and event.level == self.state.level:
            self.state.apply(event)  # only level changes are worth a record
            return
        self.state.apply(event)
        match event:
            case RunningEvent(demo=True):
                self._call_started(demo=True)
            case CallEvent(state="started"):
                self._call_started(demo=False)
            case CallEvent(state="ended"):
                self.recorder.close(event)
                self.hub.call_ended("silence")
                self._restart_for_phrasebook()
                return
            case TensionEvent():  # a change of level: the same level returned above
                self.hub.level(event.level, event.score)
            case SuggestionEvent():
                self.hub.suggestion(event)
                self.incidents.suggested(event.category, event.id, event.text)
                if self._is_last_boundary_step(event):
                    self.incidents.abuse_ended_per_policy(event.text)
                if not self._suggested:
                    log.info("first suggestion shown at call time %.1f s", event.t)
                self._suggested = True
            case EscalateEvent():
                self.hub.escalation(event, self.state.why)
                self.incidents.escalated(event.reason)
            case TranscriptEvent(final=True):
                self.incidents.heard(event.speaker, event.text)
        self.recorder.record(event)

    def _call_started(self, demo: bool) -> None:
        call = self.recorder.open(demo=demo)
        self.incidents.call_started(call)
        self.hub.call_started(call.key, demo)

    def _is_last_boundary_step(self, event: SuggestionEvent) -> bool:
        steps = [r for r in self.phrasebook.active_responses() if r.category == "boundary"]
        last = max(steps, key=lambda r: r.step or 0, default=None)
        return event.category == "boundary" and last is not None and event.id == last.id

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
                if action == "used":  # a held prompt of a call that has ended
                    self.incidents.used_after_the_call(suggestion_id)
                return  # already replaced or cleared: nothing the agent saw is left
            if action == "used":
                self.incidents.used(suggestion.text, suggestion_id)
            self.recorder.feedback(event.t, suggestion_id, category, action)
            self.hub.acted(action, category, suggestion_id)  # type: ignore[arg-type]
            state.clear_suggestion()
        elif action == "acknowledged":
            self.calls.acknowledge()
            self.hub.acted("acknowledged")
            state.acknowledge()
        elif action == "alert_supervisor":
            why = state.escalate.reason if state.escalate else "agent asked for help"
            self.incidents.alert_supervisor()
            self.hub.alerted(state.level, state.reasons, why)
        self.recorder.record(event)

    def alert_status(self, status: AlertStatus) -> None:
        """From the notifier's thread: an alert was queued, sent or failed."""
        self.incidents.alert_status(status)

    # --- the team hub ----------------------------------------------------------------------

    def hub_message(self, message: SeatMessage) -> None:
        """From the hub link's thread: a supervisor's message, shown if it is for this call."""
        self._later(lambda: self._show_hub_message(message))

    def _show_hub_message(self, message: SeatMessage) -> None:
        call = self.hub.call_id
        if not call or message.call_id not in (call, ""):
            log.info(
                "a supervisor's message (%s) for a call that is over is not shown", message.kind
            )
            return
        self.state.help_coming = HELP_COMING[message.kind].format(message.supervisor.strip())

    def hub_phrasebook(self, path: Path | None, version: str) -> None:
        """From the hub link's thread: the team's phrasebook changed (None: withdrawn). It
        applies from the next call, never in the middle of one."""
        self._later(lambda: self._use_hub_phrasebook(path, version))

    def _use_hub_phrasebook(self, path: Path | None, version: str) -> None:
        if self.phrasebooks.use_hub(path, version):
            self._phrasebook_changed()

    # --- incident records (per the SOP) ---------------------------------------------------

    def offer_unfinished_incident(self) -> None:
        self.incidents.offer_unfinished()

    def load_incident(self, key: str, on_loaded: Callable[[dict | None], None]) -> None:
        self.incidents.load(key, on_loaded)

    def complete_incident(
        self,
        key: str,
        customer_ref: str,
        outcome: str,
        notes: str,
        on_saved: Callable[[], None] | None = None,
    ) -> None:
        self.incidents.complete(key, customer_ref, outcome, notes, on_saved)

    # --- settings ------------------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> str:
        """Takes new settings; restarts a running call when a call setting changed.
        Returns what the agent should be told, or ""."""
        changed = [k for k in CALL_KEYS if getattr(settings, k) != getattr(self.settings, k)]
        self.settings = settings
        self.incidents.settings = settings
        self.hub.send_words = settings.hub_send_words
        if "phrasebook" in changed:
            self.phrasebooks.load(settings.phrasebook)
            if self.phrasebooks.watching:
                self.watch_phrasebook()
        if not changed or self.calls.runner is None:
            return ""
        self.stop_call()
        self.start_call()
        return "Call restarted to apply: " + ", ".join(k.replace("_", " ") for k in changed)

    # --- problems ------------------------------------------------------------------------

    def report_problem(self, source: str, message: str | None) -> None:
        """From any thread: a problem the agent should see, one line per source, or None
        when that source's problem is over."""
        self.problems.report(source, message)

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
        """Stops the call; writes what is left within `timeout`, keeps the rest for the next
        start. Alerts not yet sent stay in the outbox."""
        self.stop_call()
        self._take_changes()
        self.phrasebooks.stop()
        if self._settings_watcher is not None:
            self._settings_watcher.stop()
        kept = self.writer.close(timeout)
        if kept:
            log.warning("%d record(s) kept for the next start", kept)
        self.reader.close()
        if self.notifier is not None:
            self.notifier.close()
        if self.hub.link is not None:
            self.hub.link.close()
