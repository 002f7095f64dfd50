"""Sign-in and the live board: calls in progress with their level and duration, and
escalations waiting for a supervisor at the top, updated by server-sent events.

An escalation nobody has answered within `reraise_after` seconds is raised again: it is
marked on the board (and stays first) until someone clicks "I'm coming" or "Take over",
which the agent's overlay shows within two seconds.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from deescalate.hub.web import COOKIE, TEMPLATES, User, back, check_csrf, hub, may_see, page, scope

log = logging.getLogger(__name__)
ANSWERS = {"coming": "is on the way", "take_over": "is taking over"}
STREAM_TICK = 0.5
"""Seconds between the stream's looks at the database: the board is never more than this
behind a seat's report."""
SETTLE = 2.0
"""Seconds after a change during which the rows are drawn at every tick."""
REFRESH = 5.0
"""Seconds between sends when nothing changed (durations and waiting times move on)."""


def board_router() -> APIRouter:
    router = APIRouter()

    @router.get("/signin", response_class=HTMLResponse)
    def signin_page(request: Request, failed: int = 0):
        return page(request, "signin.j2", None, failed=failed)

    @router.post("/signin")
    def signin(request: Request, username: str = Form(...), password: str = Form(...)):
        store, refused = hub(request).store, request.app.state.refused_limit
        name = username.strip()[:100]
        # Per name and address: a stranger's guesses never lock a supervisor out elsewhere.
        key = f"signin:{name}:{request.client.host if request.client else '?'}"
        if refused.spent(key):
            log.warning("sign-in for %r refused: too many wrong passwords", name)
            return back("/signin?failed=2")
        signed = store.sign_in(name, password)
        if signed is None:
            refused.allow(key)
            log.warning("sign-in refused for %r", name)
            return back("/signin?failed=1")
        token, who = signed
        store.audit(who["username"], "signed in")
        response = back("/")
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=hub(request).secure_cookies,
            max_age=8 * 3600,
        )
        return response

    @router.post("/signout")
    async def signout(request: Request, who: User):
        await check_csrf(request, who)
        hub(request).store.sign_out(request.cookies.get(COOKIE, ""))
        response = back("/signin")
        response.delete_cookie(COOKIE)
        return response

    @router.get("/", response_class=HTMLResponse)
    def board(request: Request, who: User):
        return page(request, "board.j2", who, rows=render_rows(request, who))

    @router.get("/board/stream")
    async def stream(request: Request, who: User):
        return StreamingResponse(
            _updates(request, who),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @router.post("/calls/{call_row}/answer")
    async def answer(call_row: int, request: Request, who: User):
        form = await check_csrf(request, who)
        kind = form.get("kind", "coming")
        store = hub(request).store
        call = store.call(call_row)
        if call is None or not may_see(who, call["team_id"]) or kind not in ANSWERS:
            raise HTTPException(404, "no such call on your board")
        store.answer(call_row, kind, who["display_name"])
        store.audit(
            who["username"],
            f"answered escalation ({kind})",
            f"{call['agent']}, call {call['call_id'][:8]}",
        )
        return back("/")

    return router


def render_rows(request: Request, who: dict) -> str:
    h = hub(request)
    now = time.time()
    board = h.store.board(scope(who), now)
    for row in board["waiting"]:
        row["waited"] = now - row["escalated_at"]
        row["reraised"] = row["waited"] >= h.reraise_after
    board["waiting"].sort(key=lambda r: (not r["reraised"], r["escalated_at"]))
    template = TEMPLATES.get_template("board_rows.j2")
    return template.render(board=board, now=now, user=who, answers=ANSWERS)


async def _updates(request: Request, who: dict):
    """The board's rows whenever a seat reports, a supervisor answers, or every few seconds
    (durations and re-raised escalations change with the clock). For a couple of seconds
    after a change the rows are drawn again at every tick and sent when they differ: what
    one query saw committed, the next may not have yet (SQLite's readers)."""
    store = hub(request).store
    seen, changed_at, sent_at, sent = None, 0.0, 0.0, ""
    yield "retry: 1000\n\n"  # a dropped stream comes back within a second, not three
    while not await request.is_disconnected():
        change, now = await run_in_threadpool(store.last_change), time.monotonic()
        if change != seen:
            seen, changed_at = change, now
        if now - changed_at < SETTLE or now - sent_at > REFRESH:
            token = request.cookies.get(COOKIE, "")
            if await run_in_threadpool(store.session, token) is None:
                yield "event: signedout\ndata: {}\n\n"
                return
            rows = await run_in_threadpool(render_rows, request, who)
            if rows != sent or now - sent_at > REFRESH:
                yield f"data: {json.dumps({'html': rows})}\n\n"
                sent, sent_at = rows, now
        await asyncio.sleep(STREAM_TICK)
