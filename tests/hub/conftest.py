"""The team hub's tests: a real PostgreSQL server, real uvicorn and a real Chromium."""

from tests.support.asgi_server import serve_asgi
from tests.support.browser import browser, page
from tests.support.postgres import postgres_server, postgres_url

__all__ = ["browser", "page", "postgres_server", "postgres_url", "serve_asgi"]
