"""A source's payloads in one transaction (warehouse/batch.py): all of them, or, when the batch fails at a write
or at COMMIT, one transaction each, so the good ones land, the failing one is named and nothing stored is lost."""

from __future__ import annotations

from contextlib import contextmanager

import duckdb
import pandas as pd
import pytest

from warehouse import batch as batch_module
from warehouse import load
from warehouse.batch import Pending, write_batch
from warehouse.db import connect
from warehouse.schema import TABLES
from warehouse.transaction import transaction


def curve(day: str, yld: float) -> dict[str, pd.DataFrame]:
    row = {"date": pd.Timestamp(day), "tenor_months": 120.0, "yield_pct": yld, "source_file": "x.csv"}
    return {"yield_curve": pd.DataFrame([row])}


def log(relpath: str, sha: str) -> dict:
    return {
        "source": "test",
        "relpath": relpath,
        "url": "snapshot:" + relpath,
        "fetched_at": pd.Timestamp("2026-01-01"),
        "sha256": sha,
        "bytes": 1,
        "offline": True,
    }


def pending(con, i: int, day: str, yld: float) -> Pending:
    row = log(f"treasury/p{i}.csv", str(i) * 64)
    staged = load.stage_frames(
        con, curve(day, yld), file=row["relpath"], sha256=row["sha256"], log_row=row, tag=f"_{i}"
    )
    return Pending({**row}, staged)


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "w.duckdb")
    # Stored before the batch: whatever the batch does, this row and its log line stay.
    load.load_frames(
        c, curve("2023-06-01", 3.7), file="treasury/old.csv", sha256="0" * 64, log_row=log("old", "0" * 64)
    )
    yield c
    c.close()


def stored(con) -> list[tuple]:
    return con.execute("SELECT strftime(date, '%Y-%m-%d'), yield_pct FROM yield_curve ORDER BY date").fetchall()


def logged(con) -> list[tuple]:
    return con.execute("SELECT relpath, status, rows_new, error FROM ingest_log ORDER BY payload_id").fetchall()


def test_a_batch_writes_every_payload_and_log_line_in_fetch_order(con):
    skipped = Pending({**log("treasury/seen.csv", "9" * 64), "status": "skipped"})
    quarantined = Pending({**log("treasury/bad.csv", "8" * 64), "status": "quarantined", "error": "bad.csv: no"})
    batch = [pending(con, 1, "2024-01-02", 3.9), skipped, quarantined, pending(con, 2, "2024-01-03", 4.0)]
    write_batch(con, batch)
    assert stored(con) == [("2023-06-01", 3.7), ("2024-01-02", 3.9), ("2024-01-03", 4.0)]
    assert [r[:3] for r in logged(con)] == [
        ("old", "loaded", 1),
        ("treasury/p1.csv", "loaded", 1),
        ("treasury/seen.csv", "skipped", None),
        ("treasury/bad.csv", "quarantined", None),
        ("treasury/p2.csv", "loaded", 1),
    ]
    assert [p.result.total("new") for p in batch] == [1, 0, 0, 1] and all(p.error is None for p in batch)


def test_a_payload_failing_its_write_is_named_and_the_others_still_land(con, monkeypatch):
    upsert_stage = load.upsert_stage

    def fail_second(con, table, stage, rows):
        if stage.endswith("_2"):
            raise duckdb.ConstraintException("Constraint Error: injected")
        return upsert_stage(con, table, stage, rows)

    monkeypatch.setattr(load, "upsert_stage", fail_second)
    batch = [pending(con, i, f"2024-01-0{i + 1}", 4.0 + i / 10) for i in (1, 2, 3)]
    write_batch(con, batch)
    assert stored(con) == [("2023-06-01", 3.7), ("2024-01-02", 4.1), ("2024-01-04", 4.3)]
    assert logged(con)[1:] == [
        ("treasury/p1.csv", "loaded", 1, None),
        ("treasury/p2.csv", "failed", None, "treasury/p2.csv: could not be stored: Constraint Error: injected"),
        ("treasury/p3.csv", "loaded", 1, None),
    ]
    assert batch[1].error.startswith("treasury/p2.csv: could not be stored")
    assert [p.result.total("new") for p in batch] == [1, 0, 1]
    # no stage is left behind, the failed one's included
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0


def test_a_failed_batch_commit_falls_back_to_one_transaction_per_payload(con, monkeypatch):
    calls = {"n": 0}

    @contextmanager
    def commit_fails_once(c):
        calls["n"] += 1
        with transaction(c):
            yield c
            if calls["n"] == 1:  # everything written, then the COMMIT fails: all of it is rolled back
                raise duckdb.TransactionException("TransactionContext Error: write-write conflict (injected)")

    monkeypatch.setattr(batch_module, "transaction", commit_fails_once)
    batch = [pending(con, i, f"2024-01-0{i + 1}", 4.0 + i / 10) for i in (1, 2)]
    write_batch(con, batch)
    assert calls["n"] == 3  # the batch, then each payload on its own
    assert stored(con) == [("2023-06-01", 3.7), ("2024-01-02", 4.1), ("2024-01-03", 4.2)]
    assert [r[:3] for r in logged(con)] == [
        ("old", "loaded", 1),
        ("treasury/p1.csv", "loaded", 1),
        ("treasury/p2.csv", "loaded", 1),
    ]
    assert [p.result.total("new") for p in batch] == [1, 1]  # counted once, not once per attempt


def test_a_storage_failure_is_raised_and_keeps_what_was_stored(con, monkeypatch):
    upsert_stage = load.upsert_stage

    def disk_full(con, table, stage, rows):
        if stage.endswith("_2"):
            raise duckdb.IOException("IO Error: could not write file: No space left on device")
        return upsert_stage(con, table, stage, rows)

    monkeypatch.setattr(load, "upsert_stage", disk_full)
    with pytest.raises(duckdb.IOException):
        write_batch(con, [pending(con, i, f"2024-01-0{i + 1}", 4.0 + i / 10) for i in (1, 2)])
    # the batch fell back; the first payload landed on its own, the second is not half stored
    assert stored(con) == [("2023-06-01", 3.7), ("2024-01-02", 4.1)]
    assert [r[:2] for r in logged(con)] == [("old", "loaded"), ("treasury/p1.csv", "loaded")]


def test_the_parts_survey_sends_every_part_that_may_meet_an_earlier_one_the_careful_way(tmp_path):
    # A shared stage's parts (k): 1 follows 0's dates, 2 falls between 0's dates without sharing one, 3 is another
    # series on 0's dates, 4 repeats a stored observation. Only 2 (its span meets 0's) and 4 may share a key.
    with connect(tmp_path / "w.duckdb") as con:
        con.execute("""INSERT INTO fred_observations (series_id, date, value, realtime_start, source_format,
            resaved, payload_sha256) VALUES ('B', DATE '2001-01-01', 1, DATE '2001-01-01', 'fredgraph_csv', FALSE, 'x')""")
        rows = [
            (0, "A", "2000-01-01"), (0, "A", "2000-03-01"),
            (1, "A", "2000-04-01"), (1, "A", "2000-06-01"),
            (2, "A", "2000-02-01"),
            (3, "C", "2000-01-01"), (3, "C", "2000-03-01"),
            (4, "B", "2001-01-01"),
        ]  # fmt: skip
        con.execute("CREATE TEMP TABLE shared AS SELECT * FROM fred_observations LIMIT 0")
        con.execute("ALTER TABLE shared ADD COLUMN k INTEGER")
        con.executemany("INSERT INTO shared (k, series_id, date) VALUES (?, ?, CAST(? AS DATE))", rows)
        survey = con.execute(batch_module._survey_sql(TABLES["fred_observations"], "shared", "0, 1, 2, 3, 4"))
        answer = {k: (str(newest), bool(meets)) for k, newest, meets in survey.fetchall()}
    assert answer == {
        0: ("2000-03-01", False),
        1: ("2000-06-01", False),
        2: ("2000-02-01", True),
        3: ("2000-03-01", False),
        4: ("2001-01-01", True),
    }
