"""A supervisor's "I'm coming" from the team hub on the real overlay under Xvfb: shown
within two seconds beside the escalation prompt, without taking focus, and gone when the
next call starts. The hub is a small real one (tests/support/hub.py)."""

from __future__ import annotations

import subprocess
import time

import pytest

from deescalate.config.settings import Settings
from deescalate.core.events import CallEvent, EscalateEvent, Reason, RunningEvent, TensionEvent
from deescalate.ui.qt import QLineEdit
from tests.gui.conftest import SHOTS
from tests.support.hub import TOKEN, Hub

FAST = {"message_every": 0.1, "phrasebook_every": 60.0, "heartbeat_every": 60.0}


@pytest.fixture
def hub():
    server = Hub()
    yield server
    server.stop()


def test_a_supervisor_on_the_way_shows_within_two_seconds_and_leaves_with_the_call(
    qtbot, open_overlay, hub, tmp_path
):
    editor = QLineEdit()  # the agent types in the CRM while the overlay updates
    qtbot.addWidget(editor)
    editor.show()
    editor.activateWindow()
    editor.setFocus()
    qtbot.waitUntil(editor.hasFocus)
    app = open_overlay(
        Settings(engine="none", hub_url=hub.url, hub_enrol_token=TOKEN),
        mode="live",
        hub_folder=tmp_path / "data",
        hub_timing=FAST,
    )
    app.timer.start()  # the window's own poll, as when the app runs
    qtbot.waitUntil(lambda: len(hub.message_asks) >= 2, timeout=5_000)
    session, window = app.session, app.window
    session.apply(RunningEvent(0.0, "none", demo=False))
    session.apply(CallEvent(1.0, "started"))
    session.apply(
        TensionEvent(3.0, 92.0, "unsafe", (Reason("threat_violence", 60.0, "I will find you"),))
    )
    session.apply(EscalateEvent(3.0, "threat", "threat"))
    app.render()
    assert window.acknowledge.isVisible() and not window.help.isVisible()

    hub.send("coming", session.hub.call_id, "Sam Supervisor")
    sent = time.monotonic()
    qtbot.waitUntil(window.help.isVisible, timeout=2_000)
    assert time.monotonic() - sent < 2.0
    assert window.help.text() == "Sam Supervisor is on the way"
    help_box = window.help.geometry()
    assert window.rect().contains(help_box), "the line does not fit in the overlay"
    assert help_box.bottom() < window.acknowledge.geometry().top(), "not near the prompt"
    window.grab().save(str(SHOTS / "hub_supervisor_coming.png"))
    subprocess.run(["xdotool", "type", "--delay", "20", "ref 7"], check=True, timeout=10)
    qtbot.waitUntil(lambda: editor.text() == "ref 7", timeout=3_000)
    assert editor.hasFocus() and not window.isActiveWindow(), "the message took the focus"

    session.act("acknowledged")
    session.apply(CallEvent(40.0, "ended"))
    session.apply(CallEvent(45.0, "started"))
    app.render()
    assert not window.help.isVisible(), "the last caller's supervisor is still on the way"
    hub.send("coming", "a-call-long-gone", "Pat")
    qtbot.wait(1_000)
    assert not window.help.isVisible(), "a message for another call was shown"
