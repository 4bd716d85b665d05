"""Backcast: a model check on history.

Roll the real stock at an anchor forward with the REALIZED curve (monthly average of the daily par curve, per
new-issue term and for the FRN index) and the REALIZED total marketable debt (auctions sized so outstanding
follows MSPD, linearly interpolated between the months given), then compare the modelled average interest rate
on marketable debt at `to_date` with Treasury's reported Average Interest Rates, in total and by class.

Modelled rate = Σ outstanding × current rate / Σ outstanding at the month end, with bills at their yield, TIPS at
their real coupon and FRNs at index + spread — the basis Treasury's table uses.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from model import ModelError
from model.budget import month_ends
from model.curve import CurveTable
from model.issuance import KIND, Buckets, default_mix
from model.rollover import EngineStock, Paths, roll
from model.stock import CLASSES, avg_rate_pct, class_totals, normalise_class


def monthly_curve(curve: pd.DataFrame, ends: pd.DatetimeIndex, terms: np.ndarray) -> tuple[np.ndarray, int]:
    """(months, terms) percent: per calendar month the average of that month's daily curves; months without a
    curve take the latest earlier curve. Also returns how many months had no curve."""
    table = CurveTable.from_long(curve)
    days = pd.DatetimeIndex(table.dates)
    out = np.zeros((len(ends), len(terms)))
    stale = 0
    for i, end in enumerate(ends):
        in_month = (days.year == end.year) & (days.month == end.month)
        dates = days[in_month] if in_month.any() else days[days <= end][-1:]
        if not in_month.any():
            stale += 1
        if len(dates) == 0:
            raise ModelError(f"backcast: no yield curve on or before {end:%Y-%m-%d}")
        out[i] = [np.nanmean(table.at(dates, np.full(len(dates), t))) for t in terms]
    return out, stale


def _target_path(totals: pd.DataFrame | pd.Series, anchor: date, start_bn: float,
                 ends: pd.DatetimeIndex) -> tuple[np.ndarray, list[str]]:
    if isinstance(totals, pd.Series):
        s = totals.astype(float)
        s.index = pd.to_datetime(s.index)
    elif "security_type_desc" in totals.columns:  # mspd_summary: Total Marketable minus the FFB line
        t = totals.assign(record_date=pd.to_datetime(totals["record_date"]))
        total = t[t["security_type_desc"].str.lower() == "total marketable"].set_index("record_date")["total_usd_mn"]
        ffb = t[t["security_class_desc"].map(normalise_class) == "FFB"].set_index("record_date")["total_usd_mn"]
        s = (total - ffb.reindex(total.index).fillna(0.0)) / 1000.0
    else:  # marketable_totals
        t = totals.assign(record_date=pd.to_datetime(totals["record_date"]))
        by = t.pivot_table(index="record_date", columns="security_class", values="outstanding_usd_mn", aggfunc="max")
        s = (by["All"] - by.get("FFB", 0.0)) / 1000.0
    s = s[s.index > pd.Timestamp(anchor)].sort_index()
    notes = []
    if s.empty:
        raise ModelError("backcast: no realized total marketable debt after the anchor")
    days = lambda ts: pd.DatetimeIndex(ts).to_numpy(dtype="datetime64[D]").astype(float)  # noqa: E731
    x = np.r_[days([pd.Timestamp(anchor)]), days(s.index)]
    path = np.interp(days(ends), x, np.r_[start_bn, s.to_numpy()])
    gaps = int((~ends.isin(s.index)).sum())
    if gaps:
        notes.append(f"realized total marketable debt interpolated for {gaps} of {len(ends)} months "
                     f"(held flat after {s.index.max():%Y-%m-%d})")
    return path, notes


def _actual(avg_rates: pd.DataFrame | None, to: pd.Timestamp) -> dict:
    if avg_rates is None or avg_rates.empty:
        return {"total_marketable_avg_rate_pct": None, "by_class_avg_rate_pct": {}, "record_date": None}
    a = avg_rates.assign(record_date=pd.to_datetime(avg_rates["record_date"]))
    a = a[a["security_type_desc"].str.lower().str.startswith("marketable") & (a["record_date"] <= to)]
    if a.empty:
        return {"total_marketable_avg_rate_pct": None, "by_class_avg_rate_pct": {}, "record_date": None}
    a = a[a["record_date"] == a["record_date"].max()]
    cls = a["security_desc"].map(normalise_class)
    rates = dict(zip(cls, a["avg_interest_rate_pct"].astype(float), strict=True))
    return {"total_marketable_avg_rate_pct": rates.get("Total"),
            "by_class_avg_rate_pct": {c: rates[c] for c in CLASSES if c in rates},
            "record_date": a["record_date"].max().date().isoformat()}


def backcast(stock_at_anchor: pd.DataFrame, realized_curve: pd.DataFrame,
             realized_total_marketable: pd.DataFrame | pd.Series, to_date: date, *,
             avg_rates: pd.DataFrame | None = None, anchor: date | None = None,
             stock_rows: pd.DataFrame | None = None,
             mix: dict[str, float] | None = None, cpi_inflation_pct: float = 2.5,
             frn_spread_pct: float = 0.15) -> dict:
    """Modelled vs actual average interest rate on marketable debt at `to_date` (see the module docstring).

    `stock_at_anchor` is model.stock.build_stock output; `realized_total_marketable` is mspd_summary rows,
    marketable_totals rows or a Series of $bn by date; `avg_rates` is avg_interest_rates rows; `stock_rows`
    (the anchor's marketable_securities rows) lets the default mix use tranche terms."""
    anchor = anchor or stock_at_anchor.attrs.get("anchor")
    if anchor is None:
        raise ModelError("backcast: the stock has no anchor date")
    a, to = pd.Timestamp(anchor), pd.Timestamp(to_date)
    horizon = (to.year - a.year) * 12 + to.month - a.month
    if horizon < 1:
        raise ModelError(f"backcast: --to {to:%Y-%m-%d} must be at least a month after the anchor {a:%Y-%m-%d}")
    ends = month_ends(anchor, horizon)
    buckets = Buckets.from_mix(mix or default_mix(stock_at_anchor, stock_rows))
    curve, stale = monthly_curve(realized_curve, ends, np.r_[buckets.terms.astype(float), 3.0])
    nominal, bill3m = curve[:, :-1], curve[:, -1]
    rate = np.where(buckets.kinds == KIND["TIPS"], nominal - cpi_inflation_pct, nominal)
    rate = np.where(buckets.kinds == KIND["FRN"], frn_spread_pct, rate)
    engine_stock = EngineStock.from_stock(stock_at_anchor, anchor)
    target, notes = _target_path(realized_total_marketable, anchor, float(engine_stock.face.sum()), ends)
    paths = Paths(rate[None] / 100.0, bill3m[None] / 100.0, np.full((1, horizon), cpi_inflation_pct / 100.0),
                  target_outstanding=target)
    res = roll(engine_stock, buckets, paths)
    total, by_class = res.avg_rate_pct()
    if stale:
        notes.append(f"{stale} of {horizon} months had no yield curve: the latest earlier curve was used")
    notes.append("modelled rates exclude the Federal Financing Bank line (~$3.6bn), which Treasury's total includes")
    actual = _actual(avg_rates, to)
    modelled_cls = {c: float(by_class[0, -1, k]) for k, c in enumerate(CLASSES) if res.face_by_class[0, -1, k] > 0}
    out = {
        "anchor": a.date().isoformat(), "to": ends[-1].date().isoformat(), "months": horizon,
        "modelled": {"total_marketable_avg_rate_pct": float(total[0, -1]), "by_class_avg_rate_pct": modelled_cls,
                     "total_marketable_usd_bn": float(res.outstanding_end[0, -1]),
                     "by_class_usd_bn": {c: float(res.face_by_class[0, -1, k]) for k, c in enumerate(CLASSES)},
                     "at_anchor_avg_rate_pct": avg_rate_pct(stock_at_anchor, float(bill3m[0])),
                     "at_anchor_by_class_usd_bn": {k: float(v) for k, v in class_totals(stock_at_anchor).items()}},
        "actual": actual, "issuance_mix": buckets.as_dict(), "notes": notes}
    if actual["total_marketable_avg_rate_pct"] is not None:
        out["error_pp"] = {"total": out["modelled"]["total_marketable_avg_rate_pct"]
                           - actual["total_marketable_avg_rate_pct"],
                           **{c: modelled_cls[c] - v for c, v in actual["by_class_avg_rate_pct"].items()
                              if c in modelled_cls}}
    return out
