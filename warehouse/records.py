"""Record tables: calibrations, scenario runs and sweeps, stored so results can be re-run and compared.

Unlike the base tables these are written by flows (calibrate, scenario run, sweep), not by the loader,
so they carry no payload_sha256; each row says which data hash and code version produced it.
"""

from __future__ import annotations

from warehouse.schema import Column as C
from warehouse.schema import Table

RECORD_TABLES: dict[str, Table] = {}


def _record(name, comment, columns, key):
    RECORD_TABLES[name] = Table(name, comment, tuple(columns), tuple(key), loader_owned=())


_record(
    "calibrations",
    "One row per calibration run: what data (hash, as-of date) and code produced which parameters.",
    [
        C("calibration_id", "VARCHAR", "Calibration id, derived from data hash, code version and as-of date", False),
        C("created_at", "TIMESTAMP", "When the calibration was stored (UTC)", False),
        C("as_of", "DATE", "Data as known on this date (vintages after it are ignored)", False),
        C("data_hash", "VARCHAR", "sha256 of the estimation inputs", False),
        C("code_version", "VARCHAR", "Hash of the calibration code and priors that produced it", False),
        C("sample_start", "DATE", "First month of the estimation sample"),
        C("sample_end", "DATE", "Last month of the estimation sample"),
        C("method", "VARCHAR", "Estimation method in words", False),
        C("caveats", "VARCHAR", "JSON list of caveats a reader must know"),
        C("warnings", "VARCHAR", "JSON list of stability warnings (split samples disagreeing, …)"),
        C(
            "record_json",
            "VARCHAR",
            "The full calibration record as JSON (what `tshock calibrate show --json` prints)",
            False,
        ),
    ],
    ("calibration_id",),
)

_record(
    "calibration_params",
    "Every parameter of every calibration, one row each: data-only, prior and posterior kept separately.",
    [
        C("calibration_id", "VARCHAR", "Calibration the parameter belongs to (calibrations.calibration_id)", False),
        C("param_no", "INTEGER", "Position of the parameter in the record", False),
        C("name", "VARCHAR", "yield_impact | stock_effect | contagion | spillover_* | backstop_breakeven", False),
        C("tenor", "VARCHAR", "Tenor label (3m, 2y, 5y, 10y, 30y) or NULL"),
        C("horizon_months", "INTEGER", "Months after the shock (local-projection horizon) or NULL"),
        C("unit", "VARCHAR", "bp_per_100bn | bp_per_1pct_debt | bp_per_pp_share | usd_per_usd | bp_per_bp", False),
        C("kind", "VARCHAR", "data | data_event_study | data_custody_lp | data_tic_lp | prior | posterior", False),
        C("estimate", "DOUBLE", "Point estimate in `unit`", False),
        C("ci_low", "DOUBLE", "Lower end of the 90% interval", False),
        C("ci_high", "DOUBLE", "Upper end of the 90% interval", False),
        C("n_obs", "INTEGER", "Observations behind a data estimate; NULL for priors"),
        C("note", "VARCHAR", "Source or caveat for this parameter (e.g. the citation of a prior)"),
    ],
    ("calibration_id", "param_no"),
)

_record(
    "calibration_surface_draws",
    "The posterior response surface of each calibration as joint draws: one draw is one whole surface (every "
    "tenor; response at horizon h = level + transitory * 0.5^(h / half_life_months), bp per 1% of marketable debt "
    "sold).",
    [
        C("calibration_id", "VARCHAR", "Calibration the draw belongs to (calibrations.calibration_id)", False),
        C("draw", "INTEGER", "Draw number (0-based); the same number across tenors is the same surface", False),
        C("tenor", "VARCHAR", "Tenor label (3m, 2y, 5y, 10y, 30y)", False),
        C("level_bp_per_1pct_debt", "DOUBLE", "Persistent (long-run) response, bp per 1% of debt sold, >= 0", False),
        C("transitory_bp_per_1pct_debt", "DOUBLE", "Short-run part on top of the level at h = 0, >= 0", False),
        C("half_life_months", "DOUBLE", "Half-life of the transitory part, months, > 0", False),
    ],
    ("calibration_id", "draw", "tenor"),
)

_record(
    "scenario_runs",
    "One row per scenario run: the spec, the calibration and data it ran on, and its results as JSON.",
    [
        C("run_id", "VARCHAR", "Run id (hash of spec, calibration id and data hash)", False),
        C("created_at", "TIMESTAMP", "When the run was stored (UTC)", False),
        C("scenario", "VARCHAR", "Scenario name from the spec", False),
        C("spec_json", "VARCHAR", "The validated scenario spec as JSON", False),
        C("calibration_id", "VARCHAR", "Calibration used (calibrations.calibration_id)", False),
        C("data_hash", "VARCHAR", "sha256 of the model inputs read from the warehouse", False),
        C("code_version", "VARCHAR", "Hash of the model code that produced it", False),
        C("anchor", "DATE", "Record date of the debt stock the rollover started from", False),
        C("results_json", "VARCHAR", "The run's results as JSON (what `tshock scenario run --json` prints)", False),
    ],
    ("run_id",),
)

_record(
    "scenario_fiscal_years",
    "Interest bill by fiscal year for each scenario run, baseline vs scenario, $ billions (p50 unless stated).",
    [
        C("run_id", "VARCHAR", "Scenario run (scenario_runs.run_id)", False),
        C("fiscal_year", "INTEGER", "Federal fiscal year (October–September, named by the year it ends)", False),
        C("baseline_interest_usd_bn", "DOUBLE", "Interest on marketable debt with baseline yields, $bn"),
        C("scenario_interest_usd_bn", "DOUBLE", "Interest on marketable debt with scenario yields (p50), $bn"),
        C("delta_p5_usd_bn", "DOUBLE", "Scenario minus baseline interest, 5th percentile of draws, $bn"),
        C("delta_p50_usd_bn", "DOUBLE", "Scenario minus baseline interest, median of draws, $bn"),
        C("delta_p95_usd_bn", "DOUBLE", "Scenario minus baseline interest, 95th percentile of draws, $bn"),
        C("interest_share_of_outlays_pct", "DOUBLE", "Scenario interest as a percent of total outlays (p50)"),
    ],
    ("run_id", "fiscal_year"),
)

_record(
    "sweeps",
    "One row per scenario sweep (a grid of sale size × speed × contagion × backstop).",
    [
        C("sweep_id", "VARCHAR", "Sweep id (hash of the grid, calibration id and data hash)", False),
        C("created_at", "TIMESTAMP", "When the sweep was stored (UTC)", False),
        C("name", "VARCHAR", "Sweep name", False),
        C("grid_json", "VARCHAR", "The grid definition as JSON", False),
        C("calibration_id", "VARCHAR", "Calibration every cell ran on", False),
        C("data_hash", "VARCHAR", "sha256 of the model inputs", False),
        C("code_version", "VARCHAR", "Hash of the model code the cells ran on"),
        C("anchor", "DATE", "Record date of the debt stock every cell started from"),
        C("cell_keys", "VARCHAR", "JSON list of the sweep's cells (sweep_cells.cell_key) in grid order"),
        C("cells_computed", "INTEGER", "Cells this sweep computed (the others were reused from earlier sweeps)"),
        C("cells_reused", "INTEGER", "Cells reused from earlier sweeps with the same key"),
    ],
    ("sweep_id",),
)

_record(
    "sweep_cells",
    "One row per cell of a sweep; cells with the same spec, calibration and data hash are reused across sweeps.",
    [
        C("cell_key", "VARCHAR", "Hash of the cell's spec, calibration id, data hash and code version", False),
        C("sweep_id", "VARCHAR", "Sweep that first computed the cell", False),
        C("size_usd_bn", "DOUBLE", "Sale size, $ billions", False),
        C("months", "INTEGER", "Months over which the sale is spread (1 = fire sale)", False),
        C("contagion", "DOUBLE", "Contagion scale (0 = nobody follows, 1 = calibrated co-movement)", False),
        C("backstop_share", "DOUBLE", "Share of the sale the Fed absorbs", False),
        C("yield_10y_delta_bp_p5", "DOUBLE", "Peak 10y yield move, 5th percentile, bp"),
        C("yield_10y_delta_bp_p50", "DOUBLE", "Peak 10y yield move, median, bp"),
        C("yield_10y_delta_bp_p95", "DOUBLE", "Peak 10y yield move, 95th percentile, bp"),
        C("interest_10y_delta_usd_bn_p5", "DOUBLE", "Ten-fiscal-year interest delta, 5th percentile, $bn"),
        C("interest_10y_delta_usd_bn_p50", "DOUBLE", "Ten-fiscal-year interest delta, median, $bn"),
        C("interest_10y_delta_usd_bn_p95", "DOUBLE", "Ten-fiscal-year interest delta, 95th percentile, $bn"),
        C("results_json", "VARCHAR", "The cell's full results as JSON", False),
        C("calibration_id", "VARCHAR", "Calibration the cell ran on (calibrations.calibration_id)"),
        C("data_hash", "VARCHAR", "sha256 of the model inputs the cell ran on"),
        C("code_version", "VARCHAR", "Hash of the model code the cell ran on"),
    ],
    ("cell_key",),
)
