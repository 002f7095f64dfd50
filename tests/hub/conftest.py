"""The team hub's tests: a real PostgreSQL server, real uvicorn and a real Chromium."""

from tests.support.hub_client import database, hub, migrated_sqlite, shared_postgres

__all__ = [
    "database",
    "hub",
    "migrated_sqlite",
    "shared_postgres",
]
