"""Listing capture devices, and finding a remembered one again by name and host API.

PortAudio on Linux sees ALSA devices only; PulseAudio and PipeWire sources, including the
*monitor* of each output (what the headset plays: the customer), are listed through `pactl`
and opened through PortAudio's ALSA "pulse" device with PULSE_SOURCE naming the source.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from dataclasses import dataclass

log = logging.getLogger(__name__)

PULSE_HOST_API = "PulseAudio"


@dataclass(frozen=True)
class InputDevice:
    name: str
    """Stable name remembered in settings (PulseAudio: the source name, not its description)."""
    host_api: str
    channels: int
    default_rate: int
    monitor_of: str | None = None
    """For a monitor/loopback source: the output whose sound it captures."""
    pulse_source: str | None = None
    """PulseAudio source name, when this is a PulseAudio/PipeWire source."""
    is_default: bool = False
    description: str = ""

    @property
    def is_monitor(self) -> bool:
        return self.monitor_of is not None

    @property
    def label(self) -> str:
        text = f"{self.name} [{self.host_api}]"
        return f"{text} {self.description}" if self.description else text


def portaudio_inputs() -> list[InputDevice]:
    try:
        import sounddevice as sd
    except OSError as exc:  # PortAudio library missing
        log.warning("PortAudio is not available: %s", exc)
        return []
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
        default_in = sd.default.device[0]
    except sd.PortAudioError as exc:
        log.warning("PortAudio could not list devices: %s", exc)
        return []
    inputs = []
    for index, dev in enumerate(devices):
        if dev["max_input_channels"] <= 0:
            continue
        api = apis[dev["hostapi"]]["name"]
        is_loopback = "loopback" in dev["name"].lower()
        inputs.append(
            InputDevice(
                name=dev["name"],
                host_api=api,
                channels=int(dev["max_input_channels"]),
                default_rate=int(dev["default_samplerate"]),
                monitor_of=dev["name"] if is_loopback else None,
                is_default=index == default_in,
            )
        )
    return inputs


def _pactl_json(*args: str) -> object | None:
    if not shutil.which("pactl"):
        return None
    try:
        done = subprocess.run(
            ["pactl", "-f", "json", *args], capture_output=True, text=True, timeout=3, check=True
        )
        return json.loads(done.stdout)
    except (subprocess.SubprocessError, json.JSONDecodeError, OSError):
        return None


def _pactl_text(*args: str) -> str | None:
    if not shutil.which("pactl"):
        return None
    try:
        done = subprocess.run(
            ["pactl", *args], capture_output=True, text=True, timeout=3, check=True
        )
    except (subprocess.SubprocessError, OSError):
        return None
    return done.stdout.strip() or None


def pulse_inputs() -> list[InputDevice]:
    """PulseAudio/PipeWire sources (monitors included); empty when no server answers."""
    if sys.platform != "linux":
        return []
    sources = _pactl_json("list", "sources")
    if not isinstance(sources, list):
        return []
    default = _pactl_text("get-default-source")
    inputs = []
    for src in sources:
        spec = str(src.get("sample_specification", ""))
        rate = next((int(p[:-2]) for p in spec.split() if p.endswith("Hz")), 48000)
        # pactl's JSON names the sink a monitor listens to "monitor_source" ("n/a" otherwise).
        sink = src.get("monitor_source")
        is_monitor = src.get("properties", {}).get("device.class") == "monitor"
        monitor_of = str(sink) if sink not in (None, "", "n/a") or is_monitor else None
        inputs.append(
            InputDevice(
                name=str(src["name"]),
                description=str(src.get("description") or src["name"]),
                host_api=PULSE_HOST_API,
                channels=int(src.get("channel_map", "mono").count(",") + 1),
                default_rate=rate,
                monitor_of=monitor_of,
                pulse_source=str(src["name"]),
                is_default=src["name"] == default,
            )
        )
    return inputs


def list_inputs() -> list[InputDevice]:
    return pulse_inputs() + portaudio_inputs()


def find_input(name: str, host_api: str | None = None) -> InputDevice | None:
    """A device by its remembered name (exact, then unique substring), optionally host API."""
    candidates = [d for d in list_inputs() if host_api in (None, d.host_api)]
    for dev in candidates:
        if name == dev.name:
            return dev
    partial = [d for d in candidates if name.lower() in f"{d.name} {d.description}".lower()]
    return partial[0] if len(partial) == 1 else None


def default_agent_input(inputs: list[InputDevice] | None = None) -> InputDevice | None:
    """The system's default microphone (not a monitor), among `inputs` (default: listed)."""
    inputs = list_inputs() if inputs is None else inputs
    for dev in inputs:
        if dev.is_default and not dev.is_monitor:
            return dev
    return next((d for d in inputs if not d.is_monitor), None)


def default_customer_input(inputs: list[InputDevice] | None = None) -> InputDevice | None:
    """The monitor of the default output: what the agent hears."""
    sink = _pactl_text("get-default-sink")
    monitors = [d for d in (list_inputs() if inputs is None else inputs) if d.is_monitor]
    for dev in monitors:
        if sink and dev.pulse_source == f"{sink}.monitor":
            return dev
    return monitors[0] if monitors else None
