"""The desktop app: one overlay window over one running call, a tray menu, and records."""

from __future__ import annotations

import logging
import sys

from app.advice.phrasebook import Phrasebook
from app.call import CallRunner
from app.config import Settings
from app.display_state import DisplayState
from app.events import SuggestionEvent
from app.records.store import Incident, RecordError, RecordStore
from app.ui.overlay import EventPump, OverlayWindow
from app.ui.qt import QAction, QApplication, QColor, QIcon, QMenu, QPixmap, QSystemTrayIcon

log = logging.getLogger(__name__)


class OverlayApp:
    def __init__(
        self,
        make_call,
        phrasebook: Phrasebook,
        engine_description: str,
        demo: bool,
        records: RecordStore | None = None,
        settings: Settings | None = None,
    ) -> None:
        """`make_call()` returns a new, unstarted CallRunner (a call can be restarted)."""
        self._make_call = make_call
        self.phrasebook = phrasebook
        self.records = records or RecordStore()
        self.settings = settings or Settings()
        self.state = DisplayState(engine=engine_description, demo=demo)
        self.window = OverlayWindow(
            self.feedback,
            self.alert_supervisor,
            self.acknowledge,
            font_size=self.settings.font_size,
        )
        self.apply_look()
        self.call: CallRunner | None = None
        self.pump = EventPump(self._drain, self.state, self.render)
        self._shown: list[str] = []
        self.tray = self._tray()

    # --- the call ----------------------------------------------------------------------

    def start_call(self) -> None:
        if self.call is not None and not self.call.finished.is_set():
            return
        self.call = self._make_call()
        self.state.running = True
        self.call.start()
        self.pump.start()
        self.render()

    def stop_call(self) -> None:
        if self.call is not None:
            self.call.stop()
        self.pump.pump()  # show what the call said last
        self.pump.timer.stop()
        self.state.running = False
        self.render()

    def _drain(self) -> list:
        if self.call is None:
            return []
        events = self.call.drain()
        for event in events:
            if isinstance(event, SuggestionEvent):
                if not self._shown:
                    log.info("first suggestion shown at call time %.1f s", event.t)
                self._shown.append(event.id)
        if not events and self.call.finished.is_set() and self.state.running:
            self.state.running = False  # the call ended (end of the demo file, or stopped)
            self.render()
        return events

    def render(self) -> None:
        self.window.render(self.state, self.phrasebook.escalate_steps)

    # --- what the agent clicks ---------------------------------------------------------

    def feedback(self, action: str) -> None:
        suggestion = self.state.suggestion
        if suggestion is None:
            return
        self._record(
            lambda: self.records.feedback(self.state.t, suggestion.id, suggestion.category, action)
        )
        self.state.clear_suggestion()
        self.render()

    def alert_supervisor(self) -> None:
        reason = self.state.escalate.reason if self.state.escalate else "agent asked for help"
        incident = Incident(
            call_t=self.state.t,
            reason=reason,
            behaviours=[part.strip() for part in self.state.why.split(",") if part.strip()],
            actions=[*self._shown, "supervisor alerted"],
            outcome="pending supervisor review",
        )
        if self._record(lambda: self.records.incident(incident)):
            self.state.error = ""
            self.window.alert.setText("Supervisor alerted ✓")
        self.render()

    def acknowledge(self) -> None:
        if self.call is not None:
            self.call.acknowledge()
        self.state.acknowledge()
        self.window.alert.setText("Alert supervisor")
        self.render()

    def _record(self, write) -> bool:
        try:
            write()
        except RecordError as exc:
            self.state.error = str(exc)
            return False
        return True

    def apply_look(self) -> None:
        self.window.setWindowOpacity(self.settings.opacity)
        self.window.show_transcript = self.settings.show_transcript
        if self.settings.click_through:
            self.window.set_click_through(True)

    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings)
        if dialog.exec():
            self.settings = dialog.settings
            self.apply_look()

    # --- tray ----------------------------------------------------------------------------

    def _tray(self) -> QSystemTrayIcon | None:
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return None
        pixmap = QPixmap(32, 32)
        pixmap.fill(QColor("#0072B2"))
        tray = QSystemTrayIcon(QIcon(pixmap))
        menu = QMenu()
        for text, slot in (
            ("Start call", self.start_call),
            ("Stop call", self.stop_call),
            ("Settings…", self.open_settings),
            ("Quit", QApplication.quit),
        ):
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)
        tray.setContextMenu(menu)
        tray.setToolTip("Deescalate")
        tray.show()
        return tray

    def show(self) -> None:
        self.render()
        self.window.show()
        log.info("overlay window shown")


def run_overlay(
    make_call, phrasebook: Phrasebook, engine_description: str, demo: bool, settings: Settings
) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(True)
    overlay = OverlayApp(make_call, phrasebook, engine_description, demo, settings=settings)
    overlay.show()
    overlay.start_call()
    code = app.exec()
    overlay.stop_call()
    return code
