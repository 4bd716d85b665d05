"""Views over the real snapshot: every view returns rows, identities hold, vintages resolve, all is commented."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from warehouse import dictionary, views
from warehouse.db import migrate
from warehouse.freshness import STALE_AFTER_DAYS

VIEWS = views.view_names("view")
MACRO_CALLS = {
    "foreign_holdings_as_of": "foreign_holdings_as_of(DATE '2026-04-01')",
    "foreign_flows_as_of": "foreign_flows_as_of(DATE '2026-07-01')",
    "fred_observations_as_of": "fred_observations_as_of(DATE '2025-06-30')",
    "fred_as_of": "fred_as_of('DGS10', DATE '2024-08-31')",
    "fred_value_as_of": "fred_value_as_of('DGS10', DATE '2024-08-15', DATE '2024-08-31')",
}


@pytest.fixture(scope="module")
def con(offline_warehouse):
    c = duckdb.connect(str(offline_warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture
def mem():
    """An empty in-memory warehouse with every table and view."""
    c = duckdb.connect(":memory:")
    migrate(c)
    yield c
    c.close()


def one(con, sql, *params):
    return con.execute(sql, list(params)).fetchone()


def test_the_issue_views_and_the_names_others_rely_on_exist():
    for name in [
        "foreign_holdings_current",
        "fred_observations_current",
        "foreign_holdings_monthly",
        "foreign_official_private",
        "foreign_flows_valuation_adjusted",
        "yield_curve_daily",
        "yield_spreads_daily",
        "yield_curve_monthly",
        "yield_spreads_monthly",
        "debt_daily",
        "mspd_totals_by_class",
        "maturity_profile_monthly",
        "maturity_profile_yearly",
        "marketable_wam",
        "avg_interest_rates_by_class",
        "interest_burden_fy",
        "freshness",
    ]:
        assert name in VIEWS
    assert set(MACRO_CALLS) == set(views.view_names("macro"))


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_returns_rows(con, view):
    assert one(con, f"SELECT count(*) FROM {view}")[0] > 0


@pytest.mark.parametrize("macro", sorted(MACRO_CALLS))
def test_every_as_of_macro_returns_rows(con, macro):
    assert one(con, f"SELECT count(*) FROM {MACRO_CALLS[macro]}")[0] > 0


def test_every_table_view_and_column_has_a_comment(con):
    assert dictionary.missing_comments(con) == []


def test_create_views_is_idempotent_and_skips_when_current(mem):
    assert views.create_views(mem) is False  # migrate already created them
    before = mem.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
    assert views.create_views(mem, force=True) is True
    after = mem.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
    assert before == after  # CREATE OR REPLACE drops comments; they are put back
    assert dictionary.missing_comments(mem) == []
    mem.execute("DROP VIEW freshness")
    assert views.create_views(mem) is True  # a missing view is noticed even when the fingerprint matches
    assert mem.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'freshness'").fetchone()[0] == 1


def test_sql_annotations_are_parsed_and_mistakes_refused(mem):
    text = (
        "-- file comment\n\n-- @view v_demo: A demo view;\n--   continued here\n-- @col a: column a\n"
        "CREATE OR REPLACE VIEW v_demo AS\nSELECT 1 AS a, 2 AS b;\n"
    )
    (d,) = views.parse(text)
    assert (d.kind, d.name, d.comment, d.columns) == (
        "view",
        "v_demo",
        "A demo view; continued here",
        {"a": "column a"},
    )
    with pytest.raises(ValueError, match="no '-- @view"):
        views.parse("CREATE VIEW x AS SELECT 1;\n")
    with pytest.raises(ValueError, match="after the last ';'"):
        views.parse("-- @view x: y\nCREATE VIEW x AS SELECT 1\n")
    bad = views.parse("-- @view v_bad: demo\n-- @col nope: no such column\nCREATE VIEW v_bad AS SELECT 1 AS a;\n")
    mem.execute(bad[0].sql)
    with pytest.raises(ValueError, match="nope"):
        views.apply_comments(mem, bad)


def test_holdings_shares_sum_to_one_per_month(con):
    sums = con.execute("""SELECT month, sum(share_of_foreign_total) FROM foreign_holdings_monthly
                          WHERE is_additive GROUP BY month""").fetchall()
    assert len(sums) >= 300
    worst = max(abs(s - 1) for _, s in sums)
    assert worst < 5e-4, worst  # TIC rows add to the Grand Total only within ±0.3bn rounding
    assert (
        one(
            con,
            "SELECT count(*) FROM foreign_holdings_monthly WHERE row_kind = 'total' AND share_of_foreign_total <> 1",
        )[0]
        == 0
    )


def test_japan_share_and_marketable_denominator(con):
    share, basis = one(
        con,
        """SELECT share_of_marketable_debt, marketable_debt_basis FROM foreign_holdings_monthly
                               WHERE country = 'Japan' AND month = '2023-08-31'""",
    )
    assert basis == "mspd"
    assert share == pytest.approx(1115.5 / 25477.5630207613, rel=1e-6)  # MSPD Table III Total Marketable
    assert one(
        con,
        "SELECT holdings_usd_bn, holder_rank FROM foreign_holdings_monthly "
        "WHERE country = 'Japan' AND month = '2026-04-30'",
    ) == (1209.9, 1)


def test_current_holdings_take_one_publication_per_month(con):
    per_month = con.execute("""SELECT month, count(DISTINCT (source_file, vintage)) FROM foreign_holdings_current
                               GROUP BY month HAVING count(DISTINCT (source_file, vintage)) > 1""").fetchall()
    assert per_month == []
    # Dec-2025 is in both files: slt_table5 (estimated release 2026-06-18) is newer than mfhhis01 (2026-05-18)
    assert one(con, "SELECT DISTINCT source_file FROM foreign_holdings_current WHERE month = '2025-12-31'") == (
        "slt_table5.txt",
    )
    assert one(con, "SELECT DISTINCT source_file FROM foreign_holdings_current WHERE month = '2024-12-31'") == (
        "mfhhis01.txt",
    )


def holding_rows(*rows):
    return pd.DataFrame(
        [
            {
                "month": pd.Timestamp(m),
                "country": c,
                "row_kind": "country",
                "holdings_usd_bn": h,
                "source_file": f,
                "vintage": pd.Timestamp(v),
                "vintage_basis": "stamp",
                "series_note": None,
                "payload_sha256": "x",
            }
            for m, c, h, f, v in rows
        ]
    )


def test_vintage_tie_goes_to_slt_table5_and_newer_vintage_wins(mem):
    frame = holding_rows(
        ("2025-12-31", "Japan", 1.0, "mfhhis01.txt", "2026-06-18"),
        ("2025-12-31", "Japan", 2.0, "slt_table5.txt", "2026-06-18"),
        ("2025-11-30", "Japan", 3.0, "mfhhis01.txt", "2026-07-01"),
        ("2025-11-30", "Japan", 4.0, "slt_table5.txt", "2026-06-18"),
    )
    mem.register("frame", frame)
    mem.execute("INSERT INTO foreign_holdings SELECT * FROM frame")
    got = dict(mem.execute("SELECT strftime(month, '%Y-%m'), holdings_usd_bn FROM foreign_holdings_current").fetchall())
    assert got == {"2025-12": 2.0, "2025-11": 3.0}
    early = dict(
        mem.execute(
            "SELECT strftime(month, '%Y-%m'), holdings_usd_bn FROM foreign_holdings_as_of(DATE '2026-06-30')"
        ).fetchall()
    )
    assert early == {"2025-12": 2.0, "2025-11": 4.0}
    assert mem.execute("SELECT count(*) FROM foreign_holdings_as_of(DATE '2026-01-01')").fetchone()[0] == 0


def test_as_of_sees_the_earlier_tic_vintage(con):
    # Manifest: the March 2026 mfhhis01 vintage has UK Dec-2025 = 866.0, the May one 863.1
    then = one(
        con,
        "SELECT holdings_usd_bn, vintage FROM foreign_holdings_as_of(DATE '2026-04-01') "
        "WHERE country = 'United Kingdom' AND month = '2025-12-31'",
    )
    now = one(
        con,
        "SELECT holdings_usd_bn FROM foreign_holdings_current "
        "WHERE country = 'United Kingdom' AND month = '2025-12-31'",
    )
    assert then == (866.0, date(2026, 3, 18))
    assert now == (863.1,)


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


def test_maturity_profile_sums_to_the_unmatured_totals(con):
    rows = con.execute("""
        WITH profile AS (SELECT record_date, sum(total_usd_bn) AS s FROM maturity_profile_monthly GROUP BY 1),
             totals AS (SELECT record_date, sum(outstanding_usd_bn) AS t FROM stg_marketable_totals
                        WHERE label LIKE 'Total Unmatured Treasury %'
                           OR label IN ('Total Treasury TIPS', 'Total Treasury Floating Rate Notes')
                        GROUP BY 1)
        SELECT record_date, s, t, (SELECT sum(total_usd_bn) FROM maturity_profile_yearly y
                                   WHERE y.record_date = profile.record_date)
        FROM profile JOIN totals USING (record_date) ORDER BY 1""").fetchall()
    assert [r[0] for r in rows] == [date(2023, 8, 31), date(2023, 9, 30), date(2026, 9, 30)]
    for _, profile, totals, yearly in rows:
        assert profile == pytest.approx(totals, abs=1e-6)
        assert yearly == pytest.approx(totals, abs=1e-6)
    bills = one(
        con,
        "SELECT outstanding_usd_bn FROM marketable_wam WHERE record_date = '2026-09-30' AND security_class = 'Bills'",
    )[0]
    assert bills == pytest.approx(7118.14489910001, abs=1e-6)  # = MSPD 'Total Unmatured Treasury Bills'
    cum = one(
        con,
        "SELECT max(cumulative_share), sum(share_of_outstanding) FROM maturity_profile_monthly "
        "WHERE record_date = '2026-09-30'",
    )
    assert cum == pytest.approx((1.0, 1.0))


def test_wam_total_row_matches_classes(con):
    rows = con.execute("""SELECT record_date,
            max(outstanding_usd_bn) FILTER (WHERE security_class = 'All'),
            sum(outstanding_usd_bn) FILTER (WHERE security_class <> 'All'),
            max(wam_years) FILTER (WHERE security_class = 'All'),
            sum(outstanding_usd_bn * wam_years) FILTER (WHERE security_class <> 'All')
              / sum(outstanding_usd_bn) FILTER (WHERE security_class <> 'All')
        FROM marketable_wam GROUP BY 1""").fetchall()
    assert len(rows) == 3
    for _, total, parts, wam, wam_parts in rows:
        assert total == pytest.approx(parts)
        assert wam == pytest.approx(wam_parts)
        assert 4 < wam < 8  # Treasury's published WAM of marketable debt is ~6 years


def test_mspd_public_plus_intragov_equals_total(con):
    bad = con.execute("""SELECT record_date, security_type, security_class FROM mspd_totals_by_class
                         WHERE abs(debt_held_public_usd_bn + intragov_hold_usd_bn - total_usd_bn) > 1e-6""").fetchall()
    assert bad == []
    classes, total = one(
        con,
        """SELECT sum(total_usd_bn) FILTER (WHERE security_type = 'Marketable'),
                                        max(total_usd_bn) FILTER (WHERE security_type = 'Total Marketable')
                                 FROM mspd_totals_by_class WHERE record_date = '2026-09-30'""",
    )
    assert classes == pytest.approx(total, abs=1e-6)
    assert one(
        con,
        "SELECT count(*) FROM debt_daily WHERE abs(debt_held_public_usd_bn + intragov_hold_usd_bn "
        "- total_public_debt_usd_bn) > 1e-6",
    ) == (0,)


def test_valuation_adjusted_flows_reported_and_estimated(con):
    r = one(
        con,
        """SELECT holdings_usd_bn, naive_change_usd_bn, reported_net_purchases_usd_bn,
                           valuation_change_usd_bn, valuation_adjusted_flow_usd_bn, flow_basis
                    FROM foreign_flows_valuation_adjusted WHERE country = 'Grand Total' AND month = '2025-12-31'""",
    )
    holdings, naive, reported, valuation, adjusted, basis = r
    assert basis == "reported"
    assert holdings == pytest.approx(9267.204)
    assert naive == pytest.approx(9267.204 - 9349.640)
    assert reported == pytest.approx(-12.156)
    assert adjusted == pytest.approx(naive - valuation)
    bases = dict(
        con.execute("""SELECT flow_basis, min(month) FROM foreign_flows_valuation_adjusted
                                WHERE country = 'Grand Total' AND flow_basis IS NOT NULL GROUP BY 1""").fetchall()
    )
    assert bases == {"estimated": date(2000, 4, 30), "reported": date(2023, 2, 28)}
    assert one(
        con,
        "SELECT max(month) FROM foreign_flows_valuation_adjusted "
        "WHERE country = 'Grand Total' AND flow_basis = 'estimated'",
    ) == (date(2023, 1, 31),)
    # The estimate: prior holdings x 3.5 years x -(month-end change in the 10y)/100
    prior, valuation, dy, dur, src = one(
        con,
        """
        SELECT prior_holdings_usd_bn, valuation_change_usd_bn, change_10y_pp, assumed_duration_years,
               holdings_source
        FROM foreign_flows_valuation_adjusted WHERE country = 'Grand Total' AND month = '2019-12-31'""",
    )
    y_nov, y_dec = (
        one(con, "SELECT month_end_yield_pct FROM yield_curve_monthly WHERE tenor_months = 120 AND month = ?", m)[0]
        for m in ("2019-11-30", "2019-12-31")
    )
    assert (prior, dur, src) == (6902.1, 3.5, "mfhhis01.txt")
    assert dy == pytest.approx(y_dec - y_nov)
    assert valuation == pytest.approx(-6902.1 * 3.5 * (y_dec - y_nov) / 100)
    # The splice: Jan-2020 (slt_table3) follows Dec-2019 (mfhhis01)
    assert one(
        con,
        "SELECT prior_holdings_usd_bn, holdings_source FROM foreign_flows_valuation_adjusted "
        "WHERE country = 'Japan' AND month = '2020-01-31'",
    ) == (1155.2, "slt_table3.txt")


def test_official_private_split(con):
    bad = con.execute("""SELECT month FROM foreign_official_private
                         WHERE abs(official_usd_bn + private_usd_bn - total_usd_bn) > 1e-6""").fetchall()
    assert bad == []
    bases = dict(con.execute("SELECT source_file, min(month) FROM foreign_official_private GROUP BY 1").fetchall())
    assert bases == {"mfhhis01.txt": date(2000, 3, 31), "slt_table3.txt": date(2020, 1, 31)}
    official, private = one(
        con, "SELECT official_usd_bn, private_usd_bn FROM foreign_official_private WHERE month = '2025-12-31'"
    )
    assert (official, private) == pytest.approx((3877.623, 5389.581))


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


def test_interest_burden_rows_name_their_sources(con):
    assert one(
        con, "SELECT count(*) FROM interest_burden_fy WHERE interest_source IS NULL OR denominator_source IS NULL"
    ) == (0,)
    measures = {r[0] for r in con.execute("SELECT DISTINCT measure FROM interest_burden_fy").fetchall()}
    assert measures == {"interest_to_net_outlays", "interest_to_receipts", "interest_to_gdp", "nipa_interest_to_gdp"}
    interest, share, src = one(
        con,
        "SELECT interest_usd_bn, share, interest_source FROM interest_burden_fy "
        "WHERE fiscal_year = 2025 AND measure = 'interest_to_gdp'",
    )
    assert interest == pytest.approx(970.065)  # manifest: FYOINT FY2025 = 970,065 ($ millions)
    assert src.startswith("FRED FYOINT") and 0.025 < share < 0.04
    fy16 = one(
        con, "SELECT share FROM interest_burden_fy WHERE fiscal_year = 2016 AND measure = 'interest_to_net_outlays'"
    )[0]
    assert 0.05 < fy16 < 0.08


def test_freshness_has_one_row_per_source_and_applies_the_allowance(con):
    rows = con.execute(
        "SELECT source, newest_observation, stale_after_days, days_old, is_stale FROM freshness"
    ).fetchall()
    assert {r[0] for r in rows} == set(STALE_AFTER_DAYS)
    for source, newest, allowance, days_old, is_stale in rows:
        assert allowance == STALE_AFTER_DAYS[source]
        assert days_old == (date.today() - newest).days
        assert is_stale == (days_old > allowance)
    assert one(con, "SELECT newest_observation FROM freshness WHERE source = 'tic'") == (date(2026, 4, 30),)
    fred = dict(
        con.execute("SELECT dataset, stale_after_days FROM freshness_by_dataset WHERE source = 'fred'").fetchall()
    )
    assert fred["fred:DGS10"] == STALE_AFTER_DAYS["fred"]
    assert fred["fred:GDP"] == views.FRED_STALE_AFTER_DAYS["quarterly"]


def test_committed_dictionary_matches_the_database(con):
    empty = dictionary.schema_only_connection()
    try:
        assert dictionary.render_markdown(empty) == dictionary.render_markdown(con)
    finally:
        empty.close()
    assert dictionary.check(con) == [], "run: uv run python -m warehouse.dictionary"


def test_dictionary_check_fails_on_a_stale_document_or_a_missing_comment(mem, tmp_path, capsys):
    doc = tmp_path / "warehouse.md"
    assert dictionary.main(["--output", str(doc)]) == 0
    assert dictionary.main(["--check", "--output", str(doc)]) == 0
    doc.write_text(doc.read_text().replace("Fiscal Data Debt to the Penny", "Debt to the Penny"))
    assert dictionary.main(["--check", "--output", str(doc)]) == 1
    assert "out of date" in capsys.readouterr().err
    mem.execute("CREATE VIEW undocumented AS SELECT 1 AS x")
    assert {"undocumented", "undocumented.x"} <= set(dictionary.missing_comments(mem))
    assert any("no comment on undocumented" in p for p in dictionary.check(mem, doc))
    assert dictionary.main(["--check", "--db", str(tmp_path / "missing.duckdb")]) == 1


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
