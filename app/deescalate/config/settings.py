"""Settings: one typed model, read in layers, lowest first.

built-in defaults → machine-wide policy (see `policy.py`) → the user's file → environment
(`DEESCALATE_<KEY>`) → command line. The policy (written by IT) may list
`locked = ["phrasebook", ...]`: those keys keep the policy value whatever a higher layer
says, and a higher layer's value for one is reported as ignored. A wrong type or an
unknown key in the user's layers is one line naming the place, the key and what is
allowed; the policy's mistakes never stop the app (see `policy.py`).
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

import platformdirs
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from deescalate.core.facts import APP_NAME

if TYPE_CHECKING:
    from deescalate.config.policy import Policy

CONFIG_NAME = "config.toml"
ENV_PREFIX = "DEESCALATE_"


SECRET_KEYS = ("alert_webhook_url", "hub_enrol_token")
"""Settings that hold a secret (the webhook's token, the team hub's enrolment token): masked
when shown, never saved by the settings dialog, never logged."""
SECRET_URLS = ("alert_webhook_url",)
"""Secrets that are URLs: their scheme and host may be shown, the rest never."""
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


class ConfigError(Exception):
    """A setting that can't be used; the message names the place, the key and the fix."""


class SettingError(ValueError):
    """One key's value is not allowed; the message names the key and what is allowed."""


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
    alert_keep_days: int = Field(
        30, ge=1, le=3650, description="a whole number of days from 1 to 3650"
    )
    agent_name: str | None = Field(
        None, description="the name alerts and the team hub give for this seat"
    )
    hub_url: str | None = Field(
        None,
        description="the team hub's https:// address (plain http only for localhost); none: no hub",
    )
    hub_enrol_token: str | None = Field(
        None,
        min_length=8,
        max_length=200,
        description="the enrolment token the team hub gave IT (8 to 200 characters)",
    )
    hub_send_words: bool = Field(
        False,
        description="true or false (suggestions, why lines and incident words go to the "
        "team hub, redacted)",
    )
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
        "hub_send_words",
        mode="before",
    )
    @classmethod
    def _strict_bool(cls, value: Any) -> Any:
        # pydantic would read "no" as False; a TOML file must say true or false.
        if isinstance(value, str):
            raise ValueError("true or false, without quotes")
        return value

    @field_validator("hub_url")
    @classmethod
    def _hub_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("not a web address")
        if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
            raise ValueError("plain http only for localhost: the seat's credential goes with it")
        if parts.query or parts.fragment:
            raise ValueError("an address without ? or #")
        return value.strip().rstrip("/")

    def with_values(self, **values: Any) -> Settings:
        """A copy with some values changed, checked like any other layer."""
        return _validate({**self.model_dump(), **values}, "settings")


@dataclass
class LoadedSettings:
    settings: Settings
    origins: dict[str, str] = field(default_factory=dict)
    """For each key, where its value came from: "default", a file path, an environment
    variable or "command line"."""
    policy: Policy | None = None
    ignored: list[str] = field(default_factory=list)
    """One line per value a higher layer gave a locked key (not used)."""


def machine_config_path() -> Path:
    from deescalate.config import policy  # policy.py reads the model defined here

    return policy.POLICY_FILE


def user_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / CONFIG_NAME


def _describe(key: str) -> str:
    info = Settings.model_fields.get(key)
    return info.description if info and info.description else "see the README"


def _problem(error: Any) -> tuple[str, str]:
    """The key and one line saying what is wrong with it and what is allowed."""
    key = str(error["loc"][0]) if error["loc"] else "?"
    if error["type"] == "extra_forbidden":
        known = ", ".join(Settings.model_fields)
        return key, f"unknown setting {key!r}; known: {known}."
    shown = mask(key, error.get("input"))
    return key, f"{key} = {shown!r} is not allowed ({error['msg']}); use {_describe(key)}."


def _validate(values: Mapping[str, Any], where: str) -> Settings:
    try:
        return Settings.model_validate(dict(values))
    except ValidationError as exc:
        raise ConfigError(f"{where}: {_problem(exc.errors()[0])[1]}") from exc


def check_value(key: str, value: Any) -> None:
    """Raises SettingError when `value` is not allowed for `key` on its own."""
    try:
        Settings.model_validate({key: value})
    except ValidationError as exc:
        raise SettingError(_problem(exc.errors()[0])[1].rstrip(".")) from exc


def mask(key: str, value: Any) -> Any:
    """`value`, with a secret reduced to what may be shown (a URL's scheme and host)."""
    if key not in SECRET_KEYS or not isinstance(value, str) or not value:
        return value
    return mask_url(value) if key in SECRET_URLS else "(hidden)"


def mask_url(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or "?"
    hidden = "/… (token hidden)" if (parts.path not in ("", "/") or parts.query) else ""
    return f"{parts.scheme}://{host}{hidden}" if parts.scheme else "(hidden)"


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
    """Every layer merged; locked keys keep the policy value (or the default when the
    policy's value for them is not usable). Raises ConfigError for the user's layers."""
    from deescalate.config.policy import read_policy  # policy.py reads the model defined here

    policy = read_policy(machine)
    values: dict[str, Any] = {**policy.values, "locked": tuple(sorted(policy.locked))}
    origins = {key: "default" for key in Settings.model_fields}
    origins.update({key: str(policy.path) for key in policy.values})
    user = user or user_config_path()
    user_values = _read_file(user)
    user_values.pop("locked", None)
    layers: list[tuple[str, dict[str, Any]]] = [(str(user), user_values)]
    for key, (name, value) in _read_environment(environ or os.environ).items():
        layers.append((name, {key: value}))
    if command_line:
        layers.append(("command line", {k: v for k, v in command_line.items() if v is not None}))
    ignored: list[str] = []
    for where, layer in layers:
        for key, value in layer.items():
            if key in policy.locked:
                if _plain(value) != _plain(values.get(key, Settings.model_fields[key].default)):
                    ignored.append(_ignored_line(key, where, policy.path))
                continue
            _validate({**values, key: value}, where)
            values[key] = value
            origins[key] = where
    return LoadedSettings(_validate(values, "settings"), origins, policy, ignored)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple | list) else value


def _ignored_line(key: str, where: str, policy: Path) -> str:
    source = "the command line" if where == "command line" else where
    return (
        f"{key} from {source} is not used: the seat policy {policy} locks it "
        "(ask IT to change it there)."
    )


def save_user_changes(before: Settings, after: Settings, path: Path | None = None) -> Path:
    """Writes to the user's file only the keys the user changed from `before` to `after`,
    never a locked key or a secret; the rest of the file is kept. Mode 600."""
    path = path or user_config_path()
    values = _read_file(path)
    for key in Settings.model_fields:
        new = getattr(after, key)
        if new == getattr(before, key) or key in after.locked or key in SECRET_KEYS:
            continue
        if key == "locked":
            continue
        if new is None:
            values.pop(key, None)
        else:
            values[key] = _plain(new)
    try:
        _write_private(path, tomli_w.dumps(values).encode())
    except OSError as exc:
        raise ConfigError(
            f"cannot save settings to {path} ({exc.strerror}). Free disk space "
            "or check the folder's permissions."
        ) from exc
    return path


def _write_private(path: Path, data: bytes) -> None:
    """Writes `data` to `path` readable by this user only, never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(tmp, 0o600)  # whatever the file had before
    tmp.replace(path)


def show(loaded: LoadedSettings) -> str:
    """Every effective value and the layer it came from, one per line."""
    lines = []
    for key, value in loaded.settings.model_dump().items():
        shown = json.dumps(_plain(mask(key, value)), ensure_ascii=False)
        lock = " (locked)" if key in loaded.settings.locked else ""
        lines.append(f"{key} = {shown}    # {loaded.origins.get(key, 'default')}{lock}")
    return "\n".join(lines)
