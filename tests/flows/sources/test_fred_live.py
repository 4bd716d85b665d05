"""FRED live fetches against a local http.server stand-in: keyless fredgraph CSV and fredapi (all vintages),
retries, rate limits, timeouts, and failures that never show the API key."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import urllib3
from urllib3.util import Timeout

from flows.http import FetchError, Http
from flows.sources import fred, fred_live
from flows.sources.fred_live import ApiSettings, SeriesFetchErrors
from tests.flows.sources.test_fred import OBS, XML, value_on

SENTINEL = "sentinel0key0abcdef0123456789zz"


# --------------------------------------------------------------------------- live, keyless: local http.server


class FredServer:
    """fredgraph.csv and FRED API stand-in: per series id a script of (status, headers, body, delay) answers."""

    def __init__(self):
        self.scripts: dict[str, list[tuple]] = {}
        self.requests: list[tuple[float, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests.append((time.monotonic(), self.path))
                query = parse_qs(urlsplit(self.path).query)
                sid = (query.get("id") or query["series_id"])[0]
                script = owner.scripts[sid]
                status, headers, body, delay = script.pop(0) if len(script) > 1 else script[0]
                time.sleep(delay)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/graph/fredgraph.csv"


@pytest.fixture
def fred_server():
    srv = FredServer()
    thread = threading.Thread(target=srv.server.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.server.shutdown()
    srv.server.server_close()


def csv_ok(sid: str, rows: str = "2026-07-27,4.65\n2026-07-28,4.61\n") -> tuple:
    return (200, {"Content-Type": "text/csv"}, f"observation_date,{sid}\n{rows}".encode(), 0)


def keyless(fred_server, http, state, series):
    return fred.extract_live(http, state, series=series, api_key="", fredgraph_url=fred_server.url)


def test_keyless_full_and_incremental_pulls(fred_server, monkeypatch):
    monkeypatch.setenv("FRED_API_KEY", "")
    fred_server.scripts = {"DGS10": [csv_ok("DGS10")], "CPIAUCSL": [csv_ok("CPIAUCSL", "2026-06-01,332.568\n")]}
    http = Http(retries=0)
    payloads = list(
        fred.extract_live(
            http, {"DGS10": date(2026, 7, 28)}, series=["DGS10", "CPIAUCSL"], fredgraph_url=fred_server.url
        )
    )
    assert [p.relpath for p in payloads] == ["fred/increments/DGS10__from_2026-06-27.csv", "fred/CPIAUCSL.csv"]
    assert payloads[0].url.endswith("?id=DGS10&cosd=2026-06-27") and payloads[1].url.endswith("?id=CPIAUCSL")
    frame = fred.transform(payloads[0].relpath, payloads[0].body, date(2026, 7, 29))[OBS]
    assert value_on(frame, "2026-07-28") == 4.61
    assert set(frame["realtime_start"]) == {pd.Timestamp("2026-07-29")}


def test_keyless_429_retry_after_is_honoured(fred_server):
    fred_server.scripts = {"DGS10": [(429, {"Retry-After": "1"}, b"slow down", 0), csv_ok("DGS10")]}
    started = time.monotonic()
    [payload] = keyless(fred_server, Http(retries=2, backoff=0.01), {}, ["DGS10"])
    assert time.monotonic() - started >= 0.95 and len(fred_server.requests) == 2
    assert payload.relpath == "fred/DGS10.csv" and payload.body.startswith(b"observation_date,DGS10")


def test_keyless_500s_give_up_but_other_series_still_arrive(fred_server):
    fred_server.scripts = {"GDP": [(500, {}, b"oops", 0)], "DGS10": [csv_ok("DGS10")]}
    got = []
    with pytest.raises(SeriesFetchErrors) as info:
        for payload in keyless(fred_server, Http(retries=2, backoff=0.01), {}, ["GDP", "DGS10"]):
            got.append(payload.relpath)
    assert got == ["fred/DGS10.csv"]
    assert len([r for r in fred_server.requests if "id=GDP" in r[1]]) == 3  # first try + 2 retries
    [failure] = info.value.failures
    assert (failure.series_id, failure.relpath) == ("GDP", "fred/GDP.csv") and "errors" in failure.reason
    assert isinstance(info.value, FetchError) and info.value.__context__ is None


def test_keyless_timeout_is_a_fetch_error(fred_server):
    fred_server.scripts = {"DGS10": [(200, {}, b"late", 1.0)]}
    http = Http(retries=0, timeout=Timeout(connect=1.0, read=0.2))
    with pytest.raises(SeriesFetchErrors, match="timed out"):
        list(keyless(fred_server, http, {}, ["DGS10"]))


def test_keyless_rate_limit_spaces_requests(fred_server):
    fred_server.scripts = {"DGS10": [csv_ok("DGS10")], "DGS2": [csv_ok("DGS2")]}
    http = Http(retries=0, rate_limits={"127.0.0.1": 2.0})
    # Timed where the request leaves the client: arrival times at the server jitter with connection setup.
    sent, request = [], http.pool.request
    http.pool.request = lambda *a, **kw: sent.append(time.monotonic()) or request(*a, **kw)
    assert len(list(keyless(fred_server, http, {}, ["DGS10", "DGS2"]))) == 2
    assert len(sent) == 2 and sent[1] - sent[0] >= 0.5 - 1e-3


# --------------------------------------------------------------------------- live, FRED API: local http.server


def api_answer(answer, slow_s: float) -> tuple:
    """Script shorthand: XML bytes answer 200; (status, body) an error (429 with Retry-After: 1);
    (None, _) answers only after `slow_s`, past the client's read timeout."""
    if isinstance(answer, bytes):
        return (200, {"Content-Type": "text/xml"}, answer, 0)
    status, body = answer
    if status is None:
        return (200, {}, b"late", slow_s)
    return (status, {"Retry-After": "1"} if status == 429 else {}, body, 0)


@pytest.fixture
def api(monkeypatch, fred_server):
    """fred_live.API_URL pointed at a local server answering per series_id, and a sentinel key; returns a runner.
    Every attempt is recorded where the server receives it (path with query); `sent` holds the times each
    series' request leaves the client."""
    monkeypatch.setenv("FRED_API_KEY", SENTINEL)
    monkeypatch.setattr(
        fred_live, "API_URL", fred_server.url.replace("/graph/fredgraph.csv", "/fred/series/observations")
    )
    waits: list[float] = []
    sent: list[float] = []
    request = urllib3.PoolManager.request
    monkeypatch.setattr(
        urllib3.PoolManager, "request", lambda *a, **kw: sent.append(time.monotonic()) or request(*a, **kw)
    )

    def run(scripts, state=None, series=None, per_second=1000.0, retries=2, timeout_s=0.3):
        fred_server.scripts = {sid: [api_answer(a, 3 * timeout_s) for a in script] for sid, script in scripts.items()}
        settings = ApiSettings(
            timeout_s=timeout_s, retries=retries, backoff_s=0.25, per_second=per_second, sleep=waits.append
        )
        got, error = [], None
        try:
            for payload in fred.extract_live(None, state or {}, series=series or list(scripts), api_settings=settings):
                got.append(payload)
        except FetchError as exc:
            error = exc
        return got, error, fred_server.requests, waits, sent

    return run


def assert_no_key(*texts):
    for text in texts:
        assert SENTINEL not in str(text)


def query_of(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


def test_fredapi_all_vintages_429_then_xml(api, caplog):
    caplog.set_level(logging.DEBUG)
    error_body = b'<error code="429" message="Too Many Requests.  Exceeded Rate Limit"/>'
    [payload], error, calls, waits, _ = api({"GDP": [(429, error_body), XML]}, timeout_s=7.0)
    assert error is None and waits == [1.0] and len(calls) == 2
    query = query_of(calls[-1][1])
    assert query["realtime_start"] == ["1776-07-04"] and query["realtime_end"] == ["9999-12-31"]
    assert query["api_key"] == [SENTINEL] and "observation_start" not in query
    assert fred_live.api_http(SENTINEL, ApiSettings(timeout_s=7.0)).timeout.read_timeout == 7.0
    assert payload.relpath == "fred/api_observations_GDP.xml" and payload.body == XML and not payload.offline
    assert payload.url.endswith(
        "/fred/series/observations?series_id=GDP&realtime_start=1776-07-04&realtime_end=9999-12-31&api_key=***"
    )
    assert_no_key(payload.url, payload.relpath, payload.body, caplog.text)
    assert "429" in caplog.text
    frame = fred.transform(payload.relpath, payload.body)[OBS]
    assert len(frame) == 3 and frame["realtime_start"].nunique() == 3


def test_fredapi_incremental_and_paged(api):
    page1 = XML.replace(b'count="3" offset="0" limit="100000"', b'count="3" offset="0" limit="2"')
    page1 = (
        page1.replace(b'  <observation realtime_start="2026-07-30"', b"  <x ").split(b"  <x ")[0] + b"</observations>"
    )
    page2 = (
        b'<observations count="3" offset="2" limit="2"><observation realtime_start="2026-07-30" '
        b'realtime_end="9999-12-31" date="2026-04-01" value="32475.21"/></observations>'
    )
    got, error, calls, _, _ = api({"GDP": [page1, page2]}, state={"GDP": date(2026, 4, 1)})
    assert error is None
    assert [p.relpath for p in got] == [
        "fred/increments/api_observations_GDP__from_2026-03-01.xml",
        "fred/increments/api_observations_GDP__from_2026-03-01__offset_2.xml",
    ]
    assert [p.body for p in got] == [page1, page2]  # the bytes FRED sent, as they came
    queries = [query_of(path) for _, path in calls]
    assert [q.get("offset") for q in queries] == [None, ["2"]]
    assert all(q["observation_start"] == ["2026-03-01"] for q in queries)
    frames = [fred.transform(p.relpath, p.body)[OBS] for p in got]
    assert [len(f) for f in frames] == [2, 1] and value_on(frames[1], "2026-04-01") == 32475.21


def test_fredapi_failures_are_redacted_unchained_and_do_not_stop_others(api, caplog):
    leaky = f'<error code="400" message="Bad Request. api_key {SENTINEL} is not registered."/>'.encode()
    started = time.monotonic()
    got, error, calls, waits, _ = api(
        {"DGS10": [(503, b"")], "GDP": [XML], "BAD": [(400, leaky)], "SLOW": [(None, b"")]}
    )
    assert [p.relpath for p in got] == ["fred/api_observations_GDP.xml"]
    assert isinstance(error, SeriesFetchErrors)
    failures = {f.series_id: f for f in error.failures}
    assert set(failures) == {"DGS10", "BAD", "SLOW"}
    assert "HTTP 503" in failures["DGS10"].reason and "not registered" in failures["BAD"].reason
    assert "timed out" in failures["SLOW"].reason
    # SLOW's three attempts each gave up at the 0.3 s read timeout, not at a default one.
    assert time.monotonic() - started < 5
    sids = [query_of(path)["series_id"][0] for _, path in calls]
    assert sids.count("DGS10") == 3 and sids.count("BAD") == 1 and sids.count("SLOW") == 3  # 400: no retry
    # urllib3's bounded exponential backoff (none before the first retry, then 0.25 * 2**(n-1)), twice.
    assert waits == [0.0, 0.5, 0.0, 0.5]
    assert error.__cause__ is None and error.__context__ is None
    assert_no_key(
        error, repr(error), error.args, caplog.text, *(v for f in error.failures for v in (f.url, f.relpath, f.reason))
    )


def test_fetch_error_itself_carries_no_chained_http_error(api, fred_server):
    fred_server.scripts = {"GDP": [(500, {}, b"", 0)]}
    http = fred_live.api_http(SENTINEL, ApiSettings(retries=0), fred_live.API_URL)
    with pytest.raises(FetchError) as info:
        http.get(fred_live.API_URL, {"series_id": "GDP", "api_key": SENTINEL}, error_detail=fred_live.api_error_message)
    exc = info.value
    assert exc.__cause__ is None and exc.__context__ is None
    assert "HTTP 500" in str(exc) and "api_key=***" in str(exc)
    assert_no_key(exc, repr(exc))


def test_fredapi_rate_limit_spacing(api):
    _, error, calls, _, sent = api({"GDP": [XML], "A091RC1Q027SBEA": [XML]}, per_second=2.0)
    assert error is None and len(calls) == 2
    # Timed where the request leaves the client: arrival times at the server jitter with connection setup.
    assert len(sent) == 2 and sent[1] - sent[0] >= 0.5 - 1e-3
