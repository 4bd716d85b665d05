"""Time to first output of every `tshock` command (issue 18: < 1 s on 2 cores), as a user sees it.

    uv run python bench/first_output.py [--db WAREHOUSE] [--snapshot DIR] [--only NAME ...]

Each command runs as a subprocess twice: on a pseudo-terminal (what a person at a terminal waits for: the first
visible character, escape codes aside, on stdout or stderr) and on pipes (what a script or CI reads first). Prints
each command's seconds to first output, the ratio to the 1 s goal, the total time and the load average beside
them; asserts nothing. Commands that start Prefect (refresh, run) are stopped once they have printed.

Without --db a private warehouse is built from the snapshot in-process (no Prefect server), with one calibration
and one stored run, so `calibrate show` and `scenario show` have something to show.
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL_S = 1.0
ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|[\r\n\t ]")


def tshock() -> list[str]:
    exe = Path(sys.executable).with_name("tshock")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "flows.cli"]


def build_warehouse(snapshot: Path, directory: Path) -> Path:
    from flows.ingest import SOURCES
    from flows.pipeline.calibrate import calibrate_task
    from flows.pipeline.refresh import refresh_source
    from flows.pipeline.scenario import run_and_store

    db = directory / "warehouse.duckdb"
    print(f"building a warehouse from {snapshot} in {db} (once) ...", flush=True)
    for source in SOURCES:
        refresh_source.fn(source, str(db), str(snapshot))
    calibrate_task.fn(str(db))
    run_and_store(str(db), "japan-fire-sale", draws=40)
    return db


def a_run_id(db: Path) -> str:
    from flows.pipeline.runs import list_runs
    from warehouse.db import session

    with session(db, read_only=True) as con:
        runs = list_runs(con, limit=1)
    return runs[0]["run_id"] if runs else "no-run-stored"


def measure(args: list[str], env: dict, *, terminal: bool, stop_after_first: bool, timeout: float) -> tuple:
    """(seconds to first visible output or None, seconds until exit or stop, exit code or 'stopped')."""
    started = time.perf_counter()
    if terminal:
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower, env=env, cwd=REPO, start_new_session=True
        )
        os.close(follower)
        fds = [leader]
    else:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=REPO,
            start_new_session=True,
        )
        fds = [proc.stdout.fileno(), proc.stderr.fileno()]
    first = None
    open_fds = list(fds)
    try:
        while open_fds and time.perf_counter() - started < timeout:
            ready, _, _ = select.select(open_fds, [], [], 0.02)
            for fd in ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # a pty reads EIO once the child has closed it
                    chunk = b""
                if not chunk:
                    open_fds.remove(fd)
                    continue
                if first is None and ESCAPES.sub(b"", chunk):
                    first = time.perf_counter() - started
            if first is not None and stop_after_first:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
                return first, time.perf_counter() - started, "stopped"
        if open_fds:  # timed out
            os.killpg(proc.pid, signal.SIGTERM)
        code = proc.wait(timeout=30)
        return first, time.perf_counter() - started, code
    finally:
        if terminal:
            os.close(leader)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", help="a warehouse with a calibration and a stored run (default: build one)")
    ap.add_argument("--snapshot", default=str(REPO.parent / "shared" / "snapshot"))
    ap.add_argument("--only", nargs="*", help="only the commands whose label contains one of these words")
    ap.add_argument("--timeout", type=float, default=180.0)
    opts = ap.parse_args()
    from compiled import warn_if_uncompiled

    warn_if_uncompiled()
    with tempfile.TemporaryDirectory(prefix="tshock-first-output-") as tmp:
        work = Path(tmp)
        db = Path(opts.db) if opts.db else build_warehouse(Path(opts.snapshot), work)
        scratch = work / "scratch.duckdb"  # commands that write get a copy
        shutil.copy(db, scratch)
        run_id = a_run_id(db)
        env = {
            **os.environ,
            "COLUMNS": "160",
            "TSHOCK_REPORTS": str(work / "reports"),
            "PREFECT_HOME": str(work / "prefect"),
        }
        d, s = ["--db", str(db)], ["--db", str(scratch)]
        cases = [  # (label, arguments, stop once it has printed)
            ("--help", ["--help"], False),
            ("--version (refused: no such option)", ["--version"], False),
            ("refresh --help", ["refresh", "--help"], False),
            ("refresh --offline (stopped)", ["refresh", "--offline", opts.snapshot, *s], True),
            ("run --offline (stopped)", ["run", "--offline", opts.snapshot, *s], True),
            ("sql FROM freshness", ["sql", "FROM freshness", *d], False),
            ("db describe", ["db", "describe", *d], False),
            ("calibrate (estimates unless stored)", ["calibrate", *s], False),
            ("calibrate list", ["calibrate", "list", *d], False),
            ("calibrate show latest", ["calibrate", "show", "latest", *d], False),
            ("scenario list", ["scenario", "list", *d], False),
            ("scenario show", ["scenario", "show", run_id, *d], False),
            ("scenario schema", ["scenario", "schema"], False),
            ("scenario run --draws 40", ["scenario", "run", "japan-fire-sale", "--draws", "40", *s], False),
            ("scenario diff", ["scenario", "diff", "japan-fire-sale", "japan-orderly-unwind", *d], False),
            (
                "scenario backcast",
                ["scenario", "backcast", "--anchor", "2023-09-30", "--to", "2026-09-30", *d],
                False,
            ),
            (
                "scenario sweep (2 cells, --draws 20)",
                ["scenario", "sweep", "--size", "100,300", "--months", "1", "--draws", "20", *s],
                False,
            ),
        ]
        if opts.only:
            cases = [c for c in cases if any(w in c[0] for w in opts.only)]
        print(
            f"{'command':<38} {'terminal s':>10} {'ratio':>6} {'pipes s':>8} {'ratio':>6} {'total s':>8} "
            f"{'exit':>7}  load average (1, 5, 15 min)"
        )
        for label, args, stop in cases:
            row = []
            for terminal in (True, False):
                first, total, code = measure(
                    [*tshock(), *args], env, terminal=terminal, stop_after_first=stop, timeout=opts.timeout
                )
                row.append((first, total, code))
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            (ft, tt, ct), (fp, _, _) = row

            def show(x, width: int) -> str:
                return f"{x:{width}.2f} {x / GOAL_S:5.1f}x" if x is not None else f"{'none':>{width}} {'-':>6}"

            print(f"{label:<38} {show(ft, 10)} {show(fp, 8)} {tt:8.2f} {ct!s:>7}  {load}", flush=True)
        from flows.pipeline import shared_server

        shared_server.stop(work / "prefect")  # the temporary server the commands shared


if __name__ == "__main__":
    main()
