"""The yield response a scenario applies: joint draws of the calibration's response surface.

One draw is one whole surface (calibration/contract.py): for tenor τ and h months after a one-month sale of 1 % of
marketable debt, R_d(τ, h) = level_d(τ) + transitory_d(τ) · 0.5^(h / half_life_d(τ)) bp. Everything a scenario draw
computes (the 10-year path, the 3-month path, the interest bill, the losses) uses the same surface draw, so
intervals are joint across tenors and horizons. The flow shift is the convolution of the monthly net-sales
schedule (in % of the anchor's marketable debt) with the draw's surface; with that form it is exact and cheap:

    Σ_{s ≤ m} R(m − s)·n(s) = level · Σ_{s ≤ m} n(s) + transitory · x(m),   x(m) = q·x(m − 1) + n(m),  q = 0.5^(1/hl)

A fire sale of S % of debt peaks at S·(level + transitory) in its month; the same S spread over many months peaks
lower, and both end at S·level (the persistent, stock-of-debt effect). Spec assumptions change the form:
`impact_half_life_months` replaces every draw's half-life; `impact_long_run_share` p keeps p·level for good and
lets (1 − p)·level fade with the transitory part (the impact in the month of the sale is unchanged).

Scenario draw i uses surface draw `index[i]`, drawn with replacement from the seed (a bootstrap of the posterior
draws), so any number of scenario draws can be taken from the calibration's set.

**Fallback** (`PosteriorResponse`): a calibration stored before response surfaces existed has only the posterior
`yield_impact` parameters (bp per 1 % of debt, h = 0..24, mean and 90 % interval per tenor and horizon). Then a
draw is est + z_d · sd with ONE z_d per draw for every tenor and horizon (joint, comonotone), held at its h = 24
value beyond (the record says nothing past 24 months). The run says which was used (`impact.source`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from calibration.contract import TENORS, ResponseSurface
from calibration.record import Z90, CalibrationRecord
from model import ModelError

LAST_POSTERIOR_HORIZON = 24
REPORT_HORIZONS = (0, 6, 12, 24, 60, 120)
TENOR_10Y = TENORS.index("10y")


def _q(x: np.ndarray) -> dict[str, float]:
    p5, p50, p95 = np.percentile(np.asarray(x, dtype=float), [5, 50, 95])
    return {"p5": float(p5), "p50": float(p50), "p95": float(p95)}


@dataclass(frozen=True)
class SurfaceResponse:
    """Draws of a ResponseSurface with the spec's assumptions applied."""

    level: np.ndarray  # (N, 5) bp per 1 % of debt, persistent
    transitory: np.ndarray  # (N, 5)
    half_life: np.ndarray  # (N, 5) months
    source: str = "surface"
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_surface(
        cls, surface: ResponseSurface, half_life_months: float | None = None, long_run_share: float = 1.0
    ) -> SurfaceResponse:
        if tuple(surface.tenors) != TENORS:
            raise ModelError(f"response surface tenors {surface.tenors} are not {TENORS}")
        level = surface.level * long_run_share
        transitory = surface.transitory + surface.level * (1.0 - long_run_share)
        hl = surface.half_life_months if half_life_months is None else np.full_like(surface.level, half_life_months)
        return cls(level, transitory, hl)

    @property
    def n_draws(self) -> int:
        return int(self.level.shape[0])

    def shift(self, net_pct: np.ndarray, index: np.ndarray) -> np.ndarray:
        """(d, 5, H) bp: the net-sales schedule (H,) in % of debt convolved with surface draws `index` (d,)."""
        lvl, tr = self.level[index], self.transitory[index]
        q = np.power(0.5, 1.0 / self.half_life[index])
        h = len(net_pct)
        out = np.empty(lvl.shape + (h,))
        x = np.zeros_like(lvl)
        cum = np.cumsum(net_pct)
        for m in range(h):
            x = x * q + net_pct[m]
            out[:, :, m] = lvl * cum[m] + tr * x
        return out

    def response(self, horizon: int, index: np.ndarray) -> np.ndarray:
        """(d, 5, horizon) bp per 1 % of debt sold in month 0."""
        hh = np.arange(horizon, dtype=float)
        i = np.asarray(index)
        return self.level[i][..., None] + self.transitory[i][..., None] * np.power(
            0.5, hh / self.half_life[i][..., None]
        )

    def central(self) -> SurfaceResponse:
        """One draw at the element-wise medians (the `point` run)."""
        med = lambda a: np.median(a, axis=0, keepdims=True)  # noqa: E731
        return SurfaceResponse(med(self.level), med(self.transitory), med(self.half_life), self.source)

    def summary(self) -> dict:
        r10 = self.response(max(REPORT_HORIZONS) + 1, np.arange(self.n_draws))[:, TENOR_10Y, :]
        return {
            "draws_in_calibration": self.n_draws,
            "yield_10y_bp_per_1pct_debt": {f"h{h}": _q(r10[:, h]) for h in REPORT_HORIZONS},
            "yield_10y_long_run_bp_per_1pct_debt": _q(self.level[:, TENOR_10Y]),
            "yield_10y_half_life_months": _q(self.half_life[:, TENOR_10Y]),
        }


@dataclass(frozen=True)
class PosteriorResponse:
    """The fallback: posterior yield_impact params (5, 25) as est + z·sd, one z per draw, held beyond h = 24."""

    est: np.ndarray  # (5, 25) bp per 1 % of debt
    sd: np.ndarray  # (5, 25)
    source: str = "posterior_params"
    notes: list[str] = field(default_factory=list)

    @property
    def n_draws(self) -> None:
        return None

    def response(self, horizon: int, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        n = self.est.shape[1]
        take = np.minimum(np.arange(horizon), n - 1)
        return self.est[None, :, take] + z[:, None, None] * self.sd[None, :, take]

    def shift(self, net_pct: np.ndarray, z: np.ndarray) -> np.ndarray:
        h = len(net_pct)
        resp = self.response(h, z)
        out = np.zeros(resp.shape)
        for s in np.flatnonzero(net_pct):
            out[..., s:] += resp[..., : h - s] * net_pct[s]
        return out

    def central(self) -> PosteriorResponse:
        return self

    def summary(self) -> dict:
        z = np.array([-Z90, 0.0, Z90])  # a normal's own p5/p50/p95
        r10 = self.response(max(REPORT_HORIZONS) + 1, z)[:, TENOR_10Y, :]
        return {
            "draws_in_calibration": None,
            "yield_10y_bp_per_1pct_debt": {
                f"h{h}": dict(zip(("p5", "p50", "p95"), map(float, r10[:, h]), strict=True)) for h in REPORT_HORIZONS
            },
            "yield_10y_long_run_bp_per_1pct_debt": None,
            "yield_10y_half_life_months": None,
        }


def posterior_profile(record: CalibrationRecord) -> tuple[np.ndarray, np.ndarray]:
    """(est, sd) (5 tenors, 25 horizons) of the posterior yield_impact in bp per 1 % of debt; horizons missing from
    the record are interpolated linearly (flat beyond the last given)."""
    est = np.zeros((len(TENORS), LAST_POSTERIOR_HORIZON + 1))
    sd = np.zeros_like(est)
    h_all = np.arange(LAST_POSTERIOR_HORIZON + 1)
    for i, tenor in enumerate(TENORS):
        found = {}
        for h in h_all:
            try:
                found[int(h)] = record.get("yield_impact", tenor=tenor, horizon_months=int(h), unit="bp_per_1pct_debt")
            except KeyError:
                continue
        if not found:
            raise ModelError(
                f"calibration {record.id}: no response surface and no yield_impact for tenor {tenor} in "
                "bp_per_1pct_debt (the %-of-debt measures need a marketable-debt history on the "
                "calibration's as-of date: re-run `tshock calibrate` with a later --as-of)"
            )
        hs = np.array(sorted(found))
        est[i] = np.interp(h_all, hs, [found[h].estimate for h in hs])
        sd[i] = np.interp(h_all, hs, [found[h].sd for h in hs])
    return est, sd


def scenario_response(
    record: CalibrationRecord, half_life_months: float | None = None, long_run_share: float = 1.0
) -> SurfaceResponse | PosteriorResponse:
    """The record's response surface with the spec's assumptions, or the posterior-params fallback."""
    surface = getattr(record, "surface", None)
    if surface is not None:
        return SurfaceResponse.from_surface(surface, half_life_months, long_run_share)
    est, sd = posterior_profile(record)
    notes = [
        f"calibration {record.id} has no response surface: the posterior yield_impact parameters (h = 0..24, "
        "bp per 1 % of debt) were used, one common draw per surface across tenors and horizons, held at the "
        "h = 24 value beyond; this record does not separate a transitory from a persistent effect, so the "
        "speed of a sale barely changes its peak"
    ]
    if half_life_months is not None or long_run_share != 1.0:
        notes.append(
            "assumptions.impact_half_life_months / impact_long_run_share need a response surface: not "
            "applied to this calibration"
        )
    return PosteriorResponse(est, sd, notes=notes)
