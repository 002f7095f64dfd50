"""Fusion: voice, words and conversation into one score (0-100), a level and its reasons.

Everything is driven by call time (`t` of the events), so a replay and a live call agree.
Evidence is a list of hits whose points fade with a 20 s half-life; the customer's voice
adds points while it is louder, higher or more variable than the same caller's own
baseline. The baseline learns only while the call is calm, so a heated stretch can't
become the new normal. Levels move with hysteresis; a threat of violence is `unsafe` at
once and stays so for a while.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

from app.advice.phrasebook import Cue, Phrasebook
from app.events import Event, Reason, TensionEvent, TranscriptEvent, VoiceEvent
from app.tension.words import WordCues

TICK = 0.5
HALF_LIFE = 20.0
FORGET_AFTER = 10 * HALF_LIFE
"""Seconds after which a hit has faded to nothing (a thousandth) and is dropped."""
REMEMBERED_LINES = 50
"""Earlier customer utterances compared for repetition."""
HIT_MARGIN = 0.3
"""A cue heard again in overlapping words (a partial, then the final, then the spotter) is
one hit; seconds of slack on the overlap."""
UNSAFE_HOLD = 45.0
ENTER = {"tense": 30.0, "heated": 60.0}
LEAVE = {"tense": 20.0, "heated": 45.0}
LEVELS = ("calm", "tense", "heated", "unsafe")

BASELINE_WINDOWS = 8
"""Voiced half-seconds needed before the voice is judged against its own baseline."""
VOICE_MAX_POINTS = 35.0
REPEAT_SIMILARITY = 0.5
OVERTALK_POINTS = 3.0
VENT_SECONDS = 20.0
VENT_POINTS = 8.0


@dataclass(frozen=True)
class Hit:
    t: float
    cue: str
    points: float
    words: str
    speaker: str
    unsafe: bool = False
    start: float = 0.0
    end: float = 0.0


@dataclass
class Baseline:
    """A speaker's normal loudness and pitch, learnt from voiced windows while calm."""

    loudness: float = 0.0
    pitch: float = 0.0
    spread: float = 0.0
    count: int = 0

    def learn(self, voice: VoiceEvent) -> None:
        self.count += 1
        rate = 1.0 / self.count if self.count <= BASELINE_WINDOWS else 0.05
        self.loudness += (voice.loudness_db - self.loudness) * rate
        self.pitch += (voice.pitch_hz - self.pitch) * rate
        self.spread += (voice.pitch_spread - self.spread) * rate

    @property
    def ready(self) -> bool:
        return self.count >= BASELINE_WINDOWS

    def arousal(self, voice: VoiceEvent) -> float:
        """Points for this window: louder, higher, more variable than usual."""
        louder = (voice.loudness_db - self.loudness) / 3.0
        higher = 12 * math.log2(max(voice.pitch_hz, 1.0) / max(self.pitch, 1.0)) / 2.0
        wider = (voice.pitch_spread - self.spread) / 1.5
        points = 8 * max(0.0, louder - 1) + 6 * max(0.0, higher - 1) + 3 * max(0.0, wider - 1)
        return min(VOICE_MAX_POINTS, points)


@dataclass
class Assessment:
    t: float
    score: float
    level: str
    reasons: tuple[Reason, ...]
    new_hits: list[Hit] = field(default_factory=list)


class TensionDetector:
    def __init__(self, phrasebook: Phrasebook) -> None:
        self.words = WordCues(phrasebook)
        self.hits: list[Hit] = []
        self.level = "calm"
        self._baselines: dict[str, Baseline] = {}
        self._voice_points = 0.0
        self._last_voice: dict[str, VoiceEvent] = {}
        self._customer_voiced: deque[float] = deque(maxlen=int(VENT_SECONDS / TICK))
        self._vented_at = -math.inf
        self._customer_lines: list[set[str]] = []
        self._unsafe_until = -math.inf
        self._next_tick = TICK
        self._pending: list[Hit] = []

    # --- input -------------------------------------------------------------------------

    def feed(self, event: Event) -> list[Assessment]:
        """Takes any pipeline event; returns an assessment per half second of call time passed."""
        out = self.advance(event.t)
        if isinstance(event, TranscriptEvent):
            self._words(event)
        elif isinstance(event, VoiceEvent):
            self._voice(event)
        return out

    def advance(self, t: float) -> list[Assessment]:
        out = []
        while self._next_tick <= t + 1e-9:
            out.append(self._assess(self._next_tick))
            self._next_tick += TICK
        return out

    def _words(self, event: TranscriptEvent) -> None:
        for match in self.words.match(event.text, event.speaker):
            self._hit(event, match.cue, match.words)
        if not event.final or event.spotted:
            return
        if event.speaker == "customer":
            negativity = self.words.negativity(event.text)
            if negativity:
                self._add(Hit(event.t, "negative_words", negativity, event.text, event.speaker))
            self._repetition(event)
        elif event.text.strip().lower() == "no":
            self._add(Hit(event.t, "agent_flat_no", 0.0, "no", "agent"))

    def _hit(self, event: TranscriptEvent, cue: Cue, words: str) -> None:
        for old in self.hits:
            same = old.cue == cue.id and old.speaker == event.speaker
            if same and old.start - HIT_MARGIN <= event.end and event.start <= old.end + HIT_MARGIN:
                return
        # A spotter's hit alone never makes a call unsafe: its false alarms cost too much.
        unsafe = cue.unsafe and event.speaker == "customer" and not event.spotted
        hit = Hit(event.t, cue.id, cue.weight, words, event.speaker, unsafe, event.start, event.end)
        self._add(hit)

    def _add(self, hit: Hit) -> None:
        self.hits.append(hit)
        self._pending.append(hit)
        if hit.unsafe:
            self._unsafe_until = hit.t + UNSAFE_HOLD

    def _repetition(self, event: TranscriptEvent) -> None:
        words = set(event.text.lower().split())
        if len(words) < 4:
            return
        for earlier in self._customer_lines:
            overlap = len(words & earlier) / len(words | earlier)
            if overlap >= REPEAT_SIMILARITY:
                self._add(Hit(event.t, "repeated_complaint", 12.0, event.text, "customer"))
                break
        self._customer_lines = [*self._customer_lines[-(REMEMBERED_LINES - 1) :], words]

    def _voice(self, voice: VoiceEvent) -> None:
        self._last_voice[voice.speaker] = voice
        if voice.speaker != "customer":
            return
        self._customer_voiced.append(voice.voiced)
        baseline = self._baselines.setdefault(voice.speaker, Baseline())
        points = 0.0
        if voice.voiced >= 0.3 and voice.pitch_hz > 0:
            if baseline.ready:
                points = baseline.arousal(voice)
            if self.level == "calm" and points < 5:
                baseline.learn(voice)
        # Smooth over about two seconds: one loud syllable is not a raised voice.
        self._voice_points += (points - self._voice_points) * 0.25
        agent = self._last_voice.get("agent")
        if agent and agent.voiced >= 0.3 and voice.voiced >= 0.3:
            self._add(Hit(voice.t, "overtalk", OVERTALK_POINTS, "", "customer"))
        full = len(self._customer_voiced) == self._customer_voiced.maxlen
        if full and min(self._customer_voiced) > 0.2 and voice.t - self._vented_at > VENT_SECONDS:
            self._vented_at = voice.t
            self._add(Hit(voice.t, "long_venting", VENT_POINTS, "", "customer"))

    # --- output ------------------------------------------------------------------------

    def _assess(self, t: float) -> Assessment:
        # Forget evidence that has faded away, so a long call costs the same per tick.
        if self.hits and t - self.hits[0].t > FORGET_AFTER:
            self.hits = [h for h in self.hits if t - h.t <= FORGET_AFTER]
        contributions: dict[str, tuple[float, str]] = {}
        for hit in self.hits:
            if hit.speaker != "customer" or hit.points <= 0 or hit.t > t:
                continue
            points = hit.points * 0.5 ** ((t - hit.t) / HALF_LIFE)
            if points < 0.5:
                continue
            total, words = contributions.get(hit.cue, (0.0, ""))
            contributions[hit.cue] = (total + points, hit.words or words)
        if self._voice_points >= 1.0:
            contributions["raised_voice"] = (self._voice_points, "")
        score = min(100.0, sum(points for points, _ in contributions.values()))
        self.level = self._next_level(score, t)
        reasons = tuple(
            Reason(cue, round(points, 1), words)
            for cue, (points, words) in sorted(contributions.items(), key=lambda kv: -kv[1][0])
        )
        new_hits, self._pending = (
            [h for h in self._pending if h.t <= t],
            [h for h in self._pending if h.t > t],
        )
        return Assessment(t, round(score, 1), self.level, reasons, new_hits)

    def _next_level(self, score: float, t: float) -> str:
        if t <= self._unsafe_until:
            return "unsafe"
        level = "calm" if self.level == "unsafe" else self.level
        if level == "calm" and score >= ENTER["tense"]:
            level = "tense"
        if level == "tense" and score >= ENTER["heated"]:
            level = "heated"
        if level == "heated" and score < LEAVE["heated"]:
            level = "tense"
        if level == "tense" and score < LEAVE["tense"]:
            level = "calm"
        return level


def tension_event(assessment: Assessment) -> TensionEvent:
    return TensionEvent(assessment.t, assessment.score, assessment.level, assessment.reasons)
