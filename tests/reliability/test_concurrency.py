"""Concurrency: DuckDB lets one process write or many read a file, never both, and a held lock fails at once.
A second writer and readers during a write get one clear line saying what holds the file and what to do;
nothing is corrupted, and the refresh goes through once the file is free."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from flows.pipeline.refresh import refresh_source
from tests.conftest import REPO
from tests.reliability.helpers import (
    assert_no_partial_payload,
    cli,
    cli_env,
    cli_result,
    fingerprint,
    kill_group,
    one_clear_line,
    snapshot_payload_keys,
)
from warehouse.db import WarehouseError, connect

HOLD = (
    "import sys; from warehouse.db import connect; "
    "con = connect(sys.argv[1], read_only=sys.argv[2] == 'read'); print('holding', flush=True); sys.stdin.read()"
)


class Holder:
    """Another process with the warehouse open (as a refresh or `tshock sql` would), until released."""

    def __init__(self, db, mode: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(db), mode],
            cwd=REPO,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        line = self.proc.stdout.readline()
        assert line.strip() == "holding", self.proc.stderr.read()
        self.pid = self.proc.pid

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def refused(db, *, read_only: bool) -> tuple[str, float]:
    start = time.monotonic()
    with pytest.raises(WarehouseError) as info:
        connect(db, read_only=read_only)
    return str(info.value), time.monotonic() - start


def test_second_writer_is_refused_at_once_naming_the_holder(warehouse_copy):
    before = fingerprint(warehouse_copy)
    holder = Holder(warehouse_copy, "write")
    try:
        message, took = refused(warehouse_copy, read_only=False)
    finally:
        holder.release()
    assert took < 5, "DuckDB 2.0 fails a held lock at once; something waited"
    assert f"held by process {holder.pid}" in message and "only one writer at a time" in message
    assert "try again" in message and "\n" not in message
    assert fingerprint(warehouse_copy) == before


def test_reader_during_a_write_is_told_to_wait_for_it(warehouse_copy):
    holder = Holder(warehouse_copy, "write")
    try:
        message, took = refused(warehouse_copy, read_only=True)
    finally:
        holder.release()
    assert took < 5 and f"held by process {holder.pid}" in message
    assert "open for writing" in message and "Wait for it to finish, then try again" in message


def test_refresh_while_readers_run_is_refused_then_goes_through(warehouse_copy, snapshot_dir):
    """Several readers at once are fine; a refresh then waits for none of them and says so; once they are
    gone it runs, and the warehouse holds exactly whole payloads."""
    before = fingerprint(warehouse_copy)
    readers = [Holder(warehouse_copy, "read"), Holder(warehouse_copy, "read")]
    try:
        with pytest.raises(WarehouseError) as info:
            refresh_source.fn("soma", str(warehouse_copy), str(snapshot_dir))
        assert fingerprint(warehouse_copy) == before  # a third reader, alongside the two
    finally:
        for r in readers:
            r.release()
    message = str(info.value)
    assert "open read-only" in message and "tshock sql" in message and "try again" in message
    assert any(f"held by process {r.pid}" in message for r in readers)
    summary = refresh_source.fn("soma", str(warehouse_copy), str(snapshot_dir))
    assert summary["failed"] == 0 and fingerprint(warehouse_copy) == before
    assert_no_partial_payload(warehouse_copy, snapshot_payload_keys(snapshot_dir))


def test_tshock_sql_during_a_write_exits_1_with_one_line(warehouse_copy):
    holder = Holder(warehouse_copy, "write")
    try:
        rc, stderr, _ = cli_result(["sql", "SELECT count(*) FROM yield_curve", "--db", str(warehouse_copy)], 60)
    finally:
        holder.release()
    assert rc == 1
    line = one_clear_line(stderr)
    assert "locked" in line and f"held by process {holder.pid}" in line and "try again" in line


def test_second_tshock_refresh_exits_1_at_once_with_one_line(warehouse_copy, snapshot_dir):
    holder = Holder(warehouse_copy, "write")  # the first refresh, mid-load
    try:
        rc, stderr, _ = cli_result(["refresh", "--offline", str(snapshot_dir), "--db", str(warehouse_copy)], 12)
    finally:
        holder.release()
    assert rc is not None, "the second refresh did not answer within 12 s (it starts Prefect before locking)"
    assert rc == 1
    line = one_clear_line(stderr)
    assert "only one writer at a time" in line and f"held by process {holder.pid}" in line


def test_two_tshock_refreshes_started_together_one_loads_and_the_other_is_refused(
    prefect_harness, snapshot_dir, tmp_path
):
    """Two real `tshock refresh` on one new warehouse file, started at the same moment (Prefect's server is the
    session's, so neither pays a server start): one creates and loads it, the other exits 1 at once in one line
    naming the winner; the warehouse holds exactly whole payloads; a third refresh then finds nothing new."""
    from prefect.settings import PREFECT_API_URL

    db = tmp_path / "data" / "w.duckdb"
    args = ["refresh", "--offline", str(snapshot_dir), "--source", "tic", "--db", str(db)]
    env = cli_env(PREFECT_API_URL=PREFECT_API_URL.value())
    procs = [cli(args, env=env) for _ in range(2)]
    try:
        outs = [p.communicate(timeout=240) for p in procs]
    finally:
        for p in procs:
            kill_group(p)
    codes = [p.returncode for p in procs]
    assert sorted(codes) == [0, 1], [(c, e[-1500:]) for c, (_, e) in zip(codes, outs, strict=True)]
    winner, loser = (0, 1) if codes[0] == 0 else (1, 0)
    line = one_clear_line(outs[loser][1])
    assert "only one writer at a time" in line and f"held by process {procs[winner].pid}" in line, line
    state = assert_no_partial_payload(db, snapshot_payload_keys(snapshot_dir))
    assert state["loaded_payloads"] >= 3  # the TIC files of the snapshot that are not stale
    before = fingerprint(db)
    again = subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], capture_output=True, text=True, cwd=REPO, env=env, timeout=240
    )
    assert again.returncode == 0, again.stderr[-1500:]
    assert fingerprint(db) == before
