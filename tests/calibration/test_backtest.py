"""backtest(): attribution arithmetic, actual moves, coverage errors."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from calibration.backtest import backtest
from calibration.estimate import calibrate
from calibration.panel import build_panel
from calibration.record import TENORS
from tests.calibration.synth import BETA, synthetic_inputs


@pytest.fixture(scope="module")
def setup():
    inputs = synthetic_inputs(n_months=180, reported_from=0, seed=5)
    rec = calibrate(inputs, inputs.as_of, "bt", created_at=datetime(2026, 1, 1, tzinfo=UTC))
    return inputs, rec, build_panel(inputs).frame


def test_one_month_window_is_impact_times_sales(setup):
    inputs, rec, p = setup
    out = backtest(rec, inputs, "2008-03", "2008-03")
    sale = p.loc["2008-03-31", "sale_adj_total"]
    assert out["net_sales_usd_bn"]["total"] == pytest.approx(sale, abs=1e-3)
    ten = next(r for r in out["by_tenor"] if r["tenor"] == "10y")
    data = rec.get("yield_impact", tenor="10y", horizon_months=0, unit="bp_per_100bn", kind="data_tic_lp")
    # The posterior: each surface draw's month-0 response times the sale in % of the previous month's debt.
    pct = p.loc["2008-03-31", "sale_adj_total_pct"]
    r0 = rec.surface.response(1)[:, TENORS.index("10y"), 0]
    assert ten["kind_used"] == "posterior_surface"
    assert ten["attributed_bp"] == pytest.approx(float(np.median(r0 * pct)), abs=1e-3)
    assert ten["data_attributed_bp"] == pytest.approx(data.estimate * sale / 100, abs=1e-3)
    assert ten["ci_low"] <= ten["attributed_bp"] <= ten["ci_high"]
    actual = (p.loc["2008-03-31", "y_10y"] - p.loc["2008-02-29", "y_10y"]) * 100
    assert ten["actual_bp"] == pytest.approx(actual, abs=1e-3)
    assert ten["residual_bp"] == pytest.approx(actual - ten["attributed_bp"], abs=1e-3)
    assert [r["tenor"] for r in out["by_tenor"]] == list(TENORS)


def test_multi_month_window_uses_horizon_end_minus_t(setup):
    inputs, rec, p = setup
    out = backtest(rec, inputs, "2006-01", "2006-12")
    assert out["window"] == {"start": "2006-01", "end": "2006-12", "months": 12}
    curve = {
        x.horizon_months: x.estimate
        for x in rec.params
        if x.name == "yield_impact" and x.tenor == "5y" and x.unit == "bp_per_100bn" and x.kind == "data_tic_lp"
    }
    sales = p.loc["2006-01-31":"2006-12-31", "sale_adj_total"]
    expected = sum(curve[11 - i] * s / 100 for i, s in enumerate(sales))
    five = next(r for r in out["by_tenor"] if r["tenor"] == "5y")
    assert five["data_attributed_bp"] == pytest.approx(expected, abs=1e-3)
    assert five["max_horizon_used"] == 11
    # the surface: sum over months of R(11 - i) x sale_i (% of debt), per draw, median
    pct = p.loc["2006-01-31":"2006-12-31", "sale_adj_total_pct"].to_numpy()
    r = rec.surface.response(12)[:, TENORS.index("5y"), ::-1]  # column i = horizon 11 - i
    assert five["attributed_bp"] == pytest.approx(float(np.median(r @ pct)), abs=1e-3)


def test_data_attribution_tracks_the_true_effect_over_a_long_window(setup):
    inputs, rec, p = setup
    out = backtest(rec, inputs, "2005-01", "2014-12")
    ten = next(r for r in out["by_tenor"] if r["tenor"] == "10y")
    truth = BETA["10y"] * p.loc["2005-01-31":"2014-12-31", "sale_adj_total"].sum() / 100
    assert ten["data_ci_low"] - 5 <= truth <= ten["data_ci_high"] + 5
    assert any("longer than 25 months" in n for n in out["notes"])


@pytest.mark.parametrize(
    "start,end,match",
    [
        ("1999-01", "1999-03", r"1999-01\.\.1999-03 is not covered.*foreign flows cover 2004-01\.\.2018-12"),
        ("2018-06", "2019-02", r"not covered.*no flow for 2019-01"),
        ("2008-13", "2009-01", "must be YYYY-MM"),
        ("2009-05", "2009-01", "start is after end"),
    ],
)
def test_windows_outside_the_data_are_clear_errors(setup, start, end, match):
    inputs, rec, _ = setup
    with pytest.raises(ValueError, match=match):
        backtest(rec, inputs, start, end)


def test_window_across_a_series_break_runs_and_names_the_break(setup):
    _, rec, _ = setup
    # Holdings from mfhhis01 and no reported flows before 2018: 2011-09/10 and 2011-12/2012-01 are breaks.
    inputs = synthetic_inputs(n_months=180, reported_from=170, seed=5)
    out = backtest(rec, inputs, "2011-01", "2012-06")
    assert any("2011-09, 2011-10, 2011-12, 2012-01" in n for n in out["notes"])
    assert out["monthly_sales_usd_bn"]["2011-09"] == 0.0
    assert out["by_tenor"][3]["attributed_bp"] is not None
