"""Backcast: the real stock rolled on the realized curve and debt path, modelled vs reported average rate."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from model import ModelError
from model.backcast import backcast
from model.stock import build_stock
from tests.model import fixtures as fx
from tests.model import realdata as rd

ANCHOR = pd.Timestamp("2025-09-30")


def hand_stock():
    st = pd.DataFrame(
        {
            "cusip": ["B", "N1", "N2", "F"],
            "security_class": ["Bills", "Notes", "Notes", "FRN"],
            "maturity_date": pd.to_datetime(["2025-11-20", "2028-03-31", "2026-02-28", "2027-05-31"]),
            "issue_date": pd.to_datetime(["2025-08-20", "2025-03-31", "2021-02-28", "2025-05-31"]),
            "original_term_months": [3.0, 36.0, 60.0, 24.0],
            "rate_pct": [4.0, 4.0, 2.0, 0.1],
            "outstanding_usd_bn": [1000.0, 2000.0, 500.0, 100.0],
        }
    )
    st.attrs["anchor"] = ANCHOR.date()
    return st


def test_flat_realized_curve_reprices_everything_to_it():
    realized = pd.Series([3_600.0 * 1.1], index=pd.to_datetime(["2026-09-30"]))
    avg = pd.DataFrame(
        {
            "record_date": pd.to_datetime(["2026-09-30"] * 3),
            "security_type_desc": ["Marketable"] * 3,
            "security_desc": ["Treasury Notes", "Treasury Floating Rate Notes (FRN)", "Total Marketable"],
            "avg_interest_rate_pct": [3.9, 4.2, 3.95],
        }
    )
    out = backcast(
        hand_stock(), fx.curve(date(2026, 9, 30), level=4.0, days=300), realized, date(2026, 9, 30), avg_rates=avg
    )
    assert out["months"] == 12 and out["to"] == "2026-09-30"
    m = out["modelled"]
    assert m["by_class_avg_rate_pct"]["Notes"] == pytest.approx(4.0)  # the 2% note matured and was refinanced at 4%
    assert m["by_class_avg_rate_pct"]["Bills"] == pytest.approx(4.0)
    # 3m bill + spread: 0.1 on the old FRN, the assumed 0.15 on new ones
    assert 4.1 < m["by_class_avg_rate_pct"]["FRN"] < 4.15
    assert m["total_marketable_usd_bn"] == pytest.approx(3_960.0)  # follows the realized total
    assert m["at_anchor_avg_rate_pct"] == pytest.approx((4000 + 8000 + 1000 + 410) / 3600)
    assert out["actual"]["total_marketable_avg_rate_pct"] == 3.95
    assert out["error_pp"]["Notes"] == pytest.approx(0.1)
    assert out["error_pp"]["total"] == pytest.approx(m["total_marketable_avg_rate_pct"] - 3.95)


def test_backcast_needs_a_later_date_and_a_realized_path():
    realized = pd.Series([4_000.0], index=pd.to_datetime(["2026-09-30"]))
    curve = fx.curve(level=4.0, days=400)
    with pytest.raises(ModelError, match="at least a month after the anchor"):
        backcast(hand_stock(), curve, realized, date(2025, 9, 30))
    with pytest.raises(ModelError, match="no realized total marketable debt after the anchor"):
        backcast(hand_stock(), curve, realized.iloc[:0], date(2026, 9, 30))
    with pytest.raises(ModelError, match="no yield curve on or before 2025-10-31"):
        backcast(hand_stock(), fx.curve(level=4.0), realized, date(2026, 9, 30))


def test_real_backcast_2023_to_2026_is_within_half_a_point(offline_warehouse):
    rows = rd.stock_rows(offline_warehouse, date(2023, 9, 30))
    curve = rd.curve(offline_warehouse)  # par curve first, FRED DGS* where it has no date
    stock = build_stock(rows)
    out = backcast(
        stock,
        curve,
        rd.mspd_summary(offline_warehouse),
        date(2026, 9, 30),
        avg_rates=rd.avg_rates(offline_warehouse),
        stock_rows=rows,
    )
    assert out["actual"]["total_marketable_avg_rate_pct"] == 3.518  # Sep-2026, Average Interest Rates
    assert out["modelled"]["total_marketable_usd_bn"] == pytest.approx(31_834.9 - 3.6, abs=1.0)
    assert abs(out["error_pp"]["total"]) < 0.5, out
    assert set(out["modelled"]["by_class_avg_rate_pct"]) == {"Bills", "Notes", "Bonds", "TIPS", "FRN"}
    # the stock's own rate at the 2023 anchor was well below 2026's: the backcast has to do the repricing
    assert out["modelled"]["at_anchor_avg_rate_pct"] < 3.0 < out["modelled"]["total_marketable_avg_rate_pct"]


def test_real_backcast_class_by_class_to_august_2026(offline_warehouse):
    """Class by class against Average Interest Rates, auctions tracking each class's realized stock, the curve
    carried to the target date by the fresher FRED 3-month and 10-year series."""
    anchor, to = date(2023, 9, 30), date(2026, 8, 31)
    rows = rd.stock_rows(offline_warehouse, anchor)
    stock = build_stock(rows)
    out = backcast(
        stock,
        rd.curve(offline_warehouse),
        rd.mspd_summary(offline_warehouse),
        to,
        avg_rates=rd.avg_rates(offline_warehouse),
        stock_rows=rows,
        realized_by_class=rd.class_stock(offline_warehouse, anchor, to),
    )
    assert out["issuance"]["mode"] == "realized class stock"
    by = {r["class"]: r for r in out["by_class"]}
    # MSPD Table 1, 2026-08-31: the modelled stock ends on the realized class totals
    assert by["Notes"]["actual_usd_bn"] == pytest.approx(16_218.42, abs=0.01)
    for c, r in by.items():
        assert r["modelled_usd_bn"] == pytest.approx(r["actual_usd_bn"], rel=1e-9), c
        assert abs(r["error_pp"]) < 0.25, r
    assert by["Bills"]["actual_pct"] == 3.788 and by["TIPS"]["actual_pct"] == 1.134
    tot = out["total"]
    assert tot["published_pct"] == 3.475
    assert tot["actual_class_weighted_pct"] == pytest.approx(3.326, abs=0.001)  # MSPD weights × class rates
    assert abs(tot["error_vs_class_weighted_pp"]) < 0.1
    assert "not the outstanding-weighted average" in tot["definition"]
    assert out["curve"]["months_without_curve"] == 0  # the fresher FRED files reach the target month
