"""DuckDB-native parsing: a payload's landed bytes read by DuckDB into a staged relation, checked by named SQL
checks, then upserted set-based by warehouse/load.py (issue 18: pandas parsing was most of a refresh).

A source declares its layout (flows/sources/<source>.py); the SQL lives here. Every check is written to be
at least as strict as the source's Python parser: when any check fails, staging answers None and the caller
runs the Python parser, whose ParseError/ValidationError names the file, line, field and value exactly as
before. So the staged path only ever loads bytes the Python parser accepts, giving the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb

from warehouse.schema import Table


@dataclass(frozen=True)
class SeriesCsv:
    """A (date, value) CSV with one header line: what a FRED download is. Patterns are RE2, matched whole."""

    date_pattern: str
    number_pattern: str
    missing: tuple[str, ...]  # markers read as a missing value ('' is also what DuckDB reads as NULL)
    constants: dict[str, object]  # output column -> the same value on every row (series id, format, …)
    vintage_column: str  # filled with `vintage`, or the last date when there is none
    blank_leading_zeros: bool = False  # zeros before the first non-zero value are missing


def _literal(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


# A layout's date pattern for plain ISO days, whose check needs no regex (issue 18: the regex and the strftime round
# trip were a third of staging FRED's CSVs).
ISO_DATE = r"\d{4}-\d{2}-\d{2}"


def date_text_ok(col: str, pattern: str) -> str:
    """SQL: `col` is a day of years 1-9999 (Python's date refuses year 0000, 1 BC to DuckDB), written as `pattern`
    matches (RE2, whole) and as DuckDB writes that day. For ISO_DATE the round trip through DATE alone says so:
    DuckDB writes such a day as ten characters matching it, and a day of 1 BC as 0001-01-01 (BC)."""
    if pattern == ISO_DATE:
        return f"length({col}) = 10 AND CAST(try_cast({col} AS DATE) AS VARCHAR) = {col}"
    return (
        f"regexp_full_match({col}, {_literal(pattern)}) AND strftime(try_cast({col} AS DATE), '%Y-%m-%d') = {col} "
        f"AND try_cast({col} AS DATE) >= DATE '0001-01-01'"
    )


def _path_literal(path: Path) -> str:
    return _literal(str(path))


def first_failing(con: duckdb.DuckDBPyConnection, source: str, checks: dict[str, str]) -> str | None:
    """Name of the first check (a SQL predicate that must hold on every row of `source`) that fails, or None.
    All checks run in one scan."""
    if not checks:
        return None
    names = list(checks)
    cols = ", ".join(f"bool_and(coalesce({pred}, FALSE)) AS c{i}" for i, pred in enumerate(checks.values()))
    row = con.execute(f"SELECT {cols} FROM {source}").fetchall()[0]
    for name, ok in zip(names, row, strict=True):
        if ok is False:
            return name
    return None


def stage_series_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: Table,
    layout: SeriesCsv,
    *,
    data_rows: int,
    vintage: date | None,
    sha256: str,
    stage: str,
    retrieved: date,
    value_bounds: dict[str, tuple[float, float]] | None = None,
) -> dict[str, tuple[str, int]] | None:
    """Read `path` (header line already checked by the source) into temp table `stage` with `table`'s columns
    (provenance `sha256` included) and check it: {table: (stage, rows)} as `checked` answers, or None when
    DuckDB cannot read it or a check fails (the caller then parses in Python, which explains the failure).

    Three statements (issue 18: there were five): read, stage, check. The stage is built with try_cast, so a
    bad field cannot fail the statement; beside the typed columns it keeps `raw_ok`, whether the row's text
    passed the layout's checks, and the table's checks run on the typed values with it in one scan. The extra
    column is never written: the loader names the table's columns."""
    raw = f"raw_{stage}"
    try:
        # Every field as text: the checks below decide what a date and a number are, as the Python parser does.
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM read_csv({_path_literal(path)},
            columns = {{'d': 'VARCHAR', 'v': 'VARCHAR'}}, header = true, delim = ',', quote = '', escape = '',
            auto_detect = false, strict_mode = true, null_padding = false)""")
    except duckdb.Error:
        return None
    missing = ", ".join(_literal(m) for m in layout.missing)
    is_missing = f"(v IS NULL OR v IN ({missing}))"
    value = f"CASE WHEN {is_missing} THEN NULL ELSE try_cast(v AS DOUBLE) END"
    if layout.blank_leading_zeros:
        first = f"(SELECT min(rowid) FROM {raw} WHERE NOT {is_missing} AND try_cast(v AS DOUBLE) <> 0)"
        value = f"CASE WHEN rowid < coalesce({first}, 9223372036854775807) AND ({value}) = 0 THEN NULL ELSE {value} END"
    vintage_sql = (
        f"DATE {_literal(vintage.isoformat())}"
        if vintage is not None
        else f"(SELECT try_cast(max(d) AS DATE) FROM {raw})"
    )
    exprs = []
    for c in table.columns:
        if c.name == "payload_sha256":
            expr = _literal(sha256)
        elif c.name == "date":
            expr = "try_cast(d AS DATE)"
        elif c.name == "value":
            expr = value
        elif c.name == layout.vintage_column:
            expr = vintage_sql
        else:
            expr = _literal(layout.constants.get(c.name))
        exprs.append(f"CAST({expr} AS {c.type}) AS {c.name}")
    text_checks = {
        "date": date_text_ok("d", layout.date_pattern),
        "value": f"{is_missing} OR (regexp_full_match(v, {_literal(layout.number_pattern)}) "
        "AND isfinite(try_cast(v AS DOUBLE)))",
        "dates increasing": "lag(d) OVER (ORDER BY rowid) IS NULL OR d > lag(d) OVER (ORDER BY rowid)",
    }
    # The text checks are evaluated here, row by row, into one flag: storing the raw text for a later query
    # cost more than the checks themselves.
    raw_ok = " AND ".join(f"coalesce({pred}, FALSE)" for pred in text_checks.values())
    con.execute(f"""CREATE OR REPLACE TEMP TABLE {stage} AS SELECT {", ".join(exprs)},
        {raw_ok} AS raw_ok FROM {raw} ORDER BY rowid;
        DROP TABLE {raw}""")
    # A line DuckDB skipped or split differently (blank line, odd line break) shows up in the row count. The key
    # (series, date, vintage) needs no duplicate probe: one series and one vintage per file, and dates that are
    # canonical and strictly increasing are distinct.
    return checked(
        con, table, stage, retrieved, value_bounds, extra={"text": "raw_ok"}, expected_rows=data_rows, unique_key=False
    )


@dataclass(frozen=True)
class WideCsv:
    """One dated row of numbers under named columns, unpivoted to (date, column's number, value): the Treasury
    par yield curve. Dates are M/D/YY or MM/DD/YYYY; two-digit years from `century_pivot` on are 19xx."""

    column_numbers: tuple[float, ...]  # what each value column stands for (tenor in months), in file order
    number_pattern: str  # RE2, matched whole; an empty cell is no observation
    date_column: str
    number_column: str
    value_column: str
    constants: dict[str, object]
    century_pivot: int
    year: int | None  # every date must fall in it (a yearly file)
    newest_first: bool  # dates strictly decreasing down the file


def stage_wide_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: Table,
    layout: WideCsv,
    *,
    data_rows: int,
    sha256: str,
    stage: str,
) -> str | None:
    """Read `path` (header checked by the source) into temp table `stage`, one row per non-empty cell; None
    when DuckDB cannot read it or a check fails (the caller parses in Python)."""
    raw, cells = f"raw_{stage}", [f"c{i}" for i in range(len(layout.column_numbers))]
    columns = ", ".join(f"'{c}': 'VARCHAR'" for c in ["d", *cells])
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM read_csv({_path_literal(path)},
            columns = {{{columns}}}, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false,
            strict_mode = true, null_padding = false)""")
    except duckdb.Error:
        return None
    try:
        number = _literal(layout.number_pattern)
        y = "CAST(regexp_extract(d, '^(\\d+)/(\\d+)/(\\d+)$', 3) AS INTEGER)"
        year = (
            f"CASE WHEN length(regexp_extract(d, '/(\\d+)$', 1)) = 2 THEN {y} + CASE WHEN {y} >= "
            f"{int(layout.century_pivot)} THEN 1900 ELSE 2000 END ELSE {y} END"
        )
        iso = (
            f"printf('%04d-%02d-%02d', {year}, CAST(regexp_extract(d, '^(\\d+)/', 1) AS INTEGER), "
            "CAST(regexp_extract(d, '^\\d+/(\\d+)/', 1) AS INTEGER))"
        )
        con.execute(f"""CREATE OR REPLACE TEMP TABLE dated_{raw} AS SELECT rowid AS n, *,
            CASE WHEN regexp_full_match(d, '(\\d{{1,2}})/(\\d{{1,2}})/(\\d{{4}}|\\d{{2}})')
                 THEN try_cast({iso} AS DATE) END AS day FROM {raw}""")
        checks = {
            "row count": f"(SELECT count(*) FROM {raw}) = {int(data_rows)}",
            "date": "day >= DATE '0001-01-01'",  # year 0000 is 1 BC to DuckDB; Python's date refuses it
            **{f"cell {c}": f"{c} IS NULL OR regexp_full_match({c}, {number})" for c in cells},
        }
        if layout.year is not None:
            checks["year"] = f"year(day) = {int(layout.year)}"
        order = "day < prev" if layout.newest_first else "day > prev"
        checks["date order"] = f"prev IS NULL OR {order}"
        if first_failing(con, f"(SELECT *, lag(day) OVER (ORDER BY n) AS prev FROM dated_{raw})", checks):
            return None
        selects = []
        for c, number_value in zip(cells, layout.column_numbers, strict=True):
            exprs = []
            for col in table.columns:
                if col.name == "payload_sha256":
                    expr = _literal(sha256)
                elif col.name == layout.date_column:
                    expr = "day"
                elif col.name == layout.number_column:
                    expr = _literal(float(number_value))
                elif col.name == layout.value_column:
                    expr = f"CAST({c} AS DOUBLE)"
                else:
                    expr = _literal(layout.constants.get(col.name))
                exprs.append(f"CAST({expr} AS {col.type}) AS {col.name}")
            selects.append(f"SELECT {', '.join(exprs)} FROM dated_{raw} WHERE {c} IS NOT NULL")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {stage} AS {' UNION ALL '.join(selects)}")
    finally:
        con.execute(f"DROP TABLE IF EXISTS dated_{raw}")
        con.execute(f"DROP TABLE IF EXISTS {raw}")
    return stage


def table_checks(
    table: Table, retrieved: date | None, value_bounds: dict[str, tuple[float, float]] | None = None
) -> dict[str, str]:
    """load.validate's rules as SQL predicates over a staged relation (alias-free): non-null columns, bounds,
    no date after the retrieval day (+ future_days); `value_bounds` adds a source's own ranges. Duplicate keys
    are checked by `duplicate_keys`."""
    from warehouse.load import DATE_COLUMNS

    checks = {}
    for c in table.columns:
        if c.name not in table.loader_owned and not c.nullable:
            checks[f"{c.name} not empty"] = f"{c.name} IS NOT NULL"
    for name, (low, high) in {**table.bounds, **(value_bounds or {})}.items():
        checks[f"{name} bounds"] = (
            f"{name} IS NULL OR isnan({name}) OR {name} BETWEEN CAST('{low!r}' AS DOUBLE) "
            f"AND CAST('{high!r}' AS DOUBLE)"
        )
    if retrieved is not None:
        limit = retrieved + timedelta(days=table.future_days)
        for name in DATE_COLUMNS:
            if name in table.parsed_columns:
                checks[f"{name} not future"] = f"{name} IS NULL OR {name} <= DATE '{limit.isoformat()}'"
    return checks


def checked(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    stage: str | None,
    retrieved: date,
    value_bounds: dict[str, tuple[float, float]] | None = None,
    *,
    extra: dict[str, str] | None = None,
    expected_rows: int | None = None,
    unique_key: bool = True,
) -> dict[str, tuple[str, int]] | None:
    """{table: (stage, rows)} for load.load_staged when the table's checks (and a layout's `extra` ones) pass
    and the stage holds `expected_rows` rows when given; else the stage is dropped and the answer is None (the
    caller parses in Python). The checks, the duplicate-key probe and the row count are one query."""
    if stage is None:
        return None
    checks = {**(extra or {}), **table_checks(table, retrieved, value_bounds)}
    if unique_key:  # False only where the layout's own checks imply it
        key = ", ".join(table.key)
        checks["unique key"] = f"NOT EXISTS (SELECT 1 FROM {stage} GROUP BY {key} HAVING count(*) > 1)"
    cols = ", ".join(f"bool_and(coalesce({pred}, FALSE))" for pred in checks.values())
    *oks, rows = con.execute(f"SELECT {cols}, count(*) FROM {stage}").fetchall()[0]
    # bool_and over no rows is NULL (not False): an empty stage passes, as a scan of no rows always did.
    if any(ok is False for ok in oks) or (expected_rows is not None and rows != expected_rows):
        con.execute(f"DROP TABLE IF EXISTS {stage}")
        return None
    return {table.name: (stage, int(rows))}
