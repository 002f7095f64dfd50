"""The Whisper engine (tiny.en from its package) on real synthesised speech, noise and music."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from deescalate.core.events import plain_word as plain
from deescalate.core.facts import Speaker
from deescalate.demo.synth import Voice
from deescalate.speech.engines import choose_engine, resolve_engine
from deescalate.speech.models import packaged_whisper_model
from deescalate.speech.whisper_engine import WhisperRecognizer
from deescalate.speech.whisper_model import TurnTaking, WhisperModel
from tests.speech.conftest import recognise

RATE = 16000


@pytest.fixture(scope="module")
def model() -> WhisperModel:
    return WhisperModel(packaged_whisper_model())


def heard(results) -> list[str]:
    return [plain(w.text) for r in results if r.final for w in r.words]


def test_auto_takes_whisper_for_english_when_its_package_is_installed(monkeypatch):
    monkeypatch.delenv("DEESCALATE_VOSK_MODEL", raising=False)
    monkeypatch.delenv("DEESCALATE_WHISPER_MODEL", raising=False)
    assert resolve_engine("auto").name == "whisper"
    assert choose_engine("whisper").description == "whisper (tiny.en)"


@pytest.mark.parametrize(
    "voice", [Voice("en-us", 150), Voice("en-gb", 160), Voice("en-us+m3", 145, 40)]
)
def test_words_come_with_times_inside_the_audio_and_real_confidences(model, say, voice):
    audio = say("my card was charged twice and nobody has called me back", voice)
    results = recognise(WhisperRecognizer(model, Speaker.CUSTOMER), audio)
    finals = [r for r in results if r.final]
    words = [w for r in finals for w in r.words]
    assert {"card", "charged", "twice", "called"} <= {plain(w.text) for w in words}
    for w in words:
        assert 0.0 <= w.start < w.end <= audio.size / RATE + 0.05
        assert 0.0 < w.conf <= 1.0
    assert [w.start for w in words] == sorted(w.start for w in words)
    assert min(w.conf for w in words) < 1.0  # not a constant, unlike PocketSphinx


def test_settled_words_arrive_while_the_caller_is_still_talking(model, say):
    """A long sentence with no pause: its fifth word settles long before the end."""
    audio = say(
        "I have called this number four times this week and every single time someone "
        "promised me a refund that never arrived",
        Voice("en-us", 150),
    )
    recognizer = WhisperRecognizer(model, Speaker.CUSTOMER)
    pcm = (audio * 32767).astype(np.int16)
    settled_at = None
    results = []
    for i in range(0, pcm.size, 1600):
        results += recognizer.accept(pcm[i : i + 1600])
        for result in results:
            settled = [plain(w.text) for w in result.words[: result.stable]]
            if not result.final and "number" in settled and settled_at is None:
                settled_at = (i + 1600) / RATE
                assert settled[0] == "i"
    finals = results + recognizer.finish()
    speech_end = audio.size / RATE - 0.5  # `say` pads half a second of silence
    assert settled_at is not None and settled_at < speech_end - 2.0
    assert "refund" in heard(finals)


def test_settled_words_never_change_in_the_final(model, say):
    audio = say(
        "this is the third time I am explaining the same problem to your company and I am "
        "tired of it",
        Voice("en-gb", 160),
    )
    results = recognise(WhisperRecognizer(model, Speaker.CUSTOMER), audio)
    final = next(r for r in results if r.final)
    for partial in (r for r in results if not r.final and r.stable):
        settled = [w.text for w in partial.words[: partial.stable]]
        assert [w.text for w in final.words[: len(settled)]] == settled


def _noise(seconds: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.1, int(seconds * RATE)).astype(np.float32)


def _music(seconds: float) -> np.ndarray:
    """Chords with a beat: the kind of hold music that sets a voice detector off."""
    t = np.arange(int(seconds * RATE)) / RATE
    chords = [(261.6, 329.6, 392.0), (220.0, 261.6, 329.6), (174.6, 220.0, 261.6)]
    out = np.zeros_like(t)
    for i, chord in enumerate(chords * int(seconds)):
        part = (t >= i * 1.0) & (t < (i + 1) * 1.0)
        for f in chord:
            out[part] += np.sin(2 * np.pi * f * t[part]) * np.exp(-3 * (t[part] - i))
    return (0.2 * out / np.max(np.abs(out))).astype(np.float32)


@pytest.mark.parametrize(
    "audio",
    [
        np.zeros(10 * RATE, np.float32),
        _noise(10, 1),
        _noise(10, 2) * 0.05,
        _music(12),
    ],
    ids=["silence", "loud hiss", "quiet hiss", "hold music"],
)
def test_silence_noise_and_music_give_no_words(model, audio):
    results = recognise(WhisperRecognizer(model, Speaker.CUSTOMER), audio)
    assert [r.text for r in results] == []


def test_one_model_serves_both_speakers_at_once(model, say):
    customer = say("I want to cancel my contract today", Voice("en-us", 150))
    agent = say("I can help you with the cancellation", Voice("en-gb", 160))
    out: dict[str, list[str]] = {}

    def run(speaker: Speaker, audio: np.ndarray) -> None:
        out[str(speaker)] = heard(recognise(WhisperRecognizer(model, speaker), audio))

    threads = [
        threading.Thread(target=run, args=(Speaker.CUSTOMER, customer)),
        threading.Thread(target=run, args=(Speaker.AGENT, agent)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert {"cancel", "contract"} <= set(out["customer"])
    assert "cancellation" in out["agent"] and "contract" not in out["agent"]


def test_when_both_speakers_wait_the_customer_decodes_first():
    turns = TurnTaking()
    order: list[str] = []
    holder = turns.turn(Speaker.AGENT)
    holder.__enter__()  # someone is decoding; an agent and then a customer queue up

    def wait_for_turn(speaker: Speaker) -> None:
        with turns.turn(speaker):
            order.append(str(speaker))

    agent = threading.Thread(target=wait_for_turn, args=(Speaker.AGENT,))
    agent.start()
    time.sleep(0.2)
    customer = threading.Thread(target=wait_for_turn, args=(Speaker.CUSTOMER,))
    customer.start()
    time.sleep(0.2)
    holder.__exit__(None, None, None)
    agent.join(5)
    customer.join(5)
    assert order == ["customer", "agent"]


def test_a_long_rant_is_cut_and_heard_to_its_end_without_repeats(model, say):
    """Over 10 s without a pause: the utterance is cut after a settled word and the rest is
    decoded with the settled text as context."""
    rant = (
        "I have been a customer of yours for eleven years and in all that time I have never "
        "once been treated the way I have been treated this month by your billing department "
        "who keep sending me letters about a debt that I paid in full back in March with a "
        "cheque that your own bank cashed on the fourteenth"
    )
    audio = say(rant, Voice("en-us", 175))
    assert audio.size / RATE > 14
    results = recognise(WhisperRecognizer(model, Speaker.CUSTOMER), audio)
    words = heard(results)
    assert "billing" in words and {"eleven", "11"} & set(words), words
    assert {"march", "14th", "fourteenth"} & set(words), words  # the end, after the cut
    assert words.count("customer") == 1 and words.count("billing") == 1, words


def test_a_restarted_sentence_and_leading_silence_are_trimmed():
    from deescalate.core.events import Word
    from deescalate.speech.whisper_model import from_onset, sound_onset, without_restart

    said = [("Thank", 0.1), ("you", 0.3), ("for", 0.4), ("calling.", 0.6), ("Thank", 1.0)]
    words = tuple(Word(text, t, t + 0.2, 0.9) for text, t in said)
    assert [w.text for w in without_restart(words)] == ["Thank", "you", "for", "calling."]
    no_no = tuple(Word(text, t, t + 0.2, 0.9) for text, t in [("no", 0.0), ("no", 0.3)])
    assert without_restart(no_no) == no_no  # a word said twice is no restart
    audio = np.zeros(RATE, np.float32)
    audio[int(0.42 * RATE) :] = 0.3
    assert sound_onset(audio) == pytest.approx(0.42, abs=0.011)
    assert from_onset(words, 0.25)[0].start == 0.25 and from_onset(words, 0.25)[1] == words[1]


def test_a_word_written_over_and_over_is_kept_once():
    from deescalate.core.events import Word
    from deescalate.speech.whisper_model import without_runs

    def words(text: str) -> tuple[Word, ...]:
        return tuple(Word(w, i * 0.1, i * 0.1 + 0.1, 0.9) for i, w in enumerate(text.split()))

    looped = without_runs(words("5 5 5 5 5 5 I am calling about my bill."))
    assert [w.text for w in looped] == ["5", "I", "am", "calling", "about", "my", "bill."]
    assert without_runs(words("no no no stop")) == words("no no no stop")


def test_a_model_named_with_the_whisper_engine_must_be_there(capsys, tmp_path, say, write_wav):
    from deescalate.cli.main import EXIT_BAD_INPUT, main

    wav = write_wav("hello.wav", say("hello there", Voice("en-us", 150)))
    code = main(["replay", str(wav), "--engine", "whisper", "--model", str(tmp_path / "nope")])
    err = capsys.readouterr().err
    assert code == EXIT_BAD_INPUT and "Whisper model folder not found" in err
