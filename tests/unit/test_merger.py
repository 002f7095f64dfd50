from deescalate.call.merger import EventMerger
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


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_live_events_wait_for_a_slow_speaker_no_longer_than_the_lag_bound():
    clock = FakeClock()
    merger = EventMerger([Speaker.AGENT, Speaker.CUSTOMER], max_lag=0.8, clock=clock)
    merger.add(said(10.0, Speaker.CUSTOMER))
    merger.advance(Speaker.CUSTOMER, 10.0)
    merger.advance(Speaker.AGENT, 7.0)  # the agent's recogniser is three seconds behind
    clock.now = 0.5
    assert merger.release() == []  # ordinary jitter: wait for the agent
    clock.now = 0.81
    assert [e.t for e in merger.release()] == [10.0]


def test_an_event_that_arrives_after_later_ones_were_released_comes_out_at_once_and_is_counted():
    clock = FakeClock()
    merger = EventMerger([Speaker.AGENT, Speaker.CUSTOMER], max_lag=0.8, clock=clock)
    merger.add(said(10.0, Speaker.CUSTOMER))
    merger.advance(Speaker.CUSTOMER, 10.0)
    clock.now = 1.0
    assert [e.t for e in merger.release()] == [10.0]
    merger.add(said(8.0, Speaker.AGENT))
    merger.advance(Speaker.AGENT, 8.0)
    assert [e.t for e in merger.release()] == [8.0]
    assert merger.late == {"agent": 1}
    assert merger.reached >= 10.0


def test_files_keep_strict_order_however_long_a_speaker_takes():
    clock = FakeClock()
    merger = EventMerger([Speaker.AGENT, Speaker.CUSTOMER], clock=clock)
    merger.add(said(10.0, Speaker.CUSTOMER))
    merger.advance(Speaker.CUSTOMER, 10.0)
    clock.now = 60.0
    assert merger.release() == []
    assert merger.late == {}


def test_the_lag_stays_bounded_over_five_minutes_of_a_recogniser_slower_than_real_time():
    """The customer's recogniser keeps up; the agent's takes 1.5 s per second of audio and
    its feed drops the oldest audio beyond 2 s. Every customer event comes out within the
    bound of when it was produced, from the first minute to the fifth."""
    clock = FakeClock()
    merger = EventMerger([Speaker.AGENT, Speaker.CUSTOMER], max_lag=0.8, clock=clock)
    agent_clock = 0.0
    waits: list[tuple[float, float]] = []  # (call time, wall seconds waited)
    produced: dict[float, float] = {}
    step = 0.1
    for tick in range(int(300 / step)):
        clock.now = now = tick * step
        customer_t = round(now, 1)
        event = said(customer_t, Speaker.CUSTOMER)
        produced[customer_t] = now
        merger.add(event)
        merger.advance(Speaker.CUSTOMER, customer_t)
        # the agent: processes 1 s of audio per 1.5 s, and its clock counts what was dropped
        agent_clock = max(agent_clock + step / 1.5, now - 2.0)
        merger.advance(Speaker.AGENT, agent_clock)
        for out in merger.release():
            if out.speaker == "customer":
                waits.append((out.t, now - produced[out.t]))
    first = max(w for t, w in waits if t < 60)
    last = max(w for t, w in waits if t >= 240)
    assert first <= 0.8 + step + 1e-6 and last <= 0.8 + step + 1e-6
    assert len(waits) >= 2990, "every customer event must come out"


def test_a_speaker_known_to_be_behind_is_not_waited_for():
    clock = FakeClock()
    merger = EventMerger([Speaker.AGENT, Speaker.CUSTOMER], max_lag=0.8, clock=clock)
    merger.add(said(10.0, Speaker.CUSTOMER))
    merger.advance(Speaker.CUSTOMER, 10.0)
    merger.advance(Speaker.AGENT, 7.0)
    merger.set_behind({"agent"})
    assert [e.t for e in merger.release()] == [10.0]  # at once, not after the lag bound
