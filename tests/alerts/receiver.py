"""A real local webhook receiver for the alert tests: http.server in a thread on 127.0.0.1, on a free
port, answering 500 (or another status) for the first ``fail_first`` requests, then 200."""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import List


class Receiver:
    def __init__(self, fail_first: int = 0, fail_status: int = 500, delay: float = 0.0):
        self.fail_first, self.fail_status, self.delay = fail_first, fail_status, delay
        self.requests: List[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "body": body.decode("utf-8")})
                    status = receiver.fail_status if len(receiver.requests) <= receiver.fail_first else 200
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.server.shutdown()
        self.server.server_close()

    def bodies(self) -> List[dict]:
        return [json.loads(r["body"]) for r in self.requests]
