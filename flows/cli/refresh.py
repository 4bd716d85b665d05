"""`tshock refresh` (every source, or a snapshot replayed, into the warehouse) and `tshock snapshot export`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flows.cli.console import console, refresh_summary, stage_progress, starting
from flows.cli.errors import UserError
from flows.cli.options import DbOption, check_offline_dir, resolve_db
from flows.cli.prefect_setup import announce_prefect, prefect_defaults

snapshot_app = typer.Typer(no_args_is_help=True, help="Export the raw landing zone as a replayable snapshot.")


def refresh(
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Only these sources (repeatable)")] = None,
    offline: Annotated[
        str | None, typer.Option("--offline", help="Replay a snapshot directory instead of the network")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Re-pull full history and reload payloads already seen")] = False,
    db: DbOption = None,
):
    """Pull every source (or replay a snapshot) into the warehouse."""
    if source:  # flows.ingest imports pandas (~1 s): only to check names given, so the first line comes at once
        with starting("checking the source names"):
            from flows.ingest import SOURCES

        for s in source:
            if s not in SOURCES:
                raise UserError(f"--source {s}: unknown source; choose from {', '.join(SOURCES)}")
    offline_dir = check_offline_dir(offline)
    prefect_defaults()
    announce_prefect(console, "refresh")
    from flows.pipeline.refresh import refresh_results

    path = resolve_db(db)
    from warehouse.db import connect

    # Take the write lock before Prefect starts: a second writer, a bad --db or a corrupt file fails at once in
    # one line, and no reader can slip in between sources. Tasks run in this process and share the instance.
    holder = connect(path)
    try:
        from flows.pipeline import prefect_server

        prefect_server.wait()
        with stage_progress(console, "refresh"):
            results = refresh_results(
                db=path, sources=list(source) if source else None, offline_dir=offline_dir, full=full
            )
    finally:
        holder.close()
    refresh_summary(console, results, path)
    if any(r["failed"] for r in results):
        raise typer.Exit(1)


@snapshot_app.command("export")
def snapshot_export(
    directory: Annotated[str, typer.Argument(help="Directory to write (created if missing)")],
    db: DbOption = None,
):
    """Write the newest payload of every file in the raw zone back out in the snapshot layout."""
    if not directory.strip():  # Path("") is the working directory: the export would land wherever the shell is
        raise UserError("snapshot export '': give the directory to write, e.g. tshock snapshot export snap/")
    with starting(f"exporting the raw landing zone to {directory}"):
        from flows.pipeline.snapshot import export_snapshot

        written = export_snapshot(resolve_db(db), Path(directory))
    console.print(f"wrote {len(written)} files to {directory} (replay with: tshock refresh --offline {directory})")
