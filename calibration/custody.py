"""Weekly custody-flow local projections: H.4.1 foreign official custody holdings (FRED WMTSECL1).

WMTSECL1 is the face value of marketable Treasuries the New York Fed holds in custody for foreign official and
international accounts, Wednesday levels in $ millions. Face value: a price change does not move it, so its
weekly change is a transaction flow with no valuation adjustment. FRED shows zeros before July 2007; they mean
"not published" and are treated as missing.

Weekly panel (Wednesdays): sale = −Δ custody ($bn, + = net official selling), also in % of the marketable debt
of the month before (interpolated monthly series from the monthly panel). Yields (DGS3MO … DGS30), VIX (VIXCLS),
the broad dollar index (DTWEXBGS, % change) and fed funds (DFF) are the last daily values on or before each
Wednesday. Projections (calibration/lpiv.py: per dollar actually sold, HAC):

    (y[t+h] − y[t−1]) bp = a + β_h Σ_{j≤h} sale[t+j] + Σ_{l=1..4} (c_l ΔVIX[t−l] + d_l Δdollar[t−l] + e_l Δff[t−l]
                          + f_l sale[t−l] + g_l Δy[t−l]) + u,   h = 0..26 weeks

Controls enter LAGGED only: the dollar and the VIX move within the week with the yields being explained.
Official sales are not exogenous (reserve managers sell to defend a currency, often when U.S. yields rise), so
this is a reduced form; it enters the posterior as evidence on the short-run effect, not as the answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.contract import TENORS, Unit
from calibration.events import TENOR_SERIES
from calibration.lp import Spec
from calibration.lpiv import lp_per_dollar

HORIZON_WEEKS = tuple(range(27))
N_LAGS = 4
# Weeks shown at the month horizons the record's params use (h months ≈ round(h · 52 / 12) weeks).
MONTH_WEEKS = {0: 0, 1: 4, 2: 9, 3: 13, 4: 17, 5: 22, 6: 26}


def _asof(fred: pd.DataFrame, series: str, days: pd.DatetimeIndex) -> pd.Series:
    s = fred.loc[(fred["series_id"] == series) & fred["value"].notna()].drop_duplicates("date", keep="last")
    s = s.set_index("date")["value"].astype(float).sort_index()
    if s.empty:
        return pd.Series(np.nan, index=days)
    return s.reindex(s.index.union(days)).ffill(limit=5).reindex(days)


def weekly_panel(fred: pd.DataFrame, mkt_debt_bn: pd.Series | None = None) -> pd.DataFrame:
    cust = fred.loc[(fred["series_id"] == "WMTSECL1") & fred["value"].notna()].drop_duplicates("date", keep="last")
    cust = cust.set_index("date")["value"].astype(float).sort_index()
    cust = cust.where(cust > 0)  # zeros before 2007-07: not published
    cust = cust.dropna()
    if len(cust) < 60:
        return pd.DataFrame()
    w = pd.DataFrame(index=pd.DatetimeIndex(cust.index, name="week"))
    w["custody_bn"] = cust / 1000.0
    gap = w.index.to_series().diff().dt.days
    w["sale_custody"] = (-w["custody_bn"].diff()).where(gap == 7)
    for tenor, series in TENOR_SERIES.items():
        w[f"y_{tenor}"] = _asof(fred, series, w.index)
    vix, usd, ff = (_asof(fred, s, w.index) for s in ("VIXCLS", "DTWEXBGS", "DFF"))
    w["d_vix"] = vix.diff()
    w["d_usd_pct"] = np.log(usd).diff() * 100.0
    w["d_ff_bp"] = ff.diff() * 100.0
    for c in ("d_vix", "d_usd_pct", "d_ff_bp"):
        for lag in range(1, N_LAGS + 1):
            w[f"{c}_l{lag}"] = w[c].shift(lag)
    if mkt_debt_bn is not None and mkt_debt_bn.notna().any():
        debt = mkt_debt_bn.dropna().sort_index()
        month_before = pd.DatetimeIndex((w.index - pd.offsets.MonthEnd(1)).normalize())
        d = debt.reindex(debt.index.union(month_before.unique())).interpolate(method="time", limit_area="inside")
        w["debt_bn"] = d.reindex(month_before).to_numpy()
        w["sale_custody_pct"] = w["sale_custody"] / w["debt_bn"] * 100.0
    return w


def spec(unit: Unit) -> Spec:
    controls = tuple(f"{c}_l{lag}" for c in ("d_vix", "d_usd_pct", "d_ff_bp") for lag in range(1, N_LAGS + 1))
    shock, scale = ("sale_custody", 100.0) if unit == Unit.BP_PER_100BN else ("sale_custody_pct", 1.0)
    return Spec(shock=shock, shock_scale=scale, controls=controls, lagged=(), n_lags=N_LAGS, label=f"custody {unit}")


def custody_lps(
    fred: pd.DataFrame, mkt_debt_bn: pd.Series | None, horizons=HORIZON_WEEKS
) -> dict[tuple[str, str], pd.DataFrame]:
    """(tenor, unit) -> lp_per_dollar rows by week horizon; empty dict without custody data."""
    w = weekly_panel(fred, mkt_debt_bn)
    out = {}
    if w.empty:
        return out
    for unit in (Unit.BP_PER_100BN, Unit.BP_PER_1PCT_DEBT):
        sp = spec(unit)
        if sp.shock not in w:
            continue
        for tenor in TENORS:
            r = lp_per_dollar(w, f"y_{tenor}", sp, horizons, min_obs=104)
            if not r.empty:
                out[(tenor, str(unit))] = r
    return out
