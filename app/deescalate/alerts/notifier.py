"""Supervisor alerts: a small interface, so a fleet can swap the way alerts travel.

A `Notifier` takes an `Alert` and promises to deliver it; its state is observable as
`queued`, `sent` or `failed`, by callback or by asking. `WebhookNotifier` (in
`deescalate.alerts.webhook`) posts JSON to a Teams, Slack or plain webhook from an on-disk
outbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol

AlertState = Literal["queued", "sent", "failed", "demo"]
"""`demo`: an alert from the demo call, kept on this machine and never sent."""
FORMATS = ("teams", "slack", "json")


class AlertError(Exception):
    """An alert setting or outbox the user can fix; the message is one line naming the fix."""


@dataclass(frozen=True)
class Alert:
    agent: str
    time: str
    """ISO 8601 with time zone, when the agent asked for help."""
    level: str
    reasons: tuple[str, ...] = ()
    transcript: tuple[str, ...] = field(default=())
    """Lines of the call; sent only when the caller chose to include them."""
    demo: bool = False
    """From the demo call: marked as such, and never sent to the supervisors."""
    test: bool = False
    """A test of the channel (`deescalate alerts test`): nobody needs to act."""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["reasons"] = list(self.reasons)
        data["transcript"] = list(self.transcript)
        if not self.transcript:
            del data["transcript"]
        for flag in ("demo", "test"):
            if not data[flag]:
                del data[flag]
        return data


@dataclass(frozen=True)
class AlertStatus:
    key: str
    state: AlertState
    attempts: int
    detail: str
    """Why it is queued or failed (no secrets), or where it was sent."""


StatusCallback = Callable[[AlertStatus], None]


class Notifier(Protocol):
    def send(self, alert: Alert) -> str:
        """Hands the alert over for delivery and returns its key; never blocks on the disk
        or the network."""
        ...

    def status(self, key: str) -> AlertStatus | None: ...

    def close(self) -> None:
        """Returns within about a second; alerts not yet sent are kept for the next start."""
        ...
