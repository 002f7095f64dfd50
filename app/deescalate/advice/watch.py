"""Reloads phrasebook files when they change on disk (watchfiles), on a thread of its own.

Editors often save by writing a new file and renaming it over the old one, so the folders
are watched and changes are matched by file name. Each change is parsed here, off the
caller's thread (a phrasebook on a slow network share must not stall the window), and the
outcome handed to `on_change(phrasebook, None)` or `on_change(None, error)`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from deescalate.advice.phrasebook import Phrasebook, PhrasebookError, load_phrasebook

log = logging.getLogger(__name__)

OnChange = Callable[[Phrasebook | None, str | None], None]
Loader = Callable[[Sequence[Path]], Phrasebook]
"""Reads and validates the files; raises PhrasebookError for a phrasebook not to use."""


class PhrasebookWatcher:
    def __init__(
        self, paths: Sequence[Path], on_change: OnChange, load: Loader = load_phrasebook
    ) -> None:
        self.paths = [Path(p).resolve() for p in paths]
        self._on_change = on_change
        self._load = load
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="phrasebook-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(0.5)  # a watch on a slow share is left to end on its own

    def _run(self) -> None:
        from watchfiles import watch

        folders = sorted({str(p.parent) for p in self.paths if p.parent.is_dir()})
        if not folders:
            return
        names = {str(p) for p in self.paths}
        try:
            for changes in watch(
                *folders,
                stop_event=self._stop,
                rust_timeout=500,
                yield_on_timeout=False,
                recursive=False,
            ):
                if any(str(Path(path).resolve()) in names for _, path in changes):
                    self._reload()
        except Exception:  # a share that went away: reloading stops, the app goes on
            log.warning("phrasebook files are no longer watched", exc_info=True)

    def _reload(self) -> None:
        try:
            book = self._load(self.paths)
        except PhrasebookError as exc:
            log.error("phrasebook edit not used: %s", exc)
            self._on_change(None, str(exc))
            return
        log.info("phrasebook reloaded from %s", ", ".join(p.name for p in self.paths))
        self._on_change(book, None)
