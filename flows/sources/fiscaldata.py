"""Treasury Fiscal Data (api.fiscaldata.treasury.gov): Debt to the Penny, Average Interest Rates, MSPD
Table 1 (summary) and MSPD Table III (detail by CUSIP, also as the website CSV download).

relpath decides the dataset (file name prefix): `debt_to_penny`, `avg_interest_rates`, `mspd_table_1`,
`mspd_table_3` (API JSON) and `MSPD_DetailSecty` (website CSV). Fiscal Data JSON is
`{"data": [...], "meta": {..., "total-count", "total-pages"}, "links": {self, first, prev, next, last}}` with
every value a string: "null" = NULL, "*" = rounds to zero (→ 0). Units are in the source field names:
debt_to_penny `*_amt` are dollars, MSPD `*_mil_amt` / `*_amt` are $ millions.

Live fetches are incremental: `filter=record_date:gt:<newest stored>` and `sort=record_date`; an empty state
re-pulls full history. MSPD Table III is pulled one record date per request (about 730 rows, several hundred
KB each with all fields) and only for record dates newer than the newest stored; with an empty state that
is every month since 2001, a large download. The detail parser and what it keeps or drops is in `mspd.py`.
The website CSV is read by DuckDB instead when its checks allow (`stage`, `mspd_stage.py`).

`fetch_pages` is the shared Fiscal Data paginator; `auctions.py` imports it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import pandas as pd

from flows.http import FetchError, Http, redact
from flows.sources import mspd_stage
from flows.sources.base import ParseError, Payload, snapshot_payloads
from flows.sources.mspd import (
    by_source_line,
    csv_rows,
    detail_frames,
    frame,
    parse_amount,
    parse_date,
    to_float,
)
from warehouse.schema import TABLES

SOURCE = "fiscaldata"
API_BASE = "https://api.fiscaldata.treasury.gov/services/api/fiscal_service/"
PAGE_SIZE = 10_000
# public + intragovernmental must equal the total to this many units (dollars or $ millions).
SUM_TOLERANCE = Decimal("0.01")


class UnreadablePage(ParseError, FetchError):
    """A response pagination cannot read (an HTML error page served with status 200, a bad links.next).

    Both kinds at once: a ParseError naming the URL, and a FetchError so the refresh records the dataset's
    fetch as failed in one line instead of crashing. `fetch_pages` yields the page before raising this, so
    the bytes still reach the loader, which quarantines them with the reason."""


@dataclass(frozen=True)
class Dataset:
    name: str  # file-name prefix in the snapshot layout and key in the live state
    endpoint: str
    table: str
    fields: dict[str, str]  # source field -> our column, in frame order
    # (public, intragov, total) source fields whose sum must hold per row
    sum_check: tuple[str, str, str] | None = None


DEBT_TO_PENNY = Dataset(
    "debt_to_penny",
    "v2/accounting/od/debt_to_penny",
    "debt_to_penny",
    {
        "record_date": "record_date",
        "debt_held_public_amt": "debt_held_public_usd",
        "intragov_hold_amt": "intragov_hold_usd",
        "tot_pub_debt_out_amt": "total_public_debt_usd",
    },
    sum_check=("debt_held_public_amt", "intragov_hold_amt", "tot_pub_debt_out_amt"),
)
AVG_INTEREST_RATES = Dataset(
    "avg_interest_rates",
    "v2/accounting/od/avg_interest_rates",
    "avg_interest_rates",
    {
        "record_date": "record_date",
        "security_type_desc": "security_type_desc",
        "security_desc": "security_desc",
        "avg_interest_rate_amt": "avg_interest_rate_pct",
    },
)
MSPD_TABLE_1 = Dataset(
    "mspd_table_1",
    "v1/debt/mspd/mspd_table_1",
    "mspd_summary",
    {
        "record_date": "record_date",
        "security_type_desc": "security_type_desc",
        "security_class_desc": "security_class_desc",  # "_" on total rows, kept as is (part of the key)
        "debt_held_public_mil_amt": "debt_held_public_usd_mn",
        "intragov_hold_mil_amt": "intragov_hold_usd_mn",
        "total_mil_amt": "total_usd_mn",
    },
    sum_check=("debt_held_public_mil_amt", "intragov_hold_mil_amt", "total_mil_amt"),
)
FLAT_DATASETS = (DEBT_TO_PENNY, AVG_INTEREST_RATES, MSPD_TABLE_1)
MSPD_TABLE_3_ENDPOINT = "v1/debt/mspd/mspd_table_3"
MSPD_DETAIL_CSV = "MSPD_DetailSecty"
DETAIL_TABLES = ("marketable_securities", "marketable_totals")

# live-state key -> warehouse table whose newest record_date says how far we got
STATE_TABLES = {
    "debt_to_penny": "debt_to_penny",
    "avg_interest_rates": "avg_interest_rates",
    "mspd_table_1": "mspd_summary",
    "mspd_table_3": "marketable_securities",
}

_API_FILE = re.compile(r"(debt_to_penny|avg_interest_rates|mspd_table_1|mspd_table_3)(__.*)?\.json")
_CSV_FILE = re.compile(MSPD_DETAIL_CSV + r".*\.csv")


# ---- extract ------------------------------------------------------------------------------------------


def extract_offline(snapshot_dir: Path) -> list[Payload]:
    """This source's files in load order: re-saved copies first, then API JSON, then the full-field MSPD CSVs,
    so that for a date present twice the richer form is upserted last."""
    root = Path(snapshot_dir) / SOURCE
    files = [p for p in sorted((root / "resaved").glob("*.json")) if _API_FILE.fullmatch(p.name)]
    files += [p for p in sorted(root.glob("*.json")) if _API_FILE.fullmatch(p.name)]
    files += sorted(root.glob(MSPD_DETAIL_CSV + "_*.csv"))
    return snapshot_payloads(SOURCE, snapshot_dir, files)


def fetch_pages(
    http: Http, endpoint: str, params: dict, relpath_prefix: str, source: str = SOURCE
) -> Iterator[Payload]:
    """Every page of a Fiscal Data API query, one Payload per page named f"{relpath_prefix}__page{n}.json".

    `endpoint` is relative to API_BASE (e.g. "v2/accounting/od/debt_to_penny") or a full URL. Requests
    page[size] (PAGE_SIZE unless params set it) and follows `links.next` until it is null, never past
    meta total-pages. A body that is not a Fiscal Data envelope is yielded (its transform quarantines it),
    then UnreadablePage (a ParseError and a FetchError) naming the URL stops the pagination.
    """
    url = endpoint if endpoint.startswith(("http://", "https://")) else API_BASE + endpoint.lstrip("/")
    query = dict(params)
    query.setdefault("page[size]", PAGE_SIZE)
    query["page[number]"] = int(query.get("page[number]", 1))
    n = 1
    while True:
        shown = redact(url + "?" + urlencode(query), getattr(http, "secrets", ()))
        body = http.get(url, query)
        yield Payload(source=source, relpath=f"{relpath_prefix}__page{n}.json", url=shown, body=body)
        doc = page_envelope(body, shown)
        links = doc.get("links") if isinstance(doc.get("links"), dict) else {}
        meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
        total_pages = meta.get("total-pages")
        current = query["page[number]"]
        if isinstance(total_pages, int) and current >= total_pages:
            return
        nxt = links.get("next")
        if nxt is None and (links or not isinstance(total_pages, int)):
            return
        page = dict(parse_qsl(nxt.lstrip("?&"))) if isinstance(nxt, str) else {}
        following = page.get("page[number]", str(current + 1))
        if not following.isdigit() or int(following) <= current:
            raise UnreadablePage(shown, "links.next does not point to a later page", field="links.next", value=nxt)
        query.update(page)
        query["page[number]"] = int(following)
        n += 1


def extract_live(http: Http, state: dict[str, date]) -> Iterator[Payload]:
    """New rows of each dataset since the newest stored record date ({} = full history)."""
    for ds in FLAT_DATASETS:
        since = state.get(ds.name)
        params = {"sort": "record_date"}
        if since is not None:
            params["filter"] = f"record_date:gt:{since.isoformat()}"
        prefix = f"{SOURCE}/{ds.name}__" + (f"since-{since.isoformat()}" if since else "all")
        yield from fetch_pages(http, ds.endpoint, params, prefix)
    for record_date in mspd_record_dates(http, state.get("mspd_table_3")):
        day = record_date.isoformat()
        # One statement per request keeps each CUSIP's tranches on one page (tranche_no restarts per payload).
        yield from fetch_pages(
            http,
            MSPD_TABLE_3_ENDPOINT,
            {"filter": f"record_date:eq:{day}", "sort": "src_line_nbr"},
            f"{SOURCE}/mspd_table_3__record_date-{day}",
        )


def mspd_record_dates(http: Http, since: date | None) -> list[date]:
    """MSPD statement dates after `since`, read from Table 1 (14 small rows per month, unlike Table III)."""
    params = {"fields": "record_date", "sort": "record_date"}
    if since is not None:
        params["filter"] = f"record_date:gt:{since.isoformat()}"
    dates: set[date] = set()
    for page in fetch_pages(http, MSPD_TABLE_1.endpoint, params, f"{SOURCE}/mspd_record_dates"):
        for i, row in enumerate(page_envelope(page.body, page.url)["data"], start=1):
            value = row.get("record_date") if isinstance(row, dict) else None
            try:
                dates.add(parse_date(value, page.url, "record_date", line=i))
            except ParseError as exc:  # these pages are never loaded: a bad one is a failed fetch
                raise UnreadablePage(
                    page.url, "bad record_date in the statement-date list", field="record_date", value=exc.value, line=i
                ) from None
    return sorted(dates)


def live_state(con) -> dict[str, date]:
    """Newest stored record_date per dataset; datasets whose table is missing or empty are absent."""
    from warehouse.read.newest import newest_record_date

    newest = {key: newest_record_date(con, table) for key, table in STATE_TABLES.items()}
    return {key: d for key, d in newest.items() if d is not None}


# ---- transform ----------------------------------------------------------------------------------------


def read_envelope(body: bytes, where: str, error: type[ParseError] = ParseError) -> dict:
    """The parsed Fiscal Data response; `error` (naming `where`) unless it is JSON with a `data` list."""
    try:
        doc = json.loads(body)
    except ValueError:
        start = body[:40].decode("utf-8", "replace").strip()
        raise error(where, f"response is not JSON (starts with {start!r})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise error(where, "not a Fiscal Data response: no 'data' list", field="data")
    return doc


def page_envelope(body: bytes, where: str) -> dict:
    """read_envelope on the extract side, where a body pagination cannot read stops the fetch."""
    return read_envelope(body, where, UnreadablePage)


def stage(
    con, relpath: str, body: bytes, fetched_on: date | None, raw: Path, sha256: str, retrieved: date, *, tag: str = ""
) -> dict[str, tuple[str, int]] | None:
    """The MSPD detail CSV read by DuckDB into checked stages (flows/sources/mspd_stage.py), or None: every other
    file, and any detail CSV its checks doubt, goes through `transform`."""
    if not _CSV_FILE.fullmatch(relpath.rsplit("/", 1)[-1]):
        return None
    return mspd_stage.stage(con, relpath, body, fetched_on, raw, sha256, retrieved, tag=tag)


def transform(relpath: str, body: bytes, fetched_on: date | None = None) -> dict[str, pd.DataFrame]:
    """Frames for the dataset named by relpath's file name. fetched_on is unused: no column depends on it."""
    name = relpath.rsplit("/", 1)[-1]
    if _CSV_FILE.fullmatch(name):
        return detail_frames(relpath, csv_rows(relpath, body), "csv")
    match = _API_FILE.fullmatch(name)
    if not match:
        raise ParseError(relpath, "not a Fiscal Data file this module parses (by file name)", value=name)
    records = read_envelope(body, relpath)["data"]
    for i, row in enumerate(records, start=1):
        if not isinstance(row, dict):
            raise ParseError(relpath, "data record is not an object", value=row, line=i)
    if match.group(1) == "mspd_table_3":
        rows = by_source_line(relpath, list(enumerate(records, start=1)))
        return detail_frames(relpath, rows, "api_json")
    ds = next(d for d in FLAT_DATASETS if d.name == match.group(1))
    return {ds.table: _flat_frame(ds, relpath, records)}


def _flat_frame(ds: Dataset, relpath: str, records: list[dict]) -> pd.DataFrame:
    spec = TABLES[ds.table]
    rows, seen = [], set()
    for i, rec in enumerate(records, start=1):
        out, raw = {}, {}
        for field, column in ds.fields.items():
            if field not in rec:
                raise ParseError(relpath, "record lacks a field", field=field, line=i)
            value, kind = rec[field], spec.column(column).type
            if kind == "DATE":
                out[column] = parse_date(value, relpath, field, line=i)
            elif kind == "DOUBLE":
                raw[field] = parse_amount(value, relpath, field, line=i)
                out[column] = to_float(raw[field])
            elif not isinstance(value, str) or not value.strip() or value == "null":
                raise ParseError(relpath, "expected a non-empty text value", field=field, value=value, line=i)
            else:
                out[column] = value
        if ds.sum_check:
            _check_sum(relpath, i, ds.sum_check, raw)
        key = tuple(out[k] for k in spec.key)
        if key in seen:
            raise ParseError(relpath, f"duplicate key {key}", field=",".join(spec.key), line=i)
        seen.add(key)
        rows.append(out)
    return frame(ds.table, rows)


def _check_sum(relpath: str, line: int, fields: tuple[str, str, str], raw: dict[str, Decimal | None]) -> None:
    public, intragov, total = (raw[f] for f in fields)
    if public is None or intragov is None or total is None:
        return  # early records publish only the total
    if abs(public + intragov - total) > SUM_TOLERANCE:
        raise ParseError(
            relpath,
            f"{fields[0]} + {fields[1]} = {public + intragov} differs from the total",
            field=fields[2],
            value=str(total),
            line=line,
        )
