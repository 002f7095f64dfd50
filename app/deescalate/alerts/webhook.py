"""Webhook alerts: one JSON POST per alert, in the shape Teams, Slack or a plain receiver takes.

The standard library's urllib does the POST: one request with a timeout needs nothing more,
and every seat already has it. The URL's path and query hold the webhook's secret token, so
only `scheme://host` ever appears in logs and messages (`safe_target`).
"""

from __future__ import annotations

import http.client
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from deescalate.alerts.notifier import FORMATS, Alert, AlertError, AlertStatus, StatusCallback
from deescalate.alerts.outbox import Outbox

log = logging.getLogger(__name__)

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
TIMEOUT = 10.0


def check_url(url: str) -> str:
    """The URL if it is usable; `AlertError` naming the fix otherwise (never echoing the token)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise AlertError(
            "The alert webhook URL is not a web address: paste the full https://... URL "
            "from the Teams or Slack webhook settings."
        )
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise AlertError(
            f"The alert webhook {safe_target(url)} uses http: use its https:// address "
            "(plain http is allowed only for localhost)."
        )
    return url.strip()


def safe_target(url: str) -> str:
    """`scheme://host[:port]`: what may be shown of a webhook URL."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def payload(alert: Alert, fmt: str) -> dict:
    if fmt == "teams":
        return _teams(alert)
    if fmt == "slack":
        return _slack(alert)
    if fmt == "json":
        return {"type": "deescalate.alert", **alert.to_dict()}
    raise AlertError(f"Unknown alert format {fmt!r}: use one of {', '.join(FORMATS)}.")


def _headline(alert: Alert) -> str:
    if alert.test:
        return f"TEST ONLY, no action needed: Deescalate alert test from {alert.agent}"
    mark = "DEMO, not a real call: " if alert.demo else ""
    return f"{mark}Supervisor needed: {alert.agent}, call {alert.level.upper()}"


def _teams(alert: Alert) -> dict:
    """An Adaptive Card message, which Teams incoming webhooks and Workflows both accept."""
    facts = [
        {"title": "Agent", "value": alert.agent},
        {"title": "Time", "value": alert.time},
        {"title": "Level", "value": alert.level.upper()},
        {"title": "Why", "value": "; ".join(alert.reasons) or "the agent asked for help"},
    ]
    body: list[dict] = [
        {"type": "TextBlock", "text": _headline(alert), "weight": "Bolder", "size": "Medium"},
        {"type": "FactSet", "facts": facts},
    ]
    if alert.transcript:
        body.append({"type": "TextBlock", "text": "\n\n".join(alert.transcript), "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    return {
        "type": "message",
        "summary": _headline(alert),
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


def _slack(alert: Alert) -> dict:
    """Slack limits a field to 2000 characters and a header to 150."""
    why = ("; ".join(alert.reasons) or "the agent asked for help")[:1900]
    fields = [
        {"type": "mrkdwn", "text": f"*Agent:*\n{alert.agent}"},
        {"type": "mrkdwn", "text": f"*Time:*\n{alert.time}"},
        {"type": "mrkdwn", "text": f"*Level:*\n{alert.level.upper()}"},
        {"type": "mrkdwn", "text": f"*Why:*\n{why}"},
    ]
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": _headline(alert)[:150]}},
        {"type": "section", "fields": fields},
    ]
    if alert.transcript:
        text = "\n".join(alert.transcript)[:2900]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    return {"text": f"{_headline(alert)}: {why}", "blocks": blocks}


@dataclass(frozen=True)
class Delivery:
    ok: bool
    retry: bool
    """Worth trying again later (network down, server busy) rather than a rejection."""
    detail: str


def post(url: str, body: dict, timeout: float = TIMEOUT) -> Delivery:
    """One POST; never raises for network trouble, and its detail never holds the token."""
    target = safe_target(url)
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Delivery(True, False, f"accepted by {target} (HTTP {response.status})")
    except urllib.error.HTTPError as exc:
        retry = exc.code >= 500 or exc.code in (408, 425, 429)
        fix = "the receiver failed or is busy" if retry else "check the webhook URL and its token"
        return Delivery(False, retry, f"HTTP {exc.code} from {target}: {fix}")
    except TimeoutError:
        return Delivery(False, True, f"no answer from {target} within {timeout:g} s")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        reason = getattr(reason, "strerror", None) or str(reason)
        return Delivery(False, True, f"cannot reach {target} ({_scrub(str(reason), url)})")
    except http.client.HTTPException as exc:  # a broken answer (connection cut mid-reply)
        name = type(exc).__name__
        return Delivery(False, True, f"bad answer from {target} ({name})")


def _scrub(text: str, url: str) -> str:
    parts = urlsplit(url)
    for secret in (url, parts.path, parts.query):
        if secret and secret != "/":
            text = text.replace(secret, "…")
    return text


class WebhookNotifier:
    """A `Notifier` that posts alerts to one webhook from an outbox on disk.

    Alerts wait in the outbox (a SQLite file, or a folder to keep one in) and a background
    thread delivers them, retrying with backoff while the network or the server is down, so
    none is lost, even across a restart. `on_status` is called from that thread on every
    change of state (a Qt window must pass it on to its own thread). `send` raises
    `AlertError` only when the outbox can't be written (a full disk).
    """

    def __init__(
        self,
        url: str,
        outbox: Path,
        fmt: str = "teams",
        on_status: StatusCallback | None = None,
        on_problem: Callable[[str | None], None] | None = None,
        first_retry: float = 2.0,
        max_retry: float = 300.0,
        give_up_after: float = 24 * 3600.0,
        timeout: float = TIMEOUT,
        redact: Callable[[str], str] = lambda text: text,
        keep_days: float = 30.0,
    ) -> None:
        self.url = check_url(url)
        if fmt not in FORMATS:
            raise AlertError(f"Unknown alert format {fmt!r}: use one of {', '.join(FORMATS)}.")
        self.fmt = fmt
        self._timeout = timeout
        self._redact = redact
        self._on_status = on_status
        self._demo: dict[str, AlertStatus] = {}
        self._outbox = Outbox(
            Path(outbox),
            self._deliver,
            on_status,
            first_retry,
            max_retry,
            give_up_after,
            on_problem,
            keep_days,
        )
        log.info("alerts go to %s as %s", safe_target(self.url), fmt)

    def send(self, alert: Alert) -> str:
        """Queues the alert, its words redacted; a demo alert is only reported, never sent."""
        if alert.demo:
            return self._keep_demo()
        scrubbed = replace(
            alert,
            reasons=tuple(map(self._redact, alert.reasons)),
            transcript=tuple(map(self._redact, alert.transcript)),
        )
        return self._outbox.add(payload(scrubbed, self.fmt))

    def _keep_demo(self) -> str:
        status = AlertStatus(uuid.uuid4().hex, "demo", 0, "demo call: supervisors not alerted")
        self._demo[status.key] = status
        log.info("alert %s from the demo call: not sent", status.key[:8])
        if self._on_status is not None:
            self._on_status(status)
        return status.key

    def status(self, key: str) -> AlertStatus | None:
        return self._demo.get(key) or self._outbox.status(key)

    def recent(self, limit: int = 20) -> list[AlertStatus]:
        return self._outbox.recent(limit)

    def wait(self, key: str, timeout: float) -> AlertStatus | None:
        """Blocks until the alert is sent or failed, or `timeout` seconds pass."""
        return self._outbox.wait(key, timeout)

    def close(self) -> None:
        self._outbox.close()

    def _deliver(self, body: dict) -> Delivery:
        return post(self.url, body, self._timeout)
