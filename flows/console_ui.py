"""What the CLI shows: a live progress display while stages run and rich summaries after."""

from __future__ import annotations

from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows import progress


@contextmanager
def stage_progress(console: Console, title: str):
    """Show one line per stage with a spinner, the item being worked on and the elapsed time."""
    if not console.is_terminal:
        # Plain logs for CI and pipes: a line per stage start/finish, no cursor tricks.
        def plain(event: str, stage: str, detail: str) -> None:
            if event in ("start", "done", "failed"):
                word = {"start": "started", "done": "done", "failed": "FAILED"}[event]
                console.print(f"[{title}] {stage}: {word} {detail}".rstrip(), markup=False, highlight=False,
                              soft_wrap=True)  # one line per event, whatever its length (a failure names a URL)

        progress.listen(plain)
        try:
            yield
        finally:
            progress.clear()
        return
    bars = Progress(SpinnerColumn(), TextColumn("[bold]{task.fields[stage]}"), TextColumn("{task.description}"),
                    TextColumn("{task.completed} items"), TimeElapsedColumn(), console=console, transient=False)
    tasks: dict[str, int] = {}

    def on_event(event: str, stage: str, detail: str) -> None:
        if stage not in tasks:
            tasks[stage] = bars.add_task(detail, stage=stage, total=None)
        if event == "advance":
            bars.update(tasks[stage], advance=1, description=detail)
        elif event == "done":
            bars.update(tasks[stage], description=detail or "done", total=1, completed=1)
        elif event == "failed":
            bars.update(tasks[stage], description=escape(f"FAILED: {detail}"), total=1, completed=1)

    progress.listen(on_event)
    try:
        with bars:
            yield
    finally:
        progress.clear()


def refresh_summary(console: Console, results: list[dict], db: str) -> None:
    table = Table(title=f"refresh → {db}", title_justify="left")
    for col in ("source", "files", "rows new", "changed", "unchanged", "newest", "age (days)", "freshness"):
        table.add_column(col, justify="left" if col in ("source", "files", "newest", "freshness") else "right")
    for r in results:
        files = [f"{r['loaded']} loaded"]
        for key, label in (("skipped", "skipped (seen)"), ("quarantined", "quarantined"),
                           ("stale_files", "refused as stale"), ("failed", "failed")):
            if r[key]:
                files.append(f"{r[key]} {label}")
        table.add_row(r["source"], ", ".join(files), f"{r['rows_new']:,}", f"{r['rows_changed']:,}",
                      f"{r['rows_unchanged']:,}", r["newest"] or "-",
                      "-" if r["days_old"] is None else str(r["days_old"]),
                      {True: "[red]stale[/]", False: "[green]fresh[/]", None: "-"}[r["is_stale"]])
    console.print(table)
    for r in results:
        for e in r["errors"]:
            console.print(f"[yellow]{r['source']}[/]: {e}", highlight=False)
