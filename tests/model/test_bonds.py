"""Bond math against textbook values and the brief's arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import bonds


def test_brief_example_one_year_3pct_bond_bought_at_90_returns_14_44pct():
    # The brief: $100 face, 3% one-year bond bought at $90 pays $103 after a year: 103/90 − 1 = 14.44%.
    assert bonds.holding_period_return(90.0, 3.0) == pytest.approx(103.0 / 90.0 - 1.0, rel=1e-15)
    assert round(100 * bonds.holding_period_return(90.0, 3.0), 2) == 14.44
    # ...and that return is the bond's yield to maturity on an annual-coupon basis, exactly.
    assert bonds.yield_from_price(3.0, 90.0, 1.0, freq=1) == pytest.approx(100 * (103 / 90 - 1), abs=1e-9)
    assert bonds.price(3.0, 100 * (103 / 90 - 1), 1.0, freq=1) == pytest.approx(90.0, abs=1e-12)
    # At par the same bond returns its coupon: $100 of debt at 3% costs $3 a year (claim 4).
    assert bonds.holding_period_return(100.0, 3.0) == pytest.approx(0.03)


@pytest.mark.parametrize("coupon,years", [(3.0, 1.0), (4.25, 10.0), (0.125, 2.0), (6.0, 30.0)])
def test_a_bond_yielding_its_coupon_on_a_coupon_date_is_priced_at_par(coupon, years):
    assert bonds.price(coupon, coupon, years) == pytest.approx(100.0, abs=1e-10)
    assert bonds.price(coupon, coupon, years, freq=1) == pytest.approx(100.0, abs=1e-10)


def test_macaulay_duration_textbook_three_year_10pct_annual_bond_at_10pct():
    # Classic textbook value: 2.7355 years.
    assert bonds.macaulay_duration(10.0, 10.0, 3.0, freq=1) == pytest.approx(2.7355, abs=5e-5)


def test_modified_duration_textbook_five_year_9pct_semiannual_at_9pct():
    # Fabozzi: a 5-year 9% coupon bond selling to yield 9% has a modified duration of 3.96.
    assert round(bonds.modified_duration(9.0, 9.0, 5.0), 2) == 3.96
    assert bonds.macaulay_duration(9.0, 9.0, 5.0) == pytest.approx(4.1344, abs=5e-4)


def test_zero_coupon_duration_is_maturity_and_convexity_matches_closed_form():
    assert bonds.macaulay_duration(0.0, 6.0, 10.0) == pytest.approx(10.0)
    # n(n+1) / (f² (1 + y/f)²) with n = 20 half-years, y = 6%
    assert bonds.convexity(0.0, 6.0, 10.0) == pytest.approx(20 * 21 / (4 * 1.03**2), rel=1e-12)


def test_duration_and_convexity_agree_with_finite_differences():
    c, y, t, h = 4.5, 5.0, 7.3, 1e-3
    p0, up, dn = (bonds.price(c, y + d, t, clean=False) for d in (0.0, h, -h))
    dy = h / 100
    assert bonds.modified_duration(c, y, t) == pytest.approx(-(up - dn) / (2 * dy) / p0, rel=1e-6)
    assert bonds.convexity(c, y, t) == pytest.approx((up + dn - 2 * p0) / (dy * dy) / p0, rel=1e-4)
    # The second-order approximation of a +50bp move is close to the exact repricing.
    exact = 100 * (bonds.price(c, y + 0.5, t, clean=False) / p0 - 1)
    approx = bonds.price_change_pct(bonds.modified_duration(c, y, t), bonds.convexity(c, y, t), 50)
    assert approx == pytest.approx(exact, abs=0.01)


def test_accrued_interest_and_clean_price_between_coupons():
    # 9.75 years left, semiannual: half a period has elapsed, so half a coupon has accrued.
    assert bonds.accrued(6.0, 9.75) == pytest.approx(1.5)
    dirty = bonds.price(6.0, 6.0, 9.75, clean=False)
    assert dirty - bonds.price(6.0, 6.0, 9.75) == pytest.approx(1.5)
    assert dirty == pytest.approx(100 * 1.03**0.5, rel=1e-12)  # par dirty price grows at the yield


def test_bill_textbook_discount_and_investment_yield():
    # Fabozzi: a 100-day bill, $100,000 face, priced $98,000: discount yield 7.2%, investment yield 7.449%.
    assert bonds.bill_discount_from_price(98.0, 100) == pytest.approx(7.2)
    assert bonds.bill_investment_yield(98.0, 100) == pytest.approx(7.449, abs=5e-4)
    assert bonds.bill_price_from_discount(7.2, 100) == pytest.approx(98.0)


def test_bill_investment_yield_beyond_half_a_year_uses_treasurys_quadratic():
    p = bonds.bill_price_from_investment_yield(5.0, 364)
    assert bonds.bill_investment_yield(p, 364) == pytest.approx(5.0, abs=1e-10)
    # Treasury's formula compounds once after half a year, so the price is below simple interest's.
    assert p < 100 / (1 + 0.05 * 364 / 365)


@settings(max_examples=200, deadline=None)
@given(coupon=st.floats(0.0, 12.0), yld=st.floats(-0.5, 20.0), years=st.floats(0.05, 40.0))
def test_price_yield_round_trip(coupon, yld, years):
    p = bonds.price(coupon, yld, years)
    assert bonds.yield_from_price(coupon, p, years) == pytest.approx(yld, abs=1e-7)


@settings(max_examples=100, deadline=None)
@given(coupon=st.floats(0.0, 12.0), years=st.floats(0.1, 40.0), y1=st.floats(0.0, 15.0), dy=st.floats(0.01, 5.0))
def test_price_falls_as_yield_rises(coupon, years, y1, dy):
    assert bonds.price(coupon, y1 + dy, years) < bonds.price(coupon, y1, years)


def test_vectorised_prices_equal_scalar_prices():
    c = np.array([0.0, 2.5, 4.0])
    y = np.array([[3.0, 4.0, 5.0], [6.0, 1.0, 2.0]])
    t = np.array([0.5, 5.2, 29.9])
    got = bonds.price(c, y, t)
    for i in range(2):
        for j in range(3):
            assert got[i, j] == pytest.approx(bonds.price(c[j], y[i, j], t[j]))
    assert math.isfinite(bonds.price(0.0, 0.0, 3.0)) and bonds.price(0.0, 0.0, 3.0) == pytest.approx(100.0)


def test_maturity_must_be_positive():
    with pytest.raises(ValueError):
        bonds.price(3.0, 3.0, 0.0)
