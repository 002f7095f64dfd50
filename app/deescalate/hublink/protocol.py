"""What a seat and the team hub say to each other: JSON over HTTPS, one schema for both sides.

The seat (`deescalate.hublink`) and the hub server (`deescalate.hub`) both import these
models, so a change to the conversation is one change here. Seats never import the hub.

Paths (all JSON; the seat's credential goes in `Authorization: Bearer <credential>`):

- `POST /api/seat/enrol` with `EnrolRequest` → `Enrolled`. Once per seat, with the
  enrolment token IT puts in the policy (`hub_enrol_token`); the token says which team.
- `POST /api/seat/events` with `EventBatch` → `BatchReceipt`. Events carry ids made by the
  seat, so a batch sent twice (the outbox delivers at least once) counts once.
- `GET /api/seat/messages?after=<id>` → `Messages`: what supervisors sent to this seat
  ("I'm coming"), newer than the last id the seat has seen.
- `GET /api/seat/phrasebook` → `PublishedPhrasebook`, or 304 when the `If-None-Match`
  header names the version the seat already runs; 204 when the team has none published.

Never audio. Words (`text`, `words`, `transcript`) only when the seat's policy allows
(`hub_send_words`), and then redacted on the seat before they are queued.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

EVENT_KINDS = (
    "call_started",  # data: demo (bool), phrasebook_version
    "call_ended",  # data: duration (s), ended_by ("agent", "customer", "silence")
    "level",  # data: level, score
    "suggestion",  # data: category, suggestion_id, text (words allowed only)
    "used",  # data: category, suggestion_id
    "dismissed",  # data: category, suggestion_id
    "escalation",  # data: kind (threat, senior, ...), reason (why line; words allowed only)
    "acknowledged",  # data: {}
    "incident",  # data: the SOP record (see records/store.py), redacted
    "alert",  # data: reasons, level
    "heartbeat",  # data: phrasebook_version, app_version (sent when idle, every minute)
)
EventKind = Literal[
    "call_started",
    "call_ended",
    "level",
    "suggestion",
    "used",
    "dismissed",
    "escalation",
    "acknowledged",
    "incident",
    "alert",
    "heartbeat",
]

MAX_BATCH = 200
"""Events a POST may carry (the seat sends one event per POST today, each from its outbox)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnrolRequest(_Strict):
    token: str = Field(min_length=8, max_length=200)
    seat_name: str = Field(min_length=1, max_length=100)
    """The machine's name, as IT knows it."""
    agent_name: str = Field("", max_length=100)


class Enrolled(_Strict):
    seat_id: str
    credential: str
    """Kept by the seat, readable by its owner only; the hub stores only its hash."""
    team: str


class SeatEvent(_Strict):
    id: str = Field(min_length=8, max_length=64)
    """Made by the seat (a uuid4 hex); the hub counts each id once."""
    kind: EventKind
    at: float
    """Unix time on the seat when it happened."""
    call_id: str = Field("", max_length=64)
    data: dict = Field(default_factory=dict)


class EventBatch(_Strict):
    events: list[SeatEvent] = Field(max_length=MAX_BATCH)


class BatchReceipt(_Strict):
    accepted: int
    duplicates: int
    """Events whose id the hub had already counted (a resend): acknowledged, not counted."""


class SeatMessage(_Strict):
    id: int
    kind: Literal["coming", "take_over"]
    call_id: str
    supervisor: str
    """The supervisor's display name, as the overlay shows it: "Sam is on the way"."""
    at: float


class Messages(_Strict):
    messages: list[SeatMessage]


class PublishedPhrasebook(_Strict):
    version: str
    """Also the ETag: the seat sends it back in If-None-Match."""
    yaml: str
