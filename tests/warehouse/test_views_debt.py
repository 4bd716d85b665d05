"""Debt views over the real snapshot: the maturity profile and the average maturity add up to the MSPD totals,
public plus intragovernmental equals the total, and the interest burden names its sources."""

from __future__ import annotations

from datetime import date

import pytest

from tests.warehouse.rows import one


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
