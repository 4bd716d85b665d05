"""Daily Treasury par yield curve (home.treasury.gov): yearly CSV downloads and the 1990-2024 archive.

Both layouts are wide (one column per tenor) and newest first; we map columns by header name, because
the tenor set changes over time (1.5 Month only from 2025, 4 Mo from 2022, 20 Yr from 1993-10), and
emit one row per (date, tenor) with empty cells dropped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path, PurePosixPath

import pandas as pd

from flows.http import Http
from flows.sources.base import (
    ParseError,
    Payload,
    cut_number,
    data_rows,
    fields_on_every_line,
    newest_stored,
    read_csv,
    snapshot_payloads,
)
from warehouse.schema import TABLES
from warehouse.stage import WideCsv, checked, stage_wide_csv

SOURCE = "yield_curve"
TABLE = "yield_curve"
COLUMNS = TABLES[TABLE].parsed_columns

ARCHIVE_RELPATH = "treasury/yield-curve-rates-1990-2024.csv"
ARCHIVE_URL = "https://home.treasury.gov/system/files/276/yield-curve-rates-1990-2024.csv"
ARCHIVE_LAST_YEAR = 2024
FIRST_YEAR = 1990
YEARLY_URL = (
    "https://home.treasury.gov/resource-center/data-chart-center/interest-rates/daily-treasury-rates.csv/"
    "{year}/all?type=daily_treasury_yield_curve&field_tdr_date_value={year}&page&_format=csv"
)
YEARLY_RELPATH = "treasury/daily-treasury-rates_{year}.csv"

# Header name -> tenor in months. Treasury spells the 6-week bill "1.5 Month" in the yearly download;
# "1.5 Mo" is accepted in case the archive adopts the short style when it is extended.
TENOR_MONTHS: dict[str, float] = {
    "1 Mo": 1,
    "1.5 Month": 1.5,
    "1.5 Mo": 1.5,
    "2 Mo": 2,
    "3 Mo": 3,
    "4 Mo": 4,
    "6 Mo": 6,
    "1 Yr": 12,
    "2 Yr": 24,
    "3 Yr": 36,
    "5 Yr": 60,
    "7 Yr": 84,
    "10 Yr": 120,
    "20 Yr": 240,
    "30 Yr": 360,
}

_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_YEARLY_NAME = re.compile(r"daily-treasury-rates_(\d{4})\.csv")


# --------------------------------------------------------------------------- extract


def extract_offline(snapshot_dir: Path) -> list[Payload]:
    """The archive first, then the yearly files by ascending year, so newer files win on overlaps."""
    folder = Path(snapshot_dir) / "treasury"
    archives = sorted(folder.glob("yield-curve-rates-*.csv"))
    yearly = sorted(
        (p for p in folder.glob("daily-treasury-rates_*.csv") if _YEARLY_NAME.fullmatch(p.name)),
        key=lambda p: int(_YEARLY_NAME.fullmatch(p.name).group(1)),
    )
    return snapshot_payloads(SOURCE, snapshot_dir, [*archives, *yearly])


def extract_live(http: Http, state: dict[str, date], *, today: date | None = None) -> Iterator[Payload]:
    """Yearly CSVs from the year of the newest stored date to this year; a full pull starts with the archive.

    The newest stored year is re-fetched because its file grows daily; upserts make the overlap harmless.
    """
    today = today or date.today()
    newest = state.get(SOURCE)
    if newest is None:
        yield Payload(source=SOURCE, relpath=ARCHIVE_RELPATH, url=ARCHIVE_URL, body=http.get(ARCHIVE_URL))
        first = ARCHIVE_LAST_YEAR + 1
    else:
        first = max(newest.year, FIRST_YEAR)
    for year in range(first, today.year + 1):
        url = YEARLY_URL.format(year=year)
        body = http.get(url)
        if not body.strip() and year == today.year:
            continue  # early January: the new year's file has no rows yet
        yield Payload(source=SOURCE, relpath=YEARLY_RELPATH.format(year=year), url=url, body=body)


def live_state(con) -> dict[str, date]:
    return newest_stored(con, TABLE, "date", SOURCE)


# --------------------------------------------------------------------------- transform


def transform(relpath: str, body: bytes, fetched_on: date | None = None) -> dict[str, pd.DataFrame]:
    name = PurePosixPath(relpath).name
    if not (name.startswith("yield-curve-rates") or name.startswith("daily-treasury-rates")):
        raise ParseError(relpath, "not a Treasury par yield curve file", field="relpath", value=relpath)
    m = _YEARLY_NAME.fullmatch(name)
    file_year = int(m.group(1)) if m else None

    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(relpath, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    rows = read_csv(relpath, text)
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise ParseError(relpath, "empty file: no header row")

    header = [cell.strip() for cell in rows[0]]
    tenors = _tenor_columns(relpath, header)

    dates: list[date] = []
    tenor_out: list[float] = []
    values: list[float] = []
    previous: date | None = None
    for lineno, row in data_rows(relpath, header, rows):
        day = _parse_date(relpath, row[0].strip(), lineno)
        if file_year is not None and day.year != file_year:
            raise ParseError(
                relpath, f"date outside the file's year {file_year}", field="Date", value=row[0], line=lineno
            )
        if previous is not None and day >= previous:
            raise ParseError(
                relpath, "dates must run newest first without repeats", field="Date", value=row[0], line=lineno
            )
        previous = day
        for cell, months, column in zip(row[1:], tenors, header[1:], strict=True):
            cell = cell.strip()
            if not cell:
                continue  # tenor not published that day (or a holiday row): no observation
            dates.append(day)
            tenor_out.append(months)
            values.append(_parse_yield(relpath, column, cell, lineno))

    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(pd.Series(dates, dtype="object")),
            "tenor_months": pd.Series(tenor_out, dtype="float64"),
            "yield_pct": pd.Series(values, dtype="float64"),
            "source_file": pd.Series([name] * len(dates), dtype="object"),
        }
    )
    frame = frame.sort_values(["date", "tenor_months"], ignore_index=True)
    return {TABLE: frame[COLUMNS]}


# What a yield in the Treasury files looks like; anything else (spaces, exponents, "9.") is left to `transform`.
_YIELD = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"


def stage(
    con, relpath: str, body: bytes, fetched_on: date | None, raw: Path, sha256: str, retrieved: date, *, tag: str = ""
) -> dict[str, tuple[str, int]] | None:
    """The file read by DuckDB into a checked staged relation `stage_yield_curve<tag>` (warehouse/stage.py), or
    None: then `transform` parses it and names what is wrong."""
    name = PurePosixPath(relpath).name
    if not (name.startswith("yield-curve-rates") or name.startswith("daily-treasury-rates")):
        return None
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    lines = text.splitlines()
    # Quotes and carriage returns only in the header line, no blank lines: DuckDB and the csv module then read
    # the same rows (odd files go through `transform`).
    if len(lines) < 2 or "\r" in text or any('"' in line or not line.strip() for line in lines[1:]):
        return None
    try:
        header = [cell.strip() for cell in read_csv(relpath, lines[0])[0]]
        tenors = _tenor_columns(relpath, header)
    except (ParseError, IndexError):
        return None
    if not fields_on_every_line(body, len(header), quoted=True):
        return None
    m = _YEARLY_NAME.fullmatch(name)
    layout = WideCsv(
        column_numbers=tuple(tenors),
        number_pattern=_YIELD,
        date_column="date",
        number_column="tenor_months",
        value_column="yield_pct",
        constants={"source_file": name},
        century_pivot=90,
        year=int(m.group(1)) if m else None,
        newest_first=True,
    )
    staged = stage_wide_csv(
        con, Path(raw), TABLES[TABLE], layout, data_rows=len(lines) - 1, sha256=sha256, stage=f"stage_{TABLE}{tag}"
    )
    return checked(con, TABLES[TABLE], staged, retrieved)


def _tenor_columns(relpath: str, header: list[str]) -> list[float]:
    if not header or header[0] != "Date":
        raise ParseError(
            relpath, "first column must be 'Date'", field="header", value=header[0] if header else "", line=1
        )
    if len(header) < 2:
        raise ParseError(relpath, "no tenor columns", field="header", value=",".join(header), line=1)
    tenors = []
    for column in header[1:]:
        if column not in TENOR_MONTHS:
            raise ParseError(relpath, "unknown tenor column", field="header", value=column, line=1)
        tenors.append(float(TENOR_MONTHS[column]))
    if len(set(tenors)) != len(tenors):
        raise ParseError(
            relpath, "the same tenor appears in two columns", field="header", value=",".join(header), line=1
        )
    return tenors


def _parse_date(relpath: str, text: str, lineno: int) -> date:
    """MM/DD/YYYY (yearly download) or M/D/YY (archive); 2-digit years 90-99 are 19xx, the rest 20xx."""
    m = _DATE.fullmatch(text)
    if not m:
        raise ParseError(relpath, "expected M/D/YY or MM/DD/YYYY", field="Date", value=text, line=lineno)
    month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if len(m.group(3)) == 2:
        year += 1900 if year >= 90 else 2000
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError(relpath, "not a calendar date", field="Date", value=text, line=lineno) from None


def _parse_yield(relpath: str, column: str, text: str, lineno: int) -> float:
    if cut_number(text):
        raise ParseError(relpath, "a number cut short (truncated file?)", field=column, value=text, line=lineno)
    try:
        value = float(text)
    except ValueError:
        raise ParseError(relpath, "not a number", field=column, value=text, line=lineno) from None
    if not math.isfinite(value):
        raise ParseError(relpath, "not a finite number", field=column, value=text, line=lineno)
    return value
