"""A sweep's cells, computed in Prefect tasks on threads or Dask workers (other processes): the per-process input
cache, one cell, the `sweep-cells` task over a batch and the `tshock-sweep` flow that maps it. flows/pipeline/sweep.py
plans the cells, picks the runner and stores what comes back.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from prefect import flow, task, unmapped
from prefect.cache_policies import NO_CACHE

from flows.pipeline import progress
from flows.pipeline.records import load_calibration
from flows.pipeline.scenario import ScenarioDataError, frames_hash, read_frames
from flows.pipeline.versioning import code_version
from model import ModelError
from model.run import Frames, Setup, prepare, run_scenario
from model.spec import ScenarioSpec, check_against_holdings, parse_spec
from warehouse.db import WarehouseError, session
from warehouse.repository import RecordNotFound

os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # read by distributed at import, here and in workers

_lock = threading.Lock()
_inputs: dict[tuple, tuple[Any, Frames]] = {}
_setups: dict[tuple, Setup] = {}


def _cell_inputs(db: str, anchor: date, calibration_id: str, data_hash: str):
    """The calibration and frames, read once per process and checked against the plan's data hash."""
    key = (str(Path(db).resolve()), anchor, calibration_id, data_hash)
    with _lock:
        if key not in _inputs:
            with session(db, read_only=True) as con:
                record = load_calibration(con, calibration_id)
                frames = read_frames(con, anchor)
            seen = frames_hash(frames)
            if seen != data_hash:
                raise ScenarioDataError(
                    f"the warehouse changed during the sweep (data hash {seen[:12]}, planned "
                    f"{data_hash[:12]}): run the sweep again"
                )
            remember_inputs(key, record, frames)
        return key, _inputs[key]


def remember_inputs(key: tuple, record, frames: Frames) -> None:
    """Seed the per-process cache (the parent does, with the frames it planned on, for the thread runner)."""
    _inputs.clear()
    _setups.clear()
    _inputs[key] = (record, frames)


def _setup(key: tuple, spec: ScenarioSpec, frames: Frames) -> Setup:
    """`prepare` once per anchor, horizon, assumptions and mix; only the sale amounts differ between cells."""
    skey = (key, spec.anchor, spec.horizon_months, spec.assumptions.model_dump_json(), json.dumps(spec.issuance_mix))
    with _lock:
        if skey not in _setups:
            _setups[skey] = prepare(spec, frames)
        setup = _setups[skey]
    amounts = (
        check_against_holdings(spec, frames.holdings, as_of=setup.anchor)
        if frames.holdings is not None
        else {i: s.amount_usd_bn for i, s in enumerate(spec.sellers)}
    )
    return replace(setup, amounts=amounts)


def compute_cell(db: str, spec_json: str, calibration_id: str, anchor: date, data_hash: str) -> dict:
    """One cell's full result JSON (as `tshock scenario run --json` minus the run id)."""
    spec = parse_spec(json.loads(spec_json))
    key, (record, frames) = _cell_inputs(db, anchor, calibration_id, data_hash)
    result = run_scenario(spec, record, frames, setup=_setup(key, spec, frames))
    return {"data_hash": data_hash, "code_version": code_version("model"), **json.loads(result.to_json(indent=None))}


@task(name="sweep-cells", task_run_name="cells-{label}", retries=0, cache_policy=NO_CACHE)
def sweep_cells(
    db: str, spec_jsons: list[str], calibration_id: str, anchor: date, data_hash: str, label: str
) -> list[dict]:
    """A batch of cells. Expected failures come back as values, so the parent raises one clear error instead of
    Prefect logging a traceback per task; anything else is a bug and fails the task."""
    out = []
    for spec_json in spec_jsons:
        try:
            out.append({"results": compute_cell(db, spec_json, calibration_id, anchor, data_hash)})
        except WarehouseError as e:
            out.append({"error": str(e), "kind": "warehouse"})
        except (ModelError, RecordNotFound) as e:
            out.append({"error": str(e), "kind": "model"})
    return out


def batch_size(cells: int, draws: int, min_tasks: int = 16) -> int:
    """Cells per task. A Prefect task costs ~0.5 s of bookkeeping on a Dask worker (it rebuilds its settings from
    the serialized context and opens an API client), more than a 200-draw cell, so cheap cells are batched (≈ 3 s
    of work a task) while keeping ≥ `min_tasks` tasks for the workers to share."""
    per_cell_s = 0.1 + 0.001 * draws
    return max(1, min(round(3.0 / per_cell_s), -(-cells // min_tasks)))


@flow(name="tshock-sweep", log_prints=False)
def sweep_flow(db: str, batches: list[dict], calibration_id: str, anchor: date, data_hash: str) -> list[dict]:
    """Fan the batches out (`batches`: label and spec_jsons each); one output per cell, in the order given."""
    from prefect.futures import as_completed

    futures = sweep_cells.map(
        unmapped(db),
        [b["spec_jsons"] for b in batches],
        unmapped(calibration_id),
        unmapped(anchor),
        unmapped(data_hash),
        [b["label"] for b in batches],
    )
    sizes = {id(f): len(b["spec_jsons"]) for f, b in zip(futures, batches, strict=True)}
    total, done = sum(sizes.values()), 0
    for f in as_completed(futures):
        done += sizes.get(id(f), 0)
        progress.advance("cells", f"{done}/{total}")
    return [o for f in futures for o in f.result()]
