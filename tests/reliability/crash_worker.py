"""What a crash-trial child process runs: the refresh task code for every source, offline.

The children are forked from a multiprocessing forkserver that has imported `flows.pipeline.refresh` once, so a
trial costs no interpreter start; they run exactly `flows.pipeline.refresh.refresh_source.fn` (the body of the Prefect
task the CLI runs, without the Prefect server) for every source in refresh order, like `tshock refresh
--offline`. A fault names a point where the child kills itself with SIGKILL (no cleanup, no atexit), to hit
windows a random timer rarely does:

  rename:N      inside landing.atomic_write: the temp file is written and fsynced, the rename not yet done
  commit:N      inside a source's load transaction: every table of the N-th loaded payload upserted, the log
                lines not yet written, the COMMIT not yet run (the whole source's batch dies with it)
  committed:N   just after the batch holding the N-th loaded payload committed (its rows only in the WAL)

A source's payloads are written in one transaction (warehouse/batch.py), so how many payloads a kill keeps
depends on where the batches end: the child appends the number of loaded payloads of each batch it committed to
`<db>.committed`, one line per batch, and the test checks the warehouse against that.
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


def install(fault: str | None, db: str) -> None:
    from flows import ingest
    from warehouse import batch, landing

    kind, n = fault.split(":") if fault else ("", "0")
    n = int(n)
    committed, write_batch = {"n": 0}, ingest.write_batch

    def record_batches(con, pending):
        write_batch(con, pending)
        loaded = sum(p.staged is not None and p.error is None for p in pending)
        with open(db + ".committed", "a") as fh:
            fh.write(f"{loaded}\n")
            fh.flush()
            os.fsync(fh.fileno())
        committed["n"] += loaded
        if kind == "committed" and loaded and committed["n"] >= n:
            _die()

    ingest.write_batch = record_batches
    if kind == "rename":
        landing.os.replace = _on_nth(n, os.replace)  # type: ignore[attr-defined]
    elif kind == "commit":
        batch.upsert_payload = _on_nth(n, batch.upsert_payload, before=False)
    elif kind not in ("committed", ""):
        raise ValueError(fault)


def committed_payloads(db: str) -> int:
    """Loaded payloads the children committed, by their own account (see the module)."""
    path = db + ".committed"
    return sum(int(line) for line in open(path).read().split()) if os.path.exists(path) else 0


def refresh_all(db: str, snapshot: str, fault: str | None = None) -> None:
    from flows.ingest import SOURCES
    from flows.pipeline.refresh import refresh_source

    install(fault, db)
    for source in SOURCES:
        refresh_source.fn(source, db, snapshot)
