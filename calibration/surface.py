"""The posterior response surface: joint draws of level + transitory · 0.5^(h / half-life), per tenor.

Per tenor τ, in bp per 1 % of marketable debt sold (calibration/contract.py):

    L  persistent level (stock effect)      prior: the stock-effect studies (literature.py, measure "level")
    P  short-run peak = L + T at h = 0       prior: the flow studies (measure "peak")
    T  = P − L, the transitory part          the joint prior is truncated to P > L (short run above long run)
    hl half-life of T, months                prior: lognormal, median 6, 90 % range 3–12 (judgement: the
                                             transitory part is mostly gone within one to two years)

Both literature priors are mixtures over their studies with each study's market size DRAWN over its sample's
range (the $ → % of debt conversion is uncertain and that uncertainty stays in the draws). Tenors other than
the 10y scale the 10y priors by a lognormal ratio (TENOR_RATIO, judgement anchored on GRRS's 2y/10y ratio of
about 0.37 and the flat 10y–30y responses in QE event studies).

Data enter by what they identify:
- event study (Fed announcements, a stock effect): a normal likelihood on L with the cross-event spread;
- reduced-form flow projections (monthly TIC, weekly custody): their bias has a known sign (buyers respond to
  yields; official sellers sell into risk-off rallies), so each is a LOWER BOUND on P: observation b = P − bias +
  noise with bias ≥ 0 flat gives the one-sided likelihood Φ((P − b) / s).

Posterior by sampling-importance-resampling: N_PRIOR prior draws weighted by the likelihood, N_DRAWS resampled.
Every draw has L > 0 and T > 0 because the prior has no mass elsewhere, not because anything is clipped. Tenors
are coupled comonotonically (a draw steep at the 10y is steep at every tenor: ranks of L and of T follow the
10y's), and one half-life per draw serves every tenor, so one draw is one coherent surface.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import norm

from calibration.contract import TENORS, ResponseSurface
from calibration.literature import draw_prior

N_PRIOR = 100_000
N_DRAWS = 2000
HALF_LIFE_MONTHS = (6.0, 3.0, 12.0)  # median, 90 % range
# tenor: (median ratio to the 10y, log-sd of the ratio)
TENOR_RATIO = {"3m": (0.15, 0.8), "2y": (0.4, 0.5), "5y": (0.85, 0.3), "10y": (1.0, 0.0), "30y": (0.9, 0.3)}
Z90 = 1.6448536269514722


@dataclass
class TenorEvidence:
    """What the data say about one tenor, bp per 1 % of debt: (label, estimate, sd)."""

    level: list[tuple[str, float, float]] = field(default_factory=list)
    peak_lower_bounds: list[tuple[str, float, float]] = field(default_factory=list)


def _lognormal(rng, median: float, sigma: float, n: int) -> np.ndarray:
    return median * np.exp(rng.normal(0.0, sigma, size=n)) if sigma > 0 else np.full(n, median)


def prior_draws(tenor: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(L, T) prior draws for a tenor, truncated to T = P − L > 0 (rejection: draws until n are kept)."""
    med, sig = TENOR_RATIO[tenor]
    keep_l, keep_t, have = [], [], 0
    while have < n:
        m = int((n - have) * 1.3) + 100
        lvl = draw_prior("level", m, rng) * _lognormal(rng, med, sig, m)
        peak = draw_prior("peak", m, rng) * _lognormal(rng, med, sig, m)
        ok = peak > lvl
        keep_l.append(lvl[ok])
        keep_t.append(peak[ok] - lvl[ok])
        have += int(ok.sum())
    return np.concatenate(keep_l)[:n], np.concatenate(keep_t)[:n]


def log_likelihood(lvl: np.ndarray, tr: np.ndarray, ev: TenorEvidence) -> np.ndarray:
    out = np.zeros_like(lvl)
    for _, b, s in ev.level:
        out += norm.logpdf(lvl, loc=b, scale=s)
    for _, b, s in ev.peak_lower_bounds:
        out += norm.logcdf((lvl + tr - b) / s)
    return out


def _couple(ref: np.ndarray, x: np.ndarray) -> np.ndarray:
    """x reordered so its ranks follow ref's (comonotone coupling)."""
    out = np.empty_like(x)
    out[np.argsort(ref, kind="stable")] = np.sort(x, kind="stable")
    return out


@dataclass
class SurfaceFit:
    posterior: ResponseSurface
    prior: ResponseSurface
    ess: dict[str, float]  # effective sample size of the importance weights, per tenor
    notes: list[str]


def fit_surface(
    evidence: dict[str, TenorEvidence], seed: int = 0, n_prior: int = N_PRIOR, n_draws: int = N_DRAWS
) -> SurfaceFit:
    """Prior and posterior surfaces (n_draws each); see the module docstring."""
    rng = np.random.default_rng([seed, 13])
    med, lo, hi = HALF_LIFE_MONTHS
    hl = _lognormal(rng, med, np.log(hi / lo) / (2 * Z90), n_draws)
    post_l, post_t, pri_l, pri_t, ess, notes = {}, {}, {}, {}, {}, []
    for tenor in TENORS:
        lvl, tr = prior_draws(tenor, n_prior, rng)
        logw = log_likelihood(lvl, tr, evidence.get(tenor, TenorEvidence()))
        w = np.exp(logw - logw.max())
        w /= w.sum()
        ess[tenor] = float(1.0 / np.sum(w * w))
        if ess[tenor] < 200:
            notes.append(
                f"{tenor}: importance weights concentrate (effective sample {ess[tenor]:.0f} of {n_prior}); "
                "the data are much more precise than the prior there"
            )
        idx = rng.choice(n_prior, size=n_draws, replace=True, p=w)
        post_l[tenor], post_t[tenor] = lvl[idx], tr[idx]
        pri_l[tenor], pri_t[tenor] = lvl[:n_draws], tr[:n_draws]
    surfaces = []
    for lvl_d, tr_d in ((post_l, post_t), (pri_l, pri_t)):
        ref_l, ref_t = lvl_d["10y"], tr_d["10y"]
        L = np.column_stack([_couple(ref_l, lvl_d[t]) for t in TENORS])
        T = np.column_stack([_couple(ref_t, tr_d[t]) for t in TENORS])
        surfaces.append(ResponseSurface(L, T, np.repeat(hl[:, None], len(TENORS), axis=1)))
    return SurfaceFit(surfaces[0], surfaces[1], ess, notes)
