"""The overlay over a live capture whose device disappears and comes back."""

from __future__ import annotations

import pytest

from deescalate.config.settings import Settings
from tests.gui.conftest import SHOTS

pytestmark = pytest.mark.pulse


def test_lost_call_audio_shows_on_the_status_line_and_clears_when_back(qtbot, pulse, open_overlay):
    pulse.add_sink("softphone_out")
    settings = Settings(engine="none", customer_device="softphone_out.monitor")
    app = open_overlay(settings, mode="live")
    app.start()
    try:
        qtbot.waitUntil(
            lambda: app.session.state.sources.get("customer") in ("listening", "silent"),
            timeout=15_000,
        )
        # The sound server moves the stream to another source at once; the overlay must
        # say the call audio is lost within 2 s, not go on listening to something else.
        pulse.remove_sink("softphone_out")
        qtbot.waitUntil(lambda: "customer audio lost" in app.window.status.text(), timeout=2_000)
        assert app.window.grab().save(str(SHOTS / "audio_lost_live.png"))
        pulse.add_sink("softphone_out")
        qtbot.waitUntil(lambda: "audio lost" not in app.window.status.text(), timeout=20_000)
    finally:
        app.stop()
        if "softphone_out" in pulse.modules:
            pulse.remove_sink("softphone_out")
