"""Ingest speed, as ratios (goals: offline refresh ≤ 2× DuckDB's own read of the same bytes; no-op re-run ≤ 0.1×).

Wall time and CPU seconds (this process, all threads) are both printed: on 2 shared cores a busy neighbour
inflates wall time, while CPU time measures the work itself.

    uv run python bench/ingest.py [--snapshot DIR] [--repeat N]

The refresh is timed through the same task code the Prefect flow runs (`refresh_source.fn`), so Prefect's
server start-up (seconds, once per process) is not counted against parsing; it is printed separately when
--with-flow is given.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def duckdb_baseline(snapshot: Path) -> tuple[float, float]:
    """DuckDB's own readers over every CSV/TXT/JSON byte in the snapshot, into tables: the floor to compare to."""
    files = sorted(p for p in snapshot.rglob("*") if p.suffix in (".csv", ".txt", ".json"))
    con = duckdb.connect(":memory:")
    t0, c0 = time.perf_counter(), time.process_time()
    for i, p in enumerate(files):
        if p.suffix == ".json":
            con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_json_auto('{p}')")
        else:
            con.execute(
                f"CREATE TABLE t{i} AS SELECT * FROM read_csv('{p}', all_varchar=true, null_padding=true, "
                "ignore_errors=true, strict_mode=false)"
            )
    elapsed = time.perf_counter() - t0, time.process_time() - c0
    con.close()
    return elapsed


def refresh_once(snapshot: Path, db: Path) -> tuple[float, float]:
    """Every source in refresh order with the warehouse held open across them, as `refresh_flow` does."""
    from flows.ingest import SOURCES
    from flows.pipeline.refresh import refresh_source
    from warehouse.db import held

    t0, c0 = time.perf_counter(), time.process_time()
    with held(db):
        for source in SOURCES:
            refresh_source.fn(source, str(db), str(snapshot))
    return time.perf_counter() - t0, time.process_time() - c0


def load() -> str:
    """The 1-minute load average: on 2 shared cores a busy neighbour inflates every figure."""
    return f"(load {os.getloadavg()[0]:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--snapshot", default=str(REPO.parent / "shared" / "snapshot"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    snapshot = Path(args.snapshot)
    baselines = [duckdb_baseline(snapshot) for _ in range(args.repeat)]
    load_baseline = load()
    fulls, noops = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "warehouse.duckdb"
            fulls.append(refresh_once(snapshot, db))
            noops.append(refresh_once(snapshot, db))
    load_runs = load()
    # Best of the repeats, wall and CPU each on its own: the run least disturbed by the neighbours.
    baseline, full, noop = (min(t[0] for t in ts) for ts in (baselines, fulls, noops))
    baseline_cpu, full_cpu, noop_cpu = (min(t[1] for t in ts) for ts in (baselines, fulls, noops))
    print(f"duckdb read_csv/read_json baseline : {baseline:7.3f} s   cpu {baseline_cpu:6.3f} s   {load_baseline}")
    print(f"offline refresh (all sources)      : {full:7.3f} s   cpu {full_cpu:6.3f} s   {load_runs}")
    print(f"no-op re-run (all payloads skipped): {noop:7.3f} s   cpu {noop_cpu:6.3f} s   {load_runs}")
    print(
        f"ratio refresh / duckdb baseline    : {full / baseline:7.2f}x   cpu {full_cpu / baseline_cpu:5.2f}x   "
        f"(goal <= 2x)   {load_runs}"
    )
    print(
        f"ratio no-op / full refresh         : {noop / full:7.3f}x   cpu {noop_cpu / full_cpu:5.3f}x   "
        f"(goal <= 0.1x)   {load_runs}"
    )


if __name__ == "__main__":
    main()
