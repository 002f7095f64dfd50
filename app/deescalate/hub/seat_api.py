"""What seats call (the wire format is `deescalate.hublink.protocol`).

Every request but enrolment carries the seat's credential; a forged, unknown or revoked
one gets 401, and nothing else the hub knows. A seat can only ever write its own events
and read its own messages: both are looked up by the credential, never by an id the seat
sends. Requests beyond the per-seat rate limit get 429 with `Retry-After`.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response

from deescalate.hub.security import RateLimit
from deescalate.hub.store import HubStore
from deescalate.hublink.protocol import (
    BatchReceipt,
    Enrolled,
    EnrolRequest,
    EventBatch,
    Messages,
    PublishedPhrasebook,
    SeatMessage,
)

log = logging.getLogger(__name__)


def seat(request: Request, authorization: str = Header("")) -> dict:
    """The seat whose credential the request carries; 401 for any other."""
    state = request.app.state
    store, limit, refused = state.hub.store, state.seat_limit, state.refused_limit
    host = request.client.host if request.client else "?"
    scheme, _, credential = authorization.partition(" ")
    found = store.seat_for(credential) if scheme.lower() == "bearer" else None
    if found is None:
        # Guessing credentials gets slowed down; seats behind the same address whose
        # credentials are good are never held back by it.
        if not refused.allow(host):
            raise HTTPException(429, "too many refused requests", headers={"Retry-After": "30"})
        log.warning("seat request refused from %s: unknown or revoked credential", host)
        raise HTTPException(401, "unknown or revoked seat: enrol it again with a new token")
    if not limit.allow(found["id"]):
        raise HTTPException(429, "too many requests", headers={"Retry-After": "2"})
    return found


Seat = Annotated[dict, Depends(seat)]


def seat_router(store: HubStore, limit: RateLimit) -> APIRouter:
    router = APIRouter(prefix="/api/seat")

    @router.post("/enrol")
    def enrol(body: EnrolRequest, request: Request) -> Enrolled:
        host = request.client.host if request.client else "?"
        if not limit.allow(f"enrol:{host}"):
            raise HTTPException(429, "too many requests", headers={"Retry-After": "2"})
        enrolled = store.enrol(body.token, body.seat_name, body.agent_name)
        if enrolled is None:
            log.warning("enrolment refused from %s: unknown or revoked token", host)
            raise HTTPException(403, "unknown or revoked enrolment token: ask IT for a new one")
        seat_id, credential, team = enrolled
        log.info("seat %s (%s) enrolled in team %s", body.seat_name, seat_id[:8], team)
        return Enrolled(seat_id=seat_id, credential=credential, team=team)

    @router.post("/events")
    def events(batch: EventBatch, me: Seat) -> BatchReceipt:
        accepted, duplicates = store.add_events(me, batch.events)
        return BatchReceipt(accepted=accepted, duplicates=duplicates)

    @router.get("/messages")
    def messages(me: Seat, after: int = 0) -> Messages:
        rows = store.messages_for(me["id"], after)
        return Messages(
            messages=[
                SeatMessage(
                    id=r["id"],
                    kind=r["kind"],
                    call_id=r["call_id"],
                    supervisor=r["supervisor"],
                    at=r["at"],
                )
                for r in rows
            ]
        )

    @router.get("/phrasebook")
    def phrasebook(me: Seat, if_none_match: str = Header("")) -> Response:
        published = store.published_for(me["team_id"])
        if published is None:
            return Response(status_code=204)
        etag = f'"{published["version"]}"'
        if if_none_match.strip() in (etag, published["version"]):
            return Response(status_code=304, headers={"ETag": etag})
        body = PublishedPhrasebook(version=published["version"], yaml=published["yaml"])
        return Response(
            body.model_dump_json(), media_type="application/json", headers={"ETag": etag}
        )

    return router
