"""Cues by example in the detector: a threat by example is unsafe only under the same
confidence rules as a threat phrase."""

from __future__ import annotations

from deescalate.advice.phrasebook import Phrasebook
from deescalate.tension.cues import Cue
from deescalate.tension.detector import TensionDetector
from deescalate.tension.text_model import shipped_model
from tests.unit.test_detector import run, said

THREAT = Cue(
    id="office_threat",
    weight=100,
    unsafe=True,
    examples=["I know where your office is and I am coming down there for you"],
)


def hits_of(text: str, conf: float) -> list:
    detector = TensionDetector(Phrasebook(cues=[THREAT]))
    out = run(detector, [said(3.0, text, conf=conf)], until=6.0)
    return [h for a in out for h in a.new_hits if h.cue == "office_threat"]


def test_a_confident_threat_by_example_makes_the_call_unsafe():
    heard = hits_of("i know where your office is and i'm coming down there for you", 0.95)
    assert len(heard) == 1 and heard[0].unsafe
    assert heard[0].example == THREAT.examples[0]


def test_an_unsure_threat_by_example_is_attention_not_alarm():
    heard = hits_of("i know where your office is and i'm coming down there for you", 0.1)
    assert len(heard) == 1 and not heard[0].unsafe
    assert heard[0].points <= 15


def test_a_denied_threat_by_example_still_counts():
    heard = hits_of("i'm not saying i know where your office is and am coming for you", 1.0)
    assert heard


def test_closeness_is_of_wording_not_meaning():
    model = shipped_model()
    assert model.similarity("cancel my order", "please cancel my order") > 0.7
    assert model.similarity("cancel my order", "what time do you open") < 0.1
    assert model.similarity("put me through to your boss", "transfer me to a supervisor") < 0.3
