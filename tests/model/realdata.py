"""Real data for the model tests and bench/rollover.py, read from a warehouse the project's own parsers loaded.

Tests pass the `offline_warehouse` fixture (the real snapshot through flows/sources); bench/rollover.py takes a
warehouse built by `tshock refresh --offline ../shared/snapshot`. The frames have the columns of
warehouse/schema.py, so the model sees exactly what flows/pipeline/scenario.py gives it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd


def _q(db: str | Path, sql: str, *params) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def stock_rows(db, record_date: date) -> pd.DataFrame:
    """marketable_securities rows of one MSPD statement."""
    return _q(
        db,
        "SELECT * EXCLUDE (payload_sha256) FROM marketable_securities WHERE record_date = ? ORDER BY cusip, tranche_no",
        record_date,
    )


def totals(db, record_date: date) -> pd.DataFrame:
    """marketable_totals rows (Total Unmatured … subtotals) of one MSPD statement."""
    return _q(db, "SELECT * EXCLUDE (payload_sha256) FROM marketable_totals WHERE record_date = ?", record_date)


def par_curve(db) -> pd.DataFrame:
    """The Treasury par curve alone (yield_curve): date, tenor_months, yield_pct."""
    return _q(db, "SELECT date, tenor_months, yield_pct FROM yield_curve ORDER BY date, tenor_months")


def curve(db) -> pd.DataFrame:
    """Par curve first, FRED constant-maturity yields where it lacks a date (the yield_curve_daily view)."""
    return _q(db, "SELECT date, tenor_months, yield_pct FROM yield_curve_daily ORDER BY date, tenor_months")


def avg_rates(db) -> pd.DataFrame:
    return _q(
        db, "SELECT record_date, security_type_desc, security_desc, avg_interest_rate_pct FROM avg_interest_rates"
    )


def mspd_summary(db) -> pd.DataFrame:
    return _q(db, "SELECT record_date, security_type_desc, security_class_desc, total_usd_mn FROM mspd_summary")


def soma(db) -> pd.DataFrame:
    return _q(db, "SELECT * EXCLUDE (payload_sha256) FROM soma_holdings")


def auctions(db) -> pd.DataFrame:
    return _q(db, "SELECT cusip, security_type, security_term, auction_date, issue_date FROM auctions")


def tic_holdings(db) -> pd.DataFrame:
    return _q(db, "SELECT month, country, holdings_usd_bn, vintage FROM foreign_holdings_current")


def class_stock(db, after: date, to: date) -> pd.DataFrame:
    """Realized outstanding by class, as flows/pipeline/scenario.py reads it for the backcast."""
    from flows.pipeline.backcast import realized_class_stock

    con = duckdb.connect(str(db), read_only=True)
    try:
        return realized_class_stock(con, after, to)
    finally:
        con.close()
