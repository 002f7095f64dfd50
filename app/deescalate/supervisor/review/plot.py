"""The tension timeline's geometry: where the bands, the score line, the level strip and
the markers go. `templates/timeline.svg.j2` draws them as inline SVG.

A score line over level bands with markers is a few dozen SVG elements; drawing them from
a template keeps the report one self-contained file (text stays selectable, markers have
tooltips, it scales with the window) and adds no plotting library to the install.
"""

from __future__ import annotations

from dataclasses import dataclass

from deescalate.core.facts import LEVEL_COLOURS
from deescalate.supervisor.printing import clock, escalation_label
from deescalate.supervisor.replay import CallRecord

BANDS = (("calm", 0, 30), ("tense", 30, 60), ("heated", 60, 100))
"""Score ranges where each level begins (entering; leaving is a little lower)."""
WIDTH, LEFT, RIGHT, PLOT_H = 960, 64, 16, 200
MARKER_ROW, STRIP_ROW = 22, 20


@dataclass(frozen=True)
class Series:
    label: str
    record: CallRecord
    dashed: bool = False
    short: str = "level"
    """Name beside its level strip: "level" alone, or "A" and "B" when comparing."""


@dataclass(frozen=True)
class Frame:
    """Where things go: one marker row per series above the plot, one level strip each below."""

    duration: float
    series: int

    @property
    def top(self) -> float:
        return 8 + MARKER_ROW * self.series

    @property
    def bottom(self) -> float:
        return self.top + PLOT_H

    @property
    def height(self) -> float:
        return self.bottom + 10 + STRIP_ROW * self.series + 20

    def x(self, t: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * min(max(t, 0.0), self.duration) / self.duration

    def y(self, score: float) -> float:
        return self.top + PLOT_H * (1 - score / 100)

    def marker_y(self, index: int) -> float:
        return 8 + MARKER_ROW * index + MARKER_ROW / 2

    def strip_y(self, index: int) -> float:
        return self.bottom + 10 + STRIP_ROW * index


def timeline(series: list[Series], duration: float) -> dict:
    """Where every mark of the timeline goes; `timeline.svg.j2` draws it."""
    f = Frame(max(duration, 1.0), len(series))
    return {
        "width": WIDTH,
        "height": round(f.height),
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "plot_width": WIDTH - LEFT - RIGHT,
        "top": f.top,
        "bottom": f.bottom,
        "bands": [
            {
                "level": level,
                "colour": LEVEL_COLOURS[level],
                "y": _n(f.y(high)),
                "height": _n(f.y(low) - f.y(high)),
                "label_y": _n(f.y(high) + 15),
            }
            for level, low, high in BANDS
        ],
        "scores": [{"score": s, "y": _n(f.y(s) + 4)} for s in (0, 30, 60, 100)],
        "times": _time_axis(f),
        "series": [_series(s, f, index) for index, s in enumerate(series)],
    }


def _n(value: float) -> str:
    return f"{value:.1f}"


def _time_axis(f: Frame) -> list[dict]:
    step = next(s for s in (5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600) if f.duration / s <= 12)
    ticks, t = [], 0.0
    while t <= f.duration + 1e-9:
        ticks.append({"x": _n(f.x(t)), "label": clock(t)[:5]})
        t += step
    return ticks


def _series(s: Series, f: Frame, index: int) -> dict:
    row = f.marker_y(index)
    prefix = "B" if index else ""
    return {
        "index": index,
        "label": s.label,
        "short": s.short,
        "dashed": s.dashed,
        "corner": 8 - 6 * index,
        "points": " ".join(f"{f.x(e.t):.1f},{f.y(e.score):.1f}" for e in s.record.tensions),
        "strip_label_y": _n(f.strip_y(index) + 11),
        "strip": _level_strip(s, f, index),
        "suggestions": [
            {
                "x": round(f.x(sug.t), 1),
                "row": round(row, 1),
                "number": f"{prefix}{number}",
                "title": f"{clock(sug.t)} [{sug.category}] {sug.text} (why: {sug.reason})",
            }
            for number, sug in enumerate(s.record.suggestions, start=1)
        ],
        "escalations": [
            {
                "x": _n(f.x(e.t)),
                "title": f"{clock(e.t)} {escalation_label(e)}: {e.reason}",
                "kind": e.kind,
                "points": (_square if e.kind == "supervisor" else _diamond)(f.x(e.t), f.top),
            }
            for e in s.record.escalations
        ],
    }


def _square(cx: float, top: float) -> str:
    """A hand-over's marker: a square, unlike a threat's diamond."""
    left, right = f"{cx - 8:.1f}", f"{cx + 8:.1f}"
    return f"{left},{top + 3} {right},{top + 3} {right},{top + 19} {left},{top + 19}"


def _diamond(cx: float, top: float) -> str:
    return f"{cx:.1f},{top} {cx + 9:.1f},{top + 11} {cx:.1f},{top + 22} {cx - 9:.1f},{top + 11}"


def _level_strip(s: Series, f: Frame, index: int) -> list[dict]:
    """The level actually shown to the agent over time (with its hysteresis)."""
    top = f.strip_y(index)
    tensions = s.record.tensions
    parts, start = [], 0.0
    for i, event in enumerate(tensions):
        if i == len(tensions) - 1 or tensions[i + 1].level != event.level:
            parts.append(
                {
                    "x": _n(f.x(start)),
                    "y": _n(top),
                    "width": _n(max(f.x(event.t) - f.x(start), 0.5)),
                    "colour": LEVEL_COLOURS[event.level],
                    "title": f"{event.level} {clock(start)}–{clock(event.t)}",
                }
            )
            start = event.t
    return parts
