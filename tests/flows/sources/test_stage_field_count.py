"""DuckDB's strict CSV reader takes a line with one extra, empty field at its end (a trailing delimiter) as if it
were not there, where every Python parser refuses it. Each stage counts the fields on every line first
(`base.fields_on_every_line`), so a file the parser would quarantine is never loaded by the stage instead."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from flows.ingest import source_module
from flows.sources.base import ParseError, fields_on_every_line
from warehouse.db import connect

RETRIEVED = date(2026, 12, 1)
# (source, real file, the line to damage (0-based), its delimiter)
CASES = [
    ("fred", "fred/DGS10.csv", 1, b","),
    ("fred", "fred/CPIAUCSL.csv", 5, b","),
    ("fred", "fred/legacy_format/DGS10__DATE-header_2024-08.csv", 3, b","),
    ("yield_curve", "treasury/yield-curve-rates-1990-2024.csv", 1, b","),
    ("yield_curve", "treasury/daily-treasury-rates_2024.csv", 7, b","),
    ("auctions", "fiscaldata/Auctions_Query_19791115_20251215.csv", 1, b","),
    ("fiscaldata", "fiscaldata/MSPD_DetailSecty_20230831_20230831.csv", 2, b","),
    ("soma", "fred/nyfed_soma/SOMA_Mar302022.csv", 1, b","),
]


def with_extra_field(body: bytes, line: int, delim: bytes) -> bytes:
    lines = body.split(b"\n")
    end = b"\r" if lines[line].endswith(b"\r") else b""
    lines[line] = lines[line][: len(lines[line]) - len(end)] + delim + end
    return b"\n".join(lines)


def stage(tmp_path: Path, source: str, relpath: str, body: bytes):
    raw = tmp_path / f"raw_{len(body)}"
    raw.write_bytes(body)
    con = connect(tmp_path / "w.duckdb")
    try:
        return source_module(source).stage(con, relpath, body, None, raw, "a" * 64, RETRIEVED, tag="_t")
    finally:
        con.close()


@pytest.mark.parametrize("source, relpath, line, delim", CASES, ids=[c[1].rsplit("/", 1)[-1] for c in CASES])
def test_a_trailing_extra_field_is_left_to_the_parser(tmp_path, snapshot_dir, source, relpath, line, delim):
    body = (snapshot_dir / relpath).read_bytes()
    assert stage(tmp_path, source, relpath, body)  # the real file is staged by DuckDB
    bad = with_extra_field(body, line, delim)
    assert stage(tmp_path, source, relpath, bad) is None
    with pytest.raises(ParseError, match=f"line {line + 1}"):
        source_module(source).transform(relpath, bad, None)


def test_an_extra_field_offset_by_a_missing_one_still_fails_the_read(tmp_path, snapshot_dir):
    """The count alone would pass a file with one line a field longer and another a field shorter: DuckDB's strict
    read refuses the shorter line, so the stage still answers None."""
    relpath = "fred/DGS10.csv"
    lines = (snapshot_dir / relpath).read_bytes().split(b"\n")
    lines[1] += b","
    lines[2] = lines[2].split(b",")[0]
    bad = b"\n".join(lines)
    assert fields_on_every_line(bad, 2)
    assert stage(tmp_path, "fred", relpath, bad) is None


@pytest.mark.parametrize(
    "body, fields, quoted, ok",
    [
        (b"a,b\n1,2\n3,\n", 2, False, True),  # an empty last field is still two fields
        (b"a,b\n1,2\n3,4,\n", 2, False, False),
        (b"a,b\n1,2\n\n3,4\n", 2, False, False),  # a blank line: the parser decides
        (b"a,b\n1,2", 2, False, True),  # no final line break
        (b'a,b\r\n"x, y",2\r\n"z ""q"", w",3\r\n', 2, True, True),  # delimiters inside quotes do not count
        (b'a,b\r\n"x, y",2,\r\n', 2, True, False),
        (b"a\tb\tc\n1\t2\t3\n", 3, False, False),  # the wrong delimiter for this count
    ],
)
def test_fields_are_counted_outside_quotes(body, fields, quoted, ok):
    assert fields_on_every_line(body, fields, quoted=quoted) is ok
