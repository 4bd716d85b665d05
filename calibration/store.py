"""A CalibrationRecord in and out of the record tables, through warehouse/repository.py.

This says which field goes to which column (calibrations, calibration_params, calibration_surface_draws); the
repository owns the SQL and the transaction.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from calibration.contract import ResponseSurface
from calibration.record import CalibrationRecord
from warehouse import repository
from warehouse.repository import RecordNotFound, find_calibration, list_calibrations

__all__ = [
    "RecordNotFound",
    "find_calibration",
    "list_calibrations",
    "load_calibration",
    "load_surface",
    "store_calibration",
    "surface_frame",
]

SURFACE_COLUMNS = [
    "calibration_id",
    "draw",
    "tenor",
    "level_bp_per_1pct_debt",
    "transitory_bp_per_1pct_debt",
    "half_life_months",
]


def store_calibration(con: duckdb.DuckDBPyConnection, record: CalibrationRecord) -> bool:
    """Store a record in one transaction; returns False when the same id is already stored (nothing written)."""
    row = {
        "calibration_id": record.id,
        "created_at": record.created_at,
        "as_of": record.as_of,
        "data_hash": record.data_hash,
        "code_version": record.code_version,
        "sample_start": record.sample_start,
        "sample_end": record.sample_end,
        "method": record.method,
        "caveats": json.dumps(record.caveats),
        "warnings": json.dumps(record.warnings),
        "record_json": record.model_dump_json(),
    }
    params = [
        {
            "calibration_id": record.id,
            "param_no": i,
            "name": p.name,
            "tenor": p.tenor,
            "horizon_months": p.horizon_months,
            "unit": p.unit,
            "kind": p.kind,
            "estimate": p.estimate,
            "ci_low": p.ci_low,
            "ci_high": p.ci_high,
            "n_obs": p.n_obs,
            "note": p.note,
        }
        for i, p in enumerate(record.params)
    ]
    draws = None if record.surface is None else surface_frame(record.id, record.surface)
    return repository.store_calibration(con, row, params, draws)


def load_calibration(con: duckdb.DuckDBPyConnection, ref: str = "latest") -> CalibrationRecord:
    """`latest`, a full id, or a unique id prefix; RecordNotFound names what to run."""
    record = CalibrationRecord.model_validate_json(repository.calibration_json(con, ref))
    return record.model_copy(update={"surface": load_surface(con, record.id)})


def surface_frame(calibration_id: str, s: ResponseSurface) -> pd.DataFrame:
    n, k = s.level.shape
    return pd.DataFrame(
        {
            "calibration_id": calibration_id,
            "draw": np.repeat(np.arange(n, dtype=np.int32), k),
            "tenor": np.tile(np.asarray(s.tenors, dtype=object), n),
            "level_bp_per_1pct_debt": s.level.ravel(),
            "transitory_bp_per_1pct_debt": s.transitory.ravel(),
            "half_life_months": s.half_life_months.ravel(),
        }
    )[SURFACE_COLUMNS]


def load_surface(con: duckdb.DuckDBPyConnection, calibration_id: str) -> ResponseSurface | None:
    """The stored draws as a ResponseSurface; None for a record stored before surfaces existed (the model then
    falls back to the posterior params) or a warehouse without the table."""
    df = repository.surface_draws(con, calibration_id)
    if df.empty:
        return None
    wide = df.pivot(index="draw", columns="tenor")
    tenors = ResponseSurface.__dataclass_fields__["tenors"].default
    pick = lambda col: wide[col][list(tenors)].to_numpy(float)  # noqa: E731
    return ResponseSurface(
        pick("level_bp_per_1pct_debt"), pick("transitory_bp_per_1pct_debt"), pick("half_life_months")
    )
