"""Flow construction on named months (mfhhis01 footnote 1/): holdings built from transactions enter as they are.

Before December 2011 mfhhis01 holdings were "estimated ... based on adding monthly net transactions from the
TIC S Form to the holdings in the most recent annual Survey", so their monthly change is a transaction flow and
must NOT get a valuation adjustment; December 2011 on they are SLT market values and do.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from calibration.inputs import make_inputs
from calibration.panel import DEFAULT_DURATION, build_panel

D = pd.Timestamp
MONTHS = pd.date_range("2011-06-30", "2012-04-30", freq="ME")


def _inputs():
    hold, fred = [], []
    for i, m in enumerate(MONTHS):
        src = "mfhhis01.txt"
        hold.append((m, "Grand Total", 4500.0 + 20.0 * i, None, src, D("2012-06-15")))
        # the 10y moves 25 bp every month: a valuation term would be visible
        fred.append(("DGS10", m, 3.0 + 0.25 * i))
    return make_inputs(
        date(2012, 5, 31),
        holdings=pd.DataFrame(
            hold, columns=["month", "country", "holdings_usd_bn", "series_note", "source_file", "vintage"]
        ),
        fred=pd.DataFrame(fred, columns=["series_id", "date", "value"]),
    )


def test_transactions_based_months_are_the_plain_holdings_change():
    p = build_panel(_inputs()).frame
    for m in ("2011-07-31", "2011-08-31", "2011-11-30"):
        assert p.loc[m, "flow_basis"] == "transactions_based", m
        assert p.loc[m, "np_adj_total"] == pytest.approx(20.0), m  # no -D*H*dy10 term
        assert p.loc[m, "sale_adj_total"] == pytest.approx(-20.0), m


def test_market_value_months_get_the_valuation_adjustment():
    p = build_panel(_inputs()).frame
    # February 2012: SLT market value; the 25 bp rise cut the value of January's holdings
    for m, prev_m in (("2012-02-29", "2012-01-31"), ("2012-04-30", "2012-03-31")):
        valuation = -DEFAULT_DURATION * p.loc[prev_m, "hold_total"] * 0.0025
        assert p.loc[m, "flow_basis"] == "estimated", m
        assert p.loc[m, "np_adj_total"] == pytest.approx(20.0 - valuation), m
        assert p.loc[m, "np_adj_total"] > 20.0 + 40.0  # the correction is large: a $4.5tn book, 25 bp


def test_transition_months_stay_breaks():
    p = build_panel(_inputs()).frame
    # Sep and Dec 2011 start the SLT-based series (footnotes 16/, 17/): the change into and out of them is no flow
    for m in ("2011-09-30", "2011-10-31", "2011-12-31", "2012-01-31"):
        assert pd.isna(p.loc[m, "np_adj_total"]), m
        assert bool(p.loc[m, "flow_break"]), m
