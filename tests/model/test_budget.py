"""The CBO baseline file against its published totals, and the fiscal-year arithmetic."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from model import ModelError
from model.budget import (
    DATA,
    by_fiscal_year,
    first_year_over,
    fiscal_year,
    load_cbo_baseline,
    month_ends,
    monthly_baseline,
)


def test_cbo_file_matches_the_published_totals():
    cbo = load_cbo_baseline().set_index("fiscal_year")
    assert list(cbo.index) == list(range(2024, 2036))
    ten = cbo.loc[2026:2035]
    assert ten[["revenues_usd_bn", "outlays_usd_bn", "net_interest_usd_bn", "deficit_usd_bn"]].sum().tolist() == [
        67_546,
        89_306,
        13_837,
        -21_760,
    ]
    five = cbo.loc[2026:2030]
    assert five[["revenues_usd_bn", "outlays_usd_bn", "net_interest_usd_bn", "deficit_usd_bn"]].sum().tolist() == [
        30_462,
        39_851,
        5_824,
        -9_389,
    ]
    assert (cbo["revenues_usd_bn"] - cbo["outlays_usd_bn"] == cbo["deficit_usd_bn"]).all()
    assert (cbo["deficit_usd_bn"] + cbo["net_interest_usd_bn"] == cbo["primary_deficit_usd_bn"]).all()
    assert cbo.loc[2025, "debt_held_by_public_end_usd_bn"] == 30_103 and cbo.loc[2035, "gdp_usd_bn"] == 43_933
    assert (DATA.parent / "README.md").read_text().count("cbo.gov/publication/60870") == 1


def test_a_user_baseline_with_the_same_columns_is_accepted_and_checked(tmp_path):
    good = load_cbo_baseline()
    p = tmp_path / "mine.csv"
    good.to_csv(p, index=False)
    assert load_cbo_baseline(p).equals(good)
    good.assign(outlays_usd_bn=good["outlays_usd_bn"] + 10).to_csv(p, index=False)
    with pytest.raises(ModelError, match="FY2024 revenues − outlays ≠ deficit"):
        load_cbo_baseline(p)
    good.drop(columns="gdp_usd_bn").to_csv(p, index=False)
    with pytest.raises(ModelError, match="missing columns gdp_usd_bn"):
        load_cbo_baseline(p)


def test_fiscal_years_run_october_to_september():
    ends = month_ends(date(2026, 9, 30), 13)
    assert ends[0] == pd.Timestamp("2026-10-31") and ends[-1] == pd.Timestamp("2027-10-31")
    assert fiscal_year(ends).tolist() == [2027] * 12 + [2028]


def test_monthly_baseline_is_a_twelfth_of_the_year_and_extrapolates_past_the_table():
    m = monthly_baseline(load_cbo_baseline(), date(2026, 9, 30), 120)
    fy27 = m[m["fiscal_year"] == 2027]
    assert fy27["revenues_usd_bn"].sum() == pytest.approx(5_935)
    assert fy27["primary_deficit_usd_bn"].sum() == pytest.approx(612)  # positive = deficit
    assert fy27["primary_outlays_usd_bn"].sum() == pytest.approx(7_622 - 1_075)
    fy36 = m[m["fiscal_year"] == 2036]
    assert fy36["extrapolated"].all() and not fy27["extrapolated"].any()
    assert fy36["revenues_usd_bn"].sum() == pytest.approx(8_031 * 8_031 / 7_708)
    assert fy36["gdp_usd_bn"].iloc[0] == pytest.approx(43_933 * 43_933 / 42_328)
    with pytest.raises(ModelError, match="CBO baseline starts FY2024"):
        monthly_baseline(load_cbo_baseline(), date(2020, 9, 30), 12)


def test_fiscal_year_table_and_the_first_year_over_20pct():
    m = monthly_baseline(load_cbo_baseline(), date(2026, 12, 31), 24)  # FY2027 partial (9 months)
    h = len(m)
    interest = np.vstack([np.full(h, 100.0), np.r_[np.full(9, 100.0), np.full(15, 150.0)]])
    debt = np.full((2, h), 30_000.0)
    fy = by_fiscal_year(m, interest, debt, debt)
    assert fy.fiscal_year.tolist() == [2027, 2028, 2029] and fy.months.tolist() == [9, 12, 3]
    assert fy.interest[0].tolist() == [900.0, 1200.0, 300.0]
    assert fy.effective_rate_pct[0, 1] == pytest.approx(100 * 1200 / 30_000)
    primary = (8_018 - 1_164) / 12 * 12
    assert fy.outlays[0, 1] == pytest.approx(primary + 1200)
    assert fy.share_outlays[0, 1] == pytest.approx(1200 / (primary + 1200))
    assert fy.pct_gdp[0, 1] == pytest.approx(100 * 1200 / 33_763)
    assert fy.share_outlays[1, 1] == pytest.approx(1800 / (primary + 1800))  # 20.8%
    assert first_year_over(fy) == [None, 2028]
    assert first_year_over(fy, threshold=0.25) == [None, None]
    assert first_year_over(fy, threshold=0.15) == [2027, 2027]  # 900 / (9 months of non-interest + 900) = 15.5%
