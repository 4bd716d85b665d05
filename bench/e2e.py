"""End-to-end benchmark of the offline `tshock run`: wall time, per-stage timings and peak memory.

    uv run python bench/e2e.py [--snapshot DIR] [--draws N] [--runs first,cold,warm] [--keep DIR]

Runs `tshock run --offline SNAPSHOT` as a subprocess, exactly as a user would, into a temporary warehouse,
reports folder, Prefect home and tshock cache:
- first: empty warehouse, a fresh Prefect home and an empty tshock cache (the first run on a new machine, as
  in a fresh CI container: the full replay, a new calibration, Prefect's temporary server making its database
  from the shipped schema, flows/pipeline/prefect_migrate.py, and keeping the started database in the cache:
  flows/pipeline/prefect_template.py);
- cold: another empty warehouse and fresh Prefect home, with the cache the first run left (a new clone, or a
  new Prefect home, on a machine that has run tshock before: the database is copied; with --runs cold,warm the
  cache is empty and cold makes it as first does);
- warm: the same command again (payloads skipped as already seen, the calibration reused, and the temporary
  Prefect server the cold run left running used at once: flows/pipeline/shared_server.py). With
  TSHOCK_PREFECT_IDLE_MINUTES=0 in the environment every run boots a server of its own, as before.
The shared server is stopped at the end.

Where the time goes comes from three clocks: the arrival time of the CLI's stage lines (so the time before
the first stage, i.e. imports and Prefect's temporary server start, is visible), the stage timings the flow
writes into `reports/<day>/run.json`, and the wall clock. Peak memory is sampled from /proc every 0.1 s over
the whole process tree (the CLI and Prefect's server subprocess) and per process. Goals on 2 idle cores (issue
18): first output < 1 s, cold ≤ 30 s, warm ≤ 20 s, before-first-stage / stages ≤ 0.5, under 1.5 GB. Prints
numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL_SECONDS = {"first": 30.0, "cold": 30.0, "warm": 20.0}  # issue 18, on 2 idle cores
GOAL_MB, GOAL_FIRST_OUTPUT_S, GOAL_BEFORE_OVER_STAGES = 1536.0, 1.0, 0.5
STAGE = re.compile(r"^\[run\] (\w+): (started|done)")


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    out = []
    for c in text.split():
        out += [int(c), *_children(int(c))]
    return out


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def _name(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "?"
    return (
        "prefect server"
        if "uvicorn" in cmd or "server_child" in cmd or "prefect" in cmd and "server" in cmd
        else "tshock"
        if "tshock" in cmd or "flows.cli" in cmd
        else cmd.split(" ")[0].rsplit("/", 1)[-1]
    )


def _shared_server_pid(prefect_home: Path | None) -> list[int]:
    from flows.pipeline.shared_server import read_state

    state = read_state(prefect_home) if prefect_home else None
    return [int(state["pid"])] if state else []


class MemorySampler(threading.Thread):
    """Peak RSS of a process tree (sum) and of each process in it, sampled every `every` seconds."""

    def __init__(self, pid: int, every: float = 0.1, prefect_home: Path | None = None):
        super().__init__(daemon=True)
        self.pid, self.every, self.stop = pid, every, threading.Event()
        self.prefect_home = prefect_home  # the shared Prefect server is detached: not in the tree, counted too
        self.peak_total = 0.0
        self.peak_by_name: dict[str, float] = {}

    def run(self) -> None:
        while not self.stop.is_set():
            total = 0.0
            for p in dict.fromkeys([self.pid, *_children(self.pid), *self._shared_server()]):
                mb = _rss_mb(p)
                total += mb
                name = _name(p)
                self.peak_by_name[name] = max(self.peak_by_name.get(name, 0.0), mb)
            self.peak_total = max(self.peak_total, total)
            time.sleep(self.every)

    def _shared_server(self) -> list[int]:
        return [p for p in _shared_server_pid(self.prefect_home) if p != self.pid]


def run_once(label: str, args: list[str], env: dict) -> dict:
    import resource

    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler = MemorySampler(proc.pid, prefect_home=Path(env["PREFECT_HOME"]))
    sampler.start()
    marks: list[tuple[str, str, float]] = []
    tail: list[str] = []
    first_output = None
    for line in proc.stdout:
        if first_output is None and line.strip():
            first_output = time.perf_counter() - t0
        m = STAGE.match(line)
        if m:
            marks.append((m.group(1), m.group(2), time.perf_counter() - t0))
        tail = (tail + [line.rstrip()])[-40:]
    rc = proc.wait()
    wall = time.perf_counter() - t0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the CLI and, once reaped, Prefect's server
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    sampler.stop.set()
    sampler.join()
    if rc != 0:
        print("\n".join(tail))
        raise SystemExit(f"{label}: tshock run exited with {rc}")
    first = next((t for _, ev, t in marks if ev == "started"), wall)
    last = max((t for _, ev, t in marks if ev == "done"), default=wall)
    return {
        "label": label,
        "wall": wall,
        "first_output": first_output or wall,
        "before_first_stage": first,
        "after_last_stage": wall - last,
        "marks": marks,
        "load": load,
        "cpu": cpu,
        "peak_total_mb": sampler.peak_total,
        "peak_by_process_mb": sampler.peak_by_name,
    }


def stages_from(reports: Path) -> dict[str, float]:
    runs = sorted(reports.glob("*/run.json"))
    return json.loads(runs[-1].read_text())["stages"] if runs else {}


def report(r: dict, stages: dict[str, float]) -> None:
    print(
        f"\n== {r['label']}: {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU (user + system, all processes), "
        f"peak memory {r['peak_total_mb']:.0f} MB (process tree)"
    )
    print(f"   first output line after {r['first_output']:5.2f} s (goal < {GOAL_FIRST_OUTPUT_S:.0f} s)")
    print(f"   before the first stage (imports, Prefect temporary server start): {r['before_first_stage']:5.1f} s")
    for name, secs in stages.items():
        print(f"   {name:<12} {secs:6.1f} s  {'#' * int(round(secs))}")
    print(f"   stages together (each includes its Prefect task bookkeeping): {sum(stages.values()):5.1f} s")
    print(f"   after the last stage (summary, server shutdown): {r['after_last_stage']:5.1f} s")
    print(
        f"   1-minute load average at the end: {r['load']:.1f} on {os.cpu_count()} cores (this run alone is "
        "about 1-1.5; more means other work inflated the times)"
    )
    procs = ", ".join(
        f"{k} {v:.0f} MB" for k, v in sorted(r["peak_by_process_mb"].items(), key=lambda kv: -kv[1]) if v > 20
    )
    print(f"   peak RSS by process: {procs}")
    ratio = r["before_first_stage"] / max(sum(stages.values()), 1e-9)
    print(f"   before-first-stage / stages ratio: {ratio:.2f} (goal <= {GOAL_BEFORE_OVER_STAGES})")
    goal = GOAL_SECONDS.get(r["label"], GOAL_SECONDS["cold"])
    ok_t = "under" if r["wall"] <= goal else "OVER"
    ok_m = "under" if r["peak_total_mb"] < GOAL_MB else "OVER"
    print(
        f"   goal: {ok_t} {goal:.0f} s wall ({r['label']}), {ok_m} {GOAL_MB:.0f} MB; load average "
        f"{r['load']:.1f} (the goals assume an idle 2-core machine)"
    )


def main() -> None:
    from flows.pipeline import shared_server

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    snapshot = os.environ.get("TSHOCK_SNAPSHOT", str(REPO.parent / "shared" / "snapshot"))
    ap.add_argument("--snapshot", default=snapshot)
    ap.add_argument("--draws", type=int, default=None, help="override every scenario's draws (default: specs')")
    ap.add_argument("--runs", default="first,cold,warm", help="comma-separated: first, cold, warm")
    ap.add_argument("--keep", default=None, help="keep the warehouse and reports in this directory")
    a = ap.parse_args()
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="tshock-e2e-"))
    work.mkdir(parents=True, exist_ok=True)
    from compiled import warn_if_uncompiled

    warn_if_uncompiled()
    print(f"tshock run --offline {a.snapshot} on {os.cpu_count()} cores; work dir {work}")
    homes = []
    try:
        for label in a.runs.split(","):
            label = label.strip()
            # first: its own warehouse, Prefect home and an empty tshock cache; cold and warm share theirs, and the
            # cache (Prefect's started database) the first run left.
            run = "first" if label == "first" else "main"
            env = {
                **os.environ,
                "PREFECT_HOME": str(work / f"prefect-{run}"),
                "TSHOCK_CACHE_DIR": str(work / "cache"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "DO_NOT_TRACK": "1",
                "PREFECT_LOGGING_LEVEL": "WARNING",
                "PYTHONDONTWRITEBYTECODE": "1",
            }
            args = [
                str(Path(sys.executable).with_name("tshock")),
                "run",
                "--offline",
                a.snapshot,
                "--db",
                str(work / f"warehouse-{run}.duckdb"),
                "--reports-dir",
                str(work / f"reports-{run}"),
            ]
            if a.draws:
                args += ["--draws", str(a.draws)]
            homes.append(work / f"prefect-{run}")
            r = run_once(label, args, env)
            report(r, stages_from(work / f"reports-{run}"))
            if run == "first":
                shared_server.stop(work / "prefect-first")  # idle, but not part of the next runs' machine
    finally:
        for home in set(homes):
            shared_server.stop(home)
    if not a.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
