"""The machine-wide policy IT writes: read so that a mistake in it never stops a seat and
never hands a locked key to the user.

The policy's place is fixed when the app is built (`POLICY_FILE`): no environment variable
or user file can point elsewhere, so only whoever can write `/etc/deescalate/` changes it.

Reading is forgiving, key by key: an unknown key (one a newer version knows) is a warning;
a value that is not allowed leaves that key at its default (still locked if the policy
locks it); a file that can't be read or parsed at all locks every key at its default,
since it may have locked any of them. Each problem names the file, the line and the fix.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deescalate.config.settings import SettingError, Settings, check_value

log = logging.getLogger(__name__)

if os.name == "nt":
    POLICY_FILE = (
        Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "deescalate" / "config.toml"
    )
else:
    POLICY_FILE = Path("/etc/deescalate/config.toml")
"""Where the policy is read from; changed only at build time (tests change it in the process
they start, see tests/support/policy.py)."""

JOURNAL_SOCKET = Path("/run/systemd/journal/socket")
CONTACT_IT = "contact IT"


@dataclass(frozen=True)
class PolicyProblem:
    path: Path
    line: int | None
    what: str
    """What is wrong and the fix, e.g. "opacity = 'high' is not allowed (...)"."""
    warning: bool = False
    """Only a warning: every other setting of the policy still applies."""

    def text(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line else str(self.path)
        return f"{where}: {self.what}"


@dataclass
class Policy:
    path: Path
    values: dict[str, Any] = field(default_factory=dict)
    """The keys the policy sets with allowed values."""
    locked: frozenset[str] = frozenset()
    problems: list[PolicyProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[PolicyProblem]:
        return [p for p in self.problems if not p.warning]

    def notice(self) -> str | None:
        """One line for the agent's window when the policy has an error, else None."""
        errors = self.errors
        if not errors:
            return None
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        return f"Seat policy has a mistake, {CONTACT_IT}: {errors[0].text()}{more}"


def read_policy(path: Path | None = None) -> Policy:
    """The policy at `path` (default: `POLICY_FILE`); never raises."""
    path = Path(path or POLICY_FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Policy(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        return _unusable(path, None, f"cannot be read ({reason}); {_readable_fix()}")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return _unusable(path, _error_line(str(exc)), f"not valid TOML ({_toml_reason(exc)})")
    policy = _checked(path, text, data)
    if not _others_can_read(path):
        policy.problems.append(
            PolicyProblem(path, None, f"other users can't read this file; {_readable_fix()}")
        )
    return policy


def _unusable(path: Path, line: int | None, what: str) -> Policy:
    what += "; until it is fixed every setting stays at its default and can't be changed"
    return Policy(path, {}, frozenset(Settings.model_fields), [PolicyProblem(path, line, what)])


def _readable_fix() -> str:
    return "it must be readable by every user (chmod 644, owned by root)"


def _others_can_read(path: Path) -> bool:
    if os.name == "nt":
        return True
    try:
        return bool(os.stat(path).st_mode & stat.S_IROTH)
    except OSError:
        return False


def _checked(path: Path, text: str, data: dict[str, Any]) -> Policy:
    problems: list[PolicyProblem] = []
    values: dict[str, Any] = {}
    for key, value in data.items():
        line = _line_of(text, key)
        if key == "locked":
            continue
        if key not in Settings.model_fields:
            problems.append(PolicyProblem(path, line, _unknown_key(key), warning=True))
            continue
        try:
            check_value(key, value)
        except SettingError as exc:
            problems.append(PolicyProblem(path, line, f"{exc}; the default is used meanwhile"))
            continue
        values[key] = value
    locked = _locked(path, text, data.get("locked", []), problems)
    return Policy(path, values, locked, problems)


def _locked(path: Path, text: str, names: Any, problems: list[PolicyProblem]) -> frozenset[str]:
    line = _line_of(text, "locked")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.append(
            PolicyProblem(
                path,
                line,
                'locked must be a list of setting names, e.g. locked = ["phrasebook"]; '
                "until it is fixed every setting is locked",
            )
        )
        return frozenset(Settings.model_fields)
    for name in names:
        if name not in Settings.model_fields or name == "locked":
            problems.append(PolicyProblem(path, line, f"locked: {_unknown_key(name)}", True))
    return frozenset(n for n in names if n in Settings.model_fields and n != "locked")


def _unknown_key(key: str) -> str:
    return (
        f"unknown setting {key!r} (ignored: a newer version's setting, or misspelt); "
        f"known: {', '.join(k for k in Settings.model_fields if k != 'locked')}"
    )


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", re.M)
    match = pattern.search(text)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _toml_reason(exc: tomllib.TOMLDecodeError) -> str:
    return re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "a syntax error"


# --- telling IT ------------------------------------------------------------------------------


def report_problems(policy: Policy) -> None:
    """Writes each problem to the log and to the system journal, where IT looks."""
    for problem in policy.problems:
        level = logging.WARNING if problem.warning else logging.ERROR
        line = f"seat policy: {problem.text()} ({CONTACT_IT} if this seat is not yours to fix)"
        log.log(level, "%s", line)
        to_journal(line, 4 if problem.warning else 3)


def to_journal(message: str, priority: int) -> bool:
    """Sends one line to systemd's journal (native protocol); False when there is none."""
    if not hasattr(socket, "AF_UNIX") or not JOURNAL_SOCKET.exists():
        return False
    fields = f"MESSAGE={_one_line(message)}\nPRIORITY={priority}\nSYSLOG_IDENTIFIER=deescalate\n"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(fields.encode("utf-8"), str(JOURNAL_SOCKET))
    except OSError as exc:
        log.debug("no system journal (%s)", exc)
        return False
    return True


def _one_line(text: str) -> str:
    return " ".join(text.split())
