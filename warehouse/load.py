"""Validated, all-or-nothing, idempotent loads of parsed frames into the base tables.

A payload's rows and its ingest_log line commit together or not at all. Validation and staging (temp tables)
come first; the write only upserts checked stages. A refresh writes a source's payloads in one transaction
(`write_batch`: one WAL fsync instead of one per payload, issue 18) and falls back to one transaction per
payload when that fails, so the good payloads still land and the one that failed is named.
Only new or changed rows are written, so re-loading identical data changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from warehouse.revisions import fold_repeats
from warehouse.schema import TABLES, Table
from warehouse.transaction import transaction

DATE_COLUMNS = ("date", "month", "record_date", "as_of_date", "auction_date")


class ValidationError(ValueError):
    """A parsed frame that must not be loaded; the message names table, column and value."""


@dataclass
class TableCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    newest: date | None = None

    @property
    def loaded(self) -> int:
        return self.new + self.changed + self.unchanged


@dataclass
class LoadResult:
    tables: dict[str, TableCounts] = field(default_factory=dict)

    def total(self, attr: str) -> int:
        return sum(getattr(c, attr) for c in self.tables.values())

    @property
    def newest(self) -> date | None:
        dates = [c.newest for c in self.tables.values() if c.newest]
        return max(dates) if dates else None


def validate(table: Table, frame: pd.DataFrame, file: str, retrieved: date | None = None) -> pd.DataFrame:
    """Check columns, nulls, types, duplicate keys, bounds, dates after `retrieved` (+ the table's
    future_days); return the frame in table column order."""
    want = table.parsed_columns
    got = list(frame.columns)
    if got != want:
        missing = [c for c in want if c not in got]
        extra = [c for c in got if c not in want]
        raise ValidationError(f"{file}: table {table.name}: columns differ (missing {missing}, unexpected {extra})")
    for name in want:
        col = table.column(name)
        if not col.nullable and frame[name].isna().any():
            row = frame[frame[name].isna()].index[0]
            raise ValidationError(f"{file}: table {table.name}: column {name} is empty in row {row}")
    dup = frame.duplicated(subset=list(table.key), keep=False)
    if dup.any():
        key = frame.loc[dup, list(table.key)].iloc[0].to_dict()
        raise ValidationError(f"{file}: table {table.name}: duplicate key {key}")
    for name, (low, high) in table.bounds.items():
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = values.notna() & ((values < low) | (values > high))
        if bad.any():
            i = bad.idxmax()
            raise ValidationError(
                f"{file}: table {table.name}: implausible {name} = {values[i]:g} (allowed {low:g}..{high:g}) "
                f"at key {key_text(frame, table, i)}"
            )
    if retrieved is not None:
        check_not_future(table, frame, file, retrieved)
    return frame[want]


def key_text(frame: pd.DataFrame, table: Table, i) -> str:
    """The row's key as `name=value` pairs, dates as YYYY-MM-DD (not pandas' Timestamp repr)."""

    def show(v):
        return v.date().isoformat() if isinstance(v, pd.Timestamp) else v

    return ", ".join(f"{k}={show(frame.loc[i, k])}" for k in table.key)


def check_not_future(table: Table, frame: pd.DataFrame, file: str, retrieved: date) -> None:
    limit = pd.Timestamp(retrieved + timedelta(days=table.future_days))
    for name in DATE_COLUMNS:
        if name not in frame.columns or frame.empty:
            continue
        dates = pd.to_datetime(frame[name], errors="coerce")
        late = dates > limit
        if late.any():
            i = late.idxmax()
            raise ValidationError(
                f"{file}: table {table.name}: {name} {dates[i].date()} is after the payload was retrieved "
                f"({retrieved}; at most {table.future_days} day(s) ahead allowed) at key {key_text(frame, table, i)}"
            )


def upsert(con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame, sha256: str) -> TableCounts:
    """Insert new rows, update changed ones, leave identical ones alone (provenance included)."""
    if frame.empty:
        return TableCounts()
    stage = stage_frame(con, table, frame, sha256, f"stage_{table.name}")
    return upsert_stage(con, table, stage, len(frame))


def stage_frame(
    con: duckdb.DuckDBPyConnection, table: Table, frame: pd.DataFrame, sha256: str, stage: str, file: str = ""
) -> str:
    """A validated frame cast into temp table `stage` with the table's columns and provenance; a value that does
    not fit its column type is a ValidationError here, before any write begins."""
    casts = ", ".join(
        f"CAST(f.{c.name} AS {c.type}) AS {c.name}" for c in table.columns if c.name in table.parsed_columns
    )
    con.register("incoming_frame", frame)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {stage} AS SELECT {casts}, "
            f"CAST(? AS VARCHAR) AS payload_sha256 FROM incoming_frame f",
            [sha256],
        )
    except duckdb.Error as exc:
        where = f"{file}: " if file else ""
        raise ValidationError(
            f"{where}table {table.name}: a value does not fit its column type: {str(exc).splitlines()[0]}"
        ) from None
    finally:
        try:
            con.unregister("incoming_frame")
        except duckdb.Error:
            pass  # the connection is failing; the next register replaces the name anyway
    return stage


def upsert_stage(con: duckdb.DuckDBPyConnection, table: Table, stage: str, rows: int) -> TableCounts:
    """Upsert the staged relation `stage` (the table's columns, provenance included; `rows` rows) set-based,
    then drop it."""
    counts = TableCounts()
    counts.newest, overlaps = _survey(con, table, stage)
    cols = ", ".join(c.name for c in table.columns)
    if not overlaps:
        # Nothing stored shares a key (or, for a vintaged table, an observation) with the stage: every row is
        # new, so the join, the write table and its counts would only say so (most payloads of a first load).
        con.execute(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {stage}; DROP TABLE {stage}")
        counts.new = rows
        return counts
    # Unvintaged rows repeating the vintage in force are dropped (counted unchanged); revisions count as changed.
    revised = fold_repeats(con, table, stage)
    key_match = " AND ".join(f"s.{k} = t.{k}" for k in table.key)
    values = [c for c in table.parsed_columns if c not in table.key]
    differs = " OR ".join(f"s.{c} IS DISTINCT FROM t.{c}" for c in values) or "FALSE"
    # One join finds the rows to write; new ones are plainly inserted, only changed ones replace a stored row.
    new, changed = con.execute(f"""
        CREATE OR REPLACE TEMP TABLE write_{stage} AS
        SELECT {", ".join("s." + c.name for c in table.columns)}, t.{table.key[0]} IS NULL AS is_new
        FROM {stage} s LEFT JOIN {table.name} t ON {key_match}
        WHERE t.{table.key[0]} IS NULL OR ({differs});
        SELECT count(*) FILTER (WHERE is_new), count(*) FILTER (WHERE NOT is_new) FROM write_{stage}""").fetchall()[0]
    counts.new, counts.changed = int(new) - revised, int(changed) + revised
    counts.unchanged = rows - counts.new - counts.changed
    script = []
    if changed:
        # A changed row replaces the stored one: deleted, then written with the new ones. No INSERT OR REPLACE,
        # which needs a PRIMARY KEY the observation tables no longer have (Table.key_constraint).
        script.append(f"DELETE FROM {table.name} t USING write_{stage} s WHERE {key_match} AND NOT s.is_new")
    if new or changed:
        script.append(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM write_{stage}")
    con.execute(";\n".join([*script, f"DROP TABLE write_{stage}", f"DROP TABLE {stage}"]))
    return counts


def _survey(con: duckdb.DuckDBPyConnection, table: Table, stage: str) -> tuple[date | None, bool]:
    """The stage's newest date (as `newest_date`) and whether any stored row shares the key of a staged row,
    or for a table with revisions its observation (the columns fold_repeats compares on, part of the key):
    one query."""
    match = " AND ".join(f"t.{c} = s.{c}" for c in overlap_columns(table))
    date_col = newest_column(table)
    newest = f"(SELECT max({date_col}) FROM {stage})" if date_col else "NULL"
    row = con.execute(f"SELECT {newest}, EXISTS (SELECT 1 FROM {stage} s SEMI JOIN {table.name} t ON {match})")
    newest_value, found = row.fetchall()[0]
    return newest_value, bool(found)


def overlap_columns(table: Table) -> tuple[str, ...]:
    """What a staged row must share with a stored one for the upsert to compare them: the key, or for a table
    with revisions the observation (fold_repeats compares on it)."""
    rev = table.revisions
    return tuple(rev.observation if rev is not None and set(rev.observation) <= set(table.key) else table.key)


def newest_column(table: Table) -> str | None:
    return next((name for name in DATE_COLUMNS if name in table.parsed_columns), None)


def stage_frames(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame], *, file: str, sha256: str, log_row: dict, tag=""
) -> dict[str, tuple[str, int]]:
    """Validate every frame, then cast each into temp table `stage_<table><tag>`: {table: (stage, rows)} for
    `load_staged`/`write_batch`. Raises ValidationError (nothing staged is left behind)."""
    checked = {}
    retrieved = retrieval_date(log_row.get("fetched_at"))
    for name, frame in frames.items():
        if name not in TABLES:
            raise ValidationError(f"{file}: parser returned unknown table {name!r}")
        checked[name] = validate(TABLES[name], frame.reset_index(drop=True), file, retrieved)
    staged: dict[str, tuple[str, int]] = {}
    try:
        for name, frame in checked.items():
            if not frame.empty:  # an empty frame writes nothing and counts nothing, as upsert never did
                staged[name] = (stage_frame(con, TABLES[name], frame, sha256, f"stage_{name}{tag}", file), len(frame))
    except ValidationError:
        drop_stages(con, staged)
        raise
    return staged


def load_frames(
    con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame], *, file: str, sha256: str, log_row: dict
) -> LoadResult:
    """Validate and stage every frame first, then load all of them and the log line in one transaction."""
    return load_staged(con, stage_frames(con, frames, file=file, sha256=sha256, log_row=log_row), log_row=log_row)


def load_staged(con: duckdb.DuckDBPyConnection, staged: dict[str, tuple[str, int]], *, log_row: dict) -> LoadResult:
    """Load checked stages ({table: (stage name, rows)}, from warehouse/stage.py or `stage_frames`) and the log
    line in one transaction."""
    with transaction(con):
        result = upsert_payload(con, staged)
        write_log(con, loaded_line(log_row, result))
    return result


def drop_stages(con: duckdb.DuckDBPyConnection, staged: dict[str, tuple[str, int]] | None) -> None:
    for stage, _ in (staged or {}).values():
        con.execute(f"DROP TABLE IF EXISTS {stage}")


def upsert_payload(con: duckdb.DuckDBPyConnection, staged: dict[str, tuple[str, int]]) -> LoadResult:
    """Upsert a payload's checked stages (dropping them); its log line is `loaded_line`, written by the caller in
    the same transaction."""
    result = LoadResult()
    for name, (stage, rows) in staged.items():
        result.tables[name] = upsert_stage(con, TABLES[name], stage, rows)
    return result


def loaded_line(log_row: dict, result: LoadResult) -> dict:
    return {
        **log_row,
        "rows_loaded": result.total("loaded"),
        "rows_new": result.total("new"),
        "rows_changed": result.total("changed"),
        "rows_unchanged": result.total("unchanged"),
        "newest_date": result.newest,
        "status": "loaded",
    }


def retrieval_date(fetched_at: datetime | None) -> date:
    """The day the bytes were retrieved, never later than today (a replayed payload is read today)."""
    today = date.today()
    if isinstance(fetched_at, datetime):
        return min(fetched_at.date(), today)
    return today


def write_log(con: duckdb.DuckDBPyConnection, row: dict) -> None:
    row = {
        "rows_loaded": None,
        "rows_new": None,
        "rows_changed": None,
        "rows_unchanged": None,
        "newest_date": None,
        "error": None,
        **row,
    }
    cols = LOG_COLUMNS
    con.execute(
        f"INSERT INTO ingest_log (payload_id, {', '.join(cols)}) "
        f"VALUES (nextval('payload_seq'), {', '.join('?' for _ in cols)})",
        [row[c] for c in cols],
    )


LOG_COLUMNS = [
    "source",
    "relpath",
    "url",
    "fetched_at",
    "sha256",
    "bytes",
    "rows_loaded",
    "rows_new",
    "rows_changed",
    "rows_unchanged",
    "newest_date",
    "status",
    "error",
    "offline",
]


def write_logs(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Several log lines in one INSERT (a no-op refresh logs one `skipped` line per payload)."""
    if not rows:
        return
    full = [
        {
            "rows_loaded": None,
            "rows_new": None,
            "rows_changed": None,
            "rows_unchanged": None,
            "newest_date": None,
            "error": None,
            **row,
        }
        for row in rows
    ]
    one = f"(nextval('payload_seq'), {', '.join('?' for _ in LOG_COLUMNS)})"
    con.execute(
        f"INSERT INTO ingest_log (payload_id, {', '.join(LOG_COLUMNS)}) VALUES {', '.join([one] * len(full))}",
        [row[c] for row in full for c in LOG_COLUMNS],
    )


def loaded_payloads(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """Every (sha256, relpath) loaded or refused as stale before: `already_loaded` for a whole refresh at once."""
    return set(
        con.execute("SELECT DISTINCT sha256, relpath FROM ingest_log WHERE status IN ('loaded', 'stale')").fetchall()
    )


def already_loaded(con: duckdb.DuckDBPyConnection, sha256: str, relpath: str) -> bool:
    """Same bytes at the same path were loaded (or refused as stale) before: parsing again would change nothing."""
    return bool(
        con.execute(
            "SELECT 1 FROM ingest_log WHERE sha256 = ? AND relpath = ? AND status IN ('loaded', 'stale') LIMIT 1",
            [sha256, relpath],
        ).fetchall()
    )


def utcnow() -> datetime:
    return datetime.now().astimezone().replace(tzinfo=None)
