"""What seats call, through the hub's real HTTP interface, on SQLite and PostgreSQL:
enrolment, refusals, events counted once, messages, the rate limit and phrasebooks."""

from __future__ import annotations

import hashlib
import html
import re
import time
import uuid

from deescalate.hub import db
from deescalate.hub.app import SEAT_BURST
from deescalate.hublink.protocol import MAX_BATCH
from tests.support.hub_client import (
    Console,
    Seat,
    answer_url,
    audit_entries,
    event,
    shown_secret,
    tagged,
)
from tests.support.phrasebooks import BASE

REFUSED_SEAT = "unknown or revoked seat: enrol it again with a new token"
REFUSED_TOKEN = "unknown or revoked enrolment token: ask IT for a new one"
PHRASEBOOK = BASE


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def assert_refused(http, headers: dict[str, str]) -> None:
    batch = {"events": [event("call_started", "call-1")]}
    answers = [
        http.post("/api/seat/events", json=batch, headers=headers),
        http.get("/api/seat/messages", headers=headers),
        http.get("/api/seat/phrasebook", headers=headers),
    ]
    for answer in answers:
        assert answer.status_code == 401, f"{answer.request.url}: {answer.status_code}"
        assert answer.json() == {"detail": REFUSED_SEAT}


def enrol(http, token: str, seat_name: str = "desk-7"):
    return http.post(
        "/api/seat/enrol", json={"token": token, "seat_name": seat_name, "agent_name": "Ann"}
    )


# --- enrolment ---------------------------------------------------------------------------


def test_a_token_from_the_admin_page_enrols_a_seat_in_its_team(hub):
    admin = hub.person("ada", role="admin", team=None)
    token_page = admin.post("/admin/enrol-token", {"team": "Billing"})
    assert token_page.status_code == 200
    token = shown_secret(token_page)

    http = hub.client()
    enrolled = enrol(http, token)
    assert enrolled.status_code == 200
    body = enrolled.json()
    assert body["team"] == "Billing"
    seat = Seat(http, body["seat_id"], body["credential"], body["team"])
    assert seat.messages().json() == {"messages": []}

    [row] = hub.rows(db.seats)
    assert row["id"] == seat.seat_id
    assert row["team_id"] == hub.store.team_id("Billing")
    secret = seat.credential.split(".", 1)[1]
    assert row["credential_hash"] == sha256(secret)
    [token_row] = hub.rows(db.enrol_tokens)
    assert token_row["token_hash"] == sha256(token)
    stored = str(hub.snapshot())
    assert secret not in stored and token not in stored

    listed = tagged(admin.get("/admin").text, "tr", "data-seat", "desk-7")
    assert listed and "Billing" in listed and "Ann" in listed


def test_an_unknown_or_revoked_token_is_refused_with_the_fix(hub):
    admin = hub.person("ada", role="admin", team=None)
    revoked = hub.enrol_token("A")
    kept = enrol(hub.client(), revoked, "desk-1")
    assert kept.status_code == 200
    row = tagged(admin.get("/admin").text, "tr", "data-token", "A")
    token_id = row.split("/admin/enrol-tokens/")[1].split("/")[0]
    assert admin.post(f"/admin/enrol-tokens/{token_id}/revoke").status_code == 303
    http = hub.client()
    for token in ("made-up-token-0123456789", revoked):
        refused = enrol(http, token)
        assert refused.status_code == 403
        assert refused.json() == {"detail": REFUSED_TOKEN}
    assert [seat["name"] for seat in hub.rows(db.seats)] == ["desk-1"]
    credential = kept.json()["credential"]
    seat_works = http.get("/api/seat/messages", headers={"Authorization": f"Bearer {credential}"})
    assert seat_works.status_code == 200, "a seat enrolled with it keeps working"


# --- refusals ----------------------------------------------------------------------------


def test_forged_or_missing_credentials_get_401_everywhere(hub):
    seat, other = hub.seat(name="seat-1"), hub.seat(name="seat-2")
    other_secret = other.credential.split(".", 1)[1]
    forged = [
        f"{seat.seat_id}.{other_secret}",  # the right seat, another seat's secret
        f"{seat.seat_id}.{'x' * 43}",
        f"{seat.seat_id}.",
        seat.seat_id,
        f"{uuid.uuid4().hex}.{other_secret}",  # a made-up seat
        "",
    ]
    tries = [{"Authorization": f"Bearer {credential}"} for credential in forged]
    tries += [{"Authorization": f"Basic {seat.credential}"}, {}]
    for headers in tries[:6]:  # 18 requests: within what one address may get wrong
        assert_refused(hub.client(), headers)

    assert hub.rows(db.events) == [] and hub.rows(db.calls) == []
    assert seat.messages().status_code == 200, "the real credential still works"


def test_an_address_guessing_credentials_is_slowed_down_but_good_seats_there_are_not(hub):
    seat = hub.seat(name="seat-1")
    forged = {"Authorization": f"Bearer {seat.seat_id}.{'x' * 43}"}
    answers = [hub.client().get("/api/seat/messages", headers=forged) for _ in range(25)]
    codes = [a.status_code for a in answers]
    assert set(codes[:20]) == {401}, codes
    assert set(codes[20:]) == {429}, codes
    assert int(answers[-1].headers["Retry-After"]) > 0
    # The same address (every seat behind one NAT or proxy looks alike) with a good
    # credential is served as before.
    assert seat.messages().status_code == 200


def test_a_seat_revoked_on_the_admin_page_is_refused(hub):
    seat, other = hub.seat(name="seat-1"), hub.seat(name="seat-2")
    admin = hub.person("ada", role="admin", team=None)
    assert seat.messages().status_code == 200

    revoked = admin.post(f"/admin/seats/{seat.seat_id}/revoke")
    assert revoked.status_code == 303

    assert_refused(seat.http, seat.auth)
    assert other.messages().status_code == 200
    listed = tagged(admin.get("/admin").text, "tr", "data-seat", "seat-1")
    assert "revoked" in listed and "Revoke</button>" not in listed


# --- events ------------------------------------------------------------------------------


def live_level(board: str, call_id: str) -> str:
    row = tagged(board, "tr", "data-call", call_id)
    assert row, f"{call_id} is not on the board"
    return re.search(r'class="badge level-(\w+)"', row).group(1)


def test_a_batch_sent_twice_counts_once_and_changes_the_call_once(hub):
    seat = hub.seat()
    sam = hub.person("sam")
    first = [event("call_started", "call-1"), event("level", "call-1", level="heated", score=70)]
    assert seat.send(*first).json() == {"accepted": 2, "duplicates": 0}
    calmer = event("level", "call-1", level="calm", score=10)
    assert seat.send(calmer).json() == {"accepted": 1, "duplicates": 0}

    assert seat.send(*first).json() == {"accepted": 0, "duplicates": 2}
    assert len(hub.rows(db.events)) == 3
    assert live_level(sam.get("/").text, "call-1") == "calm", "the resend changed nothing"


def test_a_resent_escalation_does_not_raise_an_answered_call_again(hub):
    seat = hub.seat()
    sam = hub.person("sam")
    escalation = event("escalation", "call-1", kind="threat", reason="threatened to come over")
    seat.send(event("call_started", "call-1"), escalation)
    assert sam.post(answer_url(sam.get("/").text, "call-1"), {"kind": "coming"}).status_code == 303

    assert seat.send(escalation).json() == {"accepted": 0, "duplicates": 1}
    board = sam.get("/").text
    assert tagged(board, "article", "data-call", "call-1") is None, "not waiting again"
    assert "Sam is on the way" in tagged(board, "tr", "data-call", "call-1")
    assert len(seat.messages().json()["messages"]) == 1


def test_another_seat_sending_the_same_event_id_is_its_own_event(hub):
    ann, bob = hub.seat(name="seat-1", agent="Ann"), hub.seat(name="seat-2", agent="Bob")
    sam = hub.person("sam")
    started = event("call_started", "call-1")
    assert ann.send(started).json() == {"accepted": 1, "duplicates": 0}
    assert bob.send(started).json() == {"accepted": 1, "duplicates": 0}

    assert len(hub.rows(db.events, db.events.c.event_id == started["id"])) == 2
    board = sam.get("/").text
    assert "Calls in progress (2)" in board
    assert "Ann" in board and "Bob" in board


def test_a_malformed_batch_is_refused_whole(hub):
    seat = hub.seat()
    good = event("call_started", "call-1")
    unknown_kind = {**event("call_started", "call-2"), "kind": "mood"}
    too_many = [event("level", "call-1", level="calm") for _ in range(MAX_BATCH + 1)]
    for events in ([good, unknown_kind], too_many):
        refused = seat.http.post("/api/seat/events", json={"events": events}, headers=seat.auth)
        assert refused.status_code == 422
    assert hub.rows(db.events) == []


# --- messages ----------------------------------------------------------------------------


def test_im_coming_reaches_only_the_seat_of_that_call(hub):
    ann, bob = hub.seat(name="seat-1", agent="Ann"), hub.seat(name="seat-2", agent="Bob")
    for seat, call in ((ann, "call-ann"), (bob, "call-bob")):
        seat.send(event("call_started", call), event("escalation", call, kind="senior"))
    sam = hub.person("sam")

    answered = sam.post(answer_url(sam.get("/").text, "call-ann"), {"kind": "coming"})
    assert answered.status_code == 303

    [message] = ann.messages().json()["messages"]
    assert (message["kind"], message["call_id"], message["supervisor"]) == (
        "coming",
        "call-ann",
        "Sam",
    )
    assert ann.messages(after=message["id"]).json() == {"messages": []}
    assert bob.messages().json() == {"messages": []}
    # Nothing Bob's seat sends picks whose messages it reads.
    asked = bob.http.get(
        "/api/seat/messages", params={"after": 0, "seat_id": ann.seat_id}, headers=bob.auth
    )
    assert asked.json() == {"messages": []}
    assert tagged(sam.get("/").text, "article", "data-call", "call-bob"), "Bob still waits"


# --- rate limit --------------------------------------------------------------------------


def test_a_seat_hammering_gets_429_and_other_seats_are_unaffected(hub):
    noisy, quiet = hub.seat(name="noisy"), hub.seat(name="quiet")
    answers = []
    for _ in range(SEAT_BURST * 5):
        answers.append(noisy.messages())
        if answers[-1].status_code != 200:
            break
    refused = answers[-1]
    assert refused.status_code == 429
    assert len(answers) > SEAT_BURST / 2, "a burst is allowed"
    retry_after = int(refused.headers["Retry-After"])
    assert retry_after > 0

    assert quiet.messages().status_code == 200
    time.sleep(min(retry_after, 0.5))  # the bucket refills within Retry-After
    assert noisy.messages().status_code == 200, "served again after a pause"


# --- phrasebooks -------------------------------------------------------------------------


def upload(admin: Console, text: str, note: str) -> str:
    """Uploads a phrasebook through the console; returns its version."""
    done = admin.post(
        "/phrasebooks/upload",
        {"note": note},
        files={"file": ("phrasebook.yaml", text.encode(), "application/x-yaml")},
    )
    assert done.status_code == 303, done.text
    return done.headers["location"].split("#", 1)[1]


def team_ids(phrasebooks_page: str) -> dict[str, str]:
    """The teams the page offers to publish to, by name."""
    found = re.findall(r'<option value="(\d+)">team (\w+)</option>', phrasebooks_page)
    return {name: team_id for team_id, name in found}


def test_a_phrasebook_is_checked_published_per_team_and_rolled_back(hub):
    seat_a, seat_b = hub.seat("A", "seat-a"), hub.seat("B", "seat-b")
    assert seat_a.phrasebook().status_code == 204, "none published yet"
    admin = hub.person("ada", role="admin", team=None)

    broken = upload(admin, "cues: [\n", "unfinished")
    section = html.unescape(tagged(admin.get("/phrasebooks").text, "section", "id", broken))
    assert "Failed its checks: it can't be published" in section
    assert "not valid YAML" in section
    refused = admin.post("/phrasebooks/publish", {"version": broken, "team": "all"})
    assert refused.status_code == 409
    assert refused.json() == {"detail": "this version failed its checks and can't be published"}
    assert seat_a.phrasebook().status_code == 204

    first = upload(admin, PHRASEBOOK, "first")
    page = admin.get("/phrasebooks").text
    assert "check: 0 error(s), 0 warning(s)" in tagged(page, "section", "id", first)
    teams = team_ids(page)
    published = admin.post("/phrasebooks/publish", {"version": first, "team": teams["A"]})
    assert published.status_code == 303

    fetched = seat_a.phrasebook()
    assert fetched.status_code == 200
    assert fetched.json() == {"version": first, "yaml": PHRASEBOOK}
    etag = fetched.headers["ETag"]
    assert etag == f'"{first}"'
    assert seat_a.phrasebook(if_none_match=etag).status_code == 304
    assert seat_b.phrasebook().status_code == 204, "team B has none yet"

    second_text = PHRASEBOOK.replace("slow down", "breathe")
    second = upload(admin, second_text, "second")
    assert admin.post("/phrasebooks/publish", {"version": second, "team": "all"}).status_code == 303
    for seat in (seat_a, seat_b):
        fetched = seat.phrasebook(if_none_match=etag)
        assert fetched.json() == {"version": second, "yaml": second_text}

    # "What each team runs": a row per team, with a rollback button when it ran another.
    rows = re.findall(r"<tr>\s*<td>(\w+)</td>(.*?)</tr>", admin.get("/phrasebooks").text, re.S)
    rollback = {name: re.search(r"Back to (v[\w-]+)", row) for name, row in rows}
    assert rollback["A"].group(1) == first
    assert rollback["B"] is None, "team B ran nothing before"
    rolled = admin.post(
        "/phrasebooks/publish", {"version": first, "team": teams["A"], "rollback": "1"}
    )
    assert rolled.status_code == 303

    assert seat_a.phrasebook(if_none_match=f'"{second}"').json()["version"] == first
    assert seat_b.phrasebook(if_none_match=f'"{second}"').status_code == 304
    newest = audit_entries(admin.get("/audit").text)[0]
    assert newest == ("ada", "rolled back a phrasebook", f"{first} to A")
