"""flows.http: one clear line when there is no network, secrets never shown, rate limit respected."""

from __future__ import annotations

import time

import pytest
from urllib3.util import Timeout

from flows.http import FetchError, Http, RateLimiter, redact

SENTINEL = "SENTINELKEY0123456789abcdef"


def test_unresolvable_host_says_no_network_in_one_line():
    http = Http(retries=0, timeout=Timeout(connect=2, read=2))
    with pytest.raises(FetchError) as info:
        http.get("https://api.stlouisfed.invalid/fred/series/observations", {"series_id": "DGS10", "api_key": SENTINEL})
    msg = str(info.value)
    assert "no network" in msg and "\n" not in msg
    assert SENTINEL not in msg and "api_key=***" in msg
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_refused_connection_is_explained():
    http = Http(retries=0, timeout=Timeout(connect=2, read=2))
    with pytest.raises(FetchError, match="no network|refused"):
        http.get("http://127.0.0.1:9/nothing-listens-here")


def test_redact_removes_key_param_and_literal_secret():
    text = f"GET https://x/y?series_id=A&api_key={SENTINEL}&file_type=json failed for {SENTINEL}"
    out = redact(text, [SENTINEL])
    assert SENTINEL not in out and out.count("***") == 2


def test_rate_limiter_spaces_requests():
    limiter = RateLimiter(per_second=20.0)
    t0 = time.monotonic()
    for _ in range(5):
        limiter.wait()
    assert time.monotonic() - t0 >= 4 * 0.05 * 0.9
