"""The monthly rollover engine: the marketable stock, refinanced at new-issue yields, month by month.

Timing. Month m = 0 … H−1 is the m-th calendar month after the anchor. During month m every security outstanding
accrues interest: coupon (notes/bonds), yield (bills, treated as par-equivalent accruals), real coupon on the
inflation-adjusted principal (TIPS), 3-month bill yield of month m + spread (FRN). At the end of month m the
securities maturing in it are redeemed (TIPS at their adjusted principal) and new securities are auctioned at
month m's yields, split by the issuance mix; they accrue from month m+1 and mature T months later.

Financing (the identities, exact every month and every draw):
    cash auctions_m      = redemptions_m + primary deficit_m + cash interest_m
    gross issuance_m     = cash auctions_m + TIPS accretion_m      (accretion: principal owed without an auction)
                         = redemptions_m + primary deficit_m + interest_m    (interest = cash + accretion)
    outstanding_end_m    = outstanding_start_m + gross issuance_m − redemptions_m
In backcast mode the cash auctions instead hit a target outstanding path (realized total marketable debt).

`roll` is vectorised: the existing stock is aggregated over CUSIPs by maturity month once (bincount), and the
new-issue cohorts are carried as per-bucket accumulators over draws, so each month is a handful of array
operations on (draws × buckets). `roll_reference` is the plain loop over draws, months, CUSIPs and cohorts that
defines the same arithmetic; tests and bench/rollover.py check the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from model import ModelError
from model.issuance import KIND, Buckets
from model.stock import CLASSES

TIPS, FRN = KIND["TIPS"], KIND["FRN"]


@dataclass
class EngineStock:
    face: np.ndarray  # $bn at the anchor (TIPS: inflation-adjusted principal)
    rate: np.ndarray  # annual decimal: coupon, bill yield, TIPS real coupon, or FRN spread
    kind: np.ndarray  # class code (model.issuance.KIND)
    mature: np.ndarray  # month index in which it is redeemed (end of that month)

    @classmethod
    def from_stock(cls, stock: pd.DataFrame, anchor: date) -> EngineStock:
        a = pd.Timestamp(anchor)
        mat = pd.to_datetime(stock["maturity_date"])
        # Months are calendar months after the anchor's (MSPD anchors are month ends): a maturity in the month
        # after the anchor is redeemed at the end of month 0; one on or before the anchor also in month 0.
        idx = (mat.dt.year - a.year) * 12 + (mat.dt.month - a.month) - 1
        return cls(
            stock["outstanding_usd_bn"].to_numpy(float),
            stock["rate_pct"].to_numpy(float) / 100.0,
            stock["security_class"].map(KIND).to_numpy(int),
            np.maximum(idx.to_numpy(int), 0),
        )


@dataclass
class Paths:
    new_rate: np.ndarray  # (D, H, B) annual decimal: yield for bills/notes/bonds, real yield TIPS, spread FRN
    bill3m: np.ndarray  # (D, H) annual decimal, the FRN index in month m
    inflation: np.ndarray  # (D, H) annual decimal CPI growth in month m (TIPS accrual)
    primary_deficit: np.ndarray | None = None  # (H,) or (D, H) $bn a month, positive = deficit
    target_outstanding: np.ndarray | None = None  # (H,) $bn at each month end (backcast mode)
    target_by_class: np.ndarray | None = None  # (H, 5) $bn by class at each month end (backcast by class)


@dataclass
class EngineResult:
    interest: np.ndarray  # (D, H) accrual: cash interest + TIPS accretion
    cash_interest: np.ndarray
    accretion: np.ndarray
    redemptions: np.ndarray
    auctions: np.ndarray  # cash raised at auction
    issuance: np.ndarray  # gross: auctions + accretion
    primary_deficit: np.ndarray
    outstanding_start: np.ndarray
    outstanding_end: np.ndarray
    face_by_class: np.ndarray  # (D, H, 5) outstanding at month end
    rate_sum_by_class: np.ndarray  # (D, H, 5) Σ outstanding × current annual rate at month end

    def avg_rate_pct(self) -> tuple[np.ndarray, np.ndarray]:
        """(total (D, H), by class (D, H, 5)) average interest rate at each month end, percent."""
        with np.errstate(invalid="ignore", divide="ignore"):
            by_class = 100.0 * self.rate_sum_by_class / self.face_by_class
            total = 100.0 * self.rate_sum_by_class.sum(-1) / self.face_by_class.sum(-1)
        return total, by_class


def cpi_factor(inflation: np.ndarray) -> np.ndarray:
    """(D, H) monthly inflation -> (D, H+1) index, 1 at the anchor, C[:, m+1] at the end of month m."""
    d, h = inflation.shape
    c = np.ones((d, h + 1))
    c[:, 1:] = np.cumprod(1.0 + inflation / 12.0, axis=1)
    return c


def _existing(stock: EngineStock, horizon: int) -> dict[str, np.ndarray]:
    """Per-month aggregates of the anchor stock: '_dur' = accruing during month m, '_mat' = redeemed at its end,
    '_end' = still outstanding after it; per class where the arithmetic differs."""
    mc = np.minimum(stock.mature, horizon)

    def agg(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        bins = np.bincount(mc, weights=x, minlength=horizon + 1)
        dur = np.cumsum(bins[::-1])[::-1]  # Σ over mature ≥ m
        return dur[:horizon], bins[:horizon], dur[1 : horizon + 1]

    out = {}
    for c in range(len(CLASSES)):
        sel = stock.kind == c
        out[f"f{c}_dur"], out[f"f{c}_mat"], out[f"f{c}_end"] = agg(np.where(sel, stock.face, 0.0))
        out[f"r{c}_dur"], _, out[f"r{c}_end"] = agg(np.where(sel, stock.face * stock.rate / 12.0, 0.0))
    return out


def _prepare(buckets: Buckets, paths: Paths, horizon: int):
    d = paths.new_rate.shape[0]
    c = cpi_factor(paths.inflation)
    tips = buckets.kinds == TIPS
    b = len(buckets.names)
    g_start = np.where(tips[None, None, :], c[:, :horizon, None], 1.0)  # (D, H, B) principal factor, start of m
    g_end = np.where(tips[None, None, :], c[:, 1:, None], 1.0)
    units_per_usd = 1.0 / g_end  # a cohort issued at the end of m holds A·w / C_{m+1} real units (TIPS)
    idx12 = np.where((buckets.kinds == FRN)[None, None, :], paths.bill3m[:, :, None] / 12.0, 0.0)
    rate12 = paths.new_rate / 12.0
    # For cohorts maturing at the end of m: issued at i = m − T (zero before the start of the horizon).
    issue = np.arange(horizon)[:, None] - buckets.terms[None, :]  # (H, B)
    ok = issue >= 0
    ii = np.where(ok, issue, 0)
    bb = np.broadcast_to(np.arange(b), ii.shape)
    mat_rate12 = np.where(ok[None], rate12[:, ii, bb], 0.0)
    return d, c, g_start, g_end, units_per_usd * buckets.weights, idx12, rate12, ii, ok, mat_rate12


def _by_class(x: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """(D, H, B) -> (D, H, 5) sums over each class's buckets, row by row (a matrix product could sum in an
    order that depends on how many draws are batched, and chunked runs must not depend on it)."""
    out = np.zeros(x.shape[:2] + (len(CLASSES),))
    for k in range(len(CLASSES)):
        sel = np.flatnonzero(kinds == k)
        if len(sel):
            out[:, :, k] = x[:, :, sel].sum(axis=-1)
    return out


def roll(stock: EngineStock, buckets: Buckets, paths: Paths) -> EngineResult:
    h = paths.new_rate.shape[1]
    modes = [paths.primary_deficit, paths.target_outstanding, paths.target_by_class]
    if sum(x is not None for x in modes) != 1:
        raise ModelError("rollover: give exactly one of primary_deficit, target_outstanding or target_by_class")
    ex = _existing(stock, h)
    d, c, g_start, g_end, new_units, idx12, rate12, ii, ok, mat_rate12 = _prepare(buckets, paths, h)
    b3 = paths.bill3m
    fixed = [KIND["Bills"], KIND["Notes"], KIND["Bonds"]]
    ex_cash = (
        sum(ex[f"r{k}_dur"] for k in fixed)[None]
        + ex[f"f{FRN}_dur"][None] * b3 / 12.0
        + ex[f"r{FRN}_dur"][None]
        + c[:, :h] * ex[f"r{TIPS}_dur"][None]
    )
    ex_accr = (c[:, 1:] - c[:, :h]) * ex[f"f{TIPS}_dur"][None]
    ex_red = sum(ex[f"f{k}_mat"] for k in fixed + [FRN])[None] + c[:, 1:] * ex[f"f{TIPS}_mat"][None]
    deficit = np.zeros((d, h)) if paths.primary_deficit is None else np.broadcast_to(paths.primary_deficit, (d, h))
    target, by_class = paths.target_outstanding, paths.target_by_class
    dg = g_end - g_start
    nb = len(buckets.names)
    if by_class is not None:  # auctions by class so each class's outstanding follows its path
        class_w = np.bincount(buckets.kinds, weights=buckets.weights, minlength=len(CLASSES))
        within = buckets.weights / class_w[buckets.kinds]  # each bucket's share of its class's issuance
        ex_end = np.stack(
            [ex[f"f{k}_end"][None] * (c[:, 1:] if k == TIPS else 1.0) for k in range(len(CLASSES))], axis=-1
        )  # (D, H, 5) the anchor stock still outstanding after month m
    iss_h = np.zeros((d, h, nb))  # units issued per month and bucket (the cohorts)
    cols = np.arange(nb)
    units = np.zeros((d, nb))  # real units per bucket (TIPS; = face for the others), issued so far and alive
    unit_rate = np.zeros((d, nb))  # Σ units × rate/12
    units_h, unit_rate_h = np.zeros((d, h, nb)), np.zeros((d, h, nb))  # after month m's auction
    a_hist, cash_h, accr_h, red_h = (np.zeros((d, h)) for _ in range(4))
    ostart, oend = np.zeros((d, h)), np.zeros((d, h))
    outstanding = np.full(d, stock.face.sum())
    for m in range(h):
        cash = ex_cash[:, m] + (units * idx12[:, m]).sum(1) + (unit_rate * g_start[:, m]).sum(1)
        accr = ex_accr[:, m] + (units * dg[:, m]).sum(1)
        matured = np.where(ok[m], iss_h[:, ii[m], cols], 0.0)  # cohorts issued before month 0 are in `ex`
        units -= matured
        unit_rate -= matured * mat_rate12[:, m]
        red = ex_red[:, m] + (matured * g_end[:, m]).sum(1)
        if by_class is not None:
            have = ex_end[:, m] + _by_class((units * g_end[:, m])[:, None, :], buckets.kinds)[:, 0]
            need = np.maximum(by_class[m][None, :] - have, 0.0)  # auctions cannot buy debt back
            auct = need.sum(1)
            issued = need[:, buckets.kinds] * within / g_end[:, m]
        else:
            auct = red + deficit[:, m] + cash if target is None else target[m] - outstanding - accr + red
            issued = auct[:, None] * new_units[:, m]
        iss_h[:, m] = issued
        units += issued
        unit_rate += issued * rate12[:, m]
        a_hist[:, m], cash_h[:, m], accr_h[:, m], red_h[:, m] = auct, cash, accr, red
        units_h[:, m], unit_rate_h[:, m] = units, unit_rate
        ostart[:, m] = outstanding
        outstanding = outstanding + auct + accr - red
        oend[:, m] = outstanding
    # Month-end composition by class, from the bucket histories (outside the loop: nothing feeds back)
    face_b = units_h * g_end
    face_cls = _by_class(face_b, buckets.kinds)
    rate_cls = _by_class(face_b * (12.0 * idx12) + 12.0 * unit_rate_h * g_end, buckets.kinds)
    for k in range(len(CLASSES)):
        scale = c[:, 1:] if k == TIPS else 1.0
        face_cls[:, :, k] += ex[f"f{k}_end"][None] * scale
        rate_cls[:, :, k] += 12.0 * ex[f"r{k}_end"][None] * scale
    rate_cls[:, :, FRN] += ex[f"f{FRN}_end"][None] * b3  # the index part of the existing FRNs' current rate
    implied = deficit if paths.primary_deficit is not None else a_hist - red_h - cash_h
    return EngineResult(
        cash_h + accr_h,
        cash_h,
        accr_h,
        red_h,
        a_hist,
        a_hist + accr_h,
        np.array(implied, dtype=float),
        ostart,
        oend,
        face_cls,
        rate_cls,
    )


def roll_reference(stock: EngineStock, buckets: Buckets, paths: Paths) -> EngineResult:
    """The same arithmetic as `roll`, one draw, month, CUSIP and cohort at a time (plain Python floats)."""
    d_n, h = paths.new_rate.shape[:2]
    out = {k: np.zeros((d_n, h)) for k in ("cash", "accr", "red", "auct", "ostart", "oend", "pd")}
    face_cls, rate_cls = np.zeros((d_n, h, len(CLASSES))), np.zeros((d_n, h, len(CLASSES)))
    secs = list(zip(stock.face.tolist(), stock.rate.tolist(), stock.kind.tolist(), stock.mature.tolist(), strict=True))
    terms, kinds, weights = buckets.terms.tolist(), buckets.kinds.tolist(), buckets.weights.tolist()
    deficits = None if paths.primary_deficit is None else np.broadcast_to(paths.primary_deficit, (d_n, h)).tolist()
    for d in range(d_n):
        infl, b3, rates = paths.inflation[d].tolist(), paths.bill3m[d].tolist(), paths.new_rate[d].tolist()
        cpi = [1.0]
        for m in range(h):
            cpi.append(cpi[-1] * (1.0 + infl[m] / 12.0))
        cohorts: list[list[float]] = []  # [kind, issue month, term, units, rate]
        outstanding = sum(stock.face.tolist())
        for m in range(h):
            cash = accr = red = 0.0
            fc, rc = [0.0] * len(CLASSES), [0.0] * len(CLASSES)
            for face, rate, kind, mature in secs:
                if mature < m:
                    continue
                if kind == TIPS:
                    cash += face * cpi[m] * rate / 12.0
                    accr += face * (cpi[m + 1] - cpi[m])
                    principal_end = face * cpi[m + 1]
                    current = rate
                elif kind == FRN:
                    cash += face * (b3[m] + rate) / 12.0
                    principal_end, current = face, b3[m] + rate
                else:
                    cash += face * rate / 12.0
                    principal_end, current = face, rate
                if mature == m:
                    red += principal_end
                else:
                    fc[kind] += principal_end
                    rc[kind] += principal_end * current
            alive = []
            for kind, issued, term, units, rate in cohorts:
                start, end = (cpi[m], cpi[m + 1]) if kind == TIPS else (1.0, 1.0)
                if kind == FRN:
                    cash += units * (b3[m] + rate) / 12.0
                else:
                    cash += units * start * rate / 12.0
                accr += units * (end - start)
                if issued + term == m:
                    red += units * end
                else:
                    alive.append([kind, issued, term, units, rate])
            if paths.target_outstanding is None:
                pdm = deficits[d][m]
                auct = red + pdm + cash
            else:
                auct = float(paths.target_outstanding[m]) - outstanding - accr + red
                pdm = auct - red - cash
            for j in range(len(terms)):
                level = cpi[m + 1] if kinds[j] == TIPS else 1.0
                alive.append([kinds[j], m, terms[j], auct * weights[j] / level, rates[m][j]])
            cohorts = alive
            for kind, _issued, _term, units, rate in cohorts:
                level = cpi[m + 1] if kind == TIPS else 1.0
                current = b3[m] + rate if kind == FRN else rate
                fc[kind] += units * level
                rc[kind] += units * level * current
            out["ostart"][d, m] = outstanding
            outstanding = outstanding + auct + accr - red
            for k, v in (
                ("cash", cash),
                ("accr", accr),
                ("red", red),
                ("auct", auct),
                ("oend", outstanding),
                ("pd", pdm),
            ):
                out[k][d, m] = v
            face_cls[d, m], rate_cls[d, m] = fc, rc
    return EngineResult(
        out["cash"] + out["accr"],
        out["cash"],
        out["accr"],
        out["red"],
        out["auct"],
        out["auct"] + out["accr"],
        out["pd"],
        out["ostart"],
        out["oend"],
        face_cls,
        rate_cls,
    )
