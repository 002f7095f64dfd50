"""Logging: stderr for the person at the terminal, and a rotating file in the standard
per-user log folder, or in a machine-wide folder when IT sets one."""

from __future__ import annotations

import getpass
import logging
import logging.handlers
import os
from pathlib import Path

import platformdirs

from deescalate.core.facts import APP_NAME

MAX_BYTES = 2_000_000
BACKUPS = 3
_FILE_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("deescalate")


class _OurHandler:
    """Marks the handlers set up here, so a second setup replaces them."""


class _StderrHandler(logging.StreamHandler, _OurHandler):
    pass


class _FileHandler(logging.handlers.RotatingFileHandler, _OurHandler):
    """Log files are readable by their owner only (600), whatever the umask: they name
    calls, devices and problems of this seat."""

    def _open(self):
        stream = super()._open()
        os.fchmod(stream.fileno(), 0o600)
        return stream


def user_log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def _log_file(folder: Path, machine_wide: bool) -> Path:
    # Every user writes a file of their own: rotation is not safe across processes.
    name = f"{APP_NAME}-{getpass.getuser()}.log" if machine_wide else f"{APP_NAME}.log"
    return folder / name


def _file_handler(path: Path, machine_wide: bool) -> _FileHandler:
    if machine_wide:
        _machine_log_folder(path.parent)
    else:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return _FileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")


def _machine_log_folder(folder: Path) -> None:
    """Makes the machine-wide log folder when this user may (root): mode 1733, so every
    user adds a file of their own and nobody lists or reads the others'."""
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True)
        os.chmod(folder, 0o1733)
    except OSError as exc:
        fix = f"IT creates it once with `sudo install -d -m 1733 {folder}`"
        raise OSError(exc.errno, f"{exc.strerror}; {fix}") from exc


def remove_handlers() -> None:
    """Closes the handlers set up here (the log file is released)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(handler)
        handler.close()


def setup_logging(
    verbose: bool = False, debug: bool = False, machine_log_dir: Path | None = None
) -> Path | None:
    """Sets up stderr (warnings; -v info; --debug everything) and the log file (info;
    --debug everything). Returns the log file, or None when no folder could be written."""
    remove_handlers()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.INFO)

    stderr = _StderrHandler()
    stderr.setLevel(logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING)
    stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(stderr)

    candidates = [(user_log_dir(), False)]
    if machine_log_dir is not None:
        candidates.insert(0, (Path(machine_log_dir), True))
    for folder, machine_wide in candidates:
        path = _log_file(folder, machine_wide)
        try:
            handler = _file_handler(path, machine_wide)
        except OSError as exc:
            log.warning("Can't write the log file %s (%s): check the folder.", path, exc.strerror)
            continue
        handler.setLevel(logging.DEBUG if debug else logging.INFO)
        handler.setFormatter(logging.Formatter(_FILE_FORMAT))
        root.addHandler(handler)
        return path
    return None
