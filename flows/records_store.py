"""Storing and reading calibration records (tables in warehouse/records.py).

It lives in flows/ because it joins two packages: the warehouse tables and the calibration record type.
"""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd

from calibration.contract import ResponseSurface
from calibration.record import CalibrationRecord

SURFACE_COLUMNS = ["calibration_id", "draw", "tenor", "level_bp_per_1pct_debt", "transitory_bp_per_1pct_debt",
                   "half_life_months"]


class RecordNotFound(LookupError):
    """No calibration matches; the message says what to run."""


def store_calibration(con: duckdb.DuckDBPyConnection, record: CalibrationRecord) -> bool:
    """Store a record in one transaction; returns False when the same id is already stored (nothing written)."""
    if con.execute("SELECT 1 FROM calibrations WHERE calibration_id = ?", [record.id]).fetchall():
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "INSERT INTO calibrations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [record.id, record.created_at, record.as_of, record.data_hash, record.code_version,
             record.sample_start, record.sample_end, record.method, json.dumps(record.caveats),
             json.dumps(record.warnings), record.model_dump_json()])
        rows = [[record.id, i, p.name, p.tenor, p.horizon_months, p.unit, p.kind, p.estimate, p.ci_low,
                 p.ci_high, p.n_obs, p.note] for i, p in enumerate(record.params)]
        con.executemany("INSERT INTO calibration_params VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        if record.surface is not None:
            # registered explicitly: a replacement scan of a local variable would not see through a wrapper
            con.register("_surface_draws", surface_frame(record.id, record.surface))
            try:
                con.execute(f"INSERT INTO calibration_surface_draws ({', '.join(SURFACE_COLUMNS)}) "
                            f"SELECT {', '.join(SURFACE_COLUMNS)} FROM _surface_draws")
            finally:
                con.unregister("_surface_draws")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def load_calibration(con: duckdb.DuckDBPyConnection, ref: str = "latest") -> CalibrationRecord:
    """`latest`, a full id, or a unique id prefix."""
    if ref == "latest":
        rows = con.execute("SELECT record_json FROM calibrations ORDER BY created_at DESC, calibration_id "
                           "LIMIT 1").fetchall()
        if not rows:
            raise RecordNotFound("no calibration stored yet: run `tshock calibrate` first")
    elif not ref.strip():
        raise RecordNotFound("no calibration '': give an id or a prefix (see `tshock calibrate list`)")
    else:
        # starts_with, not LIKE: '%' and '_' in a prefix are characters, not wildcards (issue 15)
        rows = con.execute("SELECT record_json FROM calibrations WHERE starts_with(calibration_id, ?)",
                           [ref]).fetchall()
        if not rows:
            raise RecordNotFound(f"no calibration {ref!r}: see `tshock calibrate list`")
        if len(rows) > 1:
            raise RecordNotFound(f"calibration id prefix {ref!r} is ambiguous ({len(rows)} matches)")
    record = CalibrationRecord.model_validate_json(rows[0][0])
    return record.model_copy(update={"surface": load_surface(con, record.id)})


def surface_frame(calibration_id: str, s: ResponseSurface) -> pd.DataFrame:
    n, k = s.level.shape
    return pd.DataFrame({"calibration_id": calibration_id, "draw": np.repeat(np.arange(n, dtype=np.int32), k),
                         "tenor": np.tile(np.asarray(s.tenors, dtype=object), n),
                         "level_bp_per_1pct_debt": s.level.ravel(), "transitory_bp_per_1pct_debt": s.transitory.ravel(),
                         "half_life_months": s.half_life_months.ravel()})[SURFACE_COLUMNS]


def load_surface(con: duckdb.DuckDBPyConnection, calibration_id: str) -> ResponseSurface | None:
    """The stored draws as a ResponseSurface; None for a record stored before surfaces existed (the model then
    falls back to the posterior params) or a warehouse without the table."""
    try:
        df = con.execute("SELECT draw, tenor, level_bp_per_1pct_debt, transitory_bp_per_1pct_debt, half_life_months "
                         "FROM calibration_surface_draws WHERE calibration_id = ? ORDER BY draw",
                         [calibration_id]).df()
    except duckdb.CatalogException:
        return None
    if df.empty:
        return None
    wide = df.pivot(index="draw", columns="tenor")
    tenors = ResponseSurface.__dataclass_fields__["tenors"].default
    pick = lambda col: wide[col][list(tenors)].to_numpy(float)  # noqa: E731
    return ResponseSurface(pick("level_bp_per_1pct_debt"), pick("transitory_bp_per_1pct_debt"),
                           pick("half_life_months"))


def find_calibration(con: duckdb.DuckDBPyConnection, data_hash: str, code_version: str, as_of) -> str | None:
    """The id of a stored calibration with the same inputs and code, so it can be reused instead of re-estimated."""
    rows = con.execute("SELECT calibration_id FROM calibrations WHERE data_hash = ? AND code_version = ? "
                       "AND as_of = ? ORDER BY created_at DESC LIMIT 1", [data_hash, code_version, as_of]).fetchall()
    return rows[0][0] if rows else None


def list_calibrations(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cur = con.execute("""
        SELECT c.calibration_id, c.created_at, c.as_of, c.sample_start, c.sample_end, c.method,
               count(p.param_no) AS params, left(c.data_hash, 12) AS data_hash, right(c.code_version, 12) AS code
        FROM calibrations c LEFT JOIN calibration_params p USING (calibration_id)
        GROUP BY ALL ORDER BY c.created_at DESC""")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
