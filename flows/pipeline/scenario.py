"""Scenario runs on the warehouse: read the model's inputs read-only, run model/, store the run, and the backcast.

The model (model/) is pure; this module is the wiring:
- `read_frames(con, anchor)` fills `model.run.Frames` from the warehouse as known at the anchor (curve, auctions
  and TIC holdings up to the anchor; the MSPD CUSIP detail and subtotals of the anchor's statement; the newest
  SOMA holdings on or before it). The anchor is the newest MSPD record date with CUSIP detail unless the spec
  names one. `frames_hash` is a sha256 over a canonical binary form of those frames (warehouse/identity.py):
  the run's data hash.
- `run_and_store(db, scenario)` reads (read-only connection), runs (no connection held) and stores the run with
  its fiscal-year rows in one transaction (scenario_runs, scenario_fiscal_years). The run id hashes the spec,
  calibration id, data hash and model code version, so an identical re-run is recognised, not duplicated.
- The backcast's wiring is flows/pipeline/backcast.py.
- The shipped scenarios and spec resolution are flows/pipeline/catalog.py; stored runs (id, read back, list,
  compare) flows/pipeline/runs.py. No Prefect here: `tshock run` wraps `run_and_store` in its own task, and the
  CLI calls it directly, since an ephemeral Prefect server takes longer to start than a run.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import UTC, date, datetime

import duckdb

from flows.pipeline import progress
from flows.pipeline.catalog import resolve_spec
from flows.pipeline.records import load_calibration, store_run
from flows.pipeline.runs import StoredRun, run_id_for, stored_run
from flows.pipeline.versioning import code_version
from model import ModelError
from model.run import Frames, run_scenario
from model.spec import ScenarioSpec, SpecError
from warehouse.db import session
from warehouse.identity import binary_digest
from warehouse.read import model_inputs as read
from warehouse.read.model_inputs import cusip_dates


class ScenarioDataError(ModelError):
    """The warehouse lacks what a run or backcast needs; the message names what and which dates exist."""


# --- reading the warehouse -------------------------------------------------------------------------------------


def _dates_text(dates: list[date]) -> str:
    return ", ".join(d.isoformat() for d in dates) if dates else "none (run `tshock refresh`)"


def resolve_anchor(con: duckdb.DuckDBPyConnection, spec: ScenarioSpec) -> date:
    dates = cusip_dates(con)
    if spec.anchor == "latest":
        if not dates:
            raise ScenarioDataError(
                "no MSPD CUSIP detail (marketable_securities) in the warehouse: run `tshock refresh` first"
            )
        return dates[-1]
    if spec.anchor not in dates:
        raise SpecError(
            f"anchor: {spec.anchor.isoformat()} has no MSPD CUSIP detail (marketable_securities); "
            f"dates with CUSIP detail: {_dates_text(dates)}"
        )
    return spec.anchor


def read_frames(con: duckdb.DuckDBPyConnection, anchor: date) -> Frames:
    """The model's inputs as known at the anchor (see the module docstring)."""
    soma = read.soma_as_of(con, anchor)
    return Frames(
        stock_rows=read.cusip_stock(con, anchor),
        curve=read.daily_curve_until(con, anchor),
        auctions=read.auctions_until(con, anchor),
        holdings=read.holdings_current_until(con, anchor),
        soma=None if soma.empty else soma,
        totals=read.marketable_totals_on(con, anchor),
        # The Fed's Treasury holdings (H.4.1, $ millions) to scale an old SOMA file's maturity profile.
        fed_treasury=read.fed_treasury_until(con, anchor),
    )


def frames_hash(frames: Frames) -> str:
    """The run's data hash: warehouse.identity.binary_digest over every frame, in Frames' field order."""
    return binary_digest((f.name, getattr(frames, f.name)) for f in fields(Frames))


# --- runs ------------------------------------------------------------------------------------------------------


def run_and_store(
    db: str,
    scenario: str | ScenarioSpec,
    *,
    calibration: str | None = None,
    draws: int | None = None,
    store: bool = True,
) -> StoredRun:
    """Read the inputs read-only, run the scenario, store it (one transaction). Raises SpecError, ModelError,
    RecordNotFound (no calibration) and WarehouseError (missing or locked file).

    The run id is known before the model runs (spec, calibration, data hash, code version): when that run is
    already stored, it is read back instead of computed again (the same record; `stored` is False)."""
    spec = scenario if isinstance(scenario, ScenarioSpec) else resolve_spec(scenario, draws=draws)
    progress.start("inputs", spec.name)
    with session(db, read_only=True) as con:
        record = load_calibration(con, calibration or spec.calibration)
        anchor = resolve_anchor(con, spec)
        frames = read_frames(con, anchor)
        data_hash = frames_hash(frames)
        version = code_version("model")
        run_id = run_id_for(spec, record.id, data_hash, version)
        same = stored_run(con, run_id) if store else None
    progress.done("inputs", f"anchor {anchor}, calibration {record.id}")
    progress.start("model", f"{spec.name}: {spec.draws} draws × {spec.horizon_months} months")
    if same is not None:
        progress.done("model", f"{run_id}: identical run already stored, read back")
        progress.start("store", run_id)
        progress.done("store", f"{run_id} (identical run already stored)")
        same.stored = False
        return same
    result = run_scenario(spec, record, frames)
    progress.done("model")
    results = {
        "run_id": run_id,
        "data_hash": data_hash,
        "code_version": version,
        **json.loads(result.to_json(indent=None)),
    }
    run = StoredRun(run_id, spec.name, record.id, data_hash, version, result.anchor, datetime.now(UTC), results)
    if store:
        progress.start("store", run_id)
        with session(db) as con:
            run.stored = store_run(con, run, spec)
        progress.done("store", run_id if run.stored else f"{run_id} (identical run already stored)")
    return run
