"""Schema migrations: the hub's database is brought to the newest schema at every start,
on SQLite and PostgreSQL alike. A new table or column is a new file in
`migrations/versions/` (`python -m deescalate.hub.migrate "what changed"` writes one by
comparing `db.metadata` with a database at the newest revision)."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

from deescalate.hub.db import connect

HERE = Path(__file__).parent / "migrations"


def _config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(_config(connection), "head")


def current_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def new_revision(message: str) -> None:
    """Writes a migration for what `db.metadata` has that the newest revision lacks."""
    with tempfile.TemporaryDirectory() as folder:
        engine = connect(str(Path(folder) / "scratch.sqlite"))
        upgrade(engine)
        with engine.begin() as connection:
            command.revision(_config(connection), message=message, autogenerate=True)


if __name__ == "__main__":
    new_revision(" ".join(sys.argv[1:]) or "schema change")
