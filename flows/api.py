"""The analyst's Python API: one import, pandas DataFrames out, read-only by default.

    from flows import api as tshock          # or: import tshock (the same functions)
    tshock.holdings("Japan")                 # TIC holdings by month, $bn, with shares
    tshock.yields(["2y", "10y"], start="2020-01-01")
    run = tshock.run_scenario({"name": "my-case", "description": "Japan sells $300bn over 6 months",
                               "sellers": [{"country": "Japan", "amount_usd_bn": 300, "months": 6}]}, draws=200)
    run.fiscal_years; run.paths; run.headline

Every function takes `db=` (default: $TSHOCK_DB or data/warehouse.duckdb, as the CLI) and reads, for the length
of the call, the read copy the pipeline publishes after each write (`warehouse.read.duckdb`; the warehouse itself
when the copy is not current), so a notebook and `tshock run`/`tshock refresh` never block each other. DuckDB refuses a read-only connection while this same process holds a read-write one: close it
first. `run_scenario` stores nothing unless `store=True`.

Units: $ billions, yields percent, yield shifts basis points; p5/p50/p95 are quantiles over the Monte Carlo draws
(the scenario's joint draws of the calibration's response surface and the other calibrated inputs).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from flows.report import downloads
from warehouse import readers
from warehouse.db import db_path, reader

__all__ = [
    "ScenarioRun",
    "calibration_params",
    "calibrations",
    "compare",
    "curve",
    "fred",
    "fred_value",
    "holdings",
    "response_surface",
    "run_scenario",
    "runs",
    "scenario_spec",
    "scenarios",
    "stored_run",
    "sweep_cells",
    "sweeps",
    "yields",
]

DateLike = date | str | None
Db = str | os.PathLike | None
QUANTILES = ("p5", "p50", "p95")


def _db(db: Db) -> str:
    return str(db_path(db))


# --- data -------------------------------------------------------------------------------------------------------


def holdings(country: str | list[str] | None = None, as_of: DateLike = None, *, db: Db = None) -> pd.DataFrame:
    """TIC holdings of Treasuries by month and country, $ billions (one row per month and country).

    `country`: a name or names as TIC prints them ("Japan", "China, Mainland" is stored as "China"), any case.
    `as_of`: only publications on or before that date (what was known then); default the latest vintage, which
    also carries `share_of_foreign_total` and `share_of_marketable_debt` (fractions)."""
    with reader(_db(db)) as con:
        df = readers.holdings(con, country, as_of)
        if country and df.empty:
            asked = [country] if isinstance(country, str) else list(country)
            raise LookupError(
                f"country {', '.join(map(repr, asked))}: no TIC holdings"
                + (f" published by {as_of}" if as_of else "")
                + f" (known: {', '.join(readers.holder_names(con))})"
            )
        return df


def yields(
    tenors: list[str] | None = None, start: DateLike = None, end: DateLike = None, *, db: Db = None
) -> pd.DataFrame:
    """Daily Treasury yields, percent: a DatetimeIndex of dates and one column per tenor ("3m", "2y", "10y", …)."""
    with reader(_db(db)) as con:
        df = readers.yields(con, tenors, start, end)
    df.index = pd.to_datetime(df.index)
    return df


def curve(on: DateLike = None, *, db: Db = None) -> pd.DataFrame:
    """The par yield curve on the newest business day on or before `on` (default the newest): one row per tenor."""
    with reader(_db(db)) as con:
        return readers.curve(con, on)


def fred(series_id: str, as_of: DateLike = None, *, db: Db = None) -> pd.DataFrame:
    """A FRED series the warehouse tracks (date, value, realtime_start); `as_of` = as known on that date."""
    with reader(_db(db)) as con:
        return readers.fred(con, series_id, as_of)


def fred_value(series_id: str, on: DateLike, as_of: DateLike, *, db: Db = None) -> pd.DataFrame:
    """The value for date `on` as known on `as_of`: always one row, with the observation date it really is, its
    vintage, the lag in days and a note (fred() as of a date has no row for a day its vintages had not reached)."""
    with reader(_db(db)) as con:
        return readers.fred_value(con, series_id, on, as_of)


# --- calibration -------------------------------------------------------------------------------------------------


def _record(con, ref: str):
    from flows.pipeline.records import load_calibration

    return load_calibration(con, ref)


def calibrations(*, db: Db = None) -> pd.DataFrame:
    """Stored calibrations, newest first."""
    with reader(_db(db)) as con:
        return readers.calibrations(con)


def calibration_params(ref: str = "latest", *, db: Db = None) -> pd.DataFrame:
    """Every parameter of a calibration (id, unique prefix or "latest"): name, tenor, horizon, unit, kind
    (data / prior / posterior), estimate and its 90 % interval (ci_low, ci_high), n_obs, note."""
    with reader(_db(db)) as con:
        record = _record(con, ref)
    df = pd.DataFrame([p.model_dump() for p in record.params])
    df.insert(0, "calibration_id", record.id)
    return df


def response_surface(ref: str = "latest", horizon_months: int = 120, *, db: Db = None) -> pd.DataFrame:
    """The yield response the scenario model applies: bp at each tenor, h months after a one-month sale of 1 % of
    marketable debt, with p5/p50/p95 over the calibration's joint draws.

    Columns: tenor, horizon_months, p5, p50, p95, source. `source` is "surface" when the calibration stored a
    response surface (calibration.contract.ResponseSurface), else "posterior_params": the fallback the model builds
    from the posterior yield_impact parameters (model/response.py), held at its h = 24 value beyond."""
    from calibration.contract import TENORS
    from calibration.record import Z90
    from model.response import scenario_response

    with reader(_db(db)) as con:
        record = _record(con, ref)
    resp = scenario_response(record)
    hs = np.arange(horizon_months + 1)
    if resp.n_draws:
        draws = resp.response(len(hs), np.arange(resp.n_draws))  # (draws, tenors, h)
        qs = np.percentile(draws, [5, 50, 95], axis=0)  # (3, tenors, h)
    else:
        qs = resp.response(len(hs), np.array([-Z90, 0.0, Z90]))  # a normal's own p5/p50/p95
    rows = [
        {
            "tenor": t,
            "horizon_months": int(h),
            "p5": float(qs[0, i, h]),
            "p50": float(qs[1, i, h]),
            "p95": float(qs[2, i, h]),
            "source": resp.source,
        }
        for i, t in enumerate(TENORS)
        for h in hs
    ]
    return pd.DataFrame(rows)


# --- scenarios ---------------------------------------------------------------------------------------------------


def scenarios() -> pd.DataFrame:
    """The shipped scenarios (scenarios/*.yaml): name, sellers, months, contagion, backstop, shocks, draws."""
    from flows.pipeline.catalog import list_scenarios

    return pd.DataFrame(list_scenarios())


def scenario_spec(spec: Any, draws: int | None = None):
    """A validated ScenarioSpec from a shipped name, a YAML path, a dict or a ScenarioSpec; `draws` overrides.
    A bad field raises model.spec.SpecError naming the field and the value."""
    from flows.pipeline.catalog import resolve_spec
    from model.spec import ScenarioSpec, parse_spec

    if isinstance(spec, ScenarioSpec):
        data = spec.model_dump(mode="json")
    elif isinstance(spec, dict):
        data = dict(spec)
    elif isinstance(spec, str | Path):
        data = resolve_spec(str(spec)).model_dump(mode="json")
    else:
        raise TypeError(
            f"spec: expected a scenario name, a YAML path, a dict or a ScenarioSpec, got {type(spec).__name__}"
        )
    if draws is not None:
        data["draws"] = draws
    return parse_spec(data)


@dataclass
class ScenarioRun:
    """One scenario run as tidy frames. `results` is the full result dict (what `tshock scenario run --json`
    prints); the frames below are views of it."""

    results: dict
    run_id: str
    stored: bool = False

    @property
    def name(self) -> str:
        return self.results["name"]

    @property
    def spec(self) -> dict:
        return self.results["spec"]

    @cached_property
    def headline(self) -> pd.DataFrame:
        """The headline numbers: metric, unit, p5, p50, p95 (interest over the horizon's first 120 months, peak
        yield shifts per tenor, par-bond price changes, mark-to-market losses)."""
        r = self.results
        rows = [("interest_10y_delta", "$bn", r["interest"]["cumulative_10y_delta_usd_bn"])]
        rows += [(f"yield_{t}_peak_shift", "bp", y["peak_shift_bp"]) for t, y in r["yields"].items()]
        rows += [
            (f"price_{t}_change_at_peak", "%", p["price_change_pct"])
            for t, p in r["prices"].items()
            if isinstance(p, dict) and "price_change_pct" in p
        ]
        rows += [
            (f"mark_to_market_{who}_loss", "$bn", m["loss_usd_bn"])
            for who, m in r["mark_to_market"].items()
            if isinstance(m, dict) and "loss_usd_bn" in m
        ]
        df = pd.DataFrame([{"metric": m, "unit": u, **{q: v[q] for q in QUANTILES}} for m, u, v in rows])
        df.insert(0, "scenario", self.name)
        return df

    @cached_property
    def fiscal_years(self) -> pd.DataFrame:
        """The interest bill by fiscal year: one row per FY; quantile fields flattened to `<field>_p5/_p50/_p95`
        (the report's fiscal_years.csv)."""
        return pd.DataFrame(downloads.fiscal_year_rows(self.results))

    @cached_property
    def monthly(self) -> pd.DataFrame:
        """Month by month: the interest bill (baseline, scenario p50, delta quantiles, average rates) and each
        tenor's yield shift, bp, as `yield_<tenor>_shift_bp_<q>` (the report's monthly.csv)."""
        df = pd.DataFrame(downloads.monthly_rows(self.results))
        df["month_end"] = pd.to_datetime(df["month_end"])
        return df

    @cached_property
    def paths(self) -> pd.DataFrame:
        """Yield shift paths, bp over the baseline, long: one row per tenor and month (month 0 = the first month
        after the anchor), with month_end and p5/p50/p95 over the draws."""
        df = pd.DataFrame(downloads.path_rows(self.results))
        df["month_end"] = pd.to_datetime(df["month_end"])
        return df

    def _repr_html_(self) -> str:  # a notebook shows the headline table
        return f"<b>{self.name}</b> run {self.run_id}" + self.headline.to_html(index=False, float_format="%.1f")


def run_scenario(
    spec: Any, draws: int | None = None, *, calibration: str | None = None, store: bool = False, db: Db = None
) -> ScenarioRun:
    """Run a scenario on the warehouse and a stored calibration; returns a ScenarioRun of tidy frames.

    `spec`: a shipped name ("japan-fire-sale"), a YAML path, a dict with the fields of docs/scenarios.md, or a
    ScenarioSpec. `draws` overrides the spec's Monte Carlo draws (a few hundred are plenty to explore).
    Read-only unless `store=True`, which stores the run like `tshock scenario run` (needs the write lock)."""
    from flows.pipeline.scenario import run_and_store

    run = run_and_store(_db(db), scenario_spec(spec, draws), calibration=calibration, store=store)
    return ScenarioRun(run.results, run.run_id, stored=store and run.stored)


def stored_run(run_id: str, *, db: Db = None) -> ScenarioRun:
    """A stored run by id or unique prefix, or the newest run of a scenario given by name."""
    from flows.pipeline.runs import load_run

    with reader(_db(db)) as con:
        ids = readers.latest_run_ids(con, run_id)
        run = load_run(con, ids[0] if ids else run_id)
    return ScenarioRun(run.results, run.run_id, stored=True)


def runs(scenario: str | None = None, limit: int = 50, *, db: Db = None) -> pd.DataFrame:
    """Stored scenario runs, newest first (optionally one scenario's)."""
    with reader(_db(db)) as con:
        return readers.runs(con, scenario, limit)


def compare(*runs_: ScenarioRun) -> pd.DataFrame:
    """Headline numbers of several runs side by side: one row per metric, columns (scenario, quantile)."""
    df = pd.concat([r.headline for r in runs_], ignore_index=True)
    return (
        df.pivot_table(index=["metric", "unit"], columns="scenario", values=list(QUANTILES), sort=False)
        .swaplevel(axis=1)
        .sort_index(axis=1, level=0, sort_remaining=False)
    )


# --- sweeps ------------------------------------------------------------------------------------------------------


def sweeps(*, db: Db = None) -> pd.DataFrame:
    """Stored sweeps, newest first."""
    with reader(_db(db)) as con:
        return readers.sweeps(con)


def sweep_cells(sweep: str | None = None, *, db: Db = None) -> pd.DataFrame:
    """A stored sweep's cells (id, prefix or name; default the newest) with p5/p50/p95 of the peak 10y move (bp)
    and of the ten-year interest delta ($bn)."""
    with reader(_db(db)) as con:
        return readers.sweep_cells(con, sweep)
