"""What the calibration reads, as known on an as-of date (calibration/inputs.py turns these into `Inputs`).

- foreign_holdings: the `foreign_holdings_as_of` macro (for each month the newest publication with vintage <=
  as_of, SLT winning a tie), for months up to as_of.
- foreign_flows: per (month, country code) the newest vintage on or before as_of, in the table's $ millions
  (`foreign_flows_as_of` gives $ billions; the calibration's data hash is over these rows, so they stay).
- fred_observations: per (series, date) the newest vintage with realtime_start <= as_of; for never-revised
  series (market prices) the earliest stored vintage stands in when every stored one is later than as_of
  (offline CSVs carry their download date as realtime_start). `fred_observations_as_of` has no such fallback.
- yield_curve, mspd_summary, marketable_totals: rows dated on or before as_of (no vintages kept).

A table not created yet reads as an empty frame with the columns named here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb
import pandas as pd

from warehouse.read.base import frame_or_empty

HOLDINGS_COLUMNS = ["month", "country", "holdings_usd_bn", "series_note", "source_file", "vintage"]
FLOWS_COLUMNS = [
    "month",
    "country_code",
    "holdings_usd_mn",
    "net_purchases_usd_mn",
    "lt_valuation_change_usd_mn",
    "vintage",
]
FRED_COLUMNS = ["series_id", "date", "value"]
CURVE_COLUMNS = ["date", "tenor_months", "yield_pct"]
DEBT_COLUMNS = ["record_date", "measure", "usd_bn"]

# The foreign_holdings_as_of macro is the rule (one whole publication per month, SLT winning a vintage tie).
_HOLDINGS_SQL = """
SELECT month, country, holdings_usd_bn, series_note, source_file, vintage FROM foreign_holdings_as_of($as_of)
WHERE month <= $as_of AND country IN (SELECT unnest($countries)) ORDER BY country, month
"""

_FLOWS_SQL = """
SELECT month, country_code, holdings_usd_mn, net_purchases_usd_mn, lt_valuation_change_usd_mn, vintage FROM (
  SELECT *, row_number() OVER (PARTITION BY month, country_code ORDER BY vintage DESC) AS rn
  FROM foreign_flows
  WHERE vintage <= $as_of AND month <= $as_of AND country_code IN (SELECT unnest($codes))
) WHERE rn = 1 ORDER BY country_code, month
"""

_FRED_SQL = """
SELECT series_id, date, value FROM (
  SELECT series_id, date, value, row_number() OVER (
    PARTITION BY series_id, date
    ORDER BY CASE WHEN realtime_start <= $as_of THEN 0 ELSE 1 END,
             CASE WHEN realtime_start <= $as_of THEN realtime_start END DESC,
             realtime_start ASC) AS rn,
    min(realtime_start) OVER (PARTITION BY series_id, date) AS first_known
  FROM fred_observations
  WHERE date <= $as_of AND series_id IN (SELECT unnest($series))
) WHERE rn = 1 AND (first_known <= $as_of OR series_id IN (SELECT unnest($unrevised)))
ORDER BY series_id, date
"""

_CURVE_SQL = """
SELECT date, tenor_months, yield_pct FROM yield_curve
WHERE date <= $as_of AND tenor_months IN (SELECT unnest($tenors)) ORDER BY date, tenor_months
"""

# Marketable debt and total public debt, $ billions, from MSPD Table 1 and the Table III totals; where both
# give a marketable total for a date the larger is kept.
_DEBT_SQL = """
SELECT record_date, measure, max(usd_bn) AS usd_bn FROM (
  SELECT record_date,
         CASE WHEN lower(security_type_desc) = 'total marketable'
                   OR (lower(security_type_desc) = 'marketable'
                       AND lower(security_class_desc) = 'total marketable')
              THEN 'marketable' ELSE 'total_public' END AS measure,
         total_usd_mn / 1000.0 AS usd_bn
  FROM mspd_summary
  WHERE record_date <= $as_of AND total_usd_mn IS NOT NULL
    AND (lower(security_type_desc) IN ('total marketable', 'total public debt outstanding')
         OR (lower(security_type_desc) = 'marketable' AND lower(security_class_desc) = 'total marketable'))
  UNION ALL
  SELECT record_date, 'marketable', outstanding_usd_mn / 1000.0 FROM marketable_totals
  WHERE record_date <= $as_of AND lower(label) = 'total marketable' AND outstanding_usd_mn IS NOT NULL
) GROUP BY record_date, measure ORDER BY record_date, measure
"""


def holdings_known_on(con: duckdb.DuckDBPyConnection, as_of: date, countries: Iterable[str]) -> pd.DataFrame:
    """TIC holdings ($bn) of the named foreign_holdings rows, newest vintage per (month, country) by as_of."""
    return frame_or_empty(con, _HOLDINGS_SQL, {"as_of": as_of, "countries": list(countries)}, HOLDINGS_COLUMNS)


def flows_known_on(con: duckdb.DuckDBPyConnection, as_of: date, codes: Iterable[int]) -> pd.DataFrame:
    """TIC SLT flows ($mn) of the given TIC country codes, newest vintage per (month, code) by as_of."""
    return frame_or_empty(con, _FLOWS_SQL, {"as_of": as_of, "codes": list(codes)}, FLOWS_COLUMNS)


def fred_known_on(
    con: duckdb.DuckDBPyConnection, as_of: date, series: Iterable[str], unrevised: Iterable[str]
) -> pd.DataFrame:
    """FRED observations of `series` as known on as_of (never-revised `unrevised` known from their own date)."""
    return frame_or_empty(
        con, _FRED_SQL, {"as_of": as_of, "series": list(series), "unrevised": list(unrevised)}, FRED_COLUMNS
    )


def curve_until(con: duckdb.DuckDBPyConnection, as_of: date, tenor_months: Iterable[float]) -> pd.DataFrame:
    """Treasury par-curve yields (percent) of the given tenors on or before as_of."""
    return frame_or_empty(con, _CURVE_SQL, {"as_of": as_of, "tenors": list(tenor_months)}, CURVE_COLUMNS)


def debt_totals_until(con: duckdb.DuckDBPyConnection, as_of: date) -> pd.DataFrame:
    """Marketable and total public debt ($bn) by record date on or before as_of: measure 'marketable' |
    'total_public'."""
    return frame_or_empty(con, _DEBT_SQL, {"as_of": as_of}, DEBT_COLUMNS)
