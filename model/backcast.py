"""Backcast: a model check on history.

Roll the real stock at an anchor forward with the REALIZED curve (monthly average of the daily par curve, per
new-issue term and for the FRN index) and the REALIZED total marketable debt (auctions sized so outstanding
follows MSPD, linearly interpolated between the months given), then compare the modelled average interest rate
on marketable debt at `to_date` with Treasury's reported Average Interest Rates, in total and by class.

Modelled rate = Σ outstanding × current rate / Σ outstanding at the month end, with bills at their yield, TIPS at
their real coupon and FRNs at index + spread — the basis Treasury's table uses.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from model import ModelError
from model.budget import month_ends
from model.curve import move_with
from model.issuance import KIND, Buckets, default_mix
from model.rollover import EngineStock, Paths, roll
from model.stock import CLASSES, avg_rate_pct, class_totals, normalise_class


def monthly_curve(curve: pd.DataFrame, ends: pd.DatetimeIndex, terms: np.ndarray) -> tuple[np.ndarray, dict]:
    """(months, terms) percent: per calendar month the average of that month's daily yields per tenor. A tenor
    with no observation in a month (its series stopped earlier, e.g. the par curve ends in Dec 2025 and FRED's
    2-year in May 2026 while the 3-month and 10-year run to Sep 2026) takes its previous month's value moved by
    the change of the tenors observed in both months (interpolated in maturity, flat outside), so the curve's
    shape carries forward while its level follows the data; a month with no curve at all repeats the previous
    one. Also returns counts of both cases."""
    df = curve.assign(date=pd.to_datetime(curve["date"])).dropna(subset=["yield_pct"])
    df = df[df["date"] <= ends[-1]]
    if df.empty or df["date"].min() > ends[0]:
        raise ModelError(f"backcast: no yield curve on or before {ends[0]:%Y-%m-%d}")
    df = df.assign(month=df["date"].dt.to_period("M"))
    means = df.pivot_table(index="month", columns="tenor_months", values="yield_pct", aggfunc="mean")
    tenors = means.columns.to_numpy(float)
    start = ends[0].to_period("M") - 1
    history = means[means.index <= start].ffill()
    prev = history.iloc[-1].to_numpy(float) if len(history) else np.full(len(tenors), np.nan)
    if np.isnan(prev).all():
        prev = means.iloc[0].to_numpy(float)
    out = np.zeros((len(ends), len(terms)))
    shaped = empty = 0
    for i, end in enumerate(ends):
        month = end.to_period("M")
        row = means.loc[month].to_numpy(float).copy() if month in means.index else np.full(len(tenors), np.nan)
        seen = ~np.isnan(row)
        if not seen.any():
            empty += 1
            row = prev.copy()
        elif (~seen).any():
            shaped += 1
            both = seen & ~np.isnan(prev)
            if both.any():
                row[~seen] = prev[~seen] + move_with(tenors[both], row[both] - prev[both], tenors[~seen])
            else:
                row[~seen] = prev[~seen]
        prev = np.where(np.isnan(row), prev, row)
        ok = ~np.isnan(prev)
        out[i] = np.interp(terms, tenors[ok], prev[ok])
    return out, {"months_shaped": shaped, "months_without_curve": empty}


def _target_path(
    totals: pd.DataFrame | pd.Series, anchor: date, start_bn: float, ends: pd.DatetimeIndex
) -> tuple[np.ndarray, list[str]]:
    if isinstance(totals, pd.Series):
        s = totals.astype(float)
        s.index = pd.to_datetime(s.index)
    elif "security_type_desc" in totals.columns:  # mspd_summary: Total Marketable minus the FFB line
        t = totals.assign(record_date=pd.to_datetime(totals["record_date"]))
        total = t[t["security_type_desc"].str.lower() == "total marketable"].set_index("record_date")["total_usd_mn"]
        ffb = t[t["security_class_desc"].map(normalise_class) == "FFB"].set_index("record_date")["total_usd_mn"]
        s = (total - ffb.reindex(total.index).fillna(0.0)) / 1000.0
    else:  # marketable_totals
        t = totals.assign(record_date=pd.to_datetime(totals["record_date"]))
        by = t.pivot_table(index="record_date", columns="security_class", values="outstanding_usd_mn", aggfunc="max")
        s = (by["All"] - by.get("FFB", 0.0)) / 1000.0
    s = s[s.index > pd.Timestamp(anchor)].sort_index()
    notes = []
    if s.empty:
        raise ModelError("backcast: no realized total marketable debt after the anchor")
    days = lambda ts: pd.DatetimeIndex(ts).to_numpy(dtype="datetime64[D]").astype(float)  # noqa: E731
    x = np.r_[days([pd.Timestamp(anchor)]), days(s.index)]
    path = np.interp(days(ends), x, np.r_[start_bn, s.to_numpy()])
    gaps = int((~ends.isin(s.index)).sum())
    if gaps:
        notes.append(
            f"realized total marketable debt interpolated for {gaps} of {len(ends)} months "
            f"(held flat after {s.index.max():%Y-%m-%d})"
        )
    return path, notes


def _actual(avg_rates: pd.DataFrame | None, to: pd.Timestamp) -> dict:
    if avg_rates is None or avg_rates.empty:
        return {"total_marketable_avg_rate_pct": None, "by_class_avg_rate_pct": {}, "record_date": None}
    a = avg_rates.assign(record_date=pd.to_datetime(avg_rates["record_date"]))
    a = a[a["security_type_desc"].str.lower().str.startswith("marketable") & (a["record_date"] <= to)]
    if a.empty:
        return {"total_marketable_avg_rate_pct": None, "by_class_avg_rate_pct": {}, "record_date": None}
    a = a[a["record_date"] == a["record_date"].max()]
    cls = a["security_desc"].map(normalise_class)
    rates = dict(zip(cls, a["avg_interest_rate_pct"].astype(float), strict=True))
    return {
        "total_marketable_avg_rate_pct": rates.get("Total"),
        "by_class_avg_rate_pct": {c: rates[c] for c in CLASSES if c in rates},
        "record_date": a["record_date"].max().date().isoformat(),
    }


def _class_points(by_class: pd.DataFrame, anchor: pd.Timestamp) -> pd.DataFrame:
    """record_date × class $bn after the anchor (rows: record dates; columns: CLASSES)."""
    t = by_class.assign(
        record_date=pd.to_datetime(by_class["record_date"]),
        security_class=by_class["security_class"].map(normalise_class),
    )
    t = t[(t["record_date"] > anchor) & t["security_class"].isin(CLASSES)]
    return (
        t.pivot_table(index="record_date", columns="security_class", values="usd_bn", aggfunc="last")
        .reindex(columns=list(CLASSES))
        .dropna()
        .sort_index()
    )


def _class_targets(points: pd.DataFrame, start: pd.Series, ends: pd.DatetimeIndex) -> np.ndarray:
    """(H, 5) each class's realized outstanding, linear between the anchor and the record dates given."""
    days = lambda ts: pd.DatetimeIndex(ts).to_numpy(dtype="datetime64[D]").astype(float)  # noqa: E731
    x = np.r_[days([start.name]), days(points.index)]
    return np.stack([np.interp(days(ends), x, np.r_[start[c], points[c].to_numpy(float)]) for c in CLASSES], axis=1)


TOTAL_DEFINITION = (
    "Treasury's 'Total Marketable' average interest rate is not the outstanding-weighted average of the class rates "
    "it publishes beside it. Weighted by the MSPD outstanding of each class, the published class rates give "
    "{cw:.3f} % against the published {pub:.3f} % ({when}). The gap is what counting TIPS at about {z:.2f} % "
    "instead of their {tips:.3f} % real coupon rate would give: consistent with a total that includes TIPS "
    "inflation compensation, but this is an inference (the dataset's documentation in hand does not define the "
    "total). The model is therefore compared class by class, and its total with the class-weighted actual."
)


def _totals(actual: dict, weights: dict[str, float], modelled: dict[str, float], modelled_total: float) -> dict:
    rates = actual["by_class_avg_rate_pct"]
    cls = [c for c in CLASSES if c in rates and weights.get(c)]
    out = {
        "published_pct": actual["total_marketable_avg_rate_pct"],
        "modelled_pct": modelled_total,
        "actual_weights_usd_bn": {c: weights[c] for c in cls},
    }
    if not cls:
        return out
    w = np.array([weights[c] for c in cls])
    cw = float(np.dot(w, [rates[c] for c in cls]) / w.sum())
    mw = float(np.dot(w, [modelled.get(c, np.nan) for c in cls]) / w.sum())
    out |= {
        "actual_class_weighted_pct": cw,
        "modelled_on_actual_weights_pct": mw,
        "error_vs_class_weighted_pp": modelled_total - cw,
    }
    pub = actual["total_marketable_avg_rate_pct"]
    if pub is not None and "TIPS" in cls:
        z = (pub * w.sum() - sum(weights[c] * rates[c] for c in cls if c != "TIPS")) / weights["TIPS"]
        out |= {
            "published_minus_class_weighted_pp": pub - cw,
            "error_vs_published_pp": modelled_total - pub,
            "tips_rate_implied_by_published_total_pct": float(z),
            "definition": TOTAL_DEFINITION.format(cw=cw, pub=pub, when=actual["record_date"], z=z, tips=rates["TIPS"]),
        }
    return out


def backcast(
    stock_at_anchor: pd.DataFrame,
    realized_curve: pd.DataFrame,
    realized_total_marketable: pd.DataFrame | pd.Series,
    to_date: date,
    *,
    avg_rates: pd.DataFrame | None = None,
    anchor: date | None = None,
    stock_rows: pd.DataFrame | None = None,
    realized_by_class: pd.DataFrame | None = None,
    mix: dict[str, float] | None = None,
    cpi_inflation_pct: float = 2.5,
    frn_spread_pct: float = 0.15,
) -> dict:
    """Modelled vs actual average interest rates on marketable debt at `to_date`, by class and in total.

    `stock_at_anchor` is model.stock.build_stock output; `realized_total_marketable` is mspd_summary rows,
    marketable_totals rows or a Series of $bn by date; `realized_by_class` (record_date, security_class, usd_bn)
    makes auctions track each class's realized outstanding (else the total's, in the anchor's mix); `avg_rates`
    is avg_interest_rates rows; `stock_rows` (the anchor's marketable_securities rows) lets the mix use tranche
    terms."""
    anchor = anchor or stock_at_anchor.attrs.get("anchor")
    if anchor is None:
        raise ModelError("backcast: the stock has no anchor date")
    a, to = pd.Timestamp(anchor), pd.Timestamp(to_date)
    horizon = (to.year - a.year) * 12 + to.month - a.month
    if horizon < 1:
        raise ModelError(f"backcast: --to {to:%Y-%m-%d} must be at least a month after the anchor {a:%Y-%m-%d}")
    ends = month_ends(anchor, horizon)
    buckets = Buckets.from_mix(mix or default_mix(stock_at_anchor, stock_rows))
    curve, curve_info = monthly_curve(realized_curve, ends, np.r_[buckets.terms.astype(float), 3.0])
    nominal, bill3m = curve[:, :-1], curve[:, -1]
    rate = np.where(buckets.kinds == KIND["TIPS"], nominal - cpi_inflation_pct, nominal)
    rate = np.where(buckets.kinds == KIND["FRN"], frn_spread_pct, rate)
    engine_stock = EngineStock.from_stock(stock_at_anchor, anchor)
    at_anchor = class_totals(stock_at_anchor)
    points = _class_points(realized_by_class, a) if realized_by_class is not None else pd.DataFrame()
    common = dict(
        new_rate=rate[None] / 100.0,
        bill3m=bill3m[None] / 100.0,
        inflation=np.full((1, horizon), cpi_inflation_pct / 100.0),
    )
    if len(points):
        start = at_anchor[list(CLASSES)].rename(a)
        paths = Paths(**common, target_by_class=_class_targets(points, start, ends))
        notes = [
            f"auctions by class track the realized outstanding of each class, linear between the anchor and "
            f"{', '.join(d.date().isoformat() for d in points.index)} (within a class, the anchor's mix)"
        ]
        issuance = {
            "mode": "realized class stock",
            "class_points": {
                d.date().isoformat(): {c: float(v) for c, v in row.items()} for d, row in points.iterrows()
            },
        }
    else:
        target, notes = _target_path(realized_total_marketable, anchor, float(engine_stock.face.sum()), ends)
        paths = Paths(**common, target_outstanding=target)
        issuance = {"mode": "realized total, the anchor's mix"}
    res = roll(engine_stock, buckets, paths)
    total, by_class = res.avg_rate_pct()
    if curve_info["months_shaped"]:
        notes.append(
            f"{curve_info['months_shaped']} of {horizon} months lacked some tenors: those moved with the "
            "observed tenors' change (fresher FRED series carry the 3-month and 10-year further)"
        )
    if curve_info["months_without_curve"]:
        notes.append(
            f"{curve_info['months_without_curve']} of {horizon} months had no yield curve: the previous "
            "month's was used"
        )
    notes.append("modelled rates exclude the Federal Financing Bank line (~$3.6bn), which Treasury's total includes")
    actual = _actual(avg_rates, to)
    modelled_cls = {c: float(by_class[0, -1, k]) for k, c in enumerate(CLASSES) if res.face_by_class[0, -1, k] > 0}
    modelled_usd = {c: float(res.face_by_class[0, -1, k]) for k, c in enumerate(CLASSES)}
    actual_usd = {c: float(points.iloc[-1][c]) for c in CLASSES} if len(points) and points.index[-1] == ends[-1] else {}
    out = {
        "anchor": a.date().isoformat(),
        "to": ends[-1].date().isoformat(),
        "months": horizon,
        "modelled": {
            "total_marketable_avg_rate_pct": float(total[0, -1]),
            "by_class_avg_rate_pct": modelled_cls,
            "total_marketable_usd_bn": float(res.outstanding_end[0, -1]),
            "by_class_usd_bn": modelled_usd,
            "at_anchor_avg_rate_pct": avg_rate_pct(stock_at_anchor, float(bill3m[0])),
            "at_anchor_by_class_usd_bn": {k: float(v) for k, v in at_anchor.items()},
        },
        "actual": actual | {"by_class_usd_bn": actual_usd},
        "by_class": [
            {
                "class": c,
                "modelled_pct": modelled_cls.get(c),
                "actual_pct": actual["by_class_avg_rate_pct"].get(c),
                "error_pp": (modelled_cls[c] - actual["by_class_avg_rate_pct"][c])
                if c in modelled_cls and c in actual["by_class_avg_rate_pct"]
                else None,
                "modelled_usd_bn": modelled_usd[c],
                "actual_usd_bn": actual_usd.get(c),
            }
            for c in CLASSES
        ],
        "total": _totals(actual, actual_usd or modelled_usd, modelled_cls, float(total[0, -1])),
        "issuance": issuance | {"within_class_mix": buckets.as_dict()},
        "curve": curve_info,
        "issuance_mix": buckets.as_dict(),
        "notes": notes,
    }
    if actual["total_marketable_avg_rate_pct"] is not None:
        out["error_pp"] = {
            "total": out["modelled"]["total_marketable_avg_rate_pct"] - actual["total_marketable_avg_rate_pct"],
            **{c: modelled_cls[c] - v for c, v in actual["by_class_avg_rate_pct"].items() if c in modelled_cls},
        }
    return out
