"""DuckDB-staged parsing (warehouse/stage.py) gives exactly the Python parser's rows, and hands every file it
doubts back to the parser (whose errors name file, line, field and value)."""

from __future__ import annotations

import hashlib
import math
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.sources import fred, fred_layout, yield_curve
from flows.sources.base import ParseError
from warehouse.schema import TABLES
from warehouse.stage import ISO_DATE, date_text_ok

SNAPSHOT = Path(__file__).resolve().parents[2].parent / "shared" / "snapshot"
TODAY = date.today()


def staged_frame(module, relpath: str, body: bytes, tmp_path: Path, fetched_on=None):
    raw = tmp_path / hashlib.sha256(body).hexdigest()
    raw.write_bytes(body)
    con = duckdb.connect()
    try:
        staged = module.stage(con, relpath, body, fetched_on, raw, "sha", TODAY)
        if staged is None:
            return None
        ((table, (name, rows)),) = staged.items()
        cols = TABLES[table].parsed_columns
        frame = con.execute(f"SELECT {', '.join(cols)} FROM {name}").df()
        assert len(frame) == rows
        return table, frame
    finally:
        con.close()


def same_rows(staged: pd.DataFrame, parsed: pd.DataFrame, key: list[str]) -> None:
    """Same rows as the parser's frame (missing = NULL/NaN alike; dates compared as days)."""

    def norm(frame):
        frame = frame.sort_values(key, ignore_index=True).astype(object)
        return frame.map(
            lambda v: (
                None
                if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT
                else pd.Timestamp(v).date()
                if isinstance(v, pd.Timestamp | date)
                else v
            )
        )

    pd.testing.assert_frame_equal(norm(staged), norm(parsed))


@pytest.mark.parametrize(
    "relpath",
    [
        "fred/DGS10.csv",
        "fred/WMTSECL1.csv",
        "fred/CPIAUCSL.csv",
        "fred/legacy_format/TREAST__DATE-header_2021-06.csv",
        "fred/MTSDS133FMS.csv",
    ],
)
def test_fred_csv_staged_equals_parsed(relpath, tmp_path):
    path = SNAPSHOT / relpath
    if not path.exists():
        pytest.skip(f"{relpath} not in the snapshot")
    body = path.read_bytes()
    staged = staged_frame(fred, relpath, body, tmp_path)
    assert staged is not None, "a clean fredgraph CSV is staged by DuckDB"
    same_rows(staged[1], fred.transform(relpath, body)[fred.TABLE], ["date"])


@pytest.mark.parametrize(
    "relpath", ["treasury/daily-treasury-rates_2024.csv", "treasury/yield-curve-rates-1990-2024.csv"]
)
def test_yield_curve_staged_equals_parsed(relpath, tmp_path):
    body = (SNAPSHOT / relpath).read_bytes()
    staged = staged_frame(yield_curve, relpath, body, tmp_path)
    assert staged is not None
    same_rows(staged[1], yield_curve.transform(relpath, body)[yield_curve.TABLE], ["date", "tenor_months"])


@pytest.mark.parametrize(
    "body",
    [
        b"observation_date,DGS10\n2024-01-02,4.1\n2024-01-03,9.\n",  # a number cut short
        b"observation_date,DGS10\n2024-01-02, 4.1\n",  # spaces the parser strips
        b"observation_date,DGS10\n2024-01-02,4.1\n\n2024-01-04,4.2\n",  # a blank line
        b"observation_date,DGS10\n2024-01-03,4.1\n2024-01-02,4.2\n",  # dates out of order
        b"observation_date,DGS10\n2024-02-30,4.1\n",  # not a calendar date
        b"observation_date,DGS10\n2024-01-02,4.1,7\n",  # three fields
        b"observation_date,DGS10\n2024-01-02,1e999\n",  # not finite
        b"observation_date,DGS10\n2024-01-02,4.1\x0c2024-01-03,4.2\n",  # a line break only Python sees
        b"observation_date,DGS10\n2024-01-02,4.1\n2099-01-03,4.2\n",  # from the future
    ],
)
def test_fred_csv_doubts_go_to_the_parser(body, tmp_path):
    assert staged_frame(fred, "fred/DGS10.csv", body, tmp_path) is None


@pytest.mark.parametrize(
    "body",
    [
        b"Date,1 Mo,2 Mo\n01/03/2024,5.5,5.4\n01/02/2024,5.5,9.\n",  # cut short
        b"Date,1 Mo,2 Mo\n01/02/2024,5.5,5.4\n01/03/2024,5.5,5.4\n",  # oldest first
        b"Date,1 Mo,2 Mo\n02/30/2024,5.5,5.4\n",  # not a calendar date
        b"Date,1 Mo,2 Mo\n01/02/2023,5.5,5.4\n",  # outside the file's year
        b"Date,1 Mo,2 Mo\n01/02/2024,5.5,95\n",  # implausible yield
    ],
)
def test_yield_curve_doubts_go_to_the_parser(body, tmp_path):
    assert staged_frame(yield_curve, "treasury/daily-treasury-rates_2024.csv", body, tmp_path) is None


def test_year_0000_in_the_par_curve_archive_goes_to_the_parser(tmp_path):
    # The archive has no year of its own to check against, and DuckDB reads 01/02/0000 as a day of 1 BC.
    relpath = "treasury/yield-curve-rates-1990-2024.csv"
    real = (SNAPSHOT / relpath).read_bytes().rstrip(b"\r\n")  # the file ends without a line break
    last = real.rsplit(b"\n", 1)[1]
    body = real + b"\n01/02/0000," + last.split(b",", 1)[1]  # the archive is newest first: still in order
    assert staged_frame(yield_curve, relpath, real, tmp_path) is not None
    assert staged_frame(yield_curve, relpath, body, tmp_path) is None
    with pytest.raises(ParseError, match="'01/02/0000' not a calendar date"):
        yield_curve.transform(relpath, body)


@pytest.mark.parametrize(
    "text",
    ["2020-01-05", "0099-01-01", "0001-01-01", "9999-12-31", "2020-02-29", "2021-02-29", "2020-13-01", "2020-1-05",
     " 2020-01-05", "2020-01-05 ", "20200105", "2020/01/05", "+2020-01-05", "2020-01-05T00", "10000-01-01",
     "１２３４-01-01", "0000-01-01", "epoch", ""],
)  # fmt: skip
def test_the_iso_date_check_accepts_what_the_parser_accepts(text):
    # Without a regex for ISO days (warehouse/stage.py date_text_ok), the check still says yes exactly where
    # fred's parser reads a day: year 0000 (1 BC to DuckDB) included, which the regex form let through.
    sql = f"SELECT coalesce({date_text_ok('d', ISO_DATE)}, FALSE) FROM (SELECT CAST(? AS VARCHAR) AS d)"
    staged = duckdb.execute(sql, [text]).fetchone()[0]
    try:
        parsed = fred_layout._parse_date("x.csv", text) == text
    except ParseError:
        parsed = False
    assert staged == parsed
