"""run_scenario end to end on hand-built frames: zero shock, determinism, monotonicity, the JSON contract."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import ModelError
from model.run import Frames, prepare, run_scenario
from model.spec import SpecError, load_spec, parse_spec
from tests.model import fixtures as fx

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
REC = fx.surface_record(
    fx.surface(
        level={"3m": 0.5, "2y": 2.0, "5y": 3.0, "10y": 3.0, "30y": 2.5},
        transitory={"3m": 1.0, "2y": 4.0, "5y": 5.0, "10y": 5.0, "30y": 4.0},
    )
)


@pytest.fixture(scope="module")
def frames():
    return Frames(stock_rows=fx.stock_rows(), curve=fx.curve(), holdings=fx.holdings(), soma=fx.soma())


def spec(**over):
    base = {
        "name": "t",
        "description": "test",
        "draws": 100,
        "seed": 3,
        "sellers": [{"country": "Japan", "amount_usd_bn": 1000}],
    }
    base.update(over)
    return parse_spec(base)


def as_json(result):
    return json.loads(result.to_json())


def test_zero_shock_gives_exactly_zero_delta(frames):
    j = as_json(run_scenario(spec(sellers=[]), REC, frames))
    assert j["interest"]["cumulative_10y_delta_usd_bn"] == {"p5": 0.0, "p50": 0.0, "p95": 0.0}
    assert j["interest"]["cumulative_10y_delta_point_usd_bn"] == 0.0
    assert all(
        r["delta_interest_usd_bn"] == {"p5": 0.0, "p50": 0.0, "p95": 0.0} for r in j["interest"]["by_fiscal_year"]
    )
    assert all(y["peak_shift_bp"]["p95"] == 0.0 for y in j["yields"].values())
    assert j["mark_to_market"]["japan"]["loss_usd_bn"]["p50"] == 0.0
    assert j["prices"]["10y"]["price_change_pct"]["p50"] == pytest.approx(0.0, abs=1e-9)
    zero = fx.surface_record(fx.surface(level=0.0, transitory=0.0))
    assert as_json(run_scenario(spec(), zero, frames))["interest"]["cumulative_10y_delta_point_usd_bn"] == 0.0


def test_identities_hold_in_a_run(frames):
    checks = as_json(run_scenario(spec(), REC, frames))["checks"]
    assert max(checks.values()) < 1e-6


def test_parallel_10bp_moves_every_yield_by_10bp_and_costs_more_each_year(frames):
    j = as_json(run_scenario(spec(sellers=[], parallel_shock_bp=10), REC, frames))
    for tenor in j["yields"].values():
        assert all(v == pytest.approx(10.0) for v in tenor["path_bp"]["p5"] + tenor["path_bp"]["p95"])
    deltas = [r["delta_interest_usd_bn"]["p50"] for r in j["interest"]["by_fiscal_year"]]
    assert all(b > a > 0 for a, b in zip(deltas, deltas[1:], strict=False))
    q = j["interest"]["cumulative_10y_delta_usd_bn"]
    assert q["p5"] == pytest.approx(q["p95"]) == pytest.approx(j["interest"]["cumulative_10y_delta_point_usd_bn"])
    # 10bp on ~$30-52tn, repricing as the stock rolls: somewhere between a third and all of 10bp × debt × 10 years
    assert 0.0003 * 30_000 * 10 < q["p50"] < 0.001 * 52_000 * 10


def test_same_seed_same_result_other_seed_other_draws(frames):
    a, b = run_scenario(spec(), REC, frames), run_scenario(spec(), REC, frames)
    assert a.to_json() == b.to_json()
    c = as_json(run_scenario(spec(seed=4), REC, frames))
    assert c["interest"]["cumulative_10y_delta_usd_bn"] != as_json(a)["interest"]["cumulative_10y_delta_usd_bn"]
    assert (
        c["interest"]["cumulative_10y_delta_point_usd_bn"]
        == as_json(a)["interest"]["cumulative_10y_delta_point_usd_bn"]
    )


@pytest.fixture(scope="module")
def setup(frames):
    return prepare(spec(draws=20), frames)


@settings(max_examples=10, deadline=None)
@given(small=st.floats(0.0, 1200.0), extra=st.floats(1.0, 800.0), months=st.integers(1, 36))
def test_a_bigger_sale_gives_higher_yields_and_interest(frames, setup, small, extra, months):
    s = spec(draws=20, sellers=[{"country": "Japan", "amount_usd_bn": 1.0, "months": months}])
    lo = as_json(run_scenario(s, REC, frames, setup=dataclasses.replace(setup, amounts={0: small})))
    hi = as_json(run_scenario(s, REC, frames, setup=dataclasses.replace(setup, amounts={0: small + extra})))
    for tenor in ("3m", "2y", "10y", "30y"):
        assert hi["yields"][tenor]["peak_shift_bp"]["p50"] > lo["yields"][tenor]["peak_shift_bp"]["p50"]
        for q in ("p5", "p50", "p95"):
            assert all(
                h >= x - 1e-9
                for h, x in zip(hi["yields"][tenor]["path_bp"][q], lo["yields"][tenor]["path_bp"][q], strict=True)
            )
    for q in ("p5", "p50", "p95"):
        assert hi["interest"]["cumulative_10y_delta_usd_bn"][q] > lo["interest"]["cumulative_10y_delta_usd_bn"][q]
    assert hi["interest"]["cumulative_10y_delta_point_usd_bn"] > lo["interest"]["cumulative_10y_delta_point_usd_bn"]


def test_the_json_has_the_contracted_keys(frames):
    j = as_json(run_scenario(spec(), REC, frames))
    q = j["interest"]["cumulative_10y_delta_usd_bn"]
    assert set(q) == {"p5", "p50", "p95"} and q["p5"] < q["p50"] < q["p95"]
    assert isinstance(j["interest"]["by_fiscal_year"], list) and len(j["interest"]["by_fiscal_year"]) == 10
    assert j["interest"]["by_fiscal_year"][0]["fiscal_year"] == 2027
    assert set(j["yields"]) == {"3m", "2y", "5y", "10y", "30y"}
    assert {"2y", "5y", "10y", "30y", "brief_example"} <= set(j["prices"])
    assert j["prices"]["brief_example"]["claim_return_pct"] == pytest.approx(100 * (103 / 90 - 1))
    assert {"baseline", "scenario_p50", "share_of_draws_crossing"} <= set(j["first_fy_interest_over_20pct_outlays"])
    assert {"mortgage30", "japan10y", "breakeven10y"} == set(j["spillover"])
    assert j["spillover"]["mortgage30"]["peak_bp"]["p50"] == pytest.approx(
        0.7 * j["yields"]["10y"]["peak_shift_bp"]["p50"], rel=0.2
    )
    assert j["mark_to_market"]["japan"]["loss_usd_bn"]["p50"] > 0
    assert j["mark_to_market"]["soma"]["loss_usd_bn"]["p50"] > 0
    assert j["calibration_id"] == "test-cal" and j["anchor"] == "2026-09-30"
    assert len(j["interest"]["monthly"]) == 120


def test_contagion_and_the_fed_backstop_move_yields_the_expected_way(frames):
    point = lambda j: j["yields"]["10y"]["shift_at_month_bp"]["0"]["p50"]  # noqa: E731
    alone = as_json(run_scenario(spec(), REC, frames))
    followed = as_json(run_scenario(spec(contagion=1.0), REC, frames))
    assert point(followed) > point(alone)
    half = as_json(run_scenario(spec(fed_backstop={"share": 0.5, "breakeven_passthrough": 0.0}), REC, frames))
    assert point(half) == pytest.approx(0.5 * point(alone), rel=1e-9)
    assert half["backstop"]["fed_purchases_usd_bn"]["p50"] == pytest.approx(500.0)
    assert half["backstop"]["breakeven_10y_peak_bp"]["p50"] > 0
    costly = as_json(run_scenario(spec(fed_backstop={"share": 0.5}), REC, frames))
    assert point(costly) > point(half)  # breakevens lift nominal yields when passed through


def test_speed_of_sale_matters_when_the_impact_fades(frames):
    fire = as_json(run_scenario(spec(), REC, frames))
    slow = as_json(run_scenario(spec(sellers=[{"country": "Japan", "amount_usd_bn": 1000, "months": 60}]), REC, frames))
    assert fire["yields"]["10y"]["peak_shift_bp"]["p50"] > slow["yields"]["10y"]["peak_shift_bp"]["p50"]


def test_inputs_the_scenario_needs_are_checked(frames):
    bare = fx.record()
    bare.params = [p for p in bare.params if p.name != "contagion"]
    with pytest.raises(ModelError, match="no contagion"):
        run_scenario(spec(contagion=1.0), bare, frames)
    share = spec(sellers=[{"country": "Japan", "share_of_holdings": 0.5}])
    assert as_json(run_scenario(share, REC, frames))["sales"]["sellers"][0]["amount_usd_bn"] == 600.0
    with pytest.raises(SpecError, match="needs TIC holdings"):
        run_scenario(share, REC, dataclasses.replace(frames, holdings=None))
    with pytest.raises(SpecError, match="more than its holdings"):
        run_scenario(spec(sellers=[{"country": "Japan", "amount_usd_bn": 5000}]), REC, frames)


@pytest.mark.parametrize(
    "name",
    [
        "japan-fire-sale",
        "japan-orderly-unwind",
        "japan-and-china",
        "japan-with-fed-backstop",
        "article-claims",
        "parallel-plus-10bp",
    ],
)
def test_shipped_scenarios_run(frames, name):
    s = load_spec(SCENARIOS / f"{name}.yaml").model_copy(update={"draws": 100})
    j = as_json(run_scenario(s, REC, frames))
    q = j["interest"]["cumulative_10y_delta_usd_bn"]
    assert 0 < q["p5"] <= q["p50"] <= q["p95"], name
    if name == "article-claims":
        assert j["first_fy_interest_over_20pct_outlays"]["scenario_p50"] == 2027


def test_sellers_lose_at_their_sale_months_and_soma_is_scaled_to_treast(frames):
    from model.risk import loss_pct_at, stock_holdings
    from model.run import prepare

    fed = pd.DataFrame({"date": pd.to_datetime(["2026-06-17", "2026-12-02"]), "value_usd_bn": [4000.0, 9999.0]})
    f = dataclasses.replace(frames, fed_treasury=fed)
    s = spec(draws=30, sellers=[{"country": "Japan", "amount_usd_bn": 600, "months": 3}])
    j = as_json(run_scenario(s, REC, f))
    seller = j["mark_to_market"]["sellers"][0]
    assert seller["sale_months"] == [0, 2] and j["mark_to_market"]["japan"]["revalued_at"] == "its sale months"
    # the loss is each month's $200bn revalued at that month's shift: rebuild it from the shifts of the run's draws
    from model.response import scenario_response
    from model.run import make_draws
    from model.shock import sales_schedule, yield_shift

    setup = prepare(s, f)
    d = make_draws(30, s.seed, REC.surface.n_draws)
    shift = yield_shift(
        s, sales_schedule(s, setup.amounts), setup.debt_usd_bn, REC, scenario_response(REC), d.normals, d.index, None
    )
    h = stock_holdings(setup.stock, setup.anchor)
    loss = sum(200.0 * loss_pct_at(h, setup.curve, shift, m, 2.3) / 100 for m in range(3))
    assert seller["loss_usd_bn"]["p50"] == pytest.approx(float(np.median(loss)), rel=1e-9)
    soma = j["mark_to_market"]["soma"]
    assert soma["scaled_to"]["date"] == "2026-06-17" and soma["treasury_par_usd_bn"] == pytest.approx(4000.0)
    assert soma["as_of_date"] == "2026-09-23" and "scaled" not in " ".join(soma["warnings"])  # a week old: no warning
