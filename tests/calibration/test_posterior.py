"""Priors file (stock_effect), normal-normal combination, prior-data conflict. The yield response's priors are
the literature mixtures of the response surface: tests/calibration/test_surface.py."""

from __future__ import annotations

import math

import pytest

from calibration.posterior import PRIORS_PATH, combine, conflicts, load_priors, normal_posterior
from calibration.record import TENORS, Z90, Param


def _data(est, sd, tenor="10y", h=None, unit="bp_per_pp_share", name="stock_effect"):
    return Param(
        name=name,
        tenor=tenor,
        horizon_months=h,
        unit=unit,
        kind="data",
        estimate=est,
        ci_low=est - Z90 * sd,
        ci_high=est + Z90 * sd,
        n_obs=100,
    )


def test_normal_posterior_textbook_case():
    m, s, w = normal_posterior(0.0, 1.0, 2.0, 1.0)
    assert (m, s, w) == pytest.approx((1.0, math.sqrt(0.5), 0.5))


@pytest.mark.parametrize("est,sd", [(-10.0, 3.0), (80.0, 10.0), (40.0, 50.0), (0.0, 0.5)])
def test_posterior_lies_between_prior_and_data_and_is_tighter(est, sd):
    priors = load_priors()
    d = _data(est, sd)
    prior, post = combine([d], priors)
    assert prior.kind == "prior" and post.kind == "posterior"
    lo, hi = sorted([prior.estimate, d.estimate])
    assert lo <= post.estimate <= hi
    assert post.sd < prior.sd
    assert post.sd <= min(prior.sd, d.sd) + 1e-12  # two independent signals: tighter than either


def test_stock_effect_prior_is_cited_and_yield_impact_has_no_normal_prior():
    priors = load_priors()
    for key, src in priors.sources.items():
        assert src["citation"] and src["finding"] and src["mapping"], key
    assert priors.find("stock_effect", "10y", None, "bp_per_pp_share").sources == ("imf2017",)
    # the yield response is no longer averaged normal-normal with a reduced-form estimate (the surface does it)
    for unit in ("bp_per_100bn", "bp_per_1pct_debt"):
        for tenor in TENORS:
            assert priors.find("yield_impact", tenor, 0, unit) is None


def test_no_prior_no_posterior():
    assert combine([_data(0.5, 0.1, name="spillover_mortgage30", unit="bp_per_bp")], load_priors()) == []


def test_bad_priors_file_is_rejected(tmp_path):
    bad = tmp_path / "p.toml"
    bad.write_text(
        PRIORS_PATH.read_text().replace(
            'sources = ["imf2017"]\nbasis = "IMF (2017)', 'sources = ["nobody"]\nbasis = "IMF (2017)'
        )
    )
    with pytest.raises(ValueError, match="nobody"):
        load_priors(bad)


def test_conflict_warning_when_intervals_do_not_overlap():
    priors = load_priors()
    d = _data(-200.0, 5.0)
    params = [d, *combine([d], priors)]
    msgs = conflicts(params)
    assert len(msgs) == 1 and "prior-data conflict" in msgs[0] and "10y" in msgs[0]
    assert conflicts([_data(-1.0, 1.0), *combine([_data(-1.0, 1.0)], priors)]) == []
