"""What the app asks the records to do, as plain data.

Writes are values rather than closures so that those not yet written when the app quits
can be kept in a file and written at the next start. Each carries its own key (made when
the session decided on it) and its own time, so writing one again changes nothing, and a
write kept for later still says when it happened.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field, fields


def new_key() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class StartCall:
    key: str
    at: float
    demo: bool = False


@dataclass(frozen=True)
class EndCall:
    key: str
    at: float


@dataclass(frozen=True)
class RecordEvent:
    """One of the call's events (level change, suggestion, action...), as its JSON line."""

    call_key: str
    t: float
    type: str
    data: dict
    at: float = field(default_factory=time.time)
    key: str = field(default_factory=new_key)


@dataclass(frozen=True)
class Feedback:
    call_t: float
    suggestion_id: str
    category: str
    action: str
    at: float = field(default_factory=time.time)
    key: str = field(default_factory=new_key)


@dataclass(frozen=True)
class OpenIncident:
    """The SOP's record of an escalation, pre-filled when it happens."""

    key: str
    call_key: str | None
    call_t: float
    reason: str
    behaviours: tuple[str, ...]
    actions: tuple[str, ...] = ()
    outcome: str = ""
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class UpdateIncidentActions:
    key: str
    actions: tuple[str, ...]
    at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class CompleteIncident:
    """The agent's part, added after the call."""

    key: str
    customer_ref: str
    outcome: str
    notes: str
    at: float = field(default_factory=time.time)


RecordOp = (
    StartCall
    | EndCall
    | RecordEvent
    | Feedback
    | OpenIncident
    | UpdateIncidentActions
    | CompleteIncident
)
_TYPES = {cls.__name__: cls for cls in RecordOp.__args__}  # type: ignore[attr-defined]


def to_json(op: RecordOp) -> str:
    return json.dumps({"op": type(op).__name__, **asdict(op)}, ensure_ascii=False)


def from_json(line: str) -> RecordOp:
    """Raises ValueError for a line that is not a record operation."""
    try:
        data = json.loads(line)
        cls = _TYPES[data.pop("op")]
        names = {f.name for f in fields(cls)}
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}
        return cls(**values)
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a record operation: {line[:80]!r}") from exc
