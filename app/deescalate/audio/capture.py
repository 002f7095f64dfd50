"""Live capture of one speaker through PortAudio (sounddevice), with recovery.

The callback only copies the block into the speaker's bounded feed. `poll` (called by the
pipeline a few times a second) turns missing callbacks or all-zero audio into a state, and
reopens a lost device by its remembered name when it comes back. A PulseAudio stream is
also watched for being moved to another source (see `pulse_route`): its audio is held back
from the moment a move may have happened until the stream is confirmed on its own source,
and a moved stream counts as a lost device.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import numpy as np

from deescalate.audio.devices import InputDevice, find_input
from deescalate.audio.feed import SpeakerFeed
from deescalate.audio.liveness import REOPEN_EVERY_SECONDS, Liveness
from deescalate.audio.pulse_route import PROPERTY, RouteGuard, new_stream_tag
from deescalate.audio.sources import SourceHealth, SourceState
from deescalate.core.facts import Speaker

log = logging.getLogger(__name__)

BLOCK_SECONDS = 0.1
UNCONFIRMED_SECONDS = 5.0
"""A PulseAudio stream the server never lists as ours in this long is used unwatched."""
_pulse_env_lock = threading.Lock()


class DeviceSource:
    def __init__(self, speaker: Speaker, device: InputDevice) -> None:
        self.speaker = speaker
        self.device = device
        self.feed = SpeakerFeed(speaker, device.default_rate)
        self._stream = None
        self._liveness = Liveness()
        self._state = SourceState.STOPPED
        self._detail = ""
        self._next_reopen = 0.0
        self._route: RouteGuard | None = None
        self._opened_at = 0.0

    @property
    def feeds(self) -> list[SpeakerFeed]:
        return [self.feed]

    def start(self) -> None:
        self._open()

    def stop(self) -> None:
        self._close()
        self._state = SourceState.STOPPED
        self.feed.close()

    def poll(self) -> list[SourceHealth]:
        if self._stream is None:
            if self._state != SourceState.STOPPED and time.monotonic() >= self._next_reopen:
                self._reopen()
        elif not self._moved():
            state = self._liveness.state()
            if state == SourceState.LOST or not self._stream.active:
                self._lose("no audio from the device (unplugged or disabled?)")
            else:
                self._state = state
                self._detail = {
                    SourceState.SILENT: "no sound for a minute (muted?)",
                }.get(state, self.device.label)
        return [SourceHealth.of(self.feed, self._state, self._detail)]

    def _open(self) -> None:
        import sounddevice as sd

        dev = self.device
        # One channel: PulseAudio downmixes; ALSA devices give their first channel. The rate
        # stays the one the feed was made with, so a reopened device needs no new resampler.
        kwargs = dict(
            samplerate=self.feed.rate,
            channels=1,
            dtype="float32",
            blocksize=int(dev.default_rate * BLOCK_SECONDS),
            callback=self._callback,
        )
        try:
            if dev.pulse_source:
                self._stream = self._open_pulse(sd, dev.pulse_source, kwargs)
            else:
                self._stream = sd.InputStream(device=self._portaudio_index(sd), **kwargs)
            self._liveness.reset()
            self._opened_at = time.monotonic()
            self._stream.start()
        except (sd.PortAudioError, ValueError, OSError) as exc:
            self._stream = None
            self._lose(f"cannot open {dev.label}: {exc}")
            return
        self._state = SourceState.STARTING
        self._detail = dev.label
        log.info("%s: capturing %s at %d Hz", self.speaker, dev.label, self.feed.rate)

    def _moved(self) -> bool:
        """Whether the sound server moved the stream off its source (then it is lost)."""
        route = self._route
        if route is None or not route.suspect.is_set():
            return False
        now_on = route.check()
        if now_on is None:
            if time.monotonic() - self._opened_at > UNCONFIRMED_SECONDS and not route.seen:
                # The server never listed the tagged stream: watching can't work here, and
                # blanking the audio for good would be worse than an unwatched stream.
                log.warning(
                    "%s: cannot watch %s for moves; using it unwatched",
                    self.speaker,
                    self.device.label,
                )
                route.stop()
                self._route = None
            return False
        where = f"; the sound server switched to {now_on}, which is not used" if now_on else ""
        self._lose(f"{self.device.label} is gone (unplugged or disabled?){where}")
        return True

    def _open_pulse(self, sd, source: str, kwargs: dict):
        # PortAudio's ALSA "pulse" device records from $PULSE_SOURCE, read when it connects;
        # $PULSE_PROP tags the stream so its route can be checked.
        route = RouteGuard(new_stream_tag(str(self.speaker)), source)
        wanted = {"PULSE_SOURCE": source, "PULSE_PROP": f"{PROPERTY}={route.tag}"}
        with _pulse_env_lock:
            before = {key: os.environ.get(key) for key in wanted}
            os.environ.update(wanted)
            try:
                stream = sd.InputStream(device="pulse", **kwargs)
            finally:
                for key, value in before.items():
                    if value is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = value
        if RouteGuard.available():
            self._route = route
            route.start()
        return stream

    def _portaudio_index(self, sd) -> int:
        for index, dev in enumerate(sd.query_devices()):
            api = sd.query_hostapis(dev["hostapi"])["name"]
            if dev["name"] == self.device.name and api == self.device.host_api:
                return index
        raise ValueError("device not present")

    def _callback(self, indata: np.ndarray, frames: int, time_info, status) -> None:
        if status.input_overflow:
            self.feed.note_overflow()
        block = indata[:, 0].copy()
        self._liveness.saw(block)
        route = self._route
        if route is not None and route.suspect.is_set():
            # Maybe another source's sound (a move): the clock runs on, the audio is not used.
            self.feed.push_nowait(np.zeros_like(block))
            return
        self.feed.push_nowait(block)

    def _lose(self, why: str) -> None:
        if self._state != SourceState.LOST:
            log.warning("%s audio lost: %s", self.speaker, why)
        self._close()
        self._state = SourceState.LOST
        self._detail = why
        self._next_reopen = time.monotonic() + REOPEN_EVERY_SECONDS

    def _reopen(self) -> None:
        present = find_input(self.device.name, self.device.host_api)
        if present is None:
            self._next_reopen = time.monotonic() + REOPEN_EVERY_SECONDS
            return
        self.device = present
        self._open()

    def _close(self) -> None:
        route, self._route = self._route, None
        if route is not None:
            route.stop()
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.abort()
            stream.close()
        except Exception as exc:  # a vanished device may fail to close; nothing more to do
            log.debug("closing %s: %s", self.device.label, exc)
