"""One payload from bytes to warehouse: land it, skip it if seen, parse it, load it or quarantine it."""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import ModuleType

import duckdb

from flows.sources.base import ParseError, Payload
from warehouse import landing
from warehouse.db import WarehouseError, storage_errors
from warehouse.load import (
    LoadResult,
    ValidationError,
    already_loaded,
    load_frames,
    load_staged,
    loaded_payloads,
    retrieval_date,
    write_log,
    write_logs,
)

# Source name -> module under flows.sources, in refresh order (holdings before flows that reference them).
SOURCES: dict[str, str] = {
    "tic": "flows.sources.tic",
    "fred": "flows.sources.fred",
    "fiscaldata": "flows.sources.fiscaldata",
    "yield_curve": "flows.sources.yield_curve",
    "soma": "flows.sources.nyfed",
    "auctions": "flows.sources.auctions",
}


def source_module(name: str) -> ModuleType:
    if name not in SOURCES:
        raise KeyError(f"unknown source {name!r}; choose from {', '.join(SOURCES)}")
    return importlib.import_module(SOURCES[name])


@dataclass
class PayloadOutcome:
    relpath: str
    sha256: str
    status: str  # loaded | skipped | quarantined | stale | failed
    result: LoadResult = field(default_factory=LoadResult)
    error: str | None = None


@dataclass
class Ledger:
    """What one refresh knows of ingest_log: the payloads loaded before (read with one query, not one per
    payload) and the `skipped` lines, written with one INSERT by `flush` (issue 18: 56 one-row inserts were a
    third of a no-op refresh)."""

    known: set[tuple[str, str]]
    skipped: list[dict] = field(default_factory=list)

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection) -> Ledger:
        return cls(loaded_payloads(con))

    def flush(self, con: duckdb.DuckDBPyConnection) -> None:
        with storage_errors(con):
            write_logs(con, self.skipped)
        self.skipped.clear()


def ingest_payload(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    payload: Payload,
    module: ModuleType,
    *,
    force: bool = False,
    ledger: Ledger | None = None,
) -> PayloadOutcome:
    """Raises WarehouseError (one line) when the data directory or the database cannot be written.
    With a ledger, a skipped payload's log line waits for `ledger.flush`."""
    with storage_errors(con):
        outcome = _ingest(con, data_dir, payload, module, force, ledger)
    if ledger is not None and outcome.status in ("loaded", "stale"):
        ledger.known.add((outcome.sha256, outcome.relpath))
    return outcome


def _ingest(
    con: duckdb.DuckDBPyConnection,
    data_dir: Path,
    payload: Payload,
    module: ModuleType,
    force: bool,
    ledger: Ledger | None,
) -> PayloadOutcome:
    sha = payload.sha256
    # Land the bytes before anything can fail: the raw zone is the record of what the source served.
    with landing_errors(payload.relpath, data_dir):
        raw = landing.store(data_dir, sha, payload.body)
    log = {
        "source": payload.source,
        "relpath": payload.relpath,
        "url": payload.url,
        "fetched_at": payload.fetched_at.replace(tzinfo=None),
        "sha256": sha,
        "bytes": len(payload.body),
        "offline": payload.offline,
    }
    seen = (sha, payload.relpath) in ledger.known if ledger is not None else already_loaded(con, sha, payload.relpath)
    if not force and seen:
        # Logged all the same: the fetch happened, and freshness reports when each source was last checked.
        if ledger is not None:
            ledger.skipped.append({**log, "status": "skipped"})
        else:
            write_log(con, {**log, "status": "skipped"})
        return PayloadOutcome(payload.relpath, sha, "skipped")
    if ledger is not None:
        ledger.flush(con)  # the skipped lines before this payload's own: ingest_log stays in fetch order
    fetched_on: date | None = None if payload.offline else payload.fetched_at.date()
    staging = getattr(module, "stage", None)  # DuckDB reads the landed bytes; None = parse in Python
    staged = staging and staging(
        con, payload.relpath, payload.body, fetched_on, raw, sha, retrieval_date(log["fetched_at"])
    )
    if staged:
        return PayloadOutcome(payload.relpath, sha, "loaded", load_staged(con, staged, log_row=log))
    try:
        frames = module.transform(payload.relpath, payload.body, fetched_on)
        if hasattr(module, "check_plausible"):  # per-series bounds the table's own cannot express
            module.check_plausible(payload.relpath, frames)
        result = load_frames(con, frames, file=payload.relpath, sha256=sha, log_row=log)
    except (ParseError, ValidationError) as exc:
        status = "stale" if getattr(exc, "stale", False) else "quarantined"
        reason = str(exc)
        if status == "quarantined":
            with landing_errors(payload.relpath, data_dir):
                landing.quarantine(data_dir, sha, payload.relpath, reason)
        write_log(con, {**log, "status": status, "error": reason})
        return PayloadOutcome(payload.relpath, sha, status, error=reason)
    return PayloadOutcome(payload.relpath, sha, "loaded", result)


@contextmanager
def landing_errors(relpath: str, data_dir: Path):
    """A full or read-only data directory stops the refresh with one line (WarehouseError, exit 1) before
    anything about the payload is logged; every later payload would fail the same way."""
    try:
        yield
    except OSError as exc:
        raise WarehouseError(
            f"{relpath}: cannot write to the data directory {data_dir}: {exc.strerror or exc}"
        ) from None


def record_fetch_failure(con: duckdb.DuckDBPyConnection, source: str, relpath: str, url: str, error: str) -> None:
    from warehouse.load import utcnow

    write_log(
        con,
        {
            "source": source,
            "relpath": relpath,
            "url": url,
            "fetched_at": utcnow(),
            "sha256": "",
            "bytes": 0,
            "status": "failed",
            "error": error,
            "offline": False,
        },
    )
