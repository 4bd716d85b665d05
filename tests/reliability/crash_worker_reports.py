"""What a report-run crash trial's child runs: the reports stage of `tshock run` (`flows.pipeline.run.reports_task.fn`)
on real inputs (the run's views, calibration, stored scenario runs and backtests, computed once by the test).

The child is forked from a forkserver that imported `flows.pipeline.run` and the renderer once. It renders with
`workers` processes (1 = in this process; more = the forked render pool `tshock run` uses on idle cores). A
fault names a point where the child kills itself with SIGKILL, to hit windows a random timer rarely does:

  swap      the staged day folder complete (scenarios, run.json, day index), not yet renamed or exchanged in
  swapped   just after the exchange: the old day now sits under the hidden staging name, not yet removed
  cleanup   halfway through removing that old day
  index     reports/index.html's temp file written, the rename over the index not yet done
"""

from __future__ import annotations

import os
import signal
from pathlib import Path


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install(fault: str, reports_dir: Path) -> None:
    import shutil

    from flows.report import publish

    if fault == "swap":
        rename, exchange = publish.os.rename, publish.exchange

        def rename_or_die(src, dst, *a, **k):
            if ".building-" in os.fspath(src):
                _die()
            return rename(src, dst, *a, **k)

        publish.os.rename = rename_or_die
        publish.exchange = lambda a, b: (_die(), exchange(a, b))[1]
    elif fault == "swapped":
        exchange = publish.exchange
        publish.exchange = lambda a, b: (exchange(a, b), _die())[0]
    elif fault == "cleanup":
        rmtree = shutil.rmtree

        def remove_half_then_die(path, *a, **k):
            if f".building-{os.getpid()}-" not in os.fspath(path):  # e.g. sweeping a dead trial's leftovers
                return rmtree(path, *a, **k)
            files = sorted(p for p in Path(path).rglob("*") if p.is_file())
            for p in files[: len(files) // 2]:
                p.unlink()
            _die()

        publish.shutil = type(shutil)("shutil")  # the module's own view of shutil, nobody else's
        publish.shutil.__dict__.update(vars(shutil), rmtree=remove_half_then_die)
    elif fault == "index":
        replace = publish.os.replace

        def replace_or_die(src, dst, *a, **k):
            if Path(dst) == reports_dir / "index.html":
                _die()
            return replace(src, dst, *a, **k)

        publish.os.replace = replace_or_die
    else:
        raise ValueError(fault)


def build(reports_dir: str, job: dict, fault: str | None = None, workers: int = 1, ready=None) -> None:
    from flows.pipeline.run import reports_task

    os.environ["TSHOCK_REPORT_WORKERS"] = str(workers)
    if fault:
        install(fault, Path(reports_dir))
    if ready is not None:
        ready.set()  # the parent's kill timer starts here, not while the forkserver was still starting
    reports_task.fn(
        reports_dir,
        job["run_date"],
        job["runs"],
        job["peers"],
        job["views"],
        job["calibration"],
        job["backtests"],
        job["commands"],
        job["manifest"],
    )
