import numpy as np

from deescalate.audio.liveness import Liveness
from deescalate.audio.sources import SourceState


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_states_follow_callbacks_and_content():
    clock = FakeClock()
    live = Liveness(clock)
    assert live.state() == SourceState.STARTING
    live.saw(np.ones(10, np.float32))
    assert live.state() == SourceState.LISTENING
    for _ in range(300):  # 30 s of all-zero blocks: a long pause between turns
        clock.now += 0.1
        live.saw(np.zeros(10, np.float32))
    assert live.state() == SourceState.LISTENING
    for _ in range(310):  # over a minute without a sound
        clock.now += 0.1
        live.saw(np.zeros(10, np.float32))
    assert live.state() == SourceState.SILENT
    clock.now += 2.0  # and then no callbacks at all
    assert live.state() == SourceState.LOST


def test_a_device_that_never_calls_back_is_lost():
    clock = FakeClock()
    live = Liveness(clock)
    clock.now += 2.0
    assert live.state() == SourceState.STARTING  # still within the opening grace
    clock.now += 3.0
    assert live.state() == SourceState.LOST
