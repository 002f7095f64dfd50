"""The hub's tables, on SQLite (a small team: one file, no setup) or PostgreSQL (a contact
centre). The same SQLAlchemy Core statements run on both; Alembic migrations
(`hub/migrations/`) create and upgrade the schema, never `create_all`.

What is kept is what the SOP needs: the call's events (no audio; words only when the
seat's policy sends them, redacted on the seat), incident records and their review, who
changed what, and the phrasebook versions.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)

metadata = MetaData()

teams = Table(
    "teams",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(100), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("role", String(20), nullable=False),  # "admin" or "supervisor"
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created", Float, nullable=False),
)

login_sessions = Table(
    "login_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created", Float, nullable=False),
    Column("expires", Float, nullable=False),
)

enrol_tokens = Table(
    "enrol_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("created", Float, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
)

seats = Table(
    "seats",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("agent_name", String(100), nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=False),
    Column("credential_hash", String(64), nullable=False),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("enrolled", Float, nullable=False),
    Column("last_seen", Float, nullable=True),
    Column("phrasebook_version", String(64), nullable=False, default=""),
)

events = Table(
    "events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("seat_id", String(32), ForeignKey("seats.id"), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("call_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("at", Float, nullable=False),
    Column("received", Float, nullable=False),
    Column("data", JSON, nullable=False),
    UniqueConstraint("seat_id", "event_id", name="events_once"),
)

calls = Table(
    "calls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seat_id", String(32), ForeignKey("seats.id"), nullable=False),
    Column("call_id", String(64), nullable=False),
    Column("started", Float, nullable=False),
    Column("ended", Float, nullable=True),
    Column("demo", Boolean, nullable=False, default=False),
    Column("level", String(20), nullable=False, default="calm"),
    Column("score", Float, nullable=False, default=0.0),
    Column("escalation_kind", String(40), nullable=False, default=""),
    Column("escalation_reason", Text, nullable=False, default=""),
    Column("escalated_at", Float, nullable=True),
    Column("acknowledged_at", Float, nullable=True),
    Column("coming_by", String(100), nullable=False, default=""),
    Column("coming_at", Float, nullable=True),
    UniqueConstraint("seat_id", "call_id", name="calls_once"),
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("seat_id", String(32), ForeignKey("seats.id"), nullable=False),
    Column("call_id", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("supervisor", String(100), nullable=False),
    Column("at", Float, nullable=False),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seat_id", String(32), ForeignKey("seats.id"), nullable=False),
    Column("call_id", String(64), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("record", JSON, nullable=False),
    Column("notes", Text, nullable=False, default=""),
    Column("signed_off_by", String(100), nullable=False, default=""),
    Column("signed_off_at", Float, nullable=True),
    UniqueConstraint("seat_id", "event_id", name="incidents_once"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("username", String(100), nullable=False),
    Column("action", String(60), nullable=False),
    Column("detail", Text, nullable=False, default=""),
)

phrasebook_versions = Table(
    "phrasebook_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", String(64), nullable=False, unique=True),
    Column("yaml", Text, nullable=False),
    Column("uploaded_by", String(100), nullable=False),
    Column("at", Float, nullable=False),
    Column("note", String(200), nullable=False, default=""),
    Column("passed", Boolean, nullable=False),
    Column("report", Text, nullable=False, default=""),
)

publications = Table(
    "publications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("phrasebook_versions.id"), nullable=False),
    Column("team_id", Integer, ForeignKey("teams.id"), nullable=True),  # None: every team
    Column("at", Float, nullable=False),
    Column("by", String(100), nullable=False),
)


def database_url(database: str) -> str:
    """A URL SQLAlchemy takes: a PostgreSQL URL as given (with the psycopg 3 driver), or a
    path to an SQLite file."""
    if database.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + database.split("://", 1)[1]
    if "://" in database:
        return database
    return f"sqlite:///{Path(database).expanduser().resolve()}"


def connect(database: str) -> Engine:
    url = database_url(database)
    if url.startswith("sqlite"):
        _private_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _private_file(url: str) -> None:
    """The hub's SQLite file holds incident records: its owner only."""
    import os

    path = Path(url.removeprefix("sqlite:///"))
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def _sqlite_pragmas(connection, _record) -> None:
    # Transactions are begun by SQLAlchemy (`_sqlite_begin`), not by the driver: otherwise a
    # savepoint's release would commit on its own and an event could be kept without its
    # effects.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection) -> None:
    # IMMEDIATE: a transaction takes the write lock at its start and others wait for it
    # (the busy timeout); a deferred one that reads, then writes, fails at once with
    # "database is locked" when another wrote meanwhile.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
