"""What a crash-trial child process runs: the refresh task code for every source, offline.

The children are forked from a multiprocessing forkserver that has imported `flows.pipeline.refresh` once, so a
trial costs no interpreter start; they run exactly `flows.pipeline.refresh.refresh_source.fn` (the body of the Prefect
task the CLI runs, without the Prefect server) for every source in refresh order, like `tshock refresh
--offline`. A fault names a point where the child kills itself with SIGKILL (no cleanup, no atexit), to hit
windows a random timer rarely does:

  rename:N      inside landing.atomic_write: the temp file is written and fsynced, the rename not yet done
  commit:N      inside the load transaction: every table of the N-th loaded payload upserted, the COMMIT not yet run
  committed:N   just after the N-th payload committed (its rows only in the WAL, no checkpoint yet)
"""

from __future__ import annotations

import os
import signal


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _on_nth(n: int, fn, before: bool = True):
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if before and calls["n"] == n:
            _die()
        result = fn(*args, **kwargs)
        if not before and calls["n"] == n:
            _die()
        return result

    return wrapper


def install(fault: str) -> None:
    from flows import ingest
    from warehouse import landing, load

    kind, n = fault.split(":")
    n = int(n)
    if kind == "rename":
        landing.os.replace = _on_nth(n, os.replace)  # type: ignore[attr-defined]
    elif kind == "commit":
        original, loaded = load.write_log, {"n": 0}

        def log_then_maybe_die(con, row):
            if row.get("status") == "loaded":
                loaded["n"] += 1
                if loaded["n"] == n:
                    _die()
            return original(con, row)

        load.write_log = log_then_maybe_die
    elif kind == "committed":
        # Parsed frames and DuckDB-staged relations (issue 18) count as one sequence of loaded payloads.
        count = _on_nth(n, lambda load, *a, **k: load(*a, **k), before=False)
        frames, staged = ingest.load_frames, ingest.load_staged
        ingest.load_frames = lambda *a, **k: count(frames, *a, **k)
        ingest.load_staged = lambda *a, **k: count(staged, *a, **k)
    else:
        raise ValueError(fault)


def refresh_all(db: str, snapshot: str, fault: str | None = None) -> None:
    from flows.ingest import SOURCES
    from flows.pipeline.refresh import refresh_source

    if fault:
        install(fault)
    for source in SOURCES:
        refresh_source.fn(source, db, snapshot)
