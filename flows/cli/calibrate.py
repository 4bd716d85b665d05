"""`tshock calibrate` (estimate and store, or reuse), `calibrate list`, `calibrate show`, `calibrate backtest`.

Registered by flows/cli/entry.py. Errors are one line (flows/cli/errors.py): exit 2 for bad options, an as-of
the data cannot support, an unknown calibration id or a backtest window outside the data; exit 1 for a missing,
locked or corrupt warehouse file. What the commands print is laid out in flows/cli/calibrate_tables.py.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date
from typing import Annotated

import typer

from flows.cli.calibrate_tables import UNIT_TITLES, headline_table, print_backtest, print_headline, relations_table
from flows.cli.console import console, err, plain_table, starting, starting_line
from flows.cli.errors import UserError
from flows.cli.options import DbOption, resolve_db

calibrate_app = typer.Typer(help="Estimate how Treasury yields respond to foreign selling, store it, inspect it.")


def read_calibration(db: str, ref: str = "latest", *, surface: bool = True):
    """A stored record by `latest`, id or unique id prefix, read-only; RecordNotFound says what to run."""
    with starting(f"reading calibration {ref}"):
        import duckdb

        from flows.pipeline.records import load_calibration
        from warehouse.db import connect
        from warehouse.repository import RecordNotFound

        con = connect(db, read_only=True)
        try:
            return load_calibration(con, ref, surface=surface)
        except duckdb.CatalogException:
            raise RecordNotFound("no calibration stored yet: run `tshock calibrate` first") from None
        finally:
            con.close()


def parse_as_of(text: str | None) -> date | None:
    """The option's date; a day after today is refused here, a bad option and so one `error:` line before the
    progress line (flows/pipeline/calibrate.py's resolve_as_of refuses it for other callers)."""
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--as-of {text}: not a date; give YYYY-MM-DD, e.g. --as-of 2026-06-30") from None
    if day > date.today():
        raise UserError(
            f"--as-of {text} is in the future (today is {date.today()}): a calibration can only use data already "
            "published"
        )
    return day


def db_of(ctx: typer.Context, db: str | None) -> str:
    """--db after the subcommand, else --db given to `tshock calibrate` itself, else the default."""
    return resolve_db(db or (ctx.obj or {}).get("db"))


# --------------------------------------------------------------------------------------------- calibrate


@calibrate_app.callback(invoke_without_command=True)
def calibrate(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Use only data published on or before this date (YYYY-MM-DD; default today)"),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Estimate again even if an identical calibration (same data hash, code and as-of) is stored"
        ),
    ] = False,
    db: DbOption = None,
):
    """Estimate the yield response to foreign selling as of a date and store it (reused if already stored)."""
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is not None:
        if as_of is not None or force:
            raise UserError(
                f"--as-of/--force belong to `tshock calibrate` itself, not to "
                f"`tshock calibrate {ctx.invoked_subcommand}`"
            )
        return
    from flows.cli.console import stage_progress
    from flows.cli.prefect_setup import announce_prefect, prefect_defaults

    prefect_defaults()  # before anything imports prefect: its logging settings are read on import
    day = parse_as_of(as_of)
    path = resolve_db(db)
    # The read-only step first: an identical stored record or an as-of the data cannot support is
    # answered in seconds (reading and hashing the inputs), without starting Prefect's temporary server.
    what = f"checking {path} for a stored calibration as of {day or 'today'} (reading the warehouse)"
    with starting(what):
        from warehouse.location import check_path

        check_path(path, read_only=True)
        starting_line("calibrate", what)
        from flows.pipeline.calibrate import calibrate_flow, plan_calibration

        plan = plan_calibration(path, day, force=force)
    if plan.existing is not None:
        rec = plan.existing
        console.print(
            f"reused {rec.id}: same data hash, code version and as-of {rec.as_of} "
            f"(stored {rec.created_at:%Y-%m-%d %H:%M} UTC; --force estimates again)",
            highlight=False,
        )
        print_headline(rec)
        return
    announce_prefect(console, "calibrate")
    from flows.pipeline import prefect_server

    prefect_server.wait()
    with stage_progress(console, "calibrate"):
        result = calibrate_flow(db=path, as_of=plan.as_of, force=force)
    rec = result["record"]
    verb = {"stored": "stored", "reused": "reused", "unchanged": "re-estimated (already stored)"}[result["status"]]
    console.print(
        f"{verb} {rec.id}: as of {rec.as_of}, sample {result['sample']}, {len(rec.params)} parameters, "
        f"{result['seconds']:.1f} s",
        highlight=False,
    )
    if result.get("matches_stored") is False:
        err.print(
            f"warning: the re-estimated values differ from the stored {rec.id}; the stored record is kept",
            highlight=False,
        )
    print_headline(rec)


# ------------------------------------------------------------------------------------------------- list


@calibrate_app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
    db: DbOption = None,
):
    """Stored calibrations, newest first."""
    with starting("reading the stored calibrations"):
        import duckdb

        from warehouse.db import connect
        from warehouse.repository import list_calibrations

        con = connect(db_of(ctx, db), read_only=True)
        try:
            rows = list_calibrations(con)
        except duckdb.CatalogException:
            rows = []
        finally:
            con.close()
    if as_json:
        write_json([{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in rows])
        return
    if not rows:
        err.print("no calibration stored yet: run `tshock calibrate`", highlight=False)
        return
    table = plain_table()
    for col in ("id", "created (UTC)", "as of", "sample", "params", "data hash", "code"):
        table.add_column(col, justify="right" if col == "params" else "left", no_wrap=col == "id")
    for r in rows:
        sample = f"{r['sample_start']:%Y-%m}..{r['sample_end']:%Y-%m}" if r["sample_start"] else "-"
        table.add_row(
            r["calibration_id"],
            f"{r['created_at']:%Y-%m-%d %H:%M}",
            str(r["as_of"]),
            sample,
            str(r["params"]),
            r["data_hash"],
            r["code"],
        )
    console.print(table)


# ------------------------------------------------------------------------------------------------- show


@calibrate_app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Calibration id, unique id prefix, or latest")] = "latest",
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole record as JSON (every parameter)")] = False,
    db: DbOption = None,
):
    """One calibration: the headline yield impacts (data, prior, posterior), other relations and caveats."""
    rec = read_calibration(db_of(ctx, db), ref, surface=as_json)  # the tables print parameters, not draws
    if as_json:
        out = rec.model_dump(mode="json")
        s = rec.surface
        out["surface"] = (
            None
            if s is None
            else {
                "n_draws": s.n_draws,
                "tenors": list(s.tenors),
                "unit": str(s.unit),
                "form": "response(h) = level + transitory * 0.5 ** (h / half_life_months)",
                "stored_in": "calibration_surface_draws (one row per draw and tenor)",
            }
        )
        write_json(out)
        return
    console.print(
        f"[bold]{rec.id}[/bold]  as of {rec.as_of}, created {rec.created_at:%Y-%m-%d %H:%M} UTC, "
        f"sample {rec.sample_start:%Y-%m}..{rec.sample_end:%Y-%m}",
        highlight=False,
    )
    console.print(f"data hash {rec.data_hash[:16]}…  code {rec.code_version}", style="dim", highlight=False)
    from flows.cli.calibrate_evidence import evidence_tables

    for table in evidence_tables(rec):
        console.print(table)
    for unit, title in UNIT_TITLES.items():
        console.print(headline_table(rec, unit, title))
    console.print(relations_table(rec))
    console.print("[bold]Caveats[/bold]")
    for c in rec.caveats:
        console.print(f" • {c}", markup=False, highlight=False)
    console.print(f"[bold]Warnings[/bold] ({len(rec.warnings)})")
    for w in rec.warnings or ["none"]:
        console.print(f" • {w}", markup=False, highlight=False, style="yellow" if rec.warnings else None)
    console.print(f"Method: {rec.method}", style="dim", markup=False, highlight=False)
    console.print(
        "Every parameter (naive, by holder, subsamples, all tenors and horizons): "
        f"tshock calibrate show {rec.id} --json",
        style="dim",
        highlight=False,
    )


# --------------------------------------------------------------------------------------------- backtest


@calibrate_app.command("backtest")
def backtest(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--start", help="First month of the window, YYYY-MM")],
    end: Annotated[str, typer.Option("--end", help="Last month of the window, YYYY-MM (inclusive)")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")] = False,
    calibration: Annotated[str, typer.Option("--calibration", help="Calibration id, prefix or latest")] = "latest",
    db: DbOption = None,
):
    """The yield move a calibration attributes to the foreign flows of a past window, next to the actual move."""
    path = db_of(ctx, db)
    with starting(f"backtesting calibration {calibration} over {start}..{end}"):
        from calibration.backtest import backtest as run_backtest
        from calibration.inputs import load_inputs
        from warehouse.db import connect

        rec = read_calibration(path, calibration)
        con = connect(path, read_only=True)
        try:
            # Flows and yields as known today: a calibration as of an earlier date is tested out of sample.
            inputs = load_inputs(con, date.today())
        finally:
            con.close()
        try:
            out = run_backtest(rec, inputs, start, end)
        except ValueError as exc:
            raise UserError(str(exc)) from None
    if as_json:
        write_json(out)
        return
    print_backtest(out)


def write_json(obj) -> None:
    sys.stdout.write(json.dumps(finite(obj), indent=1, allow_nan=False) + "\n")
    sys.stdout.flush()


def finite(obj):
    """NaN/inf become null so the JSON is strict."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj
