"""Shared checks for the fault tests: warehouse fingerprints, the no-partial-payload invariant, the raw zone,
read-only directories and running the real CLI."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from tests.conftest import REPO
from warehouse.schema import TABLES

DATA_TABLES = [t for t in TABLES if t != "fred_series"]  # fred_series comes from config, not a payload


def fingerprint(db: Path, tables=tuple(TABLES)) -> dict[str, tuple[int, int]]:
    """(row count, order-free hash of every row and column) per table: equal fingerprints = equal data."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: tuple(con.execute(f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM {t} x").fetchall()[0])
            for t in tables
        }
    finally:
        con.close()


def copy_warehouse(db: Path, to: Path) -> Path:
    """The database file and its raw landing zone, as a fresh data directory."""
    to.mkdir(parents=True, exist_ok=True)
    shutil.copy(db, to / db.name)
    if (db.parent / "raw").is_dir():
        shutil.copytree(db.parent / "raw", to / "raw")
    return to / db.name


@cache
def snapshot_payload_keys(snapshot: Path) -> dict[str, dict[str, pd.DataFrame]]:
    """sha256 -> {table: key columns of the rows its transform yields} for every offline payload."""
    from flows.ingest import SOURCES, source_module
    from flows.sources.base import ParseError

    out: dict[str, dict[str, pd.DataFrame]] = {}
    for source in SOURCES:
        module = source_module(source)
        for p in module.extract_offline(snapshot):
            try:
                frames = module.transform(p.relpath, p.body, None)
            except ParseError:
                frames = {}
            out[p.sha256] = {t: f[list(TABLES[t].key)].reset_index(drop=True) for t, f in frames.items()}
    return out


def assert_no_partial_payload(db: Path, reference: dict[str, dict[str, pd.DataFrame]]) -> dict[str, int]:
    """The warehouse opens, every stored row belongs to a payload logged 'loaded', each loaded payload logged
    as many rows as its transform yields, and each table holds exactly the keys of its loaded payloads."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        loaded = dict(con.execute("SELECT sha256, rows_loaded FROM ingest_log WHERE status = 'loaded'").fetchall())
        for sha, rows in loaded.items():
            want = sum(len(k) for k in reference[sha].values())
            assert rows == want, f"payload {sha[:12]} logged {rows} rows, its transform yields {want}"
        for table in DATA_TABLES:
            orphans = con.execute(
                f"SELECT count(*) FROM {table} WHERE payload_sha256 NOT IN "
                "(SELECT sha256 FROM ingest_log WHERE status = 'loaded')"
            ).fetchall()[0][0]
            assert orphans == 0, f"{table}: {orphans} rows from a payload not logged as loaded"
            parts = [reference[sha][table] for sha in loaded if table in reference[sha]]
            key = list(TABLES[table].key)
            expected = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=key)
            con.register("expected_keys", expected)
            cols = ", ".join(key)
            missing_keys = f"SELECT {cols} FROM expected_keys EXCEPT SELECT {cols} FROM {table}"
            rev = TABLES[table].revisions
            if rev is not None:
                # An unvintaged row repeating the row in force is folded, not stored (warehouse/revisions.py):
                # its key is absent by design as long as an earlier vintage of its observation is stored.
                obs = " AND ".join(f"t.{c} = m.{c}" for c in rev.observation)
                missing_keys = (
                    f"SELECT * FROM ({missing_keys}) m WHERE NOT EXISTS (SELECT 1 FROM {table} t "
                    f"WHERE {obs} AND t.{rev.vintage} < m.{rev.vintage})"
                )
            missing = con.execute(f"SELECT count(*) FROM ({missing_keys})").fetchall()[0][0]
            extra = con.execute(
                f"SELECT count(*) FROM (SELECT {cols} FROM {table} EXCEPT SELECT {cols} FROM expected_keys)"
            ).fetchall()[0][0]
            con.unregister("expected_keys")
            assert (missing, extra) == (0, 0), f"{table}: {missing} keys of loaded payloads missing, {extra} extra"
        return {"loaded_payloads": len(loaded)}
    finally:
        con.close()


def raw_zone_state(data_dir: Path, db: Path | None = None) -> dict[str, int]:
    """Every raw file's name is the sha256 of its bytes (no half file); logged payloads have their bytes."""
    files = temps = 0
    for path in (data_dir / "raw").rglob("*") if (data_dir / "raw").is_dir() else []:
        if not path.is_file():
            continue
        if path.name.startswith(".tmp-"):
            temps += 1
            continue
        files += 1
        assert hashlib.sha256(path.read_bytes()).hexdigest() == path.name, f"half-written raw file {path}"
    if db is not None:
        con = duckdb.connect(str(db), read_only=True)
        try:
            logged = {r[0] for r in con.execute("SELECT DISTINCT sha256 FROM ingest_log WHERE sha256 <> ''").fetchall()}
        finally:
            con.close()
        lost = [s for s in logged if not (data_dir / "raw" / s[:2] / s).is_file()]
        assert not lost, f"logged payloads without raw bytes: {lost[:3]}"
    return {"raw_files": files, "temp_files": temps}


@contextmanager
def read_only_dir(path: Path):
    """Make a directory unwritable, even for root (chattr +i) where plain permissions are not enforced."""
    path.chmod(0o555)
    immutable = False
    probe = path / ".probe"
    try:
        try:
            probe.touch()
            probe.unlink()
            immutable = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
        except OSError:
            pass
        try:
            probe.touch()
        except OSError:
            pass
        else:
            probe.unlink()
            import pytest

            pytest.skip("cannot make a directory read-only here (root without chattr)")
        yield path
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], capture_output=True)
        path.chmod(0o755)


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO), COLUMNS="200")
    env.pop("FORCE_COLOR", None)
    env.update(extra)
    return env


def cli(args: list[str], *, env: dict | None = None) -> subprocess.Popen:
    """The real `tshock` in its own process group (a refresh starts a Prefect server child)."""
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env or cli_env(),
        start_new_session=True,
    )


def kill_group(proc: subprocess.Popen) -> None:
    """kill -9 the CLI and everything it started (else a Prefect server child keeps the pipes open)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def cli_result(args: list[str], timeout: float) -> tuple[int | None, str, float]:
    """(exit code or None when it had to be killed at `timeout`, stderr, seconds taken)."""
    start = time.monotonic()
    proc = cli(args)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        _, stderr = proc.communicate()
        return None, stderr, time.monotonic() - start
    return proc.returncode, stderr, time.monotonic() - start


def one_clear_line(stderr: str) -> str:
    """The error output is one line starting 'error:' (plus an optional 'see: … --help' hint), no traceback."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert "Traceback" not in stderr, stderr[-3000:]
    errors = [ln for ln in lines if not ln.startswith("see: ")]
    assert len(errors) == 1 and errors[0].startswith("error: "), stderr[-3000:]
    return errors[0]


# Python has one forkserver per process and the first user fixes what it preloads: every crash module asks for
# all of it, so whichever runs first, trial children start with the code already imported.
FORKSERVER_PRELOAD = [
    "flows.pipeline.refresh",
    "flows.pipeline.calibrate",
    "calibration.estimate",
    "calibration.lp",
    "calibration.panel",
    "flows.pipeline.scenario",
    "flows.pipeline.run",
    "flows.report.render",
    "tests.reliability.crash_worker",
    "tests.reliability.crash_worker_records",
    "tests.reliability.crash_worker_reports",
]


def forkserver_context():
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(FORKSERVER_PRELOAD)
    return ctx


def child_pids(pid: int) -> set[int]:
    """Processes whose parent is `pid` (from /proc)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def report_inputs(db: str, names: list[str], draws: int) -> dict:
    """The reports stage's inputs as run_flow assembles them (views, calibration, stored scenario runs,
    backtests) for a warehouse already loaded: the arguments of `flows.pipeline.run.reports_task` by name."""
    from datetime import date

    from flows.pipeline.calibrate import calibrate_task
    from flows.pipeline.run import backtests_task, scenario_task, views_task

    calibration = calibrate_task.fn(db)
    runs = [scenario_task.fn(db, name, calibration["record"].id, draws) for name in names]
    return {
        "run_date": date.today(),
        "runs": runs,
        "peers": {},
        "views": views_task.fn(db),
        "calibration": calibration,
        "backtests": backtests_task.fn(db, calibration["record"]),
        "commands": {r["name"]: f"uv run tshock run --scenario {r['name']}" for r in runs},
        "manifest": {"code_version": "test", "refresh": []},
    }  # as run_flow builds it for --no-refresh
