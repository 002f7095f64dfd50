"""The hub's test fixtures work for real: PostgreSQL, uvicorn and Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.sync_api import Page, expect

from tests.support.asgi_server import serving
from tests.support.browser import save_screenshot
from tests.support.postgres import PostgresError, PostgresServer, find_bin_dir, start_server

CLICK_PAGE = """<!doctype html>
<html><head><title>Hub fixture check</title></head>
<body style="font: 24px sans-serif; margin: 40px">
  <h1>Team hub</h1>
  <p id="status">Nobody has clicked yet.</p>
  <button id="hello" onclick="document.getElementById('status').textContent =
    'Hello from the browser.'">Say hello</button>
</body></html>"""


def scalar(url: str, query: str) -> object:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(query)).scalar_one()
    finally:
        engine.dispose()


def test_postgres_answers_through_sqlalchemy_and_psycopg(postgres_url):
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as connection:
            version = connection.execute(sa.text("SELECT version()")).scalar_one()
            tables = connection.execute(
                sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            ).scalar_one()
        assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()
    assert version.startswith(f"PostgreSQL {find_bin_dir().parent.name}.")
    assert tables == 0


def test_two_databases_are_separate(postgres_server: PostgresServer):
    first = postgres_server.create_database("fixture_check_first")
    second = postgres_server.create_database("fixture_check_second")
    try:
        engine = sa.create_engine(first)
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE seats (name text)"))
            connection.execute(sa.text("INSERT INTO seats VALUES ('agent-1')"))
        engine.dispose()

        assert scalar(first, "SELECT name FROM seats") == "agent-1"
        assert scalar(second, "SELECT to_regclass('seats') IS NULL") is True
        # The same database over the Unix socket instead of TCP.
        socket_first = postgres_server.socket_url("fixture_check_first")
        assert scalar(socket_first, "SELECT count(*) FROM seats") == 1
        assert scalar(socket_first, "SELECT inet_server_addr() IS NULL") is True
    finally:
        postgres_server.drop_database("fixture_check_first")
        postgres_server.drop_database("fixture_check_second")


def test_a_server_that_cannot_start_shows_its_log(postgres_server: PostgresServer):
    with pytest.raises(PostgresError) as failure:
        start_server(port=postgres_server.port)  # the port is taken
    assert "PostgreSQL did not start" in str(failure.value)
    assert "The server's log" in str(failure.value)
    assert "Address already in use" in str(failure.value)


def test_missing_postgresql_says_to_run_make_setup(tmp_path):
    with pytest.raises(PostgresError, match="run `make setup`"):
        find_bin_dir(tmp_path)


def test_uvicorn_serves_the_app_and_stops_cleanly():
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        events.append("started")
        yield
        events.append("stopped")

    app = FastAPI(lifespan=lifespan)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    with serving(app) as base_url:
        assert httpx.get(f"{base_url}/health").json() == {"status": "ok"}
    assert events == ["started", "stopped"]
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/health")


def test_chromium_clicks_a_button_on_a_page_served_by_uvicorn(serve_asgi, page: Page):
    app = FastAPI()

    @app.get("/", response_class=HTMLResponse)
    def home() -> str:
        return CLICK_PAGE

    page.goto(serve_asgi(app))
    status = page.locator("#status")
    expect(status).to_have_text("Nobody has clicked yet.")
    page.get_by_role("button", name="Say hello").click()
    expect(status).to_have_text("Hello from the browser.")

    shot = save_screenshot(page, "hub_fixture_click")
    assert shot.read_bytes().startswith(b"\x89PNG")
