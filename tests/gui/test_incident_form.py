"""The incident form as the agent meets it, on Xvfb under openbox with real X input: the
record is written during the call while another window keeps the focus, the overlay offers
it once the escalation is acknowledged, and the form opened by a click saves the agent's part."""

from __future__ import annotations

from deescalate.core.events import CallEvent, EscalateEvent, Reason, SuggestionEvent, TensionEvent
from deescalate.records.ops import OpenIncident
from deescalate.records.store import RecordStore
from deescalate.ui.qt import QApplication, QDialogButtonBox, QLabel, QLineEdit
from tests.gui.conftest import SHOTS
from tests.gui.test_live_app import click_at, xdotool


def test_the_record_is_made_without_taking_focus_and_the_form_saves_what_the_agent_types(
    qtbot, tmp_path, open_overlay
):
    editor = QLineEdit()
    qtbot.addWidget(editor)
    editor.show()
    editor.activateWindow()
    qtbot.waitUntil(editor.hasFocus)
    records = RecordStore(tmp_path / "records.sqlite")
    app = open_overlay(mode="demo", records=records)
    app.start()
    app.session.stop_call()
    session = app.session
    session.apply(CallEvent(1.0, "started"))
    session.apply(TensionEvent(4.0, 88.0, "unsafe", (Reason("threat", 50.0, "hurt you"),)))
    session.apply(SuggestionEvent(4.0, "escalate", "escalate_threat", "Pause the call.", "threat"))
    session.apply(EscalateEvent(4.0, "threat"))
    app.render()
    qtbot.waitUntil(lambda: len(records.incidents()) == 1, timeout=5_000)
    qtbot.waitUntil(lambda: session.state.incident is not None, timeout=3_000)
    qtbot.wait(500)
    assert editor.hasFocus(), "creating the record took the focus from the agent's window"
    assert not app.window.incident.isVisible(), "offered while the escalation is on screen"
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.isModal()]

    app.act("acknowledged")
    qtbot.waitUntil(app.window.incident.isVisible, timeout=3_000)
    assert editor.hasFocus()
    assert app.window.grab().save(str(SHOTS / "incident_button.png"))

    qtbot.wait(500)
    click_at(app.window.incident)
    qtbot.waitUntil(lambda: app.incident_form is not None, timeout=5_000)
    form = app.incident_form
    qtbot.waitExposed(form)
    prefilled = form.findChild(QLabel, "prefilled").text()
    assert 'threat: "hurt you"' in prefilled and "Actions taken: none marked used" in prefilled
    click_at(form.customer_ref)
    qtbot.waitUntil(form.customer_ref.hasFocus, timeout=3_000)
    xdotool("type", "--delay", "20", "ACC-5521")
    form.outcome.setCurrentText("transferred to a supervisor")
    click_at(form.notes)
    xdotool("type", "--delay", "20", "customer called back at 0161 496 0723")
    qtbot.waitUntil(lambda: "0723" in form.notes.toPlainText(), timeout=5_000)
    assert form.grab().save(str(SHOTS / "incident_form.png"))
    click_at(form.buttons.button(QDialogButtonBox.StandardButton.Save))
    qtbot.waitUntil(lambda: records.get_incident(1)["completed"], timeout=5_000)
    incident = records.get_incident(1)
    assert incident["customer_ref"] == "ACC-5521"
    assert incident["outcome"] == "transferred to a supervisor"
    assert incident["notes"].startswith("customer called back") and "0723" not in incident["notes"]
    qtbot.waitUntil(lambda: not app.window.incident.isVisible(), timeout=3_000)


def test_a_record_left_unfinished_last_time_is_offered_when_the_app_starts(
    qtbot, tmp_path, open_overlay
):
    records = RecordStore(tmp_path / "records.sqlite")
    records.apply(OpenIncident("left-last-time", None, 30.0, "abuse", ("insult",)))
    app = open_overlay(mode="demo", records=records)
    assert not app.window.incident.isVisible()
    app.start()
    qtbot.waitUntil(app.window.incident.isVisible, timeout=5_000)
    assert app.session.state.incident == "left-last-time"
