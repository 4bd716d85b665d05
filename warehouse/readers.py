"""Read-only queries behind the Python API (flows/api.py): every one takes an open connection and returns a
pandas DataFrame. The SQL lives here, beside the views it reads, so the API module holds no SQL of its own.

Dates are `datetime.date` or ISO text; `None` means "no bound". Nothing here writes.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pandas as pd

from warehouse.repository import latest_calibration_id, runs_of  # noqa: F401 (the API re-exports them)

DateLike = date | str | None


def _day(d: DateLike) -> date | None:
    return None if d is None else (d if isinstance(d, date) else date.fromisoformat(str(d)))


def holdings(
    con: duckdb.DuckDBPyConnection, country: str | list[str] | None = None, as_of: DateLike = None
) -> pd.DataFrame:
    """TIC Major Foreign Holders by month and country, $ billions.

    Without `as_of`: the latest vintage with shares of all foreign holdings and of marketable debt
    (foreign_holdings_monthly). With `as_of`: only what was published on or before that date
    (foreign_holdings_as_of), so a backtest sees what an analyst could have seen then."""
    names = [country] if isinstance(country, str) else list(country or [])
    where = "WHERE lower(country) IN (SELECT lower(unnest(?::VARCHAR[])))" if names else ""
    params: list = [names] if names else []
    if as_of is None:
        sql = f"""SELECT month, country, row_kind, holdings_usd_bn, share_of_foreign_total,
                         share_of_marketable_debt, holder_rank
                  FROM foreign_holdings_monthly {where} ORDER BY month, country"""
    else:
        sql = f"""SELECT month, country, row_kind, holdings_usd_bn, source_file, vintage
                  FROM foreign_holdings_as_of(?) {where} ORDER BY month, country"""
        params = [_day(as_of), *params]
    return con.execute(sql, params).df()


def holder_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every country row TIC has published (latest vintage), for error messages and pickers."""
    rows = con.execute(
        "SELECT DISTINCT country FROM foreign_holdings_current WHERE row_kind = 'country' ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows]


def yields(
    con: duckdb.DuckDBPyConnection, tenors: list[str] | None = None, start: DateLike = None, end: DateLike = None
) -> pd.DataFrame:
    """Daily yields, percent, one row per date with one column per tenor label (3m, 2y, 10y, …).

    From yield_curve_daily (the Treasury par curve, FRED constant-maturity series filling its gaps)."""
    df = con.execute(
        """SELECT date, tenor_label, tenor_months, yield_pct FROM yield_curve_daily
                        WHERE (? IS NULL OR date >= ?) AND (? IS NULL OR date <= ?)
                        ORDER BY date, tenor_months""",
        [_day(start), _day(start), _day(end), _day(end)],
    ).df()
    order = list(dict.fromkeys(df.sort_values("tenor_months")["tenor_label"]))
    wide = df.pivot(index="date", columns="tenor_label", values="yield_pct")[order]
    wide.columns.name = None
    if tenors:
        missing = [t for t in tenors if t not in wide.columns]
        if missing:
            raise KeyError(f"tenor {missing[0]!r} not in the curve (known: {', '.join(order)})")
        wide = wide[tenors].dropna(how="all")  # days on which none of the asked tenors was published
    return wide


def curve(con: duckdb.DuckDBPyConnection, on: DateLike = None) -> pd.DataFrame:
    """The yield curve on the newest business day on or before `on` (default: the newest): tenor rows."""
    return con.execute(
        """SELECT date, tenor_months, tenor_label, yield_pct, source FROM yield_curve_daily
                          WHERE date = (SELECT max(date) FROM yield_curve_daily WHERE ? IS NULL OR date <= ?)
                          ORDER BY tenor_months""",
        [_day(on), _day(on)],
    ).df()


def fred(con: duckdb.DuckDBPyConnection, series_id: str, as_of: DateLike = None) -> pd.DataFrame:
    """One FRED series (date, value, realtime_start): the latest vintage, or as known on `as_of`."""
    if as_of is None:
        sql, params = (
            ("SELECT date, value, realtime_start FROM fred_observations_current WHERE series_id = ? ORDER BY date"),
            [series_id],
        )
    else:
        sql, params = "SELECT date, value, realtime_start FROM fred_as_of(?, ?) ORDER BY date", [series_id, _day(as_of)]
    return con.execute(sql, params).df()


def fred_value(con: duckdb.DuckDBPyConnection, series_id: str, on: DateLike, as_of: DateLike) -> pd.DataFrame:
    """One row: the latest value of a FRED series for `on` as known on `as_of`, with its observation date, vintage,
    lag in days and a note saying why it is not `on` itself (the fred_value_as_of macro)."""
    return con.execute("SELECT * FROM fred_value_as_of(?, ?, ?)", [series_id, _day(on), _day(as_of)]).df()


def calibrations(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Stored calibrations, newest first."""
    return con.execute("""SELECT calibration_id, created_at, as_of, sample_start, sample_end, method
                          FROM calibrations ORDER BY created_at DESC""").df()


def runs(con: duckdb.DuckDBPyConnection, scenario: str | None = None, limit: int = 50) -> pd.DataFrame:
    """Stored scenario runs, newest first, with the ten-year interest delta's median."""
    return con.execute(
        """SELECT run_id, created_at, scenario, anchor, calibration_id,
                             CAST(json_extract(results_json, '$.interest.cumulative_10y_delta_usd_bn.p50') AS DOUBLE)
                               AS interest_10y_delta_usd_bn_p50
                          FROM scenario_runs WHERE ? IS NULL OR scenario = ?
                          ORDER BY created_at DESC LIMIT ?""",
        [scenario, scenario, limit],
    ).df()


def latest_run_ids(con: duckdb.DuckDBPyConnection, scenario: str) -> list[str]:
    """Run ids of a scenario, newest first."""
    return [
        r[0]
        for r in con.execute(
            "SELECT run_id FROM scenario_runs WHERE scenario = ? ORDER BY created_at DESC", [scenario]
        ).fetchall()
    ]


def sweeps(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Stored sweeps, newest first."""
    return con.execute("""SELECT sweep_id, created_at, name, calibration_id, anchor, cells_computed, cells_reused
                          FROM sweeps ORDER BY created_at DESC""").df()


def sweep_cells(con: duckdb.DuckDBPyConnection, sweep: str | None = None) -> pd.DataFrame:
    """The cells of one sweep (id, unique id prefix or name; default the newest) in grid order: size, months,
    contagion, backstop share, and the peak 10y move and ten-year interest delta with p5/p50/p95."""
    rows = con.execute(
        """SELECT sweep_id, name, cell_keys FROM sweeps
                          WHERE ? IS NULL OR sweep_id LIKE ? || '%' OR name = ?
                          ORDER BY created_at DESC""",
        [sweep, sweep, sweep],
    ).fetchall()
    if not rows:
        raise LookupError(f"no stored sweep {sweep!r}" if sweep else "no sweep stored yet: run `tshock scenario sweep`")
    sweep_id, name, keys = rows[0]
    order = json.loads(keys or "[]")
    df = con.execute(
        """SELECT cell_key, size_usd_bn, months, contagion, backstop_share,
                               yield_10y_delta_bp_p5, yield_10y_delta_bp_p50, yield_10y_delta_bp_p95,
                               interest_10y_delta_usd_bn_p5, interest_10y_delta_usd_bn_p50,
                               interest_10y_delta_usd_bn_p95
                        FROM sweep_cells WHERE list_contains(?::VARCHAR[], cell_key)""",
        [order],
    ).df()
    df["cell_key"] = pd.Categorical(df["cell_key"], categories=order, ordered=True)
    df = df.sort_values("cell_key").reset_index(drop=True)
    df.insert(0, "sweep", name)
    df.insert(0, "sweep_id", sweep_id)
    df["cell_key"] = df["cell_key"].astype(str)
    return df
