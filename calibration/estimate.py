"""`calibrate`: inputs -> CalibrationRecord. Pure and deterministic (no clock unless created_at is left out).

Parameters produced (see record.py for units; calibration/estimators.py for the yield-impact estimators):
- yield_impact        data_tic_lp (monthly TIC, per $ actually sold, h=0..24), data_custody_lp (weekly H.4.1,
                      h=0..6), data_event_study (Fed announcements, h=0), prior and posterior (quantiles of the
                      response-surface draws, h=0..24), 5 tenors x {bp_per_100bn, bp_per_1pct_debt}; the
                      record's `surface` holds the posterior draws themselves.
- yield_impact_naive  data only, plain LP; shock = minus the change in holdings (biased upward).
- yield_impact_official / _japan / _china   data only, bp_per_100bn; shock = that holder's sales.
- yield_impact_subsample       data only, h=0, bp_per_100bn, per era (note says which).
- yield_impact_duration_sensitivity   data only, 10y h=0, valuation duration scaled x0.75 / x1.25.
- stock_effect (data/prior/posterior), contagion, spillover_*, backstop_breakeven (data).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

import pandas as pd

from calibration import estimators
from calibration.inputs import Inputs, coverage, data_hash
from calibration.lp import HORIZONS, Spec, local_projection, regressors, select_controls
from calibration.panel import Panel, build_panel
from calibration.posterior import PriorSet, combine, conflicts, load_priors
from calibration.record import TENORS, CalibrationRecord, Param
from calibration.relations import all_relations
from calibration.stability import disagreements, duration_sensitivity, rolling, split_sample
from warehouse.identity import identity_hash

UNITS = {"bp_per_100bn": ("", 100.0), "bp_per_1pct_debt": ("_pct", 1.0)}
HEADLINE = ("10y", 0, "bp_per_100bn")


class CalibrationError(ValueError):
    """The inputs cannot support a calibration (too little data for the as-of date)."""


def spec_for(holder: str, measure: str, unit: str) -> Spec:
    suffix, scale = UNITS[unit]
    return Spec(shock=f"sale_{measure}_{holder}{suffix}", shock_scale=scale, label=f"{measure} {holder} {unit}")


def _r(x: float) -> float:
    return float(round(x, 6)) if math.isfinite(x) else x


def _param(name: str, tenor: str, unit: str, row, note: str = "") -> Param:
    span = f"sample {row.start:%Y-%m}..{row.end:%Y-%m}"
    return Param(
        name=name,
        tenor=tenor,
        horizon_months=int(row.horizon),
        unit=unit,
        kind="data",
        estimate=_r(row.coef),
        ci_low=_r(row.ci_low),
        ci_high=_r(row.ci_high),
        n_obs=int(row.n_obs),
        note=f"{note}{'; ' if note else ''}{span}",
    )


def lp_params(p: pd.DataFrame, name: str, holder: str, measure: str, units) -> tuple[list[Param], dict]:
    out, frames = [], {}
    for tenor in TENORS:
        for unit in units:
            spec = spec_for(holder, measure, unit)
            if spec.shock not in p:
                continue
            r = local_projection(p, f"y_{tenor}", spec, HORIZONS)
            frames[(tenor, unit)] = r
            out.extend(_param(name, tenor, unit, row) for row in r.itertuples())
    return out, frames


def _round_param(prm: Param) -> Param:
    return prm.model_copy(update={"estimate": _r(prm.estimate), "ci_low": _r(prm.ci_low), "ci_high": _r(prm.ci_high)})


def record_id(dhash: str, code_version: str, as_of: date) -> str:
    return "cal-" + identity_hash(dhash, code_version, as_of.isoformat())[:16]


def calibrate(
    inputs: Inputs,
    as_of: date,
    code_version: str,
    seed: int = 0,
    *,
    created_at: datetime | None = None,
    priors: PriorSet | None = None,
) -> CalibrationRecord:
    """Estimate every parameter from `inputs` (as known on `as_of`) and combine with the priors.

    Deterministic: the same inputs, code_version and as_of give the same id and parameter values.
    `seed` fixes the event-study bootstrap, the placebo and the posterior's importance sampling.
    """
    if inputs.as_of != as_of:
        raise ValueError(f"inputs were loaded as of {inputs.as_of}, not {as_of}")
    priors = priors or load_priors()
    panel = build_panel(inputs)
    p = panel.frame
    head_spec = spec_for("total", "adj", "bp_per_100bn")
    head = local_projection(p, "y_10y", head_spec, [0]) if head_spec.shock in p and "y_10y" in p else pd.DataFrame()
    if head.empty:
        raise CalibrationError(
            f"calibration as of {as_of}: not enough months with both foreign flows and yields for the 10y, "
            f"h=0 projection (need >= 24). Data known on that date: {coverage(inputs)}; "
            f"panel notes: {panel.notes}"
        )

    debt = p["mkt_debt_bn"] if "mkt_debt_bn" in p else None
    debt_now = float(debt.dropna().iloc[-1]) if debt is not None and debt.notna().any() else None
    params, frames = estimators.tic_lp(p)
    params += estimators.custody(inputs.fred, debt)[0]
    params += estimators.events(inputs.fred, debt, seed)[0]
    fit, surface_params = estimators.surface(params, seed, debt_now)
    params += surface_params
    naive, naive_frames = lp_params(p, "yield_impact_naive", "total", "naive", UNITS)
    params += naive
    for holder in ("official", "japan", "china"):
        params += lp_params(p, f"yield_impact_{holder}", holder, "adj", ["bp_per_100bn"])[0]
    params += [_round_param(x) for x in all_relations(p)]
    with_prior = [x for x in params if x.name == "stock_effect"]
    params += [_round_param(x) for x in combine(with_prior, priors)]

    warnings, stab_params = _stability(panel, inputs, head_spec)
    params += stab_params
    warnings += conflicts([x for x in params if x.tenor == "10y" and x.horizon_months in (0, None)])
    warnings += fit.notes
    evidence = estimators.diagnostics(inputs.fred, debt)
    evidence["headline_10y"] = estimators.headline_10y(params, fit.posterior, debt_now)
    if not evidence["qe1_replication"]["within_tolerance"] and evidence["qe1_replication"]["moves_bp"]:
        q = evidence["qe1_replication"]
        warnings.append(
            f"QE1 replication: the eight GRRS dates sum to {q['sum_bp']:+.0f} bp in DGS10, the paper "
            f"says {q['paper_bp']:+.0f} (tolerance {q['tolerance_bp']:.0f})"
        )

    h0 = head.iloc[0]
    dhash = data_hash(inputs)
    return CalibrationRecord(
        id=record_id(dhash, code_version, as_of),
        created_at=created_at or datetime.now(UTC),
        as_of=as_of,
        data_hash=dhash,
        code_version=code_version,
        sample_start=h0.start.date(),
        sample_end=h0.end.date(),
        method=_method(seed, h0),
        caveats=_caveats(panel, frames, naive_frames, priors),
        warnings=warnings,
        params=params,
        evidence=estimators.json_clean(evidence),
        surface=fit.posterior,
    )


def _h0_data_param(name: str, tenor: str, r, note: str) -> Param:
    """A data estimate at h=0 in bp per $100bn from a row with coef, ci_low, ci_high and n_obs."""
    return Param(
        name=name,
        tenor=tenor,
        horizon_months=0,
        unit="bp_per_100bn",
        kind="data",
        estimate=_r(r.coef),
        ci_low=_r(r.ci_low),
        ci_high=_r(r.ci_high),
        n_obs=int(r.n_obs),
        note=note,
    )


def _stability(panel: Panel, inputs: Inputs, spec: Spec) -> tuple[list[str], list[Param]]:
    p, warnings, params = panel.frame, [], []
    for tenor in TENORS:
        splits = split_sample(p, f"y_{tenor}", spec)
        for r in splits.itertuples():
            params.append(
                _h0_data_param("yield_impact_subsample", tenor, r, f"{r.window}: sample {r.start:%Y-%m}..{r.end:%Y-%m}")
            )
        if tenor == "10y":
            warnings += disagreements(splits, "split-sample 10y h=0")
    warnings += disagreements(rolling(p, "y_10y", spec), f"rolling {120 // 12}-year windows, 10y h=0")
    base = {k: v for k, (v, _) in panel.durations.items()}
    sens = duration_sensitivity(lambda d: build_panel(inputs, durations=d).frame, base, "y_10y", spec)
    head = local_projection(p, "y_10y", spec, [0]).iloc[0]
    ref = {
        "window": f"fitted D ({base.get('total', float('nan')):.2f}y total)",
        "coef": head.coef,
        "ci_low": head.ci_low,
        "ci_high": head.ci_high,
    }
    for r in sens.itertuples():
        params.append(_h0_data_param("yield_impact_duration_sensitivity", "10y", r, r.window))
        if (r.coef > 0) != (head.coef > 0):
            warnings.append(
                f"valuation duration: the sign of the 10y h=0 estimate flips with {r.window} "
                f"({r.coef:+.1f} vs {head.coef:+.1f} bp per $100bn)"
            )
    warnings += disagreements(sens, "valuation duration sensitivity, 10y h=0", reference=ref)
    return warnings, params


def _h0_months(p: pd.DataFrame) -> pd.Series:
    """The months the headline (10y, h=0) projection used: every regressor and the yield change present.

    Not the span start..end, which also holds months dropped for a missing lag or control.
    """
    spec = spec_for("total", "adj", HEADLINE[2])
    controls, lagged, _ = select_controls(p, "y_10y", spec)
    return regressors(p, "y_10y", spec, controls, lagged).notna().all(axis=1) & p["y_10y"].diff().notna()


def _method(seed: int, h0) -> str:
    return (
        "Three estimators of the yield response to a sale, each stored with its own kind, interval and n. "
        "(1) data_event_study: Fed balance-sheet announcements (calibration/data), 1- and 2-day yield changes, "
        "sized as % of marketable debt; slope through the origin, 90% from a bootstrap over events, placebo on "
        "non-event days. (2) data_custody_lp: weekly H.4.1 custody flows (face value), local projections per $ "
        "actually sold (LP-IV on the cumulative sale), lagged VIX/dollar/fed-funds controls and 4 lags, HAC. "
        "(3) data_tic_lp: monthly TIC flows (transaction-built before 2011-12, valuation-adjusted market values "
        "after, reported from 2023-02), local projections per $ actually sold, contemporaneous controls "
        f"[{h0.controls}], 2 lags of the shock and of the yield change, HAC (maxlags = h + 1). Posterior: a "
        "response surface level + transitory x 0.5^(h/half-life) per tenor, priors from the literature "
        "(calibration/literature.py, market sizes drawn), reweighted by the event study (level) and the two "
        "reduced forms as lower bounds on the short-run peak (sampling-importance-resampling); prior and "
        "posterior params are p50 [p5, p95] of the draws. Stock effect, contagion, spillovers and Fed backstop: "
        f"single OLS regressions with HAC; stock effect combined normal-normal with its prior. seed={seed}."
    )


def _caveats(panel: Panel, frames: dict, naive_frames: dict, priors: PriorSet) -> list[str]:
    p = panel.frame
    key = (HEADLINE[0], HEADLINE[2])
    h0 = frames[key].iloc[0] if key in frames and not frames[key].empty else None
    out = []
    if h0 is not None:
        sample = p.loc[_h0_months(p), "flow_basis"].value_counts().to_dict()
        out.append(
            f"Reported TIC transactions exist only from 2023-02: of the {int(h0.n_obs)} months in the 10y "
            f"h=0 projection, {sample.get('reported', 0)} are reported, "
            f"{sample.get('holdings_less_valchg', 0)} holdings-less-valuation-change and "
            f"{sample.get('transactions_based', 0)} transaction-built (mfhhis01 before 2011-12, plain holdings "
            f"change) and {sample.get('estimated', 0)} estimated (market-value holdings change minus an estimated "
            "valuation effect)."
        )
    dur = ", ".join(f"{k} {v:.2f}y ({how})" for k, (v, how) in panel.durations.items())
    out.append(
        f"Estimated valuation effect = -D x holdings[t-1] x change in the 10y yield; D: {dur}. The "
        "valuation-adjusted estimates are sensitive to D (see yield_impact_duration_sensitivity)."
    )
    out.append(
        "The TIC and custody projections are reduced forms: foreign buyers respond to yields within the month "
        "and reserve managers sell into risk-off rallies, which biases the price impact toward zero or below "
        "(Ahmed & Rebucci find identified impacts about twice the reduced form). They enter the posterior only "
        "as lower bounds on the short-run peak; the persistent level rests on the event study and the "
        "stock-effect literature, the transitory part and its half-life on the flow literature (priors)."
    )
    if naive_frames.get(("10y", "bp_per_100bn")) is not None and h0 is not None:
        nv = naive_frames[("10y", "bp_per_100bn")].iloc[0]
        out.append(
            f"Naive (holdings-change) measure, 10y h=0: {nv.coef:+.1f} bp per $100bn vs {h0.coef:+.1f} "
            "valuation-adjusted: rising yields cut the market value of holdings, which looks like selling, "
            "so the naive estimate is biased upward."
        )
    if h0 is not None and h0.dropped:
        out.append(f"Controls dropped for short coverage: {h0.dropped}.")
    out.append(
        "Term premium (Kim–Wright) and 10y breakeven enter lagged one month: contemporaneously they would "
        "absorb the effect being measured."
    )
    out.append(
        "Effects are linear in the flow; the largest monthly foreign sale in the sample is "
        f"${p['sale_adj_total'].max():.0f}bn. Selling $1tn or more is far outside the data; fire-sale "
        "non-linearity is not estimated."
    )
    if "mkt_debt_bn" in p:
        lo, hi = p["mkt_debt_bn"].min(), p["mkt_debt_bn"].max()
        out.append(
            f"bp_per_100bn is in sample dollars (marketable debt ${lo / 1000:.1f}tn to ${hi / 1000:.1f}tn); "
            "bp_per_1pct_debt scales with market size and suits scenarios on today's debt."
        )
    out.append(
        "mfhhis01 series breaks (annual re-benchmarking 2000-2011, SLT basis from Sep/Dec 2011) are dropped: "
        "the holdings change into and out of a break month is not a flow."
    )
    out.extend(panel.notes)
    return out
