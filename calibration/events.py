"""Fed balance-sheet event study: the demand curve's slope from announcement-day yield moves (a sale is QE in reverse).

Events: calibration/data/fed_balance_sheet_events.csv (33 announcements 2008-2025; README beside it says which
rows are verified). For an announcement on day d and the daily FRED yields (DGS3MO … DGS30, percent):

    t0 = last trading day before d,  t1 = first trading day on or after d,  t2 = the trading day after t1
    1-day move = y[t1] − y[t0],  2-day move = y[t2] − y[t0]          (bp)

(GRRS 2011 use one-day windows; KVJ 2011 two-day windows, t−1 close to t+1 close.) An announcement made on a
Sunday (2020-03-15) is priced on the Monday: t1 is that Monday.

Sizing: events whose `amount_basis` is `total` (the program's new purchases announced that day, Treasuries +
agency debt + MBS; MEP rows gross long-end purchases) are sized as % of marketable debt outstanding in the month
before the event. The slope through the origin of the yield FALL on the size,

    b = Σ x_e · (−Δy_e) / Σ x_e²      (bp per 1 % of marketable debt bought)

is, with the sign turned, the rise per 1 % of debt SOLD. Its interval is the 5th–95th percentile of the same
slope over a bootstrap of the events (resampled with replacement): the cross-event spread, not a textbook s.e.
The placebo: the same event sizes assigned to randomly drawn non-event days (no announcement within ±3 trading
days), slope recomputed; its 90 % range says how large a slope noise alone produces.

Announcements without an amount (speeches, forward guidance, tapering and runoff paces) are not in the slope but
enter the program-level (GRRS-style) ratio: the sum of a program's event moves over the program's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.contract import TENORS

DATA = Path(__file__).with_name("data")
EVENTS_CSV = DATA / "fed_balance_sheet_events.csv"
JAPAN_CSV = DATA / "japan_fx_interventions.csv"
TENOR_SERIES = {"3m": "DGS3MO", "2y": "DGS2", "5y": "DGS5", "10y": "DGS10", "30y": "DGS30"}
WINDOWS = (1, 2)
N_BOOT = 2000
N_PLACEBO = 2000
PLACEBO_GUARD_DAYS = 3
# Gagnon, Raskin, Remache & Sack (2011): the 10y fell 91 bp summed over the eight QE1 baseline dates (one-day).
GRRS_QE1_10Y_BP = -91.0
# FRED's CMT moves differ from the paper's (GRRS did not use the CMT series): the README lists -16 vs -26 on
# 2008-12-16 and +1 vs +5 on 2009-08-12, 2-4 bp elsewhere. 15 bp over eight dates covers that, not a sign error.
QE1_TOLERANCE_BP = 15.0


def load_events(path: Path | str = EVENTS_CSV) -> pd.DataFrame:
    ev = pd.read_csv(path, parse_dates=["date"])
    need = {"date", "program", "amount_basis", "total_purchases_usd_bn", "treasury_purchases_usd_bn", "in_study"}
    missing = need - set(ev.columns)
    if missing:
        raise ValueError(f"{path}: columns {sorted(missing)} missing")
    return ev


def daily_yields(fred: pd.DataFrame) -> pd.DataFrame:
    """Trading days × tenors, percent (rows where the 10y is quoted; other tenors may be NaN)."""
    out = {}
    for tenor, series in TENOR_SERIES.items():
        s = fred.loc[(fred["series_id"] == series) & fred["value"].notna(), ["date", "value"]]
        out[tenor] = s.drop_duplicates("date", keep="last").set_index("date")["value"].astype(float)
    y = pd.DataFrame(out).sort_index()
    return y.loc[y["10y"].notna()] if "10y" in y and y["10y"].notna().any() else y.iloc[0:0]


def window_moves(y: pd.DataFrame, dates: pd.Series | list, days: int) -> pd.DataFrame:
    """(events × tenors) bp: y at the `days`-th trading day on/after d minus y at the last trading day before d."""
    d = pd.DatetimeIndex(pd.to_datetime(pd.Series(dates)))
    i1 = y.index.searchsorted(d, side="left")
    i0, i_end = i1 - 1, i1 + days - 1
    ok = (i0 >= 0) & (i_end < len(y))
    vals = y.to_numpy(float)
    out = np.full((len(d), y.shape[1]), np.nan)
    out[ok] = (vals[i_end[ok]] - vals[i0[ok]]) * 100.0
    return pd.DataFrame(out, index=d, columns=y.columns)


def debt_at(mkt_debt_bn: pd.Series, dates: pd.Series) -> np.ndarray:
    """Marketable debt ($bn) at the end of the month before each date (known when the market priced it)."""
    s = mkt_debt_bn.dropna().sort_index()
    prev = (pd.to_datetime(dates) - pd.offsets.MonthEnd(1)).dt.normalize()
    return np.array([s.asof(d) if len(s) and d >= s.index[0] else np.nan for d in prev], dtype=float)


def slope(x: np.ndarray, fall: np.ndarray) -> float:
    """Least squares through the origin of the yield fall on the size."""
    return float(np.sum(x * fall) / np.sum(x * x))


def boot_slopes(x: np.ndarray, fall: np.ndarray, rng: np.random.Generator, n: int = N_BOOT) -> np.ndarray:
    """Slopes over resamples of the events (with replacement); resamples of all-zero size are skipped."""
    k = len(x)
    pick = rng.integers(0, k, size=(n, k))
    xs, fs = x[pick], fall[pick]
    den = (xs * xs).sum(axis=1)
    ok = den > 0
    return (xs * fs).sum(axis=1)[ok] / den[ok]


@dataclass
class EventEstimate:
    """One tenor and window: slope per 1 % of debt (and per $100bn of announced purchases) with its spread."""

    tenor: str
    window_days: int
    per_1pct: float
    per_1pct_ci: tuple[float, float]
    per_100bn: float
    per_100bn_ci: tuple[float, float]
    n_events: int
    placebo_ci: tuple[float, float] = (np.nan, np.nan)
    placebo_share_above: float = np.nan  # share of placebo slopes >= the estimate (a one-sided p-value)
    huber_per_1pct: float = np.nan
    events: list[dict] = field(default_factory=list)


def huber_slope(x: np.ndarray, fall: np.ndarray) -> float:
    """Robust (Huber) slope through the origin, statsmodels RLM; NaN when it cannot be fitted."""
    import warnings

    import statsmodels.api as sm

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a perfect fit (scale 0) is a valid answer here, not a problem
            return float(sm.RLM(fall, x[:, None], M=sm.robust.norms.HuberT()).fit().params[0])
    except (ValueError, np.linalg.LinAlgError):
        return float("nan")


def event_study(
    fred: pd.DataFrame, mkt_debt_bn: pd.Series, events: pd.DataFrame | None = None, seed: int = 0
) -> list[EventEstimate]:
    """Slopes for every tenor and window (see the module docstring). Empty when the yields do not cover the events."""
    ev = load_events() if events is None else events
    y = daily_yields(fred)
    sized = ev.loc[(ev["amount_basis"] == "total") & ev["total_purchases_usd_bn"].fillna(0).ne(0)].copy()
    if y.empty or sized.empty:
        return []
    sized["debt_bn"] = debt_at(mkt_debt_bn, sized["date"])
    sized["size_pct"] = sized["total_purchases_usd_bn"] / sized["debt_bn"] * 100.0
    all_days = y.index
    guard = set()
    for d in pd.to_datetime(ev["date"]):
        i = int(all_days.searchsorted(d))
        guard.update(range(max(0, i - PLACEBO_GUARD_DAYS), i + PLACEBO_GUARD_DAYS + 1))
    first, last = pd.to_datetime(ev["date"]).min(), pd.to_datetime(ev["date"]).max()
    pool = [
        all_days[i]
        for i in range(len(all_days))
        if i not in guard and first <= all_days[i] <= last + pd.offsets.YearEnd(0)
    ]
    out = []
    for w in WINDOWS:
        moves = window_moves(y, sized["date"], w)
        placebo_moves = window_moves(y, pd.Series(pool), w)
        for tenor in TENORS:
            if tenor not in moves:
                continue
            fall = -moves[tenor].to_numpy(float)
            ok = np.isfinite(fall) & np.isfinite(sized["size_pct"].to_numpy(float))
            if ok.sum() < 3:
                continue
            x, f = sized["size_pct"].to_numpy(float)[ok], fall[ok]
            xu = sized["total_purchases_usd_bn"].to_numpy(float)[ok] / 100.0
            rng = np.random.default_rng([seed, w, TENORS.index(tenor)])
            b, bu = slope(x, f), slope(xu, f)
            bs, bsu = boot_slopes(x, f, rng), boot_slopes(xu, f, rng)
            pm = -placebo_moves[tenor].dropna().to_numpy(float)
            est = EventEstimate(
                tenor,
                w,
                b,
                tuple(np.percentile(bs, [5, 95])),
                bu,
                tuple(np.percentile(bsu, [5, 95])),
                int(ok.sum()),
                huber_per_1pct=huber_slope(x, f),
            )
            if len(pm) > 50:
                draws = pm[rng.integers(0, len(pm), size=(N_PLACEBO, len(x)))]
                ps = (draws * x).sum(axis=1) / (x * x).sum()
                est.placebo_ci = tuple(np.percentile(ps, [5, 95]))
                est.placebo_share_above = float((ps >= b).mean())
            est.events = [
                {
                    "date": f"{d:%Y-%m-%d}",
                    "program": p,
                    "size_pct_of_debt": round(float(s), 3),
                    "yield_fall_bp": round(float(v), 2),
                }
                for d, p, s, v in zip(sized["date"][ok], sized["program"][ok], x, f, strict=True)
            ]
            out.append(est)
    return out


def program_ratios(fred: pd.DataFrame, mkt_debt_bn: pd.Series, events: pd.DataFrame | None = None) -> list[dict]:
    """GRRS-style: per program with an announced total, the 10y 1-day moves summed over ALL its announcement
    days (with or without an amount) over the program's total size in % of debt at its first announcement."""
    ev = load_events() if events is None else events
    y = daily_yields(fred)
    if y.empty:
        return []
    out = []
    for prog, g in ev.groupby("program", sort=False):
        tot = g.loc[g["amount_basis"] == "total", "total_purchases_usd_bn"].sum()
        if tot <= 0:
            continue
        moves = window_moves(y, g["date"], 1)["10y"]
        debt = debt_at(mkt_debt_bn, g["date"].iloc[:1])[0]
        size = tot / debt * 100.0
        out.append(
            {
                "program": prog,
                "events": int(moves.notna().sum()),
                "total_usd_bn": float(tot),
                "debt_usd_bn": round(float(debt), 1),
                "size_pct_of_debt": round(float(size), 3),
                "sum_10y_bp": round(float(moves.sum()), 2),
                "bp_per_1pct_debt": round(float(-moves.sum() / size), 3),
            }
        )
    return out


def qe1_replication(fred: pd.DataFrame, events: pd.DataFrame | None = None) -> dict:
    """Sum of the one-day DGS10 moves over GRRS (2011)'s eight QE1 dates, against the paper's −91 bp."""
    ev = load_events() if events is None else events
    dates = ev.loc[ev["in_study"].fillna("").str.contains("GRRS2011"), "date"]
    moves = window_moves(daily_yields(fred), dates, 1)["10y"] if len(dates) else pd.Series(dtype=float)
    total = float(moves.sum(min_count=len(dates))) if len(dates) else float("nan")
    return {
        "dates": [f"{d:%Y-%m-%d}" for d in dates],
        "moves_bp": [round(float(v), 2) for v in moves],
        "sum_bp": total,
        "paper_bp": GRRS_QE1_10Y_BP,
        "tolerance_bp": QE1_TOLERANCE_BP,
        "within_tolerance": bool(abs(total - GRRS_QE1_10Y_BP) <= QE1_TOLERANCE_BP),
        "source": "Gagnon, Raskin, Remache & Sack (2011), IJCB 7(1): -91 bp (10y, eight QE1 dates, one-day)",
    }


def japan_sign_check(fred: pd.DataFrame, path: Path | str = JAPAN_CSV) -> dict:
    """Japan's yen-buying days (dollars raised partly by selling Treasuries): did the 10y rise over two days, and
    did Fed custody holdings fall in the week? A sign check only: seven days, other news on each."""
    jp = pd.read_csv(path, parse_dates=["date"])
    y = daily_yields(fred)
    moves = window_moves(y, jp["date"], 2)["10y"] if not y.empty else pd.Series(np.nan, index=jp["date"])
    cust = fred.loc[(fred["series_id"] == "WMTSECL1") & fred["value"].gt(0)].set_index("date")["value"].sort_index()
    rows = []
    for d, mv, amt in zip(jp["date"], moves, jp["amount_jpy_tn"], strict=True):
        after = cust.loc[cust.index >= d]
        before = cust.loc[cust.index < d]
        chg = float(after.iloc[0] - before.iloc[-1]) / 1000.0 if len(after) and len(before) else float("nan")
        rows.append(
            {
                "date": f"{d:%Y-%m-%d}",
                "amount_jpy_tn": float(amt),
                "y10_2day_bp": round(float(mv), 2),
                "custody_change_week_usd_bn": round(chg, 2),
            }
        )
    return {
        "days": rows,
        "y10_rose": sum(1 for r in rows if r["y10_2day_bp"] > 0),
        "custody_fell": sum(1 for r in rows if r["custody_change_week_usd_bn"] < 0),
        "n": len(rows),
        "reading": "sign check only: intervention days coincide with other news (BoJ, U.S. data); not a slope",
    }
