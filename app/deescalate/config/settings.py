"""Settings: one typed model, read in layers, lowest first.

built-in defaults → machine-wide policy file → the user's file → environment
(`DEESCALATE_<KEY>`) → command line. The machine-wide file (written by IT) may list
`locked = ["phrasebook", ...]`: those keys keep the policy value whatever a higher layer
says. A wrong type or an unknown key is one line naming the place, the key and what is
allowed.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import platformdirs
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from deescalate.core.facts import APP_NAME

CONFIG_NAME = "config.toml"
ENV_PREFIX = "DEESCALATE_"


class ConfigError(Exception):
    """A setting that can't be used; the message names the place, the key and the fix."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    engine: Literal["auto", "whisper", "vosk", "sphinx", "none"] = Field(
        "auto", description="auto, whisper, vosk, sphinx or none"
    )
    vosk_model: str | None = Field(None, description="a Vosk model folder")
    whisper_model: str | None = Field(
        None, description="a CTranslate2 Whisper model folder (default: tiny.en, packaged)"
    )
    agent_device: str | None = Field(None, description="an input name from `deescalate devices`")
    customer_device: str | None = Field(
        None, description="a monitor/loopback input name from `deescalate devices`"
    )
    phrasebook: tuple[str, ...] = Field(
        (), description='a list of phrasebook files, e.g. ["/etc/deescalate/team.yaml"]'
    )
    coaching: bool = Field(True, description="true or false")
    opacity: float = Field(0.95, ge=0.3, le=1.0, description="a number from 0.3 to 1.0")
    font_size: int = Field(15, ge=10, le=28, description="a whole number from 10 to 28")
    click_through: bool = Field(False, description="true or false")
    show_transcript: bool = Field(False, description="true or false")
    demo_when_no_devices: bool = Field(
        True, description="true or false (play the demo call, bannered, on a seat without audio)"
    )
    shortcut_acknowledge: str = Field(
        "<ctrl>+<alt>+a", description='a key combination such as "<ctrl>+<alt>+a"'
    )
    shortcut_dismiss: str = Field(
        "<ctrl>+<alt>+d", description='a key combination such as "<ctrl>+<alt>+d"'
    )
    alert_webhook_url: str | None = Field(
        None, description="an https:// webhook URL (Teams, Slack or plain JSON); none: no alerts"
    )
    alert_format: Literal["teams", "slack", "json"] = Field(
        "teams", description="teams, slack or json"
    )
    alert_include_transcript: bool = Field(
        False, description="true or false (the call's last lines go with an alert)"
    )
    alert_outbox: str | None = Field(
        None, description="a file or folder for alerts waiting to be sent"
    )
    agent_name: str | None = Field(None, description="the name alerts give for this seat")
    log_dir: str | None = Field(
        None, description="a machine-wide log folder (a file per user); none: per-user logs"
    )
    locked: tuple[str, ...] = Field((), description="a list of setting names")

    @field_validator("phrasebook", "locked", mode="before")
    @classmethod
    def _a_list_not_a_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise ValueError("a list is needed, not a single string")
        return value

    @field_validator("locked")
    @classmethod
    def _known_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - set(cls.model_fields))
        if unknown:
            raise ValueError(f"unknown setting(s) {', '.join(unknown)}")
        return value

    @field_validator(
        "coaching",
        "click_through",
        "show_transcript",
        "demo_when_no_devices",
        "alert_include_transcript",
        mode="before",
    )
    @classmethod
    def _strict_bool(cls, value: Any) -> Any:
        # pydantic would read "no" as False; a TOML file must say true or false.
        if isinstance(value, str):
            raise ValueError("true or false, without quotes")
        return value

    def with_values(self, **values: Any) -> Settings:
        """A copy with some values changed, checked like any other layer."""
        return _validate({**self.model_dump(), **values}, "settings")


@dataclass
class LoadedSettings:
    settings: Settings
    origins: dict[str, str] = field(default_factory=dict)
    """For each key, where its value came from: "default", a file path, an environment
    variable or "command line"."""


def machine_config_path() -> Path:
    override = os.environ.get(f"{ENV_PREFIX}POLICY_FILE")
    if override:
        return Path(override)
    if os.name == "nt":
        base = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / APP_NAME
    else:
        base = Path("/etc") / APP_NAME
    return base / CONFIG_NAME


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / CONFIG_NAME


def _describe(key: str) -> str:
    info = Settings.model_fields.get(key)
    return info.description if info and info.description else "see the README"


def _validate(values: Mapping[str, Any], where: str) -> Settings:
    try:
        return Settings.model_validate(dict(values))
    except ValidationError as exc:
        error = exc.errors()[0]
        key = str(error["loc"][0]) if error["loc"] else "?"
        if error["type"] == "extra_forbidden":
            known = ", ".join(Settings.model_fields)
            raise ConfigError(f"{where}: unknown setting {key!r}; known: {known}.") from exc
        raise ConfigError(
            f"{where}: {key} = {error.get('input')!r} is not allowed ({error['msg']}); "
            f"use {_describe(key)}."
        ) from exc


def _read_file(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}). Fix or delete the file.") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read settings ({exc.strerror}).") from exc
    _validate(data, str(path))  # names the file on any error
    return data


def _read_environment(environ: Mapping[str, str]) -> dict[str, tuple[str, Any]]:
    out: dict[str, tuple[str, Any]] = {}
    for key in Settings.model_fields:
        name = ENV_PREFIX + key.upper()
        if key == "locked" or name not in environ:
            continue
        text = environ[name]
        value: Any = text
        if key in ("phrasebook",):
            value = [p for p in text.split(os.pathsep) if p]
        elif text.lower() in ("true", "false"):
            value = text.lower() == "true"
        out[key] = (name, value)
    return out


def load_settings(
    machine: Path | None = None,
    user: Path | None = None,
    environ: Mapping[str, str] | None = None,
    command_line: Mapping[str, Any] | None = None,
) -> LoadedSettings:
    """Every layer merged; locked keys keep the policy value."""
    machine = machine or machine_config_path()
    user = user or user_config_path()
    values: dict[str, Any] = {}
    origins = {key: "default" for key in Settings.model_fields}
    policy = _read_file(machine)
    locked = set(policy.get("locked", ()))
    layers: list[tuple[str, dict[str, Any]]] = [(str(machine), policy)]
    user_values = _read_file(user)
    user_values.pop("locked", None)
    layers.append((str(user), user_values))
    for key, (name, value) in _read_environment(environ or os.environ).items():
        layers.append((name, {key: value}))
    if command_line:
        layers.append(("command line", {k: v for k, v in command_line.items() if v is not None}))
    for where, layer in layers:
        for key, value in layer.items():
            if key in locked and where != str(machine):
                continue
            _validate({**values, key: value}, where)
            values[key] = value
            origins[key] = where
    return LoadedSettings(_validate(values, "settings"), origins)


def save_user_settings(settings: Settings, path: Path | None = None) -> Path:
    """Writes the user's file (locked keys are left out: the policy value wins)."""
    path = path or user_config_path()
    defaults = Settings()
    values = {
        k: list(v) if isinstance(v, tuple) else v
        for k, v in settings.model_dump().items()
        if v is not None
        and k != "locked"
        and k not in settings.locked
        and v != getattr(defaults, k)
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


def show(loaded: LoadedSettings) -> str:
    """Every effective value and the layer it came from, one per line."""
    lines = []
    for key, value in loaded.settings.model_dump().items():
        shown = json.dumps(list(value) if isinstance(value, tuple) else value)
        lock = " (locked)" if key in loaded.settings.locked else ""
        lines.append(f"{key} = {shown}    # {loaded.origins.get(key, 'default')}{lock}")
    return "\n".join(lines)
