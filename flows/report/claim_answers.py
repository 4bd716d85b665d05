"""The answers to the brief's claims 1-11, one function each: the article's naive arithmetic, the calibrated
answer of this run, a verdict and the number behind it, and the scenario pages that show it.

Each reads the run context built by `build_claims` (flows/report/claims.py): the scenarios' results, the
calibration record, the backtests and the TIC holdings.
"""

from __future__ import annotations

import pandas as pd

from flows.report.fmt import bn, bp, interval, num, pct, share, year
from warehouse.countries import HEADLINE_HOLDER


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
            if (
                p["name"] == name
                and p["unit"] == unit
                and p["kind"] == kind
                and (tenor is None or p.get("tenor") == tenor)
                and (h is None or p.get("horizon_months") in (h, None))
            ):
                return p
    return None


def _fy(result: dict, fiscal_year: int) -> dict | None:
    return next((r for r in result["interest"]["by_fiscal_year"] if r["fiscal_year"] == fiscal_year), None)


def _cum(result: dict | None) -> dict | None:
    return _get(result, "interest", "cumulative_10y_delta_usd_bn")


FIRE, SLOW, FED, BOTH, PAR, ARTICLE = (
    "japan-fire-sale",
    "japan-orderly-unwind",
    "japan-with-fed-backstop",
    "japan-and-china",
    "parallel-plus-10bp",
    "article-claims",
)
SELLING = [FIRE, SLOW, BOTH, FED, ARTICLE]


def _missing(name: str) -> tuple[str, str]:
    return "depends on a run of " + name, f"run {name} to answer it"


def _c1(ctx):
    h, fire = ctx["holdings"], ctx["fire"]
    mtm = _get(fire, "mark_to_market", "japan") or {}
    lines, held = [], None
    if h is not None and not h.empty:
        j = h[h["country"] == HEADLINE_HOLDER].sort_values("month")
        if not j.empty:
            last, peak = j.iloc[-1], j.loc[j["holdings_usd_bn"].idxmax()]
            held = float(last["holdings_usd_bn"])
            when = {k: pd.Timestamp(v["month"]).strftime("%Y-%m") for k, v in (("last", last), ("peak", peak))}
            lines.append(
                f"TIC: Japan holds {bn(held, 1)} ({when['last']}), peak {bn(peak['holdings_usd_bn'], 1)} "
                f"({when['peak']})."
            )
            if "share_of_foreign_total" in j and pd.notna(last.get("share_of_foreign_total")):
                lines.append(f"That is {share(last['share_of_foreign_total'])} of all foreign holdings.")
    elif mtm:
        held = mtm["holdings_usd_bn"]
        lines.append(f"TIC: Japan holds {bn(held, 1)} ({mtm.get('holdings_month', '')[:7]}).")
    debt = _get(fire, "debt", "anchor_total_usd_bn")
    if debt and held:
        lines.append(f"Against {bn(debt)} of marketable debt at the anchor: {pct(100 * held / debt)}.")
    if held is None:
        return "about $1.2 trillion", ["no TIC holdings in the warehouse"], "not assessed", "", SELLING
    verdict = "holds" if abs(held - 1200.0) <= 120.0 else "overstated" if held < 1080.0 else "understated"
    return "about $1.2 trillion", lines, verdict, f"TIC {bn(held, 1)}", SELLING


def _c2(ctx):
    fire = ctx["fire"]
    naive = "price 100 → 90 (−10%) for every bond"
    if not fire:
        v, b = _missing(FIRE)
        return naive, [b], v, "", [FIRE, ARTICLE]
    ex, ten = _get(fire, "prices", "brief_example"), _get(fire, "prices", "10y")
    lines = [
        f"Calibrated fire sale (all of Japan's holdings in one month): a 10-year par bond "
        f"{interval(ten['price_change_pct'], 'pct', 1, True)} at its peak move; the brief's 1-year 3% bond "
        f"{interval(ex['model_price_per_100'], 'num', 2)} per 100 (exact bond math)."
    ]
    fall = -ten["price_change_pct"]["p50"]
    worst = -ten["price_change_pct"]["p5"]
    if fall >= 10:
        verdict = "holds"
    elif worst >= 10:
        verdict = "overstated at the median; inside the 90% interval"
    else:
        verdict = "overstated"
    return (
        naive,
        lines,
        verdict,
        f"10-year price {pct(-fall, 1, True)} (p50), {pct(-worst, 1, True)} (p5)",
        [FIRE, ARTICLE],
    )


def _c3(ctx):
    fire, article = ctx["fire"], ctx["res"].get(ARTICLE)
    ex = _get(fire or article, "prices", "brief_example") or {}
    naive = (
        f"103/90 − 1 = {pct(ex.get('claim_return_pct', 100 * (103 / 90 - 1)), 2)} instead of 3%: "
        f"a {bp(ex.get('claim_yield_shift_bp', 1144.4))} jump in the 1-year yield"
    )
    lines = ["The arithmetic is exact: a 1-year 3% annual bond bought at 90 and redeemed at 100 returns 14.44%."]
    if not fire:
        return naive, lines, "holds (arithmetic); the move depends on a run of japan-fire-sale", "", [FIRE, ARTICLE]
    one = ex["model_1y_peak_shift_bp"]
    lines.append(
        f"Calibrated 1-year peak move in a fire sale: {interval(one, 'bp')}, against the article's "
        f"{bp(ex['claim_yield_shift_bp'])} (an assumption, not an estimate)."
    )
    verdict = (
        "holds as arithmetic; the move is overstated"
        if one["p95"] < ex["claim_yield_shift_bp"]
        else "holds as arithmetic; the move is within the calibrated range"
    )
    return (
        naive,
        lines,
        verdict,
        f"1-year move {bp(one['p50'])} (p50) vs {bp(ex['claim_yield_shift_bp'])}",
        [FIRE, ARTICLE],
    )


def _c4(ctx):
    fire = ctx["fire"]
    naive = "$100bn × 3% = $3.0bn a year; × 14.4% = $14.4bn a year"
    if not fire:
        v, b = _missing(FIRE)
        return naive, [b], v, "", [FIRE, SLOW, ARTICLE]
    y10 = fire["yields"]["10y"]
    q12 = y10["shift_at_month_bp"].get("12")
    lines = []
    level = {k: y10["baseline_pct"] + v / 100 for k, v in q12.items()} if q12 else None
    if level:
        lines.append(
            f"$100bn at the fire sale's 10-year yield a year in, {interval(level, 'pct', 2)}, costs "
            f"{interval(level, 'bn', 1)} a year (at today's {pct(y10['baseline_pct'], 2)}: "
            f"{bn(y10['baseline_pct'], 1)})."
        )
    rows = [x for x in fire["interest"]["by_fiscal_year"] if x["months"] == 12]
    if rows:
        lines.append(
            f"Rolling the real debt stock at the scenario's yields: FY{rows[0]['fiscal_year']} interest "
            f"{interval(rows[0]['delta_interest_usd_bn'], 'bn', 0, True)} on CBO's "
            f"{bn(rows[0]['baseline_interest_usd_bn'])}; over ten years {interval(_cum(fire), 'bn', 0, True)}."
        )
    cost = level["p50"] if level else None
    return (
        naive,
        lines,
        "holds as arithmetic; the 14.4% rate is overstated" if cost and cost < 14.4 else "holds as arithmetic",
        (f"{bn(cost, 1)} per $100bn a year (p50)" if cost else ""),
        [FIRE, SLOW, ARTICLE],
    )


def _c5(ctx):
    fire = ctx["fire"] or ctx["res"].get(ARTICLE)
    naive = "CBO: interest could exceed 20% of the federal budget by 2030"
    if not fire:
        v, b = _missing(FIRE)
        return naive, [b], v, "", [FIRE, BOTH, ARTICLE]
    fy = _fy(fire, 2030)
    lines = []
    cbo_rows = [x for x in fire["interest"]["by_fiscal_year"] if x.get("cbo_published_share_outlays_pct") is not None]
    if fy and cbo_rows:
        top = max(cbo_rows, key=lambda x: x["cbo_published_share_outlays_pct"])
        lines.append(
            f"CBO's January 2025 baseline: net interest {pct(fy['cbo_published_share_outlays_pct'])} of "
            f"outlays in FY2030, at most {pct(top['cbo_published_share_outlays_pct'])} (FY{top['fiscal_year']}) "
            "in the years it covers" + (": never above 20%." if top["cbo_published_share_outlays_pct"] < 20 else ".")
        )
    f = fire["first_fy_interest_over_20pct_outlays"]
    if fy:
        lines.append(
            f"{fire['name']}: FY2030 share {interval(fy['scenario_interest_share_outlays_pct'], 'pct', 1)}; "
            f"first year above 20% {year(f['scenario_p50'])} ({share(f['share_of_draws_crossing'])} of "
            "draws cross within the horizon)."
        )
    for name in (BOTH, ARTICLE):
        other = ctx["res"].get(name)
        if other and name != fire["name"]:
            g = other["first_fy_interest_over_20pct_outlays"]
            lines.append(
                f"{name}: first year above 20% {year(g['scenario_p50'])} "
                f"({share(g['share_of_draws_crossing'])} of draws)."
            )
    base = fy["baseline_interest_share_outlays_pct"] if fy else None
    p95 = fy["scenario_interest_share_outlays_pct"]["p95"] if fy else None
    verdict = (
        "wrong for CBO's own baseline"
        if base is not None and base < 20 and (p95 is None or p95 < 20)
        else "depends on the sale: the fire sale's 90% interval reaches 20%"
        if base is not None and base < 20
        else "holds"
    )
    return (
        naive,
        lines,
        verdict,
        f"FY2030 baseline {pct(base)} of outlays" if base is not None else "",
        [FIRE, BOTH, ARTICLE],
    )


def _c6(ctx):
    par = ctx["res"].get(PAR)
    naive = "a downgrade (S&P, 2011) erodes confidence: yields rise further"
    if not par or not _cum(par):
        v, b = _missing(PAR)
        return naive, [b], v, "", [PAR]
    cost = _cum(par)["p50"]
    lines = [
        f"Not estimated: a risk premium is a scenario knob (`risk_premium_bp`). Yardstick: every +10 bp on all "
        f"yields adds {bn(cost, 0, True)} to interest over ten years."
    ]
    return naive, lines, "depends on the size of the premium", f"{bn(cost, 0, True)} per +10 bp over ten years", [PAR]


def _c7(ctx):
    c = _param(ctx["cal"], "contagion", "usd_per_usd", None, None)
    naive = "other reserve holders join in: a feedback loop"
    lines = []
    both = ctx["res"].get(BOTH)
    if both:
        lines.append(
            f"{BOTH}: followers sell {interval(both['sales']['contagion_sales_usd_bn'], 'bn')} "
            f"(contagion multiplier {num(both['sales']['contagion_multiplier'], 1)})."
        )
    if not c:
        return naive, lines or ["no contagion estimate"], "not assessed", "", [BOTH]
    usd = lambda v: f"{'−' if v < 0 else ''}${num(abs(v), 2)}"  # noqa: E731
    lines.insert(
        0,
        f"Calibrated co-movement: other holders sell {usd(c['estimate'])} [{usd(c['ci_low'])}, "
        f"{usd(c['ci_high'])}] per $1 Japan and China sell ({c['kind']}; co-movement, not a causal "
        "estimate).",
    )
    verdict = (
        "holds as co-movement"
        if c["ci_low"] > 0
        else "wrong: others buy when Japan and China sell"
        if c["ci_high"] < 0
        else "not established: the interval includes zero"
    )
    return naive, lines, verdict, f"{usd(c['estimate'])} per $1 [{usd(c['ci_low'])}, {usd(c['ci_high'])}]", [BOTH]


def _c8(ctx):
    p = _param(ctx["cal"], "backstop_breakeven", "bp_per_100bn", None, None)
    fire, fed = ctx["fire"], ctx["res"].get(FED)
    naive = "Fed QE caps yields, at the risk of inflation"
    lines = []
    if p:
        lines.append(
            f"Calibrated: 10-year breakeven inflation {bp(p['estimate'], 1)} [{num(p['ci_low'], 1)}, "
            f"{num(p['ci_high'], 1)}] per $100bn of Fed purchases."
        )
    if not (fire and fed):
        v, b = _missing(FED)
        return naive, lines + [b], v, "", [FED]
    a, b_ = fire["yields"]["10y"]["peak_shift_bp"], fed["yields"]["10y"]["peak_shift_bp"]
    be = fed["backstop"]["breakeven_10y_peak_bp"]
    lines.append(
        f"Half the selling absorbed by the Fed: 10-year peak {interval(b_, 'bp')} vs {interval(a, 'bp')} "
        f"without; breakeven peak {interval(be, 'bp', 1)}; ten-year interest {bn(_cum(fed)['p50'], 0, True)} "
        f"vs {bn(_cum(fire)['p50'], 0, True)} (medians)."
    )
    verdict = "holds" if b_["p50"] < a["p50"] and be["p50"] > 0 else "depends on the breakeven effect"
    return naive, lines, verdict, f"10y peak {bp(b_['p50'])} vs {bp(a['p50'])}; breakeven {bp(be['p50'], 1)}", [FED]


def _c9(ctx):
    names = {
        "mortgage30": "30-year mortgage rate",
        "japan10y": "Japan 10-year yield",
        "breakeven10y": "U.S. 10-year breakeven",
    }
    fire = ctx["fire"]
    lines = []
    for key, label in names.items():
        s = _get(fire, "spillover", key)
        if s:
            lines.append(
                f"{label}: {num(s['pass_through_bp_per_bp'], 2)} bp per bp of the U.S. 10-year → peak "
                f"{interval(s['peak_bp'], 'bp')} in the fire sale."
            )
    m = _get(fire, "spillover", "mortgage30")
    naive = "mortgages, business loans and other sovereigns pay more"
    if not m:
        return naive, lines or ["no spillover estimates"], "not assessed", "", [FIRE]
    verdict = "holds (co-movement)" if m["pass_through_ci"][0] > 0 else "not established"
    return naive, lines, verdict, f"mortgages {num(m['pass_through_bp_per_bp'], 2)} bp per bp", [FIRE]


def _c10(ctx):
    fire, slow = ctx["fire"], ctx["res"].get(SLOW)
    naive = "orderly unwinding differs from panic selling"
    if not (fire and slow):
        return (
            naive,
            ["run japan-fire-sale and japan-orderly-unwind together to compare the speed of sale"],
            "depends on runs of both",
            "",
            [FIRE, SLOW],
        )
    lines = []
    for label, res in (("fire sale (1 month)", fire), ("orderly unwind (60 months)", slow)):
        y = res["yields"]["10y"]
        last = y["shift_at_month_bp"][list(y["shift_at_month_bp"])[-1]]
        lines.append(
            f"{label}: 10-year peak {interval(y['peak_shift_bp'], 'bp')}, end of horizon "
            f"{bp(last['p50'])}; ten-year interest {interval(_cum(res), 'bn', 0, True)}."
        )
    a, b = fire["yields"]["10y"]["peak_shift_bp"]["p50"], slow["yields"]["10y"]["peak_shift_bp"]["p50"]
    verdict = "holds" if a > 1.05 * b else "not shown by this calibration (no transitory effect)"
    return naive, lines, verdict, f"10y peak {bp(a)} vs {bp(b)} (medians)", [FIRE, SLOW]


BACKTEST_NAMES = {"2020-03": "March 2020 (dash for cash)", "2022": "2022 (Japan defends the yen)"}


def _c11(ctx):
    lines, shares = [], []
    for key, bt in ctx["bt"].items():
        label = BACKTEST_NAMES.get(key, key)
        if "error" in bt:
            lines.append(f"{label}: not available ({bt['error']}).")
            continue
        row = next((x for x in bt["by_tenor"] if x["tenor"] == "10y"), None)
        if row is None:
            continue
        sales = _get(bt, "net_sales_usd_bn", "total")
        lines.append(
            f"{label}: net foreign sales {bn(sales, 0, True)}; 10-year actual {bp(row['actual_bp'])} vs "
            f"attributed to the flows {bp(row['attributed_bp'])} "
            f"[{num(row['ci_low'], 0, True)}, {num(row['ci_high'], 0, True)}]."
        )
        shares.append(f"{label.split(' (')[0]}: {bp(row['attributed_bp'])} of {bp(row['actual_bp'])}")
    naive = "past crises: rising yields, panic, fiscal pressure"
    return naive, lines or ["no backtests in this run"], "depends on the episode", "; ".join(shares), [FIRE]


ANSWERS = {1: _c1, 2: _c2, 3: _c3, 4: _c4, 5: _c5, 6: _c6, 7: _c7, 8: _c8, 9: _c9, 10: _c10, 11: _c11}
