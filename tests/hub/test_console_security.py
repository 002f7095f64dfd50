"""Who may do what in the supervisors' console, through its real HTTP interface, on SQLite
and PostgreSQL: sign-in, sessions, CSRF, team scope, admin pages and cookies."""

from __future__ import annotations

import csv
import hashlib
import io
import time
from collections.abc import Iterator

import sqlalchemy as sa

from deescalate.hub import db
from deescalate.hub.web import COOKIE
from tests.support.hub_client import (
    PASSWORD,
    HubUnderTest,
    answer_url,
    event,
    shown_secret,
    tagged,
)

EXPIRED_FORM = "this form has expired: reload the page and try again"
NOT_ADMIN = "only an admin may do this"
PAGES = (
    "/",
    "/board/stream",
    "/incidents",
    "/incidents/1",
    "/incidents/export.csv",
    "/team",
    "/phrasebooks",
    "/admin",
    "/audit",
)
FORMS = (
    "/signout",
    "/calls/1/answer",
    "/incidents/1/note",
    "/incidents/1/sign-off",
    "/phrasebooks/publish",
    "/admin/enrol-token",
    "/admin/people",
    "/admin/password",
)


def sends_to_sign_in(answer) -> bool:
    return answer.status_code == 303 and answer.headers["location"] == "/signin"


def escalate_with_incident(seat, call_id: str) -> None:
    seat.send(
        event("call_started", call_id),
        event("escalation", call_id, kind="threat", reason="threatened to come over"),
        event("incident", call_id, key=f"record-{call_id}", kind="threat", outcome="ended"),
    )


def incident_of(hub: HubUnderTest, seat) -> int:
    [row] = hub.rows(db.incidents, db.incidents.c.seat_id == seat.seat_id)
    return row["id"]


def cookie_attributes(set_cookie: str) -> set[str]:
    return {part.strip().lower() for part in set_cookie.split(";")[1:]}


def test_pages_send_anyone_not_signed_in_to_sign_in(hub):
    http = hub.client()
    for url in PAGES:
        assert sends_to_sign_in(http.get(url, follow_redirects=False)), url
    for url in FORMS:
        answer = http.post(url, data={"csrf": "anything"}, follow_redirects=False)
        assert sends_to_sign_in(answer), url
    signin = http.get("/signin")
    assert signin.status_code == 200 and 'action="/signin"' in signin.text


def test_a_wrong_password_or_unknown_name_is_refused(hub):
    hub.person("sam")
    http = hub.client()
    for username, password in (("sam", "not-the-password"), ("nobody", PASSWORD)):
        refused = http.post(
            "/signin", data={"username": username, "password": password}, follow_redirects=False
        )
        assert refused.headers["location"] == "/signin?failed=1"
        assert "set-cookie" not in refused.headers
    page = http.get("/signin?failed=1").text
    assert "That name and password don't match." in page
    assert "ask an admin to reset your password" in page
    assert sends_to_sign_in(http.get("/", follow_redirects=False))
    assert len(hub.rows(db.login_sessions)) == 1, "only Sam's own sign-in"


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(hub):
    seat = hub.seat()
    escalate_with_incident(seat, "call-1")
    admin = hub.person("ada", role="admin", team=None)
    sam = hub.person("sam")
    incident = incident_of(hub, seat)
    forms = [
        (sam, answer_url(sam.get("/").text, "call-1"), {"kind": "coming"}),
        (sam, f"/incidents/{incident}/note", {"note": "forged note"}),
        (sam, f"/incidents/{incident}/sign-off", {}),
        (sam, "/signout", {}),
        (admin, f"/admin/seats/{seat.seat_id}/revoke", {}),
        (admin, "/admin/enrol-token", {"team": "A"}),
        (admin, "/admin/people", {"username": "mallory", "role": "admin"}),
        (admin, "/admin/password", {"username": "sam"}),
        (admin, "/phrasebooks/publish", {"version": "v1", "team": "all"}),
    ]
    before = hub.snapshot()

    for console, url, data in forms:
        other_session = sam.csrf if console is admin else admin.csrf
        no_token = console.http.post(url, data=data, follow_redirects=False)
        attempts = [no_token] + [console.post(url, data, csrf=t) for t in ("", "x", other_session)]
        for refused in attempts:
            assert refused.status_code == 403, url
            assert refused.json() == {"detail": EXPIRED_FORM}
    upload = admin.http.post(
        "/phrasebooks/upload", files={"file": ("p.yaml", b"cues: []\n")}, follow_redirects=False
    )
    assert upload.status_code == 403

    assert hub.snapshot() == before
    assert seat.messages().json() == {"messages": []}
    assert sam.get("/").status_code == 200, "still signed in"


def test_a_supervisor_sees_and_acts_on_their_own_team_only(hub):
    ann = hub.seat("Billing", "desk-a", "Ann")
    bob = hub.seat("Claims", "desk-b", "Bob")
    escalate_with_incident(ann, "call-a")
    escalate_with_incident(bob, "call-b")
    sam = hub.person("sam", team="Billing")
    claims_supervisor = hub.person("cleo", team="Claims")
    admin = hub.person("ada", role="admin", team=None)
    bobs_incident = incident_of(hub, bob)
    bobs_call = answer_url(claims_supervisor.get("/").text, "call-b")

    board = sam.get("/").text
    assert tagged(board, "article", "data-call", "call-a")
    assert tagged(board, "article", "data-call", "call-b") is None
    assert "Bob" not in board and "Claims" not in board
    admin_board = admin.get("/").text
    assert "Ann" in admin_board and "Bob" in admin_board

    refused = sam.post(bobs_call, {"kind": "coming"})
    assert refused.status_code == 404
    assert refused.json() == {"detail": "no such call on your board"}
    assert bob.messages().json() == {"messages": []}

    assert sam.get(f"/incidents/{bobs_incident}").status_code == 404
    assert sam.post(f"/incidents/{bobs_incident}/note", {"note": "not mine"}).status_code == 404
    assert sam.post(f"/incidents/{bobs_incident}/sign-off").status_code == 404
    [untouched] = hub.rows(db.incidents, db.incidents.c.id == bobs_incident)
    assert untouched["notes"] == "" and untouched["signed_off_at"] is None

    listing = sam.get("/incidents?status=all").text
    assert "Ann" in listing and "Bob" not in listing
    exported = list(csv.DictReader(io.StringIO(sam.get("/incidents/export.csv").text)))
    assert [row["agent"] for row in exported] == ["Ann"]
    assert [row["agent"] for row in sam.get("/incidents/export.json").json()] == ["Ann"]
    assert "Claims" not in sam.get("/team").text


def test_a_supervisor_gets_403_on_admin_pages(hub):
    seat = hub.seat()
    sam = hub.person("sam")
    assert 'href="/admin"' not in sam.get("/").text
    for url in ("/admin", "/audit"):
        refused = sam.get(url)
        assert refused.status_code == 403 and refused.json() == {"detail": NOT_ADMIN}
    before = hub.snapshot()
    forms = [
        (f"/admin/seats/{seat.seat_id}/revoke", {}),
        ("/admin/enrol-token", {"team": "A"}),
        ("/admin/people", {"username": "mallory", "role": "admin"}),
        ("/admin/password", {"username": "sam"}),
        ("/phrasebooks/publish", {"version": "v1", "team": "all"}),
    ]
    for url, data in forms:
        refused = sam.post(url, data)
        assert refused.status_code == 403 and refused.json() == {"detail": NOT_ADMIN}, url
    upload = sam.post("/phrasebooks/upload", files={"file": ("p.yaml", b"cues: []\n")})
    assert upload.status_code == 403
    assert hub.snapshot() == before


def test_an_expired_session_sends_the_supervisor_to_sign_in(hub):
    seat = hub.seat()
    escalate_with_incident(seat, "call-1")
    sam = hub.person("sam")
    answer = answer_url(sam.get("/").text, "call-1")

    hub.execute(sa.update(db.login_sessions).values(expires=time.time() - 1))

    assert sends_to_sign_in(sam.get("/"))
    assert sends_to_sign_in(sam.post(answer, {"kind": "coming"}))
    assert seat.messages().json() == {"messages": []}


def test_signing_out_ends_the_session_on_the_server(hub):
    sam = hub.person("sam")
    token = sam.http.cookies[COOKIE]
    [session] = hub.rows(db.login_sessions)
    assert session["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(hub.snapshot())

    signed_out = sam.post("/signout")
    assert sends_to_sign_in(signed_out)
    assert hub.rows(db.login_sessions) == []

    replayed = hub.client().get(
        "/", headers={"Cookie": f"{COOKIE}={token}"}, follow_redirects=False
    )
    assert sends_to_sign_in(replayed), "the old cookie no longer works"


def next_message(lines: Iterator[str]) -> str:
    """The next server-sent event on a stream, its lines joined."""
    message = []
    for line in lines:
        if not line and message:
            return "\n".join(message)
        if line:
            message.append(line)
    return "\n".join(message)


def test_signing_out_ends_an_open_board_stream(database, serve_asgi):
    served = HubUnderTest(database, secure_cookies=False)  # plain HTTP on 127.0.0.1
    served.served_at = serve_asgi(served.app)
    try:
        seat = served.seat(agent="Ann")
        sam = served.person("sam")
        with sam.http.stream("GET", "/board/stream") as stream:
            lines = stream.iter_lines()
            # A dropped stream: the browser is told to come back within a second.
            assert next_message(lines) == "retry: 1000"
            assert "Ann" not in next_message(lines)
            seat.send(event("call_started", "call-1"), event("escalation", "call-1", kind="senior"))
            assert "Ann" in next_message(lines), "the escalation reaches the open board"

            assert sends_to_sign_in(sam.post("/signout"))
            seat.send(event("level", "call-1", level="heated", score=70))
            assert next_message(lines) == "event: signedout\ndata: {}"
            assert next_message(lines) == "", "and the stream ends"
    finally:
        served.close()


def test_passwords_are_stored_as_argon2_hashes_and_a_reset_signs_out(hub):
    admin = hub.person("ada", role="admin", team=None)
    added = admin.post(
        "/admin/people",
        {"username": "sam", "display_name": "Sam", "role": "supervisor", "team": "Billing"},
    )
    password = shown_secret(added)
    [row] = hub.rows(db.users, db.users.c.username == "sam")
    assert row["password_hash"].startswith("$argon2id$")
    assert password not in str(hub.snapshot())
    sam = hub.sign_in("sam", password)
    assert "Sam · Billing" in sam.get("/").text

    new_password = shown_secret(admin.post("/admin/password", {"username": "sam"}))
    assert new_password != password
    assert sends_to_sign_in(sam.get("/")), "the reset ended Sam's session"
    refused = hub.client().post(
        "/signin", data={"username": "sam", "password": password}, follow_redirects=False
    )
    assert refused.headers["location"] == "/signin?failed=1"
    assert hub.sign_in("sam", new_password)


def test_the_session_cookie_is_httponly_strict_and_secure(hub):
    hub.person("sam")
    signed_in = hub.client().post(
        "/signin", data={"username": "sam", "password": PASSWORD}, follow_redirects=False
    )
    attributes = cookie_attributes(signed_in.headers["set-cookie"])
    assert {"httponly", "samesite=strict", "secure"} <= attributes
    page = hub.client().get("/signin")
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_a_plain_http_test_hub_drops_only_secure_from_the_cookie(database):
    plain = HubUnderTest(database, secure_cookies=False)
    try:
        plain.person("sam")
        signed_in = plain.client().post(
            "/signin", data={"username": "sam", "password": PASSWORD}, follow_redirects=False
        )
    finally:
        plain.close()
    attributes = cookie_attributes(signed_in.headers["set-cookie"])
    assert {"httponly", "samesite=strict"} <= attributes
    assert "secure" not in attributes


def test_wrong_passwords_for_one_name_are_slowed_down_and_the_page_says_why(hub):
    sam = hub.person("sam")
    http = hub.client()
    wrong = {"username": "sam", "password": "guess"}
    places = [
        http.post("/signin", data=wrong, follow_redirects=False).headers["location"]
        for _ in range(22)
    ]
    assert set(places[:20]) == {"/signin?failed=1"}, places
    assert set(places[20:]) == {"/signin?failed=2"}, places
    assert "wait a minute" in http.get("/signin?failed=2").text
    # Even the right password waits now: a guesser can't tell which one was right.
    right = {"username": "sam", "password": PASSWORD}
    assert http.post("/signin", data=right, follow_redirects=False).headers["location"] == (
        "/signin?failed=2"
    )
    # Another person's sign-in is not held back, and Sam's open session still works.
    hub.person("kim")
    assert sam.get("/").status_code == 200


def test_names_and_words_from_seats_are_shown_as_text_never_run_as_markup(hub):
    script = "<script>document.title='owned'</script>"
    seat = hub.seat("A", name=f"desk{script}", agent=f"Ann{script}")
    seat.send(
        event("call_started", "call-1"),
        event("escalation", "call-1", kind="threat", reason=f"said {script}"),
        event("incident", "call-1", key="record-1", state="opened", cues=["threat"], reason=script),
    )
    sam = hub.person("sam")
    [incident] = hub.rows(db.incidents)
    for url in ("/", "/incidents", f"/incidents/{incident['id']}", "/team"):
        page = sam.get(url).text
        assert "<script>document" not in page, url
    assert "&lt;script&gt;" in sam.get("/").text
