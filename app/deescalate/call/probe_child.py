"""The device probe's own process: lists inputs, then measures the level of the devices
the Settings dialog asks for until told to stop (or its parent is gone)."""

from __future__ import annotations

import multiprocessing
import signal
from multiprocessing.connection import Connection

import numpy as np

from deescalate.audio.capture import DeviceSource
from deescalate.audio.devices import (
    InputDevice,
    default_agent_input,
    default_customer_input,
    list_inputs,
)
from deescalate.core.facts import Speaker

LEVEL_EVERY = 0.1
"""Seconds between two level reports."""
SILENCE_DBFS = -90.0


class _Meter:
    def __init__(self, device: InputDevice) -> None:
        self.source = DeviceSource(Speaker.AGENT, device)
        self.source.start()

    def level(self) -> float:
        self.source.poll()  # confirms the stream's route, reopens a device that came back
        blocks = []
        while (block := self.source.feed.pop(0)) is not None:
            blocks.append(block)
        if not blocks:
            return SILENCE_DBFS
        samples = np.concatenate(blocks)
        return float(20 * np.log10(max(np.sqrt(np.mean(samples**2)), 1e-6)))

    def close(self) -> None:
        self.source.stop()


def serve_probe(out: Connection, commands: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        inputs = list_inputs()
        defaults = (default_agent_input(inputs), default_customer_input(inputs))
        automatic = {d.name for d in defaults if d}
    except Exception as exc:  # pactl missing, PortAudio failing: say so, the dialog goes on
        out.send(("problem", f"Could not list audio devices: {exc}"))
        inputs, automatic = [], set()
    listed = [
        {
            "name": d.name,
            "label": d.label,
            "is_monitor": d.is_monitor,
            "is_default": d.is_default,
            "automatic": d.name in automatic,
        }
        for d in inputs
    ]
    out.send(("devices", listed))
    meters: dict[str, _Meter] = {}
    parent = multiprocessing.parent_process()
    try:
        while parent is None or parent.is_alive():
            if commands.poll(LEVEL_EVERY):
                command = commands.recv()
                if command[0] == "stop":
                    return
                _watch(meters, inputs, command[1], command[2], out)
            for role, meter in meters.items():
                out.send(("level", (role, meter.level())))
    except (EOFError, OSError):
        return  # the dialog has gone
    finally:
        for meter in meters.values():
            meter.close()


def _watch(
    meters: dict[str, _Meter], inputs: list, role: str, name: str | None, out: Connection
) -> None:
    old = meters.pop(role, None)
    if old is not None:
        old.close()
    device = next((d for d in inputs if d.name == name), None)
    if device is None:
        return
    try:
        meters[role] = _Meter(device)
    except Exception as exc:
        out.send(("problem", f"Cannot open {device.label}: {exc}"))
