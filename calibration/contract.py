"""The calibration → model contract, in one place: tenors, units, parameter kinds, and the response surface.

Everything the scenario model reads from a calibration is named here with a type, so a renamed unit or
kind fails at import or validation, not as a silent KeyError six modules away.

The response surface is the calibration's answer to "how much does the yield at each tenor move, h months
after a one-month sale of 1 % of marketable debt?", as joint posterior draws: one draw is one whole surface
(every tenor, every horizon), so anything computed from draw d (a 10y path, an interest bill) is consistent
across tenors and horizons. Its parametric form

    response[d, tenor, h] = level[d, tenor] + transitory[d, tenor] · 0.5 ** (h / half_life_months[d, tenor])

is a persistent (long-run, stock-effect) level plus a short-run multiplier that fades. Both parts are ≥ 0
in every draw by construction (the calibration draws them from distributions on the positive half-line);
the model never clips them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class Tenor(StrEnum):
    M3 = "3m"
    Y2 = "2y"
    Y5 = "5y"
    Y10 = "10y"
    Y30 = "30y"


TENORS: tuple[str, ...] = tuple(t.value for t in Tenor)
TENOR_MONTHS: dict[str, int] = {"3m": 3, "2y": 24, "5y": 60, "10y": 120, "30y": 360}


class Unit(StrEnum):
    BP_PER_100BN = "bp_per_100bn"  # yield bp per $100bn of net sales (sample dollars)
    BP_PER_1PCT_DEBT = "bp_per_1pct_debt"  # yield bp per 1 % of marketable debt outstanding sold
    BP_PER_PP_SHARE = "bp_per_pp_share"  # yield bp per percentage point of foreign share of marketable debt
    USD_PER_USD = "usd_per_usd"  # others' net sales per $1 of the seller's
    BP_PER_BP = "bp_per_bp"  # pass-through of a U.S. 10y move
    MONTHS = "months"  # a half-life


class Kind(StrEnum):
    """Where a parameter's number comes from. One data kind per estimator, so each keeps its own n and interval."""

    DATA = "data"  # a single-regression data estimate (relations: contagion, spillovers, backstop, stock effect)
    DATA_EVENT_STUDY = "data_event_study"  # Fed balance-sheet announcements, daily yields
    DATA_CUSTODY_LP = "data_custody_lp"  # weekly H.4.1 foreign official custody flows, local projections
    DATA_TIC_LP = "data_tic_lp"  # monthly TIC flows, local projections (reduced form: a lower bound)
    PRIOR = "prior"
    POSTERIOR = "posterior"


DATA_KINDS: frozenset[str] = frozenset({Kind.DATA, Kind.DATA_EVENT_STUDY, Kind.DATA_CUSTODY_LP, Kind.DATA_TIC_LP})

SURFACE_HORIZON_MONTHS = 120  # horizons 0..120 inclusive
SURFACE_UNIT = Unit.BP_PER_1PCT_DEBT


@dataclass(frozen=True, eq=False)
class ResponseSurface:
    """Joint posterior draws of the yield response surface (see the module docstring for the form).

    Arrays: `level` and `transitory` (draws, tenors) in bp per 1 % of marketable debt sold; `half_life_months`
    (draws, tenors) > 0. Tenors are `TENORS` in order.
    """

    level: np.ndarray
    transitory: np.ndarray
    half_life_months: np.ndarray
    tenors: tuple[str, ...] = TENORS
    unit: str = SURFACE_UNIT

    def __post_init__(self) -> None:
        shapes = {a.shape for a in (self.level, self.transitory, self.half_life_months)}
        if len(shapes) != 1 or self.level.ndim != 2 or self.level.shape[1] != len(self.tenors):
            raise ValueError(
                f"response surface: level/transitory/half_life must all be (draws, {len(self.tenors)})"
                f", got {sorted(shapes)}"
            )
        if self.level.shape[0] < 1:
            raise ValueError("response surface: no draws")
        for name in ("level", "transitory", "half_life_months"):
            a = getattr(self, name)
            if not np.all(np.isfinite(a)):
                raise ValueError(f"response surface: {name} has non-finite values")
        if (self.level < 0).any() or (self.transitory < 0).any() or (self.half_life_months <= 0).any():
            raise ValueError("response surface: level and transitory must be >= 0 and half-lives > 0 in every draw")

    def __eq__(self, other: object) -> bool:
        """Same draws, tenors and unit (array-valued fields: the dataclass default would be ambiguous)."""
        if not isinstance(other, ResponseSurface):
            return NotImplemented
        return (
            self.tenors == other.tenors
            and self.unit == other.unit
            and all(
                np.array_equal(getattr(self, f), getattr(other, f)) for f in ("level", "transitory", "half_life_months")
            )
        )

    __hash__ = None  # mutable arrays inside: not hashable

    @property
    def n_draws(self) -> int:
        return int(self.level.shape[0])

    def response(
        self, horizon_months: int = SURFACE_HORIZON_MONTHS + 1, draws: np.ndarray | slice | None = None
    ) -> np.ndarray:
        """(draws, tenors, horizon_months) bp per 1 % of debt sold in month 0, for h = 0..horizon_months-1.

        Horizons past SURFACE_HORIZON_MONTHS follow the same form (the transitory part has faded by then)."""
        sel = slice(None) if draws is None else draws
        h = np.arange(horizon_months, dtype=float)
        lvl, tr, hl = self.level[sel], self.transitory[sel], self.half_life_months[sel]
        return lvl[..., None] + tr[..., None] * np.power(0.5, h / hl[..., None])

    def tenor_index(self, tenor: str) -> int:
        return self.tenors.index(tenor)
