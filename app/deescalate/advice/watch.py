"""Reloads phrasebook files when they change on disk: each change is parsed on the
watching thread (a phrasebook on a slow network share must not stall the window), and the
outcome handed to `on_change(phrasebook, None)` or `on_change(None, error)`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from deescalate.advice.phrasebook import Phrasebook, PhrasebookError, load_phrasebook
from deescalate.config.file_watch import FileWatcher

log = logging.getLogger(__name__)

OnChange = Callable[[Phrasebook | None, str | None], None]
Loader = Callable[[Sequence[Path]], Phrasebook]
"""Reads and validates the files; raises PhrasebookError for a phrasebook not to use."""


class PhrasebookWatcher:
    def __init__(
        self, paths: Sequence[Path], on_change: OnChange, load: Loader = load_phrasebook
    ) -> None:
        self._files = FileWatcher(paths, self._reload, "phrasebook")
        self.paths = self._files.paths
        self._on_change = on_change
        self._load = load

    def start(self) -> None:
        self._files.start()

    def stop(self) -> None:
        self._files.stop()

    def _reload(self) -> None:
        try:
            book = self._load(self.paths)
        except PhrasebookError as exc:
            log.error("phrasebook edit not used: %s", exc)
            self._on_change(None, str(exc))
            return
        log.info("phrasebook reloaded from %s", ", ".join(p.name for p in self.paths))
        self._on_change(book, None)
