"""TIC edge cases: mfh.txt refused as stale, country names normalised and agreeing across files, and damaged
files raising a ParseError that names the file, the field and the value."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from flows.sources import base, tic
from flows.sources.base import ParseError
from tests.flows.sources.tic.tic_files import HIST, MFH, SLT3, SLT5, body, value

# --- mfh.txt ----------------------------------------------------------------------------------


def test_mfh_is_refused_as_stale(raw):
    with pytest.raises(tic.StaleSourceError) as err:
        tic.transform(MFH, raw[MFH])
    assert isinstance(err.value, ParseError) and isinstance(err.value, base.StaleSourceError) and err.value.stale
    assert str(err.value) == (
        "tic/mfh.txt: frozen upstream since March 2023 (newest month 2023-01); use slt_table5.txt"
    )
    assert err.value.newest_month == date(2023, 1, 31) and err.value.frozen_since == date(2023, 3, 15)


def test_unrecognisable_mfh_is_a_parse_error_not_stale():
    with pytest.raises(ParseError) as err:
        tic.transform(MFH, b"<html>moved</html>\r\n")
    assert not err.value.stale and "mfh.txt" in str(err.value)


# --- country names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw_name, expected",
    [
        ("China, Mainland", "China"),
        ('"China, Mainland"', "China"),
        ("Korea, South ", "South Korea"),
        ("Korea", "South Korea"),
        ("United Kingdom 2/", "United Kingdom"),
        ("Belgium  5/", "Belgium"),
        ("Carib Bnkng Ctrs 4/", "Caribbean Banking Centers"),
        ("Oil Exporters 3/", "Oil Exporters"),
        ("  For. Official", "Foreign Official"),
        ("Of Which: Foreign Official", "Foreign Official"),
        ("Of Which: Foreign Official Treasury Bills", "Foreign Official: Treasury Bills"),
        ("Of Which: Foreign Official T-Bonds & Notes", "Foreign Official: T-Bonds & Notes"),
        ("Of Which: Foreign Non-Official", "Foreign Non-Official"),
        ("Memo: Euro Area", "Euro Area"),
        ("Cayman  Islands", "Cayman Islands"),
        ("Japan", "Japan"),
    ],
)
def test_normalise_country(raw_name, expected):
    assert tic.normalise_country(raw_name) == expected


def test_country_names_agree_across_files(hist, slt5, slt3):
    big = {
        "Japan",
        "China",
        "United Kingdom",
        "South Korea",
        "Taiwan",
        "Belgium",
        "Luxembourg",
        "Cayman Islands",
        "Ireland",
        "Switzerland",
        "Hong Kong",
        "Saudi Arabia",
        "United Arab Emirates",
        "Grand Total",
    }
    for df in (hist[hist.month.dt.year == 2025], slt5, slt3):
        assert big <= set(df.country)
    assert set(slt5.country) - {"All Other"} <= set(hist.country)
    assert set(slt5.country) - {
        "All Other",
        "Foreign Official: Treasury Bills",
        "Foreign Official: T-Bonds & Notes",
    } <= set(slt3.country)


# --- malformed input --------------------------------------------------------------------------


@pytest.mark.parametrize("rel", [HIST, SLT5, SLT3])
def test_truncated_files_raise_parse_error(raw, rel):
    data = raw[rel]
    for cut in (len(data) // 2, data.rfind(b"\r\n", 0, len(data) // 2) + 2, len(data) // 7):
        with pytest.raises(ParseError) as err:
            tic.transform(rel, data[:cut])
        assert rel in str(err.value)


def test_non_numeric_cells_name_file_field_and_value(raw):
    with pytest.raises(ParseError) as err:
        tic.transform(HIST, body(raw, HIST, "Japan\t1185.5\t", "Japan\t1185,5\t"))
    assert (err.value.file, err.value.field, err.value.value) == (HIST, "Japan Dec 2025", "1185,5")
    assert "line 10" in str(err.value)
    with pytest.raises(ParseError) as err:
        tic.transform(SLT5, body(raw, SLT5, "Japan\t1209.9", "Japan\tnan"))
    assert (err.value.field, err.value.value) == ("Japan 2026-04", "nan")
    with pytest.raises(ParseError) as err:
        tic.transform(SLT3, body(raw, SLT3, "Japan\t42609\t2026-04\t1209889", "Japan\t42609\t2026-04\t1.2e6"))
    assert err.value.field == "for_treas_pos (Japan 2026-04)" and err.value.value == "1.2e6"


def test_cells_the_column_check_doubts_are_read_one_by_one(raw, hist, slt3):
    # A padded cell fails the one regex over all cells; the file is parsed again cell by cell, as before.
    padded = tic.transform(HIST, body(raw, HIST, "Japan\t1185.5\t", "Japan\t 1185.5 \t"))["foreign_holdings"]
    assert value(padded, "2025-12-31", "Japan") == 1185.5
    pd.testing.assert_frame_equal(padded, hist)
    padded = tic.transform(SLT3, body(raw, SLT3, "Japan\t42609\t2026-04\t1209889", "Japan\t42609\t2026-04\t 1209889"))
    assert value(padded["foreign_flows"], "2026-04-30", "Japan", "holdings_usd_mn") == 1209889
    pd.testing.assert_frame_equal(padded["foreign_flows"], slt3)


def test_the_first_bad_cell_is_named_before_a_later_problem(raw):
    # A bad Japan cell, then the file cut before Grand Total: read cell by cell, the bad cell comes first.
    text = body(raw, SLT3, "Japan\t42609\t2026-04\t1209889", "Japan\t42609\t2026-04\t12O9889").decode()
    cut = text[: text.index("\n", text.index("12O9889")) + 1].encode()
    with pytest.raises(ParseError) as err:
        tic.transform(SLT3, cut)
    assert (err.value.field, err.value.value) == ("for_treas_pos (Japan 2026-04)", "12O9889")


def test_missing_headers_raise_parse_error(raw):
    with pytest.raises(ParseError, match="Country"):
        tic.transform(SLT5, body(raw, SLT5, "Country\t2026-04", "Land\t2026-04"))
    with pytest.raises(ParseError, match="column-name row"):
        tic.transform(SLT3, body(raw, SLT3, "country\tcountry_code", "Country\tCountry Code"))
    with pytest.raises(ParseError) as err:
        tic.transform(SLT3, body(raw, SLT3, "\tfor_treas_net\t", "\tfor_treas_netto\t"))
    assert err.value.field == "for_treas_net"
    with pytest.raises(ParseError, match="'Country' year row"):
        tic.transform(HIST, body(raw, HIST, "Country\t2024\t", "\t2024\t"))
    with pytest.raises(ParseError, match="vintage stamp"):
        tic.transform(HIST, body(raw, HIST, "5/18/2026", "May 2026"))


def test_structural_problems_raise_parse_error(raw):
    with pytest.raises(ParseError, match="duplicate"):
        tic.transform(HIST, body(raw, HIST, "Canada\t468.2", "Japan\t468.2"))
    with pytest.raises(ParseError, match="newest first"):
        tic.transform(SLT5, body(raw, SLT5, "2026-04\t2026-03", "2026-03\t2026-04"))
    with pytest.raises(ParseError, match="Dec"):
        tic.transform(HIST, body(raw, HIST, "\tDec\tNov\t", "\tNov\tDec\t"))
    with pytest.raises(ParseError, match="comparison only"):
        tic.transform(HIST, body(raw, HIST, "for comparison only", "for reference", count=20))
    with pytest.raises(ParseError, match="empty"):
        tic.transform(SLT5, b"")
    with pytest.raises(ParseError, match="not a TIC file"):
        tic.transform("tic/slt_table1.txt", raw[SLT5])
    with pytest.raises(ParseError, match="quoting"):
        tic.transform(HIST, body(raw, HIST, '"China, Mainland"\t683.5', '"China, Mainland\t683.5'))


def test_only_parse_errors_escape_on_damaged_bytes(raw):
    # Cut, corrupt and re-encode at many places: anything wrong must surface as ParseError, nothing else.
    for rel in (HIST, SLT5, MFH):
        data = raw[rel]
        for k in range(1, 12):
            at = len(data) * k // 12
            for damaged in (data[:at], data[:at] + b"\xff\xfe\t" + data[at + 5 :]):
                try:
                    tic.transform(rel, damaged)
                except ParseError:
                    pass
