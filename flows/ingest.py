"""A source's payloads from bytes to warehouse: each landed, skipped if seen, parsed, validated and staged (or
quarantined) as it arrives; then all written in one transaction (warehouse/batch.py)."""

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
from warehouse.batch import Pending, write_batch
from warehouse.db import WarehouseError, storage_errors
from warehouse.load import LoadResult, ValidationError, already_loaded, retrieval_date, stage_frames, write_log
from warehouse.stage_group import StageItem

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


class Batch:
    """One source's payloads: each landed, checked against what is loaded, parsed, validated and staged as it
    arrives (`add`), then all written in one transaction (`write`, warehouse/batch.py), which falls back to one
    transaction per payload if it fails. `known`: the (sha256, relpath) pairs loaded before, read with one
    query for a whole refresh; None asks ingest_log per payload."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        data_dir: Path,
        module: ModuleType,
        *,
        force: bool = False,
        known: set[tuple[str, str]] | None = None,
    ):
        self.con, self.data_dir, self.module, self.force, self.known = con, data_dir, module, force, known
        self.pending: list[tuple[PayloadOutcome, Pending]] = []
        # Payloads of a source that stages many at once (`stage_many`): (their place in `pending`, payload, item),
        # staged together when the batch is written.
        self.deferred: list[tuple[int, Payload, StageItem]] = []

    def add(self, payload: Payload) -> None:
        """Raises WarehouseError (one line) when the data directory or the database cannot be written."""
        with storage_errors(self.con):
            outcome, pending = self._prepare(payload)
        self.pending.append((outcome, pending))
        self._remember(outcome)

    def _remember(self, outcome: PayloadOutcome) -> None:
        if self.known is not None and outcome.status in ("loaded", "stale"):
            self.known.add((outcome.sha256, outcome.relpath))

    def write(self) -> list[PayloadOutcome]:
        """Every added payload written (see warehouse/batch.py); their outcomes in fetch order."""
        with storage_errors(self.con):
            self.stage_deferred()
            write_batch(self.con, [pending for _, pending in self.pending])
        outcomes = []
        for outcome, pending in self.pending:
            if pending.error is not None:
                outcome.status, outcome.error = "failed", pending.error
            outcome.result = pending.result
            outcomes.append(outcome)
        self.pending = []
        return outcomes

    def stage_deferred(self) -> None:
        """The deferred payloads staged by one `stage_many` call (a shared stage for the CSVs it can read together);
        those it does not stage are parsed in Python one by one, as `add` does."""
        deferred, self.deferred = self.deferred, []
        if not deferred:
            return
        with storage_errors(self.con):
            answers = self.module.stage_many(self.con, [item for _, _, item in deferred], f"group_{id(self)}")
            for (n, payload, item), answer in zip(deferred, answers, strict=True):
                outcome, pending = self.pending[n]
                if answer is not None:
                    pending.staged, pending.part = answer
                else:
                    self.pending[n] = outcome, pending = self._parse(
                        payload, pending.log_row, item.fetched_on, item.tag
                    )
                self._remember(outcome)

    def _prepare(self, payload: Payload) -> tuple[PayloadOutcome, Pending]:
        sha, con = payload.sha256, self.con
        # Land the bytes before anything can fail: the raw zone is the record of what the source served.
        with landing_errors(payload.relpath, self.data_dir):
            raw = landing.store(self.data_dir, sha, payload.body)
        log = {
            "source": payload.source,
            "relpath": payload.relpath,
            "url": payload.url,
            "fetched_at": payload.fetched_at.replace(tzinfo=None),
            "sha256": sha,
            "bytes": len(payload.body),
            "offline": payload.offline,
        }
        key = (sha, payload.relpath)
        seen = key in self.known if self.known is not None else already_loaded(con, *key)
        if not self.force and seen:
            # Logged all the same: the fetch happened, and freshness reports when each source was last checked.
            return PayloadOutcome(payload.relpath, sha, "skipped"), Pending({**log, "status": "skipped"})
        fetched_on: date | None = None if payload.offline else payload.fetched_at.date()
        tag = f"_{len(self.pending)}"  # every payload of the batch keeps its own stages until the write
        retrieved = retrieval_date(log["fetched_at"])
        if hasattr(self.module, "stage_many"):  # staged with the batch's other payloads when it is written
            item = StageItem(payload.relpath, payload.body, fetched_on, raw, sha, retrieved, tag)
            self.deferred.append((len(self.pending), payload, item))
            return PayloadOutcome(payload.relpath, sha, "loaded"), Pending(log)
        staging = getattr(self.module, "stage", None)  # DuckDB reads the landed bytes; None = parse in Python
        staged = staging and staging(con, payload.relpath, payload.body, fetched_on, raw, sha, retrieved, tag=tag)
        return self._parse(payload, log, fetched_on, tag, staged)

    def _parse(
        self, payload: Payload, log: dict, fetched_on: date | None, tag: str, staged: dict | None = None
    ) -> tuple[PayloadOutcome, Pending]:
        """The payload parsed in Python unless DuckDB `staged` it; a bad one quarantined (or refused as stale)."""
        sha, con = payload.sha256, self.con
        try:
            if not staged:
                frames = self.module.transform(payload.relpath, payload.body, fetched_on)
                if hasattr(self.module, "check_plausible"):  # per-series bounds the table's own cannot express
                    self.module.check_plausible(payload.relpath, frames)
                staged = stage_frames(con, frames, file=payload.relpath, sha256=sha, log_row=log, tag=tag)
        except (ParseError, ValidationError) as exc:
            status = "stale" if getattr(exc, "stale", False) else "quarantined"
            reason = str(exc)
            if status == "quarantined":
                with landing_errors(payload.relpath, self.data_dir):
                    landing.quarantine(self.data_dir, sha, payload.relpath, reason)
            return PayloadOutcome(payload.relpath, sha, status, error=reason), Pending(
                {**log, "status": status, "error": reason}
            )
        return PayloadOutcome(payload.relpath, sha, "loaded"), Pending(log, staged)


def ingest_payload(
    con: duckdb.DuckDBPyConnection, data_dir: Path, payload: Payload, module: ModuleType, *, force: bool = False
) -> PayloadOutcome:
    """One payload on its own (a batch of one). Raises WarehouseError (one line) when the data directory or
    the database cannot be written."""
    batch = Batch(con, data_dir, module, force=force)
    batch.add(payload)
    return batch.write()[0]


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
