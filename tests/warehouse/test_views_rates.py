"""Rates views over the real snapshot: FRED vintages (current and as of a date, also on hand-made rows), the par
curve first with FRED filling in, spreads and monthly values, and an as-of value not yet known."""

from __future__ import annotations

from datetime import date

from tests.warehouse.rows import one


def test_fred_current_takes_the_newest_vintage_and_as_of_the_older_one(con):
    # GDP 2025Q1: the fredgraph CSV (vintage 2025-01-01 offline) before BEA's revision; the API copy after
    now = one(
        con,
        "SELECT value, source_format FROM fred_observations_current WHERE series_id = 'GDP' AND date = '2025-01-01'",
    )
    then = one(con, "SELECT value, source_format FROM fred_as_of('GDP', DATE '2025-06-30') WHERE date = '2025-01-01'")
    assert now == (30042.113, "api_json")
    assert then == (29976.638, "fredgraph_csv")
    assert one(con, "SELECT max(date) FROM fred_as_of('DGS10', DATE '2024-08-31')") == (date(2024, 8, 7),)
    dup = one(
        con,
        "SELECT count(*) FROM (SELECT series_id, date FROM fred_observations_current GROUP BY ALL HAVING count(*) > 1)",
    )
    assert dup == (0,)


def test_fred_as_of_picks_by_realtime_start_on_hand_made_rows(mem):
    # A re-saved copy known later beats an original known earlier; before it existed the original is the answer.
    mem.execute("""INSERT INTO fred_observations VALUES
        ('X', DATE '2020-01-01', 1.0, DATE '2021-01-01', NULL, 'resaved_csv', TRUE, 'a'),
        ('X', DATE '2020-01-01', 2.0, DATE '2020-06-01', NULL, 'fredgraph_csv', FALSE, 'b')""")
    assert mem.execute("SELECT value FROM fred_observations_current WHERE series_id = 'X'").fetchone() == (1.0,)
    assert mem.execute("SELECT value FROM fred_as_of('X', DATE '2020-12-31')").fetchone() == (2.0,)


def test_yield_curve_par_first_fred_fills(con):
    assert one(con, "SELECT count(*) - count(DISTINCT (date, tenor_months)) FROM yield_curve_daily") == (0,)
    assert one(
        con, "SELECT yield_pct, source FROM yield_curve_daily WHERE date = '2024-12-31' AND tenor_months = 120"
    ) == (4.58, "par_curve")
    assert one(
        con,
        "SELECT yield_pct, source, source_detail, tenor_label FROM yield_curve_daily "
        "WHERE date = '2026-07-28' AND tenor_months = 120",
    ) == (4.61, "fred_cmt", "DGS10", "10y")
    # FRED never replaces a tenor the par curve has on that date
    assert one(
        con,
        """SELECT count(*) FROM yield_curve_daily f JOIN stg_yield_curve_par p
                       ON p.date = f.date AND p.tenor_months = f.tenor_months WHERE f.source = 'fred_cmt'""",
    ) == (0,)
    labels = {r[0] for r in con.execute("SELECT DISTINCT tenor_label FROM yield_curve_daily").fetchall()}
    assert {"1m", "1.5m", "3m", "2y", "10y", "30y"} <= labels


def test_spreads_and_monthly_values(con):
    assert one(con, "SELECT spread_2s10s_bp, spread_3m10y_bp FROM yield_spreads_daily WHERE date = '2024-12-31'") == (
        33.0,
        21.0,
    )
    avg, end, last, n = one(
        con,
        "SELECT avg_yield_pct, month_end_yield_pct, last_obs_date, n_days "
        "FROM yield_curve_monthly WHERE tenor_months = 120 AND month = '2024-12-31'",
    )
    assert (end, last) == (4.58, date(2024, 12, 31))
    assert n == 21 and 4.0 < avg < 4.6  # 22 weekdays in Dec-2024 minus Christmas
    assert one(con, "SELECT month_end_spread_2s10s_bp FROM yield_spreads_monthly WHERE month = '2024-12-31'") == (33.0,)


def test_an_as_of_value_not_yet_known_says_why_and_gives_the_latest_known(con):
    # fred_as_of has no row for 2024-08-15 as known on 2024-08-31: that vintage ends 2024-08-07
    assert one(con, "SELECT count(*) FROM fred_as_of('DGS10', DATE '2024-08-31') WHERE date = '2024-08-15'") == (0,)
    row = one(
        con,
        "SELECT observation_date, value, vintage, lag_days, note "
        "FROM fred_value_as_of('DGS10', DATE '2024-08-15', DATE '2024-08-31')",
    )
    assert row[:4] == (date(2024, 8, 7), 3.96, date(2024, 8, 7), 8)
    assert "end on 2024-08-07, before 2024-08-15" in row[4]
    exact = one(
        con, "SELECT observation_date, value, note FROM fred_value_as_of('DGS10', DATE '2024-08-15', DATE '9999-12-31')"
    )
    assert exact == (date(2024, 8, 15), 3.92, "exact")
    holiday = one(
        con, "SELECT observation_date, note FROM fred_value_as_of('DGS10', DATE '2024-08-17', DATE '9999-12-31')"
    )
    assert holiday[0] == date(2024, 8, 16) and holiday[1].startswith("previous observation")
    nothing = one(con, "SELECT value, note FROM fred_value_as_of('DGS10', DATE '2024-08-15', DATE '2020-01-01')")
    assert nothing[0] is None and nothing[1].startswith("nothing known")
