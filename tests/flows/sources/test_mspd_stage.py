"""The MSPD detail CSV staged by DuckDB (flows/sources/mspd_stage.py, warehouse/stage_mspd.py) gives exactly the
Python parser's rows in both tables, and every file it doubts goes to the parser, whose errors are unchanged."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.sources import fiscaldata
from flows.sources.base import ParseError
from tests.conftest import read_snapshot
from tests.flows.sources.test_fiscaldata import CSV_AUG, CSV_SEP
from tests.flows.sources.test_fiscaldata_malformed import GOOD_BILL, detail_csv
from tests.warehouse.test_stage import same_rows
from warehouse.load import ValidationError, stage_frames
from warehouse.schema import TABLES

RELPATH = "fiscaldata/MSPD_DetailSecty_bad.csv"
KEYS = {"marketable_securities": ["record_date", "cusip", "tranche_no"], "marketable_totals": ["record_date", "label"]}
NONMARKETABLE = (
    "2023-08-31,Nonmarketable,Domestic Series,Zero-coupon Treasury Bond,null,null,null,null,null,null,null,null,3"
)
SECOND_TRANCHE = "2023-08-31,Marketable,Bills Maturity Value,912797GR2,9.99,5.2,2023-07-11,2023-09-05,2,0,0,null,2"
MATURED_TOTAL = (
    "2023-08-31,Marketable,Bills Maturity Value,Total Matured Treasury Bills,null,null,null,null,null,null,null,*,4"
)
NOTE = "2023-08-31,Marketable,Notes,91282CDU2,1.25,1.3,2021-11-15,2024-11-15,100,null,0.5,99.5,5"
FFB = "2023-08-31,Marketable,Federal Financing Bank,null,null,null,null,null,null,null,null,5492.21,6"


def staged_frames(relpath: str, body: bytes, tmp_path: Path) -> dict[str, pd.DataFrame] | None:
    """What `fiscaldata.stage` staged, as frames of each table's parsed columns, or None."""
    raw = tmp_path / hashlib.sha256(body).hexdigest()
    raw.write_bytes(body)
    con = duckdb.connect()
    try:
        staged = fiscaldata.stage(con, relpath, body, None, raw, "sha", date.today())
        if staged is None:
            return None
        frames = {}
        for table, (name, rows) in staged.items():
            cols = TABLES[table].parsed_columns
            frames[table] = con.execute(f"SELECT {', '.join(cols)} FROM {name}").df()
            assert len(frames[table]) == rows
            assert con.execute(f"SELECT bool_and(payload_sha256 = 'sha') FROM {name}").fetchone() == (True,)
        return frames
    finally:
        con.close()


def parsed_and_staged_alike(relpath: str, body: bytes, tmp_path: Path) -> dict[str, pd.DataFrame]:
    staged = staged_frames(relpath, body, tmp_path)
    assert staged is not None, "a clean detail CSV is staged by DuckDB"
    parsed = fiscaldata.transform(relpath, body)
    # The Python path stages no empty frame: the same tables, then the same rows in each.
    con = duckdb.connect()
    try:
        log_row = {"fetched_at": datetime.now()}
        assert set(staged) == set(stage_frames(con, parsed, file=relpath, sha256="sha", log_row=log_row))
    finally:
        con.close()
    for table, frame in staged.items():
        same_rows(frame, parsed[table], KEYS[table])
    return staged


# ---- real snapshot ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("relpath", "securities"), [(CSV_AUG, 811), (CSV_SEP, 812)])
def test_the_snapshot_csvs_staged_equal_parsed(snapshot_dir, relpath, securities, tmp_path):
    staged = parsed_and_staged_alike(relpath, read_snapshot(snapshot_dir, relpath), tmp_path)
    assert len(staged["marketable_securities"]) == securities and len(staged["marketable_totals"]) == 13


def test_staged_august_values(snapshot_dir, tmp_path):
    frames = staged_frames(CSV_AUG, read_snapshot(snapshot_dir, CSV_AUG), tmp_path)
    sec = frames["marketable_securities"].set_index(["cusip", "tranche_no"]).sort_index()
    bill = sec.loc["912797GR2"]
    assert bill.index.tolist() == [1, 2, 3]
    assert bill["outstanding_usd_mn"].iloc[0] == 168_420.9613 and bill["outstanding_usd_mn"].iloc[1:].isna().all()
    assert bill["interest_rate_pct"].isna().all() and bill["yield_pct"].tolist() == [4.98, 5.2, 5.275]
    assert sec.loc[("9128286N5", 1), "interest_rate_pct"] == 0.5
    assert (sec["source_format"] == "csv").all()
    totals = frames["marketable_totals"].set_index("label")
    assert totals.loc["Total Matured Treasury Bills", "outstanding_usd_mn"] == 0  # '*' rounds to zero
    assert totals.loc["Total Marketable", "security_class"] == "All"


# ---- hand-made files ----------------------------------------------------------------------------------


def test_edge_cases_staged_equal_parsed(tmp_path):
    body = detail_csv(NONMARKETABLE, SECOND_TRANCHE, GOOD_BILL, MATURED_TOTAL, NOTE, FFB)
    staged = parsed_and_staged_alike(RELPATH, body, tmp_path)
    sec = staged["marketable_securities"].set_index(["cusip", "tranche_no"]).sort_index()
    # Tranche order is source-line order, not file order: line 1 (GOOD_BILL) comes after line 2 in the file.
    assert sec.loc["912797GR2", "issue_date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-05-09", "2023-07-11"]
    assert sec.loc[("91282CDU2", 1), "redeemed_usd_mn"] == 0.5


def test_a_file_without_subtotals_stages_only_securities_as_the_parser_does(tmp_path):
    assert set(parsed_and_staged_alike(RELPATH, detail_csv(GOOD_BILL), tmp_path)) == {"marketable_securities"}


def test_a_file_without_marketable_rows_goes_to_the_parser(tmp_path):
    assert staged_frames(RELPATH, detail_csv(NONMARKETABLE), tmp_path) is None
    assert all(f.empty for f in fiscaldata.transform(RELPATH, detail_csv(NONMARKETABLE)).values())


def test_other_fiscaldata_files_are_not_staged(snapshot_dir, tmp_path):
    relpath = "fiscaldata/mspd_table_3__record_date-2026-09-30__fields6.json"
    assert staged_frames(relpath, read_snapshot(snapshot_dir, relpath), tmp_path) is None


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (detail_csv(GOOD_BILL.replace("4.98", "4.9x8")), "'yield_pct' value '4.9x8' not a number"),
        (detail_csv(GOOD_BILL.replace("4.98", "NaN")), "not a finite number"),
        (detail_csv(GOOD_BILL.replace("2023-09-05", "2023-02-30")), "not a calendar date"),
        (detail_csv(GOOD_BILL.replace("2023-05-09", "05/09/2023")), "'issue_date' value '05/09/2023'"),
        (detail_csv(GOOD_BILL.replace("2023-08-31", "2023-8-31")), "'record_date' value '2023-8-31'"),
        (detail_csv(GOOD_BILL.replace("Bills Maturity Value", "Treasury Stuff")), "'Treasury Stuff'"),
        (detail_csv(GOOD_BILL, GOOD_BILL.replace("4.98", "5")), "duplicate source line number"),
        (detail_csv(NONMARKETABLE, NONMARKETABLE.replace("Zero", "One")), "duplicate source line number"),
        (detail_csv(GOOD_BILL.replace(",5,1", ",5,x")), "'src_line_nbr' value 'x'"),
        (detail_csv(GOOD_BILL.replace(",5,1", ",null,1")), "first tranche of CUSIP 912797GR2"),
        (detail_csv(GOOD_BILL, SECOND_TRANCHE.replace("Bills Maturity Value", "Notes")), "under two classes"),
        (detail_csv(MATURED_TOTAL.replace("Total Matured", "Subtotal Matured")), "neither a CUSIP"),
        (detail_csv(MATURED_TOTAL.replace("Bills Maturity Value", "Stuff")), "unknown marketable security class"),
        (detail_csv(MATURED_TOTAL, MATURED_TOTAL.replace(",4", ",7")), "duplicate subtotal row"),
        (detail_csv(GOOD_BILL).replace(b"Yield,", b"Yld,"), "'Yield'"),
        (detail_csv(GOOD_BILL + ",extra"), "line 2"),
        (detail_csv(GOOD_BILL.rsplit(",", 1)[0]), "line 2"),
        (b"\xff\xfe" + detail_csv(GOOD_BILL), "not UTF-8"),
        (detail_csv(GOOD_BILL.replace("912797GR2", '"912797GR2" ')), "'912797GR2 '"),
        (detail_csv(GOOD_BILL.replace("912797GR2", 'x"912797GR2')), "'x\"912797GR2'"),
        (detail_csv('"' + GOOD_BILL), "line 2"),
    ],
)
def test_damaged_files_go_to_the_parser_which_names_the_fault(body, needle, tmp_path):
    assert staged_frames(RELPATH, body, tmp_path) is None
    with pytest.raises(ParseError) as err:
        fiscaldata.transform(RELPATH, body)
    assert RELPATH in str(err.value) and needle in str(err.value)


@pytest.mark.parametrize(
    "body",
    [
        detail_csv(GOOD_BILL.replace("4.98", " 4.98")),  # spaces the parser strips
        detail_csv(GOOD_BILL.replace("4.98", "498e-2")),  # an exponent
        detail_csv(GOOD_BILL.replace(",5,1", ",5,01")),  # a leading zero in the line number
        detail_csv(GOOD_BILL).replace(b"\r\n", b"\n"),  # LF line ends
    ],
)
def test_odd_text_the_parser_accepts_goes_to_the_parser(body, tmp_path):
    assert staged_frames(RELPATH, body, tmp_path) is None
    assert len(fiscaldata.transform(RELPATH, body)["marketable_securities"]) == 1


def test_quoted_fields_and_doubled_quotes_are_staged(tmp_path):
    total = MATURED_TOTAL.replace("Total Matured Treasury Bills", '"Total Matured ""Bills"", old"')
    body = detail_csv(GOOD_BILL.replace("912797GR2", '"912797GR2"'), total).replace(b"Yield", b'"Yield"')
    staged = parsed_and_staged_alike(RELPATH, body, tmp_path)
    assert staged["marketable_totals"]["label"].tolist() == ['Total Matured "Bills", old']


@pytest.mark.parametrize(
    "row",
    [
        GOOD_BILL.replace("2023-08-31", "2099-08-31"),  # a statement from the future
        NOTE.replace("1.25", "25"),  # an implausible coupon
    ],
)
def test_rows_validation_refuses_are_not_staged(row, tmp_path):
    body = detail_csv(row)
    assert staged_frames(RELPATH, body, tmp_path) is None
    frames = fiscaldata.transform(RELPATH, body)
    with pytest.raises(ValidationError):
        stage_frames(duckdb.connect(), frames, file=RELPATH, sha256="s", log_row={"fetched_at": None})


def test_a_class1_total_without_an_amount_is_staged_null(tmp_path):
    staged = parsed_and_staged_alike(RELPATH, detail_csv(GOOD_BILL, FFB.replace("5492.21", "null")), tmp_path)
    assert staged["marketable_totals"]["outstanding_usd_mn"].isna().all()
