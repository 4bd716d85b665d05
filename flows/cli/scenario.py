"""`tshock scenario list | run | show | diff | schema | backcast`: scenario runs on the warehouse, stored and comparable.

Registered by flows/cli/entry.py. Errors are one line (flows/cli/errors.py): a bad spec, missing data, an
unknown run or no calibration exit 2; a missing or locked warehouse exits 1. `--json` output goes to stdout
alone (progress goes to stderr), so it can be piped. A run's tables are laid out in flows/cli/scenario_render.py.
"""

from __future__ import annotations

from typing import Annotated

import typer

from flows.cli.console import console, err, plain_table, print_json, stage_progress, starting, starting_line
from flows.cli.options import DbOption, parse_date, resolve_db
from flows.cli.scenario_render import fmt, render_run

scenario_app = typer.Typer(no_args_is_help=True, help="Scenario runs: a sale → yields, prices and the interest bill.")

# --- commands --------------------------------------------------------------------------------------------------


@scenario_app.command("list")
def list_cmd(db: DbOption = None):
    """The shipped scenarios (scenarios/*.yaml) and the most recent stored runs."""
    from pathlib import Path

    with starting("reading the shipped scenarios"):
        from flows.pipeline.catalog import list_scenarios
        from flows.pipeline.runs import list_runs
        from warehouse.db import session

        scenarios = list_scenarios()
    t = plain_table("scenarios (tshock scenario run NAME)")
    for c in ("name", "sellers", "months", "contagion", "backstop", "shock bp", "draws", "description"):
        t.add_column(c, overflow="fold", justify="right" if c in ("months", "contagion", "draws") else "left")
    for s in scenarios:
        if "error" in s:
            t.add_row(s["name"], "[red]invalid[/red]", "", "", "", "", "", s["error"].replace("[", "\\["))
            continue
        shock = f"+{s['parallel_shock_bp']:g}" if s["parallel_shock_bp"] else "-"
        t.add_row(
            s["name"],
            s["sellers"],
            str(s["months"]),
            f"{s['contagion']:g}",
            f"{s['fed_backstop_share']:.0%}" if s["fed_backstop_share"] else "-",
            shock,
            str(s["draws"]),
            s["description"][:90] + ("…" if len(s["description"]) > 90 else ""),
        )
    console.print(t)
    path = Path(resolve_db(db))
    if not path.exists():
        return
    with starting(f"reading the stored runs in {path}"), session(path, read_only=True) as con:
        runs = list_runs(con)
    if runs:
        rt = plain_table("recent runs (tshock scenario show RUN_ID)")
        for c in ("run_id", "created (UTC)", "scenario", "anchor", "calibration", "Δ interest 10y p50 $bn"):
            rt.add_column(c, justify="right" if c.startswith("Δ") else "left")
        for x in runs:
            rt.add_row(
                x["run_id"],
                f"{x['created_at']:%Y-%m-%d %H:%M}",
                x["scenario"],
                str(x["anchor"]),
                x["calibration_id"],
                fmt(x["delta_10y_p50_usd_bn"]),
            )
        console.print(rt)


@scenario_app.command("run")
def run_cmd(
    scenario: Annotated[str, typer.Argument(help="A shipped scenario name (tshock scenario list) or a YAML file")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the full result as JSON")] = False,
    calibration: Annotated[
        str | None,
        typer.Option("--calibration", help="Calibration id or prefix (default: the spec's, normally the latest)"),
    ] = None,
    draws: Annotated[
        int | None, typer.Option("--draws", min=1, max=100_000, help="Monte Carlo draws (overrides the spec)")
    ] = None,
    db: DbOption = None,
):
    """Run a scenario on the warehouse and the calibration, store it, and print the headline numbers."""
    with starting(f"loading the model to run {scenario}"):
        from flows.pipeline.catalog import resolve_spec
        from warehouse.location import check_path

        # A bad name or spec and a missing warehouse are refused in one line, before any progress is shown.
        spec = resolve_spec(scenario, draws=draws)
        path = resolve_db(db)
        check_path(path, read_only=True)
        starting_line(
            "scenario",
            f"running {spec.name} ({spec.draws} draws × {spec.horizon_months} months): loading the model, "
            f"reading {path}",
        )
        from flows.pipeline.scenario import run_and_store

    with stage_progress(err, "scenario"):
        run = run_and_store(path, spec, calibration=calibration)
    if as_json:
        print_json(run.results)
    else:
        render_run(run.results, stored=run.stored)


@scenario_app.command("show")
def show_cmd(
    run_id: Annotated[str, typer.Argument(help="Run id or a unique prefix (tshock scenario list shows recent runs)")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored result as JSON")] = False,
    db: DbOption = None,
):
    """Re-print a stored run."""
    with starting(f"reading stored run {run_id}"):
        from flows.pipeline.runs import load_run
        from warehouse.db import session

        with session(resolve_db(db), read_only=True) as con:
            run = load_run(con, run_id)
    if as_json:
        print_json(run.results)
    else:
        console.print(f"stored {run.created_at:%Y-%m-%d %H:%M} UTC", style="dim", highlight=False)
        render_run(run.results)


@scenario_app.command("diff")
def diff_cmd(
    run_a: Annotated[
        str, typer.Argument(metavar="A", help="A stored run id (or prefix), a shipped scenario name or a YAML file")
    ],
    run_b: Annotated[str, typer.Argument(metavar="B", help="The same for the second scenario")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON")] = False,
    draws: Annotated[
        int | None,
        typer.Option(
            "--draws",
            min=1,
            help="Draws for a name or file that has no stored run yet (it is then run now, not stored)",
        ),
    ] = None,
    db: DbOption = None,
):
    """Compare two scenarios side by side: headline numbers with p5–p95 intervals, the interest delta by fiscal
    year, and the spec fields that differ (B − A).

    Example: tshock scenario diff japan-fire-sale japan-orderly-unwind. A name or file uses its newest stored run
    on the latest calibration (tshock run stores every shipped scenario), else runs it now without storing."""
    path = resolve_db(db)
    what = f"loading the model to compare {run_a} and {run_b}"
    with starting(what):
        from warehouse.location import check_path

        check_path(path, read_only=True)
        starting_line("diff", f"{what}, reading {path}")
        from flows.cli.scenario_diff import compare, resolve_side, show_value
        from flows.report.fmt import interval, num

    with stage_progress(err, "diff"):
        a = resolve_side(path, run_a, draws=draws, label="A")
        b = resolve_side(path, run_b, draws=draws, label="B")
    d = compare(a, b)
    if as_json:
        print_json(d)
        return
    ctx = plain_table()
    for c in ("", "A", "B"):
        ctx.add_column(c, overflow="fold")
    for k in ("scenario", "run_id", "ref_source", "draws"):
        ctx.add_row(k.replace("ref_source", "from"), str(d["sides"]["a"][k]), str(d["sides"]["b"][k]))
    for k in ("anchor", "calibration_id", "data_hash", "code_version"):
        v = d["context"][k]
        ctx.add_row(k, str(v["a"])[:24], "[dim]same[/dim]" if v["a"] == v["b"] else str(v["b"])[:24])
    console.print(ctx)
    t = plain_table("headline numbers: median \\[p5, p95] over the draws")
    for c in ("", f"A {d['sides']['a']['scenario']}", f"B {d['sides']['b']['scenario']}", "B − A (median)"):
        t.add_column(c, justify="left" if not c else "right")
    for m in d["headline"]:
        kind, digits = m["kind"], m["digits"]
        unit = {"bp": " bp", "pct": "%"}.get(kind, "")
        sign = kind != "bn" or "loss" not in m["path"] and "debt." not in m["path"]
        t.add_row(
            m["metric"],
            interval(m["a"], kind, digits, sign),
            interval(m["b"], kind, digits, sign),
            "n/a" if m["b_minus_a_p50"] is None else num(m["b_minus_a_p50"], digits, sign=True) + unit,
        )
    console.print(t)
    fy = plain_table("interest bill, scenario − baseline by fiscal year, $bn: median \\[p5, p95]")
    for c in ("FY", "baseline (CBO)", "A", "B", "B − A (median)"):
        fy.add_column(c, justify="right")
    for r in d["by_fiscal_year"]:
        fy.add_row(
            str(r["fiscal_year"]),
            num(r["baseline_interest_usd_bn"]),
            interval(r["a"], sign=True),
            interval(r["b"], sign=True),
            "n/a" if r["b_minus_a_p50"] is None else num(r["b_minus_a_p50"], 0, sign=True),
        )
    console.print(fy)
    if d["spec_differences"]:
        s = plain_table("spec fields that differ")
        for c in ("field", "A", "B"):
            s.add_column(c, overflow="fold")
        for x in d["spec_differences"]:
            s.add_row(x["field"], show_value(x["a"]), show_value(x["b"]))
        console.print(s)
    else:
        console.print("spec: the same fields (apart from name and description)", highlight=False)


@scenario_app.command("schema")
def schema_cmd(
    sweep: Annotated[bool, typer.Option("--sweep", help="The schema of a sweep file instead of a scenario")] = False,
):
    """Print the JSON Schema of a scenario spec (or a sweep file), for editors that validate YAML.

    Example: tshock scenario schema > scenario.schema.json. Field by field in docs/scenarios.md."""
    with starting("loading the " + ("sweep" if sweep else "scenario") + " spec's model"):
        if sweep:
            from model.sweep_grid import SweepGrid

            schema = SweepGrid.model_json_schema()
        else:
            from model.spec import ScenarioSpec

            schema = ScenarioSpec.model_json_schema()
    print_json(schema)


@scenario_app.command("backcast")
def backcast_cmd(
    anchor: Annotated[
        str, typer.Option("--anchor", help="MSPD record date with CUSIP detail to start from (e.g. 2023-09-30)")
    ],
    to: Annotated[str, typer.Option("--to", help="Month to compare at, with Average Interest Rates (e.g. 2026-09-30)")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON")] = False,
    db: DbOption = None,
):
    """Model check: roll the real stock at --anchor on the realized curve and debt; modelled vs reported rate."""
    a, b = parse_date("--anchor", anchor), parse_date("--to", to)
    path = resolve_db(db)
    with starting("loading the model for the backcast"):
        from warehouse.location import check_path

        check_path(path, read_only=True)
        starting_line("backcast", f"loading the model to roll the stock at {a} to {b}, reading {path}")
        from flows.pipeline.backcast import backcast_check

    with stage_progress(err, "backcast"):
        from flows.pipeline import progress

        progress.start("backcast", f"{a} → {b}")
        out = backcast_check(path, a, b)
        progress.done("backcast")
    if as_json:
        print_json(out)
        return
    console.print(
        f"[bold]backcast[/bold]: the real stock at {out['anchor']} rolled {out['months']} months on the "
        f"realized curve and debt; average interest rate on marketable debt at {out['to']}, %",
        highlight=False,
    )
    t = plain_table()
    for c in ("class", "modelled %", "actual %", "error pp", "modelled $bn", "actual $bn"):
        t.add_column(c, justify="left" if c == "class" else "right")
    for row in out["by_class"]:
        t.add_row(
            row["class"],
            fmt(row["modelled_pct"], 3),
            fmt(row["actual_pct"], 3),
            fmt(row["error_pp"], 3),
            fmt(row["modelled_usd_bn"]),
            fmt(row["actual_usd_bn"]),
        )
    tot, m = out["total"], out["modelled"]
    t.add_row(
        "Total, class-weighted",
        fmt(tot["modelled_pct"], 3),
        fmt(tot.get("actual_class_weighted_pct"), 3),
        fmt(tot.get("error_vs_class_weighted_pp"), 3),
        fmt(m["total_marketable_usd_bn"]),
        "",
    )
    t.add_row(
        "Total as Treasury publishes it",
        "",
        fmt(tot.get("published_pct"), 3),
        fmt(tot.get("error_vs_published_pp"), 3),
        "",
        "",
    )
    console.print(t)
    console.print(
        f"average rate of the stock at the anchor {m['at_anchor_avg_rate_pct']:.3f} %; issuance: "
        f"{out['issuance']['mode']}",
        highlight=False,
    )
    if tot.get("definition"):
        console.print(f"note: {tot['definition']}", style="dim", highlight=False, markup=False)
    for n in out["notes"]:
        console.print(f"note: {n}", style="dim", highlight=False, markup=False)
