"""FRED observations: fredgraph CSV downloads (current, legacy, 2017 zip, re-saved copies) and API
observations (JSON bodies in the snapshot, XML from fredapi live).

Every FRED format reduces to (date, value) rows plus a vintage: API payloads carry realtime_start and
realtime_end per observation; a CSV download carries none, so its realtime_start is the fetch date live and
the file's last observation date offline (a lower bound on when those values were known). All vintages are
kept; `fred_observations_current` picks the latest.

The tracked series are configuration (flows/fred_series.toml), not code. The live HTTP half is in
`fred_live`, the payload layouts and parsers in `fred_layout`, the series configuration in `fred_config`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path, PurePosixPath

import duckdb
import pandas as pd

from flows.http import Http
from flows.sources import fred_live
from flows.sources.base import ParseError, Payload, snapshot_payloads
from flows.sources.fred_config import (  # noqa: F401  (re-exported: the flow and tests read them here)
    CONFIG_PATH,
    FREQUENCIES,
    SERIES_COLUMNS,
    leading_zeros_missing,
    load_series_config,
    plausible_bounds,
    series_frame,
)
from flows.sources.fred_layout import API_PREFIX, TABLE, parse_api_json, parse_api_xml, parse_csv
from flows.sources.fred_layout import stage as stage  # DuckDB-staged CSVs (flows/ingest.py looks for `stage`)
from flows.sources.fred_layout import stage_many as stage_many  # all of a batch's CSVs read at once
from flows.sources.fred_live import ApiSettings, SeriesFetchErrors  # noqa: F401  (re-exported for the flow)

SOURCE = "fred"
# Re-fetch this much history on incremental pulls so that recent revisions are picked up.
REVISION_WINDOW = timedelta(days=31)
_FROM_DATE = re.compile(r"__from_(\d{4}-\d{2}-\d{2})")


# --------------------------------------------------------------------------- extract


def extract_offline(snapshot_dir: Path) -> list[Payload]:
    """Legacy formats, re-saved copies, current fredgraph CSVs, fresher CSVs, API bodies, live increments.

    Older sources load first so that a reader of the load log sees history build up, and so that a fresher
    download of a series (fred/fresher/<ID>.csv, a later CSV of the same series) is compared with the one it
    extends: repeated values are not stored again, new dates are added, changed values become a new
    vintage (warehouse/revisions.py). fred/nyfed_soma/ is not ours.
    """
    folder = Path(snapshot_dir) / "fred"
    increments = sorted((folder / "increments").glob("*"), key=_increment_order)
    groups: list[Iterable[Path]] = [
        sorted((folder / "legacy_format").glob("*.csv")),
        sorted((folder / "resaved").glob("*.csv")),
        sorted(folder.glob("*.csv")),
        sorted((folder / "fresher").glob("*.csv")),
        sorted(folder.glob(API_PREFIX + "*.json")),
        sorted(folder.glob(API_PREFIX + "*.xml")),
        [p for p in increments if p.suffix in (".csv", ".xml")],
    ]
    return snapshot_payloads(SOURCE, snapshot_dir, [path for group in groups for path in group])


def _increment_order(path: Path) -> tuple[str, str]:
    m = _FROM_DATE.search(path.name)
    return (m.group(1) if m else "", path.name)


def incremental_start(newest: date | None) -> date | None:
    """First observation date to request: a revision window before the newest stored date; None = full pull."""
    return None if newest is None else newest - REVISION_WINDOW


def extract_live(
    http: Http,
    state: dict[str, date],
    *,
    series: Iterable[str] | None = None,
    api_key: str | None = None,
    fredgraph_url: str = fred_live.FREDGRAPH_URL,
    api_settings: ApiSettings | None = None,
) -> Iterator[Payload]:
    """Every tracked series, through fredapi (all vintages, XML) when FRED_API_KEY is set, else keyless CSV.

    One failing series does not stop the others: their payloads are yielded first, then SeriesFetchErrors
    (a FetchError) is raised naming each failed series with its relpath, redacted URL and reason.
    """
    ids = list(load_series_config()) if series is None else list(series)
    starts = {sid: incremental_start(state.get(sid)) for sid in ids}
    key = os.environ.get("FRED_API_KEY") if api_key is None else api_key
    if key:
        yield from fred_live.fetch_api(SOURCE, ids, starts, key, api_settings or ApiSettings())
    else:
        yield from fred_live.fetch_keyless(SOURCE, http, ids, starts, fredgraph_url)


def live_state(con: duckdb.DuckDBPyConnection) -> dict[str, date]:
    """Newest date with a value, per series; missing-value rows do not count as data."""
    from warehouse.read.newest import newest_fred_dates

    return newest_fred_dates(con)


# --------------------------------------------------------------------------- transform


def transform(relpath: str, body: bytes, fetched_on: date | None = None) -> dict[str, pd.DataFrame]:
    path = PurePosixPath(relpath)
    if "nyfed_soma" in path.parts:
        raise ParseError(relpath, "not a FRED payload (NY Fed SOMA files belong to the nyfed source)")
    if path.suffix == ".csv":
        frame = parse_csv(relpath, body, fetched_on, resaved=path.parent.name == "resaved")
    elif path.suffix == ".json":
        frame = parse_api_json(relpath, body)
    elif path.suffix == ".xml":
        frame = parse_api_xml(relpath, body)
    else:
        raise ParseError(relpath, "unknown FRED payload type (expected .csv, .json or .xml)", field="relpath")
    return {TABLE: frame}


def check_plausible(relpath: str, frames: dict[str, pd.DataFrame]) -> None:
    """Values outside the series' `plausible` range (fred_series.toml) refuse the whole payload: checked at
    load, not in transform, so the parser itself still reads any number exactly."""
    from warehouse.load import ValidationError

    frame = frames.get(TABLE)
    if frame is None or frame.empty:
        return
    for sid, rows in frame.groupby("series_id", sort=False):
        low, high = plausible_bounds().get(sid, (-math.inf, math.inf))
        bad = rows["value"].notna() & ((rows["value"] < low) | (rows["value"] > high))
        if bad.any():
            row = rows[bad].iloc[0]
            raise ValidationError(
                f"{relpath}: {sid} = {row['value']:g} on {pd.Timestamp(row['date']).date()} is "
                f"implausible (allowed {low:g}..{high:g}, flows/fred_series.toml)"
            )
