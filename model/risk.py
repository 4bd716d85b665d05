"""Prices and mark-to-market: what the scenario's yield shift does to bond prices and holders' portfolios.

Revaluation is instantaneous: each holding keeps its remaining maturity at the anchor and is repriced at the
anchor's yield for that maturity and at that yield plus the draw's shift in a given month. Coupon securities are
priced with model/bonds.py at their coupon (semiannual), bills off the investment yield, TIPS at the real yield
(nominal − assumed inflation) shifted by the nominal shift less the breakeven rise, FRNs at par.

Which month: a **seller** realises its loss when it sells, so each seller's sales are revalued in their own sale
months (the amount sold in month m at month m's shift); a **holder** that does not sell (the Fed's SOMA, Japan when
it is not a seller) is revalued in each draw's peak month of the 10-year shift, the worst month for a
long-duration holder. TIC gives no CUSIPs per country, so a country's holdings are a pro-rata slice of the
marketable stock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from model import bonds
from model.curve import BaselineCurve, interp_tenors
from model.shock import NODE_MONTHS, Shift
from model.stock import normalise_class

TENOR_10Y = 3  # index of 10y among the calibrated nodes (3m, 2y, 5y, 10y, 30y)


def quantiles(x: np.ndarray) -> dict[str, float]:
    p5, p50, p95 = np.percentile(np.asarray(x, dtype=float), [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95)}


@dataclass
class Holdings:
    """A portfolio to revalue: remaining years, coupon %, class label and amount ($bn) per line."""

    years: np.ndarray
    coupon: np.ndarray
    kind: np.ndarray
    amount: np.ndarray
    info: dict = field(default_factory=dict)

    @property
    def terms(self) -> np.ndarray:
        return np.maximum(self.years, 1.0 / 365.0) * 12.0


def stock_holdings(stock: pd.DataFrame, anchor: date) -> Holdings:
    """The marketable stock at the anchor (weights for a pro-rata slice)."""
    years = (pd.to_datetime(stock["maturity_date"]) - pd.Timestamp(anchor)).dt.days.to_numpy() / 365.25
    cls = stock["security_class"].to_numpy()
    coupon = np.where(np.isin(cls, ["Bills", "FRN"]), 0.0, stock["coupon_pct"].fillna(0.0).to_numpy(float))
    return Holdings(years, coupon, cls, stock["outstanding_usd_bn"].to_numpy(float))


def soma_holdings(soma: pd.DataFrame, anchor: date, fed_treasury: pd.DataFrame | None = None) -> Holdings:
    """SOMA Treasuries (newest as_of_date) still outstanding at the anchor; scaled to the Fed's latest Treasury
    holdings (H.4.1 TREAST, on or before the anchor) when given, since the SOMA file may be years old."""
    df = soma.assign(as_of_date=pd.to_datetime(soma["as_of_date"]), maturity_date=pd.to_datetime(soma["maturity_date"]))
    as_of = df["as_of_date"].max()
    df = df[df["as_of_date"] == as_of]
    df = df.assign(cls=df["security_type"].map(normalise_class))
    df = df[df["cls"].isin(["Bills", "Notes", "Bonds", "TIPS", "FRN"]) & (df["maturity_date"] > pd.Timestamp(anchor))]
    par = df["par_value_usd"].astype(float).fillna(0.0) + df["inflation_compensation_usd"].astype(float).fillna(0.0)
    amount = par.to_numpy() / 1e9
    years = (df["maturity_date"] - pd.Timestamp(anchor)).dt.days.to_numpy() / 365.25
    info = {"as_of_date": as_of.date().isoformat(), "treasury_par_at_as_of_usd_bn": float(amount.sum()), "warnings": []}
    scale = 1.0
    if fed_treasury is not None and not fed_treasury.empty and amount.sum() > 0:
        t = fed_treasury.assign(date=pd.to_datetime(fed_treasury["date"]))
        t = t[t["date"] <= pd.Timestamp(anchor)].dropna(subset=["value_usd_bn"]).sort_values("date")
        if not t.empty:
            last = t.iloc[-1]
            scale = float(last["value_usd_bn"]) / float(amount.sum())
            info["scaled_to"] = {
                "series": "TREAST (H.4.1, Treasury securities held outright)",
                "date": last["date"].date().isoformat(),
                "usd_bn": float(last["value_usd_bn"]),
                "factor": scale,
            }
    age = (pd.Timestamp(anchor) - as_of).days
    if age > 45:
        info["warnings"].append(
            f"SOMA holdings are as of {as_of:%Y-%m-%d}, {age} days before the anchor: their maturity profile "
            "(securities maturing since dropped) is used"
            + (
                f", scaled ×{scale:.2f} to the Fed's Treasury holdings of {info['scaled_to']['date']} (TREAST)"
                if "scaled_to" in info
                else "; purchases and run-off since are missing (no TREAST figure)"
            )
        )
    return Holdings(
        years, df["coupon_pct"].astype(float).fillna(0.0).to_numpy(), df["cls"].to_numpy(), amount * scale, info
    )


def revalue(
    h: Holdings, base_curve: BaselineCurve, dy_bp: np.ndarray, breakeven_bp: np.ndarray, inflation_pct: float
) -> tuple[np.ndarray, float]:
    """(loss $bn per draw (d,), baseline market value $bn); `dy_bp` (d, lines) at each line's maturity."""
    years = np.maximum(h.years, 1.0 / 365.0)
    y0 = base_curve.at(years * 12.0)
    tips, frn = h.kind == "TIPS", h.kind == "FRN"
    bill = (h.kind == "Bills") | ((h.coupon <= 0) & (years <= 1.0))
    y_base = np.where(tips, y0 - inflation_pct, y0)
    dy = np.where(tips[None, :], dy_bp - breakeven_bp[:, None], dy_bp) / 100.0
    dy = np.where(frn[None, :], 0.0, dy)
    p0 = bonds.market_price(years, h.coupon, y_base, bill)
    p1 = bonds.market_price(years[None, :], h.coupon[None, :], y_base[None, :] + dy, bill[None, :])
    value0 = float((h.amount * p0 / 100.0).sum())
    loss = (h.amount[None, :] * (p0[None, :] - p1) / 100.0).sum(axis=1)
    return loss, value0


def loss_pct_at(
    h: Holdings, base_curve: BaselineCurve, shift: Shift, month: int | np.ndarray, inflation_pct: float
) -> np.ndarray:
    """(d,) loss in % of market value when the shift of `month` (one per draw, or one for all) hits `h`."""
    loss, value = revalue(h, base_curve, shift.at_month(h.terms, month), shift.breakeven_at(month), inflation_pct)
    return 100.0 * loss / value if value else loss * 0.0


def peak_month(total_nodes: np.ndarray) -> np.ndarray:
    """(d,) month of each draw's largest absolute 10-year shift."""
    return np.abs(total_nodes[:, :, TENOR_10Y]).argmax(axis=1)


def signed_peaks(total_nodes: np.ndarray) -> np.ndarray:
    """(d, 5) the shift at each node in the month of its largest absolute value."""
    idx = np.abs(total_nodes).argmax(axis=1)
    return np.take_along_axis(total_nodes, idx[:, None, :], axis=1)[:, 0, :]


def benchmark_prices(base_curve: BaselineCurve, peak: np.ndarray, imposed=None) -> dict:
    """Par bonds at today's 2/5/10/30-year yields repriced at each draw's peak shift (`peak` (D, 5) at the nodes),
    and the brief's example: a 1-year 3% annual-coupon bond priced at 100 hit by the model's 1-year shift."""
    out: dict = {}
    extra = (
        (lambda m: imposed.at([m])[0] - np.interp(m, NODE_MONTHS, imposed.at(NODE_MONTHS)))
        if imposed
        else (lambda m: 0.0)
    )
    for name, months in (("2y", 24), ("5y", 60), ("10y", 120), ("30y", 360)):
        y0 = float(base_curve.at([months])[0])
        dy = (interp_tenors(peak, NODE_MONTHS, np.array([months]))[:, 0] + extra(months)) / 100.0
        p1 = bonds.price(y0, y0 + dy, months / 12.0)
        out[name] = {
            "baseline_yield_pct": y0,
            "peak_shift_bp": quantiles(100.0 * dy),
            "price_per_100": quantiles(p1),
            "price_change_pct": quantiles(p1 - 100.0),
            "modified_duration": bonds.modified_duration(y0, y0, months / 12.0),
            "convexity": bonds.convexity(y0, y0, months / 12.0),
        }
    dy1 = (interp_tenors(peak, NODE_MONTHS, np.array([12.0]))[:, 0] + extra(12.0)) / 100.0
    p1 = bonds.price(3.0, 3.0 + dy1, 1.0, freq=1)
    ret = np.array([bonds.holding_period_return(p, 3.0) for p in np.atleast_1d(p1)])
    out["brief_example"] = {
        "bond": "1-year, 3% annual coupon, priced at 100 before the shock",
        "claim_price_per_100": 90.0,
        "claim_return_pct": 100.0 * bonds.holding_period_return(90.0, 3.0),
        "claim_yield_shift_bp": 100.0 * (bonds.yield_from_price(3.0, 90.0, 1.0, freq=1) - 3.0),
        "model_1y_peak_shift_bp": quantiles(100.0 * dy1),
        "model_price_per_100": quantiles(p1),
        "model_return_pct": quantiles(100.0 * ret),
    }
    return out


SPILLOVERS = ("mortgage30", "japan10y", "breakeven10y")


def spillover_params(record) -> tuple[dict, list[str]]:
    params, warnings = {}, []
    for name in SPILLOVERS:
        try:
            params[name] = record.get(f"spillover_{name}", unit="bp_per_bp")
        except KeyError:
            warnings.append(f"calibration {record.id} has no spillover_{name}: not reported")
    return params, warnings


def spillover_draws(params: dict, ten_path: np.ndarray, z: np.ndarray) -> dict[str, np.ndarray]:
    """Per draw (d,): the peak and first-12-month average of pass-through × the draw's 10-year shift path."""
    out = {}
    for j, name in enumerate(SPILLOVERS):
        p = params.get(name)
        if p is None:
            continue
        path = (p.estimate + z[:, j] * p.sd)[:, None] * ten_path
        out[f"{name}.peak"] = path[np.arange(len(path)), np.abs(path).argmax(axis=1)]
        out[f"{name}.avg12"] = path[:, :12].mean(axis=1)
    return out


def spillover_result(params: dict, draws: dict[str, np.ndarray]) -> dict:
    return {
        name: {
            "pass_through_bp_per_bp": p.estimate,
            "pass_through_ci": [p.ci_low, p.ci_high],
            "peak_bp": quantiles(draws[f"{name}.peak"]),
            "avg_first_12m_bp": quantiles(draws[f"{name}.avg12"]),
        }
        for name, p in params.items()
    }
