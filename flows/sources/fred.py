"""FRED observations: fredgraph CSV downloads (current, legacy, 2017 zip, re-saved copies) and API
observations (JSON bodies in the snapshot, XML from fredapi live).

Every FRED format reduces to (date, value) rows plus a vintage: API payloads carry realtime_start and
realtime_end per observation; a CSV download carries none, so its realtime_start is the fetch date live and
the file's last observation date offline (a lower bound on when those values were known). All vintages are
kept; `fred_observations_current` picks the latest.

The tracked series are configuration (flows/fred_series.toml), not code. The live HTTP half is in
`fred_live`, so this module stays the field map and parsers.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path, PurePosixPath

import duckdb
import pandas as pd

from flows.http import Http
from flows.sources import fred_live
from flows.sources.base import ParseError, Payload, cut_number, read_snapshot_file
from flows.sources.fred_live import ApiSettings, SeriesFetchErrors  # noqa: F401  (re-exported for the flow)
from warehouse.schema import TABLES
from warehouse.stage import SeriesCsv, checked, stage_series_csv

SOURCE = "fred"
TABLE = "fred_observations"
COLUMNS = TABLES[TABLE].parsed_columns
SERIES_COLUMNS = TABLES["fred_series"].parsed_columns
CONFIG_PATH = Path(__file__).resolve().parents[1] / "fred_series.toml"
FREQUENCIES = frozenset({"daily", "weekly", "monthly", "quarterly", "annual"})
# Re-fetch this much history on incremental pulls so that recent revisions are picked up.
REVISION_WINDOW = timedelta(days=31)

# No "9.": FRED never writes a bare trailing point, and a file cut mid-number ("1985-11-12,9.") must not
# load 9.0 for 9.74 (issue 15).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SERIES_ID = re.compile(r"[A-Za-z0-9_]+")
_FROM_DATE = re.compile(r"__from_(\d{4}-\d{2}-\d{2})")
# Both FRED missing markers are accepted in every CSV style: current files use an empty field, older ones '.'.
_MISSING = frozenset({"", "."})
_API_PREFIX = "api_observations_"


# --------------------------------------------------------------------------- configuration


def load_series_config(path: Path = CONFIG_PATH) -> dict[str, dict]:
    """Tracked series: {series_id: {title, units, frequency, role}} from the TOML `[series.<ID>]` tables."""
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    series = doc.get("series")
    if not isinstance(series, dict) or not series:
        raise ValueError(f"{path}: no [series.<ID>] tables")
    out: dict[str, dict] = {}
    for sid, spec in series.items():
        if not _SERIES_ID.fullmatch(sid) or not isinstance(spec, dict):
            raise ValueError(f"{path}: bad series entry {sid!r}")
        missing = [k for k in ("title", "units", "frequency", "role") if not isinstance(spec.get(k), str)]
        if missing:
            raise ValueError(f"{path}: series {sid} lacks {', '.join(missing)}")
        if spec["frequency"] not in FREQUENCIES:
            raise ValueError(f"{path}: series {sid} frequency {spec['frequency']!r} not in {sorted(FREQUENCIES)}")
        plausible = spec.get("plausible", [-math.inf, math.inf])
        if (
            not isinstance(plausible, list)
            or len(plausible) != 2
            or not all(isinstance(v, int | float) for v in plausible)
            or not plausible[0] < plausible[1]
        ):
            raise ValueError(f"{path}: series {sid} plausible must be [low, high]")
        if not isinstance(spec.get("leading_zeros_missing", False), bool):
            raise ValueError(f"{path}: series {sid} leading_zeros_missing must be true or false")
        out[sid] = dict(spec)
    return out


@functools.cache
def leading_zeros_missing() -> frozenset[str]:
    """Series whose zeros before the first non-zero value mean "not published yet" (fred_series.toml)."""
    return frozenset(sid for sid, spec in load_series_config().items() if spec.get("leading_zeros_missing"))


def series_frame(config: Mapping[str, Mapping] | None = None) -> pd.DataFrame:
    """The `fred_series` table built from the configuration."""
    config = load_series_config() if config is None else config
    rows = [{"series_id": sid, **{k: spec.get(k) for k in SERIES_COLUMNS[1:]}} for sid, spec in config.items()]
    return pd.DataFrame(rows, columns=SERIES_COLUMNS)


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
        sorted(folder.glob(_API_PREFIX + "*.json")),
        sorted(folder.glob(_API_PREFIX + "*.xml")),
        [p for p in increments if p.suffix in (".csv", ".xml")],
    ]
    out = []
    for group in groups:
        for path in group:
            relpath = path.relative_to(snapshot_dir).as_posix()
            out.append(
                Payload(
                    source=SOURCE,
                    relpath=relpath,
                    url="snapshot:" + relpath,
                    body=read_snapshot_file(snapshot_dir, path),
                    offline=True,
                )
            )
    return out


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
        frame = _parse_csv(relpath, body, fetched_on, resaved=path.parent.name == "resaved")
    elif path.suffix == ".json":
        frame = _parse_api_json(relpath, body)
    elif path.suffix == ".xml":
        frame = _parse_api_xml(relpath, body)
    else:
        raise ParseError(relpath, "unknown FRED payload type (expected .csv, .json or .xml)", field="relpath")
    return {TABLE: frame}


@functools.cache
def plausible_bounds() -> dict[str, tuple[float, float]]:
    return {sid: tuple(spec["plausible"]) for sid, spec in load_series_config().items() if "plausible" in spec}


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


def _name_id(relpath: str) -> str | None:
    """Series id from the file name: `<ID>.csv`, `<ID>__anything.csv`, `api_observations_<ID>[__…].json`."""
    stem = PurePosixPath(relpath).stem
    if stem.startswith(_API_PREFIX):
        stem = stem[len(_API_PREFIX) :]
    sid = stem.split("__", 1)[0]
    return sid.upper() if _SERIES_ID.fullmatch(sid) else None


def _decode(relpath: str, body: bytes) -> str:
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(relpath, "not UTF-8 text", field="bytes", value=body[exc.start : exc.end]) from None


def _parse_date(relpath: str, raw: str, *, line: int | None = None, field: str = "date") -> str:
    if _ISO_DATE.fullmatch(raw):
        try:
            date.fromisoformat(raw)
            return raw
        except ValueError:
            pass
    raise ParseError(relpath, "not a YYYY-MM-DD date", field=field, value=raw, line=line)


def _parse_value(relpath: str, raw: str, *, line: int | None = None, field: str = "value") -> float:
    if raw in _MISSING:
        return math.nan
    if cut_number(raw):
        raise ParseError(relpath, "a number cut short (truncated file?)", field=field, value=raw, line=line)
    if _NUMBER.fullmatch(raw):
        value = float(raw)
        if math.isfinite(value):
            return value
    raise ParseError(relpath, "not a number or a FRED missing marker ('' or '.')", field=field, value=raw, line=line)


def _csv_layout(relpath: str, header: str, resaved: bool) -> tuple[str, str]:
    """(series_id, source_format) from the header row, checked against the id in the file name."""
    cols = [c.strip() for c in header.split(",")]
    name_id = _name_id(relpath)
    if len(cols) != 2:
        raise ParseError(relpath, "expected a two-column header", field="header", value=header, line=1)
    first, second = cols
    header_id = None
    if resaved:
        if (first.lower(), second.lower()) != ("date", "value"):
            raise ParseError(relpath, "re-saved file must have header Date,Value", field="header", value=header, line=1)
        fmt = "resaved_csv"
    elif (first, second) == ("DATE", "VALUE"):
        fmt = "fred_zip_2017"
    elif first in ("observation_date", "DATE") and _SERIES_ID.fullmatch(second):
        fmt = "fredgraph_csv" if first == "observation_date" else "fredgraph_csv_legacy"
        header_id = second.upper()
    else:
        raise ParseError(
            relpath, "expected observation_date,<ID> | DATE,<ID> | DATE,VALUE", field="header", value=header, line=1
        )
    if header_id and name_id and header_id != name_id:
        raise ParseError(
            relpath,
            f"series id in the header differs from the file name's {name_id!r}",
            field="header",
            value=second,
            line=1,
        )
    series_id = header_id or name_id
    if series_id is None:
        raise ParseError(relpath, "no series id in the header or the file name", field="relpath")
    return series_id, fmt


def _parse_csv(relpath: str, body: bytes, fetched_on: date | None, *, resaved: bool) -> pd.DataFrame:
    lines = _decode(relpath, body).splitlines()  # splitlines: the 2017 zip files are CRLF
    if not lines:
        raise ParseError(relpath, "empty file: no header", field="header")
    series_id, fmt = _csv_layout(relpath, lines[0], resaved)
    dates: list[str] = []
    values: list[float] = []
    for lineno, line in enumerate(lines[1:], start=2):
        fields = line.split(",")
        if len(fields) != 2:
            raise ParseError(relpath, "expected 2 fields", field="row", value=line, line=lineno)
        d = _parse_date(relpath, fields[0].strip(), line=lineno)
        if dates and d <= dates[-1]:  # ISO strings order like dates
            raise ParseError(
                relpath, f"dates must be strictly increasing (previous {dates[-1]})", field="date", value=d, line=lineno
            )
        dates.append(d)
        values.append(_parse_value(relpath, fields[1].strip(), line=lineno))
    if series_id in leading_zeros_missing():
        _blank_leading_zeros(values)
    # A CSV carries no vintage: the fetch date when live, else the last observation (a lower bound).
    vintage = fetched_on.isoformat() if fetched_on is not None else (dates[-1] if dates else None)
    n = len(dates)
    return _frame(series_id, dates, values, [vintage] * n, [None] * n, fmt, resaved)


def stage(
    con: duckdb.DuckDBPyConnection,
    relpath: str,
    body: bytes,
    fetched_on: date | None,
    raw: Path,
    sha256: str,
    retrieved: date,
) -> dict[str, tuple[str, int]] | None:
    """A fredgraph CSV read by DuckDB into a checked staged relation (warehouse/stage.py), or None: JSON/XML
    bodies, and any CSV the SQL checks doubt, go through `transform`, whose errors name line, field and value."""
    path = PurePosixPath(relpath)
    if path.suffix != ".csv" or "nyfed_soma" in path.parts:
        return None
    resaved = path.parent.name == "resaved"
    try:
        lines = _decode(relpath, body).splitlines()
        series_id, fmt = _csv_layout(relpath, lines[0], resaved) if lines else (None, None)
    except ParseError:
        return None
    if series_id is None or len(lines) < 2:
        return None
    layout = SeriesCsv(
        date_pattern=_ISO_DATE.pattern,
        number_pattern=_NUMBER.pattern,
        missing=tuple(_MISSING),
        constants={"series_id": series_id, "realtime_end": None, "source_format": fmt, "resaved": resaved},
        vintage_column="realtime_start",
        blank_leading_zeros=series_id in leading_zeros_missing(),
    )
    name = stage_series_csv(
        con,
        Path(raw),
        TABLES[TABLE],
        layout,
        data_rows=len(lines) - 1,
        vintage=fetched_on,
        sha256=sha256,
        stage=f"stage_{TABLE}",
    )
    bounds = plausible_bounds().get(series_id)
    return checked(con, TABLES[TABLE], name, retrieved, {"value": bounds} if bounds else None)


def _blank_leading_zeros(values: list[float]) -> None:
    """Zeros before the first non-zero value become missing (FRED's placeholder before a series begins)."""
    for i, v in enumerate(values):
        if v == 0.0:
            values[i] = math.nan
        elif not math.isnan(v):
            return


def _parse_api_json(relpath: str, body: bytes) -> pd.DataFrame:
    try:
        doc = json.loads(_decode(relpath, body))
    except json.JSONDecodeError as exc:
        raise ParseError(relpath, f"invalid JSON: {exc.msg}", line=exc.lineno, field="body") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("observations"), list):
        raise ParseError(relpath, "expected an object with an observations list", field="observations")
    records = []
    for i, obs in enumerate(doc["observations"]):
        if not isinstance(obs, dict):
            raise ParseError(relpath, "observation is not an object", field=f"observations[{i}]", value=obs)
        records.append((f"observations[{i}]", obs))
    _check_extent(relpath, doc, len(records))
    return _api_frame(relpath, records, "api_json")


def _parse_api_xml(relpath: str, body: bytes) -> pd.DataFrame:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ParseError(relpath, f"invalid XML: {exc}", line=exc.position[0], field="body") from None
    if root.tag != "observations":
        raise ParseError(relpath, "root element must be <observations>", field="root", value=root.tag)
    records = []
    for i, el in enumerate(root):
        if el.tag != "observation":
            raise ParseError(relpath, "unexpected element", field=f"observation[{i}]", value=el.tag)
        records.append((f"observation[{i}]", el.attrib))
    _check_extent(relpath, root.attrib, len(records))
    return _api_frame(relpath, records, "api_xml")


def _check_extent(relpath: str, meta: Mapping, n: int) -> None:
    """A page holds min(limit, count - offset) observations; anything else is a truncated or padded body."""
    try:
        count, offset, limit = (int(meta[k]) for k in ("count", "offset", "limit"))
    except (KeyError, TypeError, ValueError):
        return  # the extent fields are optional in the format; without them there is nothing to check
    expected = max(0, min(limit, count - offset))
    if n != expected:
        raise ParseError(
            relpath,
            f"{n} observations but count={count}, offset={offset}, limit={limit} promise {expected}",
            field="count",
            value=count,
        )


def _api_frame(relpath: str, records: list[tuple[str, Mapping]], fmt: str) -> pd.DataFrame:
    series_id = _name_id(relpath)
    if series_id is None:
        raise ParseError(relpath, "no series id in the file name (api_observations_<ID>)", field="relpath")
    dates, values, starts, ends = [], [], [], []
    seen: set[tuple[str, str]] = set()
    for where, obs in records:
        raw = {}
        for key in ("date", "value", "realtime_start", "realtime_end"):
            if not isinstance(obs.get(key), str):
                raise ParseError(relpath, "missing or not a string", field=f"{where}.{key}", value=obs.get(key))
            raw[key] = obs[key].strip()
        d = _parse_date(relpath, raw["date"], field=f"{where}.date")
        start = _parse_date(relpath, raw["realtime_start"], field=f"{where}.realtime_start")
        end = _parse_date(relpath, raw["realtime_end"], field=f"{where}.realtime_end")
        if end < start:
            raise ParseError(
                relpath, f"realtime_end before realtime_start {start}", field=f"{where}.realtime_end", value=end
            )
        if (d, start) in seen:
            raise ParseError(relpath, "duplicate (date, realtime_start)", field=where, value=(d, start))
        seen.add((d, start))
        dates.append(d)
        starts.append(start)
        ends.append(end)
        values.append(_parse_value(relpath, raw["value"], field=f"{where}.value"))
    if series_id in leading_zeros_missing():
        _blank_leading_zeros(values)
    return _frame(series_id, dates, values, starts, ends, fmt, False)


def _dates(values: list[str | None]) -> pd.Series:
    # Microsecond resolution: nanoseconds cannot hold 9999-12-31 ("still current") or 1776-07-04.
    return pd.Series(pd.to_datetime(values, format="%Y-%m-%d")).astype("datetime64[us]")


def _frame(
    series_id: str,
    dates: list[str],
    values: list[float],
    starts: list[str | None],
    ends: list[str | None],
    fmt: str,
    resaved: bool,
) -> pd.DataFrame:
    n = len(dates)
    frame = pd.DataFrame(
        {
            "series_id": pd.Series([series_id] * n, dtype=object),
            "date": _dates(dates),
            "value": pd.Series(values, dtype="float64"),
            "realtime_start": _dates(starts),
            "realtime_end": _dates(ends),
            "source_format": pd.Series([fmt] * n, dtype=object),
            "resaved": pd.Series([resaved] * n, dtype=bool),
        }
    )
    return frame[COLUMNS]
