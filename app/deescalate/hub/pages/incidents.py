"""Incident records per the SOP: every escalation, every abusive call the agent ended after
the boundary steps, and every incident an agent filed by hand. A supervisor reads the
record, adds notes and signs it off; the list exports as CSV or JSON with agent and seat.

The record joins what the seat wrote (reason, behaviours, outcome) with what the call's
events show (duration, boundary warnings given, suggestions the agent marked used, who
ended the call), so the review never depends on the agent having filled in every field.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from deescalate.hub.store import HubStore, texts
from deescalate.hub.web import User, back, check_csrf, duration, hub, may_see, page, scope

EXPORT_FIELDS = (
    "id",
    "date",
    "time",
    "team",
    "agent",
    "seat",
    "kind",
    "duration",
    "behaviours",
    "words",
    "boundary_warnings",
    "actions",
    "outcome",
    "agent_notes",
    "ended_by",
    "notes",
    "signed_off_by",
    "signed_off_at",
)


def incidents_router() -> APIRouter:
    router = APIRouter()

    @router.get("/incidents", response_class=HTMLResponse)
    def listing(request: Request, who: User, status: str = "open"):
        store = hub(request).store
        rows = [sop_record(store, r) for r in store.incidents(scope(who), status)]
        return page(request, "incidents.j2", who, incidents=rows, status=status)

    @router.get("/incidents/export.{fmt}")
    def export(request: Request, fmt: str, who: User, status: str = "all"):
        if fmt not in ("csv", "json"):
            raise HTTPException(404, "export as .csv or .json")
        store = hub(request).store
        rows = [sop_record(store, r) for r in store.incidents(scope(who), status)]
        store.audit(who["username"], f"exported incidents ({fmt})", f"{len(rows)} record(s)")
        name = f"incidents-{dt.date.today():%Y%m%d}.{fmt}"
        disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
        if fmt == "json":
            return Response(
                json.dumps(rows, indent=2), media_type="application/json", headers=disposition
            )
        return Response(_csv(rows), media_type="text/csv", headers=disposition)

    @router.get("/incidents/{incident_id}", response_class=HTMLResponse)
    def one(request: Request, incident_id: int, who: User):
        store = hub(request).store
        return page(
            request, "incident.j2", who, incident=sop_record(store, _mine(store, incident_id, who))
        )

    @router.post("/incidents/{incident_id}/note")
    async def note(request: Request, incident_id: int, who: User):
        form = await check_csrf(request, who)
        store = hub(request).store
        _mine(store, incident_id, who)
        text = str(form.get("note", "")).strip()
        if text:
            store.add_note(incident_id, who["display_name"], text[:2000])
            store.audit(who["username"], "added a note to an incident", f"incident {incident_id}")
        return back(f"/incidents/{incident_id}")

    @router.post("/incidents/{incident_id}/sign-off")
    async def sign_off(request: Request, incident_id: int, who: User):
        await check_csrf(request, who)
        store = hub(request).store
        _mine(store, incident_id, who)
        if store.sign_off(incident_id, who["display_name"]):
            store.audit(who["username"], "signed off an incident", f"incident {incident_id}")
        return back(f"/incidents/{incident_id}")

    return router


def _mine(store: HubStore, incident_id: int, who: dict) -> dict:
    found = store.incident(incident_id)
    if found is None or not may_see(who, found["team_id"]):
        raise HTTPException(404, "no such incident in your team")
    return found


def sop_record(store: HubStore, row: dict) -> dict:
    """One incident as the SOP lists it, from the seat's record and the call's events."""
    record = row["record"] if isinstance(row["record"], dict) else {}
    events = store.call_events(row["seat_id"], row["call_id"])
    call = store.call_by_key(row["seat_id"], row["call_id"]) or {}
    ended = next((e for e in events if e["kind"] == "call_ended"), None)
    start = call.get("started") or row["at"]
    when = dt.datetime.fromtimestamp(row["at"])
    boundary = [
        _listed(e["data"].get("text") or e["data"].get("suggestion_id"))
        for e in events
        if e["kind"] == "suggestion" and e["data"].get("category") == "boundary"
    ]
    used = [
        _listed(e["data"].get("text") or e["data"].get("suggestion_id"))
        for e in events
        if e["kind"] == "used"
    ]
    cues = [c.replace("_", " ") for c in texts(record.get("cues"))]
    return {
        "id": row["id"],
        "date": when.strftime("%Y-%m-%d"),
        "time": when.strftime("%H:%M:%S"),
        "team": row["team"],
        "agent": row["agent"],
        "seat": row["seat"],
        "kind": _kind(record, call, boundary),
        "duration": duration((ended["at"] if ended else row["at"]) - start),
        "behaviours": "; ".join(cues),
        "words": "; ".join(texts(record.get("reason")) + texts(record.get("behaviours"))),
        "boundary_warnings": f"{len(boundary)}: " + "; ".join(boundary) if boundary else "0",
        "actions": _listed(record.get("actions")) or "; ".join(used),
        "outcome": _listed(record.get("outcome"))
        or ("completed" if record.get("state") == "completed" else ""),
        "agent_notes": _listed(record.get("notes")),
        "ended_by": _listed(ended["data"].get("ended_by")) if ended else "call still open",
        "notes": row["notes"],
        "signed_off_by": row["signed_off_by"],
        "signed_off_at": _clock(row["signed_off_at"]),
        "demo": bool(call.get("demo")),
    }


def _kind(record: dict, call: dict, boundary: list) -> str:
    """What happened, in a few words, whether or not the seat sends words."""
    if call.get("escalation_kind"):
        return f"escalation: {call['escalation_kind'].replace('_', ' ')}"
    if boundary:
        return "abusive call"
    return _listed(record.get("reason")) or "filed by the agent"


def _listed(value) -> str:
    return "; ".join(texts(value))


def _clock(at: float | None) -> str:
    return dt.datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M") if at else ""


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, EXPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value):
    """A cell a spreadsheet shows as text, never runs as a formula (a leading tab or carriage
    return is skipped by some spreadsheets, so it counts too)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
