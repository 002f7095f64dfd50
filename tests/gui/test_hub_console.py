"""The team hub end to end, as its users meet it: a real hub (uvicorn, PostgreSQL or
SQLite), the supervisor's console in headless Chromium, and a seat: the real overlay
under Xvfb playing the demo call through the real recogniser in its child process.

- The seat's call appears on the live board with its level; its hand-over escalation
  appears at the top; the supervisor clicks "I'm coming" and the agent's overlay says so
  within two seconds; the incident the seat filed is reviewed and signed off.
- An admin uploads a phrasebook, publishes it to one team: only that team's seats take it;
  a newer version follows, and one click rolls the team back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page

from deescalate.bootstrap import make_hub_link
from deescalate.config.settings import Settings
from deescalate.hub.app import build_app
from deescalate.hub.serve import open_store
from tests.support.browser import save_screenshot

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PASSWORD = "correct-horse-battery"
FAST_LINK = {"message_every": 0.2, "phrasebook_every": 0.5, "heartbeat_every": 1.0}
DEFAULT_BOOK = Path(__file__).parents[2] / "phrasebook" / "default.yaml"


def wait_for(qtbot, check: Callable[[], object], timeout: float, what: str):
    """Waits for `check()` to be truthy while the overlay's event loop keeps running (a
    blocking browser wait would freeze the seat and so the very thing awaited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        qtbot.wait(100)
    raise AssertionError(f"{what}: not within {timeout:.0f} s")


def sign_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/signin")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('Live board')")


def hub_with_people(database: str) -> tuple:
    store = open_store(database)
    north = store.team_id("North")
    store.add_user("sam", "Sam Rivera", PASSWORD, "supervisor", north)
    store.add_user("ada", "Ada Admin", PASSWORD, "admin", None)
    return (
        store,
        store.new_enrol_token(north, "test"),
        store.new_enrol_token(store.team_id("South"), "test"),
    )


def test_a_seats_call_on_the_board_im_coming_on_its_overlay_and_the_incident_signed_off(
    qtbot, open_overlay, tmp_path, postgres_url, serve_asgi, page
):
    _store, north_token, _south = hub_with_people(postgres_url)
    url = serve_asgi(build_app(postgres_url, reraise_after=300))
    app = open_overlay(
        Settings(
            hub_url=url,
            hub_enrol_token=north_token,
            hub_send_words=True,
            agent_name="Alex Kim",
        ),
        mode="demo",
        hub_folder=tmp_path / "seat",
        hub_timing=FAST_LINK,
    )
    app.start()
    sign_in(page, url, "sam")

    row = wait_for(qtbot, lambda: page.query_selector("tr:has-text('Alex Kim')"), 60, "the call")
    assert "demo" in row.inner_text(), "a demo call is marked as one"
    badge = row.query_selector(".badge").inner_text()
    assert badge in ("CALM", "TENSE", "HEATED", "UNSAFE")

    card = wait_for(
        qtbot,
        lambda: page.query_selector("article.escalation:has-text('Alex Kim')"),
        90,
        "the hand-over escalation on the board",
    )
    assert "supervisor" in card.inner_text().lower(), card.inner_text()
    save_screenshot(page, "hub_board_escalation")

    window = app.window
    assert not window.help.isVisible()
    card.query_selector('button:has-text("I\'m coming")').click()
    clicked = time.monotonic()
    wait_for(qtbot, window.help.isVisible, 5, "'on the way' on the overlay")
    assert time.monotonic() - clicked < 2.0, "the overlay took over 2 s to show it"
    assert window.help.text() == "Sam Rivera is on the way"
    window.grab().save(str(tmp_path / "overlay.png"))
    save_screenshot(page, "hub_board_answered")
    assert page.query_selector("article.escalation:has-text('Alex Kim')") is None

    app.session.act("acknowledged")
    page.goto(f"{url}/incidents")
    link = wait_for(
        qtbot,
        lambda: (page.reload(), page.query_selector("td a:has-text(':')"))[1],
        30,
        "the seat's incident record",
    )
    link.click()
    record = page.inner_text("dl.record")
    assert "Alex Kim (North" in record
    assert "escalation" in record
    page.fill("textarea[name=note]", "Joined the call; the customer accepted the technician visit.")
    page.click("button:has-text('Add note')")
    page.click("button:has-text('Sign off')")
    assert "Signed off by Sam Rivera" in page.inner_text("main")
    assert "accepted the technician visit" in page.inner_text("pre")
    save_screenshot(page, "hub_incident_signed_off")


def seat_link(url: str, token: str, folder: Path, agent: str):
    """A seat's link to the hub as the app builds it, without a window."""
    taken: list[str] = []
    link = make_hub_link(
        Settings(hub_url=url, hub_enrol_token=token, agent_name=agent),
        lambda _source, _line: None,
        folder,
        **FAST_LINK,
    )
    link.start(on_phrasebook=lambda _path, version: taken.append(version))
    return link, taken


def upload(page: Page, url: str, book: Path, note: str) -> str:
    page.goto(f"{url}/phrasebooks")
    page.set_input_files("input[name=file]", str(book))
    page.fill("input[name=note]", note)
    page.click("button:has-text('Upload and check')")
    section = page.query_selector(f"section:has(h3:has-text('{note}'))")
    assert "Passed its checks" in section.inner_text(), section.inner_text()
    return section.get_attribute("id")


def test_a_phrasebook_published_to_one_team_reaches_only_its_seats_and_rolls_back(
    qtbot, tmp_path, serve_asgi, page
):
    database = str(tmp_path / "hub.sqlite")
    _store, north_token, south_token = hub_with_people(database)
    url = serve_asgi(build_app(database))
    north, north_took = seat_link(url, north_token, tmp_path / "north", "Nia")
    south, south_took = seat_link(url, south_token, tmp_path / "south", "Sol")
    try:
        sign_in(page, url, "ada")
        first_book = tmp_path / "team-v1.yaml"
        first_book.write_text(DEFAULT_BOOK.read_text(encoding="utf-8"), encoding="utf-8")
        first = upload(page, url, first_book, "first team version")
        section = page.query_selector(f"section[id='{first}']")
        section.query_selector("select[name=team]").select_option(label="team North")
        section.query_selector("button:has-text('Publish')").click()

        wait_for(qtbot, lambda: first in north_took, 10, "the North seat taking v1")
        qtbot.wait(2_000)  # several of the South seat's checks
        assert south_took == [], "a seat of another team took North's phrasebook"
        assert north.phrasebook.version == first

        second_book = tmp_path / "team-v2.yaml"
        second_book.write_text(
            first_book.read_text(encoding="utf-8") + "\n# warmer greeting wording\n",
            encoding="utf-8",
        )
        second = upload(page, url, second_book, "second team version")
        section = page.query_selector(f"section[id='{second}']")
        section.query_selector("select[name=team]").select_option(label="team North")
        section.query_selector("button:has-text('Publish')").click()
        wait_for(qtbot, lambda: north_took[-1:] == [second], 10, "the North seat taking v2")

        page.click(f"button:has-text('Back to {first}')")
        wait_for(qtbot, lambda: north_took[-1:] == [first], 10, "the North seat rolled back")
        assert south_took == []
        north_row = page.query_selector("tr:has(td:text-is('North'))").inner_text()
        assert first in north_row, north_row
        save_screenshot(page, "hub_phrasebooks_rolled_back")
    finally:
        north.close()
        south.close()
