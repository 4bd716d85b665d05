"""The baseline yield path: what new issues would pay each month if nothing happened.

Three paths (`assumptions.baseline_path`):

- `cbo` (default): CBO's January 2025 projections of the 3-month bill and the 10-year note, fiscal-year averages
  (`model/data/cbo_economic_projections_2025-01.csv`), shaped across tenors by the anchor's observed curve. Each
  month takes its fiscal year's two rates; the shift from the anchor's curve is known at 3 months and at 10 years
  and is interpolated linearly in maturity between them (flat below 3 months and beyond 10 years), so every
  other tenor keeps its observed spread to that line: y(m, τ) = y₀(τ) + Δ(m, τ). CBO's bill rate is on a
  discount basis; it is converted to the investment (bond-equivalent) basis of a 91-day bill first. Fiscal
  years after CBO's last one (2035) hold its rates and are flagged.
- `flat`: the anchor's curve held flat.
- `forwards` (or `forward`): the forward path the anchor's par curve implies, read as a zero curve
  (model/curve.py `BaselineCurve.path`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from model import ModelError, bonds
from model.budget import fiscal_year, month_ends
from model.curve import BaselineCurve

CBO_RATES = Path(__file__).with_name("data") / "cbo_economic_projections_2025-01.csv"
CBO_RATES_SOURCE = (
    "CBO, The Budget and Economic Outlook: 2025 to 2035 (January 2025), economic projections by "
    "fiscal year: 3-month bill (discount basis, converted) and 10-year note"
)
BILL_DAYS = 91
KINDS = {"cbo": "cbo", "flat": "flat", "forwards": "forward", "forward": "forward"}


def load_cbo_rates(path: str | Path | None = None) -> pd.DataFrame:
    """fiscal_year, treasury_bill_rate_3mo_pct (discount basis), treasury_note_rate_10yr_pct; consecutive years."""
    p = Path(path) if path else CBO_RATES
    df = pd.read_csv(p)
    need = ["fiscal_year", "treasury_bill_rate_3mo_pct", "treasury_note_rate_10yr_pct"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise ModelError(f"{p.name}: missing columns {', '.join(missing)}")
    df = df.sort_values("fiscal_year", ignore_index=True)
    if not (np.diff(df["fiscal_year"].to_numpy()) == 1).all():
        raise ModelError(f"{p.name}: fiscal years are not consecutive")
    return df


def bill_investment_from_discount(discount_pct: np.ndarray | float, days: int = BILL_DAYS) -> np.ndarray:
    """Bond-equivalent yield (percent) of a bill quoted at `discount_pct` on a discount basis."""
    return np.asarray(bonds.bill_investment_yield(bonds.bill_price_from_discount(discount_pct, days), days))


@dataclass
class BaselinePath:
    """Baseline new-issue yields by month (rows) for any set of terms (months)."""

    kind: str  # cbo | flat | forward
    curve: BaselineCurve  # the anchor's observed curve
    month_end: pd.DatetimeIndex
    fiscal_years: np.ndarray  # (H,)
    bill_3m_pct: np.ndarray | None = None  # (H,) investment basis (cbo only)
    note_10y_pct: np.ndarray | None = None  # (H,)
    bill_3m_discount_pct: np.ndarray | None = None  # (H,) CBO's published figure
    held: np.ndarray | None = None  # (H,) bool: fiscal year past CBO's table, FY2035's rates held

    @property
    def horizon(self) -> int:
        return len(self.month_end)

    def at(self, terms_months) -> np.ndarray:
        """(H, len(terms)) percent."""
        terms = np.atleast_1d(np.asarray(terms_months, dtype=float))
        if self.kind == "flat":
            return self.curve.path(self.horizon, terms, "flat")
        if self.kind == "forward":
            return self.curve.path(self.horizon, terms, "forward")
        base = self.curve.at(terms)[None, :]
        d3 = self.bill_3m_pct - float(self.curve.at([3.0])[0])
        d10 = self.note_10y_pct - float(self.curve.at([120.0])[0])
        w = (np.clip(terms, 3.0, 120.0) - 3.0) / 117.0  # linear in maturity between the two anchored tenors
        return base + d3[:, None] * (1.0 - w)[None, :] + d10[:, None] * w[None, :]

    def by_fiscal_year(self) -> list[dict]:
        """Per fiscal year: the 3-month and 10-year baseline yields the path uses (averages over its months)."""
        y = self.at([3.0, 120.0])
        out = []
        for fy in np.unique(self.fiscal_years):
            sel = self.fiscal_years == fy
            row = {
                "fiscal_year": int(fy),
                "months": int(sel.sum()),
                "bill_3m_pct": float(y[sel, 0].mean()),
                "note_10y_pct": float(y[sel, 1].mean()),
            }
            if self.kind == "cbo":
                row["cbo_bill_3m_discount_pct"] = float(self.bill_3m_discount_pct[sel][0])
                row["held_from_last_cbo_year"] = bool(self.held[sel][0])
            out.append(row)
        return out

    def describe(self) -> dict:
        text = {
            "cbo": f"{CBO_RATES_SOURCE}, shaped across tenors by the anchor's curve (linear in maturity "
            "between the 3-month and 10-year shifts; flat outside)",
            "flat": "the anchor's observed curve held flat",
            "forward": "forward rates implied by the anchor's par curve (read as a zero curve)",
        }[self.kind]
        anchor_curve = {f"{t:g}m": float(v) for t, v in zip(self.curve.tenors, self.curve.yields_pct, strict=True)}
        return {
            "path": self.kind if self.kind != "forward" else "forwards",
            "description": text,
            "anchor_curve_pct": anchor_curve,
            "anchor_curve_as_of": max(self.curve.as_of).isoformat(),
            "by_fiscal_year": self.by_fiscal_year(),
        }


def baseline_path(
    kind: str, curve: BaselineCurve, anchor: date, horizon: int, cbo_rates: pd.DataFrame | None = None
) -> BaselinePath:
    if kind not in KINDS:
        raise ModelError(f"baseline path {kind!r}: choose one of {', '.join(KINDS)}")
    ends = month_ends(anchor, horizon)
    fys = fiscal_year(ends)
    path = BaselinePath(KINDS[kind], curve, ends, fys)
    if path.kind != "cbo":
        return path
    rates = (cbo_rates if cbo_rates is not None else load_cbo_rates()).set_index("fiscal_year")
    first, last = int(rates.index.min()), int(rates.index.max())
    if fys.min() < first:
        raise ModelError(
            f"CBO rate projections start FY{first}, the anchor needs FY{fys.min()}: use "
            "assumptions.baseline_path flat or forwards"
        )
    row = rates.loc[np.minimum(fys, last)]
    path.bill_3m_discount_pct = row["treasury_bill_rate_3mo_pct"].to_numpy(float)
    path.bill_3m_pct = bill_investment_from_discount(path.bill_3m_discount_pct)
    path.note_10y_pct = row["treasury_note_rate_10yr_pct"].to_numpy(float)
    path.held = fys > last
    return path
