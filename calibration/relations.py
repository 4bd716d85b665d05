"""The other calibrated relations: stock effect, contagion, spillover pass-through, Fed backstop.

Each is one OLS regression on the monthly panel with Newey–West standard errors, returned as a
data-kind Param (90% interval). Names and units follow the Param docstring in record.py.

- stock_effect (bp_per_pp_share, 10y): 10y yield level (bp) on the foreign share of marketable debt
  (pp), controlling for the fed funds rate and 10y breakeven levels; HAC with 12 lags (levels are
  persistent).
- contagion (usd_per_usd): other foreign holders' valuation-adjusted net sales on Japan's plus China's.
- spillover_mortgage30 / spillover_breakeven10y (bp_per_bp): month-end changes on the month-end change
  in the U.S. 10y. spillover_japan10y: the Japan 10y is a monthly average (OECD/FRED), so it is regressed
  on the monthly-average U.S. 10y change.
- backstop_breakeven (bp_per_100bn): change in the 10y breakeven on Fed Treasury purchases (change in
  TREAST, $100bn), controlling for the fed funds change.
"""

from __future__ import annotations

import math

import pandas as pd

from calibration.lp import ols_hac
from calibration.record import Z90, Param

MIN_OBS = 24


def _fit(
    name: str,
    unit: str,
    tenor: str | None,
    horizon: int | None,
    y: pd.Series,
    X: pd.DataFrame,
    maxlags: int,
    note: str,
) -> Param | None:
    d = pd.concat([y.rename("__y"), X], axis=1).dropna()
    if len(d) < max(MIN_OBS, X.shape[1] + 5):
        return None
    res = ols_hac(d["__y"], d[X.columns], maxlags)
    b, se = float(res.params[1]), float(res.bse[1])
    if not (math.isfinite(b) and math.isfinite(se)):
        return None
    span = f"{d.index.min():%Y-%m}..{d.index.max():%Y-%m}"
    return Param(
        name=name,
        tenor=tenor,
        horizon_months=horizon,
        unit=unit,
        kind="data",
        estimate=b,
        ci_low=b - Z90 * se,
        ci_high=b + Z90 * se,
        n_obs=int(res.nobs),
        note=f"{note}; sample {span}",
    )


def stock_effect(p: pd.DataFrame) -> Param | None:
    if "foreign_share_pct" not in p:
        return None
    X = p[["foreign_share_pct", "ff", "bei10"]]
    return _fit(
        "stock_effect",
        "bp_per_pp_share",
        "10y",
        None,
        p["y_10y"] * 100.0,
        X,
        12,
        "OLS of the 10y level (bp) on foreign share of marketable debt (pp) + fed funds + 10y breakeven, "
        "HAC(12); holdings at market value over debt at par",
    )


def contagion(p: pd.DataFrame) -> Param | None:
    jc = p["sale_adj_japan"] + p["sale_adj_china"]
    others = p["sale_adj_total"] - jc
    return _fit(
        "contagion",
        "usd_per_usd",
        None,
        0,
        others,
        jc.rename("sale_adj_japan_china").to_frame(),
        3,
        "OLS of other holders' net sales on Japan+China net sales, same month, valuation-adjusted $bn, "
        "HAC(3); where flows are estimated the shared valuation correction adds co-movement",
    )


def spillovers(p: pd.DataFrame) -> list[Param]:
    specs = [
        ("spillover_mortgage30", "d_mort30_bp", "dy_10y_bp", "30y mortgage rate (Freddie Mac), month-end"),
        ("spillover_japan10y", "d_jp10_bp", "d_y10_avg_bp", "Japan 10y, monthly averages on both sides"),
        ("spillover_breakeven10y", "d_bei10_bp", "dy_10y_bp", "10y breakeven (T10YIE), month-end"),
    ]
    out = []
    for name, y, x, what in specs:
        prm = _fit(
            name,
            "bp_per_bp",
            "10y",
            0,
            p[y],
            p[[x]],
            3,
            f"OLS of the monthly change in the {what} on the change in the U.S. 10y, HAC(3); co-movement, "
            "not a causal pass-through",
        )
        if prm:
            out.append(prm)
    return out


def backstop_breakeven(p: pd.DataFrame) -> Param | None:
    X = pd.DataFrame({"fed_purchases_100bn": p["fed_purchases_bn"] / 100.0, "d_ff_bp": p["d_ff_bp"]})
    return _fit(
        "backstop_breakeven",
        "bp_per_100bn",
        "10y",
        0,
        p["d_bei10_bp"],
        X,
        3,
        "OLS of the monthly change in the 10y breakeven on Fed Treasury purchases (change in TREAST, "
        "$100bn) + fed funds change, HAC(3); purchases cluster in crises, read as association",
    )


def all_relations(p: pd.DataFrame) -> list[Param]:
    out = [stock_effect(p), contagion(p), *spillovers(p), backstop_breakeven(p)]
    return [x for x in out if x is not None]
