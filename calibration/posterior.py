"""Normal priors (priors.toml; today only the stock effect) and their normal-normal combination with a data estimate.

The yield response is not combined here: its priors and posterior are the response surface (literature.py,
surface.py), where the reduced-form flow estimates are lower bounds instead of numbers to average.

For a parameter with data estimate d (sd s_d, from the 90% interval) and prior N(m, s_p^2):

    s_d'^2 = s_d^2 + s_id^2            (s_id: identification allowance from priors.toml, else 0)
    w      = (1/s_d'^2) / (1/s_d'^2 + 1/s_p^2)
    post   = w * d + (1 - w) * m,      sd_post = (1/s_d'^2 + 1/s_p^2)^(-1/2)

Data, prior and posterior are kept as three separate Params; intervals are 90% (Z90).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from calibration.record import Z90, Param

PRIORS_PATH = Path(__file__).with_name("priors.toml")


@dataclass(frozen=True)
class Prior:
    name: str
    unit: str
    tenors: tuple[str, ...]
    mean: float
    sd: float
    h_lo: int | None = None
    h_hi: int | None = None
    sources: tuple[str, ...] = ()
    basis: str = ""

    def matches(self, name: str, tenor: str | None, h: int | None, unit: str) -> bool:
        if (name, unit) != (self.name, self.unit) or tenor not in self.tenors:
            return False
        if self.h_lo is None:
            return True
        return h is not None and self.h_lo <= h <= self.h_hi


@dataclass(frozen=True)
class PriorSet:
    priors: tuple[Prior, ...]
    sources: dict[str, dict] = field(default_factory=dict)
    identification: dict[tuple[str, str], float] = field(default_factory=dict)

    def find(self, name: str, tenor: str | None, h: int | None, unit: str) -> Prior | None:
        return next((p for p in self.priors if p.matches(name, tenor, h, unit)), None)

    def citations(self) -> dict[str, str]:
        return {k: v["citation"] for k, v in self.sources.items()}


def load_priors(path: Path | str | None = None) -> PriorSet:
    """Parse and check priors.toml: every prior has sd > 0 and cites known sources."""
    with open(path or PRIORS_PATH, "rb") as fh:
        raw = tomllib.load(fh)
    sources = raw.get("sources", {})
    for key, s in sources.items():
        missing = {"citation", "finding", "mapping"} - set(s)
        if missing:
            raise ValueError(f"priors.toml source {key} lacks {sorted(missing)}")
    priors = []
    for i, p in enumerate(raw.get("prior", [])):
        unknown = [s for s in p.get("sources", []) if s not in sources]
        if unknown or float(p["sd"]) <= 0:
            raise ValueError(
                f"priors.toml prior #{i + 1} ({p.get('name')}): sd must be > 0 and sources known (unknown: {unknown})"
            )
        priors.append(
            Prior(
                name=p["name"],
                unit=p["unit"],
                tenors=tuple(p["tenors"]),
                mean=float(p["mean"]),
                sd=float(p["sd"]),
                h_lo=p.get("h_lo"),
                h_hi=p.get("h_hi"),
                sources=tuple(p.get("sources", [])),
                basis=p.get("basis", ""),
            )
        )
    ident = {}
    for name, spec in raw.get("identification", {}).items():
        for unit, v in spec.items():
            if isinstance(v, int | float):
                ident[(name, unit)] = float(v)
    return PriorSet(tuple(priors), sources, ident)


def normal_posterior(
    prior_mean: float, prior_sd: float, data_mean: float, data_sd: float
) -> tuple[float, float, float]:
    """(posterior mean, posterior sd, weight on the data) of two independent normal signals."""
    if data_sd <= 0:
        return data_mean, 0.0, 1.0
    wp, wd = 1.0 / prior_sd**2, 1.0 / data_sd**2
    w = wd / (wp + wd)
    return w * data_mean + (1 - w) * prior_mean, math.sqrt(1.0 / (wp + wd)), w


def prior_param(prior: Prior, tenor: str | None, h: int | None) -> Param:
    return Param(
        name=prior.name,
        tenor=tenor,
        horizon_months=h,
        unit=prior.unit,
        kind="prior",
        estimate=prior.mean,
        ci_low=prior.mean - Z90 * prior.sd,
        ci_high=prior.mean + Z90 * prior.sd,
        note=f"sources: {', '.join(prior.sources) or 'none (judgement)'}; {prior.basis}",
    )


def combine(data: list[Param], priors: PriorSet) -> list[Param]:
    """A prior and a posterior Param for every data Param that has a prior; data Params are not returned."""
    out: list[Param] = []
    for d in data:
        if d.kind != "data":
            continue
        prior = priors.find(d.name, d.tenor, d.horizon_months, d.unit)
        if prior is None:
            continue
        s_id = priors.identification.get((d.name, d.unit), 0.0)
        s_d = math.sqrt(d.sd**2 + s_id**2)
        m, s, w = normal_posterior(prior.mean, prior.sd, d.estimate, s_d)
        out.append(prior_param(prior, d.tenor, d.horizon_months))
        out.append(
            Param(
                name=d.name,
                tenor=d.tenor,
                horizon_months=d.horizon_months,
                unit=d.unit,
                kind="posterior",
                estimate=m,
                ci_low=m - Z90 * s,
                ci_high=m + Z90 * s,
                n_obs=d.n_obs,
                note=f"normal-normal: data sd {d.sd:.3g} (HAC) + identification sd {s_id:.3g}, "
                f"prior sd {prior.sd:.3g}; weight on data {w:.2f}",
            )
        )
    return out


def conflicts(params: list[Param]) -> list[str]:
    """Warnings where the data-only and prior 90% intervals do not overlap (prior-data conflict)."""
    key = lambda p: (p.name, p.tenor, p.horizon_months, p.unit)  # noqa: E731
    priors = {key(p): p for p in params if p.kind == "prior"}
    out = []
    for d in params:
        p = priors.get(key(d)) if d.kind == "data" else None
        if p and (d.ci_high < p.ci_low or d.ci_low > p.ci_high):
            out.append(
                f"prior-data conflict: {d.name} {d.tenor} h={d.horizon_months} {d.unit}: data "
                f"{d.estimate:.1f} [{d.ci_low:.1f}, {d.ci_high:.1f}] vs prior {p.estimate:.1f} "
                f"[{p.ci_low:.1f}, {p.ci_high:.1f}]"
            )
    return out
