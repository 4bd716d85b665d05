"""`tshock`: the one entry point. Every command is registered here, by name; errors are one clear line and an
exit code (flows/cli/errors.py), never a traceback. Command modules import only typer and rich at the top, so
`tshock --help` and a command's first line come at once; each imports what it needs (Prefect, pandas, DuckDB,
statsmodels) inside the command."""

from __future__ import annotations

import typer

from flows.cli import calibrate, refresh, run, scenario, server, sql, sweep
from flows.cli.errors import TshockGroup
from flows.cli.help_types import readable_help_types

readable_help_types()

app = typer.Typer(
    cls=TshockGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="treasury-shock: foreign Treasury selling → yields, prices and the federal interest bill.",
)

app.command("refresh")(refresh.refresh)
app.add_typer(refresh.snapshot_app, name="snapshot")
app.command("sql")(sql.sql)
app.add_typer(sql.db_app, name="db")
app.add_typer(calibrate.calibrate_app, name="calibrate")
app.add_typer(scenario.scenario_app, name="scenario")
scenario.scenario_app.command("sweep")(sweep.sweep_cmd)
app.command("run")(run.run_cmd)
app.command("serve")(run.serve_cmd)
app.add_typer(server.server_app, name="server")


def main() -> None:
    """The installed `tshock` script (and `python -m flows.cli`): the app's group handles every exit."""
    app()
