"""Synthetic warehouse-shaped inputs with known coefficients, for recovery tests.

Data-generating process (monthly, $bn, yields in percent):
- Japan and China sell J_t, C_t ~ N(0, 15); other holders sell CONTAGION * (J + C) + N(0, 30); total
  sales S_t = J + C + others; official sales = 0.5 (J + C) + N(0, 10).
- Yield changes (bp): dy_k = BETA[k] * S_t / 100 + common_t + N(0, 5), common_t ~ N(0, 12): a sale of
  $100bn raises tenor k by BETA[k] bp on impact and permanently.
- Holdings as mfhhis01 builds them: before December 2011 from transactions, H_t = H_{t-1} - sales_t (the
  footnote-1/ construction: no price effect in the month-to-month change); from December 2011 at market value,
  H_t = H_{t-1} - sales_t - D * H_{t-1} * dy10_t / 1e4 (the valuation effect the panel must remove). TIC
  reports net purchases (= -sales) from `reported_from` on.
- Mortgage and Japan 10y move SPILL_MORT / SPILL_JP bp per bp of the U.S. 10y; the 10y breakeven
  moves SPILL_BEI per bp of the 10y plus BACKSTOP bp per $100bn of Fed purchases.
- Marketable debt is DEBT_BN (+-0.1% noise), so 1% of debt is about 2 x $100bn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from calibration.inputs import Inputs, make_inputs
from warehouse.read.calibration_inputs import FLOWS_COLUMNS, HOLDINGS_COLUMNS

BETA = {"3m": 0.0, "2y": 10.0, "5y": 20.0, "10y": 20.0, "30y": 15.0}
CONTAGION = 0.3
SPILL_MORT, SPILL_JP, SPILL_BEI, BACKSTOP = 0.7, 0.2, 0.3, 2.0
DEBT_BN = 20_000.0
START_HOLDINGS = {"total": 6000.0, "official": 3000.0, "japan": 1000.0, "china": 900.0}
CODES = {
    "total": ("Grand Total", 99996),
    "official": ("Foreign Official", 99990),
    "japan": ("Japan", 42609),
    "china": ("China", 41408),
}
SERIES = {"3m": "DGS3MO", "2y": "DGS2", "5y": "DGS5", "10y": "DGS10", "30y": "DGS30"}


def synthetic_inputs(
    n_months: int = 240,
    start: str = "2004-01",
    duration: float = 4.0,
    reported_from: int = 0,
    seed: int = 7,
    beta_scale: np.ndarray | None = None,
) -> Inputs:
    """`reported_from`: index of the first month with TIC-reported net purchases (0 = all months).
    `beta_scale`: optional per-month multiplier of BETA (to build a structural break)."""
    rng = np.random.default_rng(seed)
    n = n_months
    months = pd.date_range(pd.Timestamp(start) + pd.offsets.MonthEnd(0), periods=n, freq="ME")
    jp, cn = rng.normal(0, 15, n), rng.normal(0, 15, n)
    others = CONTAGION * (jp + cn) + rng.normal(0, 30, n)
    sales = {
        "japan": jp,
        "china": cn,
        "total": jp + cn + others,
        "official": 0.5 * (jp + cn) + rng.normal(0, 10, n),
    }
    scale = np.ones(n) if beta_scale is None else beta_scale
    common = rng.normal(0, 12, n)
    dy = {k: b * scale * sales["total"] / 100.0 + common + rng.normal(0, 5, n) for k, b in BETA.items()}
    levels = {k: 3.0 + np.cumsum(v) / 100.0 for k, v in dy.items()}

    fed_purch = rng.normal(20, 50, n)
    d_bei = SPILL_BEI * dy["10y"] + BACKSTOP * fed_purch / 100.0 + rng.normal(0, 4, n)
    fred_rows = []
    for k, sid in SERIES.items():
        fred_rows += [(sid, m, v) for m, v in zip(months, levels[k], strict=True)]
    monthly = {
        "FEDFUNDS": 2.0 + np.cumsum(rng.normal(0, 10, n)) / 100.0,
        "T10YIE": 2.2 + np.cumsum(d_bei) / 100.0,
        "THREEFYTP10": 0.5 + np.cumsum(rng.normal(0, 8, n)) / 100.0,
        "MORTGAGE30US": 6.0 + np.cumsum(SPILL_MORT * dy["10y"] + rng.normal(0, 5, n)) / 100.0,
        "IRLTLT01JPM156N": 0.5 + np.cumsum(SPILL_JP * dy["10y"] + rng.normal(0, 3, n)) / 100.0,
        "TREAST": (2_000_000.0 + np.cumsum(fed_purch) * 1000.0),  # $ millions
    }
    for sid, vals in monthly.items():
        # FRED dates monthly series at the first of the month; the panel maps them to month end.
        dates = months.to_period("M").to_timestamp() if sid in ("FEDFUNDS", "IRLTLT01JPM156N") else months
        fred_rows += [(sid, d, v) for d, v in zip(dates, vals, strict=True)]
    quarters = months[months.month % 3 == 0]
    debt = DEBT_BN * (1 + rng.normal(0, 0.001, len(quarters)))
    # GFDEBTN: total public debt in $ millions, dated at the quarter's first day.
    fred_rows += [
        ("GFDEBTN", (q - pd.offsets.QuarterBegin(1, startingMonth=1)).normalize(), d * 1000.0 / 0.8)
        for q, d in zip(quarters, debt, strict=True)
    ]
    fred = pd.DataFrame(fred_rows, columns=["series_id", "date", "value"])

    vintage = months[-1] + pd.Timedelta(days=20)
    hold_rows, flow_rows = [], []
    for key, (country, code) in CODES.items():
        h = START_HOLDINGS[key]
        for i, m in enumerate(months):
            market_value = m >= pd.Timestamp("2011-12-31")
            h = h - sales[key][i] - (duration * h * dy["10y"][i] / 1e4 if market_value else 0.0)
            hold_rows.append((m, country, h, None, "mfhhis01.txt", vintage))
            flow_rows.append(
                (
                    m,
                    code,
                    h * 1000.0,
                    -sales[key][i] * 1000.0 if i >= reported_from else np.nan,
                    np.nan,
                    vintage,
                )
            )
    holdings = pd.DataFrame(hold_rows, columns=HOLDINGS_COLUMNS)
    flows = pd.DataFrame(
        flow_rows,
        columns=FLOWS_COLUMNS,
    )
    last = months[-1]
    debt_rows = pd.DataFrame(
        {
            "record_date": [last, last],
            "measure": ["marketable", "total_public"],
            "usd_bn": [debt[-1], debt[-1] / 0.8],
        }
    )
    as_of = (last + pd.Timedelta(days=25)).date()
    return make_inputs(as_of, holdings=holdings, flows=flows, fred=fred, debt=debt_rows)
