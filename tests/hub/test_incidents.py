"""Incident records on the hub, as a supervisor reviews them, on SQLite and PostgreSQL: the
seat's record with agent and seat, updated in place, notes, sign-off, audit and export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time

from deescalate.hub import db
from tests.support.hub_client import audit_entries, event

FORMULA = '=HYPERLINK("http://example.com/x","refund")'


def abusive_call(seat, start: float) -> list[dict]:
    """An abusive call: a boundary warning, then the incident record the seat opens (as
    `session/hub_reports.py` sends it, words allowed)."""
    return [
        event("call_started", "call-1", at=start),
        event(
            "suggestion",
            "call-1",
            at=start + 30,
            category="boundary",
            suggestion_id="no_names",
            text="Please keep it civil.",
        ),
        event(
            "incident",
            "call-1",
            at=start + 40,
            key="record-1",
            state="opened",
            cues=["insult", "raised_voice"],
            reason="abuse",
            behaviours=["insult: 'you useless idiot'"],
        ),
    ]


def test_an_incident_shows_agent_and_seat_and_a_later_update_changes_it_in_place(hub):
    seat = hub.seat("Billing", "desk-7", "Ann Lee")
    start = time.time() - 120
    assert seat.send(*abusive_call(seat, start)).json()["accepted"] == 3
    sam = hub.person("sam", team="Billing")

    listing = sam.get("/incidents").text
    assert "Ann Lee" in listing and "desk-7" in listing and "abusive call" in listing

    later = [
        event("call_ended", "call-1", at=start + 90, ended_by="agent"),
        event(
            "incident",
            "call-1",
            at=start + 95,
            key="record-1",
            state="completed",
            cues=["insult", "raised_voice"],
            actions=["warned twice", "ended the call"],
            outcome="call ended after two warnings",
        ),
    ]
    assert seat.send(*later).json()["accepted"] == 2
    [row] = hub.rows(db.incidents)
    record = sam.get(f"/incidents/{row['id']}").text
    assert "Ann Lee (Billing, seat desk-7)" in record
    assert "call ended after two warnings" in record
    assert "warned twice; ended the call" in record
    assert "insult; raised voice" in record, "the behaviours observed (the cues)"
    assert "abuse; insult: &#39;you useless idiot&#39;" in record, "the words, from the first"
    assert "1: Please keep it civil." in record
    assert "<dd>1:30</dd>" in record, "the call's duration from its events"
    assert "<dd>agent</dd>" in record, "who ended the call"


def test_notes_and_sign_off_are_kept_and_in_the_audit_log(hub):
    seat = hub.seat("Billing", "desk-7", "Ann")
    seat.send(*abusive_call(seat, time.time() - 60))
    sam = hub.person("sam", team="Billing")
    admin = hub.person("ada", role="admin", team=None)
    [row] = hub.rows(db.incidents)
    url = f"/incidents/{row['id']}"

    noted = sam.post(f"{url}/note", {"note": "Called the customer back."})
    assert (noted.status_code, noted.headers["location"]) == (303, url)
    assert sam.post(f"{url}/sign-off").status_code == 303
    assert admin.post(f"{url}/sign-off").status_code == 303, "a second sign-off changes nothing"

    page = sam.get(url).text
    assert "Sam: Called the customer back." in page
    assert "Signed off by Sam on" in page
    assert "No incidents here." in sam.get("/incidents?status=open").text
    assert "signed off by Sam" in sam.get("/incidents?status=signed").text
    [kept] = hub.rows(db.incidents)
    assert "Sam: Called the customer back." in kept["notes"]
    assert kept["signed_off_by"] == "Sam"

    entries = audit_entries(admin.get("/audit").text)
    detail = f"incident {row['id']}"
    assert ("sam", "added a note to an incident", detail) in entries
    assert [e for e in entries if e[1] == "signed off an incident"] == [
        ("sam", "signed off an incident", detail)
    ]


def test_the_csv_export_has_agent_and_seat_and_neutralises_formulas(hub):
    seat = hub.seat("Billing", "@desk-7", "=cmd|'/C calc'!A0")
    seat.send(
        event("call_started", "call-1"),
        event(
            "incident",
            "call-1",
            key="record-1",
            state="completed",
            cues=["insult"],
            reason=FORMULA,
            notes=["+1 refund promised"],
            outcome="\t=1+2",
        ),
    )
    sam = hub.person("sam", team="Billing")

    export = sam.get("/incidents/export.csv")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    today = dt.date.today().strftime("%Y%m%d")
    assert f'filename="incidents-{today}.csv"' in export.headers["content-disposition"]
    reader = csv.DictReader(io.StringIO(export.text))
    assert {"agent", "seat", "team", "behaviours", "words", "outcome", "agent_notes"} <= set(
        reader.fieldnames
    )
    [row] = list(reader)
    assert row["agent"] == "'=cmd|'/C calc'!A0"
    assert row["seat"] == "'@desk-7"
    assert row["words"] == "'" + FORMULA
    assert row["agent_notes"] == "'+1 refund promised"
    assert row["outcome"] == "'\t=1+2", "a tab before the = hides nothing"
    assert row["team"] == "Billing"

    [as_json] = sam.get("/incidents/export.json").json()
    assert (as_json["agent"], as_json["words"]) == ("=cmd|'/C calc'!A0", FORMULA)
