"""What the seat tells the team hub about its calls, built from the session's events.

Each call has an id (its record's key, a uuid4 hex) on every event of that call; the agent's
actions on a prompt still on screen after its call ended go with that call. Words (the
suggestion's text, why lines, the incident's words) go only when `hub_send_words` is on,
and then redacted like the records; otherwise only ids, categories, cues and levels.
Never audio. Without a hub (`link` None) nothing is kept or sent.

Threading rule: every method on the session's thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from deescalate.core.events import EscalateEvent, Reason, SuggestionEvent
from deescalate.hublink.link import HubLink
from deescalate.hublink.protocol import EventKind
from deescalate.records.redact import redact
from deescalate.session.display import describe


class HubReports:
    def __init__(
        self,
        send_words: bool,
        clock: Callable[[], float] = time.time,
        scrub: Callable[[str], str] = redact,
    ) -> None:
        self.link: HubLink | None = None
        self.send_words = send_words
        self._clock = clock
        self._scrub = scrub
        self.call_id = ""
        """The call under way ("" between calls)."""
        self.last_call_id = ""
        self._started = 0.0
        self.phrasebook_version = ""
        """The team hub's version of the phrasebook the call runs ("" for the configured)."""

    def _send(self, kind: EventKind, call_id: str, data: dict) -> None:
        if self.link is not None:
            self.link.report(kind, call_id, data)

    def _words(self, data: dict, **words: str | list[str]) -> dict:
        """`data`, with the words added (redacted) only when the policy allows them."""
        if not self.send_words:
            return data
        for key, value in words.items():
            if isinstance(value, list):
                data[key] = [self._scrub(line) for line in value]
            else:
                data[key] = self._scrub(value)
        return data

    @property
    def _this_call(self) -> str:
        return self.call_id or self.last_call_id

    # --- the call --------------------------------------------------------------------------

    def running(self, phrasebook_version: str) -> None:
        """A call process starts with this phrasebook: what its calls and the heartbeat
        report."""
        self.phrasebook_version = phrasebook_version
        if self.link is not None:
            self.link.running_phrasebook = phrasebook_version

    def call_started(self, call_id: str, demo: bool) -> None:
        if self.call_id:  # the last one's end was never seen
            self.call_ended("customer")
        self.call_id, self._started = call_id, self._clock()
        data = {"demo": demo, "phrasebook_version": self.phrasebook_version}
        self._send("call_started", call_id, data)

    def call_ended(self, ended_by: str) -> None:
        """`ended_by`: "agent" (stopped from the menu), "customer" (the call's audio ended),
        "silence" (no customer speech for 30 s)."""
        if not self.call_id:
            return
        duration = round(self._clock() - self._started, 1)
        self._send("call_ended", self.call_id, {"duration": duration, "ended_by": ended_by})
        self.last_call_id, self.call_id = self.call_id, ""

    def level(self, level: str, score: float) -> None:
        if self.call_id:
            self._send("level", self.call_id, {"level": level, "score": round(score, 1)})

    def suggestion(self, event: SuggestionEvent) -> None:
        if self.call_id:
            data = {"category": event.category, "suggestion_id": event.id}
            self._send("suggestion", self.call_id, self._words(data, text=event.text))

    def escalation(self, event: EscalateEvent, why: str) -> None:
        if self.call_id:
            self._send("escalation", self.call_id, self._words({"kind": event.kind}, reason=why))

    # --- the agent -------------------------------------------------------------------------

    def acted(self, kind: EventKind, category: str = "", suggestion_id: str = "") -> None:
        """used, dismissed (a suggestion) or acknowledged (an escalation)."""
        data = {"category": category, "suggestion_id": suggestion_id}
        self._send(kind, self._this_call, {} if kind == "acknowledged" else data)

    def alerted(self, level: str, reasons: Sequence[Reason], why: str) -> None:
        """The agent alerted the supervisor: the cues always, the words when allowed."""
        data = {"level": level, "reasons": [r.cue for r in reasons[:3]]}
        if self.send_words:
            data["reasons"] = [self._scrub(why), *(self._scrub(describe(r)) for r in reasons[:3])]
        self._send("alert", self._this_call, data)

    def incident(
        self, call_id: str, key: str, state: str, cues: Sequence[str] = (), **words: str | list[str]
    ) -> None:
        """An incident record written: `state` "opened" (at the escalation) or "completed"
        (the agent's part); `words` (reason, behaviours, actions, outcome, notes) only when
        allowed. The customer reference never leaves the seat."""
        data = {"key": key, "state": state, "cues": list(cues)}
        self._send("incident", call_id, self._words(data, **words))
