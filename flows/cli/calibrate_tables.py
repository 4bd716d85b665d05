"""How a calibration record and a backtest print in the terminal: the headline yield impacts by tenor and
horizon, the other relations, the one-line headline after `tshock calibrate`, and the backtest table. The
commands that call these are in flows/cli/calibrate.py."""

from __future__ import annotations

import math

from rich.table import Table

from flows.cli.console import console, plain_table

HEAD_TENORS = ("10y", "5y", "2y")
HEAD_HORIZONS = (0, 6, 12, 24)
UNIT_TITLES = {
    "bp_per_100bn": "bp per $100bn of net foreign sales",
    "bp_per_1pct_debt": "bp per 1% of marketable debt sold (what scenarios scale to today's debt)",
}


def num(x: float | None, sign: bool = True) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x:+.1f}" if sign else f"{x:.1f}"


def band(p) -> str:
    return "-" if p is None else f"{num(p.estimate)} [{num(p.ci_low)}, {num(p.ci_high)}]"


KIND_LABELS = {
    "data_event_study": "event study",
    "data_custody_lp": "custody LP",
    "data_tic_lp": "TIC LP",
    "data": "data",
    "prior": "prior",
    "posterior": "posterior",
}


def print_headline(rec) -> None:
    parts = [
        f"{KIND_LABELS[k]} {band(p)}"
        for k in KIND_LABELS
        if (p := _find(rec, "yield_impact", "10y", 0, "bp_per_1pct_debt", k)) is not None
    ]
    console.print("10y, h=0, bp per 1% of marketable debt sold: " + " · ".join(parts), highlight=False)
    if rec.warnings:
        console.print(
            f"{len(rec.warnings)} stability/conflict warnings; details: tshock calibrate show {rec.id}", highlight=False
        )


def _find(rec, name: str, tenor, h, unit: str, kind: str):
    return next(
        (
            p
            for p in rec.params
            if p.name == name and p.tenor == tenor and p.horizon_months == h and p.unit == unit and p.kind == kind
        ),
        None,
    )


def headline_table(rec, unit: str, title: str) -> Table:
    table = plain_table(f"yield_impact, {title}; 90% intervals")
    kinds = ("data_event_study", "data_custody_lp", "data_tic_lp", "prior", "posterior")
    for col in ("tenor", "h (months)", *(KIND_LABELS[k] for k in kinds), "TIC months"):
        table.add_column(col, justify="left" if col == "tenor" else "right")
    for tenor in HEAD_TENORS:
        for h in HEAD_HORIZONS:
            ps = {k: _find(rec, "yield_impact", tenor, h, unit, k) for k in kinds}
            d = ps["data_tic_lp"] or _find(rec, "yield_impact", tenor, h, unit, "data")  # older records: "data"
            table.add_row(
                tenor,
                str(h),
                *(band(ps[k]) for k in kinds[:2]),
                band(d),
                band(ps["prior"]),
                band(ps["posterior"]),
                str(d.n_obs) if d and d.n_obs else "-",
                end_section=h == HEAD_HORIZONS[-1],
            )
    return table


RELATIONS = (
    ("yield_impact_naive", "10y", 0, "bp_per_100bn", "naive flow (holdings change), biased upward"),
    ("yield_impact_official", "10y", 0, "bp_per_100bn", "foreign official sales"),
    ("yield_impact_japan", "10y", 0, "bp_per_100bn", "Japan's sales"),
    ("yield_impact_china", "10y", 0, "bp_per_100bn", "China's sales"),
    ("stock_effect", "10y", None, "bp_per_pp_share", "10y per pp of foreign share of marketable debt"),
    ("contagion", None, 0, "usd_per_usd", "other holders' sales per $ of Japan+China sales"),
    ("spillover_mortgage30", "10y", 0, "bp_per_bp", "30y mortgage rate per bp of U.S. 10y"),
    ("spillover_japan10y", "10y", 0, "bp_per_bp", "Japan 10y per bp of U.S. 10y"),
    ("spillover_breakeven10y", "10y", 0, "bp_per_bp", "10y breakeven per bp of U.S. 10y"),
    ("backstop_breakeven", "10y", 0, "bp_per_100bn", "10y breakeven per $100bn of Fed purchases"),
)


def relations_table(rec) -> Table:
    table = plain_table("other relations (10y, h=0 where it applies); 90% intervals")
    for col in ("name", "unit", "data", "prior", "posterior", "months", "what"):
        table.add_column(col, justify="right" if col in ("data", "prior", "posterior", "months") else "left")
    for name, tenor, h, unit, what in RELATIONS:
        d, pr, po = (_find(rec, name, tenor, h, unit, k) for k in ("data", "prior", "posterior"))
        if d is None and pr is None:
            continue
        table.add_row(name, unit, band(d), band(pr), band(po), str(d.n_obs) if d and d.n_obs else "-", what)
    return table


def print_backtest(out: dict) -> None:
    w = out["window"]
    table = plain_table(
        f"backtest {w['start']}..{w['end']} ({w['months']} month{'s' if w['months'] != 1 else ''}), calibration "
        f"{out['calibration_id']} (as of {out['as_of']}); bp, 90% intervals"
    )
    for col in ("tenor", "actual", "attributed", "interval", "data-only", "data interval", "unexplained"):
        table.add_column(col, justify="left" if col == "tenor" else "right")
    for r in out["by_tenor"]:
        table.add_row(
            r["tenor"],
            num(r["actual_bp"]),
            num(r["attributed_bp"]),
            f"[{num(r['ci_low'])}, {num(r['ci_high'])}]",
            num(r["data_attributed_bp"]),
            f"[{num(r['data_ci_low'])}, {num(r['data_ci_high'])}]",
            num(r["residual_bp"]),
        )
    console.print(table)
    f = out["net_sales_usd_bn"]
    console.print(
        f"net foreign sales in the window, $bn (valuation-adjusted; + = selling): total {num(f['total'])}, "
        f"official {num(f['official'])}, Japan {num(f['japan'])}, China {num(f['china'])}; "
        f"naive (holdings change) {num(f['naive_total'])}",
        highlight=False,
    )
    basis = ", ".join(f"{k} {v}" for k, v in out["flow_basis"].items())
    console.print(
        f"flow basis by month: {basis or '-'}; attributed = posterior where the calibration has one", highlight=False
    )
    for n in out["notes"]:
        console.print(f"note: {n}", markup=False, highlight=False, style="yellow")
    console.print(f"Method: {out['method']}", style="dim", markup=False, highlight=False)
