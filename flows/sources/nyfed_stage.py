"""The NY Fed SOMA holdings website CSV staged by DuckDB (warehouse/stage_records.py) instead of parsed by
`nyfed.transform` (issue 18: the Python parse, its frame and validation cost ~2x DuckDB's own read of the file).
Here are the decisions made on the Python side: which bytes DuckDB may read (those it and the csv module split
alike) and where the columns are (by header, folded and mapped by the parser's own `_map_header`, so the two
cannot drift apart).

Any doubt answers None and `nyfed.transform` parses the file, naming what is wrong.
"""

from __future__ import annotations

import csv
import functools
import re
from datetime import date
from pathlib import Path, PurePosixPath

import duckdb

from flows.sources.base import ParseError, read_csv
from flows.sources.nyfed import _CUSIP, COLUMNS, NUMBERS, TABLE, _map_header
from warehouse.schema import TABLES
from warehouse.stage_records import RecordCsv, stage_record_csv

# Lines of fields that both readers split alike: a quoted field is a whole field, quotes inside doubled, no line
# break inside (DuckDB trims spaces around a quoted field where the csv module keeps them, and the two split a
# stray quote differently); an unquoted field holds no quote. Each line must hold the header's number of fields:
# DuckDB's strict mode reads a line with one empty field too many (a trailing comma) where the parser refuses it.
# One fullmatch of the file (`_lines`): a loop over the quoted fields in Python cost more than DuckDB's whole read.
_FIELD = r'(?:"(?:[^"\n]++|"")*+"|[^",\n]*+)'

# What a field must already look like for DuckDB to stage it as the parser cleans it: nothing `strip()` would
# remove (printable ASCII without spaces at the ends); a CUSIP inside the apostrophes the website puts around it;
# plain decimals as the website writes them, which float() reads alike and which are always finite (at most 30
# digits before the point, no exponent) and never -0 (0 and -0 are one value to SQL's DISTINCT, two to the
# parser's drop of exact repeats); no thousands separators, no bare trailing point (`cut_number`).
_TEXT = r"[!-~]([ -~]*[!-~])?"
_NUMBER = r"(0|[1-9][0-9]{0,29})(\.[0-9]+)?|-([1-9][0-9]{0,29}(\.[0-9]+)?|0\.[0-9]*[1-9][0-9]*)"
_DATES = ("as_of_date", "maturity_date")
_PATTERNS = {
    **{col: _TEXT for col in COLUMNS},
    "cusip": _CUSIP.pattern,  # of the text inside the apostrophes
    **{col: r"[0-9]{4}-[0-9]{2}-[0-9]{2}" for col in _DATES},
    **{col: _NUMBER for col in NUMBERS},
}
# The parser's `strip("'")`; the pattern then leaves no space or lower case for its `.strip().upper()` to change.
_CLEANED = {"cusip": "trim({}, '''')"}
# The values `_record` requires; par_value_usd must be a column but may be empty.
_REQUIRED = ("as_of_date", "cusip", "security_type")


def stage(
    con: duckdb.DuckDBPyConnection,
    relpath: str,
    body: bytes,
    fetched_on: date | None,
    raw: Path,
    sha256: str,
    retrieved: date,
    *,
    tag: str = "",
) -> dict[str, tuple[str, int]] | None:
    """soma_holdings staged from the website CSV, or None: then `transform` parses it."""
    if not PurePosixPath(relpath).name.startswith("SOMA_"):
        return None
    # LF only (the download's line ends): a CR is a line break to the csv module and not always to DuckDB. A BOM
    # and NUL are left to the parser too.
    if b"\r" in body or b"\x00" in body or body.startswith(b"\xef\xbb\xbf"):
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    # Both readers skip a blank line, the parser also a line of blank cells; such a file is left to the parser, so
    # every line below the header is one record and DuckDB must read exactly that many.
    if len(lines) < 2 or "" in lines:
        return None
    if max(map(len, lines)) > csv.field_size_limit():  # the csv module refuses a longer field; DuckDB would not
        return None
    try:
        header = [cell.strip() for cell in read_csv(relpath, lines[0])[0]]
        columns = _map_header(relpath, header)
    except (ParseError, IndexError):
        return None
    if not _lines(len(header)).fullmatch(text if text.endswith("\n") else text + "\n"):
        return None
    layout = RecordCsv(
        positions={col: i for i, col in enumerate(columns)},
        fields=len(columns),
        patterns=_PATTERNS,
        missing=(),  # an empty field, quoted or not, is NULL to DuckDB and missing to the parser
        required=_REQUIRED,
        dates=_DATES,
        positive=(),
        cleaned=_CLEANED,
    )
    return stage_record_csv(
        con,
        Path(raw),
        TABLES[TABLE],
        layout,
        data_rows=len(lines) - 1,
        sha256=sha256,
        stage=f"stage_{TABLE}{tag}",
        retrieved=retrieved,
    )


@functools.cache
def _lines(fields: int) -> re.Pattern[str]:
    """Whole lines of exactly `fields` fields each, split alike by both readers (see _FIELD)."""
    return re.compile(rf"(?:{_FIELD}(?:,{_FIELD}){{{fields - 1}}}\n)*+")
