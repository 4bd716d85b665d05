"""Holdings and flows views over the real snapshot: shares add up, one publication per month, vintages resolve
(the tie rule on hand-made rows), flows are valuation-adjusted and split official / private."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests.warehouse.rows import one


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
