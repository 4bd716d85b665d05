"""What is already stored, newest first: the refresh cursors of each source (`live_state`), ingest_log's newest
loaded date, the TIC coverage for error messages, and the payloads `tshock snapshot export` writes back out.

Every reader here treats a table not created yet as "nothing stored" (a fresh warehouse).
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pandas as pd

from warehouse.read.base import rows_or_empty, value_or_none


def _day(value) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def newest_date(con: duckdb.DuckDBPyConnection, table: str, column: str, where: str = "") -> date | None:
    """max(column) of a table (optionally under a fixed condition); None when empty or not created yet."""
    value = value_or_none(con, f"SELECT max({column}) FROM {table}" + (f" WHERE {where}" if where else ""))
    return None if value is None else pd.Timestamp(value).date()


def newest_priced_auction(con: duckdb.DuckDBPyConnection) -> date | None:
    """Newest auction date that already has a price (announced auctions are listed with a null price)."""
    return newest_date(con, "auctions", "auction_date", "price_per_100 IS NOT NULL")


def newest_record_date(con: duckdb.DuckDBPyConnection, table: str) -> date | None:
    """Newest record_date of a Fiscal Data table, as stored (a datetime read as its date)."""
    rows = rows_or_empty(con, f"SELECT max(record_date) FROM {table}")
    return _day(rows[0][0]) if rows else None


def newest_fred_dates(con: duckdb.DuckDBPyConnection) -> dict[str, date]:
    """Newest date with a value, per FRED series; missing-value rows do not count as data."""
    rows = rows_or_empty(
        con,
        "SELECT series_id, CAST(max(date) AS DATE) FROM fred_observations "
        "WHERE value IS NOT NULL AND NOT isnan(value) GROUP BY series_id",
    )
    return {sid: newest for sid, newest in rows if newest is not None}


def newest_tic_months(con: duckdb.DuckDBPyConnection) -> dict[str, date | None]:
    """Newest stored month per TIC file: {'mfhhis01.txt', 'slt_table5.txt', 'slt_table3.txt'} -> month."""
    out = {
        name: value_or_none(con, "SELECT max(month) FROM foreign_holdings WHERE source_file = ?", [name])
        for name in ("mfhhis01.txt", "slt_table5.txt")
    }
    out["slt_table3.txt"] = value_or_none(con, "SELECT max(month) FROM foreign_flows")
    return out


def tic_coverage(con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    """(first vintage, last vintage, first month, last month) of foreign_holdings or foreign_flows; Nones when
    the table is missing or empty."""
    if table not in ("foreign_holdings", "foreign_flows"):
        raise ValueError(f"not a TIC table: {table}")
    rows = rows_or_empty(con, f"SELECT min(vintage), max(vintage), min(month), max(month) FROM {table}")
    return rows[0] if rows else (None, None, None, None)


def first_holdings_vintage(con: duckdb.DuckDBPyConnection) -> date | None:
    """The first TIC holdings publication stored (the earliest as-of a calibration can use)."""
    return value_or_none(con, "SELECT min(vintage) FROM foreign_holdings")


def newest_loaded(con: duckdb.DuckDBPyConnection, source: str) -> date | None:
    """The newest data date ingest_log records for a source's loaded payloads."""
    return con.execute(
        "SELECT max(newest_date) FROM ingest_log WHERE source = ? AND status = 'loaded'", [source]
    ).fetchone()[0]


def exportable_payloads(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(relpath, sha256, url, fetched_at, status) of the newest payload per relpath, quarantined ones left out
    (they would only be refused again)."""
    return con.execute("""
        SELECT relpath, sha256, url, fetched_at, status FROM (
          SELECT *, row_number() OVER (PARTITION BY relpath ORDER BY fetched_at DESC, payload_id DESC) AS rn
          FROM ingest_log WHERE status IN ('loaded', 'skipped', 'stale') AND sha256 <> '')
        WHERE rn = 1 ORDER BY relpath""").fetchall()
