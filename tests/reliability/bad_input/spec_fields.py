"""Bad scenario fields, one case each: the YAML that replaces some top-level keys of a valid base spec and the
words the one error line must hold. Run by test_bad_input_specs.py and, a few, by the real-process test in
test_bad_input_commands.py."""

from __future__ import annotations

import yaml

BASE_SPEC = {
    "name": "bad-input",
    "description": "a spec with one bad field",
    "sellers": [{"country": "Japan", "amount_usd_bn": 100}],
    "draws": 20,
}

# Scenario fields: id -> (YAML replacing those top-level keys of BASE_SPEC, words of the error line).
S = "sellers: [{country: Japan, %s}]"
SPEC_FIELDS = {
    "name: wrong type": ("name: [a, b]", ["name: ['a', 'b']", "valid string"]),
    "name: not a slug": ("name: Bad Name!", ["name: 'Bad Name!'", "pattern"]),
    "name: null": ("name: null", ["name: None", "valid string"]),
    "description: wrong type": ("description: {a: 1}", ["description:", "valid string"]),
    "description: empty": ("description: ''", ["description: ''", "at least 1 character"]),
    "sellers: not a list": ("sellers: Japan", ["sellers: 'Japan'", "valid list"]),
    "sellers: item not a mapping": ("sellers: [Japan]", ["sellers[0]: 'Japan'", "valid dictionary"]),
    "country: wrong type": ("sellers: [{country: 7, amount_usd_bn: 1}]", ["sellers[0].country: 7"]),
    "country: unknown": (
        "sellers: [{country: Narnia, amount_usd_bn: 1}]",
        ["sellers[0].country: 'Narnia'", "unknown country"],
    ),
    "country: missing": ("sellers: [{amount_usd_bn: 1}]", ["sellers[0].country: required field is missing"]),
    "amount_usd_bn: wrong type": (S % "amount_usd_bn: lots", ["sellers[0].amount_usd_bn: 'lots'", "valid number"]),
    "amount_usd_bn: boolean": (S % "amount_usd_bn: yes", ["sellers[0].amount_usd_bn: True", "true/false"]),
    "amount_usd_bn: negative sale": (S % "amount_usd_bn: -5", ["sellers[0].amount_usd_bn: -5 must be ≥ 0"]),
    "amount_usd_bn: infinite": (S % "amount_usd_bn: .inf", ["sellers[0].amount_usd_bn: inf", "finite"]),
    "amount_usd_bn: larger than holdings": (
        S % "amount_usd_bn: 5000",
        ["sellers[0].amount_usd_bn: 5000 makes Japan's sales 5,000.0 $bn, more than its holdings"],
    ),
    "amount and share both": (S % "amount_usd_bn: 1, share_of_holdings: 0.1", ["sellers[0]: give exactly one"]),
    "amount and share neither": ("sellers: [{country: Japan}]", ["sellers[0]: give exactly one"]),
    "share_of_holdings: wrong type": (S % "share_of_holdings: half", ["sellers[0].share_of_holdings: 'half'"]),
    "share_of_holdings: above 1": (S % "share_of_holdings: 1.5", ["sellers[0].share_of_holdings: 1.5 must be ≤ 1"]),
    "share_of_holdings: negative": (S % "share_of_holdings: -0.1", ["sellers[0].share_of_holdings: -0.1 must be ≥ 0"]),
    "share_of_holdings: two sales above holdings": (
        "sellers: [{country: Japan, share_of_holdings: 0.6}, {country: japan, share_of_holdings: 0.6}]",
        ["sellers[1].share_of_holdings: 0.6 (= ", "more than its holdings"],
    ),
    "start_month: wrong type": (S % "amount_usd_bn: 1, start_month: soon", ["sellers[0].start_month: 'soon'"]),
    "start_month: fractional": (S % "amount_usd_bn: 1, start_month: 1.5", ["sellers[0].start_month: 1.5"]),
    "start_month: negative": (S % "amount_usd_bn: 1, start_month: -1", ["sellers[0].start_month: -1 must be ≥ 0"]),
    "start_month: after the horizon": (
        "horizon_months: 12\n" + S % "amount_usd_bn: 1, start_month: 12",
        ["sellers[0].start_month 12 + months 1", "after horizon_months 12"],
    ),
    "months: wrong type": (S % "amount_usd_bn: 1, months: many", ["sellers[0].months: 'many'"]),
    "months: 0": (S % "amount_usd_bn: 1, months: 0", ["sellers[0].months: 0 must be ≥ 1"]),
    "months: past the horizon": (
        "horizon_months: 24\n" + S % "amount_usd_bn: 1, start_month: 6, months: 24",
        ["sellers[0].start_month 6 + months 24", "after horizon_months 24"],
    ),
    "seller: unknown field": (S % "amount_usd_bn: 1, price: 90", ["sellers[0].price: unknown field (value 90)"]),
    "contagion: wrong type": ("contagion: lots", ["contagion: 'lots'", "valid number"]),
    "contagion: negative": ("contagion: -1", ["contagion: -1 must be ≥ 0"]),
    "contagion: above 5": ("contagion: 6", ["contagion: 6 must be ≤ 5"]),
    "contagion: nan": ("contagion: .nan", ["contagion: nan", "finite"]),
    "fed_backstop: a string": ("fed_backstop: half", ["fed_backstop: 'half'", "valid dictionary"]),
    "fed_backstop: a boolean": ("fed_backstop: yes", ["fed_backstop: True", "valid dictionary"]),
    "fed_backstop.share: wrong type": ("fed_backstop: {share: most}", ["fed_backstop.share: 'most'"]),
    "fed_backstop.share: above 1": ("fed_backstop: {share: 2}", ["fed_backstop.share: 2 must be ≤ 1"]),
    "fed_backstop.start_month: negative": ("fed_backstop: {start_month: -1}", ["fed_backstop.start_month: -1"]),
    "fed_backstop.start_month: after the horizon": (
        "horizon_months: 12\nfed_backstop: {share: 0.5, start_month: 12}",
        ["fed_backstop.start_month: 12 is not before horizon_months 12"],
    ),
    "fed_backstop.breakeven_passthrough: above 1": (
        "fed_backstop: {breakeven_passthrough: 1.5}",
        ["fed_backstop.breakeven_passthrough: 1.5 must be ≤ 1"],
    ),
    "fed_backstop.breakeven_passthrough: wrong type": (
        "fed_backstop: {breakeven_passthrough: full}",
        ["fed_backstop.breakeven_passthrough: 'full'"],
    ),
    "fed_backstop: unknown field": ("fed_backstop: {price: 1}", ["fed_backstop.price: unknown field"]),
    "risk_premium_bp: wrong type": ("risk_premium_bp: big", ["risk_premium_bp: 'big'"]),
    "risk_premium_bp: out of range": ("risk_premium_bp: 3000", ["risk_premium_bp: 3000 must be ≤ 2000"]),
    "parallel_shock_bp: wrong type": ("parallel_shock_bp: [10]", ["parallel_shock_bp: [10]", "valid number"]),
    "parallel_shock_bp: out of range": ("parallel_shock_bp: -5000", ["parallel_shock_bp: -5000 must be ≥ -2000"]),
    "horizon_months: wrong type": ("horizon_months: ten", ["horizon_months: 'ten'", "valid integer"]),
    "horizon_months: 0": ("horizon_months: 0", ["horizon_months: 0 must be ≥ 1"]),
    "horizon_months: fractional": ("horizon_months: 12.5", ["horizon_months: 12.5", "fractional"]),
    "horizon_months: above 600": ("horizon_months: 601", ["horizon_months: 601 must be ≤ 600"]),
    "draws: wrong type": ("draws: many", ["draws: 'many'"]),
    "draws: 0": ("draws: 0", ["draws: 0 must be ≥ 1"]),
    "draws: a boolean": ("draws: true", ["draws: True", "true/false"]),
    "seed: wrong type": ("seed: x", ["seed: 'x'"]),
    "seed: negative": ("seed: -1", ["seed: -1 must be ≥ 0"]),
    "calibration: wrong type": ("calibration: [latest]", ["calibration: ['latest']", "valid string"]),
    "calibration: unknown id": ("calibration: cal-nope", ["no calibration 'cal-nope'"]),
    "anchor: not a date": ("anchor: yesterday", ["anchor: 'yesterday'", "not a date (YYYY-MM-DD) or 'latest'"]),
    "anchor: month 13": ("anchor: 2026-13-01", ["anchor: '2026-13-01'", "not a date"]),
    "anchor: a number": ("anchor: 12", ["anchor: 12", "not a date"]),
    "anchor: a day without CUSIP detail": ("anchor: 2026-09-15", ["anchor: 2026-09-15 has no MSPD CUSIP detail"]),
    "issuance_mix: wrong type": ("issuance_mix: bills", ["issuance_mix: 'bills'", "valid dictionary"]),
    "issuance_mix: unknown bucket": ("issuance_mix: {bill_9m: 1}", ["issuance_mix: unknown bucket 'bill_9m'"]),
    "issuance_mix: negative weight": ("issuance_mix: {bill_3m: -1}", ["issuance_mix: bill_3m: -1 must be ≥ 0"]),
    "issuance_mix: weights sum to 0": ("issuance_mix: {bill_3m: 0}", ["issuance_mix: weights must sum to more"]),
    "issuance_mix: weight not a number": ("issuance_mix: {bill_3m: x}", ["issuance_mix.bill_3m: 'x'"]),
    "issuance_mix: boolean weight": ("issuance_mix: {bill_3m: yes}", ["issuance_mix: bill_3m: true/false"]),
    "assumptions: wrong type": ("assumptions: none", ["assumptions: 'none'", "valid dictionary"]),
    "assumptions.cpi_inflation_pct: out of range": (
        "assumptions: {cpi_inflation_pct: 50}",
        ["assumptions.cpi_inflation_pct: 50 must be ≤ 30"],
    ),
    "assumptions.cpi_inflation_pct: wrong type": (
        "assumptions: {cpi_inflation_pct: high}",
        ["assumptions.cpi_inflation_pct: 'high'"],
    ),
    "assumptions.baseline_path: unknown": (
        "assumptions: {baseline_path: curvy}",
        ["assumptions.baseline_path: 'curvy'", "'cbo', 'flat', 'forwards' or 'forward'"],
    ),
    "assumptions.impact_tail: retired": (
        "assumptions: {impact_tail: hold}",
        ["assumptions.impact_tail: 'hold' is not valid: retired"],
    ),
    "assumptions.impact_half_life_months: 0": (
        "assumptions: {impact_half_life_months: 0}",
        ["assumptions.impact_half_life_months: 0 must be > 0"],
    ),
    "assumptions.impact_half_life_months: wrong type": (
        "assumptions: {impact_half_life_months: long}",
        ["assumptions.impact_half_life_months: 'long'"],
    ),
    "assumptions.impact_unit: unknown": ("assumptions: {impact_unit: bp}", ["assumptions.impact_unit: 'bp'"]),
    "assumptions.impact_unit: retired": (
        "assumptions: {impact_unit: bp_per_100bn}",
        ["assumptions.impact_unit: 'bp_per_100bn' is not valid: retired"],
    ),
    "assumptions.impact_long_run_share: out of range": (
        "assumptions: {impact_long_run_share: 2}",
        ["assumptions.impact_long_run_share: 2 must be ≤ 1"],
    ),
    "price_fall_pct: out of range": ("price_fall_pct: 80", ["price_fall_pct: 80 must be ≤ 50"]),
    "draws: over the memory budget": (
        "draws: 100000\nhorizon_months: 600",
        ["draws 100,000 × horizon_months 600 needs about", "GB memory budget"],
    ),
    "assumptions.frn_spread_pct: out of range": (
        "assumptions: {frn_spread_pct: 3}",
        ["assumptions.frn_spread_pct: 3 must be ≤ 2"],
    ),
    "assumptions.frn_spread_pct: wrong type": (
        "assumptions: {frn_spread_pct: [0.1]}",
        ["assumptions.frn_spread_pct: [0.1]", "valid number"],
    ),
    "assumptions: unknown field": ("assumptions: {gdp_growth: 2}", ["assumptions.gdp_growth: unknown field"]),
    "unknown top-level field": ("colour: blue", ["colour: unknown field (value 'blue')"]),
}
# Through `tshock run --no-refresh --scenario FILE`: refused before Prefect starts, the holdings too.
RUN_SPECS = [
    "horizon_months: 0",
    "horizon_months: wrong type",
    "amount_usd_bn: negative sale",
    "country: unknown",
    "amount_usd_bn: larger than holdings",
    "share_of_holdings: two sales above holdings",
    "anchor: a day without CUSIP detail",
    "anchor: month 13",
]


def spec_text(override: str) -> str:
    replaced = yaml.load(override, Loader=yaml.BaseLoader)  # keys only: values stay exactly as written
    return yaml.safe_dump({k: v for k, v in BASE_SPEC.items() if k not in replaced}, sort_keys=False) + override + "\n"
