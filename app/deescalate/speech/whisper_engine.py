"""Streaming Whisper for one speaker: words while the caller is still talking.

Voice activity (PocketSphinx's WebRTC-style endpointer) opens and closes utterances, so
silence is never decoded. During an utterance the audio heard so far is decoded again
every `CADENCE` seconds; a word is committed once two decodes in a row agree on it and on
every word before it (local agreement). Committed words never change: they reach the
detector at once as the `stable` part of a partial result, and the end of the utterance
brings the final with the words still open. A long utterance is cut after a committed
word, with the committed text as the prompt for what follows.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from deescalate.audio.feed import SAMPLE_RATE
from deescalate.core.events import Word, plain_word
from deescalate.core.facts import Speaker
from deescalate.speech.base import Frames, Recognition
from deescalate.speech.whisper_model import WhisperModel

CADENCE = 0.4
"""Seconds of new speech between decodes of the growing utterance. On the speech benchmark,
0.5 s took a threat's last word to the escalation in 1.14 s (median); 0.4 s in 0.98 s
with as many threats heard; 0.3 s in 0.77 s but committed half-heard words and escalated
a third fewer threats."""
CUT_AFTER = 10.0
"""An utterance longer than this is cut after its last committed word."""
GIVE_UP_AFTER = 16.0
"""Speech with nothing committed for this long is noise Whisper rejects: dropped."""
SAME_WORD_SLACK = 0.25
"""Seconds by which a word may seem to start before the last committed word ended."""
VAD_MODE = 2
"""0 (loose) to 3 (strict): 2 passes shouted and quiet speech but not steady hum or hiss."""
WINDOW = 0.5
"""Seconds of the endpointer's decision window: with 0.3 s, a speaker's breath between
clauses split the sentence, and tiny.en misheard the short first half."""
RATIO = 0.9
"""Share of the window that must be speech (or silence) to open (or close) an utterance.
A single short word ("Idiot!", 0.46 s) doesn't open one; at 0.7 some did, but tiny.en
wrote sentences for them ("It's not going to be done.") more often than the word."""
PRE_ROLL = 0.45
"""The endpointer starts an utterance once 90% of its window is speech, up to 0.45 s after
the first word began; that much audio before its start goes with the utterance (without
it, "I have called this number" was heard as "Call this number")."""


class WhisperRecognizer:
    name = "whisper"

    def __init__(self, model: WhisperModel, speaker: Speaker) -> None:
        from pocketsphinx import Endpointer

        self._model = model
        self._speaker = speaker
        self._endpointer = Endpointer(
            window=WINDOW, ratio=RATIO, sample_rate=SAMPLE_RATE, vad_mode=VAD_MODE
        )
        self._frames = Frames(self._endpointer.frame_bytes // 2)
        self._fed = 0
        """Samples given to the endpointer: its clock (it hands speech back `WINDOW` late)."""
        history = int((WINDOW + PRE_ROLL) * SAMPLE_RATE / self._frames.size) + 2
        self._history: deque[np.ndarray] = deque(maxlen=history)
        self._reset_utterance(0.0)

    def _reset_utterance(self, start: float) -> None:
        self._audio: list[np.ndarray] = []
        self._samples = 0
        self._start = start
        """Recogniser time of the first sample in `_audio`."""
        self._committed: list[Word] = []
        self._open: list[Word] = []
        """The last decode's words after the committed ones (not yet agreed)."""
        self._undecoded = 0
        self._last_partial: tuple[str, int] = ("", 0)

    def accept(self, pcm: np.ndarray) -> list[Recognition]:
        return [r for frame in self._frames.split(pcm) for r in self._process_frame(frame)]

    def finish(self) -> list[Recognition]:
        rest = self._frames.rest()
        if not self._endpointer.in_speech:
            return []
        tail = self._endpointer.end_stream(rest)
        if tail:
            self._add_speech(tail)
        return self._end_utterance()

    def _process_frame(self, frame: np.ndarray) -> list[Recognition]:
        was_in_speech = self._endpointer.in_speech
        self._history.append(frame)
        self._fed += frame.size
        speech = self._endpointer.process(frame.tobytes())
        if speech is None:
            return []
        if not was_in_speech:
            self._start_utterance(float(self._endpointer.speech_start))
        self._add_speech(speech)
        if not self._endpointer.in_speech:
            return self._end_utterance()
        if self._undecoded >= CADENCE * SAMPLE_RATE:
            return self._step()
        return []

    def _start_utterance(self, start: float) -> None:
        """A new utterance from `PRE_ROLL` before the endpointer's start (from the history
        of frames fed, which runs `WINDOW` ahead of the speech handed back)."""
        history = np.concatenate(self._history)
        history_start = (self._fed - history.size) / SAMPLE_RATE
        first = max(start - PRE_ROLL, history_start, 0.0)
        begin = round((first - history_start) * SAMPLE_RATE)
        end = round((start - history_start) * SAMPLE_RATE)
        self._reset_utterance(first)
        if 0 <= begin < end <= history.size:
            self._add_speech(history[begin:end].tobytes())

    def _add_speech(self, speech: bytes) -> None:
        samples = np.frombuffer(speech, dtype=np.int16).astype(np.float32) / 32768.0
        self._audio.append(samples)
        self._samples += samples.size
        self._undecoded += samples.size

    def _hypothesis(self) -> list[Word]:
        """Words of the audio so far that come after the committed ones, in recogniser time."""
        self._undecoded = 0
        audio = np.concatenate(self._audio) if self._audio else np.zeros(0, np.float32)
        prompt = " ".join(w.text for w in self._committed)
        decoded = self._model.decode(audio, self._speaker, prompt if self._cut_done else "")
        words = [
            Word(w.text, round(self._start + w.start, 2), round(self._start + w.end, 2), w.conf)
            for w in decoded
        ]
        return self._after_committed(words)

    @property
    def _cut_done(self) -> bool:
        """Whether `_audio` no longer starts where the committed words start."""
        return bool(self._committed) and self._committed[0].start < self._start - 0.01

    def _after_committed(self, words: list[Word]) -> list[Word]:
        if not self._committed:
            return words
        if not self._cut_done:
            heard = [plain_word(w.text) for w in words[: len(self._committed)]]
            if heard == [plain_word(w.text) for w in self._committed]:
                return words[len(self._committed) :]
        last_end = self._committed[-1].end
        new = [w for w in words if w.start >= last_end - SAME_WORD_SLACK]
        return new[self._overlap(new) :]

    def _overlap(self, new: list[Word]) -> int:
        """How many leading new words repeat the last committed ones (heard twice)."""
        done = [plain_word(w.text) for w in self._committed]
        for size in range(min(5, len(done), len(new)), 0, -1):
            if done[-size:] == [plain_word(w.text) for w in new[:size]]:
                return size
        return 0

    def _step(self) -> list[Recognition]:
        new = self._hypothesis()
        agreed = 0
        for now, before in zip(new, self._open, strict=False):
            if plain_word(now.text) != plain_word(before.text):
                break
            agreed += 1
        settled = new[:agreed]
        if settled and agreed == len(new):  # at the audio's edge: its punctuation is a guess
            last = settled[-1]
            settled[-1] = Word(last.text.rstrip(".,?!"), last.start, last.end, last.conf)
        self._committed += settled
        self._open = new[agreed:]
        out = self._partial()
        self._cut_if_long()
        return out

    def _partial(self) -> list[Recognition]:
        words = (*self._committed, *self._open)
        text = " ".join(w.text for w in words)
        if not text or (text, len(self._committed)) == self._last_partial:
            return []
        self._last_partial = (text, len(self._committed))
        return [
            Recognition(
                text, words, False, words[0].start, words[-1].end, stable=len(self._committed)
            )
        ]

    def _cut_if_long(self) -> None:
        seconds = self._samples / SAMPLE_RATE
        if seconds < CUT_AFTER:
            return
        settled_end = self._committed[-1].end if self._committed else self._start
        if settled_end > self._start + 0.1:
            self._drop_audio(settled_end)
        elif seconds >= GIVE_UP_AFTER:  # long speech with nothing settled: noise Whisper rejects
            self._drop_audio(self._start + seconds)

    def _drop_audio(self, until: float) -> None:
        """Forgets the utterance's audio before recogniser time `until`."""
        audio = np.concatenate(self._audio)
        keep_from = max(0, min(audio.size, int((until - self._start) * SAMPLE_RATE)))
        self._audio = [audio[keep_from:]]
        self._open = []  # heard in the audio that is gone
        self._samples = audio.size - keep_from
        self._start += keep_from / SAMPLE_RATE

    def _end_utterance(self) -> list[Recognition]:
        words = [*self._committed, *(self._hypothesis() if self._samples else [])]
        self._reset_utterance(self._start)
        if not words:
            return []
        text = " ".join(w.text for w in words)
        return [Recognition(text, tuple(words), True, words[0].start, words[-1].end)]
