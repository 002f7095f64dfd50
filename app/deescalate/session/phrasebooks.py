"""The phrasebook in force: the configured files, or the default one when they can't be
used (said on the problem line), and, while watched, the last good version of the files
after every edit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from deescalate.advice.phrasebook import (
    DEFAULT_PHRASEBOOK,
    Phrasebook,
    PhrasebookError,
    load_phrasebook,
    phrasebook_paths,
)
from deescalate.advice.watch import Loader, PhrasebookWatcher
from deescalate.session.problems import Problems

log = logging.getLogger(__name__)

SOURCE = "phrasebook"


class PhrasebookSource:
    def __init__(
        self, configured: Sequence[str], problems: Problems, load: Loader = load_phrasebook
    ) -> None:
        """`load` reads and validates the files: the app passes the same check as
        `phrasebook check`, so what it rejects is never put in force."""
        self._problems = problems
        self._load = load
        self._watcher: PhrasebookWatcher | None = None
        self.configured: tuple[str, ...] = ()
        self.book = self.load(configured)

    def load(self, configured: Sequence[str]) -> Phrasebook:
        """Loads the configured files (or the default when they can't be used)."""
        self.configured = tuple(configured)
        try:
            self.book = self._load(phrasebook_paths(configured))
            self._problems.report(SOURCE, None)
        except PhrasebookError as exc:
            log.error("phrasebook not usable, using the default one: %s", exc)
            self.book = load_phrasebook([DEFAULT_PHRASEBOOK])
            self._problems.report(SOURCE, f"{exc} Using the default phrasebook.")
        return self.book

    def watch(self, on_change: Callable[[Callable[[], None]], None]) -> None:
        """Reloads the files when they are edited. `on_change(apply)` is called from the
        watcher's thread; `apply()`, run on the session's thread, puts a good edit in force
        (a broken one keeps the last good phrasebook and says so)."""
        self.stop()
        self._watcher = PhrasebookWatcher(
            phrasebook_paths(self.configured),
            lambda book, error: on_change(lambda: self._edited(book, error)),
            self._load,
        )
        self._watcher.start()

    def _edited(self, book: Phrasebook | None, error: str | None) -> None:
        if book is None:
            self._problems.report(SOURCE, f"{error} Keeping the last good phrasebook.")
            return
        self.book = book
        self._problems.report(SOURCE, None)

    @property
    def watching(self) -> bool:
        return self._watcher is not None

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
