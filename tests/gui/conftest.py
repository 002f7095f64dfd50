"""A real X server (Xvfb) for the GUI tests, started before Qt creates its application."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from app.call import CallRunner
from app.records.store import RecordStore
from app.ui.app import OverlayApp
from tests.conftest import ARTIFACTS

SHOTS = ARTIFACTS / "screenshots"


def _free_display() -> int:
    for number in range(90, 140):
        if (
            not Path(f"/tmp/.X11-unix/X{number}").exists()
            and not Path(f"/tmp/.X{number}-lock").exists()
        ):
            return number
    raise RuntimeError("no free X display number")


@pytest.fixture(scope="session", autouse=True)
def xvfb():
    if not shutil.which("Xvfb"):
        pytest.fail("Xvfb is not installed: run `make test`, which installs it.")
    number = _free_display()
    server = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(50):
        if Path(f"/tmp/.X11-unix/X{number}").exists():
            break
        time.sleep(0.1)
    saved = {k: os.environ.get(k) for k in ("DISPLAY", "QT_QPA_PLATFORM")}
    os.environ["DISPLAY"] = f":{number}"
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def open_overlay(qtbot, tmp_path):
    """`open_overlay(make_sources, engine=..., phrasebook=...)`: the app over a call whose
    sources `make_sources()` builds (None: no call), its records in a temporary file."""

    def _open(
        make_sources=None, *, engine, phrasebook, live=False, demo=False, records=None, show=True
    ):
        def make_call():
            return CallRunner(make_sources(), engine, phrasebook, live=live)

        app = OverlayApp(
            make_call if make_sources else (lambda: None),
            phrasebook,
            engine.description,
            demo=demo,
            records=records or RecordStore(tmp_path / "records.sqlite"),
        )
        qtbot.addWidget(app.window)
        if show:
            app.show()
        return app

    return _open


@pytest.fixture(scope="session")
def qapp_args():
    return ["deescalate-tests"]
