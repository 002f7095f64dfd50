"""Phrasebook versions: an admin uploads one, the hub runs `deescalate phrasebook check` on
it and every expectations file in the hub's `--phrasebook-tests` folder (`phrasebook
test`), and only a version that passes can be published: to one team first, then to
everyone. Seats fetch their team's version (conditional requests) and apply it from the
next call. Rolling back is publishing the version a team ran before, in one click.

The checks run as the same commands supervisors run at their desks, in a child process,
so what the hub accepts is exactly what `phrasebook check` and `phrasebook test` accept.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from deescalate.hub.web import Admin, User, back, check_csrf, hub, page, scope

MAX_BYTES = 512 * 1024
CHECK_SECONDS = 300


def phrasebooks_router() -> APIRouter:
    router = APIRouter()

    @router.get("/phrasebooks", response_class=HTMLResponse)
    def listing(request: Request, who: User):
        store = hub(request).store
        mine = scope(who)
        teams = [_team_row(store, t) for t in store.teams() if mine in (None, t["id"])]
        publications = [
            p for p in store.publications() if mine is None or p["team_id"] in (None, mine)
        ]
        return page(
            request,
            "phrasebooks.j2",
            who,
            versions=store.phrasebooks(),
            teams=teams,
            publications=publications[:30],
            tests=hub(request).phrasebook_tests,
        )

    @router.post("/phrasebooks/upload")
    async def upload(request: Request, who: Admin):
        form = await check_csrf(request, who)
        upload = form.get("file")
        text = (await upload.read()) if hasattr(upload, "read") else b""
        if not text or len(text) > MAX_BYTES:
            raise HTTPException(400, "choose a phrasebook file (YAML, at most 512 KB)")
        try:
            yaml_text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HTTPException(400, "the phrasebook is not UTF-8 text") from exc
        passed, report = await run_in_threadpool(check, yaml_text, hub(request).phrasebook_tests)
        store = hub(request).store
        note = str(form.get("note", ""))[:200]
        version = store.add_phrasebook(yaml_text, who["display_name"], note, passed, report)
        store.audit(
            who["username"],
            "uploaded a phrasebook",
            f"{version} ({'passed' if passed else 'failed'} checks)",
        )
        return back(f"/phrasebooks#{version}")

    @router.post("/phrasebooks/publish")
    async def publish(request: Request, who: Admin):
        form = await check_csrf(request, who)
        store = hub(request).store
        version = store.phrasebook(str(form.get("version", "")))
        if version is None:
            raise HTTPException(404, "no such phrasebook version")
        if not version["passed"]:
            raise HTTPException(409, "this version failed its checks and can't be published")
        team = str(form.get("team", ""))
        team_id = int(team) if team.isdigit() else None
        names = {t["id"]: t["name"] for t in store.teams()}
        if team_id is not None and team_id not in names:
            raise HTTPException(404, "no such team")
        store.publish(version["version"], team_id, who["display_name"])
        action = "rolled back a phrasebook" if form.get("rollback") else "published a phrasebook"
        store.audit(
            who["username"], action, f"{version['version']} to {names.get(team_id, 'every team')}"
        )
        return back("/phrasebooks")

    return router


def _team_row(store, team: dict) -> dict:
    """A team's current version, the one before it, and how many of its seats run it
    (each seat reports the version its calls run at every call and heartbeat)."""
    current = store.published_for(team["id"])
    seats = [s for s in store.seats(team["id"]) if not s["revoked"]]
    running = sum(1 for s in seats if current and s["phrasebook_version"] == current["version"])
    return {
        **team,
        "current": current,
        "previous": _previous(store, team["id"]),
        "seats": len(seats),
        "running": running,
    }


def _previous(store, team_id: int) -> str | None:
    """The version the team ran before its current one: what a rollback publishes."""
    current = store.published_for(team_id)
    if current is None:
        return None
    for pub in store.publications():
        if pub["team_id"] in (team_id, None) and pub["version"] != current["version"]:
            return pub["version"]
    return None


def check(yaml_text: str, tests: Path | None) -> tuple[bool, str]:
    """Runs `phrasebook check` and each expectations file in `tests` on the phrasebook.
    Returns whether all passed and a plain report."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "phrasebook.yaml"
        path.write_text(yaml_text, encoding="utf-8")
        ok, lines = _check(path)
        for spec in sorted(tests.glob("*.yaml")) if tests else []:
            passed, line = _test(spec, path)
            ok, lines = ok and passed, [*lines, line]
    return ok, "\n".join(lines)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "deescalate", "phrasebook", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=CHECK_SECONDS,
    )


def _check(path: Path) -> tuple[bool, list[str]]:
    done = _run("check", str(path))
    try:
        found = json.loads(done.stdout)
    except json.JSONDecodeError:
        return False, [f"check could not run: {done.stderr.strip()[-500:]}"]
    lines = [f"check: {len(found['errors'])} error(s), {len(found['warnings'])} warning(s)"]
    for item in [*found["errors"], *found["warnings"]]:
        lines.append(
            f"  {item.get('severity', '')}: line {item.get('line', '?')}: {item.get('message', '')}"
        )
    return bool(found["ok"]), lines


def _test(spec: Path, phrasebook: Path) -> tuple[bool, str]:
    done = _run("test", str(spec), "--phrasebook", str(phrasebook))
    try:
        found = json.loads(done.stdout)
    except json.JSONDecodeError:
        reason = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return False, f"test {spec.name}: could not run ({reason})"
    failed = [r for r in found["results"] if not r["passed"]]
    detail = "".join(
        f"\n  FAIL {Path(r['call']).name}: {r['expectation']} ({r['detail']})" for r in failed
    )
    return (
        not failed,
        f"test {spec.name}: {found['passed']} passed, {found['failed']} failed{detail}",
    )
