"""load_inputs on a small hand-built warehouse: as-of filtering of vintages, FRED realtime, hashing."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from calibration.inputs import data_hash, load_inputs, make_inputs
from warehouse.db import connect
from warehouse.schema import TABLES

D = pd.Timestamp


def _insert(con, table, rows):
    cols = TABLES[table].parsed_columns
    df = pd.DataFrame(rows, columns=cols)
    df["payload_sha256"] = "test"
    con.register("rows_df", df)
    con.execute(f"INSERT INTO {table} SELECT * FROM rows_df")
    con.unregister("rows_df")


@pytest.fixture()
def warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    con = connect(path)
    _insert(
        con,
        "foreign_holdings",
        [
            # Jan-2024 Japan published in March, revised in April (mfhhis01), and also in slt_table5 in April.
            (D("2024-01-31"), "Japan", "country", 1100.0, "mfhhis01.txt", D("2024-03-18"), "stamp", None),
            (D("2024-01-31"), "Japan", "country", 1105.0, "mfhhis01.txt", D("2024-04-18"), "stamp", None),
            (
                D("2024-01-31"),
                "Japan",
                "country",
                1106.0,
                "slt_table5.txt",
                D("2024-04-18"),
                "estimated_release",
                None,
            ),
            (D("2024-02-29"), "Japan", "country", 1110.0, "mfhhis01.txt", D("2024-04-18"), "stamp", None),
            (D("2024-01-31"), "Belgium", "country", 300.0, "mfhhis01.txt", D("2024-03-18"), "stamp", None),
            (D("2024-01-31"), "Grand Total", "total", 8000.0, "mfhhis01.txt", D("2024-03-18"), "stamp", None),
        ],
    )
    _insert(
        con,
        "foreign_flows",
        [
            (
                D("2024-01-31"),
                "Japan",
                42609,
                "country",
                1100000.0,
                None,
                None,
                None,
                None,
                None,
                None,
                D("2024-03-18"),
                "estimated_release",
            ),
            (
                D("2024-01-31"),
                "Japan",
                42609,
                "country",
                1105000.0,
                -5000.0,
                None,
                None,
                100.0,
                None,
                None,
                D("2024-04-18"),
                "estimated_release",
            ),
            (
                D("2024-01-31"),
                "Belgium",
                10030,
                "country",
                300000.0,
                1.0,
                None,
                None,
                None,
                None,
                None,
                D("2024-03-18"),
                "estimated_release",
            ),
        ],
    )
    _insert(
        con,
        "fred_observations",
        [
            # Offline CSV: realtime_start is the download date, after the as-of dates used below.
            ("DGS10", D("2024-01-02"), 3.95, D("2024-06-30"), None, "fredgraph_csv", False),
            ("DGS10", D("2024-01-03"), None, D("2024-06-30"), None, "fredgraph_csv", False),
            # A revised series: two vintages of the same quarter.
            ("GFDEBTN", D("2024-01-01"), 34_000_000.0, D("2024-04-25"), D("2024-07-24"), "api_json", False),
            ("GFDEBTN", D("2024-01-01"), 34_100_000.0, D("2024-07-25"), None, "api_json", False),
            ("GDP", D("2024-01-01"), 28_000.0, D("2024-04-25"), None, "api_json", False),
        ],
    )
    _insert(
        con,
        "yield_curve",
        [
            (D("2024-01-02"), 120.0, 3.95, "x.csv"),
            (D("2024-05-02"), 120.0, 4.6, "x.csv"),
            (D("2024-01-02"), 84.0, 3.9, "x.csv"),
        ],
    )
    _insert(
        con,
        "mspd_summary",
        [
            (D("2024-03-31"), "Total Marketable", "_", 27_000_000.0, 0.0, 27_000_000.0),
            (D("2024-03-31"), "Total Public Debt Outstanding", "_", 27_500_000.0, 7_000_000.0, 34_500_000.0),
            (D("2024-03-31"), "Marketable", "Bills", 6_000_000.0, 0.0, 6_000_000.0),
        ],
    )
    con.close()
    return path


def test_as_of_picks_latest_known_vintage_and_hides_future_months(warehouse):
    with connect(warehouse, read_only=True) as con:
        march = load_inputs(con, date(2024, 3, 31))
        may = load_inputs(con, date(2024, 5, 1))
        jan = load_inputs(con, date(2024, 1, 31))
    jp = march.holdings[march.holdings["country"] == "Japan"]
    assert jp["holdings_usd_bn"].tolist() == [1100.0]  # revision and Feb not yet published
    jp = may.holdings[may.holdings["country"] == "Japan"].set_index("month")["holdings_usd_bn"]
    # Same vintage in two files: slt_table5 wins the tie.
    assert jp.to_dict() == {D("2024-01-31"): 1106.0, D("2024-02-29"): 1110.0}
    assert "Belgium" not in set(may.holdings["country"])  # only the holders the calibration uses
    assert jan.holdings.empty and jan.flows.empty
    assert march.flows["net_purchases_usd_mn"].isna().all()
    assert may.flows["net_purchases_usd_mn"].tolist() == [-5000.0]
    assert may.flows["lt_valuation_change_usd_mn"].tolist() == [100.0]


def test_fred_realtime_filter_and_unrevised_market_series(warehouse):
    with connect(warehouse, read_only=True) as con:
        early = load_inputs(con, date(2024, 3, 1))
        mid = load_inputs(con, date(2024, 5, 1))
        late = load_inputs(con, date(2024, 8, 1))

    def values(i, sid):
        return i.fred.loc[i.fred["series_id"] == sid, "value"].tolist()

    # DGS10 is a market price: known on its date even though the stored copy was downloaded in June.
    assert values(early, "DGS10")[0] == 3.95 and pd.isna(values(early, "DGS10")[1])
    assert values(early, "GFDEBTN") == []  # first published 2024-04-25
    assert values(mid, "GFDEBTN") == [34_000_000.0]
    assert values(late, "GFDEBTN") == [34_100_000.0]
    assert "GDP" not in set(late.fred["series_id"])  # not a series the calibration reads


def test_curve_and_debt(warehouse):
    with connect(warehouse, read_only=True) as con:
        i = load_inputs(con, date(2024, 4, 30))
    assert i.curve["date"].tolist() == [D("2024-01-02")]  # 7y tenor not used; May not yet observed
    assert i.debt.set_index("measure")["usd_bn"].to_dict() == {
        "marketable": 27_000.0,
        "total_public": 34_500.0,
    }


def test_data_hash_is_deterministic_and_order_free(warehouse):
    with connect(warehouse, read_only=True) as con:
        a = load_inputs(con, date(2024, 5, 1))
        b = load_inputs(con, date(2024, 5, 1))
        c = load_inputs(con, date(2024, 8, 1))
    assert data_hash(a) == data_hash(b)
    assert data_hash(a) != data_hash(c)
    shuffled = make_inputs(a.as_of, **{n: getattr(a, n).iloc[::-1] for n in a.frame_names()})
    assert data_hash(shuffled) == data_hash(a)
    bumped = a.holdings.copy()
    bumped.loc[0, "holdings_usd_bn"] += 1e-9
    assert data_hash(
        make_inputs(a.as_of, **{**{n: getattr(a, n) for n in a.frame_names()}, "holdings": bumped})
    ) != data_hash(a)
