"""Settings: devices (with a live level meter each, to check the right ones are chosen),
engine and model, phrasebook files, look, coaching. Saved to the user's settings file.

Devices are listed and measured by a `DeviceProbe` in a child process: nothing here opens
audio or waits for it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from deescalate.advice.phrasebook import PhrasebookError, load_phrasebook
from deescalate.call.probe import DeviceInfo, DeviceProbe
from deescalate.config.settings import ConfigError, Settings, save_user_changes
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


def _loads(files: Sequence[str]) -> None:
    load_phrasebook([Path(p) for p in files])


class SettingsDialog(QDialog):
    def __init__(
        self,
        settings: Settings,
        probe: DeviceProbe | None = None,
        parent=None,
        check_phrasebook: Callable[[Sequence[str]], None] = _loads,
    ) -> None:
        """`check_phrasebook` raises PhrasebookError for files the app would not put in
        force (the app passes its own check, the one `phrasebook check` makes)."""
        super().__init__(parent)
        self.setWindowTitle("Deescalate settings")
        self.settings = settings
        self._check_phrasebook = check_phrasebook
        self.devices: list[DeviceInfo] = []
        self.probe = probe or DeviceProbe()
        self.probe.start()
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
        self.problem = QLabel(wordWrap=True, objectName="problem")
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
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
        self.finished.connect(self._close_probe)
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
        """Once the probe has listed them: the device lists, and their meters. The first
        entry keeps the setting empty: the call then follows the system's default, and the
        entry names the device that is today."""
        self.devices = self.probe.devices or []
        if self.probe.problem:
            self.show_problem(self.probe.problem)
        for combo in (self.agent, self.customer):
            current = combo.property("current")
            combo.clear()
            mine = [d for d in self.devices if d.is_monitor == combo.property("monitors")]
            if not mine:
                combo.addItem("No device found", current)
            else:
                auto = next((d for d in mine if d.automatic), None)
                combo.addItem(f"System default (now {auto.name})" if auto else "System default")
                for dev in mine:
                    combo.addItem(dev.label, dev.name)
                if current and combo.findData(current) < 0:  # kept until the agent picks another
                    combo.addItem(f"{current} (saved; not listed now)", current)
                combo.setCurrentIndex(combo.findData(current) if current else 0)
            combo.currentIndexChanged.connect(lambda _=0, c=combo: self._reprobe(c))
            self._reprobe(combo)

    def _role(self, combo: QComboBox) -> str:
        return "agent" if combo is self.agent else "customer"

    def _reprobe(self, combo: QComboBox) -> None:
        name = combo.currentData()
        role = [d for d in self.devices if d.is_monitor == combo.property("monitors")]
        device = next((d for d in role if (d.name == name if name else d.automatic)), None)
        meter = self.agent_meter if combo is self.agent else self.customer_meter
        self._form.setRowVisible(meter, device is not None)
        self.probe.watch(self._role(combo), device.name if device else None)

    def _update_meters(self) -> None:
        if not self._devices_shown and self.probe.devices is not None:
            self._devices_shown = True
            self._fill_devices()
        for combo, meter in ((self.agent, self.agent_meter), (self.customer, self.customer_meter)):
            level = self.probe.level(self._role(combo))
            meter.setValue(int(min(60, max(0, level + 60))))  # -60..0 dBFS

    def _close_probe(self) -> None:
        self._timer.stop()
        self.probe.close()

    def show_problem(self, text: str) -> None:
        """The problem in full: the dialog grows to the wrapped text (a top-level layout
        does not do that by itself for word-wrapped labels)."""
        self.problem.setText(text)
        width = self.problem.width() if self.problem.isVisible() else self.width()
        # As its minimum, so no later relayout (the device lists filling in) cuts it again.
        self.problem.setMinimumHeight(self.problem.heightForWidth(width))
        layout = self.layout()
        layout.activate()
        needed = max(layout.totalHeightForWidth(self.width()), layout.minimumSize().height())
        if needed > self.height():
            self.resize(self.width(), needed)

    def chosen(self) -> Settings:
        books = tuple(p.strip() for p in self.phrasebook.text().split(",") if p.strip())
        return self.settings.with_values(
            agent_device=self.agent.currentData(),
            customer_device=self.customer.currentData(),
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
        """Checks, then saves what the user changed here (nothing that came from the policy
        or the environment); a problem is shown here and nothing is saved."""
        try:
            chosen = self.chosen()
            if chosen.phrasebook != self.settings.phrasebook and chosen.phrasebook:
                self._check_phrasebook(chosen.phrasebook)
            save_user_changes(self.settings, chosen)
        except (ConfigError, PhrasebookError) as exc:
            self.show_problem(f"Not saved: {exc}")
            return
        self.settings = chosen
        self.accept()
