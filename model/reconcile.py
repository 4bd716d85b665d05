"""The budget rows: the model's interest reconciled with CBO's net interest, and the scenario's delta on top.

The rollover engine gives gross interest on marketable debt at the baseline path's yields. CBO's baseline gives
**net interest** (interest on debt held by the public, less the government's interest income), the figure behind
its published shares of outlays (13.8 % in FY2026, 15.3 % in FY2030, 16.9 % in FY2035). The two differ: gross vs
net, marketable debt vs debt held by the public, the model's yields and stock vs CBO's. So the budget rows are:

- **baseline interest** = CBO's net interest in every fiscal year CBO covers (months outside the horizon left
  out, 1/12 a month), so the baseline share of outlays is CBO's published share; in years past CBO's table, the
  model's own baseline interest × CBO's ratio to it in the last CBO year (flagged `extrapolated`);
- **scenario interest** = baseline interest + the model's delta (scenario − model baseline), draw by draw;
- **outlays** = CBO's non-interest outlays + that interest; shares of outlays, receipts and GDP from those;
- the **model's own baseline interest** and its gap to CBO, year by year, beside them.
The effective rate and the debt stay the model's (interest on marketable debt / average marketable debt).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.budget import OVER_THRESHOLD, FiscalYears


@dataclass
class BudgetBasis:
    fiscal_year: np.ndarray  # (F,)
    months: np.ndarray
    cbo_net_interest: np.ndarray  # (F,) NaN past CBO's table
    model_interest: np.ndarray  # (F,) the model's own baseline
    baseline_interest: np.ndarray  # (F,) CBO where it has the year, else model × last ratio
    extrapolated: np.ndarray  # (F,) bool
    primary_outlays: np.ndarray
    revenues: np.ndarray
    gdp: np.ndarray  # scaled to the months covered
    published_share_pct: np.ndarray  # (F,) CBO's net interest / outlays for the full year, NaN past the table
    ratio_year: int | None
    ratio: float | None

    def outlays(self, interest: np.ndarray) -> np.ndarray:
        return self.primary_outlays + interest

    def share_outlays(self, delta: np.ndarray) -> np.ndarray:
        """Interest / outlays for scenario deltas (..., F) on top of the baseline; delta 0 = the baseline row."""
        interest = self.baseline_interest + delta
        return interest / self.outlays(interest)


def budget_basis(monthly: pd.DataFrame, fy: FiscalYears, cbo: pd.DataFrame | None = None) -> BudgetBasis:
    fys = monthly["fiscal_year"].to_numpy()
    _, first = np.unique(fys, return_index=True)
    per_fy = lambda col: np.add.reduceat(monthly[col].to_numpy(float), first)  # noqa: E731  (NaN propagates)
    cbo_ni = per_fy("cbo_net_interest_usd_bn")
    model = fy.interest[0]
    have = np.isfinite(cbo_ni)
    ratio_year = ratio = None
    if have.any():
        j = int(np.flatnonzero(have)[-1])
        ratio_year, ratio = int(fy.fiscal_year[j]), float(cbo_ni[j] / model[j])
    base = np.where(have, cbo_ni, model * (ratio if ratio is not None else 1.0))
    published = np.full(len(fy.fiscal_year), np.nan)
    if cbo is not None:
        t = cbo.set_index("fiscal_year")
        for k, year in enumerate(fy.fiscal_year):
            if year in t.index:
                published[k] = 100.0 * t.loc[year, "net_interest_usd_bn"] / t.loc[year, "outlays_usd_bn"]
    return BudgetBasis(
        fy.fiscal_year,
        fy.months,
        cbo_ni,
        model,
        base,
        ~have,
        per_fy("primary_outlays_usd_bn"),
        fy.revenues,
        fy.gdp,
        published,
        ratio_year,
        ratio,
    )


def first_year_over(basis: BudgetBasis, delta: np.ndarray, threshold: float = OVER_THRESHOLD) -> np.ndarray:
    """(D,) first fiscal year with interest above `threshold` of outlays per draw; 0 = none within the horizon."""
    over = basis.share_outlays(np.atleast_2d(delta)) > threshold
    return np.where(over.any(axis=1), basis.fiscal_year[over.argmax(axis=1)], 0)


def basis_note(basis: BudgetBasis) -> str:
    tail = ""
    if basis.extrapolated.any() and basis.ratio is not None:
        tail = (
            f"; years past CBO's table: the model's baseline interest × {basis.ratio:.3f}, CBO's ratio to it in "
            f"FY{basis.ratio_year}"
        )
    return (
        "baseline interest = CBO's net interest (January 2025 baseline), so baseline shares are CBO's; scenario "
        "interest = that + the model's delta (scenario − model baseline) draw by draw; outlays = CBO's "
        "non-interest outlays + interest" + tail
    )
