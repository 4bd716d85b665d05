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
import statistics
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


def refresh_once(snapshot: Path, db: Path, opening: list | None = None) -> tuple[float, float]:
    """Every source with the warehouse held open across them, as `refresh_results` runs an offline replay: on a
    FIFO thread pool of `side_by_side` workers (Prefect's ThreadPoolTaskRunner is one; one worker offline), each
    source written in its turn. The open's own (wall, CPU), which on a new warehouse creates its tables, views and
    comments, is appended to `opening` when given: it is part of the refresh, printed apart so its share is
    visible."""
    from concurrent.futures import ThreadPoolExecutor

    from flows.ingest import SOURCES
    from flows.pipeline.refresh import refresh_source, side_by_side
    from flows.pipeline.write_order import ordered
    from warehouse.db import held

    t0, c0 = time.perf_counter(), time.process_time()
    with held(db), ordered(db, list(SOURCES)):
        if opening is not None:
            opening.append((time.perf_counter() - t0, time.process_time() - c0))
        with ThreadPoolExecutor(side_by_side(str(snapshot))) as pool:
            for future in [pool.submit(refresh_source.fn, source, str(db), str(snapshot)) for source in SOURCES]:
                future.result()
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
    # Each refresh runs right after a baseline of its own: on shared cores the machine's speed drifts over tens
    # of seconds (the same refresh measured 1.5 s and 2.5 s minutes apart), so a ratio of two bests taken in
    # separate blocks can compare a fast minute with a slow one. The goal is read on the paired ratios' median.
    baselines, fulls, noops, opens = [], [], [], []
    for _ in range(args.repeat):
        baselines.append(duckdb_baseline(snapshot))
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "warehouse.duckdb"
            fulls.append(refresh_once(snapshot, db, opens))
            noops.append(refresh_once(snapshot, db))
    loadavg = load()
    best = [tuple(min(t[k] for t in ts) for k in (0, 1)) for ts in (baselines, fulls, noops)]
    (baseline, baseline_cpu), (full, full_cpu), (noop, noop_cpu) = best
    print(
        f"duckdb read_csv/read_json baseline : {baseline:7.3f} s   cpu {baseline_cpu:6.3f} s   (best of {args.repeat})"
    )
    print(f"offline refresh (all sources)      : {full:7.3f} s   cpu {full_cpu:6.3f} s   (best of {args.repeat})")
    print(
        f"  of which opening a new warehouse : {min(o[0] for o in opens):7.3f} s   cpu "
        f"{min(o[1] for o in opens):6.3f} s   (its tables, views and ~550 comments; not in DuckDB's read)"
    )
    print(f"no-op re-run (all payloads skipped): {noop:7.3f} s   cpu {noop_cpu:6.3f} s   (best of {args.repeat})")
    for label, tops, bottoms, goal in (
        ("refresh / duckdb baseline", fulls, baselines, "2x"),
        ("no-op / full refresh", noops, fulls, "0.1x"),
    ):
        paired = [[top[k] / bottom[k] for top, bottom in zip(tops, bottoms, strict=True)] for k in (0, 1)]
        wall, cpu = (statistics.median(r) for r in paired)
        print(
            f"ratio {label:<28} : {wall:7.3f}x   cpu {cpu:5.3f}x   (goal <= {goal}; median of {args.repeat} paired "
            f"runs, wall {min(paired[0]):.3f}-{max(paired[0]):.3f}x, cpu {min(paired[1]):.3f}-{max(paired[1]):.3f}x; "
            f"bests' ratio {min(t[0] for t in tops) / min(t[0] for t in bottoms):.3f}x)   {loadavg}"
        )


if __name__ == "__main__":
    main()
