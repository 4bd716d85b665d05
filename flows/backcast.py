"""The backcast on the warehouse: read the real stock at an anchor and what was realized after it, run
model/backcast.py, and refuse dates the data lack with one line naming what is missing and which months exist.

`backcast_check(db, anchor, to)` rolls the real stock at `anchor` forward on the realized curve, sizing auctions
so each class's outstanding follows its realized path, and compares the modelled average rates at `to` with
Average Interest Rates class by class and in total.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from flows.scenario import ScenarioDataError, _dates_text, _df, cusip_dates
from model.backcast import backcast
from model.stock import build_stock
from warehouse.db import session


def _months_text(dates: list[date]) -> str:
    """2001-01..2001-12, 2026-08..2026-09: consecutive months collapsed into ranges."""
    months = sorted({(d.year, d.month) for d in dates})
    if not months:
        return "none"
    spans, start, prev = [], months[0], months[0]
    for m in months[1:] + [None]:
        if m is not None and (m[0] * 12 + m[1]) == (prev[0] * 12 + prev[1]) + 1:
            prev = m
            continue
        a, b = f"{start[0]}-{start[1]:02d}", f"{prev[0]}-{prev[1]:02d}"
        spans.append(a if a == b else f"{a}..{b}")
        if m is not None:
            start = prev = m
    return ", ".join(spans)


def realized_marketable_bn(con: duckdb.DuckDBPyConnection, after: date, to: date) -> pd.Series:
    """Total marketable debt less the FFB line, $bn, by record date in (after, to]: MSPD Table 1, else the
    Table III totals."""
    df = _df(con, """
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
        ORDER BY 1""", after, to)
    return pd.Series(df["bn"].to_numpy(float), index=pd.to_datetime(df["record_date"]))


def realized_class_stock(con: duckdb.DuckDBPyConnection, after: date, to: date) -> pd.DataFrame:
    """Outstanding by class ($bn) at record dates in (after, to]: MSPD Table III's unmatured totals (the stock's
    own definition) where a statement has them, else Table 1's class rows. Columns record_date, security_class,
    usd_bn (security_class as MSPD labels it; the model normalises it)."""
    return _df(con, """
        WITH t3 AS (
            SELECT record_date, security_class, max(outstanding_usd_mn) / 1000.0 AS usd_bn FROM marketable_totals
            WHERE label LIKE 'Total Unmatured %' OR label IN ('Total Treasury TIPS', 'Total Treasury Floating Rate Notes')
            GROUP BY ALL),
        t1 AS (
            SELECT record_date, security_class_desc AS security_class, sum(total_usd_mn) / 1000.0 AS usd_bn
            FROM mspd_summary WHERE lower(security_type_desc) = 'marketable'
              AND record_date NOT IN (SELECT record_date FROM t3) GROUP BY ALL)
        SELECT * FROM (SELECT * FROM t3 UNION ALL SELECT * FROM t1)
        WHERE record_date > ? AND record_date <= ? ORDER BY record_date, security_class""", after, to)


def backcast_check(db: str, anchor: date, to: date) -> dict:
    """Modelled vs reported average interest rate on marketable debt at `to`, from the real stock at `anchor`."""
    to_end = (pd.Timestamp(to) + pd.offsets.MonthEnd(0)).date()
    with session(db, read_only=True) as con:
        dates = cusip_dates(con)
        if anchor not in dates:
            raise ScenarioDataError(f"backcast --anchor {anchor}: no MSPD CUSIP detail (marketable_securities) on "
                                    f"that date; dates with CUSIP detail: {_dates_text(dates)}")
        if to_end <= (pd.Timestamp(anchor) + pd.offsets.MonthEnd(0)).date():
            raise ScenarioDataError(f"backcast --to {to}: must be in a later month than --anchor {anchor}")
        avg = _df(con, "SELECT record_date, security_type_desc, security_desc, avg_interest_rate_pct "
                       "FROM avg_interest_rates WHERE lower(security_type_desc) LIKE 'marketable%'")
        have = sorted(set(pd.to_datetime(avg["record_date"]).dt.date))
        at_to = avg[pd.to_datetime(avg["record_date"]).dt.date == to_end]
        if not (at_to["security_desc"].str.lower() == "total marketable").any():
            raise ScenarioDataError(f"backcast --to {to}: no Average Interest Rates (avg_interest_rates) for "
                                    f"{to_end:%Y-%m}; months with rates: {_months_text(have)}")
        realized = realized_marketable_bn(con, anchor, to_end)
        if pd.Timestamp(to_end) not in realized.index:
            known = [d.date() for d in realized_marketable_bn(con, date(1900, 1, 1), date(9999, 12, 31)).index]
            raise ScenarioDataError(f"backcast --to {to}: no realized total marketable debt (mspd_summary or "
                                    f"marketable_totals) for {to_end:%Y-%m}; months with it: {_months_text(known)}")
        curve = _df(con, "SELECT date, tenor_months, yield_pct FROM yield_curve_daily WHERE date <= ? "
                         "ORDER BY date, tenor_months", to_end)
        last_curve = pd.to_datetime(curve["date"]).max() if not curve.empty else None
        if last_curve is None or last_curve.date() <= anchor:
            raise ScenarioDataError(f"backcast: no realized yield curve (yield_curve_daily) after the anchor "
                                    f"{anchor}; the curve ends {last_curve.date() if last_curve is not None else 'nowhere'}")
        rows = _df(con, "SELECT * EXCLUDE (payload_sha256) FROM marketable_securities WHERE record_date = ?",
                   anchor)
        auctions = _df(con, "SELECT cusip, security_term, auction_date, issue_date FROM auctions "
                            "WHERE auction_date <= ?", anchor)
        by_class = realized_class_stock(con, anchor, to_end)
    stock = build_stock(rows, anchor=anchor, curve=curve[pd.to_datetime(curve["date"]) <= pd.Timestamp(anchor)],
                        auctions=auctions)
    out = backcast(stock, curve, realized, to_end, avg_rates=at_to, anchor=anchor, stock_rows=rows,
                   realized_by_class=by_class)
    out["inputs"] = {"realized_debt_points": {d.date().isoformat(): float(v) for d, v in realized.items()},
                     "curve_last_date": last_curve.date().isoformat(), "cusips_at_anchor": int(len(stock)),
                     "rates_imputed_at_anchor": int(stock["coupon_imputed"].sum())}
    return out
