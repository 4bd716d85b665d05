"""The MSPD Table III detail CSV (Fiscal Data website download) staged by DuckDB into marketable_securities and
marketable_totals (issue 18: its Python parser and the pandas frames were ~35 ms a file).

As in warehouse/stage.py, every check is at least as strict as the parser in flows/sources/mspd.py, and any doubt
answers None so that the caller runs that parser, which names file, line, field and value. A field is taken only
when it already is the canonical text the parser would read (no spaces to strip, no exponent, no leading zero in
a line number), so the staged rows are the parser's rows: the same tranche numbers (position within record date
and CUSIP in source-line order), NULL where the parser leaves NaN, and amounts cast to DOUBLE from the same text
the parser reads as a Decimal (both round it correctly to the nearest double).

Four statements: read and type the rows, stage the two tables, one query for every check, drop the rows. Small
as the file is, DuckDB spends more on planning a statement than on running it, so the expressions are kept short
(one regex for all six amounts, dates checked by a round trip) rather than split into more statements.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from warehouse.schema import TABLES, Table
from warehouse.stage import _literal, _path_literal, table_checks

SECURITIES, TOTALS = TABLES["marketable_securities"], TABLES["marketable_totals"]
AMOUNT_FIELDS = ("interest_rate_pct", "yield_pct", "issued_amt", "inflation_adj_amt", "redeemed_amt", "outstanding_amt")


@dataclass(frozen=True)
class DetailCsv:
    """Where the parser's fields are in the file and how its class names map to ours."""

    positions: dict[str, int]  # API field name -> 0-based field index (the header gave it)
    fields: int  # fields per line, as in the header
    classes: dict[str, str]  # Security Class 1 -> our class (CUSIP rows and "Total …" rows)
    class1_totals: dict[str, str]  # Security Class 1 that is a total by itself -> our class
    no_coupon: tuple[str, ...]  # our classes whose interest rate is stored NULL
    nulls: tuple[str, ...]  # texts that mean no value ('' is also what DuckDB reads as NULL)
    rounds_to_zero: str  # one character
    cusip: str  # RE2, matched whole
    source_format: str


# An amount DuckDB may cast: the parser's Decimal also takes spaces, exponents and '+', which go through it.
# Twenty digits either side of the point are far more than any statement prints.
_NUMBER = r"-?[0-9]{1,20}(\.[0-9]{1,20})?"


def _map(mapping: dict[str, str]) -> str:
    return "MAP {" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in mapping.items()) + "}"


def _day_ok(f: str) -> str:
    """The text is exactly a real day's ISO form, years 1900-2199 (Python's and pandas' range, and then some)."""
    return f"(CAST(try_cast({f} AS DATE) AS VARCHAR) = {f} AND {f} BETWEEN '1900' AND '2200')"


def _columns(table: Table, values: dict[str, str]) -> str:
    return ", ".join(f"CAST({values[c.name]} AS {c.type}) AS {c.name}" for c in table.columns)


def _all_of_rows(checks: dict[str, str]) -> str:
    """Every check holds on every row (no rows: TRUE, as a scan of no rows always passed)."""
    return "coalesce(bool_and(" + " AND ".join(f"coalesce({p}, FALSE)" for p in checks.values()) + "), TRUE)"


def _all_of(checks: dict[str, str], source: str) -> str:
    return f"(SELECT {_all_of_rows(checks)} FROM {source})"


def stage_detail_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    layout: DetailCsv,
    *,
    data_rows: int,
    sha256: str,
    tag: str,
    retrieved: date,
) -> dict[str, tuple[str, int]] | None:
    """Read `path` (header and line structure checked by the source) into temp tables
    `stage_marketable_securities<tag>` and `stage_marketable_totals<tag>`: {table: (stage, rows)} for those with rows
    (the Python path stages no empty frame either), or None when DuckDB cannot read it or any check fails."""
    rows = f"rows_mspd{tag}"
    nulls = ", ".join(_literal(m) for m in layout.nulls)
    columns = ", ".join(f"'f{i}': 'VARCHAR'" for i in range(layout.fields))
    # '' and NULL alike: DuckDB reads an empty field (quoted or not) as NULL, the csv module as ''.
    text = ", ".join(f"coalesce(f{i}, '') AS {name}" for name, i in layout.positions.items())
    # One amount's text (empty included), and all six joined by '|' checked by one regex (a '|' inside a field
    # makes a seventh part, which fails it).
    words = [re.escape(m) for m in layout.nulls if m] + [re.escape(layout.rounds_to_zero), _NUMBER]
    one = "(?:" + "|".join(words) + ")?"
    all_amounts = f"(?:{one}\\|){{{len(AMOUNT_FIELDS) - 1}}}{one}"
    amounts_ok = f"regexp_full_match(concat_ws('|', {', '.join(AMOUNT_FIELDS)}), {_literal(all_amounts)})"
    # Valid text only: a null marker and any other word fail the cast, '*' is zero.
    amount = {f: f"try_cast(replace({f}, {_literal(layout.rounds_to_zero)}, '0') AS DOUBLE)" for f in AMOUNT_FIELDS}
    # A subtotal's class: "Total …" in class 2 under a known class 1, or a class-1 total with class 2 null.
    total_class = (
        f"CASE WHEN starts_with(class2, 'Total ') THEN sec_class "
        f"WHEN class2 IN ({nulls}) THEN {_map(layout.class1_totals)}[class1] END"
    )
    # What the parser checks on every row (its source line), on marketable rows (record date), and on CUSIP or
    # subtotal rows; nonmarketable rows are read no further, as the parser reads them no further.
    ok = (
        f"src >= 0 AND CAST(src AS VARCHAR) = src_line_nbr AND (kind IS NULL OR {_day_ok('record_text')}) AND "
        f"CASE kind WHEN 'security' THEN sec_class IS NOT NULL AND {_day_ok('maturity_date')} "
        f"AND (issue_date IN ({nulls}) OR {_day_ok('issue_date')}) AND {amounts_ok} "
        f"WHEN 'total' THEN total_class IS NOT NULL "
        f"AND regexp_full_match(outstanding_amt, {_literal(one)}) ELSE TRUE END"
    )
    no_coupon = ", ".join(_literal(c) for c in layout.no_coupon)
    security_values = {
        "record_date": "record_date",
        "cusip": "class2",
        # Position within (record date, CUSIP): the row's place in one sort less its group's first place (cheaper
        # here than a partitioned window).
        "tranche_no": "CAST(row_number() OVER o - rank() OVER (ORDER BY record_text, class2) + 1 AS INTEGER)",
        "security_class": "sec_class",
        "security_class1_desc": "class1",
        "issue_date": "try_cast(issue_date AS DATE)",
        "maturity_date": "try_cast(maturity_date AS DATE)",
        # Bills and FRNs carry no coupon: NULL, as the parser's NaN is stored.
        "interest_rate_pct": f"CASE WHEN sec_class IN ({no_coupon}) THEN NULL ELSE {amount['interest_rate_pct']} END",
        "yield_pct": amount["yield_pct"],
        "issued_usd_mn": amount["issued_amt"],
        "inflation_adj_usd_mn": amount["inflation_adj_amt"],
        "redeemed_usd_mn": amount["redeemed_amt"],
        "outstanding_usd_mn": amount["outstanding_amt"],
        "source_format": _literal(layout.source_format),
        "payload_sha256": _literal(sha256),
    }
    total_values = {
        "record_date": "record_date",
        "label": f"CASE WHEN starts_with(class2, 'Total ') THEN class2 WHEN class2 IN ({nulls}) THEN class1 END",
        "security_class": "total_class",
        "outstanding_usd_mn": amount["outstanding_amt"],
        "payload_sha256": _literal(sha256),
    }
    stages = {t.name: f"stage_{t.name}{tag}" for t in (SECURITIES, TOTALS)}
    sec, tot = stages[SECURITIES.name], stages[TOTALS.name]
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE {rows} AS
            WITH r AS (SELECT {text} FROM read_csv({_path_literal(path)}, columns = {{{columns}}}, header = true,
                delim = ',', quote = '"', escape = '"', auto_detect = false, strict_mode = true, null_padding = false)),
            k AS (SELECT *, record_date AS record_text, security_class1_desc AS class1, security_class2_desc AS class2,
                try_cast(src_line_nbr AS BIGINT) AS src, {_map(layout.classes)}[security_class1_desc] AS sec_class,
                CASE WHEN security_type_desc <> 'Marketable' THEN NULL
                     WHEN regexp_full_match(security_class2_desc, {_literal(layout.cusip)}) THEN 'security'
                     ELSE 'total' END AS kind FROM r),
            t AS (SELECT *, {total_class} AS total_class FROM k)
            SELECT * REPLACE (try_cast(record_date AS DATE) AS record_date), {ok} AS ok FROM t""")
    except duckdb.Error:
        return None
    # The parser refuses a CUSIP under two classes: every tranche after the first has the class of the one before.
    one_class = "(row_number() OVER o = rank() OVER (ORDER BY record_text, class2) OR class1 = lag(class1) OVER o)"
    try:
        # Beside the table's columns each stage keeps `raw_ok`, the row's own checks; the loader names the table's
        # columns, so it is never written.
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {sec} AS SELECT {_columns(SECURITIES, security_values)},
                ok AND {one_class} AS raw_ok FROM {rows} WHERE kind = 'security'
                WINDOW o AS (ORDER BY record_text, class2, src);
            CREATE OR REPLACE TEMP TABLE {tot} AS SELECT {_columns(TOTALS, total_values)}, ok AS raw_ok
                FROM {rows} WHERE kind = 'total'"""
        )
        sec_checks = {
            "text": "raw_ok",
            "first tranche outstanding": "tranche_no > 1 OR outstanding_usd_mn IS NOT NULL",
            **table_checks(SECURITIES, retrieved),
        }
        tot_checks = {"text": "raw_ok", **table_checks(TOTALS, retrieved)}
        # The parser's sort key is the record date's text with the source line number, on every row (nonmarketable
        # ones too), and a subtotal label may come once in a statement.
        good, sec_rows, tot_rows = con.execute(f"""SELECT
            (SELECT count(*) = {int(data_rows)} AND count(*) FILTER (WHERE ok) = count(*)
                AND count(DISTINCT (record_text, src)) = count(*) FROM {rows})
            AND {_all_of(sec_checks, sec)}
            AND (SELECT {_all_of_rows(tot_checks)} AND count(DISTINCT (record_date, label)) = count(*) FROM {tot}),
            (SELECT count(*) FROM {sec}), (SELECT count(*) FROM {tot})""").fetchall()[0]
    finally:
        con.execute(f"DROP TABLE IF EXISTS {rows}")
    if not good:
        con.execute(";".join(f"DROP TABLE IF EXISTS {s}" for s in stages.values()))
        return None
    staged = {}
    for name, n in ((SECURITIES.name, sec_rows), (TOTALS.name, tot_rows)):
        if n:
            staged[name] = (stages[name], int(n))
        else:
            con.execute(f"DROP TABLE {stages[name]}")  # the Python path stages no empty frame either
    return staged or None
