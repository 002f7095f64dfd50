"""The overlay under Xvfb: a real window, real events from the real pipeline, screenshots."""

from __future__ import annotations

import subprocess
import time
from dataclasses import replace

import pytest
import soundfile as sf

from deescalate.advice.phrasebook import load_phrasebook
from deescalate.audio.feed import SAMPLE_RATE
from deescalate.audio.file_source import FileSource
from deescalate.call.analysis import CallAnalysis
from deescalate.call.runner import CallRunner
from deescalate.config.settings import Settings
from deescalate.core.events import CallEvent, RunningEvent, StatusEvent
from deescalate.demo import DEMO_CALL
from deescalate.demo.synth import Line, Voice, render_call
from deescalate.records.store import RecordStore
from deescalate.session.display import DisplayState
from deescalate.speech.engines import choose_engine
from deescalate.supervisor.replay import play_transcript
from deescalate.supervisor.transcripts import read_transcript
from deescalate.ui.overlay import WINDOW_FLAGS, OverlayWindow
from deescalate.ui.qt import QApplication, QLineEdit, QPoint, QSettings, Qt, QWidget
from tests.gui.conftest import SHOTS


@pytest.fixture(scope="module")
def phrasebook():
    return load_phrasebook()


@pytest.fixture(scope="module")
def engine(phrasebook):
    return choose_engine("sphinx", hotwords=phrasebook.spot_phrases())


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "overlay.ini"), QSettings.Format.IniFormat)


def replay_events(path, engine, phrasebook) -> list:
    runner = CallRunner([FileSource(path)], engine, phrasebook, live=False)
    runner.start()
    runner.finished.wait(120)
    return runner.drain(100_000)


@pytest.fixture(scope="module")
def demo_events(engine, phrasebook):
    return replay_events(DEMO_CALL, engine, phrasebook)


def shoot(window: QWidget, name: str) -> None:
    """Saves what the window shows once it has grown to fit what it was just given (a
    moment after new text, the old size squeezes the new lines together)."""
    deadline = time.monotonic() + 5
    while window.height() < window.minimumSizeHint().height() and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.02)
    path = SHOTS / f"{name}.png"
    assert window.grab().save(str(path)), f"could not save {path}"


def test_window_never_takes_focus_and_stays_on_top(qtbot, settings):
    window = OverlayWindow(settings=settings)
    qtbot.addWidget(window)
    assert window.windowFlags() & WINDOW_FLAGS == WINDOW_FLAGS
    assert window.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)


def test_another_window_keeps_keyboard_focus_while_the_overlay_updates(
    qtbot, settings, demo_events, phrasebook
):
    editor = QLineEdit()
    qtbot.addWidget(editor)
    editor.show()
    editor.activateWindow()
    editor.setFocus()
    qtbot.waitUntil(lambda: editor.hasFocus())
    window = OverlayWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    state = DisplayState(demo=True, running=True)
    for event in demo_events:
        state.apply(event)
        window.render(state, phrasebook.escalate_steps)
    # Typed through the X server, as the agent types: it reaches the focused window.
    subprocess.run(["xdotool", "type", "--delay", "20", "ticket 42"], check=True, timeout=10)
    qtbot.waitUntil(lambda: editor.text() == "ticket 42", timeout=3_000)
    assert editor.hasFocus() and not window.isActiveWindow()
    assert editor.hasFocus()
    assert not window.isActiveWindow()


def test_screenshots_of_each_state_from_the_demo_call(qtbot, settings, demo_events, phrasebook):
    window = OverlayWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    state = DisplayState(engine="pocketsphinx (built-in US English)", demo=True, running=True)
    wanted = {"calm", "tense", "boundary", "handover"}
    shot = set()
    for event in demo_events:
        state.apply(event)
        window.render(state, phrasebook.escalate_steps)
        moments = {
            "calm": state.level == "calm" and state.t > 5 and state.suggestion is None,
            "tense": state.level == "tense" and state.suggestion is not None,
            "boundary": state.suggestion is not None and state.suggestion.category == "boundary",
            "handover": state.escalate is not None
            and state.suggestion is not None
            and state.suggestion.category == "handover",
        }
        for name, now in moments.items():
            if now and name not in shot:
                shot.add(name)
                shoot(window, name)
                if name == "handover":
                    # A second supervisor request: hand over, not the threat's pause.
                    assert window.alert.isVisible() and window.acknowledge.isVisible()
                    assert window.category.text() == "HAND OVER TO A SUPERVISOR"
                    assert not window.steps.isVisible()
                if name == "boundary":
                    assert window.category.text() == "Set a boundary"
    assert shot == wanted
    state.apply(StatusEvent(state.t, "customer", "lost", "no audio from the device"))
    state.acknowledge()
    window.render(state, phrasebook.escalate_steps)
    assert "customer audio lost" in window.status.text()
    shoot(window, "audio_lost")
    assert window.banner.isVisible() and window.banner.text().startswith("DEMO: not a real call")
    shoot(window, "demo")


def test_sexual_remarks_get_a_boundary_step_that_names_them(qtbot, settings, phrasebook, tmp_path):
    path = tmp_path / "call.txt"
    path.write_text(
        "customer: hi, I'm ringing about the bill I got this morning\n"
        "agent: of course, can I take your postcode\n"
        "customer: never mind that, what are you wearing right now\n",
        encoding="utf-8",
    )
    events: list = []
    play_transcript(read_transcript(path), CallAnalysis(phrasebook, events.append))
    window = OverlayWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    state = DisplayState(engine="replay", running=True)
    for event in events:
        state.apply(event)
        window.render(state, phrasebook.escalate_steps)
        if state.suggestion is not None and state.suggestion.category == "boundary":
            break
    shoot(window, "boundary_sexual_remarks")
    assert window.category.text() == "Set a boundary"
    assert window.why.text().startswith("Why: sexual remarks"), window.why.text()
    assert "respectful" in window.suggestion.text()


def test_a_waiting_hand_over_keeps_its_prompt_when_the_next_caller_swears(
    qtbot, settings, phrasebook, tmp_path
):
    """The hand-over stays until acknowledged, into the next call; that caller's boundary
    step must not replace its words under the hand-over's title."""
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text(
        "customer: I want to speak to your manager about this bill\n"
        "agent: let me try one thing first\n"
        "customer: no, put your manager on now\n",
        encoding="utf-8",
    )
    second.write_text("customer: hurry up you useless idiot\n", encoding="utf-8")
    calls: list[list] = [[], []]
    for path, events in zip((first, second), calls, strict=True):
        play_transcript(read_transcript(path), CallAnalysis(phrasebook, events.append))
    assert any(getattr(e, "category", "") == "boundary" for e in calls[1]), "no boundary step"
    window = OverlayWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    state = DisplayState(engine="replay", running=True)
    end = calls[0][-1].t
    for event in [*calls[0], CallEvent(end, "ended"), CallEvent(end + 5, "started")]:
        state.apply(event)
    for event in calls[1]:
        state.apply(replace(event, t=event.t + end + 5))
        window.render(state, phrasebook.escalate_steps)
    shoot(window, "hand_over_held_into_the_next_call")
    assert window.category.text() == "HAND OVER TO A SUPERVISOR"
    assert "supervisor" in window.suggestion.text()
    assert "respectful" not in window.suggestion.text()


def test_position_is_remembered_per_screen_setup(qtbot, settings):
    window = OverlayWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    window.move(QPoint(200, 300))
    window.save_position()
    again = OverlayWindow(settings=settings)
    qtbot.addWidget(again)
    assert (again.x(), again.y()) == (200, 300)
    window.move(QPoint(5000, 5000))  # a monitor that is no longer there
    window.keep_on_screen()
    assert window.x() <= 1280 - window.width() and window.y() <= 800 - window.height()


def test_threat_in_a_replayed_call_escalates_and_the_alert_records_an_incident(
    qtbot, tmp_path, open_overlay
):
    customer = Voice("en-us+klatt", 165, 56, 190)
    stereo, _ = render_call(
        [
            Line("customer", "this is taking forever", Voice("en-us+klatt", 155, 54, 130)),
            Line("customer", "I will kill you", customer),
        ]
    )
    path = tmp_path / "threat.wav"
    sf.write(path, stereo, SAMPLE_RATE)
    records = RecordStore(tmp_path / "records.sqlite")
    app = open_overlay(Settings(engine="sphinx"), mode="demo", recording=str(path), records=records)
    app.start()
    state = app.session.state
    qtbot.waitUntil(
        lambda: state.suggestion is not None and state.suggestion.category == "escalate",
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: app.window.alert.isVisible(), timeout=2_000)
    assert app.window.category.text() == "PAUSE AND ESCALATE"
    assert app.window.steps.isVisible() and app.window.steps.text().startswith("1. ")
    shoot(app.window, "escalate_threat")
    qtbot.mouseClick(app.window.alert, Qt.MouseButton.LeftButton)
    # No alert channel is set up here: the incident is recorded and the button says so.
    qtbot.waitUntil(lambda: app.window.alert.text() == "Recorded; alerts not set up", timeout=5_000)
    incidents = records.incidents()
    assert len(incidents) == 1
    assert "kill you" in incidents[0]["reason"]
    assert "supervisor alerted" in incidents[0]["actions"]
    assert not app.window.incident.isVisible()
    qtbot.mouseClick(app.window.acknowledge, Qt.MouseButton.LeftButton)
    assert state.escalate is None and not app.window.alert.isVisible()
    qtbot.waitUntil(app.window.incident.isVisible, timeout=2_000)


def test_used_applies_to_the_suggestion_on_screen_and_is_recorded(
    qtbot, tmp_path, demo_events, open_overlay
):
    records = RecordStore(tmp_path / "records.sqlite")
    app = open_overlay(mode="demo", records=records)
    suggestions = [e for e in demo_events if e.type == "suggestion"]
    first, second = suggestions[0], suggestions[1]
    app.session.state.apply(first)
    app.render()
    app.session.state.apply(second)  # arrives between the render and the click
    qtbot.mouseClick(app.window.used, Qt.MouseButton.LeftButton)
    assert app.session.state.suggestion == second, "the newer suggestion must stay"
    app.render()
    qtbot.mouseClick(app.window.used, Qt.MouseButton.LeftButton)
    assert app.session.writer.flush(5)
    rows = records.feedback_rows()
    assert [(r["suggestion_id"], r["action"]) for r in rows] == [(second.id, "used")]
    assert app.session.state.suggestion is None and not app.window.used.isVisible()


def test_a_full_disk_is_shown_and_the_window_keeps_working(open_overlay, tmp_path, qtbot):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the records folder should be")
    app = open_overlay(mode="demo", records=RecordStore(blocked / "records.sqlite"))
    app.timer.start()
    app.session.apply(RunningEvent(0.0, "none", demo=True))
    qtbot.mouseClick(app.window.alert, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cannot open records" in app.window.problem.text(), timeout=5_000)
    assert app.window.problem.isVisible()
    assert "kept and retried" in app.window.problem.text()
    shoot(app.window, "records_problem")


def test_customer_words_show_only_when_switched_on(qtbot, settings, demo_events, phrasebook):
    window = OverlayWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    state = DisplayState(demo=True, running=True)
    for event in demo_events[:200]:
        state.apply(event)
    assert state.partial
    window.render(state, phrasebook.escalate_steps)
    assert not window.transcript.isVisible()
    window.show_transcript = True
    window.render(state, phrasebook.escalate_steps)
    assert window.transcript.isVisible() and state.partial[-20:] in window.transcript.text()
    shoot(window, "transcript_on")


def test_problems_from_two_sources_each_have_a_line_and_leave_with_their_source(
    open_overlay, tmp_path, qtbot
):
    app = open_overlay(mode="demo")
    app.session.report_problem("phrasebook", "team.yaml, line 3: unknown cue `frustated`.")
    app.session.report_problem("alerts", "Supervisor alert not delivered: HTTP 404.")
    app.session.poll()
    app.render()
    text = app.window.problem.text()
    assert text.count("Problem:") == 2 and "frustated" in text and "HTTP 404" in text
    shoot(app.window, "two_problems")
    app.session.report_problem("alerts", None)
    app.session.poll()
    app.render()
    assert "HTTP 404" not in app.window.problem.text()
    assert "frustated" in app.window.problem.text()
