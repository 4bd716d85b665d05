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
from warehouse.stage import SeriesCsv, _literal, table_checks


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
        # One read for all files; `filename` says whose row it is. Same options as the single-file read.
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM read_csv([{", ".join(map(_literal, paths))}],
            columns = {{'d': 'VARCHAR', 'v': 'VARCHAR'}}, header = true, delim = ',', quote = '', escape = '',
            auto_detect = false, strict_mode = true, null_padding = false, filename = true)""")
    except duckdb.Error:
        return {}
    constants = sorted({name for f in files for name in f.layout.constants})
    meta_cols = ["k", "filename", "sha", "vintage", "blz", *[f"const_{c}" for c in constants]]
    types = {c.name: c.type for c in table.columns}
    rows = []
    for k, f in enumerate(files):
        vintage = f"DATE {_literal(f.vintage.isoformat())}" if f.vintage is not None else "CAST(NULL AS DATE)"
        consts = [f"CAST({_literal(f.layout.constants.get(c))} AS {types[c]})" for c in constants]
        rows.append(
            f"({k}, {_literal(paths[k])}, {_literal(f.sha256)}, {vintage}, {_literal(f.layout.blank_leading_zeros)}"
            + "".join(f", {v}" for v in consts)
            + ")"
        )
    meta = f"(VALUES {', '.join(rows)}) AS m({', '.join(meta_cols)})"
    missing = ", ".join(_literal(m) for m in first.missing)
    is_missing = f"(v IS NULL OR v IN ({missing}))"
    plain = f"CASE WHEN {is_missing} THEN NULL ELSE try_cast(v AS DOUBLE) END"
    # Per file, as stage_series_csv: zeros before the first non-zero value are missing where the layout says so,
    # and without a vintage the file's last date stands for it.
    value = (
        f"CASE WHEN blz AND rowid < coalesce(first_nonzero, 9223372036854775807) AND ({plain}) = 0 "
        f"THEN NULL ELSE {plain} END"
    )
    exprs = []
    for c in table.columns:
        if c.name == "payload_sha256":
            expr = "sha"
        elif c.name == "date":
            expr = "try_cast(d AS DATE)"
        elif c.name == "value":
            expr = value
        elif c.name == first.vintage_column:
            expr = "coalesce(vintage, try_cast(last_d AS DATE))"
        elif c.name in constants:
            expr = f"const_{c.name}"
        else:
            expr = "NULL"
        exprs.append(f"CAST({expr} AS {c.type}) AS {c.name}")
    text_ok = " AND ".join(
        f"coalesce({pred}, FALSE)"
        for pred in (
            f"regexp_full_match(d, {_literal(first.date_pattern)}) AND strftime(try_cast(d AS DATE), '%Y-%m-%d') = d",
            f"{is_missing} OR (regexp_full_match(v, {_literal(first.number_pattern)}) "
            "AND isfinite(try_cast(v AS DOUBLE)))",
            "prev_d IS NULL OR d > prev_d",
        )
    )
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {stage} AS SELECT {", ".join(exprs)}, k, {text_ok} AS raw_ok
        FROM (SELECT r.rowid AS rowid, r.d, r.v, m.*,
                lag(r.d) OVER (PARTITION BY m.k ORDER BY r.rowid) AS prev_d,
                max(r.d) OVER (PARTITION BY m.k) AS last_d,
                min(CASE WHEN NOT {is_missing} AND try_cast(r.v AS DOUBLE) <> 0 THEN r.rowid END)
                    OVER (PARTITION BY m.k) AS first_nonzero
              FROM {raw} r JOIN {meta} ON r.filename = m.filename)
        ORDER BY rowid;
        DROP TABLE {raw}""")
    # The table's checks, each file with its own bounds and retrieval day (the same predicate text it gets alone).
    per_file = [table_checks(table, f.retrieved, f.value_bounds) for f in files]
    names = list(dict.fromkeys(name for checks in per_file for name in checks))
    preds = ["raw_ok", *(_per_file([checks.get(name) for checks in per_file]) for name in names)]
    cols = ", ".join(f"bool_and(coalesce({pred}, FALSE))" for pred in preds)
    passed = {}
    for k, *oks, n in con.execute(f"SELECT k, {cols}, count(*) FROM {stage} GROUP BY k").fetchall():
        if all(ok is not False for ok in oks) and n == files[k].data_rows:
            passed[k] = int(n)
    if len(passed) < len(files):
        kept = ", ".join(map(str, passed)) or "NULL"
        con.execute(f"DELETE FROM {stage} WHERE k NOT IN ({kept})")
    return passed
