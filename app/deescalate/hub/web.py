"""What every console page shares: templates, the signed-in user, CSRF and team scope.

A supervisor sees their own team only; an admin sees every team. Every form carries the
session's CSRF token and every POST checks it; the session cookie is HttpOnly and
SameSite=Strict, and Secure unless the hub was started for plain-HTTP testing.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from deescalate.hub.store import HubStore

COOKIE = "hub_session"
TEMPLATES = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,  # names and words come from seats: never markup (the files are .j2)
    )
)


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return dt.datetime.fromtimestamp(seconds).strftime("%Y-%m-%d %H:%M:%S")


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


TEMPLATES.env.filters["clock"] = _clock
TEMPLATES.env.filters["duration"] = duration


class SignInNeeded(Exception):
    """Raised by `user`: the app turns it into a redirect to the sign-in page."""


@dataclass(frozen=True)
class Hub:
    """The parts the pages need, handed in by `app.build_app`."""

    store: HubStore
    secure_cookies: bool
    reraise_after: float
    phrasebook_tests: Path | None


def hub(request: Request) -> Hub:
    return request.app.state.hub


def user(request: Request) -> dict:
    token = request.cookies.get(COOKIE, "")
    found = hub(request).store.session(token) if token else None
    if found is None:
        raise SignInNeeded()
    return found


def admin(request: Request) -> dict:
    found = user(request)
    if found["role"] != "admin":
        raise HTTPException(403, "only an admin may do this")
    return found


User = Annotated[dict, Depends(user)]
"""A page's signed-in user (any role)."""
Admin = Annotated[dict, Depends(admin)]
"""A page's signed-in admin: anyone else gets 403."""


def scope(who: dict) -> int | None:
    """The team a user may see: their own, or None (every team) for an admin."""
    return None if who["role"] == "admin" else who["team_id"]


def may_see(who: dict, team_id: int) -> bool:
    return who["role"] == "admin" or who["team_id"] == team_id


async def check_csrf(request: Request, who: dict) -> dict:
    """The form's fields, once its CSRF token matched the session's."""
    form = dict(await request.form())
    given = str(form.get("csrf", "")).encode("utf-8", "replace")
    if not hmac.compare_digest(given, who["csrf"].encode()):
        raise HTTPException(403, "this form has expired: reload the page and try again")
    return form


def page(request: Request, template: str, who: dict | None, **values) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, template, {"user": who, **values})


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
