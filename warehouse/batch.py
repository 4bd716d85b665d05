"""A source's payloads written in one transaction (issue 18: one COMMIT, so one WAL fsync, per payload was a
tenth of an offline refresh), with the per-payload guarantees kept.

Every payload reaches `write_batch` parsed, validated and staged (temp tables): the write only upserts checked
stages and writes log lines, in fetch order. If the batch fails at any write or at COMMIT, it is rolled back
whole (the stages with it: temp tables are transactional) and written again one transaction per payload, so
the good payloads land and the one that failed gets a `failed` log line naming its file and the error. A storage
failure (disk full, read-only directory) of a single payload is re-raised instead: every later payload would
fail the same way. Nothing stored before the batch is touched by a rollback. (Sequence values are not rolled
back: after a fallback, ingest_log's payload_ids have a gap; their order is still fetch order.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from warehouse.db import is_storage_trouble
from warehouse.load import LoadResult, drop_stages, loaded_line, upsert_payload, write_log, write_logs
from warehouse.transaction import transaction


@dataclass
class Pending:
    """One payload ready to write: its complete log line (status set) and, for a load, its checked stages
    ({table: (stage, rows)}). `result` (a load's counts) or `error` (its write failed) is filled by the write."""

    log_row: dict
    staged: dict[str, tuple[str, int]] | None = None
    result: LoadResult = field(default_factory=LoadResult)
    error: str | None = None


def write_batch(con: duckdb.DuckDBPyConnection, batch: list[Pending]) -> None:
    """Write every pending payload in one transaction; on failure, one transaction each (see the module)."""
    if not batch:
        return
    try:
        with transaction(con):
            _write_all(con, batch)
        return
    except duckdb.Error:
        pass  # rolled back whole; a storage failure too may be the batch's size, so each payload is tried
    for pending in batch:
        pending.result = LoadResult()
        try:
            with transaction(con):
                _write_all(con, [pending])
        except duckdb.Error as exc:
            if is_storage_trouble(exc):
                raise
            pending.error = f"{pending.log_row['relpath']}: could not be stored: {str(exc).splitlines()[0]}"
            drop_stages(con, pending.staged)
            write_log(con, {**pending.log_row, "status": "failed", "error": pending.error})


def _write_all(con: duckdb.DuckDBPyConnection, batch: list[Pending]) -> None:
    """Every payload's upserts in fetch order, then every log line in one INSERT (one statement, not one per
    payload): payload_ids come from the sequence row by row, so ingest_log keeps fetch order."""
    lines = []
    for pending in batch:
        if pending.staged is not None:
            pending.result = upsert_payload(con, pending.staged)
            lines.append(loaded_line(pending.log_row, pending.result))
        else:
            lines.append(pending.log_row)
    write_logs(con, lines)
