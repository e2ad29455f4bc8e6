"""A department's data API, simulated on 127.0.0.1 for the demo and the tests.

GET <path>?updated_since=&updated_until=&page=&page_size= with ``Authorization: Bearer
<token>`` answers {"records": [...], "page", "page_size", "total", "has_more"}: the records
changed in (updated_since, updated_until], oldest first. Faults can be queued: a 5xx
answer, or a reply slower than the client's timeout."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from creditpipe.ingest.pulls import UPDATED_AT, watermark_text


class SimulatedApi:
    def __init__(self, token: str = "demo-token", host: str = "127.0.0.1", port: int = 0):
        self.token = token
        self.routes: dict[str, list[dict]] = {}
        self.faults: deque[str] = deque()
        self.requests: list[dict] = []  # what was asked, for the tests
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def connection_uri(self) -> str:
        """The Airflow connection (AIRFLOW_CONN_…) a client needs: host, port and token."""
        host, port = self._server.server_address[:2]
        return f"http://:{self.token}@{host}:{port}"

    def add(self, path: str, records: list[dict]) -> None:
        with self._lock:
            self.routes.setdefault(path, []).extend(records)
            self.routes[path].sort(key=lambda r: watermark_text(r[UPDATED_AT]))

    # Ways real servers misbehave, for the tests: "ignore_page" (every request gets page 1,
    # always "has_more"), "ignore_window" (updated_since/until not applied).
    misbehaviour: set = set()

    def misbehave(self, *kinds: str) -> None:
        self.misbehaviour = set(kinds)

    def fail_next(self, *faults: str) -> None:
        """Queue faults for the next requests: "500", "503", or "slow:<seconds>"."""
        self.faults.extend(faults)

    def start(self) -> SimulatedApi:
        self._thread = threading.Thread(target=self._server.serve_forever, name="simulated-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: the tests and the demo print what matters
                pass

            def _send(self, status: int, body: dict) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout fault)

            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query).items()}
                api.requests.append({"path": url.path, **query})
                if self.headers.get("Authorization") != f"Bearer {api.token}":
                    return self._send(401, {"error": "invalid token"})
                fault = api.faults.popleft() if api.faults else None
                if fault and fault.isdigit():
                    return self._send(int(fault), {"error": "simulated fault"})
                if fault and fault.startswith("slow:"):
                    time.sleep(float(fault.split(":", 1)[1]))
                if url.path not in api.routes:
                    return self._send(404, {"error": f"no such resource {url.path}"})
                since = watermark_text(query.get("updated_since", "1970-01-01T00:00:00"))
                until = watermark_text(query.get("updated_until", "2999-12-31T00:00:00"))
                page = max(1, int(query.get("page", 1)))
                if "ignore_window" in api.misbehaviour:
                    since, until = watermark_text("1970-01-01T00:00:00"), watermark_text("2999-12-31T00:00:00")
                if "ignore_page" in api.misbehaviour:
                    page = 1
                size = max(1, min(1000, int(query.get("page_size", 100))))
                with api._lock:
                    hits = [r for r in api.routes[url.path] if since < watermark_text(r[UPDATED_AT]) <= until]
                chunk = hits[(page - 1) * size : page * size]
                self._send(
                    200,
                    {
                        "records": chunk,
                        "page": page,
                        "page_size": size,
                        "total": len(hits),
                        "has_more": page * size < len(hits) or "ignore_page" in api.misbehaviour,
                    },
                )

        return Handler
