"""A tab-separated long table (one row per entity and month, entities named by a label and an integer code)
staged by DuckDB: TIC's slt_table3 (issue 18: its Python parser and frame were ~0.1 s of a refresh).

As in warehouse/stage.py, every check is at least as strict as the source's Python parser and any doubt answers
None, so that the caller runs that parser, which names file, line, field and value. Labels are turned into
stored names by the source's Python rules, once per distinct (label, code) pair: `read_long_tsv` answers the
pairs, the source maps them, `stage_long_tsv` joins the mapping back onto the rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from warehouse.schema import Table
from warehouse.stage import _literal, _path_literal, checked


@dataclass(frozen=True)
class LongTsv:
    """Where the data rows are (the source found them) and what their fields must look like."""

    fields: int  # fields per line, as in the column-name row
    skip: int  # lines before the first data row
    data_rows: int  # lines from the first data row up to the terminator line the source found
    label: int  # field index of the entity label (free text, '' allowed)
    code: int  # field index of the entity code: ASCII digits
    month: int  # field index of the month: YYYY-MM
    values: dict[str, int]  # output column -> field index of a number or the missing marker
    number_pattern: str  # RE2, matched whole
    missing: str
    # The first and last data rows' (label, code, month) as the source split them: DuckDB read the same lines.
    edges: tuple[tuple[str, str, str], tuple[str, str, str]]
    required_code: int  # a row with this code must be present (the grand total)
    label_column: str
    code_column: str
    month_column: str
    kind_column: str


def _f(i: int) -> str:
    return f"f{int(i)}"


def read_long_tsv(
    con: duckdb.DuckDBPyConnection, path: Path, layout: LongTsv, raw: str
) -> tuple[list[tuple[str, str]], str | None] | None:
    """Read `path` into temp table `raw`: the distinct (label, code text) pairs of the data rows and their newest
    month text, or None when DuckDB cannot read the file as `layout.fields` tab-separated fields a line."""
    columns = ", ".join(f"'{_f(i)}': 'VARCHAR'" for i in range(layout.fields))
    try:
        # No quoting: the source sends files with quotes to its parser, which unquotes them.
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM read_csv({_path_literal(path)},
            columns = {{{columns}}}, header = false, skip = {int(layout.skip)}, delim = '\t', quote = '',
            escape = '', auto_detect = false, strict_mode = true, null_padding = false)""")
    except duckdb.Error:
        return None
    label, code, month = _f(layout.label), _f(layout.code), _f(layout.month)
    groups = con.execute(f"""SELECT coalesce({label}, ''), {code}, max({month}) FROM {raw}
        WHERE rowid < {int(layout.data_rows)} GROUP BY ALL""").fetchall()
    # max() of month texts is the newest month when they are all YYYY-MM (else a check fails later)
    newest = max((m for *_, m in groups if m is not None), default=None)
    return [(lb, c) for lb, c, _ in groups], newest


def stage_long_tsv(
    con: duckdb.DuckDBPyConnection,
    raw: str,
    table: Table,
    layout: LongTsv,
    *,
    names: dict[tuple[str, str], tuple[str, str]],
    constants: dict[str, object],
    sha256: str,
    stage: str,
    retrieved: date,
) -> dict[str, tuple[str, int]] | None:
    """The data rows of `raw` (read by `read_long_tsv`, then dropped) into temp table `stage` with `table`'s
    columns: `names` maps each (label, code text) to the stored (label, kind); `constants` fill other columns
    (the vintage). {table: (stage, rows)} when every check passes, else None."""
    label, code, month = _f(layout.label), _f(layout.code), _f(layout.month)
    number, missing = _literal(layout.number_pattern), _literal(layout.missing)
    # Text checks, at least as strict as the parser: no padding anywhere (it strips, then checks).
    checks = [
        f"regexp_full_match({code}, '[0-9]+') AND k IS NOT NULL",
        "m IS NOT NULL",
        *(f"{_f(i)} = {missing} OR regexp_full_match({_f(i)}, {number})" for i in layout.values.values()),
        # Strictly decreasing months within a code: also no repeated (month, code), which the parser refuses too.
        "lag(m) OVER (PARTITION BY k ORDER BY n) IS NULL OR m < lag(m) OVER (PARTITION BY k ORDER BY n)",
    ]
    for at, cells in ((0, layout.edges[0]), (layout.data_rows - 1, layout.edges[1])):
        same = " AND ".join(
            f"coalesce({_f(i)}, '') = {_literal(text)}"
            for i, text in zip((layout.label, layout.code, layout.month), cells, strict=True)
        )
        checks.append(f"n <> {int(at)} OR ({same})")
    raw_ok = " AND ".join(f"coalesce({pred}, FALSE)" for pred in checks)
    exprs = []
    for col in table.columns:
        if col.name == "payload_sha256":
            expr = _literal(sha256)
        elif col.name == layout.month_column:
            expr = "m"
        elif col.name == layout.label_column:
            expr = "names.stored"
        elif col.name == layout.code_column:
            expr = "k"
        elif col.name == layout.kind_column:
            expr = "names.kind"
        elif col.name in layout.values:
            v = _f(layout.values[col.name])
            # try_cast: a bad cell must fail its check, not the statement
            expr = f"CASE WHEN {v} = {missing} THEN NULL ELSE try_cast({v} AS DOUBLE) END"
        else:
            expr = _literal(constants.get(col.name))
        exprs.append(f"CAST({expr} AS {col.type}) AS {col.name}")
    # Year 0 is a day DuckDB has and Python's date has not: the parser fails on it, so it is no month here.
    is_month = f"regexp_full_match({month}, '[0-9]{{4}}-(0[1-9]|1[0-2])') AND {month} >= '0001'"
    first_of_month = f"make_date(CAST(left({month}, 4) AS INTEGER), CAST(right({month}, 2) AS INTEGER), 1)"
    # A row whose pair has no mapping drops out of the join and fails the row count. The mapping travels as
    # parameters: a VALUES list of its ~100 rows took DuckDB ~3 ms more to plan than the whole join to run.
    script = f"""CREATE OR REPLACE TEMP TABLE {stage} AS
        WITH data AS (
            SELECT rowid AS n, *, try_cast({code} AS INTEGER) AS k,
                CASE WHEN {is_month} THEN last_day({first_of_month}) END AS m
            FROM {raw} WHERE rowid < {int(layout.data_rows)})
        SELECT {", ".join(exprs)}, {raw_ok} AS raw_ok
        FROM data JOIN (SELECT unnest($1) AS label, unnest($2) AS code, unnest($3) AS stored, unnest($4) AS kind) names
            ON coalesce(data.{label}, '') = names.label AND data.{code} = names.code
        ORDER BY n"""
    try:
        if not names:
            return None
        con.execute(script, [list(column) for column in zip(*((*k, *v) for k, v in names.items()), strict=True)])
    except duckdb.Error:  # not expected (every cast is a try_cast); the parser then says what is wrong
        con.execute(f"DROP TABLE IF EXISTS {stage}")
        return None
    finally:
        con.execute(f"DROP TABLE IF EXISTS {raw}")
    extra = {
        "text": "raw_ok",
        "required code": f"EXISTS (SELECT 1 FROM {stage} WHERE {layout.code_column} = {int(layout.required_code)})",
    }
    # Months strictly decreasing within a code, and one vintage per file: the key needs no duplicate probe.
    return checked(con, table, stage, retrieved, extra=extra, expected_rows=layout.data_rows, unique_key=False)
