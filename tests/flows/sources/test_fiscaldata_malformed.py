"""Fiscal Data payloads that are malformed or odd: '*' and 'null' cells, and every ParseError naming the file,
the field and the value (API JSON and the MSPD detail CSV)."""

from __future__ import annotations

import pytest

from flows.sources import fiscaldata
from flows.sources.base import ParseError
from tests.flows.sources.fiscaldata_payloads import envelope, penny, summary_row


def test_star_is_zero_and_null_string_is_null():
    df = fiscaldata.transform(
        "fiscaldata/mspd_table_1__x.json", envelope([summary_row(), summary_row("Notes", "null", "null", "7")])
    )["mspd_summary"]
    assert df["debt_held_public_usd_mn"].iloc[0] == 0.0
    assert df["intragov_hold_usd_mn"].isna().iloc[1] and df["total_usd_mn"].iloc[1] == 7.0


@pytest.mark.parametrize(
    ("relpath", "body", "needle"),
    [
        (
            "fiscaldata/debt_to_penny__x.json",
            envelope([penny("2026-10-05", public="1,25")]),
            "'debt_held_public_amt' value '1,25'",
        ),
        ("fiscaldata/debt_to_penny__x.json", envelope([penny("10/05/2026")]), "'record_date' value '10/05/2026'"),
        ("fiscaldata/debt_to_penny__x.json", envelope([penny("2026-02-30")]), "not a calendar date"),
        ("fiscaldata/debt_to_penny__x.json", envelope([penny("2026-10-05", total="3.80")]), "'tot_pub_debt_out_amt'"),
        ("fiscaldata/debt_to_penny__x.json", envelope([penny("2026-10-05"), penny("2026-10-05")]), "duplicate key"),
        ("fiscaldata/debt_to_penny__x.json", envelope([{"record_date": "2026-10-05"}]), "'debt_held_public_amt'"),
        ("fiscaldata/mspd_table_1__x.json", envelope([summary_row(total="0.6")]), "differs from the total"),
        ("fiscaldata/mspd_table_1__x.json", envelope([summary_row(cls="null")]), "'security_class_desc'"),
        ("fiscaldata/avg_interest_rates__x.json", b"<!DOCTYPE html><html>Service Unavailable", "not JSON"),
        ("fiscaldata/avg_interest_rates__x.json", b'{"error":"Invalid query"}', "no 'data' list"),
        ("fiscaldata/avg_interest_rates__x.json", b'{"data":["x"]}', "not an object"),
        ("fiscaldata/Auctions_Query_19791115_20251215.csv", b"CUSIP\n", "not a Fiscal Data file"),
    ],
)
def test_malformed_api_json_raises_parse_error_naming_file_field_value(relpath, body, needle):
    with pytest.raises(ParseError) as err:
        fiscaldata.transform(relpath, body)
    assert relpath in str(err.value) and needle in str(err.value)


CSV_HEADER = (
    "Record Date,Security Type Description,Security Class 1 Description,Security Class 2 Description,"
    "Interest Rate,Yield,Issue Date,Maturity Date,Issued Amount (in Millions),"
    "Amount Adjusted for Inflation (in Millions),Redeemed Amount (in Millions),"
    "Outstanding Amount (in Millions),Source Line Number"
)


def detail_csv(*rows: str) -> bytes:
    return ("\r\n".join([CSV_HEADER, *rows]) + "\r\n").encode()


GOOD_BILL = "2023-08-31,Marketable,Bills Maturity Value,912797GR2,null,4.98,2023-05-09,2023-09-05,1,0,0,5,1"


def test_detail_csv_edge_cases_parse():
    frames = fiscaldata.transform(
        "fiscaldata/MSPD_DetailSecty_x.csv",
        detail_csv(
            "2023-08-31,Nonmarketable,Domestic Series,Zero-coupon Treasury Bond,null,null,null,null,"
            "null,null,null,null,3",
            "2023-08-31,Marketable,Bills Maturity Value,912797GR2,9.99,5.2,2023-07-11,2023-09-05,2,0,0,null,2",
            GOOD_BILL,
            "2023-08-31,Marketable,Bills Maturity Value,Total Matured Treasury Bills,null,null,null,null,"
            "null,null,null,*,4",
        ),
    )
    sec = frames["marketable_securities"]
    assert sec["tranche_no"].tolist() == [1, 2] and sec["yield_pct"].tolist() == [4.98, 5.2]
    assert sec["interest_rate_pct"].isna().all()  # bills carry no coupon even if the cell has one
    assert frames["marketable_totals"][["label", "security_class", "outstanding_usd_mn"]].values.tolist() == [
        ["Total Matured Treasury Bills", "Bills", 0.0]
    ]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (detail_csv(GOOD_BILL.replace("Bills Maturity Value", "Treasury Stuff")), "'Treasury Stuff'"),
        (detail_csv(GOOD_BILL.replace("912797GR2", "SOMETHING")), "'SOMETHING'"),
        (detail_csv(GOOD_BILL.replace("2023-09-05", "null")), "'maturity_date' value 'null'"),
        (detail_csv(GOOD_BILL.replace(",5,1", ",null,1")), "first tranche of CUSIP 912797GR2"),
        (detail_csv(GOOD_BILL.replace(",5,1", ",5,x")), "'src_line_nbr' value 'x'"),
        (detail_csv(GOOD_BILL, GOOD_BILL), "duplicate source line number"),
        (detail_csv(GOOD_BILL + ",extra"), "line 2"),
        (detail_csv(GOOD_BILL).replace(b"Yield,", b"Yld,"), "'Yield'"),
        (b"\xff\xfe" + detail_csv(GOOD_BILL), "not UTF-8"),
    ],
)
def test_malformed_detail_csv_raises_parse_error(body, needle):
    relpath = "fiscaldata/MSPD_DetailSecty_bad.csv"
    with pytest.raises(ParseError) as err:
        fiscaldata.transform(relpath, body)
    assert relpath in str(err.value) and needle in str(err.value)
