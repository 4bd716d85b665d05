"""The budget side: CBO's baseline by month and the fiscal-year tables of interest, outlays, receipts and GDP.

- Fiscal years run October–September (FY2027 = Oct 2026 … Sep 2027).
- Monthly values are the fiscal-year value / 12 (no seasonality: the engine only needs the financing path).
- Years beyond the CBO table are extrapolated at the last year's growth of revenues, non-interest outlays and
  GDP, and flagged.
- The model's interest (on marketable debt, from the rollover engine) replaces CBO's net interest, so
  outlays = CBO non-interest outlays + model interest in both the baseline and the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from model import ModelError

DATA = Path(__file__).with_name("data") / "cbo_baseline_2025-01.csv"
CBO_COLUMNS = [
    "fiscal_year",
    "status",
    "revenues_usd_bn",
    "outlays_usd_bn",
    "net_interest_usd_bn",
    "deficit_usd_bn",
    "primary_deficit_usd_bn",
    "debt_held_by_public_end_usd_bn",
    "gdp_usd_bn",
    "avg_interest_rate_on_debt_pct",
]
OVER_THRESHOLD = 0.20


def load_cbo_baseline(path: str | Path | None = None) -> pd.DataFrame:
    """The CBO baseline table (model/data/cbo_baseline_2025-01.csv unless a file with the same columns is given),
    checked: consecutive fiscal years, revenues − outlays = deficit and deficit + net interest = primary deficit
    (±1 for rounding)."""
    p = Path(path) if path else DATA
    df = pd.read_csv(p)
    missing = [c for c in CBO_COLUMNS if c not in df.columns]
    if missing:
        raise ModelError(f"{p.name}: missing columns {', '.join(missing)}")
    df = df[CBO_COLUMNS].sort_values("fiscal_year", ignore_index=True)
    if not (np.diff(df["fiscal_year"].to_numpy()) == 1).all():
        raise ModelError(f"{p.name}: fiscal years are not consecutive")
    for lhs, rhs, what in (
        (df["revenues_usd_bn"] - df["outlays_usd_bn"], df["deficit_usd_bn"], "revenues − outlays"),
        (df["deficit_usd_bn"] + df["net_interest_usd_bn"], df["primary_deficit_usd_bn"], "deficit + net interest"),
    ):
        bad = (lhs - rhs).abs() > 1.0 + 1e-9
        if bad.any():
            fy = int(df.loc[bad, "fiscal_year"].iloc[0])
            raise ModelError(f"{p.name}: FY{fy} {what} ≠ {'deficit' if 'outlays' in what else 'primary deficit'}")
    return df


def fiscal_year(ts: pd.DatetimeIndex | pd.Series) -> np.ndarray:
    ts = pd.DatetimeIndex(ts)
    return (ts.year + (ts.month >= 10)).to_numpy()


def month_ends(anchor: date, horizon: int) -> pd.DatetimeIndex:
    """End dates of months 0 … horizon−1 (the calendar months after the anchor's month)."""
    start = pd.Timestamp(anchor).to_period("M") + 1
    return pd.period_range(start, periods=horizon, freq="M").to_timestamp(how="end").normalize()


def extend(cbo: pd.DataFrame, through_fy: int) -> pd.DataFrame:
    """CBO rows up to `through_fy`, extrapolating revenues, non-interest outlays and GDP at the last growth rates."""
    df = cbo.assign(primary_outlays_usd_bn=cbo["outlays_usd_bn"] - cbo["net_interest_usd_bn"], extrapolated=False)
    if through_fy <= int(df["fiscal_year"].max()):
        return df
    last, prev = df.iloc[-1], df.iloc[-2]
    growth = {c: last[c] / prev[c] for c in ("revenues_usd_bn", "primary_outlays_usd_bn", "gdp_usd_bn")}
    rows = []
    for k, fy in enumerate(range(int(last["fiscal_year"]) + 1, through_fy + 1), start=1):
        row = {c: last[c] * growth[c] ** k for c in growth}
        row.update(
            fiscal_year=fy,
            status="extrapolated",
            extrapolated=True,
            net_interest_usd_bn=np.nan,
            outlays_usd_bn=np.nan,
            deficit_usd_bn=np.nan,
            debt_held_by_public_end_usd_bn=np.nan,
            avg_interest_rate_on_debt_pct=np.nan,
            primary_deficit_usd_bn=row["revenues_usd_bn"] - row["primary_outlays_usd_bn"],
        )
        rows.append(row)
    return pd.concat([df, pd.DataFrame(rows)], ignore_index=True)


def monthly_baseline(cbo: pd.DataFrame, anchor: date, horizon: int) -> pd.DataFrame:
    """Per model month: month_end, fiscal_year, revenues, non-interest outlays, primary deficit (> 0 = deficit),
    GDP (the fiscal year's, annual), CBO net interest, all $bn a month except GDP; extrapolated flag."""
    ends = month_ends(anchor, horizon)
    fys = fiscal_year(ends)
    if fys.min() < int(cbo["fiscal_year"].min()):
        raise ModelError(f"CBO baseline starts FY{int(cbo['fiscal_year'].min())}, the anchor needs FY{fys.min()}")
    table = extend(cbo, int(fys.max())).set_index("fiscal_year")
    t = table.loc[fys]
    return pd.DataFrame(
        {
            "month_end": ends,
            "fiscal_year": fys,
            "revenues_usd_bn": t["revenues_usd_bn"].to_numpy() / 12.0,
            "primary_outlays_usd_bn": t["primary_outlays_usd_bn"].to_numpy() / 12.0,
            "primary_deficit_usd_bn": -t["primary_deficit_usd_bn"].to_numpy() / 12.0,
            "cbo_net_interest_usd_bn": t["net_interest_usd_bn"].to_numpy() / 12.0,
            "gdp_usd_bn": t["gdp_usd_bn"].to_numpy(),
            "extrapolated": t["extrapolated"].to_numpy(bool),
        }
    )


@dataclass
class FiscalYears:
    """Per fiscal year (columns) and draw (rows): the budget measures of one interest path."""

    fiscal_year: np.ndarray
    months: np.ndarray  # months of the FY inside the horizon (12 except at the ends)
    extrapolated: np.ndarray
    interest: np.ndarray  # (D, F) $bn
    outlays: np.ndarray
    revenues: np.ndarray  # (F,)
    gdp: np.ndarray  # (F,) scaled to the months covered
    effective_rate_pct: np.ndarray  # interest / average outstanding, annualised
    debt_end: np.ndarray  # (D, F) marketable outstanding at the FY's last month end

    @property
    def share_outlays(self) -> np.ndarray:
        return self.interest / self.outlays

    @property
    def share_receipts(self) -> np.ndarray:
        return self.interest / self.revenues

    @property
    def pct_gdp(self) -> np.ndarray:
        return 100.0 * self.interest / self.gdp


def by_fiscal_year(
    monthly: pd.DataFrame, interest: np.ndarray, outstanding_start: np.ndarray, outstanding_end: np.ndarray
) -> FiscalYears:
    interest = np.atleast_2d(interest)
    fys = monthly["fiscal_year"].to_numpy()
    years, first = np.unique(fys, return_index=True)
    months = np.diff(np.r_[first, len(fys)])
    last = first + months - 1

    def per_fy(x: np.ndarray) -> np.ndarray:
        # reduceat sums each row on its own, so a draw's total does not depend on how many draws are batched
        return np.add.reduceat(np.asarray(x, dtype=float), first, axis=-1)

    fy_interest = per_fy(interest)
    avg_out = per_fy(np.atleast_2d(outstanding_start)) / months
    return FiscalYears(
        fiscal_year=years,
        months=months.astype(int),
        extrapolated=per_fy(monthly["extrapolated"].to_numpy(float)) > 0,
        interest=fy_interest,
        outlays=per_fy(monthly["primary_outlays_usd_bn"].to_numpy()) + fy_interest,
        revenues=per_fy(monthly["revenues_usd_bn"].to_numpy()),
        gdp=monthly["gdp_usd_bn"].to_numpy()[first] * months / 12.0,
        effective_rate_pct=100.0 * fy_interest / avg_out * 12.0 / months,
        debt_end=np.atleast_2d(outstanding_end)[:, last],
    )


def first_year_over(fy: FiscalYears, threshold: float = OVER_THRESHOLD) -> list[int | None]:
    """Per draw: the first fiscal year in which interest exceeds `threshold` of outlays (None within horizon)."""
    over = fy.share_outlays > threshold
    return [int(fy.fiscal_year[np.argmax(row)]) if row.any() else None for row in over]
