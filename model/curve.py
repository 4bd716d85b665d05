"""Yield curves: the observed curve at the anchor, interpolation across tenors, curve histories.

- Interpolation is linear in maturity (months) between observed tenors, flat beyond the shortest/longest.
- `BaselineCurve` is the anchor's observed curve; `path` holds it flat or gives the forward path it implies
  (`forward`: the par curve read as a zero curve, so the yield for term T at month m is the forward rate
  (Y(m+T)·(m+T) − Y(m)·m)/T — an approximation stated in docs/model.md). CBO's path is model/baseline.py.
- `CurveTable` looks curves up at many dates (coupon imputation, the backcast).
The scenario's shift is model/shock.py and model/response.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from calibration.record import TENOR_MONTHS, TENORS
from model import ModelError

NODE_MONTHS = np.array([TENOR_MONTHS[t] for t in TENORS], dtype=float)
# FRED constant-maturity series -> tenor in months (used when the par-curve file is older than FRED).
FRED_TENORS = {
    "DGS1MO": 1,
    "DGS3MO": 3,
    "DGS6MO": 6,
    "DGS1": 12,
    "DGS2": 24,
    "DGS3": 36,
    "DGS5": 60,
    "DGS7": 84,
    "DGS10": 120,
    "DGS20": 240,
    "DGS30": 360,
}


def interp_weights(nodes: np.ndarray, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices (lo, hi) and weight on hi for linear interpolation in maturity, flat outside the nodes."""
    t = np.clip(np.asarray(terms, dtype=float), nodes[0], nodes[-1])
    hi = np.clip(np.searchsorted(nodes, t, side="left"), 1, len(nodes) - 1)
    lo = hi - 1
    w = (t - nodes[lo]) / (nodes[hi] - nodes[lo])
    return lo, hi, w


def interp_tenors(values: np.ndarray, nodes: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """values[..., len(nodes)] at node maturities -> values[..., len(terms)] at `terms` (months)."""
    if len(nodes) == 1:
        return np.repeat(values[..., :1], len(np.atleast_1d(terms)), axis=-1)
    lo, hi, w = interp_weights(np.asarray(nodes, dtype=float), np.atleast_1d(terms))
    return values[..., lo] * (1.0 - w) + values[..., hi] * w


def curve_from_fred(fred_obs: pd.DataFrame) -> pd.DataFrame:
    """fred_observations rows (series_id, date, value[, realtime_start]) -> long curve (date, tenor_months,
    yield_pct), latest vintage per date."""
    df = fred_obs[fred_obs["series_id"].isin(FRED_TENORS)].dropna(subset=["value"])
    if "realtime_start" in df.columns:
        df = df.sort_values("realtime_start").groupby(["series_id", "date"], as_index=False).tail(1)
    return pd.DataFrame(
        {
            "date": pd.to_datetime(df["date"]).to_numpy(),
            "tenor_months": df["series_id"].map(FRED_TENORS).astype(float).to_numpy(),
            "yield_pct": df["value"].astype(float).to_numpy(),
        }
    )


def combine_curves(par_curve: pd.DataFrame, fred_curve: pd.DataFrame) -> pd.DataFrame:
    """Par-curve rows where the par curve has the date; FRED rows only for dates the par curve lacks."""
    par = par_curve[["date", "tenor_months", "yield_pct"]].assign(date=lambda d: pd.to_datetime(d["date"]))
    fred = fred_curve[["date", "tenor_months", "yield_pct"]].assign(date=lambda d: pd.to_datetime(d["date"]))
    fred = fred[~fred["date"].isin(set(par["date"]))]
    return pd.concat([par, fred], ignore_index=True).sort_values(["date", "tenor_months"], ignore_index=True)


@dataclass
class CurveTable:
    """A history of curves, forward-filled per tenor, for lookups at many dates (coupon imputation, backcast)."""

    dates: np.ndarray  # datetime64[D], increasing
    tenors: np.ndarray  # months
    values: np.ndarray  # (dates, tenors) percent; NaN before a tenor's first observation

    @classmethod
    def from_long(cls, curve: pd.DataFrame) -> CurveTable:
        if curve is None or curve.empty:
            raise ModelError("yield curve: no rows")
        wide = (
            curve.assign(date=pd.to_datetime(curve["date"]))
            .pivot_table(index="date", columns="tenor_months", values="yield_pct", aggfunc="last")
            .sort_index()
            .ffill()
        )
        return cls(
            wide.index.to_numpy().astype("datetime64[D]"),
            wide.columns.to_numpy(dtype=float),
            wide.to_numpy(dtype=float),
        )

    def at(self, dates, terms_months) -> np.ndarray:
        """Yield (percent) at each (date, term): the latest curve on or before the date (the first curve for
        earlier dates), interpolated across the tenors that curve has."""
        d = np.asarray(pd.to_datetime(pd.Series(dates)).to_numpy(), dtype="datetime64[D]")
        terms = np.broadcast_to(np.asarray(terms_months, dtype=float), d.shape)
        rows = np.clip(np.searchsorted(self.dates, d, side="right") - 1, 0, len(self.dates) - 1)
        out = np.full(d.shape, np.nan)
        for r in np.unique(rows):
            ok = ~np.isnan(self.values[r])
            if not ok.any():
                continue
            sel = rows == r
            out[sel] = np.interp(terms[sel], self.tenors[ok], self.values[r, ok])
        return out


@dataclass
class BaselineCurve:
    """The observed curve at the anchor: per tenor the newest value on or before the anchor."""

    tenors: np.ndarray  # months
    yields_pct: np.ndarray
    as_of: list[date]
    warnings: list[str] = field(default_factory=list)

    def at(self, terms_months) -> np.ndarray:
        return interp_tenors(self.yields_pct, self.tenors, np.atleast_1d(np.asarray(terms_months, dtype=float)))

    def path(self, horizon: int, terms_months, kind: str = "flat") -> np.ndarray:
        """(horizon, len(terms)) percent: the baseline yield for each new-issue term in each month."""
        terms = np.atleast_1d(np.asarray(terms_months, dtype=float))
        if kind == "flat":
            return np.broadcast_to(self.at(terms), (horizon, len(terms))).copy()
        if kind != "forward":
            raise ModelError(f"baseline path: {kind!r} is not flat or forward")
        m = np.arange(horizon, dtype=float)[:, None]
        far = m + terms[None, :]
        y_far = np.interp(far, self.tenors, self.yields_pct)
        y_near = np.interp(np.maximum(m, self.tenors[0]), self.tenors, self.yields_pct)
        return (y_far * far - y_near * m) / terms[None, :]


def move_with(tenors: np.ndarray, changes: np.ndarray, at: float | np.ndarray) -> np.ndarray:
    """The change at maturity `at` implied by the changes observed at `tenors`: linear in maturity, flat outside."""
    order = np.argsort(tenors)
    return np.interp(at, np.asarray(tenors, dtype=float)[order], np.asarray(changes, dtype=float)[order])


def baseline_curve(
    curve: pd.DataFrame, anchor: date, max_age_days: int = 180, stale_days: int = 31, same_days: int = 7
) -> BaselineCurve:
    """The curve at the anchor: per tenor the newest yield on or before it, with tenors whose series stop earlier
    moved to the newest date by the change the fresher tenors show since (interpolated in maturity, flat
    outside), so the curve has one date's shape. Tenors are aligned from the freshest down, each against the
    tenors already aligned; tenors observed within `same_days` of the newest count as current. A tenor more than max_age_days older than the newest is dropped (e.g. the 30y gap of
    2002-2006); a curve more than stale_days older than the anchor is used with a warning."""
    df = curve.assign(date=pd.to_datetime(curve["date"])).dropna(subset=["yield_pct"])
    df = df[df["date"] <= pd.Timestamp(anchor)]
    if df.empty:
        raise ModelError(f"yield curve: no observation on or before the anchor {anchor}")
    last = df.sort_values("date").groupby("tenor_months").tail(1).sort_values("tenor_months")
    newest = last["date"].max()
    old = last[last["date"] < newest - pd.Timedelta(days=max_age_days)]
    dropped = [
        f"{t:g}-month tenor dropped, last observed {d:%Y-%m-%d}"
        for t, d in zip(old["tenor_months"], old["date"], strict=True)
    ]
    warnings = [f"baseline curve: {'; '.join(dropped)}"] if dropped else []
    last = last[last["date"] >= newest - pd.Timedelta(days=max_age_days)]
    aligned, moved = {}, []
    for t, d, y in sorted(
        zip(last["tenor_months"], last["date"], last["yield_pct"], strict=True), key=lambda r: (-r[1].value, r[0])
    ):
        if d >= newest - pd.Timedelta(days=same_days) or not aligned:
            aligned[t] = float(y)
            continue
        ks = np.array(sorted(aligned))
        then = [
            float(df[(df["tenor_months"] == k) & (df["date"] <= d)].sort_values("date")["yield_pct"].iloc[-1])
            if ((df["tenor_months"] == k) & (df["date"] <= d)).any()
            else np.nan
            for k in ks
        ]
        ok = ~np.isnan(then)
        change = (
            float(move_with(ks[ok], np.array([aligned[k] for k in ks[ok]]) - np.array(then)[ok], t))
            if ok.any()
            else 0.0
        )
        aligned[t] = float(y) + change
        moved.append(f"{t:g}m ({d:%Y-%m-%d}) {100 * change:+.0f} bp")
    if moved:
        warnings.append(
            f"baseline curve: tenors whose series stop before {newest:%Y-%m-%d} moved with the fresher "
            f"tenors' change since: {', '.join(moved)}"
        )
    age = (pd.Timestamp(anchor) - newest).days
    if age > stale_days:
        warnings.append(
            f"baseline curve is {age} days older than the anchor (newest {newest:%Y-%m-%d}, "
            f"oldest tenor used {last['date'].min():%Y-%m-%d}; anchor {anchor})"
        )
    tenors = last["tenor_months"].to_numpy(float)
    return BaselineCurve(tenors, np.array([aligned[t] for t in tenors]), [d.date() for d in last["date"]], warnings)
