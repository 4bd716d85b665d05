"""Backtest: the yield move a calibration attributes to the foreign flows actually seen in a window.

For a window of months s..e and tenor k, the actual move is y[e] - y[s-1] (month-end, bp).

Posterior (a record with a response surface): a sale of s_t % of the previous month's marketable debt in month t
moved the yield by R_d(k, e - t) * s_t by the end of the window, R_d the surface draw d (per $ actually sold, so
the observed sales path is exactly what it is convolved with):

    attributed_d = sum_t R_d(k, e - t) * s_t,   reported as the median over draws, interval p5..p95.

Data-only (and the posterior of records stored before surfaces): b(h) = yield_impact at horizon h in bp per
$100bn (capped at 24; data_tic_lp, or `data` in older records), attributed = sum_t b(e - t) * S_t with S_t in
$100bn; the interval evaluates the sum at the band ends (errors perfectly correlated across horizons), ordered.
S_t = valuation-adjusted net foreign sales (TIC Grand Total).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from calibration.contract import Kind
from calibration.inputs import Inputs
from calibration.panel import build_panel
from calibration.record import TENORS, CalibrationRecord, Param

MAX_H = 24
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _month(s: str, what: str) -> pd.Timestamp:
    if not isinstance(s, str) or not _MONTH.match(s):
        raise ValueError(f"backtest {what} must be YYYY-MM, got {s!r}")
    return (pd.Timestamp(s + "-01") + pd.offsets.MonthEnd(0)).normalize()


def _span(s: pd.Series) -> str:
    s = s.dropna()
    return "none" if s.empty else f"{s.index.min():%Y-%m}..{s.index.max():%Y-%m}"


def _curve(record: CalibrationRecord, tenor: str, kind: str) -> dict[int, Param]:
    """yield_impact bp_per_100bn by horizon for one tenor and kind; 'data' means the TIC projection (data_tic_lp,
    or plain 'data' in records stored before the estimators were split); 'posterior' falls back to it."""
    data = [Kind.DATA_TIC_LP, Kind.DATA]
    for k in [kind, *data] if kind == "posterior" else data if kind == "data" else [kind]:
        got = {
            p.horizon_months: p
            for p in record.params
            if p.name == "yield_impact" and p.tenor == tenor and p.unit == "bp_per_100bn" and p.kind == k
        }
        if got:
            return got
    return {}


def _attribute(curve: dict[int, Param], sales: pd.Series, end: pd.Timestamp) -> tuple[float, float, float, int]:
    """(central, low, high, largest horizon used) for sales in $bn indexed by month."""
    mid = lo = hi = 0.0
    hmax = 0
    for t, s in sales.items():
        h = min((end.year - t.year) * 12 + end.month - t.month, MAX_H)
        avail = [x for x in curve if x <= h]
        p = curve[max(avail)] if avail else curve[min(curve)]
        hmax = max(hmax, p.horizon_months)
        mid += p.estimate * s / 100.0
        lo += p.ci_low * s / 100.0
        hi += p.ci_high * s / 100.0
    return mid, min(lo, hi), max(lo, hi), hmax


def _attribute_surface(
    record: CalibrationRecord, tenor: str, pct: pd.Series, end: pd.Timestamp
) -> tuple[float, float, float, int]:
    """(median, p5, p95, largest horizon) over surface draws of sum_t R_d(end - t) * pct_t."""
    hs = np.array([(end.year - t.year) * 12 + end.month - t.month for t in pct.index])
    resp = record.surface.response(int(hs.max()) + 1)[:, record.surface.tenor_index(tenor), :]
    total = resp[:, hs] @ pct.to_numpy(float)
    p5, p50, p95 = np.percentile(total, [5, 50, 95])
    return float(p50), float(p5), float(p95), int(hs.max())


def backtest(record: CalibrationRecord, inputs: Inputs, start: str, end: str) -> dict:
    """Actual vs attributed yield moves by tenor for the window start..end ('YYYY-MM', inclusive)."""
    s, e = _month(start, "start"), _month(end, "end")
    if s > e:
        raise ValueError(f"backtest window {start}..{end}: start is after end")
    p = build_panel(inputs).frame
    months = pd.date_range(s, e, freq="ME")
    before = (s - pd.offsets.MonthEnd(1)).normalize()
    sales = p["sale_adj_total"].reindex(months) if "sale_adj_total" in p else pd.Series(index=months, dtype=float)
    y10 = p["y_10y"] if "y_10y" in p else pd.Series(dtype=float)
    # Months whose holdings change is a series break have no flow estimate: counted as zero and named,
    # so windows across the 2000-2011 re-benchmarking months still run.
    breaks = p["flow_break"].reindex(months, fill_value=False) if "flow_break" in p else pd.Series(False, index=months)
    missing_flows = [f"{m:%Y-%m}" for m in months if pd.isna(sales.get(m)) and not breaks.get(m, False)]
    missing_y = [f"{m:%Y-%m}" for m in (before, e) if pd.isna(y10.get(m))]
    if missing_flows or missing_y:
        raise ValueError(
            f"backtest window {start}..{end} is not covered by the data as of {inputs.as_of}: "
            f"foreign flows cover {_span(p.get('sale_adj_total', pd.Series(dtype=float)))}, "
            f"10y yields cover {_span(y10)}"
            + (
                f"; no flow for {', '.join(missing_flows[:6])}{' …' if len(missing_flows) > 6 else ''}"
                if missing_flows
                else ""
            )
            + (f"; no month-end 10y yield for {', '.join(missing_y)}" if missing_y else "")
        )

    rows, notes = [], []
    pct = p["sale_adj_total_pct"].reindex(months) if "sale_adj_total_pct" in p else None
    if breaks.any():
        named = ", ".join(f"{m:%Y-%m}" for m in months[breaks.to_numpy(dtype=bool)])
        notes.append(f"no flow estimate for series-break months {named} (TIC re-benchmarking): counted as zero")
        sales = sales.fillna(0.0)
    if pct is not None:
        gaps = [f"{m:%Y-%m}" for m in months if pd.isna(pct.get(m)) and not breaks.get(m, False)]
        if gaps:
            notes.append(f"no marketable-debt figure for {', '.join(gaps[:6])}: the surface attribution is not shown")
            pct = None
        else:
            pct = pct.fillna(0.0)
    if inputs.as_of != record.as_of:
        notes.append(f"flows and yields as known on {inputs.as_of}; the calibration used data as of {record.as_of}")
    for tenor in TENORS:
        y = p.get(f"y_{tenor}")
        actual = None
        if y is not None and pd.notna(y.get(before)) and pd.notna(y.get(e)):
            actual = round(float((y[e] - y[before]) * 100.0), 4)
        else:
            notes.append(f"{tenor}: no month-end yield at {before:%Y-%m} or {e:%Y-%m}; actual move not shown")
        row = {"tenor": tenor, "actual_bp": actual}
        for kind, prefix in (("posterior", ""), ("data", "data_")):
            if kind == "posterior" and record.surface is not None and pct is not None:
                mid, lo, hi, hmax = _attribute_surface(record, tenor, pct, e)
                row.update(
                    {
                        "attributed_bp": round(mid, 4),
                        "ci_low": round(lo, 4),
                        "ci_high": round(hi, 4),
                        "kind_used": "posterior_surface",
                        "max_horizon_used": hmax,
                    }
                )
                continue
            curve = _curve(record, tenor, kind)
            if not curve:
                row.update({f"{prefix}attributed_bp": None, f"{prefix}ci_low": None, f"{prefix}ci_high": None})
                continue
            mid, lo, hi, hmax = _attribute(curve, sales, e)
            row.update(
                {
                    f"{prefix}attributed_bp": round(mid, 4),
                    f"{prefix}ci_low": round(lo, 4),
                    f"{prefix}ci_high": round(hi, 4),
                }
            )
            if kind == "posterior":
                row["kind_used"] = next(iter(curve.values())).kind
                row["max_horizon_used"] = hmax
        row["residual_bp"] = (
            None if actual is None or row["attributed_bp"] is None else round(actual - row["attributed_bp"], 4)
        )
        rows.append(row)
    if len(months) > MAX_H + 1:
        notes.append(
            f"window longer than {MAX_H + 1} months: in the data-only column flows older than {MAX_H} months use "
            f"the h={MAX_H} effect" + ("" if record.surface is None else "; the surface covers every horizon")
        )

    flows = {
        h: round(float(p[f"sale_adj_{h}"].reindex(months).sum(min_count=1)), 3)
        if f"sale_adj_{h}" in p and p[f"sale_adj_{h}"].reindex(months).notna().any()
        else None
        for h in ("total", "official", "japan", "china")
    }
    flows["naive_total"] = (
        round(float(p["sale_naive_total"].reindex(months).sum(min_count=1)), 3)
        if p["sale_naive_total"].reindex(months).notna().any()
        else None
    )
    basis = p["flow_basis"].reindex(months).value_counts().to_dict()
    return {
        "calibration_id": record.id,
        "as_of": record.as_of.isoformat(),
        "window": {"start": f"{s:%Y-%m}", "end": f"{e:%Y-%m}", "months": len(months)},
        "net_sales_usd_bn": flows,
        "flow_basis": {str(k): int(v) for k, v in basis.items()},
        "monthly_sales_usd_bn": {f"{m:%Y-%m}": round(float(v), 3) for m, v in sales.items()},
        "by_tenor": rows,
        "method": (
            "attributed = median over the response-surface draws of sum over months t of R(h = end - t) x "
            "net foreign sales in t (% of the previous month's marketable debt), interval p5..p95 of the "
            "draws; "
            if record.surface is not None
            else "attributed = posterior yield_impact curve; "
        )
        + "data-only = sum over t of the TIC projection's yield_impact(h = end - t, bp_per_100bn) x sales ($100bn), "
        "interval at the band ends (errors perfectly correlated across horizons); actual = month-end yield change "
        "from the month before start to end.",
        "notes": notes,
    }
