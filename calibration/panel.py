"""The monthly panel: foreign flows by holder and measure, yields, controls, debt. Month-end index.

Conventions (every column says its unit in its name or below):
- Net purchases (`np_*`) are foreign BUYING in $ billions; sales (`sale_*`) are their negative, so a
  positive sale is net foreign selling. `*_pct` scales a flow by the previous month's marketable debt (%).
- NAIVE flow = change in holdings. It mixes transactions with price changes: when yields rise the
  market value of holdings falls, which looks like selling.
- VALUATION-ADJUSTED flow (`flow_basis` / `basis_<holder>` say which applies in a month):
    'reported'              TIC SLT net purchases (slt_table3, from 2023-02);
    'holdings_less_valchg'  change in holdings minus the reported long-term valuation change;
    'transactions_based'    change in holdings where the holdings themselves were BUILT from transactions:
                            mfhhis01 before December 2011 (footnote 1/: "estimated foreign holdings of U.S.
                            Treasury bonds and notes based on adding monthly net transactions from the TIC S
                            Form to the holdings in the most recent annual Survey"), so the month-to-month
                            change already is the net transaction flow; no valuation term is subtracted
                            (subtracting one injected -D*H*dy10, correlated about -0.9 with the yield change);
    'estimated'             change in market-value holdings (SLT, December 2011 on) minus an estimated
                            valuation effect,
                            -D * holdings[t-1] * dy10[t] / 100, D an effective duration (years) of the
                            holder's whole portfolio with respect to the month-end 10y yield. D is fitted
                            (least squares through the origin) on the months where TIC reports both the
                            holdings change and net purchases; with too few such months DEFAULT_DURATION.
- Yields (`y_<tenor>`) are MONTH-END values in percent (last daily FRED observation of the month,
  Treasury par curve where FRED is missing); `y10_avg` is the monthly average (for the Japan 10y,
  which is itself a monthly average). Rate changes `d_*_bp` are in basis points.
- Supply: marketable debt in $bn from MSPD where published; otherwise FRED GFDEBTN (total public
  debt, quarter-end) times the marketable share of total debt (MSPD, interpolated between
  publications, held flat outside them), linearly interpolated to months. `d_debt_pct` is its monthly
  growth in percent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from calibration.inputs import CURVE_TENORS, HOLDERS, TENOR_SERIES, Inputs

DEFAULT_DURATION = 4.0  # years vs the 10y yield; the 2023-26 reported months fit 3.8 (total) to 5.3 (China)
MIN_FIT_MONTHS = 24
DURATION_BOUNDS = (1.0, 12.0)
# mfhhis01 footnotes 16/ and 17/: the SLT-based series starts in Sep and Dec 2011 without a duplicate
# comparison column, so series_note cannot flag them; the holdings change into these months is a break.
EXTRA_BREAK_MONTHS = ("2011-09", "2011-12")
# mfhhis01 footnote 1/: holdings before December 2011 were built by adding monthly TIC S net transactions to the
# annual survey, so their change is a transaction flow; from December 2011 they are SLT market values.
LAST_TRANSACTIONS_MONTH = pd.Timestamp("2011-11-30")


@dataclass
class Panel:
    frame: pd.DataFrame
    durations: dict[str, tuple[float, str]] = field(default_factory=dict)  # holder -> (years, how)
    notes: list[str] = field(default_factory=list)


def month_end(s: pd.Series) -> pd.Series:
    return (pd.to_datetime(s) + pd.offsets.MonthEnd(0)).dt.normalize()


def _monthly(fred: pd.DataFrame, series: str, how: str = "last") -> pd.Series:
    s = fred.loc[(fred["series_id"] == series) & fred["value"].notna(), ["date", "value"]]
    if s.empty:
        return pd.Series(dtype="float64")
    s = s.sort_values("date")
    g = s.groupby(month_end(s["date"]))["value"]
    return (g.last() if how == "last" else g.mean()).astype("float64")


def build_panel(inputs: Inputs, durations: dict[str, float] | None = None) -> Panel:
    """The panel for months that are complete on inputs.as_of. `durations` overrides the fitted D."""
    notes: list[str] = []
    last_month = (pd.Timestamp(inputs.as_of) + pd.offsets.MonthEnd(0)).normalize()
    if pd.Timestamp(inputs.as_of).normalize() != last_month:
        last_month = (last_month - pd.offsets.MonthEnd(1)).normalize()
    hold = inputs.holdings
    if hold.empty and inputs.flows.empty:
        return Panel(pd.DataFrame(index=pd.DatetimeIndex([], name="month")), {}, ["no foreign holdings data"])
    first = min(x for x in (hold["month"].min(), inputs.flows["month"].min()) if pd.notna(x))
    idx = pd.date_range(first + pd.offsets.MonthEnd(0), last_month, freq="ME", name="month")
    p = pd.DataFrame(index=idx)

    _add_yields(p, inputs)
    _add_macro(p, inputs.fred)
    _add_debt(p, inputs, notes)
    fitted = _add_flows(p, inputs, durations or {}, notes)
    p["flow_basis"] = p["basis_total"]
    if "mkt_debt_bn" in p:
        prev_debt = p["mkt_debt_bn"].shift(1)
        for col in [c for c in p.columns if c.startswith("sale_")]:
            p[f"{col}_pct"] = p[col] / prev_debt * 100.0
        p["foreign_share_pct"] = p["hold_total"] / p["mkt_debt_bn"] * 100.0
    return Panel(p, fitted, notes)


def _add_yields(p: pd.DataFrame, inputs: Inputs) -> None:
    curve = inputs.curve
    for tenor, series in TENOR_SERIES.items():
        y = _monthly(inputs.fred, series)
        c = curve.loc[curve["tenor_months"] == CURVE_TENORS[tenor]]
        if not c.empty:
            cm = c.sort_values("date").groupby(month_end(c["date"]))["yield_pct"].last()
            y = y.combine_first(cm) if not y.empty else cm
        p[f"y_{tenor}"] = y.reindex(p.index)
        p[f"dy_{tenor}_bp"] = p[f"y_{tenor}"].diff() * 100.0
    p["y10_avg"] = _monthly(inputs.fred, "DGS10", "mean").reindex(p.index)


def _add_macro(p: pd.DataFrame, fred: pd.DataFrame) -> None:
    ff = _monthly(fred, "FEDFUNDS")
    ff = ff.combine_first(_monthly(fred, "DFF", "mean")) if not ff.empty else _monthly(fred, "DFF", "mean")
    cols = {
        "ff": ff,
        "bei10": _monthly(fred, "T10YIE"),
        "tp10": _monthly(fred, "THREEFYTP10"),
        "mort30": _monthly(fred, "MORTGAGE30US"),
        "jp10": _monthly(fred, "IRLTLT01JPM156N"),
    }
    for name, s in cols.items():
        p[name] = s.reindex(p.index) if not s.empty else np.nan
        p[f"d_{name}_bp"] = p[name].diff() * 100.0
    p["d_y10_avg_bp"] = p["y10_avg"].diff() * 100.0
    fed = _monthly(fred, "TREAST")  # Wednesday levels, $ millions: the month's last Wednesday
    p["fed_tsy_bn"] = fed.reindex(p.index) / 1000.0 if not fed.empty else np.nan
    p["fed_purchases_bn"] = p["fed_tsy_bn"].diff()


MSPD_ANCHORS = Path(__file__).with_name("data") / "mspd_marketable_anchors.csv"


ANCHOR_TOLERANCE = 0.03


def _with_anchors(debt: pd.DataFrame, gq: pd.Series, as_of) -> pd.DataFrame:
    """The warehouse's MSPD rows plus the cited historical MSPD anchors (data/README.md) dated on or before as_of,
    not already present, and whose total public debt agrees with GFDEBTN (`gq`, quarter-end $bn) at the nearest
    quarter end within ANCHOR_TOLERANCE; only when some debt figure exists (no anchor invents a debt history)."""
    if debt.empty or gq.empty:
        return debt
    a = pd.read_csv(MSPD_ANCHORS, parse_dates=["record_date"])
    a = a.loc[a["record_date"] <= pd.Timestamp(as_of)]
    near = gq.reindex(pd.DatetimeIndex(a["record_date"]), method="nearest", tolerance=pd.Timedelta(days=62))
    agree = near.to_numpy() / (a["total_public_debt_usd_mn"].to_numpy() / 1000.0) - 1.0
    a = a.loc[np.abs(agree) <= ANCHOR_TOLERANCE]
    rows = [
        (r.record_date, m, v / 1000.0)
        for r in a.itertuples()
        for m, v in (("marketable", r.total_marketable_usd_mn), ("total_public", r.total_public_debt_usd_mn))
        if pd.notna(v)
    ]
    extra = pd.DataFrame(rows, columns=["record_date", "measure", "usd_bn"])
    have = set(zip(month_end(debt["record_date"]), debt["measure"], strict=True))
    keep = [
        (month_end(pd.Series([d]))[0], m) not in have
        for d, m in zip(extra["record_date"], extra["measure"], strict=True)
    ]
    return pd.concat([extra.loc[keep], debt], ignore_index=True) if any(keep) else debt


def _add_debt(p: pd.DataFrame, inputs: Inputs, notes: list[str]) -> None:
    g = inputs.fred.loc[(inputs.fred["series_id"] == "GFDEBTN") & inputs.fred["value"].notna()]
    # GFDEBTN is dated at the quarter's first day but measures the quarter-end level, in $ millions.
    gq = pd.Series(
        g["value"].to_numpy() / 1000.0,
        index=(pd.to_datetime(g["date"]) + pd.offsets.QuarterEnd(0)).dt.normalize().to_numpy(),
    ).sort_index()
    # Two observations in one quarter (a series re-dated by FRED, a hostile or mocked feed) would make the
    # quarter-end labels collide; the later one is the quarter's level.
    gq = gq[~gq.index.duplicated(keep="last")]
    debt = _with_anchors(inputs.debt, gq, inputs.as_of)
    mkt = debt.loc[debt["measure"] == "marketable"].set_index("record_date")["usd_bn"]
    tot = debt.loc[debt["measure"] == "total_public"].set_index("record_date")["usd_bn"]
    mkt.index, tot.index = month_end(mkt.index.to_series()), month_end(tot.index.to_series())
    share = (mkt / tot).dropna()
    if mkt.empty and share.empty:
        if gq.empty:
            notes.append("no debt figures (MSPD, GFDEBTN) on or before as-of: supply and %-of-debt measures omitted")
            return
        # Growth of total public debt stands in for supply; without a marketable level, no %-of-debt measures.
        total = gq.reindex(gq.index.union(p.index)).sort_index().interpolate(method="time", limit_area="inside")
        p["d_debt_pct"] = total.reindex(p.index).pct_change(fill_method=None) * 100.0
        notes.append(
            "no marketable-debt figure (MSPD) on or before as-of: supply = growth of total public debt "
            "(GFDEBTN); %-of-debt measures and the foreign share omitted"
        )
        return
    points = pd.Series(dtype="float64")
    if not gq.empty and not share.empty:
        s = share.reindex(share.index.union(gq.index)).sort_index().interpolate(method="time").ffill().bfill()
        points = gq * s.reindex(gq.index)
        first_anchor = share.index.min()
        if first_anchor > gq.index.min() + pd.DateOffset(years=2):
            notes.append(
                f"marketable share of total public debt is held at its first MSPD value "
                f"({share.iloc[0]:.3f}, {first_anchor:%Y-%m}) before then: marketable debt, %-of-debt "
                "flows and the foreign share are approximate in earlier years"
            )
    points = mkt.combine_first(points).sort_index()
    full = points.reindex(points.index.union(p.index)).sort_index()
    full = full.interpolate(method="time", limit_area="inside")
    p["mkt_debt_bn"] = full.reindex(p.index)
    p["d_debt_pct"] = p["mkt_debt_bn"].pct_change(fill_method=None) * 100.0


def _break_months(hold: pd.DataFrame) -> set[pd.Timestamp]:
    marks = set(
        hold.loc[hold["series_note"].notna() & (hold["source_file"].fillna("").str.startswith("mfhhis")), "month"]
    )
    if not hold.empty and (hold["source_file"].fillna("").str.startswith("mfhhis")).any():
        marks |= {pd.Timestamp(m) + pd.offsets.MonthEnd(0) for m in EXTRA_BREAK_MONTHS}
    # The change into a break month mixes the flow with the re-benchmarking; the change out of it may
    # too if the parser kept the comparison column, so both are dropped.
    return marks | {(m + pd.offsets.MonthEnd(1)).normalize() for m in marks}


def _add_flows(p: pd.DataFrame, inputs: Inputs, durations: dict[str, float], notes: list[str]):
    hold, flows = inputs.holdings, inputs.flows
    breaks = _break_months(hold)
    dy10 = p["dy_10y_bp"] / 1e4  # decimal: price change of a D-year bond ~ -D * dy10
    fitted: dict[str, tuple[float, str]] = {}
    for key, (country, code) in HOLDERS.items():
        hc = hold.loc[hold["country"] == country].set_index("month")
        h = hc["holdings_usd_bn"]
        src = hc["source_file"].fillna("").reindex(p.index).fillna("")
        tx_based = pd.Series(
            (p.index <= LAST_TRANSACTIONS_MONTH) & src.str.startswith("mfhhis").to_numpy(), index=p.index
        )
        f = flows.loc[flows["country_code"] == code].set_index("month").reindex(p.index)
        level = h.reindex(p.index).combine_first(f["holdings_usd_mn"] / 1000.0)
        reported = f["net_purchases_usd_mn"] / 1000.0
        if level.notna().sum() == 0:
            notes.append(f"no holdings for {key} ({country})")
        naive = level.diff()
        is_break = pd.Series(naive.index.isin(breaks), index=p.index)
        naive[is_break] = np.nan
        less_valchg = (f["holdings_usd_mn"].diff() - f["lt_valuation_change_usd_mn"]) / 1000.0
        # Fit D on months where both the holdings change and the reported transactions exist.
        x = -level.shift(1) * dy10
        other = naive - reported
        ok = x.notna() & other.notna() & (x.abs() > 0) & ~tx_based
        if key in durations:
            fitted[key] = (float(durations[key]), "set by caller")
        elif ok.sum() >= MIN_FIT_MONTHS:
            d = float((x[ok] * other[ok]).sum() / (x[ok] ** 2).sum())
            d = float(np.clip(d, *DURATION_BOUNDS))
            fitted[key] = (d, f"fitted on {int(ok.sum())} reported months")
        else:
            fitted[key] = (DEFAULT_DURATION, f"assumed (only {int(ok.sum())} reported months to fit)")
        estimated = naive - fitted[key][0] * x
        adj = reported.copy()
        basis = pd.Series(np.where(reported.notna(), "reported", None), index=p.index, dtype=object)
        use = adj.isna() & less_valchg.notna()
        adj[use], basis[use] = less_valchg[use], "holdings_less_valchg"
        use = adj.isna() & tx_based & naive.notna()
        adj[use], basis[use] = naive[use], "transactions_based"
        use = adj.isna() & estimated.notna() & ~tx_based
        adj[use], basis[use] = estimated[use], "estimated"
        p[f"hold_{key}"] = level
        p[f"np_naive_{key}"] = naive
        p[f"np_adj_{key}"] = adj
        p[f"sale_naive_{key}"] = -naive
        p[f"sale_adj_{key}"] = -adj
        p[f"basis_{key}"] = basis
        if key == "total":
            p["flow_break"] = is_break & adj.isna()
    return fitted
