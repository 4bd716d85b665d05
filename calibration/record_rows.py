"""A CalibrationRecord as the rows of the record tables and back (calibrations, calibration_params,
calibration_surface_draws). Pure: flows/pipeline/records.py hands the rows to the record repository
(warehouse/repository.py), which owns the SQL and the transaction.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np

from calibration.contract import ResponseSurface
from calibration.record import CalibrationRecord

if TYPE_CHECKING:  # pandas where frames are built: reading a record back stays light (issue 18)
    import pandas as pd

SURFACE_COLUMNS = [
    "calibration_id",
    "draw",
    "tenor",
    "level_bp_per_1pct_debt",
    "transitory_bp_per_1pct_debt",
    "half_life_months",
]


def calibration_row(record: CalibrationRecord) -> dict:
    """The record's `calibrations` row (the whole record as JSON too)."""
    return {
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


def param_rows(record: CalibrationRecord) -> list[dict]:
    """One `calibration_params` row per parameter, numbered in the record's order."""
    return [
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


def surface_frame(calibration_id: str, s: ResponseSurface) -> pd.DataFrame:
    """The response surface's joint draws as `calibration_surface_draws` rows (draw × tenor)."""
    import pandas as pd

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


def surface_from_draws(df: pd.DataFrame) -> ResponseSurface | None:
    """Stored draws back as a ResponseSurface; None when there are none (a record stored before surfaces
    existed: the model then falls back to the posterior params)."""
    if df.empty:
        return None
    wide = df.pivot(index="draw", columns="tenor")
    tenors = ResponseSurface.__dataclass_fields__["tenors"].default
    pick = lambda col: wide[col][list(tenors)].to_numpy(float)  # noqa: E731
    return ResponseSurface(
        pick("level_bp_per_1pct_debt"), pick("transitory_bp_per_1pct_debt"), pick("half_life_months")
    )
