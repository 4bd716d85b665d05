"""How `tshock sql` writes results: cells for a table, CSV, JSON and Parquet streamed in batches, and output
files written whole or not at all (issue 15: a full disk left half a file, or deleted the target)."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import math
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from rich.markup import escape

from flows.cli.errors import UserError, short

if TYPE_CHECKING:  # the connection is the caller's: importing duckdb here would slow `tshock --help`
    import duckdb


def first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0][:300]


def plain(value):
    """A value as text for tables and CSV: ISO dates, NULL as None, floats without float noise."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def table_cell(value) -> str:
    if value is None:
        return "[dim]NULL[/dim]"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if value == 0 or 1e-4 <= abs(value) < 1e15:
            return f"{value:.6f}".rstrip("0").rstrip(".")
        return f"{value:.6g}"
    return escape(str(plain(value)))


def json_value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return plain(value) if not isinstance(value, dt.time) else value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return value


def columns_of(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return [(d[0], str(d[1])) for d in (con.description or [])]


def write_csv(con: duckdb.DuckDBPyConnection, fh: TextIO) -> int:
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow([c for c, _ in columns_of(con)])
    n = 0
    while batch := con.fetchmany(10_000):
        for row in batch:
            writer.writerow(["" if v is None else plain(v) for v in row])
        n += len(batch)
    return n


def write_json(con: duckdb.DuckDBPyConnection, fh: TextIO) -> int:
    """A JSON array written in batches: memory stays bounded whatever the row count (30M rows did fetchall)."""
    names = [c for c, _ in columns_of(con)]
    n = 0
    fh.write("[")
    while batch := con.fetchmany(10_000):
        for row in batch:
            fh.write(",\n " if n else "\n ")
            json.dump({k: json_value(v) for k, v in zip(names, row, strict=True)}, fh, allow_nan=False)
            n += 1
    fh.write("\n]\n" if n else "]\n")
    return n


def write_parquet(con: duckdb.DuckDBPyConnection, path: str) -> int:
    import pyarrow.parquet as pq

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # DuckDB notes the DB-API result is copied; fine for a CLI export
        reader = con.to_arrow_reader(100_000)
    n = 0
    with pq.ParquetWriter(path, reader.schema) as writer:
        for batch in reader:
            writer.write_batch(batch)
            n += batch.num_rows
    return n


def write_atomically(output: str, write) -> int:
    """Write to a temp file beside the target, then rename: a full disk or an error midway leaves the old target
    as it was and no partial file (issue 15: a full disk left half a CSV; with parquet the target was deleted)."""
    target = Path(output)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        n = write(tmp)
        os.replace(tmp, target)
        return n
    except OSError as exc:
        why = "the disk is full" if exc.errno == 28 else (exc.strerror or str(exc))
        raise UserError(f"--output {short(output)}: cannot write it ({why}); nothing was written") from None
    finally:
        tmp.unlink(missing_ok=True)
