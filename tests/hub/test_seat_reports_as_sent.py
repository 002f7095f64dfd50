"""What real seats send, including their odd moments, as a supervisor then sees it (on
SQLite and PostgreSQL): an incident completed after its call, "Alert supervisor" as a call
for help, demo calls kept out of the team view, a seat that restarts, and data no page
should choke on."""

from __future__ import annotations

import time

from deescalate.hub import db
from tests.support.hub_client import event


def test_an_incident_completed_after_its_call_shows_its_outcome_and_notes(hub):
    seat = hub.seat(agent="Rita")
    seat.send(
        event("call_started", "call-9"),
        event("escalation", "call-9", kind="threat", reason="threat"),
        event("incident", "call-9", key="rec-9", state="opened", cues=["threat_violence"]),
        event("call_ended", "call-9", ended_by="agent"),
    )
    # The agent fills in the form after the call: the seat sends it with no call under way.
    completed = event(
        "incident",
        "",
        key="rec-9",
        state="completed",
        cues=["threat_violence"],
        outcome="caller transferred to security",
        notes="logged with the site lead",
    )
    assert seat.send(completed).json()["accepted"] == 1
    sam = hub.person("sam")
    [row] = hub.rows(db.incidents)
    page = sam.get(f"/incidents/{row['id']}").text
    assert "caller transferred to security" in page
    assert "logged with the site lead" in page
    assert "threat violence" in page


def test_alert_supervisor_waits_on_the_board_like_an_escalation(hub):
    seat = hub.seat(agent="Omar")
    seat.send(event("call_started", "call-4"), event("alert", "call-4", level="tense", reasons=[]))
    board = hub.person("sam").get("/").text
    waiting = board.split('<section class="waiting">', 1)[1].split("</section>", 1)[0]
    assert "Omar" in waiting and "agent asked" in waiting


def test_odd_data_from_a_seat_never_breaks_a_page(hub):
    seat = hub.seat(agent="Vic")
    answer = seat.send(
        event("call_started", "c1", at=1e300),
        event("level", "c1", level="heated", score="very"),
        event("escalation", "c1", kind="threat", reason=["said", "this\x00"]),
        event("incident", "c1", key="r1", state="opened", cues=5, reason={"x": 1}),
    )
    assert answer.status_code == 200
    sam = hub.person("sam")
    [incident] = hub.rows(db.incidents)
    for url in (
        "/",
        "/incidents",
        f"/incidents/{incident['id']}",
        "/team",
        "/incidents/export.csv",
    ):
        assert sam.get(url).status_code == 200, url
    [call] = hub.rows(db.calls)
    assert abs(call["started"] - time.time()) < 60, "a time far off became the hub's time"


def test_the_team_view_leaves_demo_calls_out(hub):
    seat = hub.seat(agent="Dee")
    seat.send(
        event("call_started", "demo-1", demo=True),
        event("escalation", "demo-1", kind="supervisor", reason="asked twice"),
        event("call_started", "real-1", demo=False),
        event("escalation", "real-1", kind="threat", reason="threat"),
    )
    page = hub.person("sam").get("/team").text
    assert "1 escalation(s)" in page
    assert "2 escalation(s)" not in page


def test_a_restarted_seat_is_told_only_the_newest_message_id(hub):
    seat = hub.seat(agent="Ann")
    seat.send(event("call_started", "c1"), event("escalation", "c1", kind="threat"))
    sam = hub.person("sam")
    for _ in range(3):
        [call] = hub.rows(db.calls)
        sam.post(f"/calls/{call['id']}/answer", {"kind": "coming"})
    first = seat.messages(after=0).json()["messages"]
    assert [m["id"] for m in first] == [max(m["id"] for m in hub.rows(db.messages))]


def test_a_supervisor_sees_only_their_own_team_on_the_phrasebook_page(hub):
    hub.seat("Billing", "desk-b", "Bea")
    hub.seat("Repairs", "desk-r", "Rob")
    page = hub.person("sam", team="Billing").get("/phrasebooks").text
    assert "Billing" in page and "Repairs" not in page


def test_an_unknown_export_or_an_impossible_id_is_refused_and_not_audited(hub):
    sam = hub.person("sam")
    before = len(hub.rows(db.audit))
    assert sam.get("/incidents/export.xlsx").status_code == 404
    assert sam.get(f"/incidents/{2**70}").status_code in (400, 404)
    assert sam.post(f"/calls/{2**70}/answer", {"kind": "coming"}).status_code == 400
    assert len(hub.rows(db.audit)) == before


def test_many_seats_enrolling_and_reporting_at_once_are_all_kept(hub):
    from concurrent.futures import ThreadPoolExecutor

    tokens = [hub.enrol_token("A") for _ in range(12)]

    def one_seat(token: str) -> int:
        seat_id, credential, _team = hub.store.enrol(token, "desk", "Ann")
        seat = hub.store.seat_for(credential)
        from deescalate.hublink.protocol import SeatEvent

        batch = [SeatEvent(**event("level", f"c-{seat_id}", level="tense", score=40))]
        return hub.store.add_events(seat, batch)[0]

    with ThreadPoolExecutor(8) as pool:
        kept = list(pool.map(one_seat, tokens))
    assert kept == [1] * 12
    assert len(hub.rows(db.seats)) == 12 and len(hub.rows(db.events)) == 12
