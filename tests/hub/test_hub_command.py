"""`deescalate hub add-user` and `hub enrol-token`, on an SQLite file or a PostgreSQL URL as
IT types it: what they print works on the hub, and the SQLite file is its owner's only.
(`hub serve` is not here: its message for a missing `hub` extra can't show where the extra
is installed.)"""

from __future__ import annotations

import re
import stat
from pathlib import Path

from deescalate.cli.common import EXIT_BAD_INPUT, EXIT_OK
from deescalate.cli.main import main
from tests.support.hub_client import HubUnderTest

ONE_TIME = re.compile(r"^(\w+): first password ([a-z0-9]{4}(?:-[a-z0-9]{4}){3})$")


def hub_command(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["hub", *args])
    out, err = capsys.readouterr()
    return code, out, err


def as_typed(database: str) -> str:
    """A PostgreSQL URL as the help shows it (postgresql://user@host/db), or a file path."""
    return database.replace("postgresql+psycopg://", "postgresql://")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_add_user_prints_a_password_that_signs_in(capsys, database):
    typed = as_typed(database)
    code, out, _ = hub_command(capsys, "add-user", "sam", "--team", "Billing", "--database", typed)
    assert code == EXIT_OK
    printed = ONE_TIME.match(out.strip())
    assert printed and printed.group(1) == "sam"

    hub = HubUnderTest(database)
    try:
        sam = hub.sign_in("sam", printed.group(2))
        assert "sam · Billing" in sam.get("/").text
    finally:
        hub.close()


def test_enrol_token_prints_a_token_that_enrols_a_seat_in_its_team(capsys, database):
    typed = as_typed(database)
    code, out, _ = hub_command(capsys, "enrol-token", "--team", "Claims", "--database", typed)
    assert code == EXIT_OK
    token = out.strip()
    assert len(token.splitlines()) == 1 and len(token) >= 32

    hub = HubUnderTest(database)
    try:
        enrolled = hub.client().post(
            "/api/seat/enrol", json={"token": token, "seat_name": "desk-7", "agent_name": "Ann"}
        )
        assert enrolled.status_code == 200 and enrolled.json()["team"] == "Claims"
    finally:
        hub.close()


def test_the_sqlite_file_the_commands_write_is_private(capsys, tmp_path):
    database = tmp_path / "hub" / "hub.sqlite"
    assert (
        hub_command(capsys, "add-user", "ada", "--role", "admin", "--database", str(database))[0]
        == 0
    )
    assert hub_command(capsys, "enrol-token", "--team", "A", "--database", str(database))[0] == 0

    assert mode(database.parent) == 0o700
    for path in database.parent.iterdir():
        assert mode(path) == 0o600, path.name


def test_without_database_the_hub_lives_in_the_users_data_folder(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    code, out, _ = hub_command(capsys, "add-user", "ada", "--role", "admin")
    assert code == EXIT_OK and ONE_TIME.match(out.strip())

    database = tmp_path / "data" / "deescalate" / "hub.sqlite"
    assert mode(database) == 0o600
    assert mode(database.parent) == 0o700


def test_a_supervisor_without_a_team_is_refused_with_the_fix(capsys, tmp_path):
    database = str(tmp_path / "hub.sqlite")
    code, out, err = hub_command(capsys, "add-user", "sam", "--database", database)
    assert code == EXIT_BAD_INPUT
    assert out == ""
    assert "A supervisor needs a team: add --team NAME." in err
