import threading

import numpy as np
import pytest

from deescalate.audio.feed import FeedClosed, SpeakerFeed
from deescalate.core.facts import Speaker


def blocks(n: int, size: int = 1600) -> list[np.ndarray]:
    return [np.full(size, float(i), np.float32) for i in range(n)]


def test_a_live_feed_keeps_the_newest_two_seconds_and_counts_what_it_dropped(caplog):
    feed = SpeakerFeed(Speaker.AGENT, 16000)  # 0.1 s blocks
    for block in blocks(50):  # 5 s of audio with nobody reading
        feed.push_nowait(block)
    kept = []
    while (block := feed.pop(0)) is not None:
        kept.append(block[0])
    assert kept == [float(i) for i in range(30, 50)]  # the latest 2 s, oldest first
    assert feed.counters.blocks_dropped == 30
    assert "oldest blocks dropped" in caplog.text


def test_close_returns_at_once_on_a_full_feed_and_the_reader_sees_the_end():
    feed = SpeakerFeed(Speaker.CUSTOMER, 16000, max_seconds=0.2)
    for block in blocks(2):
        feed.push(block)
    closer = threading.Thread(target=feed.close)
    closer.start()
    closer.join(1.0)
    assert not closer.is_alive(), "close() blocked on a full feed"
    assert feed.pop(0.1) is not None and feed.pop(0.1) is not None
    with pytest.raises(FeedClosed):
        feed.pop(0.1)


def test_pop_returns_blocks_in_order_then_stays_closed():
    feed = SpeakerFeed(Speaker.CUSTOMER, 16000)
    feed.push(np.full(3, 1.0, np.float32))
    feed.push(np.full(3, 2.0, np.float32))
    feed.close()
    assert feed.pop(0.1)[0] == 1.0
    assert feed.pop(0.1)[0] == 2.0
    for _ in range(2):
        with pytest.raises(FeedClosed):
            feed.pop(0.1)


def test_a_file_reader_waits_for_room_and_gives_up_after_its_timeout():
    import queue

    feed = SpeakerFeed(Speaker.AGENT, 16000, max_seconds=0.1)
    feed.push(blocks(1)[0])
    with pytest.raises(queue.Full):
        feed.push(blocks(1)[0], timeout=0.05)


def test_pop_times_out_with_none():
    assert SpeakerFeed(Speaker.AGENT, 16000).pop(0.01) is None


def test_overflow_reports_are_counted(caplog):
    feed = SpeakerFeed(Speaker.AGENT, 16000)
    feed.note_overflow()
    feed.note_overflow()
    assert feed.counters.overflows == 2
    assert "overflow" in caplog.text
