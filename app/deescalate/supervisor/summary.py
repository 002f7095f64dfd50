"""What the records say across calls: which cues come up, at what hours calls escalate, and
which suggestions work (how often each was shown, used, and followed by a lower level
within a minute of being used).

Read from the `call_events` table: tension events are recorded when the level changes,
suggestions when shown, the agent's actions when taken.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from html import escape

from deescalate.core.facts import LEVELS

FELL_WITHIN = 60.0
"""Seconds after a use in which a lower level counts as the tension falling."""


@dataclass
class SuggestionStats:
    shown: int = 0
    used: int = 0
    fell: int = 0
    """Uses followed by a lower level within `FELL_WITHIN` seconds."""


@dataclass
class Summary:
    calls: int = 0
    demo_calls: int = 0
    """Demo calls seen and left out: practice is not what a supervisor tunes for."""
    cues: Counter = field(default_factory=Counter)
    """Level changes each cue contributed to."""
    calls_by_hour: Counter = field(default_factory=Counter)
    escalations_by_hour: Counter = field(default_factory=Counter)
    suggestions: dict[str, SuggestionStats] = field(default_factory=dict)


def summarise(calls: list[dict], events: list[dict]) -> Summary:
    real = [call for call in calls if not call["demo"]]
    summary = Summary(calls=len(real), demo_calls=len(calls) - len(real))
    for call in real:
        summary.calls_by_hour[_hour(call["started_at"])] += 1
    real_ids = {call["id"] for call in real}
    by_call: dict[int, list[dict]] = defaultdict(list)
    for event in events:
        if event["call_id"] in real_ids:
            by_call[event["call_id"]].append(event)
    for call_events in by_call.values():
        _add_call(summary, call_events)
    return summary


def _hour(at: float) -> int:
    return datetime.fromtimestamp(at).hour


def _add_call(summary: Summary, events: list[dict]) -> None:
    tensions = [e["data"] for e in events if e["type"] == "tension"]
    for event in events:
        data = event["data"]
        if event["type"] == "tension":
            summary.cues.update(reason["cue"] for reason in data.get("reasons", []))
        elif event["type"] == "escalate":
            summary.escalations_by_hour[_hour(event["at"])] += 1
        elif event["type"] == "suggestion":
            summary.suggestions.setdefault(data["id"], SuggestionStats()).shown += 1
        elif event["type"] == "agent_action" and data.get("action") == "used":
            stats = summary.suggestions.setdefault(data["suggestion_id"], SuggestionStats())
            stats.used += 1
            stats.fell += _fell_after(tensions, data["t"])


def _fell_after(tensions: list[dict], t: float) -> bool:
    """A level below the one at `t` was reached within a minute after `t`."""
    before = [e for e in tensions if e["t"] <= t]
    level = LEVELS.index(before[-1]["level"]) if before else 0
    return any(t < e["t"] <= t + FELL_WITHIN and LEVELS.index(e["level"]) < level for e in tensions)


# --- the terminal table ---------------------------------------------------------------------


def table(summary: Summary) -> str:
    plural = "s" if summary.demo_calls != 1 else ""
    demo = f" ({summary.demo_calls} demo call{plural} left out)" if summary.demo_calls else ""
    calls = f"{summary.calls} call{'s' if summary.calls != 1 else ''} recorded"
    lines = [
        f"{calls}{demo}",
        "",
        "Cues (level changes they contributed to)",
    ]
    lines += [f"  {cue:<28} {count:>5}" for cue, count in summary.cues.most_common()] or ["  none"]
    lines += ["", "By hour of day        calls  escalations"]
    hours = sorted(set(summary.calls_by_hour) | set(summary.escalations_by_hour))
    lines += [
        f"  {hour:02d}:00              {summary.calls_by_hour[hour]:>5}  "
        f"{summary.escalations_by_hour[hour]:>11}"
        for hour in hours
    ] or ["  none"]
    lines += ["", f"Suggestions                    shown   used  fell within {FELL_WITHIN:.0f} s"]
    for sid, s in sorted(summary.suggestions.items(), key=lambda kv: (-kv[1].used, kv[0])):
        fell = f"{s.fell} of {s.used}" if s.used else "-"
        lines.append(f"  {sid:<28} {s.shown:>5}  {s.used:>5}  {fell}")
    if not summary.suggestions:
        lines.append("  none")
    return "\n".join(lines)


# --- the plot: inline SVG written directly, like the review report's timeline -----------------

WIDTH, LABEL_W, ROW, BAR_H = 760, 220, 40, 11
COLOURS = {"shown": "#999999", "used": "#0072B2", "fell": "#009E73"}
"""Okabe-Ito grey, blue and green: told apart by colour-blind readers, and labelled."""


def plot(summary: Summary) -> str:
    """Per suggestion three bars (shown, used, fell after use), then the cues, then
    escalations by hour."""
    rows = sorted(summary.suggestions.items(), key=lambda kv: (-kv[1].shown, kv[0]))
    top = 56
    most = max([s.shown for _, s in rows] + [s.used for _, s in rows] + [1])
    scale = (WIDTH - LABEL_W - 60) / most
    parts = [
        '<text x="8" y="20" class="title">Suggestions: shown, used, tension fell within a '
        "minute of use</text>",
        _legend(30),
    ]
    for index, (sid, stats) in enumerate(rows):
        y = top + index * ROW
        parts.append(f'<text x="{LABEL_W - 8}" y="{y + 12}" class="label">{escape(sid)}</text>')
        for offset, (name, value) in enumerate(
            (("shown", stats.shown), ("used", stats.used), ("fell", stats.fell))
        ):
            bar_y = y + offset * (BAR_H + 1) - 6
            parts.append(
                f'<rect x="{LABEL_W}" y="{bar_y}" width="{max(value * scale, 1):.1f}" '
                f'height="{BAR_H}" fill="{COLOURS[name]}"><title>{escape(sid)}: {name} '
                f"{value}</title></rect>"
                f'<text x="{LABEL_W + value * scale + 4:.1f}" y="{bar_y + BAR_H}" '
                f'class="value">{value}</text>'
            )
    cues_top = top + max(len(rows), 1) * ROW + 30
    parts += _cues(summary, cues_top)
    hours_top = cues_top + 30 + max(len(summary.cues), 1) * 18 + 30
    parts += _hours(summary, hours_top)
    height = hours_top + 150
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="suggestion outcomes">'
        "<style>text{font:12px sans-serif;fill:#222}.title{font-weight:bold;font-size:14px}"
        ".label{text-anchor:end}.value{font-size:10px}.hour{text-anchor:middle;font-size:10px}"
        '</style><rect width="100%" height="100%" fill="#ffffff"/>' + "\n".join(parts) + "</svg>"
    )


def _legend(y: int) -> str:
    parts = []
    for index, (name, colour) in enumerate(COLOURS.items()):
        x = LABEL_W + index * 150
        text = {"shown": "shown", "used": "used", "fell": "tension fell after use"}[name]
        parts.append(
            f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16}" y="{y + 11}">{text}</text>'
        )
    return "".join(parts)


def _cues(summary: Summary, top: int) -> list[str]:
    parts = [f'<text x="8" y="{top}" class="title">Cues: level changes they contributed to</text>']
    most = max([*summary.cues.values(), 1])
    scale = (WIDTH - LABEL_W - 60) / most
    for index, (cue, count) in enumerate(summary.cues.most_common()):
        y = top + 16 + index * 18
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + 11}" class="label">{escape(cue)}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{count * scale:.1f}" height="13" '
            f'fill="#E69F00"><title>{escape(cue)}: {count}</title></rect>'
            f'<text x="{LABEL_W + count * scale + 4:.1f}" y="{y + 11}" class="value">{count}</text>'
        )
    return parts


def _hours(summary: Summary, top: int) -> list[str]:
    parts = [f'<text x="8" y="{top}" class="title">Escalations by hour of day</text>']
    most = max([*summary.escalations_by_hour.values(), 1])
    base, step = top + 110, (WIDTH - 60) / 24
    for hour in range(24):
        count = summary.escalations_by_hour[hour]
        height = 80 * count / most
        x = 40 + hour * step
        parts.append(
            f'<rect x="{x:.1f}" y="{base - height:.1f}" width="{step - 4:.1f}" '
            f'height="{height:.1f}" fill="#CC79A7"><title>{hour:02d}:00 {count} '
            f"escalations</title></rect>"
            f'<text x="{x + step / 2 - 2:.1f}" y="{base + 14}" class="hour">{hour:02d}</text>'
        )
        if count:
            parts.append(
                f'<text x="{x + step / 2 - 2:.1f}" y="{base - height - 3:.1f}" '
                f'class="hour">{count}</text>'
            )
    return parts
