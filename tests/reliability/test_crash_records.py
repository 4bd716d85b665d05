"""Crash safety of the records: kill -9 a calibration (`calibrate_task.fn`) and a scenario run's store
(`run_and_store`, what `tshock run` stores per scenario) at random moments and at the worst ones; afterwards
the warehouse opens read-only and read-write, holds no partial record, no other table changed, and the next
calibration / run completes.

Trials run in children of a multiprocessing forkserver that has imported the flows (and statsmodels) once, see
crash_worker_records.py; how a trial runs and is logged is in crash_trials.py. Each trial stores a NEW record (a
calibration as of the next day, a run with one more draw: the same id is never stored twice), so every kill can
land inside a write. Half the random kills land
anywhere in a run (as long as a complete run measured here first), half at a random point of the write (the
measured write's length, counted from when the child is seen entering it). Default: 3 targeted + 3 random
kills each; --slow: 3 targeted + 24 random each. Seeds are fixed and every assertion message carries the
trial log (when the kill was due, where the child got to, outcome, records stored).
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from itertools import count
from multiprocessing import forkserver as mp_forkserver
from pathlib import Path

import pytest
from typer.testing import CliRunner

from calibration.record import CalibrationRecord
from flows.cli import app
from flows.pipeline.records import load_calibration
from flows.pipeline.runs import list_runs, load_run
from flows.pipeline.scenario import run_and_store
from tests.reliability import crash_worker_records as worker
from tests.reliability.crash_trials import Trial, checked, expect_after, log_text, next_kill, open_both_ways, run_child
from tests.reliability.helpers import copy_warehouse, fingerprint, forkserver_context
from warehouse.db import all_tables, connect

# The first as-of whose record has the %-of-debt measures the shipped scenarios need (MSPD history); trials
# calibrate as of the days after it, all in the past and all with the same data, so they cost the same.
REF_DAY = date(2026, 9, 10)
SCENARIO, DRAWS = "japan-fire-sale", 10  # few draws: a run is ~1.5 s, mostly reading the warehouse
RANDOM_KILLS = {False: 3, True: 24}
CAL_TABLES = {"calibrations", "calibration_params", "calibration_surface_draws"}
RUN_TABLES = {"scenario_runs", "scenario_fiscal_years"}


@pytest.fixture(scope="module")
def forkserver():
    ctx = forkserver_context()
    # Start the server now without waiting: it imports its preload list (statsmodels: seconds) on the other
    # core while the session builds the offline warehouse.
    mp_forkserver.ensure_running()
    return ctx


# --- invariants ------------------------------------------------------------------------------------------------


def check_calibrations(db: Path, others: dict) -> tuple[int, bool]:
    """Every stored calibration has exactly the params its record_json lists, in order and value; its columns
    agree with the record; no param without its calibration; no other table changed. -> (records, WAL was left)"""
    wal = open_both_ways(db)
    con = connect(db, read_only=True)
    try:
        cals = con.execute(
            "SELECT calibration_id, as_of, data_hash, code_version, sample_start, sample_end, "
            "method, record_json FROM calibrations"
        ).fetchall()
        rows: dict[str, list[tuple]] = {}
        for r in con.execute("SELECT * FROM calibration_params ORDER BY calibration_id, param_no").fetchall():
            rows.setdefault(r[0], []).append(tuple(r[1:]))
        draws = dict(
            con.execute("SELECT calibration_id, count(*) FROM calibration_surface_draws GROUP BY ALL").fetchall()
        )
    finally:
        con.close()
    orphans = rows.keys() - {c[0] for c in cals}
    assert not orphans, f"calibration_params rows without their calibration: {sorted(orphans)}"
    # a calibration's surface draws are stored in the same transaction: all of them (draws x 5 tenors) or none
    assert not draws.keys() - {c[0] for c in cals}, "surface draws without their calibration"
    assert all(n % 5 == 0 and n > 0 for n in draws.values()), f"partial surface draws: {draws}"
    for cid, as_of, dhash, version, start, end, method, record_json in cals:
        rec = CalibrationRecord.model_validate_json(record_json)
        assert (rec.id, rec.as_of, rec.data_hash, rec.code_version, rec.sample_start, rec.sample_end, rec.method) == (
            cid,
            as_of,
            dhash,
            version,
            start,
            end,
            method,
        ), f"{cid}: columns differ from record"
        want = [
            (i, p.name, p.tenor, p.horizon_months, p.unit, p.kind, p.estimate, p.ci_low, p.ci_high, p.n_obs, p.note)
            for i, p in enumerate(rec.params)
        ]
        got = rows.get(cid, [])
        assert len(got) == len(want), f"{cid}: {len(got)} params stored, its record lists {len(want)}"
        bad = next((i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w), None)
        assert bad is None, f"{cid}: param {bad} stored as {got[bad]}, the record says {want[bad]}"
    assert fingerprint(db, tuple(others)) == others, "a table other than the calibration records changed"
    return len(cals), wal


def fiscal_rows(results: dict, run_id: str) -> list[tuple]:
    """The scenario_fiscal_years rows a run's results JSON implies (the columns store_run writes)."""
    return sorted(
        (
            run_id,
            r["fiscal_year"],
            r["baseline_interest_usd_bn"],
            r["scenario_interest_usd_bn"]["p50"],
            r["delta_interest_usd_bn"]["p5"],
            r["delta_interest_usd_bn"]["p50"],
            r["delta_interest_usd_bn"]["p95"],
            r["scenario_interest_share_outlays_pct"]["p50"],
        )
        for r in results["interest"]["by_fiscal_year"]
    )


def check_runs(db: Path, others: dict) -> tuple[int, bool]:
    """Every scenario_runs row has exactly the fiscal-year rows of its results JSON and a stored calibration;
    no fiscal-year row without its run; no other table changed. -> (runs, WAL was left)"""
    wal = open_both_ways(db)
    con = connect(db, read_only=True)
    try:
        runs = con.execute(
            "SELECT run_id, results_json, calibration_id IN (SELECT calibration_id FROM calibrations) "
            "FROM scenario_runs"
        ).fetchall()
        rows: dict[str, list[tuple]] = {}
        for r in con.execute("SELECT * FROM scenario_fiscal_years ORDER BY run_id, fiscal_year").fetchall():
            rows.setdefault(r[0], []).append(tuple(r))
    finally:
        con.close()
    orphans = rows.keys() - {r[0] for r in runs}
    assert not orphans, f"scenario_fiscal_years rows without their run: {sorted(orphans)}"
    for run_id, results_json, has_calibration in runs:
        results = json.loads(results_json)
        assert results["run_id"] == run_id and has_calibration, f"{run_id}: results or calibration do not match"
        want = fiscal_rows(results, run_id)
        assert want, f"{run_id}: its results list no fiscal year"
        assert rows.get(run_id, []) == want, f"{run_id}: fiscal-year rows differ from its results JSON"
    assert fingerprint(db, tuple(others)) == others, "a table other than the scenario runs changed"
    return len(runs), wal


# --- calibration -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference(forkserver, offline_warehouse, tmp_path_factory):
    """A calibration as of REF_DAY on a clean copy, run and timed the way the trials run: the record the
    crashed warehouse must reproduce, the kill window, and the calibrated warehouse the scenario trials copy."""
    db = copy_warehouse(offline_warehouse, tmp_path_factory.mktemp("clean") / "data")
    warm = forkserver.Process(target=worker.noop)  # waits out the server's imports, so the timing below is a run's
    warm.start()
    warm.join()
    trial = run_child(
        forkserver,
        worker.calibrate,
        (str(db), REF_DAY.isoformat()),
        db.parent / "marker",
        f"clean calibration as of {REF_DAY}",
    )
    assert trial.outcome == "exited 0" and trial.reached("write-end") is not None, trial
    con = connect(db, read_only=True)
    try:
        record = load_calibration(con)
    finally:
        con.close()
    return db, record, trial


def test_calibration_survives_kill_9_in_and_around_its_write(forkserver, reference, offline_warehouse, tmp_path, slow):
    """Targeted kills (between the calibrations and calibration_params inserts, before COMMIT, right after
    COMMIT with the WAL not checkpointed), then seeded-random ones; the same warehouse throughout, checked
    after every kill; then a calibration completes and equals the clean one, and `calibrate list` reads it."""
    _, clean_record, measured = reference
    db = copy_warehouse(offline_warehouse, tmp_path / "data")
    others = fingerprint(db, tuple(t.name for t in all_tables() if t.name not in CAL_TABLES))
    days = (REF_DAY + timedelta(days=i) for i in count(1))
    marker, log, stored = tmp_path / "marker", [measured], 0

    for fault in worker.FAULTS:
        day = next(days)
        trial = run_child(
            forkserver, worker.calibrate, (str(db), day.isoformat()), marker, f"calibration as of {day}", fault=fault
        )
        log.append(trial)
        trial.records, wal = checked(check_calibrations, db, others, log)
        msg = log_text(log)
        assert trial.outcome == "self-killed" and trial.reached("write-begin") is not None, msg
        assert trial.records == stored + (fault == "after-commit"), msg
        assert wal or fault != "after-commit", "no WAL left: the kill did not hit an uncheckpointed commit\n" + msg
        stored = trial.records

    rng = random.Random(8)  # fixed seed: every run kills at the same offsets
    for i in range(RANDOM_KILLS[slow]):
        day = next(days)
        trial = run_child(
            forkserver,
            worker.calibrate,
            (str(db), day.isoformat()),
            marker,
            f"calibration as of {day}",
            kill=next_kill(rng, i, measured),
        )
        log.append(trial)
        trial.records, _ = checked(check_calibrations, db, others, log)
        expect_after(trial, stored, trial.records, log)
        stored = trial.records
    print(log_text(log))
    assert not slow or any(t.in_write() for t in log), "no random kill landed inside the write\n" + log_text(log)

    final = run_child(
        forkserver, worker.calibrate, (str(db), REF_DAY.isoformat()), marker, f"next calibration as of {REF_DAY}"
    )
    log.append(final)
    final.records, _ = checked(check_calibrations, db, others, log)
    assert final.outcome == "exited 0" and final.records == stored + 1, log_text(log)
    con = connect(db, read_only=True)
    try:
        ids = con.execute("SELECT calibration_id FROM calibrations WHERE as_of = ?", [REF_DAY]).fetchall()
        assert len(ids) == 1, ids
        record = load_calibration(con, ids[0][0])
    finally:
        con.close()
    assert record.code_version == clean_record.code_version, "calibration/ changed while the test ran: run it again"
    assert record.model_dump(exclude={"created_at"}) == clean_record.model_dump(exclude={"created_at"}), (
        "the calibration after the crashes differs from the one on a clean copy"
    )

    result = CliRunner().invoke(app, ["calibrate", "list", "--json", "--db", str(db)])
    assert result.exit_code == 0, result.output
    listed = {r["calibration_id"]: r["params"] for r in json.loads(result.stdout)}
    assert len(listed) == final.records and listed[clean_record.id] == len(clean_record.params), listed


# --- scenario runs ---------------------------------------------------------------------------------------------


def test_scenario_run_store_survives_kill_9_in_and_around_its_write(forkserver, reference, tmp_path, slow):
    """What `tshock run` stores per scenario: targeted kills (between the scenario_runs insert and the
    fiscal-year rows, before COMMIT, right after COMMIT), then seeded-random kills of a whole run_and_store;
    every stored run keeps all its fiscal-year rows; then a run completes with the results of a clean copy."""
    clean_db, record, _ = reference
    db = copy_warehouse(clean_db, tmp_path / "data")
    others = fingerprint(db, tuple(t.name for t in all_tables() if t.name not in RUN_TABLES))
    draws = count(DRAWS)
    marker, log = tmp_path / "marker", []

    def child(**kw) -> Trial:
        n = next(draws)
        return run_child(
            forkserver, worker.run_scenario, (str(db), SCENARIO, record.id, n), marker, f"{SCENARIO} {n} draws", **kw
        )

    measured = child()  # a complete run: the kill window, and a stored run every later check re-reads
    log.append(measured)
    measured.records, _ = checked(check_runs, db, others, log)
    assert measured.outcome == "exited 0" and measured.records == 1, log_text(log)
    stored = 1

    for fault in worker.FAULTS:
        trial = child(fault=fault)
        log.append(trial)
        trial.records, wal = checked(check_runs, db, others, log)
        msg = log_text(log)
        assert trial.outcome == "self-killed" and trial.reached("write-begin") is not None, msg
        assert trial.records == stored + (fault == "after-commit"), msg
        assert wal or fault != "after-commit", "no WAL left: the kill did not hit an uncheckpointed commit\n" + msg
        stored = trial.records

    rng = random.Random(9)
    for i in range(RANDOM_KILLS[slow]):
        trial = child(kill=next_kill(rng, i, measured))
        log.append(trial)
        trial.records, _ = checked(check_runs, db, others, log)
        expect_after(trial, stored, trial.records, log)
        stored = trial.records
    print(log_text(log))
    assert not slow or any(t.in_write() for t in log), "no random kill landed inside the write\n" + log_text(log)

    n = next(draws)
    run = run_and_store(str(db), SCENARIO, calibration=record.id, draws=n)
    assert run.stored, log_text(log)
    runs, _ = checked(check_runs, db, others, log)
    assert runs == stored + 1, log_text(log)
    clean = run_and_store(str(clean_db), SCENARIO, calibration=record.id, draws=n, store=False)
    assert run.results == clean.results, "the run after the crashes differs from one on a clean copy"
    con = connect(db, read_only=True)
    try:
        assert load_run(con, run.run_id).results == run.results
        assert run.run_id in {r["run_id"] for r in list_runs(con, limit=1000)}
    finally:
        con.close()
