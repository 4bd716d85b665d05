"""The backcast on the warehouse: read the real stock at an anchor and what was realized after it, run
model/backcast.py, and refuse dates the data lack with one line naming what is missing and which months exist.

`backcast_check(db, anchor, to)` rolls the real stock at `anchor` forward on the realized curve, sizing auctions
so each class's outstanding follows its realized path, and compares the modelled average rates at `to` with
Average Interest Rates class by class and in total.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from flows.pipeline.scenario import ScenarioDataError, _dates_text
from model.backcast import backcast
from model.stock import build_stock
from warehouse.db import session
from warehouse.read.model_inputs import (
    auctions_until,
    cusip_dates,
    cusip_stock,
    daily_curve_until,
    marketable_avg_rates,
    realized_class_stock,
    realized_marketable_bn,
)

__all__ = ["backcast_check", "realized_class_stock", "realized_marketable_bn"]


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


def backcast_check(db: str, anchor: date, to: date) -> dict:
    """Modelled vs reported average interest rate on marketable debt at `to`, from the real stock at `anchor`."""
    to_end = (pd.Timestamp(to) + pd.offsets.MonthEnd(0)).date()
    with session(db, read_only=True) as con:
        dates = cusip_dates(con)
        if anchor not in dates:
            raise ScenarioDataError(
                f"backcast --anchor {anchor}: no MSPD CUSIP detail (marketable_securities) on "
                f"that date; dates with CUSIP detail: {_dates_text(dates)}"
            )
        if to_end <= (pd.Timestamp(anchor) + pd.offsets.MonthEnd(0)).date():
            raise ScenarioDataError(f"backcast --to {to}: must be in a later month than --anchor {anchor}")
        avg = marketable_avg_rates(con)
        have = sorted(set(pd.to_datetime(avg["record_date"]).dt.date))
        at_to = avg[pd.to_datetime(avg["record_date"]).dt.date == to_end]
        if not (at_to["security_desc"].str.lower() == "total marketable").any():
            raise ScenarioDataError(
                f"backcast --to {to}: no Average Interest Rates (avg_interest_rates) for "
                f"{to_end:%Y-%m}; months with rates: {_months_text(have)}"
            )
        realized = realized_marketable_bn(con, anchor, to_end)
        if pd.Timestamp(to_end) not in realized.index:
            known = [d.date() for d in realized_marketable_bn(con, date(1900, 1, 1), date(9999, 12, 31)).index]
            raise ScenarioDataError(
                f"backcast --to {to}: no realized total marketable debt (mspd_summary or "
                f"marketable_totals) for {to_end:%Y-%m}; months with it: {_months_text(known)}"
            )
        curve = daily_curve_until(con, to_end)
        last_curve = pd.to_datetime(curve["date"]).max() if not curve.empty else None
        if last_curve is None or last_curve.date() <= anchor:
            raise ScenarioDataError(
                f"backcast: no realized yield curve (yield_curve_daily) after the anchor "
                f"{anchor}; the curve ends {last_curve.date() if last_curve is not None else 'nowhere'}"
            )
        rows = cusip_stock(con, anchor, ordered=False)
        auctions = auctions_until(con, anchor, ordered=False)
        by_class = realized_class_stock(con, anchor, to_end)
    stock = build_stock(
        rows, anchor=anchor, curve=curve[pd.to_datetime(curve["date"]) <= pd.Timestamp(anchor)], auctions=auctions
    )
    out = backcast(
        stock, curve, realized, to_end, avg_rates=at_to, anchor=anchor, stock_rows=rows, realized_by_class=by_class
    )
    out["inputs"] = {
        "realized_debt_points": {d.date().isoformat(): float(v) for d, v in realized.items()},
        "curve_last_date": last_curve.date().isoformat(),
        "cusips_at_anchor": int(len(stock)),
        "rates_imputed_at_anchor": int(stock["coupon_imputed"].sum()),
    }
    return out
