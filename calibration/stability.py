"""Does the headline estimate hold across samples and assumptions? Split-sample, rolling, duration.

Each check re-runs the headline local projection (valuation-adjusted total foreign sales, bp per
$100bn, h = 0) on a subsample or under a changed assumption and warns when two estimates disagree
beyond their 90% intervals (the intervals do not overlap).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from calibration.lp import Spec, local_projection

# Eras: before the financial crisis; zero bound and QE; pandemic and after; TIC-reported transactions.
SPLITS: tuple[tuple[str, str | None, str | None], ...] = (
    ("pre-2008", None, "2007-12"),
    ("2008-2019", "2008-01", "2019-12"),
    ("2020-", "2020-01", None),
    ("reported (2023-02-)", "2023-02", None),
)
ROLLING_MONTHS = 120
ROLLING_STEP = 12
MIN_SUBSAMPLE_OBS = 20
DURATION_FACTORS = (0.75, 1.25)


def _row(label: str, r: pd.DataFrame) -> dict | None:
    if r.empty:
        return None
    x = r.iloc[0]
    return {
        "window": label,
        "coef": x.coef,
        "se": x.se,
        "ci_low": x.ci_low,
        "ci_high": x.ci_high,
        "n_obs": int(x.n_obs),
        "start": x.start,
        "end": x.end,
    }


def split_sample(p: pd.DataFrame, outcome: str, spec: Spec, horizon: int = 0) -> pd.DataFrame:
    rows = [
        _row(label, local_projection(p, outcome, spec, [horizon], MIN_SUBSAMPLE_OBS, (start, end)))
        for label, start, end in SPLITS
    ]
    return pd.DataFrame([r for r in rows if r])


def rolling(p: pd.DataFrame, outcome: str, spec: Spec, horizon: int = 0) -> pd.DataFrame:
    months = p.index[p[spec.shock].notna()]
    rows = []
    if len(months) == 0:
        return pd.DataFrame()
    start = months.min()
    while start + pd.offsets.MonthEnd(ROLLING_MONTHS - 1) <= months.max():
        end = start + pd.offsets.MonthEnd(ROLLING_MONTHS - 1)
        r = _row(
            f"{start:%Y-%m}..{end:%Y-%m}",
            local_projection(p, outcome, spec, [horizon], MIN_SUBSAMPLE_OBS, (f"{start:%Y-%m}", f"{end:%Y-%m}")),
        )
        if r:
            rows.append(r)
        start = start + pd.offsets.MonthEnd(ROLLING_STEP)
    return pd.DataFrame(rows)


def duration_sensitivity(
    build: Callable[[dict[str, float]], pd.DataFrame],
    durations: dict[str, float],
    outcome: str,
    spec: Spec,
    horizon: int = 0,
) -> pd.DataFrame:
    """Headline estimate with every holder's valuation duration scaled by DURATION_FACTORS."""
    rows = []
    for f in DURATION_FACTORS:
        scaled = {k: v * f for k, v in durations.items()}
        r = _row(
            f"D x{f:g} ({scaled.get('total', float('nan')):.2f}y total)",
            local_projection(build(scaled), outcome, spec, [horizon], MIN_SUBSAMPLE_OBS),
        )
        if r:
            rows.append(r)
    return pd.DataFrame(rows)


def disagreements(est: pd.DataFrame, what: str, reference: dict | None = None) -> list[str]:
    """One warning per pair of non-overlapping 90% intervals (or per estimate vs the reference)."""
    if est.empty:
        return []
    out = []
    rows = est.to_dict("records")
    pairs = (
        [(reference, r) for r in rows]
        if reference is not None
        else [(a, b) for i, a in enumerate(rows) for b in rows[i + 1 :]]
    )
    for a, b in pairs:
        if a["ci_high"] < b["ci_low"] or b["ci_high"] < a["ci_low"]:
            out.append(
                f"{what}: {a['window']} {a['coef']:+.1f} [{a['ci_low']:+.1f}, {a['ci_high']:+.1f}] vs "
                f"{b['window']} {b['coef']:+.1f} [{b['ci_low']:+.1f}, {b['ci_high']:+.1f}] bp per $100bn "
                "do not overlap"
            )
    if reference is None and len(rows) > 2 and len(out) > 3:
        # Rolling windows: name the extremes instead of every pair.
        lo = min(rows, key=lambda r: r["ci_high"])
        hi = max(rows, key=lambda r: r["ci_low"])
        out = [
            f"{what}: {len(out)} pairs of windows disagree; extremes {lo['window']} {lo['coef']:+.1f} "
            f"[{lo['ci_low']:+.1f}, {lo['ci_high']:+.1f}] vs {hi['window']} {hi['coef']:+.1f} "
            f"[{hi['ci_low']:+.1f}, {hi['ci_high']:+.1f}] bp per $100bn"
        ]
    return out
