"""The posterior response surface: positive by construction, peak above long run, moves toward precise data,
respects the reduced-form lower bound; the literature table converts units as stated."""

from __future__ import annotations

import numpy as np
import pytest

from calibration.contract import TENORS
from calibration.literature import STUDIES, draw_prior, table
from calibration.surface import TenorEvidence, fit_surface

I10 = TENORS.index("10y")
SMALL = {"n_prior": 20_000, "n_draws": 1000}


@pytest.fixture(scope="module")
def prior_only():
    return fit_surface({}, seed=1, **SMALL)


def test_every_10y_draw_is_nonnegative_at_every_horizon_and_peaks_above_its_long_run(prior_only):
    for s in (prior_only.posterior, prior_only.prior):
        r = s.response(121)  # h = 0..120
        assert (r >= 0).all()
        # short-run peak above the long-run level in EVERY draw, every tenor (T > 0 strictly)
        assert (r[:, :, 0] > r[:, :, 120]).all()
        assert (s.transitory > 0).all() and (s.level > 0).all()
        # monotone decay: never above the month-0 response
        assert (np.diff(r[:, I10, :], axis=1) <= 1e-12).all()


def test_no_data_means_posterior_is_the_prior(prior_only):
    a, b = prior_only.posterior.level[:, I10], prior_only.prior.level[:, I10]
    assert np.median(a) == pytest.approx(np.median(b), rel=0.15)


def test_posterior_moves_toward_a_precise_event_study():
    ev = {t: TenorEvidence(level=[("event", 8.0, 0.2)]) for t in ("10y",)}
    fit = fit_surface(ev, seed=2, **SMALL)
    lvl = fit.posterior.level[:, I10]
    prior_med = float(np.median(fit.prior.level[:, I10]))
    assert abs(prior_med - 8.0) > 2.0  # the prior is elsewhere
    assert np.median(lvl) == pytest.approx(8.0, abs=0.3)
    assert np.percentile(lvl, 95) - np.percentile(lvl, 5) < 1.0
    # a vague event study moves it less
    vague = fit_surface({"10y": TenorEvidence(level=[("event", 8.0, 20.0)])}, seed=2, **SMALL)
    assert abs(np.median(vague.posterior.level[:, I10]) - 8.0) > abs(np.median(lvl) - 8.0)


def test_posterior_respects_the_reduced_form_lower_bound():
    """A precise TIC estimate of 80 bp per 1 % of debt at h = 0 is a floor for the peak, not a point to average."""
    fit = fit_surface({"10y": TenorEvidence(peak_lower_bounds=[("tic", 80.0, 2.0)])}, seed=3, **SMALL)
    peak = fit.posterior.response(1)[:, I10, 0]
    assert np.percentile(peak, 5) > 75.0
    assert np.median(fit.prior.response(1)[:, I10, 0]) < 60.0  # it did bind
    # a bound far below the prior changes nothing
    loose = fit_surface({"10y": TenorEvidence(peak_lower_bounds=[("tic", -4.0, 3.0)])}, seed=3, **SMALL)
    assert np.median(loose.posterior.response(1)[:, I10, 0]) == pytest.approx(
        np.median(loose.prior.response(1)[:, I10, 0]), rel=0.1
    )


def test_deterministic_for_a_seed():
    a = fit_surface({}, seed=5, n_prior=5000, n_draws=300).posterior
    b = fit_surface({}, seed=5, n_prior=5000, n_draws=300).posterior
    assert np.array_equal(a.level, b.level) and np.array_equal(a.half_life_months, b.half_life_months)


def test_literature_conversion_uses_the_sample_market():
    """bp per 1 % of debt = bp per $100bn × M / 10,000: GRRS's 91 bp for $1,725bn at a $5.2-6.3tn market."""
    grrs = next(s for s in STUDIES if s.key == "grrs2011")
    lo, mid, hi = grrs.converted()
    assert mid == pytest.approx(91 / 17.25 * 5750 / 1e4)
    assert mid == pytest.approx(3.03, abs=0.01)
    rows = {r["key"]: r for r in table()}
    assert {
        "grrs2011",
        "kvj2011",
        "dk2013",
        "warnock2009",
        "beltran2013_sr",
        "kcfed2025",
        "ahmed_rebucci2024",
        "martin2015",
    } <= set(rows)
    assert rows["martin2015"]["in_prior"] is False
    d = draw_prior("level", 5000, np.random.default_rng(0))
    assert (d > 0).all()


def test_each_estimator_enters_by_what_it_identifies():
    """Event study (h = 0, % of debt) → likelihood on the level; TIC and custody → lower bounds on the peak;
    other horizons, units and names are not evidence for the surface."""
    from calibration.estimators import evidence_for_surface
    from calibration.record import Z90, Param

    def p(kind, est, sd, h=0, unit="bp_per_1pct_debt", name="yield_impact"):
        return Param(
            name=name,
            tenor="10y",
            horizon_months=h,
            unit=unit,
            kind=kind,
            estimate=est,
            ci_low=est - Z90 * sd,
            ci_high=est + Z90 * sd,
            n_obs=10,
        )

    ev = evidence_for_surface(
        [
            p("data_event_study", 2.3, 0.5),
            p("data_tic_lp", -3.7, 3.5),
            p("data_custody_lp", -4.3, 3.2),
            p("data_tic_lp", 9.0, 3.0, h=6),
            p("data_event_study", 2.9, 1.0, unit="bp_per_100bn"),
            p("data_event_study", 2.2, 0.6, name="yield_impact_event_1d"),
        ]
    )["10y"]
    assert [(round(b, 6), round(s, 6)) for _, b, s in ev.level] == [(2.3, 0.5)]
    assert sorted(round(b, 6) for _, b, _ in ev.peak_lower_bounds) == [-4.3, -3.7]
