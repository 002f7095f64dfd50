import pytest

from app.advice.phrasebook import load_phrasebook
from app.tension.words import WordCues


@pytest.fixture(scope="module")
def cues() -> WordCues:
    return WordCues(load_phrasebook())


def ids(cues: WordCues, text: str, speaker: str = "customer") -> set[str]:
    return {m.cue.id for m in cues.match(text, speaker)}


@pytest.mark.parametrize(
    "text",
    ["can I kill the process", "my screen died", "shoot me an e-mail", "I'm not angry"],
)
def test_lexical_traps_match_no_cue_and_little_sentiment(cues, text):
    assert ids(cues, text) == set()
    assert cues.negativity(text) <= 6.0


def test_threat_supervisor_and_insult_are_found(cues):
    assert "threat_violence" in ids(cues, "I swear I will kill you")
    assert "supervisor_demand" in ids(cues, "get me your supervisor")
    assert "insult" in ids(cues, "you are useless")


def test_negation_cancels_a_cue(cues):
    assert ids(cues, "I am not angry at all") == set()
    assert ids(cues, "I am angry") == {"frustration"}


def test_agent_phrases_count_only_for_the_agent(cues):
    assert ids(cues, "please calm down", "agent") == {"agent_calm_down"}
    assert ids(cues, "please calm down", "customer") == set()


def test_whole_words_only(cues):
    assert ids(cues, "the cancellation fee") == set()  # "cancel" inside a longer word
    assert ids(cues, "I will cancel") == {"cancellation"}
