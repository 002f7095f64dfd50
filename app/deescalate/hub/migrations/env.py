"""Alembic's entry point, run by `deescalate.hub.migrate`: the connection comes from the
hub, never from a config file."""

from alembic import context

from deescalate.hub.db import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
