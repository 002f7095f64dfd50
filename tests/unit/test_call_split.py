from deescalate.advice.phrasebook import load_phrasebook
from deescalate.call.analysis import CALL_ENDS_AFTER, CallAnalysis
from deescalate.core.events import CallEvent, TranscriptEvent, VoiceEvent


def voice(t: float, voiced: float) -> VoiceEvent:
    return VoiceEvent(
        t, "customer", -25.0 if voiced else -100.0, 180.0 if voiced else 0.0, 1.0, voiced
    )


def test_live_calls_start_on_customer_speech_and_end_after_silence():
    out = []
    analysis = CallAnalysis(load_phrasebook(), out.append, split_calls=True)
    t = 0.0
    for _ in range(10):  # silence before the call
        t += 0.5
        analysis(voice(t, 0.0))
    for _ in range(4):
        t += 0.5
        analysis(voice(t, 0.8))
    analysis(TranscriptEvent(t, "customer", "you are useless", True, t - 1, t))
    for _ in range(int(CALL_ENDS_AFTER / 0.5) + 2):
        t += 0.5
        analysis(voice(t, 0.0))
    for _ in range(2):  # the next call: a fresh start, nothing carried over
        t += 0.5
        analysis(voice(t, 0.8))
    calls = [e.state for e in out if isinstance(e, CallEvent)]
    assert calls == ["started", "ended", "started"]
    assert any(e.type == "suggestion" and e.category == "boundary" for e in out)
    assert analysis.detector.hits == []


def test_a_long_call_forgets_faded_evidence():
    from deescalate.tension.detector import FORGET_AFTER, TensionDetector

    detector = TensionDetector(load_phrasebook())
    t = 0.0
    for _ in range(200):
        t += 5.0
        detector.feed(TranscriptEvent(t, "customer", "this is ridiculous", True, t - 1, t))
    detector.advance(t + 1)
    assert all(t + 1 - h.t <= FORGET_AFTER for h in detector.hits)
    assert len(detector.hits) < 200


def _threat_then_silence(analysis: CallAnalysis, silence: float) -> float:
    t = 0.0
    for _ in range(4):
        t += 0.5
        analysis(voice(t, 0.8))
    words = "I will kill you"
    analysis(TranscriptEvent(t, "customer", words, True, t - 1.5, t, words=_sure(words, t)))
    for _ in range(int(silence / 0.5)):
        t += 0.5
        analysis(voice(t, 0.0))
    return t


def _sure(text: str, end: float):
    from deescalate.core.events import Word

    return tuple(
        Word(w, end - 1.5 + i * 0.3, end - 1.2 + i * 0.3, 0.95) for i, w in enumerate(text.split())
    )


def test_a_call_with_an_escalation_waiting_does_not_end_on_silence_until_acknowledged():
    out = []
    analysis = CallAnalysis(load_phrasebook(), out.append, split_calls=True)
    t = _threat_then_silence(analysis, CALL_ENDS_AFTER * 3)  # the caller on hold
    assert any(e.type == "escalate" for e in out)
    assert [e.state for e in out if isinstance(e, CallEvent)] == ["started"]
    analysis.acknowledge()
    analysis(voice(t + 0.5, 0.0))
    assert [e.state for e in out if isinstance(e, CallEvent)] == ["started", "ended"]


def test_nothing_of_the_last_caller_is_assessed_between_calls():
    out = []
    analysis = CallAnalysis(load_phrasebook(), out.append, split_calls=True)
    t = 0.0
    for _ in range(4):
        t += 0.5
        analysis(voice(t, 0.8))
    analysis(TranscriptEvent(t, "customer", "this is ridiculous you are useless", True, t - 1, t))
    for _ in range(int(CALL_ENDS_AFTER / 0.5) + 20):
        t += 0.5
        analysis(voice(t, 0.0))
    ended = next(i for i, e in enumerate(out) if isinstance(e, CallEvent) and e.state == "ended")
    assert [e.type for e in out[ended + 1 :] if e.type in ("tension", "suggestion")] == []
