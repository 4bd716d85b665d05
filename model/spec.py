"""Scenario specs: YAML files validated by pydantic, with errors that name the field and the value.

A spec says who sells how much and how fast, what else moves (contagion, a Fed backstop, a risk premium, a
parallel shock), how far to look (`horizon_months`) and how many Monte Carlo draws to take. Amounts are
$ billions of face value sold; `share_of_holdings` is resolved against TIC holdings by
`check_against_holdings`, which also refuses a sale larger than what the country holds. The parts below the
top level (sellers, Fed backstop, assumptions, issuance buckets) are in model/spec_sections.py; the wording of
a refused field in model/spec_errors.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from model import ModelError
from model.memory import budget_error
from model.spec_errors import validation_message
from model.spec_sections import BUCKETS, Assumptions, FedBackstop, Seller, StrictModel
from model.spec_yaml import MAX_SPEC_BYTES, read_yaml, safe_yaml, yaml_problem  # noqa: F401 (read_yaml: re-exported)
from warehouse.countries import canonical_country

if TYPE_CHECKING:  # pandas only where holdings are checked: reading a spec stays light (issue 18)
    import pandas as pd


class SpecError(ModelError):
    """A spec the model refuses; the message is `<field path>: <value> <what is wrong>`."""


class ScenarioSpec(StrictModel):
    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_.-]*$",
        max_length=80,
        description="Scenario name: lower case letters, digits, '-', '_', '.'; names the report folder",
    )
    description: str = Field(min_length=1, description="One or two sentences saying what happens, shown on reports")
    sellers: list[Seller] = Field(
        default_factory=list,
        description="Who sells how much and how fast; several "
        "sellers add up (empty = no sale, e.g. a pure parallel shock)",
    )
    contagion: float = Field(
        0.0,
        ge=0,
        le=5,
        description="Multiplier on the calibrated co-movement of other holders (0 = nobody follows, 1 = as calibrated)",
    )
    fed_backstop: FedBackstop = Field(
        default_factory=FedBackstop, description="The Fed buying part of the selling (see fed_backstop.*)"
    )
    risk_premium_bp: float = Field(
        0.0,
        ge=-500,
        le=2000,
        description="A term or risk premium added to every "
        "tenor's yield in every month, bp, on top of the calibrated flow response",
    )
    parallel_shock_bp: float = Field(
        0.0,
        ge=-2000,
        le=2000,
        description="A parallel shift of the whole curve in every month, bp (an imposed move, no sale needed)",
    )
    price_fall_pct: float = Field(
        0.0,
        ge=0,
        le=50,
        description="An imposed move, not a calibrated one: a par bond (annual coupon, priced at "
        "the anchor's yield) at every tenor loses this % of its price, translated per tenor into a yield rise by "
        "exact bond math and held for the horizon; maturities under a year take the one-year move",
    )
    horizon_months: int = Field(
        120, ge=1, le=600, description="Months the debt is rolled over after the anchor; every sale must end within it"
    )
    draws: int = Field(
        1000,
        ge=1,
        le=100_000,
        description="Monte Carlo draws (joint draws of the calibration); "
        "draws × horizon is capped by the memory budget (model/memory.py)",
    )
    seed: int = Field(
        0,
        ge=0,
        le=2**63 - 1,
        description="Random seed: the same spec, seed, calibration and data give the same "
        "numbers (an int64 everywhere it goes)",
    )
    calibration: str = Field(
        "latest", description="Calibration id or unique prefix (tshock calibrate list), or 'latest'"
    )
    anchor: date | Literal["latest"] = Field(
        "latest",
        description="MSPD record date whose debt stock (CUSIP "
        "detail) the rollover starts from; 'latest' = the newest in the warehouse",
    )
    issuance_mix: dict[str, float] | None = Field(
        None,
        description="New-issue shares by bucket (bill_1m … bond_30y, "
        "tips_5y/10y/30y, frn_2y; rescaled to sum to 1); null = the recent "
        "pace of issuance at the anchor (model/issuance.py)",
    )
    assumptions: Assumptions = Field(
        default_factory=Assumptions, description="Modelling assumptions with defaults (see assumptions.*)"
    )

    @field_validator("contagion", mode="before")
    @classmethod
    def _bool_contagion(cls, v: Any) -> Any:
        return float(v) if isinstance(v, bool) else v

    @field_validator("anchor", mode="before")
    @classmethod
    def _anchor_date(cls, v: Any) -> Any:
        # One clear reason instead of one per member of the date | 'latest' union.
        if isinstance(v, date) or v == "latest":
            return v
        if isinstance(v, str):
            try:
                return date.fromisoformat(v)
            except ValueError:
                pass
        raise ValueError("not a date (YYYY-MM-DD) or 'latest'")

    @field_validator("issuance_mix", mode="before")
    @classmethod
    def _mix_numbers(cls, v: Any) -> Any:
        bools = [k for k, w in v.items() if isinstance(w, bool)] if isinstance(v, dict) else []
        if bools:
            raise ValueError(f"{bools[0]}: true/false where a weight belongs")
        return v

    @field_validator("issuance_mix")
    @classmethod
    def _mix(cls, v: dict[str, float] | None) -> dict[str, float] | None:
        if v is None:
            return None
        for k, w in v.items():
            if k not in BUCKETS:
                raise ValueError(f"unknown bucket {k!r} (known: {', '.join(BUCKETS)})")
            if w < 0:
                raise ValueError(f"{k}: {w:g} must be ≥ 0")
        total = sum(v.values())
        if total <= 0:
            raise ValueError("weights must sum to more than 0")
        return {k: w / total for k, w in v.items()}

    @model_validator(mode="after")
    def _within_horizon(self) -> ScenarioSpec:
        # The model only sees months 0..horizon-1: a sale (or a backstop) beyond them would be dropped or cut
        # short without a word while the report states the whole amount.
        h = self.horizon_months
        for i, s in enumerate(self.sellers):
            if s.start_month + s.months > h:
                raise ValueError(
                    f"sellers[{i}].start_month {s.start_month} + months {s.months}: the sale ends "
                    f"after horizon_months {h}"
                )
        if self.fed_backstop.share and self.fed_backstop.start_month >= h:
            raise ValueError(
                f"fed_backstop.start_month: {self.fed_backstop.start_month} is not before horizon_months {h}"
            )
        too_big = budget_error(self.draws, h)
        if too_big:
            raise ValueError(too_big)
        return self

    def sale_schedule(self, amounts: dict[int, float] | None = None) -> list[tuple[str, int, int, float]]:
        """(country, start_month, months, amount $bn) per seller; `amounts` overrides by seller index."""
        out = []
        for i, s in enumerate(self.sellers):
            amount = (amounts or {}).get(i, s.amount_usd_bn)
            if amount is None:
                raise SpecError(
                    f"sellers[{i}].share_of_holdings: {s.share_of_holdings:g} needs holdings to "
                    "resolve (check_against_holdings)"
                )
            out.append((s.country, s.start_month, s.months, float(amount)))
        return out


def parse_spec(data: dict, countries: list[str] | None = None) -> ScenarioSpec:
    if not isinstance(data, dict):
        raise SpecError(f"spec: expected a mapping of fields, got {type(data).__name__}")
    try:
        return ScenarioSpec.model_validate(data, context={"countries": countries})
    except ValidationError as e:
        messages = [validation_message(err) for err in e.errors()]
        more = f"; and {len(messages) - 5} more" if len(messages) > 5 else ""
        raise SpecError("; ".join(messages[:5]) + more) from None


def load_spec(path_or_text: str | Path, countries: list[str] | None = None) -> ScenarioSpec:
    """A spec from a YAML file path or YAML text. `countries` (e.g. from TIC holdings) replaces the
    known-country set for validating sellers."""
    text = str(path_or_text)
    if isinstance(path_or_text, Path) or ("\n" not in text and text.endswith((".yaml", ".yml"))):
        p = Path(path_or_text)
        if not p.exists():
            raise SpecError(f"spec: file {p} does not exist")
        return parse_spec(read_yaml(p), countries)
    if len(text.encode()) > MAX_SPEC_BYTES:
        raise SpecError(f"spec: larger than {MAX_SPEC_BYTES // 1024} KB; a spec is a page of YAML")
    try:
        data = safe_yaml(text)
    except yaml.YAMLError as e:
        raise SpecError(f"spec: not valid YAML ({yaml_problem(e)})") from None
    return parse_spec(data, countries)


def scenario_path(name_or_file: str, directory: Path) -> Path:
    """`japan-fire-sale` -> directory/japan-fire-sale.yaml; an existing file path is returned as is."""
    p = Path(name_or_file)
    if p.suffix in (".yaml", ".yml") and p.exists():
        return p
    candidate = directory / f"{name_or_file}.yaml"
    if candidate.exists():
        return candidate
    known = ", ".join(sorted(x.stem for x in directory.glob("*.yaml")))
    raise SpecError(f"scenario: {name_or_file!r} is neither a file nor a scenario in {directory} (known: {known})")


def latest_holdings(holdings: pd.DataFrame, as_of: date | None = None) -> dict[str, tuple[float, date]]:
    """{country: (holdings $bn, month)} at the newest month ≤ as_of per country.

    `holdings` has columns month, country, holdings_usd_bn (foreign_holdings_current); if several vintages
    are present the newest vintage wins."""
    import pandas as pd

    df = holdings.dropna(subset=["holdings_usd_bn"]).copy()
    df["month"] = pd.to_datetime(df["month"])
    if as_of is not None:
        df = df[df["month"] <= pd.Timestamp(as_of)]
    sort = ["month", "vintage"] if "vintage" in df.columns else ["month"]
    df = df.sort_values(sort).groupby(df["country"].map(canonical_country)).tail(1)
    return {canonical_country(r.country): (float(r.holdings_usd_bn), r.month.date()) for r in df.itertuples()}


def check_against_holdings(spec: ScenarioSpec, holdings: pd.DataFrame, as_of: date | None = None) -> dict[int, float]:
    """Sale amounts ($bn) by seller index, shares resolved against the country's latest TIC holdings.

    Raises SpecError when a country has no holdings or sells more than it holds (summed over its sellers)."""
    held = latest_holdings(holdings, as_of)
    amounts: dict[int, float] = {}
    sold: dict[str, float] = {}
    for i, s in enumerate(spec.sellers):
        if s.country not in held:
            raise SpecError(f"sellers[{i}].country: {s.country!r} has no holdings in the TIC data")
        have, month = held[s.country]
        field = "amount_usd_bn" if s.amount_usd_bn is not None else "share_of_holdings"
        amount = s.amount_usd_bn if s.amount_usd_bn is not None else s.share_of_holdings * have
        sold[s.country] = sold.get(s.country, 0.0) + amount
        if sold[s.country] > have + 1e-9:
            given = getattr(s, field)
            shown = f"{given:g}" if field == "amount_usd_bn" else f"{given:g} (= {amount:,.1f} $bn)"
            raise SpecError(
                f"sellers[{i}].{field}: {shown} makes {s.country}'s sales "
                f"{sold[s.country]:,.1f} $bn, more than its holdings of {have:,.1f} $bn ({month:%Y-%m})"
            )
        amounts[i] = float(amount)
    return amounts
