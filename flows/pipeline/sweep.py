"""Scenario sweeps: one calibration, a grid of sale size × speed × contagion × Fed backstop, fanned out as Prefect
tasks on threads (default) or a Dask cluster, stored cell by cell so an identical cell is never computed twice.

Steps (`run_sweep`):
1. **plan** (read-only connection, closed before anything runs): the calibration, the anchor, the model's
   frames and their data hash (`flows.pipeline.scenario`), one `ScenarioSpec` per cell, and the cells already in
   `sweep_cells` under the same key (spec, calibration id, data hash, model code version).
2. **fan-out**: the Prefect flow `tshock-sweep` maps the task `sweep-cells` over batches of the missing cells
   (flows/pipeline/sweep_cells.py; `batch_size`: Prefect's per-task cost on a Dask worker is worth batching
   cheap cells). Each task reads the warehouse read-only (once per worker process: inputs and the prepared
   stock are cached per process), checks the data hash it sees against the plan's and runs `model.run.run_scenario`. DuckDB lets
   readers in other processes in only while no process writes, so the parent holds no connection meanwhile.
   Every cell uses the base scenario's seed: the same draws in every cell and on every runner, so results do
   not depend on where a cell ran, and neighbouring cells differ by their inputs, not by sampling noise.
3. **store** (read-write, after the fan-out): the new cells and the sweep record in one transaction.
4. **report** (`flows.report.sweep`): heat maps, CSV and JSON under reports/YYYY-MM-DD/sweep-<name>/.

Runners: the flow's default `ThreadPoolTaskRunner`; `dask_address` → `DaskTaskRunner(address=...)`;
`dask_local=N` → a temporary `LocalCluster` of N single-threaded worker processes. Dask workers run Prefect's task
engine and report to the parent's Prefect API, so without a configured PREFECT_API_URL the temporary server is
started here (flows/pipeline/prefect_server.py, booting while the parent seeds its input cache) and its URL
handed to the flow's settings (workers would otherwise each boot their own). Workers of
a cluster on other machines must see the warehouse file at the same path and reach a Prefect server: set
PREFECT_API_URL to one they can reach (e.g. `prefect server start --host 0.0.0.0`).
"""

from __future__ import annotations

import json
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flows.pipeline import prefect_server, progress
from flows.pipeline.catalog import resolve_spec
from flows.pipeline.records import load_calibration, store_sweep
from flows.pipeline.scenario import frames_hash, read_frames, resolve_anchor
from flows.pipeline.sweep_cells import batch_size, remember_inputs, sweep_flow
from flows.pipeline.versioning import code_version
from model import ModelError
from model.run import Frames
from model.spec import ScenarioSpec, SpecError, check_against_holdings, parse_spec
from model.sweep_grid import Cell, SweepGrid, build_cells
from warehouse import repository
from warehouse.db import WarehouseError, session
from warehouse.identity import identity_hash

DASK_CONNECT_TIMEOUT_S = 10


class SweepError(ModelError):
    """The sweep cannot run as asked (an unreachable Dask scheduler, cells failing); the message says why."""


def base_spec(grid: SweepGrid, relative_to: Path | None = None) -> ScenarioSpec:
    """The grid's base scenario: inline, a YAML file (relative to the sweep file) or a shipped name, resolved as
    `tshock scenario run` resolves one (the shipped scenarios, the report-name rule); the cells are model work
    (model/sweep_grid.py)."""
    try:
        if isinstance(grid.base, dict):
            return parse_spec(grid.base)
        p = Path(grid.base)
        if relative_to is not None and not p.is_absolute() and (relative_to / p).is_file():
            p = relative_to / p
        return resolve_spec(str(p))
    except SpecError as e:
        raise SpecError(f"base: {e}") from None


def cell_key(spec: ScenarioSpec, calibration_id: str, data_hash: str, version: str) -> str:
    return "cell-" + identity_hash(spec.model_dump_json(), calibration_id, data_hash, version)[:24]


# --- plan (read-only) ------------------------------------------------------------------------------------------


@dataclass
class Plan:
    grid: SweepGrid
    base: ScenarioSpec
    cells: list[Cell]
    calibration_id: str
    anchor: date
    data_hash: str
    code_version: str
    sweep_id: str
    frames: Frames
    record: Any
    stored: dict[str, dict] = field(default_factory=dict)  # cell_key -> results of cells already stored

    def grid_json(self) -> str:
        return json.dumps(
            {**self.grid.model_dump(mode="json"), "base": self.base.model_dump(mode="json")}, sort_keys=True
        )


def _needs(record, cells: list[Cell]) -> None:
    """Refuse a grid the calibration cannot run before fanning out (the model would fail in every cell)."""
    for name, unit, used in (
        ("contagion", "usd_per_usd", any(c.contagion > 0 and c.size_usd_bn for c in cells)),
        ("backstop_breakeven", "bp_per_100bn", any(c.backstop_share > 0 and c.size_usd_bn for c in cells)),
    ):
        if used:
            try:
                record.get(name, unit=unit)
            except KeyError:
                raise SpecError(
                    f"calibration {record.id} has no {name} ({unit}) parameter, which this grid needs"
                ) from None


def plan_sweep(db: str, grid: SweepGrid, relative_to: Path | None = None, *, reuse: bool = True) -> Plan:
    base = base_spec(grid, relative_to)
    cells = build_cells(grid, base)
    progress.start("plan", f"{grid.name}: {len(cells)} cells")
    with session(db, read_only=True) as con:
        record = load_calibration(con, grid.calibration or base.calibration)
        anchor = resolve_anchor(con, base)
        frames = read_frames(con, anchor)
        data_hash, version = frames_hash(frames), code_version("model")
        for c in cells:
            c.key = cell_key(c.spec, record.id, data_hash, version)
        stored = stored_cells(con, [c.key for c in cells]) if reuse else {}
    _needs(record, cells)
    if frames.holdings is not None and not frames.holdings.empty:
        biggest = max(cells, key=lambda c: c.size_usd_bn)
        try:
            check_against_holdings(biggest.spec, frames.holdings, as_of=anchor)
        except SpecError as e:
            raise SpecError(str(e).replace("sellers[0].amount_usd_bn", "sizes_usd_bn")) from None
    plan = Plan(grid, base, cells, record.id, anchor, data_hash, version, "", frames, record, stored)
    plan.sweep_id = "sweep-" + identity_hash(plan.grid_json(), record.id, data_hash, version)[:16]
    progress.done("plan", f"anchor {anchor}, calibration {record.id}, {len(stored)} of {len(cells)} cells stored")
    return plan


stored_cells = repository.stored_cells


def task_runner(dask_address: str | None = None, dask_local: int | None = None, threads: int | None = None):
    if dask_address and dask_local:
        raise ValueError("give a Dask scheduler address or a local cluster size, not both")
    if dask_address or dask_local:
        from prefect_dask import DaskTaskRunner

        if dask_address:
            check_scheduler(dask_address)
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(
            cluster_kwargs={
                "n_workers": dask_local,
                "threads_per_worker": 1,
                "processes": True,
                "dashboard_address": None,
            }
        )
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=threads)


def check_scheduler(address: str) -> None:
    """Fail in one line before the flow starts, rather than after Prefect's connect retries inside it."""
    from distributed import Client

    try:
        with Client(address, timeout=DASK_CONNECT_TIMEOUT_S, set_as_default=False):
            pass
    except (OSError, TimeoutError, ValueError) as e:
        raise SweepError(f"--dask {address}: cannot reach the Dask scheduler ({str(e).splitlines()[0]})") from None


# --- the whole sweep -------------------------------------------------------------------------------------------


@dataclass
class SweepRun:
    plan: Plan
    results: dict[str, dict]  # cell_key -> results, every cell
    computed: list[str]  # keys computed by this run
    runner: str
    elapsed_s: float
    created_at: datetime
    newly_stored: bool = False
    report_dir: Path | None = None

    def rows(self) -> list[dict]:
        from flows.report.sweep import cell_row

        return [cell_row(c, self.results[c.key], reused=c.key not in self.computed) for c in self.plan.cells]

    def summary(self) -> dict:
        p = self.plan
        return {
            "sweep_id": p.sweep_id,
            "name": p.grid.name,
            "description": p.grid.description,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "base": p.base.name,
            "calibration_id": p.calibration_id,
            "data_hash": p.data_hash,
            "code_version": p.code_version,
            "anchor": p.anchor.isoformat(),
            "draws": p.cells[0].spec.draws,
            "seed": p.cells[0].spec.seed,
            "runner": self.runner,
            "cells_total": len(p.cells),
            "cells_computed": len(self.computed),
            "cells_reused": len(p.cells) - len(self.computed),
            "newly_stored": self.newly_stored,
            "elapsed_s": round(self.elapsed_s, 2),
            "report_dir": str(self.report_dir) if self.report_dir else None,
            "grid": json.loads(p.grid_json()),
            "cells": self.rows(),
        }


def compute(
    plan: Plan, db: str, runner=None, runner_name: str = "threads", batch: int | None = None
) -> dict[str, dict]:
    """Results of the cells not stored yet, by cell key, through the Prefect flow on `runner`; `batch` cells per
    task (default: `batch_size`)."""
    todo = [c for c in plan.cells if c.key not in plan.stored]
    if not todo:
        return {}
    server = prefect_server.start_for_flow()  # boots while the input cache is seeded
    remember_inputs(
        (str(Path(db).resolve()), plan.anchor, plan.calibration_id, plan.data_hash), plan.record, plan.frames
    )
    progress.start("cells", f"{len(todo)} to compute on {runner_name}")
    size = batch or batch_size(len(todo), todo[0].spec.draws)
    batches = [
        {
            "label": todo[i].label + (f"+{len(todo[i : i + size]) - 1}" if size > 1 else ""),
            "spec_jsons": [c.spec.model_dump_json() for c in todo[i : i + size]],
        }
        for i in range(0, len(todo), size)
    ]
    with server.flow_settings() if server is not None else nullcontext():
        run = sweep_flow.with_options(task_runner=runner) if runner is not None else sweep_flow
        out = run(
            db=db, batches=batches, calibration_id=plan.calibration_id, anchor=plan.anchor, data_hash=plan.data_hash
        )
    failed = [(c, o) for c, o in zip(todo, out, strict=True) if "error" in o]
    if failed:
        c, o = failed[0]
        more = f" (and {len(failed) - 1} more cells)" if len(failed) > 1 else ""
        hint = " (Dask workers open the warehouse at the same path)" if "dask " in runner_name else ""
        exc = WarehouseError if o["kind"] == "warehouse" else SweepError
        raise exc(f"cell {c.label}: {o['error']}{more}{hint if o['kind'] == 'warehouse' else ''}")
    progress.done("cells", f"{len(todo)} computed")
    return {c.key: o["results"] for c, o in zip(todo, out, strict=True)}


def run_sweep(
    db: str,
    grid: SweepGrid,
    *,
    relative_to: Path | None = None,
    dask_address: str | None = None,
    dask_local: int | None = None,
    threads: int | None = None,
    reports_dir: str | Path | None = "reports",
    reuse: bool = True,
    store: bool = True,
    today: date | None = None,
    batch: int | None = None,
) -> SweepRun:
    """Plan, compute the missing cells, store them and the sweep, write the report (None: no report)."""
    t0 = time.perf_counter()
    plan = plan_sweep(db, grid, relative_to, reuse=reuse)
    runner = task_runner(dask_address, dask_local, threads)
    name = (
        f"dask {dask_address}"
        if dask_address
        else f"dask local cluster ({dask_local} workers)"
        if dask_local
        else f"threads ({threads or 'default'})"
    )
    computed = compute(plan, db, runner, name, batch)
    run = SweepRun(plan, {**plan.stored, **computed}, list(computed), name, 0.0, datetime.now(UTC))
    if store:
        progress.start("store", plan.sweep_id)
        with session(db) as con:
            run.newly_stored = store_sweep(con, run)
        from warehouse.db import publish_read_copy

        publish_read_copy(db)  # readers of the copy (notebooks, the API) see the new cells
        progress.done(
            "store", f"{len(computed)} new cells" + ("" if run.newly_stored else "; identical sweep already stored")
        )
    run.elapsed_s = time.perf_counter() - t0
    if reports_dir is not None:
        from flows.report.sweep import write_report

        progress.start("report", grid.name)
        run.report_dir = write_report(run.summary(), Path(reports_dir), today or date.today())
        progress.done("report", str(run.report_dir))
    return run
