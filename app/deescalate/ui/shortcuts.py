"""Global keyboard shortcuts: the overlay never has focus, so acknowledge and dismiss are
bound system-wide.

On X11 the keys are grabbed from the root window with python-xlib (XGrabKey): the
combination reaches us and not the focused application. Wayland lets no application grab
keys, and Windows/macOS are not wired yet; there the overlay's buttons remain.

Key presses arrive on the listener's thread and cross to the GUI thread through a Qt signal.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import sys
import threading
from collections.abc import Callable

from deescalate.ui.qt import QObject, Signal

log = logging.getLogger(__name__)

MODIFIERS = {
    "<ctrl>": "ControlMask",
    "<alt>": "Mod1Mask",
    "<shift>": "ShiftMask",
    "<super>": "Mod4Mask",
}


class ShortcutError(Exception):
    """A combination that can't be bound; the message says which and why."""


def parse(combo: str) -> tuple[list[str], str]:
    """ "<ctrl>+<alt>+a" → (["ControlMask", "Mod1Mask"], "a")."""
    parts = [p.strip().lower() for p in combo.split("+") if p.strip()]
    mods = [MODIFIERS[p] for p in parts if p in MODIFIERS]
    keys = [p for p in parts if p not in MODIFIERS]
    if len(keys) != 1 or not mods:
        raise ShortcutError(
            f"shortcut {combo!r}: use one or more of {', '.join(MODIFIERS)} and one key, "
            'e.g. "<ctrl>+<alt>+a"'
        )
    return mods, keys[0]


class GlobalShortcuts(QObject):
    pressed = Signal(str)

    def __init__(self, bindings: dict[str, str], on_action: Callable[[str], None]) -> None:
        """`bindings`: key combination (e.g. "<ctrl>+<alt>+a") → action name."""
        super().__init__()
        self.pressed.connect(on_action)
        self._bindings = bindings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.broken = False
        """A shortcut the agent set up does not work (taken, or not a key): worth showing."""

    def start(self) -> str:
        """Starts listening; returns "" or why shortcuts can't work on this desktop."""
        if (
            sys.platform != "linux"
            or os.environ.get("WAYLAND_DISPLAY")
            or not os.environ.get("DISPLAY")
        ):
            return "keyboard shortcuts need an X11 desktop here; use the overlay's buttons"
        try:
            display, grabs, taken = self._grab()
        except Exception as exc:  # no X server, a bad key name in the settings
            self.broken = isinstance(exc, ShortcutError)
            log.warning("global shortcuts unavailable: %s", exc)
            return f"keyboard shortcuts unavailable ({exc}); use the overlay's buttons"
        self._thread = threading.Thread(
            target=self._listen, args=(display, grabs), name="shortcuts", daemon=True
        )
        self._thread.start()
        working = [f"{k} {v}" for k, v in self._bindings.items() if k not in taken]
        log.info("global shortcuts: %s", ", ".join(working) or "none")
        if taken:
            self.broken = True
            problem = (
                f"keyboard shortcut {' and '.join(taken)} is already taken by another program: "
                "choose another (shortcut_acknowledge, shortcut_dismiss in the settings file) "
                "or use the overlay's buttons"
            )
            log.warning("%s", problem)
            return problem
        return ""

    def _grab(self):
        """Grabs every binding; returns the connection, the grabs that hold, and the
        combinations another program had already grabbed (X answers those with BadAccess,
        which is caught here instead of being printed)."""
        from Xlib import XK, X, display, error

        connection = display.Display()
        root = connection.screen().root
        grabs: dict[tuple[int, int], str] = {}
        taken: list[str] = []
        for combo, action in self._bindings.items():
            names, key = parse(combo)
            keycode = connection.keysym_to_keycode(XK.string_to_keysym(key))
            if not keycode:
                raise ShortcutError(f"shortcut {combo!r}: no key {key!r} on this keyboard")
            mask = 0
            for name in names:
                mask |= getattr(X, name)
            refused = error.CatchError(error.BadAccess)
            # Caps Lock and Num Lock change the modifier state: grab with each of them too.
            for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask):
                root.grab_key(
                    keycode, mask | extra, True, X.GrabModeAsync, X.GrabModeAsync, onerror=refused
                )
            connection.sync()
            if refused.get_error() is not None:
                taken.append(combo)
                for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask):
                    root.ungrab_key(keycode, mask | extra)
                continue
            grabs[(keycode, mask)] = action
        connection.sync()
        return connection, grabs, taken

    def _listen(self, connection, grabs: dict[tuple[int, int], str]) -> None:
        from Xlib import X

        relevant = X.ControlMask | X.Mod1Mask | X.ShiftMask | X.Mod4Mask
        try:
            while not self._stop.is_set():
                if not connection.pending_events():
                    select.select([connection.fileno()], [], [], 0.2)
                    continue
                event = connection.next_event()
                if event.type == X.KeyPress:
                    action = grabs.get((event.detail, event.state & relevant))
                    if action:
                        self.pressed.emit(action)
        except Exception:  # the X server went away: nothing left to listen to
            log.info("shortcut listener ended", exc_info=True)
        finally:
            with contextlib.suppress(Exception):
                connection.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(1.0)
            self._thread = None
