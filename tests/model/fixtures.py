"""Hand-built inputs for the model tests and bench/rollover.py: calibration records, stock rows, curves.

Nothing here reads the warehouse; the shapes follow warehouse/schema.py so the same code runs on real frames.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from pydantic import ConfigDict

from calibration.contract import ResponseSurface
from calibration.record import TENORS, Z90, CalibrationRecord, Param

ANCHOR = date(2026, 9, 30)
STOCK_COLUMNS = [
    "record_date",
    "cusip",
    "tranche_no",
    "security_class",
    "security_class1_desc",
    "issue_date",
    "maturity_date",
    "interest_rate_pct",
    "yield_pct",
    "issued_usd_mn",
    "inflation_adj_usd_mn",
    "redeemed_usd_mn",
    "outstanding_usd_mn",
    "source_format",
]
SOURCE_NAMES = {
    "Bills": "Bills Maturity Value",
    "Notes": "Notes",
    "Bonds": "Bonds",
    "TIPS": "Inflation-Protected Securities",
    "FRN": "Floating Rate Notes",
}


# The hand-built records give the per-1%-of-debt response as the per-$100bn one at this debt, so both units
# mean the same at the synthetic stock's size (fixtures.stock_rows: ~$30tn).
REFERENCE_DEBT_BN = 30_000.0


def record(
    impact_bp: float | dict[str, float] = 5.0,
    sd_bp: float = 1.0,
    *,
    contagion: float = 0.3,
    breakeven: float = 2.0,
    spill: float = 0.7,
    decay: float = 0.0,
    horizons=range(25),
    units=("bp_per_100bn", "bp_per_1pct_debt"),
) -> CalibrationRecord:
    """A posterior record: yield_impact = impact·(1 − decay·h/24) bp per $100bn at every tenor and horizon, and
    the same response per 1 % of debt at REFERENCE_DEBT_BN (×300/100)."""
    params = []
    for unit in units:
        k = 1.0 if unit == "bp_per_100bn" else REFERENCE_DEBT_BN / 100.0 / 100.0
        for tenor in TENORS:
            base = impact_bp[tenor] if isinstance(impact_bp, dict) else impact_bp
            for h in horizons:
                est = k * base * (1.0 - decay * h / 24.0)
                params.append(
                    Param(
                        name="yield_impact",
                        tenor=tenor,
                        horizon_months=h,
                        unit=unit,
                        kind="posterior",
                        estimate=est,
                        ci_low=est - Z90 * k * sd_bp,
                        ci_high=est + Z90 * k * sd_bp,
                    )
                )
    for name, unit, est in (
        ("contagion", "usd_per_usd", contagion),
        ("backstop_breakeven", "bp_per_100bn", breakeven),
        ("spillover_mortgage30", "bp_per_bp", spill),
        ("spillover_japan10y", "bp_per_bp", 0.2),
        ("spillover_breakeven10y", "bp_per_bp", 0.3),
    ):
        params.append(Param(name=name, unit=unit, kind="posterior", estimate=est, ci_low=est * 0.5, ci_high=est * 1.5))
    return CalibrationRecord(
        id="test-cal",
        created_at=datetime(2026, 10, 1),
        as_of=ANCHOR,
        data_hash="x",
        code_version="test",
        method="hand-built",
        params=params,
    )


class SurfaceRecord(CalibrationRecord):
    """A record carrying a response surface (calibration/contract.py), as the rebuilt calibration stores it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    surface: Any = None


def surface(
    n: int = 400,
    *,
    level: float | dict[str, float] = 3.0,
    transitory: float | dict[str, float] = 6.0,
    half_life: float = 6.0,
    spread: float = 0.4,
    seed: int = 0,
) -> ResponseSurface:
    """Joint draws: one common lognormal factor per draw scales every tenor's level and transitory part (plus a
    small tenor-specific factor), so a draw is high or low across the whole curve together; half-lives vary
    lognormally around `half_life`. Values are bp per 1 % of debt sold."""
    rng = np.random.default_rng(seed)
    common = np.exp(spread * rng.standard_normal((n, 1)) - spread**2 / 2)
    own = np.exp(0.1 * rng.standard_normal((n, len(TENORS))))
    lv = np.array([level[t] if isinstance(level, dict) else level for t in TENORS])
    tr = np.array([transitory[t] if isinstance(transitory, dict) else transitory for t in TENORS])
    hl = half_life * np.exp(0.2 * rng.standard_normal((n, len(TENORS))))
    return ResponseSurface(lv * common * own, tr * common * own, hl)


def surface_record(surf: ResponseSurface | None = None, **kw) -> SurfaceRecord:
    """record(**kw) with a response surface attached (default: `surface()`)."""
    base = record(**kw)
    return SurfaceRecord(**base.model_dump(), surface=surf if surf is not None else surface())


def curve(anchor: date = ANCHOR, level: float | dict[float, float] | None = None, days: int = 40) -> pd.DataFrame:
    """Daily long curve (date, tenor_months, yield_pct) for `days` business days up to the anchor."""
    level = level or {1: 4.0, 3: 3.9, 6: 3.8, 12: 3.7, 24: 3.6, 36: 3.6, 60: 3.7, 84: 3.9, 120: 4.1, 240: 4.6, 360: 4.7}
    if not isinstance(level, dict):
        level = {t: float(level) for t in (1, 3, 6, 12, 24, 60, 120, 360)}
    dates = pd.bdate_range(end=pd.Timestamp(anchor), periods=days)
    return pd.DataFrame(
        [(d, float(t), y) for d in dates for t, y in level.items()], columns=["date", "tenor_months", "yield_pct"]
    )


def long_history(start: str = "1985-01-01", end: date = ANCHOR, level: float = 4.0) -> pd.DataFrame:
    """Month-end curves from `start`: enough history to impute coupons at any issue date."""
    dates = pd.date_range(start, pd.Timestamp(end), freq="ME")
    tenors = (1.0, 3.0, 12.0, 24.0, 60.0, 120.0, 360.0)
    return pd.DataFrame(
        [(d, t, level + t / 360.0) for d in dates for t in tenors], columns=["date", "tenor_months", "yield_pct"]
    )


def _row(anchor, cusip, tranche, cls, issue, maturity, coupon, yld, issued, infl, outstanding, fmt="csv"):
    return [
        pd.Timestamp(anchor),
        cusip,
        tranche,
        cls,
        SOURCE_NAMES[cls],
        issue,
        pd.Timestamp(maturity),
        coupon,
        yld,
        issued,
        infl,
        0.0 if issued is not None else None,
        outstanding,
        fmt,
    ]


def stock_rows(
    anchor: date = ANCHOR, n: int = 450, seed: int = 0, coupons: bool = True, total_bn: float = 30_000.0
) -> pd.DataFrame:
    """Realistic synthetic marketable_securities rows: ~22% bills, 52% notes, 17% bonds, 7% TIPS, 2% FRN,
    maturities spread over each class's terms, two tranches per CUSIP (outstanding on tranche 1 only)."""
    rng = np.random.default_rng(seed)
    shares = {"Bills": 0.22, "Notes": 0.52, "Bonds": 0.17, "TIPS": 0.07, "FRN": 0.02}
    counts = {"Bills": int(n * 0.11), "Notes": int(n * 0.52), "Bonds": int(n * 0.24), "TIPS": int(n * 0.11)}
    counts["FRN"] = n - sum(counts.values())
    terms = {
        "Bills": (1, 2, 3, 4, 6, 12),
        "Notes": (24, 36, 60, 84, 120),
        "Bonds": (240, 360),
        "TIPS": (60, 120, 360),
        "FRN": (24,),
    }
    a = pd.Timestamp(anchor)
    rows = []
    k = 0
    for cls, count in counts.items():
        amounts = rng.uniform(0.5, 1.5, count)
        amounts = amounts / amounts.sum() * shares[cls] * total_bn * 1000.0  # $ millions
        for amount in amounts:
            k += 1
            term = int(rng.choice(terms[cls]))
            remaining = rng.uniform(0.02, 1.0) * term
            maturity = (a + pd.Timedelta(days=int(remaining * 30.4375) + 1)).normalize()
            issue = maturity - pd.Timedelta(days=int(term * 30.4375))
            coupon = round(rng.uniform(0.125, 5.0) * 8) / 8 if cls in ("Notes", "Bonds", "TIPS") else None
            if cls == "TIPS":
                coupon = round(rng.uniform(0.125, 2.5) * 8) / 8
            yld = float(np.round(rng.uniform(3.5, 5.3), 3)) if cls == "Bills" else (0.15 if cls == "FRN" else None)
            infl = amount * 0.2 if cls == "TIPS" else 0.0
            first, second = amount * 0.6, amount * 0.4
            cusip = f"912{k:06d}"
            if not coupons:
                coupon, yld = None, None
            rows.append(_row(anchor, cusip, 1, cls, issue, maturity, coupon, yld, first, infl * 0.6, amount))
            rows.append(
                _row(
                    anchor,
                    cusip,
                    2,
                    cls,
                    issue + pd.Timedelta(days=28),
                    maturity,
                    coupon,
                    yld,
                    second,
                    infl * 0.4,
                    None,
                )
            )
    df = pd.DataFrame(rows, columns=STOCK_COLUMNS)
    if not coupons:
        df["issue_date"] = pd.NaT
        df[["issued_usd_mn", "inflation_adj_usd_mn", "redeemed_usd_mn"]] = np.nan
    df["tranche_no"] = df["tranche_no"].astype("Int64")
    return df


def holdings(japan: float = 1200.0, china: float = 750.0, month: str = "2026-04-30") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.to_datetime([month, month, month]),
            "country": ["Japan", "China", "United Kingdom"],
            "holdings_usd_bn": [japan, china, 850.0],
        }
    )


def soma(anchor: date = ANCHOR) -> pd.DataFrame:
    a = pd.Timestamp(anchor)
    return pd.DataFrame(
        {
            "as_of_date": [a - pd.Timedelta(days=7)] * 4,
            "cusip": ["912797AA1", "91282CAA1", "912810AA1", "91282CTT1"],
            "security_type": ["Bills", "NotesBonds", "NotesBonds", "TIPS"],
            "maturity_date": [
                a + pd.Timedelta(days=60),
                a + pd.Timedelta(days=365 * 5),
                a + pd.Timedelta(days=365 * 25),
                a + pd.Timedelta(days=365 * 8),
            ],
            "coupon_pct": [None, 3.5, 4.25, 1.25],
            "spread_pct": [None] * 4,
            "par_value_usd": [200e9, 1500e9, 800e9, 250e9],
            "inflation_compensation_usd": [None, None, None, 50e9],
        }
    )
