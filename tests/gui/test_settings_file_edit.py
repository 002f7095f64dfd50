"""The user's settings file edited while the app runs (the way back for an agent whom
click-through locked out of the overlay): live settings apply to the real window at once,
and a bad edit is shown on the problem line while the app goes on."""

from __future__ import annotations

import pytest

from deescalate.config import settings as config
from tests.gui.conftest import SHOTS


@pytest.fixture
def user_file(tmp_path, monkeypatch):
    path = tmp_path / "config" / "deescalate" / "config.toml"
    monkeypatch.setattr(config, "user_config_path", lambda: path)
    return path


def save(path, text: str) -> None:
    """As an editor saves: a new file renamed over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(".config.toml.swp")
    draft.write_text(text)
    draft.replace(path)


def test_editing_click_through_and_opacity_applies_at_once(
    qtbot, tray_host, open_overlay, user_file
):
    app = open_overlay(mode="demo")
    app.start()
    qtbot.wait(500)  # the watch is in place
    save(user_file, "click_through = true\nopacity = 0.6\n")
    qtbot.waitUntil(lambda: app.window.click_through, timeout=5_000)
    assert app.window.windowOpacity() == pytest.approx(0.6, abs=0.01)
    # Locked out: the agent unticks it in the file.
    save(user_file, "click_through = false\nopacity = 0.6\n")
    qtbot.waitUntil(lambda: not app.window.click_through, timeout=5_000)
    assert app.session.running, "the call stopped for a look setting"


def test_a_bad_edit_is_shown_on_the_problem_line_and_changes_nothing(
    qtbot, open_overlay, user_file
):
    app = open_overlay(mode="demo")
    app.start()
    qtbot.wait(500)
    save(user_file, "opacity = 0.7\nfont_size = 20\n")
    qtbot.waitUntil(
        lambda: app.window.windowOpacity() == pytest.approx(0.7, abs=0.01), timeout=5_000
    )
    assert app.window.suggestion.font().pointSize() == 20
    save(user_file, "opacity = 7\nfont_size = 12\n")
    qtbot.waitUntil(lambda: "Settings edit not used" in app.window.problem.text(), timeout=5_000)
    shown = app.window.problem.text()
    assert str(user_file) in shown and "opacity" in shown and "0.3 to 1.0" in shown, shown
    assert app.window.windowOpacity() == pytest.approx(0.7, abs=0.01)
    assert app.window.suggestion.font().pointSize() == 20
    assert app.window.grab().save(str(SHOTS / "settings_file_bad_edit.png"))
    save(user_file, "opacity = 0.8\n")  # fixed: the line goes
    qtbot.waitUntil(lambda: "Settings edit" not in app.window.problem.text(), timeout=5_000)
    assert app.window.windowOpacity() == pytest.approx(0.8, abs=0.01)
    assert app.session.running
