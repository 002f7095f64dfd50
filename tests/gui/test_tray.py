"""The tray menu, with a real system tray host (trayer) on the virtual display."""

from __future__ import annotations

from deescalate.ui.qt import QPoint


def test_tray_menu_starts_and_stops_the_call_and_the_icon_shows_the_level(
    qtbot, tray_host, open_overlay
):
    app = open_overlay(mode="demo", show=False)
    assert app.tray is not None, "no tray icon although a tray host is running"
    actions = {a.text(): a for a in app.tray.contextMenu().actions()}
    assert list(actions) == ["Start call", "Stop call", "Settings…", "Quit"]

    def offered() -> set[str]:
        """What the menu offers when the agent opens it."""
        menu = app.tray.contextMenu()
        menu.popup(QPoint(200, 200))
        qtbot.waitUntil(menu.isVisible, timeout=3_000)
        enabled = {a.text() for a in menu.actions() if a.isEnabled()}
        menu.hide()
        return enabled

    assert offered() == {"Start call", "Settings…", "Quit"}
    app.timer.start()
    actions["Start call"].trigger()
    assert app.session.running
    assert offered() == {"Stop call", "Settings…", "Quit"}
    qtbot.waitUntil(lambda: app.session.state.t > 1.0, timeout=15_000)
    assert app.tray.toolTip() == "Deescalate: calm"
    runner = app.session.runner
    actions["Stop call"].trigger()
    assert not app.session.running
    assert runner.finished.wait(5)
