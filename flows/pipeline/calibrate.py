"""The calibrate flow: read the inputs read-only, estimate, then store the record read-write briefly.

DuckDB lets one process write a file at a time and refuses a second connection with another mode in
the same process, so the steps never overlap: a read-only connection for the inputs (closed before the
estimation, which takes seconds), then a short read-write one to store the record. A refresh can
therefore run while the estimation does; only the final store needs the write lock, and it waits for it
(up to STORE_WAIT_SECONDS) rather than throw the estimate away.

A stored calibration is reused when its data hash, code version and as-of date are all the same: the
record would be identical (calibrate() is deterministic), so estimating again only costs time.

calibration.estimate, .lp and .panel (statsmodels: seconds to import) are imported where they are used,
so the reuse path of `tshock calibrate` stays quick.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date

import duckdb
from prefect import flow, task

from calibration.inputs import Inputs, coverage, data_hash, load_inputs
from calibration.record import CalibrationRecord
from flows.pipeline import progress
from flows.pipeline.records import load_calibration, store_calibration
from flows.pipeline.versioning import code_version
from warehouse.db import WarehouseError, connect
from warehouse.read.newest import first_holdings_vintage, tic_coverage
from warehouse.repository import find_calibration

PACKAGE = "calibration"
STORE_WAIT_SECONDS = 180.0
STORE_RETRY_SECONDS = 2.0


@dataclass
class Plan:
    """What the read-only step found: the inputs, their hash and any stored record to reuse."""

    as_of: date
    inputs: Inputs
    data_hash: str
    code_version: str
    existing: CalibrationRecord | None = None


def resolve_as_of(as_of: date | str | None, today: date | None = None) -> date:
    """None means today; a date after today is refused (nothing is known about it yet)."""
    today = today or date.today()
    if as_of is None:
        return today
    if isinstance(as_of, str):
        as_of = date.fromisoformat(as_of)
    if as_of > today:
        from calibration.estimate import CalibrationError

        raise CalibrationError(
            f"as-of {as_of} is in the future (today is {today}): a calibration can only use data already published"
        )
    return as_of


def _span(lo, hi, fmt: str = "%Y-%m") -> str:
    return "none" if lo is None else f"{lo:{fmt}}..{hi:{fmt}}"


def warehouse_coverage(con: duckdb.DuckDBPyConnection) -> str:
    """The TIC data in the warehouse (all vintages): which months, published when. For error messages."""
    parts = []
    for table, what in (("foreign_holdings", "holdings"), ("foreign_flows", "flows")):
        v0, v1, m0, m1 = tic_coverage(con, table)
        parts.append(
            f"foreign {what} {_span(m0, m1)}" + ("" if v0 is None else f" published {_span(v0, v1, '%Y-%m-%d')}")
        )
    return "the warehouse holds " + ", ".join(parts)


def check_supported(con: duckdb.DuckDBPyConnection, inputs: Inputs) -> None:
    """Refuse, in one line naming the date and the coverage, an as-of the data cannot support.

    The same test calibrate() applies (the 10y h=0 projection needs MIN_OBS months), run first so the
    CLI can say so before starting a Prefect server, and with the warehouse's coverage in the message.
    """
    from calibration.estimate import CalibrationError, spec_for
    from calibration.lp import MIN_OBS, local_projection
    from calibration.panel import build_panel

    as_of = inputs.as_of
    if inputs.holdings.empty and inputs.flows.empty:
        first = first_holdings_vintage(con)
        hint = (
            f"; use an as-of of {first} or later"
            if first is not None and first > as_of
            else "; run `tshock refresh` first"
        )
        raise CalibrationError(
            f"as-of {as_of} is earlier than the data: no foreign holdings were published on or before that date "
            f"({warehouse_coverage(con)}; a calibration uses only data published by its as-of date){hint}"
        )
    spec = spec_for("total", "adj", "bp_per_100bn")
    p = build_panel(inputs).frame
    if spec.shock in p and "y_10y" in p and not local_projection(p, "y_10y", spec, [0]).empty:
        return
    n = int((p[spec.shock].notna() & p["y_10y"].notna()).sum()) if spec.shock in p and "y_10y" in p else 0
    known = ", ".join(f"{k} {v}" for k, v in coverage(inputs).items())
    raise CalibrationError(
        f"as-of {as_of}: too little data known on that date for the 10y h=0 projection ({n} months with "
        f"foreign flows and a 10y yield; need at least {MIN_OBS} with every control). Known on {as_of}: {known}; "
        f"{warehouse_coverage(con)}"
    )


def plan_calibration(db: str, as_of: date | str | None = None, *, force: bool = False) -> Plan:
    """Read-only: load the inputs as known on as_of, hash them, find a stored record with the same inputs.

    Raises CalibrationError when the as-of is in the future or earlier than the data (only when an
    estimation is needed: a stored record proves the data were enough).
    """
    day = resolve_as_of(as_of)
    version = code_version(PACKAGE)
    con = connect(db, read_only=True)
    try:
        inputs = load_inputs(con, day)
        dhash = data_hash(inputs)
        existing = None
        if not force:
            existing = _find_stored(con, dhash, version, day)
        if existing is None:
            check_supported(con, inputs)
    finally:
        con.close()
    return Plan(day, inputs, dhash, version, existing)


def _find_stored(con, dhash: str, version: str, day: date) -> CalibrationRecord | None:
    found = find_calibration(con, dhash, version, day)  # None on a warehouse without the record tables
    return load_calibration(con, found) if found else None


HEADLINE_KINDS = ("data_event_study", "data_custody_lp", "data_tic_lp", "data", "prior", "posterior")


def headline(record: CalibrationRecord) -> dict[str, dict]:
    """The 10y, h=0, bp_per_100bn numbers by kind (each estimator, prior, posterior), for summaries."""
    out = {}
    for kind in HEADLINE_KINDS:
        p = next(
            (
                x
                for x in record.params
                if x.name == "yield_impact"
                and x.tenor == "10y"
                and x.horizon_months == 0
                and x.unit == "bp_per_100bn"
                and x.kind == kind
            ),
            None,
        )
        if p is not None:
            out[kind] = {"estimate": p.estimate, "ci_low": p.ci_low, "ci_high": p.ci_high, "n_obs": p.n_obs}
    return out


def _summary(record: CalibrationRecord, plan: Plan, status: str, started: float, **extra) -> dict:
    return {
        "calibration_id": record.id,
        "status": status,
        "as_of": plan.as_of.isoformat(),
        "data_hash": plan.data_hash,
        "code_version": plan.code_version,
        "sample": f"{record.sample_start:%Y-%m}..{record.sample_end:%Y-%m}" if record.sample_start else None,
        "params": len(record.params),
        "warnings": len(record.warnings),
        "headline_10y_h0_bp_per_100bn": headline(record),
        "seconds": round(time.perf_counter() - started, 2),
        "record": record,
        **extra,
    }


def open_for_store(db: str, wait_seconds: float | None = None) -> duckdb.DuckDBPyConnection:
    """A read-write connection, waiting while another process (a refresh) holds the write lock."""
    deadline = time.monotonic() + (STORE_WAIT_SECONDS if wait_seconds is None else wait_seconds)
    while True:
        try:
            return connect(db)
        except WarehouseError as exc:
            # warehouse.db words every lock conflict "<file> is locked …"; anything else fails at once.
            if " is locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            progress.advance("store", "waiting for the write lock held by another process")
            time.sleep(STORE_RETRY_SECONDS)


@task(name="calibrate", retries=0)
def calibrate_task(db: str, as_of: date | None = None, force: bool = False) -> dict:
    """Estimate and store a calibration as of `as_of` (default today), or reuse the identical stored one.

    status: "reused" (found, nothing estimated), "stored" (estimated and written) or "unchanged"
    (force=True re-estimated a record whose id was already stored; `matches_stored` says whether the
    values came out the same, which they must).
    """
    from calibration.estimate import calibrate

    started = time.perf_counter()
    progress.start("inputs", f"as of {as_of or date.today()}")
    plan = plan_calibration(db, as_of, force=force)
    if plan.existing is not None:
        progress.done("inputs", f"reusing {plan.existing.id}")
        return _summary(plan.existing, plan, "reused", started)
    progress.done("inputs", f"data hash {plan.data_hash[:12]}")

    progress.start("estimate", "local projections, priors, stability checks")
    record = calibrate(plan.inputs, plan.as_of, plan.code_version)
    progress.done("estimate", f"{len(record.params)} parameters")

    progress.start("store", record.id)
    con = open_for_store(db)
    try:
        written = store_calibration(con, record)
        stored = record if written else load_calibration(con, record.id)
    finally:
        con.close()
    progress.done("store", record.id if written else f"{record.id} already stored")
    if written:
        return _summary(record, plan, "stored", started)
    same = stored.model_dump(exclude={"created_at"}) == record.model_dump(exclude={"created_at"})
    return _summary(record, plan, "unchanged", started, matches_stored=same)


@flow(name="tshock-calibrate", log_prints=False)
def calibrate_flow(db: str, as_of: date | None = None, force: bool = False) -> dict:
    """`tshock calibrate`: one task, so a deployment can schedule it after each refresh."""
    result = calibrate_task(db, as_of, force)
    from warehouse.db import publish_read_copy

    publish_read_copy(db)  # readers (notebooks, `tshock sql` during a write) see the new record
    return result
