"""The overlay under Xvfb: a real window, real events from the real pipeline, screenshots."""

from __future__ import annotations

import pytest
import soundfile as sf

from app.advice.phrasebook import load_phrasebook
from app.audio.feed import SAMPLE_RATE
from app.audio.file_source import FileSource
from app.call import CallRunner
from app.demo import DEMO_CALL
from app.demo.synth import Line, Voice, render_call
from app.display_state import DisplayState
from app.events import StatusEvent
from app.records.store import RecordStore
from app.speech.engines import choose_engine
from app.ui.overlay import WINDOW_FLAGS, OverlayWindow
from app.ui.qt import QLineEdit, QPoint, QSettings, Qt, QWidget
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
    qtbot.keyClicks(editor, "ticket 42")
    assert editor.text() == "ticket 42"
    assert editor.hasFocus()
    assert not window.isActiveWindow()


def test_screenshots_of_each_state_from_the_demo_call(qtbot, settings, demo_events, phrasebook):
    window = OverlayWindow(settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    state = DisplayState(engine="pocketsphinx (built-in US English)", demo=True, running=True)
    wanted = {"calm", "tense", "boundary", "escalate"}
    shot = set()
    for event in demo_events:
        state.apply(event)
        window.render(state, phrasebook.escalate_steps)
        moments = {
            "calm": state.level == "calm" and state.t > 5 and state.suggestion is None,
            "tense": state.level == "tense" and state.suggestion is not None,
            "boundary": state.suggestion is not None and state.suggestion.category == "boundary",
            "escalate": state.escalate is not None
            and state.suggestion is not None
            and state.suggestion.category == "escalate",
        }
        for name, now in moments.items():
            if now and name not in shot:
                shot.add(name)
                shoot(window, name)
                if name == "escalate":
                    assert window.alert.isVisible() and window.acknowledge.isVisible()
                    assert "PAUSE" in window.category.text()
                    assert window.steps.text().startswith("1. ")
                if name == "boundary":
                    assert window.category.text() == "Set a boundary"
    assert shot == wanted
    state.apply(StatusEvent(state.t, "customer", "lost", "no audio from the device"))
    state.acknowledge()
    window.render(state, phrasebook.escalate_steps)
    assert "customer audio lost" in window.status.text()
    shoot(window, "audio_lost")
    assert "demo call" in window.status.text()
    shoot(window, "demo")


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
    qtbot, tmp_path, engine, phrasebook, open_overlay
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
    app = open_overlay(
        lambda: [FileSource(path)], engine=engine, phrasebook=phrasebook, records=records
    )
    app.start_call()
    qtbot.waitUntil(
        lambda: app.state.suggestion is not None and app.state.suggestion.category == "escalate",
        timeout=30_000,
    )
    qtbot.waitUntil(lambda: app.window.alert.isVisible(), timeout=2_000)
    shoot(app.window, "escalate_threat")
    qtbot.mouseClick(app.window.alert, Qt.MouseButton.LeftButton)
    incidents = records.incidents()
    assert len(incidents) == 1
    assert "kill you" in incidents[0]["reason"]
    assert "supervisor alerted" in incidents[0]["actions"]
    qtbot.mouseClick(app.window.acknowledge, Qt.MouseButton.LeftButton)
    assert app.state.escalate is None and not app.window.alert.isVisible()
    app.stop_call()


def test_used_and_dismissed_suggestions_are_recorded(
    qtbot, tmp_path, demo_events, phrasebook, engine, open_overlay
):
    records = RecordStore(tmp_path / "records.sqlite")
    app = open_overlay(engine=engine, phrasebook=phrasebook, demo=True, records=records)
    first = next(e for e in demo_events if e.type == "suggestion")
    app.state.apply(first)
    app.render()
    qtbot.mouseClick(app.window.used, Qt.MouseButton.LeftButton)
    rows = records.feedback_rows()
    assert [(r["suggestion_id"], r["action"]) for r in rows] == [(first.id, "used")]
    assert app.state.suggestion is None and not app.window.used.isVisible()


def test_a_full_disk_is_shown_and_the_window_keeps_working(
    open_overlay, tmp_path, phrasebook, engine
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the records folder should be")
    records = RecordStore(blocked / "records.sqlite")
    app = open_overlay(engine=engine, phrasebook=phrasebook, demo=True, records=records)
    app.alert_supervisor()
    assert "cannot open records" in app.window.problem.text()
    assert app.window.problem.isVisible()
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
