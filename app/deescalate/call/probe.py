"""Audio devices for the Settings dialog, probed in a child process: the list of inputs,
and the live level of the two chosen, so the agent can check the right ones are picked.

The window's process never opens an audio stream or loads the audio libraries: the child
does, and sends back plain values (device lists, levels in dBFS). Every method of the
parent's handle returns at once.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection

log = logging.getLogger(__name__)

SILENCE_DBFS = -90.0
_CONTEXT = multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class DeviceInfo:
    """An input as the dialog lists it."""

    name: str
    label: str
    is_monitor: bool
    is_default: bool
    automatic: bool = False
    """The device a call uses for its role when none is chosen (the system's default)."""


def _run_child(out: Connection, commands: Connection) -> None:
    from deescalate.call.probe_child import serve_probe

    serve_probe(out, commands)


class DeviceProbe:
    def __init__(self) -> None:
        self.devices: list[DeviceInfo] | None = None
        """None until the child has listed them."""
        self.problem = ""
        self.levels: dict[str, float] = {}
        """Latest level per role ("agent", "customer"), dBFS."""
        self._from_child, child_out = _CONTEXT.Pipe(duplex=False)
        child_in, self._to_child = _CONTEXT.Pipe(duplex=False)
        self._child_ends = (child_out, child_in)
        self._process = _CONTEXT.Process(
            target=_run_child, args=self._child_ends, name="deescalate-devices", daemon=True
        )
        self._closed = False

    def start(self) -> None:
        threading.Thread(target=self._launch, name="device-probe", daemon=True).start()

    def _launch(self) -> None:
        try:
            self._process.start()
        except Exception as exc:
            log.exception("could not start the device probe")
            self.problem = f"Could not list audio devices: {exc}"
            self.devices = []
            return
        for end in self._child_ends:
            end.close()
        while True:
            try:
                kind, item = self._from_child.recv()
            except (EOFError, OSError):
                break
            if kind == "devices":
                self.devices = [DeviceInfo(**device) for device in item]
            elif kind == "level":
                role, dbfs = item
                self.levels[role] = dbfs
            elif kind == "problem":
                self.problem = item
        if self.devices is None:
            self.devices = []

    def watch(self, role: str, device_name: str | None) -> None:
        """Shows the level of `device_name` for `role` ("agent" or "customer"); None stops."""
        self.levels.pop(role, None)
        self._send(("watch", role, device_name))

    def level(self, role: str) -> float:
        return self.levels.get(role, SILENCE_DBFS)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._send(("stop",))
        threading.Thread(target=self._end, name="device-probe-stop", daemon=True).start()

    def _end(self) -> None:
        if self._process.pid is None:  # closed before it was started
            return
        self._process.join(2.0)
        if self._process.is_alive():
            self._process.terminate()

    def _send(self, command: tuple) -> None:
        with contextlib.suppress(OSError, ValueError):  # the child has gone
            self._to_child.send(command)
