"""Builds the hub's ASGI app from its parts: the database, the seat API and the pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError

from deescalate.hub.db import connect
from deescalate.hub.migrate import upgrade
from deescalate.hub.pages.admin import admin_router
from deescalate.hub.pages.board import board_router
from deescalate.hub.pages.incidents import incidents_router
from deescalate.hub.pages.phrasebooks import phrasebooks_router
from deescalate.hub.pages.team_view import team_router
from deescalate.hub.seat_api import seat_router
from deescalate.hub.security import RateLimit
from deescalate.hub.store import HubStore
from deescalate.hub.web import Hub, SignInNeeded

SEAT_RATE = 5.0
"""Requests a second a seat may make on average (it polls once a second)."""
SEAT_BURST = 60
REFUSED_RATE, REFUSED_BURST = 1 / 30, 20
"""Refused requests (a wrong password, an unknown seat credential) allowed per address or
name: 20 at once, then one every 30 seconds."""


def build_app(
    database: str,
    *,
    secure_cookies: bool = True,
    reraise_after: float = 60.0,
    phrasebook_tests: Path | None = None,
) -> FastAPI:
    engine = connect(database)
    upgrade(engine)
    store = HubStore(engine)
    app = FastAPI(title="Deescalate hub", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.hub = Hub(store, secure_cookies, reraise_after, phrasebook_tests)
    app.state.seat_limit = RateLimit(SEAT_RATE, SEAT_BURST)
    app.state.refused_limit = RateLimit(REFUSED_RATE, REFUSED_BURST)
    app.include_router(seat_router(store, app.state.seat_limit))
    for router in (
        board_router(),
        incidents_router(),
        team_router(),
        phrasebooks_router(),
        admin_router(),
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def _out_of_range(_request: Request, _exc: Exception):
        # An id or value no column can hold (SQLite raises OverflowError, PostgreSQL DataError).
        return JSONResponse({"detail": "a value in this request is out of range"}, status_code=400)

    @app.exception_handler(SignInNeeded)
    async def _sign_in(_request: Request, _exc: SignInNeeded):
        return RedirectResponse("/signin", status_code=303)

    @app.middleware("http")
    async def _headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'"
        )
        return response

    return app
