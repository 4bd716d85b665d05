"""Priors file, normal-normal combination, prior-data conflict."""

from __future__ import annotations

import math

import pytest

from calibration.posterior import PRIORS_PATH, combine, conflicts, load_priors, normal_posterior
from calibration.record import TENORS, Z90, Param


def _data(est, sd, tenor="10y", h=0, unit="bp_per_100bn", name="yield_impact"):
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
    # The identification allowance keeps the posterior from collapsing onto a precise reduced-form estimate.
    assert post.sd > min(prior.sd, d.sd) * 0.5


def test_identification_allowance_pulls_toward_the_prior():
    priors = load_priors()
    d = _data(-10.0, 3.0)
    with_id = combine([d], priors)[1]
    no_id = combine([d], type(priors)(priors.priors, priors.sources, {}))[1]
    assert abs(no_id.estimate - d.estimate) < abs(with_id.estimate - d.estimate)


def test_every_yield_impact_cell_has_a_prior_and_sources_are_cited():
    priors = load_priors()
    for unit in ("bp_per_100bn", "bp_per_1pct_debt"):
        for tenor in TENORS:
            for h in range(25):
                assert priors.find("yield_impact", tenor, h, unit) is not None, (tenor, h, unit)
    for key, src in priors.sources.items():
        assert src["citation"] and src["finding"] and src["mapping"], key
    cited = {s for p in priors.priors for s in p.sources}
    assert {"beltran2013", "warnock2009", "kcfed2025", "ahmed_rebucci2024"} <= cited
    assert priors.find("stock_effect", "10y", None, "bp_per_pp_share") is not None


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
    assert conflicts([_data(30.0, 5.0), *combine([_data(30.0, 5.0)], priors)]) == []
