"""New-issue buckets and the issuance mix the rollover engine finances with.

The mix is a split of GROSS issuance (every month's refinancing need) across buckets. The default is read off
the stock at the anchor (see `default_mix`): coupon securities at the pace they were issued over the last year,
bills at the pace the current bills roll over (a $1tn stock of 3-month bills is re-auctioned at ~$333bn a month).
The Auctions Query file has no amounts, so auctions serve to date and classify each CUSIP's original issue (in
model/stock.py) rather than to weigh the buckets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model import ModelError
from model.spec_sections import BUCKETS
from model.stock import CLASSES

KIND = {c: i for i, c in enumerate(CLASSES)}  # Bills 0, Notes 1, Bonds 2, TIPS 3, FRN 4


@dataclass(frozen=True)
class Buckets:
    names: tuple[str, ...]
    kinds: np.ndarray  # int class code per bucket (KIND)
    terms: np.ndarray  # months, int
    weights: np.ndarray  # shares of gross issuance, sum 1

    @classmethod
    def from_mix(cls, mix: dict[str, float]) -> Buckets:
        names = tuple(n for n in BUCKETS if mix.get(n, 0.0) > 0)
        if not names:
            raise ModelError("issuance mix: no bucket has a positive weight")
        w = np.array([mix[n] for n in names], dtype=float)
        return cls(
            names,
            np.array([KIND[BUCKETS[n][0]] for n in names]),
            np.array([BUCKETS[n][1] for n in names], dtype=int),
            w / w.sum(),
        )

    def class_matrix(self) -> np.ndarray:
        """(buckets, 5) indicator of each bucket's class, to sum bucket arrays by class."""
        m = np.zeros((len(self.names), len(CLASSES)))
        m[np.arange(len(self.names)), self.kinds] = 1.0
        return m

    def as_dict(self) -> dict[str, float]:
        return {n: float(w) for n, w in zip(self.names, self.weights, strict=True)}


def bucket_of(security_class: str, term_months: float) -> str:
    """The bucket of a CUSIP: its class and the nearest standard term of that class."""
    options = [(abs(t - term_months), n) for n, (c, t) in BUCKETS.items() if c == security_class]
    if not options:
        raise ModelError(f"issuance mix: no bucket for class {security_class!r}")
    return min(options)[1]


def default_mix(stock: pd.DataFrame, rows: pd.DataFrame | None = None, window_months: int = 12) -> dict[str, float]:
    """Gross issuance shares by bucket, in $ a month: the recent pace for coupon securities, the rollover pace for
    bills.

    - Notes, bonds, TIPS, FRNs: amounts issued in the `window_months` before the anchor, per month. Everything
      issued in that window is still outstanding, so the stock itself records it.
    - Bills: outstanding / term (what re-auctioning the current bills costs each month); bills issued a year ago
      have long matured, so the stock cannot show the recent pace any other way.
    With the anchor's tranche rows (issue dates and issued amounts), each CUSIP's outstanding is split over its
    tranches and each tranche counts under ITS term and issue date (a 26-week bill reopened as a 13-week bill
    counts half in each). Otherwise (the 6-field API file) the CUSIP's original term and issue date are used (from
    auctions or estimated, see model/stock.py). A class with nothing issued in the window falls back to
    outstanding / term."""
    anchor = pd.Timestamp(stock.attrs.get("anchor") or stock["maturity_date"].min())
    since = anchor - pd.DateOffset(months=window_months)
    recent: dict[str, float] = {}
    steady: dict[str, float] = {}

    def add(cls: str, term: float, issued: pd.Timestamp, amount: float) -> None:
        b = bucket_of(cls, term)
        steady[b] = steady.get(b, 0.0) + amount / BUCKETS[b][1]
        if cls == "Bills":
            recent[b] = recent.get(b, 0.0) + amount / BUCKETS[b][1]
        elif pd.notna(issued) and issued > since:
            recent[b] = recent.get(b, 0.0) + amount / window_months

    done: set[str] = set()
    if rows is not None and {"issue_date", "issued_usd_mn"} <= set(rows.columns):
        r = rows[pd.to_datetime(rows["record_date"]) == anchor]
        r = r.assign(
            issue_date=pd.to_datetime(r["issue_date"]),
            maturity_date=pd.to_datetime(r["maturity_date"]),
            issued=r["issued_usd_mn"].astype(float),
        )
        ok = r["issue_date"].notna() & (r["issued"] > 0)
        r = r[r["cusip"].map(ok.groupby(r["cusip"]).all()) & ok]
        issued = r.groupby("cusip")["issued"].sum().to_dict()
        cls_of = dict(zip(stock["cusip"], stock["security_class"], strict=True))
        out_of = dict(zip(stock["cusip"], stock["outstanding_usd_bn"], strict=True))
        term = (r["maturity_date"] - r["issue_date"]).dt.days / 30.4375
        for cusip, t, when, amount in zip(r["cusip"], term, r["issue_date"], r["issued"], strict=True):
            if cusip in cls_of:
                add(cls_of[cusip], float(t), when, float(amount / issued[cusip] * out_of[cusip]))
                done.add(cusip)
    for cusip, cls, term, when, amount in zip(
        stock["cusip"],
        stock["security_class"],
        stock["original_term_months"],
        stock["issue_date"],
        stock["outstanding_usd_bn"],
        strict=True,
    ):
        if cusip not in done:
            add(cls, float(term), pd.Timestamp(when), float(amount))
    for cls in {c for c, _ in BUCKETS.values()}:
        names = [b for b, (c, _) in BUCKETS.items() if c == cls]
        if not any(recent.get(b, 0.0) > 0 for b in names):
            recent.update({b: steady[b] for b in names if b in steady})
    total = sum(recent.values())
    if total <= 0:
        raise ModelError("issuance mix: the stock has no outstanding amount")
    return {b: recent[b] / total for b in BUCKETS if recent.get(b, 0.0) > 0}
