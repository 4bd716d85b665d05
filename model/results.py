"""Typed results of a scenario run (what `tshock scenario run --json` prints and the warehouse stores).

Dollar amounts are $ billions, yields percent, shifts basis points; every uncertain number is a p5/p50/p95 over
the Monte Carlo draws. `*_point` values use the calibration's central estimates (all z = 0).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict


class Quantiles(BaseModel):
    p5: float
    p50: float
    p95: float


class FiscalYearRow(BaseModel):
    fiscal_year: int
    months: int  # months of this FY inside the horizon
    extrapolated: bool  # CBO baseline extrapolated beyond its last year
    revenues_usd_bn: float
    gdp_usd_bn: float
    cbo_net_interest_usd_bn: float | None  # CBO's net interest for the months covered
    cbo_published_share_outlays_pct: float | None  # CBO's net interest / outlays for the whole year
    model_interest_usd_bn: float  # the model's own baseline: gross interest on marketable debt
    model_minus_cbo_usd_bn: float | None
    baseline_source: str  # "CBO net interest" | "model × CBO ratio" (past CBO's table)
    baseline_interest_usd_bn: float  # the budget row: CBO's net interest (see model/reconcile.py)
    scenario_interest_usd_bn: Quantiles  # baseline + delta, draw by draw
    delta_interest_usd_bn: Quantiles  # model scenario − model baseline
    delta_interest_point_usd_bn: float
    baseline_outlays_usd_bn: float
    scenario_outlays_usd_bn: Quantiles
    baseline_interest_share_outlays_pct: float
    scenario_interest_share_outlays_pct: Quantiles
    baseline_interest_share_receipts_pct: float
    scenario_interest_share_receipts_pct: Quantiles
    baseline_interest_pct_gdp: float
    scenario_interest_pct_gdp: Quantiles
    baseline_effective_rate_pct: float
    scenario_effective_rate_pct: Quantiles
    baseline_debt_end_usd_bn: float
    scenario_debt_end_usd_bn: Quantiles


class MonthRow(BaseModel):
    month_end: date
    fiscal_year: int
    baseline_interest_usd_bn: float
    scenario_interest_usd_bn_p50: float
    delta_interest_usd_bn: Quantiles
    baseline_avg_rate_pct: float
    scenario_avg_rate_pct_p50: float


class InterestResult(BaseModel):
    cumulative_10y_delta_usd_bn: Quantiles  # scenario − baseline, first 120 months (= 10 FYs from a Sep anchor)
    cumulative_10y_delta_point_usd_bn: float
    cumulative_months: int
    by_fiscal_year: list[FiscalYearRow]
    monthly: list[MonthRow]


class TenorYields(BaseModel):
    baseline_pct: float
    peak_shift_bp: Quantiles
    shift_at_month_bp: dict[str, Quantiles]  # "0", "12", "24", … months after the anchor
    path_bp: dict[str, list[float]]  # p5/p50/p95 shift per month


class FirstYearOver(BaseModel):
    threshold_pct: float
    baseline: int | None  # None: not within the horizon
    scenario_p50: int | None
    scenario_point: int | None
    share_of_draws_crossing: float


class ScenarioResult(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=False)

    name: str
    description: str
    spec: dict[str, Any]
    calibration_id: str
    anchor: date
    curve_as_of: date
    horizon_months: int
    draws: int
    seed: int
    sales: dict[str, Any]
    impact_unit: str  # bp_per_1pct_debt (scaled by the anchor's debt) | bp_per_100bn (sample dollars)
    impact: dict[str, Any]
    baseline: dict[str, Any]  # the baseline yield path used and how the budget rows are built
    interest: InterestResult
    yields: dict[str, TenorYields]
    prices: dict[str, Any]
    first_fy_interest_over_20pct_outlays: FirstYearOver
    spillover: dict[str, Any]
    mark_to_market: dict[str, Any]
    backstop: dict[str, Any]
    debt: dict[str, Any]
    issuance_mix: dict[str, float]
    checks: dict[str, float]
    imposed: dict[str, Any] | None = None  # an imposed price fall (the article's assumption) and its check
    uncertainty: dict[str, Any] = {}  # what the intervals rest on
    warnings: list[str]

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)
