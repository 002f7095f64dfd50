"""The user's settings file, watched while the app runs: an edit of the settings that can
change live (click-through, opacity, text size, the transcript line) applies at once. That
is also the way back in for an agent whom click-through locked out of the overlay.

The file is read and checked on the watching thread, and the outcome handed to
`on_change`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from deescalate.config.file_watch import FileWatcher
from deescalate.config.settings import ConfigError, Settings, load_settings

log = logging.getLogger(__name__)

LIVE_KEYS = ("click_through", "opacity", "font_size", "show_transcript")
"""Settings the overlay applies at once; the others wait for the app's next start."""

OnChange = Callable[[Settings | None, str | None], None]
"""`on_change(settings, None)` for a good edit, `on_change(None, problem)` for a bad one."""


class SettingsFileWatcher:
    def __init__(self, path: Path, on_change: OnChange) -> None:
        self.path = path.resolve()
        self._on_change = on_change
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a file made later
        self._files = FileWatcher([self.path], self._reload, "settings")

    def start(self) -> None:
        self._files.start()

    def stop(self) -> None:
        self._files.stop()

    def _reload(self) -> None:
        try:
            settings = load_settings(user=self.path).settings
        except ConfigError as exc:
            log.error("settings edit not used: %s", exc)
            self._on_change(None, f"Settings edit not used: {exc}")
            return
        log.info("settings file edited: %s", self.path)
        self._on_change(settings, None)


def live_changes(current: Settings, edited: Settings) -> dict[str, object]:
    """The live settings the edit changed (keys locked by policy never change)."""
    return {
        key: getattr(edited, key)
        for key in LIVE_KEYS
        if key not in current.locked and getattr(edited, key) != getattr(current, key)
    }
