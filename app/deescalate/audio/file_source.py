"""Recorded calls (WAV/FLAC) as a source: the same pipeline runs on files and live calls.

Mono files are the customer only. Stereo files carry one party per channel, agent left and
customer right unless told otherwise.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from deescalate.audio.feed import SpeakerFeed
from deescalate.audio.sources import SourceHealth, SourceState
from deescalate.core.facts import Speaker

log = logging.getLogger(__name__)

BLOCK_SECONDS = 0.1
CHANNEL_LAYOUTS = {
    "agent,customer": (Speaker.AGENT, Speaker.CUSTOMER),
    "customer,agent": (Speaker.CUSTOMER, Speaker.AGENT),
    "customer": (Speaker.CUSTOMER,),
}


class AudioFileError(Exception):
    """A recording that can't be used, with the reason and what to do."""


def check_audio_file(path: Path) -> sf.SoundFile:
    if not path.exists():
        raise AudioFileError(f"{path}: no such file.")
    try:
        handle = sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError) as exc:
        reason = str(exc).rsplit(": ", 1)[-1].rstrip(".")  # libsndfile's words, no path
        raise AudioFileError(
            f"{path}: not a readable WAV or FLAC recording ({reason}). A recording in another "
            f"format can be converted, e.g. `sox call.mp3 call.wav`; a transcript must end in "
            f".txt or .jsonl."
        ) from exc
    if handle.frames == 0:
        handle.close()
        raise AudioFileError(f"{path}: the file holds no audio.")
    if handle.channels > 2:
        handle.close()
        raise AudioFileError(
            f"{path}: {handle.channels} channels; expected mono (customer) or stereo (one party "
            "per channel). Mix it down to stereo first."
        )
    return handle


class FileSource:
    def __init__(self, path: Path, channels: str | None = None, realtime: bool = False) -> None:
        self.path = path
        self._file = check_audio_file(path)
        layout = channels or ("agent,customer" if self._file.channels == 2 else "customer")
        if layout not in CHANNEL_LAYOUTS:
            raise AudioFileError(
                f"unknown channel layout {layout!r}: use {', '.join(CHANNEL_LAYOUTS)}"
            )
        self._speakers = CHANNEL_LAYOUTS[layout]
        self._mix_down = len(self._speakers) == 1
        if len(self._speakers) == 2 and self._file.channels == 1:
            raise AudioFileError(f"{path}: mono file; use --channels customer.")
        rate = self._file.samplerate
        self._feeds = {s: SpeakerFeed(s, rate, max_seconds=5.0) for s in self._speakers}
        self._realtime = realtime
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._state = SourceState.STARTING
        self._detail = str(path)
        self._error: str | None = None

    @property
    def duration(self) -> float:
        return self._file.frames / self._file.samplerate

    @property
    def feeds(self) -> list[SpeakerFeed]:
        return list(self._feeds.values())

    def start(self) -> None:
        self._state = SourceState.LISTENING
        self._thread = threading.Thread(target=self._read_all, name="file-source", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def poll(self) -> list[SourceHealth]:
        return [
            SourceHealth(s, self._state, self._detail, error=self._error) for s in self._speakers
        ]

    def _read_all(self) -> None:
        block = int(self._file.samplerate * BLOCK_SECONDS)
        started = time.monotonic()
        done = 0
        try:
            for data in self._file.blocks(blocksize=block, dtype="float32", always_2d=True):
                if self._stop.is_set():
                    break
                self._push(data)
                done += len(data)
                if self._realtime:
                    ahead = done / self._file.samplerate - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
            self._detail = f"end of the recording ({self.path.name})"
        except (sf.LibsndfileError, RuntimeError) as exc:
            # A truncated or damaged file: keep what was read, say where it stopped.
            self._error = (
                f"{self.path}: damaged or truncated after {done / self._file.samplerate:.1f} s "
                f"({exc}); the audio before that point was used."
            )
            self._detail = self._error
            log.warning("%s", self._error)
        finally:
            self._state = SourceState.ENDED
            self._file.close()
            for feed in self._feeds.values():
                feed.close()

    def _push(self, data: np.ndarray) -> None:
        if self._mix_down:
            self._push_to(self._speakers[0], data.mean(axis=1, dtype=np.float32))
            return
        for column, speaker in enumerate(self._speakers):
            self._push_to(speaker, np.ascontiguousarray(data[:, column]))

    def _push_to(self, speaker: Speaker, block: np.ndarray) -> None:
        # Waits for the recogniser (a file has no real-time deadline) but never past stop().
        while not self._stop.is_set():
            try:
                self._feeds[speaker].push(block, timeout=0.2)
                return
            except queue.Full:
                continue
