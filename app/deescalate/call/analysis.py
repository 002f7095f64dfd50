"""The call's judgement as a consumer of the event stream: detector, then advisor.

Takes pipeline events in call-time order and passes them on, adding `tension` (every half
second of call time), `suggestion` and `escalate` events. Plain code, no threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from deescalate.advice.advisor import Advisor
from deescalate.advice.phrasebook import Phrasebook
from deescalate.call.pipeline import Pipeline
from deescalate.core.events import CallEvent, Event, VoiceEvent
from deescalate.tension.detector import TICK, Assessment, TensionDetector, tension_event

CALL_ENDS_AFTER = 30.0
"""Seconds without customer speech after which a live call counts as ended; the next
customer speech starts a new call with a fresh detector and advisor. A call whose
escalation waits for the agent's acknowledgement never ends on silence: putting the caller
on hold is one of the escalation's own steps."""


class CallAnalysis:
    def __init__(
        self,
        phrasebook: Phrasebook,
        on_event: Callable[[Event], None],
        coaching: bool = True,
        split_calls: bool = False,
    ) -> None:
        self.phrasebook, self._coaching = phrasebook, coaching
        self.detector = TensionDetector(phrasebook)
        self.advisor = Advisor(phrasebook, coaching)
        self._emit = on_event
        self._acknowledged = threading.Event()
        self._split_calls = split_calls
        self._in_call = not split_calls
        self._last_speech = 0.0

    def acknowledge(self) -> None:
        """From any thread: the agent acknowledged the escalate prompt."""
        self._acknowledged.set()

    def __call__(self, event: Event) -> None:
        if self._split_calls and isinstance(event, VoiceEvent) and event.speaker == "customer":
            self._track_call(event)
        if not self._in_call:  # between calls: no level or prompt from the last caller
            if not isinstance(event, VoiceEvent):
                self._emit(event)
            return
        self._publish(self.detector.feed(event))
        if not isinstance(event, VoiceEvent):
            self._emit(event)
            self._publish(self.detector.assess_threat_now(event.t))

    def _track_call(self, voice: VoiceEvent) -> None:
        speaking = voice.voiced >= 0.3
        if speaking:
            self._last_speech = voice.t
            if not self._in_call:
                self._in_call = True
                self.detector = TensionDetector(self.phrasebook)
                self.detector.advance(voice.t - voice.t % 0.5)
                self.advisor = Advisor(self.phrasebook, self._coaching)
                self._emit(CallEvent(voice.t, "started"))
        elif (
            self._in_call
            and voice.t - self._last_speech >= CALL_ENDS_AFTER
            and not self._escalation_waiting()
        ):
            self._in_call = False
            self._emit(CallEvent(voice.t, "ended"))

    def follow(self, pipeline: Pipeline) -> None:
        """Runs the pipeline into this analysis until the call's audio ends."""
        pipeline.run(self)
        self.finish(pipeline.t)

    def finish(self, t: float) -> None:
        """End of the call at call time `t`: assess up to it, and the moment after."""
        self._publish(self.detector.advance(t + TICK))

    def _escalation_waiting(self) -> bool:
        self._take_acknowledgement()
        return self.advisor.escalated

    def _take_acknowledgement(self) -> None:
        if self._acknowledged.is_set():
            self._acknowledged.clear()
            self.advisor.acknowledge()

    def _publish(self, assessments: list[Assessment]) -> None:
        self._take_acknowledgement()
        for assessment in assessments:
            self._emit(tension_event(assessment))
            for event in self.advisor.update(assessment):
                self._emit(event)
