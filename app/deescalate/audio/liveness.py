"""Watching a live input for the two silent failures: no callbacks, and all-zero audio."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from deescalate.audio.sources import SourceState

NO_CALLBACK_SECONDS = 1.5
OPEN_GRACE_SECONDS = 4.0
"""Some backends (PulseAudio through ALSA) take seconds to deliver the first block."""
ZERO_AUDIO_SECONDS = 60.0
"""A call's audio is digital silence whenever nobody talks, so a pause between turns is
no problem to report; a minute without a sound is worth a look."""
REOPEN_EVERY_SECONDS = 2.0


class Liveness:
    """Updated from the audio thread with two float stores (no locks); read by `poll`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.opened_at = clock()
        self.last_block = 0.0
        self.last_sound = 0.0

    def reset(self) -> None:
        self.opened_at = self._clock()
        self.last_block = 0.0
        self.last_sound = 0.0

    def saw(self, block: np.ndarray) -> None:
        now = self._clock()
        self.last_block = now
        if block.size and np.any(block):
            self.last_sound = now

    def state(self) -> SourceState:
        now = self._clock()
        if not self.last_block:
            late = now - self.opened_at > OPEN_GRACE_SECONDS
            return SourceState.LOST if late else SourceState.STARTING
        if now - self.last_block > NO_CALLBACK_SECONDS:
            return SourceState.LOST
        if now - (self.last_sound or self.opened_at) > ZERO_AUDIO_SECONDS:
            return SourceState.SILENT
        return SourceState.LISTENING
