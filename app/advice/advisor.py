"""From assessments to at most one suggestion at a time, without flooding the agent.

Rules, in order: a threat (or a second supervisor demand, or a long heated stretch) means
escalate, which holds the display until acknowledged; abuse gets the next boundary step;
the agent's own risky phrases get coaching (if switched on); otherwise a rise in tension or
a new cue gets a calming, listening, positive-language or next-steps phrase. Cooldowns per
category, a minimum gap between suggestions, and no phrase twice in a call.
"""

from __future__ import annotations

from app.advice.phrasebook import LEVELS, Phrasebook, Response
from app.events import EscalateEvent, Event, SuggestionEvent
from app.tension.detector import Assessment, Hit

CATEGORY_COOLDOWN = 25.0
MIN_GAP = 8.0
"""Seconds between two ordinary suggestions; escalate, boundary and coaching may come sooner."""
HEATED_ESCALATE_AFTER = 40.0
ABUSE = {"insult", "profanity"}
SOFT_CATEGORIES = ("listening", "calming", "positive_language", "next_steps")
RANK = {"calm": 0, "tense": 1, "heated": 2, "unsafe": 3}


class Advisor:
    def __init__(self, phrasebook: Phrasebook, coaching: bool = True) -> None:
        self._responses = phrasebook.active_responses()
        self._boundary_steps = sorted(
            (r for r in self._responses if r.category == "boundary" and r.step),
            key=lambda r: r.step or 0,
        )
        self._coaching = coaching
        self._used: set[str] = set()
        self._category_at: dict[str, float] = {}
        self._last_at = -1e9
        self._level = "calm"
        self._heated_since: float | None = None
        self._abuse_steps = 0
        self._supervisor_demands = 0
        self.escalated = False
        self._escalated_for_threat = False

    def acknowledge(self) -> None:
        """The agent acknowledged the escalate prompt; normal suggestions resume."""
        self.escalated = False
        self._escalated_for_threat = False

    def update(self, a: Assessment) -> list[Event]:
        rose = RANK[a.level] > RANK[self._level]
        self._level = a.level
        self._heated_since = (self._heated_since or a.t) if a.level == "heated" else None
        events: list[Event] = []
        for hit in sorted(a.new_hits, key=_priority):
            events += self._on_hit(a, hit)
            if any(isinstance(e, SuggestionEvent) for e in events):
                break  # one suggestion at a time; the rest of this moment's cues wait
        if self._heated_since is not None and a.t - self._heated_since >= HEATED_ESCALATE_AFTER:
            self._heated_since = None
            events += self._escalate(a.t, "the call has stayed heated", ["heated"])
        if not events and not self.escalated and (rose or a.new_hits) and a.level != "calm":
            cues = [h.cue for h in a.new_hits if h.speaker == "customer"]
            events += self._suggest(a.t, SOFT_CATEGORIES, [*cues, a.level], _why(a))
        return events

    def _on_hit(self, a: Assessment, hit: Hit) -> list[Event]:
        if hit.unsafe:
            if self._escalated_for_threat:
                return []
            self._escalated_for_threat = True
            reason = f'threat heard: "{hit.words}"'
            return self._escalate(a.t, reason, [hit.cue, "unsafe"], outranks=True)
        if self.escalated:
            return []
        if hit.cue == "supervisor_demand":
            self._supervisor_demands += 1
            if self._supervisor_demands >= 2:
                return self._escalate(a.t, "the caller asked for a supervisor again", [hit.cue])
            return self._suggest(
                a.t, ("next_steps",), [hit.cue], "caller asked for a supervisor", True
            )
        if hit.cue in ABUSE:
            self._abuse_steps += 1
            return self._boundary(a.t, hit)
        if hit.speaker == "agent" and self._coaching:
            return self._suggest(a.t, ("coaching",), [hit.cue], f'you said "{hit.words}"', True)
        return []

    def _escalate(
        self, t: float, reason: str, when: list[str], outranks: bool = False
    ) -> list[Event]:
        """`outranks`: shown even over an escalation already on screen (a threat)."""
        if self.escalated and not outranks:
            return []
        self.escalated = True
        return [EscalateEvent(t, reason), *self._suggest(t, ("escalate",), when, reason, True)]

    def _boundary(self, t: float, hit: Hit) -> list[Event]:
        steps = self._boundary_steps
        if not steps:
            return []
        response = steps[min(self._abuse_steps, len(steps)) - 1]
        if response.id in self._used:
            return []
        why = f'abusive language ("{hit.words}"), {_ordinal(self._abuse_steps)} time'
        return [self._emit(t, response, [], why)]

    def _suggest(
        self, t: float, categories: tuple[str, ...], when: list[str], why: str, urgent: bool = False
    ) -> list[Event]:
        if not urgent and t - self._last_at < MIN_GAP:
            return []
        candidates = [
            r
            for r in self._responses
            if r.category in categories
            and r.id not in self._used
            and set(r.when) & set(when)
            and (urgent or t - self._category_at.get(r.category, -1e9) >= CATEGORY_COOLDOWN)
        ]
        if not candidates:
            return []
        # Responses answering a specific cue come before those answering only a level.
        cues = set(when) - set(LEVELS)
        candidates.sort(key=lambda r: (-len(set(r.when) & cues), categories.index(r.category)))
        primary, alternates = candidates[0], candidates[1:3]
        return [self._emit(t, primary, alternates, why)]

    def _emit(
        self, t: float, primary: Response, alternates: list[Response], why: str
    ) -> SuggestionEvent:
        self._used.add(primary.id)
        self._category_at[primary.category] = t
        self._last_at = t
        return SuggestionEvent(
            t,
            primary.category,
            primary.id,
            primary.text,
            why,
            tuple((r.id, r.text) for r in alternates),
        )


def _priority(hit: Hit) -> int:
    if hit.unsafe:
        return 0
    if hit.cue == "supervisor_demand":
        return 1
    if hit.cue in ABUSE:
        return 2
    return 3 if hit.speaker == "agent" else 4


def _why(a: Assessment) -> str:
    top = ", ".join(f"{r.cue}{f' ({r.words})' if r.words else ''}" for r in a.reasons[:2])
    return f"{a.level}: {top}" if top else a.level


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(n, f"{n}th")
