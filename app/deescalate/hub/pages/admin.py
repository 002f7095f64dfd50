"""Admin pages: seats (revoke, enrolment tokens), people (add, reset a password) and the
audit log of who changed what. New secrets are shown once and never stored in clear."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from deescalate.hub.security import new_password
from deescalate.hub.web import Admin, back, check_csrf, hub, page


def admin_router() -> APIRouter:
    router = APIRouter()

    def show(request: Request, who: dict, new_secret: dict | None = None) -> HTMLResponse:
        store = hub(request).store
        return page(
            request,
            "admin.j2",
            who,
            seats=store.seats(),
            tokens=store.enrol_tokens(),
            users=store.users(),
            new_secret=new_secret,
        )

    @router.get("/admin", response_class=HTMLResponse)
    def admin_page(request: Request, who: Admin):
        return show(request, who)

    @router.get("/audit", response_class=HTMLResponse)
    def audit_page(request: Request, who: Admin):
        return page(request, "audit.j2", who, entries=hub(request).store.audit_log())

    @router.post("/admin/enrol-token", response_class=HTMLResponse)
    async def enrol_token(request: Request, who: Admin):
        form = await check_csrf(request, who)
        store = hub(request).store
        team = str(form.get("team", "")).strip()[:100]
        if not team:
            raise HTTPException(400, "name the team the seats join")
        token = store.new_enrol_token(store.team_id(team), who["username"])
        store.audit(who["username"], "made an enrolment token", team)
        hint = "Put it in the seats' policy as hub_enrol_token, with hub_url."
        return show(
            request, who, {"what": f"Enrolment token for {team}", "value": token, "hint": hint}
        )

    @router.post("/admin/enrol-tokens/{token_id}/revoke")
    async def revoke_token(token_id: int, request: Request, who: Admin):
        await check_csrf(request, who)
        store = hub(request).store
        if not store.revoke_enrol_token(token_id):
            raise HTTPException(404, "no such enrolment token")
        store.audit(who["username"], "revoked an enrolment token", f"token {token_id}")
        return back("/admin")

    @router.post("/admin/seats/{seat_id}/revoke")
    async def revoke(seat_id: str, request: Request, who: Admin):
        await check_csrf(request, who)
        store = hub(request).store
        if not store.revoke_seat(seat_id):
            raise HTTPException(404, "no such seat")
        store.audit(who["username"], "revoked a seat", seat_id[:8])
        return back("/admin")

    @router.post("/admin/people", response_class=HTMLResponse)
    async def add_person(request: Request, who: Admin):
        form = await check_csrf(request, who)
        store = hub(request).store
        username = str(form.get("username", "")).strip()[:100]
        role = str(form.get("role", "supervisor"))
        team = str(form.get("team", "")).strip()[:100]
        if not username:
            raise HTTPException(400, "give the person a sign-in name")
        if role not in ("supervisor", "admin") or (role == "supervisor" and not team):
            raise HTTPException(400, "a supervisor needs a team")
        if any(u["username"] == username for u in store.users()):
            raise HTTPException(409, f"{username} already exists: reset the password instead")
        password = new_password()
        team_id = store.team_id(team) if team else None
        shown = str(form.get("display_name", "")).strip()[:100] or username
        store.add_user(username, shown, password, role, team_id)
        store.audit(who["username"], "added a person", f"{username} ({role})")
        hint = "Give it to them in person; they sign in with it."
        return show(
            request,
            who,
            {"what": f"First password for {username}", "value": password, "hint": hint},
        )

    @router.post("/admin/password", response_class=HTMLResponse)
    async def reset_password(request: Request, who: Admin):
        form = await check_csrf(request, who)
        store = hub(request).store
        username = str(form.get("username", "")).strip()
        password = new_password()
        if not store.set_password(username, password):
            raise HTTPException(404, "no such person")
        store.audit(who["username"], "reset a password", username)
        hint = "Their earlier sessions are signed out."
        return show(
            request, who, {"what": f"New password for {username}", "value": password, "hint": hint}
        )

    return router
