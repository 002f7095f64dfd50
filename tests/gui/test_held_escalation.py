"""An escalation stays on the real overlay until the agent acknowledges it, whatever
happens to the call: the caller on hold (silence), the call's process ending, the next
call starting. Real calls in child processes with PocketSphinx."""

from __future__ import annotations

import pytest
import soundfile as sf

from deescalate.audio.feed import SAMPLE_RATE
from deescalate.config.settings import Settings
from deescalate.demo.synth import Line, render_call
from deescalate.records.store import RecordStore
from tests.gui.conftest import SHOTS
from tests.gui.test_live_app import click_at
from tests.session.conftest import ANGRY, CROSS, KLATT
from tests.support.sources import recording_as_live_line


@pytest.fixture(scope="module")
def threat_then_hold(tmp_path_factory):
    """A threat, then 45 s without the customer's voice (the agent put the call on hold)."""
    stereo, _ = render_call(
        [
            Line("agent", "thank you for calling how can I help", KLATT),
            Line("customer", "this is taking forever", CROSS),
            Line("customer", "I will kill you", ANGRY),
        ],
        tail=45.0,
    )
    path = tmp_path_factory.mktemp("calls") / "threat_then_hold.wav"
    sf.write(path, stereo, SAMPLE_RATE)
    return path


@pytest.fixture(scope="module")
def next_call(tmp_path_factory):
    """The next caller: calm."""
    stereo, _ = render_call(
        [
            Line("agent", "thank you for calling how can I help", KLATT),
            Line("customer", "hello I have a question about my bill", CROSS),
        ],
        tail=2.0,
    )
    path = tmp_path_factory.mktemp("calls") / "next.wav"
    sf.write(path, stereo, SAMPLE_RATE)
    return path


def showing_escalation(window) -> bool:
    return window.acknowledge.isVisible() and window.alert.isVisible()


def test_an_escalation_is_held_through_a_hold_the_call_ending_and_the_next_call(
    qtbot, tmp_path, open_overlay, threat_then_hold, next_call
):
    records = RecordStore(tmp_path / "records.sqlite")
    app = open_overlay(
        Settings(engine="sphinx"),
        mode="live",
        records=records,
        recording=str(threat_then_hold),
        make_sources=recording_as_live_line,
    )
    app.start()
    window = app.window
    qtbot.waitUntil(lambda: showing_escalation(window), timeout=90_000)
    first_call = app.session.recorder.call
    # The hold: 45 s without the customer, then the line (the call's process) ends.
    qtbot.waitUntil(lambda: not app.session.running, timeout=120_000)
    qtbot.wait(500)
    assert showing_escalation(window), "the escalation left the screen during the hold"
    assert window.category.text() == "PAUSE AND ESCALATE"
    assert window.meter.level == "unsafe", "the badge calmed down during the hold"
    assert window.why.isVisible() and "threat" in window.why.text()
    window.grab().save(str(SHOTS / "held_escalation.png"))
    app.session.writer.flush(5)
    kinds = [e["data"].get("state") for e in records.call_events(1) if e["type"] == "call"]
    assert "ended" not in kinds, "the call was ended on silence with an escalation waiting"

    app.session._recording = str(next_call)  # the line's next caller
    app.start_call()  # the next call begins with the escalation still waiting
    qtbot.waitUntil(lambda: app.session.recorder.call not in (None, first_call), timeout=30_000)
    qtbot.wait(500)
    assert showing_escalation(window)
    click_at(window.alert)
    qtbot.waitUntil(lambda: app.session.state.alert == "recorded", timeout=5_000)
    app.session.writer.flush(5)
    incidents = records.incidents()
    assert len(incidents) == 1, "the alert opened a second incident for the next call"
    assert incidents[0]["call_id"] == 1 and "supervisor alerted" in incidents[0]["actions"]

    click_at(window.acknowledge)
    qtbot.waitUntil(lambda: not window.acknowledge.isVisible(), timeout=3_000)
    assert not window.why.isVisible(), "the why line outlived the escalation"


def _tense_with_a_prompt(app, t: float) -> None:
    from deescalate.core.events import Reason, SuggestionEvent, TensionEvent

    reasons = (Reason("frustration", 20.0, "ridiculous"),)
    app.session.apply(TensionEvent(t, 48.0, "tense", reasons))
    app.session.apply(
        SuggestionEvent(t, "calming", "calm_pace", "Slow down and lower your voice.", "frustration")
    )
    app.render()


@pytest.mark.parametrize("button", ["used", "dismiss"])
def test_the_why_line_leaves_with_the_prompt_it_explained(qtbot, open_overlay, button):
    from deescalate.core.events import CallEvent, RunningEvent

    app = open_overlay(mode="live")
    app.session.apply(RunningEvent(0.0, "none", demo=False))
    app.session.apply(CallEvent(1.0, "started"))
    _tense_with_a_prompt(app, 5.0)
    assert app.window.why.isVisible() and "frustration" in app.window.why.text()
    click_at(getattr(app.window, button))
    qtbot.waitUntil(lambda: app.session.state.suggestion is None, timeout=3_000)
    assert not app.window.why.isVisible(), f"the why line stayed after {button}"


@pytest.mark.parametrize("how", ["new caller", "call restarted from the menu"])
def test_the_next_call_starts_with_nothing_of_the_last_caller(qtbot, open_overlay, how):
    from deescalate.core.events import CallEvent, RunningEvent

    app = open_overlay(mode="live")
    app.session.apply(RunningEvent(0.0, "none", demo=False))
    app.session.apply(CallEvent(1.0, "started"))
    _tense_with_a_prompt(app, 5.0)
    if how == "new caller":
        app.session.apply(CallEvent(40.0, "ended"))
        app.session.apply(CallEvent(45.0, "started"))
    else:
        app.session.apply(RunningEvent(0.0, "none", demo=False))
    app.render()
    window = app.window
    assert window.meter.level == "calm"
    assert window.category.text() == "Nothing to suggest"
    assert not window.suggestion.isVisible() and not window.why.isVisible()
    assert not window.used.isVisible()
