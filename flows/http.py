"""HTTP for every live source: timeouts, retries with backoff honouring Retry-After, per-host rate limits,
and errors that never carry a secret.

urllib3's `Retry` does the retrying; this module adds the rate limiter, secret redaction and one
clear error type (`FetchError`) whose message is a single line.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterable
from urllib.parse import urlencode, urlsplit

import urllib3
from urllib3.exceptions import HTTPError as Urllib3HTTPError
from urllib3.exceptions import MaxRetryError, NameResolutionError, NewConnectionError
from urllib3.util import Retry, Timeout

USER_AGENT = "treasury-shock/0.1 (+https://github.com/treasury-shock)"
DEFAULT_TIMEOUT = Timeout(connect=10.0, read=60.0)
# Hosts with a published request budget; FRED asks for at most 2 requests per second.
RATE_LIMITS_PER_S = {"api.stlouisfed.org": 2.0, "fred.stlouisfed.org": 2.0}

_SECRET_PARAM = re.compile(r"(api_key=)[^&\s'\"]+", re.IGNORECASE)


class FetchError(RuntimeError):
    """A payload could not be fetched; the message is one line and free of secrets."""


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove API keys from a URL or message: the api_key parameter and any literal secret."""
    out = _SECRET_PARAM.sub(r"\1***", str(text))
    for s in secrets:
        if s:
            out = out.replace(s, "***")
    return out


class RateLimiter:
    """Minimum spacing between requests to one host, shared by threads."""

    def __init__(self, per_second: float):
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


class Http:
    """A pooled HTTP client; `get` returns the body bytes or raises FetchError."""

    def __init__(self, *, retries: int = 4, backoff: float = 1.0, timeout: Timeout = DEFAULT_TIMEOUT,
                 secrets: Iterable[str] = (), rate_limits: dict[str, float] | None = None):
        self.retry = Retry(
            total=retries, connect=retries, read=retries, status=retries,
            backoff_factor=backoff, backoff_max=60,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=True,
        )
        self.timeout = timeout
        self.secrets = tuple(s for s in secrets if s)
        self.pool = urllib3.PoolManager(headers={"User-Agent": USER_AGENT}, retries=self.retry, timeout=timeout)
        limits = RATE_LIMITS_PER_S if rate_limits is None else rate_limits
        self.limiters = {host: RateLimiter(rate) for host, rate in limits.items()}

    def limiter(self, url: str) -> RateLimiter | None:
        return self.limiters.get(urlsplit(url).hostname or "")

    def get(self, url: str, params: dict | None = None) -> bytes:
        full = url + (("&" if "?" in url else "?") + urlencode(params) if params else "")
        shown = redact(full, self.secrets)
        limiter = self.limiter(full)
        if limiter:
            limiter.wait()
        try:
            resp = self.pool.request("GET", full, preload_content=True)
        except MaxRetryError as exc:
            raise FetchError(f"GET {shown} failed after retries: {describe(exc.reason, self.secrets)}") from None
        except Urllib3HTTPError as exc:
            raise FetchError(f"GET {shown} failed: {describe(exc, self.secrets)}") from None
        if resp.status >= 400:
            raise FetchError(f"GET {shown} returned HTTP {resp.status}")
        return resp.data


def describe(exc: BaseException | None, secrets: Iterable[str] = ()) -> str:
    """One line saying what went wrong, phrased for a person; no URL query strings, no secrets."""
    if exc is None:
        return "unknown error"
    if isinstance(exc, NameResolutionError | socket.gaierror) or "NameResolution" in type(exc).__name__:
        return "no network: the host name could not be resolved (are you offline? use --offline DIR)"
    if isinstance(exc, NewConnectionError | ConnectionRefusedError):
        return "no network: the connection was refused or could not be made (use --offline DIR to replay a snapshot)"
    text = str(exc)
    if "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
        return "timed out waiting for the server"
    if "too many" in text.lower() and "error responses" in text.lower():
        return "the server kept answering with errors (" + text.split("(")[-1].rstrip(")") + ")"
    return redact(text.splitlines()[0] if text else type(exc).__name__, secrets)
