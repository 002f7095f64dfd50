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


def test_saving_the_text_size_keeps_the_call_audio_automatic_and_the_call_running(
    qtbot, qapp, pulse, tmp_path, monkeypatch, open_overlay
):
    """Two outputs; the call plays on the second, the system default. The dialog names the
    device the call uses, and saving another setting neither pins a device nor restarts."""

    user_file = tmp_path / "config.toml"
    monkeypatch.setattr(config, "user_config_path", lambda: user_file)
    for sink in ("desk_speakers", "softphone_out"):
        pulse.add_sink(sink)
    pulse.pactl("set-default-sink", "softphone_out")
    try:
        app = open_overlay(Settings(engine="none"), mode="live")
        app.start()
        qtbot.waitUntil(
            lambda: app.session.state.sources.get("customer") == "listening", timeout=15_000
        )
        runner = app.session.calls.runner
        seen: dict[str, str] = {}

        app.open_settings()  # not modal: returns at once
        dialog = app.settings_dialog
        qtbot.waitUntil(lambda: dialog.customer.count() >= 2, timeout=10_000)
        seen["customer"] = dialog.customer.currentText()
        assert dialog.grab().save(str(SHOTS / "settings_automatic_device.png"))
        dialog.font_size.setValue(21)
        dialog.save()
        qtbot.waitUntil(lambda: app.settings_dialog is None, timeout=3_000)
        assert seen["customer"] == "System default (now softphone_out.monitor)"
        saved = load_settings(tmp_path / "none.toml", user_file, {}).settings
        assert saved.font_size == 21 and saved.customer_device is None
        assert app.session.settings.customer_device is None
        assert app.session.calls.runner is runner, "the call was restarted"
    finally:
        for sink in ("desk_speakers", "softphone_out"):
            pulse.remove_sink(sink)


def test_a_saved_device_that_is_not_listed_now_is_kept(qtbot, pulse, tmp_path, monkeypatch):
    user_file = tmp_path / "config.toml"
    user_file.write_text('customer_device = "softphone_out.monitor"\n')  # saved earlier
    monkeypatch.setattr(config, "user_config_path", lambda: user_file)
    pulse.add_sink("desk_speakers")
    try:
        dialog = SettingsDialog(Settings(customer_device="softphone_out.monitor"))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitUntil(
            lambda: dialog.customer.findData("desk_speakers.monitor") >= 0, timeout=10_000
        )
        assert dialog.customer.currentText() == "softphone_out.monitor (saved; not listed now)"
        dialog.opacity.setValue(80)
        dialog.save()
    finally:
        pulse.remove_sink("desk_speakers")
    saved = load_settings(tmp_path / "none.toml", user_file, {}).settings
    assert saved.customer_device == "softphone_out.monitor" and saved.opacity == 0.8


def test_save_writes_only_what_was_changed_here_never_the_policys_token(
    qtbot, tmp_path, monkeypatch
):
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent/pulse")
    policy, user_file = tmp_path / "policy.toml", tmp_path / "config.toml"
    policy.write_text(
        'alert_webhook_url = "https://hooks.example.com/T0/B0/S3CRET"\nopacity = 0.8\n'
    )
    monkeypatch.setattr(config, "user_config_path", lambda: user_file)
    effective = load_settings(policy, user_file, {"DEESCALATE_SHOW_TRANSCRIPT": "true"})
    dialog = SettingsDialog(effective.settings)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.font_size.setValue(20)
    dialog.save()
    assert user_file.read_text() == "font_size = 20\n"
    assert user_file.stat().st_mode & 0o777 == 0o600
