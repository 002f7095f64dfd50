"""The dialogs the agent opens from the overlay, on Xvfb under openbox with real X input:
Settings and the incident form open beside the always-on-top overlay (or above it where
the screen has no room), the overlay can still be dragged while Settings is open, and a
long "Not saved" problem is shown in full."""

from __future__ import annotations

import subprocess

import pytest

from deescalate.config.settings import Settings
from deescalate.ui.qt import QGuiApplication, QPoint, QRect
from tests.gui.conftest import SHOTS
from tests.gui.test_live_app import xdotool

OVERLAY_PLACES = [None, QPoint(450, 300)]
OVERLAY_PLACE_NAMES = ["overlay where it opens", "overlay mid-screen"]
LONG_PATH_FOLDER = "a_rather_long_folder_for_the_team_phrasebooks/of_the_billing_team"


def stacking() -> list[int]:
    """X windows of the window manager's clients, bottom to top."""
    out = subprocess.run(
        ["xprop", "-root", "_NET_CLIENT_LIST_STACKING"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [int(w, 16) for w in out.split("#", 1)[1].replace(",", " ").split()]


def client_window(widget) -> int:
    """The window manager's client for a widget (its X window)."""
    return int(widget.winId())


def wait_for_settings(qtbot, app):
    qtbot.waitUntil(lambda: app.settings_dialog is not None, timeout=5_000)
    dialog = app.settings_dialog
    qtbot.waitExposed(dialog)
    qtbot.wait(300)  # the window manager has placed and framed it
    return dialog


def open_settings(app, qtbot):
    """Opens Settings as the menu does, from the event loop. A modal dialog would hold the
    overlay until it closed: it is closed after 3 s and the test fails."""
    from deescalate.ui.qt import QApplication, QTimer

    blocked = []

    def unblock() -> None:
        if (modal := QApplication.activeModalWidget()) is not None:
            blocked.append(modal)
            modal.reject()

    QTimer.singleShot(3000, unblock)
    QTimer.singleShot(0, app.open_settings)
    qtbot.waitUntil(
        lambda: bool(blocked) or getattr(app, "settings_dialog", None) is not None, timeout=5_000
    )
    assert not blocked, "Settings is modal: the overlay can't be used while it is open"
    return wait_for_settings(qtbot, app)


def visible_screen_part(rect: QRect) -> QRect:
    return rect.intersected(QGuiApplication.primaryScreen().availableGeometry())


def assert_beside_or_above(window, dialog) -> None:
    overlay, shown = window.frameGeometry(), dialog.frameGeometry()
    assert visible_screen_part(shown) == shown, f"the dialog {shown} is partly off screen"
    if not shown.intersects(overlay):
        return
    order = stacking()
    assert order.index(client_window(dialog)) > order.index(client_window(window)), (
        f"the dialog {shown} is under the overlay {overlay}"
    )


@pytest.mark.parametrize("overlay_at", OVERLAY_PLACES, ids=OVERLAY_PLACE_NAMES)
def test_settings_open_beside_the_overlay_and_the_overlay_can_still_be_dragged(
    qtbot, open_overlay, overlay_at, tmp_path, monkeypatch
):
    from deescalate.config import settings as config

    monkeypatch.setattr(config, "user_config_path", lambda: tmp_path / "config.toml")
    app = open_overlay(mode="demo")
    app.start()
    if overlay_at is not None:
        app.window.move(overlay_at)
        qtbot.wait(300)
    dialog = open_settings(app, qtbot)
    assert_beside_or_above(app.window, dialog)
    if overlay_at is None:  # there is room beside it: nothing of either is covered
        assert not dialog.frameGeometry().intersects(app.window.frameGeometry())
    shot = QGuiApplication.primaryScreen().grabWindow(0)
    assert shot.save(str(SHOTS / f"settings_beside_overlay_{overlay_at is None}.png"))

    before = app.window.pos()
    grip = app.window.mapToGlobal(QPoint(app.window.width() // 2, 4))  # the top edge
    xdotool("mousemove", "--sync", str(grip.x()), str(grip.y()), "mousedown", "1")
    xdotool("mousemove", "--sync", str(grip.x() - 60), str(grip.y() + 40))
    xdotool("mousemove", "--sync", str(grip.x() - 120), str(grip.y() + 80), "mouseup", "1")
    qtbot.waitUntil(lambda: app.window.pos() != before, timeout=3_000)
    moved = app.window.pos() - before
    assert (moved.x(), moved.y()) == (-120, 80)
    assert dialog.isVisible(), "dragging the overlay closed Settings"
    # Dragged onto the dialog, the overlay stays under it: the dialog is its transient.
    xprop = subprocess.run(
        ["xprop", "-id", str(client_window(dialog)), "WM_TRANSIENT_FOR"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert int(xprop.split("#")[1], 16) == client_window(app.window), xprop
    app.window.move(dialog.frameGeometry().center())
    qtbot.wait(300)
    assert dialog.frameGeometry().intersects(app.window.frameGeometry())
    assert_beside_or_above(app.window, dialog)
    shot = QGuiApplication.primaryScreen().grabWindow(0)
    assert shot.save(str(SHOTS / f"settings_over_overlay_{overlay_at is None}.png"))
    dialog.reject()


def test_a_long_not_saved_problem_is_shown_in_full(qtbot, open_overlay, tmp_path, monkeypatch):
    from deescalate.config import settings as config

    monkeypatch.setattr(config, "user_config_path", lambda: tmp_path / "config.toml")
    folder = tmp_path / LONG_PATH_FOLDER
    folder.mkdir(parents=True)
    broken = folder / "team_overlay_for_the_billing_team.yaml"
    broken.write_text("responses:\n  - text: a response with no id at all\n")
    app = open_overlay(Settings(engine="none"), mode="demo")
    dialog = open_settings(app, qtbot)
    dialog.phrasebook.setText(str(broken))
    dialog.save()
    qtbot.wait(300)
    label = dialog.problem
    text = label.text()
    assert text.startswith("Not saved:") and "pass the base phrasebook first" in text
    assert label.height() >= label.heightForWidth(label.width()), "the text is cut off"
    inside = dialog.rect().contains(QRect(label.mapTo(dialog, QPoint(0, 0)), label.size()))
    assert inside, "the problem is outside the dialog"
    assert_beside_or_above(app.window, dialog)
    assert dialog.grab().save(str(SHOTS / "settings_not_saved.png"))
    dialog.reject()


@pytest.mark.parametrize("overlay_at", OVERLAY_PLACES, ids=OVERLAY_PLACE_NAMES)
def test_the_incident_form_opens_beside_the_overlay(qtbot, open_overlay, overlay_at):
    from deescalate.core.events import CallEvent, EscalateEvent, SuggestionEvent, TensionEvent

    app = open_overlay(mode="demo")
    app.start()
    if overlay_at is not None:
        app.window.move(overlay_at)
        qtbot.wait(300)
    app.session.stop_call()
    session = app.session
    session.apply(CallEvent(1.0, "started"))
    session.apply(TensionEvent(4.0, 88.0, "unsafe", ()))
    session.apply(SuggestionEvent(4.0, "escalate", "escalate_threat", "Pause the call.", "threat"))
    session.apply(EscalateEvent(4.0, "threat"))
    app.act("acknowledged")
    qtbot.waitUntil(app.window.incident.isVisible, timeout=5_000)
    app.window.incident.click()
    qtbot.waitUntil(lambda: app.incident_form is not None, timeout=5_000)
    form = app.incident_form
    qtbot.waitExposed(form)
    qtbot.wait(300)
    assert_beside_or_above(app.window, form)
    assert not form.frameGeometry().intersects(app.window.frameGeometry())
    shot = QGuiApplication.primaryScreen().grabWindow(0)
    assert shot.save(str(SHOTS / f"incident_form_beside_overlay_{overlay_at is None}.png"))
    form.reject()


def test_settings_refuse_a_phrasebook_that_phrasebook_check_rejects(
    qtbot, open_overlay, tmp_path, monkeypatch
):
    """The files load, but a response waits for a misspelt cue: the app would not put them
    in force, so Settings must not save them either."""
    from deescalate.advice.phrasebook import DEFAULT_PHRASEBOOK
    from deescalate.config import settings as config

    saved = tmp_path / "config.toml"
    monkeypatch.setattr(config, "user_config_path", lambda: saved)
    team = tmp_path / "night_team.yaml"
    team.write_text(
        "responses:\n"
        "  - id: night_sorry\n"
        "    category: calming\n"
        "    text: Sorry it has taken this long. I'm on it now.\n"
        "    when: [long_wiat]\n"
    )
    app = open_overlay(Settings(engine="none"), mode="demo")
    dialog = open_settings(app, qtbot)
    dialog.phrasebook.setText(f"{DEFAULT_PHRASEBOOK}, {team}")
    dialog.save()
    text = dialog.problem.text()
    assert dialog.isVisible(), "the dialog closed over a phrasebook the app would refuse"
    assert text.startswith("Not saved:") and "long_wiat" in text and "night_team.yaml" in text
    assert not saved.exists()
    dialog.reject()
