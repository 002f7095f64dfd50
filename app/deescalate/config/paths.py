"""Where this user's files live (the platform's standard places, via platformdirs)."""

from __future__ import annotations

import hashlib
import os
import stat
import warnings
from pathlib import Path

import platformdirs

from deescalate.core.facts import APP_NAME

RECORDS_FILE = "records.sqlite"
PENDING_RECORDS_FILE = "records-pending.jsonl"


def user_data_dir() -> Path:
    """Records, the alert outbox, per-user models: ~/.local/share/deescalate on Linux."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_runtime_dir() -> Path:
    """Short-lived files of a running app (its single-instance lock): /run/user/UID/...,
    or platformdirs' fallback in /tmp when the session has no XDG_RUNTIME_DIR."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the fallback is fine for what is kept there
        return Path(platformdirs.user_runtime_dir(APP_NAME, appauthor=False))


def records_file() -> Path:
    return user_data_dir() / RECORDS_FILE


def pending_records_files(records: Path) -> list[Path]:
    """Where records not yet written at exit are kept, in order of preference: beside the
    records file, else in the runtime folder (a full or read-only disk), under a name of
    that records file's own."""
    tag = hashlib.sha256(str(records.resolve()).encode()).hexdigest()[:12]
    return [
        records.parent / PENDING_RECORDS_FILE,
        user_runtime_dir() / f"records-pending-{tag}.jsonl",
    ]


def private_folder(folder: Path) -> Path:
    """`folder`, made if missing, readable by this user only; OSError when it is not this
    user's own (a folder under /tmp that someone else made first) or not a real folder."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise OSError(f"{folder} is not a folder of this user's own")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(folder, 0o700)
    return folder
