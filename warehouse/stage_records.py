"""A CSV of records (one row per record, columns found by the header) staged by DuckDB: the Fiscal Data auctions
download (issue 18: its Python parser was ~0.1 s of a refresh).

As in warehouse/stage.py, every check is at least as strict as the source's Python parser, and any doubt answers
None so that the caller runs that parser, which names file, line, field and value. The checks here are strict
on purpose: a field is taken only when it already is the canonical text the parser would produce (no spaces to
strip, no apostrophes, no time after a date), so the staged rows are the parser's rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from warehouse.schema import Table
from warehouse.stage import _literal, _path_literal, checked


@dataclass(frozen=True)
class RecordCsv:
    """Where each output column is in the file and what its text must look like."""

    positions: dict[str, int]  # output column -> 0-based field index (the header gave it)
    fields: int  # fields per line, as in the header
    patterns: dict[str, str]  # output column -> RE2 its text must match whole (when not missing)
    missing: tuple[str, ...]  # texts that mean no value besides NULL (what DuckDB reads an empty field as)
    required: tuple[str, ...]  # columns that must not be missing
    dates: tuple[str, ...]  # ISO dates, checked to be real days
    positive: tuple[str, ...]  # numbers that must be finite and > 0
    newest_first: str | None = None  # a date column that must not increase down the file
    # output column -> SQL over its field's text ({} stands for it) giving the text the parser reads, e.g. a CUSIP
    # without the apostrophes around it; patterns and checks apply to that text, `missing` to the field as read.
    cleaned: dict[str, str] = field(default_factory=dict)


def stage_record_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: Table,
    layout: RecordCsv,
    *,
    data_rows: int,
    sha256: str,
    stage: str,
    retrieved: date,
) -> dict[str, tuple[str, int]] | None:
    """Read `path` (header checked by the source) into temp table `stage`, exact repeated records dropped as the
    parser drops them; {table: (stage, rows)} when every check passes, else None."""
    raw = f"raw_{stage}"
    columns = ", ".join(f"'f{i}': 'VARCHAR'" for i in range(layout.fields))
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM read_csv({_path_literal(path)},
            columns = {{{columns}}}, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false,
            strict_mode = true, null_padding = false)""")
    except duckdb.Error:
        return None
    missing = ", ".join(_literal(m) for m in layout.missing)
    fields = {c: f"f{i}" for c, i in layout.positions.items()}
    is_missing = {c: f"({f} IS NULL OR {f} IN ({missing}))" if missing else f"{f} IS NULL" for c, f in fields.items()}
    text = {c: layout.cleaned.get(c, "{}").format(f) for c, f in fields.items()}
    checks = [f"(SELECT count(*) FROM {raw}) = {int(data_rows)}"]
    for c, f in text.items():
        ok = f"regexp_full_match({f}, {_literal(layout.patterns[c])})" if c in layout.patterns else "TRUE"
        if c in layout.dates:
            # DuckDB reads year 0000 (1 BC) as a day; Python's date does not
            ok += f" AND strftime(try_cast({f} AS DATE), '%Y-%m-%d') = {f} AND {f} >= '0001'"
        if c in layout.positive:
            ok += f" AND isfinite(try_cast({f} AS DOUBLE)) AND try_cast({f} AS DOUBLE) > 0"
        if c not in layout.required:
            ok = f"{is_missing[c]} OR ({ok})"
        else:
            ok = f"NOT {is_missing[c]} AND {ok}"
        checks.append(ok)
    if layout.newest_first is not None:
        f = text[layout.newest_first]
        checks.append(f"lag({f}) OVER (ORDER BY rowid) IS NULL OR {f} <= lag({f}) OVER (ORDER BY rowid)")
    raw_ok = " AND ".join(f"coalesce({pred}, FALSE)" for pred in checks)
    exprs = []
    for col in table.columns:
        if col.name == "payload_sha256":
            expr = _literal(sha256)
        elif col.name in text:
            # try_cast: a bad field must fail its check, not the statement
            expr = f"try_cast({text[col.name]} AS {col.type})"
            if layout.missing:  # else missing is NULL, which the cast keeps (a CASE per column cost planning time)
                expr = f"CASE WHEN {is_missing[col.name]} THEN NULL ELSE {expr} END"
        else:
            expr = "NULL"
        exprs.append(f"CAST({expr} AS {col.type}) AS {col.name}")
    # The text checks travel as one flag per record; a failing record is kept by DISTINCT (its flag differs).
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {stage} AS SELECT DISTINCT * FROM (
            SELECT {", ".join(exprs)}, {raw_ok} AS raw_ok FROM {raw});
        DROP TABLE {raw}""")
    return checked(con, table, stage, retrieved, extra={"text": "raw_ok"})
