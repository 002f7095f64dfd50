"""Any ASGI app (FastAPI, Starlette) served by a real uvicorn on 127.0.0.1, in a thread."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

import pytest
import uvicorn

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


class ServerError(Exception):
    pass


@contextmanager
def serving(app: Callable) -> Iterator[str]:
    """Serves `app` on a free port while inside; yields its base URL (no trailing slash)."""
    # The socket is bound here, before the thread starts: its port is known and can't be
    # taken by anything else meanwhile.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name=f"uvicorn:{port}", daemon=True
    )
    thread.start()
    try:
        _wait_until_started(server, thread)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT)
        listener.close()
        if thread.is_alive():
            raise ServerError(f"uvicorn on port {port} did not stop within {STOP_TIMEOUT:.0f} s")


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            raise ServerError("uvicorn stopped while starting: see its log above")
        if time.monotonic() > deadline:
            raise ServerError(f"uvicorn did not start within {START_TIMEOUT:.0f} s")
        time.sleep(0.01)


@pytest.fixture
def serve_asgi() -> Iterator[Callable[[Callable], str]]:
    """`serve_asgi(app)` serves `app` until the test ends and returns its base URL."""
    with ExitStack() as stack:
        yield lambda app: stack.enter_context(serving(app))
