"""Log files are private, a machine-wide log folder IT forgot to create says how, and no
log line holds the webhook's token."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from deescalate.cli.main import main
from deescalate.config import logs
from tests.support.webhook import TOKEN


@pytest.fixture
def state_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    old = os.umask(0o022)
    yield tmp_path / "state"
    os.umask(old)
    logs.remove_handlers()


def test_the_log_file_and_its_folder_are_the_users_only(state_home):
    path = logs.setup_logging()
    logging.getLogger("deescalate.test").warning("call started")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_machine_wide_log_folder_made_by_root_lets_each_user_add_a_file(state_home, tmp_path):
    path = logs.setup_logging(machine_log_dir=tmp_path / "var-log")
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o1733
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_machine_wide_log_folder_that_cannot_be_made_says_how(state_home, tmp_path, caplog):
    (tmp_path / "var-log").write_text("")  # a file where the folder's parent should be
    folder = tmp_path / "var-log" / "deescalate"
    with caplog.at_level(logging.WARNING):
        path = logs.setup_logging(machine_log_dir=folder)
    assert path.parent.parent == state_home / "deescalate", "the per-user log is used meanwhile"
    assert f"sudo install -d -m 1733 {folder}" in caplog.text
    assert not folder.exists()


def test_debug_logs_never_hold_the_webhook_token(state_home, capsys):
    url = f"http://127.0.0.1:9/webhook/{TOKEN}?sig={TOKEN}"
    main(["--debug", "alerts", "test", "--url", url])
    logs.remove_handlers()
    written = (state_home / "deescalate" / "log" / "deescalate.log").read_text()
    captured = capsys.readouterr()
    assert "arguments" in written
    assert TOKEN not in written + captured.out + captured.err
