import numpy as np
import pytest

from app.audio.feed import FeedClosed, Speaker, SpeakerFeed


def test_full_feed_drops_and_counts_instead_of_blocking(caplog):
    feed = SpeakerFeed(Speaker.AGENT, 16000, max_blocks=2)
    block = np.zeros(160, np.float32)
    results = [feed.push_nowait(block) for _ in range(5)]
    assert results == [True, True, False, False, False]
    assert feed.counters.blocks_in == 2
    assert feed.counters.blocks_dropped == 3
    assert "1 blocks dropped" in caplog.text


def test_pop_returns_blocks_in_order_then_reports_closed():
    feed = SpeakerFeed(Speaker.CUSTOMER, 16000)
    feed.push(np.full(3, 1.0, np.float32))
    feed.push(np.full(3, 2.0, np.float32))
    feed.close()
    assert feed.pop(0.1)[0] == 1.0
    assert feed.pop(0.1)[0] == 2.0
    with pytest.raises(FeedClosed):
        feed.pop(0.1)
    with pytest.raises(FeedClosed):
        feed.pop(0.1)


def test_pop_times_out_with_none():
    assert SpeakerFeed(Speaker.AGENT, 16000).pop(0.01) is None


def test_overflow_reports_are_counted(caplog):
    feed = SpeakerFeed(Speaker.AGENT, 16000)
    feed.note_overflow()
    feed.note_overflow()
    assert feed.counters.overflows == 2
    assert "overflow" in caplog.text
