"""Settings: machine-wide file, then the user's file, then environment and command line.

Both files are TOML with the same keys. The machine-wide file (written by IT) may list
`locked = ["engine", ...]`: those keys keep the machine-wide value whatever the user sets.
"""

from __future__ import annotations

import tomllib
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import platformdirs
import tomli_w

APP_NAME = "deescalate"
CONFIG_NAME = "config.toml"


class ConfigError(Exception):
    """A settings file that can't be used; the message names the file and the fix."""


@dataclass(frozen=True)
class Settings:
    engine: str = "auto"
    vosk_model: str | None = None
    agent_device: str | None = None
    customer_device: str | None = None
    phrasebook: tuple[str, ...] = ()
    coaching: bool = True
    opacity: float = 0.95
    font_size: int = 15
    click_through: bool = False
    show_transcript: bool = False
    locked: tuple[str, ...] = field(default=())


def machine_config_path() -> Path:
    return Path(platformdirs.site_config_dir(APP_NAME, appauthor=False)) / CONFIG_NAME


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / CONFIG_NAME


def _read(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}). Fix or delete the file.") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read settings ({exc.strerror}).") from exc
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}."
        )
    return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}


def load_settings(machine: Path | None = None, user: Path | None = None) -> Settings:
    machine_values = _read(machine or machine_config_path())
    user_values = _read(user or user_config_path())
    locked = set(machine_values.get("locked", ()))
    user_values = {k: v for k, v in user_values.items() if k not in locked and k != "locked"}
    return replace(Settings(), **{**machine_values, **user_values})


def save_user_settings(settings: Settings, path: Path | None = None) -> Path:
    """Writes the user's file (locked keys are left out: the machine-wide value wins)."""
    path = path or user_config_path()
    values = {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in asdict(settings).items()
        if v is not None and k != "locked" and k not in settings.locked
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(tomli_w.dumps(values).encode())
        tmp.replace(path)  # never leave a half-written file behind
    except OSError as exc:
        raise ConfigError(
            f"cannot save settings to {path} ({exc.strerror}). Free disk space "
            "or check the folder's permissions."
        ) from exc
    return path
