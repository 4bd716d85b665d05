"""Weekly custody LP and the per-dollar-actually-sold projection on small hand-made series with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibration.contract import Unit
from calibration.custody import custody_lps, weekly_panel
from calibration.lp import Spec
from calibration.lpiv import lp_per_dollar

WEEKS = pd.date_range("2008-01-02", periods=520, freq="W-WED")
BETA = 4.0  # bp per $100bn actually sold, permanent


def _fred(follow_on: float = 0.0, seed: int = 3, noise_bp: float = 1.0) -> pd.DataFrame:
    """Custody falls by `sale` each week; sale_t = e_t + follow_on * e_{t-1} (a sale predicts more selling);
    the 10y rises BETA bp per $100bn sold in the week of the sale and stays. Zeros before the first week mean
    missing (as FRED prints them before 2007-07)."""
    rng = np.random.default_rng(seed)
    e = rng.normal(0, 20, len(WEEKS))
    sale = e + follow_on * np.r_[0.0, e[:-1]]
    custody = 2_000_000.0 - np.cumsum(sale) * 1000.0  # $ millions
    dy = BETA * sale / 100.0 + rng.normal(0, noise_bp, len(WEEKS))
    rows = [("WMTSECL1", d, 0.0) for d in pd.date_range("2007-01-03", "2007-12-26", freq="W-WED")]
    rows += [("WMTSECL1", d, v) for d, v in zip(WEEKS, custody, strict=True)]
    days = pd.bdate_range(WEEKS[0] - pd.Timedelta(days=40), WEEKS[-1])
    y10 = pd.Series(np.cumsum(dy) / 100.0 + 3.0, index=WEEKS).reindex(days, method="ffill").bfill()
    noise = lambda s: np.cumsum(np.random.default_rng(s).normal(0, 0.5, len(days)))  # noqa: E731
    for sid in ("DGS10", "DGS3MO", "DGS2", "DGS5", "DGS30"):
        rows += [(sid, d, v) for d, v in y10.items()]
    rows += [("VIXCLS", d, 20 + v) for d, v in zip(days, noise(1), strict=True)]
    rows += [("DTWEXBGS", d, 100 + v) for d, v in zip(days, noise(2), strict=True)]
    rows += [("DFF", d, 2 + v / 100) for d, v in zip(days, noise(4), strict=True)]
    return pd.DataFrame(rows, columns=["series_id", "date", "value"])


def test_zeros_are_missing_and_the_sale_is_minus_the_custody_change():
    w = weekly_panel(_fred())
    assert w.index[0] == WEEKS[0]  # 2007 zeros dropped
    assert w["custody_bn"].iloc[1] - w["custody_bn"].iloc[0] == pytest.approx(-w["sale_custody"].iloc[1])


def test_weekly_lp_recovers_the_known_impact_at_h0_and_later():
    out = custody_lps(_fred(), None)
    r = out[("10y", str(Unit.BP_PER_100BN))].set_index("horizon")
    assert r.loc[0, "ci_low"] <= BETA <= r.loc[0, "ci_high"]
    assert r.loc[0, "coef"] == pytest.approx(BETA, abs=0.3)
    assert r.loc[8, "coef"] == pytest.approx(BETA, abs=1.0)
    assert ("10y", str(Unit.BP_PER_1PCT_DEBT)) not in out  # no debt series: no %-of-debt projection


def test_per_dollar_projection_nets_out_the_follow_on_selling():
    """sale_t = e_t + 0.8 e_(t-1): a week's sale predicts 0.8 / (1 + 0.8^2) = 0.49 more next week, so the plain
    LP at h >= 1 reads about 1.49 x BETA; per dollar actually sold it is BETA again."""
    w = weekly_panel(_fred(follow_on=0.8, noise_bp=0.3))
    spec = Spec(shock="sale_custody", shock_scale=100.0, controls=(), lagged=(), n_lags=0)
    r = lp_per_dollar(w, "y_10y", spec, [0, 4], min_obs=100).set_index("horizon")
    follow = 1 + 0.8 / 1.64
    assert r.loc[4, "cum_sale"] == pytest.approx(follow, abs=0.12)
    assert r.loc[4, "coef_raw"] == pytest.approx(follow * BETA, abs=0.6)
    assert r.loc[4, "coef_raw"] > BETA + 1.0  # the plain LP overstates the per-dollar effect
    assert r.loc[4, "coef"] == pytest.approx(BETA, abs=0.25)
    assert r.loc[4, "ci_low"] <= BETA <= r.loc[4, "ci_high"]
    assert r.loc[0, "coef"] == pytest.approx(r.loc[0, "coef_raw"])  # h = 0: nothing to net out


def test_at_h0_the_iv_hac_matches_statsmodels_ols_hac():
    """At h = 0 the per-dollar projection is the plain one: same coefficient and the same Newey-West standard
    error as statsmodels' OLS with cov_type HAC (neither applies a degrees-of-freedom correction)."""
    from calibration.custody import spec
    from calibration.lp import local_projection

    w = weekly_panel(_fred(follow_on=0.3))
    sp = spec(Unit.BP_PER_100BN)
    ours = lp_per_dollar(w, "y_10y", sp, [0, 3], min_obs=100).set_index("horizon")
    ref = local_projection(w, "y_10y", sp, [0, 3], min_obs=100).set_index("horizon")
    assert ours.loc[0, "coef"] == pytest.approx(ref.loc[0, "coef"], rel=1e-9)
    assert ours.loc[0, "se"] == pytest.approx(ref.loc[0, "se"], rel=1e-3)
    # h = 3: the plain coefficient = per-dollar coefficient x the cumulative sale per unit of shock
    assert ours.loc[3, "coef_raw"] == pytest.approx(ref.loc[3, "coef"], rel=1e-6)
