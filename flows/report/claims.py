"""The brief's claims, one by one: the article's naive arithmetic next to the calibrated answer of this run.

The claims come from `../shared/BRIEF.md` when it is there at run time (its markdown table: `| # | claim | what
the product does |`), else from the packaged copy `flows/report/brief.md`. The answers are computed from the
scenario's results, the calibration record, the backtests and the other scenarios of the same run (`peers`):
some claims are about comparing scenarios (fire sale vs orderly unwind, the Fed backstop, +10 bp).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from flows.report.fmt import bn, bp, interval, num, pct, share, year

PACKAGED = Path(__file__).with_name("brief.md")
REPO = Path(__file__).resolve().parents[2]
_ROW = re.compile(r"^\|\s*(\d+)\s*\|(.+)\|(.+)\|\s*$")


@dataclass
class Claim:
    number: int
    claim: str
    product: str
    naive: str = ""
    answer: list[str] = field(default_factory=list)


def brief_path() -> Path:
    """$TSHOCK_BRIEF, else ../shared/BRIEF.md beside the checkout, else the packaged copy."""
    candidates = [os.environ.get("TSHOCK_BRIEF"), REPO.parent / "shared" / "BRIEF.md"]
    for c in candidates:
        if c and Path(c).is_file():
            return Path(c)
    return PACKAGED


def parse_brief(text: str) -> list[Claim]:
    """Numbered rows of the brief's markdown table (`| 3 | claim | what the product does |`)."""
    claims = []
    for line in text.splitlines():
        m = _ROW.match(line.strip())
        if m:
            claims.append(Claim(int(m.group(1)), m.group(2).strip(), m.group(3).strip()))
    return claims


def load_claims(path: Path | None = None) -> tuple[list[Claim], str]:
    """(claims, where they came from); falls back to the packaged copy when the brief has no usable table."""
    path = path or brief_path()
    try:
        claims = parse_brief(path.read_text(encoding="utf-8"))
    except OSError:
        claims = []
    if not claims and path != PACKAGED:
        return load_claims(PACKAGED)
    shared = REPO.parent / "shared" / "BRIEF.md"
    where = ("packaged copy of the brief" if path == PACKAGED
             else "../shared/BRIEF.md" if path.resolve() == shared.resolve() else str(path))
    return claims, where


def _get(d: dict | None, *path, default=None):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return default
        d = d[key]
    return d


def _param(calibration: dict | None, name: str, unit: str, tenor: str | None = None, h: int | None = 0):
    """Posterior if stored, else data; None when the record lacks the parameter."""
    params = (calibration or {}).get("params", [])
    for kind in ("posterior", "data"):
        for p in params:
            if (p["name"] == name and p["unit"] == unit and p["kind"] == kind
                    and (tenor is None or p.get("tenor") == tenor)
                    and (h is None or p.get("horizon_months") in (h, None))):
                return p
    return None


def _fy(result: dict, fiscal_year: int) -> dict | None:
    return next((r for r in result["interest"]["by_fiscal_year"] if r["fiscal_year"] == fiscal_year), None)


def _cum(result: dict | None) -> dict | None:
    return _get(result, "interest", "cumulative_10y_delta_usd_bn")


def build_claims(claims: list[Claim], result: dict, calibration: dict | None, backtests: dict[str, dict],
                 peers: dict[str, dict], holdings: pd.DataFrame | None) -> list[Claim]:
    """Fill `naive` and `answer` for claims 1-11 (numbers beyond 11 are shown with the brief's text only)."""
    answers = {1: _c1, 2: _c2, 3: _c3, 4: _c4, 5: _c5, 6: _c6, 7: _c7, 8: _c8, 9: _c9, 10: _c10, 11: _c11}
    ctx = {"r": result, "cal": calibration, "bt": backtests, "peers": peers, "holdings": holdings}
    out = []
    for c in claims:
        fn = answers.get(c.number)
        naive, answer = fn(ctx) if fn else ("", ["not quantified by this report"])
        out.append(Claim(c.number, c.claim, c.product, naive, answer))
    return out


def _c1(ctx) -> tuple[str, list[str]]:
    h = ctx["holdings"]
    mtm = _get(ctx["r"], "mark_to_market", "japan") or {}
    lines = []
    if h is not None and not h.empty:
        j = h[h["country"] == "Japan"].sort_values("month")
        if not j.empty:
            last, peak = j.iloc[-1], j.loc[j["holdings_usd_bn"].idxmax()]
            when = {k: pd.Timestamp(v["month"]).strftime("%Y-%m") for k, v in (("last", last), ("peak", peak))}
            lines.append(f"TIC: Japan holds {bn(last['holdings_usd_bn'], 1)} ({when['last']}), "
                         f"peak {bn(peak['holdings_usd_bn'], 1)} ({when['peak']}).")
            if "share_of_foreign_total" in j and pd.notna(last.get("share_of_foreign_total")):
                lines.append(f"That is {share(last['share_of_foreign_total'])} of all foreign holdings.")
    elif mtm:
        lines.append(f"TIC: Japan holds {bn(mtm['holdings_usd_bn'], 1)} ({mtm.get('holdings_month', '')[:7]}).")
    debt = _get(ctx["r"], "debt", "anchor_total_usd_bn")
    if debt and mtm:
        lines.append(f"Against {bn(debt)} of marketable debt at the anchor: "
                     f"{pct(100 * mtm['holdings_usd_bn'] / debt)}.")
    return "about $1.2 trillion", lines or ["no TIC holdings in the warehouse"]


def _c2(ctx) -> tuple[str, list[str]]:
    ex = _get(ctx["r"], "prices", "brief_example") or {}
    if not ex:
        return "$100 → $90 (−10%)", ["no benchmark prices in the results"]
    fall = pct(ex["claim_price_per_100"] - 100, 0, True)
    return (f"price {num(100)} → {num(ex['claim_price_per_100'])} ({fall})",
            [f"The same 1-year 3% bond after this scenario's peak 1-year move of "
             f"{interval(ex['model_1y_peak_shift_bp'], 'bp')}: {interval(ex['model_price_per_100'], 'num', 2)} "
             "per 100 (exact bond math)."] + _price_lines(ctx["r"]))


def _price_lines(r: dict) -> list[str]:
    tenor = _get(r, "prices", "10y")
    if not tenor:
        return []
    return [f"A 10-year par bond: price change {interval(tenor['price_change_pct'], 'pct', 1, True)} at the peak "
            "10-year move."]


def _c3(ctx) -> tuple[str, list[str]]:
    r = ctx["r"]
    ex = _get(r, "prices", "brief_example") or {}
    y10 = _get(r, "yields", "10y")
    naive = (f"103/90 − 1 = {pct(ex.get('claim_return_pct', 100 * (103 / 90 - 1)), 2)} instead of 3%: "
             f"a {bp(ex.get('claim_yield_shift_bp', 1144.4))} yield jump")
    lines = []
    if y10:
        peak = y10["peak_shift_bp"]
        base = y10["baseline_pct"]
        lines.append(f"Calibrated 10-year peak move: {interval(peak, 'bp')} (from {pct(base, 2)} to "
                     f"{pct(base + peak['p50'] / 100, 2)} at the median).")
    if ex:
        lines.append(f"1-year holding return on the brief's bond: {interval(ex['model_return_pct'], 'pct', 2)}.")
    return naive, lines


def _c4(ctx) -> tuple[str, list[str]]:
    r = ctx["r"]
    naive = "$100bn × 3% = $3.0bn a year; × 14.4% = $14.4bn a year"
    lines = []
    y10 = _get(r, "yields", "10y")
    q12 = _get(y10, "shift_at_month_bp", "12") if y10 else None
    if y10 and q12:
        level = {k: y10["baseline_pct"] + v / 100 for k, v in q12.items()}
        lines.append(f"$100bn at this scenario's 10-year new-issue yield a year in, {interval(level, 'pct', 2)}, "
                     f"costs {interval(level, 'bn', 1)} a year (at today's {pct(y10['baseline_pct'], 2)}: "
                     f"{bn(y10['baseline_pct'], 1)}).")
    rows = [x for x in r["interest"]["by_fiscal_year"] if x["months"] == 12]
    if rows:
        first = rows[0]
        lines.append(f"Rolling the real debt stock (maturities refinanced at the scenario's yields): FY"
                     f"{first['fiscal_year']} interest "
                     f"{interval(first['delta_interest_usd_bn'], 'bn', 0, True)} vs "
                     f"baseline {bn(first['baseline_interest_usd_bn'])}.")
    lines.append(f"Over ten years: {interval(_cum(r), 'bn', 0, True)}.")
    return naive, lines


def _c5(ctx) -> tuple[str, list[str]]:
    r = ctx["r"]
    f = r["first_fy_interest_over_20pct_outlays"]
    lines = [f"First fiscal year with interest above {num(f['threshold_pct'])}% of outlays: baseline "
             f"{year(f['baseline'])}, scenario median {year(f['scenario_p50'])} "
             f"({share(f['share_of_draws_crossing'])} of draws cross within the horizon)."]
    fy = _fy(r, 2030)
    if fy:
        lines.append(f"FY2030 interest share of outlays: baseline "
                     f"{pct(fy['baseline_interest_share_outlays_pct'])}, "
                     f"scenario {interval(fy['scenario_interest_share_outlays_pct'], 'pct', 1)}.")
    return "CBO: interest could exceed 20% of the federal budget by 2030", lines


def _c6(ctx) -> tuple[str, list[str]]:
    r, peers = ctx["r"], ctx["peers"]
    prem = r["spec"].get("risk_premium_bp", 0.0)
    lines = [f"Risk-premium knob in this scenario: {bp(prem)} on every yield."]
    par = peers.get("parallel-plus-10bp")
    if par and _cum(par):
        lines.append(f"Yardstick (parallel-plus-10bp): every +10 bp on all yields adds "
                     f"{bn(_cum(par)['p50'], 0, True)} to interest over ten years.")
    return "a downgrade (S&P, 2011) erodes confidence: yields rise further", lines


def _c7(ctx) -> tuple[str, list[str]]:
    r = ctx["r"]
    c = _param(ctx["cal"], "contagion", "usd_per_usd", None, None)
    lines = []
    if c:
        usd = lambda v: f"{'−' if v < 0 else ''}${num(abs(v), 2)}"  # noqa: E731
        lines.append(f"Calibrated co-movement: other holders sell {usd(c['estimate'])} "
                     f"[{usd(c['ci_low'])}, {usd(c['ci_high'])}] per $1 Japan and China sell "
                     f"({c['kind']}; co-movement, not a causal estimate).")
    sales = r.get("sales", {})
    lines.append(f"This scenario: contagion multiplier {num(sales.get('contagion_multiplier', 0), 1)}, "
                 "followers sell "
                 f"{interval(sales.get('contagion_sales_usd_bn'), 'bn')}.")
    return "other reserve holders join in: a feedback loop", lines


def _c8(ctx) -> tuple[str, list[str]]:
    r, peers = ctx["r"], ctx["peers"]
    p = _param(ctx["cal"], "backstop_breakeven", "bp_per_100bn", None, None)
    lines = []
    if p:
        lines.append(f"Calibrated: 10-year breakeven inflation {bp(p['estimate'], 1)} "
                     f"[{num(p['ci_low'], 1)}, {num(p['ci_high'], 1)}] per $100bn of Fed purchases.")
    b = r.get("backstop", {})
    if b.get("share"):
        lines.append(f"This scenario: the Fed absorbs {share(b['share'])} of the selling, buying "
                     f"{interval(b['fed_purchases_usd_bn'], 'bn')}; breakeven peak "
                     f"{interval(b['breakeven_10y_peak_bp'], 'bp', 1)}.")
    fire, fed = peers.get("japan-fire-sale"), peers.get("japan-with-fed-backstop")
    if fire and fed:
        lines.append(f"Ten-year interest: {bn(_cum(fire)['p50'], 0, True)} without the backstop vs "
                     f"{bn(_cum(fed)['p50'], 0, True)} with it (medians).")
    return "Fed QE caps yields, at the risk of inflation", lines


def _c9(ctx) -> tuple[str, list[str]]:
    names = {"mortgage30": "30-year mortgage rate", "japan10y": "Japan 10-year yield",
             "breakeven10y": "U.S. 10-year breakeven"}
    lines = []
    for key, label in names.items():
        s = _get(ctx["r"], "spillover", key)
        if s:
            lines.append(f"{label}: {num(s['pass_through_bp_per_bp'], 2)} bp per bp of the U.S. 10-year → peak "
                         f"{interval(s['peak_bp'], 'bp')}.")
    return "mortgages, business loans and other sovereigns pay more", lines or ["no spillover estimates"]


def _c10(ctx) -> tuple[str, list[str]]:
    peers = ctx["peers"]
    fire, slow = peers.get("japan-fire-sale"), peers.get("japan-orderly-unwind")
    if not (fire and slow):
        return "orderly unwinding differs from panic selling", [
            "run japan-fire-sale and japan-orderly-unwind together to compare the speed of sale"]
    lines = []
    for label, res in (("fire sale (1 month)", fire), ("orderly unwind (60 months)", slow)):
        lines.append(f"{label}: 10-year peak {interval(res['yields']['10y']['peak_shift_bp'], 'bp')}, "
                     f"ten-year interest {interval(_cum(res), 'bn', 0, True)}.")
    return "orderly unwinding differs from panic selling", lines


BACKTEST_NAMES = {"2020-03": "March 2020 (dash for cash)", "2022": "2022 (Japan defends the yen)"}


def _c11(ctx) -> tuple[str, list[str]]:
    lines = []
    for key, bt in ctx["bt"].items():
        label = BACKTEST_NAMES.get(key, key)
        if "error" in bt:
            lines.append(f"{label}: not available ({bt['error']}).")
            continue
        row = next((x for x in bt["by_tenor"] if x["tenor"] == "10y"), None)
        if row is None:
            continue
        sales = _get(bt, "net_sales_usd_bn", "total")
        lines.append(f"{label}: net foreign sales {bn(sales, 0, True)}; 10-year actual {bp(row['actual_bp'])} vs "
                     f"attributed to the flows {bp(row['attributed_bp'])} "
                     f"[{num(row['ci_low'], 0, True)}, {num(row['ci_high'], 0, True)}].")
    return "past crises: rising yields, panic, fiscal pressure", lines or ["no backtests in this run"]
