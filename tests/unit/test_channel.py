"""The speaker channel's call clock: audio the feed dropped still counts as call time, and
the recogniser's word times are mapped back across the gaps."""

import numpy as np

from deescalate.call.channel import SpeakerChannel
from deescalate.core.events import TranscriptEvent, VoiceEvent, Word
from deescalate.core.facts import Speaker
from deescalate.speech.base import Recognition


class EchoRecognizer:
    """Reports one final word for every second of audio it is given, timed in its own
    audio (as every recogniser does)."""

    name = "echo"

    def __init__(self) -> None:
        self.heard = 0

    def accept(self, pcm):
        before = self.heard
        self.heard += pcm.size
        out = []
        for second in range(before // 16000, self.heard // 16000):
            word = Word("word", second + 0.2, second + 0.6, 1.0)
            out.append(Recognition("word", (word,), True, word.start, word.end))
        return out

    def finish(self):
        return []


def second_of_audio() -> np.ndarray:
    return np.full(16000, 0.01, dtype=np.float32)


def test_dropped_audio_moves_the_clock_and_word_times_follow_the_call():
    channel = SpeakerChannel(Speaker.AGENT, 16000, EchoRecognizer())
    first = channel.process(second_of_audio())
    channel.skip(3 * 16000)  # three seconds dropped while recognition was behind
    second = channel.process(second_of_audio())
    assert channel.t == 5.0
    words = [e for e in first + second if isinstance(e, TranscriptEvent)]
    assert [(w.start, w.end) for w in words] == [(0.2, 0.6), (4.2, 4.6)]
    assert words[1].words[0].start == 4.2
    assert words[1].t == 5.0


def test_voice_windows_resume_after_a_gap_on_the_call_clock():
    channel = SpeakerChannel(Speaker.CUSTOMER, 16000, EchoRecognizer())
    channel.process(np.zeros(4000, dtype=np.float32))  # a quarter of a window
    channel.skip(16000)
    events = channel.process(np.zeros(8000, dtype=np.float32))
    voice = [e.t for e in events if isinstance(e, VoiceEvent)]
    assert voice == [1.75]


def test_a_gap_at_another_device_rate_is_counted_at_the_call_rate():
    channel = SpeakerChannel(Speaker.AGENT, 48000, EchoRecognizer())
    channel.skip(48000 * 2)
    assert channel.t == 2.0
