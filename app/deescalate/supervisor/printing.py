"""Printing the event stream: readable lines for people, JSON lines for tools."""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING, TextIO

from deescalate.core.events import (
    CallEvent,
    ErrorEvent,
    EscalateEvent,
    Event,
    LevelEvent,
    StatusEvent,
    SuggestionEvent,
    TensionEvent,
    TranscriptEvent,
)

if TYPE_CHECKING:
    from deescalate.supervisor.replay import CallRecord
    from deescalate.tension.detector import Hit

LEGEND = (
    "Legend: == the level changed (score, largest reasons)   >> a suggestion [category] "
    "(why)   !! escalate   ** possibly heard (keyword spotter only)   -- call start/end   "
    "… partial words"
)


def clock(t: float) -> str:
    minutes, seconds = divmod(t, 60)
    return f"{int(minutes):02d}:{seconds:04.1f}"


class JsonPrinter:
    """With `wall_clock`, each line also has `wall`: seconds since the printer started, so
    `wall - t` shows how far processing lags behind the call."""

    def __init__(self, out: TextIO | None = None, wall_clock: bool = False) -> None:
        self._out = out or sys.stdout
        self._started = time.monotonic() if wall_clock else None

    def __call__(self, event: Event) -> None:
        data = event.to_dict()
        if self._started is not None:
            data["wall"] = round(time.monotonic() - self._started, 3)
        print(json.dumps(data, ensure_ascii=False), file=self._out, flush=True)


class HumanPrinter:
    """With `explain`, the record the analysis is filling, each suggestion is followed by the
    cues and words that led to it."""

    def __init__(
        self,
        out: TextIO | None = None,
        show_partials: bool = False,
        explain: CallRecord | None = None,
    ) -> None:
        self._out = out or sys.stdout
        self._show_partials = show_partials
        self._level = "calm"
        self._explain = explain

    def __call__(self, event: Event) -> None:
        line = self.format(event)
        if line:
            print(line, file=self._out, flush=True)

    def format(self, event: Event) -> str | None:
        stamp = f"[{clock(event.t)}]"
        if isinstance(event, TranscriptEvent):
            stamp = f"[{clock(event.start)}]"  # a line is given when it starts
        match event:
            case TranscriptEvent(spotted=True, speaker="customer"):
                return f"{stamp} {event.speaker:<8} ** possibly heard: {event.text}"
            case TranscriptEvent(spotted=True):
                return None  # the spotter's guess at the agent's words is never shown
            case TranscriptEvent(final=True):
                return f"{stamp} {event.speaker:<8} {event.text}"
            case TranscriptEvent() if self._show_partials:
                return f"{stamp} {event.speaker:<8} … {event.text}"
            case StatusEvent():
                return f"{stamp} {event.speaker:<8} [{event.state}] {event.detail}"
            case LevelEvent():
                return f"{stamp} {event.speaker:<8} [level] {event.problem or 'back to normal'}"
            case ErrorEvent():
                return f"{stamp} ERROR {event.message}"
            case TensionEvent() if event.level != self._level:
                self._level = event.level
                why = ", ".join(f"{r.cue} {r.points:g}" for r in event.reasons[:3])
                return f"{stamp} == {event.level.upper()} ({event.score:g})  {why}"
            case SuggestionEvent():
                line = f"{stamp} >> [{event.category}] {event.text}   (why: {event.reason})"
                if self._explain is not None:
                    line += "\n" + explain_suggestion(self._explain, event)
                return line
            case EscalateEvent():
                return f"{stamp} !! ESCALATE: {event.reason}"
            case CallEvent():
                return f"{stamp} -- call {event.state}"
        return None


ESCALATION_LABELS = {
    "threat": "ESCALATE (threat)",
    "heated": "ESCALATE (heated too long)",
    "supervisor": "HAND OVER (supervisor request)",
}


def escalation_label(event: EscalateEvent) -> str:
    """A threat, a long heated stretch and a caller asking for a supervisor again are
    different moments: the label (and the colour) says which."""
    return ESCALATION_LABELS.get(event.kind, "ESCALATE")


EXPLAIN_INDENT = " " * 11
EXPLAIN_WINDOW = 1.0
"""Seconds before a suggestion in which cues heard count as what set it off."""


def explain_suggestion(record: CallRecord, suggestion: SuggestionEvent) -> str:
    """The cues heard just before a suggestion, and what made up the score at that moment."""
    fresh = [
        f'{h.cue} "{h.words}"{by_example(h)} ({h.speaker}, {clock(record.heard_at(h))}, '
        f"+{h.points:g})"
        if h.words
        else f"{h.cue} ({clock(record.heard_at(h))}, +{h.points:g})"
        for h in record.hits
        if suggestion.t - EXPLAIN_WINDOW < h.t <= suggestion.t + 1e-9
    ]
    lines = [f"{EXPLAIN_INDENT}heard: {'; '.join(fresh) or 'no new cue (the level rose)'}"]
    tension = record.tension_at(suggestion.t)
    if tension is not None:
        parts = [
            f"{r.cue} {r.points:g}"
            + (f' "{r.words}"' if r.words and r.cue != "negative_words" else "")
            for r in tension.reasons[:4]
        ]
        score = f"{tension.level} {tension.score:g}"
        lines.append(f"{EXPLAIN_INDENT}score: {score} = {', '.join(parts) or 'nothing'}")
    return "\n".join(lines)


def by_example(hit: Hit) -> str:
    """For a cue matched by example: which example the words came close to, and how close
    in wording (0-1)."""
    if not hit.example:
        return ""
    return f" by example: '{hit.example}' {hit.closeness:.2f}"


def summary(record: CallRecord) -> str:
    """What a supervisor wants after a replay: the peak, every suggestion with its time and
    reason, and every cue heard, saying which ones did not move the level."""
    lines = ["", "Summary"]
    peak = record.peak()
    if peak is None:
        lines.append("  no tension assessed (no speech)")
    else:
        lines.append(f"  peak: {peak.level.upper()} ({peak.score:g}) at {clock(peak.t)}")
        lines.append(f"  levels: {_level_path(record)}")
    lines.append(f"  suggestions: {len(record.suggestions) or 'none'}")
    for s in record.suggestions:
        lines.append(f"    {clock(s.t)}  [{s.category}] {s.id}: {s.text}  (why: {s.reason})")
    lines.append(f"  escalations: {len(record.escalations) or 'none'}")
    for e in record.escalations:
        lines.append(f"    {clock(e.t)}  {e.reason}")
    by_cue = _by_cue(record)
    lines.append(f"  cues heard: {len(by_cue) or 'none'}")
    for cue, hits in by_cue.items():
        words = ", ".join(dict.fromkeys(f'"{h.words}"' for h in hits if h.words))
        effect = moved_effect(record, cue)
        times = ", ".join(clock(record.heard_at(h)) for h in hits[:5])
        times += " …" if len(hits) > 5 else ""
        speaker = " (agent)" if hits[0].speaker == "agent" else ""
        lines.append(f"    {cue}{speaker} ×{len(hits)} at {times}: {effect}  {words}".rstrip())
    lines += ["", LEGEND]
    return "\n".join(lines)


def moved_effect(record: CallRecord, cue: str) -> str:
    """ "moved the level (to tense at 00:15.0)" when the rise needed this cue's points."""
    rises = record.raised_by(cue)
    if not rises:
        return "did not move the level"
    return f"moved the level ({', '.join(f'to {r.level} at {clock(r.t)}' for r in rises)})"


def _level_path(record: CallRecord) -> str:
    path, level = ["calm"], "calm"
    for tension in record.tensions:
        if tension.level != level:
            level = tension.level
            path.append(f"{level} at {clock(tension.t)}")
    return " → ".join(path)


def _by_cue(record: CallRecord) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for hit in record.distinct_hits:
        if hit.cue == "negative_words" and not record.raised_by("negative_words"):
            continue  # heard in nearly every line; named here only when it moved the level
        grouped.setdefault(hit.cue, []).append(hit)
    return grouped
