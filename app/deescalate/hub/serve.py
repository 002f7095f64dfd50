"""`deescalate hub …`: start the hub, and the few things IT does from a terminal (people,
enrolment tokens). Everything else is in the console."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs

from deescalate.core.facts import APP_NAME
from deescalate.hub.db import connect
from deescalate.hub.migrate import upgrade
from deescalate.hub.security import new_password
from deescalate.hub.store import HubStore

log = logging.getLogger(__name__)


def default_database() -> str:
    return str(Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "hub.sqlite")


def open_store(database: str) -> HubStore:
    engine = connect(database)
    upgrade(engine)
    return HubStore(engine)


def first_admin(store: HubStore) -> str | None:
    """On an empty hub: an admin called "admin" with a first password, returned to be
    printed once. None when the hub already has people."""
    if store.has_users():
        return None
    password = new_password()
    store.add_user("admin", "Admin", password, "admin", None)
    store.audit("hub", "created the first admin", "admin")
    return password


def serve(
    database: str,
    host: str,
    port: int,
    plain_http: bool,
    reraise_after: float,
    phrasebook_tests: Path | None,
) -> None:
    import uvicorn

    from deescalate.hub.app import build_app

    os.umask(0o077)  # the database and its journal: the hub's owner only
    store = open_store(database)
    password = first_admin(store)
    scheme = "http" if plain_http or host in ("127.0.0.1", "localhost") else "https"
    shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    print(f"Deescalate hub: {scheme}://{shown_host}:{port}/  (database: {_shown(database)})")
    if password:
        print(f"First sign-in: name admin, first password {password}")
        print("It is not shown again: after signing in, reset it in Seats & people.")
    app = build_app(
        database,
        secure_cookies=not plain_http,
        reraise_after=reraise_after,
        phrasebook_tests=phrasebook_tests,
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=True)


def _shown(database: str) -> str:
    """The database without a password, if its URL has one."""
    if "://" not in database or "@" not in database:
        return database
    scheme, rest = database.split("://", 1)
    return f"{scheme}://…@{rest.rsplit('@', 1)[1]}"
