"""A small team hub on 127.0.0.1 for the seat's tests: the protocol's four paths on the
standard library's http.server, with the protocol's own models checking every request.

It can be stopped and started again on the same port (an outage), refuse a seat (revoked),
publish a phrasebook, and send supervisors' messages.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from pydantic import ValidationError

from deescalate.hublink.protocol import (
    BatchReceipt,
    Enrolled,
    EnrolRequest,
    EventBatch,
    Messages,
    PublishedPhrasebook,
    SeatMessage,
)

TOKEN = "enrol-T0KEN-s3cret-42"


class Hub:
    def __init__(self, port: int = 0) -> None:
        self.lock = threading.Lock()
        self.tokens = {TOKEN}
        self.enrolments: list[EnrolRequest] = []
        self.credentials: dict[str, str] = {}
        """credential -> seat id."""
        self.events: dict[str, dict] = {}
        """Event id -> event, each counted once."""
        self.posts = 0
        self.messages: list[SeatMessage] = []
        self.phrasebook: PublishedPhrasebook | None = None
        self.phrasebook_asks: list[str] = []
        """The If-None-Match of each phrasebook request."""
        self.message_asks: list[int] = []
        self.bodies: list[bytes] = []
        """Every request body, as sent."""
        self.port = port
        self.server: ThreadingHTTPServer | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- the test's controls -----------------------------------------------------------

    def start(self) -> None:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                hub._answer(self, "POST")

            def do_GET(self) -> None:
                hub._answer(self, "GET")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """The hub goes away: connections are refused until `start()`."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def revoke_all(self) -> None:
        with self.lock:
            self.credentials.clear()

    def publish(self, version: str, yaml_text: str) -> None:
        with self.lock:
            self.phrasebook = PublishedPhrasebook(version=version, yaml=yaml_text)

    def send(self, kind: str, call_id: str, supervisor: str) -> SeatMessage:
        with self.lock:
            message = SeatMessage(
                id=len(self.messages) + 1,
                kind=kind,
                call_id=call_id,
                supervisor=supervisor,
                at=time.time(),
            )
            self.messages.append(message)
        return message

    def kinds(self) -> list[str]:
        with self.lock:
            return [e["kind"] for e in sorted(self.events.values(), key=lambda e: e["at"])]

    def of_kind(self, kind: str) -> list[dict]:
        with self.lock:
            return [e for e in self.events.values() if e["kind"] == kind]

    def wait_for(self, condition, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.05)
        return False

    # --- the protocol ------------------------------------------------------------------

    def _answer(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        with self.lock:
            self.bodies.append(body)
        try:
            route = (method, parts.path)
            if route == ("POST", "/api/seat/enrol"):
                return self._enrol(request, EnrolRequest.model_validate_json(body))
            seat = self._seat(request)
            if seat is None:
                return self._send(request, 401, {"detail": "unknown or revoked seat"})
            if route == ("POST", "/api/seat/events"):
                return self._events(request, EventBatch.model_validate_json(body))
            if route == ("GET", "/api/seat/messages"):
                after = int(parse_qs(parts.query).get("after", ["0"])[0])
                return self._messages(request, after)
            if route == ("GET", "/api/seat/phrasebook"):
                return self._phrasebook(request)
            return self._send(request, 404, {"detail": "no such path"})
        except ValidationError as exc:
            return self._send(request, 422, {"detail": exc.errors(include_url=False)})

    def _seat(self, request: BaseHTTPRequestHandler) -> str | None:
        auth = request.headers.get("Authorization", "")
        with self.lock:
            return self.credentials.get(auth.removeprefix("Bearer "))

    def _enrol(self, request: BaseHTTPRequestHandler, asked: EnrolRequest) -> None:
        with self.lock:
            self.enrolments.append(asked)
            if asked.token not in self.tokens:
                return self._send(request, 403, {"detail": "unknown enrolment token"})
            seat_id = f"seat-{len(self.enrolments)}"
            credential = f"cred-{seat_id}-{time.monotonic_ns()}"
            self.credentials[credential] = seat_id
        answer = Enrolled(seat_id=seat_id, credential=credential, team="billing")
        self._send(request, 200, answer.model_dump())

    def _events(self, request: BaseHTTPRequestHandler, batch: EventBatch) -> None:
        with self.lock:
            self.posts += 1
            new = [e for e in batch.events if e.id not in self.events]
            for event in new:
                self.events[event.id] = event.model_dump()
        receipt = BatchReceipt(accepted=len(new), duplicates=len(batch.events) - len(new))
        self._send(request, 200, receipt.model_dump())

    def _messages(self, request: BaseHTTPRequestHandler, after: int) -> None:
        with self.lock:
            self.message_asks.append(after)
            newer = [m for m in self.messages if m.id > after]
        self._send(request, 200, Messages(messages=newer).model_dump())

    def _phrasebook(self, request: BaseHTTPRequestHandler) -> None:
        seen = request.headers.get("If-None-Match", "")
        with self.lock:
            self.phrasebook_asks.append(seen)
            book = self.phrasebook
        if book is None:
            return self._send(request, 204, None)
        if seen == book.version:
            return self._send(request, 304, None)
        self._send(request, 200, book.model_dump(), {"ETag": book.version})

    def _send(
        self,
        request: BaseHTTPRequestHandler,
        status: int,
        body: dict | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        request.send_response(status)
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        if body is not None:
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)
