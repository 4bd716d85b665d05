"""Issue 15: readers and the writer do not block each other. Writers publish `warehouse.read.duckdb` after each
successful write; a notebook on the copy does not stop a refresh, and `tshock sql` reads the copy while a
writer holds the warehouse. Holders are real processes (DuckDB's locks are per process)."""

from __future__ import annotations

import os

import duckdb

from flows.pipeline.refresh import refresh_source
from tests.reliability.helpers import fingerprint
from tests.reliability.test_concurrency import Holder
from tests.reliability.test_hostile_sql import run_main
from warehouse.db import publish_read_copy, read_copy_path


def count(db, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_the_read_copy_holds_the_whole_warehouse(warehouse_copy):
    copy = publish_read_copy(warehouse_copy)
    assert copy == warehouse_copy.with_name("warehouse.read.duckdb")
    assert fingerprint(copy) == fingerprint(warehouse_copy)
    assert count(copy, "SELECT count(*) FROM freshness") == 6  # views come along
    assert not list(warehouse_copy.parent.glob(".warehouse.read.duckdb.tmp-*"))


def test_a_notebook_on_the_read_copy_does_not_stop_a_refresh(warehouse_copy, snapshot_dir, tmp_path):
    publish_read_copy(warehouse_copy)
    notebook = Holder(read_copy_path(warehouse_copy), "read")  # an analyst's open read-only connection
    try:
        summary = refresh_source.fn("yield_curve", str(warehouse_copy), str(snapshot_dir))
        assert summary["failed"] == 0
        con = duckdb.connect(str(warehouse_copy))
        con.execute("DELETE FROM yield_curve WHERE date >= DATE '2025-12-01'")
        con.close()
        publish_read_copy(warehouse_copy)  # renamed over the file the notebook has open: nobody waits
    finally:
        notebook.release()
    assert fingerprint(read_copy_path(warehouse_copy)) == fingerprint(warehouse_copy)


def test_tshock_sql_reads_the_copy_while_a_writer_holds_the_warehouse(warehouse_copy, capsys):
    publish_read_copy(warehouse_copy)
    n = count(warehouse_copy, "SELECT count(*) FROM yield_curve")
    # The writer has changed the warehouse since the copy (mtime): the copy is not current, and only because
    # the warehouse is locked does `tshock sql` fall back to it, saying so.
    later = read_copy_path(warehouse_copy).stat().st_mtime + 5
    os.utime(warehouse_copy, (later, later))
    writer = Holder(warehouse_copy, "write")
    try:
        code, out, err = run_main(
            ["sql", "SELECT count(*) AS n FROM yield_curve", "-f", "csv", "--db", str(warehouse_copy)], capsys
        )
    finally:
        writer.release()
    assert code == 0, err
    assert int(out.split()[1]) == n
    assert "a write is running" in err and "warehouse.read.duckdb" in err


def test_without_a_read_copy_a_reader_during_a_write_still_gets_the_lock_line(warehouse_copy, capsys):
    writer = Holder(warehouse_copy, "write")
    try:
        code, out, err = run_main(["sql", "SELECT 1", "--db", str(warehouse_copy)], capsys)
    finally:
        writer.release()
    assert code == 1 and "open for writing" in err and "warehouse.read.duckdb" in err


def test_sql_write_publishes_the_change_to_the_copy(warehouse_copy, capsys):
    publish_read_copy(warehouse_copy)
    code, _, err = run_main(
        ["sql", "DELETE FROM auctions WHERE auction_date < DATE '1990-01-01'", "--write", "--db", str(warehouse_copy)],
        capsys,
    )
    assert code == 0, err
    assert (
        count(read_copy_path(warehouse_copy), "SELECT count(*) FROM auctions WHERE auction_date < DATE '1990-01-01'")
        == 0
    )


def test_a_long_tshock_sql_on_a_current_copy_does_not_block_a_refresh(warehouse_copy):
    """`tshock sql` (and its interactive shell) opens the copy when it is current, so the warehouse stays free
    for a writer; once the warehouse changed without a new copy, readers go back to the warehouse."""
    from warehouse.db import connect, connect_reader, read_copy_is_current

    publish_read_copy(warehouse_copy)
    assert read_copy_is_current(warehouse_copy)
    reader, fallback = connect_reader(warehouse_copy, sandbox=True)
    try:
        assert fallback is None
        assert (
            reader.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
            .fetchone()[0]
            .endswith("warehouse.read.duckdb")
        )
        writer = connect(warehouse_copy)  # a refresh starting while the query runs: not refused
        writer.execute("DELETE FROM auctions WHERE auction_date < DATE '1980-01-01'")
        writer.close()
    finally:
        reader.close()
    import time

    stale = time.time() - 60
    os.utime(read_copy_path(warehouse_copy), (stale, stale))
    assert not read_copy_is_current(warehouse_copy)
    reader, _ = connect_reader(warehouse_copy)
    try:
        assert (
            reader.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
            .fetchone()[0]
            .endswith("data/warehouse.duckdb")
        )
    finally:
        reader.close()


def test_the_python_api_reads_while_a_writer_holds_the_warehouse(warehouse_copy):
    from flows import api

    publish_read_copy(warehouse_copy)
    writer = Holder(warehouse_copy, "write")  # a refresh in another process
    try:
        japan = api.holdings("Japan", db=str(warehouse_copy))
    finally:
        writer.release()
    assert count(warehouse_copy, "SELECT count(*) FROM stg_foreign_holdings WHERE country = 'Japan'") > 0
    assert len(japan) > 200 and japan["holdings_usd_bn"].iloc[-1] > 1000  # Japan holds over $1tn in 2026
