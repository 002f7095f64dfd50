"""From assessments to at most one suggestion at a time, without flooding the agent.

Rules, in order: a threat means escalate (safe disengagement), which holds the display until
acknowledged; a second supervisor demand means handing over (its own script, not the
threat's), and so does a long heated stretch; abuse gets the next boundary step; the
agent's own risky phrases get coaching (if switched on); a repeated complaint, "third time
I've called" or the end of a long vent gets a listening phrase even before the call is
tense; otherwise a rise in tension or a new cue gets a calming, listening, positive-language
or next-steps phrase.

Pacing: escalation comes at once; any other new suggestion comes at most once per `PACE`
seconds, so the one on screen can be read and Used/Dismiss reach the one the agent saw.
Boundary steps, supervisor requests and coaching wait their turn in a queue, in order;
other phrases are dropped when it is not their time. A boundary step is the exception to
the pace: it follows the last prompt after `BOUNDARY_PACE` seconds. One boundary step waits
at a time, and the next step comes only for abuse that began after the agent could say the
one before: a burst of insults is one warning, not three. No phrase twice in a call.
A cue only the keyword spotter heard ("possibly heard") brings a boundary step only when
the call is already tense, and is never quoted.
"""

from __future__ import annotations

from collections import Counter

from deescalate.advice.cue_groups import (
    ABUSE,
    LISTENING_MOMENTS,
    SENIOR_REQUESTS,
    SOFT_CATEGORIES,
    explains,
)
from deescalate.advice.phrasebook import Phrasebook, Response
from deescalate.core.events import EscalateEvent, Event, SuggestionEvent
from deescalate.core.facts import LEVELS, RANK
from deescalate.tension.cues import HARASSMENT
from deescalate.tension.detector import Assessment, Hit

CATEGORY_COOLDOWN = 25.0
PACE = 15.0
"""Seconds between two new suggestions; only escalation comes sooner."""
QUEUE_EXPIRES = 30.0
"""A queued suggestion not shown within this many seconds no longer fits the moment."""
BOUNDARY_PACE = 5.0
"""Abuse is answered soon: a boundary step waits only this long after the last prompt (enough
to read a short line), so it comes while the insult is still the moment, not after the
caller has moved on."""
SAME_OUTBURST = 2.0
"""Abuse that begins within this many seconds of a boundary step being shown came before the
agent could say it: the same outburst, not a reason for the next step."""
HEATED_ESCALATE_AFTER = 40.0
WHY_POINTS = 2.0
"""A reason worth fewer points is in the score, not in the why line: the text model gives
every line a little, and "negative words (told)" explains nothing."""


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
        self._abuse_heard: Counter[str] = Counter()
        """How often each kind of abuse was heard ("sexual remarks", "abusive language")."""
        self._supervisor_demands = 0
        self._acted: set[tuple[str, str, float]] = set()
        self._queue: list[tuple[Response, str, float]] = []
        """Prompts that answer something specific, waiting for the one on screen to be read."""
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
        for hit in sorted(a.new_hits, key=lambda h: (_priority(h), h.spotted)):
            events += self._on_hit(a, hit)
        if self._heated_since is not None and a.t - self._heated_since >= HEATED_ESCALATE_AFTER:
            self._heated_since = None
            events += self._escalate(a.t, "the call has stayed heated", ["heated"], "heated")
        if events or self.escalated:
            return events
        if self._queue:
            return self._from_queue(a.t)
        cues = [h.cue for h in a.new_hits if h.speaker == "customer"]
        if LISTENING_MOMENTS & set(cues):
            events = self._suggest(a.t, ("listening",), [*cues, a.level], _why(a, cues))
        if not events and (rose or a.new_hits) and a.level != "calm":
            events = self._suggest(a.t, SOFT_CATEGORIES, [*cues, a.level], _why(a))
        return events

    def _on_hit(self, a: Assessment, hit: Hit) -> list[Event]:
        # A spotter's guess confirmed by open recognition arrives again: act on it once.
        key = (hit.cue, hit.speaker, hit.start)
        if key in self._acted:
            return []
        if hit.unsafe:
            if self._escalated_for_threat:
                return []
            self._escalated_for_threat = True
            reason = f'threat heard: "{hit.words}"'
            return self._escalate(a.t, reason, [hit.cue, "unsafe"], "threat", outranks=True)
        if self.escalated:
            return []
        if hit.cue in SENIOR_REQUESTS and not hit.spotted:
            self._acted.add(key)
            self._supervisor_demands += 1
            if self._supervisor_demands >= 2:
                reason = "the caller asked for a supervisor again"
                return self._escalate(a.t, reason, [hit.cue], "supervisor")
            self._enqueue(a.t, ("next_steps",), [hit.cue], "caller asked for a supervisor")
        elif hit.cue in ABUSE and (not hit.spotted or a.level != "calm"):
            self._acted.add(key)
            self._enqueue_boundary(hit)
        elif hit.speaker == "agent" and self._coaching and not hit.spotted:
            self._acted.add(key)
            why = f'you said "{hit.words}"' if hit.words else "your voice is rising with theirs"
            self._enqueue(a.t, ("coaching",), [hit.cue], why)
        return []

    def _escalate(
        self, t: float, reason: str, when: list[str], kind: str, outranks: bool = False
    ) -> list[Event]:
        """`outranks`: shown even over an escalation already on screen (a threat)."""
        if self.escalated and not outranks:
            return []
        self.escalated = True
        self._queue.clear()
        category = "escalate" if kind != "supervisor" else "handover"
        fallback = ("escalate",) if category == "handover" else ()
        suggestion = self._suggest(t, (category,), when, reason, urgent=True)
        if not suggestion and fallback:
            suggestion = self._suggest(t, fallback, [*when, "heated"], reason, urgent=True)
        return [EscalateEvent(t, reason, kind), *suggestion]

    def _enqueue_boundary(self, hit: Hit) -> None:
        what = "sexual remarks" if hit.cue == HARASSMENT else "abusive language"
        self._abuse_heard[what] += 1
        steps = self._boundary_steps
        if not steps or any(r.category == "boundary" for r, *_ in self._queue):
            return
        if hit.start - self._category_at.get("boundary", -1e9) < SAME_OUTBURST:
            return  # begun before the agent could say the step just shown
        shown = sum(step.id in self._used for step in steps)
        response = steps[min(shown, len(steps) - 1)]
        if response.id in self._used:
            return
        heard = "possibly heard" if hit.spotted else f'"{hit.words}"'
        times, of_kind = self._abuse_heard.total(), self._abuse_heard[what]
        if times == of_kind:
            why = f"{what} ({heard}), {_ordinal(times)} time"
        else:  # the step follows all abuse heard, of any kind
            why = f"{what} ({heard}), abuse a {_ordinal(times)} time"
        self._queue.append((response, why, hit.t))
        self._order_queue()

    def _enqueue(self, t: float, categories: tuple[str, ...], when: list[str], why: str) -> None:
        for response in self._candidates(categories, when):
            if all(r.id != response.id for r, *_ in self._queue):
                self._queue.append((response, why, t))
                self._order_queue()
            return

    def _order_queue(self) -> None:
        """Abuse first, then the caller's request, then the agent's own coaching."""
        order = {"boundary": 0, "next_steps": 1, "coaching": 2}
        self._queue.sort(key=lambda item: order.get(item[0].category, 3))

    def _from_queue(self, t: float) -> list[Event]:
        self._queue = [item for item in self._queue if t - item[2] <= QUEUE_EXPIRES]
        if not self._queue:
            return []
        pace = BOUNDARY_PACE if self._queue[0][0].category == "boundary" else PACE
        if t - self._last_at < pace:
            return []
        response, why, _ = self._queue.pop(0)
        if response.id in self._used:
            return []
        return [self._emit(t, response, [], why)]

    def _candidates(self, categories: tuple[str, ...], when: list[str]) -> list[Response]:
        candidates = [
            r
            for r in self._responses
            if r.category in categories and r.id not in self._used and set(r.when) & set(when)
        ]
        # Responses answering a specific cue come before those answering only a level.
        cues = set(when) - set(LEVELS)
        candidates.sort(key=lambda r: (-len(set(r.when) & cues), categories.index(r.category)))
        return candidates

    def _suggest(
        self, t: float, categories: tuple[str, ...], when: list[str], why: str, urgent: bool = False
    ) -> list[Event]:
        if not urgent and t - self._last_at < PACE:
            return []
        candidates = [
            r
            for r in self._candidates(categories, when)
            if urgent or t - self._category_at.get(r.category, -1e9) >= CATEGORY_COOLDOWN
        ]
        if not candidates:
            return []
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
    if hit.cue in SENIOR_REQUESTS:
        return 1
    if hit.cue in ABUSE:
        return 2
    return 3 if hit.speaker == "agent" else 4


def _why(a: Assessment, only: list[str] | None = None) -> str:
    reasons = [
        r
        for r in a.reasons
        if (only is None or r.cue in only) and r.points >= WHY_POINTS and explains(r)
    ]
    reasons = reasons[:2]
    top = ", ".join(
        f"{r.cue.replace('_', ' ')}{f' ({r.words})' if r.words else ''}" for r in reasons
    )
    return top or a.level  # the level is on the badge; the reason names what was heard


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(n, f"{n}th")
