"""One call: the pipeline (audio → words and voice) into the analysis (detector → advisor).

The same runtime serves the call's child process (on a worker thread, events out through a
queue that the parent drains on its own schedule) and the terminal commands `listen` and
`demo` (`run` on the caller's thread, events to a printer). No Qt here.
"""

from __future__ import annotations

import logging
import queue
import threading

from deescalate.advice.phrasebook import Phrasebook
from deescalate.call.analysis import CallAnalysis
from deescalate.call.pipeline import Pipeline
from deescalate.core.events import ErrorEvent, Event
from deescalate.speech.engines import Engine

log = logging.getLogger(__name__)


class CallRunner:
    def __init__(
        self,
        sources: list,
        engine: Engine,
        phrasebook: Phrasebook,
        live: bool,
        coaching: bool = True,
        analysis: CallAnalysis | None = None,
    ) -> None:
        """Without `analysis`, events go to `events` for `drain`; with one, to wherever that
        analysis sends them."""
        self.events: queue.Queue[Event] = queue.Queue()
        self.analysis = analysis or CallAnalysis(
            phrasebook, self.events.put, coaching, split_calls=live
        )
        self.pipeline: Pipeline | None = None
        self._sources, self._engine, self._live = sources, engine, live
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="call", daemon=True)
        self.finished = threading.Event()

    def start(self) -> None:
        """Runs the call on a worker thread."""
        self._thread.start()

    def run(self) -> None:
        """Runs the call on this thread until its audio ends or `stop()` is called."""
        self._run(report_errors=False)

    def stop(self) -> None:
        """Asks the call to end and returns at once; `finished` is set when it has."""
        self._stopping.set()
        pipeline = self.pipeline
        if pipeline is not None:
            pipeline.stop()

    def wait(self, timeout: float) -> bool:
        return self.finished.wait(timeout)

    def acknowledge(self) -> None:
        self.analysis.acknowledge()

    def drain(self, limit: int = 1000) -> list[Event]:
        out = []
        while len(out) < limit:
            try:
                out.append(self.events.get_nowait())
            except queue.Empty:
                break
        return out

    def _run(self, report_errors: bool = True) -> None:
        try:
            # Recognisers take a second or more to load: never on the caller's (GUI) thread.
            self.pipeline = Pipeline(self._sources, self._engine.make, live=self._live)
            if self._stopping.is_set():
                return
            self.analysis.follow(self.pipeline)
        except Exception as exc:
            if not report_errors:
                raise
            log.exception("call stopped")  # reported on the display; the window stays up
            self.events.put(ErrorEvent(0.0, f"call stopped: {exc}"))
        finally:
            self.pipeline = None  # free the recognisers and resamplers once the call is over
            self.finished.set()
