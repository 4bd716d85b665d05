"""Treasury auctions from Fiscal Data: the website "Auctions Query" CSV download and the auctions_query API.

Only the identifying fields are kept (CUSIP, type, term, dates, price): the website download we hold has
no amounts or coupons, and the API is asked for the same subset so both paths fill the same columns.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path, PurePosixPath

import duckdb
import pandas as pd

from flows.http import Http
from flows.sources.base import (
    ParseError,
    Payload,
    cut_number,
    data_rows,
    drop_repeats,
    fields_on_every_line,
    newest_stored,
    read_csv,
    snapshot_payloads,
)
from warehouse.schema import TABLES
from warehouse.stage_records import RecordCsv, stage_record_csv

SOURCE = "auctions"
TABLE = "auctions"
COLUMNS = TABLES[TABLE].parsed_columns

ENDPOINT = "v1/accounting/od/auctions_query"
RELPATH_PREFIX = "fiscaldata/auctions_query"
CSV_PREFIX = "fiscaldata/Auctions_Query"

# Our column -> (website CSV header, API field).
FIELDS: dict[str, tuple[str, str]] = {
    "cusip": ("CUSIP", "cusip"),
    "security_type": ("Security Type", "security_type"),
    "security_term": ("Security Term", "security_term"),
    "auction_date": ("Auction Date", "auction_date"),
    "issue_date": ("Issue Date", "issue_date"),
    "maturity_date": ("Maturity Date", "maturity_date"),
    "price_per_100": ("Price per $100", "price_per100"),
}
REQUIRED = ("cusip", "security_type", "security_term", "auction_date")
DATES = ("auction_date", "issue_date", "maturity_date")

_CUSIP = re.compile(r"[0-9A-Z]{9}")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_MISSING = {"", "null"}


# --------------------------------------------------------------------------- extract


def extract_offline(snapshot_dir: Path) -> list[Payload]:
    folder = Path(snapshot_dir) / "fiscaldata"
    return snapshot_payloads(SOURCE, snapshot_dir, sorted(folder.glob("Auctions_Query_*.csv")))


def extract_live(http: Http, state: dict[str, date]) -> Iterator[Payload]:
    """API pages of the same 7 fields; incremental pulls ask only for auctions after the newest priced one."""
    from flows.sources.fiscaldata import fetch_pages  # written alongside; imported late on purpose

    params = {"fields": ",".join(api for _, api in FIELDS.values()), "sort": "-auction_date"}
    newest = state.get(SOURCE)
    if newest is None:
        prefix = f"{RELPATH_PREFIX}__all"
    else:
        params["filter"] = f"auction_date:gt:{newest.isoformat()}"
        # The filter is part of the relpath so successive incremental pulls don't overwrite each other on export.
        prefix = f"{RELPATH_PREFIX}__since-{newest.isoformat()}"
    yield from fetch_pages(http, ENDPOINT, params, prefix, source=SOURCE)


def live_state(con) -> dict[str, date]:
    """Newest auction date that already has a price.

    Announced auctions are listed before they happen (price null); using the newest *priced* date makes
    the next pull fetch them again once results are out, instead of skipping past them forever.
    """
    return newest_stored(con, TABLE, "auction_date", SOURCE, where="price_per_100 IS NOT NULL")


# --------------------------------------------------------------------------- stage (DuckDB) or transform (Python)

# What a field must already look like to be staged by DuckDB as the parser would clean it (anything else, e.g.
# spaces, apostrophes around a CUSIP, a time after a date, goes through the parser).
_STAGED_TEXT = {
    "cusip": _CUSIP.pattern,
    "security_type": r"[!-~]([ -~]*[!-~])?",
    "security_term": r"[!-~]([ -~]*[!-~])?",
    **{col: _ISO.pattern for col in DATES},
    "price_per_100": r"\d+(\.\d+)?",
}


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
    """The website CSV read by DuckDB into a checked stage (warehouse/stage_records.py), or None: API pages, and any
    file with quotes, carriage returns or a doubtful header, go through `transform`."""
    if not (PurePosixPath(relpath).name.startswith("Auctions_Query") and relpath.startswith(CSV_PREFIX)):
        return None
    if b'"' in body or b"\r" in body:  # then Python's csv module and DuckDB's reader could split lines differently
        return None
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    header = [cell.lstrip("\ufeff").strip() for cell in text.split("\n", 1)[0].split(",")]
    if any(name not in header for name, _ in FIELDS.values()) or not fields_on_every_line(body, len(header)):
        return None
    data_rows = text.count("\n") - (1 if text.endswith("\n") else 0)
    if data_rows < 1:
        return None
    layout = RecordCsv(
        positions={col: header.index(name) for col, (name, _) in FIELDS.items()},
        fields=len(header),
        patterns=_STAGED_TEXT,
        missing=tuple(sorted(_MISSING)),
        required=REQUIRED,
        dates=DATES,
        positive=("price_per_100",),
        newest_first="auction_date",
    )
    return stage_record_csv(
        con,
        Path(raw),
        TABLES[TABLE],
        layout,
        data_rows=data_rows,
        sha256=sha256,
        stage=f"stage_{TABLE}{tag}",
        retrieved=retrieved,
    )


def transform(relpath: str, body: bytes, fetched_on: date | None = None) -> dict[str, pd.DataFrame]:
    if PurePosixPath(relpath).name.startswith("Auctions_Query") and relpath.startswith(CSV_PREFIX):
        records, ordered = _csv_records(relpath, body), True
    elif relpath.startswith(RELPATH_PREFIX):
        records, ordered = _api_records(relpath, body), False
    else:
        raise ParseError(
            relpath,
            "not an auctions file (Auctions_Query CSV or auctions_query API page)",
            field="relpath",
            value=relpath,
        )

    rows = [_clean(relpath, rec, where) for where, rec in records]
    if ordered:
        # The website download promises newest auction first.
        for (where, _), prev, cur in zip(records[1:], rows, rows[1:], strict=False):
            if cur["auction_date"] > prev["auction_date"]:
                raise ParseError(
                    relpath,
                    "auction dates must run newest first",
                    field="Auction Date",
                    value=cur["auction_date"].isoformat(),
                    line=where,
                )
    frame = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    frame = drop_repeats(relpath, frame, ["cusip", "auction_date"], "cusip")
    for col in DATES:
        frame[col] = pd.to_datetime(frame[col])
    frame["price_per_100"] = frame["price_per_100"].astype("float64")
    return {TABLE: frame[COLUMNS]}


def _csv_records(relpath: str, body: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(relpath, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    rows = read_csv(relpath, text)
    if not rows:
        raise ParseError(relpath, "empty file: no header row")
    # A second BOM can survive when a file was re-saved; the column name must still match.
    header = [cell.lstrip("\ufeff").strip() for cell in rows[0]]
    where = {}
    for col, (name, _) in FIELDS.items():
        if name not in header:
            raise ParseError(relpath, "missing column", field=name, value=",".join(header)[:120], line=1)
        where[col] = header.index(name)
    out = []
    for lineno, row in data_rows(relpath, header, rows):
        out.append((lineno, {col: row[i] for col, i in where.items()}))
    return out


def _api_records(relpath: str, body: bytes) -> list[tuple[int, dict[str, str | None]]]:
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(relpath, f"not valid JSON ({exc})") from None
    data = doc.get("data") if isinstance(doc, dict) else None
    if not isinstance(data, list):
        raise ParseError(relpath, "expected a JSON object with a 'data' list", field="data", value=type(data).__name__)
    out = []
    for n, rec in enumerate(data, start=1):
        if not isinstance(rec, dict):
            raise ParseError(relpath, f"data[{n - 1}] is not an object", field="data", value=str(rec)[:80])
        values = {}
        for col, (_, api) in FIELDS.items():
            if api not in rec:
                raise ParseError(relpath, f"data[{n - 1}] lacks the field", field=api)
            v = rec[api]
            if v is not None and not isinstance(v, str | int | float):
                raise ParseError(relpath, f"data[{n - 1}] has a non-scalar value", field=api, value=str(v)[:80])
            values[col] = None if v is None else str(v)
        out.append((n, values))
    return out


def _clean(relpath: str, rec: dict[str, str | None], where: int) -> dict[str, object]:
    out: dict[str, object] = {}
    for col in COLUMNS:
        raw = rec[col]
        text = None if raw is None or raw.strip() in _MISSING else raw.strip()
        if text is None and col in REQUIRED:
            raise ParseError(relpath, "required value missing", field=col, value=raw, line=where)
        out[col] = text
    # Some exports wrap CUSIPs in apostrophes to stop spreadsheets reading them as numbers.
    cusip = str(out["cusip"]).strip("'").strip().upper()
    if not _CUSIP.fullmatch(cusip):
        raise ParseError(relpath, "CUSIP must be 9 letters/digits", field="cusip", value=rec["cusip"], line=where)
    out["cusip"] = cusip
    for col in DATES:
        if out[col] is not None:
            out[col] = _iso_date(relpath, col, out[col], where)
    if out["price_per_100"] is not None:
        out["price_per_100"] = _price(relpath, out["price_per_100"], where)
    return out


def _iso_date(relpath: str, field: str, text: str, where: int) -> date:
    # The API sometimes appends a time to dates; the calendar day is what we keep.
    day = text[:10]
    try:
        if not _ISO.fullmatch(day) or (len(text) > 10 and text[10] not in "T "):
            raise ValueError
        return date.fromisoformat(day)
    except ValueError:
        raise ParseError(relpath, "expected an ISO date YYYY-MM-DD", field=field, value=text, line=where) from None


def _price(relpath: str, text: str, where: int) -> float:
    if cut_number(text):
        raise ParseError(relpath, "a number cut short (truncated file?)", field="price_per_100", value=text, line=where)
    try:
        value = float(text)
    except ValueError:
        raise ParseError(relpath, "not a number", field="price_per_100", value=text, line=where) from None
    if not math.isfinite(value) or value <= 0:
        raise ParseError(
            relpath, "price per $100 must be a positive number", field="price_per_100", value=text, line=where
        )
    return value
