"""The team hub through the path its users see, on SQLite and on a real PostgreSQL server:

- report → board: a seat's link (as the app builds it) reports an escalation; how long until
  the supervisor's live board in Chromium shows it (server-sent events);
- click → seat: "I'm coming" clicked in Chromium; how long until the seat's link hands the
  message to the overlay (the overlay draws it on its next 100 ms tick);
- ingest: 50 seats sending 20 batches of 10 events each over HTTP, 16 at a time, as fast
  as the hub takes them (the per-seat rate limit lifted); events a second;
- board with many calls: the board's rows with 300 calls in progress; milliseconds to draw.

    python tests/bench/bench_hub.py [--rounds 10]

Prints one table. Targets: report → board and click → seat under 2 s at the worst.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "app"), str(ROOT)]

from deescalate.bootstrap import make_hub_link  # noqa: E402
from deescalate.config.settings import Settings  # noqa: E402
from deescalate.hub.app import build_app  # noqa: E402
from deescalate.hub.serve import open_store  # noqa: E402
from tests.support.asgi_server import serving  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.postgres import start_server, stop_server  # noqa: E402

PASSWORD = "bench-password-1"
LINK = {"message_every": 1.0, "phrasebook_every": 3600.0, "heartbeat_every": 3600.0}


def event(kind: str, call_id: str, **data) -> dict:
    return {
        "id": uuid.uuid4().hex,
        "kind": kind,
        "at": time.time(),
        "call_id": call_id,
        "data": data,
    }


def waited(check, timeout: float = 10.0) -> float:
    """Seconds until `check()` is true (polled every 10 ms)."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            return float("inf")
        time.sleep(0.01)
    return time.monotonic() - start


def live_path(url: str, token: str, folder: Path, rounds: int) -> tuple[list[float], list[float]]:
    heard = threading.Event()
    link = make_hub_link(
        Settings(hub_url=url, hub_enrol_token=token, agent_name="Bench Agent"),
        lambda _source, _line: None,
        folder,
        **LINK,
    )
    link.start(on_message=lambda _message: heard.set())
    to_board, to_seat = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{url}/signin")
        page.fill("input[name=username]", "sam")
        page.fill("input[name=password]", PASSWORD)
        page.click("button")
        page.wait_for_selector("h1:has-text('Live board')")
        waited(lambda: link.enrolled)
        for n in range(rounds):
            call = uuid.uuid4().hex
            link.report("call_started", call, {"demo": False})
            link.report("escalation", call, {"kind": "threat", "reason": f"round {n}"})
            card = f"article.escalation[data-call='{call}']"
            to_board.append(waited(lambda card=card: page.query_selector(card) is not None))
            heard.clear()
            page.click(f'{card} button:has-text("I\'m coming")')
            to_seat.append(waited(heard.is_set))
            link.report("call_ended", call, {"ended_by": "agent"})
        browser.close()
    link.close()
    return to_board, to_seat


def ingest(url: str, tokens: list[str]) -> float:
    def seat(token: str) -> int:
        with httpx.Client(base_url=url, timeout=30) as http:
            enrolled = http.post(
                "/api/seat/enrol", json={"token": token, "seat_name": "bench", "agent_name": "A"}
            ).json()
            auth = {"Authorization": f"Bearer {enrolled['credential']}"}
            call = uuid.uuid4().hex
            sent = 0
            for n in range(20):
                batch = [event("level", call, level="tense", score=40 + n) for _ in range(10)]
                http.post(
                    "/api/seat/events", json={"events": batch}, headers=auth
                ).raise_for_status()
                sent += len(batch)
            return sent

    start = time.monotonic()
    with ThreadPoolExecutor(16) as pool:
        total = sum(pool.map(seat, tokens))
    return total / (time.monotonic() - start)


def board_with_calls(store, app, calls: int) -> float:
    from deescalate.hub.pages.board import render_rows

    seat = store.enrol(store.new_enrol_token(store.team_id("North"), "bench"), "many", "M")
    seat_row = store.seat_for(seat[1])
    store.add_events(
        seat_row, [_model(event("call_started", uuid.uuid4().hex)) for _ in range(calls)]
    )
    admin = {"role": "admin", "team_id": None, "csrf": "x", "display_name": "A"}

    class Request:
        pass

    request = Request()
    request.app = app
    times = []
    for _ in range(5):
        start = time.perf_counter()
        render_rows(request, admin)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _model(data: dict):
    from deescalate.hublink.protocol import SeatEvent

    return SeatEvent(**data)


def run(database: str, label: str, rounds: int, folder: Path) -> dict:
    store = open_store(database)
    north = store.team_id("North")
    store.add_user("sam", "Sam", PASSWORD, "supervisor", north)
    app = build_app(database, secure_cookies=False)
    app.state.seat_limit.rate = 1000.0  # the bench's own seats, not what is measured
    tokens = [store.new_enrol_token(north, "bench") for _ in range(51)]
    with serving(app) as url:
        to_board, to_seat = live_path(url, tokens[0], folder / label, rounds)
        per_second = ingest(url, tokens[1:])
    board_ms = board_with_calls(store, app, 300)
    return {
        "label": label,
        "to_board": to_board,
        "to_seat": to_seat,
        "ingest": per_second,
        "board_ms": board_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        results.append(run(str(folder / "hub.sqlite"), "SQLite", args.rounds, folder))
        server = start_server()
        try:
            server.create_database("bench")
            results.append(run(server.url("bench"), "PostgreSQL", args.rounds, folder))
        finally:
            stop_server(server)
    print(
        f"{'':12} {'report→board median/max':>24} {'click→seat median/max':>23} "
        f"{'ingest ev/s':>12} {'board, 300 calls':>17}"
    )
    for r in results:
        board = f"{statistics.median(r['to_board']):.2f}/{max(r['to_board']):.2f} s"
        seat = f"{statistics.median(r['to_seat']):.2f}/{max(r['to_seat']):.2f} s"
        print(
            f"{r['label']:12} {board:>24} {seat:>23} {r['ingest']:>12.0f} {r['board_ms']:>14.0f} ms"
        )


if __name__ == "__main__":
    main()
