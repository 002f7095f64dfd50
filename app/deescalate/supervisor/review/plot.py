"""The tension timeline as inline SVG, written directly.

A score line over level bands with markers is a few dozen SVG elements; writing them here
keeps the report one self-contained file (text stays selectable, markers have tooltips,
it scales with the window) and adds no plotting library to the install.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from deescalate.core.facts import LEVEL_COLOURS
from deescalate.supervisor.printing import clock
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


def timeline(series: list[Series], duration: float) -> str:
    f = Frame(max(duration, 1.0), len(series))
    parts = [
        f'<svg class="timeline" viewBox="0 0 {WIDTH} {f.height:.0f}" '
        'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="tension over the call">'
    ]
    for level, low, high in BANDS:
        parts.append(
            f'<rect x="{LEFT}" y="{f.y(high):.1f}" width="{WIDTH - LEFT - RIGHT}" '
            f'height="{f.y(low) - f.y(high):.1f}" fill="{LEVEL_COLOURS[level]}" '
            f'fill-opacity="0.14"/><text x="{LEFT + 6}" y="{f.y(high) + 15:.1f}" '
            f'class="band">{level}</text>'
        )
    for score in (0, 30, 60, 100):
        parts.append(
            f'<text x="{LEFT - 6}" y="{f.y(score) + 4:.1f}" class="axis end">{score}</text>'
        )
    parts += _time_axis(f)
    for index, s in enumerate(series):
        parts += _score_line(s, f)
        parts += _level_strip(s, f, index)
        parts += _markers(s, f, index)
    parts.append("</svg>")
    return "\n".join(parts)


def _time_axis(f: Frame) -> list[str]:
    step = next(s for s in (5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600) if f.duration / s <= 12)
    parts = [
        f'<line x1="{LEFT}" y1="{f.bottom}" x2="{WIDTH - RIGHT}" y2="{f.bottom}" class="axisline"/>'
    ]
    t = 0.0
    while t <= f.duration + 1e-9:
        parts.append(
            f'<line x1="{f.x(t):.1f}" y1="{f.top}" x2="{f.x(t):.1f}" y2="{f.bottom}" class="grid"/>'
            f'<text x="{f.x(t):.1f}" y="{f.height - 4:.0f}" class="axis mid">{clock(t)[:5]}</text>'
        )
        t += step
    return parts


def _score_line(s: Series, f: Frame) -> list[str]:
    points = " ".join(f"{f.x(e.t):.1f},{f.y(e.score):.1f}" for e in s.record.tensions)
    if not points:
        return []
    dash = ' stroke-dasharray="7 4"' if s.dashed else ""
    return [
        f'<polyline points="{points}" class="score"{dash}>'
        f"<title>{escape(s.label)}: tension score</title></polyline>"
    ]


def _level_strip(s: Series, f: Frame, index: int) -> list[str]:
    """The level actually shown to the agent over time (with its hysteresis)."""
    top = f.strip_y(index)
    parts = [f'<text x="{LEFT - 6}" y="{top + 11:.1f}" class="axis end">{escape(s.short)}</text>']
    tensions = s.record.tensions
    start = 0.0
    for i, event in enumerate(tensions):
        if i == len(tensions) - 1 or tensions[i + 1].level != event.level:
            width = max(f.x(event.t) - f.x(start), 0.5)
            parts.append(
                f'<rect x="{f.x(start):.1f}" y="{top:.1f}" width="{width:.1f}" height="14" '
                f'fill="{LEVEL_COLOURS[event.level]}"><title>{event.level} '
                f"{clock(start)}–{clock(event.t)}</title></rect>"
            )
            start = event.t
    return parts


def _markers(s: Series, f: Frame, index: int) -> list[str]:
    parts: list[str] = []
    row = f.marker_y(index)
    prefix = "B" if index else ""
    for number, suggestion in enumerate(s.record.suggestions, start=1):
        cx = f.x(suggestion.t)
        tip = f"{clock(suggestion.t)} [{suggestion.category}] {suggestion.text}"
        tip += f" (why: {suggestion.reason})"
        parts.append(
            f'<g class="marker"><title>{escape(s.label)} {escape(tip)}</title>'
            f'<line x1="{cx:.1f}" y1="{row + 8:.1f}" x2="{cx:.1f}" y2="{f.bottom}" class="tick"/>'
            f'<rect x="{cx - 10:.1f}" y="{row - 8:.1f}" width="20" height="16" '
            f'rx="{8 - 6 * index}" class="sugg s{index}"/>'
            f'<text x="{cx:.1f}" y="{row + 4:.1f}" class="num">{prefix}{number}</text></g>'
        )
    for escalation in s.record.escalations:
        cx = f.x(escalation.t)
        parts.append(
            f'<g class="marker"><title>{escape(s.label)} {clock(escalation.t)} ESCALATE: '
            f"{escape(escalation.reason)}</title>"
            f'<line x1="{cx:.1f}" y1="{f.top}" x2="{cx:.1f}" y2="{f.bottom}" class="esc"/>'
            f'<polygon points="{cx:.1f},{f.top} {cx + 9:.1f},{f.top + 11} {cx:.1f},{f.top + 22} '
            f'{cx - 9:.1f},{f.top + 11}" class="escmark"/></g>'
        )
    return parts
