"""A private PulseAudio daemon with null sinks, for tests and benchmarks.

What a null sink plays, its monitor source records: `paplay -d SINK` stands in for the
call audio reaching the headset, and the monitor is what the app captures.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path


class PulseError(Exception):
    pass


@dataclass
class PulseServer:
    runtime: Path
    process: subprocess.Popen
    saved_env: dict[str, str | None]
    modules: dict[str, int] = field(default_factory=dict)

    @classmethod
    def start(cls, runtime: Path) -> PulseServer:
        """Starts the daemon and points this process (and its children) at it."""
        if not shutil.which("pulseaudio"):
            raise PulseError("pulseaudio is not installed: run `make test`, which installs it.")
        socket = runtime / "native"
        env = dict(os.environ, XDG_RUNTIME_DIR=str(runtime), HOME=str(runtime))
        process = subprocess.Popen(
            [
                "pulseaudio",
                "-n",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                "--disable-shm=yes",
                f"--load=module-native-protocol-unix socket={socket} auth-anonymous=1",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(runtime / "pulseaudio.log").open("w"),
        )
        saved = {k: os.environ.get(k) for k in ("PULSE_SERVER", "XDG_RUNTIME_DIR")}
        os.environ["PULSE_SERVER"] = f"unix:{socket}"
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
        server = cls(runtime, process, saved)
        for _ in range(100):
            if (
                socket.exists()
                and subprocess.run(["pactl", "info"], capture_output=True).returncode == 0
            ):
                return server
            time.sleep(0.1)
        server.stop()
        raise PulseError(f"PulseAudio did not start; see {runtime / 'pulseaudio.log'}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        for key, value in self.saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    def pactl(self, *args: str) -> str:
        done = subprocess.run(["pactl", *args], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    def add_sink(self, name: str) -> None:
        module = self.pactl("load-module", "module-null-sink", f"sink_name={name}", "rate=48000")
        self.modules[name] = int(module)

    def remove_sink(self, name: str) -> None:
        self.pactl("unload-module", str(self.modules.pop(name)))

    def play(self, path: Path, sink: str) -> subprocess.Popen:
        return subprocess.Popen(["paplay", "-d", sink, str(path)])
