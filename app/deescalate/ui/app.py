"""The desktop app: the overlay window and menus over a `Session`, which does the work.

This layer only turns clicks, menu items and shortcuts into session calls and repaints
from the session's display state on a timer; it never touches a call, audio or SQLite.
The session is built by `deescalate.bootstrap` and handed to `run_app`.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable

from deescalate.config.paths import user_runtime_dir
from deescalate.config.settings import Settings
from deescalate.core.facts import LEVEL_COLOURS, UNKNOWN_COLOUR
from deescalate.session.session import Session
from deescalate.ui.overlay import OverlayWindow
from deescalate.ui.placement import show_beside_overlay
from deescalate.ui.qt import (
    QAction,
    QApplication,
    QColor,
    QIcon,
    QLockFile,
    QMenu,
    QMessageBox,
    QObject,
    QPixmap,
    QSystemTrayIcon,
    Qt,
    QTimer,
    Signal,
)
from deescalate.ui.shortcuts import GlobalShortcuts

log = logging.getLogger(__name__)

POLL_MS = 150
NO_CLICK_THROUGH = (
    "Click-through is off: this desktop has no system tray, so the overlay's ☰ menu must "
    "stay clickable. Add a tray, or untick click-through in Settings."
)
EXIT_SIGINT, EXIT_SIGTERM = 130, 143
STARTUP_TITLE = "Deescalate can't start"


class OverlayApp(QObject):
    problem = Signal(str)
    """Any thread may emit this; the GUI thread shows it on the problem line."""

    def __init__(self, session: Session, window: OverlayWindow | None = None) -> None:
        super().__init__()
        self.session = session
        self.window = window or OverlayWindow(font_size=session.settings.font_size)
        self.window.on_feedback = lambda action, sid: self.act(action, sid)
        self.window.on_alert = lambda: self.act("alert_supervisor")
        self.window.on_acknowledge = lambda: self.act("acknowledged")
        self.window.on_incident = self.open_incident
        self.incident_form = None
        self.settings_dialog = None
        self.problem.connect(lambda message: self.session.report_problem("internal", message))
        self.menu = self._menu()
        self.window.set_menu(self.menu)
        self.tray = self._tray()
        self.shortcuts: GlobalShortcuts | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.tick)
        self.apply_look()

    # --- the loop ----------------------------------------------------------------------

    def tick(self) -> None:
        if self.session.poll():
            if self.session.settings is not self._look_of:  # the settings file was edited
                self.apply_look()
            self.render()

    def render(self) -> None:
        state = self.session.state
        self.window.render(state, self.session.phrasebook.escalate_steps)
        # Clicks must reach Acknowledge while an escalation waits for it, and the ☰ menu
        # always when there is no tray to reach the menu from.
        wanted = self.session.settings.click_through and not state.escalate
        self.window.set_click_through(wanted and self.tray is not None)
        if self.tray is not None:
            self.tray.setIcon(level_icon(state.shown_level))
            self.tray.setToolTip(f"Deescalate: {state.shown_level}")

    def start(self) -> None:
        self.render()
        self.window.show()
        self.session.offer_unfinished_incident()
        self.session.start_call()
        self.session.watch_phrasebook()
        self.session.watch_settings()
        self.timer.start()
        self._start_shortcuts()
        log.info("overlay window shown")

    def stop(self) -> None:
        self.timer.stop()
        if self.settings_dialog is not None:
            self.settings_dialog.reject()  # ends its device probe
        if self.shortcuts is not None:
            self.shortcuts.stop()
        self.session.close()

    # --- what the agent does -----------------------------------------------------------

    def act(self, action: str, suggestion_id: str = "") -> None:
        if action == "dismiss_shown":  # the shortcut dismisses what is on screen now
            suggestion = self.session.state.suggestion
            if suggestion is None:
                return
            action, suggestion_id = "dismissed", suggestion.id
        self.session.act(action, suggestion_id)
        self.render()

    def open_incident(self, key: str) -> None:
        """The agent clicked "Complete incident record": the form opens once the record has
        been read on the records thread."""
        self.session.load_incident(key, self._show_incident_form)

    def _show_incident_form(self, incident: dict | None) -> None:
        from deescalate.ui.incident_form import IncidentForm

        if incident is None:
            self.session.report_problem(
                "incident", "That incident record could not be read from the records."
            )
            return
        self.session.report_problem("incident", None)
        if self.incident_form is not None:
            self.incident_form.close()
        key = incident["key"]

        def save(customer_ref: str, outcome: str, notes: str) -> None:
            self.session.complete_incident(key, customer_ref, outcome, notes)

        self.incident_form = IncidentForm(incident, save)
        show_beside_overlay(self.incident_form, self.window)
        self.incident_form.activateWindow()

    def start_call(self) -> None:
        self.session.start_call()
        self.render()

    def stop_call(self) -> None:
        self.session.stop_call()
        self.render()

    def open_settings(self) -> None:
        """Not modal: the overlay goes on updating, and can be moved, while it is open."""
        from deescalate.ui.settings_dialog import SettingsDialog

        if self.settings_dialog is not None:
            self.settings_dialog.raise_()
            return
        dialog = SettingsDialog(
            self.session.settings,
            self.session.device_probe(),
            check_phrasebook=self.session.phrasebooks.check,
        )
        dialog.accepted.connect(lambda: self._apply_saved(dialog.settings))
        dialog.finished.connect(self._settings_closed)
        self.settings_dialog = dialog
        show_beside_overlay(dialog, self.window)

    def _apply_saved(self, settings: Settings) -> None:
        note = self.session.apply_settings(settings)
        self.apply_look()
        if note:
            log.info("%s", note)

    def _settings_closed(self) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()
            self.settings_dialog = None
        self.render()

    def apply_look(self) -> None:
        settings = self._look_of = self.session.settings
        self.session.report_problem(
            "click-through",
            NO_CLICK_THROUGH if settings.click_through and self.tray is None else None,
        )
        self.window.setWindowOpacity(settings.opacity)
        self.window.show_transcript = settings.show_transcript
        self.window.set_font_size(settings.font_size)
        self.render()

    def _start_shortcuts(self) -> None:
        settings = self.session.settings
        bindings = {
            settings.shortcut_acknowledge: "acknowledged",
            settings.shortcut_dismiss: "dismiss_shown",
        }
        self.shortcuts = GlobalShortcuts(bindings, self.act)
        problem = self.shortcuts.start()
        if problem:
            log.info("%s", problem)
        if self.shortcuts.broken:  # the agent expects them to work: say so on the overlay
            self.session.report_problem("shortcuts", problem[0].upper() + problem[1:] + ".")

    # --- menus ---------------------------------------------------------------------------

    def _menu(self) -> QMenu:
        menu = QMenu()
        actions = {}
        for text, slot in (
            ("Start call", self.start_call),
            ("Stop call", self.stop_call),
            ("Settings…", self.open_settings),
            ("Quit", QApplication.quit),
        ):
            actions[text] = action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)

        def offer_only_what_applies() -> None:
            running = self.session.running
            actions["Start call"].setEnabled(not running)
            actions["Stop call"].setEnabled(running)

        menu.aboutToShow.connect(offer_only_what_applies)
        return menu

    def _tray(self) -> QSystemTrayIcon | None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            log.info("no system tray: the overlay's ☰ button holds the menu")
            return None
        tray = QSystemTrayIcon(level_icon("calm"))
        tray.setContextMenu(self.menu)
        tray.setToolTip("Deescalate")
        tray.show()
        return tray


def level_icon(level: str) -> QIcon:
    pixmap = QPixmap(32, 32)
    pixmap.fill(QColor(LEVEL_COLOURS.get(level, UNKNOWN_COLOUR)))
    return QIcon(pixmap)


# --- the process around it ----------------------------------------------------------------


def instance_lock() -> QLockFile | None:
    """One overlay per user session; None when another one is running."""
    folder = user_runtime_dir()
    folder.mkdir(parents=True, exist_ok=True)
    lock = QLockFile(str(folder / "overlay.lock"))
    lock.setStaleLockTime(0)  # a crashed instance's lock is taken over (its PID is gone)
    return lock if lock.tryLock(100) else None


def route_uncaught_exceptions(app: OverlayApp) -> None:
    """Every uncaught exception goes to the log and the problem line; the app runs on."""

    def report(kind, value, trace, thread: str = "") -> None:
        log.error(
            "uncaught exception%s", f" in {thread}" if thread else "", exc_info=(kind, value, trace)
        )
        app.problem.emit(f"internal error: {kind.__name__}: {value} (details in the log)")

    sys.excepthook = lambda kind, value, trace: report(kind, value, trace)
    threading.excepthook = lambda args: report(
        args.exc_type, args.exc_value, args.exc_traceback, args.thread.name if args.thread else ""
    )


def handle_signals(qt_app: QApplication) -> QTimer:
    """Ctrl+C (SIGINT) and SIGTERM quit cleanly. Python runs signal handlers only between
    bytecodes, so a timer wakes the interpreter while Qt's loop waits. The exit is queued:
    a signal that comes before the loop runs (while the overlay opens) still ends it."""

    def quit_with(code: int) -> Callable[..., None]:
        return lambda *_: QTimer.singleShot(0, lambda: qt_app.exit(code))

    signal.signal(signal.SIGINT, quit_with(EXIT_SIGINT))
    signal.signal(signal.SIGTERM, quit_with(EXIT_SIGTERM))
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(200)
    return wake


def show_startup_problem(message: str) -> None:
    """A problem that stops the app before its overlay opens, in a window of its own (or a
    desktop notification when no window can open)."""
    if not (
        sys.platform == "win32" or os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        notify(message)
        return
    prepare_qt_app()
    box = QMessageBox(QMessageBox.Icon.Critical, STARTUP_TITLE, message)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.exec()


def notify(message: str) -> None:
    """A desktop notification, where the desktop has a notification service."""
    if shutil.which("notify-send"):
        subprocess.run(
            ["notify-send", "--urgency=critical", STARTUP_TITLE, message],
            check=False,
            timeout=10,
            capture_output=True,
        )


def prepare_qt_app() -> QApplication:
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    # The overlay is a Tool window: closing a dialog must never count as the last window.
    # The app ends only from its Quit menu item or a signal.
    qt_app.setQuitOnLastWindowClosed(False)
    return qt_app


def run_app(make_session: Callable[[], Session]) -> int:
    """The overlay app over the session `make_session` builds; returns the exit code."""
    qt_app = prepare_qt_app()
    wake = handle_signals(qt_app)  # first: Ctrl+C while the overlay opens ends it too
    lock = instance_lock()
    if lock is None:
        print(
            "Deescalate is already running for this user: use its overlay's ☰ menu or tray icon.",
            file=sys.stderr,
        )
        return 0
    session = make_session()
    overlay = OverlayApp(session)
    route_uncaught_exceptions(overlay)
    overlay.start()
    try:
        code = qt_app.exec()
    finally:
        wake.stop()
        overlay.stop()
        lock.unlock()
    return code
