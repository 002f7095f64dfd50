"""The seat's HTTP client for the team hub: one request per call, on the standard library.

urllib is enough for a few small JSON requests with a timeout, and every seat has it. Every
failure becomes a `HubError` whose message is one line for the agent, naming only the hub's
`scheme://host[:port]`: never the credential or the enrolment token.
"""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from deescalate.hublink.protocol import (
    BatchReceipt,
    Enrolled,
    EnrolRequest,
    EventBatch,
    Messages,
    PublishedPhrasebook,
    SeatMessage,
)

TIMEOUT = 4.0
"""Seconds a request may take: the seat never waits long on its hub."""
CATCHES_UP = "the seat keeps working and catches up later"
NEW_TOKEN = "ask IT for a new enrolment token"
RETRY_CODES = (408, 425, 429)
"""Client errors that mean "not now" rather than "never"."""
Answer = TypeVar("Answer", bound=BaseModel)


def hub_target(url: str) -> str:
    """`scheme://host[:port]`: what may be shown of the hub's address."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is answered as the error it is: following it would carry the seat's
    credential to another address (even a plain-http one)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_NO_REDIRECTS = urllib.request.build_opener(_RefuseRedirects)


class HubError(Exception):
    """A request that did not work; the message is one line naming the problem and the fix."""

    def __init__(self, message: str, status: int | None = None, retry: bool = True) -> None:
        super().__init__(message)
        self.status = status
        """The hub's HTTP status, or None when it did not answer."""
        self.retry = retry
        """Worth trying again later (the hub is down or busy), rather than a refusal."""

    @property
    def refused(self) -> bool:
        """The hub refused the token or the seat's credential (a revoked seat)."""
        return self.status in (401, 403)


@dataclass(frozen=True)
class PhrasebookReply:
    state: Literal["new", "unchanged", "none"]
    """new: `book` is a version the seat does not run; none: the team has none published."""
    book: PublishedPhrasebook | None = None


class HubClient:
    def __init__(self, url: str, timeout: float = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self.target = hub_target(url)
        self.timeout = timeout

    def enrol(self, request: EnrolRequest) -> Enrolled:
        """Raises HubError; `refused` when the hub does not take the token."""
        status, body = self._request("POST", "/api/seat/enrol", request.model_dump())
        return self._parse(Enrolled, body, status)

    def post_events(self, credential: str, batch: EventBatch) -> BatchReceipt:
        body = batch.model_dump()
        status, answer = self._request("POST", "/api/seat/events", body, credential)
        return self._parse(BatchReceipt, answer, status)

    def messages(self, credential: str, after: int) -> list[SeatMessage]:
        status, body = self._request("GET", f"/api/seat/messages?after={after}", None, credential)
        return self._parse(Messages, body, status).messages

    def phrasebook(self, credential: str, version: str) -> PhrasebookReply:
        """The team's published phrasebook, unless it is `version` (the one the seat has)."""
        headers = {"If-None-Match": version} if version else {}
        status, body = self._request("GET", "/api/seat/phrasebook", None, credential, headers)
        if status == 304:
            return PhrasebookReply("unchanged")
        if status == 204:
            return PhrasebookReply("none")
        book = self._parse(PublishedPhrasebook, body, status)
        return PhrasebookReply("unchanged" if book.version == version else "new", book)

    # --- one request -----------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        body: dict | None,
        credential: str = "",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, method=method)
        request.add_header("Accept", "application/json")
        if body is not None:
            request.data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            request.add_header("Content-Type", "application/json")
        if credential:
            request.add_header("Authorization", f"Bearer {credential}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with _NO_REDIRECTS.open(request, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 304:  # urllib treats "not modified" as an error
                return 304, b""
            raise self._refusal(exc.code, bool(credential)) from None
        except TimeoutError:
            raise self._unreachable(f"no answer within {self.timeout:g} s") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise self._unreachable(getattr(reason, "strerror", None) or str(reason)) from None
        except http.client.HTTPException as exc:  # a broken answer (connection cut mid-reply)
            raise self._unreachable(f"broken answer: {type(exc).__name__}") from None

    def _unreachable(self, reason: str) -> HubError:
        return HubError(f"Team hub {self.target} unreachable ({reason}); {CATCHES_UP}.")

    def _refusal(self, code: int, enrolled: bool) -> HubError:
        if code in (401, 403) and enrolled:
            return HubError(
                f"Team hub {self.target} no longer accepts this seat (HTTP {code}): {NEW_TOKEN}.",
                code,
                retry=False,
            )
        if code in (401, 403):
            return HubError(
                f"Team hub {self.target} refused the enrolment token (HTTP {code}): {NEW_TOKEN}.",
                code,
                retry=False,
            )
        if code >= 500 or code in RETRY_CODES:
            return HubError(f"Team hub {self.target} failed (HTTP {code}); {CATCHES_UP}.", code)
        return HubError(
            f"Team hub {self.target} rejected the seat's request (HTTP {code}): check that the "
            "hub and this seat run matching versions.",
            code,
            retry=False,
        )

    def _parse(self, model: type[Answer], body: bytes, status: int) -> Answer:
        try:
            return model.model_validate_json(body)
        except ValidationError as exc:
            raise HubError(
                f"Team hub {self.target} sent an answer this seat does not understand "
                f"(HTTP {status}, {exc.error_count()} problem(s) reading it as "
                f"{model.__name__}): check that the hub and this seat run matching versions.",
                status,
                retry=False,
            ) from None
