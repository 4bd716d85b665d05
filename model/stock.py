"""The marketable debt stock by CUSIP at the anchor, from `marketable_securities` tranche rows.

One row per CUSIP: class, maturity, original term, the rate the rollover engine needs (`rate_pct`: the coupon for
notes/bonds, the real coupon for TIPS, the auction yield for bills, the spread for FRNs) and the outstanding
amount in $ billions (TIPS including the inflation adjustment, as MSPD reports it).

The CUSIP's total outstanding is on tranche 1 (NULL on later tranches), so outstanding = Σ non-null values; if a
CUSIP has none, issued − redeemed + inflation adjustment over its tranches is used. Where the source lacks a
rate (the 6-field API file of 2026-09-30 has no coupons or issue dates), it is imputed and `coupon_imputed` is
True: the issue date comes from the CUSIP's first auction or, failing that, maturity minus the shortest standard
term that puts issue on or before the anchor; the rate is the par-curve yield at issue for that term, rounded
down to 1/8 with a 0.125 floor for coupons (Treasury's auction rule), minus an assumed breakeven for TIPS;
bills take the curve yield unrounded and FRNs an assumed spread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from model import ModelError
from model.curve import CurveTable

CLASSES = ("Bills", "Notes", "Bonds", "TIPS", "FRN")
# Standard original terms (months) by class, used to estimate an unknown issue date.
STANDARD_TERMS = {
    "Bills": (1, 2, 3, 4, 6, 12),
    "Notes": (24, 36, 60, 84, 120),
    "Bonds": (240, 360),
    "TIPS": (60, 120, 360),
    "FRN": (24,),
}
_LABELS = [
    ("inflation", "TIPS"),
    ("tips", "TIPS"),
    ("floating", "FRN"),
    ("frn", "FRN"),
    ("bill", "Bills"),
    ("note", "Notes"),
    ("bond", "Bonds"),
    ("federal financing", "FFB"),
    ("total marketable", "Total"),
]
# marketable_totals labels that hold the unmatured amount per class (matured-unpaid excluded, like CUSIP rows).
UNMATURED_LABELS = {
    "Bills": "Total Unmatured Treasury Bills",
    "Notes": "Total Unmatured Treasury Notes",
    "Bonds": "Total Unmatured Treasury Bonds",
    "TIPS": "Total Treasury TIPS",
    "FRN": "Total Treasury Floating Rate Notes",
}


def normalise_class(label: str | None) -> str | None:
    """Any class label used by MSPD, Average Interest Rates or SOMA -> Bills/Notes/Bonds/TIPS/FRN/FFB/Total."""
    if label is None or (isinstance(label, float) and np.isnan(label)):
        return None
    s = str(label).strip().lower()
    if s in ("notesbonds",):
        return "Notes"
    for needle, cls in _LABELS:
        if needle in s:
            return cls
    return None


def term_months(term: str | None) -> float | None:
    """Auction security_term ('10-Year', '9-Year 11-Month', '26-Week', '42-Day') -> months."""
    if not isinstance(term, str):
        return None
    total, found = 0.0, False
    for n, unit in re.findall(r"(\d+)\s*-?\s*(Year|Month|Week|Day)", term, flags=re.I):
        found = True
        total += float(n) * {"year": 12.0, "month": 1.0, "week": 12.0 / 52.0, "day": 12.0 / 365.0}[unit.lower()]
    return total if found else None


@dataclass(frozen=True)
class StockAssumptions:
    tips_breakeven_pct: float = 2.3  # subtracted from the nominal curve to impute a TIPS real coupon
    frn_spread_pct: float = 0.15  # assumed FRN spread when the source lacks it


def _months_between(a: pd.Series, b: pd.Series) -> pd.Series:
    return (b - a).dt.days / 30.4375


def _first_auctions(auctions: pd.DataFrame | None) -> pd.DataFrame:
    if auctions is None or auctions.empty:
        return pd.DataFrame(columns=["cusip", "auction_issue_date", "auction_term_months"])
    a = auctions.assign(
        auction_date=pd.to_datetime(auctions["auction_date"]), issue_date=pd.to_datetime(auctions["issue_date"])
    )
    first = a.sort_values("auction_date").groupby("cusip", as_index=False).head(1)
    return pd.DataFrame(
        {
            "cusip": first["cusip"].astype(str).to_numpy(),
            "auction_issue_date": first["issue_date"].to_numpy(),
            "auction_term_months": first["security_term"].map(term_months).astype(float).to_numpy(),
        }
    )


def _estimate_term(cls: str, remaining_months: float) -> float:
    for t in STANDARD_TERMS.get(cls, ()):
        if t >= remaining_months - 1e-9:
            return float(t)
    return float(STANDARD_TERMS.get(cls, (360,))[-1])


def build_stock(
    rows: pd.DataFrame,
    *,
    anchor: date | None = None,
    curve: pd.DataFrame | None = None,
    auctions: pd.DataFrame | None = None,
    assumptions: StockAssumptions = StockAssumptions(),
) -> pd.DataFrame:
    """Per-CUSIP stock at `anchor` (default: the newest record_date) from marketable_securities rows."""
    if rows is None or rows.empty:
        raise ModelError("marketable_securities: no rows")
    df = rows.assign(record_date=pd.to_datetime(rows["record_date"]))
    anchor_ts = pd.Timestamp(anchor) if anchor is not None else df["record_date"].max()
    df = df[df["record_date"] == anchor_ts]
    if df.empty:
        raise ModelError(f"marketable_securities: no rows at the anchor {anchor_ts:%Y-%m-%d}")
    df = df.assign(
        security_class=df["security_class"].map(normalise_class),
        issue_date=pd.to_datetime(df["issue_date"]),
        maturity_date=pd.to_datetime(df["maturity_date"]),
    )
    bad = df[~df["security_class"].isin(CLASSES)]
    if not bad.empty:
        raise ModelError(
            f"marketable_securities: unknown class {bad['security_class'].iloc[0]!r} for CUSIP {bad['cusip'].iloc[0]}"
        )
    df = df.sort_values(["cusip", "tranche_no"])
    num = df[["issued_usd_mn", "redeemed_usd_mn", "inflation_adj_usd_mn", "yield_pct"]].astype(float)
    df = df.assign(
        net_mn=num["issued_usd_mn"] - num["redeemed_usd_mn"].fillna(0.0) + num["inflation_adj_usd_mn"].fillna(0.0),
        w_yield=num["yield_pct"] * num["issued_usd_mn"].fillna(1.0),
        w=num["issued_usd_mn"].fillna(1.0).where(num["yield_pct"].notna()),
    )
    g = df.groupby("cusip", sort=True)
    stock = pd.DataFrame(
        {
            "security_class": g["security_class"].first(),
            "issue_date": g["issue_date"].min(),
            "maturity_date": g["maturity_date"].first(),
            "coupon_pct": g["interest_rate_pct"].first().astype(float),
            "yield_pct": (g["w_yield"].sum(min_count=1) / g["w"].sum(min_count=1)).astype(float),
            "reported_mn": g["outstanding_usd_mn"].sum(min_count=1).astype(float),
            "net_mn": g["net_mn"].sum(min_count=1).astype(float),
        }
    )
    stock.index.name = "cusip"
    stock = stock.reset_index()
    stock["outstanding_source"] = np.where(stock["reported_mn"].notna(), "reported", "issued_less_redeemed")
    stock["outstanding_usd_bn"] = stock["reported_mn"].fillna(stock["net_mn"]) / 1000.0
    if stock["outstanding_usd_bn"].isna().any():
        cusip = stock.loc[stock["outstanding_usd_bn"].isna(), "cusip"].iloc[0]
        raise ModelError(f"marketable_securities: CUSIP {cusip} has neither outstanding nor issued amounts")
    stock = stock.drop(columns=["reported_mn", "net_mn"])
    stock = _terms(stock, anchor_ts, _first_auctions(auctions))
    stock = _rates(stock, curve, assumptions)
    stock.attrs["anchor"] = anchor_ts.date()
    return stock


def _terms(stock: pd.DataFrame, anchor: pd.Timestamp, first: pd.DataFrame) -> pd.DataFrame:
    stock = stock.merge(first, on="cusip", how="left")
    stock["auction_issue_date"] = pd.to_datetime(stock["auction_issue_date"])
    stock["auction_term_months"] = stock["auction_term_months"].astype(float)
    known = _months_between(stock["issue_date"], stock["maturity_date"])
    from_auction = _months_between(stock["auction_issue_date"], stock["maturity_date"])
    stock["original_term_months"] = known.fillna(stock["auction_term_months"]).fillna(from_auction)
    stock["issue_date_source"] = np.where(
        stock["issue_date"].notna(), "reported", np.where(stock["auction_issue_date"].notna(), "auction", "estimated")
    )
    remaining = _months_between(pd.Series(anchor, index=stock.index), stock["maturity_date"])
    est = [_estimate_term(c, r) for c, r in zip(stock["security_class"], remaining, strict=True)]
    stock["original_term_months"] = stock["original_term_months"].fillna(pd.Series(est, index=stock.index))
    est_issue = stock["maturity_date"] - pd.to_timedelta(stock["original_term_months"] * 30.4375, unit="D")
    stock["issue_date"] = stock["issue_date"].fillna(stock["auction_issue_date"]).fillna(est_issue.dt.floor("D"))
    return stock.drop(columns=["auction_issue_date", "auction_term_months"])


def _rates(stock: pd.DataFrame, curve: pd.DataFrame | None, a: StockAssumptions) -> pd.DataFrame:
    cls = stock["security_class"]
    coupon_cls = cls.isin(["Notes", "Bonds", "TIPS"])
    rate = pd.Series(np.where(coupon_cls, stock["coupon_pct"], stock["yield_pct"]), index=stock.index, dtype=float)
    source = pd.Series(np.where(rate.notna(), "reported", ""), index=stock.index, dtype=object)
    frn_missing = (cls == "FRN") & rate.isna()
    rate[frn_missing] = a.frn_spread_pct
    source[frn_missing] = "assumed_spread"
    need = rate.isna()
    if need.any():
        if curve is None or curve.empty:
            raise ModelError(
                f"marketable_securities: {int(need.sum())} CUSIPs lack a coupon/yield and no yield "
                "curve was given to impute them"
            )
        table = CurveTable.from_long(curve)
        at_issue = table.at(stock.loc[need, "issue_date"], stock.loc[need, "original_term_months"])
        if np.isnan(at_issue).any():
            raise ModelError("yield curve: no value to impute a coupon at some issue dates")
        kind = cls[need].to_numpy()
        imputed = np.where(kind == "TIPS", at_issue - a.tips_breakeven_pct, at_issue)
        rounded = np.maximum(np.floor(imputed * 8.0 + 1e-9) / 8.0, 0.125)
        imputed = np.where(kind == "Bills", np.maximum(at_issue, 0.0), rounded)
        rate[need] = imputed
        source[need] = np.where(
            stock.loc[need, "issue_date_source"] == "estimated", "curve_at_estimated_issue", "curve_at_issue"
        )
    stock["rate_pct"] = rate
    stock["rate_source"] = source
    stock["coupon_imputed"] = source != "reported"
    stock.loc[coupon_cls & stock["coupon_pct"].isna(), "coupon_pct"] = rate[coupon_cls & stock["coupon_pct"].isna()]
    return stock


def class_totals(stock: pd.DataFrame) -> pd.Series:
    """Outstanding $bn by class (CLASSES order) and 'Total'."""
    s = stock.groupby("security_class")["outstanding_usd_bn"].sum().reindex(list(CLASSES), fill_value=0.0)
    s["Total"] = s.sum()
    return s


def avg_rate_pct(stock: pd.DataFrame, bill3m_pct: float) -> float:
    """Outstanding-weighted average rate of the stock (FRNs at the given 3-month index + their spread)."""
    rate = stock["rate_pct"] + np.where(stock["security_class"] == "FRN", bill3m_pct, 0.0)
    w = stock["outstanding_usd_bn"]
    return float((rate * w).sum() / w.sum())


def reconcile(stock: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Stock vs the reported totals at the anchor, $bn, per class.

    `totals` is marketable_totals (label, outstanding_usd_mn: the 'Total Unmatured …' rows are used) or
    mspd_summary (security_class_desc, total_usd_mn: includes matured-unpaid amounts and FFB in its total)."""
    anchor = pd.Timestamp(stock.attrs.get("anchor")) if stock.attrs.get("anchor") else None
    t = totals.copy()
    date_col = "record_date" if "record_date" in t.columns else None
    if date_col and anchor is not None:
        t = t[pd.to_datetime(t[date_col]) == anchor]
    if "label" in t.columns:
        by_label = t.set_index("label")["outstanding_usd_mn"].astype(float)
        reported = {c: by_label.get(lbl, np.nan) / 1000.0 for c, lbl in UNMATURED_LABELS.items()}
    else:
        t = t[t["security_type_desc"].astype(str).str.lower().str.startswith("marketable")]
        cls = t["security_class_desc"].map(normalise_class)
        reported = (t.assign(c=cls).groupby("c")["total_usd_mn"].sum() / 1000.0).to_dict()
    mine = class_totals(stock)
    out = pd.DataFrame(
        {
            "security_class": list(CLASSES),
            "stock_usd_bn": [mine[c] for c in CLASSES],
            "reported_usd_bn": [reported.get(c, np.nan) for c in CLASSES],
        }
    )
    out["diff_usd_bn"] = out["stock_usd_bn"] - out["reported_usd_bn"]
    return out
