"""Typed records in and out of the record repository (warehouse/repository.py): calibrations, scenario runs and
sweeps. The repository owns the SQL and the one transaction per record; this says which field goes to which
column, so calibration/ and model/ stay pure (they never write).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import duckdb

from calibration.contract import ResponseSurface
from calibration.record import CalibrationRecord
from calibration.record_rows import calibration_row, param_rows, surface_frame, surface_from_draws
from warehouse import repository

if TYPE_CHECKING:
    from flows.pipeline.runs import StoredRun
    from flows.pipeline.sweep import SweepRun
    from model.spec import ScenarioSpec

# --- calibrations ----------------------------------------------------------------------------------------------


def store_calibration(con: duckdb.DuckDBPyConnection, record: CalibrationRecord) -> bool:
    """Store a record in one transaction; returns False when the same id is already stored (nothing written)."""
    draws = None if record.surface is None else surface_frame(record.id, record.surface)
    return repository.store_calibration(con, calibration_row(record), param_rows(record), draws)


def load_calibration(con: duckdb.DuckDBPyConnection, ref: str = "latest", *, surface: bool = True) -> CalibrationRecord:
    """`latest`, a full id, or a unique id prefix; RecordNotFound names what to run. `surface=False` leaves the
    response surface's draws unread (`calibrate show` prints the record's parameters only)."""
    record = CalibrationRecord.model_validate_json(repository.calibration_json(con, ref))
    return record.model_copy(update={"surface": load_surface(con, record.id)}) if surface else record


def load_surface(con: duckdb.DuckDBPyConnection, calibration_id: str) -> ResponseSurface | None:
    """The stored draws as a ResponseSurface; None for a record stored before surfaces existed (the model then
    falls back to the posterior params) or a warehouse without the table."""
    return surface_from_draws(repository.surface_draws(con, calibration_id))


# --- scenario runs ---------------------------------------------------------------------------------------------


def store_run(con: duckdb.DuckDBPyConnection, run: StoredRun, spec: ScenarioSpec) -> bool:
    """scenario_runs + scenario_fiscal_years in one transaction; False when the run id is already stored."""
    row = {
        "run_id": run.run_id,
        "created_at": run.created_at.replace(tzinfo=None),
        "scenario": run.scenario,
        "spec_json": spec.model_dump_json(),
        "calibration_id": run.calibration_id,
        "data_hash": run.data_hash,
        "code_version": run.code_version,
        "anchor": run.anchor,
        "results_json": json.dumps(run.results, allow_nan=False),
    }
    years = [
        {
            "run_id": run.run_id,
            "fiscal_year": r["fiscal_year"],
            "baseline_interest_usd_bn": r["baseline_interest_usd_bn"],
            "scenario_interest_usd_bn": r["scenario_interest_usd_bn"]["p50"],
            "delta_p5_usd_bn": r["delta_interest_usd_bn"]["p5"],
            "delta_p50_usd_bn": r["delta_interest_usd_bn"]["p50"],
            "delta_p95_usd_bn": r["delta_interest_usd_bn"]["p95"],
            "interest_share_of_outlays_pct": r["scenario_interest_share_outlays_pct"]["p50"],
        }
        for r in run.results["interest"]["by_fiscal_year"]
    ]
    return repository.store_run(con, row, years)


# --- sweeps ----------------------------------------------------------------------------------------------------


def store_sweep(con: duckdb.DuckDBPyConnection, run: SweepRun) -> bool:
    """New cells and the sweep record in one transaction; False when this sweep id was already stored."""
    p = run.plan
    cells = {c.key: c for c in p.cells}
    rows = []
    for key in run.computed:
        c, r = cells[key], run.results[key]
        y, i = r["yields"]["10y"]["peak_shift_bp"], r["interest"]["cumulative_10y_delta_usd_bn"]
        rows.append(
            {
                "cell_key": key,
                "sweep_id": p.sweep_id,
                "size_usd_bn": c.size_usd_bn,
                "months": c.months,
                "contagion": c.contagion,
                "backstop_share": c.backstop_share,
                "yield_10y_delta_bp_p5": y["p5"],
                "yield_10y_delta_bp_p50": y["p50"],
                "yield_10y_delta_bp_p95": y["p95"],
                "interest_10y_delta_usd_bn_p5": i["p5"],
                "interest_10y_delta_usd_bn_p50": i["p50"],
                "interest_10y_delta_usd_bn_p95": i["p95"],
                "results_json": json.dumps(r, allow_nan=False),
                "calibration_id": p.calibration_id,
                "data_hash": p.data_hash,
                "code_version": p.code_version,
            }
        )
    sweep = {
        "sweep_id": p.sweep_id,
        "created_at": run.created_at.replace(tzinfo=None),
        "name": p.grid.name,
        "grid_json": p.grid_json(),
        "calibration_id": p.calibration_id,
        "data_hash": p.data_hash,
        "code_version": p.code_version,
        "anchor": p.anchor,
        "cell_keys": json.dumps([c.key for c in p.cells]),
        "cells_computed": len(run.computed),
        "cells_reused": len(p.cells) - len(run.computed),
    }
    return repository.store_sweep(con, sweep, rows)
