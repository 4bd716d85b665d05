"""How a scenario run prints in the terminal (`tshock scenario run` and `show`): the spec in one line, yields,
prices and the interest bill as p5/p50/p95, and the notes. The commands are in flows/cli/scenario.py; the sweep
command formats its numbers with the same `fmt`."""

from __future__ import annotations

from flows.cli.console import console, plain_table


def fmt(v, digits: int = 1) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool) or isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    return str(v)


def q3(q: dict, digits: int = 1) -> list[str]:
    return [fmt(q.get(k), digits) for k in ("p5", "p50", "p95")]


# --- rendering a run -------------------------------------------------------------------------------------------


def render_run(r: dict, *, stored: bool | None = None) -> None:
    spec = r.get("spec", {})
    note = "" if stored is None else (" (stored)" if stored else " (identical run already stored)")
    console.print(f"[bold]{r['name']}[/bold]  run {r['run_id']}{note}", highlight=False)
    console.print(
        f"anchor {r['anchor']} (curve as of {r['curve_as_of']}) · calibration {r['calibration_id']} · "
        f"{r['draws']} draws, seed {r['seed']} · horizon {r['horizon_months']} months · data "
        f"{r['data_hash'][:12]} · code {r['code_version']}",
        highlight=False,
        markup=False,
    )
    imp = r["impact"]
    per = imp.get("yield_10y_bp_per_1pct_debt")
    if per:
        h0, h24 = per["h0"]["p50"], per.get("h24", per["h0"])["p50"]
        lr = imp.get("yield_10y_long_run_bp_per_1pct_debt")
        response = (
            f"10y response per 1 % of debt (median): {h0:.1f} bp in the month of the sale, {h24:.1f} bp "
            f"after 24 months" + (f", {lr['p50']:.1f} bp long run" if lr else "") + f" ({imp['source']})"
        )
    else:
        response = imp.get("note", "no flow response used")
    console.print(
        f"impact: {imp['basis']}; 1 % of debt = ${imp['one_pct_of_debt_usd_bn']:,.0f}bn; {response}",
        highlight=False,
        markup=False,
    )
    base = r.get("baseline", {})
    if base:
        console.print(f"baseline: {base['description']}", highlight=False, markup=False)
    if r.get("imposed"):
        t = r["imposed"]["by_tenor"]
        console.print(
            f"imposed (the article's assumption): {r['imposed']['price_fall_pct']:g} % price fall → "
            + ", ".join(f"{k} {v['shift_bp']:+,.0f} bp" for k, v in t.items()),
            highlight=False,
            markup=False,
        )
    s = r["sales"]
    sellers = (
        "; ".join(
            f"{x['country']} ${x['amount_usd_bn']:,.1f}bn over {x['months']} month(s) from month {x['start_month']}"
            for x in s["sellers"]
        )
        or "no sale"
    )
    console.print(
        f"sale: {sellers} ({s['sellers_total_pct_of_debt']:.2f} % of marketable debt); contagion "
        f"{spec.get('contagion', 0)}, Fed backstop {spec.get('fed_backstop', {}).get('share', 0):.0%}, "
        f"risk premium {spec.get('risk_premium_bp', 0)} bp, parallel {spec.get('parallel_shock_bp', 0)} bp",
        highlight=False,
        markup=False,
    )

    head = plain_table("headline (scenario − baseline; p5 / p50 / p95 over the draws)")
    for c in ("", "p5", "p50", "p95"):
        head.add_column(c, justify="left" if not c else "right")
    i = r["interest"]
    head.add_row(f"interest, first {i['cumulative_months']} months, $bn", *q3(i["cumulative_10y_delta_usd_bn"]))
    for t, y in r["yields"].items():
        head.add_row(f"{t} yield peak shift, bp (baseline {y['baseline_pct']:.2f} %)", *q3(y["peak_shift_bp"]))
    for t, p in r["prices"].items():
        if isinstance(p, dict) and "price_change_pct" in p:
            head.add_row(f"{t} par bond price change at peak, %", *q3(p["price_change_pct"], 2))
    for who, m in r["mark_to_market"].items():
        if isinstance(m, dict) and "loss_usd_bn" in m:
            head.add_row(
                f"{who} mark-to-market loss ({m.get('revalued_at', 'at the peak')}), $bn", *q3(m["loss_usd_bn"])
            )
    console.print(head)
    f = r["first_fy_interest_over_20pct_outlays"]
    console.print(
        f"first fiscal year with interest > 20 % of outlays: baseline {f['baseline'] or 'none'}, scenario "
        f"median {f['scenario_p50'] or 'none within the horizon'} ({f['share_of_draws_crossing']:.0%} of "
        "draws cross)",
        highlight=False,
    )

    fy = plain_table("federal interest by fiscal year, $bn (baseline = CBO's net interest; the model's own beside it)")
    for c in (
        "FY",
        "baseline (CBO)",
        "model",
        "model − CBO",
        "scenario p50",
        "Δ p5",
        "Δ p50",
        "Δ p95",
        "% outlays base",
        "% outlays p50",
    ):
        fy.add_column(c, justify="right")
    for row in i["by_fiscal_year"]:
        part = "" if row["months"] == 12 else f" ({row['months']}m)"
        part += "*" if row["extrapolated"] else ""
        fy.add_row(
            f"{row['fiscal_year']}{part}",
            fmt(row["baseline_interest_usd_bn"]),
            fmt(row["model_interest_usd_bn"]),
            fmt(row["model_minus_cbo_usd_bn"]),
            fmt(row["scenario_interest_usd_bn"]["p50"]),
            *q3(row["delta_interest_usd_bn"]),
            fmt(row["baseline_interest_share_outlays_pct"]),
            fmt(row["scenario_interest_share_outlays_pct"]["p50"]),
        )
    console.print(fy)
    for w in r.get("warnings", []):
        console.print(f"note: {w}", style="dim", highlight=False, markup=False)
