"""Engines for session tests, chosen by module-level functions so a call's child process
can import them. Each wraps a real PocketSphinx recogniser."""

from __future__ import annotations

import os
import time

from deescalate.speech.engines import Engine, choose_engine


class SlowRecognizer:
    """A real recogniser that takes far longer than real time on every block, like an
    engine that fell behind on an overloaded machine."""

    name = "slow"

    def __init__(self, inner, delay: float) -> None:
        self._inner, self._delay = inner, delay

    def accept(self, pcm):
        time.sleep(self._delay)
        return self._inner.accept(pcm)

    def finish(self):
        return self._inner.finish()


def slow_sphinx(spec, phrasebook) -> Engine:
    real = choose_engine("sphinx", hotwords=phrasebook.spot_phrases())
    return Engine(
        "slow", "pocketsphinx, slowed down", lambda speaker: SlowRecognizer(real.make(speaker), 1.0)
    )


class CrashingRecognizer:
    """Dies like native code does (no exception, no cleanup) after a few blocks."""

    name = "crashing"

    def __init__(self, inner) -> None:
        self._inner, self._blocks = inner, 0

    def accept(self, pcm):
        self._blocks += 1
        if self._blocks > 20:
            os._exit(139)
        return self._inner.accept(pcm)

    def finish(self):
        return self._inner.finish()


def crashing_sphinx(spec, phrasebook) -> Engine:
    real = choose_engine("sphinx", hotwords=phrasebook.spot_phrases())
    return Engine(
        "crashing", "pocketsphinx, crashing", lambda speaker: CrashingRecognizer(real.make(speaker))
    )


class StuckRecognizer:
    """Hangs inside a block, as a decoder stuck in native code would."""

    name = "stuck"

    def __init__(self, inner) -> None:
        self._inner, self._blocks = inner, 0

    def accept(self, pcm):
        self._blocks += 1
        if self._blocks == 10:
            time.sleep(60)
        return self._inner.accept(pcm)

    def finish(self):
        return self._inner.finish()


def stuck_sphinx(spec, phrasebook) -> Engine:
    real = choose_engine("sphinx", hotwords=phrasebook.spot_phrases())
    return Engine(
        "stuck", "pocketsphinx, stuck", lambda speaker: StuckRecognizer(real.make(speaker))
    )


class BehindRecognizer:
    """A real recogniser that takes `ratio` times as long as the audio it is given, like an
    engine too slow for real time on an overloaded machine."""

    name = "behind"

    def __init__(self, inner, ratio: float) -> None:
        self._inner, self._ratio = inner, ratio

    def accept(self, pcm):
        started = time.monotonic()
        result = self._inner.accept(pcm)
        spent = time.monotonic() - started
        time.sleep(max(0.0, pcm.size / 16000 * self._ratio - spent))
        return result

    def finish(self):
        return self._inner.finish()


def slow_agent_sphinx(spec=None, phrasebook=None) -> Engine:
    """PocketSphinx, with the agent's recogniser 1.5 times slower than real time."""
    hotwords = phrasebook.spot_phrases() if phrasebook is not None else []
    real = choose_engine("sphinx", hotwords=hotwords)

    def make(speaker):
        recognizer = real.make(speaker)
        return BehindRecognizer(recognizer, 1.5) if speaker == "agent" else recognizer

    return Engine("behind", "pocketsphinx, agent 1.5x slower than real time", make)
