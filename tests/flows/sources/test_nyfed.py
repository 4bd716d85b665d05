"""NY Fed SOMA holdings by CUSIP: the real 2022-03-30 website file, header variants, edge cases, live path."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from flows.sources import nyfed
from flows.sources.base import ParseError
from tests.conftest import read_snapshot
from warehouse.db import ddl
from warehouse.schema import TABLES

RELPATH = "fred/nyfed_soma/SOMA_Mar302022.csv"
TREASURY = ("Bills", "NotesBonds", "TIPS", "FRNs")
HEADER = (
    '"As Of Date","CUSIP","Security Type","Security Description","Term","Maturity Date","Issuer",'
    '"Spread (%)","Coupon (%)","Current Face Value","Par Value","Inflation Compensation",'
    '"Percent Outstanding","Change From Prior Week","Change From Prior Year","is Aggregated"'
)
BILL = '"2022-03-30","\'912796N39\'","Bills",,,"2022-03-31",,,,,"15682348400",,"0.1332569860220079","0",,'


@pytest.fixture(scope="module")
def frame(snapshot_dir):
    return nyfed.transform(RELPATH, read_snapshot(snapshot_dir, RELPATH))["soma_holdings"]


def test_offline_finds_the_file(snapshot_dir):
    payloads = nyfed.extract_offline(snapshot_dir)
    assert [p.relpath for p in payloads] == [RELPATH]
    assert payloads[0].offline and payloads[0].source == "soma" and payloads[0].url == "snapshot:" + RELPATH


def test_row_counts_by_security_type(frame):
    assert len(frame) == 1075
    assert frame["security_type"].value_counts().to_dict() == {
        "CMBS": 648,
        "NotesBonds": 323,
        "TIPS": 49,
        "Bills": 41,
        "FRNs": 8,
        "Agency Debts": 6,
    }


def test_columns_types_and_key(frame):
    assert list(frame.columns) == TABLES["soma_holdings"].parsed_columns
    assert str(frame["as_of_date"].dtype).startswith("datetime64")
    assert str(frame["maturity_date"].dtype).startswith("datetime64")
    assert frame["par_value_usd"].dtype == "float64" and frame["percent_outstanding"].dtype == "float64"
    assert (frame["as_of_date"] == pd.Timestamp("2022-03-30")).all()
    assert not frame.duplicated(["as_of_date", "cusip"]).any()


def test_cusips_lose_the_apostrophe(frame, snapshot_dir):
    assert b"\"'912796N39'\"" in read_snapshot(snapshot_dir, RELPATH)
    assert frame["cusip"].iloc[0] == "912796N39"
    assert frame["cusip"].str.fullmatch(r"[0-9A-Z]{9}").all()


def test_treasury_par_plus_inflation_compensation_equals_fred_treast(frame):
    tsy = frame[frame["security_type"].isin(TREASURY)]
    assert len(tsy) == 421
    total_mn = (tsy["par_value_usd"].sum() + tsy["inflation_compensation_usd"].sum()) / 1e6
    assert round(total_mn, 2) == 5_760_029.97  # FRED TREAST 2022-03-30


def test_implied_outstanding_from_percent_outstanding(frame):
    tsy = frame[frame["security_type"].isin(TREASURY)]
    assert tsy["percent_outstanding"].between(0, 1, inclusive="right").all()  # a fraction, not percent
    implied = tsy["par_value_usd"] / tsy["percent_outstanding"]
    assert implied.sum() / 1e12 == pytest.approx(22.69, abs=0.005)
    bills = implied[tsy["security_type"] == "Bills"]
    assert bills.sum() / 1e12 == pytest.approx(3.66, abs=0.005)


def test_known_rows(frame):
    row = frame.set_index("cusip")
    bill = row.loc["912796N39"]
    assert bill["par_value_usd"] == 15_682_348_400 and bill["maturity_date"] == pd.Timestamp("2022-03-31")
    assert bill["percent_outstanding"] == pytest.approx(0.1332569860220079, rel=1e-15)
    tips = row.loc["912828X39"]
    assert tips["coupon_pct"] == 0.125 and tips["inflation_compensation_usd"] == 1_554_043_751.75
    frn = row.loc["912828ZK9"]
    assert frn["spread_pct"] == 0.114 and pd.isna(frn["coupon_pct"])
    agency = row.loc["31359MEU3"]
    assert agency["issuer"] == "FNMA" and agency["coupon_pct"] == 6.25 and pd.isna(agency["percent_outstanding"])
    cmbs = row.loc["3138LM4F7"]
    assert cmbs["security_description"] == "FNMA MORTPASS 3.56% 06/28"
    assert cmbs["current_face_value_usd"] == 124_200_000
    assert pd.isna(cmbs["maturity_date"]) and pd.isna(cmbs["par_value_usd"])


def test_empty_fields_are_null_not_empty_strings(frame):
    assert frame["term"].isna().all() and frame["is_aggregated"].isna().all()
    assert frame["issuer"].notna().sum() == 6
    assert frame["security_description"].isna().sum() == 427
    assert not (frame[["security_description", "issuer"]] == "").any().any()


def test_api_style_headers_fold_to_the_same_columns():
    # We hold no sample of the API's CSV: accept unit-less, camelCase and "($)" spellings of known names.
    body = (
        b"asOfDate,cusip,securityType,maturityDate,coupon,spread,parValue ($),inflationCompensation,"
        b"percentOutstanding,changeFromPriorWeek,changeFromPriorYear\n"
        b"2022-03-30,912828X39,TIPS,2022-04-15,0.125,,9977809000,1554043751.75,0.2245748317886443,0,"
        b"667000000\n"
    )
    out = nyfed.transform("fred/nyfed_soma/SOMA_2022-03-30.csv", body)["soma_holdings"]
    assert list(out.columns) == TABLES["soma_holdings"].parsed_columns
    assert out["cusip"].iloc[0] == "912828X39" and out["par_value_usd"].iloc[0] == 9_977_809_000
    assert out["change_from_prior_year_usd"].iloc[0] == 667_000_000
    assert out["issuer"].isna().all() and out["current_face_value_usd"].isna().all()


def test_exact_repeated_rows_are_dropped():
    out = nyfed.transform(RELPATH, f"{HEADER}\n{BILL}\n{BILL}\n".encode())["soma_holdings"]
    assert len(out) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (HEADER.replace('"Par Value"', '"Par Amount"') + "\n" + BILL, "header"),  # unknown column
        (HEADER.replace('"Par Value",', "") + "\n", "par_value_usd"),  # a required column absent
        (HEADER + ',"CUSIP"\n' + BILL + ",x", "header"),  # a column twice
        (HEADER + "\n" + BILL.replace("'912796N39'", "'9127'"), "CUSIP"),
        (HEADER + "\n" + BILL.replace('"2022-03-31"', '"03/31/2022"'), "Maturity Date"),
        (HEADER + "\n" + BILL.replace('"2022-03-30"', '""'), "As Of Date"),
        (HEADER + "\n" + BILL.replace('"15682348400"', '"n/a"'), "Par Value"),
        (HEADER + "\n" + BILL.replace('"0.1332569860220079"', '"inf"'), "Percent Outstanding"),
        (HEADER + "\n" + BILL[:-2], "row"),
        (HEADER + "\n" + BILL + "\n" + BILL.replace('"0",', '"5",'), "CUSIP"),  # conflicting duplicate key
    ],
)
def test_malformed_files_raise_parse_error(body, field):
    with pytest.raises(ParseError) as err:
        nyfed.transform(RELPATH, body.encode())
    assert err.value.field == field
    assert "SOMA_Mar302022.csv" in str(err.value)


@pytest.mark.parametrize("body", [b"", b"\n", b"\xff\xfe\x00\x01"])
def test_empty_or_undecodable_raise_parse_error(body):
    with pytest.raises(ParseError):
        nyfed.transform(RELPATH, body)


def test_unknown_relpath_is_rejected(snapshot_dir):
    with pytest.raises(ParseError):
        nyfed.transform("fred/DGS10.csv", read_snapshot(snapshot_dir, RELPATH))


# --------------------------------------------------------------------------- live path


class FakeHttp:
    def __init__(self, body: bytes):
        self.body, self.calls = body, []

    def get(self, url: str, params: dict | None = None) -> bytes:
        self.calls.append(url)
        return self.body


@pytest.mark.parametrize(
    ("today", "wednesday"),
    [
        (date(2022, 3, 30), date(2022, 3, 30)),  # a Wednesday itself
        (date(2022, 3, 31), date(2022, 3, 30)),
        (date(2022, 4, 5), date(2022, 3, 30)),  # Tuesday: still last week's
    ],
)
def test_latest_wednesday(today, wednesday):
    assert nyfed.latest_wednesday(today) == wednesday


def test_live_fetches_the_latest_wednesday(snapshot_dir):
    http = FakeHttp(read_snapshot(snapshot_dir, RELPATH))
    payloads = list(nyfed.extract_live(http, {"soma": date(2022, 3, 23)}, today=date(2022, 4, 1)))
    assert http.calls == ["https://markets.newyorkfed.org/api/soma/tsy/get/asof/2022-03-30.csv"]
    assert [p.relpath for p in payloads] == ["fred/nyfed_soma/SOMA_2022-03-30.csv"]
    assert not payloads[0].offline and payloads[0].source == "soma"
    out = nyfed.transform(payloads[0].relpath, payloads[0].body, fetched_on=date(2022, 4, 1))["soma_holdings"]
    assert len(out) == 1075


def test_live_skips_a_stored_date_and_an_unpublished_week():
    http = FakeHttp(HEADER.encode() + b"\n")
    assert list(nyfed.extract_live(http, {"soma": date(2022, 3, 30)}, today=date(2022, 4, 1))) == []
    assert http.calls == []
    assert list(nyfed.extract_live(http, {}, today=date(2022, 4, 6))) == []  # header only: not out yet
    assert http.calls == ["https://markets.newyorkfed.org/api/soma/tsy/get/asof/2022-04-06.csv"]


def test_live_state_reads_the_newest_as_of_date():
    con = duckdb.connect(":memory:")
    assert nyfed.live_state(con) == {}
    con.execute(ddl(TABLES["soma_holdings"]))
    assert nyfed.live_state(con) == {}
    con.execute(
        "INSERT INTO soma_holdings (as_of_date, cusip, security_type, payload_sha256) VALUES "
        "('2022-03-23', '912796N39', 'Bills', 'x'), ('2022-03-30', '912796N39', 'Bills', 'x')"
    )
    assert nyfed.live_state(con) == {"soma": date(2022, 3, 30)}
