"""The record repository: every read and write of the record tables (warehouse/records.py) — calibrations,
scenario runs and sweeps.

Writes go through `transaction()` (BEGIN / COMMIT, ROLLBACK on any exception, KeyboardInterrupt included) and
INSERT with named columns, so a crash leaves either the whole record or nothing. Rows come in as dicts keyed by
column name: the typed records' glue (flows/pipeline/records.py) says what goes where, this module says how
it is stored. A warehouse created before the record tables reads as "nothing stored".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb

from warehouse.read.base import dicts, frame_or_empty, rows_or_empty, table_exists
from warehouse.transaction import transaction

if TYPE_CHECKING:  # pandas/numpy imported where used: the CLI's light commands read records without them
    import pandas as pd

NO_CALIBRATION = "no calibration stored yet: run `tshock calibrate` first"


class RecordNotFound(LookupError):
    """No record matches; the message says what to run."""


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict], *, skip_existing: bool = False) -> None:
    """INSERT rows (dicts with the same keys) by column name; `skip_existing`: ON CONFLICT DO NOTHING."""
    if not rows:
        return
    cols = list(rows[0])
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})" + (
        " ON CONFLICT DO NOTHING" if skip_existing else ""
    )
    con.executemany(sql, [[r[c] for c in cols] for r in rows])


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    """INSERT a frame's columns by name (bulk: surface draws are thousands of rows)."""
    cols = ", ".join(df.columns)
    # registered explicitly: a replacement scan of a local variable would not see through a wrapper
    con.register("_record_rows", df)
    try:
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _record_rows")
    finally:
        con.unregister("_record_rows")


def _exists(con: duckdb.DuckDBPyConnection, table: str, key: str, value: str) -> bool:
    return bool(rows_or_empty(con, f"SELECT 1 FROM {table} WHERE {key} = ?", [value]))


# --- calibrations ----------------------------------------------------------------------------------------------


def store_calibration(
    con: duckdb.DuckDBPyConnection, calibration: dict, params: list[dict], draws: pd.DataFrame | None
) -> bool:
    """A calibration row, its parameter rows and its surface draws in one transaction; False (nothing written)
    when the id is already stored."""
    if _exists(con, "calibrations", "calibration_id", calibration["calibration_id"]):
        return False
    with transaction(con):
        insert(con, "calibrations", [calibration])
        insert(con, "calibration_params", params)
        if draws is not None:
            insert_frame(con, "calibration_surface_draws", draws)
    return True


def calibration_json(con: duckdb.DuckDBPyConnection, ref: str = "latest") -> str:
    """The stored record JSON of `latest`, a full id, or a unique id prefix; RecordNotFound says what to run."""
    if not table_exists(con, "calibrations"):
        raise RecordNotFound(NO_CALIBRATION)
    if ref == "latest":
        rows = con.execute(
            "SELECT record_json FROM calibrations ORDER BY created_at DESC, calibration_id LIMIT 1"
        ).fetchall()
        if not rows:
            raise RecordNotFound(NO_CALIBRATION)
    elif not ref.strip():
        raise RecordNotFound("no calibration '': give an id or a prefix (see `tshock calibrate list`)")
    else:
        # starts_with, not LIKE: '%' and '_' in a prefix are characters, not wildcards (issue 15)
        rows = con.execute(
            "SELECT record_json FROM calibrations WHERE starts_with(calibration_id, ?)", [ref]
        ).fetchall()
        if not rows:
            raise RecordNotFound(f"no calibration {ref!r}: see `tshock calibrate list`")
        if len(rows) > 1:
            raise RecordNotFound(f"calibration id prefix {ref!r} is ambiguous ({len(rows)} matches)")
    return rows[0][0]


def surface_draws(con: duckdb.DuckDBPyConnection, calibration_id: str) -> pd.DataFrame:
    """A calibration's stored surface draws (draw, tenor, level, transitory, half-life); empty when none."""
    return frame_or_empty(
        con,
        "SELECT draw, tenor, level_bp_per_1pct_debt, transitory_bp_per_1pct_debt, "
        "half_life_months FROM calibration_surface_draws WHERE calibration_id = ? "
        "ORDER BY draw",
        [calibration_id],
    )


def find_calibration(con: duckdb.DuckDBPyConnection, data_hash: str, code_version: str, as_of) -> str | None:
    """The id of a stored calibration with the same inputs and code (newest), or None."""
    rows = rows_or_empty(
        con,
        "SELECT calibration_id FROM calibrations WHERE data_hash = ? AND code_version = ? "
        "AND as_of = ? ORDER BY created_at DESC LIMIT 1",
        [data_hash, code_version, as_of],
    )
    return rows[0][0] if rows else None


def list_calibrations(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Stored calibrations, newest first, with their parameter counts; [] before the tables exist."""
    if not table_exists(con, "calibrations"):
        return []
    return dicts(
        con.execute("""
        SELECT c.calibration_id, c.created_at, c.as_of, c.sample_start, c.sample_end, c.method,
               count(p.param_no) AS params, left(c.data_hash, 12) AS data_hash, right(c.code_version, 12) AS code
        FROM calibrations c LEFT JOIN calibration_params p USING (calibration_id)
        GROUP BY ALL ORDER BY c.created_at DESC""")
    )


def latest_calibration_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """The calibration a spec's `calibration: latest` means (calibration_json's order)."""
    rows = rows_or_empty(
        con, "SELECT calibration_id FROM calibrations ORDER BY created_at DESC, calibration_id LIMIT 1"
    )
    return rows[0][0] if rows else None


# --- scenario runs ---------------------------------------------------------------------------------------------

RUN_COLUMNS = (
    "run_id",
    "scenario",
    "calibration_id",
    "data_hash",
    "code_version",
    "anchor",
    "created_at",
    "results_json",
)


def store_run(con: duckdb.DuckDBPyConnection, run: dict, fiscal_years: list[dict]) -> bool:
    """scenario_runs + scenario_fiscal_years in one transaction; False when the run id is already stored."""
    if _exists(con, "scenario_runs", "run_id", run["run_id"]):
        return False
    with transaction(con):
        insert(con, "scenario_runs", [run])
        insert(con, "scenario_fiscal_years", fiscal_years)
    return True


def runs_by_prefix(con: duckdb.DuckDBPyConnection, ref: str) -> list[dict]:
    """Stored runs whose id starts with `ref` ('%' and '_' are characters), RUN_COLUMNS each."""
    rows = rows_or_empty(con, f"SELECT {', '.join(RUN_COLUMNS)} FROM scenario_runs WHERE starts_with(run_id, ?)", [ref])
    return [dict(zip(RUN_COLUMNS, r, strict=True)) for r in rows]


def list_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict]:
    """Newest stored runs with the ten-year interest delta's median; [] before the tables exist."""
    if not table_exists(con, "scenario_runs"):
        return []
    return dicts(
        con.execute(
            """SELECT run_id, created_at, scenario, anchor, calibration_id,
                             CAST(json_extract(results_json, '$.interest.cumulative_10y_delta_usd_bn.p50') AS DOUBLE)
                               AS delta_10y_p50_usd_bn
                             FROM scenario_runs ORDER BY created_at DESC LIMIT ?""",
            [limit],
        )
    )


def newest_results_on(con: duckdb.DuckDBPyConnection, calibration_id: str, scenarios: list[str]) -> dict[str, dict]:
    """{scenario: results} of each named scenario's newest stored run on a calibration."""
    rows = con.execute(
        """SELECT scenario, results_json FROM scenario_runs
                          WHERE calibration_id = ? AND scenario IN (SELECT unnest(?))
                          QUALIFY row_number() OVER (PARTITION BY scenario ORDER BY created_at DESC) = 1""",
        [calibration_id, scenarios],
    ).fetchall()
    return {name: json.loads(text) for name, text in rows}


def runs_of(con: duckdb.DuckDBPyConnection, scenario: str) -> list[tuple[str, str, str]]:
    """(run_id, spec_json, calibration_id) of a scenario's stored runs, newest first."""
    return rows_or_empty(
        con,
        "SELECT run_id, spec_json, calibration_id FROM scenario_runs WHERE scenario = ? ORDER BY created_at DESC",
        [scenario],
    )


# --- sweeps ----------------------------------------------------------------------------------------------------


def store_sweep(con: duckdb.DuckDBPyConnection, sweep: dict, cells: list[dict]) -> bool:
    """New cells (a cell another sweep stored is kept) and the sweep row in one transaction; False when this
    sweep id was already stored."""
    with transaction(con):
        insert(con, "sweep_cells", cells, skip_existing=True)
        new = not _exists(con, "sweeps", "sweep_id", sweep["sweep_id"])
        if new:
            insert(con, "sweeps", [sweep])
    return new


def stored_cells(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, dict]:
    """{cell_key: results} of the cells already stored; {} before the tables exist."""
    rows = rows_or_empty(con, "SELECT cell_key, results_json FROM sweep_cells WHERE list_contains(?, cell_key)", [keys])
    return {k: json.loads(v) for k, v in rows}
