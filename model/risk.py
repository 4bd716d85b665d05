"""Prices and mark-to-market: what the scenario's yield shift does to bond prices and holders' portfolios.

Revaluation is instantaneous: each holding keeps its remaining maturity at the anchor and is repriced at the
baseline yield for that maturity and at the baseline plus the draw's shift in the month where that draw's 10-year
shift peaks (the worst month for a long-duration holder). Coupon securities are priced with model/bonds.py at
their coupon (semiannual), bills off the investment yield, TIPS at the real yield (nominal − assumed inflation)
shifted by the nominal shift less the breakeven rise, FRNs at par (their coupon resets).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from model import bonds
from model.curve import NODE_MONTHS, BaselineCurve, interp_tenors
from model.stock import normalise_class

TENOR_10Y = 3  # index of 10y among the calibrated nodes (3m, 2y, 5y, 10y, 30y)


def quantiles(x: np.ndarray) -> dict[str, float]:
    p5, p50, p95 = np.percentile(np.asarray(x, dtype=float), [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95)}


def peak_month(shift_bp: np.ndarray) -> np.ndarray:
    """(D,) month of each draw's largest absolute 10-year shift."""
    return np.abs(shift_bp[:, :, TENOR_10Y]).argmax(axis=1)


def revalue(years: np.ndarray, coupon_pct: np.ndarray, kind: np.ndarray, amount: np.ndarray,
            base_curve: BaselineCurve, shift_bp: np.ndarray, breakeven_bp: np.ndarray,
            inflation_pct: float) -> tuple[np.ndarray, float]:
    """(loss $bn per draw (D,), baseline market value $bn) of holdings with the given remaining maturities.

    `shift_bp` is (D, 5) at the nodes for the revaluation month, `breakeven_bp` (D,); kind is the class label."""
    years = np.maximum(np.asarray(years, dtype=float), 1.0 / 365.0)
    terms = years * 12.0
    y0 = base_curve.at(terms)  # (n,)
    dy = interp_tenors(shift_bp, NODE_MONTHS, terms) / 100.0  # (D, n) percentage points
    tips = kind == "TIPS"
    frn = kind == "FRN"
    bill = (kind == "Bills") | ((coupon_pct <= 0) & (years <= 1.0))
    y_base = np.where(tips, y0 - inflation_pct, y0)
    dy = np.where(tips[None, :], dy - breakeven_bp[:, None] / 100.0, dy)
    dy = np.where(frn[None, :], 0.0, dy)
    p0 = bonds.market_price(years, coupon_pct, y_base, bill)
    p1 = bonds.market_price(years[None, :], coupon_pct[None, :], y_base[None, :] + dy, bill[None, :])
    value0 = amount * p0 / 100.0
    loss = (amount[None, :] * (p0[None, :] - p1) / 100.0).sum(axis=1)
    return loss, float(value0.sum())


def shift_at_peak(shift_bp: np.ndarray, breakeven_bp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = peak_month(shift_bp)
    d = np.arange(shift_bp.shape[0])
    return shift_bp[d, m, :], breakeven_bp[d, m]


def japan_mtm(stock: pd.DataFrame, anchor: date, holdings_usd_bn: float, base_curve: BaselineCurve,
              shift_bp: np.ndarray, breakeven_bp: np.ndarray, inflation_pct: float) -> dict:
    """Japan's holdings revalued as a pro-rata slice of the marketable stock (TIC gives no CUSIP detail)."""
    years = (pd.to_datetime(stock["maturity_date"]) - pd.Timestamp(anchor)).dt.days.to_numpy() / 365.25
    cls = stock["security_class"].to_numpy()
    coupon = np.where(np.isin(cls, ["Bills", "FRN"]), 0.0, stock["coupon_pct"].fillna(0.0).to_numpy(float))
    s, b = shift_at_peak(shift_bp, breakeven_bp)
    loss, value = revalue(years, coupon, cls, stock["outstanding_usd_bn"].to_numpy(float), base_curve, s, b,
                          inflation_pct)
    pct = 100.0 * loss / value
    return {"holdings_usd_bn": holdings_usd_bn, "loss_pct": quantiles(pct),
            "loss_usd_bn": quantiles(pct / 100.0 * holdings_usd_bn),
            "method": "pro-rata slice of the marketable stock, revalued at each draw's peak 10y shift"}


def soma_mtm(soma: pd.DataFrame, anchor: date, base_curve: BaselineCurve, shift_bp: np.ndarray,
             breakeven_bp: np.ndarray, inflation_pct: float) -> dict:
    """SOMA Treasury holdings (soma_holdings rows, newest as_of_date) still outstanding at the anchor, revalued."""
    df = soma.assign(as_of_date=pd.to_datetime(soma["as_of_date"]), maturity_date=pd.to_datetime(soma["maturity_date"]))
    as_of = df["as_of_date"].max()
    df = df[df["as_of_date"] == as_of]
    df = df.assign(cls=df["security_type"].map(normalise_class))
    df = df[df["cls"].isin(["Bills", "Notes", "Bonds", "TIPS", "FRN"]) & (df["maturity_date"] > pd.Timestamp(anchor))]
    warnings = []
    if (pd.Timestamp(anchor) - as_of).days > 45:
        warnings.append(f"SOMA holdings are as of {as_of:%Y-%m-%d}, {(pd.Timestamp(anchor) - as_of).days} days "
                        "before the anchor: securities maturing in between are dropped, purchases since are missing")
    par = df["par_value_usd"].astype(float).fillna(0.0) + df["inflation_compensation_usd"].astype(float).fillna(0.0)
    amount = par.to_numpy() / 1e9
    years = (df["maturity_date"] - pd.Timestamp(anchor)).dt.days.to_numpy() / 365.25
    coupon = df["coupon_pct"].astype(float).fillna(0.0).to_numpy()
    s, b = shift_at_peak(shift_bp, breakeven_bp)
    loss, value = revalue(years, coupon, df["cls"].to_numpy(), amount, base_curve, s, b, inflation_pct)
    return {"as_of_date": as_of.date().isoformat(), "treasury_par_usd_bn": float(amount.sum()),
            "market_value_usd_bn": value, "loss_usd_bn": quantiles(loss),
            "loss_pct": quantiles(100.0 * loss / value if value else loss * 0.0), "warnings": warnings}


def benchmark_prices(base_curve: BaselineCurve, shift_bp: np.ndarray) -> dict:
    """Par bonds at today's 2/5/10/30-year yields repriced at each draw's peak shift, and the brief's example:
    a 1-year 3% annual-coupon bond priced at 100 (yield 3%) hit by the model's 1-year shift."""
    out: dict = {}
    # signed shift in the month of its largest absolute value, per draw and node: (D, 5)
    peak = np.take_along_axis(shift_bp, np.abs(shift_bp).argmax(axis=1)[:, None, :], axis=1)[:, 0, :]
    for name, months in (("2y", 24), ("5y", 60), ("10y", 120), ("30y", 360)):
        y0 = float(base_curve.at([months])[0])
        dy = interp_tenors(peak, NODE_MONTHS, np.array([months]))[:, 0] / 100.0
        p1 = bonds.price(y0, y0 + dy, months / 12.0)
        out[name] = {"baseline_yield_pct": y0, "peak_shift_bp": quantiles(100.0 * dy),
                     "price_per_100": quantiles(p1), "price_change_pct": quantiles(p1 - 100.0),
                     "modified_duration": bonds.modified_duration(y0, y0, months / 12.0),
                     "convexity": bonds.convexity(y0, y0, months / 12.0)}
    dy1 = interp_tenors(peak, NODE_MONTHS, np.array([12.0]))[:, 0] / 100.0
    p1 = bonds.price(3.0, 3.0 + dy1, 1.0, freq=1)
    ret = np.array([bonds.holding_period_return(p, 3.0) for p in np.atleast_1d(p1)])
    out["brief_example"] = {
        "bond": "1-year, 3% annual coupon, priced at 100 before the shock",
        "claim_price_per_100": 90.0, "claim_return_pct": 100.0 * bonds.holding_period_return(90.0, 3.0),
        "claim_yield_shift_bp": 100.0 * (bonds.yield_from_price(3.0, 90.0, 1.0, freq=1) - 3.0),
        "model_1y_peak_shift_bp": quantiles(100.0 * dy1), "model_price_per_100": quantiles(p1),
        "model_return_pct": quantiles(100.0 * ret)}
    return out


def spillovers(record, shift_bp: np.ndarray, z: np.ndarray) -> tuple[dict, list[str]]:
    """Other borrowing costs: calibrated pass-through (bp per bp of the U.S. 10y) × the draw's 10y shift."""
    out, warnings = {}, []
    ten = shift_bp[:, :, TENOR_10Y]
    for j, name in enumerate(("mortgage30", "japan10y", "breakeven10y")):
        try:
            p = record.get(f"spillover_{name}", unit="bp_per_bp")
        except KeyError:
            warnings.append(f"calibration {record.id} has no spillover_{name}: not reported")
            continue
        k = p.estimate + z[:, j] * p.sd
        path = k[:, None] * ten
        out[name] = {"pass_through_bp_per_bp": p.estimate, "pass_through_ci": [p.ci_low, p.ci_high],
                     "peak_bp": quantiles(path[np.arange(len(k)), np.abs(path).argmax(axis=1)]),
                     "avg_first_12m_bp": quantiles(path[:, :12].mean(axis=1))}
    return out, warnings
