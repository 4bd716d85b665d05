"""HTTP for every live source: timeouts, retries with backoff honouring Retry-After, per-host rate limits,
and errors that never carry a secret.

urllib3's `Retry` does the retrying; this module adds the rate limiter, secret redaction and one
clear error type (`FetchError`) whose message is a single line.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
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
_INCOMPLETE = re.compile(r"IncompleteRead\((\d+) bytes read, (\d+) more expected\)")
# Longest wait a server may ask for with Retry-After (urllib3 would wait up to 6 hours).
MAX_RETRY_AFTER_S = 60.0

log = logging.getLogger(__name__)


class FetchError(RuntimeError):
    """A payload could not be fetched; the message is one line and free of secrets."""


# Hosts found unreachable (no DNS, no route, connection refused), per process: every later request to the host
# fails at once instead of paying its own retries and backoff (issue 15: with no network a live refresh spent
# 463 s, five attempts for each of 25 FRED series). Forgotten after a minute: a network can come back.
DOWN_FOR_S = 60.0
_down: dict[str, tuple[float, str]] = {}
_down_lock = threading.Lock()


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or ''}:{parts.port or (443 if parts.scheme == 'https' else 80)}"


def host_down(url: str) -> str | None:
    """Why the URL's host was found unreachable in the last DOWN_FOR_S seconds, else None."""
    with _down_lock:
        seen = _down.get(_host_key(url))
        if seen and time.monotonic() - seen[0] < DOWN_FOR_S:
            return seen[1]
        return None


def mark_down(url: str, reason: str) -> None:
    with _down_lock:
        _down[_host_key(url)] = (time.monotonic(), reason)


def forget_down_hosts() -> None:
    with _down_lock:
        _down.clear()


def is_no_network(reason: str) -> bool:
    return reason.startswith("no network")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Remove API keys from a URL or message: the api_key parameter and any literal secret."""
    out = _SECRET_PARAM.sub(r"\1***", str(text))
    for s in secrets:
        if s:
            out = out.replace(s, "***")
    return out


class _RedactUrllib3Logs(logging.Filter):
    """urllib3 logs request URLs (query strings included) at DEBUG, and at WARNING when it retries a broken
    connection: redact api_key parameters and every secret an Http was given before any handler sees them."""

    def __init__(self):
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, None
        return True


_URLLIB3_FILTER = _RedactUrllib3Logs()


def _guard_urllib3_logs(secrets: Iterable[str]) -> None:
    _URLLIB3_FILTER.secrets.update(secrets)
    names = {"urllib3", "urllib3.connectionpool", "urllib3.util.retry", "urllib3.poolmanager", "urllib3.response"}
    names |= {n for n in logging.Logger.manager.loggerDict if n.startswith("urllib3")}
    for name in names:  # a logger's filters see only its own records, so each module logger gets one
        logger = logging.getLogger(name)
        if _URLLIB3_FILTER not in logger.filters:
            logger.addFilter(_URLLIB3_FILTER)


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


class CappedRetry(Retry):
    """urllib3's Retry with Retry-After capped at MAX_RETRY_AFTER_S: a server asking for a day's pause must
    not park the refresh. Every pause goes through `pause` (time.sleep, or a test's recorder) and then the
    host's rate limiter, so retries keep to a published budget such as FRED's 2 requests a second too.
    urllib3 copies a Retry on every attempt through `new`, which carries both along."""

    def __init__(
        self, *args, pause: Callable[[float], None] | None = None, limiter: RateLimiter | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.pause = pause or time.sleep
        self.limiter = limiter

    def new(self, **kw) -> CappedRetry:
        return super().new(**({"pause": self.pause, "limiter": self.limiter} | kw))

    def parse_retry_after(self, retry_after: str) -> float:
        return min(super().parse_retry_after(retry_after), MAX_RETRY_AFTER_S)

    def sleep(self, response=None) -> None:
        retry_after = self.get_retry_after(response) if self.respect_retry_after_header and response else None
        wait = retry_after if retry_after else self.get_backoff_time()
        if response is not None:  # urllib3 warns of its retries after connection errors itself, not of these
            log.warning(
                "HTTP %s from %s; retry %d in %.1f s",
                response.status,
                self.history[-1].url.split("?")[0] if self.history else "?",
                len(self.history),
                wait,
            )
        self.pause(wait)
        if self.limiter:
            self.limiter.wait()


class Http:
    """A pooled HTTP client; `get` returns the body bytes or raises FetchError."""

    def __init__(
        self,
        *,
        retries: int = 4,
        backoff: float = 1.0,
        timeout: Timeout = DEFAULT_TIMEOUT,
        secrets: Iterable[str] = (),
        rate_limits: dict[str, float] | None = None,
        pause: Callable[[float], None] | None = None,
    ):
        self.retry = CappedRetry(
            # connect=1: a host that cannot be resolved or reached gets one more try, then counts as down
            total=retries,
            connect=min(retries, 1),
            read=retries,
            status=retries,
            backoff_factor=backoff,
            backoff_max=60,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=True,
            pause=pause,
        )
        self.timeout, self.backoff = timeout, backoff
        self.secrets = tuple(s for s in secrets if s)
        _guard_urllib3_logs(self.secrets)
        self.pool = urllib3.PoolManager(headers={"User-Agent": USER_AGENT}, retries=self.retry, timeout=timeout)
        limits = RATE_LIMITS_PER_S if rate_limits is None else rate_limits
        self.limiters = {host: RateLimiter(rate) for host, rate in limits.items()}

    def limiter(self, url: str) -> RateLimiter | None:
        return self.limiters.get(urlsplit(url).hostname or "")

    def get(self, url: str, params: dict | None = None, *, error_detail: Callable[[bytes], str] | None = None) -> bytes:
        """The body, or FetchError. `error_detail` reads what went wrong from an error response's body (e.g.
        FRED's `<error message=..>`); its text is redacted and appended to the one-line message."""
        full = url + (("&" if "?" in url else "?") + urlencode(params) if params else "")
        shown = redact(full, self.secrets)
        if down := host_down(full):
            raise FetchError(f"GET {shown} not attempted: {down} (found on an earlier request to this host)")
        limiter = self.limiter(full)
        if limiter:
            limiter.wait()
        for attempt in range(self.retry.read + 1):
            error = None
            try:
                resp = self.pool.request("GET", full, preload_content=False, retries=self.retry.new(limiter=limiter))
            except MaxRetryError as exc:
                reason = describe(exc.reason, self.secrets)
                if is_no_network(reason):
                    mark_down(full, reason)
                error = f"GET {shown} failed after retries: {reason}"
            except Urllib3HTTPError as exc:
                error = f"GET {shown} failed: {describe(exc, self.secrets)}"
            if error is not None:
                # Raised outside the except blocks: urllib3's exceptions carry the full URL (any key in it too),
                # and not even as the suppressed __context__ may they travel with the FetchError.
                raise FetchError(error) from None
            try:
                if resp.status >= 400:
                    raise FetchError(
                        f"GET {shown} returned HTTP {resp.status}{self._detail(resp, shown, error_detail)}"
                    )
                return read_capped(resp, shown)
            except BodyReadError as exc:
                # The body is streamed (to cap its size), so a transfer cut mid-body is retried here, as
                # urllib3 retries the reads it does itself.
                reason = exc.reason
                if attempt < self.retry.read:
                    self.retry.pause(min(self.backoff * 2**attempt, 60))
                    if limiter:
                        limiter.wait()
            finally:
                resp.release_conn()
        raise FetchError(f"GET {shown} failed after retries: {reason}")

    def _detail(self, resp, shown: str, error_detail: Callable[[bytes], str] | None) -> str:
        if error_detail is None:
            return ""
        try:
            message = error_detail(read_capped(resp, shown, ERROR_BODY_BYTES))
        except Exception:  # an unreadable error body: the status code alone still says enough
            return ""
        return (": " + redact(" ".join(message.split()), self.secrets)[:200]) if message else ""


class BodyReadError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# The largest payload any source serves is a few MB; a body past this is a hostile or broken server, refused
# before it exhausts memory (the same cap as a snapshot file's).
MAX_BODY_BYTES = 256 * 1024 * 1024
# An error body is read only for its message.
ERROR_BODY_BYTES = 64 * 1024


def read_capped(resp, shown: str, limit: int | None = None) -> bytes:
    limit = MAX_BODY_BYTES if limit is None else limit
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise FetchError(f"GET {shown}: the server declares {int(declared):,} bytes, over the {limit:,}-byte cap")
    chunks, size = [], 0
    try:
        for chunk in resp.stream(1 << 16):
            size += len(chunk)
            if size > limit:
                raise FetchError(f"GET {shown}: the body passed the {limit:,}-byte cap; refused")
            chunks.append(chunk)
    except Urllib3HTTPError as exc:
        raise BodyReadError(describe(exc)) from None
    return b"".join(chunks)


def describe(exc: BaseException | None, secrets: Iterable[str] = ()) -> str:
    """One line saying what went wrong, phrased for a person; no URL query strings, no secrets."""
    if exc is None:
        return "unknown error"
    if isinstance(exc, NameResolutionError | socket.gaierror) or "NameResolution" in type(exc).__name__:
        return "no network: the host name could not be resolved (are you offline? use --offline DIR)"
    if isinstance(exc, NewConnectionError | ConnectionRefusedError):
        return "no network: the connection was refused or could not be made (use --offline DIR to replay a snapshot)"
    text = str(exc)
    if m := _INCOMPLETE.search(text):
        got, more = int(m.group(1)), int(m.group(2))
        return f"the connection closed after {got} of {got + more} bytes (truncated transfer)"
    if "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
        return "timed out waiting for the server"
    if "too many" in text.lower() and "error responses" in text.lower():
        detail = re.sub(r"too many (\d{3}) error", r"too many HTTP \1 error", text.split("(")[-1].rstrip(")"))
        return "the server kept answering with errors (" + detail + ")"
    return redact(text.splitlines()[0] if text else type(exc).__name__, secrets)
