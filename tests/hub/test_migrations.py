"""The hub's schema comes from its Alembic migrations, on a new SQLite file and a new
PostgreSQL database alike, and starting the hub again on an existing one is harmless."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from deescalate.hub import db
from deescalate.hub.db import connect
from deescalate.hub.migrate import HERE, upgrade
from tests.support.hub_client import PASSWORD, HubUnderTest


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path) -> str:
    """A database nothing has touched: a new SQLite file's path, or a new PostgreSQL
    database of its own."""
    if request.param == "sqlite":
        return str(tmp_path / "hub" / "hub.sqlite")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def engine(new_database: str) -> Iterator[sa.Engine]:
    engine = connect(new_database)
    yield engine
    engine.dispose()


def revision(engine: sa.Engine) -> list[str]:
    with engine.connect() as c:
        return list(c.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def test_a_new_database_gets_every_table_at_the_newest_revision(engine):
    upgrade(engine)

    found = sa.inspect(engine)
    assert set(found.get_table_names()) == set(db.metadata.tables) | {"alembic_version"}
    for table in db.metadata.sorted_tables:
        columns = {c["name"] for c in found.get_columns(table.name)}
        assert columns == set(table.columns.keys()), table.name
    assert revision(engine) == [ScriptDirectory(str(HERE)).get_current_head()]
    with engine.connect() as c:
        differences = compare_metadata(MigrationContext.configure(c), db.metadata)
    assert differences == [], "db.py has changes no migration makes"


def test_upgrading_twice_changes_nothing(engine):
    upgrade(engine)
    with engine.begin() as c:
        c.execute(sa.insert(db.teams).values(name="Billing"))
    upgrade(engine)

    assert revision(engine) == [ScriptDirectory(str(HERE)).get_current_head()]
    with engine.connect() as c:
        assert list(c.execute(sa.select(db.teams.c.name)).scalars()) == ["Billing"]


def test_a_restarted_hub_keeps_its_people_and_seats(new_database):
    first = HubUnderTest(new_database)
    try:
        first.person("sam")
        seat = first.seat()
    finally:
        first.close()

    again = HubUnderTest(new_database)
    try:
        again.sign_in("sam", PASSWORD)
        seat.http = again.client()
        assert seat.messages().status_code == 200
    finally:
        again.close()


def test_the_sqlite_file_is_private(tmp_path):
    database = tmp_path / "new-folder" / "hub.sqlite"
    hub = HubUnderTest(str(database))
    try:
        hub.person("sam")
        assert stat.S_IMODE(database.parent.stat().st_mode) == 0o700
        written = sorted(Path(database.parent).iterdir())
        assert database in written
        for path in written:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    finally:
        hub.close()
