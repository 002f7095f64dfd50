from deescalate.call.pipeline import EventMerger
from deescalate.core.events import TranscriptEvent
from deescalate.core.facts import Speaker


def said(t: float, speaker: Speaker) -> TranscriptEvent:
    return TranscriptEvent(t, str(speaker), f"at {t}", True, t, t)


def test_events_wait_until_every_speaker_has_passed_them():
    merger = EventMerger([Speaker.AGENT, Speaker.CUSTOMER])
    merger.add(said(2.0, Speaker.AGENT))
    merger.advance(Speaker.AGENT, 2.0)
    assert merger.release() == []  # the customer's clock is still at 0
    merger.add(said(1.0, Speaker.CUSTOMER))
    merger.advance(Speaker.CUSTOMER, 1.5)
    assert [e.t for e in merger.release()] == [1.0]
    merger.advance(Speaker.CUSTOMER, 3.0)
    assert [e.t for e in merger.release()] == [2.0]


def test_finished_speaker_no_longer_holds_back_the_other():
    merger = EventMerger([Speaker.AGENT, Speaker.CUSTOMER])
    merger.add(said(5.0, Speaker.CUSTOMER))
    merger.advance(Speaker.CUSTOMER, 5.0)
    merger.finish(Speaker.AGENT)
    assert [e.t for e in merger.release()] == [5.0]


def test_flush_returns_the_rest_in_time_order():
    merger = EventMerger([Speaker.AGENT])
    for t in (3.0, 1.0, 2.0):
        merger.add(said(t, Speaker.AGENT))
    assert [e.t for e in merger.flush()] == [1.0, 2.0, 3.0]
