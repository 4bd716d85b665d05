"""Base tables of market data: the FRED series the pipeline tracks with every vintage of their observations, and
the daily Treasury par yield curve."""

from __future__ import annotations

from warehouse.table_types import Column as C
from warehouse.table_types import Revisions, table

MARKET_TABLES = (
    table(
        "fred_series",
        "The FRED series the pipeline tracks (from flows/fred_series.toml): title, units and frequency.",
        [
            C("series_id", "VARCHAR", "FRED series id", False),
            C("title", "VARCHAR", "Series title"),
            C("units", "VARCHAR", "Units as FRED states them (e.g. percent, $ millions)"),
            C("frequency", "VARCHAR", "daily | weekly | monthly | quarterly | annual (fiscal year)"),
            C("role", "VARCHAR", "What the project uses it for (yield, debt, budget, fx, inflation, spillover…)"),
        ],
        key=("series_id",),
    ),
    table(
        "fred_observations",
        "FRED observations, all vintages kept. value NULL = missing in the source ('.' or empty; for series whose "
        "fred_series.toml entry says leading_zeros_missing, the zeros FRED prints before the series exists). Use "
        "fred_observations_current for the latest vintage or fred_as_of(series, date) for a past one. Precedence: "
        "per (series_id, date) the row with the newest realtime_start is in force (original FRED bytes over re-saved "
        "copies on a tie). A CSV download carries no vintage, so a later download of the same series is an "
        "incremental refresh: its rows that repeat the value (and format) in force are not stored again; rows for "
        "new dates are added; a different value for a stored date is a revision, stored as a new vintage dated by "
        "the later payload and counted as changed in ingest_log.",
        [
            C("series_id", "VARCHAR", "FRED series id (e.g. DGS10)", False),
            C(
                "date",
                "DATE",
                "Observation date as FRED gives it (first day of period for monthly/quarterly; "
                "YYYY-09-30 for fiscal years)",
                False,
            ),
            C("value", "DOUBLE", "Observation value in the series' units (see fred_series.units); NULL = missing"),
            C(
                "realtime_start",
                "DATE",
                "First day this value was known (FRED vintage). API payloads carry it; for CSV "
                "downloads it is the fetch date live, and the last observation date for offline files (a lower bound). "
                "A later CSV that repeats a stored value keeps the earlier realtime_start (the value was known since "
                "then); one that changes it adds a row with its own date, which then takes precedence",
                False,
            ),
            C("realtime_end", "DATE", "Last day this value was current (9999-12-31 = still current); NULL for CSV"),
            C(
                "source_format",
                "VARCHAR",
                "fredgraph_csv | fredgraph_csv_legacy (DATE header, '.' missing) | "
                "fred_zip_2017 (DATE,VALUE) | api_json | api_xml (fredapi) | resaved_csv",
                False,
            ),
            C(
                "resaved",
                "BOOLEAN",
                "TRUE when the file was re-written by a third party (values real, bytes not FRED's)",
                False,
            ),
        ],
        key=("series_id", "date", "realtime_start"),
        revisions=Revisions(
            observation=("series_id", "date"),
            vintage="realtime_start",
            unvintaged="s.realtime_end IS NULL",
            values=("value",),
            provenance=("source_format", "resaved"),
            in_force_order="t.realtime_start DESC, t.resaved ASC, t.source_format",
        ),
    ),
    table(
        "yield_curve",
        "Daily Treasury par yield curve (home.treasury.gov), percent, one row per date and tenor.",
        [
            C("date", "DATE", "Business day of the curve", False),
            C(
                "tenor_months",
                "DOUBLE",
                "Tenor in months (1, 1.5, 2, 3, 4, 6, 12, 24, 36, 60, 84, 120, 240, 360)",
                False,
            ),
            C("yield_pct", "DOUBLE", "Par yield, percent per annum (bond-equivalent)", False),
            C(
                "source_file",
                "VARCHAR",
                "Treasury file the value came from (yearly download or the 1990-2024 archive)",
                False,
            ),
        ],
        key=("date", "tenor_months"),
        bounds={"yield_pct": (-5, 30)},
    ),
)
