"""`tshock run` (the whole pipeline into dated reports) and `tshock serve` (scheduled deployments)."""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from flows.cli.console import console, err, run_progress, starting
from flows.cli.errors import UserError
from flows.cli.options import DbOption, check_offline_dir, reports_root, resolve_db
from flows.cli.prefect_setup import announce_prefect, prefect_defaults, start_temporary_server


def _check_scenarios(names: list[str], draws: int | None, warehouse: str | None = None) -> list[str]:
    """Resolve names and files before Prefect starts, so a typo costs a second, not a server start. With
    `warehouse` (--no-refresh: the data the run will use) also the anchor and the sales against TIC holdings."""
    from flows.pipeline.catalog import resolve_spec
    from model.spec import SpecError

    resolved = []
    for name in names:
        try:
            spec = resolve_spec(name, draws=draws)
            if warehouse is not None:
                _check_on_warehouse(warehouse, spec)
        except SpecError as exc:
            raise UserError(f"--scenario {name}: {exc}") from None
        resolved.append(str(Path(name).resolve()) if name.endswith((".yaml", ".yml")) else spec.name)
    return resolved


def _check_on_warehouse(path: str, spec) -> None:
    """The checks `run_and_store` makes after the calibration stage, made up front (read-only, ~1 s)."""
    from flows.pipeline.scenario import ScenarioDataError, read_frames, resolve_anchor
    from model.spec import check_against_holdings
    from warehouse.db import session

    try:
        with session(path, read_only=True) as con:
            anchor = resolve_anchor(con, spec)
            holdings = read_frames(con, anchor).holdings
    except ScenarioDataError:
        return  # missing data is the flow's to report, as it would be without --scenario
    if spec.sellers and not holdings.empty:
        check_against_holdings(spec, holdings, as_of=anchor)


def reproduce_command(
    offline: str | None, draws: int | None, db: str | None, reports_dir: str | None, no_refresh: bool = False
) -> str:
    """The options that shaped the reports, as a command line (the flow appends the --scenario options)."""
    parts = ["uv", "run", "tshock", "run"]
    if offline:
        parts += ["--offline", offline]
    if no_refresh:
        parts += ["--no-refresh"]
    if draws is not None:
        parts += ["--draws", str(draws)]
    if db:
        parts += ["--db", db]
    if reports_dir:
        parts += ["--reports-dir", reports_dir]
    return shlex.join(parts)


def run_cmd(
    offline: Annotated[
        str | None, typer.Option("--offline", help="Replay a snapshot directory instead of the network")
    ] = None,
    reports_dir: Annotated[
        str | None, typer.Option("--reports-dir", help="Where dated reports go (default: $TSHOCK_REPORTS or ./reports)")
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario", "-s", help="Only these scenarios (name or YAML file; repeatable). Default: every shipped one"
        ),
    ] = None,
    draws: Annotated[
        int | None,
        typer.Option("--draws", min=1, max=100_000, help="Monte Carlo draws for every scenario (overrides the specs)"),
    ] = None,
    no_refresh: Annotated[
        bool, typer.Option("--no-refresh", help="Skip the refresh: report on the warehouse as it is")
    ] = False,
    db: DbOption = None,
):
    """The whole pipeline: refresh → views → calibration → scenarios → backtests → dated reports."""
    prefect_defaults()  # before anything imports prefect: its logging settings are read on import
    if offline and no_refresh:
        raise UserError("--offline replays a snapshot and --no-refresh skips the refresh: give one of them")
    offline_dir = check_offline_dir(offline)
    path = resolve_db(db)
    if no_refresh and not Path(path).exists():
        raise UserError(
            f"--no-refresh: no warehouse at {path} to report on; run without --no-refresh (or with "
            "--offline DIR) to fill it first"
        )
    if scenario:
        with starting("checking the scenarios (loading the model)"):
            names = _check_scenarios(scenario, draws, path if no_refresh else None)
    else:
        names = None
    root = reports_root(reports_dir)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--reports-dir {root}: cannot create it ({exc.strerror})") from None
    started = time.perf_counter()
    announce_prefect(console, "run", watchdog=False)  # the server's child runs its own watchdog
    booting = start_temporary_server()
    from flows.pipeline.refresh import state_data
    from flows.pipeline.run import run_flow

    # A spec the refreshed data refuses (a sale larger than the new holdings) exits 2; a stage the data cannot
    # support (an empty warehouse after a failed live refresh) exits 1: flows/cli/errors.py, "run".
    with run_progress(console):
        if booting is not None:
            import_while_waiting(booting)
            booting.wait()
            console.print(
                f"[run] Prefect is ready after {time.perf_counter() - started:.1f} s", markup=False, highlight=False
            )
        summary = state_data(
            run_flow(
                db=path,
                offline_dir=offline_dir,
                reports_dir=str(root.resolve()),
                scenarios=names,
                draws=draws,
                refresh=not no_refresh,
                command=reproduce_command(offline, draws, db, reports_dir, no_refresh),
                return_state=True,
            )
        )
    print_summary(console, summary, path, time.perf_counter() - started)
    if any(r["failed"] for r in summary["refresh"]):
        raise typer.Exit(1)


# Modules the flow imports once it starts (Prefect serialises its parameters with FastAPI's encoder: ~0.2 s on
# the way to the first stage), then the stages (statsmodels, matplotlib: ~3.5 s together), in the order they run.
STAGE_MODULES = (
    "fastapi.encoders",
    "calibration.estimate",
    "calibration.backtest",
    "flows.report.render",
    "flows.report.charts",
)


def import_while_waiting(booting) -> None:
    """The server's boot outlasts the pipeline's own imports by seconds: spend them importing what the stages
    will import anyway, one module at a time while the server is not ready (in this thread: concurrent imports
    of modules sharing dependencies can deadlock)."""
    import importlib

    for name in STAGE_MODULES:
        if booting.ready():
            return
        importlib.import_module(name)


def _q(q: dict | None, unit: str = "") -> str:
    from flows.report.fmt import num

    if not q:
        return "-"
    return f"{num(q['p50'], 0, True)}{unit} [{num(q['p5'], 0, True)}, {num(q['p95'], 0, True)}]"


def print_summary(out: Console, summary: dict, db: str, seconds: float) -> None:
    cwd = Path.cwd()

    def shown(path: str) -> Path:
        p = Path(path)
        return p.relative_to(cwd) if p.is_relative_to(cwd) else p

    day = Path(summary["day_dir"])
    table = Table(
        title=f"tshock run {summary['run_date']}: reports in {shown(summary['day_dir'])}/", title_justify="left"
    )
    for col in ("scenario", "10y peak move, bp", "interest over 10 years, $bn", "first FY > 20%", "report"):
        table.add_column(col, justify="left" if col in ("scenario", "report") else "right")
    for s in summary["scenarios"]:
        h = s["headline"]
        f = h["first_fy_over_20pct"]
        table.add_row(
            s["name"],
            _q(h["peak_10y_shift_bp"]),
            _q(h["cumulative_10y_delta_usd_bn"]),
            f"{f['scenario_p50'] or 'none'} (baseline {f['baseline'] or 'none'})",
            str(Path(summary["reports"][s["name"]]).relative_to(day)),
        )
    out.print(table)
    out.print(
        f"index: {shown(summary['index'])} · calibration "
        f"{summary['calibration_id']} ({summary['calibration_status']}) · warehouse {db}",
        highlight=False,
    )
    stages = " · ".join(f"{k} {v:.1f} s" for k, v in summary["stages"].items())
    out.print(f"stages: {stages} · total {seconds:.1f} s", highlight=False)
    for r in summary["refresh"]:
        for e in r["errors"]:
            out.print(f"[yellow]{r['source']}[/]: {e}", highlight=False)


# --- serve -----------------------------------------------------------------------------------------------------


def prefect_api_url() -> str | None:
    from prefect.settings import get_current_settings

    return get_current_settings().api.url


def check_server(url: str) -> None:
    import httpx

    try:
        httpx.get(url.rstrip("/") + "/health", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        raise UserError(
            f"no Prefect server answers at PREFECT_API_URL={url} ({type(exc).__name__}): start "
            "one with `uv run prefect server start` in another terminal, then run `tshock serve` "
            "again"
        ) from None


def serve_cmd(
    reports_dir: Annotated[
        str | None,
        typer.Option(
            "--reports-dir", help="Where the scheduled runs write reports (default: $TSHOCK_REPORTS or ./reports)"
        ),
    ] = None,
    db: DbOption = None,
):
    """Register the scheduled deployments with a running Prefect server and execute their runs (Ctrl-C stops)."""
    prefect_defaults()
    with starting("reading Prefect's settings"):
        url = prefect_api_url()
    if not url:
        raise UserError(
            "tshock serve needs a running Prefect server and PREFECT_API_URL is not set. Start one "
            "with `uv run prefect server start` (UI at http://127.0.0.1:4200), then "
            "`export PREFECT_API_URL=http://127.0.0.1:4200/api` and run `tshock serve` again"
        )
    with starting(f"checking the Prefect server at {url}, loading the pipeline"):
        check_server(url)
        from prefect import serve

        from flows.pipeline.run import deployments

    deps = deployments(str(Path(resolve_db(db)).resolve()), str(reports_root(reports_dir).resolve()))
    table = Table(title=f"deployments served to {url}", title_justify="left")
    for col in ("deployment", "schedule", "what it runs"):
        table.add_column(col)
    for d in deps:
        table.add_row(
            f"{d.flow_name}/{d.name}",
            ", ".join(f"{s.schedule.cron} ({s.schedule.timezone})" for s in d.schedules),
            d.description or "",
        )
    console.print(table)
    err.print(
        "serving; the schedules and runs show in the Prefect UI under Deployments. Ctrl-C stops.", highlight=False
    )
    serve(*deps, print_starting_message=False)
