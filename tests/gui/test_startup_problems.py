"""Settings that stop the app, as an agent starting it from the desktop sees them: in a
window of its own and in the log, not only on a stderr nobody reads. Misspelt
`DEESCALATE_…` variables are warned about."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.gui.test_live_app import xdotool
from tests.support.home import app_env
from tests.support.policy import LAUNCH


def windows_named(pid: int, name: str) -> list[str]:
    done = subprocess.run(
        ["xdotool", "search", "--pid", str(pid), "--name", name], capture_output=True, text=True
    )
    return done.stdout.split()


@pytest.fixture
def start_app(tmp_path):
    """`start_app(extra_env)`: `deescalate` as the desktop starts it, with its own home."""
    started: list[subprocess.Popen] = []

    def _start(extra: dict[str, str]) -> subprocess.Popen:
        env = app_env(tmp_path, **extra)
        # The policy's place is fixed at build time: a build whose policy is the test's own.
        process = subprocess.Popen(
            [sys.executable, "-c", LAUNCH, str(tmp_path / "policy.toml")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield _start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def the_log(tmp_path) -> str:
    return (tmp_path / "state" / "deescalate" / "log" / "deescalate.log").read_text()


def wait_for_problem_window(process: subprocess.Popen) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, "the app ended without showing why: " + process.stderr.read()
        found = windows_named(process.pid, "^Deescalate can't start$")
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError("no window said why the app could not start")


def test_a_bad_user_settings_file_is_shown_in_a_window_and_written_to_the_log(tmp_path, start_app):
    settings = tmp_path / "config" / "deescalate" / "config.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text("opacity = 'high'\n")
    app = start_app({})
    window = wait_for_problem_window(app)
    log = the_log(tmp_path)
    assert "opacity = 'high' is not allowed" in log and str(settings) in log
    xdotool("windowactivate", "--sync", window, "key", "Return")
    assert app.wait(20) == 2
    assert "Traceback" not in app.stderr.read()


def test_a_broken_policy_never_stops_the_seat_and_says_to_contact_it(tmp_path, start_app):
    (tmp_path / "policy.toml").write_text("engine = [broken\n")
    app = start_app({})
    deadline = time.monotonic() + 20
    log = ""
    while "contact IT" not in log and time.monotonic() < deadline:
        time.sleep(0.3)
        path = tmp_path / "state" / "deescalate" / "log" / "deescalate.log"
        log = path.read_text() if path.exists() else ""
    assert "contact IT" in log and "policy.toml" in log and "line 1" in log
    assert app.poll() is None  # the app runs on, with every key at its default and locked
    assert not windows_named(app.pid, "^Deescalate can't start$")


def test_a_misspelt_variable_is_warned_about_with_the_setting_it_meant(tmp_path):
    env = dict(
        os.environ,
        HOME=str(tmp_path),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_STATE_HOME=str(tmp_path / "state"),
        DEESCALATE_ENGIN="sphinx",
    )
    done = subprocess.run(
        [sys.executable, "-m", "deescalate", "config", "show"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert "DEESCALATE_ENGIN is not a setting" in done.stderr
    assert "did you mean DEESCALATE_ENGINE?" in done.stderr
    assert "DEESCALATE_ENGIN is not a setting" in the_log(tmp_path)
