"""PocketSphinx engine: the built-in US-English default, with keyword spotting for triggers.

The `pocketsphinx` wheel ships a complete US-English acoustic model, dictionary and
language model, so this engine works out of the box. Its open recognition is much weaker
than a Vosk model's; the keyword-spotting search catches the phrasebook's trigger phrases
far more reliably than open recognition does, so both run side by side.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deescalate.audio.feed import SAMPLE_RATE
from deescalate.core.events import Word
from deescalate.speech.base import Frames, Recognition, SpeechError, words_span

log = logging.getLogger(__name__)

FRAME_RATE = 100  # PocketSphinx segment times are in 10 ms frames
PARTIAL_EVERY = 0.2  # seconds of speech between partial hypotheses
THRESHOLD_PER_PHONE = 3e-4
"""Keyword-spotting threshold scales with phrase length: longer phrases are less likely
by chance, so each phone lowers the bar by this factor."""
CMN_INIT = "60,3,-1"
"""Starting cepstral mean. The gain control brings speech to about -20 dBFS, where the
energy coefficient averages about 60; PocketSphinx's default (40) suits much quieter input
and costs the first utterances of a call their accuracy while the live mean adapts."""
MIN_PHONES = 6
"""Shorter phrases ("sue", "hell") match chance sounds far too often to be spotted."""
FILLER_WORDS = {"<s>", "</s>", "<sil>", "[NOISE]", "[SPEECH]", "[BREATH]"}


def _clean(word: str) -> str:
    word = word.strip()
    return word.split("(")[0]  # alternate pronunciations are marked "word(2)"


def _make_decoder(**config):
    from pocketsphinx import Decoder

    try:
        return Decoder(samprate=SAMPLE_RATE, loglevel="FATAL", **config)
    except Exception as exc:  # RuntimeError from the C layer for a bad model or config
        raise SpeechError(
            f"PocketSphinx could not start: {exc}. Reinstall the pocketsphinx package."
        ) from exc


class SphinxRecognizer:
    name = "sphinx"

    def __init__(self, hotwords: Sequence[str] = ()) -> None:
        from pocketsphinx import Endpointer

        self._decoder = _make_decoder()
        self._decoder.set_cmn(CMN_INIT)
        self._endpointer = Endpointer(sample_rate=SAMPLE_RATE)
        self._frames = Frames(self._endpointer.frame_bytes // 2)
        self._fed = 0  # samples given to the endpointer
        self._utt_start = 0.0
        self._since_partial = 0.0
        self._last_partial = ""
        self._spotter = None
        self._spot_start = 0.0
        self._speech_time = 0.0
        phrases = self._known_phrases(hotwords)
        if phrases:
            keyphrase_file = self._write_keyphrases(phrases)
            try:
                self._spotter = _make_decoder(kws=keyphrase_file)
            finally:
                Path(keyphrase_file).unlink(missing_ok=True)  # read once, at start-up
            self._spotter.set_cmn(CMN_INIT)

    @property
    def spots_keywords(self) -> bool:
        return self._spotter is not None

    def _known_phrases(self, phrases: Sequence[str]) -> list[str]:
        known = []
        for phrase in phrases:
            prons = [self._decoder.lookup_word(w.lower()) for w in phrase.split()]
            if not all(prons):
                log.info("trigger phrase %r is not in the PocketSphinx dictionary", phrase)
            elif sum(len(p.split()) for p in prons) >= MIN_PHONES:
                known.append(phrase.lower())
        return known

    def _write_keyphrases(self, phrases: list[str]) -> str:
        lines = []
        for phrase in phrases:
            phones = sum(len(self._decoder.lookup_word(w).split()) for w in phrase.split())
            lines.append(f"{phrase} /{THRESHOLD_PER_PHONE**phones:.0e}/\n")
        with tempfile.NamedTemporaryFile("w", suffix=".kws", delete=False) as handle:
            handle.writelines(lines)
        return handle.name

    def accept(self, pcm: np.ndarray) -> list[Recognition]:
        return [r for frame in self._frames.split(pcm) for r in self._process_frame(frame)]

    def finish(self) -> list[Recognition]:
        out: list[Recognition] = []
        rest = self._frames.rest()
        if self._endpointer.in_speech:
            tail = self._endpointer.end_stream(rest)
            if tail:
                self._feed_speech(tail, out)
            out += self._end_utterance()
        return out

    def _process_frame(self, frame: np.ndarray) -> list[Recognition]:
        out: list[Recognition] = []
        was_in_speech = self._endpointer.in_speech
        speech = self._endpointer.process(frame.tobytes())
        self._fed += frame.size
        if speech is None:
            return out
        if not was_in_speech:
            self._start_utterance()
        self._feed_speech(speech, out)
        if not self._endpointer.in_speech:
            out += self._end_utterance()
        return out

    def _start_utterance(self) -> None:
        self._utt_start = float(self._endpointer.speech_start)
        self._speech_time = self._utt_start
        self._since_partial = 0.0
        self._decoder.start_utt()
        if self._spotter is not None:
            self._spot_start = self._utt_start
            self._spotter.start_utt()

    def _feed_speech(self, speech: bytes, out: list[Recognition]) -> None:
        self._decoder.process_raw(speech, False, False)
        seconds = len(speech) / 2 / SAMPLE_RATE
        self._speech_time += seconds
        self._since_partial += seconds
        if self._spotter is not None:
            self._spotter.process_raw(speech, False, False)
            out += self._spotted()
        if self._since_partial >= PARTIAL_EVERY:
            self._since_partial = 0.0
            out += self._partial()

    def _partial(self) -> list[Recognition]:
        hyp = self._decoder.hyp()
        text = hyp.hypstr if hyp else ""
        if not text or text == self._last_partial:
            return []
        self._last_partial = text
        words = self._words(self._decoder, self._utt_start)
        start, end = words_span(words, self._utt_start)
        return [Recognition(text, words, False, start, end)]

    def _end_utterance(self) -> list[Recognition]:
        self._decoder.end_utt()
        self._last_partial = ""
        out = []
        hyp = self._decoder.hyp()
        if hyp and hyp.hypstr:
            words = self._words(self._decoder, self._utt_start)
            start, end = words_span(words, self._utt_start)
            out.append(Recognition(hyp.hypstr, words, True, start, end))
        if self._spotter is not None:
            self._spotter.end_utt()
        return out

    def _spotted(self) -> list[Recognition]:
        hyp = self._spotter.hyp()
        if not hyp or not hyp.hypstr.strip():
            return []
        hits = []
        for seg in self._spotter.seg():
            start = self._spot_start + seg.start_frame / FRAME_RATE
            end = self._spot_start + (seg.end_frame + 1) / FRAME_RATE
            text = _clean(seg.word)
            word = Word(text, round(start, 2), round(end, 2), 1.0)
            hits.append(Recognition(text, (word,), True, word.start, word.end, spotted=True))
        # Restart the search so the same phrase can be found again later in the call.
        self._spotter.end_utt()
        self._spotter.start_utt()
        self._spot_start = self._speech_time
        return hits

    @staticmethod
    def _words(decoder, offset: float) -> tuple[Word, ...]:
        logmath = decoder.logmath
        words = []
        for seg in decoder.seg():
            if seg.word in FILLER_WORDS:
                continue
            words.append(
                Word(
                    _clean(seg.word),
                    round(offset + seg.start_frame / FRAME_RATE, 2),
                    round(offset + (seg.end_frame + 1) / FRAME_RATE, 2),
                    round(min(1.0, logmath.exp(seg.prob)), 3),
                )
            )
        return tuple(words)
