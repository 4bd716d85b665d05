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
from warehouse.load import (
    LoadResult,
    TableCounts,
    drop_stages,
    loaded_line,
    newest_column,
    overlap_columns,
    upsert_payload,
    upsert_stage,
    write_log,
    write_logs,
)
from warehouse.schema import TABLES, Table
from warehouse.transaction import transaction


@dataclass
class Pending:
    """One payload ready to write: its complete log line (status set) and, for a load, its checked stages
    ({table: (stage, rows)}). `result` (a load's counts) or `error` (its write failed) is filled by the write."""

    log_row: dict
    staged: dict[str, tuple[str, int]] | None = None
    part: int | None = None  # the payload's rows are those of `k = part` in a stage shared with others
    result: LoadResult = field(default_factory=LoadResult)
    error: str | None = None


def write_batch(con: duckdb.DuckDBPyConnection, batch: list[Pending]) -> None:
    """Write every pending payload in one transaction; on failure, one transaction each (see the module)."""
    if not batch:
        return
    shared = {stage for p in batch if p.part is not None for stage, _ in p.staged.values()}
    try:
        with transaction(con):
            _write_all(con, batch)
            if shared:
                con.execute("".join(f"DROP TABLE {stage};" for stage in shared))
        return
    except duckdb.Error:
        pass  # rolled back whole; a storage failure too may be the batch's size, so each payload is tried
    try:
        _write_each(con, batch)
    finally:
        for stage in shared:  # kept until every part was tried (a rollback restores it, temp tables are transactional)
            con.execute(f"DROP TABLE IF EXISTS {stage}")


def _write_each(con: duckdb.DuckDBPyConnection, batch: list[Pending]) -> None:
    for pending in batch:
        pending.result = LoadResult()
        try:
            with transaction(con):
                _write_all(con, [pending])
        except duckdb.Error as exc:
            if is_storage_trouble(exc):
                raise
            pending.error = f"{pending.log_row['relpath']}: could not be stored: {str(exc).splitlines()[0]}"
            if pending.part is None:
                drop_stages(con, pending.staged)
            write_log(con, {**pending.log_row, "status": "failed", "error": pending.error})


def _write_all(con: duckdb.DuckDBPyConnection, batch: list[Pending]) -> None:
    """Every payload's upserts in fetch order, then every log line in one INSERT (one statement, not one per
    payload): payload_ids come from the sequence row by row, so ingest_log keeps fetch order."""
    run: list[Pending] = []
    for pending in batch:
        if pending.part is not None:  # consecutive parts of a shared stage are written together
            run.append(pending)
            continue
        upsert_parts(con, run)
        run = []
        if pending.staged is not None:
            pending.result = upsert_payload(con, pending.staged)
    upsert_parts(con, run)
    write_logs(con, [loaded_line(p.log_row, p.result) if p.staged is not None else p.log_row for p in batch])


def upsert_parts(con: duckdb.DuckDBPyConnection, run: list[Pending]) -> None:
    """Consecutive payloads whose rows are parts of shared stages (warehouse/stage_group.py), written as if one
    after the other in fetch order (issue 18: one upsert each was ~4 ms of fixed DuckDB work)."""
    by_stage: dict[tuple[str, str], list[Pending]] = {}
    for pending in run:
        for name, (stage, _) in pending.staged.items():
            by_stage.setdefault((name, stage), []).append(pending)
    for (name, stage), parts in by_stage.items():
        _upsert_shared(con, TABLES[name], stage, parts)


def _upsert_shared(con: duckdb.DuckDBPyConnection, table: Table, stage: str, parts: list[Pending]) -> None:
    """The parts that share no row's key (or observation) with a stored row or with an earlier part of the run are
    all new when their turn comes: one INSERT, counts from one GROUP BY. Every other part is upserted alone, in
    fetch order, from its own copy of its rows, as it would have been: an all-new part shares nothing with an
    earlier one, and a later part that shares rows with it finds them stored, as it would have."""
    ks = ", ".join(str(p.part) for p in parts)
    survey = con.execute(_survey_sql(table, stage, ks)).fetchall()
    alone = {k: (newest, bool(overlaps)) for k, newest, overlaps in survey}
    cols = ", ".join(c.name for c in table.columns)
    fast = [p for p in parts if p.part in alone and not alone[p.part][1]]
    if fast:
        con.execute(
            f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {stage} WHERE k IN ({', '.join(str(p.part) for p in fast)})"
        )
    for pending in parts:
        rows = pending.staged[table.name][1]
        if pending in fast:
            counts = TableCounts(new=rows, newest=alone[pending.part][0])
        else:
            own = f"{stage}_{pending.part}"
            con.execute(f"CREATE OR REPLACE TEMP TABLE {own} AS SELECT {cols} FROM {stage} WHERE k = {pending.part}")
            counts = upsert_stage(con, table, own, rows)
        pending.result = LoadResult({table.name: counts})


def _survey_sql(table: Table, stage: str, ks: str) -> str:
    """Per part k: its newest date, and whether it may share a row's key with a stored row or an earlier part. A
    part is compared with earlier parts by its date span per value of the other key columns (issue 18: joining
    every row with every other part's was ~40 ms of FRED's refresh); spans that meet are counted as shared even
    if no date is, which only sends the part the careful way, through `upsert_stage`."""
    overlap = overlap_columns(table)
    on = " AND ".join(f"a.{c} = b.{c}" for c in overlap)
    stored = f"k IN (SELECT a.k FROM {stage} a SEMI JOIN {table.name} b ON {on} WHERE a.k IN ({ks}))"
    date_col = newest_column(table)
    if date_col not in overlap:
        return f"""SELECT k, {f"max({date_col})" if date_col else "NULL"}, {stored}
            OR k IN (SELECT a.k FROM {stage} a JOIN {stage} b ON {on} AND a.k > b.k WHERE a.k IN ({ks}) AND b.k IN ({ks}))
            FROM {stage} WHERE k IN ({ks}) GROUP BY k"""
    others = [c for c in overlap if c != date_col]
    same = "".join(f" AND a.{c} = b.{c}" for c in others)
    return f"""WITH spans AS (SELECT k, {"".join(f"{c}, " for c in others)}min({date_col}) AS lo, max({date_col}) AS hi
            FROM {stage} WHERE k IN ({ks}) GROUP BY ALL)
        SELECT k, max(hi), {stored}
            OR k IN (SELECT a.k FROM spans a JOIN spans b ON a.k > b.k AND a.lo <= b.hi AND b.lo <= a.hi{same})
        FROM spans GROUP BY k"""
