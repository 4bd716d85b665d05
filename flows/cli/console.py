"""What the CLI shows: the two consoles, a live progress display while stages run and rich summaries after."""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows.pipeline import progress

# Pipes and CI get a wide, plain console so tables are not squeezed to 80 columns.
console = Console(stderr=False, width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True)


def say_now(out: Console, line: str) -> None:
    """A progress line that must arrive before slow work starts: printed plain and flushed (a pipe is
    block-buffered, and the line would otherwise come with the summary)."""
    out.print(line, markup=False, highlight=False, soft_wrap=True)
    if hasattr(out.file, "flush"):
        out.file.flush()


@contextmanager
def starting(what: str):
    """On a terminal, a line on stderr naming the slow work now starting (importing pandas or Prefect, reading the
    warehouse), shown within a fraction of a second and erased when the command's own output begins (issue 18:
    first output < 1 s). Pipes and CI get nothing from it (a status would leave control codes in a log); a command
    whose result takes seconds says so there with `starting_line`."""
    if not err.is_terminal or _starting:  # the outer line names the work already
        yield
        return
    _starting.append(what)
    try:
        with err.status(f"{what}…", spinner="dots"):
            yield
    finally:
        _starting.clear()


_starting: list[str] = []


def starting_line(title: str, what: str) -> None:
    """On pipes, one plain line on stderr, `[title] starting: what`, for a command that would otherwise be silent
    for seconds before its result (a script or CI reading the pipes cannot tell it from a hang). stdout stays
    exactly the command's output, and a terminal has `starting`'s status instead. Call it once the arguments and
    the cheap preconditions (the warehouse file, the spec) are checked: a usage error stays one `error:` line."""
    if not err.is_terminal:
        say_now(err, f"[{title}] starting: {what}")


def plain_table(title: str | None = None):
    """The tables every command prints: left-aligned title, heavy header rule, no outer edge."""
    from rich import box
    from rich.table import Table

    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAVY, show_edge=False, header_style="bold")


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


@contextmanager
def _listening(listener, display=None):
    """Progress events go to `listener` (inside the rich `display`, if any) until the block ends."""
    progress.listen(listener)
    try:
        if display is None:
            yield
        else:
            with display:
                yield
    finally:
        progress.clear()


@contextmanager
def stage_progress(console: Console, title: str):
    """Show one line per stage with a spinner, the item being worked on and the elapsed time."""
    if not console.is_terminal:
        # Plain logs for CI and pipes: a line per stage start/finish, no cursor tricks.
        def plain(event: str, stage: str, detail: str) -> None:
            if event in ("start", "done", "failed"):
                word = {"start": "started", "done": "done", "failed": "FAILED"}[event]
                console.print(
                    f"[{title}] {stage}: {word} {detail}".rstrip(), markup=False, highlight=False, soft_wrap=True
                )  # one line per event, whatever its length (a failure names a URL)

        with _listening(plain):
            yield
        return
    bars = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.fields[stage]}"),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} items"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
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

    with _listening(on_event, bars):
        yield


def refresh_summary(console: Console, results: list[dict], db: str) -> None:
    table = Table(title=f"refresh → {db}", title_justify="left")
    for col in ("source", "files", "rows new", "changed", "unchanged", "newest", "age (days)", "freshness"):
        table.add_column(col, justify="left" if col in ("source", "files", "newest", "freshness") else "right")
    for r in results:
        files = [f"{r['loaded']} loaded"]
        for key, label in (
            ("skipped", "skipped (seen)"),
            ("quarantined", "quarantined"),
            ("stale_files", "refused as stale"),
            ("failed", "failed"),
        ):
            if r[key]:
                files.append(f"{r[key]} {label}")
        table.add_row(
            r["source"],
            ", ".join(files),
            f"{r['rows_new']:,}",
            f"{r['rows_changed']:,}",
            f"{r['rows_unchanged']:,}",
            r["newest"] or "-",
            "-" if r["days_old"] is None else str(r["days_old"]),
            {True: "[red]stale[/]", False: "[green]fresh[/]", None: "-"}[r["is_stale"]],
        )
    console.print(table)
    for r in results:
        for e in r["errors"]:
            console.print(f"[yellow]{r['source']}[/]: {e}", highlight=False)


@contextmanager
def run_progress(out: Console):
    """One line per stage of the run; other modules' progress (sources, estimation steps, model) becomes the
    current stage's detail. Plain start/done lines when output is not a terminal (CI, pipes)."""
    current = {"stage": None, "t0": 0.0}
    if not out.is_terminal:

        def plain(event: str, stage: str, detail: str) -> None:
            if stage.startswith("run:"):
                name = stage[4:]
                if event == "start":
                    current.update(stage=name, t0=time.perf_counter())
                    out.print(f"[run] {name}: started {detail}".rstrip(), markup=False, highlight=False)
                elif event == "done":
                    secs = time.perf_counter() - current["t0"]
                    out.print(f"[run] {name}: done in {secs:.1f} s {detail}".rstrip(), markup=False, highlight=False)
            elif event in ("done", "failed") and current["stage"]:
                word = "FAILED" if event == "failed" else "done"
                out.print(
                    f"[run]   {current['stage']} · {stage}: {word} {detail}".rstrip(), markup=False, highlight=False
                )

        with _listening(plain):
            yield
        return

    bars = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.fields[stage]:<12}"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=out,
        transient=False,
    )
    rows: dict[str, int] = {}

    def live(event: str, stage: str, detail: str) -> None:
        if stage.startswith("run:"):
            name = stage[4:]
            if event == "start":
                current["stage"] = name
                rows[name] = bars.add_task(detail, stage=name, total=None)
            elif event == "done" and name in rows:
                bars.update(rows[name], description=detail or "done", total=1, completed=1)
            elif name in rows:
                bars.update(rows[name], description=detail)
        elif current["stage"] in rows:
            bars.update(rows[current["stage"]], description=f"{stage}: {detail}".rstrip(": "))

    with _listening(live, bars):
        yield
