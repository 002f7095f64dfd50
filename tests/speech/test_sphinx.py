"""The built-in PocketSphinx engine on real synthesised English speech."""

import numpy as np
import pytest

from deescalate.demo.synth import Voice
from deescalate.speech.sphinx_engine import SphinxRecognizer
from tests.speech.conftest import recognise

SUPERVISOR = "please get me your supervisor right now"


@pytest.mark.parametrize("voice", [Voice("en-us", 140), Voice("en-us+klatt", 170)])
def test_trigger_word_is_recognised_with_word_times(say, voice):
    audio = say(SUPERVISOR, voice)
    results = recognise(SphinxRecognizer(), audio)
    finals = [r for r in results if r.final]
    words = [w for r in finals for w in r.words]
    assert "supervisor" in [w.text for w in words]
    duration = audio.size / 16000
    for w in words:
        assert 0.0 <= w.start < w.end <= duration + 0.05
        assert 0.0 <= w.conf <= 1.0
    starts = [w.start for w in words]
    assert starts == sorted(starts)


def test_partials_arrive_before_the_final(say):
    results = recognise(SphinxRecognizer(), say(SUPERVISOR, Voice("en-us", 140)))
    first_final = next(i for i, r in enumerate(results) if r.final)
    assert any(not r.final for r in results[:first_final])


def test_silence_gives_no_words():
    assert recognise(SphinxRecognizer(["supervisor"]), np.zeros(16000 * 3, np.float32)) == []


def test_phrases_missing_from_the_dictionary_are_skipped():
    recognizer = SphinxRecognizer(["qwzxv", "supervisor"])
    assert recognizer.spots_keywords
    assert not SphinxRecognizer(["qwzxv"]).spots_keywords
