"""The overlay over a live capture whose device disappears and comes back."""

from __future__ import annotations

import pytest

from app.advice.phrasebook import load_phrasebook
from app.audio.capture import DeviceSource
from app.audio.devices import find_input
from app.audio.feed import Speaker
from app.speech.engines import choose_engine
from tests.gui.conftest import SHOTS

pytestmark = pytest.mark.pulse


def test_lost_call_audio_shows_on_the_status_line_and_clears_when_back(qtbot, pulse, open_overlay):
    pulse.add_sink("softphone_out")
    book = load_phrasebook()
    engine = choose_engine("none")
    device = find_input("softphone_out.monitor")
    app = open_overlay(
        lambda: [DeviceSource(Speaker.CUSTOMER, device)], engine=engine, phrasebook=book, live=True
    )
    app.start_call()
    try:
        qtbot.waitUntil(
            lambda: app.state.sources.get("customer") in ("listening", "silent"), timeout=15_000
        )
        pulse.remove_sink("softphone_out")
        qtbot.waitUntil(lambda: "customer audio lost" in app.window.status.text(), timeout=15_000)
        assert app.window.grab().save(str(SHOTS / "audio_lost_live.png"))
        pulse.add_sink("softphone_out")
        qtbot.waitUntil(lambda: "audio lost" not in app.window.status.text(), timeout=20_000)
    finally:
        app.stop_call()
        if "softphone_out" in pulse.modules:
            pulse.remove_sink("softphone_out")
