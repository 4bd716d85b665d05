"""NY Fed SOMA holdings by CUSIP: the website CSV (Treasuries, agency debt, agency CMBS) and the markets API.

Columns are mapped by header name after folding case, spaces and unit suffixes ("Spread (%)" -> spread),
so the website download and the API's Treasury-only CSV (`/api/soma/tsy/get/asof/{date}.csv`) share one
parser; the API's camelCase JSON names (asOfDate, parValue…) fold to the same keys. We hold no sample of
the API CSV, so only the core columns are required and the rest may be absent (NULL).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path, PurePosixPath

import pandas as pd

from flows.http import Http
from flows.sources.base import (
    ParseError,
    Payload,
    cut_number,
    data_rows,
    drop_repeats,
    newest_stored,
    read_csv,
    snapshot_payloads,
)
from warehouse.schema import TABLES

SOURCE = "soma"
TABLE = "soma_holdings"
COLUMNS = TABLES[TABLE].parsed_columns

API_URL = "https://markets.newyorkfed.org/api/soma/tsy/get/asof/{date}.csv"
RELPATH = "fred/nyfed_soma/SOMA_{date}.csv"
WEDNESDAY = 2

# Folded header name -> our column. Website headers: "As Of Date", "CUSIP", … "is Aggregated".
HEADER_MAP: dict[str, str] = {
    "asofdate": "as_of_date",
    "cusip": "cusip",
    "securitytype": "security_type",
    "securitydescription": "security_description",
    "term": "term",
    "maturitydate": "maturity_date",
    "issuer": "issuer",
    "spread": "spread_pct",
    "coupon": "coupon_pct",
    "currentfacevalue": "current_face_value_usd",
    "parvalue": "par_value_usd",
    "inflationcompensation": "inflation_compensation_usd",
    "percentoutstanding": "percent_outstanding",
    "changefrompriorweek": "change_from_prior_week_usd",
    "changefromprioryear": "change_from_prior_year_usd",
    "isaggregated": "is_aggregated",
}
REQUIRED = ("as_of_date", "cusip", "security_type", "par_value_usd")
NUMBERS = (
    "spread_pct",
    "coupon_pct",
    "current_face_value_usd",
    "par_value_usd",
    "inflation_compensation_usd",
    "percent_outstanding",
    "change_from_prior_week_usd",
    "change_from_prior_year_usd",
)

_CUSIP = re.compile(r"[0-9A-Z]{9}")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


# --------------------------------------------------------------------------- extract


def extract_offline(snapshot_dir: Path) -> list[Payload]:
    folder = Path(snapshot_dir) / "fred" / "nyfed_soma"
    return snapshot_payloads(SOURCE, snapshot_dir, sorted(folder.glob("SOMA_*.csv")))


def latest_wednesday(today: date) -> date:
    return today - timedelta(days=(today.weekday() - WEDNESDAY) % 7)


def extract_live(http: Http, state: dict[str, date], *, today: date | None = None) -> Iterator[Payload]:
    """Treasury holdings for the latest Wednesday on or before today, unless that date is already stored.

    Holdings are as of Wednesday close and published on Thursday, so on a Wednesday the API has nothing
    yet: a body without data rows is not yielded and the next run tries again.
    """
    as_of = latest_wednesday(today or date.today())
    stored = state.get(SOURCE)
    if stored is not None and stored >= as_of:
        return
    url = API_URL.format(date=as_of.isoformat())
    body = http.get(url)
    if not_published_yet(body):
        return
    yield Payload(source=SOURCE, relpath=RELPATH.format(date=as_of.isoformat()), url=url, body=body)


def not_published_yet(body: bytes) -> bool:
    """Empty, or our CSV header with no rows. Anything else (an HTML error page served with status 200)
    is yielded, so the loader quarantines it with the reason instead of the run passing it off as no news."""
    lines = [line for line in body.splitlines() if line.strip()]
    if not lines:
        return True
    if len(lines) > 1:
        return False
    try:
        header = read_csv("header", lines[0].decode("utf-8-sig", errors="replace"))[0]
    except (ParseError, IndexError):
        return False
    return all(HEADER_MAP.get(fold(cell)) for cell in header)


def live_state(con) -> dict[str, date]:
    return newest_stored(con, TABLE, "as_of_date", SOURCE)


# --------------------------------------------------------------------------- stage (DuckDB) or transform (Python)


def stage(
    con, relpath: str, body: bytes, fetched_on: date | None, raw: Path, sha256: str, retrieved: date, *, tag: str = ""
) -> dict[str, tuple[str, int]] | None:
    """The website CSV read by DuckDB into a checked stage (flows/sources/nyfed_stage.py), or None: any file its
    checks doubt goes through `transform`."""
    from flows.sources import nyfed_stage  # it imports this module's parser pieces

    return nyfed_stage.stage(con, relpath, body, fetched_on, raw, sha256, retrieved, tag=tag)


def fold(name: str) -> str:
    """'Spread (%)' -> 'spread', 'Par Value ($)' -> 'parvalue', 'asOfDate' -> 'asofdate'."""
    name = re.sub(r"\([^)]*\)", "", name.lstrip("\ufeff"))
    return re.sub(r"[^0-9a-z]", "", name.lower())


def transform(relpath: str, body: bytes, fetched_on: date | None = None) -> dict[str, pd.DataFrame]:
    if not PurePosixPath(relpath).name.startswith("SOMA_"):
        raise ParseError(relpath, "not a SOMA holdings file", field="relpath", value=relpath)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(relpath, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    rows = read_csv(relpath, text)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ParseError(relpath, "empty file: no header row")
    header = [cell.strip() for cell in rows[0]]
    columns = _map_header(relpath, header)

    records = []
    for lineno, row in data_rows(relpath, header, rows):
        raw = {col: row[i].strip() for i, col in enumerate(columns)}
        records.append(_record(relpath, raw, header, columns, lineno))

    frame = pd.DataFrame(records, columns=COLUMNS, dtype=object)  # keeps None as None in text columns
    frame = drop_repeats(relpath, frame, ["as_of_date", "cusip"], "CUSIP")
    for col in ("as_of_date", "maturity_date"):
        frame[col] = pd.to_datetime(frame[col])
    for col in NUMBERS:
        frame[col] = frame[col].astype("float64")
    return {TABLE: frame[COLUMNS]}


def _map_header(relpath: str, header: list[str]) -> list[str]:
    columns = []
    for name in header:
        col = HEADER_MAP.get(fold(name))
        if col is None:
            raise ParseError(relpath, "unknown column", field="header", value=name, line=1)
        if col in columns:
            raise ParseError(relpath, "column appears twice", field="header", value=name, line=1)
        columns.append(col)
    for col in REQUIRED:
        if col not in columns:
            raise ParseError(relpath, "missing column", field=col, value=",".join(header)[:120], line=1)
    return columns


def _record(relpath: str, raw: dict[str, str], header: list[str], columns: list[str], lineno: int) -> dict[str, object]:
    source_name = dict(zip(columns, header, strict=True))
    out: dict[str, object] = {col: None for col in COLUMNS}
    for col, text in raw.items():
        if not text:
            continue
        if col == "cusip":
            # The website writes CUSIPs as '912796N39' so spreadsheets keep them as text.
            cusip = text.strip("'").strip().upper()
            if not _CUSIP.fullmatch(cusip):
                raise ParseError(
                    relpath, "CUSIP must be 9 letters/digits", field=source_name[col], value=text, line=lineno
                )
            out[col] = cusip
        elif col in ("as_of_date", "maturity_date"):
            out[col] = _iso_date(relpath, source_name[col], text, lineno)
        elif col in NUMBERS:
            out[col] = _number(relpath, source_name[col], text, lineno)
        else:
            out[col] = text
    for col in ("as_of_date", "cusip", "security_type"):
        if out[col] is None:
            raise ParseError(relpath, "required value missing", field=source_name[col], value="", line=lineno)
    return out


def _iso_date(relpath: str, field: str, text: str, lineno: int) -> date:
    try:
        if not _ISO.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ParseError(relpath, "expected an ISO date YYYY-MM-DD", field=field, value=text, line=lineno) from None


def _number(relpath: str, field: str, text: str, lineno: int) -> float:
    if cut_number(text):
        raise ParseError(relpath, "a number cut short (truncated file?)", field=field, value=text, line=lineno)
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise ParseError(relpath, "not a number", field=field, value=text, line=lineno) from None
    if not math.isfinite(value):
        raise ParseError(relpath, "not a finite number", field=field, value=text, line=lineno)
    return value
