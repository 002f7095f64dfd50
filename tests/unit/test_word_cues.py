import pytest

from deescalate.advice.phrasebook import load_phrasebook
from deescalate.tension.words import WordCues


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


@pytest.mark.parametrize(
    "text",
    [
        "my line manager told me to ring you",
        "our office manager pays the bills",
        "the store manager was lovely to me",
        "she is a supervisor at the hospital",
    ],
)
def test_the_word_manager_alone_is_no_supervisor_demand(cues, text):
    assert "supervisor_demand" not in ids(cues, text)


@pytest.mark.parametrize(
    "text",
    [
        "can I speak to your manager please",
        "put me on to a supervisor",
        "I'd like to talk to someone in charge",
        "who's your supervisor",
    ],
)
def test_a_request_for_a_supervisor_is_found(cues, text):
    assert "supervisor_demand" in ids(cues, text)


def test_words_that_only_look_like_cues(cues):
    assert ids(cues, "we can meet at the food court later") == set()
    assert ids(cues, "never mind, I found the letter") == set()
    assert ids(cues, "oh perfect, thanks so much, that sorted it") == set()
    assert "legal_threat" in ids(cues, "fine, I'll see you in court then")
    assert "sarcasm" in ids(cues, "oh perfect, thanks for nothing")


@pytest.mark.parametrize(
    "text",
    ["don't you make me hurt you", "you won't like it when I find where you live"],
)
def test_a_threat_is_never_negated(cues, text):
    assert "threat_violence" in ids(cues, text)


def test_negation_reaches_only_its_own_clause(cues):
    assert "frustration" in ids(cues, "i'm not upset i'm absolutely furious")
    assert "insult" in ids(cues, "no you moron")
    assert "frustration" in ids(cues, "isn't this a joke")
    assert "insult" in ids(cues, "wasn't that pathetic")
    assert ids(cues, "it's not a joke, I just need help") == set()
    assert ids(cues, "I am not frustrated with you") == set()


def test_the_text_model_ignores_negated_feelings_and_scores_angry_words(cues):
    # Next to nothing (a tenth of what makes a call tense), and far less than the feeling.
    denied = cues.negativity("honestly I am not furious about it")
    assert denied <= 2.5
    assert cues.negativity("honestly I am furious about it") >= 4 * denied
    angry = "you people are hopeless and I have had enough of your excuses, sort it out now"
    assert cues.negativity(angry) >= 10
    assert cues.negativity("could you book me a table for two at seven please") <= 2.5
