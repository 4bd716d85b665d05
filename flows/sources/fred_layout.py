"""FRED payload layouts: fredgraph CSV downloads (current, legacy, 2017 zip, re-saved copies) and API
observation bodies (JSON in the snapshot, XML from fredapi live) reduced to `fred_observations` rows.

A CSV is read by DuckDB into a checked staged relation (`stage`) when the SQL checks accept it; any doubt,
and every API body, goes through the Python parsers here, whose ParseError names file, line, field and value.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import date
from pathlib import Path, PurePosixPath

import duckdb
import pandas as pd

from flows.sources.base import ParseError, cut_number, fields_on_every_line
from flows.sources.fred_config import SERIES_ID as _SERIES_ID
from flows.sources.fred_config import leading_zeros_missing, plausible_bounds
from warehouse.schema import TABLES
from warehouse.stage import ISO_DATE, SeriesCsv, stage_series_csv
from warehouse.stage_group import SeriesFile, Staged, StageItem, stage_series_csvs

TABLE = "fred_observations"
COLUMNS = TABLES[TABLE].parsed_columns
# No "9.": FRED never writes a bare trailing point, and a file cut mid-number ("1985-11-12,9.") must not
# load 9.0 for 9.74 (issue 15).
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?")
_ISO_DATE = re.compile(ISO_DATE)
# Both FRED missing markers are accepted in every CSV style: current files use an empty field, older ones '.'.
_MISSING = frozenset({"", "."})
API_PREFIX = "api_observations_"


def _name_id(relpath: str) -> str | None:
    """Series id from the file name: `<ID>.csv`, `<ID>__anything.csv`, `api_observations_<ID>[__…].json`."""
    stem = PurePosixPath(relpath).stem
    if stem.startswith(API_PREFIX):
        stem = stem[len(API_PREFIX) :]
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


def parse_csv(relpath: str, body: bytes, fetched_on: date | None, *, resaved: bool) -> pd.DataFrame:
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


def _series_file(
    relpath: str, body: bytes, fetched_on: date | None, raw: Path, sha256: str, retrieved: date
) -> SeriesFile | None:
    """What DuckDB is given to stage a fredgraph CSV, or None: JSON/XML bodies, and any CSV whose header or
    size is in doubt, go through `transform`, whose errors name line, field and value."""
    path = PurePosixPath(relpath)
    if path.suffix != ".csv" or "nyfed_soma" in path.parts:
        return None
    resaved = path.parent.name == "resaved"
    try:
        lines = _decode(relpath, body).splitlines()
        series_id, fmt = _csv_layout(relpath, lines[0], resaved) if lines else (None, None)
    except ParseError:
        return None
    if series_id is None or len(lines) < 2 or not fields_on_every_line(body, 2):
        return None
    layout = SeriesCsv(
        date_pattern=ISO_DATE,
        number_pattern=_NUMBER.pattern,
        missing=tuple(_MISSING),
        constants={"series_id": series_id, "realtime_end": None, "source_format": fmt, "resaved": resaved},
        vintage_column="realtime_start",
        blank_leading_zeros=series_id in leading_zeros_missing(),
    )
    bounds = plausible_bounds().get(series_id)
    return SeriesFile(
        Path(raw), layout, len(lines) - 1, fetched_on, sha256, retrieved, {"value": bounds} if bounds else None
    )


def _stage_one(con: duckdb.DuckDBPyConnection, f: SeriesFile, tag: str) -> dict[str, tuple[str, int]] | None:
    return stage_series_csv(
        con,
        f.path,
        TABLES[TABLE],
        f.layout,
        data_rows=f.data_rows,
        vintage=f.vintage,
        sha256=f.sha256,
        stage=f"stage_{TABLE}{tag}",
        retrieved=f.retrieved,
        value_bounds=f.value_bounds,
    )


def stage(
    con: duckdb.DuckDBPyConnection,
    relpath: str,
    body: bytes,
    fetched_on: date | None,
    raw: Path,
    sha256: str,
    retrieved: date,
    *,
    tag: str = "",
) -> dict[str, tuple[str, int]] | None:
    """A fredgraph CSV read by DuckDB into a checked staged relation `stage_fred_observations<tag>`
    (warehouse/stage.py), or None: the caller parses it with `transform`."""
    f = _series_file(relpath, body, fetched_on, raw, sha256, retrieved)
    return _stage_one(con, f, tag) if f is not None else None


def stage_many(con: duckdb.DuckDBPyConnection, items: list[StageItem], group: str) -> list[Staged | None]:
    """`stage` for a source's payloads at once (issue 18): the CSVs are read and checked together into the shared
    stage `group` (warehouse/stage_group.py), each answered as ({table: (group, rows)}, its part k); a CSV the
    group's checks doubt is staged alone by `stage`, exactly as before; None for the rest (the caller parses)."""
    files = [_series_file(i.relpath, i.body, i.fetched_on, i.raw, i.sha256, i.retrieved) for i in items]
    grouped = [n for n, f in enumerate(files) if f is not None]
    passed = {}
    if len(grouped) > 1:  # one file alone is cheaper through the single-file path
        passed = stage_series_csvs(con, [files[n] for n in grouped], TABLES[TABLE], group)
    part = {n: k for k, n in enumerate(grouped)}
    answers: list[Staged | None] = []
    for n, (item, f) in enumerate(zip(items, files, strict=True)):
        k = part.get(n)
        if k is not None and k in passed:
            answers.append(({TABLE: (group, passed[k])}, k))
        else:
            staged = _stage_one(con, f, item.tag) if f is not None else None
            answers.append((staged, None) if staged else None)
    return answers


def _blank_leading_zeros(values: list[float]) -> None:
    """Zeros before the first non-zero value become missing (FRED's placeholder before a series begins)."""
    for i, v in enumerate(values):
        if v == 0.0:
            values[i] = math.nan
        elif not math.isnan(v):
            return


def parse_api_json(relpath: str, body: bytes) -> pd.DataFrame:
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


def parse_api_xml(relpath: str, body: bytes) -> pd.DataFrame:
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
    plain = _plain_columns(records)
    if plain is not None:
        dates, values, starts, ends = plain
        if series_id in leading_zeros_missing():
            _blank_leading_zeros(values)
        return _frame(series_id, dates, values, starts, ends, fmt, False)
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


# Many fields, each followed by a newline, all plainly ISO dates / numbers or a missing marker (ASCII digits, no
# padding): a subset of what _parse_date and _parse_value accept, checked by one regex over a whole column.
_PLAIN_DATES = re.compile(r"(?:[0-9]{4}-[0-9]{2}-[0-9]{2}\n)*")
_PLAIN_VALUES = re.compile(rf"(?:(?:{_NUMBER.pattern}|\.|)\n)*", re.ASCII)


def _plain_columns(records: list[tuple[str, Mapping]]) -> tuple[list, list, list, list] | None:
    """(dates, values, realtime starts, realtime ends) when every observation passes `_api_frame`'s checks by a
    column-wide test (issue 18: the checks one observation at a time were most of parsing an API body); None
    on any doubt, and the observations are checked one by one, naming the first bad field."""
    keys = ("date", "value", "realtime_start", "realtime_end")
    try:
        columns = [[obs[key] for _, obs in records] for key in keys]
    except (KeyError, TypeError):
        return None
    n = len(records)
    for column, pattern in zip(columns, (_PLAIN_DATES, _PLAIN_VALUES, _PLAIN_DATES, _PLAIN_DATES), strict=True):
        if not all(type(text) is str for text in column):
            return None
        joined = "\n".join(column) + "\n" if column else ""
        if joined.count("\n") != n or not pattern.fullmatch(joined):  # a field holding a newline is doubted
            return None
    dates, raw_values, starts, ends = columns
    try:
        for text in {*dates, *starts, *ends}:
            date.fromisoformat(text)
    except ValueError:
        return None
    # ISO dates compare as text: an end before its start, or a repeated (date, start), is left to the checks.
    if any(e < s for s, e in zip(starts, ends, strict=True)) or len(set(zip(dates, starts, strict=True))) != n:
        return None
    values = [math.nan if text in _MISSING else float(text) for text in raw_values]
    if not all(math.isfinite(v) or text in _MISSING for v, text in zip(values, raw_values, strict=True)):
        return None
    return dates, values, starts, ends


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
