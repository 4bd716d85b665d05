"""The parts of a scenario spec below the top level: who sells (`Seller`), the Fed backstop and the modelling
assumptions, and the new-issue buckets an issuance mix may name. The top-level `ScenarioSpec`, its error messages
and the resolution of sales against holdings are in model/spec.py."""

from __future__ import annotations

import difflib
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from warehouse.countries import KNOWN_COUNTRIES, canonical_country

# New-issue buckets the rollover engine knows (name -> class, term in months); see model/issuance.py.
BUCKETS: dict[str, tuple[str, int]] = {
    "bill_1m": ("Bills", 1),
    "bill_2m": ("Bills", 2),
    "bill_3m": ("Bills", 3),
    "bill_4m": ("Bills", 4),
    "bill_6m": ("Bills", 6),
    "bill_12m": ("Bills", 12),
    "note_2y": ("Notes", 24),
    "note_3y": ("Notes", 36),
    "note_5y": ("Notes", 60),
    "note_7y": ("Notes", 84),
    "note_10y": ("Notes", 120),
    "bond_20y": ("Bonds", 240),
    "bond_30y": ("Bonds", 360),
    "tips_5y": ("TIPS", 60),
    "tips_10y": ("TIPS", 120),
    "tips_30y": ("TIPS", 360),
    "frn_2y": ("FRN", 24),
}


NUMBERS = (int, float, int | None, float | None)


class StrictModel(BaseModel):
    # inf/nan would pass every bound check (nan) or make an absurd sale (inf): refuse them as numbers.
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, v: Any, info: ValidationInfo) -> Any:
        # YAML reads yes/no/true/false as booleans and pydantic would take them as 1/0: a slip, not a number.
        if isinstance(v, bool) and cls.model_fields[info.field_name].annotation in NUMBERS:
            raise ValueError("true/false where a number belongs")
        return v


class Seller(StrictModel):
    country: str = Field(
        description="Who sells: a TIC Major Foreign Holders name (Japan, China, United Kingdom, …; "
        "any case; 'China, Mainland', 'UK', 'UAE' are accepted)"
    )
    amount_usd_bn: float | None = Field(None, ge=0, description="Face value sold, $ billions")
    share_of_holdings: float | None = Field(None, ge=0, le=1, description="Fraction of the country's holdings")
    start_month: int = Field(0, ge=0, description="First month of the sale (0 = first month after the anchor)")
    months: int = Field(1, ge=1, description="Number of months the sale is spread over, in equal parts")

    @field_validator("country")
    @classmethod
    def _known_country(cls, v: str, info: ValidationInfo) -> str:
        allowed = (info.context or {}).get("countries") or KNOWN_COUNTRIES
        canon = canonical_country(v)
        by_lower = {canonical_country(c).lower(): canonical_country(c) for c in allowed}
        if canon.lower() not in by_lower:
            # One line that lets the user fix it: the nearest names first, then every valid one.
            names = sorted(by_lower.values())
            near = difflib.get_close_matches(canon, names, n=3, cutoff=0.6)
            hint = f"did you mean {' or '.join(near)}? " if near else ""
            raise ValueError(f"unknown country ({hint}valid: {', '.join(names)})")
        return by_lower[canon.lower()]

    @model_validator(mode="after")
    def _one_amount(self) -> Seller:
        if (self.amount_usd_bn is None) == (self.share_of_holdings is None):
            raise ValueError("give exactly one of amount_usd_bn or share_of_holdings")
        return self


class FedBackstop(StrictModel):
    share: float = Field(0.0, ge=0, le=1, description="Share of all selling (sellers + contagion) the Fed buys")
    start_month: int = Field(0, ge=0, description="First month the Fed buys")
    breakeven_passthrough: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Share of the backstop's rise in 10y breakeven inflation that lifts nominal "
        "yields (1 = real yields unchanged, the full Fisher cost)",
    )


RETIRED_UNIT = (
    "retired: the calibration's response surface is in bp per 1 % of marketable debt sold and the sale "
    "is converted with the anchor's debt (a per-$100bn response averaged $4.5tn and $32tn markets); "
    "remove the field"
)
RETIRED_TAIL = (
    "retired: the response now fades by itself (a transitory part with the calibrated half-life on top "
    "of a persistent level); set assumptions.impact_half_life_months or impact_long_run_share instead"
)


class Assumptions(StrictModel):
    cpi_inflation_pct: float = Field(2.3, ge=-5, le=30, description="CPI-U path for TIPS accrual, % a year")
    baseline_path: Literal["cbo", "flat", "forwards", "forward"] = Field(
        "cbo",
        description="Baseline yields: CBO's January 2025 projections (3-month bill and 10-year note by fiscal "
        "year) shaped across tenors by the anchor's curve (default); the anchor's curve held flat; or the forwards "
        "it implies ('forward' is the same as 'forwards')",
    )
    impact_half_life_months: float | None = Field(
        None,
        gt=0,
        le=600,
        description="Half-life of the short-run (transitory) part of the yield response; "
        "null = the calibration's draws",
    )
    impact_long_run_share: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Share of the calibrated persistent level that stays; the rest fades with the "
        "transitory part (the impact on the month of the sale is unchanged). 1 = as calibrated",
    )
    impact_unit: Literal["bp_per_1pct_debt"] = Field(
        "bp_per_1pct_debt",
        description="The response is per 1 % of marketable debt sold, converted with the debt "
        "at the anchor ('bp_per_100bn' is retired)",
    )
    impact_tail: str | None = Field(None, exclude=True, description="retired")
    frn_spread_pct: float = Field(0.15, ge=-1, le=2, description="Spread of new FRNs over the 3m bill, %")

    @field_validator("impact_unit", mode="before")
    @classmethod
    def _retired_unit(cls, v: Any) -> Any:
        if v == "bp_per_100bn":
            raise ValueError(RETIRED_UNIT)
        return v

    @field_validator("impact_tail", mode="before")
    @classmethod
    def _retired_tail(cls, v: Any) -> Any:
        if v is not None:
            raise ValueError(RETIRED_TAIL)
        return v
