"""Log files: the per-user log folder, a machine-wide folder when given, rotation, --debug."""

from __future__ import annotations

import getpass
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from deescalate.config import logs

log = logging.getLogger("deescalate.test")


@pytest.fixture
def state_home(tmp_path, monkeypatch) -> Iterator[Path]:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    yield tmp_path / "state"
    logs.remove_handlers()


def flushed(path: Path) -> str:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return path.read_text(encoding="utf-8")


def test_log_file_in_the_per_user_state_folder(state_home):
    path = logs.setup_logging()
    assert path == state_home / "deescalate" / "log" / "deescalate.log"
    log.info("call started")
    log.debug("every frame")
    text = flushed(path)
    assert "call started" in text and "every frame" not in text


def test_debug_writes_everything(state_home):
    path = logs.setup_logging(debug=True)
    log.debug("every frame")
    assert "DEBUG deescalate.test: every frame" in flushed(path)


def test_a_second_setup_does_not_write_lines_twice(state_home):
    logs.setup_logging()
    path = logs.setup_logging()
    log.warning("once")
    assert flushed(path).count("once") == 1


def test_machine_wide_folder_gets_a_file_per_user(state_home, tmp_path):
    path = logs.setup_logging(machine_log_dir=tmp_path / "var-log")
    assert path == tmp_path / "var-log" / f"deescalate-{getpass.getuser()}.log"
    log.info("written centrally")
    assert "written centrally" in flushed(path)


def test_unwritable_machine_folder_falls_back_to_the_user_folder(state_home, tmp_path, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    path = logs.setup_logging(machine_log_dir=blocker / "log")
    assert path == state_home / "deescalate" / "log" / "deescalate.log"
    assert "Can't write the log file" in capsys.readouterr().err


def test_files_rotate_and_keep_a_bounded_number(state_home, monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 2_000)
    path = logs.setup_logging()
    for n in range(400):
        log.warning("line %d of a long call", n)
    flushed(path)
    kept = sorted(p.name for p in path.parent.iterdir())
    assert kept == ["deescalate.log", *(f"deescalate.log.{i}" for i in range(1, logs.BACKUPS + 1))]
    assert all(p.stat().st_size <= 2_000 for p in path.parent.iterdir())
    assert "line 399 of a long call" in path.read_text()


def test_debug_option_on_the_command_line(tmp_path):
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "deescalate", "--debug", "models", "list"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "DEBUG deescalate: arguments:" in result.stderr
    text = (tmp_path / "deescalate" / "log" / "deescalate.log").read_text()
    assert "INFO deescalate: deescalate " in text and "DEBUG deescalate: arguments" in text

    quiet = subprocess.run(command[:3] + command[4:], env=env, capture_output=True, text=True)
    assert quiet.returncode == 0 and "DEBUG" not in quiet.stderr
