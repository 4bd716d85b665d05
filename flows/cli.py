"""`tshock`: the one entry point. Errors are one clear line and an exit code, never a traceback."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flows import console_ui


def readable_help_types() -> None:
    """typer ≥ 0.29 prints each parameter's Python type in help: `--json <bool>` (as if it took a value: `--json
    true` fails), `--db <str>`. Flags take no value, so show none; values show their metavar (PATH, DIR, NAME) or
    a plain upper-case kind. Older typers lack display_type_rich and print click's forms already."""
    from typer import core

    base = getattr(core, "_TyperParameter", None)
    if base is None or not hasattr(base, "display_type_rich") or getattr(base, "_tshock_readable", False):
        return
    words = {"<str>": "TEXT", "<int>": "INTEGER", "<float>": "NUMBER", "<list[str]>": "TEXT", "<Path>": "PATH"}
    # Parameters that name files or folders say so, across every command group (`--db <str>` → `--db PATH`).
    by_name = {"db": "PATH", "output": "PATH", "offline": "DIR", "reports_dir": "DIR", "directory": "DIR",
               "scenario": "NAME", "source": "NAME", "spec": "FILE"}

    def show(orig):
        def display(self, ctx):
            if getattr(self, "is_flag", False) or getattr(self, "count", False):
                return None
            if self.metavar is not None:
                return self.metavar
            if self.name in by_name:
                return by_name[self.name]
            text = orig(self, ctx)
            return words.get(text, text.strip("<>").upper() if isinstance(text, str) else text)
        return display

    for cls in (base, core.TyperArgument, core.TyperOption):
        if "display_type_rich" in cls.__dict__:
            cls.display_type_rich = show(cls.__dict__["display_type_rich"])
    base._tshock_readable = True


readable_help_types()

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="treasury-shock: foreign Treasury selling → yields, prices and the federal interest bill.")
snapshot_app = typer.Typer(no_args_is_help=True, help="Export the raw landing zone as a replayable snapshot.")
app.add_typer(snapshot_app, name="snapshot")

# Pipes and CI get a wide, plain console so tables are not squeezed to 80 columns.
console = Console(stderr=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)

DbOption = Annotated[str | None, typer.Option("--db", help="Warehouse file (default: $TSHOCK_DB or data/warehouse.duckdb)")]


class UserError(Exception):
    """Bad input from the user: exit code 2."""


def prefect_defaults() -> None:
    """Prefect runs locally with a temporary server unless the user points it elsewhere; never phone home."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    # Failures reach the Prefect API (the UI's logs) through the run logger; the terminal gets our own one-line
    # summary instead of Prefect's console copy of them (a dict dump and "NoneType: None").
    os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")


def announce_prefect(out: Console, title: str, *, watchdog: bool = True) -> None:
    """The first line a Prefect-backed command prints, before the seconds Prefect takes to import and boot, so a
    terminal is never silent while it waits (the environment is read directly: Prefect's settings cost seconds).
    Then, unless the caller does it itself, start the temporary server, dying with this process
    (flows/prefect_server.py; the caller calls its `wait()` before the first flow)."""
    url = os.environ.get("PREFECT_API_URL")
    what = (f"connecting to the Prefect server at {url}" if url else
            "starting a temporary Prefect server (set PREFECT_API_URL to use a running one)")
    out.print(f"[{title}] starting: {what}; loading the pipeline", markup=False, highlight=False, soft_wrap=True)
    if hasattr(out.file, "flush"):
        out.file.flush()  # a pipe is block-buffered: the line must arrive now, not with the summary
    if watchdog:
        from flows import prefect_server

        prefect_server.start(prefect_boots_in_background=False)


def resolve_db(db: str | None) -> str:
    from warehouse.db import db_path

    return str(db_path(db))


def check_offline_dir(offline: str | None) -> str | None:
    if offline is None:
        return None
    p = Path(offline)
    if not offline.strip() or not p.is_dir():  # Path("") is the current directory
        raise UserError(f"--offline {offline or repr(offline)}: no such directory (expected a snapshot laid out like ../shared/snapshot)")
    return str(p.resolve())


@app.command()
def refresh(
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Only these sources (repeatable)")] = None,
    offline: Annotated[str | None, typer.Option("--offline", help="Replay a snapshot directory instead of the network")] = None,
    full: Annotated[bool, typer.Option("--full", help="Re-pull full history and reload payloads already seen")] = False,
    db: DbOption = None,
):
    """Pull every source (or replay a snapshot) into the warehouse."""
    if source:  # flows.ingest imports pandas (~1 s): only to check names given, so the first line comes at once
        from flows.ingest import SOURCES

        for s in source:
            if s not in SOURCES:
                raise UserError(f"--source {s}: unknown source; choose from {', '.join(SOURCES)}")
    offline_dir = check_offline_dir(offline)
    prefect_defaults()
    announce_prefect(console, "refresh")
    from flows.refresh import refresh_results

    path = resolve_db(db)
    from warehouse.db import connect

    # Take the write lock before Prefect starts: a second writer, a bad --db or a corrupt file fails at once in
    # one line, and no reader can slip in between sources. Tasks run in this process and share the instance.
    holder = connect(path)
    try:
        from flows import prefect_server

        prefect_server.wait()
        with console_ui.stage_progress(console, "refresh"):
            results = refresh_results(db=path, sources=list(source) if source else None,
                                      offline_dir=offline_dir, full=full)
    finally:
        holder.close()
    console_ui.refresh_summary(console, results, path)
    if any(r["failed"] for r in results):
        raise typer.Exit(1)


@snapshot_app.command("export")
def snapshot_export(
    directory: Annotated[str, typer.Argument(help="Directory to write (created if missing)")],
    db: DbOption = None,
):
    """Write the newest payload of every file in the raw zone back out in the snapshot layout."""
    from flows.snapshot import export_snapshot

    if not directory.strip():  # Path("") is the working directory: the export would land wherever the shell is
        raise UserError("snapshot export '': give the directory to write, e.g. tshock snapshot export snap/")
    written = export_snapshot(resolve_db(db), Path(directory))
    console.print(f"wrote {len(written)} files to {directory} (replay with: tshock refresh --offline {directory})")


# Command groups owned by other modules; each exposes register(app). Imported lazily so `tshock --help` stays fast.
COMMAND_MODULES = ("flows.cli_sql", "flows.cli_calibrate", "flows.cli_scenario", "flows.cli_sweep", "flows.cli_run")


def register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # that command group is not built yet
            raise
        module.register(app)


def main() -> None:
    from flows.http import FetchError
    from flows.prefect_server import ServerStartError
    from warehouse.db import WarehouseError

    register_commands()
    try:
        # standalone_mode=False returns exit codes instead of raising them; pass them on.
        rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except UserError as exc:
        err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except (typer.BadParameter, typer.Abort) as exc:
        err.print(f"error: {bad_parameter(exc)}", markup=False, highlight=False, soft_wrap=True)
        sys.exit(2)
    except Exception as exc:  # click's usage errors and ours, one line each
        clicks = _click_modules()
        if isinstance(exc, tuple(m.exceptions.UsageError for m in clicks)):
            err.print(f"error: {usage_message(exc)}", markup=False, highlight=False, soft_wrap=True)
            if exc.ctx is not None:
                err.print(f"see: {exc.ctx.command_path} --help", markup=False, highlight=False, soft_wrap=True)
            sys.exit(2)
        if isinstance(exc, tuple(e for m in clicks if (e := getattr(m.exceptions, "Exit", None)))):
            sys.exit(exc.exit_code)
        if isinstance(exc, WarehouseError | FetchError | ServerStartError):
            err.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            sys.exit(1)
        if isinstance(exc, tuple(m.exceptions.ClickException for m in clicks)):
            err.print(f"error: {exc.format_message()}", markup=False, highlight=False, soft_wrap=True)
            sys.exit(exc.exit_code)
        if isinstance(exc, OSError):  # a path no command checked (300 characters, a device): one line, not a trace
            err.print(f"error: {os_error_line(exc)}", markup=False, highlight=False, soft_wrap=True)
            sys.exit(2 if exc.errno in BAD_PATH_ERRNOS else 1)
        raise


# A path the user gave that cannot be a file name: their input, so exit 2 like any other bad argument.
BAD_PATH_ERRNOS = {36, 22}  # ENAMETOOLONG, EINVAL


def short(text: object, limit: int = 80) -> str:
    """Echo at most `limit` characters of user input (a 300-character path or a hostile value stays readable)."""
    s = str(text)
    return s if len(s) <= limit else f"{s[:limit // 2]}…{s[-(limit // 2 - 1):]} ({len(s)} characters)"


def os_error_line(exc: OSError) -> str:
    where = f"{short(exc.filename)}: " if exc.filename else ""
    return f"{where}{exc.strerror or type(exc).__name__}"


def usage_message(exc) -> str:
    """click's message; a group called without a command has none (its help went to stdout): say what is missing."""
    message = exc.format_message()
    listing = getattr(getattr(exc.ctx, "command", None), "list_commands", None)
    if not message.strip() and listing is not None:
        return f"`{exc.ctx.command_path}` needs a command: {', '.join(listing(exc.ctx))}"
    return message


def bad_parameter(exc: Exception) -> str:
    """typer checks option types with pydantic and its message names neither the option nor the value
    ("Input should be a valid integer"): add both, as "Invalid value for '--draws': 'abc' is not valid: …"."""
    missing = tuple(m.exceptions.MissingParameter for m in _click_modules())
    if not isinstance(exc, typer.BadParameter) or isinstance(exc, missing):
        return str(exc)  # Abort, and "Missing parameter: NAME", which names it already
    errors = getattr(exc.__cause__, "errors", None)
    if callable(errors) and errors() and "input" in errors()[0]:
        exc.message = f"{errors()[0]['input']!r} is not valid: {exc.message}"
    return exc.format_message()


def _click_modules() -> list:
    """typer ≥ 0.29 vendors click as typer._click; older ones use click itself. Handle both."""
    import click

    mods = [click]
    try:
        import typer._click as vendored

        mods.append(vendored)
    except ImportError:
        pass
    return mods


if __name__ == "__main__":
    # Run the imported module's main, not this __main__ copy: command groups import UserError from flows.cli,
    # and a second class of that name would slip past main()'s handler.
    from flows.cli import main as _main

    _main()
