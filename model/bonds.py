"""Exact price/yield arithmetic for Treasury coupon securities and bills.

Conventions (stated because the numbers depend on them):
- Coupon securities: yield to maturity compounded at the coupon frequency (`freq`, 2 = semiannual, the
  Treasury/street convention; 1 = annual, the brief's example). Time to maturity `years` is a year fraction;
  the next coupon falls `w` periods away with w = years·freq − (n − 1), n = number of coupons left, so
  accrued interest is the simple fraction (1 − w) of one coupon (actual/actual in its year-fraction form).
  `price` is the clean price per 100 of face unless `clean=False`.
- Bills: discount basis 100·(1 − d·days/360); investment (bond-equivalent) yield (100 − P)/P · 365/days up to a
  half-year and Treasury's quadratic formula beyond it (semiannual compounding for the first half-year).
- Durations are in years; convexity in years². All functions take numpy arrays or scalars, rates in percent.
"""

from __future__ import annotations

import numpy as np

ArrayLike = float | np.ndarray


def _periods(years: ArrayLike, freq: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(years, dtype=float) * freq
    if np.any(t <= 0):
        raise ValueError("years to maturity must be > 0")
    n = np.maximum(np.ceil(t - 1e-9), 1.0)
    w = t - (n - 1.0)
    return n, w


def price(
    coupon_pct: ArrayLike, yield_pct: ArrayLike, years: ArrayLike, freq: int = 2, clean: bool = True
) -> ArrayLike:
    """Price per 100 face of a bond paying coupon_pct/freq each period, at yield_pct (compounded freq times)."""
    c = np.asarray(coupon_pct, dtype=float) / freq
    y = np.asarray(yield_pct, dtype=float) / 100.0 / freq
    n, w = _periods(years, freq)
    v = 1.0 / (1.0 + y)
    near_zero = np.abs(y) < 1e-12
    annuity = np.where(near_zero, n, (1.0 - v**n) / np.where(near_zero, 1.0, 1.0 - v))
    dirty = v ** (w - 1.0) * (c * v * annuity + 100.0 * v**n)
    out = dirty - c * (1.0 - w) if clean else dirty
    return float(out) if np.ndim(out) == 0 else out


def accrued(coupon_pct: ArrayLike, years: ArrayLike, freq: int = 2) -> ArrayLike:
    _, w = _periods(years, freq)
    out = np.asarray(coupon_pct, dtype=float) / freq * (1.0 - w)
    return float(out) if np.ndim(out) == 0 else out


def yield_from_price(
    coupon_pct: ArrayLike, price_per_100: ArrayLike, years: ArrayLike, freq: int = 2, clean: bool = True
) -> ArrayLike:
    """Yield (percent) that reprices the bond to `price_per_100`, by bisection (price falls as yield rises)."""
    target = np.asarray(price_per_100, dtype=float)
    shape = np.broadcast(np.asarray(coupon_pct), target, np.asarray(years)).shape
    lo = np.full(shape, -0.9 * 100.0 * freq)
    hi = np.full(shape, 200.0 * freq)
    for _ in range(200):
        if np.all(hi - lo < 1e-11):
            break
        mid = 0.5 * (lo + hi)
        too_low = price(coupon_pct, mid, years, freq, clean) > target  # price too high -> yield too low
        lo = np.where(too_low, mid, lo)
        hi = np.where(too_low, hi, mid)
    out = 0.5 * (lo + hi)
    return float(out) if np.ndim(out) == 0 else out


def _flows(coupon_pct: float, yield_pct: float, years: float, freq: int) -> tuple[np.ndarray, np.ndarray, float]:
    n, w = _periods(years, freq)
    n = int(n)
    k = np.arange(n) + w  # periods to each cash flow
    cf = np.full(n, coupon_pct / freq)
    cf[-1] += 100.0
    y = yield_pct / 100.0 / freq
    pv = cf / (1.0 + y) ** k
    return k / freq, pv, y


def macaulay_duration(coupon_pct: float, yield_pct: float, years: float, freq: int = 2) -> float:
    t, pv, _ = _flows(coupon_pct, yield_pct, years, freq)
    return float((t * pv).sum() / pv.sum())


def modified_duration(coupon_pct: float, yield_pct: float, years: float, freq: int = 2) -> float:
    return macaulay_duration(coupon_pct, yield_pct, years, freq) / (1.0 + yield_pct / 100.0 / freq)


def convexity(coupon_pct: float, yield_pct: float, years: float, freq: int = 2) -> float:
    """(1/P)·d²P/dy² in years², for the yield compounded `freq` times a year (dirty price)."""
    t, pv, y = _flows(coupon_pct, yield_pct, years, freq)
    return float((pv * t * (t + 1.0 / freq)).sum() / (pv.sum() * (1.0 + y) ** 2))


def price_change_pct(duration_mod: float, convex: float, dy_bp: float) -> float:
    """Second-order approximation of the % price change for a yield change of dy_bp basis points."""
    dy = dy_bp / 1e4
    return 100.0 * (-duration_mod * dy + 0.5 * convex * dy * dy)


def holding_period_return(buy_price: float, coupon_pct: float, years: float = 1.0, sell_price: float = 100.0) -> float:
    """Return over the holding period (a fraction): coupons received (not reinvested) plus the sale/redemption.

    The brief's example: a 1-year 3% bond bought at 90 and redeemed at 100 returns 103/90 − 1 = 14.44%."""
    return (sell_price + coupon_pct * years) / buy_price - 1.0


def bill_price_from_discount(discount_pct: ArrayLike, days: ArrayLike) -> ArrayLike:
    return 100.0 * (1.0 - np.asarray(discount_pct, dtype=float) / 100.0 * np.asarray(days, dtype=float) / 360.0)


def bill_discount_from_price(price_per_100: ArrayLike, days: ArrayLike) -> ArrayLike:
    return (100.0 - np.asarray(price_per_100, dtype=float)) / 100.0 * 360.0 / np.asarray(days, dtype=float) * 100


def bill_investment_yield(price_per_100: ArrayLike, days: ArrayLike, year_days: int = 365) -> ArrayLike:
    """Bond-equivalent (investment) yield, percent, as Treasury computes it for auction results."""
    p = np.asarray(price_per_100, dtype=float)
    b = np.asarray(days, dtype=float) / year_days
    short = (100.0 - p) / p / b
    with np.errstate(invalid="ignore", divide="ignore"):
        a = 2.0 * b - 1.0
        long = (-2.0 * b + 2.0 * np.sqrt(b * b - a * (1.0 - 100.0 / p))) / a
    out = 100.0 * np.where(b * year_days <= year_days / 2, short, long)
    return float(out) if np.ndim(out) == 0 else out


def bill_price_from_investment_yield(yield_pct: ArrayLike, days: ArrayLike, year_days: int = 365) -> ArrayLike:
    y = np.asarray(yield_pct, dtype=float) / 100.0
    b = np.asarray(days, dtype=float) / year_days
    short = 100.0 / (1.0 + y * b)
    long = 100.0 / ((1.0 + y / 2.0) * (1.0 + (b - 0.5) * y))
    out = np.where(b * year_days <= year_days / 2, short, long)
    return float(out) if np.ndim(out) == 0 else out


def market_price(years: ArrayLike, coupon_pct: ArrayLike, yield_pct: ArrayLike, is_bill: ArrayLike) -> np.ndarray:
    """Clean price per 100 for a mix of bills (priced off the investment yield) and coupon securities."""
    years = np.asarray(years, dtype=float)
    bill = bill_price_from_investment_yield(yield_pct, years * 365.0)
    coupon = price(np.asarray(coupon_pct, dtype=float), yield_pct, np.maximum(years, 1e-6))
    return np.where(np.asarray(is_bill, dtype=bool), bill, coupon)
