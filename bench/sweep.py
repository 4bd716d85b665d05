"""Sweep speed: a 100-cell sweep run sequentially (one thread) vs on a local Dask cluster with 2 and 4 workers
(ratios), the default thread pool for reference, and the memory of each Dask worker. Prints; asserts nothing.

    uv run python bench/sweep.py [--db WAREHOUSE] [--draws 200] [--workers 2,4]

Needs a warehouse with a calibration: `tshock refresh --offline ../shared/snapshot --db W` then
`tshock calibrate --db W`. Nothing is stored and nothing is reused: every run computes all 100 cells
(10 sizes × 5 speeds × 2 contagion scales of japan-fire-sale). The Prefect server is started once beforehand
and is not in the timings. Dask timings are given without and with starting the cluster (what `--dask-local N`
pays); each fresh worker also reads the warehouse and prepares the stock once (≈ 2 s), inside the timing.
Speed-up = sequential time / Dask time. Memory: each worker's resident set after the sweep and its peak.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SIZES = [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]
MONTHS = [1, 3, 6, 12, 24]
CONTAGION = [0, 1]


def worker_memory() -> dict:
    """Resident set now and its peak (VmHWM, Linux; getrusage's maxrss would include the pre-exec parent)."""
    import psutil

    rss = psutil.Process().memory_info().rss / 2**20
    try:
        status = Path("/proc/self/status").read_text().splitlines()
        peak = next(int(x.split()[1]) for x in status if x.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rss_mb": rss, "peak_mb": peak}


def _burn(_: int) -> float:
    t = time.perf_counter()
    x = 0
    for i in range(3_000_000):
        x += i * i
    return time.perf_counter() - t


def parallel_capacity(n: int) -> float:
    """How many CPUs n processes really get: n × (time of one alone) / (time of each of n together)."""
    from multiprocessing import Pool

    with Pool(n) as pool:  # all n processes exist before anything is timed
        pool.map(abs, range(n), chunksize=1)
        alone = pool.apply(_burn, (0,))
        together = max(pool.map(_burn, range(n), chunksize=1))
    return n * alone / together


def plain_loop(db: str, grid, expected: dict) -> tuple[float, None, bool]:
    """The same cells in a plain loop in this process (plan included): what Prefect's bookkeeping costs."""
    from flows.pipeline.sweep import plan_sweep
    from flows.pipeline.sweep_cells import compute_cell, remember_inputs

    t = time.perf_counter()
    plan = plan_sweep(db, grid, reuse=False)
    remember_inputs(
        (str(Path(db).resolve()), plan.anchor, plan.calibration_id, plan.data_hash), plan.record, plan.frames
    )
    out = {
        c.key: compute_cell(db, c.spec.model_dump_json(), plan.calibration_id, plan.anchor, plan.data_hash)
        for c in plan.cells
    }
    return time.perf_counter() - t, None, out == expected


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=os.environ.get("TSHOCK_DB", "data/warehouse.duckdb"))
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--workers", default="2,4", help="Dask cluster sizes, comma-separated")
    ap.add_argument(
        "--batch",
        type=int,
        default=None,
        help="Cells per Prefect task (default: flows.pipeline.sweep_cells.batch_size)",
    )
    args = ap.parse_args(argv)
    if not Path(args.db).exists():
        sys.exit(
            f"no warehouse at {args.db}: tshock refresh --offline ../shared/snapshot --db {args.db}; "
            f"tshock calibrate --db {args.db}"
        )

    from flows.cli.prefect_setup import prefect_defaults

    prefect_defaults()
    import logging

    from distributed import Client, LocalCluster
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.pipeline.sweep import run_sweep
    from model.sweep_grid import parse_grid

    grid = parse_grid(
        {"name": "bench", "sizes_usd_bn": SIZES, "months": MONTHS, "contagion": CONTAGION, "draws": args.draws}
    )
    cells = len(SIZES) * len(MONTHS) * len(CONTAGION)
    print(f"sweep of {cells} cells × {args.draws} draws × 120 months on {args.db}")
    print(
        f"CPUs: {os.cpu_count()} reported; {parallel_capacity(os.cpu_count() or 1):.2f} effective when all run "
        "at once (n × a pure-Python loop's time alone / its time with n in parallel)"
    )
    t0 = time.perf_counter()
    server = SubprocessASGIServer()
    server.start()
    from flows.pipeline.sweep_cells import batch_size

    print(
        f"prefect server started in {time.perf_counter() - t0:.1f} s (not counted below); "
        f"{args.batch or batch_size(cells, args.draws)} cells per task"
    )

    def sweep(**kw):
        t = time.perf_counter()
        out = run_sweep(args.db, grid, reuse=False, store=False, reports_dir=None, batch=args.batch, **kw)
        return time.perf_counter() - t, out

    # Closing a cluster, workers still flushing Prefect's log and event queues are killed after 4 s: say it once.
    logging.getLogger("distributed.nanny").setLevel(logging.ERROR)
    rows = []
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        seq_s, seq = sweep(threads=1)
        rows.append(("sequential (1 thread)", seq_s, None, None))
        rows.append(("plain loop, no Prefect (reference)", *plain_loop(args.db, grid, seq.results)))
        s, pool = sweep()
        rows.append(("thread pool (Prefect default)", s, None, pool.results == seq.results))
        memory = {}
        for n in [int(x) for x in args.workers.split(",")]:
            t = time.perf_counter()
            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                start_s = time.perf_counter() - t
                s, on_dask = sweep(dask_address=cluster.scheduler_address)
                with Client(cluster) as client:
                    memory[n] = list(client.run(worker_memory).values())
            rows.append((f"dask, {n} workers", s, start_s, on_dask.results == seq.results))

    print(
        f"\n{'runner':40} {'sweep s':>8} {'speed-up':>9} {'+cluster start s':>17} {'speed-up':>9} "
        f"{'s/cell':>7}  equal to sequential"
    )
    for name, s, start_s, equal in rows:
        with_start = "" if start_s is None else f"{s + start_s:17.1f} {seq_s / (s + start_s):8.2f}×"
        print(
            f"{name:40} {s:8.1f} {seq_s / s:8.2f}× {with_start:>27} {s / cells:7.3f}  "
            f"{'-' if equal is None else 'yes' if equal else 'NO'}"
        )
    print("\nmemory per Dask worker after the sweep (resident / peak, MiB):")
    for n, mem in memory.items():
        each = ", ".join(f"{m['rss_mb']:.0f} / {m['peak_mb']:.0f}" for m in mem)
        print(f"  {n} workers: {each}; mean resident {sum(m['rss_mb'] for m in mem) / len(mem):.0f}")
    this = worker_memory()
    print(f"this (parent) process: resident {this['rss_mb']:.0f} MiB, peak {this['peak_mb']:.0f} MiB")
    if os.cpu_count() and max(memory, default=0) > os.cpu_count():
        print(f"note: more workers than CPUs ({os.cpu_count()}): the extra workers share cores")


if __name__ == "__main__":
    main()
