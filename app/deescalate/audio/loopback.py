"""Call audio through the `soundcard` package: WASAPI loopback on Windows, PulseAudio on Linux.

PortAudio (sounddevice) can't record an output on Windows, so the customer's side uses
this backend there. On Linux the same class records a PulseAudio monitor, which is how it
is tested here; Linux installs use DeviceSource by default.
"""

from __future__ import annotations

import logging
import threading
import time

import numpy as np

from deescalate.audio.feed import SpeakerFeed
from deescalate.audio.liveness import REOPEN_EVERY_SECONDS, Liveness
from deescalate.audio.sources import SourceHealth, SourceState
from deescalate.core.facts import Speaker

log = logging.getLogger(__name__)

BLOCK_SECONDS = 0.1
RATE = 48_000


class LoopbackUnavailable(Exception):
    pass


def _soundcard():
    try:
        import soundcard
    except ImportError as exc:
        raise LoopbackUnavailable("the soundcard package is not installed") from exc
    except Exception as exc:  # it connects to the sound server at import and asserts
        raise LoopbackUnavailable(f"no sound server answered ({exc!r})") from exc
    return soundcard


def loopback_names() -> list[str]:
    """Outputs (Windows) or monitor sources (Linux) that can be recorded, by stable id."""
    sc = _soundcard()
    return [m.id for m in sc.all_microphones(include_loopback=True) if m.isloopback]


def default_loopback_id() -> str:
    """The loopback of the default output: what the agent hears (Windows' call audio)."""
    return str(_soundcard().default_speaker().id)


class LoopbackSource:
    """Records one loopback/monitor input on its own thread into the speaker's feed."""

    def __init__(self, speaker: Speaker, device_id: str) -> None:
        self.speaker = speaker
        self.device_id = device_id
        self.feed = SpeakerFeed(speaker, RATE)
        self._liveness = Liveness()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._state = SourceState.STOPPED
        self._detail = device_id

    @property
    def feeds(self) -> list[SpeakerFeed]:
        return [self.feed]

    def start(self) -> None:
        self._state = SourceState.STARTING
        self._stop.clear()
        self._thread = threading.Thread(target=self._record, name="loopback", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        self._state = SourceState.STOPPED
        self.feed.close()

    def poll(self) -> list[SourceHealth]:
        if self._state not in (SourceState.STOPPED, SourceState.LOST):
            self._state = self._liveness.state()
            if self._state == SourceState.SILENT:
                self._detail = "no sound for a minute: is the call playing on this output?"
        return [SourceHealth.of(self.feed, self._state, self._detail)]

    def _record(self) -> None:
        """Open, record until the device fails, wait, reopen; until stop()."""
        frames = int(RATE * BLOCK_SECONDS)
        while not self._stop.is_set():
            try:
                sc = _soundcard()
                mic = sc.get_microphone(self.device_id, include_loopback=True)
                with mic.recorder(samplerate=RATE, channels=1, blocksize=frames) as recorder:
                    self._liveness.reset()
                    self._state, self._detail = SourceState.STARTING, self.device_id
                    while not self._stop.is_set():
                        block = np.asarray(recorder.record(numframes=frames), dtype=np.float32)
                        block = block[:, 0].copy() if block.ndim == 2 else block
                        self._liveness.saw(block)
                        self.feed.push_nowait(block)
            except Exception as exc:  # device gone, server gone: report and retry
                if self._state != SourceState.LOST:
                    log.warning("%s loopback lost: %s", self.speaker, exc)
                self._state, self._detail = (
                    SourceState.LOST,
                    f"cannot record {self.device_id}: {exc}",
                )
                time.sleep(REOPEN_EVERY_SECONDS)
