"""Review reports are redacted like the records unless the supervisor asks otherwise, and
written readable by their owner only: they hold what customers said."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from deescalate.records.redact import redact
from deescalate.supervisor.replay import CallRecord


def redacted(record: CallRecord) -> CallRecord:
    """A copy of `record` with every text in its events and cue hits redacted."""
    return dataclasses.replace(
        record,
        events=[_redact(event) for event in record.events],
        hits=[_redact(hit) for hit in record.hits],
    )


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, tuple):
        return tuple(_redact(item) for item in value)
    if isinstance(value, list):
        return [_redact(item) for item in value]
    if isinstance(value, dict):
        return {key: _redact(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _redact(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **{k: v for k, v in changes.items() if _init(value, k)})
    return value


def _init(value: Any, name: str) -> bool:
    return next(f.init for f in dataclasses.fields(value) if f.name == name)


def private_folder(folder: Path) -> None:
    """Makes `folder` (mode 700 when it is new: a folder already there keeps its mode)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def write_private(path: Path, text: str) -> None:
    """Writes `path` readable by its owner only (600), whatever the umask or its old mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)
