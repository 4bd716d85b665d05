"""Disk and data: a full disk, a read-only data directory, corrupt or truncated DuckDB files, a snapshot with
a file or a whole source folder missing. Each ends in one clear error, and nothing already stored is lost."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from flows.ingest import SOURCES, ingest_payload, source_module
from flows.pipeline.refresh import refresh_source
from flows.sources.base import Payload
from tests.conftest import read_snapshot
from tests.reliability.helpers import (
    DATA_TABLES,
    assert_no_partial_payload,
    cli_result,
    fingerprint,
    one_clear_line,
    raw_zone_state,
    read_only_dir,
    snapshot_payload_keys,
)
from warehouse import landing
from warehouse.db import WarehouseError, connect

Y2025 = "treasury/daily-treasury-rates_2025.csv"


def ingest_log(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT payload_id, sha256, relpath, status FROM ingest_log ORDER BY 1").fetchall()
    finally:
        con.close()


def revised_2025(snapshot_dir) -> Payload:
    """The 2025 yield file with one value revised: new bytes, so it must be landed and loaded."""
    body = read_snapshot(snapshot_dir, Y2025).replace(b"4.36", b"4.37", 1)
    return Payload(source="yield_curve", relpath=Y2025, url="snapshot:" + Y2025, body=body, offline=True)


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_disk_full_in_the_raw_zone_logs_nothing_and_keeps_prior_data(warehouse_copy, snapshot_dir, monkeypatch):
    before, log_before = fingerprint(warehouse_copy), ingest_log(warehouse_copy)
    payload = revised_2025(snapshot_dir)
    monkeypatch.setattr(landing, "atomic_write", no_space)
    con = connect(warehouse_copy)
    try:
        with pytest.raises(WarehouseError) as info:
            ingest_payload(con, warehouse_copy.parent, payload, source_module("yield_curve"))
    finally:
        con.close()
    assert "No space left on device" in str(info.value) and Y2025 in str(info.value)
    assert "\n" not in str(info.value)
    assert ingest_log(warehouse_copy) == log_before and fingerprint(warehouse_copy) == before
    assert not (warehouse_copy.parent / "raw" / payload.sha256[:2] / payload.sha256).exists()


def test_disk_full_writing_a_quarantine_note_logs_nothing(warehouse_copy, monkeypatch):
    before, log_before = fingerprint(warehouse_copy), ingest_log(warehouse_copy)
    real = landing.atomic_write
    monkeypatch.setattr(
        landing, "atomic_write", lambda path, data: no_space() if "quarantine" in path.parts else real(path, data)
    )
    bad = Payload(source="yield_curve", relpath=Y2025, url="x", body=b"<html>oops</html>", offline=True)
    con = connect(warehouse_copy)
    try:
        with pytest.raises(WarehouseError, match="No space left on device"):
            ingest_payload(con, warehouse_copy.parent, bad, source_module("yield_curve"))
    finally:
        con.close()
    # nothing says "quarantined" without its note: the next run parses (and quarantines) it again
    assert ingest_log(warehouse_copy) == log_before and fingerprint(warehouse_copy) == before


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 12 MB filesystem (tmpfs), where the full snapshot (24 MB of warehouse) cannot fit."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("mounting a small tmpfs needs root; the monkeypatched ENOSPC tests cover the logic")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_real_disk_full_mid_refresh_then_resume_elsewhere(tiny_disk, snapshot_dir, offline_warehouse, tmp_path, slow):
    if not slow:
        pytest.skip("--slow only (two refreshes of the whole snapshot)")
    db = tiny_disk / "w.duckdb"
    errors = []
    for source in SOURCES:
        try:
            refresh_source.fn(source, str(db), str(snapshot_dir))
        except WarehouseError as exc:  # any other exception type fails the test
            errors.append(str(exc))
    assert errors and all("disk is full" in e or "No space left" in e for e in errors), errors
    reference = snapshot_payload_keys(snapshot_dir)
    assert_no_partial_payload(db, reference)
    raw_zone_state(tiny_disk, db)
    # Nothing lost: moved to a roomy disk, the same warehouse finishes loading to exactly a clean one.
    moved = tmp_path / "roomy"
    shutil.copytree(tiny_disk, moved)
    for source in SOURCES:
        refresh_source.fn(source, str(moved / "w.duckdb"), str(snapshot_dir))
    assert fingerprint(moved / "w.duckdb", tuple(DATA_TABLES)) == fingerprint(offline_warehouse, tuple(DATA_TABLES))


def test_read_only_data_dir_refuses_writes_in_one_line_and_still_serves_readers(warehouse_copy, snapshot_dir):
    before = fingerprint(warehouse_copy)
    with read_only_dir(warehouse_copy.parent):
        with pytest.raises(WarehouseError) as info:
            refresh_source.fn("yield_curve", str(warehouse_copy), str(snapshot_dir))
        assert "read-only" in str(info.value) and "\n" not in str(info.value)
        assert fingerprint(warehouse_copy) == before  # readers still work, and see everything
    summary = refresh_source.fn("yield_curve", str(warehouse_copy), str(snapshot_dir))
    assert summary["failed"] == 0 and fingerprint(warehouse_copy) == before


def corrupt(kind: str, good: Path, to: Path) -> Path:
    data = bytearray(good.read_bytes())
    if kind == "random bytes":
        data = bytearray(os.urandom(300_000))
    elif kind == "empty file":
        data = bytearray()
    elif kind == "truncated":
        data = data[: len(data) // 4]
    elif kind == "zeroed header":
        data[:4096] = bytes(4096)
    elif kind == "flipped byte in every block":
        for at in range(3 * 4096 + 100, len(data), 262_144):
            data[at] ^= 0xFF
    to.write_bytes(bytes(data))
    return to


@pytest.mark.parametrize(
    "kind", ["random bytes", "empty file", "truncated", "zeroed header", "flipped byte in every block"]
)
def test_corrupt_duckdb_file_is_refused_in_one_line_and_left_untouched(kind, offline_warehouse, snapshot_dir, tmp_path):
    db = corrupt(kind, offline_warehouse, tmp_path / "w.duckdb")
    original = db.read_bytes()
    for read_only in (True, False):
        with pytest.raises(WarehouseError) as info:
            connect(db, read_only=read_only)
        message = str(info.value)
        assert "\n" not in message and ("not a valid DuckDB database" in message or "truncated" in message)
        assert "tshock refresh" in message  # says how to rebuild
    with pytest.raises(WarehouseError):
        refresh_source.fn("soma", str(db), str(snapshot_dir))
    assert db.read_bytes() == original, "the corrupt file was modified: evidence lost"


def test_corrupt_warehouse_through_the_real_cli_is_one_line_exit_1(offline_warehouse, tmp_path):
    db = corrupt("random bytes", offline_warehouse, tmp_path / "w.duckdb")
    rc, stderr, _ = cli_result(["sql", "SELECT count(*) FROM yield_curve", "--db", str(db)], 60)
    assert rc == 1 and "not a valid DuckDB database" in one_clear_line(stderr)


def partial_snapshot(snapshot_dir: Path, to: Path, *, drop: str, only: str | None = None) -> Path:
    """A copy of the snapshot (or of its folder `only`) without the file or folder `drop`."""
    src = snapshot_dir / only if only else snapshot_dir
    shutil.copytree(
        src,
        to / only if only else to,
        ignore=lambda d, names: [n for n in names if (Path(d) / n) == snapshot_dir / drop],
    )
    return to


def test_snapshot_missing_one_file_still_loads_the_rest(snapshot_dir, tmp_path):
    missing = "fiscaldata/mspd_table_1__sort-desc_size30.json"
    snap = partial_snapshot(snapshot_dir, tmp_path / "snap", drop=missing, only="fiscaldata")
    db = tmp_path / "data" / "w.duckdb"
    summary = refresh_source.fn("fiscaldata", str(db), str(snap))
    assert summary["failed"] == 0 and summary["quarantined"] == 0 and summary["loaded"] == 6
    logged = {r for _, _, r, _ in ingest_log(db)}
    assert logged == {p.relpath for p in source_module("fiscaldata").extract_offline(snapshot_dir)} - {missing}
    assert_no_partial_payload(db, snapshot_payload_keys(snapshot_dir))


def test_snapshot_without_a_source_folder_is_a_clear_failure(warehouse_copy, snapshot_dir, tmp_path):
    snap = partial_snapshot(snapshot_dir, tmp_path / "snap", drop="tic/mfh.txt", only="fred")  # no tic/
    before = fingerprint(warehouse_copy)
    summary = refresh_source.fn("tic", str(warehouse_copy), str(snap))
    assert fingerprint(warehouse_copy) == before
    assert summary["failed"] == 1 and "tic" in summary["errors"][0] and str(snap) in summary["errors"][0]


def test_abandoned_temp_files_are_swept_once_old_and_live_ones_kept(warehouse_copy, snapshot_dir):
    raw = warehouse_copy.parent / "raw"
    old, fresh = raw / "ab" / ".tmp-killed-writer", raw / "cd" / ".tmp-live-writer"
    for p in (old, fresh):
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(b"half a payload")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    landing._swept.discard(warehouse_copy.parent)
    refresh_source.fn("soma", str(warehouse_copy), str(snapshot_dir))
    assert not old.exists() and fresh.exists()
