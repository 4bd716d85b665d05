"""Curves: interpolation, the observed curve at the anchor, forwards, curve histories (the response is
tests/model/test_response.py)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from model import ModelError
from model.curve import (
    CurveTable,
    baseline_curve,
    combine_curves,
    curve_from_fred,
    interp_tenors,
)
from tests.model import fixtures as fx


def test_interpolation_is_linear_in_maturity_and_flat_outside():
    nodes = np.array([3.0, 24.0, 60.0, 120.0, 360.0])
    vals = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    got = interp_tenors(vals, nodes, np.array([1.0, 3.0, 13.5, 90.0, 240.0, 480.0]))
    assert got == pytest.approx([1.0, 1.0, 1.5, 3.5, 7.0, 10.0])
    # works on stacked (draws, months, nodes) arrays too
    stacked = np.broadcast_to(vals, (2, 3, 5))
    assert interp_tenors(stacked, nodes, np.array([90.0])).shape == (2, 3, 1)


def test_baseline_takes_the_newest_value_per_tenor_on_or_before_the_anchor():
    c = fx.curve(date(2026, 9, 30), level=4.0)
    later = pd.DataFrame({"date": [pd.Timestamp("2026-10-15")], "tenor_months": [120.0], "yield_pct": [9.0]})
    older = c[c["date"] == c["date"].min()].assign(yield_pct=1.0)
    b = baseline_curve(pd.concat([older, c, later]), date(2026, 9, 30))
    assert b.at([120.0])[0] == pytest.approx(4.0)
    assert max(b.as_of) == date(2026, 9, 30) and not b.warnings


def test_baseline_warns_when_the_curve_is_stale_and_fails_without_one():
    c = fx.curve(date(2026, 3, 31))
    assert "older than the anchor" in baseline_curve(c, date(2026, 9, 30)).warnings[0]
    with pytest.raises(ModelError, match="no observation on or before the anchor"):
        baseline_curve(c, date(2020, 1, 31))


def test_forward_path_of_a_flat_curve_is_flat_and_starts_at_spot():
    flat = baseline_curve(fx.curve(level=4.0), fx.ANCHOR)
    assert np.allclose(flat.path(24, [3, 120], "forward"), 4.0)
    up = baseline_curve(fx.curve(), fx.ANCHOR)
    fwd = up.path(61, [12.0, 120.0], "forward")
    assert fwd[0] == pytest.approx(up.at([12.0, 120.0]))
    # 10-year forward 5 years out: (4.35·180 − 3.7·60) / 120 with the 15-year yield interpolated to 4.35
    assert fwd[60, 1] == pytest.approx((4.35 * 180 - 3.7 * 60) / 120)
    assert np.allclose(up.path(5, [120.0]), up.at([120.0]))  # 'flat' holds the anchor curve


def test_curve_table_looks_up_the_latest_curve_on_or_before_each_date():
    long = pd.DataFrame(
        {
            "date": pd.to_datetime(["2020-01-31"] * 2 + ["2020-02-28"]),
            "tenor_months": [12.0, 120.0, 12.0],
            "yield_pct": [1.0, 2.0, 3.0],
        }
    )
    t = CurveTable.from_long(long)
    got = t.at(pd.to_datetime(["2019-06-30", "2020-02-10", "2020-03-31", "2020-03-31"]), [12.0, 66.0, 12.0, 120.0])
    assert got == pytest.approx([1.0, 1.5, 3.0, 2.0])  # 120m forward-filled from January


def test_fred_series_fill_dates_the_par_curve_lacks():
    fred = pd.DataFrame(
        {
            "series_id": ["DGS10", "DGS10", "DGS3MO", "DEXJPUS"],
            "date": pd.to_datetime(["2026-06-30", "2025-12-31", "2026-06-30", "2026-06-30"]),
            "value": [4.4, 4.0, 3.9, 150.0],
        }
    )
    par = pd.DataFrame({"date": pd.to_datetime(["2025-12-31"]), "tenor_months": [120.0], "yield_pct": [4.1]})
    both = combine_curves(par, curve_from_fred(fred))
    assert len(both) == 3
    assert both.loc[both["date"] == "2025-12-31", "yield_pct"].tolist() == [4.1]  # par curve wins
    assert sorted(both.loc[both["date"] == "2026-06-30", "tenor_months"]) == [3.0, 120.0]


def test_a_tenor_long_out_of_date_is_dropped_with_a_warning():
    c = fx.curve(level=4.0)
    old30 = c[c["tenor_months"] == 360].assign(date=lambda d: d["date"] - pd.Timedelta(days=400))
    b = baseline_curve(pd.concat([c[c["tenor_months"] != 360], old30]), fx.ANCHOR)
    assert 360.0 not in b.tenors and "360-month tenor dropped" in b.warnings[0]


def test_tenors_that_stop_earlier_move_with_the_fresher_tenors():
    """FRED's 3-month and 10-year run past the 2-year and 30-year: the stale tenors take the change the fresh ones
    show since their last date (linear in maturity between fresh tenors, flat beyond), not their old level."""
    d0, d1 = pd.Timestamp("2026-07-01"), pd.Timestamp("2026-09-30")
    rows = [(d0, 3.0, 4.0), (d0, 24.0, 4.2), (d0, 120.0, 4.5), (d0, 360.0, 4.9), (d1, 3.0, 4.4), (d1, 120.0, 5.1)]
    c = pd.DataFrame(rows, columns=["date", "tenor_months", "yield_pct"])
    b = baseline_curve(c, date(2026, 9, 30))
    got = dict(zip(b.tenors, b.yields_pct, strict=True))
    w = (24 - 3) / (120 - 3)
    assert got[3.0] == 4.4 and got[120.0] == 5.1
    assert got[24.0] == pytest.approx(4.2 + 0.4 * (1 - w) + 0.6 * w)
    assert got[360.0] == pytest.approx(4.9 + 0.6)  # beyond the longest fresh tenor: its change
    assert "moved with the fresher tenors' change" in b.warnings[0] and "+60 bp" in b.warnings[0]
