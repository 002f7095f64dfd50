"""The agent's overlay: small, frameless, always on top, never takes focus.

It only renders a DisplayState; everything it knows arrives as events drained from the
call on the GUI thread by a timer (see `EventPump`), a few times a second at most.
"""

from __future__ import annotations

from collections.abc import Callable

from deescalate.core.facts import LEVEL_COLOURS, TEXT_ON_LEVEL, UNKNOWN_COLOUR
from deescalate.session.display import DisplayState
from deescalate.ui.qt import (
    QColor,
    QFont,
    QFrame,
    QGuiApplication,
    QHBoxLayout,
    QLabel,
    QPainter,
    QPoint,
    QPushButton,
    QRect,
    QSettings,
    QSizePolicy,
    Qt,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

CATEGORY_TITLES = {
    "calming": "Calm the pace",
    "listening": "Listen and acknowledge",
    "positive_language": "Say what you can do",
    "next_steps": "Next steps",
    "boundary": "Set a boundary",
    "escalate": "Escalate",
    "handover": "Hand over",
    "coaching": "Coaching (only you see this)",
}
ESCALATE_TITLES = {
    "threat": "PAUSE AND ESCALATE",
    "supervisor": "HAND OVER TO A SUPERVISOR",
    "heated": "BRING IN HELP",
}
ALERT_TEXT = {
    "": "Alert supervisor",
    "recording…": "Alerting…",
    "recorded": "Recorded; alerts not set up",
    "queued": "Alert queued, retrying…",
    "sent": "Supervisor alerted ✓",
    "failed": "Alert not delivered",
    "demo": "Demo: supervisors not alerted",
}
WIDTH = 380
WINDOW_FLAGS = (
    Qt.WindowType.Tool
    | Qt.WindowType.FramelessWindowHint
    | Qt.WindowType.WindowStaysOnTopHint
    | Qt.WindowType.WindowDoesNotAcceptFocus
)


class LevelMeter(QWidget):
    """The level's word on its colour, and a bar as long as the score."""

    def __init__(self) -> None:
        super().__init__()
        self.level, self.score = "calm", 0.0
        self.setMinimumHeight(26)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set(self, level: str, score: float) -> None:
        if (level, score) != (self.level, self.score):
            self.level, self.score = level, score
            self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = QColor(LEVEL_COLOURS.get(self.level, UNKNOWN_COLOUR))
        badge = QRect(0, 0, 92, self.height())
        painter.setBrush(colour)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawRoundedRect(badge, 5, 5)
        painter.setPen(QColor(TEXT_ON_LEVEL.get(self.level, "#ffffff")))
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, self.level.upper())
        track = QRect(100, self.height() // 2 - 5, self.width() - 100, 10)
        painter.setBrush(QColor("#3a3a3a"))
        painter.drawRoundedRect(track, 4, 4)
        filled = QRect(track)
        filled.setWidth(int(track.width() * min(self.score, 100.0) / 100.0))
        painter.setBrush(colour)
        painter.drawRoundedRect(filled, 4, 4)
        painter.end()


class OverlayWindow(QWidget):
    def __init__(
        self,
        on_feedback: Callable[[str], None] | None = None,
        on_alert: Callable[[], None] | None = None,
        on_acknowledge: Callable[[], None] | None = None,
        on_incident: Callable[[str], None] | None = None,
        settings: QSettings | None = None,
        font_size: int = 15,
    ) -> None:
        super().__init__(None, WINDOW_FLAGS)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWindowTitle("Deescalate")
        self.on_feedback = on_feedback or (lambda action, suggestion_id: None)
        self.on_alert = on_alert or (lambda: None)
        self.on_acknowledge = on_acknowledge or (lambda: None)
        self.on_incident = on_incident or (lambda incident_id: None)
        self._incident_id: str | None = None
        self._shown_id = ""
        self._click_through = False
        self._settings = settings or QSettings("deescalate", "overlay")
        self._drag_from: QPoint | None = None
        self._escalating = ""
        self._build(font_size)
        self.setFixedWidth(WIDTH)
        self._fit_height()
        self.restore_position()
        gui = QGuiApplication.instance()
        for signal in (gui.screenAdded, gui.screenRemoved, gui.primaryScreenChanged):
            signal.connect(lambda *_: self.restore_position())

    # --- layout ------------------------------------------------------------------------

    def _build(self, font_size: int) -> None:
        self.setObjectName("overlay")
        self.setStyleSheet(
            "#overlay { background: #1e1e1e; border: 1px solid #555; border-radius: 8px; }"
            "#overlay[escalate='threat'] { background: #5a0f2e; border: 3px solid #CC79A7; }"
            "#overlay[escalate='supervisor'] { background: #0b2e4a; border: 3px solid #56B4E9; }"
            "#overlay[escalate='heated'] { background: #4a2a00; border: 3px solid #E69F00; }"
            "QLabel { color: #f0f0f0; } QLabel#category { color: #bbbbbb; }"
            "QLabel#why, QLabel#status, QLabel.alternate { color: #a8a8a8; }"
            "QLabel#problem { color: #F0E442; }"
            "QLabel#help { background: #009E73; color: #000; font-weight: bold;"
            " padding: 3px 6px; border-radius: 3px; }"
            "QLabel#banner { background: #F0E442; color: #000; font-weight: bold;"
            " padding: 2px 6px; border-radius: 3px; }"
            "QToolButton#menu { color: #f0f0f0; background: transparent; border: none;"
            " font-size: 16px; padding: 0 4px; } QToolButton#menu::menu-indicator { image: none; }"
            "QPushButton { color: #f0f0f0; background: #333; border: 1px solid #666;"
            " border-radius: 4px; padding: 3px 10px; }"
            "QPushButton#alert { background: #CC79A7; color: #000; font-weight: bold; }"
            "QPushButton#incident { background: #2b2b2b; color: #cfcfcf; padding: 1px 8px; }"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.meter = LevelMeter()
        self.banner = QLabel(objectName="banner")
        self.banner.setVisible(False)
        self.menu_button = QToolButton(text="☰", objectName="menu")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.menu_button.setVisible(False)
        self.category = QLabel(objectName="category")
        self.suggestion = QLabel(wordWrap=True)
        big = QFont()
        big.setPointSize(font_size)
        big.setBold(True)
        self.suggestion.setFont(big)
        self.alternates = [QLabel(wordWrap=True) for _ in range(2)]
        for label in self.alternates:
            label.setProperty("class", "alternate")
        self.steps = QLabel(wordWrap=True)
        self.help = QLabel(objectName="help")
        self.help.setVisible(False)
        self.why = QLabel(objectName="why")
        self.status = QLabel(objectName="status")
        self.problem = QLabel(objectName="problem", wordWrap=True)
        self.transcript = QLabel(objectName="why")
        self.transcript.setVisible(False)
        self.show_transcript = False
        self.used = self._button("Used", lambda: self._feedback("used"))
        self.dismiss = self._button("Dismiss", lambda: self._feedback("dismissed"))
        self.alert = self._button("Alert supervisor", self._alert, "alert")
        self.acknowledge = self._button("Acknowledge", self._acknowledge)
        self.incident = self._button("Complete incident record", self._incident, "incident")
        self.incident.setVisible(False)
        buttons = QHBoxLayout()
        for button in (self.used, self.dismiss, self.alert, self.acknowledge):
            buttons.addWidget(button)
        buttons.addStretch(1)
        incident_row = QHBoxLayout()
        incident_row.addWidget(self.incident)
        incident_row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 8)
        layout.setSpacing(5)
        top = QHBoxLayout()
        top.addWidget(self.meter, 1)
        top.addWidget(self.menu_button)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        for widget in (self.category, self.suggestion, *self.alternates, self.steps, self.help):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        layout.addLayout(incident_row)
        for widget in (self.transcript, self.why, self.status, self.problem):
            layout.addWidget(widget)
        rule = QFrame(frameShape=QFrame.Shape.HLine)
        layout.insertWidget(2, rule)

    def _button(self, text: str, slot: Callable[[], None], name: str = "") -> QPushButton:
        button = QPushButton(text, objectName=name)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(slot)
        return button

    # --- rendering ---------------------------------------------------------------------

    def render(self, state: DisplayState, escalate_steps: list[str] = ()) -> None:
        self.meter.set(state.shown_level, state.score)
        escalating = state.escalate is not None
        kind = state.escalate.kind if state.escalate is not None else ""
        # Re-polish only on a change: the style sheet picks the escalate look from it.
        if self._escalating != kind:
            self._escalating = kind
            self.setProperty("escalate", kind)
            self.style().unpolish(self)
            self.style().polish(self)
        suggestion = state.suggestion
        self._shown_id = suggestion.id if suggestion else ""
        self.banner.setText(state.banner)
        self.banner.setVisible(bool(state.banner))
        self.alert.setText(ALERT_TEXT.get(state.alert, f"Supervisor alert {state.alert}"))
        if escalating:
            self.category.setText(ESCALATE_TITLES.get(kind, "ESCALATE"))
            self.suggestion.setText(suggestion.text if suggestion else state.escalate.reason)
            # Safe-disengagement steps are for threats and abuse, not a hand-over.
            steps = escalate_steps if kind == "threat" else []
            self.steps.setText("\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)))
        elif suggestion is not None:
            self.category.setText(CATEGORY_TITLES.get(suggestion.category, suggestion.category))
            self.suggestion.setText(suggestion.text)
        else:
            self.category.setText("Nothing to suggest" if state.level == "calm" else "Listening")
            self.suggestion.setText("")
        alternates = (
            [text for _, text in suggestion.alternates] if suggestion and not escalating else []
        )
        for label, text in zip(self.alternates, [*alternates, "", ""], strict=False):
            label.setText(f"or: {text}" if text else "")
            label.setVisible(bool(text))
        self.steps.setVisible(bool(self.steps.text()) and escalating)
        self.help.setText(self._elide(self.help, state.help_coming, WIDTH - 50))
        self.help.setVisible(bool(state.help_coming))
        self.suggestion.setVisible(bool(self.suggestion.text()))
        self.used.setVisible(suggestion is not None and not escalating)
        self.dismiss.setVisible(suggestion is not None and not escalating)
        self.alert.setVisible(escalating)
        self.acknowledge.setVisible(escalating)
        self._incident_id = state.incident
        self.incident.setVisible(state.offer_incident)
        why = f"Why: {state.why}" if state.why else ""
        self.why.setText(self._elide(self.why, why))
        self.why.setVisible(bool(why))
        self.status.setText(self._elide(self.status, state.status_line))
        heard = (
            f"Customer: …{state.partial[-60:]}" if self.show_transcript and state.partial else ""
        )
        self.transcript.setText(heard)
        self.transcript.setVisible(bool(heard))
        problems = state.problems.lines()
        self.problem.setText("\n".join(f"Problem: {line}" for line in problems))
        self.problem.setVisible(bool(problems))
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow or shrink to the content at the fixed width, keeping the top edge in place."""
        layout = self.layout()
        layout.activate()
        height = layout.totalHeightForWidth(WIDTH)
        if height <= 0:  # no word-wrapped text showing: the plain size hint is exact
            height = layout.totalSizeHint().height()
        if height != self.height():
            self.resize(WIDTH, height)

    @staticmethod
    def _elide(label: QLabel, text: str, width: int = WIDTH - 30) -> str:
        return label.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, width)

    def _feedback(self, action: str) -> None:
        # The suggestion on screen when the button was pressed, not whatever came since.
        self.on_feedback(action, self._shown_id)

    def _alert(self) -> None:
        self.on_alert()

    def _acknowledge(self) -> None:
        self.on_acknowledge()

    def _incident(self) -> None:
        if self._incident_id is not None:
            self.on_incident(self._incident_id)

    def set_font_size(self, points: int) -> None:
        font = self.suggestion.font()
        if font.pointSize() != points:
            font.setPointSize(points)
            self.suggestion.setFont(font)
            self._fit_height()

    def set_menu(self, menu) -> None:
        """The app's menu behind a ☰ button, for desktops without a system tray."""
        self.menu_button.setMenu(menu)
        self.menu_button.setVisible(True)

    # --- position: dragged by hand, remembered per screen setup ----------------------------

    def set_click_through(self, enabled: bool) -> None:
        if enabled == self._click_through:
            return
        self._click_through = enabled
        handle = self.windowHandle()
        if handle is None:  # not shown yet: the flag goes into the native window at show()
            self.setWindowFlag(Qt.WindowType.WindowTransparentForInput, enabled)
        else:
            # On the live window: QWidget.setWindowFlag would hide and re-create it, and
            # the window manager may take a while to let input reach it again.
            handle.setFlag(Qt.WindowType.WindowTransparentForInput, enabled)

    @property
    def click_through(self) -> bool:
        handle = self.windowHandle()
        flags = handle.flags() if handle is not None else self.windowFlags()
        return bool(flags & Qt.WindowType.WindowTransparentForInput)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = event.globalPosition().toPoint() - self.frameGeometry().topLeft()

    def mouseMoveEvent(self, event) -> None:
        if self._drag_from is not None:
            self.move(event.globalPosition().toPoint() - self._drag_from)

    def mouseReleaseEvent(self, _event) -> None:
        if self._drag_from is not None:
            self._drag_from = None
            self.save_position()

    def screen_setup_key(self) -> str:
        screens = QGuiApplication.screens()
        return "screens/" + "_".join(
            f"{s.geometry().width()}x{s.geometry().height()}@{s.geometry().x()},{s.geometry().y()}"
            for s in screens
        )

    def save_position(self) -> None:
        self._settings.setValue(self.screen_setup_key(), self.geometry())
        self._settings.sync()

    def restore_position(self) -> None:
        saved = self._settings.value(self.screen_setup_key())
        if isinstance(saved, QRect):
            self.setGeometry(saved)
        else:
            area = QGuiApplication.primaryScreen().availableGeometry()
            self.move(area.right() - self.width() - 24, area.top() + 24)
        self.keep_on_screen()

    def keep_on_screen(self) -> None:
        """After a monitor change: pull the window back inside the nearest screen."""
        screen = (
            QGuiApplication.screenAt(self.geometry().center()) or QGuiApplication.primaryScreen()
        )
        area = screen.availableGeometry()
        x = min(max(self.x(), area.left()), area.right() - self.width())
        y = min(max(self.y(), area.top()), area.bottom() - self.height())
        if (x, y) != (self.x(), self.y()):
            self.move(x, y)
