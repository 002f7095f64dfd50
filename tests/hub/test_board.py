"""The live board as a supervisor reads it, on SQLite and PostgreSQL: what is waiting comes
first, an escalation nobody answered is raised again, an answered one leaves the queue and
its call says who is on the way, and an ended call leaves the board."""

from __future__ import annotations

import dataclasses
import time

from tests.support.hub_client import answer_url, event, tagged


def waiting_cards(board: str) -> list[str]:
    """The escalation cards, top first, as their text."""
    section = board.split('<section class="waiting">', 1)[1].split("</section>", 1)[0]
    return section.split("<article")[1:]


def test_an_unanswered_escalation_is_raised_again_and_put_first(hub):
    hub.app.state.hub = dataclasses.replace(hub.app.state.hub, reraise_after=60)
    now = time.time()
    old, new = hub.seat(name="desk-old", agent="Olga"), hub.seat(name="desk-new", agent="Nils")
    new.send(
        event("call_started", "n1", at=now - 30),
        event("escalation", "n1", at=now - 20, kind="supervisor", reason="asked twice"),
    )
    old.send(
        event("call_started", "o1", at=now - 300),
        event("escalation", "o1", at=now - 90, kind="threat", reason="said he would wait outside"),
    )
    sam = hub.person("sam")
    cards = waiting_cards(sam.get("/").text)
    assert [("Olga" in c, "Nils" in c) for c in cards] == [(True, False), (False, True)]
    assert "raised again: nobody has answered" in cards[0]
    assert "waiting 1:30" in cards[0]
    assert "raised again" not in cards[1], "20 s is within the minute allowed"


def test_an_answered_escalation_leaves_the_queue_and_its_call_says_who_is_coming(hub):
    seat = hub.seat(agent="Ann")
    seat.send(
        event("call_started", "c1"),
        event("level", "c1", level="heated", score=72),
        event("escalation", "c1", kind="threat", reason="threat"),
    )
    sam = hub.person("sam")
    board = sam.get("/").text
    assert len(waiting_cards(board)) == 1
    assert sam.post(answer_url(board, "c1"), {"kind": "coming"}).status_code == 303

    board = sam.get("/").text
    assert waiting_cards(board) == []
    row = tagged(board, "tr", "data-call", "c1")
    assert "Ann" in row and "HEATED" in row and "Sam is on the way" in row

    seat.send(event("call_ended", "c1", ended_by="agent"))
    assert tagged(sam.get("/").text, "tr", "data-call", "c1") is None
