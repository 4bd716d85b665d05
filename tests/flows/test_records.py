"""The response surface's draws in the warehouse: stored with the record, read back equal, absent for old records."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from calibration.contract import TENORS, ResponseSurface
from calibration.record import CalibrationRecord, Param
from flows.pipeline.records import load_calibration, store_calibration
from warehouse.db import connect


def _record(rid: str, surface: ResponseSurface | None) -> CalibrationRecord:
    p = Param(
        name="yield_impact",
        tenor="10y",
        horizon_months=0,
        unit="bp_per_1pct_debt",
        kind="posterior",
        estimate=30.0,
        ci_low=10.0,
        ci_high=90.0,
    )
    return CalibrationRecord(
        id=rid,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        as_of=date(2026, 1, 1),
        data_hash="h",
        code_version="c",
        method="m",
        params=[p],
        surface=surface,
        evidence={"headline_10y": {"rows": []}},
    )


def _surface(n=7) -> ResponseSurface:
    rng = np.random.default_rng(0)
    k = len(TENORS)
    return ResponseSurface(rng.uniform(1, 3, (n, k)), rng.uniform(5, 50, (n, k)), rng.uniform(3, 12, (n, k)))


def test_draws_round_trip_and_old_records_have_none(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    try:
        s = _surface()
        assert store_calibration(con, _record("cal-new", s))
        assert store_calibration(con, _record("cal-old", None))
        back = load_calibration(con, "cal-new")
        assert back.surface == s and back.surface.n_draws == 7
        assert back.evidence == {"headline_10y": {"rows": []}}
        assert con.execute("SELECT count(*) FROM calibration_surface_draws").fetchone()[0] == 7 * len(TENORS)
        assert load_calibration(con, "cal-old").surface is None  # the model falls back to its posterior params
        # a draw is one whole surface: draw 3 across tenors is row 3 of every array
        row = con.execute(
            "SELECT level_bp_per_1pct_debt FROM calibration_surface_draws WHERE calibration_id = "
            "'cal-new' AND draw = 3 AND tenor = '30y'"
        ).fetchone()[0]
        assert row == s.level[3, TENORS.index("30y")]
    finally:
        con.close()


def test_a_warehouse_without_the_draws_table_still_reads(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    try:
        store_calibration(con, _record("cal-a", _surface()))
        # a warehouse from before surfaces: no draws table, an older schema fingerprint
        con.execute("DROP TABLE calibration_surface_draws")
        con.execute("UPDATE schema_version SET fingerprint = 'older'")
        assert load_calibration(con, "cal-a").surface is None
    finally:
        con.close()
    con = connect(tmp_path / "w.duckdb")  # the next read-write open migrates: the table is back, empty
    try:
        assert con.execute("SELECT count(*) FROM calibration_surface_draws").fetchone()[0] == 0
    finally:
        con.close()
