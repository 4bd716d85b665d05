"""Local projections per dollar ACTUALLY sold (LP-IV), with Newey–West errors.

A plain local projection of (y[t+h] − y[t−1]) on the sale in period t measures the response to one period's
sale INCLUDING the further selling that sale predicts (foreign sales are persistent: about $1.4–1.6 sold per $1
within a year on the monthly TIC data). Scenarios specify the whole sale path, so the response they need is per
dollar actually sold. The standard fix (Ramey & Zubairy 2018's cumulative multiplier) divides by the cumulative
sale the shock predicts; done as one instrumental-variables regression it also gives the interval:

    (y[t+h] − y[t−1]) = a + β_h · Σ_{j=0..h} sale[t+j] + controls + u,   instrument: sale[t]

β_h is bp per unit of cumulative sale over t..t+h. At h = 0 the cumulative sale is the sale itself, so β_0 is the
plain projection's coefficient. Controls are partialled out (Frisch–Waugh), then β = Σ z̃ỹ / Σ z̃x̃ and

    Var(β) = Ω / (Σ z̃x̃)²,   Ω = Σ g_t² + 2 Σ_{l=1..L} (1 − l/(L+1)) Σ_t g_t g_{t−l},   g_t = z̃_t û_t

(Bartlett weights, L = h + 1, the overlap of the left side), the just-identified IV analogue of HAC OLS.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from calibration.contract import Unit
from calibration.lp import MIN_OBS, Spec, regressors, select_controls
from calibration.record import Z90


def newey_west_sum(g: np.ndarray, maxlags: int) -> float:
    """Σ g_t² + 2 Σ_l w_l Σ g_t g_{t−l} with Bartlett weights."""
    s = float(g @ g)
    for lag in range(1, min(maxlags, len(g) - 1) + 1):
        s += 2.0 * (1.0 - lag / (maxlags + 1.0)) * float(g[lag:] @ g[:-lag])
    return s


def _partial(v: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Columns of v with a constant and w partialled out (one least-squares solve for all columns)."""
    W = np.column_stack([np.ones(len(v)), w]) if w.size else np.ones((len(v), 1))
    try:
        # normal equations: a (k × k) solve is far cheaper than an SVD least squares on a busy machine
        coef = np.linalg.solve(W.T @ W, W.T @ v)
    except np.linalg.LinAlgError:  # collinear controls: the minimum-norm solution
        coef = np.linalg.lstsq(W, v, rcond=None)[0]
    return v - W @ coef


def iv_hac(y: np.ndarray, x: np.ndarray, z: np.ndarray, w: np.ndarray, maxlags: int) -> tuple[float, float]:
    """(β, se) of y on x instrumented by z, controls w (a constant is added)."""
    yt, xt, zt = _partial(np.column_stack([y, x, z]), w).T
    return _iv(yt, xt, zt, maxlags)


def _iv(yt: np.ndarray, xt: np.ndarray, zt: np.ndarray, maxlags: int) -> tuple[float, float]:
    den = float(zt @ xt)
    if abs(den) < 1e-12:
        return float("nan"), float("nan")
    b = float(zt @ yt) / den
    u = yt - b * xt
    # no degrees-of-freedom correction, as statsmodels' HAC OLS (tested equal at h = 0)
    return b, float(np.sqrt(max(newey_west_sum(zt * u, maxlags), 0.0)) / abs(den))


def lp_per_dollar(
    panel: pd.DataFrame, outcome: str, spec: Spec, horizons: Iterable[int], min_obs: int = MIN_OBS
) -> pd.DataFrame:
    """Same columns as lp.local_projection, plus `cum_sale` (the cumulative sale per unit of shock, OLS) and
    `coef_raw` (the plain projection's coefficient = coef × cum_sale)."""
    controls, lagged, dropped = select_controls(panel, outcome, spec)
    X = regressors(panel, outcome, spec, controls, lagged)
    xv = X.to_numpy(float)
    x_ok = np.isfinite(xv).all(axis=1)
    shock = X["shock"].to_numpy(float)
    others = xv[:, 1:]
    y = panel[outcome].to_numpy(float)
    y_prev = np.r_[np.nan, y[:-1]]
    idx = panel.index
    rows = []
    for h in horizons:
        lead = np.r_[y[h:], np.full(min(h, len(y)), np.nan)]
        lhs = (lead - y_prev) * 100.0
        cum = pd.Series(shock).rolling(h + 1).sum().shift(-h).to_numpy(float)
        ok = x_ok & np.isfinite(lhs) & np.isfinite(cum)
        if ok.sum() < max(min_obs, xv.shape[1] + 5):
            continue
        yt, xt, zt = _partial(np.column_stack([lhs[ok], cum[ok], shock[ok]]), others[ok]).T
        b, se = _iv(yt, xt, zt, h + 1)
        m = float(zt @ xt) / float(zt @ zt)  # OLS of the cumulative sale on the shock, same controls
        if not (np.isfinite(b) and np.isfinite(se)):
            continue
        rows.append(
            {
                "horizon": h,
                "coef": b,
                "se": se,
                "ci_low": b - Z90 * se,
                "ci_high": b + Z90 * se,
                "n_obs": int(ok.sum()),
                "start": idx[ok].min(),
                "end": idx[ok].max(),
                "controls": ",".join([*controls, *(f"{c}[t-1]" for c in lagged)]),
                "dropped": ",".join(dropped),
                "cum_sale": m,
                "coef_raw": b * m,
            }
        )
    cols = [
        "horizon",
        "coef",
        "se",
        "ci_low",
        "ci_high",
        "n_obs",
        "start",
        "end",
        "controls",
        "dropped",
        "cum_sale",
        "coef_raw",
    ]
    return pd.DataFrame(rows, columns=cols)


UNIT_SCALE = {Unit.BP_PER_100BN: 100.0, Unit.BP_PER_1PCT_DEBT: 1.0}
