"""FRED configuration: the tracked series are data (flows/fred_series.toml), not code; read and checked here."""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from warehouse.schema import TABLES

SERIES_COLUMNS = TABLES["fred_series"].parsed_columns
CONFIG_PATH = Path(__file__).resolve().parents[1] / "fred_series.toml"
FREQUENCIES = frozenset({"daily", "weekly", "monthly", "quarterly", "annual"})
SERIES_ID = re.compile(r"[A-Za-z0-9_]+")


def load_series_config(path: Path = CONFIG_PATH) -> dict[str, dict]:
    """Tracked series: {series_id: {title, units, frequency, role}} from the TOML `[series.<ID>]` tables."""
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    series = doc.get("series")
    if not isinstance(series, dict) or not series:
        raise ValueError(f"{path}: no [series.<ID>] tables")
    out: dict[str, dict] = {}
    for sid, spec in series.items():
        if not SERIES_ID.fullmatch(sid) or not isinstance(spec, dict):
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


@functools.cache
def plausible_bounds() -> dict[str, tuple[float, float]]:
    return {sid: tuple(spec["plausible"]) for sid, spec in load_series_config().items() if "plausible" in spec}
