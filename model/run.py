"""run_scenario: spec + calibration + warehouse frames -> ScenarioResult. backcast lives in model/backcast.py.

The chain (docs/model.md): sales schedule → yield shift at the calibrated nodes (the draw's response surface,
contagion, Fed backstop, premia, an imposed price fall) → new-issue yields per bucket on top of the baseline path
(CBO's by default) → rollover of the real stock with CBO's primary deficits → interest by fiscal year, reconciled
with CBO's net interest → prices, mark-to-market, spillovers. The baseline is the same engine with a zero shift.

Monte Carlo draws are processed in chunks (model/memory.py sizes them): each chunk's shift, engine run and
revaluations are reduced at once to the per-draw numbers the quantiles need (model/collect.py), so memory grows
with draws × months only by 32 bytes a draw-month. All random numbers are drawn up front from the seed, and every
per-draw computation is row by row, so a seed gives the same run JSON whatever the chunk size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from calibration.contract import TENORS
from calibration.record import CalibrationRecord
from model.baseline import BaselinePath, baseline_path
from model.budget import by_fiscal_year, load_cbo_baseline, monthly_baseline
from model.collect import Collector
from model.curve import BaselineCurve, baseline_curve
from model.issuance import KIND, Buckets, default_mix
from model.memory import budget_error, chunk_draws
from model.response import scenario_response
from model.results import ScenarioResult
from model.rollover import EngineResult, EngineStock, Paths, roll
from model.shock import PriceFall, Shift, sales_schedule, yield_shift
from model.spec import ScenarioSpec, SpecError, check_against_holdings

NORMALS = 10  # 0 response (fallback z), 1-4 reserved, 5 contagion, 6 backstop breakeven, 7-9 spillovers


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
    fed_treasury: pd.DataFrame | None = None  # date, value_usd_bn: the Fed's Treasury holdings (FRED TREAST)


@dataclass
class Setup:
    anchor: date
    stock: pd.DataFrame
    engine_stock: EngineStock
    curve: BaselineCurve
    baseline: BaselinePath
    buckets: Buckets
    monthly: pd.DataFrame
    amounts: dict[int, float]

    @property
    def debt_usd_bn(self) -> float:
        """Marketable debt at the anchor (Σ CUSIP outstanding): the base of the per-1%-of-debt impact."""
        return float(self.engine_stock.face.sum())


def prepare(spec: ScenarioSpec, frames: Frames, amounts: dict[int, float] | None = None) -> Setup:
    """Everything a run needs that does not depend on the draws: stock, baseline path, mix, CBO path, amounts."""
    from model.stock import StockAssumptions, build_stock

    anchor = spec.anchor if isinstance(spec.anchor, date) else None
    a = spec.assumptions
    stock = build_stock(
        frames.stock_rows,
        anchor=anchor,
        curve=frames.curve,
        auctions=frames.auctions,
        assumptions=StockAssumptions(a.cpi_inflation_pct, a.frn_spread_pct),
    )
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
    curve = baseline_curve(frames.curve, anchor)
    return Setup(
        anchor,
        stock,
        EngineStock.from_stock(stock, anchor),
        curve,
        baseline_path(a.baseline_path, curve, anchor, spec.horizon_months),
        Buckets.from_mix(mix),
        monthly_baseline(cbo, anchor, spec.horizon_months),
        amounts,
    )


@dataclass
class Draws:
    """Every random number of a run, drawn up front: normals (D, 10) and surface draw indices (D,) or None."""

    normals: np.ndarray
    index: np.ndarray | None

    def rows(self, lo: int, hi: int) -> Draws:
        return Draws(self.normals[lo:hi], None if self.index is None else self.index[lo:hi])


def make_draws(draws: int, seed: int, surface_draws: int | None) -> Draws:
    """The fixed layout: normals first, then the surface indices, so the normals of a seed do not depend on
    whether the calibration has a surface."""
    rng = np.random.default_rng(seed)
    normals = rng.standard_normal((draws, NORMALS))
    index = rng.integers(0, surface_draws, draws) if surface_draws else None
    return Draws(normals, index)


def engine_paths(spec: ScenarioSpec, setup: Setup, shift: Shift, deficit: np.ndarray) -> Paths:
    """New-issue rates per bucket, the FRN index and the CPI path for the engine, from a yield shift."""
    a, b = spec.assumptions, setup.buckets
    base = setup.baseline.at(b.terms)  # (H, B) percent
    nominal = base[None] + shift.at(b.terms) / 100.0
    tips = b.kinds == KIND["TIPS"]
    real = nominal - a.cpi_inflation_pct - shift.breakeven[:, :, None] / 100.0
    rate = np.where(tips[None, None, :], real, nominal)
    rate = np.where((b.kinds == KIND["FRN"])[None, None, :], a.frn_spread_pct, rate)
    bill3m = setup.baseline.at([3.0])[:, 0][None] + shift.at([3.0])[:, :, 0] / 100.0
    inflation = (a.cpi_inflation_pct + shift.breakeven / 100.0) / 100.0
    return Paths(rate / 100.0, bill3m / 100.0, inflation, primary_deficit=deficit)


def zero_shift(h: int) -> Shift:
    z = np.zeros((1, h))
    return Shift(np.zeros((1, h, len(TENORS))), z, None, z, z)


def run_scenario(
    spec: ScenarioSpec,
    record: CalibrationRecord,
    frames: Frames,
    amounts: dict[int, float] | None = None,
    setup: Setup | None = None,
    chunk: int | None = None,
) -> ScenarioResult:
    """One scenario run: baseline, `spec.draws` Monte Carlo draws in chunks, and a central-estimate run.

    `amounts` ($bn by seller index) overrides the spec/holdings resolution; `setup` (from `prepare`) skips
    rebuilding the stock, mix and baseline for repeated runs on the same anchor; `chunk` fixes the draws per chunk
    (default: model/memory.py). `frames.holdings`, `frames.soma` and `frames.fed_treasury` feed the
    mark-to-market."""
    too_big = budget_error(spec.draws, spec.horizon_months)
    if too_big:  # specs built with model_copy skip the validator
        raise SpecError(too_big)
    setup = setup or prepare(spec, frames, amounts)
    h, a = spec.horizon_months, spec.assumptions
    deficit = setup.monthly["primary_deficit_usd_bn"].to_numpy()
    sales = sales_schedule(spec, setup.amounts)
    response = (
        scenario_response(record, a.impact_half_life_months, a.impact_long_run_share) if sales.any() else None
    )  # a parallel shock or a price fall runs on any calibration
    draws = make_draws(spec.draws, spec.seed, response.n_draws if response is not None else None)
    imposed = PriceFall(spec.price_fall_pct, setup.curve) if spec.price_fall_pct else None
    base = roll(setup.engine_stock, setup.buckets, engine_paths(spec, setup, zero_shift(h), deficit))
    fy_b = by_fiscal_year(setup.monthly, base.interest, base.outstanding_start, base.outstanding_end)
    col = Collector(spec, setup, record, frames, base, fy_b, sales)

    def simulate(block: Draws, resp) -> tuple[Shift, EngineResult]:
        shift = yield_shift(spec, sales, setup.debt_usd_bn, record, resp, block.normals, block.index, imposed)
        return shift, roll(setup.engine_stock, setup.buckets, engine_paths(spec, setup, shift, deficit))

    step = chunk or chunk_draws(h, spec.draws)
    for lo in range(0, spec.draws, step):
        block = draws.rows(lo, min(lo + step, spec.draws))
        col.add(lo, *simulate(block, response), block.normals)
    central = Draws(np.zeros((1, NORMALS)), None if draws.index is None else np.zeros(1, dtype=int))
    col.add_point(*simulate(central, response.central() if response is not None else None))
    return col.result(response, draws)
