"""A home of the test's own for the app started as a real process."""

from __future__ import annotations

import os
from pathlib import Path


def app_env(home: Path, **extra: str) -> dict[str, str]:
    """This environment, with settings, data, state and runtime folders under `home`."""
    (home / "run").mkdir(mode=0o700, exist_ok=True)
    return dict(
        os.environ,
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_RUNTIME_DIR=str(home / "run"),
        **extra,
    )
