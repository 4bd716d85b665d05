"""The stock by CUSIP at the anchor: tranche arithmetic, class totals, coupon imputation — hand-built and real."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from model import ModelError
from model.stock import build_stock, class_totals, normalise_class, reconcile, term_months
from tests.model import fixtures as fx
from tests.model import realdata as rd

A = pd.Timestamp("2026-09-30")


def rows(*specs):
    out = []
    for cusip, tranche, cls, issue, maturity, coupon, yld, issued, infl, redeemed, outstanding in specs:
        out.append(
            [
                A,
                cusip,
                tranche,
                cls,
                fx.SOURCE_NAMES[cls],
                pd.Timestamp(issue) if issue else pd.NaT,
                pd.Timestamp(maturity),
                coupon,
                yld,
                issued,
                infl,
                redeemed,
                outstanding,
                "csv",
            ]
        )
    return pd.DataFrame(out, columns=fx.STOCK_COLUMNS)


HAND = rows(
    ("912797AA1", 1, "Bills", "2026-07-02", "2026-12-31", None, 4.0, 60_000, 0, 0, 100_000),
    ("912797AA1", 2, "Bills", "2026-10-01", "2026-12-31", None, 4.5, 40_000, 0, 0, None),
    ("91282CAA1", 1, "Notes", "2024-05-15", "2029-05-15", 4.25, 4.3, 30_000, 0, 0, 50_000),
    ("91282CAA1", 2, "Notes", "2024-06-15", "2029-05-15", 4.25, 4.1, 20_000, 0, 0, None),
    ("912810AA1", 1, "Bonds", None, "2055-08-15", None, None, None, None, None, 25_000),
    ("91282CTT1", 1, "TIPS", "2025-01-31", "2035-01-15", 1.25, 1.3, 18_000, 2_000, 0, 20_000),
    ("91282CFF1", 1, "FRN", "2025-10-31", "2027-10-31", None, 0.15, 10_000, 0, 0, 10_000),
    ("91282CXX1", 1, "Notes", "2023-02-28", "2030-02-28", 3.875, 4.0, 5_000, 0, 1_000, None),
)
TOTALS = pd.DataFrame(
    {
        "record_date": [A] * 6,
        "label": [
            "Total Unmatured Treasury Bills",
            "Total Unmatured Treasury Notes",
            "Total Unmatured Treasury Bonds",
            "Total Treasury TIPS",
            "Total Treasury Floating Rate Notes",
            "Total Marketable",
        ],
        "security_class": ["Bills", "Notes", "Bonds", "TIPS", "FRN", "All"],
        "outstanding_usd_mn": [100_000, 54_000, 25_000, 20_000, 10_000, 212_500],
    }
)


def hand_stock():
    return build_stock(HAND, curve=fx.long_history(level=4.3), auctions=None).set_index("cusip")


def test_outstanding_is_on_tranche_one_and_class_totals_reproduce_mspd():
    st = hand_stock()
    assert len(st) == 6
    assert st.loc["912797AA1", "outstanding_usd_bn"] == pytest.approx(100.0)
    assert st.loc["91282CXX1", "outstanding_usd_bn"] == pytest.approx(4.0)  # issued − redeemed, no tranche-1 value
    assert st.loc["91282CXX1", "outstanding_source"] == "issued_less_redeemed"
    rec = reconcile(build_stock(HAND, curve=fx.long_history(level=4.3)), TOTALS)
    assert rec["diff_usd_bn"].abs().max() == pytest.approx(0.0, abs=1e-9), rec
    totals = class_totals(st)
    assert totals["Total"] == pytest.approx(209.0)
    assert totals["TIPS"] == pytest.approx(20.0)  # TIPS outstanding includes the inflation adjustment


def test_reconcile_against_mspd_summary_rows():
    st = build_stock(HAND, curve=fx.long_history())
    summary = pd.DataFrame(
        {
            "record_date": [A] * 3,
            "security_type_desc": ["Marketable"] * 3,
            "security_class_desc": ["Bills", "Treasury Inflation-Protected Securities", "Floating Rate Notes"],
            "total_usd_mn": [100_000.4, 20_000, 10_000],
        }
    )
    rec = reconcile(st, summary).set_index("security_class")
    assert rec.loc["Bills", "diff_usd_bn"] == pytest.approx(-0.0004)
    assert rec.loc["FRN", "diff_usd_bn"] == pytest.approx(0.0)


def test_rates_reported_or_imputed_and_flagged():
    st = hand_stock()
    assert st.loc["912797AA1", "rate_pct"] == pytest.approx(4.2)  # issued-weighted tranche auction yields
    assert st.loc["91282CAA1", ["rate_pct", "coupon_imputed"]].tolist() == [4.25, False]
    assert st.loc["91282CFF1", ["rate_pct", "rate_source"]].tolist() == [0.15, "reported"]
    bond = st.loc["912810AA1"]
    # no coupon, no issue date: issued 30 years before maturity; curve at issue (4.3 + 360/360) rounded down to 1/8
    assert bool(bond["coupon_imputed"]) and bond["rate_source"] == "curve_at_estimated_issue"
    assert bond["original_term_months"] == 360 and bond["issue_date_source"] == "estimated"
    assert bond["rate_pct"] == pytest.approx(5.25) and bond["coupon_pct"] == pytest.approx(5.25)
    assert bond["issue_date"].year == 2025


def test_imputation_rules_for_each_class():
    bare = HAND.assign(interest_rate_pct=np.nan, yield_pct=np.nan)
    curve = fx.curve(level={3: 4.0, 24: 4.3, 120: 4.4, 360: 4.9}, days=2000)
    st = build_stock(bare, curve=curve).set_index("cusip")
    assert st.loc["912797AA1", "rate_pct"] == pytest.approx(4.0 + 0.3 * (6 - 3) / 21, abs=0.02)  # unrounded
    assert st.loc["91282CAA1", "rate_pct"] == pytest.approx(4.25)  # 5y: 4.3 + 0.1·36/96 = 4.3375, down to 1/8
    assert st.loc["91282CTT1", "rate_pct"] == pytest.approx(2.0)  # 4.4 − 2.3 assumed breakeven → 2.0
    assert st.loc["91282CFF1", ["rate_pct", "rate_source"]].tolist() == [0.15, "assumed_spread"]
    assert st["coupon_imputed"].all()  # the FRN's assumed spread is flagged too
    with pytest.raises(ModelError, match="lack a coupon/yield and no yield curve"):
        build_stock(bare)


def test_auction_dates_the_original_issue_when_the_source_lacks_it():
    auctions = pd.DataFrame(
        {
            "cusip": ["912810AA1", "912810AA1"],
            "security_type": ["Bond", "Bond"],
            "security_term": ["30-Year", "29-Year 11-Month"],
            "auction_date": pd.to_datetime(["2025-08-07", "2025-09-11"]),
            "issue_date": pd.to_datetime(["2025-08-15", "2025-09-15"]),
        }
    )
    st = build_stock(HAND, curve=fx.long_history(), auctions=auctions).set_index("cusip")
    assert st.loc["912810AA1", "issue_date"] == pd.Timestamp("2025-08-15")
    assert st.loc["912810AA1", "issue_date_source"] == "auction"
    assert st.loc["912810AA1", "rate_source"] == "curve_at_issue"


def test_bad_inputs_raise_model_errors():
    with pytest.raises(ModelError, match="no rows at the anchor 2020-01-31"):
        build_stock(HAND, anchor=date(2020, 1, 31))
    with pytest.raises(ModelError, match="unknown class"):
        build_stock(HAND.assign(security_class="Savings"))


def test_labels_and_terms():
    for label, cls in [
        ("Bills Maturity Value", "Bills"),
        ("Treasury Notes", "Notes"),
        ("Bonds", "Bonds"),
        ("Treasury Inflation-Protected Securities (TIPS)", "TIPS"),
        ("Floating Rate Notes", "FRN"),
        ("Treasury Floating Rate Notes (FRN)", "FRN"),
        ("NotesBonds", "Notes"),
        ("Federal Financing Bank", "FFB"),
        ("Total Marketable", "Total"),
        ("Inflation-Protected Securities", "TIPS"),
    ]:
        assert normalise_class(label) == cls, label
    assert normalise_class(None) is None
    assert term_months("10-Year") == 120 and term_months("9-Year 11-Month") == 119
    assert term_months("26-Week") == pytest.approx(6.0) and term_months("42-Day") == pytest.approx(42 * 12 / 365)
    assert term_months(None) is None


# --- real data: the snapshot loaded by the project's parsers (offline_warehouse; readers in realdata.py) ---

D2023, D2026 = date(2023, 9, 30), date(2026, 9, 30)


def test_real_2023_stock_reproduces_mspd_unmatured_totals(offline_warehouse):
    r, totals = rd.stock_rows(offline_warehouse, D2023), rd.totals(offline_warehouse, D2023)
    st = build_stock(r)
    assert len(st) == 439 and not st["coupon_imputed"].any()
    rec = reconcile(st, totals)
    assert rec["diff_usd_bn"].abs().max() < 1e-6, rec
    assert class_totals(st)["Total"] == pytest.approx(25_613.2, abs=0.1)


def test_real_2026_api_stock_has_no_coupons_and_is_imputed(offline_warehouse):
    r, totals = rd.stock_rows(offline_warehouse, D2026), rd.totals(offline_warehouse, D2026)
    curve = fx.long_history(level=3.5)  # the rule, not the level, is under test here
    st = build_stock(r, curve=curve, auctions=rd.auctions(offline_warehouse))
    assert len(st) == 463 and st["coupon_imputed"].all()
    assert reconcile(st, totals)["diff_usd_bn"].abs().max() < 1e-6
    assert set(st["issue_date_source"]) == {"auction", "estimated"}
    assert st["rate_pct"].notna().all()


def test_real_2023_coupons_imputed_from_the_curve_are_close_to_the_reported_ones(offline_warehouse):
    r = rd.stock_rows(offline_warehouse, D2023)
    curve = rd.par_curve(offline_warehouse)
    reported = build_stock(r).set_index("cusip")
    imputed = build_stock(r.assign(interest_rate_pct=np.nan, yield_pct=np.nan), curve=curve).set_index("cusip")
    w = reported["outstanding_usd_bn"]
    for cls, tol in (("Notes", 0.05), ("Bonds", 0.05), ("TIPS", 0.15), ("Bills", 0.1)):
        sel = reported["security_class"] == cls
        bias = ((imputed["rate_pct"] - reported["rate_pct"]) * w)[sel].sum() / w[sel].sum()
        assert abs(bias) < tol, (cls, bias)
