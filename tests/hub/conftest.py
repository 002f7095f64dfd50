"""The team hub's tests: a real PostgreSQL server, real uvicorn and a real Chromium."""

from tests.support.asgi_server import serve_asgi
from tests.support.browser import browser, page
from tests.support.hub_client import database, hub, migrated_sqlite, shared_postgres
from tests.support.postgres import postgres_server, postgres_url

__all__ = [
    "browser",
    "database",
    "hub",
    "migrated_sqlite",
    "page",
    "postgres_server",
    "postgres_url",
    "serve_asgi",
    "shared_postgres",
]
