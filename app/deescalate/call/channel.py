"""One speaker's audio on its way to words: resample → voice features, and gain →
recogniser. The channel owns the speaker's call clock.

The clock counts every sample of the speaker's audio, also audio the feed dropped because
recognition fell behind: a dropped second is a second of the call that passed. The
recogniser only hears what it was given, so its word times are mapped back onto the call
clock through the gaps.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

import numpy as np

from deescalate.audio.convert import StreamResampler, to_int16
from deescalate.audio.feed import SAMPLE_RATE
from deescalate.audio.levels import GainControl
from deescalate.audio.voice import VoiceTracker
from deescalate.core.events import Event, LevelEvent, TranscriptEvent, Word
from deescalate.core.facts import Speaker
from deescalate.speech.base import Recognition, Recognizer

MAX_GAPS = 1000
"""Gaps remembered for mapping word times; words come within seconds of their audio."""


class SpeakerChannel:
    def __init__(self, speaker: Speaker, in_rate: int, recognizer: Recognizer) -> None:
        self.speaker = speaker
        self.recognizer = recognizer
        self.resampler = StreamResampler(in_rate, SAMPLE_RATE)
        self.in_rate = in_rate
        self.gain = GainControl(SAMPLE_RATE)
        self.samples = 0
        """The call clock: samples of this speaker's audio at 16 kHz, heard or dropped."""
        self.heard = 0
        """Samples the recogniser was given."""
        self.skipped_seconds = 0.0
        self._gap_starts: list[int] = []
        self._gap_offsets: list[int] = []
        self._base_offset = 0
        """The offset before the oldest gap still remembered."""
        """At recogniser sample `_gap_starts[i]` the call clock was `_gap_offsets[i]` ahead."""
        self.voice = VoiceTracker(str(speaker))
        self._level_problem: str | None = None

    @property
    def t(self) -> float:
        return self.samples / SAMPLE_RATE

    def process(self, block: np.ndarray) -> list[Event]:
        return self._recognise(self.resampler.process(block))

    def pad_silence(self, seconds: float) -> list[Event]:
        return self._recognise(np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32))

    def skip(self, native_samples: int) -> None:
        """Audio the feed dropped: the clock moves on by its length, nothing is heard."""
        skipped = round(native_samples * SAMPLE_RATE / self.in_rate)
        if skipped <= 0:
            return
        self.samples += skipped
        self.skipped_seconds += skipped / SAMPLE_RATE
        self.voice.skip_to(self.samples)
        self._gap_starts.append(self.heard)
        self._gap_offsets.append(self.samples - self.heard)
        if len(self._gap_starts) > MAX_GAPS:
            self._base_offset = self._gap_offsets[0]
            del self._gap_starts[0], self._gap_offsets[0]

    def finish(self) -> list[Event]:
        events = self._recognise(self.resampler.process(np.zeros(0, np.float32), last=True))
        return events + self._to_events(self.recognizer.finish())

    def call_time(self, heard_seconds: float) -> float:
        """A time in the recogniser's audio as call time (gaps added back)."""
        index = bisect.bisect_right(self._gap_starts, round(heard_seconds * SAMPLE_RATE)) - 1
        offset = self._gap_offsets[index] if index >= 0 else self._base_offset
        return round(heard_seconds + offset / SAMPLE_RATE, 3)

    def _recognise(self, samples: np.ndarray) -> list[Event]:
        if samples.size == 0:
            return []
        self.samples += samples.size
        self.heard += samples.size
        voice: list[Event] = list(self.voice.process(samples))
        pcm = to_int16(self.gain.process(samples))
        return voice + self._level_change() + self._to_events(self.recognizer.accept(pcm))

    def _level_change(self) -> list[Event]:
        report = self.gain.report()
        if report.problem == self._level_problem:
            return []
        self._level_problem = report.problem
        return [
            LevelEvent(
                self.t,
                str(self.speaker),
                report.problem,
                report.speech_dbfs,
                report.clipped_fraction,
            )
        ]

    def _to_events(self, results: Iterable[Recognition]) -> list[Event]:
        if not self._gap_starts:
            return [self._transcript(r.start, r.end, r.words, r) for r in results]
        return [
            self._transcript(
                self.call_time(r.start),
                self.call_time(r.end),
                tuple(
                    Word(w.text, self.call_time(w.start), self.call_time(w.end), w.conf)
                    for w in r.words
                ),
                r,
            )
            for r in results
        ]

    def _transcript(
        self, start: float, end: float, words: tuple[Word, ...], r: Recognition
    ) -> TranscriptEvent:
        return TranscriptEvent(
            self.t,
            str(self.speaker),
            r.text,
            r.final,
            start,
            end,
            r.spotted,
            words,
            r.stable,
            self.recognizer.name,
        )
