"""The three yield-impact estimators as record Params, the evidence each gives the posterior, and the surface Params.

- data_tic_lp: monthly TIC local projections per dollar actually sold (lpiv.py), h = 0..24, both units; a
  reduced form whose bias has a known sign: a LOWER BOUND on the short-run peak.
- data_custody_lp: weekly H.4.1 custody projections (custody.py) shown at h = 0..6 months (weeks 0, 4, 9, …, 26);
  also reduced form, also a lower bound.
- data_event_study: Fed balance-sheet announcements (events.py), two-day windows as `yield_impact` (h = 0),
  one-day windows as `yield_impact_event_1d`, placebo slopes as `event_study_placebo`: the persistent level.
- prior / posterior: quantiles of the surface draws (surface.py) at h = 0..24 and the parts (long run,
  transitory, half-life); bp_per_100bn at the as-of's marketable debt.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from calibration import literature
from calibration.contract import TENORS, Kind, ResponseSurface, Unit
from calibration.custody import MONTH_WEEKS, custody_lps
from calibration.events import EventEstimate, event_study, japan_sign_check, program_ratios, qe1_replication
from calibration.lp import HORIZONS, Spec
from calibration.lpiv import lp_per_dollar
from calibration.record import Z90, Param
from calibration.surface import SurfaceFit, TenorEvidence, fit_surface

SD = 1.0 / (2 * Z90)  # sd = (ci_high - ci_low) * SD for a normal 90 % interval
TIC_UNITS = {Unit.BP_PER_100BN: ("", 100.0), Unit.BP_PER_1PCT_DEBT: ("_pct", 1.0)}
SURFACE_HORIZONS = tuple(range(25))


def _r(x: float) -> float:
    return float(round(x, 6)) if math.isfinite(x) else x


def _p(name, tenor, h, unit, kind, est, lo, hi, n=None, note=None) -> Param:
    return Param(
        name=name,
        tenor=tenor,
        horizon_months=h,
        unit=unit,
        kind=kind,
        estimate=_r(est),
        ci_low=_r(lo),
        ci_high=_r(hi),
        n_obs=n,
        note=note,
    )


def tic_lp(p: pd.DataFrame) -> tuple[list[Param], dict]:
    out, frames = [], {}
    for unit, (suffix, scale) in TIC_UNITS.items():
        spec = Spec(shock=f"sale_adj_total{suffix}", shock_scale=scale, label=f"tic {unit}")
        if spec.shock not in p:
            continue
        for tenor in TENORS:
            r = lp_per_dollar(p, f"y_{tenor}", spec, HORIZONS)
            frames[(tenor, str(unit))] = r
            for row in r.itertuples():
                out.append(
                    _p(
                        "yield_impact",
                        tenor,
                        int(row.horizon),
                        unit,
                        Kind.DATA_TIC_LP,
                        row.coef,
                        row.ci_low,
                        row.ci_high,
                        int(row.n_obs),
                        f"per $ actually sold (sold per unit of shock by h: {row.cum_sale:.2f}; plain LP "
                        f"{row.coef_raw:+.2f}); sample {row.start:%Y-%m}..{row.end:%Y-%m}",
                    )
                )
    return out, frames


def custody(fred: pd.DataFrame, debt: pd.Series | None) -> tuple[list[Param], dict]:
    frames = custody_lps(fred, debt)
    out = []
    for (tenor, unit), r in frames.items():
        by_h = r.set_index("horizon")
        for month, week in MONTH_WEEKS.items():
            if week not in by_h.index:
                continue
            row = by_h.loc[week]
            out.append(
                _p(
                    "yield_impact",
                    tenor,
                    month,
                    unit,
                    Kind.DATA_CUSTODY_LP,
                    row.coef,
                    row.ci_low,
                    row.ci_high,
                    int(row.n_obs),
                    f"weekly H.4.1 custody LP at h = {week} weeks, per $ actually sold ({row.cum_sale:.2f} "
                    f"sold per unit of shock); sample {row.start:%Y-%m-%d}..{row.end:%Y-%m-%d}",
                )
            )
    return out, frames


def events(fred: pd.DataFrame, debt: pd.Series | None, seed: int) -> tuple[list[Param], list[EventEstimate]]:
    if debt is None or debt.dropna().empty:
        return [], []
    ests = event_study(fred, debt, seed=seed)
    out = []
    for e in ests:
        name = "yield_impact" if e.window_days == 2 else "yield_impact_event_1d"
        note = (
            f"{e.window_days}-day windows, {e.n_events} sized announcements; slope through the origin of the "
            f"yield fall on purchases (sale = purchase reversed); 90% = bootstrap over events; Huber slope "
            f"{e.huber_per_1pct:.2f}; placebo 90% [{e.placebo_ci[0]:.2f}, {e.placebo_ci[1]:.2f}]"
        )
        out.append(
            _p(
                name,
                e.tenor,
                0,
                Unit.BP_PER_1PCT_DEBT,
                Kind.DATA_EVENT_STUDY,
                e.per_1pct,
                *e.per_1pct_ci,
                e.n_events,
                note,
            )
        )
        out.append(
            _p(
                name,
                e.tenor,
                0,
                Unit.BP_PER_100BN,
                Kind.DATA_EVENT_STUDY,
                e.per_100bn,
                *e.per_100bn_ci,
                e.n_events,
                note + "; per $100bn announced (event-time dollars)",
            )
        )
        if e.window_days == 2 and np.isfinite(e.placebo_ci[0]):
            out.append(
                _p(
                    "event_study_placebo",
                    e.tenor,
                    0,
                    Unit.BP_PER_1PCT_DEBT,
                    Kind.DATA_EVENT_STUDY,
                    float(np.mean(e.placebo_ci)),
                    *e.placebo_ci,
                    None,
                    f"slopes with the event sizes put on random non-event days; share of placebo slopes >= "
                    f"the event slope {e.placebo_share_above:.4f}",
                )
            )
    return out, ests


def evidence_for_surface(params: list[Param]) -> dict[str, TenorEvidence]:
    """Event study (two-day) → likelihood on the level; TIC and custody h = 0 → lower bounds on the peak."""
    ev = {t: TenorEvidence() for t in TENORS}
    for p in params:
        if p.unit != Unit.BP_PER_1PCT_DEBT or p.horizon_months != 0 or p.name != "yield_impact":
            continue
        sd = max((p.ci_high - p.ci_low) * SD, 1e-6)
        if p.kind == Kind.DATA_EVENT_STUDY:
            ev[p.tenor].level.append(("event study", p.estimate, sd))
        elif p.kind in (Kind.DATA_TIC_LP, Kind.DATA_CUSTODY_LP):
            ev[p.tenor].peak_lower_bounds.append((str(p.kind), p.estimate, sd))
    return ev


def _q(x: np.ndarray) -> tuple[float, float, float]:
    p5, p50, p95 = np.percentile(x, [5, 50, 95])
    return float(p50), float(p5), float(p95)


def surface_params(fit: SurfaceFit, debt_now_bn: float | None) -> list[Param]:
    out = []
    for kind, s in ((Kind.PRIOR, fit.prior), (Kind.POSTERIOR, fit.posterior)):
        r = s.response(max(SURFACE_HORIZONS) + 1)
        basis = (
            "prior: literature mixtures (calibration/literature.py), market sizes drawn"
            if kind == Kind.PRIOR
            else "posterior: prior reweighted by the event study (level) and the TIC/custody lower bounds"
        )
        for i, tenor in enumerate(TENORS):
            for h in SURFACE_HORIZONS:
                m, lo, hi = _q(r[:, i, h])
                out.append(
                    _p(
                        "yield_impact",
                        tenor,
                        h,
                        Unit.BP_PER_1PCT_DEBT,
                        kind,
                        m,
                        lo,
                        hi,
                        None,
                        f"{basis}; p50 [p5, p95] of {s.n_draws} surface draws",
                    )
                )
                if debt_now_bn:
                    k = 1e4 / debt_now_bn
                    out.append(
                        _p(
                            "yield_impact",
                            tenor,
                            h,
                            Unit.BP_PER_100BN,
                            kind,
                            m * k,
                            lo * k,
                            hi * k,
                            None,
                            f"{basis}; per $100bn at marketable debt ${debt_now_bn:,.0f}bn (as-of)",
                        )
                    )
            for name, arr, unit in (
                ("yield_impact_long_run", s.level, Unit.BP_PER_1PCT_DEBT),
                ("yield_impact_transitory", s.transitory, Unit.BP_PER_1PCT_DEBT),
                ("yield_impact_half_life", s.half_life_months, Unit.MONTHS),
            ):
                out.append(_p(name, tenor, None, unit, kind, *_q(arr[:, i]), None, basis))
    return out


def surface(params: list[Param], seed: int, debt_now_bn: float | None) -> tuple[SurfaceFit, list[Param]]:
    fit = fit_surface(evidence_for_surface(params), seed=seed)
    return fit, surface_params(fit, debt_now_bn)


def headline_10y(params: list[Param], surface_: ResponseSurface, debt_now_bn: float | None) -> dict:
    """Each estimator's 10y figure and the posterior, per 1 % of debt and per $100bn of today's debt."""
    k = 1e4 / debt_now_bn if debt_now_bn else None

    def row(label, est, lo, hi, n=None, what=""):
        d = {
            "estimator": label,
            "bp_per_1pct_debt": {"estimate": est, "ci_low": lo, "ci_high": hi},
            "n_obs": n,
            "what": what,
        }
        d["bp_per_100bn_today"] = {"estimate": est * k, "ci_low": lo * k, "ci_high": hi * k} if k else None
        return d

    def find(name, kind, h=0):
        return next(
            (
                p
                for p in params
                if p.name == name
                and p.kind == kind
                and p.tenor == "10y"
                and p.horizon_months == h
                and p.unit == Unit.BP_PER_1PCT_DEBT
            ),
            None,
        )

    rows = []
    for name, kind, label, what in (
        ("yield_impact", Kind.DATA_EVENT_STUDY, "event study (2-day)", "persistent level (stock effect)"),
        ("yield_impact_event_1d", Kind.DATA_EVENT_STUDY, "event study (1-day)", "persistent level"),
        ("yield_impact", Kind.DATA_CUSTODY_LP, "custody LP, week 0", "lower bound on the short-run peak"),
        ("yield_impact", Kind.DATA_TIC_LP, "TIC LP, month 0", "lower bound on the short-run peak"),
    ):
        p = find(name, kind)
        if p is not None:
            rows.append(row(label, p.estimate, p.ci_low, p.ci_high, p.n_obs, what))
    i = TENORS.index("10y")
    r = surface_.response(121)[:, i, :]
    for h in (0, 12, 24):
        rows.append(row(f"posterior, h = {h} months", *_q(r[:, h]), None, "surface draws"))
    rows.append(row("posterior, long run (level)", *_q(surface_.level[:, i]), None, "surface draws"))
    return {"tenor": "10y", "debt_now_usd_bn": debt_now_bn, "rows": rows}


def diagnostics(fred: pd.DataFrame, debt: pd.Series | None) -> dict:
    out = {"qe1_replication": qe1_replication(fred), "japan_interventions": japan_sign_check(fred)}
    out["event_programs"] = program_ratios(fred, debt) if debt is not None and debt.notna().any() else []
    out["literature"] = literature.table()
    return out


def json_clean(obj):
    """Evidence as plain JSON values (NaN → None, tuples → lists, numpy scalars → Python), so a record read back
    from the warehouse equals the one estimated."""
    if isinstance(obj, dict):
        return {str(k): json_clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_clean(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return _r(obj) if math.isfinite(obj) else None
    return obj
