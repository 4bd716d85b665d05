"""Jordà local projections of yields on foreign sales, with Newey–West (HAC) standard errors.

For each horizon h = 0..24 and tenor, one OLS regression on monthly data:

    (y[t+h] - y[t-1]) * 100  =  a_h + b_h * shock[t] + c_h' controls[t] + d_h' lagged[t-1]
                                + sum_{j=1..p} (e_hj * shock[t-j] + f_hj * dy[t-j]) + u[t+h]

y in percent, so the left side is in basis points; shock = net foreign SALES in $100bn (or in % of
marketable debt), so b_h is bp per $100bn sold (or bp per 1% of marketable debt sold). The overlapping
left side makes u serially correlated up to order h, hence HAC with maxlags = h + 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from calibration.record import Z90

HORIZONS = tuple(range(25))
N_LAGS = 2
MIN_OBS = 24
MIN_CONTROL_COVERAGE = 0.8  # keep a control if it exists in >= 80% of the months the shock and yield do


@dataclass(frozen=True)
class Spec:
    """What one family of projections regresses; `label` ends up in notes and the method string."""

    shock: str  # panel column, $bn of sales or % of debt
    shock_scale: float = 100.0  # divide the shock by this ($bn -> $100bn); 1.0 for % of debt
    controls: tuple[str, ...] = ("d_ff_bp", "d_debt_pct")
    lagged: tuple[str, ...] = ("d_bei10_bp", "d_tp10_bp")
    n_lags: int = N_LAGS
    label: str = ""


def ols_hac(y: pd.Series | np.ndarray, X: pd.DataFrame | np.ndarray, maxlags: int):
    """OLS with a constant and Newey–West covariance; returns the fitted statsmodels result."""
    x = np.asarray(X, dtype=float)
    x = np.column_stack([np.ones(len(x)), x])  # constant first: params[1] is the first regressor
    return sm.OLS(np.asarray(y, dtype=float), x).fit(cov_type="HAC", cov_kwds={"maxlags": int(maxlags)})


def select_controls(panel: pd.DataFrame, outcome: str, spec: Spec) -> tuple[list[str], list[str], list[str]]:
    """Controls with enough coverage over the shock/outcome sample; the rest are dropped and named."""
    base = panel[spec.shock].notna() & panel[outcome].notna()
    n = int(base.sum())
    keep_now, keep_lag, dropped = [], [], []
    for cols, lag, keep in ((spec.controls, 0, keep_now), (spec.lagged, 1, keep_lag)):
        for c in cols:
            if c not in panel:
                dropped.append(c)
                continue
            have = panel[c].shift(lag)[base].notna().sum()
            (keep if n and have / n >= MIN_CONTROL_COVERAGE else dropped).append(c)
    return keep_now, keep_lag, dropped


def regressors(
    panel: pd.DataFrame, outcome: str, spec: Spec, controls: Sequence[str], lagged: Sequence[str]
) -> pd.DataFrame:
    """Right-hand side for every month (the same at every horizon); gaps left as NaN."""
    dy = panel[outcome].diff() * 100.0
    X = pd.DataFrame({"shock": panel[spec.shock] / spec.shock_scale}, index=panel.index)
    for c in controls:
        X[c] = panel[c]
    for c in lagged:
        X[f"{c}_l1"] = panel[c].shift(1)
    for j in range(1, spec.n_lags + 1):
        X[f"shock_l{j}"] = X["shock"].shift(j)
        X[f"dy_l{j}"] = dy.shift(j)
    return X


def in_sample(index: pd.DatetimeIndex, sample: tuple[str | None, str | None] | None) -> np.ndarray:
    """Months t (shock dates) inside [start, end], both 'YYYY-MM' and inclusive; None = open."""
    mask = np.ones(len(index), dtype=bool)
    if sample:
        start, end = sample
        if start:
            mask &= index >= pd.Timestamp(start) + pd.offsets.MonthEnd(0)
        if end:
            mask &= index <= pd.Timestamp(end) + pd.offsets.MonthEnd(0)
    return mask


def local_projection(
    panel: pd.DataFrame,
    outcome: str,
    spec: Spec,
    horizons: Iterable[int] = HORIZONS,
    min_obs: int = MIN_OBS,
    sample: tuple[str | None, str | None] | None = None,
) -> pd.DataFrame:
    """One row per horizon: coef, se, ci_low, ci_high (90%), n_obs, sample start/end, controls used.

    `sample` restricts the shock months t; leads y[t+h] and lags may come from outside it. Horizons
    with fewer than `min_obs` usable months are left out.
    """
    rows_in = panel.loc[in_sample(panel.index, sample)]
    controls, lagged, dropped = select_controls(rows_in, outcome, spec)
    rows = []
    # Plain arrays inside the horizon loop: the right side is the same at every h.
    xv = regressors(panel, outcome, spec, controls, lagged).to_numpy(float)
    x_ok = np.isfinite(xv).all(axis=1) & in_sample(panel.index, sample)
    y = panel[outcome].to_numpy(float)
    months = panel.index
    y_prev = np.r_[np.nan, y[:-1]]
    for h in horizons:
        lead = np.r_[y[h:], np.full(min(h, len(y)), np.nan)]
        lhs_all = (lead - y_prev) * 100.0
        ok = x_ok & np.isfinite(lhs_all)
        lhs, X = lhs_all[ok], xv[ok]
        if len(lhs) < max(min_obs, X.shape[1] + 5):
            continue
        res = ols_hac(lhs, X, maxlags=h + 1)
        b, se = float(res.params[1]), float(res.bse[1])
        if not (np.isfinite(b) and np.isfinite(se)):
            continue  # a degenerate subsample (e.g. a constant shock) says nothing; leave the horizon out
        rows.append(
            {
                "horizon": h,
                "coef": b,
                "se": se,
                "ci_low": b - Z90 * se,
                "ci_high": b + Z90 * se,
                "n_obs": int(res.nobs),
                "start": months[ok].min(),
                "end": months[ok].max(),
                "controls": ",".join([*controls, *(f"{c}[t-1]" for c in lagged)]),
                "dropped": ",".join(dropped),
            }
        )
    cols = ["horizon", "coef", "se", "ci_low", "ci_high", "n_obs", "start", "end", "controls", "dropped"]
    return pd.DataFrame(rows, columns=cols)
