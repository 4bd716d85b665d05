"""The MSPD detail website CSV staged by DuckDB (warehouse/stage_mspd.py) instead of parsed by `mspd.csv_rows` and
`mspd.detail_frames` (issue 18). Here are the decisions made on the Python side: which bytes DuckDB may read
(those it and the csv module read alike), where the columns are (by header, as the parser finds them) and the
class names, shared with the parser so the two cannot drift apart.

Any doubt answers None and `fiscaldata.transform` parses the file, naming what is wrong.
"""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import duckdb

from flows.sources.base import ParseError, fields_on_every_line, read_csv
from flows.sources.mspd import (
    _CUSIP,
    CLASS1_TOTALS,
    CSV_HEADERS,
    NO_COUPON,
    NULLS,
    ROUNDS_TO_ZERO,
    SECURITY_CLASSES,
)
from warehouse.stage_mspd import DetailCsv, stage_detail_csv

# A quoted field as both readers take it: opened and closed at field boundaries, quotes inside doubled, no line
# break inside (DuckDB trims spaces around a quoted field where the csv module keeps them, and the two split a
# stray quote differently).
_QUOTED = re.compile(rb'"(?:[^"\r\n]|"")*"')


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
    """marketable_securities and marketable_totals staged from the detail CSV (its file name already checked by
    the caller), or None: then `transform` parses it."""
    if b"\x00" in body:
        return None
    # CRLF everywhere (the download's own line ends): a bare CR or LF is a line break to the csv module and not
    # to DuckDB's reader once it has seen CRLF.
    lines_ends = body.count(b"\r\n")
    if body.count(b"\r") != lines_ends or body.count(b"\n") != lines_ends or not _plain_quoting(body):
        return None
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    lines = text.split("\r\n")
    if max(map(len, lines)) > csv.field_size_limit():  # the csv module refuses a longer field; DuckDB would not
        return None
    try:
        header = read_csv(relpath, lines[0])[0] if lines[0] else []
    except ParseError:
        return None
    if any(name not in header for name in CSV_HEADERS) or not fields_on_every_line(body, len(header), quoted=True):
        return None
    # Blank lines are skipped by both readers; any other line is a row, so DuckDB must read exactly this many.
    data_rows = len(lines) - 1 - lines[1:].count("")
    layout = DetailCsv(
        positions={field: header.index(name) for name, field in CSV_HEADERS.items()},
        fields=len(header),
        classes=SECURITY_CLASSES,
        class1_totals=CLASS1_TOTALS,
        no_coupon=tuple(sorted(NO_COUPON)),
        nulls=tuple(sorted(NULLS)),
        rounds_to_zero=ROUNDS_TO_ZERO,
        cusip=_CUSIP.pattern,
        source_format="csv",
    )
    return stage_detail_csv(con, Path(raw), layout, data_rows=data_rows, sha256=sha256, tag=tag, retrieved=retrieved)


def _plain_quoting(body: bytes) -> bool:
    """Every quote in `body` belongs to a quoted field that is a whole field (see _QUOTED)."""
    quotes = 0
    for m in _QUOTED.finditer(body):
        start, end = m.span()
        if body[start - 1 : start] not in (b"", b",", b"\n") or body[end : end + 1] not in (b"", b",", b"\r"):
            return False
        quotes += m.group().count(b'"')
    return quotes == body.count(b'"')
