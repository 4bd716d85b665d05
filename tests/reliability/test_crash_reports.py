"""Crash safety of a report run: kill -9 the reports stage of `tshock run` at random moments and at the worst
ones. While it runs and after it dies, nothing a reader of `reports/` can see is half-written: every visible day
folder holds every scenario's complete report, the index's links all resolve; the render workers die with the
run; and the next run publishes in full and sweeps what the killed ones left under hidden names.

Children run the real stage body (`flows.pipeline.run.reports_task.fn`, see crash_worker_reports.py) on the real inputs
of a run (views, calibration, scenario runs and backtests on the offline warehouse, computed once), forked from
the shared forkserver. Default: 4 targeted kills and 3 at random moments (3 scenarios); --slow: 20 random
kills over all 6 shipped scenarios.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import time
from pathlib import Path

import pytest

from flows.report.publish import DAY
from tests.reliability import crash_worker_reports
from tests.reliability.helpers import child_pids, copy_warehouse, forkserver_context, report_inputs, running

RANDOM_KILLS = {False: 3, True: 20}
SCENARIOS = {False: 3, True: None}  # None: every shipped scenario
DRAWS = 40
FAULTS = ("swap", "swapped", "cleanup", "index")
HREF = re.compile(r'href="([^"#:]+)"')


@pytest.fixture(scope="module")
def job(offline_warehouse, tmp_path_factory, slow) -> dict:
    from flows.pipeline.run import shipped_scenarios

    db = str(copy_warehouse(offline_warehouse, tmp_path_factory.mktemp("report-crash") / "data"))
    return report_inputs(db, shipped_scenarios()[: SCENARIOS[slow]], DRAWS)


def visible_problems(reports: Path, scenarios: set[str]) -> list[str]:
    """What a reader of reports/ would find incomplete; hidden names (staging, old days, temp files) are skipped.

    A day folder must hold its index, run.json and, for every scenario, the report in both formats, its
    results.json and four charts; reports/index.html's links must all resolve."""
    problems = []
    for entry in sorted(reports.iterdir()) if reports.is_dir() else ():
        if entry.name.startswith("."):
            continue
        if entry.name == "index.html":
            for href in HREF.findall(entry.read_text(encoding="utf-8")):
                if not (reports / href).is_file():
                    problems.append(f"index.html links to missing {href}")
        elif DAY.match(entry.name) and entry.is_dir():
            day = entry
            for f in ("index.html", "run.json"):
                if not (day / f).is_file():
                    problems.append(f"{day.name}/{f} missing")
            present = {p.name for p in day.iterdir() if p.is_dir() and not p.name.startswith(".")}
            if present != scenarios:
                problems.append(f"{day.name}: scenarios {sorted(present)}, expected {sorted(scenarios)}")
            for name in present & scenarios:
                for f in (
                    "index.html",
                    "report.md",
                    "results.json",
                    "yields.svg",
                    "interest.svg",
                    "maturity.svg",
                    "holdings.svg",
                ):
                    path = day / name / f
                    if not path.is_file() or path.stat().st_size == 0:
                        problems.append(f"{day.name}/{name}/{f} missing or empty")
        else:
            problems.append(f"unexpected visible entry {entry.name}")
    return problems


def build(
    ctx,
    reports: Path,
    job: dict,
    trial: str,
    *,
    fault: str | None = None,
    kill_after: float | None = None,
    workers: int = 1,
) -> dict:
    """One build in a child, watched by a reader the whole time; kill -9 it after `kill_after` s if still running.
    Returns the outcome, what the reader saw, and the render workers the child had."""
    scenarios = {r["name"] for r in job["runs"]}
    this = {**job, "manifest": {**job["manifest"], "trial": trial}}
    ready = ctx.Event()
    p = ctx.Process(target=crash_worker_reports.build, args=(str(reports), this, fault, workers, ready))
    p.start()
    assert ready.wait(120), f"trial {trial}: the child did not start"
    start = time.monotonic()
    seen, kids = [], set()
    deadline = start + (kill_after if kill_after is not None else 300)
    while p.is_alive() and time.monotonic() < deadline:
        seen += [f"{time.monotonic() - start:.2f}s: {x}" for x in visible_problems(reports, scenarios)]
        kids |= child_pids(p.pid)
        time.sleep(0.005)
    if p.is_alive():
        os.kill(p.pid, signal.SIGKILL)  # the CLI's pid only, as `kill -9 <pid>` would
    p.join()
    outcome = (
        "killed"
        if p.exitcode == -signal.SIGKILL and fault is None
        else "self-killed"
        if p.exitcode == -signal.SIGKILL
        else f"exited {p.exitcode}"
    )
    return {
        "trial": trial,
        "outcome": outcome,
        "seconds": round(time.monotonic() - start, 2),
        "seen": seen,
        "workers": kids,
    }


def orphans(pids: set[int], wait_s: float = 10.0) -> set[int]:
    """Render workers still running `wait_s` after their parent died (then killed, so they do not linger)."""
    end = time.monotonic() + wait_s
    while (alive := {p for p in pids if running(p)}) and time.monotonic() < end:
        time.sleep(0.1)
    for p in alive:
        os.kill(p, signal.SIGKILL)
    return alive


def published_trial(reports: Path, day: str) -> str | None:
    run = reports / day / "run.json"
    return json.loads(run.read_text())["trial"] if run.is_file() else None


def check_after(reports: Path, job: dict, result: dict) -> None:
    scenarios = {r["name"] for r in job["runs"]}
    where = f"trial {result['trial']} ({result['outcome']} after {result['seconds']} s)"
    assert not result["seen"], f"{where}: a reader saw {result['seen'][:5]}"
    assert not visible_problems(reports, scenarios), f"{where}: {visible_problems(reports, scenarios)}"
    day = reports / job["run_date"].isoformat()
    for r in job["runs"] if day.is_dir() else ():
        stored = json.loads((day / r["name"] / "results.json").read_text())
        assert stored == r["results"], f"{where}: {r['name']}/results.json is not the run's results"
    left = orphans(result["workers"])
    assert not left, f"{where}: render workers {sorted(left)} outlived the killed run"


def test_kill_9_report_runs_at_the_worst_moments_then_at_random_points(job, tmp_path, slow):
    ctx = forkserver_context()
    reports = tmp_path / "reports"
    day = job["run_date"].isoformat()
    rng = random.Random(20261125)
    log = []

    # A first build killed before it could finish: no day folder, or a whole one.
    first = build(ctx, reports, job, "first", kill_after=rng.uniform(0.5, 3.0), workers=2)
    check_after(reports, job, first)
    log.append(first)

    clean = build(ctx, reports, job, "clean", workers=2)
    assert clean["outcome"] == "exited 0", clean
    check_after(reports, job, clean)
    assert published_trial(reports, day) == "clean"
    build_s = clean["seconds"]

    for fault in FAULTS:
        before = published_trial(reports, day)
        result = build(ctx, reports, job, fault, fault=fault)
        assert result["outcome"] == "self-killed", result
        check_after(reports, job, result)
        # Killed before the swap, the old day stays; after it, the new day is the one published.
        assert published_trial(reports, day) == (before if fault == "swap" else fault), (fault, before)
        log.append(result)

    for i in range(RANDOM_KILLS[slow]):
        result = build(ctx, reports, job, f"random-{i}", kill_after=rng.uniform(0.05, build_s * 1.1), workers=1 + i % 2)
        check_after(reports, job, result)
        log.append(result)

    leftovers = sorted(p.name for p in reports.iterdir() if p.name.startswith("."))
    assert leftovers, "the targeted kills leave hidden staging folders and temp files behind"
    final = build(ctx, reports, job, "final", workers=2)
    assert final["outcome"] == "exited 0", final
    check_after(reports, job, final)
    assert published_trial(reports, day) == "final"
    assert not [p.name for p in reports.iterdir() if p.name.startswith(".")], (
        f"the next run sweeps what killed runs left: {leftovers}"
    )
    print("\n".join(f"{r['trial']}: {r['outcome']} at {r['seconds']} s, workers {len(r['workers'])}" for r in log))
