"""Secrets: with FRED_API_KEY set to a sentinel, live (FRED API and keyless, against a local server that
misbehaves and even echoes the key in its error bodies), offline and failing refreshes run; the sentinel then
appears nowhere: logs, stdout/stderr, exception texts and chains (cause AND context), the raw zone, quarantine
notes, every text column of every table, and every file of the dated reports a whole run writes."""

from __future__ import annotations

import functools
import json
import logging
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import duckdb
import pytest
from urllib3.util import Timeout

from flows.http import FetchError, Http
from flows.pipeline.refresh import refresh_source
from flows.sources import fred, fred_live
from flows.sources.fred_live import ApiSettings
from tests.reliability.conftest import HostileServer, Reply

SENTINEL = "sentinel0secret0key0123456789abc"  # FRED keys are 32 lower-case letters and digits


def xml(sid: str) -> bytes:
    return (
        b'<?xml version="1.0" encoding="utf-8" ?><observations realtime_start="1776-07-04" '
        b'realtime_end="9999-12-31" count="2" offset="0" limit="100000">'
        b'<observation realtime_start="2026-11-20" realtime_end="9999-12-31" date="2026-11-19" value="4.1"/>'
        b'<observation realtime_start="2026-11-20" realtime_end="9999-12-31" date="2026-11-20" value="4.2"/>'
        b"</observations>"
    )


def fred_api(n: int, path: str) -> Reply:
    sid = parse_qs(urlsplit(path).query)["series_id"][0]
    key = parse_qs(urlsplit(path).query).get("api_key", [""])[0]
    if sid == "DGS10":  # FRED's own error format, hostile enough to quote the key back
        return Reply(400, f'<error code="400" message="Bad Request. api_key {key} is not registered."/>'.encode())
    if sid == "DGS2":
        return Reply(503, f"upstream down for {path}".encode())
    if sid == "DGS5":
        return Reply(200, b"<html>maintenance</html>")  # not FRED's XML: quarantined
    return Reply(200, xml(sid))


def everything_text(db: Path) -> list[str]:
    """Every VARCHAR value in every table, plus every file under the data directory."""
    out = []
    con = duckdb.connect(str(db), read_only=True)
    try:
        cols = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = "
            "current_database() AND schema_name = 'main' AND data_type = 'VARCHAR'"
        ).fetchall()
        for table, column in cols:
            hits = con.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" LIKE ?', [f"%{SENTINEL}%"]).fetchall()[
                0
            ][0]
            out.append(f"{table}.{column}: {hits} hits" if hits else "")
    finally:
        con.close()
    for path in db.parent.rglob("*"):
        if path.is_file() and path != db:
            out.append(path.read_bytes().decode("latin-1"))
    return out


def exception_texts(exc: BaseException | None) -> list[str]:
    """str and repr of an exception and of everything chained to it, suppressed context included."""
    out, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        out += [str(exc), repr(exc), repr(exc.args)]
        exc = exc.__cause__ or exc.__context__
    return out


def assert_nowhere(*texts) -> None:
    leaks = [t[:200] for t in texts if SENTINEL in str(t)]
    assert not leaks, leaks


@pytest.fixture
def keyed(monkeypatch, caplog):
    monkeypatch.setenv("FRED_API_KEY", SENTINEL)
    caplog.set_level(logging.DEBUG)  # urllib3 logs full URLs at DEBUG: they must be redacted too
    return caplog


@pytest.fixture
def fredapi_live(live_sources, monkeypatch):
    """The keyed path against the hostile server's FRED API, with test-sized patience."""
    live_sources.routes["/fred/series/observations"] = fred_api
    monkeypatch.setattr(fred_live, "API_URL", f"{live_sources.url}/fred/series/observations")
    fast = ApiSettings(timeout_s=2, retries=1, backoff_s=0.01, per_second=1000.0)
    monkeypatch.setattr(fred, "extract_live", functools.partial(fred.extract_live.func, api_settings=fast))
    return live_sources


def test_fredapi_live_refresh_with_failures_leaks_nothing(keyed, fredapi_live, warehouse_copy, capsys):
    summary = refresh_source.fn("fred", str(warehouse_copy))
    assert any(SENTINEL in p for _, p in fredapi_live.requests), "the key never reached the server"
    assert summary["failed"] == 2 and summary["quarantined"] == 1 and summary["loaded"] >= 20, summary
    out = capsys.readouterr()
    assert_nowhere(keyed.text, out.out, out.err, *summary["errors"], *everything_text(warehouse_copy))


def test_a_whole_run_after_a_failing_live_refresh_leaks_nothing_into_reports(
    prefect_harness, keyed, fredapi_live, warehouse_copy, tmp_path, capsys
):
    """`tshock run`'s flow: live FRED refresh (2 series failing, one echoing the key), calibration, a scenario,
    backtests and the dated report; then every report file, the run summary, Prefect's and our logs, the data
    directory and the database are searched."""
    from flows.pipeline.run import run_flow

    prefect_logs = logging.getLogger("prefect")  # Prefect's loggers do not propagate to the root logger
    prefect_logs.addHandler(keyed.handler)
    try:
        state = run_flow(
            db=str(warehouse_copy),
            sources=["fred"],
            reports_dir=str(tmp_path / "reports"),
            scenarios=["parallel-plus-10bp"],
            draws=20,
            return_state=True,
        )
        summary = state.result(raise_on_failure=False)
        assert state.is_failed() and "refresh failed for fred" in state.message  # issue 15: not green
    finally:
        prefect_logs.removeHandler(keyed.handler)
    assert any(SENTINEL in p for _, p in fredapi_live.requests), "the key never reached the server"
    assert summary["refresh"][0]["failed"] == 2, summary["refresh"]
    files = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    assert len(files) >= 10 and any(p.name == "results.json" for p in files), files
    out = capsys.readouterr()
    assert_nowhere(
        keyed.text,
        out.out,
        out.err,
        json.dumps(summary, default=str),
        *(p.read_bytes().decode("latin-1") for p in files),
        *everything_text(warehouse_copy),
    )


def test_keyless_fetch_with_the_key_in_the_environment_leaks_nothing(
    keyed, live_sources, warehouse_copy, capsys, monkeypatch
):
    # The key is set (so the refresh builds Http(secrets=[key])) but FRED is fetched keyless, like other sources.
    monkeypatch.setattr(fred, "extract_live", functools.partial(fred.extract_live, api_key=""))

    def graph(n, path):
        sid = path.split("id=")[1].split("&")[0]
        return Reply(500, b"boom") if sid == "DGS10" else Reply(200, f"observation_date,{sid}\n".encode())

    live_sources.routes["/fred/graph.csv"] = graph
    live_sources.routes["/soma/"] = lambda n, p: Reply(200, b"<html>nope</html>")
    results = [refresh_source.fn(s, str(warehouse_copy)) for s in ("fred", "soma")]
    assert results[0]["failed"] == 1 and results[1]["quarantined"] == 1
    out = capsys.readouterr()
    assert_nowhere(
        keyed.text, out.out, out.err, *(e for r in results for e in r["errors"]), *everything_text(warehouse_copy)
    )


def test_offline_refresh_with_the_key_set_leaks_nothing(keyed, snapshot_dir, tmp_path, capsys):
    snap, db = tmp_path / "snap", tmp_path / "data" / "w.duckdb"
    for rel in ("fred/api_observations_GDP.json", "fred/FYFSD.csv", "fred/nyfed_soma/SOMA_Mar302022.csv"):
        (snap / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(snapshot_dir / rel, snap / rel)
    results = [refresh_source.fn(s, str(db), str(snap)) for s in ("fred", "soma")]
    assert all(r["failed"] == 0 for r in results)
    out = capsys.readouterr()
    assert_nowhere(keyed.text, out.out, out.err, *everything_text(db))


@pytest.mark.parametrize(
    "reply",
    [
        Reply(500, b"server error"),
        Reply(429, b"", {"Retry-After": "0"}),
        Reply(200, b"late", delay=1.0),  # past the read timeout
        Reply(200, b"cut", claimed_length=10_000),  # truncated transfer
    ],
)
def test_http_errors_with_the_key_in_the_url_carry_it_nowhere(reply, keyed):
    """Http redacts keyed URLs: in the FetchError, in anything chained to it, and in urllib3's retry logs."""
    srv = HostileServer()
    srv.routes["/x"] = lambda n, p: reply
    thread = threading.Thread(target=srv.server.serve_forever, daemon=True)
    thread.start()
    try:
        http = Http(retries=1, backoff=0.01, timeout=Timeout(connect=1, read=0.3), secrets=[SENTINEL], rate_limits={})
        with pytest.raises(FetchError) as info:
            http.get(f"{srv.url}/x", {"series_id": "GDP", "api_key": SENTINEL})
    finally:
        srv.server.shutdown()
        srv.server.server_close()
    assert "api_key=***" in str(info.value)
    assert_nowhere(keyed.text, *exception_texts(info.value))


def test_refused_connection_with_the_key_in_the_url(keyed):
    http = Http(retries=1, backoff=0.01, timeout=Timeout(connect=1, read=1), secrets=[SENTINEL], rate_limits={})
    with pytest.raises(FetchError) as info:
        http.get("http://127.0.0.1:9/fred/series/observations", {"api_key": SENTINEL})
    assert_nowhere(keyed.text, *exception_texts(info.value))
