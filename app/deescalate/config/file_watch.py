"""Files watched for edits on a thread of their own (watchfiles).

Editors often save by writing a new file and renaming it over the old one, so the folders
are watched and changes are matched by file name. `on_edit` runs on the watching thread,
so reading a file on a slow network share never stalls the window.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)


class FileWatcher:
    def __init__(self, paths: Sequence[Path], on_edit: Callable[[], None], name: str) -> None:
        self.paths = [Path(p).resolve() for p in paths]
        self._on_edit = on_edit
        self._name = name
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"{name}-watch", daemon=True)

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
                    self._on_edit()
        except Exception:  # a share that went away: edits apply at the next start
            log.warning("%s files are no longer watched", self._name, exc_info=True)
