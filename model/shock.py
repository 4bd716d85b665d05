"""From a spec to yield shifts: the sales schedule, contagion, the Fed backstop, premia and imposed moves.

- **Sales** in equal monthly parts, in % of the anchor's marketable debt (the response surface's unit).
- **Contagion**: the others' selling is `contagion × c` per dollar sold, c the calibrated co-movement drawn per
  draw; the total is floored at zero (followers can at most undo a sale).
- **Fed backstop**: from its start month the Fed buys `share` of all selling; its cumulative purchases lift 10-year
  breakeven inflation (calibrated, per $100bn), which enters nominal yields × `breakeven_passthrough`.
- **Flow shift** at the calibrated nodes: the net schedule convolved with the draw's response surface
  (model/response.py); plus `risk_premium_bp` and `parallel_shock_bp`, flat.
- **Imposed price fall** (`price_fall_pct`, the article's assumption): a constant shift per term, computed by exact
  bond math at every term the model prices (new-issue buckets, holdings), not interpolated between nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calibration.contract import TENOR_MONTHS, TENORS
from calibration.record import CalibrationRecord
from model import ModelError, bonds
from model.curve import BaselineCurve, interp_tenors
from model.spec import ScenarioSpec

NODE_MONTHS = np.array([TENOR_MONTHS[t] for t in TENORS], dtype=float)
PRICE_FALL_TENORS = {"3m": 3.0, "1y": 12.0, "2y": 24.0, "5y": 60.0, "10y": 120.0, "30y": 360.0}


@dataclass(frozen=True)
class PriceFall:
    """A par bond at every term falls `pct` % in price: the yield rise per term, by exact bond math.

    The bond is the article's: annual coupon equal to the anchor's yield for that term (priced at 100), so its new
    yield solves price(coupon, y, years, annual) = 100 − pct. Terms under a year take the one-year move (a 10 %
    fall of a 3-month bill would be a ~40 % yield, beyond anything the article describes)."""

    pct: float
    curve: BaselineCurve

    def at(self, terms_months) -> np.ndarray:
        """Shift in bp for each term (months)."""
        terms = np.maximum(np.atleast_1d(np.asarray(terms_months, dtype=float)), 12.0)
        if self.pct == 0:
            return np.zeros(terms.shape)
        y0 = self.curve.at(terms)
        y1 = bonds.yield_from_price(y0, 100.0 - self.pct, terms / 12.0, freq=1)
        return 100.0 * (np.asarray(y1) - y0)

    def table(self) -> dict:
        shifts = self.at(list(PRICE_FALL_TENORS.values()))
        base = self.curve.at(np.maximum(list(PRICE_FALL_TENORS.values()), 12.0))
        by = {
            t: {
                "baseline_yield_pct": float(b),
                "yield_after_pct": float(b + s / 100.0),
                "shift_bp": float(s),
                "price_after_per_100": 100.0 - self.pct,
            }
            for t, b, s in zip(PRICE_FALL_TENORS, base, shifts, strict=True)
        }
        example = 100.0 * (bonds.yield_from_price(3.0, 100.0 - self.pct, 1.0, freq=1) - 3.0)
        return {
            "price_fall_pct": self.pct,
            "label": "the article's assumption, imposed (not a calibrated result)",
            "basis": "par bond with an annual coupon at the anchor's yield for the term, price 100 → "
            f"{100 - self.pct:g}; terms under a year take the one-year move; held for the horizon",
            "by_tenor": by,
            "article_example_1y_3pct_shift_bp": float(example),
        }


@dataclass
class Shift:
    """Yield shifts of a block of draws: node-defined parts (d, H, 5) plus a per-term imposed move."""

    nodes: np.ndarray  # (d, H, 5) bp: flow + premia + breakeven pass-through
    breakeven: np.ndarray  # (d, H) bp rise of 10-year breakeven inflation
    imposed: PriceFall | None
    selling: np.ndarray  # (d, H) $bn sold by sellers and followers
    fed: np.ndarray  # (d, H) $bn bought by the Fed

    def at(self, terms_months) -> np.ndarray:
        """(d, H, len(terms)) bp at any maturities."""
        terms = np.atleast_1d(np.asarray(terms_months, dtype=float))
        out = interp_tenors(self.nodes, NODE_MONTHS, terms)
        if self.imposed is not None:
            out = out + self.imposed.at(terms)[None, None, :]
        return out

    def at_month(self, terms_months, month: int | np.ndarray) -> np.ndarray:
        """(d, len(terms)) bp in one month (an int, or one month per draw)."""
        terms = np.atleast_1d(np.asarray(terms_months, dtype=float))
        rows = np.arange(self.nodes.shape[0])
        nodes = self.nodes[rows, np.broadcast_to(month, rows.shape), :]
        out = interp_tenors(nodes, NODE_MONTHS, terms)
        if self.imposed is not None:
            out = out + self.imposed.at(terms)[None, :]
        return out

    def breakeven_at(self, month: int | np.ndarray) -> np.ndarray:
        rows = np.arange(self.breakeven.shape[0])
        return self.breakeven[rows, np.broadcast_to(month, rows.shape)]

    def total_nodes(self) -> np.ndarray:
        """(d, H, 5) bp at the calibrated tenors, imposed move included: what the report shows."""
        if self.imposed is None:
            return self.nodes
        return self.nodes + self.imposed.at(NODE_MONTHS)[None, None, :]


def sales_schedule(spec: ScenarioSpec, amounts: dict[int, float]) -> np.ndarray:
    """(H,) $bn sold by the spec's sellers in each month."""
    h = spec.horizon_months
    sales = np.zeros(h)
    for _country, start, months, amount in spec.sale_schedule(amounts):
        end = min(start + months, h)
        if start < h:
            sales[start:end] += amount / months
    return sales


def param(record: CalibrationRecord, name: str, unit: str, needed: bool):
    try:
        return record.get(name, unit=unit)
    except KeyError:
        if needed:
            raise ModelError(f"calibration {record.id}: no {name} ({unit}), which this scenario needs") from None
        return None


def yield_shift(
    spec: ScenarioSpec,
    sales: np.ndarray,
    debt_usd_bn: float,
    record: CalibrationRecord,
    response,
    normals: np.ndarray,
    index: np.ndarray | None,
    imposed: PriceFall | None,
) -> Shift:
    """The shift for a block of draws (`normals` (d, 10), `index` the surface draws or None)."""
    h, fed = spec.horizon_months, spec.fed_backstop
    d = len(normals)
    contagion = param(record, "contagion", "usd_per_usd", spec.contagion > 0 and sales.any())
    c = (contagion.estimate + normals[:, 5] * contagion.sd) if contagion else np.zeros(d)
    scale = np.maximum(1.0 + spec.contagion * c, 0.0)  # others can at most undo the sale, not reverse it
    buying = (np.arange(h) >= fed.start_month) * fed.share
    net_pct = sales * (1.0 - buying) / debt_usd_bn * 100.0
    if sales.any():
        draws = index if index is not None else normals[:, 0]
        flow = response.shift(net_pct, draws) * scale[:, None, None]  # (d, 5, H)
        flow = np.transpose(flow, (0, 2, 1))
    else:
        flow = np.zeros((d, h, len(TENORS)))
    fed_buys = scale[:, None] * (sales * buying)[None, :]
    be_param = param(record, "backstop_breakeven", "bp_per_100bn", fed_buys.any())
    be_coef = (be_param.estimate + normals[:, 6] * be_param.sd) if be_param else np.zeros(d)
    breakeven = be_coef[:, None] * np.cumsum(fed_buys, axis=1) / 100.0
    nodes = flow + spec.risk_premium_bp + spec.parallel_shock_bp + fed.breakeven_passthrough * breakeven[:, :, None]
    return Shift(nodes, breakeven, imposed, scale[:, None] * sales[None, :], fed_buys)
