"""Fiscal Data live fetches against a local server: pagination, retries and clear fetch errors, and the
incremental extraction from the warehouse's newest record dates."""

from __future__ import annotations

import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import duckdb
import pandas as pd
import pytest
from urllib3.util import Timeout

from flows.http import FetchError, Http
from flows.sources import fiscaldata
from flows.sources.base import ParseError
from tests.flows.sources.fiscaldata_payloads import envelope, penny


class FiscalServer:
    """127.0.0.1 server; `routes[path]` is a function (request number, query) -> (status, headers, body, delay)."""

    def __init__(self):
        self.routes, self.requests = {}, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                split = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(split.query).items()}
                outer.requests.append((split.path, query))
                n = sum(1 for p, _ in outer.requests if p == split.path)
                status, headers, body, delay = outer.routes[split.path](n, query)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()


@pytest.fixture
def server():
    s = FiscalServer()
    yield s
    s.httpd.shutdown()
    s.httpd.server_close()


@pytest.fixture
def http():
    return Http(retries=2, backoff=0.01, timeout=Timeout(connect=1.0, read=0.3), rate_limits={})


PAGES = {1: [penny("2026-10-01"), penny("2026-10-02")], 2: [penny("2026-10-05")]}


def two_pages(n, query):
    page = int(query["page[number]"])
    return 200, {"Content-Type": "application/json"}, envelope(PAGES[page], page=page, pages=2), 0


def test_fetch_pages_follows_next_until_null(server, http):
    server.routes["/od/debt_to_penny"] = two_pages
    pages = list(
        fiscaldata.fetch_pages(
            http,
            server.url + "/od/debt_to_penny",
            {"filter": "record_date:gt:2026-09-30", "sort": "record_date"},
            "fiscaldata/debt_to_penny__since-2026-09-30",
        )
    )
    assert [p.relpath for p in pages] == [
        "fiscaldata/debt_to_penny__since-2026-09-30__page1.json",
        "fiscaldata/debt_to_penny__since-2026-09-30__page2.json",
    ]
    assert [q["page[number]"] for _, q in server.requests] == ["1", "2"]
    assert all(q["filter"] == "record_date:gt:2026-09-30" and q["page[size]"] for _, q in server.requests)
    assert server.requests[0][1]["page[size]"] == "10000" and server.requests[1][1]["page[size]"] == "2"
    assert "page%5Bnumber%5D=2" in pages[1].url and not pages[0].offline
    rows = pd.concat(fiscaldata.transform(p.relpath, p.body)["debt_to_penny"] for p in pages)
    assert rows["record_date"].dt.day.tolist() == [1, 2, 5]


def test_fetch_pages_stops_at_total_pages_even_if_next_is_set(server, http):
    server.routes["/x"] = lambda n, q: (200, {}, envelope([penny("2026-10-01")], next_link="&page%5Bnumber%5D=2"), 0)
    assert len(list(fiscaldata.fetch_pages(http, server.url + "/x", {}, "fiscaldata/x"))) == 1
    assert len(server.requests) == 1


@pytest.mark.parametrize("body", [b"<html><body>Gateway error</body></html>", b'{"meta":{}}', b"{trunc"])
def test_fetch_pages_bad_body_raises_parse_error_naming_url(server, http, body):
    server.routes["/x"] = lambda n, q: (200, {"Content-Type": "text/html"}, body, 0)
    with pytest.raises(ParseError) as err:
        list(fiscaldata.fetch_pages(http, server.url + "/x", {"sort": "record_date"}, "fiscaldata/x"))
    assert server.url + "/x?sort=record_date" in str(err.value)


@pytest.mark.parametrize(
    "first",
    [
        (429, {"Retry-After": "0"}, b"slow down", 0),
        (500, {}, b"oops", 0),
        (200, {}, b"late", 0.8),  # longer than the 0.3 s read timeout
    ],
)
def test_http_retries_then_succeeds(server, http, first):
    ok = (200, {}, envelope([penny("2026-10-01")]), 0)
    server.routes["/x"] = lambda n, q: first if n == 1 else ok
    pages = list(fiscaldata.fetch_pages(http, server.url + "/x", {}, "fiscaldata/x"))
    assert len(pages) == 1 and len(server.requests) == 2


def test_http_gives_clear_fetch_error_after_retries(server, http):
    server.routes["/x"] = lambda n, q: (500, {}, b"down", 0)
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        list(fiscaldata.fetch_pages(http, server.url + "/x", {}, "fiscaldata/x"))
    assert "after retries" in str(err.value) and "500" in str(err.value) and "\n" not in str(err.value)
    assert len(server.requests) == 3 and time.monotonic() - start < 3


class FakeHttp:
    """The Http.get signature, answering from canned pages by endpoint."""

    secrets = ()

    def __init__(self):
        self.calls = []

    def get(self, url, params=None):
        self.calls.append((url.removeprefix(fiscaldata.API_BASE), dict(params or {})))
        if url.endswith("mspd_table_1") and params.get("fields") == "record_date":
            return envelope(
                [{"record_date": "2026-10-31"}, {"record_date": "2026-10-31"}, {"record_date": "2026-11-30"}],
                size=10000,
            )
        return envelope([], size=10000)


def test_extract_live_is_incremental_and_fetches_mspd_detail_per_new_date():
    fake = FakeHttp()
    state = {
        "debt_to_penny": date(2026, 10, 5),
        "avg_interest_rates": date(2026, 9, 30),
        "mspd_table_1": date(2026, 9, 30),
        "mspd_table_3": date(2026, 9, 30),
    }
    relpaths = [p.relpath for p in fiscaldata.extract_live(fake, state)]
    assert relpaths == [
        "fiscaldata/debt_to_penny__since-2026-10-05__page1.json",
        "fiscaldata/avg_interest_rates__since-2026-09-30__page1.json",
        "fiscaldata/mspd_table_1__since-2026-09-30__page1.json",
        "fiscaldata/mspd_table_3__record_date-2026-10-31__page1.json",
        "fiscaldata/mspd_table_3__record_date-2026-11-30__page1.json",
    ]
    endpoint, params = fake.calls[0]
    assert endpoint == "v2/accounting/od/debt_to_penny" and params["filter"] == "record_date:gt:2026-10-05"
    assert params["sort"] == "record_date" and params["page[size]"] == 10000
    assert fake.calls[-1] == (
        "v1/debt/mspd/mspd_table_3",
        {"filter": "record_date:eq:2026-11-30", "sort": "src_line_nbr", "page[size]": 10000, "page[number]": 1},
    )


def test_extract_live_empty_state_pulls_full_history():
    fake = FakeHttp()
    relpaths = [p.relpath for p in fiscaldata.extract_live(fake, {})]
    assert relpaths[0] == "fiscaldata/debt_to_penny__all__page1.json"
    assert not any("filter" in params for _, params in fake.calls[:4])


def test_live_state_reads_newest_record_dates():
    con = duckdb.connect()
    con.execute("CREATE TABLE debt_to_penny (record_date DATE)")
    con.execute("INSERT INTO debt_to_penny VALUES ('2026-10-02'), ('2026-10-05')")
    con.execute("CREATE TABLE marketable_securities (record_date DATE)")
    con.execute("CREATE TABLE mspd_summary (record_date DATE)")
    con.execute("INSERT INTO mspd_summary VALUES ('2026-09-30')")
    assert fiscaldata.live_state(con) == {"debt_to_penny": date(2026, 10, 5), "mspd_table_1": date(2026, 9, 30)}
