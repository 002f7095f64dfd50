"""The phrasebook in force: the configured files, or the default one when they can't be
used (said on the problem line), and, while watched, the last good version of the files
after every edit. A phrasebook from the team hub, when the team has one published, takes
the place of the configured files (the hub is set by IT's policy)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

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
HUB_SOURCE = "hub phrasebook"


class PhrasebookSource:
    def __init__(
        self,
        configured: Sequence[str],
        problems: Problems,
        load: Loader = load_phrasebook,
        hub: tuple[Path, str] | None = None,
    ) -> None:
        """`load` reads and validates the files: the app passes the same check as
        `phrasebook check`, so what it rejects is never put in force. `hub`: the team hub's
        phrasebook kept from an earlier run, and its version."""
        self._problems = problems
        self._load = load
        self._watcher: PhrasebookWatcher | None = None
        self.configured: tuple[str, ...] = ()
        self.hub_path: Path | None = None
        self.version = ""
        """The team hub's version of the phrasebook in force; "" for the configured one."""
        self.book = self.load(configured)
        if hub is not None:
            self.use_hub(*hub)

    def load(self, configured: Sequence[str]) -> Phrasebook:
        """Loads the configured files (or the default when they can't be used); while the
        hub's phrasebook is in force they are only remembered."""
        self.configured = tuple(configured)
        if self.hub_path is not None:
            return self.book
        try:
            self.book = self._load(phrasebook_paths(configured))
            self._problems.report(SOURCE, None)
        except PhrasebookError as exc:
            log.error("phrasebook not usable, using the default one: %s", exc)
            self.book = load_phrasebook([DEFAULT_PHRASEBOOK])
            self._problems.report(SOURCE, f"{exc} Using the default phrasebook.")
        return self.book

    def check(self, configured: Sequence[str]) -> None:
        """Raises PhrasebookError when these files would not be put in force: the same
        check `load` makes, without changing the phrasebook in force."""
        self._load(phrasebook_paths(configured))

    def use_hub(self, path: Path | None, version: str) -> bool:
        """Puts the team hub's phrasebook in force in place of the configured files (`path`
        None: the configured files again). True when the phrasebook in force changed; one
        that does not load is not used, and the problem line says so."""
        if path is None:
            if self.hub_path is None:
                return False
            self.hub_path, self.version = None, ""
            self.load(self.configured)
            return True
        try:
            book = self._load([path])
        except PhrasebookError as exc:
            log.error("the team hub's phrasebook %s is not used: %s", version, exc)
            self._problems.report(
                HUB_SOURCE,
                f"The team hub's phrasebook {version} can't be used: {exc} Keeping the "
                "phrasebook in force.",
            )
            return False
        self.book, self.hub_path, self.version = book, path, version
        self._problems.report(HUB_SOURCE, None)
        self._problems.report(SOURCE, None)  # the configured files are not in force
        return True

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
        if self.hub_path is not None:  # the hub's phrasebook is in force, not the files
            return
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
