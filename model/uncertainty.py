"""What a run's intervals rest on, and what the calibration says about imposed moves.

- `impact_summary`: the response the run used (surface or the posterior-params fallback), per 1 % of debt and
  per $100bn at the anchor's debt, at horizons 0–120, with the spec's decay assumptions.
- `width_sources`: which random inputs widen the headline intervals and, for the yield response, how much of
  the posterior's precision comes from the data and how much from the literature priors (10-year, h = 0,
  bp per 1 % of debt: prior share = posterior variance / prior variance under the normal-normal combination,
  computed from the stored 90 % intervals).
- `imposed_summary`: for an imposed price fall (the article's 10 %), the per-tenor moves and the sale the
  calibration would need to produce the 10-year move, with the posterior probability that selling all of
  Japan's holdings in one month gets there.
"""

from __future__ import annotations

import numpy as np

from calibration.contract import DATA_KINDS, TENORS
from calibration.record import Z90
from model.response import SurfaceResponse
from model.risk import quantiles
from model.shock import PriceFall
from model.spec import latest_holdings
from warehouse.countries import HEADLINE_HOLDER

TENOR_10Y = TENORS.index("10y")


def impact_summary(spec, setup, response) -> dict:
    debt = setup.debt_usd_bn
    out = {
        "unit": "bp_per_1pct_debt",
        "anchor_marketable_debt_usd_bn": debt,
        "one_pct_of_debt_usd_bn": debt / 100.0,
        "basis": "calibrated bp per 1 % of marketable debt sold; the sale is measured as sale / the anchor's "
        "marketable debt × 100 (bp per $100bn = b × 100 / (debt / 100))",
        "source": None if response is None else response.source,
        "assumptions": {
            "impact_half_life_months": spec.assumptions.impact_half_life_months,
            "impact_long_run_share": spec.assumptions.impact_long_run_share,
        },
    }
    if response is None:
        return out | {"note": "not used (no sale)", "yield_10y_bp_per_1pct_debt": None, "yield_10y_bp_per_100bn": None}
    s = response.summary()
    k = 100.0 / (debt / 100.0)
    per_usd = {h: {q: v * k for q, v in qs.items()} for h, qs in s["yield_10y_bp_per_1pct_debt"].items()}
    return out | s | {"yield_10y_bp_per_100bn": per_usd}


def _strict(record, kind: str, tenor: str = "10y", h: int = 0):
    for p in record.params:
        if (
            p.name == "yield_impact"
            and p.kind == kind
            and p.tenor == tenor
            and p.horizon_months == h
            and p.unit == "bp_per_1pct_debt"
        ):
            return p
    return None


def precision_shares(record) -> dict | None:
    post, prior = _strict(record, "posterior"), _strict(record, "prior")
    if post is None or prior is None or prior.sd <= 0:
        return None
    prior_share = float(min(1.0, (post.sd / prior.sd) ** 2))
    data = [
        {"kind": p.kind, "estimate": p.estimate, "ci_low": p.ci_low, "ci_high": p.ci_high}
        for p in record.params
        if p.name == "yield_impact"
        and p.kind in DATA_KINDS
        and p.tenor == "10y"
        and p.horizon_months == 0
        and p.unit == "bp_per_1pct_debt"
    ]
    return {
        "tenor": "10y",
        "horizon_months": 0,
        "unit": "bp_per_1pct_debt",
        "posterior": {"estimate": post.estimate, "ci_low": post.ci_low, "ci_high": post.ci_high},
        "prior": {"estimate": prior.estimate, "ci_low": prior.ci_low, "ci_high": prior.ci_high},
        "data": data,
        "prior_share_of_precision": prior_share,
        "data_share_of_precision": 1.0 - prior_share,
        "method": "posterior variance / prior variance (normal-normal combination), from the 90 % intervals "
        f"(sd = width / {2 * Z90:.2f})",
    }


def width_sources(spec, record, response, sales: np.ndarray) -> dict:
    sold = bool(sales.any())
    sources = []
    if sold:
        sources.append(
            {
                "name": "yield response",
                "detail": "the calibration's response surface, one whole surface per draw"
                if response is not None and response.source == "surface"
                else "the calibration's posterior yield_impact (no response surface)",
            }
        )
    if sold and spec.contagion > 0:
        sources.append({"name": "contagion", "detail": "co-movement of other holders' flows (a data estimate)"})
    if sold and spec.fed_backstop.share > 0:
        sources.append(
            {
                "name": "Fed breakeven effect",
                "detail": "breakeven inflation per $100bn of Fed purchases (a data estimate)",
            }
        )
    return {
        "sources": sources,
        "all_draws_agree": not sources,
        "response_10y_h0": precision_shares(record) if sold else None,
    }


def imposed_summary(spec, setup, frames, response, draws) -> dict:
    pf = PriceFall(spec.price_fall_pct, setup.curve)
    out = pf.table()
    target = out["by_tenor"]["10y"]["shift_bp"]
    if response is None:
        return out | {"calibrated_equivalent": None}
    if isinstance(response, SurfaceResponse):
        peak = (response.level + response.transitory)[:, TENOR_10Y]  # a one-month sale peaks in its month
        over = "the calibration's response-surface draws"
    else:
        peak = response.response(25, draws.normals[:, 0])[:, TENOR_10Y, :].max(axis=1)
        over = "the run's draws of the posterior yield_impact (fallback: no response surface)"
    debt = setup.debt_usd_bn
    med = float(np.median(peak))
    need_pct = target / med if med > 0 else None
    eq = {
        "target_10y_shift_bp": target,
        "response_10y_peak_bp_per_1pct_debt": quantiles(peak),
        "sale_needed_pct_of_debt_at_median": need_pct,
        "sale_needed_usd_bn_at_median": None if need_pct is None else need_pct * debt / 100.0,
        "basis": "a one-month sale with no contagion and no Fed; the 10-year peak = the response in the month "
        f"of the sale; over {over}",
    }
    held = latest_holdings(frames.holdings, setup.anchor) if frames.holdings is not None else {}
    if HEADLINE_HOLDER in held:
        japan_bn, month = held[HEADLINE_HOLDER]
        japan_pct = 100.0 * japan_bn / debt
        eq |= {
            "japan_holdings_usd_bn": japan_bn,
            "japan_holdings_month": month.isoformat(),
            "japan_pct_of_debt": japan_pct,
            "sale_needed_multiple_of_japan_holdings": None if need_pct is None else need_pct / japan_pct,
            "probability_japan_fire_sale_reaches_target": float(np.mean(peak * japan_pct >= target)),
        }
    return out | {"calibrated_equivalent": eq}
