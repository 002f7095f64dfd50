"""The settings dialog with real devices: a private PulseAudio server's null sinks."""

from __future__ import annotations

import pytest

from app import config
from app.config import Settings, load_settings
from app.demo.synth import Voice
from app.ui.settings_dialog import SettingsDialog
from tests.gui.conftest import SHOTS

pytestmark = pytest.mark.pulse


def test_level_meter_shows_the_chosen_call_audio_and_settings_are_saved(
    qtbot, pulse, say, write_wav, tmp_path, monkeypatch
):
    pulse.add_sink("headset_out")
    user_file = tmp_path / "config.toml"
    monkeypatch.setattr(config, "user_config_path", lambda: user_file)
    try:
        dialog = SettingsDialog(Settings())
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(
            lambda: dialog.customer.findData("headset_out.monitor") >= 0, timeout=10_000
        )  # the list fills in once the devices are found, off the GUI thread
        index = dialog.customer.findData("headset_out.monitor")
        dialog.customer.setCurrentIndex(index)
        wav = write_wav("tone.wav", say("hello, this is the call audio", Voice("en-us", 150)))
        player = pulse.play(wav, "headset_out")
        qtbot.waitUntil(lambda: dialog.customer_meter.value() > 20, timeout=10_000)
        assert dialog.grab().save(str(SHOTS / "settings.png"))
        player.wait(10)
        dialog.font_size.setValue(19)
        dialog.coaching.setChecked(False)
        dialog.save()
    finally:
        pulse.remove_sink("headset_out")
    saved = load_settings(tmp_path / "none.toml", user_file, {}).settings
    assert saved.customer_device == "headset_out.monitor"
    assert saved.font_size == 19 and saved.coaching is False
