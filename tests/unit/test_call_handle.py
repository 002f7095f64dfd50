"""The parent's handle on a call process never blocks the window: events are read from the
child's pipe by a thread of their own, and `drain` only takes what that thread has read."""

from __future__ import annotations

import struct
import threading
import time

from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK, load_phrasebook
from deescalate.call.process import ProcessCallRunner
from deescalate.call.spec import CallSpec
from deescalate.core.events import ErrorEvent
from deescalate.speech.engines import EngineChoice


def handle() -> ProcessCallRunner:
    book = load_phrasebook([DEFAULT_PHRASEBOOK])
    return ProcessCallRunner(CallSpec("demo", book, EngineChoice("none")))


def test_drain_returns_at_once_while_a_dying_child_left_half_a_message():
    runner = handle()
    reader = threading.Thread(target=runner._receive, daemon=True)
    reader.start()
    runner._child_out.send(("event", ErrorEvent(1.0, "before the crash")))
    # The child dies in the middle of its next message: a length, and only part of it.
    raw = runner._child_out
    raw._send(struct.pack("!i", 1000) + b"half a message")
    time.sleep(0.2)
    started = time.monotonic()
    events = runner.drain()
    assert time.monotonic() - started < 0.05, "drain waited on the pipe"
    assert [e.message for e in events] == ["before the crash"]
    raw.close()  # the child's end is gone
    reader.join(2)
    assert not reader.is_alive(), "the reader did not see the end of the pipe"
    assert runner.drain() == []
