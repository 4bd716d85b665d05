"""Sources refreshed side by side write in refresh order (flows/pipeline/write_order.py): the warehouse and its
ingest log are exactly those of a refresh of one source after another, and a source that fails before its turn
does not keep the others waiting."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

from flows.ingest import Batch
from flows.pipeline import refresh
from flows.pipeline.refresh import refresh_flow, refresh_source
from flows.pipeline.write_order import RefreshStopped, ordered, source_writes, write_turn
from warehouse.db import WarehouseError, held

# FRED is slow to prepare and SOMA quick: side by side, SOMA is ready to write long before FRED.
SOURCES = ["fred", "soma"]
LOG = "SELECT payload_id, source, relpath, status, rows_loaded, rows_new, rows_changed FROM ingest_log ORDER BY 1"


def one_after_another(db, snapshot_dir):
    return [refresh_source.fn(s, str(db), str(snapshot_dir)) for s in SOURCES]


def side_by_side(db, snapshot_dir):
    with held(db), ordered(db, SOURCES), ThreadPoolExecutor(len(SOURCES)) as pool:
        futures = [pool.submit(refresh_source.fn, s, str(db), str(snapshot_dir)) for s in SOURCES]
        return [f.result() for f in futures]


def test_side_by_side_stores_and_logs_what_one_after_another_does(tmp_path, snapshot_dir):
    alone, together = tmp_path / "alone.duckdb", tmp_path / "together.duckdb"
    assert one_after_another(alone, snapshot_dir) == side_by_side(together, snapshot_dir)
    with duckdb.connect(str(alone), read_only=True) as a, duckdb.connect(str(together), read_only=True) as b:
        log = a.execute(LOG).fetchall()
        assert [row[1] for row in log] == ["fred"] * 38 + ["soma"]  # every FRED payload first, as in refresh order
        assert b.execute(LOG).fetchall() == log
        for table in ("fred_observations", "soma_holdings"):
            rows = f"SELECT * EXCLUDE (payload_sha256) FROM {table} ORDER BY ALL"
            assert b.execute(rows).fetchall() == a.execute(rows).fetchall()


def run_sources(db, fail_a: bool):
    """Sources a, b, c side by side; b and c are ready to write 0.2 s before a ends (writing or failing)."""
    events = []

    def source(name: str):
        with source_writes(db, name) as order:
            if name == "a":
                time.sleep(0.2)
                if fail_a:
                    events.append("a gave up")
                    raise RuntimeError("a failed before its turn")
            with write_turn(order, name):
                events.append(name)

    with ordered(db, ["a", "b", "c"]), ThreadPoolExecutor(3) as pool:
        futures = [pool.submit(source, name) for name in "abc"]
        outcomes = []
        for f in futures:
            try:
                outcomes.append(f.result(timeout=10))
            except Exception as exc:  # noqa: BLE001  (the outcome under test)
                outcomes.append(exc)
    return events, outcomes


def test_a_source_waits_for_every_earlier_one(tmp_path):
    events, outcomes = run_sources(tmp_path / "w.duckdb", fail_a=False)
    assert events == ["a", "b", "c"] and outcomes == [None, None, None]


def test_a_crash_stops_the_sources_after_it_and_keeps_none_waiting(tmp_path):
    events, outcomes = run_sources(tmp_path / "w.duckdb", fail_a=True)
    assert events == ["a gave up"]
    assert isinstance(outcomes[0], RuntimeError)
    for name, outcome in zip("bc", outcomes[1:], strict=True):
        assert isinstance(outcome, RefreshStopped)
        assert str(outcome) == f"{name}: not written, the refresh stopped: a: a failed before its turn"


def test_the_flow_refreshes_side_by_side_in_refresh_order(prefect_harness, tmp_path, snapshot_dir, monkeypatch):
    seen = []
    real = refresh.source_writes

    def spy(db, source):
        seen.append((source, threading.current_thread().name))
        return real(db, source)

    monkeypatch.setattr(refresh, "source_writes", spy)
    db = tmp_path / "w.duckdb"
    results = refresh_flow(db=str(db), sources=SOURCES, offline_dir=str(snapshot_dir))
    assert [r["source"] for r in results] == SOURCES and not any(r["failed"] for r in results)
    assert len({thread for _, thread in seen}) == 2  # two worker threads, one per source
    with duckdb.connect(str(db), read_only=True) as con:
        sources = [s for (s,) in con.execute("SELECT source FROM ingest_log ORDER BY payload_id").fetchall()]
    assert sources == ["fred"] * 38 + ["soma"]


def test_a_full_disk_in_one_source_stops_the_flow_as_one_after_another_did(
    prefect_harness, tmp_path, snapshot_dir, monkeypatch
):
    # FRED's first payload meets a full disk (WarehouseError, as flows/ingest.py raises it). TIC, before FRED, is
    # written; nothing after FRED is, though FiscalData may already be preparing beside it; the flow raises FRED's.
    add = Batch.add

    def full_for_fred(self, payload):
        if payload.source == "fred":
            raise WarehouseError(f"{payload.relpath}: cannot write to the data directory: No space left on device")
        return add(self, payload)

    monkeypatch.setattr(Batch, "add", full_for_fred)
    db = tmp_path / "w.duckdb"
    with pytest.raises(WarehouseError, match="fred/legacy_format/.*No space left on device"):
        refresh_flow(db=str(db), offline_dir=str(snapshot_dir))
    with duckdb.connect(str(db), read_only=True) as con:
        logged = {s for (s,) in con.execute("SELECT DISTINCT source FROM ingest_log").fetchall()}
        holdings = con.execute("SELECT count(*) FROM foreign_holdings").fetchone()[0]
        later = con.execute("SELECT (SELECT count(*) FROM yield_curve) + (SELECT count(*) FROM auctions)").fetchone()
    assert logged == {"tic"} and holdings > 0 and later == (0,)


def test_an_offline_replay_runs_one_source_at_a_time_and_a_live_refresh_two(
    prefect_harness, tmp_path, snapshot_dir, monkeypatch
):
    # Offline replay is CPU-bound (two at once cost more CPU than they saved on 2 cores); live sources wait on the
    # network, so `refresh_results` runs two of them side by side.
    threads = []
    real = refresh.source_writes

    def spy(db, source):
        threads.append(threading.current_thread().name)
        return real(db, source)

    monkeypatch.setattr(refresh, "source_writes", spy)
    results = refresh.refresh_results(db=str(tmp_path / "w.duckdb"), sources=SOURCES, offline_dir=str(snapshot_dir))
    assert [r["source"] for r in results] == SOURCES and not any(r["failed"] for r in results)
    assert len(threads) == 2 and len(set(threads)) == 1
    assert refresh.side_by_side(str(snapshot_dir)) == 1 and refresh.side_by_side(None) == 2
