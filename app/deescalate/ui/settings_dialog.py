"""Settings: devices (with a live level meter each, to check the right ones are chosen),
engine and model, phrasebook files, look, coaching. Saved to the user's settings file."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from deescalate.advice.phrasebook import PhrasebookError, load_phrasebook
from deescalate.audio.capture import DeviceSource
from deescalate.audio.devices import InputDevice, list_inputs
from deescalate.config.settings import ConfigError, Settings, save_user_settings
from deescalate.core.facts import Speaker
from deescalate.speech.engines import ENGINES
from deescalate.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSlider,
    QSpinBox,
    Qt,
    QTimer,
)

METER_MS = 100
_background = ThreadPoolExecutor(max_workers=2, thread_name_prefix="settings")
"""Device listing (pactl) and opening streams take a moment: never on the GUI thread."""


class LevelProbe:
    """Opens one input while the dialog is up and reports its level in dBFS."""

    def __init__(self, device: InputDevice) -> None:
        self.source = DeviceSource(Speaker.AGENT, device)
        self.source.start()

    def level(self) -> float:
        blocks = []
        while (block := self.source.feed.pop(0)) is not None:
            blocks.append(block)
        if not blocks:
            return -90.0
        samples = np.concatenate(blocks)
        return float(20 * np.log10(max(np.sqrt(np.mean(samples**2)), 1e-6)))

    def close(self) -> None:
        self.source.stop()


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Deescalate settings")
        self.settings = settings
        self.devices: list[InputDevice] = []
        self._probes: dict[str, Future[LevelProbe]] = {}
        self.setMinimumWidth(560)  # room for the placeholders and device names
        form = self._form = QFormLayout(self)
        self.agent, self.agent_meter = self._device_row(
            form, "Agent microphone", settings.agent_device, False
        )
        self.customer, self.customer_meter = self._device_row(
            form, "Call audio (customer)", settings.customer_device, True
        )
        self.engine = QComboBox()
        self.engine.addItems(ENGINES)
        self.engine.setCurrentText(settings.engine)
        form.addRow("Speech engine", self.engine)
        self.model = QLineEdit(settings.vosk_model or "")
        self.model.setPlaceholderText("Vosk model folder (empty: search the usual places)")
        form.addRow("Vosk model", self.model)
        self.phrasebook = QLineEdit(", ".join(settings.phrasebook))
        self.phrasebook.setPlaceholderText("default phrasebook; extra files separated by commas")
        form.addRow("Phrasebook files", self.phrasebook)
        self.opacity = QSlider(Qt.Orientation.Horizontal, minimum=40, maximum=100)
        self.opacity.setValue(int(settings.opacity * 100))
        form.addRow("Opacity", self.opacity)
        self.font_size = QSpinBox(minimum=10, maximum=28, value=settings.font_size)
        form.addRow("Suggestion text size", self.font_size)
        self.coaching = QCheckBox("Show coaching on my own phrasing (only I see it)")
        self.coaching.setChecked(settings.coaching)
        form.addRow(self.coaching)
        self.click_through = QCheckBox("Clicks pass through the overlay")
        self.click_through.setChecked(settings.click_through)
        form.addRow(self.click_through)
        self.show_transcript = QCheckBox("Show the customer's words as they are recognised")
        self.show_transcript.setChecked(settings.show_transcript)
        form.addRow(self.show_transcript)
        locks = {
            "engine": self.engine,
            "vosk_model": self.model,
            "phrasebook": self.phrasebook,
            "coaching": self.coaching,
            "agent_device": self.agent,
            "customer_device": self.customer,
        }
        for name, widget in locks.items():
            if name in settings.locked:
                widget.setEnabled(False)
                widget.setToolTip("Set by your organisation's policy")
        note = QLabel(
            "Devices, engine, model, phrasebook and coaching apply by restarting the call."
        )
        note.setWordWrap(True)
        form.addRow(note)
        self.problem = QLabel(wordWrap=True)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._timer = QTimer(self, interval=METER_MS)
        self._timer.timeout.connect(self._update_meters)
        self._timer.start()
        self.finished.connect(self._close_probes)
        self._listing = _background.submit(list_inputs)
        self._devices_shown = False

    def _device_row(self, form, title: str, current: str | None, monitors: bool):
        combo = QComboBox()
        combo.setProperty("monitors", monitors)
        combo.setProperty("current", current)
        combo.addItem(current or "Looking for devices…", current)
        meter = QProgressBar(minimum=0, maximum=60, textVisible=False)
        meter.setFixedHeight(8)
        meter.setToolTip("Input level: speak, or play the call audio, to see it move")
        form.addRow(title, combo)
        form.addRow("level", meter)
        form.setRowVisible(meter, False)  # shown once a device is open
        return combo, meter

    def _fill_devices(self) -> None:
        """Once the background listing is done: the device lists, and their meters."""
        try:
            self.devices = self._listing.result()
        except Exception as exc:  # pactl missing, PortAudio failing: say so, keep the dialog
            self.problem.setText(f"Could not list audio devices: {exc}")
            self.devices = []
        for combo in (self.agent, self.customer):
            current = combo.property("current")
            combo.clear()
            for dev in self.devices:
                if dev.is_monitor == combo.property("monitors"):
                    combo.addItem(dev.label, dev.name)
            if combo.count() == 0:
                combo.addItem("No device found", current)
            if current:
                combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.currentIndexChanged.connect(lambda _=0, c=combo: self._reprobe(c))
            self._reprobe(combo)

    def _reprobe(self, combo: QComboBox) -> None:
        key = str(id(combo))
        if key in self._probes:
            self._probes.pop(key).add_done_callback(lambda f: f.result().close())
        name = combo.currentData()
        device = next((d for d in self.devices if d.name == name), None)
        meter = self.agent_meter if combo is self.agent else self.customer_meter
        self._form.setRowVisible(meter, device is not None)
        if device is not None:
            self._probes[key] = _background.submit(LevelProbe, device)

    def _update_meters(self) -> None:
        if not self._devices_shown and self._listing.done():
            self._devices_shown = True
            self._fill_devices()
        for combo, meter in ((self.agent, self.agent_meter), (self.customer, self.customer_meter)):
            probe = self._probes.get(str(id(combo)))
            ready = probe is not None and probe.done() and probe.exception() is None
            level = probe.result().level() if ready else -90.0
            meter.setValue(int(min(60, max(0, level + 60))))  # -60..0 dBFS

    def _close_probes(self) -> None:
        self._timer.stop()
        for probe in self._probes.values():
            probe.add_done_callback(lambda f: f.exception() is None and f.result().close())
        self._probes.clear()

    def chosen(self) -> Settings:
        books = tuple(p.strip() for p in self.phrasebook.text().split(",") if p.strip())
        return self.settings.with_values(
            agent_device=self.agent.currentData() or self.settings.agent_device,
            customer_device=self.customer.currentData() or self.settings.customer_device,
            engine=self.engine.currentText(),
            vosk_model=self.model.text().strip() or None,
            phrasebook=books,
            opacity=self.opacity.value() / 100,
            font_size=self.font_size.value(),
            coaching=self.coaching.isChecked(),
            click_through=self.click_through.isChecked(),
            show_transcript=self.show_transcript.isChecked(),
        )

    def save(self) -> None:
        """Checks, then saves; a problem is shown here and nothing is saved."""
        try:
            chosen = self.chosen()
            if chosen.phrasebook != self.settings.phrasebook and chosen.phrasebook:
                load_phrasebook([Path(p) for p in chosen.phrasebook])
            save_user_settings(chosen)
        except (ConfigError, PhrasebookError) as exc:
            self.problem.setText(f"Not saved: {exc}")
            return
        self.settings = chosen
        self.accept()
