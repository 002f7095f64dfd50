"""HTML pages of the review report: one per call and an index, each a single static file
(inline SVG and CSS, no scripts, no network) that opens from disk in any browser."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

from deescalate.core.facts import LEVEL_COLOURS, RANK
from deescalate.supervisor.printing import clock, explain_suggestion
from deescalate.supervisor.replay import CallRecord
from deescalate.supervisor.review.plot import Series, timeline

CSS = """
body { font: 15px/1.45 system-ui, "DejaVu Sans", sans-serif; margin: 24px auto; max-width: 1000px;
       color: #1a1a1a; background: #fff; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 26px 0 8px; }
.meta { color: #555; margin: 0 0 12px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 4px; font-weight: 600;
         font-size: 13px; letter-spacing: .04em; }
.calm { background: #0072B2; color: #fff; } .tense { background: #E69F00; color: #000; }
.heated { background: #D55E00; color: #fff; } .unsafe { background: #CC79A7; color: #000; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: 4px 8px;
        border-bottom: 1px solid #e3e3e3; vertical-align: top; } th { background: #f4f4f4; }
.t { font-variant-numeric: tabular-nums; color: #555; white-space: nowrap; }
.timeline { width: 100%; height: auto; border: 1px solid #ddd; }
.timeline .band { font-size: 12px; fill: #444; } .timeline .axis { font-size: 11px; fill: #555; }
.timeline .end { text-anchor: end; } .timeline .mid { text-anchor: middle; }
.timeline .grid { stroke: #000; stroke-opacity: .07; } .timeline .axisline { stroke: #888; }
.timeline .score { fill: none; stroke: #222; stroke-width: 2; }
.timeline .tick { stroke: #009E73; stroke-width: 1; stroke-dasharray: 2 3; }
.timeline .sugg.s0 { fill: #009E73; } .timeline .sugg.s1 { fill: #56B4E9; }
.timeline .num { font-size: 11px; fill: #fff; text-anchor: middle; font-weight: 700; }
.timeline .esc { stroke: #CC0000; stroke-width: 2; } .timeline .escmark { fill: #CC0000; }
.key span { margin-right: 14px; white-space: nowrap; }
.key i { display: inline-block; width: 12px; height: 12px; vertical-align: -1px;
         margin-right: 4px; }
.line.agent td.who { color: #0072B2; } .line.customer td.who { color: #8a4b00; }
mark { background: #ffe08a; padding: 0 2px; border-radius: 3px; }
mark.unsafe { background: #f4b6d8; }
tr.sugg td { background: #eaf7f1; } tr.esc td { background: #fde8e8; font-weight: 600; }
tr.sugg.s1 td { background: #e8f3fb; }
.why { color: #555; font-size: 13px; } pre.explain { margin: 4px 0 0; font-size: 12px;
       white-space: pre-wrap; color: #444; }
.diff li { margin: 2px 0; } .error { color: #b00020; }
"""


@dataclass
class CallReview:
    path: Path
    page: str
    record: CallRecord | None = None
    other: CallRecord | None = None
    error: str | None = None


def page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def badge(level: str) -> str:
    return f'<span class="badge {level}">{level.upper()}</span>'


def call_page(review: CallReview, labels: tuple[str, ...]) -> str:
    record = review.record
    assert record is not None
    peak = record.peak()
    series = [Series(labels[0], record)]
    if review.other is not None:
        series = [
            Series(labels[0], record, short="A"),
            Series(labels[1], review.other, dashed=True, short="B"),
        ]
    duration = max(record.duration, review.other.duration if review.other else 0.0)
    peak_text = f"{badge(peak.level)} {peak.score:g} at {clock(peak.t)}" if peak else "no speech"
    body = [
        '<p><a href="index.html">← all calls</a></p>',
        f"<h1>{escape(review.path.name)}</h1>",
        f'<p class="meta">{clock(duration)} long · peak {peak_text} · '
        f"{len(record.suggestions)} suggestion(s) · {len(record.escalations)} escalation(s)</p>",
        timeline(series, duration),
        _key(labels if review.other is not None else labels[:1]),
    ]
    if review.other is not None:
        body += ["<h2>What the change does</h2>", _differences(record, review.other, labels)]
    body += ["<h2>Suggestions and their reasons</h2>", _reasons(record)]
    if review.other is not None:
        body += [f"<h2>Suggestions with {escape(labels[1])}</h2>", _reasons(review.other, "B")]
    body += ["<h2>Cues heard</h2>", _cues(record)]
    body += ["<h2>Transcript</h2>", _transcript(record, review.other)]
    return page(f"Review: {review.path.name}", "\n".join(body))


def _key(labels: tuple[str, ...]) -> str:
    items = [
        f'<span><i style="background:{c}"></i>{lvl}</span>' for lvl, c in LEVEL_COLOURS.items()
    ]
    items.append('<span><i style="background:#009E73;border-radius:6px"></i>suggestion (n)</span>')
    if len(labels) > 1:
        items.append('<span><i style="background:#56B4E9"></i>suggestion with B (Bn)</span>')
    items.append('<span><i style="background:#CC0000"></i>escalate</span>')
    items.append("<span>line: tension score 0–100; strip: level shown to the agent</span>")
    if len(labels) > 1:
        items.append(
            f"<br><span>A (solid line) = {escape(labels[0])}</span>"
            f"<span>B (dashed line) = {escape(labels[1])}</span>"
        )
    return f'<p class="key">{"".join(items)}</p>'


def _reasons(record: CallRecord, prefix: str = "") -> str:
    if not record.suggestions and not record.escalations:
        return "<p>Nothing was suggested.</p>"
    rows = []
    for number, s in enumerate(record.suggestions, start=1):
        explain = escape(re.sub(r"(?m)^ +", "", explain_suggestion(record, s)))
        rows.append(
            f'<tr><td class="t">{prefix}{number}</td><td class="t">{clock(s.t)}</td>'
            f"<td>{escape(s.category)}</td><td>{escape(s.text)}"
            f'<div class="why">why: {escape(s.reason)}</div><pre class="explain">{explain}</pre>'
            "</td></tr>"
        )
    for e in record.escalations:
        rows.append(
            f'<tr class="esc"><td class="t">!!</td><td class="t">{clock(e.t)}</td>'
            f"<td>escalate</td><td>{escape(e.reason)}</td></tr>"
        )
    head = "<tr><th>#</th><th>time</th><th>category</th><th>suggestion</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _cues(record: CallRecord) -> str:
    grouped: dict[str, list] = {}
    for hit in record.hits:
        if hit.cue != "negative_words":
            grouped.setdefault(hit.cue, []).append(hit)
    if not grouped:
        return "<p>No cues heard.</p>"
    rows = []
    for cue, hits in grouped.items():
        words = ", ".join(dict.fromkeys(f"“{h.words}”" for h in hits if h.words))
        moved = any(record.moved_level(h) for h in hits)
        effect = "moved the level" if moved else "did not move the level"
        times = ", ".join(clock(h.t) for h in hits[:8]) + (" …" if len(hits) > 8 else "")
        rows.append(
            f"<tr><td>{escape(cue)}</td><td>{len(hits)}</td><td class='t'>{times}</td>"
            f"<td>{escape(words)}</td><td>{effect}</td></tr>"
        )
    head = "<tr><th>cue</th><th>times</th><th>when</th><th>words</th><th>effect</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _transcript(record: CallRecord, other: CallRecord | None) -> str:
    rows: list[tuple[float, int, str]] = []
    for line in record.transcripts:
        text = _highlight(line, record)
        rows.append(
            (
                line.start,
                0,
                f'<tr class="line {line.speaker}"><td class="t">{clock(line.start)}</td>'
                f'<td class="who">{line.speaker}</td><td>{text}</td></tr>',
            )
        )
    for index, rec in enumerate([record, other] if other is not None else [record]):
        prefix = "B" if index else ""
        for number, s in enumerate(rec.suggestions, start=1):
            rows.append(
                (
                    s.t,
                    1,
                    f'<tr class="sugg s{index}"><td class="t">{clock(s.t)}</td>'
                    f"<td>&gt;&gt; {prefix}{number}</td><td>[{escape(s.category)}] "
                    f'{escape(s.text)} <span class="why">(why: {escape(s.reason)})</span>'
                    "</td></tr>",
                )
            )
        for e in rec.escalations:
            rows.append(
                (
                    e.t,
                    1,
                    f'<tr class="esc"><td class="t">{clock(e.t)}</td><td>!! {prefix}</td>'
                    f"<td>ESCALATE: {escape(e.reason)}</td></tr>",
                )
            )
    rows.sort(key=lambda row: (row[0], row[1]))
    return f"<table>{''.join(row for _, _, row in rows)}</table>"


def _highlight(line, record: CallRecord) -> str:
    """The line's text with the cue phrases heard in it marked, each saying its cue."""
    spans: list[tuple[int, int, str, bool]] = []
    lower = line.text.lower()
    for hit in record.hits:
        same_line = hit.speaker == line.speaker and abs(hit.end - line.end) < 1e-6
        if not same_line or not hit.words or hit.cue == "negative_words":
            continue
        found = re.search(rf"(?<![\w']){re.escape(hit.words.lower())}(?![\w'])", lower)
        if found and not any(a < found.end() and found.start() < b for a, b, _, _ in spans):
            spans.append((found.start(), found.end(), f"{hit.cue} +{hit.points:g}", hit.unsafe))
    out, at = [], 0
    for start, end, title, unsafe in sorted(spans):
        cls = ' class="unsafe"' if unsafe else ""
        out.append(escape(line.text[at:start]))
        out.append(f'<mark{cls} title="{escape(title)}">{escape(line.text[start:end])}</mark>')
        at = end
    out.append(escape(line.text[at:]))
    return "".join(out)


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


def _differences(a: CallRecord, b: CallRecord, labels: tuple[str, ...]) -> str:
    found = differences(a, b)
    head = f"<p class='meta'>From {escape(labels[0])} to {escape(labels[1])}:</p>"
    if not found:
        return head + "<p>Nothing fires differently on this call.</p>"
    return head + '<ul class="diff">' + "".join(f"<li>{escape(d)}</li>" for d in found) + "</ul>"


def index_page(reviews: list[CallReview], labels: tuple[str, ...], compare: bool) -> str:
    done = [r for r in reviews if r.record is not None]
    done.sort(key=lambda r: _peak_key(r.record), reverse=True)
    rows = []
    for r in done:
        assert r.record is not None
        peak = r.record.peak()
        level = badge(peak.level) + f" {peak.score:g}" if peak else "—"
        diff = f"<td>{len(differences(r.record, r.other))}</td>" if r.other is not None else ""
        rows.append(
            f'<tr><td><a href="{escape(r.page)}">{escape(r.path.name)}</a></td>'
            f'<td class="t">{clock(r.record.duration)}</td><td>{level}</td>'
            f"<td>{len(r.record.suggestions)}</td><td>{len(r.record.escalations)}</td>{diff}</tr>"
        )
    for r in reviews:
        if r.error:
            colspan = 5 if compare else 4
            rows.append(
                f"<tr><td>{escape(r.path.name)}</td>"
                f'<td colspan="{colspan}" class="error">{escape(r.error)}</td></tr>'
            )
    diff_head = "<th>differences</th>" if compare else ""
    head = (
        "<tr><th>call</th><th>length</th><th>peak</th><th>suggestions</th>"
        f"<th>escalations</th>{diff_head}</tr>"
    )
    books = escape(labels[0])
    if compare:
        books = f"A = {escape(labels[0])} · B = {escape(labels[1])}"
    body = (
        f"<h1>Call review</h1><p class='meta'>{len(done)} call(s) · phrasebook {books}</p>"
        f"<table>{head}{''.join(rows)}</table>"
    )
    return page("Call review", body)


def _peak_key(record: CallRecord) -> tuple[int, float]:
    peak = record.peak()
    return (RANK[peak.level], peak.score) if peak else (-1, 0.0)
