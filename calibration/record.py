"""The calibration record: what the scenario model consumes and the warehouse stores.

A record is a list of parameters; each names what it measures (`name`), where on the curve
(`tenor`), when (`horizon_months`), in what unit, and whether it is the data-only estimate,
the literature prior or their combination (`kind`). Intervals are 90% (p5..p95) throughout.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Kind = Literal["data", "prior", "posterior"]
TENORS = ("3m", "2y", "5y", "10y", "30y")
TENOR_MONTHS = {"3m": 3, "2y": 24, "5y": 60, "10y": 120, "30y": 360}
# z for the two-sided 90% interval stored in ci_low/ci_high
Z90 = 1.6448536269514722


class Param(BaseModel):
    """One calibrated number with its interval.

    Names in use:
    - yield_impact: yield change (bp) at `tenor`, `horizon_months` after a flow shock; units
      bp_per_100bn (per $100bn of net foreign SALES) and bp_per_1pct_debt (per 1% of marketable debt sold).
    - stock_effect: 10y yield (bp) per percentage point of foreign share of marketable debt (bp_per_pp_share).
    - contagion: other holders' net sales per $1 of the seller's net sales (usd_per_usd).
    - spillover_mortgage30 / spillover_japan10y / spillover_breakeven10y: bp per bp of the U.S. 10y (bp_per_bp).
    - backstop_breakeven: 10y breakeven inflation (bp) per $100bn of Fed purchases (bp_per_100bn).
    """

    name: str
    tenor: str | None = None
    horizon_months: int | None = None
    unit: str
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

    def get(self, name: str, *, tenor: str | None = None, horizon_months: int | None = None,
            unit: str | None = None, kind: Kind = "posterior") -> Param:
        """The parameter asked for; falls back from posterior to data when no posterior exists."""
        order = [kind] + [k for k in ("posterior", "data", "prior") if k != kind]
        for k in order:
            for p in self.params:
                if (p.name == name and p.kind == k and (tenor is None or p.tenor == tenor)
                        and (horizon_months is None or p.horizon_months == horizon_months)
                        and (unit is None or p.unit == unit)):
                    return p
        raise KeyError(f"calibration {self.id} has no parameter {name} tenor={tenor} h={horizon_months} unit={unit}")
