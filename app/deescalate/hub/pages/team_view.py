"""The team view: escalations and abusive calls by hour of day and by team, and which
suggestions work across the team (how often agents use them, and how the customer's
tension moved in the minute after). Plots are inline SVG drawn by the template.

It describes calls, never agents: there is no per-agent table, score or ranking (inferring
employees' emotions at work is prohibited in the EU since February 2025).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from statistics import mean

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from deescalate.hub.web import User, hub, page, scope

DAYS = 7
AFTER = 60.0
"""Seconds after a suggestion over which the tension change is measured."""


def team_router() -> APIRouter:
    router = APIRouter()

    @router.get("/team", response_class=HTMLResponse)
    def team_view(request: Request, who: User, days: int = DAYS):
        days = min(max(days, 1), 90)
        store = hub(request).store
        since = time.time() - days * 86400
        kinds = ("escalation", "suggestion", "used", "level")
        events = store.events_since(since, kinds, scope(who))
        return page(
            request,
            "team.j2",
            who,
            days=days,
            by_hour=by_hour(events),
            by_team=by_team(events),
            suggestions=suggestion_effect(events),
        )

    return router


def _abuse_calls(events: list[dict]) -> list[dict]:
    """The first boundary suggestion of each call: one abusive call each."""
    seen, first = set(), []
    for e in events:
        if e["kind"] == "suggestion" and e["data"].get("category") == "boundary":
            key = (e["seat_id"], e["call_id"])
            if key not in seen:
                seen.add(key)
                first.append(e)
    return first


def by_hour(events: list[dict]) -> list[dict]:
    escalations = Counter(
        time.localtime(e["at"]).tm_hour for e in events if e["kind"] == "escalation"
    )
    abuse = Counter(time.localtime(e["at"]).tm_hour for e in _abuse_calls(events))
    top = max([*escalations.values(), *abuse.values(), 1])
    return [
        {"hour": h, "escalations": escalations[h], "abuse": abuse[h], "top": top} for h in range(24)
    ]


def by_team(events: list[dict]) -> list[dict]:
    escalations = Counter(e["team"] for e in events if e["kind"] == "escalation")
    abuse = Counter(e["team"] for e in _abuse_calls(events))
    teams = sorted(set(escalations) | set(abuse))
    top = max([*escalations.values(), *abuse.values(), 1])
    return [
        {"team": t, "escalations": escalations[t], "abuse": abuse[t], "top": top} for t in teams
    ]


def suggestion_effect(events: list[dict]) -> list[dict]:
    """Per suggestion: times shown, times used, and the mean change of the customer's
    tension score from when it was shown to a minute later (negative: calmer)."""
    scores: dict[tuple, list[tuple[float, float]]] = defaultdict(list)
    for e in events:
        if e["kind"] == "level":
            scores[(e["seat_id"], e["call_id"])].append((e["at"], _score(e["data"])))
    shown: dict[str, dict] = {}
    for e in events:
        sid = e["data"].get("suggestion_id", "")
        if not sid or e["kind"] not in ("suggestion", "used"):
            continue
        item = shown.setdefault(
            sid,
            {
                "id": sid,
                "category": e["data"].get("category", ""),
                "text": "",
                "shown": 0,
                "used": 0,
                "changes": [],
            },
        )
        if e["kind"] == "used":
            item["used"] += 1
            continue
        item["shown"] += 1
        item["text"] = item["text"] or e["data"].get("text", "")
        timeline = scores[(e["seat_id"], e["call_id"])]
        change = _change(timeline, e["at"])
        if change is not None:
            item["changes"].append(change)
    rows = []
    for item in shown.values():
        changes = item.pop("changes")
        item["used_share"] = item["used"] / item["shown"] if item["shown"] else 0.0
        item["change"] = mean(changes) if changes else None
        rows.append(item)
    return sorted(rows, key=lambda r: (-r["shown"], r["id"]))


def _score(data: dict) -> float:
    try:
        return float(data.get("score", 0))
    except (TypeError, ValueError):  # a seat's odd value counts as calm, never breaks the page
        return 0.0


def _score_at(timeline: list[tuple[float, float]], at: float) -> float | None:
    before = [score for when, score in timeline if when <= at]
    return before[-1] if before else None


def _change(timeline: list[tuple[float, float]], at: float) -> float | None:
    start, end = _score_at(timeline, at), _score_at(timeline, at + AFTER)
    return None if start is None or end is None else end - start
