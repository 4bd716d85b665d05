"""The refresh flow: one Prefect task per source, each extracting (HTTP or snapshot) and loading payloads."""

from __future__ import annotations

import contextlib
import os
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner

from flows.http import FetchError, Http
from flows.ingest import SOURCES, Batch, record_fetch_failure, source_module
from flows.pipeline import progress
from flows.pipeline.write_order import ordered, source_writes, write_turn
from warehouse.db import WarehouseError, connect, data_dir, held, publish_read_copy, read_copy_path
from warehouse.freshness import staleness
from warehouse.load import loaded_payloads
from warehouse.read.newest import newest_loaded


@dataclass
class SourceSummary:
    source: str
    payloads: int = 0
    loaded: int = 0
    skipped: int = 0
    quarantined: int = 0
    stale_files: int = 0
    failed: int = 0
    rows_new: int = 0
    rows_changed: int = 0
    rows_unchanged: int = 0
    newest: str | None = None
    days_old: int | None = None
    is_stale: bool | None = None
    errors: list[str] = field(default_factory=list)

    def add(self, outcome) -> None:
        self.payloads += 1
        attr = "stale_files" if outcome.status == "stale" else outcome.status
        setattr(self, attr, getattr(self, attr) + 1)
        self.rows_new += outcome.result.total("new")
        self.rows_changed += outcome.result.total("changed")
        self.rows_unchanged += outcome.result.total("unchanged")
        if outcome.error:
            self.errors.append(outcome.error)


def _extract(module, source: str, offline_dir: str | None, con, full: bool):
    if offline_dir:
        yield from module.extract_offline(Path(offline_dir))
        return
    key = os.environ.get("FRED_API_KEY", "")
    http = Http(secrets=[key] if key else [])
    state = {} if full else module.live_state(con)
    yield from module.extract_live(http, state)


@task(name="refresh-source", task_run_name="refresh-{source}", retries=0)
def refresh_source(source: str, db: str, offline_dir: str | None = None, full: bool = False) -> dict:
    """One source fetched, landed, parsed and staged, then written in one transaction; inside a refresh flow the
    write waits for the sources before it (flows/pipeline/write_order.py)."""
    module = source_module(source)
    summary = SourceSummary(source)
    with source_writes(db, source) as order:
        con = connect(db)
        try:
            # Parsed and staged one by one, written together: one transaction per source (flows/ingest.py Batch).
            batch = Batch(con, data_dir(Path(db)), module, force=full, known=loaded_payloads(con))
            failures: list = []
            try:
                for payload in _extract(module, source, offline_dir, con, full):
                    progress.advance(source, payload.relpath)
                    batch.add(payload)
                batch.stage_deferred()
            except WarehouseError:
                # The data directory filled up mid-source: the payloads prepared before still land if they can.
                with write_turn(order, source), contextlib.suppress(WarehouseError):
                    batch.write()
                raise
            except FetchError as exc:
                # A source may report several per-item failures (e.g. one per FRED series) after yielding the rest.
                failures = [(exc, f) for f in getattr(exc, "failures", None) or [None]]
            except FileNotFoundError as exc:
                summary.failed += 1
                summary.errors.append(f"{source}: snapshot file missing: {exc.filename}")
            with write_turn(order, source):
                newest = _write(con, source, batch, summary, failures, offline_dir)
        finally:
            con.close()
    if newest:
        summary.newest = newest.isoformat()
        summary.days_old, summary.is_stale = staleness(source, newest, date.today())
    return asdict(summary)


def _write(con, source: str, batch: Batch, summary: SourceSummary, failures: list, offline_dir: str | None):
    """A source's writes, in its turn: the payloads fetched before a failure are stored and logged before it."""
    if source == "fred":
        from flows.sources.fred import series_frame
        from warehouse.load import upsert
        from warehouse.schema import TABLES

        upsert(con, TABLES["fred_series"], series_frame(), "config:flows/fred_series.toml")
    for outcome in batch.write():
        summary.add(outcome)
    for exc, f in failures:
        summary.failed += 1
        reason = str(exc) if f is None else f"{f.series_id}: {f.reason}"
        summary.errors.append(reason)
        record_fetch_failure(con, source, getattr(f, "relpath", ""), getattr(f, "url", ""), reason)
    if offline_dir and summary.payloads == 0 and not summary.failed:
        summary.failed += 1
        summary.errors.append(f"{source}: no {source} files in {offline_dir} (nothing to replay)")
    return newest_loaded(con, source)


def failure_line(summary: dict) -> str:
    """One line naming the source, how many of its fetches failed and the first reason."""
    first = summary["errors"][0] if summary["errors"] else "no reason recorded"
    more = f" (and {summary['failed'] - 1} more)" if summary["failed"] > 1 else ""
    return f"{summary['source']}: {summary['failed']} fetch(es) failed: {first}{more}"


@task(name="refresh-source", task_run_name="refresh-{source}", retries=0)
def refresh_source_checked(source: str, db: str, offline_dir: str | None = None, full: bool = False):
    """The flow's task: `refresh_source`'s body, ending Failed (with its cause in the run's logs, so the UI
    shows it) when a fetch failed. Before issue 15 a source whose every fetch failed showed Completed, green,
    with "This run didn't generate logs". The summary stays the state's data for the flow and the CLI."""
    progress.start(source)
    summary = refresh_source.fn(source, db, offline_dir, full)
    if summary["failed"]:
        line = failure_line(summary)
        progress.failed(source, line)
        get_run_logger().error(line)
        return Failed(message=line, data=summary)
    progress.done(source)
    return summary


def state_data(state) -> object:
    """A state's data; an exception (a crashed task or flow: a locked warehouse, a full disk) is raised."""
    data = state.result(raise_on_failure=False)
    if isinstance(data, BaseException):
        raise data
    return data


# Two sources at a time (issue 18): one's fetching, parsing or DuckDB work beside another's. A live refresh mostly
# waits on the network, which two sources share well. An offline replay is CPU-bound: on 2 shared cores two at once
# cost 5-20 % more CPU for 0.0-0.3x of DuckDB's read less wall time (docs/performance.md), so `refresh_results`
# replays one source after another. The writes take turns in refresh order either way (write_order.py).
SIDE_BY_SIDE = 2


def side_by_side(offline_dir: str | None) -> int:
    """How many sources a refresh runs at once: two live, one for an offline replay."""
    return 1 if offline_dir else SIDE_BY_SIDE


@flow(name="tshock-refresh", log_prints=False, task_runner=ThreadPoolTaskRunner(max_workers=SIDE_BY_SIDE))
def refresh_flow(db: str, sources: list[str] | None = None, offline_dir: str | None = None, full: bool = False):
    """Every source, two side by side (the task runner's), each written in its turn (write_order.py); a failed source
    does not stop the others. Ends Failed, naming the failed sources, when any fetch failed; its data is the list
    of source summaries, in the order of `sources`, either way (see `refresh_results`)."""
    chosen = sources or list(SOURCES)
    with held(db), ordered(db, chosen):  # one open, migration check and checkpoint for the whole refresh
        # Submitted in refresh order to a FIFO pool: a source waiting for its turn waits only for running ones.
        futures = [refresh_source_checked.submit(source, db, offline_dir, full) for source in chosen]
        for future in futures:  # every source has ended before the warehouse is closed
            future.wait()
        results = [state_data(future.state) for future in futures]  # a crash (full disk) raises, the first in order
        if any(r["loaded"] for r in results) or not read_copy_path(db).exists():
            publish_read_copy(db)  # what notebooks and `tshock sql` read while the next write runs
    failed = [r for r in results if r["failed"]]
    if failed:
        line = f"refresh failed for {', '.join(r['source'] for r in failed)}; first cause: {failure_line(failed[0])}"
        get_run_logger().error(line)
        return Failed(message=line, data=results)
    return results


def refresh_results(**kwargs) -> list[dict]:
    """Run the refresh flow, `side_by_side` sources at once, and return its source summaries whether it ended
    Completed or Failed."""
    runner = ThreadPoolTaskRunner(max_workers=side_by_side(kwargs.get("offline_dir")))
    return state_data(refresh_flow.with_options(task_runner=runner)(**kwargs, return_state=True))
