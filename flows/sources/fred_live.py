"""Live FRED fetching: fredapi (all vintages, XML) with an API key, the keyless fredgraph CSV without.

fredapi opens URLs with `fredapi.fred.urlopen`, with no timeout, and appends the API key to every URL (so
its HTTPError carries the key). `ApiTransport` stands in for that function while a series is fetched: it
adds a timeout, the FRED rate limit, bounded retries honouring Retry-After, keeps the raw XML bytes, and
turns every failure into a one-line FetchError with the key redacted and no chained exception.

A failing series never stops the others: their payloads are yielded, then one SeriesFetchErrors is raised
listing every failure (relpath, redacted URL, reason) so the flow can log each as `failed`.
"""

from __future__ import annotations

import http.client
import io
import logging
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from email.utils import parsedate_to_datetime
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode

from fredapi import Fred
from fredapi import fred as fredapi_module

from flows.http import (
    MAX_BODY_BYTES,
    RATE_LIMITS_PER_S,
    FetchError,
    Http,
    RateLimiter,
    describe,
    host_down,
    is_no_network,
    mark_down,
    redact,
)
from flows.sources.base import Payload

log = logging.getLogger(__name__)

FREDGRAPH_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
# Ask for every vintage FRED has (ALFRED's full real-time window).
ALL_VINTAGES = {"realtime_start": "1776-07-04", "realtime_end": "9999-12-31"}
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

# fredapi.fred.urlopen is process-global: one installed transport at a time.
_INSTALL_LOCK = threading.Lock()


@dataclass(frozen=True)
class ApiSettings:
    timeout_s: float = 60.0
    retries: int = 4
    backoff_s: float = 1.0  # wait backoff_s * 2**attempt when the server gives no Retry-After
    max_wait_s: float = 60.0  # cap on any single wait, Retry-After included
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
        super().__init__(f"{len(self.failures)} FRED series failed: "
                         + "; ".join(f"{f.series_id}: {f.reason}" for f in self.failures))


def csv_relpath(series_id: str, start: date | None) -> str:
    return f"fred/{series_id}.csv" if start is None else f"fred/increments/{series_id}__from_{start}.csv"


def xml_relpath(series_id: str, start: date | None, offset: int = 0) -> str:
    page = f"__offset_{offset}" if offset else ""
    if start is None:
        return f"fred/api_observations_{series_id}{page}.xml"
    return f"fred/increments/api_observations_{series_id}__from_{start}{page}.xml"


# --------------------------------------------------------------------------- keyless fredgraph CSV

def fetch_keyless(source: str, http: Http, ids: list[str], starts: dict[str, date | None],
                  base_url: str = FREDGRAPH_URL) -> Iterator[Payload]:
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


# --------------------------------------------------------------------------- fredapi

class ApiTransport:
    """Replacement for `fredapi.fred.urlopen`, installed as a context manager and restored on exit.

    The function found there on entry (urllib's urlopen, or a test double) does the actual request.
    `responses` collects (redacted url, body) for every successful request, in order.
    """

    def __init__(self, secret: str, settings: ApiSettings, limiter: RateLimiter):
        self.secret, self.settings, self.limiter = secret, settings, limiter
        self.responses: list[tuple[str, bytes]] = []
        self._inner: Callable | None = None

    def __enter__(self) -> ApiTransport:
        _INSTALL_LOCK.acquire()
        self._inner = fredapi_module.urlopen
        fredapi_module.urlopen = self
        return self

    def __exit__(self, *exc_info) -> None:
        fredapi_module.urlopen = self._inner
        self._inner = None
        _INSTALL_LOCK.release()

    def __call__(self, url: str, *args, **kwargs) -> io.BytesIO:
        shown = redact(url, [self.secret])
        s = self.settings
        reason = "not attempted"
        if down := host_down(url):
            raise FetchError(f"GET {shown} not attempted: {down} (found on an earlier request to this host)")
        for attempt in range(s.retries + 1):
            self.limiter.wait()
            body, status, retry_after = None, None, None
            # Only strings leave the except blocks: the HTTPError holds the keyed URL and must not be chained.
            try:
                resp = (self._inner or urllib.request.urlopen)(url, timeout=s.timeout_s)
                try:
                    body = resp.read(MAX_BODY_BYTES + 1)
                    if len(body) > MAX_BODY_BYTES:
                        raise FetchError(f"GET {shown}: the body passed the {MAX_BODY_BYTES:,}-byte cap; refused")
                finally:
                    getattr(resp, "close", lambda: None)()
            except HTTPError as exc:
                status, retry_after = exc.code, _retry_after(exc)
                reason = f"HTTP {exc.code}" + _api_message(exc, self.secret)
            except (OSError, http.client.HTTPException) as exc:
                inner = getattr(exc, "reason", None) if isinstance(exc, URLError) else None
                reason = describe(inner if isinstance(inner, BaseException) else exc, [self.secret])
                if is_no_network(reason):  # no retries: the next series' request fails at once too
                    mark_down(url, reason)
                    break
            if body is not None:
                self.responses.append((shown, body))
                return io.BytesIO(body)
            if (status is not None and status not in RETRY_STATUSES) or attempt == s.retries:
                break
            wait = min(s.max_wait_s, retry_after if retry_after is not None else s.backoff_s * 2 ** attempt)
            log.warning("FRED API %s, retry %d/%d in %.1f s: %s", reason, attempt + 1, s.retries, wait, shown)
            s.sleep(wait)
        raise FetchError(f"GET {shown} failed after {attempt + 1} attempt(s): {reason}")


def _retry_after(exc: HTTPError) -> float | None:
    value = exc.headers.get("Retry-After") if exc.headers is not None else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, OverflowError):
        return None


def _api_message(exc: HTTPError, secret: str) -> str:
    """FRED's error body is `<error code=".." message=".."/>`; its message says what was wrong."""
    try:
        message = ET.fromstring(exc.read()).get("message") or ""
    except Exception:  # any unreadable body: the status code alone still says enough
        return ""
    return (": " + redact(" ".join(message.split()), [secret])[:200]) if message else ""


def _page_extent(body: bytes) -> tuple[int, int, int] | None:
    try:
        attrs = ET.fromstring(body).attrib
        return int(attrs["count"]), int(attrs["offset"]), int(attrs["limit"])
    except (ET.ParseError, KeyError, ValueError):
        return None


def _fetch_series(fred: Fred, transport: ApiTransport, sid: str, start: date | None) -> list[tuple[int, str, bytes]]:
    """All pages of one series' observations as (offset, redacted url, XML bytes)."""
    pages: list[tuple[int, str, bytes]] = []
    offset = 0
    while True:
        kwargs = dict(ALL_VINTAGES) | ({"offset": offset} if offset else {})
        before = len(transport.responses)
        parse_failed = False
        try:
            fred.get_series(sid, observation_start=start, **kwargs)
        except FetchError:
            raise
        except Exception:
            # fredapi choked on a body we did receive: keep the bytes, transform reports exactly why.
            parse_failed = True
        if len(transport.responses) == before:
            raise FetchError(f"fredapi returned no response for {sid}")
        url, body = transport.responses[-1]
        pages.append((offset, url, body))
        extent = None if parse_failed else _page_extent(body)
        if extent is None or extent[1] + extent[2] >= extent[0]:
            return pages
        offset = extent[1] + extent[2]


def fetch_api(source: str, ids: list[str], starts: dict[str, date | None], api_key: str,
              settings: ApiSettings) -> Iterator[Payload]:
    limiter = RateLimiter(settings.per_second)
    fred = Fred(api_key=api_key)
    failures = []
    for sid in ids:
        start = starts.get(sid)
        transport = ApiTransport(api_key, settings, limiter)
        error = None
        with transport:
            try:
                pages = _fetch_series(fred, transport, sid, start)
            except FetchError as exc:
                error = str(exc)
        if error is not None:
            failures.append(Failure(sid, xml_relpath(sid, start), _request_url(sid, start), error))
            continue
        for offset, url, body in pages:
            yield Payload(source=source, relpath=xml_relpath(sid, start, offset), url=url, body=body)
    if failures:
        raise SeriesFetchErrors(failures)


def _request_url(sid: str, start: date | None) -> str:
    params = {"series_id": sid} | ({"observation_start": start.isoformat()} if start else {}) | ALL_VINTAGES
    return f"{Fred.root_url}/series/observations?{urlencode(params)}&api_key=***"
