"""The `soundcard` backend (WASAPI loopback on Windows) exercised on its PulseAudio path."""

import pytest

from deescalate.audio.loopback import LoopbackSource, loopback_names
from deescalate.call.pipeline import Pipeline
from deescalate.core.facts import Speaker
from deescalate.speech.sphinx_engine import SphinxRecognizer
from tests.audio.conftest import CLEAR_VOICE, SUPERVISOR_DEMAND, play_and_recognise

pytestmark = pytest.mark.pulse


def test_loopback_source_records_what_the_output_plays(pulse, say, write_wav):
    pulse.add_sink("speakers")
    try:
        assert "speakers.monitor" in loopback_names()
        wav = write_wav("c.wav", say(SUPERVISOR_DEMAND, CLEAR_VOICE))
        source = LoopbackSource(Speaker.CUSTOMER, "speakers.monitor")
        pipeline = Pipeline([source], lambda _speaker: SphinxRecognizer(), live=True)
        heard = play_and_recognise(pulse, pipeline, wav, "speakers", "supervisor")
    finally:
        pulse.remove_sink("speakers")
    assert any("supervisor" in text for text in heard), heard
