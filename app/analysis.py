"""The call's judgement as a consumer of the event stream: detector, then advisor.

Takes pipeline events in call-time order and passes them on, adding `tension` (every half
second of call time), `suggestion` and `escalate` events. Plain code, no threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from app.advice.advisor import Advisor
from app.advice.phrasebook import Phrasebook
from app.events import Event, VoiceEvent
from app.tension.detector import TICK, Assessment, TensionDetector, tension_event


class CallAnalysis:
    def __init__(
        self, phrasebook: Phrasebook, on_event: Callable[[Event], None], coaching: bool = True
    ) -> None:
        self.detector = TensionDetector(phrasebook)
        self.advisor = Advisor(phrasebook, coaching)
        self._emit = on_event
        self._acknowledged = threading.Event()

    def acknowledge(self) -> None:
        """From any thread: the agent acknowledged the escalate prompt."""
        self._acknowledged.set()

    def __call__(self, event: Event) -> None:
        self._publish(self.detector.feed(event))
        if not isinstance(event, VoiceEvent):
            self._emit(event)

    def finish(self, t: float) -> None:
        """End of the call at call time `t`: assess up to it, and the moment after."""
        self._publish(self.detector.advance(t + TICK))

    def _publish(self, assessments: list[Assessment]) -> None:
        if self._acknowledged.is_set():
            self._acknowledged.clear()
            self.advisor.acknowledge()
        for assessment in assessments:
            self._emit(tension_event(assessment))
            for event in self.advisor.update(assessment):
                self._emit(event)
