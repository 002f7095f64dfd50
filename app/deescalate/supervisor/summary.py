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

from deescalate.core.facts import LEVELS
from deescalate.supervisor.templating import render

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


# --- the plot: inline SVG from a template (templates/summary.svg.j2) -----------------------

WIDTH, LABEL_W, ROW, BAR_H = 760, 220, 40, 11
COLOURS = {"shown": "#999999", "used": "#0072B2", "fell": "#009E73"}
"""Okabe-Ito grey, blue and green: told apart by colour-blind readers, and labelled."""
LEGEND = {"shown": "shown", "used": "used", "fell": "tension fell after use"}


def plot(summary: Summary) -> str:
    """Per suggestion three bars (shown, used, fell after use), then the cues, then
    escalations by hour."""
    rows = sorted(summary.suggestions.items(), key=lambda kv: (-kv[1].shown, kv[0]))
    top = 56
    cues_top = top + max(len(rows), 1) * ROW + 30
    hours_top = cues_top + 30 + max(len(summary.cues), 1) * 18 + 30
    return render(
        "summary.svg.j2",
        width=WIDTH,
        height=hours_top + 150,
        label_x=LABEL_W,
        label_right=LABEL_W - 8,
        bar_height=BAR_H,
        legend=[
            {"x": LABEL_W + i * 150, "colour": colour, "text": LEGEND[name]}
            for i, (name, colour) in enumerate(COLOURS.items())
        ],
        suggestions=_suggestion_bars(rows, top),
        cues_top=cues_top,
        cues=_cue_bars(summary, cues_top),
        hours_top=hours_top,
        hours_base=hours_top + 110,
        hours=_hour_bars(summary, hours_top + 110),
    )


def _suggestion_bars(rows: list[tuple[str, SuggestionStats]], top: int) -> list[dict]:
    most = max([s.shown for _, s in rows] + [s.used for _, s in rows] + [1])
    scale = (WIDTH - LABEL_W - 60) / most
    out = []
    for index, (sid, stats) in enumerate(rows):
        y = top + index * ROW
        values = (("shown", stats.shown), ("used", stats.used), ("fell", stats.fell))
        bars = [
            {
                "name": name,
                "value": value,
                "colour": COLOURS[name],
                "y": y + offset * (BAR_H + 1) - 6,
                "width": f"{max(value * scale, 1):.1f}",
                "value_x": f"{LABEL_W + value * scale + 4:.1f}",
            }
            for offset, (name, value) in enumerate(values)
        ]
        out.append({"id": sid, "y": y, "bars": bars})
    return out


def _cue_bars(summary: Summary, top: int) -> list[dict]:
    most = max([*summary.cues.values(), 1])
    scale = (WIDTH - LABEL_W - 60) / most
    return [
        {
            "cue": cue,
            "count": count,
            "y": top + 16 + index * 18,
            "width": f"{count * scale:.1f}",
            "value_x": f"{LABEL_W + count * scale + 4:.1f}",
        }
        for index, (cue, count) in enumerate(summary.cues.most_common())
    ]


def _hour_bars(summary: Summary, base: int) -> list[dict]:
    most = max([*summary.escalations_by_hour.values(), 1])
    step = (WIDTH - 60) / 24
    out = []
    for hour in range(24):
        count = summary.escalations_by_hour[hour]
        height = 80 * count / most
        x = 40 + hour * step
        out.append(
            {
                "label": f"{hour:02d}",
                "count": count,
                "x": f"{x:.1f}",
                "y": f"{base - height:.1f}",
                "width": f"{step - 4:.1f}",
                "height": f"{height:.1f}",
                "mid": f"{x + step / 2 - 2:.1f}",
                "count_y": f"{base - height - 3:.1f}",
            }
        )
    return out
