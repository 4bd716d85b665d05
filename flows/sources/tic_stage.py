"""slt_table3 read by DuckDB (warehouse/stage_long.py) instead of `tic.parse_slt_table3` (issue 18: the parser
and its frame were ~0.1 s of a refresh, most of TIC's).

This module decides, with cheap string tests, whether DuckDB's reader sees the lines the parser sees, and finds
the data rows as the parser does (after the column-name row, up to a blank or 'Notes' line). Anything it is not
sure of answers None, and `tic.transform` parses the file and names what is wrong.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb

from flows.sources.tic import FLOW_FIELDS, vintage_for
from flows.sources.tic_rows import FLOWS, flows_row_kind, month_end, normalise_country
from warehouse.schema import TABLES
from warehouse.stage_long import LongTsv, read_long_tsv, stage_long_tsv

GRAND_TOTAL_CODE = 99996
_MONTH = re.compile(r"[0-9]{4}-(?:0[1-9]|1[0-2])")


def _lines(body: bytes) -> list[str] | None:
    """The file's lines as the parser splits them, when DuckDB's reader splits them the same way."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:  # the parser reads it as Windows-1252: DuckDB would refuse or read it otherwise
        return None
    # Quotes: the parser unquotes fields (csv module) and DuckDB here does not; NUL sends the parser to csv too.
    if '"' in text or "\0" in text or not text.strip():
        return None
    lines, breaks = text.splitlines(), text.count("\n")
    # splitlines also breaks at \r alone, \v, \f, \x1c-\x1e, \x85, \u2028 and \u2029, DuckDB's reader only at \n
    # and \r\n: the same lines when every break is a \n (a lone \r can then only end the text) and either no \r
    # or one before every \n (CRLF and LF mixed fail DuckDB's reader). Counting is cheaper than a regex (~1.5 ms).
    if len(lines) != breaks + (not text.endswith("\n")) or text.count("\r") not in (0, breaks) or text.endswith("\r"):
        return None
    return lines


def _data_rows(lines: list[str]) -> tuple[int, list[str], int] | None:
    """(index of the column-name row, its names, index of the terminating blank/'Notes' line), as
    `tic._slt_table3` finds them; None when it would raise."""
    names_at = next((i for i, ln in enumerate(lines) if ln.split("\t", 1)[0].strip() == "country"), None)
    if names_at is None:
        return None
    for end in range(names_at + 1, len(lines)):
        line = lines[end]
        if line[:1] not in "N" and not line[:1].isspace():
            continue  # neither blank nor 'Notes' (and '' is in "N"): most rows, ~2 ms in all checked in full
        if not line.strip() or line.split("\t", 1)[0].strip().startswith("Notes"):
            break
    else:
        return None  # truncated
    names = [c.strip() for c in lines[names_at].split("\t")]
    return (names_at, names, end) if end > names_at + 1 else None


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
    """slt_table3 (its relpath already checked) staged as `stage_foreign_flows<tag>`, or None."""
    lines = _lines(body)
    found = _data_rows(lines) if lines is not None else None
    if found is None:
        return None
    names_at, names, end = found
    if any(n not in names for n in ("country", "country_code", "date", *FLOW_FIELDS)):
        return None
    at = {n: names.index(n) for n in ("country", "country_code", "date", *FLOW_FIELDS)}
    edges = []
    for row in (lines[names_at + 1].split("\t"), lines[end - 1].split("\t")):
        if len(row) < len(names):
            return None
        edges.append((row[at["country"]], row[at["country_code"]], row[at["date"]]))
    layout = LongTsv(
        fields=len(names),
        skip=names_at + 1,
        data_rows=end - names_at - 1,
        label=at["country"],
        code=at["country_code"],
        month=at["date"],
        values={ours: at[theirs] for theirs, ours in FLOW_FIELDS.items()},
        number_pattern=r"-?[0-9]+(\.[0-9]+)?",  # what tic_rows.numbers takes without doubt
        missing="n.a.",
        edges=(edges[0], edges[1]),
        required_code=GRAND_TOTAL_CODE,
        label_column="country",
        code_column="country_code",
        month_column="month",
        kind_column="row_kind",
    )
    table_raw = f"raw_stage_{FLOWS}{tag}"
    read = read_long_tsv(con, Path(raw), layout, table_raw)
    if read is None:
        return None
    pairs, newest = read
    stored: dict[tuple[str, str], tuple[str, str]] = {}
    constants: dict[str, object] = {}
    if newest is not None and _MONTH.fullmatch(newest) and newest >= "0001":
        vintage, basis = vintage_for(month_end(int(newest[:4]), int(newest[5:])), fetched_on)
        constants = {"vintage": vintage, "vintage_basis": basis}
        for label, code in pairs:
            if code is None or not (code.isascii() and code.isdigit()):
                stored = {}  # the parser refuses the row: nothing is staged
                break
            country = normalise_country(label.strip())
            stored[label, code] = country, flows_row_kind(country, int(code))
    return stage_long_tsv(
        con,
        table_raw,
        TABLES[FLOWS],
        layout,
        names=stored,
        constants=constants,
        sha256=sha256,
        stage=f"stage_{FLOWS}{tag}",
        retrieved=retrieved,
    )
