"""Settings: devices (with a live level meter each, to check the right ones are chosen),
engine and model, phrasebook files, look, coaching. Saved to the user's settings file."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from app.audio.capture import DeviceSource
from app.audio.devices import InputDevice, list_inputs
from app.audio.feed import Speaker
from app.config import ConfigError, Settings, save_user_settings
from app.speech.engines import ENGINES
from app.ui.qt import (
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
        self.devices = list_inputs()
        self._probes: dict[str, LevelProbe] = {}
        form = QFormLayout(self)
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
        for name, widget in (("engine", self.engine), ("vosk_model", self.model)):
            widget.setEnabled(name not in settings.locked)
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

    def _device_row(self, form, title: str, current: str | None, monitors: bool):
        combo = QComboBox()
        for dev in self.devices:
            if dev.is_monitor == monitors:
                combo.addItem(dev.label, dev.name)
        if current:
            index = combo.findData(current)
            combo.setCurrentIndex(max(index, 0))
        meter = QProgressBar(minimum=0, maximum=60, textVisible=False)
        meter.setFixedHeight(8)
        form.addRow(title, combo)
        form.addRow("", meter)
        combo.currentIndexChanged.connect(lambda _=0: self._reprobe(combo))
        self._reprobe(combo)
        return combo, meter

    def _reprobe(self, combo: QComboBox) -> None:
        key = str(id(combo))
        if key in self._probes:
            self._probes.pop(key).close()
        name = combo.currentData()
        device = next((d for d in self.devices if d.name == name), None)
        if device is not None:
            self._probes[key] = LevelProbe(device)

    def _update_meters(self) -> None:
        for combo, meter in ((self.agent, self.agent_meter), (self.customer, self.customer_meter)):
            probe = self._probes.get(str(id(combo)))
            level = probe.level() if probe else -90.0
            meter.setValue(int(min(60, max(0, level + 60))))  # -60..0 dBFS

    def _close_probes(self) -> None:
        self._timer.stop()
        for probe in self._probes.values():
            probe.close()
        self._probes.clear()

    def chosen(self) -> Settings:
        books = tuple(p.strip() for p in self.phrasebook.text().split(",") if p.strip())
        return replace(
            self.settings,
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
        try:
            save_user_settings(self.chosen())
        except ConfigError as exc:
            self.problem.setText(str(exc))
            return
        self.settings = self.chosen()
        self.accept()
