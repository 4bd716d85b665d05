"""The SOMA holdings CSV staged by DuckDB (flows/sources/nyfed_stage.py, warehouse/stage_records.py) gives exactly
the Python parser's rows, and every file it doubts goes to the parser, whose errors are unchanged."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from flows.sources import nyfed
from flows.sources.base import ParseError
from tests.conftest import read_snapshot
from tests.flows.sources.test_nyfed import BILL, HEADER, RELPATH
from tests.warehouse.test_stage import same_rows
from warehouse.load import ValidationError, stage_frames
from warehouse.schema import TABLES

TABLE = TABLES["soma_holdings"]
KEY = ["as_of_date", "cusip"]
TIPS = '"2022-03-30","\'912828X39\'","TIPS",,,"2022-04-15",,,"0.125",,"9977809000","1554043751.75","0.22","-5",,'
CMBS = '"2022-03-30","\'3138LM4F7\'","CMBS","FNMA MORTPASS 3.56% 06/28",,,,,,"124200000",,,,,,'
AGENCY = '"2022-03-30","\'31359MEU3\'","Agency Debts",,,"2029-05-15","FNMA",,"6.25",,"1000",,,"-0.5","0.001",'


def soma_csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def staged_frame(body: bytes, tmp_path: Path, relpath: str = RELPATH) -> pd.DataFrame | None:
    """What `nyfed.stage` staged, as a frame of the table's parsed columns, or None."""
    raw = tmp_path / hashlib.sha256(body).hexdigest()
    raw.write_bytes(body)
    con = duckdb.connect()
    try:
        staged = nyfed.stage(con, relpath, body, None, raw, "sha", date(2026, 12, 1))
        if staged is None:
            return None
        name, rows = staged["soma_holdings"]
        types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {name})").fetchall())
        assert {c.name: types[c.name] for c in TABLE.columns} == {c.name: c.type for c in TABLE.columns}
        assert con.execute(f"SELECT bool_and(payload_sha256 = 'sha') FROM {name}").fetchone() == (True,)
        frame = con.execute(f"SELECT {', '.join(TABLE.parsed_columns)} FROM {name}").df()
        assert len(frame) == rows
        return frame
    finally:
        con.close()


def parsed_and_staged_alike(body: bytes, tmp_path: Path) -> pd.DataFrame:
    staged = staged_frame(body, tmp_path)
    assert staged is not None, "a clean SOMA CSV is staged by DuckDB"
    same_rows(staged, nyfed.transform(RELPATH, body)["soma_holdings"], KEY)
    return staged


def test_the_snapshot_file_staged_equals_parsed(snapshot_dir, tmp_path):
    staged = parsed_and_staged_alike(read_snapshot(snapshot_dir, RELPATH), tmp_path)
    assert len(staged) == 1075
    row = staged.set_index("cusip")
    assert row.loc["912796N39", "par_value_usd"] == 15_682_348_400
    assert row.loc["912828X39", "inflation_compensation_usd"] == 1_554_043_751.75
    assert row.loc["3138LM4F7", "security_description"] == "FNMA MORTPASS 3.56% 06/28"
    assert staged["term"].isna().all() and staged["security_description"].isna().sum() == 427


def test_hand_made_rows_staged_equal_parsed(tmp_path):
    quoted = CMBS.replace('"FNMA MORTPASS 3.56% 06/28"', '"FNMA ""MORTPASS"", 3.56%"')
    staged = parsed_and_staged_alike(soma_csv(BILL, TIPS, quoted, AGENCY, BILL), tmp_path)  # BILL exactly repeated
    assert len(staged) == 4
    row = staged.set_index("cusip")
    assert row.loc["3138LM4F7", "security_description"] == 'FNMA "MORTPASS", 3.56%'
    assert row.loc["31359MEU3", "change_from_prior_week_usd"] == -0.5
    assert row.loc["912828X39", "change_from_prior_week_usd"] == -5


def test_api_style_header_and_no_final_line_break_are_staged(tmp_path):
    header = "asOfDate,cusip,securityType,maturityDate,coupon,spread,parValue ($)"
    parsed_and_staged_alike(
        soma_csv("2022-03-30,912828X39,TIPS,2022-04-15,0.125,,9977809000", header=header)[:-1], tmp_path
    )


def test_other_files_are_not_staged(tmp_path):
    assert staged_frame(soma_csv(BILL), tmp_path, relpath="fred/DGS10.csv") is None


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        (soma_csv(BILL.replace('"15682348400"', '"n/a"')), "Par Value", "not a number"),
        (soma_csv(BILL.replace('"0.1332569860220079"', '"inf"')), "Percent Outstanding", "not a finite number"),
        (soma_csv(BILL.replace('"15682348400"', '"15682348."')), "Par Value", "cut short"),
        (soma_csv(BILL.replace('"2022-03-31"', '"03/31/2022"')), "Maturity Date", "ISO date"),
        (soma_csv(BILL.replace('"2022-03-31"', '"2022-02-30"')), "Maturity Date", "ISO date"),
        (soma_csv(BILL.replace('"2022-03-31"', '"0000-01-01"')), "Maturity Date", "ISO date"),
        (soma_csv(BILL.replace("'912796N39'", "'9127'")), "CUSIP", "9 letters/digits"),
        (soma_csv(BILL.replace("'912796N39'", "'912796N3!'")), "CUSIP", "9 letters/digits"),
        (soma_csv(BILL.replace('"2022-03-30"', '""')), "As Of Date", "required value missing"),
        (soma_csv(BILL.replace('"Bills"', "")), "Security Type", "required value missing"),
        (soma_csv(BILL, header=HEADER.replace('"Par Value"', '"Par Amount"')), "header", "unknown column"),
        (soma_csv(header=HEADER.replace('"Par Value",', "")), "par_value_usd", "missing column"),
        (soma_csv(BILL + ",x", header=HEADER + ',"CUSIP"'), "header", "column appears twice"),
        (soma_csv(BILL, BILL.replace('"0",', '"5",')), "CUSIP", "two different rows"),
        (soma_csv(BILL[:-2]), "row", "expected 16 fields"),
        (soma_csv(BILL + ","), "row", "expected 16 fields"),
        (soma_csv(BILL.replace('"Bills"', 'Bi"lls"x,')), "row", "expected 16 fields"),
        (b"\xff\xfe" + soma_csv(BILL), None, "not UTF-8"),
        (soma_csv(BILL).replace(b"Bills", b"Bills\xe9"), None, "not UTF-8"),
        (b"", None, "no header row"),
    ],
)
def test_damaged_files_go_to_the_parser_which_names_the_fault(body, field, needle, tmp_path):
    assert staged_frame(body, tmp_path) is None
    with pytest.raises(ParseError) as err:
        nyfed.transform(RELPATH, body)
    assert "SOMA_Mar302022.csv" in str(err.value) and err.value.field == field
    assert needle is None or needle in str(err.value)


@pytest.mark.parametrize(
    "body",
    [
        soma_csv(BILL).replace(b"\n", b"\r\n"),  # CRLF line ends
        soma_csv(BILL, TIPS).replace(b"\n", b"\r", 1),  # a bare CR
        b"\xef\xbb\xbf" + soma_csv(BILL),  # a byte order mark
        soma_csv(BILL, "", TIPS),  # a blank line
        soma_csv(BILL, "," * 15),  # a line of blank cells
        soma_csv(BILL.replace('"Bills"', '"Bills\n"')),  # a line break inside quotes
        soma_csv(BILL.replace('"Bills"', '" Bills"')),  # spaces the parser strips
        soma_csv(BILL.replace('"Bills"', "Bills")),  # an unquoted field
        soma_csv(BILL.replace('"Bills"', '"Bi""lls"')),  # a doubled quote (staged alike or not at all)
        soma_csv(BILL.replace("'912796N39'", "912796n39")),  # lower case, no apostrophes
        soma_csv(BILL.replace('"15682348400"', '"15,682,348,400"')),  # thousands separators
        soma_csv(BILL.replace('"15682348400"', '"1.5682348400e10"')),  # an exponent
        soma_csv(BILL.replace('"0",', '"-0",')),  # minus zero
        soma_csv(BILL.replace('"0",', '"007",')),  # leading zeros
    ],
)
def test_odd_text_the_parser_accepts_is_staged_alike_or_parsed(body, tmp_path):
    parsed = nyfed.transform(RELPATH, body)["soma_holdings"]
    assert len(parsed) >= 1
    staged = staged_frame(body, tmp_path)
    if staged is not None:
        same_rows(staged, parsed, KEY)


def test_rows_validation_refuses_are_not_staged(tmp_path):
    body = soma_csv(BILL.replace('"2022-03-30"', '"2099-03-30"'))  # holdings from the future
    assert staged_frame(body, tmp_path) is None
    frames = nyfed.transform(RELPATH, body)
    with pytest.raises(ValidationError):
        stage_frames(duckdb.connect(), frames, file=RELPATH, sha256="s", log_row={"fetched_at": None})
