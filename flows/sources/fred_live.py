"""Live FRED fetching: the API's observations endpoint (all vintages, XML) with a key, the keyless
fredgraph CSV without; both through `flows.http.Http`, the one client every live source uses (urllib3
`Retry` honouring Retry-After, timeouts, FRED's 2 requests a second, the body cap, no-network detection).

The API key is a query parameter FRED requires; Http redacts it from every message and log line, and the
URL kept with each payload names it `api_key=***`. The bytes stored are exactly the bytes FRED sent.

A failing series never stops the others: their payloads are yielded, then one SeriesFetchErrors is raised
listing every failure (relpath, redacted URL, reason) so the flow can log each as `failed`.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode, urlsplit

from urllib3.util import Timeout

from flows.http import DEFAULT_TIMEOUT, RATE_LIMITS_PER_S, FetchError, Http
from flows.sources.base import Payload

FREDGRAPH_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
API_URL = "https://api.stlouisfed.org/fred/series/observations"
# Ask for every vintage FRED has (ALFRED's full real-time window).
ALL_VINTAGES = {"realtime_start": "1776-07-04", "realtime_end": "9999-12-31"}


@dataclass(frozen=True)
class ApiSettings:
    timeout_s: float = 60.0
    retries: int = 4
    backoff_s: float = 1.0  # urllib3's backoff factor: waits of backoff_s * 2**(n-1) when no Retry-After
    per_second: float = RATE_LIMITS_PER_S["api.stlouisfed.org"]
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Failure:
    series_id: str
    relpath: str
    url: str  # redacted
    reason: str  # one line, redacted


class SeriesFetchErrors(FetchError):
    """Some series could not be fetched; raised after the payloads of the others were yielded."""

    def __init__(self, failures: list[Failure]):
        self.failures = list(failures)
        super().__init__(
            f"{len(self.failures)} FRED series failed: "
            + "; ".join(f"{f.series_id}: {f.reason}" for f in self.failures)
        )


def csv_relpath(series_id: str, start: date | None) -> str:
    return f"fred/{series_id}.csv" if start is None else f"fred/increments/{series_id}__from_{start}.csv"


def xml_relpath(series_id: str, start: date | None, offset: int = 0) -> str:
    page = f"__offset_{offset}" if offset else ""
    if start is None:
        return f"fred/api_observations_{series_id}{page}.xml"
    return f"fred/increments/api_observations_{series_id}__from_{start}{page}.xml"


# --------------------------------------------------------------------------- keyless fredgraph CSV


def fetch_keyless(
    source: str, http: Http, ids: list[str], starts: dict[str, date | None], base_url: str = FREDGRAPH_URL
) -> Iterator[Payload]:
    failures = []
    for sid in ids:
        start = starts.get(sid)
        params = {"id": sid} | ({"cosd": start.isoformat()} if start else {})
        url = base_url + "?" + urlencode(params)
        relpath = csv_relpath(sid, start)
        try:
            body = http.get(base_url, params)
        except FetchError as exc:
            failures.append(Failure(sid, relpath, url, str(exc)))
            continue
        yield Payload(source=source, relpath=relpath, url=url, body=body)
    if failures:
        raise SeriesFetchErrors(failures)


# --------------------------------------------------------------------------- FRED API (keyed)


def api_http(api_key: str, settings: ApiSettings, url: str = API_URL) -> Http:
    """The shared client with the API's settings; the key is among its secrets, so it is redacted everywhere."""
    timeout = Timeout(connect=min(DEFAULT_TIMEOUT.connect_timeout, settings.timeout_s), read=settings.timeout_s)
    return Http(
        retries=settings.retries,
        backoff=settings.backoff_s,
        timeout=timeout,
        secrets=[api_key],
        rate_limits={urlsplit(url).hostname or "": settings.per_second},
        pause=settings.sleep,
    )


def observations_params(sid: str, start: date | None, offset: int = 0) -> dict[str, str | int]:
    """The query in the order fredapi wrote it, so stored URLs stay as they were; no file_type: XML is the
    API's default and what the transform parses."""
    return (
        {"series_id": sid}
        | ({"observation_start": start.isoformat()} if start else {})
        | ALL_VINTAGES
        | ({"offset": offset} if offset else {})
    )


def shown_url(sid: str, start: date | None, offset: int = 0, url: str = API_URL) -> str:
    return f"{url}?{urlencode(observations_params(sid, start, offset))}&api_key=***"


def api_error_message(body: bytes) -> str:
    """FRED's error body is `<error code=".." message=".."/>`; its message says what was wrong."""
    return ET.fromstring(body).get("message") or ""


def _page_extent(body: bytes) -> tuple[int, int, int] | None:
    try:
        attrs = ET.fromstring(body).attrib
        return int(attrs["count"]), int(attrs["offset"]), int(attrs["limit"])
    except (ET.ParseError, KeyError, ValueError):
        return None


def _fetch_series(http: Http, api_key: str, sid: str, start: date | None, url: str) -> list[tuple[int, str, bytes]]:
    """All pages of one series' observations as (offset, redacted url, XML bytes). A body that is not
    FRED's XML ends the paging and is kept as it came: the transform says exactly what is wrong with it."""
    pages: list[tuple[int, str, bytes]] = []
    offset = 0
    while True:
        body = http.get(
            url, observations_params(sid, start, offset) | {"api_key": api_key}, error_detail=api_error_message
        )
        pages.append((offset, shown_url(sid, start, offset, url), body))
        extent = _page_extent(body)
        if extent is None or extent[1] + extent[2] >= extent[0]:
            return pages
        offset = extent[1] + extent[2]


def fetch_api(
    source: str, ids: list[str], starts: dict[str, date | None], api_key: str, settings: ApiSettings
) -> Iterator[Payload]:
    url = API_URL  # read at call time: tests point it at a local server
    http = api_http(api_key, settings, url)
    failures = []
    for sid in ids:
        start = starts.get(sid)
        try:
            pages = _fetch_series(http, api_key, sid, start, url)
        except FetchError as exc:
            failures.append(Failure(sid, xml_relpath(sid, start), shown_url(sid, start, url=url), str(exc)))
            continue
        for offset, shown, body in pages:
            yield Payload(source=source, relpath=xml_relpath(sid, start, offset), url=shown, body=body)
    if failures:
        raise SeriesFetchErrors(failures)
