"""TIC files' shared row rules: country names, row kinds, tab-separated rows, published numbers, typed frames.

Used by `tic` (slt_table5, slt_table3, mfh.txt) and `tic_history` (mfhhis01), which parse different layouts of
the same labels; kept here so neither parser imports the other.
"""

from __future__ import annotations

import calendar
import csv
import functools
import re
from collections.abc import Callable
from datetime import date

import pandas as pd

from flows.sources.base import ParseError
from warehouse.countries import TIC_ALIASES
from warehouse.schema import TABLES

HOLDINGS, FLOWS = "foreign_holdings", "foreign_flows"
MONTHS = {
    m: i
    for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)
}

GROUPS = frozenset({"Oil Exporters", "Caribbean Banking Centers"})
IO_ROWS = frozenset({"International", "Total Regional Organizations", "Total IROs"})

_FOOTNOTE_MARK = re.compile(r"(?:\s+\d{1,2}/)+$")
_OF_WHICH = re.compile(r"^of which:\s*", re.IGNORECASE)
_ALIASES = TIC_ALIASES  # source spellings -> stored labels: warehouse/countries.py
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_NOT_AVAILABLE = "n.a."
# Many cells, each followed by a newline, every one plainly a number or 'n.a.' (ASCII digits, no padding): what
# `number` accepts, narrowed so that a cell it passes converts with float() exactly as `number` would.
_PLAIN_NUMBERS = re.compile(r"(?:(?:-?[0-9]+(?:\.[0-9]+)?|n\.a\.)\n)*")


class CellDoubt(Exception):
    """Cells checked together were not all plain numbers: the caller parses again checking each cell as it is
    read, so that the ParseError names the first bad one in file order."""


@functools.lru_cache(maxsize=4096)
def normalise_country(raw: str) -> str:
    """One label per country/aggregate across mfhhis01, slt_table5, slt_table3 and mfh.txt. Cached: slt_table3
    repeats each of its ~100 labels on some 70 rows."""
    name = " ".join(str(raw).replace('"', " ").split())
    name = _FOOTNOTE_MARK.sub("", name).strip()
    of_which = bool(_OF_WHICH.match(name))
    name = _OF_WHICH.sub("", name)
    name = _ALIASES.get(name.casefold(), name)
    if of_which and not name.startswith("Foreign "):
        # An "Of which:" row is always a slice of the foreign-official total in TIC tables.
        name = "Foreign Official: " + name
    return name


def holdings_row_kind(country: str, memo: bool = False) -> str:
    """row_kind for foreign_holdings: memo rows are the not-additive 'Of which' official split."""
    if memo or country.startswith("Foreign Official"):
        return "memo"
    if country == "Grand Total":
        return "total"
    if country == "All Other":
        return "residual"
    return "group" if country in GROUPS else "country"


def flows_row_kind(country: str, code: int) -> str:
    if code == 99996 or country == "Grand Total":
        return "total"
    if code in (99990, 99991) or country.startswith("Foreign ") or country in ("Euro Area", "European Union"):
        # Official/non-official split and the Euro Area / EU memo aggregates overlap the country rows.
        return "memo"
    if country in IO_ROWS:
        return "io"
    if country.startswith("Total ") or country == "All Countries":
        return "region"
    return "country"


# --- text helpers ---------------------------------------------------------------------------------


def decode(relpath: str, body: bytes) -> str:
    if not body or not body.strip():
        raise ParseError(relpath, "empty payload")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel "text (tab-delimited)" exports are Windows-1252 when they are not ASCII.
        return body.decode("cp1252", errors="replace")


def split_rows(relpath: str, text: str) -> list[list[str]]:
    """Tab-separated fields per line; quoted fields ("China, Mainland", "" escapes) are unquoted."""
    if '"' not in text and "\0" not in text:
        # Without quotes (or NUL, which csv refuses) the csv reader's fields are the tab-split line, and an empty
        # line its empty row; one csv reader per line was a tenth of parsing slt_table3.
        return [line.split("\t") if line else [] for line in text.splitlines()]
    lines = text.splitlines()
    try:
        rows = list(csv.reader(lines, delimiter="\t", strict=True))
    except csv.Error:
        rows = None
    # One reader over all lines is a line's reader per line unless a quoted field runs on past a line's end,
    # which joins lines into fewer rows (or fails): then per line again, so the error names the bad line.
    if rows is not None and len(rows) == len(lines):
        return rows
    rows = []
    for n, line in enumerate(lines, start=1):
        try:
            rows.append(next(csv.reader([line], delimiter="\t", strict=True), []))
        except csv.Error as exc:
            raise ParseError(relpath, f"malformed quoting ({exc})", value=line[:80], line=n) from None
    return rows


def is_blank(row: list[str]) -> bool:
    return not any(cell.strip() for cell in row)


def number(relpath: str, cell: str, *, field: str | Callable[[], str], line: int) -> float | None:
    """A published number; 'n.a.' → None. Anything else non-numeric is a ParseError naming the cell. `field` may
    be a function that names it: the TIC parsers read ~100,000 cells, and formatting every cell's name up front
    (a date among it) took about 0.04 s of their 0.30 s."""
    text = cell.strip()
    if text == _NOT_AVAILABLE:
        return None
    if not _NUMBER.fullmatch(text):
        raise ParseError(relpath, "not a number", field=field() if callable(field) else field, value=cell, line=line)
    return float(text)


def numbers(cells: list[str]) -> list[float | None]:
    """`number` over many cells at once (one regex over them all, issue 18: one call per cell was a third of the
    TIC parsers); raises CellDoubt unless every cell is plainly a number or 'n.a.'."""
    if cells and not _PLAIN_NUMBERS.fullmatch("\n".join(cells) + "\n"):
        raise CellDoubt
    return [None if cell == _NOT_AVAILABLE else float(cell) for cell in cells]


@functools.lru_cache(maxsize=4096)
def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def frame(table: str, records: list[dict] | dict[str, list]) -> pd.DataFrame:
    """The table's parsed columns, typed, from a list of records or from a dict of equal-length columns."""
    cols = TABLES[table].parsed_columns
    df = (
        pd.DataFrame(records, columns=cols)
        if isinstance(records, dict)
        else pd.DataFrame.from_records(records, columns=cols)
    )
    for col in TABLES[table].columns:
        if col.name not in df:
            continue
        if col.type == "DATE":
            df[col.name] = pd.to_datetime(df[col.name])
        elif col.type == "DOUBLE":
            df[col.name] = df[col.name].astype("float64")
        elif col.type in ("INTEGER", "BIGINT"):
            df[col.name] = df[col.name].astype("Int64")
        else:
            text = df[col.name].astype(object)
            df[col.name] = text.where(text.notna(), None)
    return df[cols]
