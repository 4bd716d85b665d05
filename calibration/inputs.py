"""What the calibration reads from the warehouse, as known on an as-of date.

`load_inputs` is the only function in `calibration/` that touches the database: read-only SQL over
the base tables, returning plain frames. Everything downstream takes frames, so tests and backtests
can build `Inputs` by hand.

"As known on as_of" means:
- foreign_holdings / foreign_flows: the latest vintage published on or before as_of, for months up
  to as_of;
- fred_observations: per (series, date) the latest vintage with realtime_start <= as_of. Market
  prices (UNREVISED_SERIES) are never revised, so an observation is known from its own date even if
  the stored copy was downloaded later (offline CSVs carry their download date as realtime_start,
  which would otherwise hide every yield from any past as-of);
- yield_curve, mspd_summary, marketable_totals: rows dated on or before as_of (no vintages kept).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from datetime import date

import duckdb
import pandas as pd

# holder key -> (country label in foreign_holdings, TIC country code in foreign_flows)
HOLDERS: dict[str, tuple[str, int]] = {
    "total": ("Grand Total", 99996),
    "official": ("Foreign Official", 99990),
    "japan": ("Japan", 42609),
    "china": ("China", 41408),
}
TENOR_SERIES = {"3m": "DGS3MO", "2y": "DGS2", "5y": "DGS5", "10y": "DGS10", "30y": "DGS30"}
CURVE_TENORS = {"3m": 3.0, "2y": 24.0, "5y": 60.0, "10y": 120.0, "30y": 360.0}
FRED_SERIES = (
    *TENOR_SERIES.values(),
    "DFF",
    "FEDFUNDS",
    "T10YIE",
    "THREEFYTP10",
    "GFDEBTN",
    "MORTGAGE30US",
    "IRLTLT01JPM156N",
    "TREAST",
    "WMTSECL1",  # H.4.1 foreign official custody holdings, face value, Wednesday levels ($ millions)
    "VIXCLS",
    "DTWEXBGS",
)
# Daily/weekly market quotes and the Fed's weekly balance sheet are not revised after publication.
UNREVISED_SERIES = frozenset({*TENOR_SERIES.values(), "DFF", "T10YIE", "MORTGAGE30US", "TREAST", "WMTSECL1",
                              "VIXCLS", "DTWEXBGS"})


@dataclass(frozen=True)
class Inputs:
    """Frames for one as-of date. Dates are datetime64; amounts keep their source units."""

    as_of: date
    holdings: pd.DataFrame  # month, country, holdings_usd_bn, series_note, source_file, vintage
    flows: (
        pd.DataFrame
    )  # month, country_code, holdings_usd_mn, net_purchases_usd_mn, lt_valuation_change_usd_mn, vintage
    fred: pd.DataFrame  # series_id, date, value
    curve: pd.DataFrame  # date, tenor_months, yield_pct
    debt: pd.DataFrame  # record_date, measure ('marketable' | 'total_public'), usd_bn

    @staticmethod
    def frame_names() -> list[str]:
        return [f.name for f in fields(Inputs) if f.name != "as_of"]


HOLDINGS_SQL = """
SELECT month, country, holdings_usd_bn, series_note, source_file, vintage FROM (
  SELECT *, row_number() OVER (
    PARTITION BY month, country
    ORDER BY vintage DESC, CASE WHEN source_file LIKE 'slt%' THEN 0 ELSE 1 END, source_file) AS rn
  FROM foreign_holdings
  WHERE vintage <= $as_of AND month <= $as_of AND country IN (SELECT unnest($countries))
) WHERE rn = 1 ORDER BY country, month
"""

FLOWS_SQL = """
SELECT month, country_code, holdings_usd_mn, net_purchases_usd_mn, lt_valuation_change_usd_mn, vintage FROM (
  SELECT *, row_number() OVER (PARTITION BY month, country_code ORDER BY vintage DESC) AS rn
  FROM foreign_flows
  WHERE vintage <= $as_of AND month <= $as_of AND country_code IN (SELECT unnest($codes))
) WHERE rn = 1 ORDER BY country_code, month
"""

# Per (series, date): the newest vintage known on as_of; for unrevised series, fall back to the
# earliest stored vintage when every stored vintage is later than as_of.
FRED_SQL = """
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

CURVE_SQL = """
SELECT date, tenor_months, yield_pct FROM yield_curve
WHERE date <= $as_of AND tenor_months IN (SELECT unnest($tenors)) ORDER BY date, tenor_months
"""

# Marketable debt and total public debt, $ billions, from MSPD Table 1 and the Table III totals.
DEBT_SQL = """
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

_COLUMNS = {
    "holdings": ["month", "country", "holdings_usd_bn", "series_note", "source_file", "vintage"],
    "flows": [
        "month",
        "country_code",
        "holdings_usd_mn",
        "net_purchases_usd_mn",
        "lt_valuation_change_usd_mn",
        "vintage",
    ],
    "fred": ["series_id", "date", "value"],
    "curve": ["date", "tenor_months", "yield_pct"],
    "debt": ["record_date", "measure", "usd_bn"],
}
_DATES = {"month", "vintage", "date", "record_date"}


def load_inputs(con: duckdb.DuckDBPyConnection, as_of: date) -> Inputs:
    """Read everything the calibration uses, as known on `as_of`. Never writes."""
    params = {"as_of": as_of}
    frames = {
        "holdings": _query(
            con, HOLDINGS_SQL, {**params, "countries": [c for c, _ in HOLDERS.values()]}, "holdings"
        ),
        "flows": _query(con, FLOWS_SQL, {**params, "codes": [k for _, k in HOLDERS.values()]}, "flows"),
        "fred": _query(
            con,
            FRED_SQL,
            {**params, "series": list(FRED_SERIES), "unrevised": sorted(UNREVISED_SERIES)},
            "fred",
        ),
        "curve": _query(con, CURVE_SQL, {**params, "tenors": list(CURVE_TENORS.values())}, "curve"),
        "debt": _query(con, DEBT_SQL, params, "debt"),
    }
    return Inputs(as_of=as_of, **frames)


def _query(con, sql: str, params: dict, name: str) -> pd.DataFrame:
    try:
        df = con.execute(sql, params).df()
    except duckdb.CatalogException:
        # A table not created yet (older warehouse): the calibration sees it as empty.
        df = pd.DataFrame(columns=_COLUMNS[name])
    return normalise(df, name)


def normalise(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Canonical dtypes so hand-built and SQL-built inputs hash and compute identically."""
    df = df.reindex(columns=_COLUMNS[name]).copy()
    for col in df.columns:
        if col in _DATES:
            df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
        elif col in ("country", "series_note", "source_file", "series_id", "measure"):
            df[col] = df[col].astype(object).where(df[col].notna(), None)
        elif col == "country_code":
            df[col] = pd.to_numeric(df[col]).astype("int64")
        else:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return df.reset_index(drop=True)


def make_inputs(as_of: date, **frames: pd.DataFrame) -> Inputs:
    """Inputs from hand-built frames (tests, scratch scripts); missing frames are empty."""
    return Inputs(
        as_of=as_of, **{n: normalise(frames.get(n, pd.DataFrame()), n) for n in Inputs.frame_names()}
    )


def data_hash(inputs: Inputs) -> str:
    """sha256 over a canonical text form of every frame: sorted rows, fixed float and date formats."""
    h = hashlib.sha256()
    for name in Inputs.frame_names():
        df = normalise(getattr(inputs, name), name)
        df = df.sort_values(list(df.columns), na_position="last", kind="mergesort")
        h.update(f"## {name}\n".encode())
        h.update(
            df.to_csv(
                index=False, float_format="%.17g", date_format="%Y-%m-%d", na_rep="NA", lineterminator="\n"
            ).encode()
        )
    return h.hexdigest()


def coverage(inputs: Inputs) -> dict[str, str]:
    """First..last date per frame, for error messages."""
    out = {}
    for name, col in (
        ("holdings", "month"),
        ("flows", "month"),
        ("fred", "date"),
        ("curve", "date"),
        ("debt", "record_date"),
    ):
        df = getattr(inputs, name)
        out[name] = "empty" if df.empty else f"{df[col].min():%Y-%m}..{df[col].max():%Y-%m}"
    return out
