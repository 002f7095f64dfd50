"""Ctrl+C in the terminal, as a user presses it: SIGINT to the whole foreground process
group of `deescalate overlay --demo` or `deescalate demo`, at moments from start-up to the
middle of the call. The app ends with 130 within seconds and prints no traceback, and no
complaint of a native library or of multiprocessing on its way out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.gui.test_live_app import overlay_windows
from tests.support.home import app_env

UNWANTED = ("Traceback", "KeyboardInterrupt", "nanobind", "leaked", "terminate called")
EXIT_INTERRUPTED = 130  # README: "130 interrupted"


def shell_status(code: int) -> int:
    """The `$?` a shell shows: a process ended by signal N reads as 128 + N. Ctrl+C pressed
    before Python has started the app ends it by the signal itself, which the user sees as
    130 all the same."""
    return 128 - code if code < 0 else code


def start(command: list[str], tmp_path, engine: str) -> subprocess.Popen:
    env = app_env(tmp_path, DEESCALATE_ENGINE=engine)
    return subprocess.Popen(
        [sys.executable, "-m", "deescalate", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as a shell gives a foreground job
        # A shell gives its foreground job Ctrl+C as it should be, even when the tests
        # themselves were started in the background (where SIGINT is ignored and every
        # child would inherit that).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_until(check, timeout: float, app: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert app.poll() is None, app.stderr.read()
        assert time.monotonic() < deadline, "the moment to press Ctrl+C never came"
        time.sleep(0.02)


def press_ctrl_c(app: subprocess.Popen) -> str:
    """SIGINT to the process group; returns stderr once the app and its processes ended."""
    children = psutil.Process(app.pid).children(recursive=True)
    os.killpg(app.pid, signal.SIGINT)
    pressed = time.monotonic()
    try:
        code = app.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(app.pid, signal.SIGKILL)
        app.wait()
        raise AssertionError("the app was still running 10 s after Ctrl+C") from None
    stderr = app.stderr.read()
    assert shell_status(code) == EXIT_INTERRUPTED, (code, stderr)
    assert time.monotonic() - pressed < 5
    _gone, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"processes of the app outlived it: {[p.cmdline() for p in alive]}"
    return stderr


def calls_started(app: subprocess.Popen) -> bool:
    return bool(psutil.Process(app.pid).children())


MOMENTS = {
    "while it loads": lambda app: time.sleep(0.3),
    "while the call's process starts": lambda app: wait_until(lambda: calls_started(app), 30, app),
    "with the overlay open": lambda app: wait_until(lambda: overlay_windows(app.pid), 30, app),
    "in the middle of the call": lambda app: (
        wait_until(lambda: overlay_windows(app.pid), 30, app),
        time.sleep(6),
    ),
}


@pytest.mark.parametrize("moment", MOMENTS)
def test_ctrl_c_ends_the_overlay_quietly(tmp_path, moment):
    app = start(["overlay", "--demo"], tmp_path, "whisper")
    MOMENTS[moment](app)
    stderr = press_ctrl_c(app)
    assert not [line for line in stderr.splitlines() if any(u in line for u in UNWANTED)], stderr


@pytest.mark.parametrize("delay", [0.3, 1.5, 3.0, 7.0])
def test_ctrl_c_ends_the_terminal_demo_quietly(tmp_path, delay):
    app = start(["demo"], tmp_path, "whisper")
    time.sleep(delay)
    stderr = press_ctrl_c(app)
    assert not [line for line in stderr.splitlines() if any(u in line for u in UNWANTED)], stderr
