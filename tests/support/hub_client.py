"""The team hub through its real HTTP interface, on an empty database of either kind.

`database` is parametrized over SQLite (a file in the test's folder) and the real
PostgreSQL fixture, so every test that uses it runs on both. The schema is made once: each
test gets a copy of a migrated SQLite file, and on PostgreSQL the tests share one database,
emptied before each test (migrating a new database for every test would take most of the
time the tests have; `test_migrations` starts from nothing). `hub` builds the app on that
database; `hub.person(...)` is a signed-in browser (cookies and the session's CSRF token)
and `hub.seat(...)` an enrolled seat that speaks the seat protocol.
"""

from __future__ import annotations

import functools
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from deescalate.hub import db
from deescalate.hub.app import build_app
from deescalate.hub.db import connect
from deescalate.hub.migrate import upgrade
from tests.support.postgres import PostgresServer

PASSWORD = "correct-horse-battery"
BASE_URL = "https://hub.example"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SHOWN_ONCE = re.compile(r'<code id="secret">([^<]+)</code>')


def event(kind: str, call_id: str = "", /, *, at: float | None = None, **data) -> dict:
    """One seat event as the seat sends it, with a new id; `data` may have a `kind` too."""
    return {
        "id": uuid.uuid4().hex,
        "kind": kind,
        "at": time.time() if at is None else at,
        "call_id": call_id,
        "data": data,
    }


def tagged(html: str, tag: str, attribute: str, value: str) -> str | None:
    """The inside of the first `<tag attribute="value">` element on a page, or None."""
    pattern = rf'<{tag}\b[^>]*\b{attribute}="{re.escape(value)}"[^>]*>(.*?)</{tag}>'
    found = re.search(pattern, html, re.DOTALL)
    return found.group(1) if found else None


def answer_url(board: str, call_id: str) -> str:
    """Where the board's "I'm coming" button for a waiting call posts."""
    waiting = tagged(board, "article", "data-call", call_id)
    assert waiting, f"{call_id} is not waiting on the board"
    return re.search(r'action="(/calls/\d+/answer)"', waiting).group(1)


def audit_entries(page: str) -> list[tuple[str, str, str]]:
    """The audit log page's entries as (who, what, detail), newest first."""
    cells = r"<tr><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>"
    return re.findall(cells, page)


def shown_secret(page: httpx.Response) -> str:
    """The token or password an admin page shows once."""
    found = SHOWN_ONCE.search(page.text)
    assert found, f"no secret on the page:\n{page.text}"
    return found.group(1)


@dataclass
class Seat:
    """An enrolled seat: its own HTTP client and credential."""

    http: httpx.Client
    seat_id: str
    credential: str
    team: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential}"}

    def send(self, *events: dict) -> httpx.Response:
        return self.http.post("/api/seat/events", json={"events": list(events)}, headers=self.auth)

    def messages(self, after: int = 0) -> httpx.Response:
        return self.http.get("/api/seat/messages", params={"after": after}, headers=self.auth)

    def phrasebook(self, if_none_match: str = "") -> httpx.Response:
        headers = dict(self.auth)
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        return self.http.get("/api/seat/phrasebook", headers=headers)


class Console:
    """A browser signed in to the console: it keeps the session cookie and posts forms with
    the session's CSRF token, as the pages do."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.csrf = CSRF.search(http.get("/").text).group(1)

    def get(self, url: str, **kwargs) -> httpx.Response:
        return self.http.get(url, follow_redirects=False, **kwargs)

    def post(self, url: str, data: dict | None = None, csrf: str | None = None, **kwargs):
        """POSTs a form with the session's CSRF token, or `csrf` instead when given."""
        form = {"csrf": self.csrf if csrf is None else csrf, **(data or {})}
        return self.http.post(url, data=form, follow_redirects=False, **kwargs)


@functools.cache
def password_hash() -> str:
    """PASSWORD as an argon2 hash with light settings. Argon2 is slow on purpose, and a hash
    carries its own settings, so sign-in checks this one the hub's way, only faster. The
    hub's own settings are tested where it hashes a password itself."""
    return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(PASSWORD)


class HubUnderTest:
    """The hub's app on one database, and ways in: people, seats and the tables."""

    def __init__(self, database: str, secure_cookies: bool = True) -> None:
        self.app = build_app(database, secure_cookies=secure_cookies)
        self.store = self.app.state.hub.store
        self.served_at: str | None = None
        """The URL of a real server serving `app`, once one does (`serve_asgi`)."""
        self._clients: list[httpx.Client] = []

    def client(self) -> httpx.Client:
        """A new browser or seat, with cookies of its own and nobody signed in: over real
        HTTP when `served_at` is set, else straight into the app."""
        if self.served_at:
            http = httpx.Client(base_url=self.served_at, timeout=10)
        else:
            http = TestClient(self.app, base_url=BASE_URL)
        self._clients.append(http)
        return http

    def person(self, username: str, role: str = "supervisor", team: str | None = "A") -> Console:
        """Adds a person (shown to agents under their name capitalised) and signs them in."""
        self.execute(
            sa.insert(db.users).values(
                username=username,
                display_name=username.capitalize(),
                password_hash=password_hash(),
                role=role,
                team_id=self.store.team_id(team) if team else None,
                disabled=False,
                created=time.time(),
            )
        )
        return self.sign_in(username, PASSWORD)

    def sign_in(self, username: str, password: str) -> Console:
        http = self.client()
        answer = http.post(
            "/signin", data={"username": username, "password": password}, follow_redirects=False
        )
        assert answer.headers["location"] == "/", f"{username} could not sign in"
        return Console(http)

    def enrol_token(self, team: str) -> str:
        return self.store.new_enrol_token(self.store.team_id(team), "test")

    def seat(self, team: str = "A", name: str = "seat-1", agent: str = "Ann") -> Seat:
        """A seat enrolled through the seat API with a new token for `team`."""
        http = self.client()
        answer = http.post(
            "/api/seat/enrol",
            json={"token": self.enrol_token(team), "seat_name": name, "agent_name": agent},
        )
        assert answer.status_code == 200, answer.text
        enrolled = answer.json()
        return Seat(http, enrolled["seat_id"], enrolled["credential"], enrolled["team"])

    def rows(self, table: sa.Table, *where) -> list[dict]:
        """A table's rows as they are in the database."""
        with self.store.engine.connect() as c:
            return [dict(r._mapping) for r in c.execute(sa.select(table).where(*where))]

    def snapshot(self) -> dict[str, list[dict]]:
        """Every row of every table, to compare before and after."""
        return {table.name: self.rows(table) for table in db.metadata.sorted_tables}

    def execute(self, statement) -> None:
        with self.store.engine.begin() as c:
            c.execute(statement)

    def close(self) -> None:
        for http in self._clients:
            http.close()
        self.store.engine.dispose()


@pytest.fixture(scope="session")
def shared_postgres(postgres_server: PostgresServer) -> Iterator[str]:
    """One PostgreSQL database for the hub's tests; `database` empties it for each test."""
    yield postgres_server.create_database("hub_tests")
    postgres_server.drop_database("hub_tests")


def empty_tables(url: str) -> None:
    """Every row of the hub's tables gone and their numbering restarted; the schema stays."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as c:
            present = set(sa.inspect(c).get_table_names())
            names = [t.name for t in db.metadata.sorted_tables if t.name in present]
            if names:
                c.execute(sa.text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite hub database with the schema and no rows, to copy for each test."""
    path = tmp_path_factory.mktemp("hub-template") / "hub.sqlite"
    engine = connect(str(path))
    upgrade(engine)
    engine.dispose()  # the last connection folds the write-ahead log into the file
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path) -> str:
    """An empty hub database: a new SQLite file, or the PostgreSQL one emptied."""
    if request.param == "sqlite":
        folder = tmp_path / "hub"
        folder.mkdir(mode=0o700)
        return str(shutil.copy(request.getfixturevalue("migrated_sqlite"), folder))
    url = request.getfixturevalue("shared_postgres")
    empty_tables(url)
    return url


@pytest.fixture
def hub(database: str) -> Iterator[HubUnderTest]:
    started = HubUnderTest(database)
    yield started
    started.close()
