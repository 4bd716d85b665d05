"""The baseline yield path (CBO's projections shaped by the anchor's curve), the reconciliation of the model's
interest with CBO's net interest, and the article's imposed price fall translated per tenor."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from model import bonds
from model.baseline import baseline_path, bill_investment_from_discount, load_cbo_rates
from model.budget import load_cbo_baseline
from model.curve import baseline_curve
from model.run import Frames, run_scenario
from model.shock import PriceFall
from model.spec import parse_spec
from tests.model import fixtures as fx

REC = fx.surface_record()
CBO_SHARES = {2026: 13.8, 2030: 15.3, 2035: 16.9}  # CBO's published net interest / outlays, January 2025


def test_cbo_bill_rate_is_converted_from_discount_to_investment_basis():
    rates = load_cbo_rates().set_index("fiscal_year")
    assert (
        rates.loc[2027, "treasury_bill_rate_3mo_pct"] == 3.177
        and rates.loc[2035, "treasury_note_rate_10yr_pct"] == 3.778
    )
    # 91-day bill at a 3.177 % discount: price 99.1969, bond-equivalent yield (100 − P)/P · 365/91
    p = 100 * (1 - 0.03177 * 91 / 360)
    assert float(bill_investment_from_discount(3.177)) == pytest.approx((100 - p) / p * 365 / 91 * 100)
    assert float(bill_investment_from_discount(3.177)) == pytest.approx(3.2472, abs=1e-4)


def test_cbo_path_hits_cbos_rates_and_keeps_the_curves_shape():
    curve = baseline_curve(fx.curve(), fx.ANCHOR)  # 3m 3.9, 2y 3.6, 5y 3.7, 10y 4.1, 30y 4.7
    path = baseline_path("cbo", curve, fx.ANCHOR, 120)
    y = path.at([3.0, 24.0, 120.0, 360.0])
    fy27 = path.fiscal_years == 2027
    b3 = float(bill_investment_from_discount(3.177))
    assert y[fy27, 0] == pytest.approx(b3)
    assert y[fy27, 2] == pytest.approx(3.918)
    # 30y keeps its spread to the 10y; 2y sits on the line between the two anchored shifts
    assert y[fy27, 3] == pytest.approx(3.918 + (4.7 - 4.1))
    w = (24 - 3) / 117
    d3, d10 = b3 - 3.9, 3.918 - 4.1
    assert y[fy27, 1] == pytest.approx(3.6 + d3 * (1 - w) + d10 * w)
    fy36 = path.fiscal_years == 2036  # past CBO's table: FY2035 held and flagged
    assert y[fy36, 2] == pytest.approx(3.778) and path.held[fy36].all() and not path.held[fy27].any()
    rows = {r["fiscal_year"]: r for r in path.describe()["by_fiscal_year"]}
    assert rows[2036]["held_from_last_cbo_year"] and rows[2027]["cbo_bill_3m_discount_pct"] == 3.177
    assert np.allclose(baseline_path("flat", curve, fx.ANCHOR, 12).at([120.0]), 4.1)
    assert baseline_path("forwards", curve, fx.ANCHOR, 12).kind == "forward"


def _run(anchor: date, **over) -> dict:
    frames = Frames(
        stock_rows=fx.stock_rows(anchor=anchor),
        curve=fx.curve(anchor),
        holdings=fx.holdings(month="2023-06-30"),
        soma=fx.soma(anchor),
    )
    base = {
        "name": "t",
        "description": "x",
        "draws": 60,
        "seed": 1,
        "anchor": anchor.isoformat(),
        "sellers": [{"country": "Japan", "amount_usd_bn": 1000}],
    }
    return json.loads(run_scenario(parse_spec(base | over), REC, frames).to_json())


@pytest.mark.parametrize("anchor", [date(2023, 9, 30), date(2026, 9, 30)])
def test_the_baseline_row_reproduces_cbos_shares_and_the_delta_goes_on_top(anchor):
    j = _run(anchor)
    cbo = load_cbo_baseline().set_index("fiscal_year")
    rows = j["interest"]["by_fiscal_year"]
    covered = [r for r in rows if r["cbo_net_interest_usd_bn"] is not None]
    assert covered
    for r in covered:
        fy = r["fiscal_year"]
        published = 100 * cbo.loc[fy, "net_interest_usd_bn"] / cbo.loc[fy, "outlays_usd_bn"]
        assert r["baseline_interest_share_outlays_pct"] == pytest.approx(published, abs=0.05)
        if fy in CBO_SHARES:
            assert round(r["baseline_interest_share_outlays_pct"], 1) == CBO_SHARES[fy]
        assert r["baseline_interest_usd_bn"] == pytest.approx(cbo.loc[fy, "net_interest_usd_bn"])
        assert r["model_minus_cbo_usd_bn"] == pytest.approx(r["model_interest_usd_bn"] - r["baseline_interest_usd_bn"])
        d = r["delta_interest_usd_bn"]["p50"]
        base = r["baseline_interest_usd_bn"]
        assert r["scenario_interest_usd_bn"]["p50"] == pytest.approx(base + d)
        assert r["scenario_interest_share_outlays_pct"]["p50"] == pytest.approx(
            100 * (base + d) / (r["baseline_outlays_usd_bn"] + d), rel=1e-3
        )
    past = [r for r in rows if r["cbo_net_interest_usd_bn"] is None]
    assert all(r["baseline_source"] == "model × CBO ratio" and r["extrapolated"] for r in past)
    assert j["baseline"]["path"] == "cbo" and "CBO" in j["baseline"]["description"]
    assert {2026, 2030} <= {r["fiscal_year"] for r in covered} or anchor.year == 2026


def test_the_articles_ten_percent_price_fall_per_tenor():
    curve = baseline_curve(fx.curve(level=3.0), fx.ANCHOR)
    pf = PriceFall(10.0, curve)
    one, ten, thirty = pf.at([12.0, 120.0, 360.0])
    assert one == pytest.approx(1144.44, abs=0.01)  # the article's own bond: 103/90 − 1 = 14.44 %
    for bp_, years in ((one, 1), (ten, 10), (thirty, 30)):
        assert bonds.price(3.0, 3.0 + bp_ / 100, years, freq=1) == pytest.approx(90.0, abs=1e-8)
    assert pf.at([3.0])[0] == pytest.approx(one)  # under a year: the one-year move
    assert 1144 > 4 * ten > 4 * thirty


def test_article_claims_imposes_the_fall_and_prices_the_sale_it_would_take():
    j = _run(fx.ANCHOR, sellers=[], price_fall_pct=10)
    im = j["imposed"]
    ten = im["by_tenor"]["10y"]["shift_bp"]
    assert j["yields"]["10y"]["peak_shift_bp"] == {"p5": ten, "p50": ten, "p95": ten}
    assert "article's assumption" in im["label"] and im["article_example_1y_3pct_shift_bp"] == pytest.approx(
        1144.44, abs=0.01
    )
    eq = im["calibrated_equivalent"]
    peak = (REC.surface.level + REC.surface.transitory)[:, 3]
    assert eq["sale_needed_pct_of_debt_at_median"] == pytest.approx(ten / np.median(peak))
    japan_pct = 100 * 1200 / j["debt"]["anchor_total_usd_bn"]
    assert eq["probability_japan_fire_sale_reaches_target"] == pytest.approx(np.mean(peak * japan_pct >= ten))
    assert j["uncertainty"]["all_draws_agree"] and j["impact"]["source"] is None
