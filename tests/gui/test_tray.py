"""The tray menu, with a real system tray host (trayer) on the virtual display."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from app.advice.phrasebook import load_phrasebook
from app.audio.file_source import FileSource
from app.demo import DEMO_CALL
from app.speech.engines import choose_engine
from app.ui.qt import QSystemTrayIcon


@pytest.fixture
def tray_host():
    if not shutil.which("trayer"):
        pytest.fail("trayer is not installed: run `make test`, which installs it.")
    host = subprocess.Popen(["trayer"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not QSystemTrayIcon.isSystemTrayAvailable() and time.monotonic() < deadline:
        time.sleep(0.1)
    yield host
    host.terminate()
    host.wait(10)


def test_tray_menu_starts_and_stops_the_call(qtbot, tray_host, open_overlay):
    book = load_phrasebook()
    engine = choose_engine("none")
    app = open_overlay(
        lambda: [FileSource(DEMO_CALL, realtime=True)],
        engine=engine,
        phrasebook=book,
        demo=True,
        show=False,
    )
    assert app.tray is not None, "no tray icon although a tray host is running"
    actions = {a.text(): a for a in app.tray.contextMenu().actions()}
    assert list(actions) == ["Start call", "Stop call", "Settings…", "Quit"]
    actions["Start call"].trigger()
    assert app.state.running
    qtbot.waitUntil(lambda: app.state.t > 1.0, timeout=10_000)
    actions["Stop call"].trigger()
    assert not app.state.running
    assert app.call is not None and app.call.finished.wait(5)
