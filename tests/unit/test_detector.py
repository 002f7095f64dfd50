"""The detector on its own, fed events as the pipeline would: threats, the spotter's guesses,
the caller's baseline, speaking rate, overtalk and venting."""

from __future__ import annotations

from dataclasses import replace

import pytest

from deescalate.advice.phrasebook import load_phrasebook
from deescalate.core.events import TranscriptEvent, VoiceEvent, Word
from deescalate.tension.detector import Assessment, Baseline, TensionDetector


@pytest.fixture
def detector() -> TensionDetector:
    return TensionDetector(load_phrasebook())


def said(t: float, text: str, speaker: str = "customer", final: bool = True, conf: float = 1.0):
    words = text.split()
    step = 0.3
    start = t - step * len(words)
    timed = tuple(
        Word(w, round(start + i * step, 2), round(start + (i + 1) * step, 2), conf)
        for i, w in enumerate(words)
    )
    return TranscriptEvent(t, speaker, text, final, start, t, False, timed)


def spotted(t: float, text: str, speaker: str = "customer") -> TranscriptEvent:
    return TranscriptEvent(t, speaker, text, True, t - 0.5, t, True, (Word(text, t - 0.5, t, 1),))


def voice(t: float, speaker: str = "customer", loud: float = -26.0, voiced: float = 0.8):
    """An ordinary voice; `loud` above -26 dBFS makes it a raised one (louder, brighter,
    more emphatic, as a shout is)."""
    pitch = 180.0 if voiced >= 0.3 else 0.0
    effort = max(0.0, (loud + 26.0) / 6.0)
    return VoiceEvent(
        t,
        speaker,
        loud if voiced else -100.0,
        pitch,
        1.2,
        voiced,
        -14.0 + effort,
        6.0 - effort,
        0.44 + 0.1 * effort,
        2.8 + effort,
    )


def run(detector: TensionDetector, events, until: float | None = None) -> list[Assessment]:
    out = []
    for event in sorted(events, key=lambda e: e.t):
        out += detector.feed(event)
    out += detector.advance(until if until is not None else max(e.t for e in events) + 1.0)
    return out


def levels(assessments: list[Assessment]) -> set[str]:
    return {a.level for a in assessments}


def cues(assessments: list[Assessment]) -> set[str]:
    return {h.cue for a in assessments for h in a.new_hits}


def test_a_partial_threat_revised_away_never_makes_the_call_unsafe(detector):
    out = run(
        detector,
        [said(2.0, "i will kill you", final=False), said(2.6, "i will bill you")],
        until=20,
    )
    assert "unsafe" not in levels(out)


def test_a_threat_needs_confident_words(detector):
    out = run(detector, [said(2.0, "i am going to kill you", conf=0.35)], until=10)
    assert "unsafe" not in levels(out)
    out = run(TensionDetector(load_phrasebook()), [said(2.0, "i am going to kill you", conf=0.95)])
    assert "unsafe" in levels(out)


def test_each_recogniser_has_its_own_bar_for_a_sure_threat():
    """Whisper's confidence for a correctly heard but unexpected word is low ("regret": 0.3
    to 0.6); Vosk's posteriors are near 1 for words it is sure of."""
    from dataclasses import replace

    def heard_by(recogniser: str, confs: list[float]) -> list:
        event = said(2.0, "keep this up and you'll regret it")
        words = tuple(
            replace(w, conf=c) for w, c in zip(event.words, [0.9] * 4 + confs, strict=False)
        )
        event = replace(event, words=words, recogniser=recogniser)
        return levels(run(TensionDetector(load_phrasebook()), [event], until=10))

    assert "unsafe" in heard_by("whisper", [0.88, 0.31, 0.98])
    assert "unsafe" not in heard_by("whisper", [0.88, 0.07, 0.98])  # "red-write" for "regret"
    assert "unsafe" not in heard_by("vosk", [0.88, 0.31, 0.98])
    assert "unsafe" in heard_by("vosk", [0.95, 0.9, 0.98])


def test_a_spotted_threat_alone_is_never_unsafe(detector):
    out = run(detector, [spotted(3.0, "kill you")], until=10)
    assert "unsafe" not in levels(out)


def test_a_spotted_threat_that_open_recognition_confirms_escalates_once(detector):
    out = run(detector, [spotted(3.0, "kill you"), said(3.4, "i will kill you")], until=6)
    assert "unsafe" in levels(out)
    assert [h.cue for h in detector.hits].count("threat_violence") == 1


def streaming(t: float, text: str, stable: int, conf: float = 0.95) -> TranscriptEvent:
    """A streaming partial whose first `stable` words are settled."""
    partial = said(t, text, final=False, conf=conf)
    return replace(partial, stable=stable, recogniser="whisper")


def test_a_threat_first_heard_in_unsure_settled_words_escalates_when_the_final_is_sure(detector):
    unsure = streaming(2.0, "i will kill you", stable=4, conf=0.3)
    final = replace(said(3.0, "i will kill you today", conf=0.95), recogniser="whisper")
    out = run(detector, [unsure], until=2.9)
    assert "unsafe" not in levels(out)  # words the recogniser was unsure of
    out = run(detector, [final], until=5)
    assert "unsafe" in levels(out)
    assert [h.cue for h in detector.hits].count("threat_violence") == 1


def test_a_threat_only_the_model_reads_escalates_once_when_its_sentence_ends(detector):
    """Streamed a settled word at a time, in a call that is still calm: no listed phrase,
    so the model reads the sentence when the final comes, and escalates it once."""
    text = "i am going to put you in hospital for this"
    words = text.split()
    partials = [
        streaming(1.0 + 0.3 * k, " ".join(words[: k + 1]), stable=k) for k in range(2, len(words))
    ]
    end = 1.0 + 0.3 * len(words)
    final = replace(said(end, text, conf=0.95), recogniser="whisper")
    out = run(detector, partials, until=end - 0.1)
    assert "unsafe" not in levels(out)
    out = run(detector, [final], until=end + 2)
    assert "unsafe" in levels(out)
    assert [h.cue for h in detector.hits].count("threat_words") == 1


def test_a_plan_whose_first_words_read_as_a_threat_does_not_escalate_in_an_angry_call(
    detector,
):
    """ "i'll come round to your office" reads as a threat until the rest of the sentence
    is said; an angry caller planning a visit gets no hand-over prompt."""
    angry = said(3.0, "this is a disgrace and i am absolutely furious with all of you")
    text = "i'll come round to your office on friday with the signed papers"
    words = text.split()
    partials = [
        streaming(4.0 + 0.3 * k, " ".join(words[: k + 1]), stable=k) for k in range(2, len(words))
    ]
    final = replace(said(4.0 + 0.3 * len(words), text, conf=0.95), recogniser="whisper")
    out = run(detector, [angry, *partials, final], until=12)
    assert "unsafe" not in levels(out)
    assert "tense" in levels(out)  # the angry line still counts


def test_a_spotter_guess_is_possibly_heard_not_quoted(detector):
    out = run(detector, [spotted(3.0, "pathetic")], until=4)
    reason = next(r for a in out for r in a.reasons if r.cue == "insult")
    assert reason.words == "" and reason.possibly_heard == "pathetic"


def test_open_recognition_confirming_a_guess_quotes_what_was_said(detector):
    out = run(
        detector,
        [spotted(3.0, "useless"), said(3.2, "you are useless")],
        until=5,
    )
    reason = next(r for r in out[-1].reasons if r.cue == "insult")
    assert reason.words == "useless" and reason.possibly_heard == ""
    assert sum(1 for h in detector.hits if h.cue == "insult") == 1  # one piece of evidence


def test_a_caller_angry_from_the_first_words_is_tense(detector):
    line = (
        "I have been waiting two weeks for my refund and nobody has bothered, this is unacceptable"
    )
    out = run(detector, [said(6.0, line)], until=8)
    assert levels(out) & {"tense", "heated"}


def test_a_loud_first_voice_counts_against_the_population_prior(detector):
    shouting = [voice(0.5 * i, loud=-8.0) for i in range(1, 9)]
    out = run(detector, shouting, until=4.5)
    assert any(r.cue == "raised_voice" for r in out[-1].reasons)


def test_an_ordinary_voice_adds_nothing(detector):
    out = run(detector, [voice(0.5 * i) for i in range(1, 60)])
    assert all(r.cue != "raised_voice" for a in out for r in a.reasons)


def test_a_naturally_loud_caller_becomes_their_own_normal(detector):
    out = run(detector, [voice(0.5 * i, loud=-16.0) for i in range(1, 240)])
    late = [r.points for r in out[-1].reasons if r.cue == "raised_voice"]
    assert late == [] or late[0] < 3


def test_speaking_much_faster_than_usual_counts(detector):
    events = [said(5.0 * i, "i would like to check my order please") for i in range(1, 4)]
    fast = "where is it you said it would come on monday and now it is friday"
    words = fast.split()
    timed = tuple(Word(w, 20 + 0.12 * i, 20 + 0.12 * (i + 1), 1.0) for i, w in enumerate(words))
    events.append(TranscriptEvent(22.0, "customer", fast, True, 20.0, 22.0, False, timed))
    assert "fast_speech" in cues(run(detector, events))


def talk(start: float, end: float, speaker: str, step: float = 0.5) -> list[VoiceEvent]:
    count = round((end - start) / step)
    return [voice(start + step * (i + 1), speaker) for i in range(count)]


def silence(start: float, end: float, speaker: str) -> list[VoiceEvent]:
    count = round((end - start) / 0.5)
    return [voice(start + 0.5 * (i + 1), speaker, voiced=0.0) for i in range(count)]


def test_starting_to_talk_over_the_agent_is_overtalk(detector):
    events = [*talk(0, 6, "agent"), *silence(0, 3, "customer"), *talk(3, 6, "customer")]
    events.append(said(5.5, "no listen to me that is not what happened"))
    assert "overtalk" in cues(run(detector, events))


def test_backchannels_over_the_agent_are_not_overtalk(detector):
    events = [*talk(0, 12, "agent")]
    for start in (0, 3, 6, 9):  # "mm", "yeah", "okay": half a second each
        events += [
            *silence(start, start + 2.5, "customer"),
            *talk(start + 2.5, start + 3, "customer"),
        ]
    events.append(said(9.0, "okay"))
    assert "overtalk" not in cues(run(detector, events))


def test_voice_on_both_channels_without_words_stays_calm(detector):
    # Echo or noise: both channels voiced together for 20 s, and no words from the customer.
    events = [*talk(0, 20, "agent"), *talk(0, 20, "customer")]
    out = run(detector, events)
    assert levels(out) == {"calm"}
    assert not cues(out) & {"overtalk", "long_venting"}


def test_a_long_vent_is_counted_when_the_caller_pauses(detector):
    events = [*talk(0, 25, "customer"), *silence(25, 28, "customer")]
    events += [said(5.0 * i, "and then they sent the wrong part again") for i in range(1, 6)]
    out = run(detector, events)
    vent = [a.t for a in out for h in a.new_hits if h.cue == "long_venting"]
    assert len(vent) == 1 and vent[0] > 25


def test_a_complaint_said_again_counts_but_a_polite_line_said_twice_does_not(detector):
    polite = "could you send the receipt to my email please"
    out = run(detector, [said(4.0, polite), said(12.0, "yes " + polite)])
    assert "repeated_complaint" not in cues(out)
    moan = "the engineer never turned up and this is a joke"
    out = run(TensionDetector(load_phrasebook()), [said(4.0, moan), said(12.0, "look " + moan)])
    assert "repeated_complaint" in cues(out)


def test_a_comma_between_the_words_of_a_threat_still_matches():
    """Whisper punctuates: "I swear I could kill, you right now"."""
    out = run(TensionDetector(load_phrasebook()), [said(2.0, "i swear i could kill, you now")])
    assert "unsafe" in levels(out)
    listed = TensionDetector(load_phrasebook()).words
    assert [m.cue.id for m in listed.match("i could kill, you people", "customer")]
    # A sentence end is not a comma: the listed phrase "kill you" is not there.
    assert not listed.match("i could kill. you people", "customer")


def test_one_wild_reading_weighs_less_than_a_voice_raised_in_every_way():
    # A door slam in the window swings the loudness by 30 dB; everything else is the
    # caller's usual voice. It must not count for more than the caller really raising
    # their voice (louder, brighter, more effortful, more emphatic).
    baseline = Baseline()
    for i in range(40):
        baseline.learn(voice(0.5 * i))
    usual = voice(30.0)
    slam = replace(usual, loudness_swing=usual.loudness_swing + 30)
    raised = voice(30.0, loud=-20.0)
    assert baseline.arousal(usual) == 0
    assert baseline.arousal(slam) < baseline.arousal(raised)


def senior_requests(detector: TensionDetector) -> list[str]:
    asked = {"senior_request", "supervisor_demand"}
    return [h.words for h in detector.hits if h.cue in asked and not h.spotted]


def test_a_vague_request_counts_when_the_spotter_hears_the_plain_one_first(detector):
    run(
        detector,
        [
            said(3.0, "i'd like this passed up the chain"),
            said(6.0, "let me try one more thing", "agent"),
            spotted(8.0, "put your manager on"),
            said(8.5, "no, put your manager on"),
        ],
    )
    assert len(senior_requests(detector)) == 2


def test_two_vague_requests_in_one_breath_are_asked_once(detector):
    run(
        detector,
        [
            said(3.0, "i'd like this passed up the chain"),
            said(4.5, "surely someone above your pay grade can fix this"),
        ],
    )
    assert senior_requests(detector) == []
