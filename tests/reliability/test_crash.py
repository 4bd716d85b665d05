"""Crash safety: kill -9 an offline refresh at random moments and at the worst ones; afterwards the
warehouse opens, holds no partial payload, the raw zone holds no half file, and the next refresh completes
with exactly the data of a clean refresh.

Trials run the refresh task code (`refresh_source.fn` for every source, see crash_worker.py) in children of
a multiprocessing forkserver, so a trial pays no interpreter start; one trial kills the real `tshock refresh`
CLI (--slow only: Prefect's server start costs 15-30 s). Default run: 5 targeted kills and 4 at random
moments; --slow: 5 targeted, 24 random and the CLI trial.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import time
from pathlib import Path

import duckdb
import pytest

from flows.ingest import SOURCES
from flows.pipeline.refresh import refresh_source
from tests.reliability import crash_worker
from tests.reliability.helpers import (
    DATA_TABLES,
    assert_no_partial_payload,
    cli,
    fingerprint,
    forkserver_context,
    kill_group,
    raw_zone_state,
    snapshot_payload_keys,
)
from warehouse.db import WarehouseError, connect

RANDOM_KILLS = {False: 4, True: 24}
# At most this late, and never later than 80 % of a clean refresh's time (measured by the test). Each trial
# continues the last one's warehouse, so even early kills move through the whole load; --slow also kills late.
KILL_WINDOW_S = {False: (0.05, 4.0), True: (0.05, 9.0)}


@pytest.fixture(scope="module")
def forkserver():
    return forkserver_context()


@pytest.fixture(scope="module")
def reference(snapshot_dir):
    return snapshot_payload_keys(snapshot_dir)


@pytest.fixture(scope="module")
def clean(offline_warehouse):
    return fingerprint(offline_warehouse, tuple(DATA_TABLES))


def run_child(ctx, db: Path, snapshot: Path, *, kill_after: float | None = None, fault: str | None = None) -> str:
    p = ctx.Process(target=crash_worker.refresh_all, args=(str(db), str(snapshot), fault))
    p.start()
    p.join(kill_after if kill_after is not None else 180)
    if p.is_alive():
        os.kill(p.pid, signal.SIGKILL)
        p.join()
        return "killed"
    return "self-killed" if p.exitcode == -signal.SIGKILL else f"exited {p.exitcode}"


def check_after_crash(db: Path, reference) -> dict:
    if not db.exists():
        return {"warehouse": "not created yet"}
    state = assert_no_partial_payload(db, reference)
    state.update(raw_zone_state(db.parent, db))
    return state


def complete_and_compare(db: Path, snapshot: Path, reference, clean) -> None:
    results = [refresh_source.fn(s, str(db), str(snapshot)) for s in SOURCES]
    assert not any(r["failed"] or r["quarantined"] for r in results), results
    assert_no_partial_payload(db, reference)
    assert fingerprint(db, tuple(DATA_TABLES)) == clean, "the warehouse after crashes differs from a clean load"
    con = duckdb.connect(str(db), read_only=True)
    try:
        twice = con.execute(
            "SELECT count(*) FROM (SELECT sha256, relpath FROM ingest_log WHERE status = 'loaded' "
            "GROUP BY ALL HAVING count(*) > 1)"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert twice == 0, "a payload was loaded twice"


def reset(db: Path) -> None:
    for p in db.parent.iterdir():
        shutil.rmtree(p) if p.is_dir() else p.unlink()


TARGETED = ["rename:1", "commit:1", "rename:9", "committed:4", "commit:6"]


def test_kill_9_at_the_worst_moments_then_at_random_points(forkserver, snapshot_dir, reference, clean, tmp_path, slow):
    """Targeted kills first (mid-rename of a raw file, between the upserts and COMMIT, right after COMMIT with
    the WAL not checkpointed), then kills at seeded-random times; the same warehouse throughout, checked after
    every kill; at the end one refresh completes it and it must equal a clean load."""
    db = tmp_path / "w.duckdb"
    for fault in TARGETED:
        before = check_after_crash(db, reference)
        Path(str(db) + ".committed").unlink(missing_ok=True)
        outcome = run_child(forkserver, db, snapshot_dir, fault=fault)
        assert outcome == "self-killed", (fault, outcome)
        after = check_after_crash(db, reference)
        # A source's payloads commit together: the kill keeps exactly the batches the child committed before it.
        kept = crash_worker.committed_payloads(str(db))
        assert after.get("loaded_payloads", 0) == before.get("loaded_payloads", 0) + kept, (fault, kept, after)
        kind, n = fault.split(":")
        if kind == "rename":
            assert after["temp_files"] > before.get("temp_files", 0), "the interrupted rename left no temp file"
        elif kind == "commit":
            # the n-th payload's upserts died with the process, and its whole batch with them
            assert kept <= int(n) - 1, (fault, kept)
        else:
            assert Path(str(db) + ".wal").exists(), "no WAL left: the crash did not hit uncheckpointed data"
            assert kept >= int(n), (fault, kept)
    rng = random.Random(8)  # fixed seed: CI sees the same kill times every run
    low, high = KILL_WINDOW_S[slow]
    # The kills must land while a refresh runs: since issue 18 a clean one can take under 3 s, so the window
    # ends at 80 % of what one takes here (a child on a fresh warehouse, timed), or most trials would finish first.
    (tmp_path / "timing").mkdir()
    started = time.monotonic()
    assert run_child(forkserver, tmp_path / "timing" / "w.duckdb", snapshot_dir) == "exited 0"
    high = min(high, 0.8 * (time.monotonic() - started))
    log = []
    for _ in range(RANDOM_KILLS[slow]):
        after = rng.uniform(low, high)
        outcome = run_child(forkserver, db, snapshot_dir, kill_after=after)
        log.append((round(after, 2), outcome, check_after_crash(db, reference)))
        if outcome != "killed":
            assert outcome == "exited 0", log
            reset(db)  # it finished first: start the next trial from an empty warehouse
    assert sum(o == "killed" for _, o, _ in log) >= len(log) // 2, log
    complete_and_compare(db, snapshot_dir, reference, clean)


def wait_until_open(pid: int, db: Path, timeout: float) -> bool:
    """True once process `pid` has the warehouse file open (Linux /proc), i.e. it holds DuckDB's lock."""
    deadline, target = time.monotonic() + timeout, os.path.realpath(db)
    while time.monotonic() < deadline:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                        return True
                except OSError:
                    continue
        except FileNotFoundError:
            return False
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to see when the CLI holds the file")
def test_real_cli_refresh_refuses_other_writers_and_readers_then_survives_kill_9(
    snapshot_dir, reference, clean, tmp_path, slow
):
    if not slow:
        pytest.skip("--slow only: Prefect's temporary server alone takes 15-30 s to start")
    db = tmp_path / "w.duckdb"
    proc = cli(["refresh", "--offline", str(snapshot_dir), "--db", str(db)])
    try:
        assert wait_until_open(proc.pid, db, timeout=180), "the CLI never opened the warehouse"
        probes = {}
        for mode in ("writer", "reader"):
            for _ in range(20):  # between two sources the file is briefly closed: probe again
                try:
                    connect(db, read_only=mode == "reader").close()
                except WarehouseError as exc:
                    probes[mode] = str(exc)
                    break
                wait_until_open(proc.pid, db, timeout=10)
        time.sleep(random.Random(9).uniform(0.2, 3.0))
        kill_group(proc)  # kill -9 the refresh and the Prefect server it started
        proc.wait(timeout=30)
    finally:
        kill_group(proc)
        proc.communicate()
    assert f"process {proc.pid}" in probes["writer"] and "locked" in probes["writer"], probes
    assert f"process {proc.pid}" in probes["reader"] and "try again" in probes["reader"], probes
    check_after_crash(db, reference)
    complete_and_compare(db, snapshot_dir, reference, clean)
