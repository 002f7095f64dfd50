"""The app as a real process with the policy at a place of the test's choosing.

The policy's place is fixed at build time (`deescalate.config.policy.POLICY_FILE`); no
environment variable can move it. These helpers start the real command line in a new
Python process that changes that constant first, as a build for another prefix would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
LAUNCH = (
    "import sys; from pathlib import Path; from deescalate.config import policy; "
    "policy.POLICY_FILE = Path(sys.argv[1]); from deescalate.cli.main import main; "
    "sys.exit(main(sys.argv[2:]))"
)


def seat_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment with a home of the test's own (settings, logs, data)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEESCALATE_")}
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local/share"),
        XDG_STATE_HOME=str(home / ".local/state"),
        PYTHONPATH=str(APP),
    )
    env.update(extra)
    return env


def run_seat(policy: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", LAUNCH, str(policy), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
