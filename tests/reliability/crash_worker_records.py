"""What a record crash-trial child runs: a calibration (`flows.pipeline.calibrate.calibrate_task.fn`) or a scenario run
(`flows.pipeline.scenario.run_and_store`), exactly as the CLI and `tshock run` call them, in a child of a forkserver that
has imported them (statsmodels included) once.

Every child appends what it reached to a marker file, one line per event, so the parent can say where each
SIGKILL landed: `start:<stage>` from the flow's progress events (inputs, estimate/model, store), then
`write-begin` / `write-end` around the store function itself. A kill after `write-end` must leave the record
stored; one before `write-begin` must leave nothing.

A fault makes the child SIGKILL itself inside the store transaction (no cleanup, no atexit, no ROLLBACK):

  between-inserts  the record's row is inserted (calibrations / scenario_runs), its detail rows
                   (calibration_params / scenario_fiscal_years) not yet
  before-commit    every row inserted, COMMIT not yet sent
  after-commit     COMMIT returned: the record lives only in the WAL (no checkpoint yet)
"""

from __future__ import annotations

import os
import signal
import time

FAULTS = ("between-inserts", "before-commit", "after-commit")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class DyingConnection:
    """Forwards to a DuckDB connection and dies at the fault's point of the store transaction. A proxy, because
    the store functions take the connection as an argument and DuckDB's connection type cannot be patched."""

    def __init__(self, con, fault: str):
        self._con, self._fault, self._inserts = con, fault, 0

    def execute(self, sql: str, *args):
        statement = sql.strip().upper()
        if statement == "COMMIT" and self._fault == "before-commit":
            _die()
        if statement.startswith("INSERT") and self._inserts == 1 and self._fault == "between-inserts":
            _die()  # the second insert of the transaction is the first of the detail rows
        result = self._con.execute(sql, *args)
        if statement.startswith("INSERT"):
            self._inserts += 1
        if statement == "COMMIT" and self._fault == "after-commit":
            _die()
        return result

    def executemany(self, sql: str, *args):
        if sql.strip().upper().startswith("INSERT") and self._inserts == 1 and self._fault == "between-inserts":
            _die()
        result = self._con.executemany(sql, *args)
        self._inserts += 1
        return result

    def __getattr__(self, name):
        return getattr(self._con, name)


def _marker(path: str):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def mark(event: str) -> None:
        # one unbuffered write per event: what reached the kernel survives the SIGKILL
        os.write(fd, f"{event} {time.time():.6f}\n".encode())

    return mark


def _instrument(module, name: str, marker: str, fault: str | None) -> None:
    """Wrap `module.<name>` (the store function as the flow calls it) with markers and the fault's proxy."""
    from flows.pipeline import progress

    if fault is not None and fault not in FAULTS:
        raise ValueError(fault)
    mark = _marker(marker)
    progress.listen(lambda event, stage, _detail: mark(f"start:{stage}") if event == "start" else None)
    original = getattr(module, name)

    def store(con, *args):
        mark("write-begin")
        result = original(DyingConnection(con, fault) if fault else con, *args)
        mark("write-end" if result else "write-skipped")
        return result

    setattr(module, name, store)


def noop() -> None:
    pass


def calibrate(db: str, as_of: str, marker: str, fault: str | None = None) -> None:
    from datetime import date

    import flows.pipeline.calibrate

    _instrument(flows.pipeline.calibrate, "store_calibration", marker, fault)
    flows.pipeline.calibrate.calibrate_task.fn(db, date.fromisoformat(as_of), False)


def run_scenario(db: str, scenario: str, calibration: str, draws: int, marker: str, fault: str | None = None) -> None:
    import flows.pipeline.scenario

    _instrument(flows.pipeline.scenario, "store_run", marker, fault)
    flows.pipeline.scenario.run_and_store(db, scenario, calibration=calibration, draws=draws)


def read_marker(path) -> list[tuple[str, float]]:
    try:
        text = open(path).read()
    except FileNotFoundError:
        return []
    return [(e, float(t)) for e, t in (line.split() for line in text.splitlines() if line.strip())]
