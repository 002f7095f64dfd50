"""A real X server (Xvfb) for the GUI tests, started before Qt creates its application."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from deescalate.bootstrap import build_session
from deescalate.config.settings import Settings
from deescalate.records.store import RecordStore
from deescalate.ui.app import OverlayApp
from deescalate.ui.overlay import OverlayWindow
from deescalate.ui.qt import QSettings, QSystemTrayIcon
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
    # A real window manager, so focus and stacking behave as on a desktop.
    if not shutil.which("openbox"):
        pytest.fail("openbox is not installed: run `make test`, which installs it.")
    manager = subprocess.Popen(
        ["openbox", "--sm-disable"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(0.5)
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield f":{number}"
    manager.terminate()
    manager.wait(timeout=10)
    server.terminate()
    server.wait(timeout=10)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def open_overlay(qtbot, tmp_path):
    """`open_overlay(settings=..., mode=..., recording=..., ...)`: the app over a `Session`
    (calls in child processes), its records and window position in temporary files."""
    opened: list[OverlayApp] = []

    def _open(settings: Settings | None = None, *, show: bool = True, **session_args):
        session_args.setdefault("records", tmp_path / "records.sqlite")
        records = session_args["records"]
        session_args["records"] = records.path if isinstance(records, RecordStore) else records
        session = build_session(settings or Settings(engine="none"), **session_args)
        position = QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat)
        window = OverlayWindow(settings=position, font_size=session.settings.font_size)
        app = OverlayApp(session, window)
        qtbot.addWidget(app.window)
        opened.append(app)
        if show:
            app.render()
            app.window.show()
            qtbot.waitExposed(app.window)
        return app

    yield _open
    for app in opened:
        app.stop()


@pytest.fixture
def tray_host():
    """A real system tray host (trayer) on the virtual display."""
    if not shutil.which("trayer"):
        pytest.fail("trayer is not installed: run `make test`, which installs it.")
    host = subprocess.Popen(["trayer"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not QSystemTrayIcon.isSystemTrayAvailable() and time.monotonic() < deadline:
        time.sleep(0.1)
    yield host
    host.terminate()
    host.wait(10)


@pytest.fixture(scope="session")
def qapp_args():
    return ["deescalate-tests"]
