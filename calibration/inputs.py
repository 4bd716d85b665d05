"""What the calibration reads from the warehouse, as known on an as-of date.

`load_inputs` is the only function in `calibration/` that reads the warehouse, through the named readers
of warehouse/read/calibration_inputs.py (the SQL and its as-of rules live there). Everything downstream
takes frames, so tests and backtests can build `Inputs` by hand.

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

from dataclasses import dataclass, fields
from datetime import date

import duckdb
import pandas as pd

from warehouse.countries import HOLDERS as COUNTRY_HOLDERS
from warehouse.identity import text_digest
from warehouse.read import calibration_inputs as read

# holder key -> (country label in foreign_holdings, TIC country code in foreign_flows); identities in
# warehouse/countries.py
HOLDERS: dict[str, tuple[str, int]] = {k: (h.label, h.tic_code) for k, h in COUNTRY_HOLDERS.items()}
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
UNREVISED_SERIES = frozenset(
    {*TENOR_SERIES.values(), "DFF", "T10YIE", "MORTGAGE30US", "TREAST", "WMTSECL1", "VIXCLS", "DTWEXBGS"}
)


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


_COLUMNS = {
    "holdings": read.HOLDINGS_COLUMNS,
    "flows": read.FLOWS_COLUMNS,
    "fred": read.FRED_COLUMNS,
    "curve": read.CURVE_COLUMNS,
    "debt": read.DEBT_COLUMNS,
}
_DATES = {"month", "vintage", "date", "record_date"}


def load_inputs(con: duckdb.DuckDBPyConnection, as_of: date) -> Inputs:
    """Read everything the calibration uses, as known on `as_of` (warehouse/read/calibration_inputs.py). Never
    writes; a table not created yet (older warehouse) reads as empty."""
    frames = {
        "holdings": read.holdings_known_on(con, as_of, [c for c, _ in HOLDERS.values()]),
        "flows": read.flows_known_on(con, as_of, [k for _, k in HOLDERS.values()]),
        "fred": read.fred_known_on(con, as_of, FRED_SERIES, sorted(UNREVISED_SERIES)),
        "curve": read.curve_until(con, as_of, CURVE_TENORS.values()),
        "debt": read.debt_totals_until(con, as_of),
    }
    return Inputs(as_of=as_of, **{name: normalise(df, name) for name, df in frames.items()})


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
    return Inputs(as_of=as_of, **{n: normalise(frames.get(n, pd.DataFrame()), n) for n in Inputs.frame_names()})


def data_hash(inputs: Inputs) -> str:
    """sha256 over a canonical text form of every frame: sorted rows, fixed float and date formats
    (warehouse.identity.text_digest)."""
    return text_digest((name, normalise(getattr(inputs, name), name)) for name in Inputs.frame_names())


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
