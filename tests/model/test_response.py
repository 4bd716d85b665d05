"""The yield response: joint draws of a response surface, its convolution with sales, the decay of the short-run
multiplier, the posterior-params fallback, chunked Monte Carlo and the memory budget."""

from __future__ import annotations

import json

import numpy as np
import pytest

from calibration.contract import ResponseSurface
from model import ModelError
from model.memory import budget_error, max_draws
from model.response import PosteriorResponse, SurfaceResponse, posterior_profile, scenario_response
from model.run import Frames, run_scenario
from model.spec import SpecError, parse_spec
from tests.model import fixtures as fx

SURFACE = fx.surface(
    n=600,
    level={"3m": 0.5, "2y": 2.0, "5y": 3.0, "10y": 3.5, "30y": 3.0},
    transitory={"3m": 1.0, "2y": 5.0, "5y": 7.0, "10y": 8.0, "30y": 6.0},
    half_life=6.0,
)
REC = fx.surface_record(SURFACE)


@pytest.fixture(scope="module")
def frames():
    return Frames(stock_rows=fx.stock_rows(), curve=fx.curve(), holdings=fx.holdings(), soma=fx.soma())


def spec(months: int = 1, amount: float = 1200.0, **over):
    base = {
        "name": "t",
        "description": "test",
        "draws": 400,
        "seed": 5,
        "sellers": [{"country": "Japan", "amount_usd_bn": amount, "months": months}],
    }
    return parse_spec(base | over)


def run(s, rec=REC, frames_=None, **kw) -> dict:
    return json.loads(run_scenario(s, rec, frames_, **kw).to_json())


def test_the_convolution_is_the_surface_applied_to_each_months_sale():
    resp = SurfaceResponse.from_surface(SURFACE)
    net = np.zeros(40)
    net[[0, 3, 4, 20]] = [1.0, 0.5, 0.25, 2.0]
    idx = np.array([0, 7, 599])
    r = resp.response(40, idx)  # (3, 5, 40)
    brute = np.zeros_like(r)
    for s in np.flatnonzero(net):
        brute[..., s:] += r[..., : 40 - s] * net[s]
    assert resp.shift(net, idx) == pytest.approx(brute, rel=1e-10, abs=1e-12)
    # the form: level + transitory · 0.5^(h / half-life), the contract's definition
    assert r == pytest.approx(SURFACE.response(40, idx))


def test_draws_are_joint_across_tenors(frames):
    j = run(spec(draws=600), frames_=frames)
    # one whole surface per draw: the 5y and 10y peaks move together across draws, and no draw has the 10y up
    # while the 5y goes down (the issue measured 15 % such draws with one independent normal per tenor)
    resp = SurfaceResponse.from_surface(SURFACE)
    net = np.zeros(120)
    net[0] = 100 * 1200 / 30_000
    shift = resp.shift(net, np.arange(600))
    corr = np.corrcoef(shift[:, 2, 0], shift[:, 3, 0])[0, 1]
    assert corr > 0.9
    assert not ((shift[:, 3, 0] > 0) & (shift[:, 2, 0] < 0)).any()
    q10, q5 = j["yields"]["10y"]["peak_shift_bp"], j["yields"]["5y"]["peak_shift_bp"]
    assert q10["p5"] > 0 and q5["p5"] > 0 and q10["p50"] > q5["p50"]


def test_a_fire_sale_peaks_higher_than_an_orderly_unwind_and_both_end_at_the_level(frames):
    fire, slow = run(spec(1), frames_=frames), run(spec(60), frames_=frames)
    f10, s10 = fire["yields"]["10y"], slow["yields"]["10y"]
    assert f10["peak_shift_bp"]["p50"] > 1.8 * s10["peak_shift_bp"]["p50"]
    last_f, last_s = f10["shift_at_month_bp"]["119"]["p50"], s10["shift_at_month_bp"]["119"]["p50"]
    assert last_f < f10["peak_shift_bp"]["p50"]  # the short-run multiplier decays
    assert last_s == pytest.approx(last_f, rel=5e-3)  # same amount, same persistent effect (transitory ≈ gone)
    # the persistent level per 1 % of debt × the sale in % of debt
    pct = 100 * 1200 / fire["impact"]["anchor_marketable_debt_usd_bn"]
    lvl = np.median(SURFACE.level[:, 3])
    assert last_f == pytest.approx(lvl * pct, rel=0.15)
    assert fire["impact"]["source"] == "surface" and fire["impact"]["draws_in_calibration"] == 600
    assert (
        fire["interest"]["cumulative_10y_delta_usd_bn"]["p50"] > slow["interest"]["cumulative_10y_delta_usd_bn"]["p50"]
    )


def test_decay_assumptions_are_spec_fields(frames):
    fire = run(spec(1), frames_=frames)["yields"]["10y"]
    slow_decay = run(spec(1, assumptions={"impact_half_life_months": 60}), frames_=frames)["yields"]["10y"]
    assert slow_decay["shift_at_month_bp"]["24"]["p50"] > fire["shift_at_month_bp"]["24"]["p50"]
    assert slow_decay["peak_shift_bp"]["p50"] == pytest.approx(fire["peak_shift_bp"]["p50"], rel=1e-9)
    fades = run(spec(1, assumptions={"impact_long_run_share": 0.0}), frames_=frames)["yields"]["10y"]
    assert fades["peak_shift_bp"]["p50"] == pytest.approx(fire["peak_shift_bp"]["p50"], rel=1e-9)
    assert abs(fades["shift_at_month_bp"]["119"]["p50"]) < 0.01 * fire["shift_at_month_bp"]["119"]["p50"]
    with pytest.raises(SpecError, match="impact_tail: 'hold' is not valid: retired"):
        spec(assumptions={"impact_tail": "hold"})
    with pytest.raises(SpecError, match="impact_unit: 'bp_per_100bn' is not valid: retired"):
        spec(assumptions={"impact_unit": "bp_per_100bn"})


def test_without_a_surface_the_posterior_params_are_used_jointly(frames):
    rec = fx.record(impact_bp=6.0, sd_bp=2.0, horizons=[0, 12, 24], decay=0.5)
    est, sd = posterior_profile(rec)
    k = fx.REFERENCE_DEBT_BN / 100.0 / 100.0  # the fixture's per-1%-of-debt scale
    assert est[:, 0] == pytest.approx(6.0 * k) and est[:, 24] == pytest.approx(3.0 * k)
    assert est[:, 6] == pytest.approx(5.25 * k) and sd == pytest.approx(np.full((5, 25), 2.0 * k))
    resp = scenario_response(rec)
    assert isinstance(resp, PosteriorResponse) and "no response surface" in resp.notes[0]
    r = resp.response(40, np.array([1.0, -1.0]))
    assert r[0, :, 30] == pytest.approx(r[0, :, 24])  # held beyond the record's last horizon
    assert np.corrcoef(r[:, 0, 0], r[:, 3, 0])[0, 1] == pytest.approx(1.0)  # one z per draw, every tenor
    j = run(spec(draws=50), rec, frames)
    assert j["impact"]["source"] == "posterior_params" and any("no response surface" in w for w in j["warnings"])
    bare = fx.record(units=("bp_per_100bn",))
    with pytest.raises(ModelError, match="no response surface and no yield_impact for tenor 3m in bp_per_1pct_debt"):
        run_scenario(spec(draws=5), bare, frames)
    assert run(spec(sellers=[], parallel_shock_bp=10, draws=5), bare, frames)["impact"]["source"] is None


def test_the_same_seed_gives_the_same_json_whatever_the_chunking(frames):
    s = spec(draws=90, contagion=1.0, fed_backstop={"share": 0.3})
    one = run_scenario(s, REC, frames).to_json()
    assert run_scenario(s, REC, frames, chunk=7).to_json() == one
    assert run_scenario(s, REC, frames, chunk=90).to_json() == one


def test_the_memory_budget_is_checked_up_front():
    assert budget_error(100_000, 120) is None  # the documented maximum of draws at ten years fits
    msg = budget_error(100_000, 600)
    assert msg and "GB" in msg and f"at most {max_draws(600):,} draws" in msg
    with pytest.raises(SpecError, match=r"draws 100,000 × horizon_months 600 needs about \d\.\d GB"):
        parse_spec({"name": "big", "description": "x", "draws": 100_000, "horizon_months": 600})
    parse_spec({"name": "ok", "description": "x", "draws": max_draws(600), "horizon_months": 600})
    with pytest.raises(ValueError):
        ResponseSurface(-np.ones((2, 5)), np.ones((2, 5)), np.ones((2, 5)))  # the contract refuses negatives
