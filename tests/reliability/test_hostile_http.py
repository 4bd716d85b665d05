"""Hostile HTTP: the real live extract of each source, pointed at a local server that misbehaves, run by the
refresh task (refresh_source.fn -> ingest_payload) into a warehouse that already holds the snapshot.

Each fault ends in a retry or a clear one-line error; bytes that arrived are quarantined with the reason;
the data already stored is untouched.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from flows.http import Http
from flows.pipeline.refresh import refresh_source
from flows.sources import nyfed
from tests.conftest import read_snapshot
from tests.reliability.conftest import Reply
from tests.reliability.helpers import fingerprint

AS_OF = nyfed.latest_wednesday(date.today()).isoformat()
# The snapshot's newest curve date is in 2025: a live pull re-fetches 2025 and every year up to this one.
CURVE_YEARS = list(range(2025, date.today().year + 1))
PAST_YEARS = CURVE_YEARS[:-1]
Y2025 = "treasury/daily-treasury-rates_2025.csv"
HTML = b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body>Try later</body></html>"


def run(source: str, db) -> tuple[dict, list[tuple]]:
    """One live refresh of `source`; its summary and the ingest_log lines it wrote."""
    con = duckdb.connect(str(db), read_only=True)
    last = con.execute("SELECT coalesce(max(payload_id), 0) FROM ingest_log").fetchall()[0][0]
    con.close()
    summary = refresh_source.fn(source, str(db))
    con = duckdb.connect(str(db), read_only=True)
    try:
        log = con.execute(
            "SELECT relpath, status, error, url FROM ingest_log WHERE payload_id > ? ORDER BY payload_id", [last]
        ).fetchall()
    finally:
        con.close()
    return summary, log


def unchanged_except(before: dict, db, *changed: str) -> None:
    after = fingerprint(db)
    assert {t: v for t, v in after.items() if t not in changed} == {
        t: v for t, v in before.items() if t not in changed
    }, "data outside the payload changed"


def one_line(text: str) -> str:
    assert text and "\n" not in text and "Traceback" not in text, text
    return text


def soma_csv(snapshot_dir, rows: int = 20) -> bytes:
    body = read_snapshot(snapshot_dir, "fred/nyfed_soma/SOMA_Mar302022.csv")
    return b"".join(body.splitlines(keepends=True)[: rows + 1]).replace(b"2022-03-30", AS_OF.encode())


def test_429_with_retry_after_is_waited_out_then_loaded(live_sources, warehouse_copy, snapshot_dir):
    before = fingerprint(warehouse_copy)
    body = soma_csv(snapshot_dir)
    live_sources.routes["/soma/"] = lambda n, p: (
        Reply(429, b"slow down", {"Retry-After": "1"}) if n == 1 else Reply(200, body)
    )
    summary, log = run("soma", warehouse_copy)
    first, second = live_sources.hits("/soma/")
    assert second - first >= 0.9, "Retry-After: 1 was not honoured"
    assert summary["loaded"] == 1 and summary["rows_new"] == 20 and [s for _, s, _, _ in log] == ["loaded"]
    unchanged_except(before, warehouse_copy, "soma_holdings")


def test_retry_after_is_capped_so_a_hostile_server_cannot_park_the_refresh():
    assert Http().retry.parse_retry_after("86400") <= 60
    assert Http().retry.parse_retry_after("2") == 2


def test_500_then_503_are_retried_then_the_bytes_arrive(live_sources, warehouse_copy, snapshot_dir):
    before = fingerprint(warehouse_copy)
    bodies = {
        name: read_snapshot(snapshot_dir, f"tic/{name}")
        for name in ("mfhhis01.txt", "slt_table5.txt", "slt_table3.txt")
    }
    script = {1: Reply(500, b"oops"), 2: Reply(503, HTML, {"Retry-After": "0"})}
    live_sources.routes["/tic/"] = lambda n, p: Reply(200, bodies[p.rsplit("/", 1)[1]])
    live_sources.routes["/tic/slt_table5.txt"] = lambda n, p: script.get(n, Reply(200, bodies["slt_table5.txt"]))
    summary, log = run("tic", warehouse_copy)
    assert len(live_sources.hits("/tic/slt_table5.txt")) == 3
    # the same bytes as the snapshot: recognised by sha256 and skipped, nothing rewritten
    assert summary["failed"] == 0 and summary["skipped"] == 3, summary
    unchanged_except(before, warehouse_copy)


def test_persistent_503_is_one_clear_failure_and_stops_nothing_else(live_sources, warehouse_copy, snapshot_dir):
    before = fingerprint(warehouse_copy)
    live_sources.routes["/tic/"] = lambda n, p: Reply(200, read_snapshot(snapshot_dir, "tic/mfhhis01.txt"))
    live_sources.routes["/tic/slt_table5.txt"] = lambda n, p: Reply(503, HTML)
    summary, log = run("tic", warehouse_copy)
    assert summary["failed"] == 1 and summary["skipped"] == 1
    error = one_line(summary["errors"][0])
    assert "slt_table5.txt" in error and "503" in error and "kept answering with errors" in error
    assert [s for _, s, _, _ in log] == ["skipped", "failed"] and log[1][2] == error
    unchanged_except(before, warehouse_copy)


def test_slow_response_past_the_timeout_is_retried_then_a_clear_failure(live_sources, warehouse_copy):
    before = fingerprint(warehouse_copy)
    live_sources.routes["/treasury/"] = lambda n, p: Reply(200, b"Date,10 Yr\n", delay=1.5)
    summary, log = run("yield_curve", warehouse_copy)
    assert len(live_sources.hits("/treasury/")) == 3  # first try + 2 retries
    assert summary["failed"] == 1 and "timed out waiting for the server" in one_line(summary["errors"][0])
    unchanged_except(before, warehouse_copy)


def test_truncated_transfer_is_retried_then_a_clear_failure(live_sources, warehouse_copy, snapshot_dir):
    before = fingerprint(warehouse_copy)
    body = soma_csv(snapshot_dir)
    live_sources.routes["/soma/"] = lambda n, p: Reply(200, body[:300], claimed_length=len(body))
    summary, log = run("soma", warehouse_copy)
    assert len(live_sources.hits("/soma/")) == 3
    error = one_line(summary["errors"][0])
    assert summary["failed"] == 1 and "truncated" in error, error
    unchanged_except(before, warehouse_copy)


def test_truncated_body_that_looks_complete_is_quarantined(live_sources, warehouse_copy, snapshot_dir):
    """No Content-Length: the transfer 'ends' at the cut, so only the parser can tell it is incomplete."""
    before = fingerprint(warehouse_copy)
    halves = {}
    for name in ("mfhhis01.txt", "slt_table5.txt", "slt_table3.txt"):
        full = read_snapshot(snapshot_dir, f"tic/{name}")
        halves[name] = full[: len(full) // 2]
    live_sources.routes["/tic/"] = lambda n, p: Reply(200, halves[p.rsplit("/", 1)[1]], no_length=True)
    summary, log = run("tic", warehouse_copy)
    assert [s for _, s, _, _ in log] == ["quarantined"] * 3 and summary["loaded"] == 0, log
    reasons = {r: e for r, _, e, _ in log}
    assert all(e.startswith(r) for r, e in reasons.items()), reasons  # each reason names its file
    assert "truncated" in reasons["tic/mfhhis01.txt"]
    assert "expected 13 month cells" in reasons["tic/slt_table5.txt"]  # cut mid-row
    assert "row has 3 fields, expected 10" in reasons["tic/slt_table3.txt"]
    for sha in _quarantine_files(warehouse_copy):  # the bytes as served stay in the raw zone as evidence
        assert (warehouse_copy.parent / "raw" / sha[:2] / sha).read_bytes() in halves.values()
    unchanged_except(before, warehouse_copy)


def _quarantine_files(db) -> list[str]:
    return [p.stem for p in (db.parent / "quarantine").glob("*.txt")]


def test_html_error_page_with_status_200_is_quarantined_and_the_fetch_stops(live_sources, warehouse_copy):
    before = fingerprint(warehouse_copy)
    live_sources.routes["/fiscal/"] = lambda n, p: Reply(200, HTML, {"Content-Type": "text/html"})
    summary, log = run("fiscaldata", warehouse_copy)
    assert [s for _, s, _, _ in log] == ["quarantined", "failed"], log
    assert "not JSON" in log[0][2] and "<!DOCTYPE html>" in log[0][2]
    assert "debt_to_penny" in one_line(summary["errors"][-1]) and "not JSON" in summary["errors"][-1]
    assert len(_quarantine_files(warehouse_copy)) == 1
    unchanged_except(before, warehouse_copy)


def test_html_page_where_a_csv_belongs_is_quarantined(live_sources, warehouse_copy):
    before = fingerprint(warehouse_copy)
    live_sources.routes["/treasury/"] = lambda n, p: Reply(200, HTML)
    summary, log = run("yield_curve", warehouse_copy)
    assert summary["quarantined"] == len(CURVE_YEARS) and summary["failed"] == 0
    assert all("first column must be 'Date'" in e for _, s, e, _ in log), log
    unchanged_except(before, warehouse_copy)


def envelope(rows: list[dict]) -> bytes:
    import json

    return json.dumps({"data": rows, "meta": {"total-pages": 1}, "links": {"next": None}}).encode()


def test_json_with_missing_fields_is_quarantined_naming_the_field(live_sources, warehouse_copy):
    before = fingerprint(warehouse_copy)
    partial = [{"record_date": "2026-10-06", "debt_held_public_amt": "32426124989617.49"}]
    live_sources.routes["/fiscal/"] = lambda n, p: Reply(200, envelope([]))
    live_sources.routes["/fiscal/v2/accounting/od/debt_to_penny"] = lambda n, p: Reply(200, envelope(partial))
    summary, log = run("fiscaldata", warehouse_copy)
    assert summary["quarantined"] == 1 and summary["failed"] == 0, summary
    error = next(e for _, s, e, _ in log if s == "quarantined")
    assert "intragov_hold_amt" in error and "lacks" in error
    unchanged_except(before, warehouse_copy)


def test_empty_csv_is_quarantined_unless_it_is_a_new_year_with_no_rows_yet(live_sources, warehouse_copy):
    before = fingerprint(warehouse_copy)
    live_sources.routes["/treasury/"] = lambda n, p: Reply(200, b"")
    summary, log = run("yield_curve", warehouse_copy)
    # past years (the newest stored one included) came back empty: refused; this year's is not out yet
    assert [(r, s) for r, s, _, _ in log] == [
        (f"treasury/daily-treasury-rates_{y}.csv", "quarantined") for y in PAST_YEARS
    ]
    assert all("empty file" in e for _, _, e, _ in log)
    unchanged_except(before, warehouse_copy)


def test_changed_column_header_is_quarantined(live_sources, warehouse_copy, snapshot_dir):
    before = fingerprint(warehouse_copy)
    body = read_snapshot(snapshot_dir, Y2025).replace(b'"10 Yr"', b'"10 Year"', 1)
    live_sources.routes["/treasury/"] = lambda n, p: Reply(200, body if "2025" in p else b"")
    summary, log = run("yield_curve", warehouse_copy)
    reasons = {r: e for r, _, e, _ in log}
    assert "unknown tenor column" in reasons[Y2025] and "10 Year" in reasons[Y2025]
    assert summary["quarantined"] == len(PAST_YEARS)  # later past years came back empty
    unchanged_except(before, warehouse_copy)


def test_fred_keyless_one_failing_series_does_not_stop_the_others(live_sources, warehouse_copy, monkeypatch):
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    before = fingerprint(warehouse_copy)

    def graph(n, path):
        sid = path.split("id=")[1].split("&")[0]
        if sid == "DGS10":
            return Reply(500, b"internal error")
        if sid == "DGS2":
            return Reply(200, b"observation_date,DGS2\n2026-11-23,3.51\n2026-11-24,3.52\n")
        if sid == "DGS5":
            return Reply(200, b"observation_date,VALUE\n2026-11-24,3.81\n")  # header changed
        return Reply(200, f"observation_date,{sid}\n".encode())  # nothing new since the last pull

    live_sources.routes["/fred/graph.csv"] = graph
    summary, log = run("fred", warehouse_copy)
    assert summary["failed"] == 1 and "DGS10" in one_line(summary["errors"][-1])
    assert summary["quarantined"] == 1 and summary["rows_new"] == 2
    failed = [r for r, s, _, _ in log if s == "failed"]
    assert len(failed) == 1 and failed[0].startswith("fred/increments/DGS10__from_")
    unchanged_except(before, warehouse_copy, "fred_observations")


@pytest.mark.parametrize("status", [404, 410])
def test_status_that_is_not_worth_retrying_fails_at_once(status, live_sources, warehouse_copy):
    live_sources.routes["/soma/"] = lambda n, p: Reply(status, b"gone")
    summary, _ = run("soma", warehouse_copy)
    assert len(live_sources.hits("/soma/")) == 1
    assert summary["failed"] == 1 and f"HTTP {status}" in one_line(summary["errors"][0])


def test_one_line_html_page_from_the_ny_fed_is_quarantined_not_taken_for_an_unpublished_week(
    live_sources, warehouse_copy
):
    """An empty body or a bare CSV header means 'not published yet'; a one-line HTML page does not."""
    before = fingerprint(warehouse_copy)
    live_sources.routes["/soma/"] = lambda n, p: Reply(200, b"<html><body>Service Unavailable</body></html>")
    summary, log = run("soma", warehouse_copy)
    assert [s for _, s, _, _ in log] == ["quarantined"] and "unknown column" in log[0][2]
    live_sources.routes["/soma/"] = lambda n, p: Reply(200, b'"As Of Date","CUSIP","Security Type","Par Value"\n')
    summary, log = run("soma", warehouse_copy)
    assert log == [] and summary["payloads"] == 0
    unchanged_except(before, warehouse_copy)


def test_a_body_past_the_size_cap_is_refused_not_read_into_memory(
    live_sources, warehouse_copy, snapshot_dir, monkeypatch
):
    from flows import http

    monkeypatch.setattr(http, "MAX_BODY_BYTES", 4096)
    before = fingerprint(warehouse_copy)
    body = soma_csv(snapshot_dir, rows=400)
    assert len(body) > 4096
    live_sources.routes["/soma/"] = lambda n, p: Reply(200, body, no_length=True)  # chunked: no length declared
    summary, _ = run("soma", warehouse_copy)
    error = one_line(summary["errors"][0])
    assert summary["failed"] == 1 and "4,096-byte cap" in error, error
    live_sources.routes["/soma/"] = lambda n, p: Reply(200, body)  # declared up front: refused before reading
    summary, _ = run("soma", warehouse_copy)
    assert summary["failed"] == 1 and "declares" in one_line(summary["errors"][0])
    unchanged_except(before, warehouse_copy)
