"""The settings dialog with real devices: a private PulseAudio server's null sinks."""

from __future__ import annotations

import pytest

from deescalate.config import settings as config
from deescalate.config.settings import Settings, load_settings
from deescalate.demo.synth import Voice
from deescalate.ui.settings_dialog import SettingsDialog
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
        assert dialog.customer_meter.isVisible(), "a chosen device shows its level meter"
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


def test_a_seat_with_no_audio_devices_says_so_and_the_dialog_stays_idle(qtbot, monkeypatch):
    from PySide6.QtCore import SIGNAL

    # No sound server to reach and no sound card: the device probe (a child process, which
    # inherits this environment) finds nothing.
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/pulse")
    dialog = SettingsDialog(Settings())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.customer.currentText() == "No device found", timeout=10_000)
    assert dialog.agent.currentText() == "No device found"
    assert not dialog.agent_meter.isVisible() and not dialog.customer_meter.isVisible()
    qtbot.wait(1000)  # ten meter ticks: the empty list must not be filled in again each time
    assert dialog.customer.receivers(SIGNAL("currentIndexChanged(int)")) == 1
