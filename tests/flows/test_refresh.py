"""The refresh end to end on the real snapshot: values, idempotence, quarantine, export/replay, the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys

import duckdb
import pytest

from flows.ingest import SOURCES
from flows.pipeline.refresh import refresh_flow, refresh_source
from flows.pipeline.snapshot import export_snapshot

TABLES_WITH_DATA = [
    "foreign_holdings",
    "foreign_flows",
    "fred_observations",
    "fred_series",
    "yield_curve",
    "debt_to_penny",
    "avg_interest_rates",
    "mspd_summary",
    "marketable_securities",
    "marketable_totals",
    "soma_holdings",
    "auctions",
]


def counts(db) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES_WITH_DATA}
    finally:
        con.close()


def q(db, sql, *params):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_known_values_come_out_of_the_offline_refresh(offline_warehouse):
    db = offline_warehouse
    japan = dict(
        q(
            db,
            """SELECT strftime(month, '%Y-%m'), holdings_usd_bn FROM foreign_holdings
                          WHERE country = 'Japan' AND month IN ('2025-12-31', '2026-04-30')
                          AND source_file = ? ORDER BY 1""",
            "slt_table5.txt",
        )
    )
    assert japan == {"2025-12": 1185.5, "2026-04": 1209.9}
    assert q(
        db,
        """SELECT DISTINCT holdings_usd_bn FROM foreign_holdings WHERE country = 'Japan'
                    AND month = '2025-12-31' AND source_file = 'mfhhis01.txt'""",
    ) == [(1185.5,)]
    assert q(
        db,
        "SELECT value FROM fred_observations WHERE series_id = 'DGS10' AND date = '2026-07-28' "
        "AND source_format = 'fredgraph_csv'",
    ) == [(4.61,)]
    assert all(v > 0 for v in counts(db).values()), counts(db)


def test_every_snapshot_file_is_accounted_for(offline_warehouse, snapshot_dir):
    logged = dict(q(offline_warehouse, "SELECT relpath, status FROM ingest_log"))
    files = {
        str(p.relative_to(snapshot_dir)) for p in snapshot_dir.rglob("*") if p.is_file() and p.name != "MANIFEST.md"
    }
    assert files == set(logged), files ^ set(logged)
    assert logged["tic/mfh.txt"] == "stale"
    assert {s for r, s in logged.items() if r != "tic/mfh.txt"} == {"loaded"}


def test_second_identical_refresh_changes_nothing(offline_warehouse, snapshot_dir, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copy(offline_warehouse, db)
    shutil.copytree(offline_warehouse.parent / "raw", tmp_path / "raw")
    before = counts(db)
    results = [refresh_source.fn(s, str(db), str(snapshot_dir)) for s in SOURCES]
    assert sum(r["rows_new"] + r["rows_changed"] for r in results) == 0
    assert all(r["loaded"] == 0 and r["skipped"] + r["stale_files"] == r["payloads"] for r in results)
    assert counts(db) == before


def duplicate_keys(db) -> dict[str, int]:
    """{table: keys stored more than once}: the loader keeps the observation tables' keys unique (they have no
    PRIMARY KEY index, schema.Table.key_constraint), so nothing but the loader stands behind this."""
    from warehouse.schema import TABLES

    out = {}
    for name, table in TABLES.items():
        key = ", ".join(table.key)
        out[name] = q(db, f"SELECT count(*) FROM (SELECT {key} FROM {name} GROUP BY ALL HAVING count(*) > 1)")[0][0]
    return out


def test_keys_stay_unique_through_a_forced_full_reload(offline_warehouse, snapshot_dir, tmp_path):
    from warehouse.schema import TABLES

    assert not any(TABLES[t].key_constraint for t in TABLES_WITH_DATA)  # else this would test DuckDB, not us
    # The first load already wrote revised rows (fresher FRED files, the TIC history's vintages) over stored ones.
    assert duplicate_keys(offline_warehouse) == dict.fromkeys(TABLES, 0)
    db = tmp_path / "w.duckdb"
    shutil.copy(offline_warehouse, db)
    shutil.copytree(offline_warehouse.parent / "raw", tmp_path / "raw")
    before = counts(db)
    results = [refresh_source.fn(s, str(db), str(snapshot_dir), full=True) for s in SOURCES]
    assert sum(r["loaded"] for r in results) > 50  # every payload written again, not skipped
    # The yearly yield-curve files and the archive overlap: reloaded in order, each rewrites the other's rows,
    # the path that deletes a stored row and writes its replacement.
    assert next(r for r in results if r["source"] == "yield_curve")["rows_changed"] == 13000
    after = counts(db)
    assert {t: n for t, n in after.items() if t != "fred_observations"} == {
        t: n for t, n in before.items() if t != "fred_observations"
    }
    assert duplicate_keys(db) == dict.fromkeys(TABLES, 0)


def test_export_replays_to_the_same_warehouse(offline_warehouse, tmp_path, snapshot_dir):
    out = tmp_path / "export"
    written = export_snapshot(str(offline_warehouse), out)
    assert len(written) == len(
        q(offline_warehouse, "SELECT DISTINCT relpath FROM ingest_log WHERE status <> 'quarantined'")
    )
    db2 = tmp_path / "replay" / "w.duckdb"
    for s in SOURCES:
        refresh_source.fn(s, str(db2), str(out))
    assert counts(db2) == counts(offline_warehouse)


def test_flow_runs_under_prefect(prefect_harness, snapshot_dir, tmp_path):
    results = refresh_flow(db=str(tmp_path / "w.duckdb"), sources=["yield_curve"], offline_dir=str(snapshot_dir))
    assert results[0]["source"] == "yield_curve" and results[0]["loaded"] == 4 and results[0]["failed"] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["refresh", "--offline", "/nonexistent/snap"], "no such directory"),
        (["refresh", "--source", "bloomberg", "--offline", "."], "unknown source"),
    ],
)
def test_cli_bad_arguments_exit_2_with_one_line(args, message, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "flows.cli", *args, "--db", str(tmp_path / "w.duckdb")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
