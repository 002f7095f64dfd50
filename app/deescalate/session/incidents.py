"""The SOP's incident records and supervisor alerts, for the session.

An incident record is written the moment a call escalates (one per call), pre-filled with
what was observed and what the agent marked used; alerting the supervisor, or marking
another suggestion used, updates it. The agent completes it after the call. "Alert
supervisor" hands an alert to the notifier, which never blocks.

Threading rule: call every method from the session's thread; results of the records
threads come back through `later`.
"""

from __future__ import annotations

import getpass
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from deescalate.alerts.notifier import Alert, AlertStatus, Notifier
from deescalate.config.settings import Settings
from deescalate.records.ops import CompleteIncident, OpenIncident, UpdateIncidentActions, new_key
from deescalate.records.writer import RecordReader, RecordWriter
from deescalate.session.display import DisplayState, describe
from deescalate.session.hub_reports import HubReports
from deescalate.session.problems import Problems
from deescalate.session.recorder import CallOnRecord

log = logging.getLogger(__name__)

TRANSCRIPT_LINES = 8
"""Final lines kept for an alert, only when the settings ask for the transcript."""
Later = Callable[[Callable[[], None]], None]


HELD_CATEGORIES = ("escalate", "handover", "boundary")
"""Prompts that may still be on screen after their call ended: "Used" on one of them
belongs to that call's record."""


@dataclass
class _CallNotes:
    """What the agent did in the call so far: the suggestions marked used, and the held
    prompts shown (id -> text), so one marked used after the call still reaches its record."""

    call: CallOnRecord | None = None
    used: list[str] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)


@dataclass
class _Incident:
    key: str
    call: CallOnRecord | None
    notes: _CallNotes
    alerted: bool = False


class IncidentDesk:
    def __init__(
        self,
        state: DisplayState,
        writer: RecordWriter,
        reader: RecordReader,
        problems: Problems,
        later: Later,
        settings: Settings,
        hub: HubReports | None = None,
    ) -> None:
        """`hub` is told of every incident record opened or completed."""
        self.state = state
        self.hub = hub or HubReports(send_words=False)
        self.writer, self.reader = writer, reader
        self.problems = problems
        self.later = later
        self.settings = settings
        self.notifier: Notifier | None = None
        self._incident: _Incident | None = None
        self._notes = _CallNotes()
        self._recent_lines: deque[str] = deque(maxlen=TRANSCRIPT_LINES)

    # --- the call ----------------------------------------------------------------------

    def call_started(self, call: CallOnRecord) -> None:
        self._notes = _CallNotes(call)
        self._recent_lines.clear()

    def heard(self, speaker: str, text: str) -> None:
        if self.settings.alert_include_transcript:
            self._recent_lines.append(f"{speaker}: {text}")

    def suggested(self, category: str, suggestion_id: str, text: str) -> None:
        if category in HELD_CATEGORIES:
            self._notes.held[suggestion_id] = text

    def used(self, text: str, suggestion_id: str) -> None:
        incident = self._incident
        earlier_call = incident is not None and incident.call is not self._notes.call
        if earlier_call and suggestion_id in incident.notes.held:
            # A prompt held on screen from a call that has ended: its call's record.
            self.used_after_the_call(suggestion_id)
            return
        self._notes.used.append(f"{text} ({suggestion_id})")
        self._update_actions()

    def used_after_the_call(self, suggestion_id: str) -> None:
        """ "Used" on a held prompt (escalation, hand-over, boundary) once its call has
        ended or the next one has begun: added to that call's record."""
        incident = self._incident
        if incident is None or suggestion_id not in incident.notes.held:
            return
        action = f"{incident.notes.held[suggestion_id]} ({suggestion_id})"
        if action not in incident.notes.used:
            incident.notes.used.append(action)
            self.writer.submit(UpdateIncidentActions(incident.key, self._actions(incident)))

    def abuse_ended_per_policy(self, step_text: str) -> None:
        """The last boundary step ("end the call") was shown: the SOP asks for a record of
        the abusive call, as for an escalation."""
        self.escalated(f"abusive caller: the last boundary step was reached ({step_text})")

    def escalated(self, reason: str) -> None:
        """The incident record of this call, pre-filled and written at once; a second
        escalation in the same call keeps the first record."""
        if self._incident is not None and self._incident.call is self._notes.call:
            return
        call = self._notes.call
        incident = _Incident(new_key(), call, self._notes)
        self._incident = incident
        op = OpenIncident(
            incident.key,
            call.key if call else None,
            self.state.t,
            reason,
            tuple(describe_behaviour(r) for r in self.state.reasons),
            tuple(self._notes.used),
        )
        self.writer.submit(op, lambda _: self.later(lambda: self._offer(incident.key)))
        self.hub.incident(
            call.key if call else "",
            incident.key,
            "opened",
            cues=[r.cue for r in self.state.reasons],
            reason=reason,
            behaviours=list(op.behaviours),
            actions=list(op.actions),
        )

    def _actions(self, incident: _Incident) -> tuple[str, ...]:
        return (*incident.notes.used, *(["supervisor alerted"] if incident.alerted else []))

    def _update_actions(self, then: Callable[[object], None] | None = None) -> None:
        incident = self._incident
        if incident is None or incident.call is not self._notes.call:
            return
        self.writer.submit(UpdateIncidentActions(incident.key, self._actions(incident)), then)

    # --- alerting the supervisor ----------------------------------------------------------

    def alert_supervisor(self) -> None:
        state = self.state
        reason = state.escalate.reason if state.escalate else "agent asked for help"
        held = state.escalate is not None and self._incident is not None
        if not held and (self._incident is None or self._incident.call is not self._notes.call):
            self.escalated(reason)
        # An escalation held on screen after its call ended (or the next one began) is
        # still that call's incident: the alert goes on its record.
        incident = self._incident
        assert incident is not None
        incident.alerted = True
        state.alert = "recording…"
        actions = UpdateIncidentActions(incident.key, self._actions(incident))
        if self.notifier is None:

            def recorded(_result: object) -> None:
                self.later(lambda: setattr(state, "alert", "recorded"))

            self.writer.submit(actions, recorded)
            return
        self.writer.submit(actions)
        self.notifier.send(self._alert(reason))

    def _alert(self, reason: str) -> Alert:
        reasons = [reason, *(describe(r) for r in self.state.reasons[:3])]
        return Alert(
            agent=self.settings.agent_name or getpass.getuser(),
            time=datetime.now().astimezone().isoformat(timespec="seconds"),
            level=self.state.level,
            reasons=tuple(dict.fromkeys(reasons)),
            transcript=tuple(self._recent_lines),
            demo=self.state.demo
            or bool(self._incident and self._incident.call and self._incident.call.demo),
        )

    def alert_status(self, status: AlertStatus) -> None:
        """From the notifier's thread: an alert was queued, sent or failed."""
        self.later(lambda: setattr(self.state, "alert", status.state))
        if status.state == "failed":
            self.problems.report(
                "alert delivery", f"Supervisor alert not delivered: {status.detail}"
            )
        elif status.state == "sent":
            self.problems.report("alert delivery", None)

    # --- completing records -----------------------------------------------------------

    def _offer(self, key: str) -> None:
        self.state.incident = key

    def offer_unfinished(self) -> None:
        """Offers the oldest record not yet completed (one left from an earlier run, or the
        next after the agent completed one)."""

        def offer(rows: list[dict]) -> None:
            if rows and self.state.incident is None:
                self.later(lambda: self._offer(rows[0]["key"]))

        self.reader.read(self.writer.store.unfinished_incidents, offer, self._read_failed)

    def load(self, key: str, on_loaded: Callable[[dict | None], None]) -> None:
        """Reads the record; `on_loaded(row)` runs on the session's thread (None when the
        record is gone or can't be read)."""

        def failed(message: str) -> None:
            self._read_failed(message)
            self.later(lambda: on_loaded(None))

        self.reader.read(
            lambda: self.writer.store.get_incident(key),
            lambda row: self.later(lambda: on_loaded(row)),
            failed,
        )

    def _read_failed(self, message: str) -> None:
        log.warning("records not read: %s", message)

    def complete(
        self,
        key: str,
        customer_ref: str,
        outcome: str,
        notes: str,
        on_saved: Callable[[], None] | None = None,
    ) -> None:
        """Saves the agent's part; the next unfinished record, if any, is offered."""

        def saved(_result: object) -> None:
            def done() -> None:
                if self.state.incident == key:
                    self.state.incident = None
                    self.offer_unfinished()
                if on_saved is not None:
                    on_saved()

            self.later(done)

        self.writer.submit(CompleteIncident(key, customer_ref, outcome, notes), saved)
        self.hub.incident("", key, "completed", outcome=outcome, notes=notes)


def describe_behaviour(reason) -> str:
    """A behaviour observed, for the record: the cue, and the words when they were heard."""
    return reason.cue.replace("_", " ") + (f': "{reason.words}"' if reason.words else "")
