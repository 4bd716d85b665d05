"""Scenario specs: YAML files validated by pydantic, with errors that name the field and the value.

A spec says who sells how much and how fast, what else moves (contagion, a Fed backstop, a risk premium, a
parallel shock), how far to look (`horizon_months`) and how many Monte Carlo draws to take. Amounts are
$ billions of face value sold; `share_of_holdings` is resolved against TIC holdings by
`check_against_holdings`, which also refuses a sale larger than what the country holds.
"""

from __future__ import annotations

import difflib
from datetime import date
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from model import ModelError
from model.memory import budget_error
from model.spec_yaml import MAX_SPEC_BYTES, excerpt, read_yaml, safe_yaml, yaml_problem  # noqa: F401 (read_yaml: re-exported)
from warehouse.countries import KNOWN_COUNTRIES, SPEC_ALIASES, canonical_country  # noqa: F401 (re-exported)


class SpecError(ModelError):
    """A spec the model refuses; the message is `<field path>: <value> <what is wrong>`."""


# Country identity (TIC labels, spec aliases, the normaliser) is defined once in warehouse/countries.py.
ALIASES = SPEC_ALIASES

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


class _Strict(BaseModel):
    # inf/nan would pass every bound check (nan) or make an absurd sale (inf): refuse them as numbers.
    model_config = ConfigDict(extra="forbid", validate_default=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_numbers(cls, v: Any, info: ValidationInfo) -> Any:
        # YAML reads yes/no/true/false as booleans and pydantic would take them as 1/0: a slip, not a number.
        if isinstance(v, bool) and cls.model_fields[info.field_name].annotation in NUMBERS:
            raise ValueError("true/false where a number belongs")
        return v


class Seller(_Strict):
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


class FedBackstop(_Strict):
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


class Assumptions(_Strict):
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


class ScenarioSpec(_Strict):
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


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after", "function-before") or str(part).startswith(("function-", "union[")):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "spec"


def _show(v: Any) -> str:
    """A value as an error message echoes it: at most 60 characters (a hostile spec's value can be huge)."""
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, dict):
        return "{…}"
    return excerpt(repr(v) if isinstance(v, str) else str(v), 60)


def _message(err: dict) -> str:
    where, value, kind, ctx = _path(err["loc"]), err.get("input"), err["type"], err.get("ctx") or {}
    bounds = {
        "greater_than_equal": ("≥", "ge"),
        "greater_than": (">", "gt"),
        "less_than_equal": ("≤", "le"),
        "less_than": ("<", "lt"),
    }
    if kind in bounds:
        sym, key = bounds[kind]
        return f"{where}: {_show(value)} must be {sym} {_show(ctx.get(key))}"
    if kind == "extra_forbidden":
        return f"{where}: unknown field (value {_show(value)})"
    if kind == "missing":
        return f"{where}: required field is missing"
    if kind == "value_error":
        reason = str(ctx.get("error", err["msg"]))
        if not err["loc"]:  # a check across fields: its reason names them
            return reason
        if isinstance(value, dict):
            return f"{where}: {reason}"
        return f"{where}: {_show(value)} is not valid: {reason}"
    return f"{where}: {_show(value)} is not valid: {err['msg']}"


def parse_spec(data: dict, countries: list[str] | None = None) -> ScenarioSpec:
    if not isinstance(data, dict):
        raise SpecError(f"spec: expected a mapping of fields, got {type(data).__name__}")
    try:
        return ScenarioSpec.model_validate(data, context={"countries": countries})
    except ValidationError as e:
        messages = [_message(err) for err in e.errors()]
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
