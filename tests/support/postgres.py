"""A real PostgreSQL server for the team hub's tests, from Debian's `postgresql` package.

One server per test session, in a temporary folder: it listens on a Unix socket in that
folder and on 127.0.0.1 on a free port, trusts every local connection (a throwaway test
server) and runs without fsync. Each test gets a fresh empty database of its own.

initdb refuses to run as root, so under root (as in CI) the server runs as the `postgres`
user that the package creates, and the folder is handed to that user.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

DEBIAN_INSTALLS = Path("/usr/lib/postgresql")
ROLE = "deescalate"
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


class PostgresError(Exception):
    pass


@dataclass
class PostgresServer:
    folder: Path
    port: int
    run_as: str | None  # the user the server runs as, when not this process's user
    bin_dir: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of `database` over TCP on 127.0.0.1."""
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of `database` over the Unix socket."""
        return f"postgresql+psycopg://{ROLE}@/{database}?host={self.socket_dir}&port={self.port}"

    def create_database(self, name: str) -> str:
        """Creates the empty database `name` and returns its URL."""
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drops `name`, ending any connection a test left open to it."""
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _admin(self, statement: str) -> None:
        conninfo = f"host={self.socket_dir} port={self.port} user={ROLE} dbname=postgres"
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(statement)

    def start(self) -> None:
        self._run(
            self._bin("initdb"),
            "--pgdata",
            self.data,
            "--username",
            ROLE,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )
        self.socket_dir.mkdir(mode=0o700)
        self._hand_over(self.socket_dir)
        options = [f"-p {self.port}", f"-k {self.socket_dir}"]
        options += [f"-c {key}={value}" for key, value in SERVER_SETTINGS.items()]
        try:
            self._run(
                self._bin("pg_ctl"),
                "--pgdata",
                self.data,
                "--log",
                self.log,
                "--options",
                " ".join(options),
                "--wait",
                "--timeout",
                "60",
                "start",
            )
        except PostgresError as exc:
            raise PostgresError(
                f"PostgreSQL did not start for the tests.\n{exc}\n"
                f"The server's log:\n{self._log_text()}"
            ) from exc

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(
                self._bin("pg_ctl"), "--pgdata", self.data, "--mode", "fast", "--wait", "stop"
            )

    def _bin(self, name: str) -> str:
        return str(self.bin_dir / name)

    def _run(self, *command: str | Path) -> None:
        words = [str(word) for word in command]
        if self.run_as:
            words = ["runuser", "-u", self.run_as, "--", *words]
        # The server's user may not be allowed into this process's working folder.
        done = subprocess.run(words, cwd=self.folder, capture_output=True, text=True)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).strip()
            raise PostgresError(f"`{' '.join(words)}` failed (exit {done.returncode}):\n{output}")

    def _hand_over(self, path: Path) -> None:
        if self.run_as:
            user = pwd.getpwnam(self.run_as)
            os.chown(path, user.pw_uid, user.pw_gid)

    def _log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace").strip() or "(empty)"
        except OSError:
            return "(no log was written)"


def find_bin_dir(installs: Path = DEBIAN_INSTALLS) -> Path:
    """The newest installed PostgreSQL's programs folder (Debian: <installs>/<major>/bin)."""
    found = sorted(installs.glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3]))
    if not found:
        raise PostgresError(
            f"PostgreSQL is not installed (no {installs}/*/bin/pg_ctl): "
            "run `make setup`, which installs Debian's postgresql package."
        )
    return found[-1].parent


def server_user() -> str | None:
    """`postgres` under root (initdb refuses root); None to run as this process's user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresError(
            "Running as root, but there is no `postgres` user to run PostgreSQL as: "
            "reinstall Debian's postgresql package (`apt-get install --reinstall postgresql`)."
        ) from None
    return "postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port: int | None = None) -> PostgresServer:
    """A running server in a new temporary folder (on a free port unless told one); stop it
    with `stop_server`."""
    bin_dir = find_bin_dir()
    run_as = server_user()
    # Not under pytest's tmp_path: that is private to this user, and the server may not be.
    folder = Path(tempfile.mkdtemp(prefix="deescalate-postgres-"))
    server = PostgresServer(folder, port or free_port(), run_as, bin_dir)
    server._hand_over(folder)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return server


def stop_server(server: PostgresServer) -> None:
    try:
        server.stop()
    finally:
        shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the session; `.url(db)`, `.create_database(name)`."""
    try:
        server = start_server()
    except PostgresError as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    stop_server(server)


_database_numbers = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a fresh empty database for this test alone, dropped after it."""
    test_name = re.sub(r"[^a-z0-9_]", "_", request.node.name.lower())
    name = f"t{next(_database_numbers)}_{test_name}"[:63]
    url = postgres_server.create_database(name)
    yield url
    postgres_server.drop_database(name)
