"""When is a source stale? Each source has a publication rhythm; data older than its allowance is stale."""

from __future__ import annotations

from datetime import date

# Days between the newest observation and today after which a source counts as stale.
# TIC publishes month M around the 18th of M+2; MSPD/avg rates monthly with ~1 week lag; FRED has daily series
# but also quarterly/annual ones, so its allowance follows its slowest series' rhythm on a per-series basis
# in the freshness view, and the daily yields here.
STALE_AFTER_DAYS: dict[str, int] = {
    "tic": 80,
    "fred": 10,
    "fiscaldata": 45,
    "yield_curve": 7,
    "soma": 14,
    "auctions": 30,
}


def staleness(source: str, newest: date, today: date) -> tuple[int, bool]:
    days = (today - newest).days
    return days, days > STALE_AFTER_DAYS.get(source, 30)
