"""Many (date, value) CSVs of one source staged by one DuckDB read into one shared stage (issue 18: staging and
checking each small FRED CSV alone cost ~5 ms of fixed DuckDB work, ~40 times per refresh).

The shared stage has the table's columns plus `k`, the file's index in the group. Every check of
warehouse/stage.py (the layout's text checks, the table's checks with each file's own bounds and retrieval
day, the row count) runs here once, grouped by file, with the same SQL predicate text a file alone would get.
A file any check doubts is removed from the shared stage and left to the caller, which stages it alone exactly
as before (and from there, if it is bad, the Python parser names file, line, field and value). So this path
only ever keeps files the single-file path would have kept, with the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from warehouse.schema import Table
from warehouse.stage import SeriesCsv, _literal, date_text_ok, table_checks


@dataclass(frozen=True)
class StageItem:
    """A payload to stage, with what a source's single-payload `stage` is given."""

    relpath: str
    body: bytes
    fetched_on: date | None
    raw: Path
    sha256: str
    retrieved: date
    tag: str


# A payload's checked stages ({table: (stage, rows)}) and its part `k` of a shared stage (None: its own stages).
Staged = tuple[dict[str, tuple[str, int]], int | None]


@dataclass(frozen=True)
class SeriesFile:
    """One landed CSV and what `stage_series_csv` would be given for it."""

    path: Path
    layout: SeriesCsv
    data_rows: int
    vintage: date | None
    sha256: str
    retrieved: date
    value_bounds: dict[str, tuple[float, float]] | None = None


def _list(items) -> str:
    return "[" + ", ".join(items) + "]"


def _per_file(predicates: list[str | None]) -> str:
    """One SQL predicate from each file's own (None: the file has no such check): the shared text when all
    files agree, else a CASE on `k` grouping the files that share a text."""
    if all(p == predicates[0] for p in predicates) and predicates[0] is not None:
        return predicates[0]
    by_text: dict[str, list[int]] = {}
    for k, pred in enumerate(predicates):
        if pred is not None:
            by_text.setdefault(pred, []).append(k)
    whens = " ".join(f"WHEN k IN ({', '.join(map(str, ks))}) THEN ({pred})" for pred, ks in by_text.items())
    return f"CASE {whens} ELSE TRUE END"


def stage_series_csvs(
    con: duckdb.DuckDBPyConnection, files: list[SeriesFile], table: Table, stage: str
) -> dict[int, int]:
    """Read every file into temp table `stage` (the table's columns and `k`) and check each: {k: rows} for the
    files that pass. The others' rows are gone from the stage; the caller stages them alone. An empty answer
    (and no stage) when DuckDB cannot read the files together or they do not share one text layout."""
    first = files[0].layout
    same_text = all(
        (f.layout.date_pattern, f.layout.number_pattern, f.layout.missing, f.layout.vintage_column)
        == (first.date_pattern, first.number_pattern, first.missing, first.vintage_column)
        for f in files
    )
    if not same_text:
        return {}
    raw, paths = f"raw_{stage}", [str(f.path) for f in files]
    try:
        # One read for all files; k (the file's place in `paths`) says whose row it is. Same options as the
        # single-file read.
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {raw} AS SELECT list_position({_list(map(_literal, paths))},
                filename) - 1 AS k, d, v
            FROM read_csv([{", ".join(map(_literal, paths))}],
            columns = {{'d': 'VARCHAR', 'v': 'VARCHAR'}}, header = true, delim = ',', quote = '', escape = '',
            auto_detect = false, strict_mode = true, null_padding = false, filename = true)""")
    except duckdb.Error:
        return {}
    missing = ", ".join(_literal(m) for m in first.missing)
    is_missing = f"(v IS NULL OR v IN ({missing}))"
    # Per file: its last date, its first non-zero value's row, and whether its rows are one run of rowids (so that
    # the row before each row is the file's previous line, or another file's for the file's first line).
    per_file = {
        k: (last_d, first_nonzero, lo, hi, n)
        for k, last_d, first_nonzero, lo, hi, n in con.execute(f"""SELECT k, max(d),
            min(CASE WHEN NOT {is_missing} AND try_cast(v AS DOUBLE) <> 0 THEN rowid END), min(rowid), max(rowid),
            count(*) FROM {raw} GROUP BY k""").fetchall()
    }
    if None in per_file or any(hi - lo + 1 != n for _, _, lo, hi, n in per_file.values()):
        con.execute(f"DROP TABLE {raw}")
        return {}
    constants = sorted({name for f in files for name in f.layout.constants})
    types = {c.name: c.type for c in table.columns}

    def of_file(values, sql_type: str) -> str:
        # The file's own value, looked up by k in a list literal: a join with a table of the files made every
        # row wide before the sort, and the window and the sort were most of the statement (issue 18).
        if len(set(values)) == 1:  # the same for every file: a constant, not a lookup per row
            return f"CAST({_literal(values[0])} AS {sql_type})"
        return f"{_list(f'CAST({_literal(v)} AS {sql_type})' for v in values)}[k + 1]"

    known = [per_file.get(k, (None, None))[:2] for k in range(len(files))]
    vintage = of_file([f.vintage.isoformat() if f.vintage is not None else None for f in files], "DATE")
    last_d = of_file([last for last, _ in known], "VARCHAR")
    first_nonzero = of_file([nonzero for _, nonzero in known], "BIGINT")
    plain = f"CASE WHEN {is_missing} THEN NULL ELSE try_cast(v AS DOUBLE) END"
    # Per file, as stage_series_csv: zeros before the first non-zero value are missing where the layout says so,
    # and without a vintage the file's last date stands for it.
    value = (
        f"CASE WHEN {of_file([f.layout.blank_leading_zeros for f in files], 'BOOLEAN')} "
        f"AND rowid < coalesce({first_nonzero}, 9223372036854775807) AND ({plain}) = 0 THEN NULL ELSE {plain} END"
    )
    exprs = []
    for c in table.columns:
        if c.name == "payload_sha256":
            expr = of_file([f.sha256 for f in files], "VARCHAR")
        elif c.name == "date":
            expr = "try_cast(d AS DATE)"
        elif c.name == "value":
            expr = value
        elif c.name == first.vintage_column:
            expr = f"coalesce({vintage}, try_cast({last_d} AS DATE))"
        elif c.name in constants:
            expr = of_file([f.layout.constants.get(c.name) for f in files], types[c.name])
        else:
            expr = "NULL"
        exprs.append(f"CAST({expr} AS {c.type}) AS {c.name}")
    text_ok = " AND ".join(
        f"coalesce({pred}, FALSE)"
        for pred in (
            date_text_ok("d", first.date_pattern),
            f"{is_missing} OR (regexp_full_match(v, {_literal(first.number_pattern)}) "
            "AND isfinite(try_cast(v AS DOUBLE)))",
        )
    )
    # The files' rows are runs of rowids (checked above): the row before is the same file's previous line unless it
    # belongs to another file, so one window in rowid order finds the files whose dates do not rise, and the stage
    # is a plain projection of the raw rows, in their order, with no window or sort over its wide rows.
    unordered = {
        k
        for (k,) in con.execute(f"""SELECT DISTINCT k FROM (
            SELECT k, d, lag(k) OVER w AS prev_k, lag(d) OVER w AS prev_d FROM {raw} WINDOW w AS (ORDER BY rowid))
            WHERE prev_k = k AND NOT coalesce(prev_d IS NULL OR d > prev_d, FALSE)""").fetchall()
    }
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {stage} AS SELECT {", ".join(exprs)}, k, {text_ok} AS raw_ok
        FROM {raw};
        DROP TABLE {raw}""")
    # The table's checks, each file with its own bounds and retrieval day (the same predicate text it gets alone).
    per_file = [table_checks(table, f.retrieved, f.value_bounds) for f in files]
    names = list(dict.fromkeys(name for checks in per_file for name in checks))
    preds = ["raw_ok", *(_per_file([checks.get(name) for checks in per_file]) for name in names)]
    cols = ", ".join(f"bool_and(coalesce({pred}, FALSE))" for pred in preds)
    passed = {}
    for k, *oks, n in con.execute(f"SELECT k, {cols}, count(*) FROM {stage} GROUP BY k").fetchall():
        if all(ok is not False for ok in oks) and n == files[k].data_rows and k not in unordered:
            passed[k] = int(n)
    if len(passed) < len(files):
        kept = ", ".join(map(str, passed)) or "NULL"
        con.execute(f"DELETE FROM {stage} WHERE k NOT IN ({kept})")
    return passed
