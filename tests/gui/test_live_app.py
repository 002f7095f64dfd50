"""The live app as an agent uses it, under a real window manager (openbox) on Xvfb, with
real X input from xdotool: settings closed three ways, click-through during an escalation,
global shortcuts, Ctrl+C, a second launch, no system tray, uncaught errors."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest

from deescalate.config import settings as config
from deescalate.core.events import EscalateEvent, RunningEvent, SuggestionEvent, TensionEvent
from deescalate.records.store import RecordStore
from deescalate.ui.app import prepare_qt_app, route_uncaught_exceptions
from deescalate.ui.overlay import LEVEL_COLOURS, LevelMeter
from deescalate.ui.qt import QColor, QDialogButtonBox, QLineEdit, QSystemTrayIcon, QTimer
from tests.gui.conftest import SHOTS
from tests.support.home import app_env

ESCALATE = SuggestionEvent(5.0, "escalate", "escalate_threat", "Pause the call now.", "threat")


def xdotool(*args: str) -> str:
    return subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, check=True, timeout=10
    ).stdout


def _x_geometry(window) -> tuple[int, int, int, int]:
    """Where the X server (not Qt) has the window: x, y, width, height. xwininfo, since
    xdotool's geometry counts the window manager's frame twice."""
    info = subprocess.run(
        ["xwininfo", "-id", str(int(window.winId()))],
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout
    values = dict(line.strip().split(":", 1) for line in info.splitlines() if ":" in line)
    keys = ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height")
    return tuple(int(values[key]) for key in keys)


def click_at(widget) -> None:
    """A real mouse click through the X server at the widget's centre.

    The window may just have grown (a why line appeared) and the window manager moved
    it; the click waits until the X server's geometry matches Qt's and holds still, so
    it lands where the widget is now rather than where it was a moment ago."""
    from deescalate.ui.qt import QApplication

    window = widget.window()
    deadline = time.monotonic() + 3.0
    last = None
    while time.monotonic() < deadline:
        QApplication.processEvents()
        geometry = _x_geometry(window)
        if geometry == last and geometry[2:] == (window.width(), window.height()):
            break
        last = geometry
        time.sleep(0.05)
    offset = widget.mapTo(window, widget.rect().center())
    x, y = last[0] + offset.x(), last[1] + offset.y()
    xdotool("mousemove", "--sync", str(x), str(y), "click", "1")


@pytest.fixture
def user_files(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setattr(config, "user_config_path", lambda: path)
    return path


@pytest.mark.parametrize("how", ["save", "cancel", "escape"])
def test_closing_settings_keeps_the_app_and_its_call_running(
    qtbot, qapp, open_overlay, user_files, how
):
    prepare_qt_app()
    app = open_overlay(mode="demo")
    app.start()
    closed = []

    def close_dialog() -> None:
        dialog = app.settings_dialog
        if dialog is None:
            QTimer.singleShot(200, close_dialog)
            return
        if how == "escape":
            xdotool("windowactivate", "--sync", str(int(dialog.winId())), "key", "Escape")
        else:
            role = {
                "save": QDialogButtonBox.StandardButton.Save,
                "cancel": QDialogButtonBox.StandardButton.Cancel,
            }[how]
            click_at(dialog.findChild(QDialogButtonBox).button(role))
        closed.append(how)

    QTimer.singleShot(300, app.open_settings)
    QTimer.singleShot(1500, close_dialog)
    QTimer.singleShot(4000, lambda: qapp.exit(7))  # only reached if nothing quit before
    assert qapp.exec() == 7, "the app quit when the settings dialog closed"
    assert closed == [how]
    assert app.window.isVisible() and app.session.running
    assert user_files.exists() == (how == "save")


def test_acknowledge_can_be_clicked_with_click_through_on_and_unticking_it_takes_effect(
    qtbot, tray_host, open_overlay
):
    app = open_overlay(config.Settings(engine="none", click_through=True), mode="demo")
    assert app.window.click_through, "click-through is on while calm"
    app.session.state.apply(TensionEvent(5.0, 90.0, "unsafe"))
    app.session.state.apply(ESCALATE)
    app.session.state.apply(EscalateEvent(5.0, "threat"))
    app.render()
    qtbot.waitExposed(app.window)
    assert not app.window.click_through
    qtbot.wait(300)
    click_at(app.window.acknowledge)
    qtbot.waitUntil(lambda: app.session.state.escalate is None, timeout=3_000)
    assert app.window.click_through, "click-through is back after acknowledge"
    app.session.apply_settings(app.session.settings.with_values(click_through=False))
    app.apply_look()
    assert not app.window.click_through, "unticking click-through took effect"
    assert app.window.isVisible()


def test_the_score_bar_follows_the_score_within_one_level(qtbot):
    meter = LevelMeter()
    qtbot.addWidget(meter)
    meter.resize(300, 26)
    meter.show()
    qtbot.waitExposed(meter)

    def filled() -> int:
        image = meter.grab().toImage()
        colour = QColor(LEVEL_COLOURS["tense"])
        row = image.height() // 2
        return sum(1 for x in range(100, image.width()) if QColor(image.pixel(x, row)) == colour)

    meter.set("tense", 35.0)
    qtbot.wait(100)
    low = filled()
    meter.set("tense", 58.0)
    qtbot.wait(100)
    assert filled() > low * 1.4, "the bar did not grow while the level stayed tense"


def test_global_shortcuts_dismiss_and_acknowledge_while_another_window_has_focus(
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
    app.session.apply(RunningEvent(0.0, "none", demo=True))
    suggestion = SuggestionEvent(3.0, "listening", "listen_summary", "Sum up what you heard.", "")
    app.session.state.apply(suggestion)
    app.render()
    xdotool("key", "ctrl+alt+d")
    qtbot.waitUntil(lambda: app.session.state.suggestion is None, timeout=3_000)
    app.session.state.apply(ESCALATE)
    app.session.state.apply(EscalateEvent(5.0, "threat"))
    app.render()
    xdotool("key", "ctrl+alt+a")
    qtbot.waitUntil(lambda: app.session.state.escalate is None, timeout=3_000)
    assert editor.hasFocus() and editor.text() == "", "the shortcuts reached the focused window"
    assert app.session.writer.flush(5)
    assert [(r["suggestion_id"], r["action"]) for r in records.feedback_rows()] == [
        ("listen_summary", "dismissed")
    ]


def test_without_a_system_tray_click_through_never_locks_the_agent_out_of_the_menu(
    qtbot, open_overlay
):
    assert not QSystemTrayIcon.isSystemTrayAvailable(), "this test needs a desktop with no tray"
    app = open_overlay(config.Settings(engine="none", click_through=True), mode="demo")
    assert not app.window.click_through, "click-through on with nothing else to reach the menu"
    assert (
        "system tray" in app.window.problem.text() and "click-through" in app.window.problem.text()
    )
    qtbot.wait(300)
    menu = app.window.menu_button.menu()
    opened = []

    def close_menu() -> None:  # the menu runs its own loop until it closes
        opened.append(menu.isVisible())
        menu.hide()

    QTimer.singleShot(1000, close_menu)
    click_at(app.window.menu_button)  # a real click through the X server
    qtbot.waitUntil(lambda: bool(opened), timeout=5_000)
    assert opened == [True], "the ☰ menu did not open on a click"


def test_without_a_system_tray_the_overlay_has_the_menu(open_overlay):
    assert not QSystemTrayIcon.isSystemTrayAvailable(), "this test needs a desktop with no tray"
    app = open_overlay(mode="demo")
    assert app.tray is None
    assert app.window.menu_button.isVisible()
    entries = [a.text() for a in app.window.menu_button.menu().actions()]
    assert entries == ["Start call", "Stop call", "Settings…", "Quit"]
    assert app.window.grab().save(str(SHOTS / "menu_button.png"))


def test_an_uncaught_exception_shows_on_the_problem_line_and_the_app_goes_on(qtbot, open_overlay):
    app = open_overlay(mode="demo")
    app.start()
    saved = sys.excepthook, threading.excepthook
    try:
        route_uncaught_exceptions(app)

        def broken() -> None:
            raise RuntimeError("the widget lost its marbles")

        worker = threading.Thread(target=broken, name="worker")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: "internal error" in app.window.problem.text(), timeout=3_000)
        assert "the widget lost its marbles" in app.window.problem.text()
        assert app.session.running
    finally:
        sys.excepthook, threading.excepthook = saved


# --- the app as a process --------------------------------------------------------------------


@pytest.fixture
def launch(tmp_path):
    """Starts `deescalate overlay --demo` as its own process, with its own home."""
    env = app_env(tmp_path, DEESCALATE_ENGINE="none")
    started: list[subprocess.Popen] = []

    def _launch() -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-m", "deescalate", "overlay", "--demo"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield _launch
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def overlay_windows(pid: int) -> list[str]:
    done = subprocess.run(
        ["xdotool", "search", "--pid", str(pid), "--name", "^Deescalate$"],
        capture_output=True,
        text=True,
    )
    return done.stdout.split()


def wait_for_window(process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        if overlay_windows(process.pid):
            return
        time.sleep(0.2)
    raise AssertionError("the overlay window never appeared")


def test_ctrl_c_ends_the_app_with_code_130_and_no_traceback(launch):
    app = launch()
    wait_for_window(app)
    time.sleep(1.0)  # the call is running
    app.send_signal(signal.SIGINT)
    assert app.wait(30) == 130
    assert "Traceback" not in app.stderr.read()


def test_a_second_launch_says_the_app_is_running_and_opens_no_second_overlay(launch):
    first = launch()
    wait_for_window(first)
    second = launch()
    assert second.wait(20) == 0
    assert "already running" in second.stderr.read()
    assert len(overlay_windows(first.pid)) == 1
    assert first.poll() is None
    first.terminate()
    assert first.wait(30) == 143


def test_a_phrasebook_that_does_not_load_is_refused_in_settings_and_nothing_is_saved(
    qtbot, user_files, tmp_path
):
    from deescalate.ui.settings_dialog import SettingsDialog

    broken = tmp_path / "team.yaml"
    broken.write_text("responses:\n  - id: calm_1\n    text: [not text\n")
    dialog = SettingsDialog(config.Settings(engine="none"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.phrasebook.setText(f"{broken}, {tmp_path / 'missing.yaml'}")
    dialog.save()
    assert dialog.isVisible(), "the dialog closed over a broken phrasebook"
    assert dialog.problem.text().startswith("Not saved:") and "team.yaml" in dialog.problem.text()
    assert not user_files.exists()


def test_a_launch_with_a_broken_phrasebook_in_the_settings_opens_with_the_default_one(
    launch, tmp_path
):
    (tmp_path / "config" / "deescalate").mkdir(parents=True)
    (tmp_path / "config" / "deescalate" / "config.toml").write_text(
        f'phrasebook = ["{tmp_path / "gone.yaml"}"]\n'
    )
    app = launch()
    wait_for_window(app)
    assert app.poll() is None, "the app did not keep running"
    log = (tmp_path / "state" / "deescalate" / "log" / "deescalate.log").read_text()
    assert "gone.yaml" in log and "using the default one" in log


def test_a_shortcut_another_program_holds_is_named_on_the_overlay_and_in_the_log(
    qtbot, open_overlay, capfd, caplog
):
    from Xlib import XK, X, display

    other = display.Display()  # another program holding Ctrl+Alt+A
    keycode = other.keysym_to_keycode(XK.string_to_keysym("a"))
    mask = X.ControlMask | X.Mod1Mask
    for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask):
        other.screen().root.grab_key(keycode, mask | extra, True, X.GrabModeAsync, X.GrabModeAsync)
    other.sync()
    try:
        app = open_overlay(mode="demo")
        app.start()
        qtbot.waitUntil(lambda: "taken" in app.window.problem.text(), timeout=3_000)
        shown = app.window.problem.text()
        assert "<ctrl>+<alt>+a" in shown and "another program" in shown
        assert "shortcut_acknowledge" in shown, "the fix is not named"
        assert "<ctrl>+<alt>+d" not in shown, "the free shortcut was reported too"
        assert any("already taken" in r.getMessage() for r in caplog.records)
        assert "BadAccess" not in capfd.readouterr().err
        xdotool("key", "ctrl+alt+d")  # the free one still works
    finally:
        other.close()


def test_every_file_and_folder_the_app_writes_is_its_owners_alone(launch, tmp_path):
    app = launch()
    wait_for_window(app)
    window = overlay_windows(app.pid)[0]
    where = dict(
        line.split("=") for line in xdotool("getwindowgeometry", "--shell", window).split()
    )
    x, y = int(where["X"]) + 150, int(where["Y"]) + 78  # the prompt's title: no button there
    # Dragged, the window remembers where it was put, in a file of its own.
    xdotool("mousemove", "--sync", str(x), str(y), "mousedown", "1")
    xdotool("mousemove", "--sync", str(x - 200), str(y + 100), "mouseup", "1")
    time.sleep(1.0)
    app.send_signal(signal.SIGINT)
    assert app.wait(30) == 130
    written = [
        path
        for top in ("config", "data", "state")
        for path in (tmp_path / top).rglob("*")
        if "deescalate" in path.relative_to(tmp_path / top).parts
    ]
    assert any(p.name.endswith(".conf") for p in written), written  # the window's position
    open_to_others = [
        f"{p} {p.stat().st_mode & 0o777:o}" for p in written if p.stat().st_mode & 0o077
    ]
    assert not open_to_others
