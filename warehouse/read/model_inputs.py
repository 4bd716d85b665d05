"""The scenario model's and the backcast's inputs, read at an anchor (flows/pipeline/scenario.py, backcast.py).

Frames keep the base tables' own columns and units (minus payload_sha256): a run's data hash is a hash of
these frames, so their shape is part of every run id.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from warehouse.read.base import frame


def cusip_dates(con: duckdb.DuckDBPyConnection) -> list[date]:
    """Record dates that have MSPD CUSIP detail (marketable_securities), oldest first."""
    return [r[0] for r in con.execute("SELECT DISTINCT record_date FROM marketable_securities ORDER BY 1").fetchall()]


def cusip_stock(con: duckdb.DuckDBPyConnection, on: date, *, ordered: bool = True) -> pd.DataFrame:
    """MSPD Table III rows (one per tranche) of the statement dated `on`; `ordered`: by CUSIP and tranche."""
    order = " ORDER BY cusip, tranche_no" if ordered else ""
    return frame(
        con, "SELECT * EXCLUDE (payload_sha256) FROM marketable_securities WHERE record_date = ?" + order, [on]
    )


def soma_as_of(con: duckdb.DuckDBPyConnection, anchor: date) -> pd.DataFrame:
    """The newest SOMA holdings file on or before the anchor (all its CUSIP rows)."""
    return frame(
        con,
        """SELECT * EXCLUDE (payload_sha256) FROM soma_holdings WHERE as_of_date =
                         (SELECT max(as_of_date) FROM soma_holdings WHERE as_of_date <= ?)""",
        [anchor],
    )


def daily_curve_until(con: duckdb.DuckDBPyConnection, until: date) -> pd.DataFrame:
    """yield_curve_daily (par curve, FRED filling gaps) on or before `until`: date, tenor_months, yield_pct."""
    return frame(
        con,
        "SELECT date, tenor_months, yield_pct FROM yield_curve_daily WHERE date <= ? ORDER BY date, tenor_months",
        [until],
    )


def auctions_until(con: duckdb.DuckDBPyConnection, until: date, *, ordered: bool = True) -> pd.DataFrame:
    """Auctions on or before `until` (cusip, security_term, auction_date, issue_date): original terms."""
    order = " ORDER BY cusip, auction_date" if ordered else ""
    return frame(
        con,
        "SELECT cusip, security_term, auction_date, issue_date FROM auctions WHERE auction_date <= ?" + order,
        [until],
    )


def holdings_current_until(con: duckdb.DuckDBPyConnection, until: date) -> pd.DataFrame:
    """TIC holdings ($bn) of the latest vintage (foreign_holdings_current) for months up to `until`."""
    return frame(
        con,
        "SELECT month, country, holdings_usd_bn, vintage FROM foreign_holdings_current "
        "WHERE month <= ? ORDER BY month, country",
        [until],
    )


def marketable_totals_on(con: duckdb.DuckDBPyConnection, on: date) -> pd.DataFrame:
    """MSPD Table III subtotal rows of the statement dated `on`, by label."""
    return frame(
        con, "SELECT * EXCLUDE (payload_sha256) FROM marketable_totals WHERE record_date = ? ORDER BY label", [on]
    )


def fed_treasury_until(con: duckdb.DuckDBPyConnection, until: date) -> pd.DataFrame:
    """The Fed's Treasury holdings (H.4.1 TREAST, latest vintage) in $ billions on or before `until`."""
    return frame(
        con,
        "SELECT date, value / 1000.0 AS value_usd_bn FROM fred_observations_current "
        "WHERE series_id = 'TREAST' AND date <= ? AND value IS NOT NULL ORDER BY date",
        [until],
    )


def marketable_avg_rates(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Treasury's Average Interest Rates on marketable debt, every month and class."""
    return frame(
        con,
        "SELECT record_date, security_type_desc, security_desc, avg_interest_rate_pct "
        "FROM avg_interest_rates WHERE lower(security_type_desc) LIKE 'marketable%'",
    )


# Realized marketable debt for the backcast. It leaves out the Federal Financing Bank line (not part of the CUSIP
# stock the model rolls), so it differs from the calibration's marketable total (debt_totals_until) and from
# marketable_debt_monthly, which keep it: each rule is what its consumer's numbers were built on.
_REALIZED_MARKETABLE_SQL = """
    WITH t1 AS (
        SELECT record_date,
               sum(total_usd_mn) FILTER (WHERE lower(security_type_desc) = 'total marketable')
             - coalesce(sum(total_usd_mn) FILTER (WHERE lower(security_type_desc) = 'marketable'
                            AND lower(security_class_desc) = 'federal financing bank'), 0) AS mn
        FROM mspd_summary GROUP BY record_date),
    t3 AS (
        SELECT record_date,
               max(outstanding_usd_mn) FILTER (WHERE security_class = 'All')
             - coalesce(max(outstanding_usd_mn) FILTER (WHERE security_class = 'FFB'), 0) AS mn
        FROM marketable_totals GROUP BY record_date)
    SELECT coalesce(t1.record_date, t3.record_date) AS record_date, coalesce(t1.mn, t3.mn) / 1000.0 AS bn
    FROM t1 FULL JOIN t3 ON t1.record_date = t3.record_date
    WHERE coalesce(t1.mn, t3.mn) IS NOT NULL AND coalesce(t1.record_date, t3.record_date) > ?
      AND coalesce(t1.record_date, t3.record_date) <= ?
    ORDER BY 1"""


def realized_marketable_bn(con: duckdb.DuckDBPyConnection, after: date, to: date) -> pd.Series:
    """Total marketable debt less the FFB line, $bn, by record date in (after, to]: MSPD Table 1, else the
    Table III totals."""
    df = frame(con, _REALIZED_MARKETABLE_SQL, [after, to])
    return pd.Series(df["bn"].to_numpy(float), index=pd.to_datetime(df["record_date"]))


def realized_class_stock(con: duckdb.DuckDBPyConnection, after: date, to: date) -> pd.DataFrame:
    """Outstanding by class ($bn) at record dates in (after, to]: MSPD Table III's unmatured totals (the stock's
    own definition) where a statement has them, else Table 1's class rows. Columns record_date, security_class,
    usd_bn (security_class as MSPD labels it; the model normalises it)."""
    return frame(
        con,
        """
        WITH t3 AS (
            SELECT record_date, security_class, max(outstanding_usd_mn) / 1000.0 AS usd_bn FROM marketable_totals
            WHERE label LIKE 'Total Unmatured %' OR label IN ('Total Treasury TIPS', 'Total Treasury Floating Rate Notes')
            GROUP BY ALL),
        t1 AS (
            SELECT record_date, security_class_desc AS security_class, sum(total_usd_mn) / 1000.0 AS usd_bn
            FROM mspd_summary WHERE lower(security_type_desc) = 'marketable'
              AND record_date NOT IN (SELECT record_date FROM t3) GROUP BY ALL)
        SELECT * FROM (SELECT * FROM t3 UNION ALL SELECT * FROM t1)
        WHERE record_date > ? AND record_date <= ? ORDER BY record_date, security_class""",
        [after, to],
    )
