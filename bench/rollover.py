"""Rollover engine speed: the vectorised engine vs the plain Python loop on identical inputs, the time per
1,000 Monte Carlo draws (goal: vectorised ≥ 100× the loop), and a whole Monte Carlo run in bounded memory
(goal: 100,000 draws × 120 months in < 1.5 GB peak RSS, the same JSON whatever the chunk size).

    uv run python bench/rollover.py [--db WAREHOUSE | --synthetic] [--draws 1000] [--loop-draws 10]
                                    [--mc-draws 100000]

The bounded-memory run is `run_scenario` (japan-fire-sale, a hand-built response surface) in a fresh process, so
its peak resident memory (ru_maxrss) is its own; it prints draws per second and the ratio to the plain loop's
draws per second. The chunking check runs 3,000 draws with the default chunk and with chunks of 333 and compares
the two run JSONs byte for byte. The 1-minute load average is printed next to the timings.

Inputs: the real marketable stock of 2026-09-30 (463 CUSIPs, from a warehouse loaded from the snapshot by the
project's parsers: `tshock refresh --offline ../shared/snapshot --db WAREHOUSE`; coupons imputed from the par
curve) or, with --synthetic (or when the warehouse is missing), ~450 hand-built CUSIPs; 120 months; scenario
paths from japan-fire-sale with a hand-built calibration. The plain loop is timed on --loop-draws draws (its cost
is exactly linear in draws: one pass per draw) and its results are checked against the same rows of the
vectorised batch.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from model.memory import BUDGET_BYTES, peak_bytes  # noqa: E402
from model.response import scenario_response  # noqa: E402
from model.rollover import EngineResult, Paths, roll, roll_reference  # noqa: E402
from model.run import Frames, engine_paths, make_draws, prepare, run_scenario  # noqa: E402
from model.shock import sales_schedule, yield_shift  # noqa: E402
from model.spec import load_spec  # noqa: E402
from tests.model import fixtures as fx  # noqa: E402
from tests.model import realdata as rd  # noqa: E402


def frames_for(db: Path | None) -> tuple[Frames, str]:
    if db is None:
        return Frames(
            stock_rows=fx.stock_rows(n=450), curve=fx.curve(), holdings=fx.holdings(), soma=fx.soma()
        ), "synthetic stock (450 CUSIPs)"
    anchor = date(2026, 9, 30)
    return (
        Frames(
            stock_rows=rd.stock_rows(db, anchor),
            curve=rd.curve(db),
            auctions=rd.auctions(db),
            holdings=rd.tic_holdings(db),
            soma=rd.soma(db),
        ),
        f"real MSPD stock of {anchor} ({db})",
    )


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def rows(p: Paths, k: int) -> Paths:
    return Paths(p.new_rate[:k], p.bill3m[:k], p.inflation[:k], primary_deficit=p.primary_deficit)


def max_rel_diff(a: EngineResult, b: EngineResult) -> float:
    return max(
        float(np.max(np.abs(getattr(a, f) - getattr(b, f)) / (1.0 + np.abs(getattr(b, f)))))
        for f in a.__dataclass_fields__
    )


def load() -> str:
    return f"load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "load average n/a"


def child_mc(db: Path | None, draws: int) -> None:
    """In a fresh process: one whole Monte Carlo run; prints its timing as JSON (the parent reads the peak RSS)."""
    frames, _ = frames_for(db)
    spec = load_spec(REPO / "scenarios" / "japan-fire-sale.yaml").model_copy(update={"draws": draws})
    record = fx.surface_record()
    t0 = time.perf_counter()
    result = run_scenario(spec, record, frames)
    secs = time.perf_counter() - t0
    q = result.interest.cumulative_10y_delta_usd_bn
    print(json.dumps({"seconds": secs, "p50": q.p50, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def bounded_memory(db: Path | None, draws: int, loop_per_draw_s: float) -> None:
    cmd = [sys.executable, __file__, "--child-mc", str(draws)] + (["--db", str(db)] if db else ["--synthetic"])
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    child = json.loads(out.stdout.strip().splitlines()[-1])
    peak = child["rss_kb"] * 1024
    rate = draws / child["seconds"]
    print(f"\nMonte Carlo, {draws:,} draws × 120 months (run_scenario, chunked; {load()}):")
    print(
        f"  {child['seconds']:.1f} s in the run ({wall:.1f} s with start-up): {rate:,.0f} draws/s; the plain loop "
        f"{1 / loop_per_draw_s:,.1f} draws/s: ratio {rate * loop_per_draw_s:,.0f}×"
    )
    print(
        f"  peak RSS {peak / 1e9:.2f} GB (estimate up front {peak_bytes(draws, 120) / 1e9:.2f} GB; goal < "
        f"{BUDGET_BYTES / 1e9:.1f} GB: {'met' if peak < BUDGET_BYTES else 'NOT met'})"
    )


def chunking_check(frames: Frames) -> None:
    spec = load_spec(REPO / "scenarios" / "japan-fire-sale.yaml").model_copy(update={"draws": 3000})
    record = fx.surface_record()
    a = run_scenario(spec, record, frames).to_json()
    b = run_scenario(spec, record, frames, chunk=333).to_json()
    print(f"  same run JSON with the default chunks and with chunks of 333 (3,000 draws): {'yes' if a == b else 'NO'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--db",
        type=Path,
        default=Path(os.environ.get("TSHOCK_DB", REPO / "data" / "warehouse.duckdb")),
        help="warehouse loaded from the snapshot (tshock refresh --offline ../shared/snapshot --db …)",
    )
    ap.add_argument("--synthetic", action="store_true")
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--loop-draws", type=int, default=10)
    ap.add_argument("--mc-draws", type=int, default=100_000, help="draws of the bounded-memory run (0 skips it)")
    ap.add_argument("--child-mc", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    db = None if args.synthetic or not args.db.exists() else args.db
    if args.child_mc:
        child_mc(db, args.child_mc)
        return
    frames, what = frames_for(db)
    spec = load_spec(REPO / "scenarios" / "japan-fire-sale.yaml").model_copy(update={"draws": args.draws})
    record = fx.surface_record()
    t_prep, setup = best_of(lambda: prepare(spec, frames), 1)
    draws = make_draws(args.draws, spec.seed, record.surface.n_draws)
    response = scenario_response(record)
    sales = sales_schedule(spec, setup.amounts)
    shift = yield_shift(spec, sales, setup.debt_usd_bn, record, response, draws.normals, draws.index, None)
    paths = engine_paths(spec, setup, shift, setup.monthly["primary_deficit_usd_bn"].to_numpy())
    n, h, b = len(setup.engine_stock.face), paths.new_rate.shape[1], paths.new_rate.shape[2]
    print(f"inputs: {what}; {n} CUSIPs × {h} months, {b} new-issue buckets")

    one = rows(paths, 1)
    t_vec1, r_vec1 = best_of(lambda: roll(setup.engine_stock, setup.buckets, one), 5)
    t_loop1, r_loop1 = best_of(lambda: roll_reference(setup.engine_stock, setup.buckets, one), 3)
    print(
        f"\none path      vectorised {1e3 * t_vec1:8.2f} ms   plain loop {1e3 * t_loop1:8.1f} ms   "
        f"ratio {t_loop1 / t_vec1:6.1f}×   max rel diff {max_rel_diff(r_vec1, r_loop1):.1e}"
    )

    k = min(args.loop_draws, args.draws)
    t_vec, r_vec = best_of(lambda: roll(setup.engine_stock, setup.buckets, paths), 3)
    t_loopk, r_loopk = best_of(lambda: roll_reference(setup.engine_stock, setup.buckets, rows(paths, k)), 1)
    sub = EngineResult(*(getattr(r_vec, f)[:k] for f in r_vec.__dataclass_fields__))
    t_loop = t_loopk * args.draws / k
    print(
        f"{args.draws} draws    vectorised {1e3 * t_vec:8.1f} ms   plain loop {t_loop:8.1f} s "
        f"(timed on {k} draws)   ratio {t_loop / t_vec:6.0f}×   max rel diff {max_rel_diff(sub, r_loopk):.1e}"
    )
    goal = "met" if t_loop / t_vec >= 100 else "NOT met"
    print(f"goal ≥ 100× on the Monte Carlo batch: {goal}")

    t_run, _ = best_of(lambda: run_scenario(spec, record, frames, setup=setup), 3)
    per = 1000.0 / args.draws
    print(
        f"\ntime per 1,000 Monte Carlo draws: engine {per * t_vec:.2f} s; whole run_scenario "
        f"{per * t_run:.2f} s (+ {t_prep:.2f} s once to build the stock, mix and baseline) ({load()})"
    )
    if args.mc_draws:
        bounded_memory(db, args.mc_draws, t_loop / args.draws)
        chunking_check(frames)


if __name__ == "__main__":
    main()
