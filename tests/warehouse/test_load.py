"""The loader: validation before load, all-or-nothing transactions, idempotent upserts with honest counts."""

from __future__ import annotations

import pandas as pd
import pytest

from warehouse.db import connect
from warehouse.load import ValidationError, load_frames

LOG = {
    "source": "test",
    "relpath": "treasury/x.csv",
    "url": "snapshot:x",
    "fetched_at": pd.Timestamp("2026-01-01"),
    "sha256": "a" * 64,
    "bytes": 1,
    "offline": True,
}


def curve(*rows):
    return pd.DataFrame(
        [
            {"date": pd.Timestamp(d), "tenor_months": float(t), "yield_pct": y, "source_file": "x.csv"}
            for d, t, y in rows
        ]
    )


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "w.duckdb")
    yield c
    c.close()


def count(con, table="yield_curve"):
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_new_then_unchanged_then_changed(con):
    frames = {"yield_curve": curve(("2024-01-02", 120, 3.95), ("2024-01-02", 24, 4.33))}
    r1 = load_frames(con, frames, file="x", sha256="a" * 64, log_row=LOG)
    assert (r1.total("new"), r1.total("changed"), r1.total("unchanged")) == (2, 0, 0)
    r2 = load_frames(con, frames, file="x", sha256="b" * 64, log_row=LOG)
    assert (r2.total("new"), r2.total("changed"), r2.total("unchanged")) == (0, 0, 2)
    # unchanged rows keep their original provenance: nothing was rewritten
    assert con.execute("SELECT DISTINCT payload_sha256 FROM yield_curve").fetchall() == [("a" * 64,)]
    r3 = load_frames(con, {"yield_curve": curve(("2024-01-02", 120, 3.96))}, file="x", sha256="c" * 64, log_row=LOG)
    assert (r3.total("new"), r3.total("changed")) == (0, 1)
    assert con.execute("SELECT yield_pct FROM yield_curve WHERE tenor_months = 120").fetchone()[0] == 3.96
    assert count(con) == 2
    assert count(con, "ingest_log") == 3


def test_duplicate_key_is_refused_before_anything_is_written(con):
    frames = {"yield_curve": curve(("2024-01-02", 120, 3.95), ("2024-01-02", 120, 3.97))}
    with pytest.raises(ValidationError, match="duplicate key"):
        load_frames(con, frames, file="treasury/x.csv", sha256="a" * 64, log_row=LOG)
    assert count(con) == 0 and count(con, "ingest_log") == 0


def test_implausible_yield_names_value_and_keeps_prior_data(con):
    load_frames(con, {"yield_curve": curve(("2024-01-02", 120, 3.95))}, file="x", sha256="a" * 64, log_row=LOG)
    with pytest.raises(ValidationError, match=r"implausible yield_pct = 31 "):
        load_frames(con, {"yield_curve": curve(("2024-01-02", 120, 31.0))}, file="x", sha256="b" * 64, log_row=LOG)
    assert con.execute("SELECT yield_pct FROM yield_curve").fetchall() == [(3.95,)]


def test_failure_in_second_table_rolls_back_the_first(con):
    good = curve(("2024-01-02", 120, 3.95))
    bad = pd.DataFrame(
        [
            {
                "record_date": "not a date",
                "debt_held_public_usd": 1.0,
                "intragov_hold_usd": 1.0,
                "total_public_debt_usd": 2.0,
            }
        ]
    )
    with pytest.raises(ValidationError, match="does not fit its column type"):
        load_frames(con, {"yield_curve": good, "debt_to_penny": bad}, file="x", sha256="a" * 64, log_row=LOG)
    assert count(con) == 0 and count(con, "debt_to_penny") == 0 and count(con, "ingest_log") == 0


def test_wrong_columns_are_named(con):
    frame = curve(("2024-01-02", 120, 3.95)).rename(columns={"yield_pct": "yld"})
    with pytest.raises(ValidationError, match=r"missing \['yield_pct'\], unexpected \['yld'\]"):
        load_frames(con, {"yield_curve": frame}, file="x", sha256="a" * 64, log_row=LOG)


def test_every_table_and_column_has_a_comment(con):
    missing = con.execute("""
        SELECT table_name || '.' || column_name FROM duckdb_columns()
        WHERE schema_name = 'main' AND NOT internal AND (comment IS NULL OR comment = '')
          AND table_name <> 'schema_version'""").fetchall()
    assert missing == []


def test_a_warehouse_made_with_primary_keys_still_takes_changed_rows(tmp_path):
    """Warehouses created before the observation tables lost their PRIMARY KEY keep it (migrations never drop
    anything); a changed row is deleted and written again in one transaction, which that key must allow."""
    import duckdb

    from warehouse.db import ddl
    from warehouse.schema import TABLES

    path = tmp_path / "old.duckdb"
    old = ddl(TABLES["yield_curve"]).replace("\n)", ",\n  PRIMARY KEY (date, tenor_months)\n)")
    raw = duckdb.connect(str(path))
    raw.execute(old)
    raw.close()
    con = connect(path)
    try:
        keyed = "SELECT count(*) FROM duckdb_constraints() WHERE table_name = 'yield_curve' AND constraint_type = ?"
        assert con.execute(keyed, ["PRIMARY KEY"]).fetchall() == [(1,)]
        load_frames(con, {"yield_curve": curve(("2024-01-02", 120, 3.95))}, file="x", sha256="a" * 64, log_row=LOG)
        r = load_frames(
            con,
            {"yield_curve": curve(("2024-01-02", 120, 3.96), ("2024-01-03", 120, 4.0))},
            file="x",
            sha256="b" * 64,
            log_row=LOG,
        )
        assert (r.total("new"), r.total("changed")) == (1, 1)
        assert con.execute("SELECT yield_pct FROM yield_curve ORDER BY date").fetchall() == [(3.96,), (4.0,)]
    finally:
        con.close()


def test_new_observation_tables_have_no_primary_key_index(con):
    keyed = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
        ).fetchall()
    }
    assert "yield_curve" not in keyed and "fred_observations" not in keyed
    assert "ingest_log" in keyed  # DuckDB still keeps the log's and the records' keys


def test_a_refresh_connection_runs_duckdb_on_one_thread_from_the_start(tmp_path):
    """`held` opens the file with one worker thread, so a new warehouse's tables and views are made on one thread
    too, and every cursor a refresh task takes inside it shares the setting (it is the instance's)."""
    from warehouse.db import held

    path = tmp_path / "new.duckdb"
    with held(path) as con:
        assert con.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
        cursor = connect(path)
        assert cursor.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
        assert cursor.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall()[0][0] > 20
