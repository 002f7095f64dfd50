"""Keeping a PulseAudio/PipeWire record stream on the source it was opened on.

When a source disappears (the softphone's output unplugged), the sound server moves every
stream recording from it to another source, usually the default microphone, and PortAudio
is not told. The customer's stream would then carry the agent's voice. Each stream is
opened with a property naming it; a `pactl subscribe` process reports changes at once,
and until the stream is confirmed on its own source again its audio is not used.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import shutil
import subprocess
import threading

log = logging.getLogger(__name__)

PROPERTY = "deescalate.stream"
_numbers = itertools.count(1)
_EVENT = re.compile(r"Event '(\w+)' on (source-output|source) #(\d+)")


def new_stream_tag(speaker: str) -> str:
    return f"{os.getpid()}-{speaker}-{next(_numbers)}"


def _untranslated() -> dict[str, str]:
    """pactl translates its event lines (and older ones their numbers): read them in C."""
    return {**os.environ, "LC_ALL": "C"}


def _pactl_json(*args: str) -> list:
    try:
        done = subprocess.run(
            ["pactl", "-f", "json", *args],
            capture_output=True,
            text=True,
            timeout=3,
            check=True,
            env=_untranslated(),
        )
        found = json.loads(done.stdout)
    except (subprocess.SubprocessError, json.JSONDecodeError, OSError):
        return []
    return found if isinstance(found, list) else []


class RouteGuard:
    """Watches one tagged record stream. `suspect` is set (from the watcher's thread) the
    moment anything might have moved it; `check` says where it really is."""

    def __init__(self, tag: str, source: str) -> None:
        self.tag = tag
        self.source = source
        self.suspect = threading.Event()
        self.suspect.set()  # not yet seen on its source
        self._events = 0
        """Changes seen by the watcher: a check clears `suspect` only if none came during it."""
        self._index: int | None = None
        self.seen = False
        """Whether the server ever listed the stream with its tag."""
        self._watcher: subprocess.Popen | None = None

    @staticmethod
    def available() -> bool:
        return shutil.which("pactl") is not None

    def start(self) -> None:
        try:
            self._watcher = subprocess.Popen(
                ["pactl", "subscribe"],
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
                env=_untranslated(),
            )
        except OSError as exc:
            log.warning("cannot watch PulseAudio for moved streams: %s", exc)
            return
        threading.Thread(target=self._watch, name=f"route-{self.tag}", daemon=True).start()

    def stop(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.kill()
            watcher.wait()

    def _watch(self) -> None:
        watcher = self._watcher
        if watcher is None or watcher.stdout is None:
            return
        for line in watcher.stdout:
            found = _EVENT.search(line)
            if not found:
                continue
            kind, facility, index = found.groups()
            ours = self._index is None or int(index) == self._index
            source_gone = facility == "source" and kind == "remove"
            if (facility == "source-output" and ours) or source_gone:
                self._events += 1
                self.suspect.set()

    def check(self) -> str | None:
        """None while the stream is on its source (or not visible yet); else the name of the
        source it was moved to ("" when it is gone)."""
        events_before = self._events
        outputs = _pactl_json("list", "source-outputs")
        mine = [o for o in outputs if o.get("properties", {}).get(PROPERTY) == self.tag]
        if not mine:
            return None  # the server has not listed it yet: stay suspect
        self.seen = True
        self._index = int(mine[0].get("index", -1))
        names = {s.get("index"): s.get("name", "") for s in _pactl_json("list", "sources")}
        now_on = str(names.get(mine[0].get("source"), ""))
        if now_on == self.source:
            if self._events == events_before:  # else a change came while looking: look again
                self.suspect.clear()
            return None
        return now_on
