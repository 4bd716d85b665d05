"""The calibration record: what the scenario model consumes and the warehouse stores.

A record is a list of parameters; each names what it measures (`name`), where on the curve
(`tenor`), when (`horizon_months`), in what unit, and where its number comes from (`kind`: one data kind per
estimator, the literature prior, the posterior). Tenors, units and kinds are the enums of calibration/contract.py
(one place). Intervals are 90% (p5..p95) throughout.

`surface` holds the posterior response surface as joint draws (contract.ResponseSurface). It is not part of
the record's JSON (2,000 draws × 5 tenors × 3 arrays): the warehouse keeps it in calibration_surface_draws and
flows/pipeline/records.py attaches it when a record is read. `evidence` is the estimators' diagnostics and the
literature table in this project's unit (what `tshock calibrate show` and the reports print).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from calibration.contract import TENOR_MONTHS, TENORS, Kind, ResponseSurface, Unit

__all__ = ["TENORS", "TENOR_MONTHS", "Z90", "Kind", "Unit", "Param", "CalibrationRecord"]
# z for the two-sided 90% interval stored in ci_low/ci_high
Z90 = 1.6448536269514722


class Param(BaseModel):
    """One calibrated number with its interval.

    Names in use:
    - yield_impact: yield change (bp) at `tenor`, `horizon_months` after a sale; units bp_per_100bn (per $100bn
      of net SALES; sample dollars for data kinds, the as-of's marketable debt for prior/posterior) and
      bp_per_1pct_debt (per 1% of marketable debt sold). Kinds data_tic_lp, data_custody_lp, data_event_study,
      prior, posterior (prior and posterior = quantiles of the surface draws).
    - yield_impact_long_run / _transitory (bp_per_1pct_debt) and yield_impact_half_life (months): the surface's
      parts, prior and posterior.
    - yield_impact_event_1d (one-day windows), event_study_placebo (slopes on non-event days): data_event_study.
    - stock_effect: 10y yield (bp) per percentage point of foreign share of marketable debt (bp_per_pp_share).
    - contagion: other holders' net sales per $1 of the seller's net sales (usd_per_usd).
    - spillover_mortgage30 / spillover_japan10y / spillover_breakeven10y: bp per bp of the U.S. 10y (bp_per_bp).
    - backstop_breakeven: 10y breakeven inflation (bp) per $100bn of Fed purchases (bp_per_100bn).
    """

    name: str
    tenor: str | None = None
    horizon_months: int | None = None
    unit: Unit
    kind: Kind
    estimate: float
    ci_low: float
    ci_high: float
    n_obs: int | None = None
    note: str | None = None

    @property
    def sd(self) -> float:
        return max((self.ci_high - self.ci_low) / (2 * Z90), 0.0)


class CalibrationRecord(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: str
    created_at: datetime
    as_of: date
    data_hash: str
    code_version: str
    sample_start: date | None = None
    sample_end: date | None = None
    method: str
    caveats: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    params: list[Param]
    evidence: dict = Field(default_factory=dict)
    surface: ResponseSurface | None = Field(default=None, exclude=True)

    def get(
        self,
        name: str,
        *,
        tenor: str | None = None,
        horizon_months: int | None = None,
        unit: str | None = None,
        kind: Kind | str = Kind.POSTERIOR,
    ) -> Param:
        """The parameter asked for; falls back from posterior to the data kinds, then the prior."""
        fallback = (
            Kind.POSTERIOR,
            Kind.DATA,
            Kind.DATA_TIC_LP,
            Kind.DATA_CUSTODY_LP,
            Kind.DATA_EVENT_STUDY,
            Kind.PRIOR,
        )
        order = [kind] + [k for k in fallback if k != kind]
        for k in order:
            for p in self.params:
                if (
                    p.name == name
                    and p.kind == k
                    and (tenor is None or p.tenor == tenor)
                    and (horizon_months is None or p.horizon_months == horizon_months)
                    and (unit is None or p.unit == unit)
                ):
                    return p
        raise KeyError(f"calibration {self.id} has no parameter {name} tenor={tenor} h={horizon_months} unit={unit}")
