"""Fixtures for the fault tests: a scriptable hostile HTTP server on 127.0.0.1, live sources pointed at it,
and a private copy of the offline warehouse to break."""

from __future__ import annotations

import functools
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from urllib3.util import Timeout

from tests.reliability.helpers import copy_warehouse


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line: longer than the read timeout = a slow server
    claimed_length: int | None = None  # Content-Length larger than the body sent = truncated transfer
    no_length: bool = False  # no Content-Length: the body ends when the connection closes


class HostileServer:
    """routes: path prefix -> fn(n, path) -> Reply, n = 1 for the first request to that prefix."""

    def __init__(self):
        self.routes: dict[str, object] = {}
        self.requests: list[tuple[float, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                prefix = max((p for p in owner.routes if self.path.startswith(p)), key=len, default=None)
                owner.requests.append((time.monotonic(), self.path))
                if prefix is None:
                    reply = Reply(404, b"no route")
                else:
                    n = sum(1 for _, p in owner.requests if p.startswith(prefix))
                    reply = owner.routes[prefix](n, self.path)
                time.sleep(reply.delay)
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                if not reply.no_length:
                    self.send_header("Content-Length", str(reply.claimed_length or len(reply.body)))
                self.end_headers()
                try:
                    self.wfile.write(reply.body)
                except OSError:  # the client gave up (timeout): nothing to do
                    pass
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def hits(self, prefix: str) -> list[float]:
        return [t for t, p in self.requests if p.startswith(prefix)]


@pytest.fixture
def hostile():
    srv = HostileServer()
    thread = threading.Thread(target=srv.server.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.server.shutdown()
    srv.server.server_close()


def fast_http(secrets=(), **_):
    """The real Http with test-sized patience: 2 retries, 10 ms backoff, 0.5 s read timeout."""
    from flows.http import Http

    return Http(retries=2, backoff=0.01, timeout=Timeout(connect=2, read=0.5), secrets=secrets, rate_limits={})


@pytest.fixture
def live_sources(hostile, monkeypatch):
    """Every source's live URLs point at the hostile server; the refresh task builds a fast Http."""
    from flows.pipeline import refresh
    from flows.sources import fiscaldata, fred, fred_live, nyfed, tic, yield_curve

    url = hostile.url
    monkeypatch.setattr(tic, "BASE_URL", f"{url}/tic/")
    monkeypatch.setattr(yield_curve, "ARCHIVE_URL", f"{url}/treasury/archive.csv")
    monkeypatch.setattr(yield_curve, "YEARLY_URL", url + "/treasury/{year}.csv")
    monkeypatch.setattr(nyfed, "API_URL", url + "/soma/{date}.csv")
    monkeypatch.setattr(fiscaldata, "API_BASE", f"{url}/fiscal/")
    monkeypatch.setattr(fred_live, "FREDGRAPH_URL", f"{url}/fred/graph.csv")
    # fred.extract_live binds the fredgraph URL as a default argument: pass it explicitly.
    monkeypatch.setattr(
        fred, "extract_live", functools.partial(fred.extract_live, fredgraph_url=f"{url}/fred/graph.csv")
    )
    monkeypatch.setattr(refresh, "Http", fast_http)
    return hostile


@pytest.fixture
def warehouse_copy(offline_warehouse, tmp_path) -> Path:
    """A private warehouse (file and raw zone) already holding the whole snapshot."""
    return copy_warehouse(offline_warehouse, tmp_path / "data")
