"""The review report: one page per call and an index, each a single static file (inline
SVG and CSS, no scripts, no network) that opens from disk in any browser.

This module gathers what a page shows; the pages are drawn by the templates in
`deescalate/supervisor/templates/`, which escape everything they are given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from deescalate.core.facts import RANK
from deescalate.supervisor.printing import (
    clock,
    escalation_label,
    explain_suggestion,
    moved_effect,
)
from deescalate.supervisor.replay import CallRecord
from deescalate.supervisor.review.plot import Series, timeline
from deescalate.supervisor.templating import render


@dataclass
class CallReview:
    path: Path
    page: str
    record: CallRecord | None = None
    other: CallRecord | None = None
    error: str | None = None


def _peak(record: CallRecord) -> dict | None:
    peak = record.peak()
    return {"level": peak.level, "score": f"{peak.score:g}", "at": clock(peak.t)} if peak else None


def call_page(review: CallReview, labels: tuple[str, ...]) -> str:
    record = review.record
    assert record is not None
    compare = review.other is not None
    series = [Series(labels[0], record)]
    if review.other is not None:
        series = [
            Series(labels[0], record, short="A"),
            Series(labels[1], review.other, dashed=True, short="B"),
        ]
    duration = max(record.duration, review.other.duration if review.other else 0.0)
    tables = [_reasons("Suggestions and their reasons", record, "")]
    if review.other is not None:
        tables.append(_reasons(f"Suggestions with {labels[1]}", review.other, "B"))
    return render(
        "call.html.j2",
        title=f"Review: {review.path.name}",
        name=review.path.name,
        length=clock(duration),
        peak=_peak(record),
        suggestion_count=len(record.suggestions),
        escalation_count=len(record.escalations),
        tl=timeline(series, duration),
        labels=labels,
        compare=compare,
        differences=differences(record, review.other) if review.other is not None else [],
        reason_tables=tables,
        cue_tables=_cue_tables(record, review.other, labels),
        transcript=_transcript(record, review.other),
    )


def _reasons(title: str, record: CallRecord, prefix: str) -> dict:
    return {
        "title": title,
        "prefix": prefix,
        "suggestions": [
            {
                "at": clock(s.t),
                "category": s.category,
                "text": s.text,
                "reason": s.reason,
                "explain": re.sub(r"(?m)^ +", "", explain_suggestion(record, s)),
            }
            for s in record.suggestions
        ],
        "escalations": [
            {"at": clock(e.t), "reason": e.reason, "kind": e.kind, "label": escalation_label(e)}
            for e in record.escalations
        ],
    }


def _cue_tables(record: CallRecord, other: CallRecord | None, labels: tuple[str, ...]) -> list:
    """The cues heard, one table per phrasebook: a cue only the compared phrasebook has
    shows up in its own table."""
    if other is None:
        return [{"title": "Cues heard", "cues": _cues(record)}]
    return [
        {"title": f"Cues heard with {labels[0]} (A)", "cues": _cues(record)},
        {"title": f"Cues heard with {labels[1]} (B)", "cues": _cues(other)},
    ]


def _cues(record: CallRecord) -> list[dict]:
    grouped: dict[str, list] = {}
    for hit in record.hits:
        if hit.cue != "negative_words":
            grouped.setdefault(hit.cue, []).append(hit)
    return [
        {
            "cue": cue,
            "count": len(hits),
            "times": ", ".join(clock(record.heard_at(h)) for h in hits[:8])
            + (" …" if len(hits) > 8 else ""),
            "words": ", ".join(dict.fromkeys(f"“{h.words}”" for h in hits if h.words)),
            "effect": moved_effect(record, cue),
        }
        for cue, hits in grouped.items()
    ]


def _transcript(record: CallRecord, other: CallRecord | None) -> list[dict]:
    rows: list[tuple[float, int, dict]] = [
        (
            line.start,
            0,
            {
                "kind": "line",
                "at": clock(line.start),
                "speaker": line.speaker,
                "parts": _highlight(line, record, other),
            },
        )
        for line in record.transcripts
    ]
    for index, rec in enumerate([record, other] if other is not None else [record]):
        prefix = "B" if index else ""
        for number, s in enumerate(rec.suggestions, start=1):
            row = {
                "kind": "suggestion",
                "series": index,
                "at": clock(s.t),
                "number": f"{prefix}{number}",
                "category": s.category,
                "text": s.text,
                "reason": s.reason,
            }
            rows.append((s.t, 1, row))
        for e in rec.escalations:
            row = {
                "kind": "escalate",
                "escalation": e.kind,
                "label": escalation_label(e),
                "at": clock(e.t),
                "prefix": prefix,
                "reason": e.reason,
            }
            rows.append((e.t, 1, row))
    rows.sort(key=lambda row: (row[0], row[1]))
    return [row for _, _, row in rows]


def _highlight(line, record: CallRecord, other: CallRecord | None) -> list[dict]:
    """The line's text in parts, every cue phrase heard in it marked with its cue. When
    comparing, the cues of both phrasebooks are marked, each named with its phrasebook."""
    records = [(record, "")] if other is None else [(record, "A"), (other, "B")]
    spans: dict[tuple[int, int], dict] = {}
    for rec, label in records:
        for hit in _hits_in_line(line, rec):
            for found in _phrase(hit.words).finditer(line.text.lower()):
                key = (found.start(), found.end())
                if key not in spans and any(a < key[1] and key[0] < b for a, b in spans):
                    continue  # overlaps another phrase: the first one marked keeps it
                span = spans.setdefault(key, {"cues": [], "unsafe": False, "series": set()})
                name = f"{hit.cue} +{hit.points:g}"
                span["cues"].append(f"{label}: {name}" if label else name)
                span["unsafe"] |= hit.unsafe
                span["series"].add(label)
    parts, at = [], 0
    for (start, end), span in sorted(spans.items()):
        parts.append(_part(line.text[at:start]))
        only = next(iter(span["series"])) if len(span["series"]) == 1 and other else ""
        cue = "; ".join(dict.fromkeys(span["cues"]))
        parts.append(_part(line.text[start:end], cue, span["unsafe"], only))
        at = end
    parts.append(_part(line.text[at:]))
    return [part for part in parts if part["text"]]


def _hits_in_line(line, record: CallRecord) -> list:
    return [
        hit
        for hit in record.hits
        if hit.speaker == line.speaker
        and abs(hit.end - line.end) < 1e-6
        and hit.words
        and hit.cue != "negative_words"
    ]


def _phrase(words: str) -> re.Pattern[str]:
    """The heard words as they stand in the line, punctuation between them allowed (cues
    match across "kill, you")."""
    body = r"[,;:]?\s+".join(re.escape(word) for word in words.lower().split())
    return re.compile(rf"(?<![\w']){body}(?![\w'])")


def _part(text: str, cue: str = "", unsafe: bool = False, only: str = "") -> dict:
    return {"text": text, "cue": cue, "unsafe": unsafe, "only": only}


def differences(a: CallRecord, b: CallRecord) -> list[str]:
    """What fires differently with B than with A, in words."""
    found = []
    peak_a, peak_b = a.peak(), b.peak()
    if (
        peak_a
        and peak_b
        and (peak_a.level != peak_b.level or abs(peak_a.score - peak_b.score) >= 5)
    ):
        found.append(f"peak {peak_a.level} {peak_a.score:g} → {peak_b.level} {peak_b.score:g}")
    first_a = {s.id: s for s in reversed(a.suggestions)}
    first_b = {s.id: s for s in reversed(b.suggestions)}
    for s in a.suggestions:
        if s.id not in first_b:
            found.append(f"no longer suggested: {s.id} ({clock(s.t)}, {s.category})")
        elif abs(first_b[s.id].t - s.t) >= 1.0:
            found.append(f"{s.id} moved: {clock(s.t)} → {clock(first_b[s.id].t)}")
    for s in b.suggestions:
        if s.id not in first_a:
            found.append(f"newly suggested: {s.id} ({clock(s.t)}, {s.category}: “{s.text}”)")
    esc_a, esc_b = a.escalations, b.escalations
    if len(esc_a) != len(esc_b):
        when = ", ".join(clock(e.t) for e in esc_b) or "never"
        found.append(f"escalations {len(esc_a)} → {len(esc_b)} (now: {when})")
    elif esc_a and esc_b and abs(esc_a[0].t - esc_b[0].t) >= 1.0:
        found.append(f"escalation moved: {clock(esc_a[0].t)} → {clock(esc_b[0].t)}")
    return found


def index_page(reviews: list[CallReview], labels: tuple[str, ...], compare: bool) -> str:
    done = [r for r in reviews if r.record is not None]
    done.sort(key=lambda r: _peak_key(r.record), reverse=True)
    rows = []
    for r in done:
        assert r.record is not None
        rows.append(
            {
                "page": r.page,
                "name": r.path.name,
                "length": clock(r.record.duration),
                "peak": _peak(r.record),
                "peak_b": _peak(r.other) if r.other is not None else None,
                "suggestions": len(r.record.suggestions),
                "escalations": len(r.record.escalations),
                "differences": len(differences(r.record, r.other)) if r.other is not None else 0,
            }
        )
    failed = [{"name": r.path.name, "error": r.error} for r in reviews if r.error]
    return render(
        "index.html.j2",
        title="Call review",
        reviewed=len(done),
        labels=labels,
        compare=compare,
        rows=rows,
        failed=failed,
    )


def _peak_key(record: CallRecord) -> tuple[int, float]:
    peak = record.peak()
    return (RANK[peak.level], peak.score) if peak else (-1, 0.0)
