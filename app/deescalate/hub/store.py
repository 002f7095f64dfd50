"""Everything the hub reads and writes, as plain methods over the tables in `db`.

Pages and the seat API call these; no SQL lives anywhere else. Each method is one
transaction. Rows come back as dicts, so templates and JSON take them as they are.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Iterable

from sqlalchemy import Engine, and_, case, func, insert, or_, select, update
from sqlalchemy.exc import DataError, IntegrityError, StatementError

from deescalate.hub import db
from deescalate.hub.security import (
    SESSION_SECONDS,
    digest,
    hash_password,
    new_secret,
    password_matches,
    same,
)
from deescalate.hublink.protocol import SeatEvent

log = logging.getLogger(__name__)
_DECOY_HASH = hash_password("not anybody's password")

WAITING_AFTER_END = 15 * 60
"""Seconds an unanswered escalation stays on the board after its call ended."""
LIVE_CALL_HOURS = 12
"""A call with no end reported for this long is taken as lost, not live."""


def _rows(result) -> list[dict]:
    return [dict(row._mapping) for row in result]


class HubStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # --- teams and people -------------------------------------------------------------

    def team_id(self, name: str) -> int:
        """The team called `name`, made when it is new."""
        with self.engine.begin() as c:
            found = c.execute(select(db.teams.c.id).where(db.teams.c.name == name)).scalar()
            if found is not None:
                return found
            return c.execute(insert(db.teams).values(name=name)).inserted_primary_key[0]

    def teams(self) -> list[dict]:
        with self.engine.begin() as c:
            return _rows(c.execute(select(db.teams).order_by(db.teams.c.name)))

    def add_user(
        self, username: str, display_name: str, password: str, role: str, team_id: int | None
    ) -> int:
        with self.engine.begin() as c:
            return c.execute(
                insert(db.users).values(
                    username=username,
                    display_name=display_name,
                    password_hash=hash_password(password),
                    role=role,
                    team_id=team_id,
                    disabled=False,
                    created=time.time(),
                )
            ).inserted_primary_key[0]

    def set_password(self, username: str, password: str) -> bool:
        with self.engine.begin() as c:
            done = c.execute(
                update(db.users)
                .where(db.users.c.username == username)
                .values(password_hash=hash_password(password))
            )
            c.execute(
                db.login_sessions.delete().where(
                    db.login_sessions.c.user_id.in_(
                        select(db.users.c.id).where(db.users.c.username == username)
                    )
                )
            )
            return done.rowcount == 1

    def users(self) -> list[dict]:
        query = (
            select(db.users, db.teams.c.name.label("team"))
            .outerjoin(db.teams)
            .order_by(db.users.c.username)
        )
        with self.engine.begin() as c:
            return [_public_user(u) for u in _rows(c.execute(query))]

    def has_users(self) -> bool:
        with self.engine.begin() as c:
            return c.execute(select(func.count()).select_from(db.users)).scalar() > 0

    def sign_in(self, username: str, password: str) -> tuple[str, dict] | None:
        """A new session's token and the user, or None when the name or password is wrong."""
        with self.engine.begin() as c:
            user = c.execute(select(db.users).where(db.users.c.username == username)).first()
            # An unknown name costs the same hashing as a known one: the time taken doesn't
            # tell which names exist.
            stored = user.password_hash if user is not None else _DECOY_HASH
            if not password_matches(stored, password) or user is None or user.disabled:
                return None
            token, now = new_secret(), time.time()
            c.execute(
                insert(db.login_sessions).values(
                    token_hash=digest(token),
                    user_id=user.id,
                    csrf=new_secret(),
                    created=now,
                    expires=now + SESSION_SECONDS,
                )
            )
            c.execute(db.login_sessions.delete().where(db.login_sessions.c.expires < now))
            return token, _public_user(dict(user._mapping))

    def session(self, token: str) -> dict | None:
        """The signed-in user (with the session's `csrf` token), or None when the session
        is unknown, expired or its user disabled."""
        query = (
            select(db.users, db.login_sessions.c.csrf, db.teams.c.name.label("team"))
            .join(db.login_sessions, db.login_sessions.c.user_id == db.users.c.id)
            .outerjoin(db.teams, db.teams.c.id == db.users.c.team_id)
            .where(db.login_sessions.c.token_hash == digest(token))
            .where(db.login_sessions.c.expires > time.time())
            .where(db.users.c.disabled.is_(False))
        )
        with self.engine.begin() as c:
            row = c.execute(query).first()
        return _public_user(dict(row._mapping)) if row else None

    def sign_out(self, token: str) -> None:
        with self.engine.begin() as c:
            c.execute(
                db.login_sessions.delete().where(db.login_sessions.c.token_hash == digest(token))
            )

    # --- seats ------------------------------------------------------------------------

    def new_enrol_token(self, team_id: int, by: str) -> str:
        token = new_secret()
        with self.engine.begin() as c:
            c.execute(
                insert(db.enrol_tokens).values(
                    token_hash=digest(token),
                    team_id=team_id,
                    created=time.time(),
                    created_by=by,
                    revoked=False,
                )
            )
        return token

    def enrol_tokens(self) -> list[dict]:
        query = (
            select(
                db.enrol_tokens.c.id,
                db.enrol_tokens.c.created,
                db.enrol_tokens.c.created_by,
                db.enrol_tokens.c.revoked,
                db.teams.c.name.label("team"),
            )
            .join(db.teams)
            .order_by(db.enrol_tokens.c.id.desc())
        )
        with self.engine.begin() as c:
            return _rows(c.execute(query))

    def revoke_enrol_token(self, token_id: int) -> bool:
        """Seats can no longer enrol with it; seats already enrolled keep working."""
        with self.engine.begin() as c:
            done = c.execute(
                update(db.enrol_tokens).where(db.enrol_tokens.c.id == token_id).values(revoked=True)
            )
            return done.rowcount == 1

    def enrol(self, token: str, seat_name: str, agent_name: str) -> tuple[str, str, str] | None:
        """(seat id, credential, team) for a valid enrolment token, else None."""
        query = (
            select(db.enrol_tokens.c.team_id, db.teams.c.name)
            .join(db.teams)
            .where(db.enrol_tokens.c.token_hash == digest(token))
            .where(db.enrol_tokens.c.revoked.is_(False))
        )
        with self.engine.begin() as c:
            found = c.execute(query).first()
            if found is None:
                return None
            seat_id, secret = uuid.uuid4().hex, new_secret()
            c.execute(
                insert(db.seats).values(
                    id=seat_id,
                    name=seat_name,
                    agent_name=agent_name or seat_name,
                    team_id=found.team_id,
                    credential_hash=digest(secret),
                    revoked=False,
                    enrolled=time.time(),
                    phrasebook_version="",
                )
            )
        return seat_id, f"{seat_id}.{secret}", found.name

    def seat_for(self, credential: str) -> dict | None:
        """The seat a credential belongs to, or None (unknown, forged or revoked)."""
        seat_id, _, secret = credential.partition(".")
        with self.engine.begin() as c:
            row = c.execute(select(db.seats).where(db.seats.c.id == seat_id)).first()
        if row is None or row.revoked or not secret:
            return None
        return dict(row._mapping) if same(secret, row.credential_hash) else None

    def revoke_seat(self, seat_id: str) -> bool:
        with self.engine.begin() as c:
            done = c.execute(update(db.seats).where(db.seats.c.id == seat_id).values(revoked=True))
            return done.rowcount == 1

    def seats(self, team_id: int | None = None) -> list[dict]:
        query = select(
            db.seats.c.id,
            db.seats.c.name,
            db.seats.c.agent_name,
            db.seats.c.revoked,
            db.seats.c.enrolled,
            db.seats.c.last_seen,
            db.seats.c.phrasebook_version,
            db.seats.c.team_id,
            db.teams.c.name.label("team"),
        ).join(db.teams)
        if team_id is not None:
            query = query.where(db.seats.c.team_id == team_id)
        with self.engine.begin() as c:
            return _rows(c.execute(query.order_by(db.teams.c.name, db.seats.c.name)))

    # --- a seat's events --------------------------------------------------------------

    def add_events(self, seat: dict, batch: Iterable[SeatEvent]) -> tuple[int, int]:
        """Stores a seat's events once each, and applies them to its calls and incidents;
        an event and its effects are kept together or not at all. An event the database
        can't take (data it refuses) is logged and skipped, never retried for ever.
        Returns (accepted, duplicates)."""
        accepted = duplicates = 0
        now = time.time()
        with self.engine.begin() as c:
            for event in batch:
                event = _sane(event, now)
                try:
                    with c.begin_nested():
                        c.execute(
                            insert(db.events).values(
                                seat_id=seat["id"],
                                event_id=event.id,
                                call_id=event.call_id,
                                kind=event.kind,
                                at=event.at,
                                received=now,
                                data=event.data,
                            )
                        )
                        _apply(c, seat, event)
                except IntegrityError:
                    duplicates += 1
                    continue
                except (DataError, StatementError) as exc:
                    log.warning("event from seat %s not kept: %s", seat["id"][:8], exc.orig or exc)
                    continue
                accepted += 1
            c.execute(update(db.seats).where(db.seats.c.id == seat["id"]).values(last_seen=now))
        return accepted, duplicates

    def last_change(self) -> tuple[int, int, int]:
        """Changes the live board shows: the newest event, message and sign-off."""
        with self.engine.begin() as c:
            return (
                c.execute(select(func.max(db.events.c.seq))).scalar() or 0,
                c.execute(select(func.max(db.messages.c.id))).scalar() or 0,
                c.execute(select(func.max(db.audit.c.id))).scalar() or 0,
            )

    # --- the live board -----------------------------------------------------------------

    def board(self, team_id: int | None, now: float | None = None) -> dict:
        """Calls in progress and escalations waiting for a supervisor, for one team or all."""
        now = time.time() if now is None else now
        query = (
            select(
                db.calls,
                db.seats.c.name.label("seat"),
                db.seats.c.agent_name.label("agent"),
                db.teams.c.name.label("team"),
            )
            .join(db.seats, db.seats.c.id == db.calls.c.seat_id)
            .join(db.teams, db.teams.c.id == db.seats.c.team_id)
            .where(
                or_(
                    and_(
                        db.calls.c.ended.is_(None),
                        db.calls.c.started > now - LIVE_CALL_HOURS * 3600,
                    ),
                    and_(
                        db.calls.c.escalated_at.is_not(None),
                        db.calls.c.coming_at.is_(None),
                        db.calls.c.ended > now - WAITING_AFTER_END,
                    ),
                )
            )
            .order_by(db.calls.c.started)
        )
        if team_id is not None:
            query = query.where(db.seats.c.team_id == team_id)
        with self.engine.begin() as c:
            rows = _rows(c.execute(query))
        waiting = [r for r in rows if r["escalated_at"] and not r["coming_at"]]
        waiting.sort(key=lambda r: r["escalated_at"])
        live = [r for r in rows if r["ended"] is None and r not in waiting]
        return {"waiting": waiting, "live": live}

    def call(self, call_row_id: int) -> dict | None:
        query = (
            select(db.calls, db.seats.c.team_id, db.seats.c.agent_name.label("agent"))
            .join(db.seats)
            .where(db.calls.c.id == call_row_id)
        )
        with self.engine.begin() as c:
            row = c.execute(query).first()
        return dict(row._mapping) if row else None

    def answer(self, call_row_id: int, kind: str, supervisor: str) -> None:
        """ "I'm coming" (or "take over") for a call: shown on its seat within seconds."""
        now = time.time()
        with self.engine.begin() as c:
            call = c.execute(select(db.calls).where(db.calls.c.id == call_row_id)).first()
            c.execute(
                update(db.calls)
                .where(db.calls.c.id == call_row_id)
                .values(coming_by=supervisor, coming_at=now)
            )
            c.execute(
                insert(db.messages).values(
                    seat_id=call.seat_id,
                    call_id=call.call_id,
                    kind=kind,
                    supervisor=supervisor,
                    at=now,
                )
            )

    def messages_for(self, seat_id: str, after: int) -> list[dict]:
        """Messages newer than `after`; for `after` 0 (a seat just started) only the newest,
        so the seat learns where to start without paging through its history."""
        query = select(db.messages).where(db.messages.c.seat_id == seat_id)
        if after <= 0:
            query = query.order_by(db.messages.c.id.desc()).limit(1)
        else:
            query = query.where(db.messages.c.id > after).order_by(db.messages.c.id).limit(50)
        with self.engine.begin() as c:
            return _rows(c.execute(query))

    def newest_message_id(self, seat_id: str) -> int:
        with self.engine.begin() as c:
            newest = c.execute(
                select(func.max(db.messages.c.id)).where(db.messages.c.seat_id == seat_id)
            ).scalar()
        return newest or 0

    # --- incidents ----------------------------------------------------------------------

    def incidents(
        self, team_id: int | None, status: str = "all", incident_id: int | None = None
    ) -> list[dict]:
        query = (
            select(
                db.incidents,
                db.seats.c.name.label("seat"),
                db.seats.c.agent_name.label("agent"),
                db.teams.c.name.label("team"),
                db.seats.c.team_id,
            )
            .join(db.seats, db.seats.c.id == db.incidents.c.seat_id)
            .join(db.teams, db.teams.c.id == db.seats.c.team_id)
            .order_by(db.incidents.c.at.desc())
        )
        if team_id is not None:
            query = query.where(db.seats.c.team_id == team_id)
        if status == "open":
            query = query.where(db.incidents.c.signed_off_at.is_(None))
        elif status == "signed":
            query = query.where(db.incidents.c.signed_off_at.is_not(None))
        if incident_id is not None:
            query = query.where(db.incidents.c.id == incident_id)
        with self.engine.begin() as c:
            return _rows(c.execute(query))

    def incident(self, incident_id: int) -> dict | None:
        rows = self.incidents(None, incident_id=incident_id)
        return rows[0] if rows else None

    def call_events(self, seat_id: str, call_id: str) -> list[dict]:
        query = (
            select(db.events)
            .where(db.events.c.seat_id == seat_id, db.events.c.call_id == call_id)
            .order_by(db.events.c.at, db.events.c.seq)
        )
        with self.engine.begin() as c:
            return _rows(c.execute(query))

    def call_by_key(self, seat_id: str, call_id: str) -> dict | None:
        with self.engine.begin() as c:
            row = c.execute(
                select(db.calls).where(db.calls.c.seat_id == seat_id, db.calls.c.call_id == call_id)
            ).first()
        return dict(row._mapping) if row else None

    def add_note(self, incident_id: int, who: str, text: str) -> None:
        """Appends a line in one statement: two notes saved at once are both kept."""
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime())
        line = f"{stamp} {who}: {text.strip()}"
        notes = db.incidents.c.notes
        with self.engine.begin() as c:
            c.execute(
                update(db.incidents)
                .where(db.incidents.c.id == incident_id)
                .values(notes=case((notes == "", line), else_=notes + "\n" + line))
            )

    def sign_off(self, incident_id: int, who: str) -> bool:
        with self.engine.begin() as c:
            done = c.execute(
                update(db.incidents)
                .where(db.incidents.c.id == incident_id, db.incidents.c.signed_off_at.is_(None))
                .values(signed_off_by=who, signed_off_at=time.time())
            )
            return done.rowcount == 1

    # --- the audit log --------------------------------------------------------------------

    def audit(self, who: str, action: str, detail: str = "") -> None:
        with self.engine.begin() as c:
            c.execute(
                insert(db.audit).values(at=time.time(), username=who, action=action, detail=detail)
            )

    def audit_log(self, limit: int = 500) -> list[dict]:
        with self.engine.begin() as c:
            return _rows(c.execute(select(db.audit).order_by(db.audit.c.id.desc()).limit(limit)))

    # --- the team view --------------------------------------------------------------------

    def events_since(self, since: float, kinds: tuple[str, ...], team_id: int | None) -> list[dict]:
        query = (
            select(db.events, db.teams.c.name.label("team"))
            .join(db.seats, db.seats.c.id == db.events.c.seat_id)
            .join(db.teams, db.teams.c.id == db.seats.c.team_id)
            .outerjoin(
                db.calls,
                (db.calls.c.seat_id == db.events.c.seat_id)
                & (db.calls.c.call_id == db.events.c.call_id),
            )
            .where(db.events.c.at >= since, db.events.c.kind.in_(kinds))
            .where(or_(db.calls.c.demo.is_(None), db.calls.c.demo.is_(False)))  # not the demo
            .order_by(db.events.c.at)
        )
        if team_id is not None:
            query = query.where(db.seats.c.team_id == team_id)
        with self.engine.begin() as c:
            return _rows(c.execute(query))

    # --- phrasebooks ----------------------------------------------------------------------

    def add_phrasebook(self, text: str, by: str, note: str, passed: bool, report: str) -> str:
        with self.engine.begin() as c:
            count = c.execute(select(func.count()).select_from(db.phrasebook_versions)).scalar()
            version = f"v{count + 1}-{digest(text)[:8]}"
            c.execute(
                insert(db.phrasebook_versions).values(
                    version=version,
                    yaml=text,
                    uploaded_by=by,
                    at=time.time(),
                    note=note,
                    passed=passed,
                    report=report,
                )
            )
        return version

    def phrasebooks(self) -> list[dict]:
        with self.engine.begin() as c:
            return _rows(
                c.execute(
                    select(db.phrasebook_versions).order_by(db.phrasebook_versions.c.id.desc())
                )
            )

    def phrasebook(self, version: str) -> dict | None:
        with self.engine.begin() as c:
            row = c.execute(
                select(db.phrasebook_versions).where(db.phrasebook_versions.c.version == version)
            ).first()
        return dict(row._mapping) if row else None

    def publish(self, version: str, team_id: int | None, by: str) -> None:
        with self.engine.begin() as c:
            version_id = c.execute(
                select(db.phrasebook_versions.c.id).where(
                    db.phrasebook_versions.c.version == version
                )
            ).scalar_one()
            c.execute(
                insert(db.publications).values(
                    version_id=version_id, team_id=team_id, at=time.time(), by=by
                )
            )

    def published_for(self, team_id: int) -> dict | None:
        """The version a team's seats run: the newest publication to that team or to all."""
        query = (
            select(db.phrasebook_versions, db.publications.c.team_id.label("to_team"))
            .join(db.publications)
            .where(or_(db.publications.c.team_id == team_id, db.publications.c.team_id.is_(None)))
            .order_by(db.publications.c.id.desc())
            .limit(1)
        )
        with self.engine.begin() as c:
            row = c.execute(query).first()
        return dict(row._mapping) if row else None

    def publications(self) -> list[dict]:
        query = (
            select(
                db.publications,
                db.phrasebook_versions.c.version,
                db.teams.c.name.label("team"),
            )
            .join(db.phrasebook_versions)
            .outerjoin(db.teams, db.teams.c.id == db.publications.c.team_id)
            .order_by(db.publications.c.id.desc())
        )
        with self.engine.begin() as c:
            return _rows(c.execute(query))


def _public_user(user: dict) -> dict:
    return {k: v for k, v in user.items() if k != "password_hash"}


def _apply(c, seat: dict, event: SeatEvent) -> None:
    """What one event changes beyond its own row: the call's state on the board, the
    seat's phrasebook version, an incident record."""
    data, call_key = (
        event.data,
        (db.calls.c.seat_id == seat["id"]) & (db.calls.c.call_id == event.call_id),
    )
    if event.kind in ("call_started", "heartbeat") and data.get("phrasebook_version"):
        c.execute(
            update(db.seats)
            .where(db.seats.c.id == seat["id"])
            .values(phrasebook_version=str(data["phrasebook_version"])[:64])
        )
    if event.kind == "incident":  # an incident may be filed, or completed, between calls
        _keep_incident(c, seat, event)
        return
    if event.kind == "heartbeat" or not event.call_id:
        return
    exists = c.execute(select(db.calls.c.id).where(call_key)).scalar()
    if exists is None:  # events may arrive before call_started (an outbox resend)
        c.execute(
            insert(db.calls).values(
                seat_id=seat["id"],
                call_id=event.call_id,
                started=event.at,
                demo=bool(data.get("demo", False)),
                level="calm",
                score=0.0,
                escalation_kind="",
                escalation_reason="",
                coming_by="",
            )
        )
    changes: dict = {}
    match event.kind:
        case "call_started":
            changes = {"started": event.at, "demo": bool(data.get("demo", False))}
        case "call_ended":
            changes = {"ended": event.at}
        case "level":
            changes = {"level": str(data.get("level", "calm"))[:20], "score": _number(data)}
        case "escalation" | "alert":
            # The first call for help is the one that waits: a second keeps its place.
            escalated = c.execute(select(db.calls.c.escalated_at).where(call_key)).scalar()
            if escalated is None:
                kind = data.get("kind", "") if event.kind == "escalation" else "agent_asked"
                reason = data.get("reason", "")
                changes = {
                    "escalated_at": event.at,
                    "escalation_kind": str(kind)[:40],
                    "escalation_reason": "; ".join(texts(reason))[:2000],
                }
        case "acknowledged":
            changes = {"acknowledged_at": event.at}
    if changes:
        c.execute(update(db.calls).where(call_key).values(**changes))


def _keep_incident(c, seat: dict, event: SeatEvent) -> None:
    """An incident record, new or updated: the seat sends the whole record again when the
    agent adds to it (actions, outcome), under the record's own key."""
    key = str(event.data.get("key") or event.id)[:64]
    where = (db.incidents.c.seat_id == seat["id"]) & (db.incidents.c.event_id == key)
    old = c.execute(select(db.incidents.c.record).where(where)).first()
    if old is not None:
        record = {**old.record, **event.data}
        kind = str(record.get("kind") or record.get("reason") or "incident")[:40]
        c.execute(update(db.incidents).where(where).values(record=record, kind=kind))
        return
    c.execute(
        insert(db.incidents).values(
            seat_id=seat["id"],
            call_id=event.call_id,
            event_id=key,
            at=event.at,
            kind=str(event.data.get("kind") or event.data.get("reason") or "incident")[:40],
            record=event.data,
            notes="",
            signed_off_by="",
        )
    )


MAX_SKEW = 24 * 3600.0
"""An event claiming to be more than a day away from the hub's clock gets the hub's time."""


def _sane(event: SeatEvent, now: float) -> SeatEvent:
    """The event with a time the pages can show, and text the database can store."""
    at = event.at if math.isfinite(event.at) and abs(event.at - now) < MAX_SKEW else now
    return event.model_copy(update={"at": min(at, now), "data": _clean(event.data)})


def _clean(value):
    """JSON both databases take: no NUL characters, no NaN or infinity."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k).replace("\x00", ""): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def texts(value) -> list[str]:
    """A seat's words as a list of strings, whatever shape they came in."""
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)] if value not in (None, "") else []


def _number(data: dict) -> float:
    try:
        score = float(data.get("score", 0))
    except (TypeError, ValueError):
        return 0.0
    return score if math.isfinite(score) else 0.0
