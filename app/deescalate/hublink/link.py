"""The seat's link to the team hub: enrolment, reports, supervisors' messages, the team's
phrasebook. `deescalate.bootstrap` builds one from the settings when `hub_url` is set.

How it works:

- **Enrolment.** The first start with `hub_url` and `hub_enrol_token` posts the token, the
  machine's name and the agent's name to `/api/seat/enrol` and keeps the seat's id and
  credential in `hub-seat.json` (see `seat.py`). Later starts use the kept credential; a
  different `hub_url` enrols again. An unreachable hub is retried with backoff; a refused
  token, or a credential the hub no longer accepts (a revoked seat), is one line on the
  overlay's problem line naming the fix, and the seat enrols again at the next start.
- **Reports.** `report(kind, call_id, data)` makes a `SeatEvent` with its own id (a uuid4
  hex: the hub counts each id once) and hands it to an outbox on disk (`hub-outbox.sqlite`,
  the same `Outbox` as the supervisor alerts'), whose thread posts it to `/api/seat/events`.
  So an event survives an outage or a restart and reaches the hub at least once. The outbox
  backs off for every event at once while the hub is down, and sends the backlog as soon as
  any request reaches the hub again. The caller decides what goes in `data` (redacted words
  only when `hub_send_words` allows them; never audio). `flush(timeout)` waits until
  nothing is left to send (for tests).
- **Heartbeat.** Every minute, a `heartbeat` with the phrasebook version the seat runs
  (`running_phrasebook`, set by the session when a call starts) and the app's version; a
  new one is not queued while the last one still waits.
- **Messages.** A thread polls `/api/seat/messages?after=<last id>` every second. The first
  poll only learns the newest id (what was sent before the seat started is never shown);
  each newer message goes to `on_message` (from that thread).
- **Phrasebook.** At start and every minute, `/api/seat/phrasebook` with `If-None-Match`:
  a new version is written to `hub-phrasebook-new.yaml` (600), checked by
  `check_phrasebook` (the same check as `phrasebook check`), and, when it passes, moved to
  `hub-phrasebook.yaml` and handed to `on_phrasebook(path, version)`, which puts it in force
  from the next call. A rejected version stays unused, with a problem line. When the team
  withdraws its phrasebook, `on_phrasebook(None, "")`.

Problems go to `on_problem(source, line)` (`None` clears the source's line), from any of
the link's threads: "hub" (enrolment, connection), "hub phrasebook". Messages name only the
hub's `scheme://host[:port]`; the token and the credential are never logged or shown.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from deescalate.advice.phrasebook import PhrasebookError
from deescalate.core.facts import app_version
from deescalate.hublink.client import HubClient, HubError
from deescalate.hublink.protocol import (
    EnrolRequest,
    EventBatch,
    EventKind,
    SeatEvent,
    SeatMessage,
)
from deescalate.hublink.seat import (
    CANDIDATE_FILE,
    PHRASEBOOK_FILE,
    SEAT_FILE,
    Seat,
    read_seat,
    write_private,
    write_seat,
)

log = logging.getLogger(__name__)

OUTBOX_FILE = "hub-outbox.sqlite"
MESSAGE_EVERY = 1.0
PHRASEBOOK_EVERY = 60.0
HEARTBEAT_EVERY = 60.0
ENROL_RETRY_FIRST, ENROL_RETRY_MAX = 2.0, 60.0
SHOW_DOWN_AFTER = 3.0
"""Seconds of failed requests in a row before the problem line says the hub is down: a
blip that the next poll gets through is not worth the agent's attention."""
PROBLEM, PHRASEBOOK_PROBLEM = "hub", "hub phrasebook"
MAX_NAME = 100


@dataclass(frozen=True)
class Delivery:
    """What the outbox needs to know of one attempt."""

    ok: bool
    retry: bool
    detail: str


class EventOutbox(Protocol):
    """The part of `deescalate.alerts.outbox.Outbox` the link uses."""

    def add(self, body: dict) -> str: ...

    def status(self, key: str): ...

    def retry_now(self) -> None: ...

    def pending(self) -> int: ...

    def close(self, timeout: float = 1.0) -> None: ...


MakeOutbox = Callable[[Callable[[dict], Delivery]], EventOutbox]
"""Builds the outbox around the link's `deliver(body)`."""


@dataclass(frozen=True)
class HubPhrasebook:
    path: Path
    version: str


def _nothing(*_args) -> None:
    pass


class HubLink:
    def __init__(
        self,
        client: HubClient,
        folder: Path,
        token: str | None,
        agent_name: str,
        make_outbox: MakeOutbox,
        check_phrasebook: Callable[[Path], object],
        on_problem: Callable[[str, str | None], None] = _nothing,
        seat_name: str | None = None,
        clock: Callable[[], float] = time.time,
        message_every: float = MESSAGE_EVERY,
        phrasebook_every: float = PHRASEBOOK_EVERY,
        heartbeat_every: float = HEARTBEAT_EVERY,
    ) -> None:
        """`folder`: the user's data folder. `check_phrasebook(path)` raises PhrasebookError
        for a phrasebook not to use."""
        self.client = client
        self.folder = folder
        self._token = token
        self._seat_name = (seat_name or socket.gethostname() or "unnamed seat")[:MAX_NAME]
        self._agent_name = agent_name[:MAX_NAME]
        self._check = check_phrasebook
        self._on_problem = on_problem
        self._clock = clock
        self._every = {
            "messages": message_every,
            "phrasebook": phrasebook_every,
            "heartbeat": heartbeat_every,
        }
        self._on_message: Callable[[SeatMessage], None] = _nothing
        self._on_phrasebook: Callable[[Path | None, str], None] = _nothing
        self._stop = threading.Event()
        self._enrolled = threading.Event()
        self._gave_up = threading.Event()
        """Set when the seat can't enrol this run: the messages thread has nothing to do."""
        self._lock = threading.Lock()
        self._failing_since: float | None = None
        self._refused = False
        self._last_heartbeat = ""
        self._threads: list[threading.Thread] = []
        self.seat = self._kept_seat()
        self.phrasebook = self._kept_phrasebook()
        """The hub's phrasebook kept from an earlier run (None: none)."""
        self._book_seen = self.phrasebook.version if self.phrasebook else ""
        """The last version the hub sent, taken or rejected: not fetched again."""
        self.running_phrasebook = self._book_seen
        """The version the seat's call runs ("" for a phrasebook not from the hub)."""
        self._outbox = make_outbox(self._deliver)

    # --- what the seat uses -------------------------------------------------------------

    def start(
        self,
        on_message: Callable[[SeatMessage], None] | None = None,
        on_phrasebook: Callable[[Path | None, str], None] | None = None,
    ) -> None:
        """Enrols if needed and starts following the hub, on threads of its own."""
        self._on_message = on_message or _nothing
        self._on_phrasebook = on_phrasebook or _nothing
        for name, target in (("hub-link", self._run), ("hub-messages", self._poll_messages)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def report(self, kind: EventKind, call_id: str = "", data: dict | None = None) -> str:
        """Queues one event for the hub and returns its id; never waits on the network."""
        return self._queue(kind, call_id, data or {})[0]

    def _queue(self, kind: EventKind, call_id: str, data: dict) -> tuple[str, str]:
        """The event's id and its key in the outbox."""
        event = SeatEvent(
            id=uuid.uuid4().hex, kind=kind, at=self._clock(), call_id=call_id, data=data
        )
        return event.id, self._outbox.add(EventBatch(events=[event]).model_dump())

    def flush(self, timeout: float) -> bool:
        """Waits until every event reported so far has reached the hub; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._outbox.pending():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    @property
    def enrolled(self) -> bool:
        return self._enrolled.is_set()

    def close(self, timeout: float = 1.0) -> None:
        """Stops the threads; events not yet sent stay in the outbox for the next start."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._outbox.close(timeout)

    # --- enrolment ----------------------------------------------------------------------

    def _kept_seat(self) -> Seat | None:
        seat = read_seat(self.folder / SEAT_FILE)
        if seat is None or seat.hub_url == self.client.url:
            return seat
        log.info(
            "the team hub changed from %s to %s: this seat enrols again",
            HubClient(seat.hub_url).target,
            self.client.target,
        )
        (self.folder / PHRASEBOOK_FILE).unlink(missing_ok=True)  # the old hub's
        return None

    def _kept_phrasebook(self) -> HubPhrasebook | None:
        path = self.folder / PHRASEBOOK_FILE
        if self.seat is None or not self.seat.phrasebook_version or not path.is_file():
            return None
        return HubPhrasebook(path, self.seat.phrasebook_version)

    def _enrol(self) -> bool:
        """True once the seat has a credential; False when it can't get one this run."""
        if self.seat is not None and self.seat.credential:
            return True
        if not self._token:
            self._on_problem(
                PROBLEM,
                f"Team hub {self.client.target} is set but this seat has no enrolment token: "
                "ask IT to add hub_enrol_token to the seat policy.",
            )
            return False
        request = EnrolRequest(
            token=self._token, seat_name=self._seat_name, agent_name=self._agent_name
        )
        delay = ENROL_RETRY_FIRST
        while not self._stop.is_set():
            try:
                enrolled = self.client.enrol(request)
            except HubError as exc:
                self._failed(exc)
                if not exc.retry:
                    return False
                self._stop.wait(delay)
                delay = min(delay * 2, ENROL_RETRY_MAX)
                continue
            kept = self.seat.phrasebook_version if self.seat is not None else ""
            seat = Seat(self.client.url, enrolled.seat_id, enrolled.credential, enrolled.team)
            self._keep(replace(seat, phrasebook_version=kept))
            log.info(
                "enrolled with the team hub %s as seat %s (team %s)",
                self.client.target,
                enrolled.seat_id,
                enrolled.team,
            )
            self._reached()
            return True
        return False

    def _keep(self, seat: Seat) -> None:
        self.seat = seat
        path = self.folder / SEAT_FILE
        try:
            write_seat(path, seat)
        except OSError as exc:
            self._on_problem(
                PROBLEM,
                f"Cannot write {path} ({exc.strerror or exc}): free disk space or fix the "
                "folder's permissions; until then this seat enrols with the team hub again at "
                "every start.",
            )

    # --- the link's thread: enrolment, heartbeat, phrasebook -----------------------------

    def _run(self) -> None:
        if not self._enrol():
            self._gave_up.set()
            return
        self._enrolled.set()
        self._outbox.retry_now()  # what waited for the enrolment
        due = {"phrasebook": 0.0, "heartbeat": 0.0}
        work = {"phrasebook": self._check_phrasebook, "heartbeat": self._heartbeat}
        while not self._stop.is_set() and not self._refused:
            for name in due:
                if time.monotonic() >= due[name]:
                    work[name]()
                    due[name] = time.monotonic() + self._every[name]
            self._stop.wait(max(0.0, min(due.values()) - time.monotonic()))

    def _heartbeat(self) -> None:
        waiting = self._last_heartbeat and self._outbox.status(self._last_heartbeat)
        if waiting and waiting.state == "queued":
            return
        data = {"phrasebook_version": self.running_phrasebook, "app_version": app_version()}
        self._last_heartbeat = self._queue("heartbeat", "", data)[1]

    def _check_phrasebook(self) -> None:
        assert self.seat is not None
        try:
            reply = self.client.phrasebook(self.seat.credential, self._book_seen)
        except HubError as exc:
            self._failed(exc)
            return
        self._reached()
        if reply.state == "none":
            self._withdraw_phrasebook()
        elif reply.state == "new" and reply.book is not None:
            self._take_phrasebook(reply.book.version, reply.book.yaml)

    def _take_phrasebook(self, version: str, text: str) -> None:
        self._book_seen = version
        candidate = self.folder / CANDIDATE_FILE
        try:
            write_private(candidate, text.encode("utf-8"))
            self._check(candidate)
            path = self.folder / PHRASEBOOK_FILE
            candidate.replace(path)
        except PhrasebookError as exc:
            log.error("the team hub's phrasebook %s is not used: %s", version, exc)
            self._on_problem(
                PHRASEBOOK_PROBLEM,
                f"The team hub's phrasebook {version} has mistakes and is not used: {exc} "
                "Ask whoever published it to fix it (`deescalate phrasebook check` names "
                "each one).",
            )
            return
        except OSError as exc:
            self._book_seen = ""  # fetched again next time
            self._on_problem(
                PHRASEBOOK_PROBLEM,
                f"Cannot keep the team hub's phrasebook in {self.folder} "
                f"({exc.strerror or exc}): free disk space or fix the folder's permissions.",
            )
            return
        log.info("the team hub's phrasebook %s applies from the next call", version)
        self.phrasebook = HubPhrasebook(path, version)
        self._keep(replace(self.seat, phrasebook_version=version))  # type: ignore[arg-type]
        self._on_problem(PHRASEBOOK_PROBLEM, None)
        self._on_phrasebook(path, version)

    def _withdraw_phrasebook(self) -> None:
        self._on_problem(PHRASEBOOK_PROBLEM, None)  # a rejected one is not published any more
        self._book_seen = ""
        if self.phrasebook is None:
            return
        log.info("the team hub has no phrasebook published: the configured one applies again")
        self.phrasebook = None
        (self.folder / PHRASEBOOK_FILE).unlink(missing_ok=True)
        self._keep(replace(self.seat, phrasebook_version=""))  # type: ignore[arg-type]
        self._on_phrasebook(None, "")

    # --- messages ------------------------------------------------------------------------

    def _poll_messages(self) -> None:
        while not self._enrolled.wait(0.2):
            if self._stop.is_set() or self._gave_up.is_set():
                return
        after: int | None = None  # the first poll only learns the newest id
        while not self._refused:
            try:
                messages = self.client.messages(self.seat.credential, after or 0)  # type: ignore[union-attr]
            except HubError as exc:
                self._failed(exc)
            else:
                self._reached()
                newest = max((m.id for m in messages), default=after or 0)
                if after is not None:
                    for message in sorted(messages, key=lambda m: m.id):
                        if message.id > after:
                            self._on_message(message)
                after = max(after or 0, newest)
            if self._stop.wait(self._every["messages"]):
                return

    # --- the hub's health, from any thread -----------------------------------------------

    def _failed(self, error: HubError) -> None:
        if error.refused:
            self._refuse(error)
            return
        with self._lock:
            now = time.monotonic()
            if self._failing_since is None:
                self._failing_since = now
            show = now - self._failing_since >= SHOW_DOWN_AFTER or not error.retry
        log.debug("%s", error)
        if show:
            self._on_problem(PROBLEM, str(error))

    def _reached(self) -> None:
        with self._lock:
            was_down, self._failing_since = self._failing_since is not None, None
        if was_down:
            log.info("the team hub %s answers again", self.client.target)
            self._on_problem(PROBLEM, None)
            self._outbox.retry_now()

    def _refuse(self, error: HubError) -> None:
        """A refused token or credential: nothing more is asked of the hub this run; the
        credential is forgotten so that the next start enrols again."""
        log.error("%s", error)
        self._on_problem(PROBLEM, str(error))
        with self._lock:
            if self._refused:
                return
            self._refused = True
        if self.seat is not None and self.seat.credential:
            self._keep(replace(self.seat, seat_id="", credential=""))

    # --- the outbox's thread -------------------------------------------------------------

    def _deliver(self, body: dict) -> Delivery:
        seat = self.seat
        if self._refused or seat is None or not seat.credential:
            return Delivery(False, True, "waiting for this seat's enrolment with the team hub")
        try:
            receipt = self.client.post_events(seat.credential, EventBatch.model_validate(body))
        except HubError as exc:
            self._failed(exc)
            return Delivery(False, exc.retry or exc.refused, str(exc))
        self._reached()
        return Delivery(
            True,
            False,
            f"{receipt.accepted} accepted by {self.client.target}, "
            f"{receipt.duplicates} already there",
        )
