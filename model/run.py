"""run_scenario: spec + calibration + warehouse frames -> ScenarioResult. backcast lives in model/backcast.py.

The chain (docs/model.md): sales schedule → yield shift at the calibrated nodes (with contagion, Fed backstop,
risk premium, parallel shock) → new-issue yields per bucket on top of the baseline curve → rollover of the real
stock with CBO's primary deficits → interest, outlays, receipts, GDP per fiscal year → prices, mark-to-market,
spillovers. The baseline is the same engine with a zero shift; Monte Carlo draws only move the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from calibration.record import TENOR_MONTHS, TENORS, CalibrationRecord
from model import ModelError
from model.backcast import backcast  # noqa: F401  (re-exported: model.run.backcast)
from model.budget import FiscalYears, by_fiscal_year, first_year_over, load_cbo_baseline, monthly_baseline
from model.curve import (
    CALIBRATED_HORIZON,
    NODE_MONTHS,
    BaselineCurve,
    baseline_curve,
    flow_shift_bp,
    impulse_response,
    interp_tenors,
)
from model.issuance import KIND, Buckets, default_mix
from model.results import FirstYearOver, FiscalYearRow, InterestResult, MonthRow, ScenarioResult, TenorYields
from model.risk import benchmark_prices, japan_mtm, quantiles, soma_mtm, spillovers
from model.rollover import EngineResult, EngineStock, Paths, roll
from model.spec import ScenarioSpec, SpecError, check_against_holdings, latest_holdings
from model.stock import StockAssumptions, avg_rate_pct, build_stock, class_totals, reconcile

TEN_YEARS = 120


@dataclass
class Frames:
    """What the lead fills from the warehouse (column names as in warehouse/schema.py)."""

    stock_rows: pd.DataFrame  # marketable_securities (at least the anchor's record_date)
    curve: pd.DataFrame  # date, tenor_months, yield_pct: yield_curve, optionally ∪ curve.curve_from_fred(...)
    auctions: pd.DataFrame | None = None  # auctions: cusip, security_term, auction_date, issue_date
    holdings: pd.DataFrame | None = None  # foreign_holdings_current: month, country, holdings_usd_bn
    soma: pd.DataFrame | None = None  # soma_holdings rows
    cbo: pd.DataFrame | None = None  # CBO baseline table; None = model/data/cbo_baseline_2025-01.csv
    totals: pd.DataFrame | None = None  # marketable_totals (or mspd_summary) rows, for the reconciliation


@dataclass
class Setup:
    anchor: date
    stock: pd.DataFrame
    engine_stock: EngineStock
    curve: BaselineCurve
    buckets: Buckets
    monthly: pd.DataFrame
    amounts: dict[int, float]

    @property
    def debt_usd_bn(self) -> float:
        """Marketable debt at the anchor (Σ CUSIP outstanding): the base of the per-1%-of-debt impact."""
        return float(self.engine_stock.face.sum())


def prepare(spec: ScenarioSpec, frames: Frames, amounts: dict[int, float] | None = None) -> Setup:
    """Everything a run needs that does not depend on the draws: stock, baseline curve, mix, CBO path, amounts."""
    anchor = spec.anchor if isinstance(spec.anchor, date) else None
    a = spec.assumptions
    stock = build_stock(frames.stock_rows, anchor=anchor, curve=frames.curve, auctions=frames.auctions,
                        assumptions=StockAssumptions(a.cpi_inflation_pct, a.frn_spread_pct))
    anchor = stock.attrs["anchor"]
    if amounts is None:
        if frames.holdings is not None and len(spec.sellers):
            amounts = check_against_holdings(spec, frames.holdings, as_of=anchor)
        else:
            amounts = {i: s.amount_usd_bn for i, s in enumerate(spec.sellers)}
            missing = [i for i, v in amounts.items() if v is None]
            if missing:
                raise SpecError(f"sellers[{missing[0]}].share_of_holdings: needs TIC holdings (frames.holdings)")
    mix = spec.issuance_mix or default_mix(stock, frames.stock_rows)
    cbo = frames.cbo if frames.cbo is not None else load_cbo_baseline()
    return Setup(anchor, stock, EngineStock.from_stock(stock, anchor), baseline_curve(frames.curve, anchor),
                 Buckets.from_mix(mix), monthly_baseline(cbo, anchor, spec.horizon_months), amounts)


def _param(record: CalibrationRecord, name: str, unit: str, needed: bool):
    try:
        return record.get(name, unit=unit)
    except KeyError:
        if needed:
            raise ModelError(f"calibration {record.id}: no {name} ({unit}), which this scenario needs") from None
        return None


def yield_shift(spec: ScenarioSpec, setup: Setup, record: CalibrationRecord, z: np.ndarray):
    """Yield shift (D, H, 5) bp, breakeven rise (D, H) bp, and the sales bookkeeping, for draws z (D, 6+)."""
    h, a, fed = spec.horizon_months, spec.assumptions, spec.fed_backstop
    sales = np.zeros(h)
    for _country, start, months, amount in spec.sale_schedule(setup.amounts):
        end = min(start + months, h)
        if start < h:
            sales[start:end] += amount / months
    if sales.any():
        est, sd = impulse_response(record, debt_usd_bn=setup.debt_usd_bn, unit=a.impact_unit)
    else:  # nothing is sold: the flow response is not needed (a parallel shock runs on any calibration)
        est = sd = np.zeros((len(TENORS), CALIBRATED_HORIZON + 1))
    contagion = _param(record, "contagion", "usd_per_usd", spec.contagion > 0 and sales.any())
    c = (contagion.estimate + z[:, 5] * contagion.sd) if contagion else np.zeros(len(z))
    scale = np.maximum(1.0 + spec.contagion * c, 0.0)  # others can at most undo the sale, not reverse it
    buying = (np.arange(h) >= fed.start_month) * fed.share
    net = sales * (1.0 - buying)
    flow = flow_shift_bp(est, sd, z[:, :5], scale, net, a.impact_tail, a.impact_half_life_months)
    fed_buys = scale[:, None] * (sales * buying)[None, :]
    be_param = _param(record, "backstop_breakeven", "bp_per_100bn", fed_buys.any())
    be_coef = (be_param.estimate + z[:, 6] * be_param.sd) if be_param else np.zeros(len(z))
    breakeven = be_coef[:, None] * np.cumsum(fed_buys, axis=1) / 100.0
    shift = flow + spec.risk_premium_bp + spec.parallel_shock_bp + fed.breakeven_passthrough * breakeven[:, :, None]
    book = {"selling": scale[:, None] * sales[None, :], "fed": fed_buys, "sales": sales}
    return shift, breakeven, book


def engine_paths(spec: ScenarioSpec, setup: Setup, shift: np.ndarray, breakeven: np.ndarray,
                 deficit: np.ndarray) -> Paths:
    """New-issue rates per bucket, the FRN index and the CPI path for the engine, from a yield shift."""
    a, b, h = spec.assumptions, setup.buckets, spec.horizon_months
    base = setup.curve.path(h, b.terms, a.baseline_path)  # (H, B) percent
    nominal = base[None] + interp_tenors(shift, NODE_MONTHS, b.terms.astype(float)) / 100.0
    tips = b.kinds == KIND["TIPS"]
    real = nominal - a.cpi_inflation_pct - breakeven[:, :, None] / 100.0
    rate = np.where(tips[None, None, :], real, nominal)
    rate = np.where((b.kinds == KIND["FRN"])[None, None, :], a.frn_spread_pct, rate)
    bill3m = setup.curve.path(h, [3.0], a.baseline_path)[:, 0][None] + shift[:, :, 0] / 100.0
    inflation = (a.cpi_inflation_pct + breakeven / 100.0) / 100.0
    return Paths(rate / 100.0, bill3m / 100.0, inflation, primary_deficit=deficit)


def draw_normals(draws: int, seed: int) -> np.ndarray:
    """(draws, 10) standard normals in a fixed layout — 0-4 impulse response per tenor, 5 contagion, 6 backstop
    breakeven, 7-9 spillovers — so a seed gives the same draws whatever the scenario switches on."""
    return np.random.default_rng(seed).standard_normal((draws, 10))


def run_scenario(spec: ScenarioSpec, record: CalibrationRecord, frames: Frames,
                 amounts: dict[int, float] | None = None, setup: Setup | None = None) -> ScenarioResult:
    """One scenario run: baseline and `spec.draws` Monte Carlo draws (+ a central-estimate run).

    `amounts` ($bn by seller index) overrides the spec/holdings resolution; `setup` (from `prepare`) skips
    rebuilding the stock, mix and baseline for repeated runs on the same anchor. `frames.holdings` and
    `frames.soma` are still read for the mark-to-market."""
    setup = setup or prepare(spec, frames, amounts)
    h = spec.horizon_months
    deficit = setup.monthly["primary_deficit_usd_bn"].to_numpy()
    z = np.vstack([draw_normals(spec.draws, spec.seed), np.zeros((1, 10))])  # last row = central estimates
    shift, breakeven, book = yield_shift(spec, setup, record, z)
    zero = np.zeros((1, h, len(TENORS)))
    base = roll(setup.engine_stock, setup.buckets, engine_paths(spec, setup, zero, np.zeros((1, h)), deficit))
    scen = roll(setup.engine_stock, setup.buckets, engine_paths(spec, setup, shift, breakeven, deficit))
    fy_b = by_fiscal_year(setup.monthly, base.interest, base.outstanding_start, base.outstanding_end)
    fy_s = by_fiscal_year(setup.monthly, scen.interest, scen.outstanding_start, scen.outstanding_end)
    n10 = min(h, TEN_YEARS)
    cum = (scen.interest[:, :n10] - base.interest[:, :n10]).sum(axis=1)
    first_b, first_s = first_year_over(fy_b)[0], first_year_over(fy_s)
    sentinel = 10_000
    med = float(np.median([f if f is not None else sentinel for f in first_s[:-1]]))
    warnings = list(setup.curve.warnings)
    spill, w = spillovers(record, shift[:-1], z[:-1, 7:10])
    warnings += w
    mtm: dict = {"japan": None, "soma": None}
    infl = spec.assumptions.cpi_inflation_pct
    if frames.holdings is not None:
        held = latest_holdings(frames.holdings, setup.anchor)
        if "Japan" in held:
            mtm["japan"] = japan_mtm(setup.stock, setup.anchor, held["Japan"][0], setup.curve, shift[:-1],
                                     breakeven[:-1], infl) | {"holdings_month": held["Japan"][1].isoformat()}
    if frames.soma is not None and not frames.soma.empty:
        mtm["soma"] = soma_mtm(frames.soma, setup.anchor, setup.curve, shift[:-1], breakeven[:-1], infl)
        warnings += mtm["soma"]["warnings"]
    return ScenarioResult(
        name=spec.name, description=spec.description, spec=spec.model_dump(mode="json"), calibration_id=record.id,
        anchor=setup.anchor, curve_as_of=max(setup.curve.as_of), horizon_months=h, draws=spec.draws, seed=spec.seed,
        sales=_sales(spec, setup, book), impact_unit=spec.assumptions.impact_unit,
        impact=_impact(spec, setup, record),
        interest=InterestResult(
            cumulative_10y_delta_usd_bn=quantiles(cum[:-1]), cumulative_10y_delta_point_usd_bn=float(cum[-1]),
            cumulative_months=n10, by_fiscal_year=_fy_rows(fy_b, fy_s, setup.monthly),
            monthly=_month_rows(setup.monthly, base, scen)),
        yields=_yields(setup.curve, shift[:-1]),
        prices=benchmark_prices(setup.curve, shift[:-1]),
        first_fy_interest_over_20pct_outlays=FirstYearOver(
            threshold_pct=20.0, baseline=first_b, scenario_p50=None if med >= sentinel else int(med),
            scenario_point=first_s[-1], share_of_draws_crossing=float(np.mean([f is not None for f in first_s[:-1]]))),
        spillover=spill, mark_to_market=mtm,
        backstop={"share": spec.fed_backstop.share, "fed_purchases_usd_bn": quantiles(book["fed"][:-1].sum(1)),
                  "breakeven_10y_peak_bp": quantiles(breakeven[:-1].max(1) if h else np.zeros(1)),
                  "breakeven_passthrough": spec.fed_backstop.breakeven_passthrough},
        debt=_debt(setup, frames, base, scen), issuance_mix=setup.buckets.as_dict(),
        checks=_checks(scen), warnings=warnings)


def _q(x: np.ndarray) -> dict[str, float]:
    return quantiles(x)


def _sales(spec: ScenarioSpec, setup: Setup, book: dict) -> dict:
    sellers = [{"country": c, "amount_usd_bn": amt, "start_month": s, "months": m}
               for c, s, m, amt in spec.sale_schedule(setup.amounts)]
    total_selling = book["selling"][:-1].sum(1)
    return {"sellers": sellers, "sellers_total_usd_bn": float(book["sales"].sum()),
            "sellers_total_pct_of_debt": float(100.0 * book["sales"].sum() / setup.debt_usd_bn),
            "contagion_multiplier": spec.contagion,
            "contagion_sales_usd_bn": _q(total_selling - book["sales"].sum()),
            "net_market_sales_usd_bn": _q(total_selling - book["fed"][:-1].sum(1))}


def _impact(spec: ScenarioSpec, setup: Setup, record: CalibrationRecord) -> dict:
    """What the impulse response means at this anchor: the unit read, the debt it is scaled by, and the 10-year
    response to $100bn and to 1 % of debt at h = 0 and h = 24 (central estimates)."""
    debt, unit = setup.debt_usd_bn, spec.assumptions.impact_unit
    out = {"unit": unit, "anchor_marketable_debt_usd_bn": debt, "one_pct_of_debt_usd_bn": debt / 100.0,
           "basis": ("calibrated bp per 1 % of marketable debt sold, scaled by the anchor's debt: "
                     "bp per $100bn = b / (debt/100) × 100" if unit == "bp_per_1pct_debt"
                     else "calibrated bp per $100bn in the sample's dollars (debt $4.5-32tn), applied as is")}
    try:
        est, _ = impulse_response(record, debt_usd_bn=debt, unit=unit)
    except ModelError as exc:  # only reachable without a sale (yield_shift needs the response otherwise)
        return out | {"yield_10y_bp_per_100bn": None, "yield_10y_bp_per_1pct_debt": None,
                      "note": f"not used (no sale): {exc}"}
    ten = TENORS.index("10y")
    pct = debt / 100.0 / 100.0  # $100bn-units in 1 % of debt
    return out | {"yield_10y_bp_per_100bn": {"h0": float(est[ten, 0]), "h24": float(est[ten, -1])},
                  "yield_10y_bp_per_1pct_debt": {"h0": float(est[ten, 0] * pct), "h24": float(est[ten, -1] * pct)}}


def _fy_rows(b: FiscalYears, s: FiscalYears, monthly: pd.DataFrame) -> list[FiscalYearRow]:
    cbo = monthly.groupby("fiscal_year")["cbo_net_interest_usd_bn"].sum(min_count=12)
    rows = []
    for j, fy in enumerate(b.fiscal_year):
        ni = cbo.get(fy)
        rows.append(FiscalYearRow(
            fiscal_year=int(fy), months=int(b.months[j]), extrapolated=bool(b.extrapolated[j]),
            revenues_usd_bn=float(b.revenues[j]), gdp_usd_bn=float(b.gdp[j]),
            cbo_net_interest_usd_bn=None if ni is None or np.isnan(ni) else float(ni),
            baseline_interest_usd_bn=float(b.interest[0, j]), scenario_interest_usd_bn=_q(s.interest[:-1, j]),
            delta_interest_usd_bn=_q(s.interest[:-1, j] - b.interest[0, j]),
            baseline_outlays_usd_bn=float(b.outlays[0, j]), scenario_outlays_usd_bn=_q(s.outlays[:-1, j]),
            baseline_interest_share_outlays_pct=float(100 * b.share_outlays[0, j]),
            scenario_interest_share_outlays_pct=_q(100 * s.share_outlays[:-1, j]),
            baseline_interest_share_receipts_pct=float(100 * b.share_receipts[0, j]),
            scenario_interest_share_receipts_pct=_q(100 * s.share_receipts[:-1, j]),
            baseline_interest_pct_gdp=float(b.pct_gdp[0, j]), scenario_interest_pct_gdp=_q(s.pct_gdp[:-1, j]),
            baseline_effective_rate_pct=float(b.effective_rate_pct[0, j]),
            scenario_effective_rate_pct=_q(s.effective_rate_pct[:-1, j]),
            baseline_debt_end_usd_bn=float(b.debt_end[0, j]), scenario_debt_end_usd_bn=_q(s.debt_end[:-1, j])))
    return rows


def _month_rows(monthly: pd.DataFrame, base: EngineResult, scen: EngineResult) -> list[MonthRow]:
    rate_b, rate_s = base.avg_rate_pct()[0], scen.avg_rate_pct()[0]
    delta = scen.interest[:-1] - base.interest
    p5, p50, p95 = np.percentile(delta, [5, 50, 95], axis=0)
    s50 = np.percentile(scen.interest[:-1], 50, axis=0)
    r50 = np.percentile(rate_s[:-1], 50, axis=0)
    return [MonthRow(month_end=me.date(), fiscal_year=int(fy), baseline_interest_usd_bn=float(base.interest[0, m]),
                     scenario_interest_usd_bn_p50=float(s50[m]),
                     delta_interest_usd_bn={"p5": float(p5[m]), "p50": float(p50[m]), "p95": float(p95[m])},
                     baseline_avg_rate_pct=float(rate_b[0, m]), scenario_avg_rate_pct_p50=float(r50[m]))
            for m, (me, fy) in enumerate(zip(monthly["month_end"], monthly["fiscal_year"], strict=True))]


def _yields(curve: BaselineCurve, shift: np.ndarray) -> dict[str, TenorYields]:
    h = shift.shape[1]
    out = {}
    for k, tenor in enumerate(TENORS):
        s = shift[:, :, k]
        peak = s[np.arange(len(s)), np.abs(s).argmax(axis=1)]
        pct = np.percentile(s, [5, 50, 95], axis=0)
        out[tenor] = TenorYields(
            baseline_pct=float(curve.at([TENOR_MONTHS[tenor]])[0]), peak_shift_bp=quantiles(peak),
            shift_at_month_bp={str(m): quantiles(s[:, m]) for m in (0, 6, 12, 24, 60, 119) if m < h},
            path_bp={q: [round(float(v), 3) for v in row] for q, row in zip(("p5", "p50", "p95"), pct, strict=True)})
    return out


def _debt(setup: Setup, frames: Frames, base: EngineResult, scen: EngineResult) -> dict:
    st = setup.stock
    totals = class_totals(st)
    w = st["outstanding_usd_bn"]
    out = {"anchor_total_usd_bn": float(totals["Total"]),
           "anchor_by_class_usd_bn": {k: float(v) for k, v in totals.items() if k != "Total"},
           "anchor_avg_rate_pct": avg_rate_pct(st, float(setup.curve.at([3.0])[0])),
           "cusips": int(len(st)), "rates_imputed": int(st["coupon_imputed"].sum()),
           "rates_imputed_share_of_outstanding": float(w[st["coupon_imputed"]].sum() / w.sum()),
           "end_of_horizon_baseline_usd_bn": float(base.outstanding_end[0, -1]),
           "end_of_horizon_scenario_usd_bn": quantiles(scen.outstanding_end[:-1, -1])}
    if frames.totals is not None:
        rec = reconcile(st, frames.totals)
        out["reconciliation"] = rec.replace({np.nan: None}).to_dict(orient="records")
    return out


def _checks(r: EngineResult) -> dict[str, float]:
    gross = np.abs(r.issuance - (r.redemptions + r.primary_deficit + r.interest)).max()
    stock = np.abs(r.outstanding_end - r.outstanding_start - (r.issuance - r.redemptions)).max()
    return {"identity_gross_issuance_max_abs_usd_bn": float(gross), "identity_stock_max_abs_usd_bn": float(stock)}
