"""Vosk (Kaldi) engine: open recognition plus a grammar-constrained spotter for trigger phrases."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from deescalate.audio.feed import SAMPLE_RATE
from deescalate.core.events import Word
from deescalate.speech.base import Recognition, SpeechError, words_span
from deescalate.speech.models import supports_grammar

log = logging.getLogger(__name__)

SPOT_MIN_CONF = 0.9
"""A grammar forces every sound onto its phrases, so only confident matches count."""


def load_model(folder: Path):  # -> vosk.Model
    import vosk

    vosk.SetLogLevel(-1)
    try:
        return vosk.Model(str(folder))
    except Exception as exc:  # vosk raises a bare Exception("Failed to create a model")
        raise SpeechError(
            f"Vosk could not load the model at {folder}: its files are damaged or from an "
            "incompatible version. Unzip the model again or choose another one."
        ) from exc


def _parse_words(items: list[dict]) -> tuple[Word, ...]:
    return tuple(
        Word(str(w["word"]), float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
        for w in items
    )


def known_phrases(model, phrases: Sequence[str]) -> list[str]:
    """Phrases whose every word is in the model's vocabulary (others can't be matched)."""
    known = []
    for phrase in phrases:
        if all(model.vosk_model_find_word(word) >= 0 for word in phrase.split()):
            known.append(phrase)
        else:
            log.info("trigger phrase %r is not in the Vosk model's vocabulary", phrase)
    return known


class VoskRecognizer:
    name = "vosk"

    def __init__(self, model, model_folder: Path, hotwords: Sequence[str] = ()) -> None:
        import vosk

        self._open = vosk.KaldiRecognizer(model, SAMPLE_RATE)
        self._open.SetWords(True)
        self._open.SetPartialWords(True)
        self._last_partial = ""
        self._spotter = None
        self._phrases: list[list[str]] = []
        phrases = known_phrases(model, hotwords) if supports_grammar(model_folder) else []
        if phrases:
            grammar = [*phrases, "[unk]"] if model.vosk_model_find_word("[unk]") >= 0 else phrases
            # ensure_ascii=False: Vosk's JSON reader does not decode \\u escapes.
            self._spotter = vosk.KaldiRecognizer(
                model, SAMPLE_RATE, json.dumps(grammar, ensure_ascii=False)
            )
            self._spotter.SetWords(True)
            self._phrases = [p.split() for p in phrases]

    @property
    def spots_keywords(self) -> bool:
        return self._spotter is not None

    def accept(self, pcm: np.ndarray) -> list[Recognition]:
        data = pcm.astype(np.int16, copy=False).tobytes()
        out: list[Recognition] = []
        if self._open.AcceptWaveform(data):
            out += self._final(json.loads(self._open.Result()))
        else:
            partial = json.loads(self._open.PartialResult())
            text = partial.get("partial", "")
            if text and text != self._last_partial:
                self._last_partial = text
                words = _parse_words(partial.get("partial_result", []))
                start, end = words_span(words, 0.0)
                out.append(Recognition(text, words, False, start, end))
        if self._spotter is not None and self._spotter.AcceptWaveform(data):
            out += self._spotted(json.loads(self._spotter.Result()))
        return out

    def finish(self) -> list[Recognition]:
        out = self._final(json.loads(self._open.FinalResult()))
        if self._spotter is not None:
            out += self._spotted(json.loads(self._spotter.FinalResult()))
        return out

    def _final(self, result: dict) -> list[Recognition]:
        self._last_partial = ""
        text = result.get("text", "")
        if not text:
            return []
        words = _parse_words(result.get("result", []))
        start, end = words_span(words, 0.0)
        return [Recognition(text, words, True, start, end)]

    def _spotted(self, result: dict) -> list[Recognition]:
        words = _parse_words(result.get("result", []))
        hits = []
        for phrase in self._phrases:
            n = len(phrase)
            for i in range(len(words) - n + 1):
                window = words[i : i + n]
                if [w.text for w in window] == phrase and min(
                    w.conf for w in window
                ) >= SPOT_MIN_CONF:
                    hits.append(
                        Recognition(
                            " ".join(phrase), window, True, window[0].start, window[-1].end, True
                        )
                    )
        return hits
