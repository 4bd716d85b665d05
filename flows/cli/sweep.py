"""`tshock scenario sweep`: a grid of scenarios on one calibration, fanned out on Prefect (threads or Dask).

    tshock scenario sweep sweeps/example.yaml
    tshock scenario sweep --size 100,300,600,1200 --months 1,6,24 [--contagion 0,1] [--backstop 0,0.5]
                          [--base japan-fire-sale] [--seller Japan] [--name NAME] [--draws N]
                          [--dask ADDRESS | --dask-local N] [--reports-dir DIR] [--json]

Added to the `scenario` group by flows/cli/entry.py. Errors are one line (flows/cli/errors.py): a bad grid,
base scenario or option exits 2, a missing or locked warehouse exits 1.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

import typer

from flows.cli.console import console, err, plain_table, print_json, stage_progress, starting, starting_line
from flows.cli.errors import UserError
from flows.cli.options import DbOption, reports_root, resolve_db
from flows.cli.prefect_setup import announce_prefect, prefect_defaults
from flows.cli.scenario_render import fmt


def number_list(option: str, text: str | None, kind=float) -> list | None:
    if text is None:
        return None
    out = []
    for part in text.split(","):
        try:
            out.append(kind(part.strip()))
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise UserError(f"{option} {text}: {part.strip()!r} is not {what}") from None
    return out


# Worker processes of a temporary local cluster: each holds a copy of the inputs, so many more than cores only
# exhausts memory (issue 15: --dask-local 99999999999 was accepted).
MAX_LOCAL_WORKERS = 64


def grid_from_options(size, months, contagion, backstop, base, seller, name, draws):
    from model.sweep_grid import parse_grid

    data = {"sizes_usd_bn": size, "months": months, "base": base or "japan-fire-sale"}
    if contagion is not None:
        data["contagion"] = contagion
    if backstop is not None:
        data["backstop_share"] = backstop
    if seller:
        data["seller"] = seller
    if draws is not None:
        data["draws"] = draws
    digest = hashlib.sha256(repr(sorted(data.items())).encode()).hexdigest()[:8]
    data["name"] = name or f"cli-{digest}"
    return parse_grid(data, "options")


def sweep_cmd(
    spec: Annotated[
        str | None, typer.Argument(help="A sweep file (see sweeps/example.yaml); or use --size/--months")
    ] = None,
    size: Annotated[
        str | None, typer.Option("--size", help="Sale sizes, $bn, comma-separated (e.g. 100,300,600)")
    ] = None,
    months: Annotated[str | None, typer.Option("--months", help="Months the sale is spread over (e.g. 1,6,24)")] = None,
    contagion: Annotated[str | None, typer.Option("--contagion", help="Contagion scales (default 0)")] = None,
    backstop: Annotated[str | None, typer.Option("--backstop", help="Fed backstop shares, 0–1 (default 0)")] = None,
    base: Annotated[
        str | None, typer.Option("--base", help="Base scenario (name or YAML; default japan-fire-sale)")
    ] = None,
    seller: Annotated[str | None, typer.Option("--seller", help="Who sells (default: the base's seller)")] = None,
    name: Annotated[str | None, typer.Option("--name", help="Sweep name (report folder sweep-NAME)")] = None,
    draws: Annotated[
        int | None, typer.Option("--draws", min=1, max=100_000, help="Monte Carlo draws per cell (overrides)")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Run the cells on this Dask scheduler "
            "(e.g. tcp://10.0.0.5:8786); workers must see the warehouse at the same path "
            "and reach $PREFECT_API_URL",
        ),
    ] = None,
    dask_local: Annotated[
        int | None,
        typer.Option(
            "--dask-local",
            min=1,
            max=MAX_LOCAL_WORKERS,
            help="Run the cells on a temporary local Dask cluster of N worker processes",
        ),
    ] = None,
    reports_dir: Annotated[
        str | None, typer.Option("--reports-dir", help="Where dated reports go (default: $TSHOCK_REPORTS or ./reports)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sweep (meta and table) as JSON")] = False,
    db: DbOption = None,
):
    """Run a grid of scenarios (size × months × contagion × backstop) on one calibration; reuse stored cells."""
    run_sweep_command(
        spec, size, months, contagion, backstop, base, seller, name, draws, dask, dask_local, reports_dir, as_json, db
    )


def run_sweep_command(
    spec, size, months, contagion, backstop, base, seller, name, draws, dask, dask_local, reports_dir, as_json, db
):
    if dask and dask_local:
        raise UserError("--dask ADDRESS and --dask-local N: give one of them")
    grid_options = (size, months, contagion, backstop, base, seller, name)
    prefect_defaults()
    # The checks that need no import first, so a usage error stays one `error:` line before the progress line.
    if spec is not None and any(o is not None for o in grid_options):
        raise UserError(
            f"{spec}: a sweep file defines the grid; --size/--months/--contagion/--backstop/--base/"
            "--seller/--name only apply without one"
        )
    if spec is None and (size is None or months is None):
        raise UserError("give a sweep file (tshock scenario sweep SPEC.yaml) or both --size and --months")
    numbers = (
        None
        if spec is not None
        else (
            number_list("--size", size),
            number_list("--months", months, int),
            number_list("--contagion", contagion),
            number_list("--backstop", backstop),
        )
    )
    what = "loading the sweep's model (Prefect, pandas)"
    with starting(what):
        starting_line("sweep", f"{what} for {spec or 'the grid given'}")
        from flows.pipeline.sweep import run_sweep
        from model.sweep_grid import load_grid, parse_grid

    if spec is not None:
        grid, relative_to = load_grid(spec)
        if draws is not None:
            grid = parse_grid({**grid.model_dump(mode="json"), "draws": draws}, spec)
    else:
        grid = grid_from_options(*numbers, base, seller, name, draws)
        relative_to = None
    root = reports_root(reports_dir)
    announce_prefect(err, "sweep")
    from flows.pipeline import prefect_server

    prefect_server.wait()
    with stage_progress(err, "sweep"):
        run = run_sweep(
            resolve_db(db), grid, relative_to=relative_to, dask_address=dask, dask_local=dask_local, reports_dir=root
        )
    summary = run.summary()
    if as_json:
        print_json(summary)
        return
    render_sweep(summary)


def render_sweep(s: dict) -> None:
    console.print(
        f"[bold]sweep {s['name']}[/bold]  {s['sweep_id']}"
        f"{'' if s['newly_stored'] else ' (identical sweep already stored)'}",
        highlight=False,
    )
    console.print(
        f"base {s['base']} · anchor {s['anchor']} · calibration {s['calibration_id']} · {s['draws']} draws, "
        f"seed {s['seed']} · data {s['data_hash'][:12]} · code {s['code_version']}",
        highlight=False,
        markup=False,
    )
    console.print(
        f"{s['cells_total']} cells: {s['cells_computed']} computed, {s['cells_reused']} reused · "
        f"{s['runner']} · {s['elapsed_s']:.1f} s",
        highlight=False,
        markup=False,
    )
    t = plain_table("10y yield peak move (bp) and ten-year interest delta ($bn): p50 \\[p5, p95]")
    for c in ("sale $bn", "% debt", "months", "contagion", "backstop", "10y peak bp", "interest 10y $bn", ""):
        t.add_column(c, justify="right")
    for r in s["cells"]:
        t.add_row(
            fmt(r["size_usd_bn"], 0),
            fmt(r["pct_of_debt"], 2),
            str(r["months"]),
            f"{r['contagion']:g}",
            f"{r['backstop_share']:.0%}",
            f"{fmt(r['yield_10y_delta_bp_p50'])} [{fmt(r['yield_10y_delta_bp_p5'])}, "
            f"{fmt(r['yield_10y_delta_bp_p95'])}]",
            f"{fmt(r['interest_10y_delta_usd_bn_p50'], 0)} [{fmt(r['interest_10y_delta_usd_bn_p5'], 0)}, "
            f"{fmt(r['interest_10y_delta_usd_bn_p95'], 0)}]",
            "reused" if r["reused"] else "",
        )
    console.print(t)
    if s["report_dir"]:
        console.print(
            f"report: {s['report_dir']}/index.html (CSV: sweep.csv, JSON: sweep.json)", highlight=False, markup=False
        )
