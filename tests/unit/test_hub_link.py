"""The seat's side of the team hub against a small real hub (tests/support/hub.py): the
client, enrolment and its credential file, the outbox through an outage and a restart,
supervisors' messages and the team's phrasebook. The link is built as the app builds it
(`bootstrap.make_hub_link`), with its real outbox on disk."""

from __future__ import annotations

import getpass
import json
import logging
import os
import socket
import stat
import time
import uuid

import pytest

from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK
from deescalate.bootstrap import make_hub_link
from deescalate.config.settings import Settings
from deescalate.hublink.client import HubClient, HubError
from deescalate.hublink.link import OUTBOX_FILE
from deescalate.hublink.protocol import EnrolRequest, EventBatch, SeatEvent
from deescalate.hublink.seat import PHRASEBOOK_FILE, SEAT_FILE
from tests.support.hub import TOKEN, Hub

FAST = {"message_every": 0.1, "phrasebook_every": 0.2, "heartbeat_every": 0.5}
GOOD_BOOK = DEFAULT_PHRASEBOOK.read_text()
TEAM_TEXT = "Team rule: pause the call and alert your supervisor."
CATCHES_UP = "; the seat keeps working and catches up later."
NEW_TOKEN = "ask IT for a new enrolment token."


@pytest.fixture
def hub():
    server = Hub()
    yield server
    server.stop()


class Seat:
    """A seat's link to `hub`, as the app opens it at start, and what it told the seat."""

    def __init__(self, url: str, folder, token: str | None = TOKEN, **settings) -> None:
        self.problems: dict[str, str | None] = {}
        self.messages: list = []
        self.books: list = []
        chosen = Settings(hub_url=url, hub_enrol_token=token, **settings)
        self.link = make_hub_link(chosen, self.problems.__setitem__, folder, **FAST)
        assert self.link is not None
        self.link.start(on_message=self.messages.append, on_phrasebook=self._book)
        self.folder = folder

    def _book(self, path, version) -> None:
        self.books.append((path, version))

    def seat_file(self) -> dict:
        return json.loads((self.folder / SEAT_FILE).read_text())

    def close(self) -> None:
        self.link.close()


@pytest.fixture
def open_seat(tmp_path):
    opened: list[Seat] = []

    def _open(url: str, folder=tmp_path / "data", **kwargs) -> Seat:
        seat = Seat(url, folder, **kwargs)
        opened.append(seat)
        return seat

    yield _open
    for seat in opened:
        seat.close()


def event(kind: str = "level", call_id: str = "c1") -> SeatEvent:
    return SeatEvent(id=uuid.uuid4().hex, kind=kind, at=1.0, call_id=call_id, data={})


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# --- the client ----------------------------------------------------------------------------


def test_the_client_speaks_the_protocol_and_each_failure_is_one_line_naming_the_fix(hub):
    client = HubClient(hub.url)
    enrolled = client.enrol(EnrolRequest(token=TOKEN, seat_name="pc-7", agent_name="Ann"))
    assert enrolled.team == "billing"
    credential = enrolled.credential
    batch = EventBatch(events=[event(), event("suggestion")])
    assert client.post_events(credential, batch).accepted == 2
    resent = client.post_events(credential, batch)  # the outbox may deliver twice
    assert (resent.accepted, resent.duplicates) == (0, 2)
    assert client.messages(credential, 0) == []
    assert client.phrasebook(credential, "").state == "none"
    hub.publish("v1", GOOD_BOOK)
    reply = client.phrasebook(credential, "")
    assert reply.state == "new" and reply.book.version == "v1" and reply.book.yaml == GOOD_BOOK
    assert client.phrasebook(credential, "v1").state == "unchanged"
    assert hub.phrasebook_asks[-1] == "v1", "If-None-Match names the version the seat has"

    with pytest.raises(HubError) as refused:
        client.enrol(EnrolRequest(token="not-the-token-99", seat_name="pc-7"))
    assert refused.value.refused and not refused.value.retry
    assert str(refused.value) == (
        f"Team hub {hub.url} refused the enrolment token (HTTP 403): {NEW_TOKEN}"
    )
    hub.revoke_all()
    with pytest.raises(HubError) as revoked:
        client.messages(credential, 0)
    assert (
        str(revoked.value)
        == f"Team hub {hub.url} no longer accepts this seat (HTTP 401): {NEW_TOKEN}"
    )
    hub.stop()
    with pytest.raises(HubError) as down:
        client.messages(credential, 0)
    assert down.value.retry and not down.value.refused
    message = str(down.value)
    assert message.startswith(f"Team hub {hub.url} unreachable (") and message.endswith(CATCHES_UP)
    assert "\n" not in message and credential not in message


# --- enrolment --------------------------------------------------------------------------------


def test_the_first_start_enrols_once_and_keeps_the_credential_for_the_owner_only(
    hub, open_seat, tmp_path, caplog
):
    caplog.set_level(logging.DEBUG)
    seat = open_seat(hub.url, agent_name="Ann Agent")
    assert hub.wait_for(lambda: seat.link.enrolled, 5)
    asked = hub.enrolments[0]
    assert (asked.token, asked.seat_name, asked.agent_name) == (
        TOKEN,
        socket.gethostname(),
        "Ann Agent",
    )
    kept = seat.seat_file()
    assert kept["hub_url"] == hub.url and kept["seat_id"] == "seat-1" and kept["credential"]
    assert mode(seat.folder / SEAT_FILE) == 0o600 and mode(seat.folder) == 0o700
    seat.link.report("call_started", "c1", {"demo": False, "phrasebook_version": ""})
    assert seat.link.flush(5)
    seat.close()
    assert mode(seat.folder / OUTBOX_FILE) == 0o600

    again = open_seat(hub.url, agent_name="Ann Agent")
    again.link.report("call_ended", "c1", {"duration": 3.0, "ended_by": "agent"})
    assert again.link.flush(5)
    assert len(hub.enrolments) == 1, "a seat with a credential does not enrol again"
    assert len(hub.of_kind("call_ended")) == 1

    for path in seat.folder.iterdir():
        assert TOKEN.encode() not in path.read_bytes(), f"the enrolment token is in {path}"
    assert TOKEN not in caplog.text and kept["credential"] not in caplog.text
    assert all(v is None for v in again.problems.values()), again.problems


def test_without_an_agent_name_the_login_name_enrols(hub, open_seat):
    seat = open_seat(hub.url)
    assert hub.wait_for(lambda: seat.link.enrolled, 5)
    assert hub.enrolments[0].agent_name == getpass.getuser()


def test_a_new_hub_address_enrols_again_with_the_new_hub(hub, open_seat):
    first = open_seat(hub.url)
    assert hub.wait_for(lambda: first.link.enrolled, 5)
    first.close()
    other = Hub()
    try:
        moved = open_seat(other.url)
        assert other.wait_for(lambda: moved.link.enrolled, 5)
        assert len(other.enrolments) == 1 and moved.seat_file()["hub_url"] == other.url
        moved.link.report("level", "c2", {"level": "tense", "score": 40.0})
        assert moved.link.flush(5) and len(other.of_kind("level")) == 1
    finally:
        other.stop()


def test_a_refused_token_or_none_at_all_names_the_fix_on_the_problem_line(hub, open_seat, tmp_path):
    wrong = "wrong-token-12345"
    seat = open_seat(hub.url, tmp_path / "a", token=wrong)
    assert hub.wait_for(lambda: seat.problems.get("hub"), 5)
    assert seat.problems["hub"] == (
        f"Team hub {hub.url} refused the enrolment token (HTTP 403): {NEW_TOKEN}"
    )
    assert wrong not in seat.problems["hub"]
    tokenless = open_seat(hub.url, tmp_path / "b", token=None)
    assert hub.wait_for(lambda: tokenless.problems.get("hub"), 5)
    assert "ask IT to add hub_enrol_token to the seat policy" in tokenless.problems["hub"]


def test_a_revoked_seat_keeps_its_events_and_enrols_again_at_the_next_start(hub, open_seat):
    seat = open_seat(hub.url)
    assert hub.wait_for(lambda: seat.link.enrolled, 5)
    hub.revoke_all()
    assert hub.wait_for(lambda: seat.problems.get("hub"), 5)
    assert seat.problems["hub"] == (
        f"Team hub {hub.url} no longer accepts this seat (HTTP 401): {NEW_TOKEN}"
    )
    seat.link.report("escalation", "c3", {"kind": "threat"})
    assert not seat.link.flush(1), "nothing reaches a hub that refuses the seat"
    assert seat.seat_file()["credential"] == "", "the refused credential is forgotten"
    seat.close()

    again = open_seat(hub.url)
    assert again.link.flush(5), "the kept event goes once the seat has enrolled again"
    assert len(hub.enrolments) == 2 and "escalation" in hub.kinds()


# --- reports through the outbox -------------------------------------------------------------


def test_events_wait_out_an_outage_and_a_restart_and_reach_the_hub_once_each(hub, open_seat):
    seat = open_seat(hub.url)
    assert hub.wait_for(lambda: seat.link.enrolled, 5)
    hub.stop()
    reported = [
        seat.link.report("call_started", "c4", {"demo": False, "phrasebook_version": ""}),
        seat.link.report("level", "c4", {"level": "heated", "score": 70.0}),
    ]
    assert hub.wait_for(lambda: seat.problems.get("hub"), 6), "the outage is never shown"
    assert seat.problems["hub"].startswith(f"Team hub {hub.url} unreachable (")
    assert seat.problems["hub"].endswith(CATCHES_UP)
    seat.close()  # the app quits during the outage

    hub.start()
    again = open_seat(hub.url)
    reported.append(again.link.report("call_ended", "c4", {"duration": 9.0, "ended_by": "agent"}))
    assert again.link.flush(5)
    assert set(reported) <= set(hub.events), "an event was lost"
    assert [hub.events[i]["kind"] for i in reported] == ["call_started", "level", "call_ended"]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in reported), "ids are uuid4 hex"

    hub.stop()  # and once more without a restart: sent as soon as the hub is back
    late = again.link.report("dismissed", "c5", {"category": "calming", "suggestion_id": "x"})
    assert not again.link.flush(1)
    hub.start()
    assert again.link.flush(3), "the backlog waited for its backoff after the hub came back"
    assert late in hub.events
    assert hub.wait_for(lambda: again.problems.get("hub") is None, 3)


def test_heartbeats_carry_the_running_phrasebook_and_do_not_pile_up_in_an_outage(hub, open_seat):
    seat = open_seat(hub.url)
    seat.link.running_phrasebook = "v9"
    assert hub.wait_for(lambda: len(hub.of_kind("heartbeat")) >= 2, 5)
    beat = hub.of_kind("heartbeat")[-1]
    assert beat["data"]["phrasebook_version"] == "v9" and beat["data"]["app_version"]
    hub.stop()
    before = len(hub.of_kind("heartbeat"))
    time.sleep(2.5)  # five heartbeat periods without a hub
    hub.start()
    assert seat.link.flush(5)
    assert len(hub.of_kind("heartbeat")) - before <= 2, "a stale heartbeat for every minute down"


# --- messages and the phrasebook -----------------------------------------------------------


def test_messages_from_before_the_start_are_not_shown_and_newer_ones_are(hub, open_seat):
    hub.send("coming", "an-old-call", "Pat")
    seat = open_seat(hub.url)
    assert hub.wait_for(lambda: len(hub.message_asks) >= 2, 5)
    assert hub.message_asks[:2] == [0, 1], "the first poll learns the newest id"
    hub.send("coming", "c6", "Sam")
    hub.send("take_over", "c6", "Sam")
    assert hub.wait_for(lambda: len(seat.messages) == 2, 3)
    assert [(m.kind, m.supervisor) for m in seat.messages] == [
        ("coming", "Sam"),
        ("take_over", "Sam"),
    ]


def test_a_published_phrasebook_is_checked_kept_600_and_a_rejected_one_stays_unused(hub, open_seat):
    team = GOOD_BOOK.replace("Pause the call calmly. Alert your supervisor now.", TEAM_TEXT)
    assert team != GOOD_BOOK
    hub.publish("v1", team)
    seat = open_seat(hub.url)
    assert hub.wait_for(lambda: seat.books, 5)
    path = seat.folder / PHRASEBOOK_FILE
    assert seat.books == [(path, "v1")]
    assert path.read_text() == team and mode(path) == 0o600
    assert seat.seat_file()["phrasebook_version"] == "v1"
    assert hub.wait_for(lambda: hub.phrasebook_asks[-1] == "v1", 3)

    hub.publish(
        "v2", team.replace("when: [unsafe, threat_violence]", "when: [unsafe, threat_violense]")
    )
    assert hub.wait_for(lambda: seat.problems.get("hub phrasebook"), 3)
    problem = seat.problems["hub phrasebook"]
    assert "phrasebook v2 has mistakes and is not used" in problem and "threat_violense" in problem
    assert seat.books == [(path, "v1")] and path.read_text() == team
    seat.close()

    again = open_seat(hub.url)
    assert again.link.phrasebook is not None and again.link.phrasebook.version == "v1"
    hub.publish("v3", GOOD_BOOK)
    assert hub.wait_for(lambda: again.books, 3)
    assert again.books == [(path, "v3")] and again.problems["hub phrasebook"] is None
    hub.phrasebook = None  # the team withdraws it
    assert hub.wait_for(lambda: len(again.books) == 2, 3)
    assert again.books[-1] == (None, "") and not path.exists()


def test_a_redirect_is_refused_so_the_credential_never_goes_to_another_address():
    import http.server
    import threading

    seen: list[str | None] = []

    class Elsewhere(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"messages": []}')

        def log_message(self, *_args):
            pass

    elsewhere = http.server.HTTPServer(("127.0.0.1", 0), Elsewhere)

    class Redirecting(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{elsewhere.server_port}/x")
            self.end_headers()

        def log_message(self, *_args):
            pass

    hub = http.server.HTTPServer(("127.0.0.1", 0), Redirecting)
    for server in (elsewhere, hub):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(HubError) as refused:
            HubClient(f"http://127.0.0.1:{hub.server_port}").messages("seat.secret", 0)
        assert "HTTP 302" in str(refused.value)
        assert seen == [], "the seat's credential was carried to another address"
    finally:
        for server in (elsewhere, hub):
            server.shutdown()
            server.server_close()
