"""How one kill -9 trial of the record crash tests (test_crash_records.py) runs and is judged: a child started on
the forkserver, killed at a chosen moment (after its start or after it is seen entering the store), the events
its marker file recorded, the trial log every assertion message carries, and where the next random kill lands."""

from __future__ import annotations

import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.reliability import crash_worker_records as worker
from warehouse.db import WarehouseError, connect


@dataclass
class Kill:
    """SIGKILL `seconds` after the child started, or (into_write) after it was seen entering the store."""

    seconds: float
    into_write: bool = False

    def __repr__(self) -> str:
        return f"{self.seconds:.3f}s after " + ("write-begin" if self.into_write else "start")


@dataclass
class Trial:
    what: str
    kill: Kill | None
    outcome: str = ""
    events: list[tuple[str, float]] = field(default_factory=list)  # (event, seconds after start)
    seconds: float = 0.0
    records: int | None = None

    def reached(self, event: str) -> float | None:
        return next((t for e, t in self.events if e == event), None)

    def in_write(self) -> bool:
        return (
            self.outcome == "killed" and self.reached("write-begin") is not None and self.reached("write-end") is None
        )

    def __repr__(self) -> str:
        begin, end = self.reached("write-begin"), self.reached("write-end")
        last = self.events[-1][0] if self.events else "none"
        write = "" if begin is None else f" (write began {begin:.2f}s" + (f", ended {end:.2f}s)" if end else ")")
        return (
            f"<{self.what}: kill {self.kill or 'none'}; {self.outcome} at {self.seconds:.2f}s, last event "
            f"{last}{write}, records {self.records}>"
        )


def _wait_for_write(p, marker: Path, limit: float) -> None:
    # Poll every 2 ms: a scenario's write lasts ~20 ms, a calibration's ~1 s.
    deadline = time.monotonic() + limit
    while p.is_alive() and time.monotonic() < deadline:
        if marker.exists() and "write-begin" in marker.read_text():
            return
        p.join(0.002)


def run_child(
    ctx, target, args: tuple, marker: Path, what: str, *, kill: Kill | None = None, fault: str | None = None
) -> Trial:
    trial = Trial(what + (f", fault {fault}" if fault else ""), kill)
    marker.unlink(missing_ok=True)
    start = time.time()
    p = ctx.Process(target=target, args=(*args, str(marker), fault))
    p.start()
    if kill is None:
        p.join(300)
    elif kill.into_write:
        _wait_for_write(p, marker, 300)
        p.join(kill.seconds)
    else:
        p.join(kill.seconds)
    if p.is_alive():
        os.kill(p.pid, signal.SIGKILL)
        p.join()
        trial.outcome = "killed"
    else:
        trial.outcome = "self-killed" if p.exitcode == -signal.SIGKILL else f"exited {p.exitcode}"
    trial.seconds = time.time() - start
    trial.events = [(e, round(t - start, 3)) for e, t in worker.read_marker(marker)]
    return trial


def log_text(log: list[Trial]) -> str:
    return "trials:\n  " + "\n  ".join(map(repr, log))


def open_both_ways(db: Path) -> bool:
    """The warehouse opens read-only (the WAL replayed in memory) and read-write (replayed and checkpointed)."""
    wal = Path(str(db) + ".wal").exists()
    connect(db, read_only=True).close()
    connect(db).close()
    return wal


def checked(check, db: Path, others: dict, log: list[Trial]) -> tuple[int, bool]:
    """Run an invariant check; a failure (or a warehouse that does not open) carries the trial log."""
    try:
        return check(db, others)
    except (AssertionError, WarehouseError) as exc:
        raise AssertionError(f"{exc}\n{log_text(log)}") from exc


def expect_after(trial: Trial, before: int, after: int, log: list[Trial]) -> None:
    """What the markers say must have happened: nothing stored before the write began, the record stored once
    the write returned (or the child finished), either in between."""
    msg = log_text(log)
    assert trial.outcome in ("killed", "exited 0"), msg
    if trial.outcome == "exited 0" or trial.reached("write-end") is not None:
        assert after == before + 1, msg
    elif trial.reached("write-begin") is None:
        assert after == before, msg
    else:
        assert after in (before, before + 1), msg


def next_kill(rng: random.Random, i: int, measured: Trial) -> Kill:
    """Even trials: anywhere in a run (as long as the measured one). Odd trials: inside the write, at a random
    point of the measured write's length (+10%, so some land just after COMMIT), counted from when the child
    is seen entering it, so the aim does not depend on how loaded the machine is."""
    begin, end = measured.reached("write-begin"), measured.reached("write-end")
    if i % 2 == 0:
        return Kill(rng.uniform(0.05, measured.seconds))
    return Kill(rng.uniform(0.0, (end - begin) * 1.1), into_write=True)
