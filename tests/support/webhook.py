"""A webhook receiver on 127.0.0.1 for the alert tests."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "T0KEN-s3cret-5678"


class Hook:
    """A webhook receiver; `script` is what to do with each request in turn (the last repeats):
    an HTTP status code, ("stall", seconds) before answering 200, or "garbage": a reply that
    is not HTTP at all (a broken proxy), which the client sees as a protocol error."""

    def __init__(self, script: list, port: int = 0) -> None:
        self.script = list(script)
        self.bodies: list[dict] = []
        self.paths: list[str] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.bodies.append(body)
                hook.paths.append(self.path)
                step = hook.script.pop(0) if len(hook.script) > 1 else hook.script[0]
                if step == "garbage":
                    self.wfile.write(b"NOT-HTTP garbage\r\n\r\n")
                    self.close_connection = True
                    return
                if isinstance(step, tuple):
                    time.sleep(step[1])
                    step = 200
                self.send_response(step)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/webhook/{TOKEN}?sig={TOKEN}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
